// SPDX-License-Identifier: MIT
/*
 * ktest.c - the in-kernel test runner (see ktest.h for the format).
 */
#include <kernel.h>
#include <ktest.h>
#include <printk.h>
#include <string.h>
#include <arch/spinlock.h>

extern const struct ktest __ktests_start[], __ktests_end[];

static int tally_passed, tally_total;
static spinlock_t tally_lock = SPINLOCK_INIT;

static void count(bool passed)
{
    spin_lock(&tally_lock);
    tally_total++;
    tally_passed += passed;
    spin_unlock(&tally_lock);
}

static bool run(const struct ktest *t)
{
    struct ktest_result r = { 0 };
    t->fn(&r);
    count(!r.failed);
    if (!r.failed) {
        printk("[TEST] %s/%s: PASS\n", t->suite, t->name);
        return true;
    }
    if (r.has_values)
        printk("[TEST] %s/%s: FAIL %s:%d: %s (0x%lx != 0x%lx)\n", t->suite, t->name, r.file, r.line,
               r.expr, r.a, r.b);
    else
        printk("[TEST] %s/%s: FAIL %s:%d: %s\n", t->suite, t->name, r.file, r.line, r.expr);
    return false;
}

static void done(int passed, int total, const char *token, size_t token_len)
{
    printk("[DONE] %d/%d token=", passed, total);
    for (size_t i = 0; i < token_len; i++)
        console_putc(token[i]);
    printk("\n");
}

void ktest_run_phase(enum ktest_when when)
{
    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
        if (t->when == when)
            run(t);
}

void ktest_report(const char *name, bool passed, const char *detail)
{
    count(passed);
    if (passed)
        printk("[TEST] %s: PASS\n", name);
    else
        printk("[TEST] %s: FAIL %s\n", name, detail);
}

int ktest_done(const char *token, size_t token_len)
{
    done(tally_passed, tally_total, token, token_len);
    return tally_total - tally_passed;
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
