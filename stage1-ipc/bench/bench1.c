// SPDX-License-Identifier: MIT
/*
 * bench1.c - /bin/bench1, the stage-1 user-level benchmarks.
 *
 * Prints, for tools/bench.py:
 *   [BENCH] stage1/null_syscall <n> insns    one hm_null(): svc, kernel entry,
 *                                            dispatch, return
 *   [BENCH] stage1/thread_switch <n> insns   one switch between two threads
 *                                            on one CPU, through hm_yield()
 *
 * Under QEMU -icount shift=0 the PMU cycle counter counts instructions, so
 * the figures are instruction counts and must repeat exactly from boot to
 * boot.  What can disturb them is a timer interrupt landing inside a timed
 * loop (its handler's instructions are counted too).  So each figure is
 * taken in batches of 1,000 operations (1.3e5 instructions for null calls,
 * 6e5 for switches, against a tick period of 1e7 instructions at 100 Hz):
 * a batch during which the tick count (HM_INFO_TICKS, read outside the
 * timed part) moved is measured again, up to ATTEMPTS times, keeping the
 * smallest.  10 batches make the 10,000 operations asked for.  Integer
 * arithmetic only.
 */
#include "hm.h"
#include "ipc.h"
#include "bench.h"
#include "../tests/user/progs/ipcsrv1.h"

#define BATCH 1000u
#define BATCHES 10u
#define ATTEMPTS 8u
#define WARMUP 1000u

/* Thread slots of the two switching threads (0 and 1 are taken). */
#define SLOT_A 16
#define SLOT_B 17
/* The measuring threads run here. */
#define BENCH_CPU 0

/* What a batch times (a flag rather than a function pointer: the loops must
 * be as plain as possible). */
enum batch_kind {
    EMPTY_LOOP,
    NULL_CALLS,
    YIELDS
};

/* Time one batch of BATCH operations of @kind, in cycles. */
static uint64_t time_batch(enum batch_kind kind)
{
    uint64_t t0 = 0, t1 = 0;

    if (kind == EMPTY_LOOP) {
        t0 = hm_cycles();
        for (unsigned i = 0; i < BATCH; i++) {
            __asm__ volatile("" : : : "memory");
        }
        t1 = hm_cycles();
    } else if (kind == NULL_CALLS) {
        t0 = hm_cycles();
        for (unsigned i = 0; i < BATCH; i++) {
            hm_null();
        }
        t1 = hm_cycles();
    } else {
        t0 = hm_cycles();
        for (unsigned i = 0; i < BATCH; i++) {
            hm_yield();
        }
        t1 = hm_cycles();
    }
    return t1 - t0;
}

/*
 * Cycles of BATCHES batches of @kind, each the first tick-free attempt (or
 * the smallest of ATTEMPTS if every one saw a tick).
 */
static uint64_t measure(enum batch_kind kind)
{
    uint64_t total = 0;

    for (unsigned b = 0; b < BATCHES; b++) {
        uint64_t best = UINT64_MAX;

        for (unsigned a = 0; a < ATTEMPTS; a++) {
            long ticks = hm_info(HM_INFO_TICKS);
            uint64_t c = time_batch(kind);

            if (c < best) {
                best = c;
            }
            if (hm_info(HM_INFO_TICKS) == ticks) {
                best = c;
                break;
            }
        }
        total += best;
    }
    return total;
}

static uint64_t null_cycles; /* per call, from null_thread */

/* Runs pinned (like the switch threads): the cycle counter is per CPU, and a
 * thread that moved between two reads would compare two counters. */
static void null_thread(void *arg)
{
    uint64_t empty, calls;

    (void)arg;
    for (unsigned i = 0; i < WARMUP; i++) {
        hm_null();
    }
    time_batch(EMPTY_LOOP);
    empty = measure(EMPTY_LOOP);
    calls = measure(NULL_CALLS);
    null_cycles = (calls - empty) / (BATCHES * BATCH);
}

static void bench_null_syscall(void)
{
    long r = hm_thread_spawn(null_thread, NULL, BENCH_CPU, SLOT_A);

    if (r < 0) {
        hm_printf("bench1: cannot create a thread: error %ld\n", r);
        return;
    }
    hm_thread_reap(SLOT_A, HM_FOREVER);
    hm_printf("[BENCH] stage1/null_syscall %llu insns\n", (unsigned long long)null_cycles);
}

/* ---------------------------------------------------------------------- */
/* Thread switch                                                           */
/* ---------------------------------------------------------------------- */

static struct {
    atomic_int arrived; /* threads at the start line */
    atomic_int stop;    /* set by A when done: B stops yielding */
    uint64_t cycles;    /* A's measurement */
} sw;

/* Wait (yielding) until both threads have arrived. */
static void start_line(void)
{
    atomic_fetch_add(&sw.arrived, 1);
    while (atomic_load(&sw.arrived) < 2) {
        hm_yield();
    }
}

/*
 * Thread A: measures.  With B always ready on the same CPU, each of A's
 * hm_yield() runs B's loop once and comes back: one round trip, two
 * switches.
 */
static void switch_a(void *arg)
{
    (void)arg;
    start_line();
    time_batch(YIELDS); /* warm-up: B is surely in its loop afterwards */
    sw.cycles = measure(YIELDS);
    atomic_store(&sw.stop, 1);
}

