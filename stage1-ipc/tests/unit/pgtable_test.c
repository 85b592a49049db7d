// SPDX-License-Identifier: MIT
/*
 * pgtable_test.c - host unit tests for the user page-table builder
 * (kernel/lib/pgtable.c).
 *
 * Table pages come from a fake allocator: each is a malloc'd, 4 KiB-aligned
 * page with a fake physical address FAKE_BASE + i * 4 KiB, and to_virt()
 * maps those addresses back. The allocator can be told to fail after N more
 * allocations, to hand out a misaligned page, or to hand out pages full of
 * garbage; it counts live pages so every test can check for leaked tables.
 * Frames are never touched by the builder, so they are plain numbers.
 *
 * "Nothing changed" is checked with a snapshot: a copy of every table page
 * reachable from the root (found by a reference walker written here from
 * the Arm ARM descriptor format, independent of the module), compared
 * byte for byte before and after a failing call.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgtable.h"
#include "unit.h"

/* ---------------------------------------------------------------------- */
/* Fake table-page allocator                                               */
/* ---------------------------------------------------------------------- */

#define FAKE_BASE 0x40000000ull
#define FAKE_PAGES 512
#define PGSZ 0x1000ull
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

struct fake {
    void *page[FAKE_PAGES]; /* host page of fake PA FAKE_BASE + i * PGSZ */
    unsigned live;          /* pages allocated and not freed */
    unsigned allocs;        /* successful allocations, ever */
    unsigned frees;         /* frees, ever */
    int budget;             /* allocations still allowed; -1 = unlimited */
    bool misalign_next;     /* hand out the next page at PA + 8 */
    bool garbage;           /* fill new pages with 0xa5 instead of zeros */
};

static unsigned fake_index(uint64_t pa)
{
    uint64_t i = (pa - FAKE_BASE) / PGSZ;

    UNIT_ASSERT(pa >= FAKE_BASE && i < FAKE_PAGES);
    return (unsigned)i;
}

static uint64_t fake_alloc(void *ctx)
{
    struct fake *f = ctx;
    uint64_t pa;

    if (f->budget == 0)
        return 0;
    for (unsigned i = 0; i < FAKE_PAGES; i++) {
        if (f->page[i])
            continue;
        f->page[i] = aligned_alloc(PGSZ, PGSZ);
        UNIT_ASSERT(f->page[i] != NULL);
        memset(f->page[i], f->garbage ? 0xa5 : 0, PGSZ);
        if (f->budget > 0)
            f->budget--;
        f->live++;
        f->allocs++;
        pa = FAKE_BASE + i * PGSZ;
        if (f->misalign_next) {
            f->misalign_next = false;
            pa += 8;
        }
        return pa;
    }
    UNIT_FAIL("fake allocator: all %d pages in use", FAKE_PAGES);
}

static void fake_free(void *ctx, uint64_t pa)
{
    struct fake *f = ctx;
    unsigned i = fake_index(pa);

    UNIT_ASSERT(f->page[i] != NULL); /* double free or never allocated */
    free(f->page[i]);
    f->page[i] = NULL;
    f->live--;
    f->frees++;
}

static void *fake_to_virt(void *ctx, uint64_t pa)
{
    struct fake *f = ctx;
    unsigned i = fake_index(pa);

    UNIT_ASSERT((pa & (PGSZ - 1)) == 0);
    UNIT_ASSERT(f->page[i] != NULL); /* use after free */
    return f->page[i];
}

/* A fresh fake allocator with its ops table. */
static void fake_setup(struct fake *f, struct pt_ops *ops)
{
    memset(f, 0, sizeof(*f));
    f->budget = -1;
    ops->alloc_table = fake_alloc;
    ops->free_table = fake_free;
    ops->to_virt = fake_to_virt;
    ops->ctx = f;
}

/* A tree over a fresh fake allocator: one table (the root). */
static void tree_setup(struct fake *f, struct pt_ops *ops, struct pt *pt)
{
    fake_setup(f, ops);
    UNIT_ASSERT_EQ(pt_init(pt, ops), 0);
    UNIT_ASSERT_EQ(pt_table_pages(pt), 1);
    UNIT_ASSERT_EQ(f->live, 1);
}

/* Destroy the tree and check that every table page went back. */
static void tree_teardown(struct fake *f, struct pt *pt)
{
    pt_destroy(pt, NULL, NULL);
    UNIT_ASSERT_EQ(f->live, 0);
    UNIT_ASSERT_EQ(pt_table_pages(pt), 0);
}

/* ---------------------------------------------------------------------- */
/* Reference walker and snapshots (independent of pgtable.c)               */
/* ---------------------------------------------------------------------- */

#define TYPE_MASK 3ull
#define TYPE_TABLE 3ull /* table at L1/L2, page at L3 */
#define PXNTABLE (1ull << 59)
#define ADDR_MASK 0x0000fffffffff000ull

static uint64_t *page_of(struct fake *f, uint64_t pa)
{
    return fake_to_virt(f, pa);
}

/* The raw L3 descriptor for @va, or 0 if a level is missing. Checks that
 * every table descriptor on the way is well formed (type 0b11, PXNTable). */
static uint64_t ref_leaf(struct fake *f, const struct pt *pt, uint64_t va)
{
    uint64_t table = pt->root;
    uint64_t d = 0;

    for (int shift = 30; shift >= 12; shift -= 9) {
        d = page_of(f, table)[(va >> shift) & 511];
        if (shift == 12)
            break;
        if (d == 0)
            return 0;
        UNIT_ASSERT_EQ(d & TYPE_MASK, TYPE_TABLE);
        UNIT_ASSERT(d & PXNTABLE);
        UNIT_ASSERT_EQ(d & ~(ADDR_MASK | TYPE_MASK), PXNTABLE);
        table = d & ADDR_MASK;
    }
    return d;
}

#define SNAP_MAX 32

/* Every table page reachable from the root: where it is and what it holds. */
struct snap {
    unsigned n;
    uint64_t pa[SNAP_MAX];
    uint64_t data[SNAP_MAX][512];
};

/* Big: static, not on the stack. One pair is enough for every test. */
static struct snap snap_before, snap_after;

static void snap_add(struct fake *f, struct snap *s, uint64_t pa, int level)
{
    const uint64_t *t = page_of(f, pa);

    UNIT_ASSERT(s->n < SNAP_MAX);
    s->pa[s->n] = pa;
    memcpy(s->data[s->n], t, PGSZ);
    s->n++;
    if (level == 3)
        return;
    for (unsigned i = 0; i < 512; i++)
        if ((t[i] & TYPE_MASK) == TYPE_TABLE)
            snap_add(f, s, t[i] & ADDR_MASK, level + 1);
}

