// SPDX-License-Identifier: MIT
/*
 * slab_test.c - host unit tests for the kernel object caches
 * (kernel/lib/slab.c).
 *
 * Pages come from a fake page source: a static pool of 4 KiB-aligned pages
 * that counts get_page/put_page calls, can be told to run dry or to hand out
 * a misaligned page, and fills pages with garbage on the way out (so zeroing
 * is really tested). Pages are never returned
 * to the C library, so tests may look at a page after the cache gave it back
 * (stale pointers) without a use-after-free.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "slab.h"
#include "unit.h"

#define PAGE 4096u
#define POOL_PAGES 64u

/* ---------------------------------------------------------------------- */
/* Fake page source                                                        */
/* ---------------------------------------------------------------------- */

static uint8_t pool_mem[POOL_PAGES][PAGE] __attribute__((aligned(PAGE)));

struct pool {
    bool used[POOL_PAGES];
    unsigned gets;        /* successful get_page calls */
    unsigned puts;        /* put_page calls */
    unsigned bad_puts;    /* put_page of a page that was not handed out */
    unsigned outstanding; /* pages handed out and not returned */
    unsigned limit;       /* get_page fails once this many are outstanding */
    bool misalign;        /* hand out page + 64 (a broken page source) */
};

static void *pool_get(void *ctx)
{
    struct pool *p = ctx;

    if (p->outstanding >= p->limit)
        return NULL;
    for (unsigned i = 0; i < POOL_PAGES; i++) {
        if (!p->used[i]) {
            p->used[i] = true;
            p->gets++;
            p->outstanding++;
            memset(pool_mem[i], 0xcc, PAGE); /* garbage, as a reused frame would hold */
            return p->misalign ? pool_mem[i] + 64 : pool_mem[i];
        }
    }
    return NULL;
}

static void pool_put(void *ctx, void *page)
{
    struct pool *p = ctx;
    uintptr_t a = (uintptr_t)page & ~(uintptr_t)(PAGE - 1);
    uintptr_t lo = (uintptr_t)pool_mem;

    p->puts++;
    if (a < lo || a >= lo + sizeof(pool_mem) || !p->used[(a - lo) / PAGE] ||
        (!p->misalign && a != (uintptr_t)page)) {
        p->bad_puts++;
        return;
    }
    p->used[(a - lo) / PAGE] = false;
    p->outstanding--;
    /* Contents are left as they were, as a real frame allocator does: a
     * stale pointer then still sees whatever header the cache left. */
}

/* A fresh pool (no limit beyond its size) and the ops table pointing at it. */
static struct slab_page_ops pool_reset(struct pool *p)
{
    struct slab_page_ops ops;

    memset(p, 0, sizeof(*p));
    p->limit = POOL_PAGES;
    ops.get_page = pool_get;
    ops.put_page = pool_put;
    ops.ctx = p;
    return ops;
}

/* Every test ends with nothing outstanding and no bad put. */
static void assert_pool_clean(const struct pool *p)
{
    UNIT_ASSERT_EQ(p->outstanding, 0);
    UNIT_ASSERT_EQ(p->bad_puts, 0);
    UNIT_ASSERT_EQ(p->gets, p->puts);
}

/* Deterministic PRNG (xorshift64). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static bool all_bytes(const void *p, uint8_t v, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++) {
        if (b[i] != v)
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------------- */

