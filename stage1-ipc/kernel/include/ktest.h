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

struct ktest {
    const char *suite;
    const char *name;
    void (*fn)(struct ktest_result *kt_);
    bool fault; /* crashes on purpose: run only when named */
};

#define KTEST_DEFINE(n, is_fault)                                       \
    static void ktest_fn_##n(struct ktest_result *kt_);                 \
    static const struct ktest ktest_##n __used __section(".ktests")     \
            __aligned(8) = { KTEST_SUITE, #n, ktest_fn_##n, is_fault }; \
    static void ktest_fn_##n(struct ktest_result *kt_ __attribute__((unused)))

#define KTEST(n) KTEST_DEFINE(n, false)
#define KTEST_FAULT(n) KTEST_DEFINE(n, true)

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

/** Run every non-fault test; returns the number that failed. */
int ktest_run_all(const char *token, size_t token_len);
/** Run the test called `name` (fault tests too), then print `[DONE] p/1`;
 *  returns 0 if it passed, 1 if it failed, -1 if there is no such test. */
int ktest_run_one(const char *name, size_t len, const char *token, size_t token_len);

#endif