static void snap_take(struct fake *f, const struct pt *pt, struct snap *s)
{
    s->n = 0;
    snap_add(f, s, pt->root, 1);
}

/* Fails the test unless the tree is exactly as in snap_before. */
static void snap_same(struct fake *f, const struct pt *pt)
{
    snap_take(f, pt, &snap_after);
    UNIT_ASSERT_EQ(snap_after.n, snap_before.n);
    UNIT_ASSERT(memcmp(snap_after.pa, snap_before.pa, sizeof(uint64_t) * snap_before.n) == 0);
    UNIT_ASSERT(memcmp(snap_after.data, snap_before.data, PGSZ * snap_before.n) == 0);
    UNIT_ASSERT_EQ(pt_table_pages(pt), snap_before.n);
    UNIT_ASSERT_EQ(f->live, snap_before.n);
}

/* ---------------------------------------------------------------------- */
/* Callback recorders                                                      */
/* ---------------------------------------------------------------------- */

#define REC_MAX 2048

/* What unmapped() was told, in order. */
struct rec {
    unsigned n;
    uint64_t va[REC_MAX];
    uint64_t pa[REC_MAX];
};

static void rec_unmapped(void *ctx, uint64_t va, uint64_t pa)
{
    struct rec *r = ctx;

    UNIT_ASSERT(r->n < REC_MAX);
    r->va[r->n] = va;
    r->pa[r->n] = pa;
    r->n++;
}

/* A frame source for pt_map_each(): frames step down from `next` (so they
 * are clearly not contiguous); fails with `err` once `fail_at` frames were
 * given (-1: never); can make frame number `bad_at` unusable. */
struct fsrc {
    uint64_t next;
    int fail_at;
    int err;
    int bad_at;
    uint64_t bad_pa;
    unsigned got, put;
    uint64_t got_va[REC_MAX], got_pa[REC_MAX], put_pa[REC_MAX];
};

static void fsrc_init(struct fsrc *s, uint64_t first)
{
    memset(s, 0, sizeof(*s));
    s->next = first;
    s->fail_at = -1;
    s->bad_at = -1;
}

static int fsrc_get(void *ctx, uint64_t va, uint64_t *pa)
{
    struct fsrc *s = ctx;

    if (s->fail_at >= 0 && s->got == (unsigned)s->fail_at)
        return s->err;
    UNIT_ASSERT(s->got < REC_MAX);
    *pa = (s->bad_at >= 0 && s->got == (unsigned)s->bad_at) ? s->bad_pa : s->next;
    s->got_va[s->got] = va;
    s->got_pa[s->got] = *pa;
    s->got++;
    s->next -= 3 * PGSZ;
    return 0;
}

static void fsrc_put(void *ctx, uint64_t pa)
{
    struct fsrc *s = ctx;

    UNIT_ASSERT(s->put < REC_MAX);
    s->put_pa[s->put++] = pa;
}

/* Every frame obtained was handed back, in the same order. */
static void fsrc_all_returned(const struct fsrc *s)
{
    UNIT_ASSERT_EQ(s->put, s->got);
    for (unsigned i = 0; i < s->got; i++)
        UNIT_ASSERT_EQ(s->put_pa[i], s->got_pa[i]);
}

/* ---------------------------------------------------------------------- */
/* Attribute sets                                                          */
/* ---------------------------------------------------------------------- */

#define NORMAL (PTE_ATTR((uint64_t)MT_NORMAL) | PTE_SH_INNER | PTE_NG)
#define USER_RW (NORMAL | PTE_AP_RW | PTE_UXN | PTE_PXN)
#define USER_RO (NORMAL | PTE_AP_RO | PTE_UXN | PTE_PXN)
#define USER_RX (NORMAL | PTE_AP_RO | PTE_PXN)
#define KERN_RW (NORMAL | PTE_AP_EL1_RW | PTE_UXN | PTE_PXN)
#define KERN_RO (NORMAL | PTE_AP_EL1_RO | PTE_UXN | PTE_PXN)

/* Every page of [va, va + size) maps pa + offset with attrs | AF. */
static void expect_mapped(const struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
                          uint64_t attrs)
{
    for (uint64_t off = 0; off < size; off += PGSZ) {
        uint64_t got_pa = 0, got_attrs = 0;

        UNIT_ASSERT_EQ(pt_lookup(pt, va + off + 0x123, &got_pa, &got_attrs), 0);
        UNIT_ASSERT_EQ(got_pa, pa + off + 0x123);
        UNIT_ASSERT_EQ(got_attrs, attrs | PTE_AF);
    }
}

static void expect_unmapped(const struct pt *pt, uint64_t va, uint64_t size)
{
    for (uint64_t off = 0; off < size; off += PGSZ)
        UNIT_ASSERT_EQ(pt_lookup(pt, va + off, NULL, NULL), -HM_EFAULT);
}

/* ---------------------------------------------------------------------- */
/* Creation and lookup                                                     */
/* ---------------------------------------------------------------------- */

UNIT_TEST(pt_init_and_destroy_empty)
{
    struct fake f;
    struct pt_ops ops, bad;
    struct pt pt;
    struct rec r = { 0 };

    fake_setup(&f, &ops);
    UNIT_ASSERT_EQ(pt_init(NULL, &ops), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_init(&pt, NULL), -HM_EINVAL);
    bad = ops;
    bad.alloc_table = NULL;
    UNIT_ASSERT_EQ(pt_init(&pt, &bad), -HM_EINVAL);
    bad = ops;
    bad.free_table = NULL;
    UNIT_ASSERT_EQ(pt_init(&pt, &bad), -HM_EINVAL);
    bad = ops;
    bad.to_virt = NULL;
    UNIT_ASSERT_EQ(pt_init(&pt, &bad), -HM_EINVAL);
    UNIT_ASSERT_EQ(f.allocs, 0);

    UNIT_ASSERT_EQ(pt_init(&pt, &ops), 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 1);
    UNIT_ASSERT_EQ(f.live, 1);
    UNIT_ASSERT_EQ(pt.root, FAKE_BASE);
    UNIT_ASSERT(pt_table_pages(NULL) == 0);
    pt_destroy(&pt, rec_unmapped, &r);
    UNIT_ASSERT_EQ(r.n, 0);
    UNIT_ASSERT_EQ(f.live, 0);
    UNIT_ASSERT_EQ(pt.root, 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 0);
    pt_destroy(&pt, rec_unmapped, &r); /* second time: nothing */
    pt_destroy(NULL, NULL, NULL);
    UNIT_ASSERT_EQ(f.frees, 1);
}

