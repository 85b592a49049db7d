// SPDX-License-Identifier: MIT
/*
 * hm.h - the stage-1 user-space runtime: system-call wrappers and helpers.
 *
 * Every native call of <hm/syscall.h> has a static inline wrapper here
 * (`svc #1`, call number in x8, arguments in x0..x5, result in x0; a negative
 * result is a negated HM_E* error).  On top of them hm.c provides what every
 * stage-1 program needs: formatted output to the debug console, the PMU cycle
 * counter, a page-granular allocator over a fixed virtual window, threads
 * with their own stacks, and a spinlock.
 *
 * No Linux system call may be made before stage 6 (there is no Linux ABI
 * yet), so only the system-call-free parts of musl are used: string.h,
 * ctype.h, strtoul and friends, and vsnprintf/snprintf (see hm.c for how its
 * unreachable FILE-locking code is kept out of the link).  Do not use
 * `%m`, `%lc` or `%ls`: they reach musl's locale, which is not set up.
 * No _Thread_local variables either: nothing copies a TLS image.
 */
#ifndef HM_USER_HM_H
#define HM_USER_HM_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hm/syscall.h>

/*
 * Programs start at crt0's _start, which calls main(arg, len): the kernel
 * passes the spawn argument string, not argc/argv.  GCC's -Wmain (part of
 * -Wall) insists on the hosted signature, so it is switched off for every
 * file that includes this header.
 */
#pragma GCC diagnostic ignored "-Wmain"

/**
 * main() - the program, called by crt0 with the argument given to hm_spawn.
 * @arg: NUL-terminated argument string (possibly empty), on the stack
 * @len: its length (strlen(arg))
 *
 * Return: the exit code (crt0 passes it to hm_exit; the parent sees code & 0xff).
 */
int main(const char *arg, unsigned long len);

/* ---------------------------------------------------------------------- */
/* Raw system calls                                                        */
/* ---------------------------------------------------------------------- */

#define HM_STR_(x) #x
#define HM_STR(x) HM_STR_(x)
/* The native-call instruction, "svc #1" (svc #0 is the Linux ABI). */
#define HM_SVC_INSN "svc #" HM_STR(HM_SVC_NATIVE)

/*
 * hm_syscallN() - native call @nr with N arguments.
 *
 * Registers are bound explicitly because the kernel reads the number from x8
 * and the arguments from x0..x5.  Only x0 changes (the header guarantees
 * every other register survives), so only x0 is an output; "memory" is
 * clobbered because calls read and write user buffers.
 */
static inline long hm_syscall0(unsigned long nr)
{
    register unsigned long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0");

    __asm__ volatile(HM_SVC_INSN : "=r"(x0) : "r"(x8) : "memory");
    return x0;
}

static inline long hm_syscall1(unsigned long nr, unsigned long a0)
{
    register unsigned long x8 __asm__("x8") = nr;
    register unsigned long x0 __asm__("x0") = a0;

    __asm__ volatile(HM_SVC_INSN : "+r"(x0) : "r"(x8) : "memory");
    return (long)x0;
}

