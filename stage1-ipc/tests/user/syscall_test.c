// SPDX-License-Identifier: MIT
/*
 * syscall_test.c - user tests: the system-call interface itself.
 *
 * The calling convention (x8 = number, x0 = result, every other register
 * kept, FP/SIMD too), unknown call numbers, hm_debug_puts with good and bad
 * buffers, hm_info, the cycle counter and the null call.  Every refused call
 * changes nothing (UT_ASSERT_ERR_UNCHANGED compares the free frames and the
 * kernel objects before and after).
 */
#include "hm.h"
#include "utest.h"

#define PAGE HM_PAGE_SIZE

/* A recognisable 64-bit pattern per register number. */
#define PAT(i) (0x0101010101010101ul * (unsigned long)(0x10 + (i)))

/* Registers svc_clobbers() checks: x0..x17, then v0, v7, v8, v16, v31. */
#define NX 18
#define NV 5
#define NREGS (NX + NV)

/*
 * svc_clobbers() - make native call @nr with x0 = @a0 and every other
 * register x1..x17 (x8 being the number) and the low halves of v0, v7, v8,
 * v16 and v31 holding known values.  Return: a bit mask of the registers
 * that changed (bit i = xi, bit 32 + k = the k-th vector register); the
 * call's result in *@ret.
 *
 * The whole sequence is one asm block that loads every register from
 * b.in[] and stores every register to b.out[] right after the svc, through
 * a base register the compiler picks outside the clobbered x0..x17: no
 * compiler-generated code runs between setting a register and reading it.
 */
static unsigned long svc_clobbers(unsigned long nr, unsigned long a0, long *ret)
{
    struct {
        unsigned long in[NREGS];
        unsigned long out[NREGS];
    } b;
    unsigned long mask = 0;

    _Static_assert(NREGS == 23, "the offsets in the asm assume 23 registers");
    for (int i = 0; i < NREGS; i++) {
        b.in[i] = PAT(i);
        b.out[i] = 0;
    }
    b.in[0] = a0;
    b.in[8] = nr;
    __asm__ volatile("ldr x0, [%[b], #0]\n\t"
                     "ldr x1, [%[b], #8]\n\t"
                     "ldr x2, [%[b], #16]\n\t"
                     "ldr x3, [%[b], #24]\n\t"
                     "ldr x4, [%[b], #32]\n\t"
                     "ldr x5, [%[b], #40]\n\t"
                     "ldr x6, [%[b], #48]\n\t"
                     "ldr x7, [%[b], #56]\n\t"
                     "ldr x8, [%[b], #64]\n\t"
                     "ldr x9, [%[b], #72]\n\t"
                     "ldr x10, [%[b], #80]\n\t"
                     "ldr x11, [%[b], #88]\n\t"
                     "ldr x12, [%[b], #96]\n\t"
                     "ldr x13, [%[b], #104]\n\t"
                     "ldr x14, [%[b], #112]\n\t"
                     "ldr x15, [%[b], #120]\n\t"
                     "ldr x16, [%[b], #128]\n\t"
                     "ldr x17, [%[b], #136]\n\t"
                     "ldr d0, [%[b], #144]\n\t"
                     "ldr d7, [%[b], #152]\n\t"
                     "ldr d8, [%[b], #160]\n\t"
                     "ldr d16, [%[b], #168]\n\t"
                     "ldr d31, [%[b], #176]\n\t" HM_SVC_INSN "\n\t"
                     "str x0, [%[b], #184]\n\t"
                     "str x1, [%[b], #192]\n\t"
                     "str x2, [%[b], #200]\n\t"
                     "str x3, [%[b], #208]\n\t"
                     "str x4, [%[b], #216]\n\t"
                     "str x5, [%[b], #224]\n\t"
                     "str x6, [%[b], #232]\n\t"
                     "str x7, [%[b], #240]\n\t"
                     "str x8, [%[b], #248]\n\t"
                     "str x9, [%[b], #256]\n\t"
                     "str x10, [%[b], #264]\n\t"
                     "str x11, [%[b], #272]\n\t"
                     "str x12, [%[b], #280]\n\t"
                     "str x13, [%[b], #288]\n\t"
                     "str x14, [%[b], #296]\n\t"
                     "str x15, [%[b], #304]\n\t"
                     "str x16, [%[b], #312]\n\t"
                     "str x17, [%[b], #320]\n\t"
                     "str d0, [%[b], #328]\n\t"
                     "str d7, [%[b], #336]\n\t"
                     "str d8, [%[b], #344]\n\t"
                     "str d16, [%[b], #352]\n\t"
                     "str d31, [%[b], #360]"
                     :
                     : [b] "r"(&b)
                     : "memory", "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
                       "x11", "x12", "x13", "x14", "x15", "x16", "x17", "v0", "v7", "v8", "v16",
                       "v31");
    *ret = (long)b.out[0];
    for (int i = 1; i < NREGS; i++) {
        if (b.out[i] != b.in[i]) {
            mask |= 1ul << (i < NX ? i : 32 + (i - NX));
        }
    }
    return mask;
}

/* A call keeps every register but x0: on success, on error, for an unknown
 * number, and across a yield (which may switch threads). */
