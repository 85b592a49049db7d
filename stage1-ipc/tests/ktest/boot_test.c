// SPDX-License-Identifier: MIT
/*
 * boot_test.c - in-kernel tests of the boot foundation: memory from the
 * device tree, W^X mappings, exceptions, interrupts, the formatter, symbols.
 *
 * The KTEST_FAULT tests crash on purpose; the host harness boots them one
 * at a time (bootarg ktest=<name>) to check that a panic or a hang is
 * reported as a failure with the console's last lines, never a hang.
 */
#include <kernel.h>
#include <ipc.h>
#include <ktest.h>
#include <panic.h>
#include <plat.h>
#include <printk.h>
#include <mm.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/sysreg.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <arch/trap.h>

/* The device tree gave us memory, and all of it is reachable in the linear map. */
KTEST(dt_memory_mapped)
{
    KT_ASSERT(boot_info.nmem >= 1);
    KT_ASSERT(boot_info.mem_bytes >= 64 * MiB);
    KT_ASSERT(mmu_kernel_readable(pa_to_linear(boot_info.image_pa)));
    /* The kernel's own image is RAM: read it back through the linear map. */
    extern char _head[];
    KT_ASSERT_EQ(*(volatile uint32_t *)pa_to_linear(boot_info.image_pa + 56), 0x644d5241u);
    KT_ASSERT_EQ(*(uint32_t *)(_head + 56), 0x644d5241u);
}

static int at_write_ok(uint64_t va)
{
    __asm__ volatile("at s1e1w, %0" ::"r"(va));
    isb();
    return !(read_sysreg(par_el1) & 1);
}

/* W^X: code is not writable, data is not executable, and the user half
 * (the boot identity map) is gone. */
KTEST(mmu_wx_and_no_identity)
{
    extern char _head[], __rodata_end[];
    static uint64_t data_word = 1;
    KT_ASSERT(mmu_kernel_readable((uint64_t)_head));
    KT_ASSERT(!at_write_ok((uint64_t)_head));            /* text: read-only */
    KT_ASSERT(!at_write_ok((uint64_t)__rodata_end - 8)); /* rodata: read-only */
    KT_ASSERT(at_write_ok((uint64_t)&data_word));        /* data: writable */
    KT_ASSERT(!mmu_kernel_readable(boot_info.image_pa)); /* identity map dropped */
    KT_ASSERT(!mmu_kernel_readable(0));
    KT_ASSERT(read_sysreg(sctlr_el1) & SCTLR_WXN);
}

static int brk_hits;
static int brk_hook(struct trap_frame *tf)
{
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    if (ec != ESR_EC_BRK64 || (tf->esr & 0xffff) != 0x123)
        return 0;
    brk_hits++;
    tf->elr += 4; /* resume after the BRK */
    return 1;
}

/* A synchronous exception goes through the vectors and returns with all
 * registers intact. */
KTEST(exception_returns)
{
    register uint64_t x19 __asm__("x19") = 0x1919191919191919ull;
    brk_hits = 0;
    trap_expect_hook = brk_hook;
    __asm__ volatile("brk #0x123" : "+r"(x19)::"memory");
    KT_ASSERT_EQ(brk_hits, 1);
    KT_ASSERT_EQ(x19, 0x1919191919191919ull);
    KT_ASSERT(trap_expect_hook == NULL);
}

/* The timer interrupt arrives through the GIC: ticks advance while we wait. */
KTEST(timer_interrupts)
{
    KT_ASSERT(boot_info.timer_freq > 0);
    KT_ASSERT(boot_info.timer_intid == 30); /* non-secure EL1 physical timer, PPI 14 */
    struct cpu *c = this_cpu();
    uint64_t start = READ_ONCE(c->ticks);
    uint64_t t0 = read_sysreg(cntpct_el0);
    /* The kernel runs with IRQs masked; let them in while we wait. */
    while (READ_ONCE(c->ticks) < start + 3 && read_sysreg(cntpct_el0) - t0 < boot_info.timer_freq) {
        wfi();
        irq_enable();
        irq_disable();
    }
    KT_ASSERT(READ_ONCE(c->ticks) >= start + 3);
}

/* The formatter handles the conversions the kernel uses. */
KTEST(printk_format)
{
    char b[64];
    snprintk(b, sizeof(b), "%d|%5d|%-4d|%05d|%u|%x|%lx|%s|%c", -42, 7, 3, -12, 4000000000u, 0xbeefu,
             0xffffffff80000000ul, "ok", 'z');
    KT_ASSERT(!strcmp(b, "-42|    7|3   |-0012|4000000000|beef|ffffffff80000000|ok|z"));
    KT_ASSERT_EQ(snprintk(b, 4, "%s", "truncated"), 9);
    KT_ASSERT(!strcmp(b, "tru"));
}