UNIT_TEST(pt_init_out_of_memory)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;

    fake_setup(&f, &ops);
    f.budget = 0;
    UNIT_ASSERT_EQ(pt_init(&pt, &ops), -HM_ENOMEM);
    UNIT_ASSERT_EQ(pt.root, 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 0);
    /* A tree without a root refuses everything and destroys as a no-op. */
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x1000, 0x1000, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_unmap(&pt, 0x1000, 0x1000, NULL, NULL), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_lookup(&pt, 0x1000, NULL, NULL), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, 0x1000, 1, false), -HM_EFAULT);
    pt_destroy(&pt, NULL, NULL);

    /* A misaligned page from the allocator is given back: no memory. */
    f.budget = -1;
    f.misalign_next = true;
    UNIT_ASSERT_EQ(pt_init(&pt, &ops), -HM_ENOMEM);
    UNIT_ASSERT_EQ(f.allocs, 1);
    UNIT_ASSERT_EQ(f.frees, 1);
    UNIT_ASSERT_EQ(f.live, 0);
}

UNIT_TEST(pt_map_lookup_roundtrip)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    uint64_t pa = 0, attrs = 0;

    tree_setup(&f, &ops, &pt);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x400000, 0x80000000, 3 * PGSZ, USER_RW), 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 3); /* root, one L2, one L3 */
    UNIT_ASSERT_EQ(f.live, 3);
    expect_mapped(&pt, 0x400000, 0x80000000, 3 * PGSZ, USER_RW);
    expect_unmapped(&pt, 0x3ff000, PGSZ);
    expect_unmapped(&pt, 0x403000, PGSZ);

    /* The raw descriptors, as the hardware walker will read them. */
    for (unsigned i = 0; i < 3; i++)
        UNIT_ASSERT_EQ(ref_leaf(&f, &pt, 0x400000 + i * PGSZ),
                       (0x80000000 + i * PGSZ) | USER_RW | PTE_AF | PTE_PAGE);

    /* Offsets inside the page carry over; NULL outputs are allowed. */
    UNIT_ASSERT_EQ(pt_lookup(&pt, 0x401fff, &pa, &attrs), 0);
    UNIT_ASSERT_EQ(pa, 0x80001fff);
    UNIT_ASSERT_EQ(attrs, USER_RW | PTE_AF);
    UNIT_ASSERT_EQ(pt_lookup(&pt, 0x402000, NULL, NULL), 0);
    UNIT_ASSERT_EQ(pt_lookup(&pt, PT_VA_LIMIT, &pa, NULL), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_lookup(&pt, ~0ull, &pa, NULL), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_lookup(NULL, 0x400000, &pa, NULL), -HM_EFAULT);

    /* A neighbour in the same L3 table keeps its own attributes; physical
     * page 0 and the last page a descriptor can hold are both fine. */
    UNIT_ASSERT_EQ(pt_map(&pt, 0x404000, 0, PGSZ, USER_RX), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x405000, PT_PA_LIMIT - PGSZ, PGSZ, KERN_RO | PT_SW_BITS), 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 3);
    expect_mapped(&pt, 0x404000, 0, PGSZ, USER_RX);
    expect_mapped(&pt, 0x405000, PT_PA_LIMIT - PGSZ, PGSZ, KERN_RO | PT_SW_BITS);
    expect_mapped(&pt, 0x400000, 0x80000000, 3 * PGSZ, USER_RW);
    UNIT_ASSERT_EQ(ref_leaf(&f, &pt, 0x404000), USER_RX | PTE_AF | PTE_PAGE);

    /* The top page of the user range. */
    UNIT_ASSERT_EQ(pt_map(&pt, PT_VA_LIMIT - PGSZ, 0x1000, PGSZ, PTE_AF | USER_RO), 0);
    expect_mapped(&pt, PT_VA_LIMIT - PGSZ, 0x1000, PGSZ, USER_RO);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 5);
    tree_teardown(&f, &pt);
}

UNIT_TEST(pt_map_rejects_bad_arguments)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct fsrc s;
    /* Bits a caller may not give, each on top of a valid set; and the
     * reserved shareability value 0b01. */
    static const uint64_t bad_attrs[] = {
        USER_RO | PTE_VALID,
        USER_RO | PTE_TABLE,
        USER_RO | PTE_PAGE,
        USER_RO | 1ull << 12, /* output address */
        USER_RO | 1ull << 47,
        USER_RO | 1ull << 48, /* RES0 */
        USER_RO | 1ull << 51, /* DBM */
        USER_RO | 1ull << 52, /* Contiguous */
        USER_RO | 1ull << 59,
        USER_RO | 1ull << 63,
        USER_RO | 1ull << 5, /* NS */
        (USER_RO & ~PTE_SH_INNER) | 1ull << 8,
    };

    tree_setup(&f, &ops, &pt);
    fsrc_init(&s, 0x90000000);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x200000, 0x80000000, PGSZ, USER_RW), 0);
    snap_take(&f, &pt, &snap_before);

    UNIT_ASSERT_EQ(pt_map(NULL, 0x1000, 0x1000, PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1001, 0x1000, PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x1800, PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x1000, 0x1800, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x1000, 0, USER_RW), -HM_EINVAL);
    /* Beyond the 39-bit range, or wrapping around. */
    UNIT_ASSERT_EQ(pt_map(&pt, PT_VA_LIMIT - PGSZ, 0x1000, 2 * PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, PT_VA_LIMIT, 0x1000, PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, ~0xfffull, 0x1000, 2 * PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x1000, ~0xfffull, USER_RW), -HM_EINVAL);
    /* Physical range a descriptor cannot hold, or wrapping around. */
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, PT_PA_LIMIT - PGSZ, 2 * PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, PT_PA_LIMIT, PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, ~0xfffull, 2 * PGSZ, USER_RW), -HM_EINVAL);
    for (unsigned i = 0; i < sizeof(bad_attrs) / sizeof(bad_attrs[0]); i++) {
        UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x1000, PGSZ, bad_attrs[i]), -HM_EINVAL);
        UNIT_ASSERT_EQ(pt_map_each(&pt, 0x1000, PGSZ, bad_attrs[i], fsrc_get, fsrc_put, &s),
                       -HM_EINVAL);
    }
    UNIT_ASSERT_EQ(pt_map_each(NULL, 0x1000, PGSZ, USER_RW, fsrc_get, fsrc_put, &s), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map_each(&pt, 0x1800, PGSZ, USER_RW, fsrc_get, fsrc_put, &s), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map_each(&pt, 0x1000, 0, USER_RW, fsrc_get, fsrc_put, &s), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map_each(&pt, PT_VA_LIMIT, PGSZ, USER_RW, fsrc_get, fsrc_put, &s),
                   -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map_each(&pt, 0x1000, PGSZ, USER_RW, NULL, fsrc_put, &s), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map_each(&pt, 0x1000, PGSZ, USER_RW, fsrc_get, NULL, &s), -HM_EINVAL);
    UNIT_ASSERT_EQ(s.got, 0);
    snap_same(&f, &pt);
    UNIT_ASSERT_EQ(f.allocs, 3);
    tree_teardown(&f, &pt);
}

