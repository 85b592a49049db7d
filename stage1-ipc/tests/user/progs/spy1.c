// SPDX-License-Identifier: MIT
/*
 * spy1.c - /bin/spy1, the helper of the address-space isolation tests.
 *
 *   write ADDR VAL SLOT   keep VAL in a private page at ADDR while another
 *                         process looks (protocol in spy1.h)
 *   read ADDR VAL         map a page at ADDR and report by exit code whether
 *                         it holds 0 (isolated) or VAL (not isolated)
 *   peek ADDR             load from ADDR without mapping it: must be killed
 *
 * Numbers are C literals (decimal or 0x...).  Every wait is bounded (5 s),
 * so a broken kernel or parent cannot leave the program hanging forever.
 */
#include <stdlib.h>

#include "hm.h"
#include "spy1.h"

#define WAIT_LIMIT_NS (5 * HM_NS_PER_S)
#define POLL_NS (1 * HM_NS_PER_MS)

/*
 * Parse up to @max numbers after the command word in @s into @out.
 * Return: how many were parsed; -1 on garbage.
 */
static int parse_numbers(const char *s, unsigned long *out, int max)
{
    int n = 0;

    while (*s != '\0') {
        char *end;

        if (*s == ' ') {
            s++;
            continue;
        }
        if (n == max) {
            return -1;
        }
        out[n] = strtoul(s, &end, 0);
        if (end == s || (*end != ' ' && *end != '\0')) {
            return -1;
        }
        n++;
        s = end;
    }
    return n;
}

static uint64_t load64(uintptr_t addr)
{
    uint64_t v;

    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
    return v;
}

/* `read ADDR VAL`: see spy1.h for the exit codes. */
static int do_read(uintptr_t addr, uint64_t val)
{
    volatile uint64_t *p = (volatile uint64_t *)addr;
    long r = hm_map((void *)addr, HM_PAGE_SIZE, HM_PROT_READ | HM_PROT_WRITE);
    uint64_t seen;

    if (r == -HM_EEXIST) {
        return SPY_VA_IN_USE;
    }
    if (r < 0) {
        return SPY_MAP_FAILED;
    }
    seen = *p;
    if (seen == val) {
        return SPY_SAW_VALUE;
    }
    if (seen != 0) {
        return SPY_SAW_OTHER;
    }
    /* Our own page works: a store reads back. */
    *p = ~val;
    if (*p != ~val) {
        return SPY_RW_BROKEN;
    }
    return SPY_SAW_ZERO;
}

/* Poll until @slot holds a capability, at most WAIT_LIMIT_NS. */
static long wait_for_cap(unsigned slot)
{
    uint64_t start = hm_now_ns();

    for (;;) {
        long info = hm_cap_info(slot);

        if (info >= 0) {
            return info;
        }
        if (hm_now_ns() - start > WAIT_LIMIT_NS) {
            return -1;
        }
        hm_sleep_ns(POLL_NS);
    }
}

/*
 * `write ADDR VAL SLOT`: the protocol of spy1.h.  Errors before the shared
 * page is mapped can only be reported by the exit code; after that they are
 * also stored in `state`, so the parent does not wait for nothing.  At the
 * end the value must still be there: the reader's mapping of the same
 * address in its own space must not have touched ours.
 */
static int do_write(uintptr_t addr, uint64_t val, unsigned slot)
{
    struct spy_shared *sh = (struct spy_shared *)SPY_SHARED_VA;
    volatile uint64_t *p = (volatile uint64_t *)addr;
    long info = wait_for_cap(slot);
    uint64_t start;

    if (info < 0) {
        return SPY_NO_CAP;
    }
    if (hm_cap_type(info) != HM_CAP_MEMORY) {
        return SPY_NOT_MEMORY;
    }
    if (hm_mem_map(slot, sh, HM_PROT_READ | HM_PROT_WRITE) < 0) {
        return SPY_SHARED_FAILED;
    }
    if (hm_map((void *)addr, HM_PAGE_SIZE, HM_PROT_READ | HM_PROT_WRITE) < 0) {
        atomic_store(&sh->state, SPY_PRIVATE_FAILED);
        return SPY_PRIVATE_FAILED;
    }
    *p = val;
    /* seq_cst store: the value is in place before the parent can see READY. */
    atomic_store(&sh->state, SPY_READY);

    start = hm_now_ns();
    while (atomic_load(&sh->release) == 0) {
        if (hm_now_ns() - start > WAIT_LIMIT_NS) {
            return SPY_NOT_RELEASED;
        }
        hm_sleep_ns(POLL_NS);
    }
    return *p == val ? 0 : SPY_VALUE_CHANGED;
}

/* Dispatch on the command word; the numbers that follow it are parsed
 * strictly (a malformed argument is SPY_BAD_ARG, never a guess). */
int main(const char *arg, unsigned long len)
{
    unsigned long v[3];
    int n;

    (void)len;
    if (strncmp(arg, "read ", 5) == 0) {
        n = parse_numbers(arg + 5, v, 2);
        return n == 2 ? do_read(v[0], v[1]) : SPY_BAD_ARG;
    }
    if (strncmp(arg, "write ", 6) == 0) {
        n = parse_numbers(arg + 6, v, 3);
        return n == 3 ? do_write(v[0], v[1], (unsigned)v[2]) : SPY_BAD_ARG;
    }
    if (strncmp(arg, "peek ", 5) == 0) {
        n = parse_numbers(arg + 5, v, 1);
        if (n != 1) {
            return SPY_BAD_ARG;
        }
        /* The load must kill us: nothing is mapped at v[0] in this space. */
        load64(v[0]);
        return SPY_PEEK_SURVIVED;
    }
    return SPY_BAD_ARG;
}
