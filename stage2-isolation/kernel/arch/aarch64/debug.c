// SPDX-License-Identifier: MIT
/*
 * debug.c - hardware watchpoints (Arm ARM D2.10 and D19.3: DBGWCR<n>_EL1,
 * DBGWVR<n>_EL1, MDSCR_EL1, OSLAR_EL1, ID_AA64DFR0_EL1).
 *
 * The watchpoint registers are numbered in their names, so each access is
 * a switch over the index: the index is data, the register is not.
 */
#include <kernel.h>
#include <arch/debug.h>
#include <sched.h>
#include <arch/sysreg.h>

#define MDSCR_KDE (1u << 13) /* debug exceptions at the EL the kernel runs in */
#define MDSCR_MDE (1u << 15) /* breakpoints and watchpoints enabled */

#define WCR_E (1u << 0)
#define WCR_PAC_EL1 (1u << 1) /* privileged access control: EL1 only */
#define WCR_LSC_SHIFT 3       /* 01 loads, 10 stores, 11 both */
#define WCR_BAS_ALL (0xffu << 5)
#define WCR_MASK_SHIFT 24

unsigned dbg_watchpoints(void)
{
    return (unsigned)((read_sysreg(id_aa64dfr0_el1) >> 20) & 0xf) + 1;
}

void dbg_init_cpu(void)
{
    write_sysreg(oslar_el1, 0); /* the OS lock, set at reset, blocks debug exceptions */
    isb();
    write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) | MDSCR_KDE | MDSCR_MDE);
    isb();
}

#define WP_WRITE(n, wcr, wvr)               \
    case n:                                 \
        write_sysreg(dbgwcr##n##_el1, 0);   \
        isb();                              \
        write_sysreg(dbgwvr##n##_el1, wvr); \
        write_sysreg(dbgwcr##n##_el1, wcr); \
        break;

/* Per CPU: bumped by every watchpoint write, so that a user of the
 * watchpoints can tell whether what it armed is still there. */
static unsigned generation[CONFIG_NR_CPUS];

unsigned dbg_wp_generation(void)
{
    return generation[this_cpu()->id];
}

static void wp_write(unsigned n, uint64_t wcr, uint64_t wvr)
{
    generation[this_cpu()->id]++;
    switch (n) {
        WP_WRITE(0, wcr, wvr)
        WP_WRITE(1, wcr, wvr)
        WP_WRITE(2, wcr, wvr)
        WP_WRITE(3, wcr, wvr)
        WP_WRITE(4, wcr, wvr)
        WP_WRITE(5, wcr, wvr)
        WP_WRITE(6, wcr, wvr)
        WP_WRITE(7, wcr, wvr)
        WP_WRITE(8, wcr, wvr)
        WP_WRITE(9, wcr, wvr)
        WP_WRITE(10, wcr, wvr)
        WP_WRITE(11, wcr, wvr)
        WP_WRITE(12, wcr, wvr)
        WP_WRITE(13, wcr, wvr)
        WP_WRITE(14, wcr, wvr)
        WP_WRITE(15, wcr, wvr)
    default:
        break;
    }
    isb();
}

int dbg_wp_set(unsigned n, uint64_t base, uint64_t size, unsigned access)
{
    if (n >= dbg_watchpoints() || size < 8 || (size & (size - 1)) || (base & (size - 1)) ||
        !access || (access & ~(WP_LOAD | WP_STORE)))
        return -1;
    unsigned mask = (unsigned)__builtin_ctzl(size); /* log2: 3 (8 bytes) .. 31 (2 GiB) */
    if (mask > 31)
        return -1;
    uint64_t wcr = WCR_E | WCR_PAC_EL1 | ((uint64_t)access << WCR_LSC_SHIFT) | WCR_BAS_ALL;
    if (mask > 3) /* up to 8 bytes: byte select; above: the mask (BAS must be all ones) */
        wcr |= (uint64_t)mask << WCR_MASK_SHIFT;
    wp_write(n, wcr, base);
    return 0;
}

#define WVR_WRITE(n, v)                   \
    case n:                               \
        write_sysreg(dbgwvr##n##_el1, v); \
        break;

void dbg_wp_move(unsigned n, uint64_t base)
{
    switch (n) {
        WVR_WRITE(0, base)
        WVR_WRITE(1, base)
        WVR_WRITE(2, base)
        WVR_WRITE(3, base)
        WVR_WRITE(4, base)
        WVR_WRITE(5, base)
        WVR_WRITE(6, base)
        WVR_WRITE(7, base)
        WVR_WRITE(8, base)
        WVR_WRITE(9, base)
        WVR_WRITE(10, base)
        WVR_WRITE(11, base)
        WVR_WRITE(12, base)
        WVR_WRITE(13, base)
        WVR_WRITE(14, base)
        WVR_WRITE(15, base)
    default:
        break;
    }
    isb();
}

void dbg_wp_clear(unsigned n)
{
    if (n < dbg_watchpoints())
        wp_write(n, 0, 0);
}