UNIT_TEST(pt_map_crosses_2m_and_1g_boundaries)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct rec r = { 0 };
    /* 2 pages below the last 2 MiB of the first GiB, that whole 2 MiB, then
     * 2 pages of the second GiB: 516 pages. */
    const uint64_t va = GIB - MIB2 - 2 * PGSZ, size = MIB2 + 4 * PGSZ, pa = 0x123456000;

    tree_setup(&f, &ops, &pt);
    UNIT_ASSERT_EQ(pt_map(&pt, va, pa, size, USER_RW), 0);
    /* root + L2 for each GiB + L3 for L2 slots 510, 511 (GiB 0) and 0 (GiB 1) */
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 6);
    UNIT_ASSERT_EQ(f.live, 6);
    expect_mapped(&pt, va, pa, size, USER_RW);
    expect_unmapped(&pt, va - PGSZ, PGSZ);
    expect_unmapped(&pt, va + size, PGSZ);
    for (uint64_t off = 0; off < size; off += PGSZ)
        UNIT_ASSERT_EQ(ref_leaf(&f, &pt, va + off), (pa + off) | USER_RW | PTE_AF | PTE_PAGE);

    /* Unmapping reports every page in address order and frees every table. */
    UNIT_ASSERT_EQ(pt_unmap(&pt, va, size, rec_unmapped, &r), 0);
    UNIT_ASSERT_EQ(r.n, size / PGSZ);
    for (unsigned i = 0; i < r.n; i++) {
        UNIT_ASSERT_EQ(r.va[i], va + i * PGSZ);
        UNIT_ASSERT_EQ(r.pa[i], pa + i * PGSZ);
    }
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 1);
    UNIT_ASSERT_EQ(f.live, 1);
    expect_unmapped(&pt, va, size);
    tree_teardown(&f, &pt);
}

/* ---------------------------------------------------------------------- */
/* Failing maps change nothing                                             */
/* ---------------------------------------------------------------------- */

UNIT_TEST(pt_map_eexist_changes_nothing)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct fsrc s;

    tree_setup(&f, &ops, &pt);
    fsrc_init(&s, 0x90000000);
    UNIT_ASSERT_EQ(pt_map(&pt, GIB, 0x80000000, PGSZ, USER_RW), 0);
    snap_take(&f, &pt, &snap_before);
    UNIT_ASSERT_EQ(snap_before.n, 3);

    /* The clash is at the very end, after 4 MiB of GiB 0 that would need
     * new tables: none may be allocated. */
    UNIT_ASSERT_EQ(pt_map(&pt, GIB - 2 * MIB2, 0x1000000, 2 * MIB2 + PGSZ, USER_RW), -HM_EEXIST);
    UNIT_ASSERT_EQ(pt_map(&pt, GIB, 0x1000000, PGSZ, USER_RO), -HM_EEXIST);
    UNIT_ASSERT_EQ(pt_map(&pt, GIB - PGSZ, 0x1000000, 3 * PGSZ, USER_RO), -HM_EEXIST);
    UNIT_ASSERT_EQ(pt_map_each(&pt, GIB - PGSZ, 2 * PGSZ, USER_RW, fsrc_get, fsrc_put, &s),
                   -HM_EEXIST);
    UNIT_ASSERT_EQ(s.got, 0); /* checked before any frame is asked for */
    UNIT_ASSERT_EQ(f.allocs, 3);
    snap_same(&f, &pt);
    expect_unmapped(&pt, GIB - 2 * MIB2, 2 * MIB2);
    expect_mapped(&pt, GIB, 0x80000000, PGSZ, USER_RW);
    tree_teardown(&f, &pt);
}

/* The range used by the out-of-memory tests (1028 pages): it needs an L2 for
 * GiB 0, L3s for its slots 510 and 511 and for GiB 1's slot 0; GiB 1's slot 1
 * already has an L3 (holding the page at 0x403ff000, outside the range). */
#define OOM_VA (GIB - MIB2 - 2 * PGSZ)
#define OOM_SIZE (2 * MIB2 + 4 * PGSZ)
#define OOM_NEW_TABLES 4
#define OOM_KEEP (GIB + 2 * MIB2 - PGSZ)

UNIT_TEST(pt_map_enomem_at_every_point_changes_nothing)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;

    tree_setup(&f, &ops, &pt);
    UNIT_ASSERT_EQ(pt_map(&pt, OOM_KEEP, 0x77777000, PGSZ, USER_RO), 0);
    snap_take(&f, &pt, &snap_before);
    for (int k = 0; k < OOM_NEW_TABLES; k++) {
        unsigned allocs = f.allocs, frees = f.frees;

        f.budget = k;
        UNIT_ASSERT_EQ(pt_map(&pt, OOM_VA, 0x10000000, OOM_SIZE, USER_RW), -HM_ENOMEM);
        /* Exactly the k tables it got were freed again. */
        UNIT_ASSERT_EQ(f.allocs - allocs, (unsigned)k);
        UNIT_ASSERT_EQ(f.frees - frees, (unsigned)k);
        snap_same(&f, &pt);
        expect_unmapped(&pt, OOM_VA, OOM_SIZE);
    }
    /* A misaligned table page counts as no memory and goes back too. */
    f.budget = -1;
    f.misalign_next = true;
    UNIT_ASSERT_EQ(pt_map(&pt, OOM_VA, 0x10000000, OOM_SIZE, USER_RW), -HM_ENOMEM);
    snap_same(&f, &pt);

    f.budget = OOM_NEW_TABLES;
    UNIT_ASSERT_EQ(pt_map(&pt, OOM_VA, 0x10000000, OOM_SIZE, USER_RW), 0);
    UNIT_ASSERT_EQ(f.budget, 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), snap_before.n + OOM_NEW_TABLES);
    expect_mapped(&pt, OOM_VA, 0x10000000, OOM_SIZE, USER_RW);
    expect_mapped(&pt, OOM_KEEP, 0x77777000, PGSZ, USER_RO);
    tree_teardown(&f, &pt);
}

