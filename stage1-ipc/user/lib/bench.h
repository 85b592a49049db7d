// SPDX-License-Identifier: MIT
/*
 * bench.h - measuring helpers shared by the stages' benchmark programs.
 *
 * Under QEMU -icount shift=0 the PMU cycle counter counts instructions, so
 * these return instruction counts (virtual ns), not hardware times.
 */
#ifndef HM_USER_BENCH_H
#define HM_USER_BENCH_H

#include "hm.h"

/**
 * bench_call_cost - cycles per hm_call() on connection `conn`, with a
 * message whose w[0] is `op` and nothing granted.
 *
 * Takes 10 batches of 100 calls; a batch during which the tick count
 * (HM_INFO_TICKS, read outside the timed part) moved is measured again, up
 * to 8 times, keeping the smallest, because the tick handler's instructions
 * are not the call's cost.  Warm up (bind stacks, fill caches) before.
 */
uint64_t bench_call_cost(unsigned conn, uint64_t op);

/** The same with the message's words w[0..3] from `w` (w[0] the operation). */
uint64_t bench_msg_cost(unsigned conn, const uint64_t w[4]);

#endif