UNIT_TEST(slab_init_rejects_bad_arguments)
{
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p), bad;
    struct slab_cache c, before;
    static const size_t bad_sizes[] = { 0, SLAB_MAX_OBJ + 1, 4096, SIZE_MAX };
    static const size_t bad_aligns[] = { 0, 3, 6, 48, 128, 4096, SIZE_MAX };

    memset(&c, 0xa5, sizeof(c));
    before = c;
    UNIT_ASSERT_EQ(slab_init(NULL, "x", 32, 8, &ops), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_init(&c, "x", 32, 8, NULL), -HM_EINVAL);
    bad = ops;
    bad.get_page = NULL;
    UNIT_ASSERT_EQ(slab_init(&c, "x", 32, 8, &bad), -HM_EINVAL);
    bad = ops;
    bad.put_page = NULL;
    UNIT_ASSERT_EQ(slab_init(&c, "x", 32, 8, &bad), -HM_EINVAL);
    for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++)
        UNIT_ASSERT_EQ(slab_init(&c, "x", bad_sizes[i], 8, &ops), -HM_EINVAL);
    for (size_t i = 0; i < sizeof(bad_aligns) / sizeof(bad_aligns[0]); i++)
        UNIT_ASSERT_EQ(slab_init(&c, "x", 32, bad_aligns[i], &ops), -HM_EINVAL);
    UNIT_ASSERT(memcmp(&c, &before, sizeof(c)) == 0);

    /* The extremes are fine, and take no page yet. */
    UNIT_ASSERT_EQ(slab_init(&c, "big", SLAB_MAX_OBJ, SLAB_MAX_ALIGN, &ops), 0);
    UNIT_ASSERT_EQ(slab_init(&c, "tiny", 1, 1, &ops), 0);
    UNIT_ASSERT_EQ(slab_init(&c, NULL, 1, 1, &ops), 0);
    UNIT_ASSERT_EQ(slab_pages(&c), 0);
    UNIT_ASSERT_EQ(slab_live(&c), 0);
    UNIT_ASSERT(slab_check(&c));
    UNIT_ASSERT_EQ(p.gets, 0);
}

UNIT_TEST(slab_sizes_and_alignments)
{
    static const size_t sizes[] = { 1, 3, 8, 24, 40, 100, 256, 513, 1000, 2048 };
    static const size_t aligns[] = { 1, 2, 4, 8, 16, 32, 64 };
    static void *objs[1600];
    struct pool p;

    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        for (size_t ai = 0; ai < sizeof(aligns) / sizeof(aligns[0]); ai++) {
            size_t size = sizes[si], align = aligns[ai];
            struct slab_page_ops ops = pool_reset(&p);
            struct slab_cache c;
            size_t n, want_pages;

            UNIT_ASSERT_EQ(slab_init(&c, "matrix", size, align, &ops), 0);
            UNIT_ASSERT(c.per_page >= 1);
            /* Three pages' worth (at least 3 objects), capped by the array. */
            n = 3 * (size_t)c.per_page;
            if (n > sizeof(objs) / sizeof(objs[0]))
                n = sizeof(objs) / sizeof(objs[0]);
            want_pages = (n + c.per_page - 1) / c.per_page;
            for (size_t i = 0; i < n; i++) {
                uintptr_t a;

                objs[i] = slab_alloc(&c);
                UNIT_ASSERT(objs[i] != NULL);
                a = (uintptr_t)objs[i];
                UNIT_ASSERT_EQ(a % align, 0);
                UNIT_ASSERT(a % PAGE >= c.first);          /* not in the header */
                UNIT_ASSERT(a % PAGE + size <= PAGE);      /* inside its page */
                UNIT_ASSERT(all_bytes(objs[i], 0, size));  /* zeroed */
                memset(objs[i], (int)(i % 251) + 1, size); /* owner's pattern */
            }
            UNIT_ASSERT_EQ(slab_live(&c), n);
            UNIT_ASSERT_EQ(slab_pages(&c), want_pages);
            UNIT_ASSERT(slab_check(&c));
            /* No object overwrote another. */
            for (size_t i = 0; i < n; i++)
                UNIT_ASSERT(all_bytes(objs[i], (uint8_t)(i % 251 + 1), size));
            for (size_t i = 0; i < n; i++)
                UNIT_ASSERT_EQ(slab_free(&c, objs[i]), 0);
            UNIT_ASSERT_EQ(slab_live(&c), 0);
            UNIT_ASSERT_EQ(slab_pages(&c), 1); /* one empty page stays cached */
            UNIT_ASSERT(slab_check(&c));
            slab_reclaim(&c);
            UNIT_ASSERT_EQ(slab_pages(&c), 0);
            assert_pool_clean(&p);
        }
    }
}

