// SPDX-License-Identifier: MIT
/* bench.c - measuring helpers for the benchmark programs (bench.h). */
#include "bench.h"
#include "ipc.h"

#define CALL_BATCH 100u
#define CALL_BATCHES 10u
#define CALL_ATTEMPTS 8u

uint64_t bench_call_cost(unsigned conn, uint64_t op)
{
    const uint64_t w[4] = { op };
    return bench_msg_cost(conn, w);
}

uint64_t bench_msg_cost(unsigned conn, const uint64_t w[4])
{
    uint64_t total = 0;
    for (unsigned b = 0; b < CALL_BATCHES; b++) {
        uint64_t best = UINT64_MAX;
        for (unsigned a = 0; a < CALL_ATTEMPTS; a++) {
            long ticks = hm_info(HM_INFO_TICKS);
            uint64_t t0 = hm_cycles();
            for (unsigned i = 0; i < CALL_BATCH; i++) {
                struct hm_msg m = { .w = { w[0], w[1], w[2], w[3] } };
                hm_call(conn, &m, HM_NO_SLOT);
            }
            uint64_t c = hm_cycles() - t0;
            if (c < best)
                best = c;
            if (hm_info(HM_INFO_TICKS) == ticks) {
                best = c;
                break;
            }
        }
        total += best;
    }
    return total / (CALL_BATCHES * CALL_BATCH);
}
