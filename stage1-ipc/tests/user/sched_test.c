// SPDX-License-Identifier: MIT
/*
 * sched_test.c - user tests: threads, CPUs, preemption and sleep.
 *
 * Threads run on every CPU they are pinned to; a thread that never gives up
 * its CPU is preempted, so another thread on the same CPU still runs; a
 * spinlock shared by threads on all CPUs keeps a counter exact; sleeping
 * lasts at least as long as asked; creating and joining threads leaks
 * nothing; thread capabilities obey their rights.
 *
 * Every helper thread is stopped and reaped by a ut_defer() cleanup, so a
 * failed assertion cannot leave it running into the next test.  The state
 * the cleanups use is static: they run after the test function returned.
 */
#include "hm.h"
#include "utest.h"

#define MAX_THREADS 200
#define SLOT_T(i) (UT_SLOT_FIRST + (unsigned)(i))

/* Time allowed to threads to end once told to, and to the lock test. */
#define REAP_MS 2000
#define LOCK_TEST_LIMIT_NS (20 * HM_NS_PER_S)

/* Both threads must have run within this long (the preemption test). */
#define PREEMPT_LIMIT_NS (200 * HM_NS_PER_MS)

/* ---------------------------------------------------------------------- */
/* A group of helper threads with a stop flag                              */
/* ---------------------------------------------------------------------- */

struct group {
    atomic_int stop;
    unsigned n; /* threads spawned: slots SLOT_T(0) .. SLOT_T(n - 1) */
};

static struct group grp;

/* Cleanup: tell every thread of the group to stop and reap them. */
static void group_stop(void *arg)
{
    struct group *g = arg;

    atomic_store(&g->stop, 1);
    for (unsigned i = 0; i < g->n; i++) {
        hm_thread_reap(SLOT_T(i), (uint64_t)REAP_MS * HM_NS_PER_MS);
    }
}

/* Start a fresh group whose threads are stopped when the test ends. */
static struct group *group_start(void)
{
    atomic_store(&grp.stop, 0);
    grp.n = 0;
    ut_defer(group_stop, &grp);
    return &grp;
}

/* Spawn fn(arg) pinned to @cpu as the group's next thread. */
static void group_spawn(struct group *g, void (*fn)(void *), void *arg, int cpu)
{
    long r;

    if (g->n >= MAX_THREADS) {
        UT_FAIL("too many threads");
    }
    r = hm_thread_spawn(fn, arg, cpu, SLOT_T(g->n));
    if (r < 0) {
        UT_FAIL("hm_thread_spawn(cpu %d) = %ld", cpu, r);
    }
    g->n++;
}

/* Reap every thread of the group (they must be finishing). */
static void group_join(struct group *g)
{
    for (unsigned i = 0; i < g->n; i++) {
        ut_reap_thread(SLOT_T(i), REAP_MS);
    }
    g->n = 0;
}

static long ncpus(void)
{
    long n = hm_info(HM_INFO_NCPUS);

    UT_ASSERT(n >= 1 && n <= MAX_THREADS / 4);
    return n;
}

/* ---------------------------------------------------------------------- */
/* Yield and sleep                                                         */
/* ---------------------------------------------------------------------- */

UTEST(user_yield_returns)
{
    UT_ASSERT_EQ(hm_yield(), 0);
    UT_ASSERT_EQ(hm_yield(), 0);
}

/* hm_sleep_ns(20 ms) takes at least 20 ms (and not absurdly long). */
UTEST(user_sleep_20ms)
{
    uint64_t t0 = ut_now_ns(), t1;

    UT_ASSERT_EQ(hm_sleep_ns(20 * HM_NS_PER_MS), 0);
    t1 = ut_now_ns();
    UT_ASSERT(t1 - t0 >= 20 * HM_NS_PER_MS);
    UT_ASSERT(t1 - t0 < 2 * HM_NS_PER_S);
    /* Zero: returns at once. */
    t0 = ut_now_ns();
    UT_ASSERT_EQ(hm_sleep_ns(0), 0);
    UT_ASSERT(ut_now_ns() - t0 < HM_NS_PER_S);
}

static atomic_ulong latest_ns;

/*
 * Read the clock after reading the latest time any thread has published:
 * a later read must not be smaller, whichever CPU published.  Then publish.
 */
static void check_clock(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        unsigned long seen_ns = atomic_load(&latest_ns);
        unsigned long now = hm_now_ns();

        UT_ASSERT(now >= seen_ns);
        while (seen_ns < now && !atomic_compare_exchange_weak(&latest_ns, &seen_ns, now)) {
        }
    }
}

/* Monotonic time never goes back, on one CPU and across CPUs (a thread on
 * each checks against the others). */
