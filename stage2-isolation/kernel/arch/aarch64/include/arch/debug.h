// SPDX-License-Identifier: MIT
/*
 * debug.h - Arm self-hosted debug: hardware watchpoints.
 *
 * The building block of stage 2's IC1 domains: a gate arms watchpoints on
 * everything a kernel-space service must not touch, and any access there
 * traps (Arm ARM D2.10 "Watchpoint exceptions").  A watchpoint covers a
 * naturally aligned power-of-two range of 8 bytes .. 2 GiB (DBGWCR.MASK)
 * and can watch loads, stores or both, at EL1 only.
 */
#ifndef ARCH_DEBUG_H
#define ARCH_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#define WP_LOAD 1u
#define WP_STORE 2u

/** Watchpoints this CPU implements (ID_AA64DFR0_EL1.WRPs + 1). */
unsigned dbg_watchpoints(void);
/** Per CPU: unlock the OS lock, enable self-hosted debug at EL1 (MDSCR_EL1.MDE,
 *  KDE).  Watchpoint exceptions are still masked by PSTATE.D until a gate
 *  unmasks them. */
void dbg_init_cpu(void);
/** Arm watchpoint n on [base, base + size): size a power of two >= 8,
 *  base aligned to it; `access` WP_LOAD and/or WP_STORE; EL1 accesses only.
 *  Returns 0, or -1 for a bad index or range. */
int dbg_wp_set(unsigned n, uint64_t base, uint64_t size, unsigned access);
/** Move armed watchpoint n to `base` (aligned to its size), keeping its
 *  size and access: one register write, for a gate switching between
 *  domains.  It does not change dbg_wp_generation(): whoever moves a
 *  watchpoint knows where it is. */
void dbg_wp_move(unsigned n, uint64_t base);
/** Disarm watchpoint n. */
void dbg_wp_clear(unsigned n);
/** Changes whenever this CPU's watchpoints are set or cleared. */
unsigned dbg_wp_generation(void);

static inline void dbg_unmask(void)
{
    __asm__ volatile("msr daifclr, #8" ::: "memory");
}
static inline void dbg_mask(void)
{
    __asm__ volatile("msr daifset, #8" ::: "memory");
}

#endif
