// SPDX-License-Identifier: MIT
/*
 * utest.h - user-level tests, reported through the kernel.
 *
 *     UTEST(sleep_waits)
 *     {
 *         uint64_t t0 = ut_now_ns();
 *
 *         UT_ASSERT_EQ(hm_sleep_ns(20 * HM_NS_PER_MS), 0);
 *         UT_ASSERT(ut_now_ns() - t0 >= 20 * HM_NS_PER_MS);
 *     }
 *
 * `UTEST(name)` must start its line: the host harness collects the expected
 * tests with the regex `^UTEST\((\w+)\)` over the .c files directly in
 * stage1-ipc/tests/user, so a test that never reports counts as failed.
 * Each test is registered by a pointer in the linker section `utests` (GNU
 * ld defines __start_utests and __stop_utests around it); constructors would
 * not do, since -nostartfiles programs never run them.
 *
 * utest_run_all() runs the tests one after another in this process, in
 * source order (files by name, tests by line), and reports each with
 * hm_test_report(); the kernel prints `[TEST] stage1/<name>: PASS` or
 * `[TEST] stage1/<name>: FAIL <file>:<line>: <expr> (0xa != 0xb)`.
 *
 * Ending a test: a failed UT_ASSERT* in the test's own (main) thread jumps
 * back to the runner with longjmp, so it may be used in helper functions too.
 * In a thread made with hm_thread_spawn() it records the failure (the first
 * one wins) and ends that thread; the test fails when it returns.
 *
 * Clean state: after each test, passed or not, the runner runs the cleanups
 * registered with ut_defer() (last first), then empties every capability
 * slot from UT_SLOT_FIRST up, killing and waiting for child processes in
 * them.  Threads must be stopped by the test (or its cleanups): the kernel
 * cannot kill a single thread.
 */
#ifndef HM_USER_UTEST_H
#define HM_USER_UTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "hm.h"

/** struct utest - one registered test; file and line give the run order. */
struct utest {
    const char *name;
    void (*fn)(void);
    const char *file;
    int line;
};

/* Slots tests may use: UT_SLOT_FIRST .. UT_SLOT_WATCHDOG - 1. */
#define UT_SLOT_FIRST 16
/* Slot of the watchdog thread of ut_wait_child(). */
#define UT_SLOT_WATCHDOG (HM_CSPACE_SLOTS - 1)

/* Default limit for a child program to end (ut_run_child). */
#define UT_CHILD_TIMEOUT_MS 5000

/**
 * UTEST() - define and register a test.  @n: a lowercase C identifier,
 * unique across stage 1 (user tests here start with `user_`).
 */
#define UTEST(n)                                                                         \
    static void utest_fn_##n(void);                                                      \
    static const struct utest utest_desc_##n = { #n, utest_fn_##n, __FILE__, __LINE__ }; \
    static const struct utest *const utest_ptr_##n                                       \
            __attribute__((used, section("utests"), aligned(8))) = &utest_desc_##n;      \
    static void utest_fn_##n(void)

