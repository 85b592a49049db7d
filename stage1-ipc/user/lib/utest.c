// SPDX-License-Identifier: MIT
/*
 * utest.c - the runner of user-level tests (see utest.h for the model).
 *
 * Tests are found between __start_utests and __stop_utests, which GNU ld
 * defines for the section `utests` because its name is a C identifier.  The
 * references are weak: this file is linked into every user program, and a
 * program without tests has no such section (the run is then empty).
 *
 * A failed assertion in the test's main thread longjmps back here (musl's
 * setjmp/longjmp only save and restore registers: no system call).  Per-test
 * state lives in one static struct, reset before each test.
 */
#include <setjmp.h>
#include <stdio.h>

#include "utest.h"

/* The suite of the reported names, "stage<N>" (the build passes it). */
#ifndef UTEST_SUITE
#define UTEST_SUITE "stage1"
#endif

#define DEFER_MAX 16
/* The kernel takes details of up to 256 bytes. */
#define DETAIL_MAX 256
/* Most tests one program can hold (more are reported as failed). */
#define TESTS_MAX 512

/* Before a test: sample the counters every QUIESCE_STEP_NS until two samples
 * agree (at most QUIESCE_MAX_NS), so work left over from the previous test
 * does not land in this one's measurements. */
#define QUIESCE_STEP_NS (1 * HM_NS_PER_MS)
#define QUIESCE_MAX_NS (300 * HM_NS_PER_MS)

/* The watchdog of ut_wait_child checks this often. */
#define WATCH_STEP_NS (2 * HM_NS_PER_MS)

/* Time allowed to a helper thread (watchdog, slot sweep) to end. */
#define HELPER_REAP_NS (2 * HM_NS_PER_S)

extern const struct utest *const __start_utests[] __attribute__((weak));
extern const struct utest *const __stop_utests[] __attribute__((weak));

struct deferred {
    void (*fn)(void *);
    void *arg;
};

static struct {
    jmp_buf jb;
    atomic_int failed; /* 0, then 1 once the first failure claimed detail */
    char detail[DETAIL_MAX];
    struct deferred defer[DEFER_MAX];
    unsigned ndefer;
} ut;

/* ---------------------------------------------------------------------- */
/* Failing                                                                 */
/* ---------------------------------------------------------------------- */

/* Strip the directories from __FILE__: the line stays short. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/*
 * End the current test (or helper thread) after a failure whose detail has
 * been written (or lost to an earlier failure).  Only the main thread may
 * jump: a helper thread runs on its own stack, so it just ends itself.
 */
static __attribute__((noreturn)) void end_after_failure(void)
{
    if (hm_is_main_thread()) {
        longjmp(ut.jb, 1);
    }
    hm_thread_finish();
}

/* Claim the detail buffer: true for the first failure of the test only. */
static bool claim_failure(void)
{
    return atomic_exchange(&ut.failed, 1) == 0;
}

void utest_fail(const char *file, int line, const char *expr, uint64_t a, uint64_t b,
                bool has_values)
{
    if (claim_failure()) {
        if (has_values) {
            snprintf(ut.detail, sizeof(ut.detail), "%s:%d: %s (0x%llx != 0x%llx)", base_name(file),
                     line, expr, (unsigned long long)a, (unsigned long long)b);
        } else {
            snprintf(ut.detail, sizeof(ut.detail), "%s:%d: %s", base_name(file), line, expr);
        }
    }
    end_after_failure();
}

