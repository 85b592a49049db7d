// SPDX-License-Identifier: MIT
/*
 * bench2.c - stage 2's benchmarks: the IPC round trip by isolation class.
 *
 *   [BENCH] stage2/ipc_roundtrip_ic2_ic<Y> <n> insns
 *
 * One call and its reply from a user program (IC2) to the kv service in the
 * class the configuration put it in (Y), the service doing next to nothing
 * (KV_WHERE).  IC2 to IC2 with a service that does nothing at all is stage
 * 1's stage1/ipc_null_roundtrip.  Counted with the cycle counter, which is
 * the instruction count under QEMU -icount shift=0 (not hardware time).
 */
#include "hm.h"
#include "ipc.h"
#include "bench.h"
#include "../services/kv.h"

#define SLOT_SVC 40
#define SLOT_CONN 41
#define SLOT_THREAD 42

static uint64_t per_call;
static long where = -1;

static void measure(void *arg)
{
    (void)arg;
    struct hm_msg m = { .w = { KV_WHERE } };
    for (int i = 0; i < 50; i++) { /* warm up: bind a stack (IC2), fill caches */
        m.w[0] = KV_WHERE;
        hm_call(SLOT_CONN, &m, HM_NO_SLOT);
    }
    where = (long)m.w[0];
    per_call = bench_call_cost(SLOT_CONN, KV_WHERE);
}

int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
    long r = hm_name_lookup("kv", SLOT_SVC);
    if (r == 0)
        r = hm_connect(SLOT_SVC, NULL, 0, SLOT_CONN);
    if (r == 0)
        r = hm_thread_spawn(measure, NULL, 0, SLOT_THREAD); /* CPU 0: one cycle counter */
    if (r < 0) {
        hm_printf("bench2: set-up failed: %ld\n", r);
        return 1;
    }
    hm_thread_reap(SLOT_THREAD, HM_FOREVER);
    hm_printf("[BENCH] stage2/ipc_roundtrip_ic2_ic%ld %llu insns\n", where,
              (unsigned long long)per_call);
    return 0;
}
