// SPDX-License-Identifier: MIT
/*
 * cpu.h - small AArch64 services: PSCI, semihosting, the PMU cycle counter,
 * the generic timer.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <kernel.h>

/* PSCI 0.2+ function IDs (Arm DEN 0022, section 5.1) */
#define PSCI_VERSION 0x84000000u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u

/** Call PSCI through the conduit the device tree names (dt_psci()).
 *  Returns x0 of the call, or -1 (NOT_SUPPORTED) if there is no PSCI. */
int64_t psci_call(int conduit, uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

/** Arm semihosting (Arm "Semihosting for AArch32 and AArch64", v3):
 *  SYS_EXIT with ADP_Stopped_ApplicationExit and `code`; QEMU exits with it.
 *  Only call when the run enabled semihosting: on hardware HLT would trap. */
void semihosting_exit(unsigned code) __noreturn;
/** Semihosting SYS_WRITE0 of `s`.  Safe to try anywhere: returns -1 if the
 *  machine has no semihosting (HLT then traps as undefined; the trap is
 *  caught and skipped), 0 if the string went out. */
int semihosting_write(const char *s);

/** Cycles since entry (head.S starts the counter). Under QEMU with
 *  -icount shift=0 one cycle is one instruction. */
static inline uint64_t cpu_cycles(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, pmccntr_el0" : "=r"(v));
    return v;
}

/** Generic timer, EL1 physical timer (Arm ARM D11). */
void timer_init(uint32_t freq_hz, uint32_t intid);
uint64_t timer_now_ns(void); /**< counter converted to nanoseconds */
void timer_irq(void);        /**< called by the interrupt dispatcher */

/** Zero [p, p + size), p and size multiples of 64 bytes in Normal
 *  cacheable memory: with DC ZVA (a block per instruction) when the CPU
 *  allows it, else word stores.  Frames are zeroed whole, so this is on
 *  every page allocation's path. */
static inline void cpu_zero_blocks(void *p, uint64_t size)
{
    uint64_t dczid;
    __asm__("mrs %0, dczid_el0" : "=r"(dczid));
    uint64_t bs = 4ul << (dczid & 15); /* bytes per DC ZVA */
    if ((dczid & 16) || bs > 2048 || (size & (bs - 1)) || ((uint64_t)p & (bs - 1))) {
        for (uint64_t *w = p, *e = (uint64_t *)((char *)p + size); w < e; w++)
            *w = 0;
        return;
    }
    for (char *a = p, *e = a + size; a < e; a += bs)
        __asm__ volatile("dc zva, %0" ::"r"(a) : "memory");
}

#endif
