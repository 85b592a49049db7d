// SPDX-License-Identifier: MIT
/*
 * bench2.c - stage 2's benchmarks: the round trip of a call by caller and
 * callee isolation class.
 *
 *   [BENCH] stage2/ipc_roundtrip_ic<X>_ic<Y> <n> insns
 *
 * One call and its reply, the callee being the kv service doing next to
 * nothing (KV_WHERE).  X = 2: this user program calls kv<Y> (or "kv", in
 * whatever class the configuration put it, when the class matrix is not
 * built).  X = 0 or 1: this program calls relay<X>, which makes n calls
 * to kv<Y> in a loop; the cost of one is the difference between n = 100
 * and n = 0, divided by 100 (so the relay's loop, a few instructions, is
 * in it).  IC2 to IC2 with a service that does nothing at all is stage
 * 1's stage1/ipc_null_roundtrip.  Counted with the cycle counter, which is
 * the instruction count under QEMU -icount shift=0 (not hardware time).
 */
#include "hm.h"
#include "ipc.h"
#include "bench.h"
#include "../services/kv.h"
#include "../services/relay.h"

#define SLOT_PROBE 39
#define SLOT_SVC 40 /* connection i: service 40 + 2i, connection 41 + 2i */
#define SLOT_THREAD 90
#define LOOP_N 100

static unsigned nconn;

/* A connection to `name` in the next slot, or -1 (not published). */
static long connect(const char *name)
{
    unsigned svc = SLOT_SVC + 2 * nconn, conn = svc + 1;
    if (hm_name_lookup(name, svc) < 0 || hm_connect(svc, NULL, 0, conn) < 0)
        return -1;
    nconn++;
    return conn;
}

/* Warm up (bind a stack for IC2, fill caches); the reply's w[0] and the status. */
static long warm(long conn, const uint64_t w[4], uint64_t *w0)
{
    struct hm_msg m;
    long r = 0;
    for (int i = 0; i < 50; i++) {
        m = (struct hm_msg){ .w = { w[0], w[1], w[2], w[3] } };
        r = hm_call((unsigned)conn, &m, HM_NO_SLOT);
    }
    *w0 = m.w[0];
    return r;
}

/* The user program calling kv<cls> (cls < 0: "kv"). */
static void direct(int cls)
{
    char name[4] = { 'k', 'v', (char)('0' + cls), 0 };
    long conn = connect(cls < 0 ? "kv" : name);
    if (conn < 0)
        return;
    const uint64_t w[4] = { KV_WHERE };
    uint64_t where;
    if (warm(conn, w, &where) < 0) {
        hm_printf("bench2: %s does not answer\n", name);
        return;
    }
    uint64_t n = bench_msg_cost((unsigned)conn, w);
    hm_printf("[BENCH] stage2/ipc_roundtrip_ic2_ic%llu %llu insns\n", (unsigned long long)where,
              (unsigned long long)n);
}

/* relay<x> calling kv<y>. */
static void relayed(int x, int y)
{
    char name[7] = { 'r', 'e', 'l', 'a', 'y', (char)('0' + x), 0 };
    long conn = connect(name);
    if (conn < 0)
        return;
    uint64_t loop0[4] = { RELAY_LOOP, (uint64_t)y, 0 },
             loopn[4] = { RELAY_LOOP, (uint64_t)y, LOOP_N };
    uint64_t where;
    if (warm(conn, loopn, &where) < 0 || where != (uint64_t)y) {
        hm_printf("bench2: %s cannot call kv%d\n", name, y);
        return;
    }
    uint64_t with = bench_msg_cost((unsigned)conn, loopn),
             without = bench_msg_cost((unsigned)conn, loop0);
    hm_printf("[BENCH] stage2/ipc_roundtrip_ic%d_ic%d %llu insns\n", x, y,
              (unsigned long long)((with - without + LOOP_N / 2) / LOOP_N));
}

static void measure(void *arg)
{
    (void)arg;
    if (hm_name_lookup("kv0", SLOT_PROBE) < 0) { /* no class matrix: kv where it was put */
        direct(-1);
        return;
    }
    for (int y = 0; y <= 2; y++)
        direct(y);
    for (int x = 0; x <= 1; x++)
        for (int y = 0; y <= 1; y++)
            relayed(x, y);
}

int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
    long r = hm_thread_spawn(measure, NULL, 0, SLOT_THREAD); /* CPU 0: one cycle counter */
    if (r < 0) {
        hm_printf("bench2: set-up failed: %ld\n", r);
        return 1;
    }
    hm_thread_reap(SLOT_THREAD, HM_FOREVER);
    return 0;
}
