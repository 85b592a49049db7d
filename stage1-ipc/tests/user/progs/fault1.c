// SPDX-License-Identifier: MIT
/*
 * fault1.c - /bin/fault1, a program that misbehaves on request.
 *
 * The user tests spawn it to show that a faulting program is killed by the
 * kernel (its parent sees HM_EXIT_KILLED | reason from hm_wait) while the
 * parent and the system go on.  The argument says what to do:
 *
 *   ok              exit 0 (the control)
 *   exit N          exit with code N (the parent sees N & 0xff)
 *   read_kernel     load from the kernel image, 0xffffffff80000000
 *   read_null       load from address 0
 *   write_code      store into this program's own text
 *   undef           execute `udf #0` (permanently undefined)
 *   jump_unmapped   branch to an unmapped user address
 *   pc_align        branch to an address that is not a multiple of 4
 *   spin            busy loop, no system calls but the clock (to be killed)
 *   sleep           sleep in 10 ms steps (to be killed)
 *
 * Exit codes: 3 = survived a fault that should have killed it, 4 = spin or
 * sleep ran out (10 s) without being killed, 98 = unknown argument, 99 = the
 * kernel passed a length that is not strlen(arg).
 *
 * The faults are made with inline assembly, not C: a C null dereference is
 * undefined behaviour, which GCC may turn into a trap instruction instead of
 * a load.
 */
#include <stdlib.h>

#include "hm.h"

#define SURVIVED 3
#define NOT_KILLED 4
#define UNKNOWN_ARG 98
#define BAD_LENGTH 99

#define KERNEL_ADDR 0xffffffff80000000ul
/* 256 GiB: inside the user range, far from anything a program maps. */
#define UNMAPPED_ADDR 0x0000004000000000ul
#define RUN_LIMIT_NS (10 * HM_NS_PER_S)

/* A 64-bit load from @addr that the compiler cannot remove or change. */
static uint64_t load64(uintptr_t addr)
{
    uint64_t v;

    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

/* Overwrite the first instruction of this program's own text with a NOP. */
static void write_code(void)
{
    uintptr_t target = (uintptr_t)&load64;

    __asm__ volatile("str %w0, [%1]" : : "r"(0xd503201fu), "r"(target) : "memory");
}

static void jump_to(uintptr_t addr)
{
    __asm__ volatile("br %0" : : "r"(addr) : "memory");
}

/* Branch to 2 bytes past a real instruction: a PC alignment fault. */
static void jump_misaligned(void)
{
    uintptr_t tmp;

    __asm__ volatile("adr %0, 1f\n\t"
                     "add %0, %0, #2\n\t"
                     "br %0\n"
                     "1:\tnop"
                     : "=&r"(tmp)
                     :
                     : "memory");
}

/* Busy loop without giving the CPU away; only a kill (or preemption) helps. */
static int spin(void)
{
    uint64_t start = hm_now_ns();

    for (;;) {
        for (volatile unsigned i = 0; i < 100000; i++) {
        }
        if (hm_now_ns() - start > RUN_LIMIT_NS) {
            return NOT_KILLED;
        }
    }
}

static int sleep_long(void)
{
    uint64_t start = hm_now_ns();

    while (hm_now_ns() - start < RUN_LIMIT_NS) {
        hm_sleep_ns(10 * HM_NS_PER_MS);
    }
    return NOT_KILLED;
}

int main(const char *arg, unsigned long len)
{
    if (len != strlen(arg)) {
        return BAD_LENGTH;
    }
    if (strcmp(arg, "ok") == 0) {
        return 0;
    }
    if (strncmp(arg, "exit ", 5) == 0) {
        return (int)strtoul(arg + 5, NULL, 0);
    }
    if (strcmp(arg, "read_kernel") == 0) {
        (void)load64(KERNEL_ADDR);
        return SURVIVED;
    }
    if (strcmp(arg, "read_null") == 0) {
        (void)load64(0);
        return SURVIVED;
    }
    if (strcmp(arg, "write_code") == 0) {
        write_code();
        return SURVIVED;
    }
    if (strcmp(arg, "undef") == 0) {
        __asm__ volatile("udf #0");
        return SURVIVED;
    }
    if (strcmp(arg, "jump_unmapped") == 0) {
        jump_to(UNMAPPED_ADDR);
        return SURVIVED;
    }
    if (strcmp(arg, "pc_align") == 0) {
        jump_misaligned();
        return SURVIVED;
    }
    if (strcmp(arg, "spin") == 0) {
        return spin();
    }
    if (strcmp(arg, "sleep") == 0) {
        return sleep_long();
    }
    return UNKNOWN_ARG;
}