UTEST(user_time_monotonic)
{
    struct group *g = group_start();
    long n = ncpus();

    atomic_store(&latest_ns, 0);
    check_clock(NULL);
    for (long i = 0; i < n; i++) {
        group_spawn(g, check_clock, NULL, (int)i);
    }
    group_join(g);
}

/* ---------------------------------------------------------------------- */
/* Preemption                                                              */
/* ---------------------------------------------------------------------- */

static struct {
    atomic_ulong spins;  /* the spinner's loops */
    atomic_ulong counts; /* the counter's loops */
    atomic_ulong last_ns;
} pre;

/* Never yields, never calls the kernel: only preemption takes its CPU. */
static void spinner(void *arg)
{
    struct group *g = arg;

    while (atomic_load_explicit(&g->stop, memory_order_relaxed) == 0) {
        atomic_fetch_add_explicit(&pre.spins, 1, memory_order_relaxed);
    }
}

/* Counts, reading the clock through the kernel on every loop. */
static void counter(void *arg)
{
    struct group *g = arg;

    while (atomic_load_explicit(&g->stop, memory_order_relaxed) == 0) {
        atomic_fetch_add_explicit(&pre.counts, 1, memory_order_relaxed);
        atomic_store_explicit(&pre.last_ns, hm_now_ns(), memory_order_relaxed);
    }
}

/*
 * A spinner and a counter pinned on the same CPU (the last one): within
 * PREEMPT_LIMIT_NS both have made progress, and both keep making it.  The
 * spinner is started first, so without preemption the counter would never
 * run.  This thread only sleeps meanwhile.
 */
UTEST(user_preempt_same_cpu)
{
    struct group *g = group_start();
    int cpu = (int)ncpus() - 1;
    uint64_t start;
    unsigned long s1, c1;

    atomic_store(&pre.spins, 0);
    atomic_store(&pre.counts, 0);
    group_spawn(g, spinner, g, cpu);
    start = ut_now_ns();
    group_spawn(g, counter, g, cpu);

    while (atomic_load(&pre.spins) == 0 || atomic_load(&pre.counts) == 0) {
        if (ut_now_ns() - start > PREEMPT_LIMIT_NS) {
            UT_FAIL("no progress in 200 ms: spinner %lu, counter %lu loops",
                    atomic_load(&pre.spins), atomic_load(&pre.counts));
        }
        hm_sleep_ns(HM_NS_PER_MS);
    }
    /* And they keep alternating. */
    s1 = atomic_load(&pre.spins);
    c1 = atomic_load(&pre.counts);
    hm_sleep_ns(100 * HM_NS_PER_MS);
    UT_ASSERT(atomic_load(&pre.spins) > s1);
    UT_ASSERT(atomic_load(&pre.counts) > c1);
    UT_ASSERT(atomic_load(&pre.last_ns) >= start);

    atomic_store(&g->stop, 1);
    group_join(g);
}

/* ---------------------------------------------------------------------- */
/* Every CPU, and a spinlock across them                                   */
/* ---------------------------------------------------------------------- */

static struct {
    atomic_long id[MAX_THREADS];
} seen;

static void record_cpu(void *arg)
{
    size_t i = (size_t)arg;

    atomic_store(&seen.id[i], hm_cpu_id());
}

/* One thread pinned to each CPU reports that very CPU: n distinct ids. */
UTEST(user_threads_every_cpu)
{
    struct group *g = group_start();
    long n = ncpus();

    for (long i = 0; i < n; i++) {
        atomic_store(&seen.id[i], -1);
    }
    for (long i = 0; i < n; i++) {
        group_spawn(g, record_cpu, (void *)(size_t)i, (int)i);
    }
    group_join(g);
    for (long i = 0; i < n; i++) {
        UT_ASSERT_EQ(atomic_load(&seen.id[i]), i);
    }
}

#define LOCK_ROUNDS 10000

static struct {
    hm_spinlock_t lock;
    long count; /* only touched under the lock */
    atomic_int done;
} shared;

static void locked_adder(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOCK_ROUNDS; i++) {
        hm_spin_lock(&shared.lock);
        shared.count++;
        hm_spin_unlock(&shared.lock);
    }
    atomic_fetch_add(&shared.done, 1);
}

/* 4 threads per CPU, 10,000 locked increments each: the count is exact. */
UTEST(user_spinlock_counter)
{
    struct group *g = group_start();
    long n = ncpus();
    int threads = (int)(4 * n);
    uint64_t start = ut_now_ns();

    shared.count = 0;
    atomic_store(&shared.done, 0);
    for (int i = 0; i < threads; i++) {
        group_spawn(g, locked_adder, NULL, (int)(i % n));
    }
    while (atomic_load(&shared.done) < threads) {
        if (ut_now_ns() - start > LOCK_TEST_LIMIT_NS) {
            UT_FAIL("only %d of %d threads done after 20 s", atomic_load(&shared.done), threads);
        }
        hm_sleep_ns(5 * HM_NS_PER_MS);
    }
    group_join(g);
    hm_spin_lock(&shared.lock);
    UT_ASSERT_EQ(shared.count, (long)threads * LOCK_ROUNDS);
    hm_spin_unlock(&shared.lock);
}

