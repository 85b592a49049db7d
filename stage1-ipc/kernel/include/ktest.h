// SPDX-License-Identifier: MIT
/*
 * ktest.h - in-kernel tests, in the project's one output format.
 *
 *     KTEST(timer_ticks)
 *     {
 *         KT_ASSERT(timer_ticks() > 0);
 *     }
 *
 * Each test prints `[TEST] <suite>/<name>: PASS` or
 * `[TEST] <suite>/<name>: FAIL <file>:<line>: <expression>`; the run ends with
 * `[DONE] <passed>/<total> token=<token>`.  The suite is the stage, set per
 * stage by its stage.mk (-DKTEST_SUITE="stage1").  The host harness finds the
 * expected tests by scanning sources for `KTEST(name)` at the start of a line,
 * so a test that does not print counts as failed.
 *
 * KTEST_LATE(name) runs after init and the user-level tests have finished
 * (for example: nothing leaked).  User-level tests report through the
 * kernel (HM_SYS_TEST_REPORT), so the kernel prints and counts every line.
 *
 * KTEST_FAULT(name) declares a test that deliberately crashes the kernel (to
 * test the panic report); it only runs when named: bootarg `ktest=<name>`.
 */
#ifndef KTEST_H
#define KTEST_H

#include <kernel.h>

#ifndef KTEST_SUITE
#define KTEST_SUITE "kernel"
#endif

struct ktest_result {
    bool failed;
    const char *file;
    int line;
    const char *expr;
    uint64_t a, b; /* values for KT_ASSERT_EQ */
    bool has_values;
};

enum ktest_when {
    KTEST_EARLY,      /* at boot, before init */
    KTEST_AFTER_INIT, /* after init (and the user tests it ran) exited */
    KTEST_ON_REQUEST, /* crashes on purpose: only when named (ktest=<name>) */
};

struct ktest {
    const char *suite;
    const char *name;
    void (*fn)(struct ktest_result *kt_);
    enum ktest_when when;
};

#define KTEST_DEFINE(n, when)                                       \
    static void ktest_fn_##n(struct ktest_result *kt_);             \
    static const struct ktest ktest_##n __used __section(".ktests") \
            __aligned(8) = { KTEST_SUITE, #n, ktest_fn_##n, when }; \
    static void ktest_fn_##n(struct ktest_result *kt_ __attribute__((unused)))

#define KTEST(n) KTEST_DEFINE(n, KTEST_EARLY)
#define KTEST_LATE(n) KTEST_DEFINE(n, KTEST_AFTER_INIT)
#define KTEST_FAULT(n) KTEST_DEFINE(n, KTEST_ON_REQUEST)

#define KT_ASSERT(e)                                                                   \
    do {                                                                               \
        if (!(e)) {                                                                    \
            *kt_ = (struct ktest_result){ true, __FILE__, __LINE__, #e, 0, 0, false }; \
            return;                                                                    \
        }                                                                              \
    } while (0)

#define KT_ASSERT_EQ(x, y)                                                                        \
    do {                                                                                          \
        uint64_t a_ = (uint64_t)(x), b_ = (uint64_t)(y);                                          \
        if (a_ != b_) {                                                                           \
            *kt_ = (struct ktest_result){ true, __FILE__, __LINE__, #x " == " #y, a_, b_, true }; \
            return;                                                                               \
        }                                                                                         \
    } while (0)

/** Run every test of one phase (KTEST_EARLY or KTEST_AFTER_INIT). */
void ktest_run_phase(enum ktest_when when);
/** A result from a user-level test (HM_SYS_TEST_REPORT): printed and counted. */
void ktest_report(const char *name, bool passed, const char *detail);
/** Print `[DONE] passed/total token=...`; returns the number that failed. */
int ktest_done(const char *token, size_t token_len);
/** Run the test called `name` (fault tests too), then print `[DONE] p/1`;
 *  returns 0 if it passed, 1 if it failed, -1 if there is no such test. */
int ktest_run_one(const char *name, size_t len, const char *token, size_t token_len);

#endif
