// SPDX-License-Identifier: MIT
/*
 * cpu.c - PSCI calls, semihosting exit, generic timer.
 */
#include <kernel.h>
#include <dt.h>
#include <printk.h>
#include <arch/cpu.h>
#include <arch/sysreg.h>
#include <arch/trap.h>

int64_t psci_call(int conduit, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = fn;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    /* SMCCC: x4..x17 may be clobbered by the callee. */
    if (conduit == DT_PSCI_HVC)
        __asm__ volatile("hvc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"x4", "x5", "x6", "x7", "x8",
                           "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
    else if (conduit == DT_PSCI_SMC)
        __asm__ volatile("smc #0"
                         : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"x4", "x5", "x6", "x7", "x8",
                           "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
    else
        return -1;
    return (int64_t)x0;
}

void semihosting_exit(unsigned code)
{
    /* AArch64 SYS_EXIT takes a pointer to {reason, subcode}. */
    static uint64_t block[2];
    block[0] = 0x20026; /* ADP_Stopped_ApplicationExit */
    block[1] = code;
    register uint64_t x0 __asm__("x0") = 0x18; /* SYS_EXIT */
    register uint64_t x1 __asm__("x1") = (uint64_t)block;
    __asm__ volatile("hlt #0xf000" : : "r"(x0), "r"(x1) : "memory");
    for (;;)
        wfi();
}

static int hlt_trapped;
static int hlt_trap(struct trap_frame *tf)
{
    if (((tf->esr >> ESR_EC_SHIFT) & 0x3f) != ESR_EC_UNKNOWN)
        return 0;
    hlt_trapped = 1;
    tf->elr += 4;
    return 1;
}

int semihosting_write(const char *s)
{
    hlt_trapped = 0;
    trap_expect_hook = hlt_trap;
    register uint64_t x0 __asm__("x0") = 0x04; /* SYS_WRITE0 */
    register uint64_t x1 __asm__("x1") = (uint64_t)s;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    trap_expect_hook = NULL;
    return hlt_trapped ? -1 : 0;
}

static uint32_t tick_interval; /* counter ticks per kernel tick */
static uint32_t counter_freq;

/* Per CPU: each CPU has its own EL1 physical timer; call on every CPU. */
void timer_init(uint32_t freq_hz, uint32_t intid)
{
    (void)intid;
    counter_freq = freq_hz;
    tick_interval = freq_hz / CONFIG_HZ;
    write_sysreg(cntp_tval_el0, tick_interval);
    write_sysreg(cntp_ctl_el0, 1); /* ENABLE, not masked */
    isb();
}

void timer_irq(void)
{
    write_sysreg(cntp_tval_el0, tick_interval);
}

uint64_t timer_now_ns(void)
{
    uint64_t c = read_sysreg(cntpct_el0);
    return counter_freq ? (uint64_t)((__uint128_t)c * 1000000000u / counter_freq) : 0;
}