UNIT_TEST(pt_map_zeroes_table_pages_itself)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;

    fake_setup(&f, &ops);
    f.garbage = true; /* an allocator that breaks its promise */
    UNIT_ASSERT_EQ(pt_init(&pt, &ops), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, MIB2, 0x80000000, PGSZ, USER_RW), 0);
    expect_mapped(&pt, MIB2, 0x80000000, PGSZ, USER_RW);
    expect_unmapped(&pt, MIB2 + PGSZ, PGSZ);
    expect_unmapped(&pt, GIB, PGSZ);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, MIB2 + PGSZ, 1, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_unmap(&pt, MIB2, PGSZ, NULL, NULL), 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 1);
    tree_teardown(&f, &pt);
}

/* ---------------------------------------------------------------------- */
/* Unmapping                                                               */
/* ---------------------------------------------------------------------- */

UNIT_TEST(pt_unmap_frees_empty_tables)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct rec r = { 0 };

    tree_setup(&f, &ops, &pt);
    /* One page each side of the 2 MiB boundary: root, L2, two L3. */
    UNIT_ASSERT_EQ(pt_map(&pt, MIB2 - PGSZ, 0x50000000, 2 * PGSZ, USER_RW), 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 4);
    UNIT_ASSERT_EQ(pt_unmap(&pt, MIB2, PGSZ, rec_unmapped, &r), 0);
    UNIT_ASSERT_EQ(r.n, 1);
    UNIT_ASSERT_EQ(r.va[0], MIB2);
    UNIT_ASSERT_EQ(r.pa[0], 0x50001000);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 3); /* that L3 went */
    UNIT_ASSERT_EQ(f.live, 3);
    expect_mapped(&pt, MIB2 - PGSZ, 0x50000000, PGSZ, USER_RW);

    /* Unmapping part of an L3 table keeps it. */
    UNIT_ASSERT_EQ(pt_map(&pt, 0x10000, 0x60000000, 4 * PGSZ, USER_RO), 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 3);
    UNIT_ASSERT_EQ(pt_unmap(&pt, 0x11000, 2 * PGSZ, NULL, NULL), 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 3);
    expect_mapped(&pt, 0x10000, 0x60000000, PGSZ, USER_RO);
    expect_unmapped(&pt, 0x11000, 2 * PGSZ);
    expect_mapped(&pt, 0x13000, 0x60003000, PGSZ, USER_RO);

    /* The last pages go: back to the root alone. */
    UNIT_ASSERT_EQ(pt_unmap(&pt, 0x10000, PGSZ, NULL, NULL), 0);
    UNIT_ASSERT_EQ(pt_unmap(&pt, 0x13000, PGSZ, NULL, NULL), 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 3);
    UNIT_ASSERT_EQ(pt_unmap(&pt, MIB2 - PGSZ, PGSZ, rec_unmapped, &r), 0);
    UNIT_ASSERT_EQ(r.n, 2);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 1);
    UNIT_ASSERT_EQ(f.live, 1);
    UNIT_ASSERT_EQ(page_of(&f, pt.root)[0], 0); /* the L1 slot is empty again */

    /* And the range can be mapped again. */
    UNIT_ASSERT_EQ(pt_map(&pt, MIB2 - PGSZ, 0x70000000, 2 * PGSZ, USER_RO), 0);
    expect_mapped(&pt, MIB2 - PGSZ, 0x70000000, 2 * PGSZ, USER_RO);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 4);
    tree_teardown(&f, &pt);
}

UNIT_TEST(pt_unmap_partly_unmapped_range_changes_nothing)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct rec r = { 0 };
    const uint64_t va = GIB - 2 * PGSZ; /* 2 pages in GiB 0, 1 in GiB 1 */

    tree_setup(&f, &ops, &pt);
    UNIT_ASSERT_EQ(pt_map(&pt, va, 0x50000000, 3 * PGSZ, USER_RW), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, GIB + 2 * PGSZ, 0x60000000, PGSZ, USER_RW), 0);
    snap_take(&f, &pt, &snap_before);

    UNIT_ASSERT_EQ(pt_unmap(&pt, va - PGSZ, 2 * PGSZ, rec_unmapped, &r), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_unmap(&pt, va, 4 * PGSZ, rec_unmapped, &r), -HM_EFAULT); /* hole at end */
    UNIT_ASSERT_EQ(pt_unmap(&pt, va, 5 * PGSZ, rec_unmapped, &r), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_unmap(&pt, 2 * GIB, PGSZ, rec_unmapped, &r), -HM_EFAULT);    /* empty L1 */
    UNIT_ASSERT_EQ(pt_unmap(&pt, GIB + MIB2, PGSZ, rec_unmapped, &r), -HM_EFAULT); /* empty L2 */
    UNIT_ASSERT_EQ(pt_unmap(&pt, 0, GIB, rec_unmapped, &r), -HM_EFAULT);
    /* Bad arguments. */
    UNIT_ASSERT_EQ(pt_unmap(NULL, va, PGSZ, rec_unmapped, &r), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_unmap(&pt, va + 1, PGSZ, rec_unmapped, &r), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_unmap(&pt, va, PGSZ + 1, rec_unmapped, &r), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_unmap(&pt, va, 0, rec_unmapped, &r), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_unmap(&pt, PT_VA_LIMIT - PGSZ, 2 * PGSZ, rec_unmapped, &r), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_unmap(&pt, va, ~0xfffull, rec_unmapped, &r), -HM_EINVAL);
    UNIT_ASSERT_EQ(r.n, 0);
    snap_same(&f, &pt);

    /* A hole in the middle. */
    UNIT_ASSERT_EQ(pt_unmap(&pt, va + PGSZ, PGSZ, rec_unmapped, &r), 0);
    UNIT_ASSERT_EQ(r.n, 1);
    snap_take(&f, &pt, &snap_before);
    UNIT_ASSERT_EQ(pt_unmap(&pt, va, 3 * PGSZ, rec_unmapped, &r), -HM_EFAULT);
    UNIT_ASSERT_EQ(r.n, 1);
    snap_same(&f, &pt);
    tree_teardown(&f, &pt);
}

/* ---------------------------------------------------------------------- */
/* User pointer checks                                                     */
/* ---------------------------------------------------------------------- */