static inline long hm_syscall2(unsigned long nr, unsigned long a0, unsigned long a1)
{
    register unsigned long x8 __asm__("x8") = nr;
    register unsigned long x0 __asm__("x0") = a0;
    register unsigned long x1 __asm__("x1") = a1;

    __asm__ volatile(HM_SVC_INSN : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
    return (long)x0;
}

static inline long hm_syscall3(unsigned long nr, unsigned long a0, unsigned long a1,
                               unsigned long a2)
{
    register unsigned long x8 __asm__("x8") = nr;
    register unsigned long x0 __asm__("x0") = a0;
    register unsigned long x1 __asm__("x1") = a1;
    register unsigned long x2 __asm__("x2") = a2;

    __asm__ volatile(HM_SVC_INSN : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return (long)x0;
}

static inline long hm_syscall4(unsigned long nr, unsigned long a0, unsigned long a1,
                               unsigned long a2, unsigned long a3)
{
    register unsigned long x8 __asm__("x8") = nr;
    register unsigned long x0 __asm__("x0") = a0;
    register unsigned long x1 __asm__("x1") = a1;
    register unsigned long x2 __asm__("x2") = a2;
    register unsigned long x3 __asm__("x3") = a3;

    __asm__ volatile(HM_SVC_INSN : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return (long)x0;
}

static inline long hm_syscall5(unsigned long nr, unsigned long a0, unsigned long a1,
                               unsigned long a2, unsigned long a3, unsigned long a4)
{
    register unsigned long x8 __asm__("x8") = nr;
    register unsigned long x0 __asm__("x0") = a0;
    register unsigned long x1 __asm__("x1") = a1;
    register unsigned long x2 __asm__("x2") = a2;
    register unsigned long x3 __asm__("x3") = a3;
    register unsigned long x4 __asm__("x4") = a4;

    __asm__ volatile(HM_SVC_INSN
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
                     : "memory");
    return (long)x0;
}

static inline long hm_syscall6(unsigned long nr, unsigned long a0, unsigned long a1,
                               unsigned long a2, unsigned long a3, unsigned long a4,
                               unsigned long a5)
{
    register unsigned long x8 __asm__("x8") = nr;
    register unsigned long x0 __asm__("x0") = a0;
    register unsigned long x1 __asm__("x1") = a1;
    register unsigned long x2 __asm__("x2") = a2;
    register unsigned long x3 __asm__("x3") = a3;
    register unsigned long x4 __asm__("x4") = a4;
    register unsigned long x5 __asm__("x5") = a5;

    __asm__ volatile(HM_SVC_INSN
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return (long)x0;
}

/* ---------------------------------------------------------------------- */
/* One wrapper per call of <hm/syscall.h>                                   */
/* ---------------------------------------------------------------------- */

/** hm_debug_puts() - write @len bytes of @s to the console. Return: @len or -HM_E*. */
static inline long hm_debug_puts(const char *s, size_t len)
{
    return hm_syscall2(HM_SYS_DEBUG_PUTS, (unsigned long)s, len);
}

/** hm_exit() - end the whole process with exit code @code & 0xff. Never returns. */
static inline __attribute__((noreturn)) void hm_exit(int code)
{
    hm_syscall1(HM_SYS_EXIT, (unsigned long)(long)code);
    /* The kernel never returns here; if it did, trap rather than run on. */
    __builtin_trap();
}

/** hm_yield() - give the CPU to another ready thread of the same priority. Return: 0. */
static inline long hm_yield(void)
{
    return hm_syscall0(HM_SYS_YIELD);
}

/**
 * hm_spawn() - start the initramfs program @name (e.g. "/bin/fault1").
 * @name: program path, a C string
 * @arg:  argument string passed to the new program's main (NULL = "")
 * @dst_slot: slot that receives the new process's capability (all rights)
 *
 * Return: 0, or -HM_ENOENT (no such file), -HM_ENOEXEC (bad ELF),
 * -HM_EEXIST (slot used), -HM_EBADCAP, -HM_EINVAL, -HM_EFAULT, -HM_ENOMEM.
 */
static inline long hm_spawn(const char *name, const char *arg, unsigned dst_slot)
{
    const char *a = arg ? arg : "";

    return hm_syscall5(HM_SYS_SPAWN, (unsigned long)name, strlen(name), (unsigned long)a, strlen(a),
                       dst_slot);
}

/** hm_wait() - block until the process in @proc_slot ends. Return: its exit status or -HM_E*. */
static inline long hm_wait(unsigned proc_slot)
{
    return hm_syscall1(HM_SYS_WAIT, proc_slot);
}

/** hm_kill() - kill the process in @proc_slot (needs CONTROL). Return: 0 or -HM_E*. */
static inline long hm_kill(unsigned proc_slot)
{
    return hm_syscall1(HM_SYS_KILL, proc_slot);
}

/** hm_map() - map fresh zeroed pages at [@va, @va + @len) with HM_PROT_* @prot. */
static inline long hm_map(void *va, size_t len, unsigned prot)
{
    return hm_syscall3(HM_SYS_MAP, (unsigned long)va, len, prot);
}

/** hm_unmap() - unmap [@va, @va + @len); every page must be mapped. */
static inline long hm_unmap(void *va, size_t len)
{
    return hm_syscall2(HM_SYS_UNMAP, (unsigned long)va, len);
}

/** hm_mem_create() - new memory object of @len bytes; capability (R|W|X|GRANT) to @dst_slot. */
static inline long hm_mem_create(size_t len, unsigned dst_slot)
{
    return hm_syscall2(HM_SYS_MEM_CREATE, len, dst_slot);
}

/** hm_mem_map() - map the memory object in @mem_slot at @va; @prot needs matching rights. */
static inline long hm_mem_map(unsigned mem_slot, void *va, unsigned prot)
{
    return hm_syscall3(HM_SYS_MEM_MAP, mem_slot, (unsigned long)va, prot);
}

/**
 * hm_thread_create() - raw thread creation: the thread starts at @entry with
 * x0 = @arg and sp = @stack_top, on CPU @cpu (-1 = any); its capability goes
 * to @dst_slot.  @entry must never return (end with hm_thread_exit()), and
 * TPIDR_EL0 is not set up for it: prefer hm_thread_spawn().
 */
static inline long hm_thread_create(void (*entry)(void *), void *stack_top, void *arg, int cpu,
                                    unsigned dst_slot)
{
    return hm_syscall5(HM_SYS_THREAD_CREATE, (unsigned long)entry, (unsigned long)stack_top,
                       (unsigned long)arg, (unsigned long)(long)cpu, dst_slot);
}

/** hm_thread_exit() - end the calling thread (the last one ends the process, code 0). */
static inline __attribute__((noreturn)) void hm_thread_exit(void)
{
    hm_syscall0(HM_SYS_THREAD_EXIT);
    __builtin_trap();
}

/** hm_thread_join() - block until the thread in @thread_slot has exited (needs WAIT). */
static inline long hm_thread_join(unsigned thread_slot)
{
    return hm_syscall1(HM_SYS_THREAD_JOIN, thread_slot);
}

/** hm_set_priority() - set the priority (0..HM_PRIO_MAX) of a thread (needs CONTROL). */
static inline long hm_set_priority(unsigned thread_slot, unsigned prio)
{
    return hm_syscall2(HM_SYS_SET_PRIORITY, thread_slot, prio);
}

/** hm_sleep_ns() - block the calling thread for at least @ns nanoseconds. */
static inline long hm_sleep_ns(uint64_t ns)
{
    return hm_syscall1(HM_SYS_SLEEP, ns);
}

/** hm_cpu_id() - the CPU the calling thread runs on (0-based). */
static inline long hm_cpu_id(void)
{
    return hm_syscall0(HM_SYS_CPU_ID);
}

/** hm_info() - a system value, HM_INFO_* @what. Return: the value or -HM_E*. */
static inline long hm_info(unsigned what)
{
    return hm_syscall1(HM_SYS_INFO, what);
}

/**
 * hm_cap_copy() - copy the capability in @src into slot @dst of the process
 * named by @dst_proc_slot (HM_SLOT_SELF: own cspace) with @rights, which must
 * be a subset of the source's (-HM_EPERM otherwise; GRANT needed to give it
 * to another process).
 */
static inline long hm_cap_copy(unsigned src, unsigned dst_proc_slot, unsigned dst, unsigned rights)
{
    return hm_syscall4(HM_SYS_CAP_COPY, src, dst_proc_slot, dst, rights);
}

/** hm_cap_delete() - empty @slot. */
static inline long hm_cap_delete(unsigned slot)
{
    return hm_syscall1(HM_SYS_CAP_DELETE, slot);
}

/** hm_cap_revoke() - delete every copy derived from @slot. Return: how many. */
static inline long hm_cap_revoke(unsigned slot)
{
    return hm_syscall1(HM_SYS_CAP_REVOKE, slot);
}

/** hm_cap_info() - (type << 16) | rights of the capability in @slot, or -HM_E*. */
static inline long hm_cap_info(unsigned slot)
{
    return hm_syscall1(HM_SYS_CAP_INFO, slot);
}

/** hm_cap_type() - the HM_CAP_* type in a hm_cap_info() value. */
static inline unsigned hm_cap_type(long info)
{
    return (unsigned)((unsigned long)info >> 16) & 0x7fffu;
}

/** hm_cap_rights() - the HM_RIGHT_* set in a hm_cap_info() value. */
static inline unsigned hm_cap_rights(long info)
{
    return (unsigned)((unsigned long)info & 0xffffu);
}

/**
 * hm_test_report() - report one test result; the kernel prints
 * `[TEST] <name>: PASS|FAIL <detail>` and counts it.
 * @name: "stage<N>/<test>" (lowercase letters, digits, '_'), at most
 *        HM_NAME_MAX bytes
 * @detail: at most 256 bytes, or NULL (no detail)
 * Return: 0, or -HM_ENOSYS outside test mode, -HM_EINVAL for a bad name.
 */
static inline long hm_test_report(const char *name, int passed, const char *detail)
{
    const char *d = detail ? detail : "";

    return hm_syscall5(HM_SYS_TEST_REPORT, (unsigned long)name, strlen(name),
                       (unsigned long)(long)passed, (unsigned long)d, strlen(d));
}

/** hm_null() - the call that does nothing (the null_syscall benchmark). Return: 0. */
static inline long hm_null(void)
{
    return hm_syscall0(HM_SYS_NULL);
}

/* ---------------------------------------------------------------------- */
/* Time and the cycle counter                                              */
/* ---------------------------------------------------------------------- */

#define HM_NS_PER_MS 1000000ull
#define HM_NS_PER_S 1000000000ull

/** hm_now_ns() - monotonic time in ns (HM_INFO_TIME_NS). */
static inline uint64_t hm_now_ns(void)
{
    return (uint64_t)hm_info(HM_INFO_TIME_NS);
}

/**
 * hm_cycles() - the PMU cycle counter PMCCNTR_EL0 (the kernel lets EL0 read
 * it).  The ISB keeps the read from being done early, before the
 * instructions in front of it have finished.
 */
static inline uint64_t hm_cycles(void)
{
    uint64_t c;

    __asm__ volatile("isb\n\tmrs %0, pmccntr_el0" : "=r"(c) : : "memory");
    return c;
}

/* ---------------------------------------------------------------------- */
/* Runtime helpers (hm.c)                                                  */
/* ---------------------------------------------------------------------- */

/** hm_printf() - printf to the debug console; at most 511 bytes per call. */
int hm_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** hm_vprintf() - hm_printf with a va_list. */
int hm_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * The page allocator hands out page runs from the virtual window
 * [HM_HEAP_BASE, HM_HEAP_END), mapping fresh zeroed read-write pages with
 * hm_map().  Each run is followed by an unmapped guard page (so a thread
 * stack that overflows faults instead of running into its neighbour).  A run
 * given back with hm_free_pages() is unmapped and its addresses are reused
 * for a later request of exactly the same size, so repeating the same
 * allocations does not make the kernel build new page tables.
 */
#define HM_HEAP_BASE 0x10000000ul
#define HM_HEAP_END 0x20000000ul

/** hm_alloc_pages() - map @n fresh zeroed RW pages. Return: their address, or NULL. */
void *hm_alloc_pages(size_t n);

/** hm_free_pages() - unmap @n pages at @p from hm_alloc_pages(). Return: 0 or -HM_E*. */
long hm_free_pages(void *p, size_t n);

/**
 * hm_va_reserve() - reserve @n pages of address space in the window without
 * mapping anything (for hm_mem_map()).  Never reused.  Return: address or NULL.
 */
void *hm_va_reserve(size_t n);

/* Threads made by hm_thread_spawn(): a 16 KiB stack plus one page that holds
 * the start block and the thread's TLS block (TPIDR_EL0). */
#define HM_THREAD_STACK_PAGES 4
#define HM_THREAD_PAGES (HM_THREAD_STACK_PAGES + 1)

/** For hm_thread_reap(): join without a time limit. */
#define HM_FOREVER UINT64_MAX

/**
 * hm_thread_spawn() - start a thread running fn(arg) on CPU @cpu (-1 = any),
 * its capability in @slot.  The runtime allocates its stack, points its
 * TPIDR_EL0 at its own zeroed TLS block, and ends it with hm_thread_exit()
 * when @fn returns (after marking it done).
 *
 * Return: 0, -HM_ENOMEM (no stack), -HM_EEXIST (the runtime already has a
 * thread in @slot), -HM_EBADCAP (slot out of range), or hm_thread_create()'s
 * error (then nothing is left allocated).
 */
long hm_thread_spawn(void (*fn)(void *), void *arg, int cpu, unsigned slot);

/** hm_thread_done() - true once the thread spawned in @slot has finished fn. */
bool hm_thread_done(unsigned slot);

/**
 * hm_thread_reap() - wait at most @timeout_ns (HM_FOREVER: no limit) for the
 * thread spawned in @slot to finish, then join it, delete its capability and
 * unmap its stack.
 *
 * Return: 0; -HM_EAGAIN if it has not finished in time (nothing is freed,
 * call again later); -HM_ESRCH if the runtime spawned no thread in @slot;
 * or the error of hm_thread_join().
 */
long hm_thread_reap(unsigned slot, uint64_t timeout_ns);

/**
 * hm_thread_finish() - end the calling thread now.  For a thread made by
 * hm_thread_spawn() it is first marked done, exactly as if fn had returned.
 */
__attribute__((noreturn)) void hm_thread_finish(void);

/** hm_is_main_thread() - true in the thread crt0 started (its TLS block). */
bool hm_is_main_thread(void);

/* ---------------------------------------------------------------------- */
/* Spinlock and atomics                                                    */
/* ---------------------------------------------------------------------- */

/**
 * struct hm_spinlock - a test-and-test-and-set lock.  A waiter that has spun
 * for a while calls hm_yield(), so a holder preempted on the waiter's own CPU
 * gets to run and release the lock instead of the waiter burning its slice.
 */
typedef struct hm_spinlock {
    atomic_uint locked;
} hm_spinlock_t;

#define HM_SPINLOCK_INIT \
    {                    \
        0                \
    }

/** hm_spin_lock() - take @l (acquire ordering). */
void hm_spin_lock(hm_spinlock_t *l);

/** hm_spin_trylock() - take @l if it is free. Return: true if taken. */
bool hm_spin_trylock(hm_spinlock_t *l);

/** hm_spin_unlock() - release @l (release ordering). */
void hm_spin_unlock(hm_spinlock_t *l);

/** hm_atomic_add() - atomically add @v to *@p. Return: the new value. */
long hm_atomic_add(atomic_long *p, long v);

/* Internal: the thread entry in crt0.S, and what it calls. */
void hm_thread_trampoline(void *block);
__attribute__((noreturn)) void hm_thread_main(void *block);

#endif
