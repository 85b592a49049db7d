// SPDX-License-Identifier: MIT
/*
 * asid.c - round-robin allocator of address-space identifiers (asid.h).
 *
 * A bitmap with one bit per ASID 0..max in caller storage; ASID 0 is marked
 * in use at init so that it can never be handed out. A search scans from
 * `next` to max, then from 1 to next - 1, skipping whole bytes that are full,
 * so even a nearly full 16-bit pool is searched in at most 8 KiB of loads.
 *
 * Freestanding: <stdbool.h>, <stdint.h>, <stddef.h>, <string.h> only; no global state.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "asid.h"

/* Bit @asid of the bitmap (assumes asid <= max). */
static bool in_use(const struct asid_pool *p, unsigned asid)
{
    return ((p->bits[asid >> 3] >> (asid & 7)) & 1u) != 0;
}

/* Set or clear bit @asid (assumes asid <= max); the caller keeps `used` in step. */
static void mark(struct asid_pool *p, unsigned asid, bool used)
{
    uint8_t bit = (uint8_t)(1u << (asid & 7));

    if (used)
        p->bits[asid >> 3] |= bit;
    else
        p->bits[asid >> 3] &= (uint8_t)~bit;
}

/* The first free ASID in [lo, hi], or 0 if there is none. A byte that starts
 * at n and is 0xff holds eight used ASIDs and is skipped whole. Assumes
 * hi <= max, so only bits inside the bitmap are read (n ends at most 8 past
 * hi, which is still far from overflowing). */
static unsigned scan(const struct asid_pool *p, unsigned lo, unsigned hi)
{
    unsigned n = lo;

    while (n <= hi) {
        if ((n & 7) == 0 && p->bits[n >> 3] == 0xff) {
            n += 8;
            continue;
        }
        if (!in_use(p, n))
            return n;
        n++;
    }
    return 0;
}

size_t asid_bitmap_bytes(unsigned max)
{
    return ((size_t)max + 1 + 7) / 8;
}

/* Only the bytes the pool uses are cleared: storage beyond them stays the
 * caller's. */
int asid_init(struct asid_pool *p, unsigned max, void *bitmap, size_t bytes)
{
    if (!p || !bitmap || max == 0 || max > ASID_MAX_16BIT || bytes < asid_bitmap_bytes(max))
        return -HM_EINVAL;
    memset(bitmap, 0, asid_bitmap_bytes(max));
    p->bits = bitmap;
    p->max = max;
    p->next = 1;
    p->used = 0;
    mark(p, 0, true); /* reserved for the kernel: never handed out */
    return 0;
}

/* `used` is checked first, so a full pool costs no scan; otherwise the two
 * scans together visit every ASID once and one of them must find a free one. */
int asid_alloc(struct asid_pool *p)
{
    unsigned a;

    if (!p || !p->bits)
        return -HM_EINVAL;
    if (p->used >= p->max)
        return -HM_ENOSPC;
    /* Round-robin: after the last one handed out, then wrap to 1. */
    a = scan(p, p->next, p->max);
    if (a == 0)
        a = scan(p, 1, p->next - 1);
    if (a == 0)
        return -HM_ENOSPC; /* unreachable while used < max; kept for safety */
    mark(p, a, true);
    p->used++;
    p->next = a == p->max ? 1 : a + 1;
    return (int)a;
}

/* Everything is checked before the bitmap changes: a bad or repeated free is
 * refused and leaves the pool (and `used`) as it was. `next` is not moved, so
 * the freed ASID waits until the search comes round to it again. */
int asid_free(struct asid_pool *p, unsigned asid)
{
    if (!p || !p->bits || asid == 0 || asid > p->max || !in_use(p, asid))
        return -HM_EINVAL;
    mark(p, asid, false);
    p->used--;
    return 0;
}

unsigned asid_in_use(const struct asid_pool *p)
{
    return p ? p->used : 0;
}