/* Thread B: yields back to A until told to stop. */
static void switch_b(void *arg)
{
    (void)arg;
    start_line();
    while (atomic_load_explicit(&sw.stop, memory_order_relaxed) == 0) {
        hm_yield();
    }
}

static void bench_thread_switch(void)
{
    long r;

    atomic_store(&sw.arrived, 0);
    atomic_store(&sw.stop, 0);
    r = hm_thread_spawn(switch_a, NULL, BENCH_CPU, SLOT_A);
    if (r == 0) {
        r = hm_thread_spawn(switch_b, NULL, BENCH_CPU, SLOT_B);
        if (r < 0) {
            /* A cannot pass the start line alone: release it. */
            atomic_store(&sw.arrived, 2);
            atomic_store(&sw.stop, 1);
        }
    }
    if (r < 0) {
        hm_printf("bench1: cannot create threads: error %ld\n", r);
        hm_thread_reap(SLOT_A, HM_FOREVER);
        return;
    }
    /* This thread blocks in the joins, so it does not compete for the CPU
     * while A and B run. */
    hm_thread_reap(SLOT_A, HM_FOREVER);
    hm_thread_reap(SLOT_B, HM_FOREVER);
    hm_printf("[BENCH] stage1/thread_switch %llu insns\n",
              (unsigned long long)(sw.cycles / (2 * BATCHES * BATCH)));
}

/* ---------------------------------------------------------------------- */
/* IPC and notifications                                                   */
/* ---------------------------------------------------------------------- */

#define SLOT_SRV_BASE 40 /* server processes */
#define SLOT_LOOKUP 50
#define SLOT_CONN_NULL 51
#define SLOT_CONN_CHAIN 52
#define SLOT_NOTE 53
#define IPC_BATCH 100
#define IPC_BATCHES 10

static unsigned nservers;

static long start(const char *arg, const char *name)
{
    long r = hm_spawn("/bin/ipcsrv1", arg, SLOT_SRV_BASE + nservers++);
    if (r < 0)
        return r;
    uint64_t t0 = hm_now_ns();
    while ((r = hm_name_lookup(name, SLOT_LOOKUP)) == -HM_ENOENT && hm_now_ns() - t0 < HM_NS_PER_S)
        hm_sleep_ns(HM_NS_PER_MS);
    if (r == 0)
        hm_cap_delete(SLOT_LOOKUP);
    return r;
}

static long connect(const char *name, unsigned slot)
{
    long r = hm_name_lookup(name, SLOT_LOOKUP);
    if (r == 0)
        r = hm_connect(SLOT_LOOKUP, NULL, 0, slot);
    hm_cap_delete(SLOT_LOOKUP);
    return r;
}

static uint64_t ipc_null, ipc_chain3, notify_pair, loop_cost;

static void ipc_thread(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < WARMUP / 10; i++) {
        struct hm_msg m = { .w = { IPCSRV_OP_NULL } };
        hm_call(SLOT_CONN_NULL, &m, HM_NO_SLOT);
        hm_call(SLOT_CONN_CHAIN, &m, HM_NO_SLOT);
    }
    ipc_null = bench_call_cost(SLOT_CONN_NULL, IPCSRV_OP_NULL);
    ipc_chain3 = bench_call_cost(SLOT_CONN_CHAIN, IPCSRV_OP_NULL);
    /* A signal and a wait that finds the bit: the non-blocking path. */
    uint64_t t0 = hm_cycles();
    for (unsigned i = 0; i < IPC_BATCH * IPC_BATCHES; i++) {
        hm_notify_signal(SLOT_NOTE, 1);
        hm_notify_wait(SLOT_NOTE, 0);
    }
    notify_pair = (hm_cycles() - t0) / (IPC_BATCH * IPC_BATCHES);
    (void)loop_cost;
}

static void bench_ipc(void)
{
    long r = start("echo bnull", "bnull");
    if (r == 0)
        r = start("chain bc3c", "bc3c");
    if (r == 0)
        r = start("chain bc3b bc3c", "bc3b");
    if (r == 0)
        r = start("chain bc3a bc3b", "bc3a");
    if (r == 0)
        r = connect("bnull", SLOT_CONN_NULL);
    if (r == 0)
        r = connect("bc3a", SLOT_CONN_CHAIN);
    if (r == 0)
        r = hm_notify_create(SLOT_NOTE);
    if (r == 0)
        r = hm_thread_spawn(ipc_thread, NULL, BENCH_CPU, SLOT_A);
    if (r < 0) {
        hm_printf("bench1: IPC set-up failed: error %ld\n", r);
        return;
    }
    hm_thread_reap(SLOT_A, HM_FOREVER);
    hm_printf("[BENCH] stage1/ipc_null_roundtrip %llu insns\n", (unsigned long long)ipc_null);
    hm_printf("[BENCH] stage1/ipc_chain3_roundtrip %llu insns\n", (unsigned long long)ipc_chain3);
    hm_printf("[BENCH] stage1/notify_signal_wait %llu insns\n", (unsigned long long)notify_pair);
    for (unsigned i = 0; i < nservers; i++) {
        hm_kill(SLOT_SRV_BASE + i);
        hm_wait(SLOT_SRV_BASE + i);
    }
}

int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
    bench_null_syscall();
    bench_thread_switch();
    bench_ipc();
    return 0;
}
