// SPDX-License-Identifier: MIT
/*
 * unit.h - a tiny single-header unit-test framework for host-side tests.
 *
 * Every stage of the project compiles parts of its kernel natively on the
 * build machine and tests them with this header. A test is a function
 * declared with UNIT_TEST(name) on its own line at column 0 (the test
 * harness discovers the expected test names with the regular expression
 * ^UNIT_TEST\((\w+)\) ). Tests register themselves from a constructor
 * before main() runs, and unit_main() runs them in registration order
 * (source order within a file, link order across files).
 *
 * Output, one line per test, flushed after each line:
 *
 *     [TEST] <suite>/<name>: PASS
 *     [TEST] <suite>/<name>: FAIL <file>:<line>: <expression text>
 *     ...
 *     [DONE] <passed>/<total>
 *
 * UNIT_ASSERT_EQ failures append " (0x<a> != 0x<b>)". A failed assertion
 * stops its test at once (via longjmp, so assertions also work inside helper
 * functions called by a test); the next test then runs. The exit status is
 * 0 only if every test passed.
 *
 * The header may be included by several files of one test program: the
 * shared registry is a weak definition, so the linker keeps a single copy.
 * Nothing is allocated, so the framework is clean under ASan/LSan/UBSan.
 */
#ifndef UNIT_H
#define UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** One registered test (static storage, created by UNIT_TEST). */
struct unit_test {
    const char *name;       /**< test name, [a-z0-9_] */
    void (*fn)(void);       /**< test body */
    const char *file;       /**< file that defines the test */
    int line;               /**< line of its UNIT_TEST() */
    struct unit_test *next; /**< registration list link */
};

/** Framework state shared by every file of one test program. */
struct unit_state {
    struct unit_test *head; /**< first registered test */
    struct unit_test *tail; /**< last registered test */
    jmp_buf *jmp;           /**< where a failing assertion jumps to */
    char msg[1024];         /**< failure text of the running test */
    int argc;               /**< argc given to unit_main() */
    char **argv;            /**< argv given to unit_main() */
};

/* Weak so that several test files including this header share one copy. */
__attribute__((weak)) struct unit_state unit_state_;

/**
 * @brief Append a test to the registry (called from UNIT_TEST constructors).
 * @param t statically allocated test record.
 */
static inline void unit_register_(struct unit_test *t)
{
    t->next = NULL;
    if (unit_state_.tail)
        unit_state_.tail->next = t;
    else
        unit_state_.head = t;
    unit_state_.tail = t;
}

/**
 * @brief Record a failure of the running test and abandon it.
 *
 * Formats "<file>:<line>: <message>" and jumps back to the runner. Outside
 * a test (no runner active) it prints the message and exits with status 2.
 */
