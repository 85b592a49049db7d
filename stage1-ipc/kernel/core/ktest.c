// SPDX-License-Identifier: MIT
/*
 * ktest.c - the in-kernel test runner (see ktest.h for the format).
 */
#include <kernel.h>
#include <ktest.h>
#include <printk.h>
#include <string.h>

extern const struct ktest __ktests_start[], __ktests_end[];

static bool run(const struct ktest *t)
{
    struct ktest_result r = { 0 };
    t->fn(&r);
    if (!r.failed) {
        printk("[TEST] %s/%s: PASS\n", t->suite, t->name);
        return true;
    }
    printk("[TEST] %s/%s: FAIL %s:%d: %s", t->suite, t->name, r.file, r.line, r.expr);
    if (r.has_values)
        printk(" (0x%lx != 0x%lx)", r.a, r.b);
    printk("\n");
    return false;
}

static void done(int passed, int total, const char *token, size_t token_len)
{
    printk("[DONE] %d/%d token=", passed, total);
    for (size_t i = 0; i < token_len; i++)
        console_putc(token[i]);
    printk("\n");
}

int ktest_run_all(const char *token, size_t token_len)
{
    int passed = 0, total = 0;
    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
        if (t->fault)
            continue;
        total++;
        passed += run(t);
    }
    done(passed, total, token, token_len);
    return total - passed;
}

int ktest_run_one(const char *name, size_t len, const char *token, size_t token_len)
{
    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
        if (strlen(t->name) == len && !memcmp(t->name, name, len)) {
            bool ok = run(t);
            done(ok, 1, token, token_len);
            return ok ? 0 : 1;
        }
    printk("ktest: no test called '");
    for (size_t i = 0; i < len; i++)
        console_putc(name[i]);
    printk("'\n");
    return -1;
}