/** UT_ASSERT() - fail the test with `file:line: e` unless @e holds. */
#define UT_ASSERT(e)                                         \
    do {                                                     \
        if (!(e)) {                                          \
            utest_fail(__FILE__, __LINE__, #e, 0, 0, false); \
        }                                                    \
    } while (0)

/**
 * UT_ASSERT_EQ() - fail with `file:line: x == y (0xX != 0xY)` unless @x and
 * @y are equal as 64-bit values (so -HM_EINVAL compares right in any type).
 */
#define UT_ASSERT_EQ(x, y)                                                    \
    do {                                                                      \
        uint64_t ut_a_ = (uint64_t)(x), ut_b_ = (uint64_t)(y);                \
        if (ut_a_ != ut_b_) {                                                 \
            utest_fail(__FILE__, __LINE__, #x " == " #y, ut_a_, ut_b_, true); \
        }                                                                     \
    } while (0)

/** UT_FAIL() - fail now with `file:line: <printf message>`. */
#define UT_FAIL(...) utest_failf(__FILE__, __LINE__, __VA_ARGS__)

/**
 * UT_ASSERT_ERR_UNCHANGED() - @call must return -@err and leave the free
 * frames and the kernel-object count exactly as they were: a refused call
 * changes nothing, not even temporarily-kept memory.
 */
#define UT_ASSERT_ERR_UNCHANGED(call, err)                                      \
    do {                                                                        \
        struct ut_usage ut_u_;                                                  \
        long ut_r_;                                                             \
        ut_usage_get(&ut_u_);                                                   \
        ut_r_ = (long)(call);                                                   \
        if (ut_r_ != -(long)(err)) {                                            \
            utest_fail(__FILE__, __LINE__, #call " == -" #err, (uint64_t)ut_r_, \
                       (uint64_t)(-(long)(err)), true);                         \
        }                                                                       \
        ut_usage_assert_same(&ut_u_, __FILE__, __LINE__, #call);                \
    } while (0)

/**
 * UT_ASSERT_USAGE_BACK() - the free frames and kernel objects must come back
 * to the values in *@before within UT_SETTLE_MS.  The wait is for work the
 * kernel may legitimately finish a little later (e.g. freeing an exited
 * thread's kernel stack once it is off it), not for leaks.
 */
#define UT_ASSERT_USAGE_BACK(before) ut_usage_assert_back((before), __FILE__, __LINE__)
#define UT_SETTLE_MS 500

/** struct ut_usage - what the kernel has handed out (HM_INFO_*). */
struct ut_usage {
    long free_frames;
    long kobjs;
};

/** ut_usage_get() - read the free frames and kernel objects now. */
void ut_usage_get(struct ut_usage *u);
/** ut_usage_settled() - the same once the counters have stopped moving (at
 *  most 300 ms): the baseline of a leak check taken right after a warm-up
 *  round, whose child or thread the kernel may still be tearing down on
 *  another CPU (a loaded host makes that window long). */
void ut_usage_settled(struct ut_usage *u);

/* Used by the macros above: fail at @file:@line unless the usage now equals
 * *@before (_same: at once; _back: within UT_SETTLE_MS). */
void ut_usage_assert_same(const struct ut_usage *before, const char *file, int line,
                          const char *what);
void ut_usage_assert_back(const struct ut_usage *before, const char *file, int line);

/** ut_now_ns() - monotonic time (HM_INFO_TIME_NS). */
static inline uint64_t ut_now_ns(void)
{
    return hm_now_ns();
}

/**
 * ut_defer() - run fn(arg) when the current test ends, passed or failed
 * (last registered first).  At most 16 per test; more fail the test.
 */
void ut_defer(void (*fn)(void *), void *arg);

/**
 * ut_wait_child() - hm_wait() on @slot with a time limit: a watchdog thread
 * kills the child if it has not ended after @timeout_ms, and the test then
 * fails ("did not end").  Return: the exit status (or hm_wait's error).
 */
long ut_wait_child(unsigned slot, uint64_t timeout_ms);

/**
 * ut_run_child() - spawn @prog with @arg into @slot, wait for it (at most
 * UT_CHILD_TIMEOUT_MS), delete its capability.  Fails the test if the spawn
 * fails.  Return: the child's exit status.
 */
long ut_run_child(const char *prog, const char *arg, unsigned slot);

/**
 * ut_reap_thread() - hm_thread_reap(@slot) with a limit of @timeout_ms;
 * fails the test if the thread has not finished by then.
 */
void ut_reap_thread(unsigned slot, uint64_t timeout_ms);

/** utest_run_all() - run and report every registered test. Return: how many failed. */
int utest_run_all(void);

/* Used by the macros above. */
__attribute__((noreturn)) void utest_fail(const char *file, int line, const char *expr, uint64_t a,
                                          uint64_t b, bool has_values);
__attribute__((noreturn, format(printf, 3, 4))) void utest_failf(const char *file, int line,
                                                                 const char *fmt, ...);

#endif