UNIT_TEST(slab_slots_per_page)
{
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c;

    /* Objects of 2048 bytes: the header leaves room for exactly one. */
    UNIT_ASSERT_EQ(slab_init(&c, "2k", 2048, 64, &ops), 0);
    UNIT_ASSERT_EQ(c.per_page, 1);
    /* Tiny objects take SLAB_MIN_SLOT bytes each. */
    UNIT_ASSERT_EQ(slab_init(&c, "1", 1, 1, &ops), 0);
    UNIT_ASSERT_EQ(c.slot, SLAB_MIN_SLOT);
    UNIT_ASSERT_EQ(c.per_page, (PAGE - c.first) / SLAB_MIN_SLOT);
    /* 1024 bytes aligned to 64: three fit after the header. */
    UNIT_ASSERT_EQ(slab_init(&c, "1k", 1024, 64, &ops), 0);
    UNIT_ASSERT_EQ(c.per_page, 3);
    /* A 24-byte object aligned to 16 takes a 32-byte slot. */
    UNIT_ASSERT_EQ(slab_init(&c, "24", 24, 16, &ops), 0);
    UNIT_ASSERT_EQ(c.slot, 32);
    UNIT_ASSERT_EQ(c.first % 16, 0);
}

UNIT_TEST(slab_reuses_freed_slot_zeroed)
{
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c;
    uint8_t *a, *b, *d;

    UNIT_ASSERT_EQ(slab_init(&c, "reuse", 100, 4, &ops), 0);
    a = slab_alloc(&c);
    b = slab_alloc(&c);
    UNIT_ASSERT(a && b && a != b);
    memset(a, 0xff, 100);
    UNIT_ASSERT_EQ(slab_free(&c, a), 0);
    d = slab_alloc(&c); /* the lowest free slot: a's */
    UNIT_ASSERT(d == a);
    UNIT_ASSERT(all_bytes(d, 0, 100));
    UNIT_ASSERT_EQ(slab_pages(&c), 1);
    UNIT_ASSERT_EQ(p.gets, 1);
    UNIT_ASSERT_EQ(slab_free(&c, d), 0);
    UNIT_ASSERT_EQ(slab_free(&c, b), 0);
    slab_reclaim(&c);
    assert_pool_clean(&p);
}

UNIT_TEST(slab_empty_page_cache_and_reclaim)
{
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c;
    void *x, *y, *z;

    UNIT_ASSERT_EQ(slab_init(&c, "2k", 2048, 8, &ops), 0); /* one object per page */
    x = slab_alloc(&c);
    UNIT_ASSERT(x != NULL);
    UNIT_ASSERT_EQ(p.gets, 1);
    UNIT_ASSERT_EQ(slab_free(&c, x), 0);
    /* The empty page is kept... */
    UNIT_ASSERT_EQ(slab_pages(&c), 1);
    UNIT_ASSERT_EQ(p.puts, 0);
    /* ...and reused without asking the page source. */
    y = slab_alloc(&c);
    UNIT_ASSERT(y == x);
    UNIT_ASSERT_EQ(p.gets, 1);
    z = slab_alloc(&c);
    UNIT_ASSERT(z != NULL);
    UNIT_ASSERT_EQ(p.gets, 2);
    UNIT_ASSERT_EQ(slab_pages(&c), 2);
    /* Two pages become empty: one is cached, the other goes back at once. */
    UNIT_ASSERT_EQ(slab_free(&c, y), 0);
    UNIT_ASSERT_EQ(slab_free(&c, z), 0);
    UNIT_ASSERT_EQ(slab_pages(&c), 1);
    UNIT_ASSERT_EQ(p.puts, 1);
    UNIT_ASSERT(slab_check(&c));
    slab_reclaim(&c);
    UNIT_ASSERT_EQ(slab_pages(&c), 0);
    UNIT_ASSERT_EQ(p.puts, 2);
    slab_reclaim(&c); /* nothing left: no further put */
    UNIT_ASSERT_EQ(p.puts, 2);
    UNIT_ASSERT(slab_check(&c));
    assert_pool_clean(&p);
}