__attribute__((format(printf, 3, 4), noreturn)) static inline void
unit_fail_(const char *file, int line, const char *fmt, ...)
{
    int n = snprintf(unit_state_.msg, sizeof(unit_state_.msg), "%s:%d: ", file, line);
    va_list ap;

    if (n < 0 || (size_t)n >= sizeof(unit_state_.msg))
        n = 0;
    va_start(ap, fmt);
    vsnprintf(unit_state_.msg + n, sizeof(unit_state_.msg) - (size_t)n, fmt, ap);
    va_end(ap);
    /* Keep the report on one line whatever the message contains. */
    for (char *p = unit_state_.msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (!unit_state_.jmp) {
        printf("[FAIL] assertion outside a test: %s\n", unit_state_.msg);
        fflush(stdout);
        _Exit(2);
    }
    longjmp(*unit_state_.jmp, 1);
}

/**
 * @brief Define and register a test. Write it on its own line at column 0:
 *        UNIT_TEST(name) { ...body... }
 */
#define UNIT_TEST(name)                                                                            \
    static void unit_fn_##name(void);                                                              \
    static struct unit_test unit_rec_##name = { #name, unit_fn_##name, __FILE__, __LINE__, NULL }; \
    __attribute__((constructor)) static void unit_reg_##name(void)                                 \
    {                                                                                              \
        unit_register_(&unit_rec_##name);                                                          \
    }                                                                                              \
    static void unit_fn_##name(void)

/** @brief Fail the test unless @p expr is true. */
#define UNIT_ASSERT(expr)                                \
    do {                                                 \
        if (!(expr))                                     \
            unit_fail_(__FILE__, __LINE__, "%s", #expr); \
    } while (0)

/**
 * @brief Fail the test unless @p a == @p b, compared as unsigned long long
 *        (each operand is evaluated once; both are printed in hex).
 */
#define UNIT_ASSERT_EQ(a, b)                                                               \
    do {                                                                                   \
        unsigned long long unit_a_ = (unsigned long long)(a);                              \
        unsigned long long unit_b_ = (unsigned long long)(b);                              \
        if (unit_a_ != unit_b_)                                                            \
            unit_fail_(__FILE__, __LINE__, "%s == %s (0x%llx != 0x%llx)", #a, #b, unit_a_, \
                       unit_b_);                                                           \
    } while (0)

/** @brief Fail the test unless C strings @p a and @p b are equal (NULL-safe). */
#define UNIT_ASSERT_STREQ(a, b)                                                         \
    do {                                                                                \
        const char *unit_sa_ = (a);                                                     \
        const char *unit_sb_ = (b);                                                     \
        if (!unit_sa_ || !unit_sb_ || strcmp(unit_sa_, unit_sb_) != 0)                  \
            unit_fail_(__FILE__, __LINE__, "%s == %s (\"%s\" != \"%s\")", #a, #b,       \
                       unit_sa_ ? unit_sa_ : "(null)", unit_sb_ ? unit_sb_ : "(null)"); \
    } while (0)

/** @brief Fail the test unconditionally with a printf-style message. */
#define UNIT_FAIL(...) unit_fail_(__FILE__, __LINE__, __VA_ARGS__)

/**
 * @brief Command-line argument @p i of the test program (argv[i]).
 * @return the argument, or NULL if there is no such argument.
 */
static inline const char *unit_arg(int i)
{
    if (i < 0 || i >= unit_state_.argc || !unit_state_.argv)
        return NULL;
    return unit_state_.argv[i];
}

/* Run one test; returns 1 if it passed. setjmp lives here so that no local
 * of the caller is live across the longjmp. */
static inline int unit_run_one_(const struct unit_test *t)
{
    jmp_buf jb;

    unit_state_.msg[0] = '\0';
    unit_state_.jmp = &jb;
    if (setjmp(jb) != 0) {
        unit_state_.jmp = NULL;
        return 0;
    }
    t->fn();
    unit_state_.jmp = NULL;
    return 1;
}

/**
 * @brief Run every registered test in registration order and report.
 * @param argc,argv the program's arguments (available through unit_arg()).
 * @param suite     suite name printed before each test name, e.g. "stage1".
 * @return 0 if all tests passed, 1 otherwise (use as main's exit status).
 */
static inline int unit_main(int argc, char **argv, const char *suite)
{
    int passed = 0, total = 0;

    unit_state_.argc = argc;
    unit_state_.argv = argv;
    for (const struct unit_test *t = unit_state_.head; t; t = t->next) {
        int dup = 0;

        total++;
        for (const struct unit_test *u = unit_state_.head; u != t; u = u->next)
            if (strcmp(u->name, t->name) == 0)
                dup = 1;
        if (dup) {
            printf("[TEST] %s/%s: FAIL %s:%d: duplicate test name\n", suite, t->name, t->file,
                   t->line);
        } else if (unit_run_one_(t)) {
            passed++;
            printf("[TEST] %s/%s: PASS\n", suite, t->name);
        } else {
            printf("[TEST] %s/%s: FAIL %s\n", suite, t->name, unit_state_.msg);
        }
        fflush(stdout);
    }
    printf("[DONE] %d/%d\n", passed, total);
    fflush(stdout);
    return passed == total ? 0 : 1;
}

/** @brief Define main() running every registered test under @p suite. */
#define UNIT_MAIN(suite)                     \
    int main(int argc, char **argv)          \
    {                                        \
        return unit_main(argc, argv, suite); \
    }

#endif /* UNIT_H */