UNIT_TEST(pt_user_range_ok_cases)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    const uint64_t b = 0x10000000, top = PT_VA_LIMIT - PGSZ;

    tree_setup(&f, &ops, &pt);
    UNIT_ASSERT_EQ(pt_map(&pt, b, 0x80000000, PGSZ, USER_RW), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, b + PGSZ, 0x80001000, PGSZ, USER_RO), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, b + 2 * PGSZ, 0x80002000, PGSZ, KERN_RW), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, b + 3 * PGSZ, 0x80003000, PGSZ, KERN_RO), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, b + 4 * PGSZ, 0x80004000, PGSZ, USER_RX), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, b + 5 * PGSZ, 0x80005000, PGSZ, USER_RW), 0);
    /* b + 6 pages: unmapped; b + 7 pages: RW */
    UNIT_ASSERT_EQ(pt_map(&pt, b + 7 * PGSZ, 0x80007000, PGSZ, USER_RW), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, top, 0x80008000, PGSZ, USER_RW), 0);

    /* Length 0 is always fine, wherever it points. */
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, 0, 0, true), 0);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, ~0ull, 0, true), 0);
    /* Unaligned inside one page; exact page; one byte more. */
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 0x10, 0x20, true), 0);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b, PGSZ, true), 0);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b, PGSZ + 1, true), -HM_EFAULT);
    /* Crossing into the read-only page: reading is fine, writing is not. */
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 0xff0, 0x20, false), 0);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 0xff0, 0x20, true), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 2 * PGSZ - 1, 1, true), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 2 * PGSZ - 1, 1, false), 0);
    /* Kernel-only pages: no user access at all. */
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 2 * PGSZ, 1, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 2 * PGSZ, 1, true), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 3 * PGSZ + 8, 8, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 3 * PGSZ, 1, true), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + PGSZ, 2 * PGSZ, false), -HM_EFAULT);
    /* Executable user pages are readable (AP EL0 read-only). */
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 4 * PGSZ, PGSZ, false), 0);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 4 * PGSZ, PGSZ, true), -HM_EFAULT);
    /* Crossing into an unmapped page, or over it. */
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 5 * PGSZ, PGSZ, true), 0);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 5 * PGSZ + 0x800, PGSZ, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 5 * PGSZ, 3 * PGSZ, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, 0, 1, false), -HM_EFAULT);
    /* The top page; beyond the 39-bit range; wrapping around. */
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, top, PGSZ, true), 0);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, top + PGSZ - 1, 1, true), 0);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, top, PGSZ + 1, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, PT_VA_LIMIT, 1, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, 1ull << 48, 1, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b, ~0ull, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, b + 0x10, ~0ull - 0x8, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, ~0ull - 0xf, 0x20, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(NULL, b, 1, false), -HM_EFAULT);
    tree_teardown(&f, &pt);
}

/* ---------------------------------------------------------------------- */
/* Frames from a callback                                                  */
/* ---------------------------------------------------------------------- */

UNIT_TEST(pt_map_each_maps_frames_in_order)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct fsrc s;
    const uint64_t va = MIB2 - 2 * PGSZ;

    tree_setup(&f, &ops, &pt);
    fsrc_init(&s, 0x90000000);
    UNIT_ASSERT_EQ(pt_map_each(&pt, va, 5 * PGSZ, USER_RW, fsrc_get, fsrc_put, &s), 0);
    UNIT_ASSERT_EQ(s.got, 5);
    UNIT_ASSERT_EQ(s.put, 0);
    for (unsigned i = 0; i < 5; i++) {
        UNIT_ASSERT_EQ(s.got_va[i], va + i * PGSZ);
        expect_mapped(&pt, va + i * PGSZ, s.got_pa[i], PGSZ, USER_RW);
    }
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 4);

    /* A frame at physical address 0 is a frame like any other. */
    fsrc_init(&s, 0);
    UNIT_ASSERT_EQ(pt_map_each(&pt, GIB, PGSZ, USER_RO, fsrc_get, fsrc_put, &s), 0);
    expect_mapped(&pt, GIB, 0, PGSZ, USER_RO);
    tree_teardown(&f, &pt);
}

UNIT_TEST(pt_map_each_frame_failure_rolls_back)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct fsrc s;
    const uint64_t va = GIB - 3 * PGSZ; /* 3 pages in GiB 0, 3 in GiB 1 */

    tree_setup(&f, &ops, &pt);
    UNIT_ASSERT_EQ(pt_map(&pt, GIB - 0x10000, 0x70000000, PGSZ, USER_RW), 0);
    snap_take(&f, &pt, &snap_before);
    for (int k = 0; k < 6; k++) {
        fsrc_init(&s, 0x90000000);
        s.fail_at = k;
        s.err = -HM_EAGAIN;
        UNIT_ASSERT_EQ(pt_map_each(&pt, va, 6 * PGSZ, USER_RW, fsrc_get, fsrc_put, &s), -HM_EAGAIN);
        UNIT_ASSERT_EQ(s.got, (unsigned)k);
        fsrc_all_returned(&s);
        snap_same(&f, &pt);
    }
    /* A positive "error" is still an error. */
    fsrc_init(&s, 0x90000000);
    s.fail_at = 4;
    s.err = 1;
    UNIT_ASSERT_EQ(pt_map_each(&pt, va, 6 * PGSZ, USER_RW, fsrc_get, fsrc_put, &s), -HM_EIO);
    fsrc_all_returned(&s);
    snap_same(&f, &pt);
    /* An unusable frame (misaligned, or beyond 48 bits) is handed back too. */
    fsrc_init(&s, 0x90000000);
    s.bad_at = 3;
    s.bad_pa = 0x90000800;
    UNIT_ASSERT_EQ(pt_map_each(&pt, va, 6 * PGSZ, USER_RW, fsrc_get, fsrc_put, &s), -HM_EINVAL);
    UNIT_ASSERT_EQ(s.got, 4);
    fsrc_all_returned(&s);
    snap_same(&f, &pt);
    fsrc_init(&s, 0x90000000);
    s.bad_at = 0;
    s.bad_pa = PT_PA_LIMIT;
    UNIT_ASSERT_EQ(pt_map_each(&pt, va, 6 * PGSZ, USER_RW, fsrc_get, fsrc_put, &s), -HM_EINVAL);
    UNIT_ASSERT_EQ(s.got, 1);
    fsrc_all_returned(&s);
    snap_same(&f, &pt);

    fsrc_init(&s, 0x90000000);
    UNIT_ASSERT_EQ(pt_map_each(&pt, va, 6 * PGSZ, USER_RW, fsrc_get, fsrc_put, &s), 0);
    UNIT_ASSERT_EQ(s.put, 0);
    for (unsigned i = 0; i < 6; i++)
        expect_mapped(&pt, va + i * PGSZ, s.got_pa[i], PGSZ, USER_RW);
    tree_teardown(&f, &pt);
}