UNIT_TEST(slab_reclaim_keeps_live_pages)
{
    static void *objs[5 * 64];
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c;
    size_t n;

    UNIT_ASSERT_EQ(slab_init(&c, "64", 64, 64, &ops), 0);
    n = 5 * (size_t)c.per_page; /* exactly five full pages */
    UNIT_ASSERT(n <= sizeof(objs) / sizeof(objs[0]));
    for (size_t i = 0; i < n; i++) {
        objs[i] = slab_alloc(&c);
        UNIT_ASSERT(objs[i] != NULL);
    }
    UNIT_ASSERT_EQ(slab_pages(&c), 5);
    UNIT_ASSERT_EQ(p.gets, 5);
    /* Empty pages 0..3 (one cached, three returned); page 4 keeps one object. */
    for (size_t i = 0; i < n - 1; i++)
        UNIT_ASSERT_EQ(slab_free(&c, objs[i]), 0);
    UNIT_ASSERT_EQ(slab_live(&c), 1);
    UNIT_ASSERT_EQ(slab_pages(&c), 2);
    UNIT_ASSERT_EQ(p.puts, 3);
    slab_reclaim(&c);
    UNIT_ASSERT_EQ(slab_pages(&c), 1); /* the page with a live object stays */
    UNIT_ASSERT_EQ(p.puts, 4);
    UNIT_ASSERT(slab_check(&c));
    UNIT_ASSERT_EQ(slab_free(&c, objs[n - 1]), 0);
    slab_reclaim(&c);
    UNIT_ASSERT_EQ(slab_pages(&c), 0);
    assert_pool_clean(&p);
}

UNIT_TEST(slab_page_source_failure_and_recovery)
{
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c;
    void *a, *b, *d;

    UNIT_ASSERT_EQ(slab_init(&c, "dry", 2048, 8, &ops), 0);
    p.limit = 0;
    UNIT_ASSERT(slab_alloc(&c) == NULL);
    UNIT_ASSERT_EQ(slab_live(&c), 0);
    UNIT_ASSERT_EQ(slab_pages(&c), 0);
    UNIT_ASSERT(slab_check(&c));

    p.limit = 2;
    a = slab_alloc(&c);
    b = slab_alloc(&c);
    UNIT_ASSERT(a && b);
    UNIT_ASSERT(slab_alloc(&c) == NULL); /* exhausted */
    UNIT_ASSERT_EQ(slab_live(&c), 2);
    UNIT_ASSERT(slab_check(&c));
    UNIT_ASSERT_EQ(slab_free(&c, a), 0);
    d = slab_alloc(&c); /* recovers from the cached empty page */
    UNIT_ASSERT(d == a);
    UNIT_ASSERT_EQ(p.gets, 2);
    UNIT_ASSERT_EQ(slab_free(&c, b), 0);
    UNIT_ASSERT_EQ(slab_free(&c, d), 0);
    slab_reclaim(&c);
    assert_pool_clean(&p);
}

UNIT_TEST(slab_misaligned_page_is_given_back)
{
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c;

    UNIT_ASSERT_EQ(slab_init(&c, "bent", 32, 8, &ops), 0);
    p.misalign = true;
    UNIT_ASSERT(slab_alloc(&c) == NULL);
    UNIT_ASSERT_EQ(p.gets, 1);
    UNIT_ASSERT_EQ(p.puts, 1);
    UNIT_ASSERT_EQ(slab_pages(&c), 0);
    UNIT_ASSERT(slab_check(&c));
    p.misalign = false;
    UNIT_ASSERT(slab_alloc(&c) != NULL);
    UNIT_ASSERT_EQ(slab_pages(&c), 1);
}