UTEST(user_syscall_keeps_registers)
{
    long r;

    UT_ASSERT_EQ(svc_clobbers(HM_SYS_NULL, 0, &r), 0);
    UT_ASSERT_EQ(r, 0);
    UT_ASSERT_EQ(svc_clobbers(HM_SYS_INFO, HM_INFO_NCPUS, &r), 0);
    UT_ASSERT_EQ(r, hm_info(HM_INFO_NCPUS));
    UT_ASSERT_EQ(svc_clobbers(HM_SYS_CAP_INFO, 9999, &r), 0);
    UT_ASSERT_EQ(r, -HM_EBADCAP);
    UT_ASSERT_EQ(svc_clobbers(HM_SYS_COUNT, 0, &r), 0);
    UT_ASSERT_EQ(r, -HM_ENOSYS);
    for (int i = 0; i < 10; i++) {
        UT_ASSERT_EQ(svc_clobbers(HM_SYS_YIELD, 0, &r), 0);
        UT_ASSERT_EQ(r, 0);
    }
}

/* Numbers past the table, large ones and -1: -HM_ENOSYS.  (Whether the
 * kernel reads all 64 bits of x8 is its choice, so no test depends on it.) */
UTEST(user_syscall_unknown)
{
    UT_ASSERT_ERR_UNCHANGED(hm_syscall0(HM_SYS_COUNT), HM_ENOSYS);
    UT_ASSERT_ERR_UNCHANGED(hm_syscall0(HM_SYS_COUNT + 1), HM_ENOSYS);
    UT_ASSERT_ERR_UNCHANGED(hm_syscall0(0x7fffffff), HM_ENOSYS);
    UT_ASSERT_ERR_UNCHANGED(hm_syscall0(~0ul), HM_ENOSYS);
}

/* The null call (the benchmark's) does nothing and returns 0. */
UTEST(user_null_call)
{
    for (int i = 0; i < 100; i++) {
        UT_ASSERT_EQ(hm_null(), 0);
    }
}

/* A good buffer prints and returns its length; length 0 prints nothing. */
UTEST(user_puts_ok)
{
    static const char msg[] = "user: hm_debug_puts works\n";

    UT_ASSERT_EQ(hm_debug_puts(msg, sizeof(msg) - 1), sizeof(msg) - 1);
    UT_ASSERT_EQ(hm_debug_puts(msg, 0), 0);
}

/*
 * Bad buffers are -HM_EFAULT: NULL, a kernel address, an unmapped page, a
 * range that starts mapped and runs into an unmapped page, a range that
 * wraps around the address space.  A length over HM_PUTS_MAX (the buffer
 * itself fully mapped) is -HM_EINVAL.
 */
UTEST(user_puts_bad)
{
    unsigned char *buf = hm_alloc_pages(2); /* the page after it is unmapped */
    void *hole = hm_va_reserve(1);

    UT_ASSERT(buf != NULL && hole != NULL);
    memset(buf, 'x', 2 * PAGE);
    UT_ASSERT_ERR_UNCHANGED(hm_debug_puts(NULL, 5), HM_EFAULT);
    UT_ASSERT_ERR_UNCHANGED(hm_debug_puts((const char *)0xffffffff80000000ul, 5), HM_EFAULT);
    UT_ASSERT_ERR_UNCHANGED(hm_debug_puts(hole, 5), HM_EFAULT);
    UT_ASSERT_ERR_UNCHANGED(hm_debug_puts((const char *)buf + 2 * PAGE - 4, 8), HM_EFAULT);
    UT_ASSERT_ERR_UNCHANGED(hm_debug_puts((const char *)0xfffffffffffffff0ul, 32), HM_EFAULT);
    UT_ASSERT_ERR_UNCHANGED(hm_debug_puts((const char *)buf, HM_PUTS_MAX + 1), HM_EINVAL);
    UT_ASSERT_EQ(hm_free_pages(buf, 2), 0);
}

/* Every HM_INFO_* value is plausible in a test boot; other selectors are
 * refused. */
UTEST(user_info_values)
{
    long n = hm_info(HM_INFO_NCPUS);
    long ticks = hm_info(HM_INFO_TICKS);
    long cpu = hm_cpu_id();

    UT_ASSERT(n >= 1);
    UT_ASSERT(cpu >= 0 && cpu < n);
    UT_ASSERT(hm_info(HM_INFO_FREE_FRAMES) > 0);
    UT_ASSERT(hm_info(HM_INFO_KOBJS) > 0);
    UT_ASSERT(ticks >= 0);
    UT_ASSERT_EQ(hm_info(HM_INFO_TEST_MODE), 1);
    UT_ASSERT_EQ(hm_info(HM_INFO_BENCH_MODE), 0);
    /* A sleep needs a timer interrupt to end: the count moves. */
    UT_ASSERT_EQ(hm_sleep_ns(30 * HM_NS_PER_MS), 0);
    UT_ASSERT(hm_info(HM_INFO_TICKS) > ticks);
    UT_ASSERT_ERR_UNCHANGED(hm_info(1000), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_info(999), HM_EINVAL);
}

/* The PMU cycle counter is readable at EL0 and counts. */
UTEST(user_cycles_count)
{
    uint64_t c0 = hm_cycles();

    for (volatile int i = 0; i < 1000; i++) {
    }
    UT_ASSERT(hm_cycles() > c0);
}