void utest_failf(const char *file, int line, const char *fmt, ...)
{
    if (claim_failure()) {
        va_list ap;
        int n = snprintf(ut.detail, sizeof(ut.detail), "%s:%d: ", base_name(file), line);

        if (n > 0 && (size_t)n < sizeof(ut.detail)) {
            va_start(ap, fmt);
            vsnprintf(ut.detail + n, sizeof(ut.detail) - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    end_after_failure();
}

/* ---------------------------------------------------------------------- */
/* Resource accounting                                                     */
/* ---------------------------------------------------------------------- */

void ut_usage_get(struct ut_usage *u)
{
    u->free_frames = hm_info(HM_INFO_FREE_FRAMES);
    u->kobjs = hm_info(HM_INFO_KOBJS);
}

static bool usage_equal(const struct ut_usage *a, const struct ut_usage *b)
{
    return a->free_frames == b->free_frames && a->kobjs == b->kobjs;
}

void ut_usage_assert_same(const struct ut_usage *before, const char *file, int line,
                          const char *what)
{
    struct ut_usage now;

    ut_usage_get(&now);
    if (!usage_equal(before, &now)) {
        utest_failf(file, line, "%s changed usage: free frames %ld -> %ld, kobjs %ld -> %ld", what,
                    before->free_frames, now.free_frames, before->kobjs, now.kobjs);
    }
}

void ut_usage_assert_back(const struct ut_usage *before, const char *file, int line)
{
    uint64_t start = ut_now_ns();
    struct ut_usage now;

    for (;;) {
        ut_usage_get(&now);
        if (usage_equal(before, &now)) {
            return;
        }
        if (ut_now_ns() - start >= UT_SETTLE_MS * HM_NS_PER_MS) {
            break;
        }
        hm_sleep_ns(HM_NS_PER_MS);
    }
    utest_failf(file, line, "leak: free frames %ld -> %ld, kobjs %ld -> %ld", before->free_frames,
                now.free_frames, before->kobjs, now.kobjs);
}

/* Wait (bounded) until the counters stop moving; see QUIESCE_*. */
static void quiesce(void)
{
    uint64_t start = ut_now_ns();
    struct ut_usage prev, now;
    int stable = 0;

    /* Three samples in a row that agree (a tick apart): work the kernel
     * finishes asynchronously (the pool worker, reaping on other CPUs) has
     * settled. */
    ut_usage_get(&prev);
    while (ut_now_ns() - start < QUIESCE_MAX_NS) {
        hm_sleep_ns(QUIESCE_STEP_NS);
        ut_usage_get(&now);
        stable = usage_equal(&prev, &now) ? stable + 1 : 0;
        if (stable >= 2) {
            return;
        }
        prev = now;
    }
}

void ut_usage_settled(struct ut_usage *u)
{
    quiesce();
    ut_usage_get(u);
}

/* ---------------------------------------------------------------------- */
/* Children and threads                                                    */
/* ---------------------------------------------------------------------- */

void ut_defer(void (*fn)(void *), void *arg)
{
    if (ut.ndefer >= DEFER_MAX) {
        UT_FAIL("more than %d ut_defer() cleanups", DEFER_MAX);
    }
    ut.defer[ut.ndefer].fn = fn;
    ut.defer[ut.ndefer].arg = arg;
    ut.ndefer++;
}

struct watch {
    unsigned slot;
    uint64_t deadline;
    atomic_int stop;
    atomic_int fired;
};

/* The watchdog: kill the child in w->slot at w->deadline unless stopped. */
static void watchdog(void *arg)
{
    struct watch *w = arg;

    while (atomic_load(&w->stop) == 0) {
        if (ut_now_ns() >= w->deadline) {
            atomic_store(&w->fired, 1);
            hm_kill(w->slot);
            return;
        }
        hm_sleep_ns(WATCH_STEP_NS);
    }
}

/*
 * Contract: see utest.h.  The watchdog is reaped before any failure is
 * reported, so no helper thread outlives the call.  If it cannot be reaped
 * (the kernel did not let it run), the test fails and the slot stays used.
 * Main thread only (one watchdog at a time).
 */
long ut_wait_child(unsigned slot, uint64_t timeout_ms)
{
    /* Static, not on the stack: should the watchdog fail to end, it must not
     * be left pointing into a stack frame that a longjmp has abandoned. */
    static struct watch w;
    long status, r;

    w.slot = slot;
    w.deadline = ut_now_ns() + timeout_ms * HM_NS_PER_MS;
    atomic_init(&w.stop, 0);
    atomic_init(&w.fired, 0);
    r = hm_thread_spawn(watchdog, &w, -1, UT_SLOT_WATCHDOG);
    if (r < 0) {
        UT_FAIL("cannot start the watchdog thread: %ld", r);
    }
    status = hm_wait(slot);
    atomic_store(&w.stop, 1);
    r = hm_thread_reap(UT_SLOT_WATCHDOG, HELPER_REAP_NS);
    if (r < 0) {
        UT_FAIL("watchdog thread did not end: %ld", r);
    }
    if (atomic_load(&w.fired) != 0) {
        UT_FAIL("child in slot %u did not end within %llu ms (killed)", slot,
                (unsigned long long)timeout_ms);
    }
    return status;
}

long ut_run_child(const char *prog, const char *arg, unsigned slot)
{
    long r = hm_spawn(prog, arg, slot);
    long status;

    if (r < 0) {
        UT_FAIL("hm_spawn(%s, \"%s\") = %ld", prog, arg, r);
    }
    status = ut_wait_child(slot, UT_CHILD_TIMEOUT_MS);
    r = hm_cap_delete(slot);
    if (r < 0) {
        UT_FAIL("hm_cap_delete(child) = %ld", r);
    }
    return status;
}

void ut_reap_thread(unsigned slot, uint64_t timeout_ms)
{
    long r = hm_thread_reap(slot, timeout_ms * HM_NS_PER_MS);

    if (r < 0) {
        UT_FAIL("thread in slot %u not reaped within %llu ms: %ld", slot,
                (unsigned long long)timeout_ms, r);
    }
}

/* ---------------------------------------------------------------------- */
/* The runner                                                              */
/* ---------------------------------------------------------------------- */

/*
 * Empty the test slots after a test.  A child process still alive is killed
 * and waited for (only if the kill succeeded, so this cannot block on a
 * process that is still running); a thread the runtime spawned is reaped if
 * it finishes within HELPER_REAP_NS, else it is named on the console (its
 * slot stays taken).  Errors are ignored: this is best effort.
 */
static void sweep_slots(void)
{
    for (unsigned s = UT_SLOT_FIRST; s < HM_CSPACE_SLOTS; s++) {
        long info = hm_cap_info(s);

        if (info < 0) {
            continue;
        }
        if (hm_cap_type(info) == HM_CAP_PROCESS && hm_kill(s) == 0) {
            hm_wait(s);
        }
        if (hm_cap_type(info) == HM_CAP_THREAD) {
            long r = hm_thread_reap(s, HELPER_REAP_NS);

            if (r == 0) {
                continue; /* the reap deleted the capability */
            }
            if (r == -HM_EAGAIN) {
                /* Later tests that spawn into this slot get -HM_EEXIST: say why. */
                hm_printf("utest: the thread in slot %u has not ended; its slot stays taken\n", s);
            }
        }
        hm_cap_delete(s);
    }
}

/*
 * Run one test, then its cleanups, each under its own setjmp so a failing
 * cleanup still lets the remaining ones run.  `d` is assigned before the
 * setjmp and not changed after, so it survives a longjmp.
 */
static bool run_one(const struct utest *t)
{
    quiesce();
    atomic_store(&ut.failed, 0);
    ut.detail[0] = '\0';
    ut.ndefer = 0;

    if (setjmp(ut.jb) == 0) {
        t->fn();
    }
    while (ut.ndefer > 0) {
        struct deferred d = ut.defer[--ut.ndefer];

        if (setjmp(ut.jb) == 0) {
            d.fn(d.arg);
        }
    }
    sweep_slots();
    return atomic_load(&ut.failed) == 0;
}

/* Report one result under the name "<suite>/<test>", as the kernel wants it. */
static void report(const char *name, bool passed, const char *detail)
{
    char full[HM_NAME_MAX + 1];

    snprintf(full, sizeof(full), "%s/%s", UTEST_SUITE, name);
    hm_test_report(full, passed, detail);
}

/* Source order: by file name, then by line. */
static bool runs_before(const struct utest *a, const struct utest *b)
{
    int c = strcmp(a->file, b->file);

    return c < 0 || (c == 0 && a->line < b->line);
}

/*
 * The section holds the tests in whatever order the compiler emitted them
 * (GCC emits a file's variables last-defined first), so they are sorted
 * into source order first: insertion sort, the list is short.
 */
int utest_run_all(void)
{
    static const struct utest *order[TESTS_MAX];
    const struct utest *const *first = __start_utests;
    size_t n = (size_t)((uintptr_t)__stop_utests - (uintptr_t)__start_utests) /
               sizeof(const struct utest *);
    int failed = 0;

    for (size_t i = TESTS_MAX; i < n; i++) {
        report(first[i]->name, false, "utest.c: more than TESTS_MAX tests");
        failed++;
    }
    if (n > TESTS_MAX) {
        n = TESTS_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        size_t j = i;

        while (j > 0 && runs_before(first[i], order[j - 1])) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = first[i];
    }
    for (size_t i = 0; i < n; i++) {
        bool passed = run_one(order[i]);

        if (!passed) {
            failed++;
        }
        report(order[i]->name, passed, passed ? NULL : ut.detail);
    }
    return failed;
}

/*
 * The main() of a test program (/bin/utest1, /bin/utest2, ...): a program
 * whose sources are only UTEST()s gets this one; any program with a main()
 * of its own overrides it (it is weak).
 */
__attribute__((weak)) int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
    int failed = utest_run_all();
    hm_printf("%s: done, %d failed\n", UTEST_SUITE, failed);
    return 0;
}