/* Backtrace symbols: the kallsyms table names our own functions. */
KTEST(ksyms_lookup)
{
    extern void kmain(paddr_t, paddr_t, unsigned);
    uint64_t off = 99;
    const char *n = ksym_lookup((uint64_t)kmain + 8, &off);
    KT_ASSERT(n && !strcmp(n, "kmain"));
    KT_ASSERT_EQ(off, 8);
    KT_ASSERT(ksym_lookup(0x1000, &off) == NULL);
}

/* All CPUs the device tree lists came up, each with its own idle thread. */
KTEST(smp_all_cpus_online)
{
    KT_ASSERT_EQ(ncpus_online, MIN(boot_info.ncpus, (unsigned)CONFIG_NR_CPUS));
    for (unsigned i = 0; i < ncpus_online; i++) {
        KT_ASSERT(cpus[i].online);
        KT_ASSERT(cpus[i].idle != NULL);
    }
}

/* Frames: allocation is zeroed, aligned, and the count comes back. */
KTEST(frame_alloc_free)
{
    uint64_t before = frame_free_count();
    paddr_t a = frame_alloc(0), b = frame_alloc(3);
    KT_ASSERT(a && b);
    KT_ASSERT(IS_ALIGNED(b, 8 * PAGE_SIZE));
    KT_ASSERT_EQ(frame_free_count(), before - 9);
    KT_ASSERT_EQ(*(uint64_t *)phys_to_virt(b + 7 * PAGE_SIZE + 8), 0);
    frame_free(a, 0);
    frame_free(b, 3);
    KT_ASSERT_EQ(frame_free_count(), before);
    /* The kernel image and the device tree are not free memory. */
    KT_ASSERT(boot_info.image_pa != a && boot_info.image_pa != b);
}

extern uint64_t boot_free_frames, boot_kobjs, boot_kobj_pages, boot_stack_pages;

/* Frames neither free nor held by the slab pages of kernel objects or the
 * call stacks of published services, relative to the boot's. */
static int64_t frames_gone(void)
{
    return (int64_t)(boot_free_frames + boot_kobj_pages + boot_stack_pages) -
           (int64_t)(frame_free_count() + kobj_pages() + ipc_published_stack_pages());
}

/* After init and every program it started have ended, every frame and
 * kernel object they used is back.  Threads on other CPUs are freed just
 * after they switch away for the last time, and services queued for the
 * pool worker are let go when it runs, so this waits for the counts to
 * settle: up to 5 s, because under QEMU a virtual CPU can be descheduled by
 * a busy host for far longer than a tick (50 ms was once not enough).  A
 * real leak still fails, only 5 s later. */
KTEST_LATE(no_leaks_after_user_programs)
{
    /* Objects are compared by count.  Frames, leaving out two things that
     * long-lived system services legitimately change: the slab pages
     * objects live in (a service restarted meanwhile has its objects in
     * other slab pages than its predecessor), and their pools of call
     * stacks (which grow and shrink with the load). */
    /* Time from the counter: a sleep lasts until the next tick, not 1 ms. */
    uint64_t freq = read_sysreg(cntfrq_el0), t0 = read_sysreg(cntpct_el0), waited = 0;
    while (waited < 5 * freq && (frames_gone() != 0 || kobj_live() != boot_kobjs)) {
        thread_sleep(1000000);
        waited = read_sysreg(cntpct_el0) - t0;
    }
    if (waited > freq / 20)
        printk("ktest: the object and frame counts took %lu ms to settle\n", waited * 1000 / freq);
    if (kobj_live() != boot_kobjs) {
        kobj_report(); /* which type leaked */
        proc_report();
    }
    KT_ASSERT_EQ(kobj_live(), boot_kobjs);
    KT_ASSERT_EQ(frames_gone(), 0);
}

/* ---- deliberate crashes, only run when named ---------------------------- */

/* The address comes through a volatile so the compiler cannot see the crash coming. */
static volatile uintptr_t bad_address = 16;

static __attribute__((noinline)) void ktest_crash_here(void)
{
    *(volatile uint64_t *)bad_address = 0xdead;
}

KTEST_FAULT(fault_null_deref)
{
    ktest_crash_here();
}

KTEST_FAULT(fault_hang)
{
    irq_disable();
    for (;;)
        __asm__ volatile("" ::: "memory");
}