/* ---------------------------------------------------------------------- */
/* Thread capabilities and errors                                          */
/* ---------------------------------------------------------------------- */

/* Waits for the group's stop flag, at most 5 s. */
static void wait_for_stop(void *arg)
{
    struct group *g = arg;
    uint64_t start = hm_now_ns();

    while (atomic_load(&g->stop) == 0 && hm_now_ns() - start < 5 * HM_NS_PER_S) {
        hm_sleep_ns(HM_NS_PER_MS);
    }
}

/* A thread capability has all rights; a copy without WAIT cannot join, one
 * without CONTROL cannot set the priority; priorities stop at HM_PRIO_MAX. */
UTEST(user_thread_cap_rights)
{
    struct group *g = group_start();
    unsigned t = SLOT_T(0);
    unsigned copy = SLOT_T(MAX_THREADS - 1);
    long info;

    group_spawn(g, wait_for_stop, g, -1);
    info = hm_cap_info(t);
    UT_ASSERT_EQ(hm_cap_type(info), HM_CAP_THREAD);
    UT_ASSERT_EQ(hm_cap_rights(info), HM_RIGHTS_ALL);

    UT_ASSERT_EQ(hm_set_priority(t, HM_PRIO_MAX), 0);
    UT_ASSERT_EQ(hm_set_priority(t, HM_PRIO_DEFAULT), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_set_priority(t, HM_PRIO_MAX + 1), HM_EINVAL);

    UT_ASSERT_EQ(hm_cap_copy(t, HM_SLOT_SELF, copy, HM_RIGHT_CONTROL), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_thread_join(copy), HM_EPERM);
    UT_ASSERT_EQ(hm_set_priority(copy, HM_PRIO_DEFAULT), 0);
    UT_ASSERT_EQ(hm_cap_delete(copy), 0);
    UT_ASSERT_EQ(hm_cap_copy(t, HM_SLOT_SELF, copy, HM_RIGHT_WAIT), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_set_priority(copy, HM_PRIO_DEFAULT), HM_EPERM);

    /* Once the thread has ended (and been joined through the original), the
     * WAIT copy joins at once. */
    atomic_store(&g->stop, 1);
    group_join(g);
    UT_ASSERT_EQ(hm_thread_join(copy), 0);
    UT_ASSERT_EQ(hm_cap_delete(copy), 0);
}

/* A raw thread entry: must not return (no frame to return to). */
static void exit_at_once(void *arg)
{
    (void)arg;
    hm_thread_exit();
}

/* Bad CPU numbers and bad slots: refused, nothing created. */
UTEST(user_thread_create_errors)
{
    long n = ncpus();
    unsigned char *stack = hm_alloc_pages(1);
    void *top;

    UT_ASSERT(stack != NULL);
    top = stack + HM_PAGE_SIZE;
    UT_ASSERT_ERR_UNCHANGED(hm_thread_create(exit_at_once, top, NULL, (int)n, SLOT_T(0)),
                            HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_thread_create(exit_at_once, top, NULL, -2, SLOT_T(0)), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_thread_create(exit_at_once, top, NULL, 0, HM_CSPACE_SLOTS),
                            HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_thread_create(exit_at_once, top, NULL, 0, HM_SLOT_SELF), HM_EEXIST);
    UT_ASSERT_EQ(hm_cap_info(SLOT_T(0)), -HM_EBADCAP);
    UT_ASSERT_EQ(hm_free_pages(stack, 1), 0);
}

static void do_nothing(void *arg)
{
    (void)arg;
}

/* Spawn 2 threads per CPU and reap them. */
static void thread_round(struct group *g, long n)
{
    for (long i = 0; i < 2 * n; i++) {
        group_spawn(g, do_nothing, NULL, (int)(i % n));
    }
    group_join(g);
}

/*
 * Creating, running, joining threads, deleting their capabilities and
 * unmapping their stacks (hm_thread_reap does all three) gives back every
 * frame and kernel object.  One warm-up round first: the runtime reuses the
 * same stack addresses, so what may stay is page tables built for them
 * once, and kernel memory kept for reuse after the first round.
 */
UTEST(user_thread_no_leak)
{
    struct group *g = group_start();
    long n = ncpus();
    struct ut_usage before;

    thread_round(g, n);
    ut_usage_settled(&before);
    for (int i = 0; i < 3; i++) {
        thread_round(g, n);
    }
    UT_ASSERT_USAGE_BACK(&before);
}