UNIT_TEST(slab_double_free_rejected)
{
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c;
    void *a, *b;

    UNIT_ASSERT_EQ(slab_init(&c, "df", 48, 16, &ops), 0);
    a = slab_alloc(&c);
    b = slab_alloc(&c);
    UNIT_ASSERT(a && b);
    /* The page stays (b is live): the bitmap refuses the second free. */
    UNIT_ASSERT_EQ(slab_free(&c, a), 0);
    UNIT_ASSERT_EQ(slab_free(&c, a), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_live(&c), 1);
    UNIT_ASSERT(slab_check(&c));
    /* The page becomes the cached empty page: still refused. */
    UNIT_ASSERT_EQ(slab_free(&c, b), 0);
    UNIT_ASSERT_EQ(slab_free(&c, b), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_free(&c, a), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_live(&c), 0);
    /* The page went back to the page source: its header is wiped, refused. */
    slab_reclaim(&c);
    UNIT_ASSERT_EQ(slab_free(&c, b), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_pages(&c), 0);
    UNIT_ASSERT(slab_check(&c));
    assert_pool_clean(&p);
}

UNIT_TEST(slab_foreign_pointers_rejected)
{
    static uint8_t not_slab[2 * PAGE] __attribute__((aligned(PAGE)));
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c, other;
    uint8_t *a, *o, *page, *past;

    UNIT_ASSERT_EQ(slab_init(&c, "mine", 40, 8, &ops), 0);
    UNIT_ASSERT_EQ(slab_init(&other, "theirs", 40, 8, &ops), 0);
    a = slab_alloc(&c);
    o = slab_alloc(&other);
    UNIT_ASSERT(a && o);
    page = (uint8_t *)((uintptr_t)a & ~(uintptr_t)(PAGE - 1));

    UNIT_ASSERT_EQ(slab_free(NULL, a), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_free(&c, NULL), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_free(&c, o), -HM_EINVAL); /* another cache's object */
    UNIT_ASSERT_EQ(slab_free(&other, a), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_free(&c, a + 1), -HM_EINVAL); /* not a slot start */
    UNIT_ASSERT_EQ(slab_free(&c, a + c.slot / 2), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_free(&c, a + c.slot - 1), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_free(&c, page), -HM_EINVAL); /* the header */
    UNIT_ASSERT_EQ(slab_free(&c, page + c.first - 8), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_free(&c, a + c.slot), -HM_EINVAL); /* a free slot */
    past = page + c.first + (size_t)c.per_page * c.slot;   /* past the last slot */
    UNIT_ASSERT((uintptr_t)past % PAGE != 0);
    UNIT_ASSERT_EQ(slab_free(&c, past), -HM_EINVAL);
    UNIT_ASSERT_EQ(slab_free(&c, page + PAGE - 1), -HM_EINVAL);
    /* A page that is no slab page, and one holding a copy of a real header
     * (the magic is tied to the page's address, so the copy does not pass). */
    UNIT_ASSERT_EQ(slab_free(&c, not_slab + c.first), -HM_EINVAL);
    memcpy(not_slab + PAGE, page, c.first);
    UNIT_ASSERT_EQ(slab_free(&c, not_slab + PAGE + (a - page)), -HM_EINVAL);

    UNIT_ASSERT_EQ(slab_live(&c), 1);
    UNIT_ASSERT_EQ(slab_live(&other), 1);
    UNIT_ASSERT(slab_check(&c) && slab_check(&other));
    UNIT_ASSERT(all_bytes(a, 0, 40)); /* nothing was written into it */
    UNIT_ASSERT_EQ(slab_free(&c, a), 0);
    UNIT_ASSERT_EQ(slab_free(&other, o), 0);
    slab_reclaim(&c);
    slab_reclaim(&other);
    assert_pool_clean(&p);
}

UNIT_TEST(slab_null_cache_queries)
{
    UNIT_ASSERT(slab_alloc(NULL) == NULL);
    UNIT_ASSERT_EQ(slab_live(NULL), 0);
    UNIT_ASSERT_EQ(slab_pages(NULL), 0);
    slab_reclaim(NULL);
    UNIT_ASSERT(!slab_check(NULL));
}

