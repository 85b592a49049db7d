// SPDX-License-Identifier: MIT
/*
 * watchpoint_test.c - in-kernel tests of the hardware watchpoints that IC1
 * domains are built from (arch/aarch64/debug.c).
 */
#include <kernel.h>
#include <ktest.h>
#include <arch/debug.h>
#include <arch/sysreg.h>
#include <arch/trap.h>

/* The hardware watchpoints stage 2's IC1 domains are made of: a store into
 * a watched page from EL1 traps (EC 0x35, FAR = the address) before it is
 * done, a load does not when only stores are watched, and nothing traps
 * while debug exceptions are masked. */
static uint64_t watched[512] __aligned(4096);
static int wp_hits;
static uint64_t wp_far;

static int wp_hook(struct trap_frame *tf)
{
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    if (ec != 0x35)
        return 0;
    wp_hits++;
    wp_far = tf->far;
    dbg_wp_clear(0); /* let the store happen when the instruction is retried */
    return 1;
}

KTEST(debug_watchpoint_traps_store)
{
    KT_ASSERT(dbg_watchpoints() >= 2);
    dbg_init_cpu();
    for (unsigned n = 0; n < dbg_watchpoints(); n++)
        dbg_wp_clear(n); /* IC1 leaves its watchpoints armed (ic1.c) */
    wp_hits = 0;
    KT_ASSERT_EQ(dbg_wp_set(0, (uint64_t)watched, sizeof(watched), WP_STORE), 0);
    KT_ASSERT(dbg_wp_set(0, (uint64_t)watched + 8, sizeof(watched), WP_STORE) < 0); /* unaligned */
    KT_ASSERT_EQ(dbg_wp_set(0, (uint64_t)watched, sizeof(watched), WP_STORE), 0);
    /* masked (PSTATE.D set, as in the kernel normally): no trap */
    WRITE_ONCE(watched[3], 1);
    KT_ASSERT_EQ(wp_hits, 0);
    trap_expect_hook = wp_hook;
    dbg_unmask();
    uint64_t v = READ_ONCE(watched[5]); /* a load: not watched */
    WRITE_ONCE(watched[7], v + 42);     /* a store: traps, then is retried */
    dbg_mask();
    trap_expect_hook = NULL;
    KT_ASSERT_EQ(wp_hits, 1);
    KT_ASSERT_EQ(wp_far, (uint64_t)&watched[7]);
    KT_ASSERT_EQ(watched[7], 42);
    dbg_wp_clear(0);
}
