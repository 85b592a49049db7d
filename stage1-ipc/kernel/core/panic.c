// SPDX-License-Identifier: MIT
/*
 * panic.c - the panic report: reason, syndrome, registers, backtrace.
 *
 * The report is meant to be read by a student at a console and parsed by
 * the test harness: it starts with `KERNEL PANIC` and ends with
 * `---[ end panic ]---`.  The backtrace follows the AAPCS64 frame records
 * (x29 points at {previous x29, return address}); every frame pointer is
 * checked to lie on a kernel stack before it is read, so a corrupt chain
 * ends the backtrace instead of faulting again.
 */
#include <kernel.h>
#include <panic.h>
#include <printk.h>
#include <plat.h>
#include <sched.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <stdarg.h>

bool panic_semihosting; /* set by kmain from the bootarg `semihosting` */
static int panicking;

extern char boot_stack[], boot_stack_top[];

static void print_addr(uint64_t a)
{
    uint64_t off;
    const char *name = ksym_lookup(a, &off);
    if (name)
        printk("0x%016lx %s+0x%lx", a, name, off);
    else
        printk("0x%016lx ?", a);
}

/* A frame record must lie on the stack we are running on: the boot stack,
 * or the current thread's kernel stack. */
static bool fp_ok(uint64_t fp)
{
    if (!IS_ALIGNED(fp, 16))
        return false;
    if (fp >= (uint64_t)boot_stack && fp + 16 <= (uint64_t)boot_stack_top)
        return true;
    uint64_t lo, hi;
    if (!sched_current_stack(&lo, &hi))
        return false;
    return fp >= lo && fp + 16 <= hi;
}

static void backtrace(uint64_t fp, uint64_t pc)
{
    printk("backtrace:\n");
    int depth = 0;
    if (pc) {
        printk("  #%d ", depth++);
        print_addr(pc);
        printk("\n");
    }
    while (fp_ok(fp) && depth < 32) {
        const uint64_t *rec = (const uint64_t *)fp;
        uint64_t lr = rec[1];
        if (!lr)
            break;
        printk("  #%d ", depth++);
        print_addr(lr - 4); /* the call instruction, not the one after it */
        printk("\n");
        if (rec[0] <= fp) /* frames move up the stack; anything else is a loop */
            break;
        fp = rec[0];
    }
}

static __noreturn void panic_end(void)
{
    printk("---[ end panic ]---\n");
    if (panic_semihosting)
        semihosting_exit(3);
    for (;;)
        wfi();
}

static void panic_begin(void)
{
    irq_disable();
    if (panicking++) { /* a fault while reporting: stop right here */
        console_puts("\nKERNEL PANIC (nested): giving up\n---[ end panic ]---\n");
        if (panic_semihosting)
            semihosting_exit(3);
        for (;;)
            wfi();
    }
}

void panic(const char *fmt, ...)
{
    panic_begin();
    va_list ap;
    printk("\nKERNEL PANIC: ");
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\n");
    backtrace((uint64_t)__builtin_frame_address(0), 0);
    panic_end();
}

void panic_trap(const char *reason, const struct trap_frame *tf)
{
    panic_begin();
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    printk("\nKERNEL PANIC: unexpected exception: %s\n", reason);
    printk("  ESR_EL1 0x%016lx  EC 0x%02x: %s\n", tf->esr, ec, esr_class_name(ec));
    printk("  FAR_EL1 0x%016lx\n", tf->far);
    printk("  ELR_EL1 ");
    print_addr(tf->elr);
    printk("\n  SPSR    0x%016lx  SP 0x%016lx\n", tf->spsr, tf->sp);
    for (int i = 0; i < 31; i += 2) {
        if (i == 30)
            printk("  x30 0x%016lx\n", tf->x[30]);
        else
            printk("  x%-2d 0x%016lx  x%-2d 0x%016lx\n", i, tf->x[i], i + 1, tf->x[i + 1]);
    }
    backtrace(tf->x[29], tf->elr);
    panic_end();
}