UNIT_TEST(slab_check_detects_corruption)
{
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c;
    void *a, *b;
    struct slab_page *saved;

    UNIT_ASSERT_EQ(slab_init(&c, "chk", 2048, 8, &ops), 0);
    a = slab_alloc(&c);
    b = slab_alloc(&c);
    UNIT_ASSERT(a && b);
    UNIT_ASSERT(slab_check(&c));
    c.live++;
    UNIT_ASSERT(!slab_check(&c));
    c.live--;
    c.pages++;
    UNIT_ASSERT(!slab_check(&c));
    c.pages--;
    /* A full page put on the partial list. */
    saved = c.full;
    c.partial = c.full;
    c.full = NULL;
    UNIT_ASSERT(!slab_check(&c));
    c.full = saved;
    c.partial = NULL;
    UNIT_ASSERT(slab_check(&c));
    UNIT_ASSERT_EQ(slab_free(&c, a), 0);
    UNIT_ASSERT_EQ(slab_free(&c, b), 0);
    slab_reclaim(&c);
    assert_pool_clean(&p);
}

UNIT_TEST(slab_random_stress)
{
    /* Random alloc/free on two caches sharing one page source; each live
     * object carries its id and a checksum byte pattern that must survive. */
    enum {
        MAXLIVE = 1500,
        STEPS = 30000
    };
    static struct {
        uint64_t *obj;
        uint64_t id;
        unsigned which;
    } live[MAXLIVE];
    static const size_t size[2] = { 40, 200 };
    unsigned nlive = 0;
    uint64_t seed = 0x243f6a8885a308d3ull;
    struct pool p;
    struct slab_page_ops ops = pool_reset(&p);
    struct slab_cache c[2];
    size_t count[2] = { 0, 0 };
    unsigned dry = 0;

    UNIT_ASSERT_EQ(slab_init(&c[0], "s40", size[0], 8, &ops), 0);
    UNIT_ASSERT_EQ(slab_init(&c[1], "s200", size[1], 32, &ops), 0);
    p.limit = 40; /* small enough to run dry now and then */
    for (unsigned step = 0; step < STEPS; step++) {
        uint64_t r = rng_next(&seed);
        unsigned w = (unsigned)((r >> 4) & 1);

        if (nlive < MAXLIVE && (r % 100 < 52 || nlive == 0)) {
            uint64_t *o = slab_alloc(&c[w]);

            if (!o) {
                UNIT_ASSERT_EQ(p.outstanding, p.limit); /* only when the pool is dry */
                dry++;
                continue;
            }
            UNIT_ASSERT(all_bytes(o, 0, size[w]));
            o[0] = step;
            o[size[w] / 8 - 1] = ~(uint64_t)step;
            live[nlive].obj = o;
            live[nlive].id = step;
            live[nlive].which = w;
            nlive++;
            count[w]++;
        } else {
            unsigned i = (unsigned)((r >> 8) % nlive);
            unsigned lw = live[i].which;
            uint64_t *o = live[i].obj;

            UNIT_ASSERT_EQ(o[0], live[i].id);
            UNIT_ASSERT_EQ(o[size[lw] / 8 - 1], ~live[i].id);
            UNIT_ASSERT_EQ(slab_free(&c[1 - lw], o), -HM_EINVAL);
            UNIT_ASSERT_EQ(slab_free(&c[lw], o), 0);
            live[i] = live[--nlive];
            count[lw]--;
        }
        UNIT_ASSERT_EQ(slab_live(&c[0]), count[0]);
        UNIT_ASSERT_EQ(slab_live(&c[1]), count[1]);
        UNIT_ASSERT_EQ(slab_pages(&c[0]) + slab_pages(&c[1]), p.outstanding);
        if (step % 1000 == 0)
            UNIT_ASSERT(slab_check(&c[0]) && slab_check(&c[1]));
    }
    UNIT_ASSERT(dry > 0); /* the out-of-pages path was exercised */
    while (nlive > 0) {
        nlive--;
        UNIT_ASSERT_EQ(slab_free(&c[live[nlive].which], live[nlive].obj), 0);
    }
    UNIT_ASSERT(slab_check(&c[0]) && slab_check(&c[1]));
    slab_reclaim(&c[0]);
    slab_reclaim(&c[1]);
    UNIT_ASSERT_EQ(slab_pages(&c[0]) + slab_pages(&c[1]), 0);
    assert_pool_clean(&p);
}

UNIT_MAIN("stage1")