UNIT_TEST(pt_map_each_enomem_at_every_point_rolls_back)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct fsrc s;

    tree_setup(&f, &ops, &pt);
    UNIT_ASSERT_EQ(pt_map(&pt, OOM_KEEP, 0x77777000, PGSZ, USER_RO), 0);
    snap_take(&f, &pt, &snap_before);
    for (int k = 0; k < OOM_NEW_TABLES; k++) {
        unsigned frees = f.frees;

        fsrc_init(&s, 0x90000000);
        f.budget = k;
        UNIT_ASSERT_EQ(pt_map_each(&pt, OOM_VA, OOM_SIZE, USER_RW, fsrc_get, fsrc_put, &s),
                       -HM_ENOMEM);
        UNIT_ASSERT_EQ(f.frees - frees, (unsigned)k);
        fsrc_all_returned(&s);
        snap_same(&f, &pt);
    }
    /* The first table missing is the L2 for GiB 0 (no frame yet); the last
     * is the L3 of GiB 1 slot 0, after all 514 pages of GiB 0. */
    UNIT_ASSERT_EQ(s.got, 514);
    f.budget = -1;
    fsrc_init(&s, 0x90000000);
    UNIT_ASSERT_EQ(pt_map_each(&pt, OOM_VA, OOM_SIZE, USER_RW, fsrc_get, fsrc_put, &s), 0);
    UNIT_ASSERT_EQ(s.got, OOM_SIZE / PGSZ);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), snap_before.n + OOM_NEW_TABLES);
    tree_teardown(&f, &pt);
}

/* ---------------------------------------------------------------------- */
/* Foreign descriptors and teardown                                        */
/* ---------------------------------------------------------------------- */

UNIT_TEST(pt_block_or_foreign_descriptor_is_an_error)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct fsrc s;
    uint64_t *l1, *l3;
    const uint64_t block = 0x40000000 | PTE_BLOCK | PTE_AF | PTE_AP_RW;

    tree_setup(&f, &ops, &pt);
    fsrc_init(&s, 0x90000000);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x50000000, PGSZ, USER_RW), 0);
    l1 = page_of(&f, pt.root);
    l3 = page_of(&f, page_of(&f, l1[0] & ADDR_MASK)[0] & ADDR_MASK);

    /* A 1 GiB block in L1 slot 1. */
    l1[1] = block;
    snap_take(&f, &pt, &snap_before);
    UNIT_ASSERT_EQ(pt_map(&pt, GIB + PGSZ, 0x1000, PGSZ, USER_RW), -HM_EIO);
    UNIT_ASSERT_EQ(pt_map_each(&pt, GIB, PGSZ, USER_RW, fsrc_get, fsrc_put, &s), -HM_EIO);
    UNIT_ASSERT_EQ(pt_unmap(&pt, GIB, PGSZ, NULL, NULL), -HM_EIO);
    UNIT_ASSERT_EQ(pt_lookup(&pt, GIB, NULL, NULL), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, GIB, 1, false), -HM_EFAULT);
    UNIT_ASSERT_EQ(s.got, 0);
    snap_same(&f, &pt);

    /* A 2 MiB block in GiB 0's L2, slot 1. */
    page_of(&f, l1[0] & ADDR_MASK)[1] = block;
    snap_take(&f, &pt, &snap_before);
    UNIT_ASSERT_EQ(pt_map(&pt, MIB2, 0x1000, PGSZ, USER_RW), -HM_EIO);
    UNIT_ASSERT_EQ(pt_unmap(&pt, MIB2, PGSZ, NULL, NULL), -HM_EIO);
    UNIT_ASSERT_EQ(pt_lookup(&pt, MIB2, NULL, NULL), -HM_EFAULT);
    /* A reserved L3 encoding (0b01) and a stray "pending" one (0b10). */
    l3[2] = 0x60000000 | PTE_VALID | USER_RW;
    l3[3] = 0x60001000 | PTE_TABLE | USER_RW;
    snap_take(&f, &pt, &snap_before);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x2000, 0x1000, PGSZ, USER_RW), -HM_EIO);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x3000, 0x1000, PGSZ, USER_RW), -HM_EIO);
    UNIT_ASSERT_EQ(pt_unmap(&pt, 0x1000, 2 * PGSZ, NULL, NULL), -HM_EIO);
    UNIT_ASSERT_EQ(pt_lookup(&pt, 0x2000, NULL, NULL), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_lookup(&pt, 0x3000, NULL, NULL), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, 0x1000, 2 * PGSZ, false), -HM_EFAULT);
    snap_same(&f, &pt);
    /* The good page still works; teardown skips what it does not own. */
    expect_mapped(&pt, 0x1000, 0x50000000, PGSZ, USER_RW);
    tree_teardown(&f, &pt);
}

UNIT_TEST(pt_destroy_returns_every_table)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    struct rec r = { 0 };
    struct fsrc s;

    tree_setup(&f, &ops, &pt);
    fsrc_init(&s, 0x90000000);
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x50000000, 3 * PGSZ, USER_RW), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, GIB + MIB2, 0x60000000, 2 * PGSZ, USER_RO), 0);
    UNIT_ASSERT_EQ(pt_map_each(&pt, 5 * GIB - PGSZ, 2 * PGSZ, USER_RW, fsrc_get, fsrc_put, &s), 0);
    UNIT_ASSERT_EQ(pt_map(&pt, PT_VA_LIMIT - PGSZ, 0x70000000, PGSZ, USER_RW), 0);
    /* root; L2 + L3 for: GiB 0, GiB 1, GiB 4 and GiB 5 (crossing), the top GiB */
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 11);
    UNIT_ASSERT_EQ(f.live, pt_table_pages(&pt));

    pt_destroy(&pt, rec_unmapped, &r);
    UNIT_ASSERT_EQ(f.live, 0);
    UNIT_ASSERT_EQ(pt_table_pages(&pt), 0);
    UNIT_ASSERT_EQ(pt.root, 0);
    UNIT_ASSERT_EQ(r.n, 8); /* every page once, in address order */
    UNIT_ASSERT_EQ(r.va[0], 0x1000);
    UNIT_ASSERT_EQ(r.pa[2], 0x50002000);
    UNIT_ASSERT_EQ(r.va[3], GIB + MIB2);
    UNIT_ASSERT_EQ(r.pa[4], 0x60001000);
    UNIT_ASSERT_EQ(r.va[5], 5 * GIB - PGSZ);
    UNIT_ASSERT_EQ(r.pa[5], s.got_pa[0]);
    UNIT_ASSERT_EQ(r.va[6], 5 * GIB);
    UNIT_ASSERT_EQ(r.pa[6], s.got_pa[1]);
    UNIT_ASSERT_EQ(r.va[7], PT_VA_LIMIT - PGSZ);

    /* A destroyed tree refuses everything; destroying again does nothing. */
    UNIT_ASSERT_EQ(pt_map(&pt, 0x1000, 0x1000, PGSZ, USER_RW), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_map_each(&pt, 0x1000, PGSZ, USER_RW, fsrc_get, fsrc_put, &s), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_unmap(&pt, 0x1000, PGSZ, NULL, NULL), -HM_EINVAL);
    UNIT_ASSERT_EQ(pt_lookup(&pt, 0x1000, NULL, NULL), -HM_EFAULT);
    UNIT_ASSERT_EQ(pt_user_range_ok(&pt, 0x1000, 1, false), -HM_EFAULT);
    pt_destroy(&pt, rec_unmapped, &r);
    UNIT_ASSERT_EQ(r.n, 8);
    UNIT_ASSERT_EQ(f.frees, f.allocs);
}

/* ---------------------------------------------------------------------- */
/* Random operations against a model                                       */
/* ---------------------------------------------------------------------- */

/* Pages of the model: 16 around each of a few interesting boundaries, few
 * enough that tables are often emptied and needed again. */
#define MODEL_REGIONS 6
#define MODEL_PAGES 16
static const uint64_t model_base[MODEL_REGIONS] = {
    GIB - 8 * PGSZ,          /* 1 GiB boundary */
    5 * MIB2 - 8 * PGSZ,     /* 2 MiB boundary, same L2 table as the next */
    7 * MIB2 - 8 * PGSZ,     /* 2 MiB boundary */
    4 * GIB - 8 * PGSZ,      /* 1 GiB boundary */
    3 * GIB + 7 * MIB2,      /* inside one L3 table */
    PT_VA_LIMIT - 16 * PGSZ, /* the top of user space */
};

/* xorshift: deterministic, so a failure is reproducible. */
static uint32_t rnd(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Distinct L1 and L2 slots met so far, to count the tables a model needs. */
struct slots {
    unsigned n1, n2;
    uint64_t l1[MODEL_REGIONS * MODEL_PAGES + 16], l2[MODEL_REGIONS * MODEL_PAGES + 16];
};

static void slots_add(struct slots *s, uint64_t va)
{
    bool seen1 = false, seen2 = false;

    for (unsigned j = 0; j < s->n1; j++)
        seen1 = seen1 || s->l1[j] == va >> 30;
    for (unsigned j = 0; j < s->n2; j++)
        seen2 = seen2 || s->l2[j] == va >> 21;
    if (!seen1)
        s->l1[s->n1++] = va >> 30;
    if (!seen2)
        s->l2[s->n2++] = va >> 21;
}

/* Tables the tree must own per the model: the root, plus an L2 for every GiB
 * and an L3 for every 2 MiB that holds a mapped page (empty tables are never
 * kept) - counting the @extra_n pages from @extra_va as mapped too. */
static unsigned model_tables(bool mapped[MODEL_REGIONS][MODEL_PAGES], uint64_t extra_va,
                             unsigned extra_n)
{
    static struct slots s;

    s.n1 = 0;
    s.n2 = 0;
    for (unsigned r = 0; r < MODEL_REGIONS; r++)
        for (unsigned i = 0; i < MODEL_PAGES; i++)
            if (mapped[r][i])
                slots_add(&s, model_base[r] + i * PGSZ);
    for (unsigned i = 0; i < extra_n; i++)
        slots_add(&s, extra_va + i * PGSZ);
    return 1 + s.n1 + s.n2;
}

UNIT_TEST(pt_random_operations_match_model)
{
    struct fake f;
    struct pt_ops ops;
    struct pt pt;
    static bool mapped[MODEL_REGIONS][MODEL_PAGES];
    unsigned results[3][2] = { { 0 } }; /* [ok, range error, ENOMEM][map, unmap] */
    uint32_t seed = 0x2545f491;

    memset(mapped, 0, sizeof(mapped));
    tree_setup(&f, &ops, &pt);
    for (unsigned op = 0; op < 10000; op++) {
        unsigned r = rnd(&seed) % MODEL_REGIONS;
        unsigned first = rnd(&seed) % MODEL_PAGES;
        bool map = !mapped[r][first];
        uint64_t va = model_base[r] + first * PGSZ;
        unsigned run = 0, n;
        int rc, want;

        /* Mostly a run of pages in the same state (map free ones, unmap
         * mapped ones); one time in eight, one page more than the run. */
        while (first + run < MODEL_PAGES && mapped[r][first + run] != map)
            run++;
        n = 1 + rnd(&seed) % (run < 8 ? run : 8);
        if (rnd(&seed) % 8 == 0 && first + run < MODEL_PAGES)
            n = run + 1;
        if (map) {
            unsigned need = model_tables(mapped, va, n) - model_tables(mapped, 0, 0);

            /* When tables are needed, half the time allow fewer, or exactly enough. */
            f.budget = -1;
            if (need > 0 && rnd(&seed) % 2 == 0)
                f.budget = (int)(rnd(&seed) % (need + 1));
            want = n > run ? -HM_EEXIST :
                             (f.budget >= 0 && (unsigned)f.budget < need ? -HM_ENOMEM : 0);
            rc = pt_map(&pt, va, va + 0x100000000, n * PGSZ, USER_RW);
            f.budget = -1;
        } else {
            want = n > run ? -HM_EFAULT : 0;
            rc = pt_unmap(&pt, va, n * PGSZ, NULL, NULL);
        }
        UNIT_ASSERT_EQ(rc, want);
        results[rc == 0 ? 0 : (rc == -HM_ENOMEM ? 2 : 1)][map ? 0 : 1]++;
        for (unsigned i = first; i < first + n && rc == 0; i++)
            mapped[r][i] = map;

        for (unsigned rr = 0; rr < MODEL_REGIONS; rr++) {
            for (unsigned i = 0; i < MODEL_PAGES; i++) {
                uint64_t pva = model_base[rr] + i * PGSZ, pa = 0;

                if (mapped[rr][i]) {
                    UNIT_ASSERT_EQ(pt_lookup(&pt, pva, &pa, NULL), 0);
                    UNIT_ASSERT_EQ(pa, pva + 0x100000000);
                } else {
                    UNIT_ASSERT_EQ(pt_lookup(&pt, pva, &pa, NULL), -HM_EFAULT);
                }
            }
        }
        UNIT_ASSERT_EQ(pt_table_pages(&pt), model_tables(mapped, 0, 0));
        UNIT_ASSERT_EQ(f.live, pt_table_pages(&pt));
    }
    /* The mix really exercised every outcome. */
    for (unsigned k = 0; k < 2; k++) {
        UNIT_ASSERT(results[0][k] > 2000);
        UNIT_ASSERT(results[1][k] > 200);
    }
    UNIT_ASSERT(results[2][0] > 30);
    tree_teardown(&f, &pt);
}

UNIT_MAIN("stage1")
