// SPDX-License-Identifier: MIT
/*
 * pgtable.c - builder for AArch64 stage-1 translation tables of user address
 * spaces (the API of pgtable.h).
 *
 * Format (Arm ARM D8.3 "Translation table descriptor formats", 4 KiB granule,
 * 39-bit VA, walk starting at level 1): bits 1:0 of a descriptor say what it
 * is - 0b11 a table (L1/L2) or a page (L3), 0b01 a block (L1/L2) or reserved
 * (L3), bit 0 clear an invalid descriptor whose other bits the hardware
 * ignores. Bits 47:12 hold the next table's or the page's physical address.
 *
 * All-or-nothing updates. Mapping runs in three passes over the range:
 *   1. check: every page is free and the walk meets only descriptors the
 *      builder writes (else -HM_EEXIST / -HM_EIO, nothing touched);
 *   2. build: allocate missing tables and obtain frames, recording each in
 *      its slot as a *pending* descriptor: bits 1:0 = 0b10. Bit 0 is clear,
 *      so to the hardware walker a pending entry is simply invalid (and is
 *      never cached in a TLB), while the builder can still follow it and
 *      tell it apart from an empty slot (0) - even for a frame at PA 0;
 *   3. commit: turn pending entries into valid ones, children before their
 *      parent table descriptor.
 * If pass 2 fails, a rollback pass clears exactly the pending entries (they
 * exist only while a call runs), frees the pending tables and hands pending
 * frames back. No valid descriptor was ever written, so no TLB or walk-cache
 * entry can refer to what is freed. Unmapping is check + clear.
 *
 * The passes share one range walker (walk_table / walk_entry / walk_leaf)
 * told by an enum what to do at each descriptor.
 *
 * Freestanding: <stdint.h>, <stddef.h>, <stdbool.h>, <string.h> only; no
 * allocation of its own, no global state, no locks, no barriers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arch/mmu.h>
#include <uapi/hm/syscall.h>

#include "pgtable.h"

/* VA bits that index each level (D8.2, 4 KiB granule): 9 bits per level,
 * L1 = VA[38:30], L2 = VA[29:21], L3 = VA[20:12]. */
#define L1_SHIFT 30
#define L2_SHIFT 21
#define L3_SHIFT PAGE_SHIFT
#define LEVEL_BITS 9
#define ENTRIES (1u << LEVEL_BITS)

/* mmu.h's PAGE_SIZE is an int; page arithmetic here is 64-bit. */
#define PG (UL(1) << PAGE_SHIFT)
#define PG_MASK (PG - 1)

/* Descriptor bits 1:0 and the encodings the builder writes. */
#define DESC_TYPE_MASK UL(3)
#define DESC_PENDING PTE_TABLE /* 0b10: invalid to hardware, "ours, in progress" */

/* Table descriptor PXNTable (D8.3): nothing below may execute at EL1. */
#define PTE_PXNTABLE (UL(1) << 59)

/* The shareability field (bits 9:8) and its reserved value 0b01. */
#define SH_MASK PTE_SH_INNER
#define SH_RESERVED (UL(1) << 8)

/* The AP field (bits 7:6); PTE_AP_RO is 0b11, which is also the mask. */
#define AP_MASK PTE_AP_RO

/* ---------------------------------------------------------------------- */
/* Descriptors and table pages                                             */
/* ---------------------------------------------------------------------- */

/* What a descriptor is, as far as the builder is concerned. */
enum dkind {
    D_EMPTY,   /* all zero: nothing there */
    D_VALID,   /* 0b11: table (L1/L2) or page (L3) */
    D_PENDING, /* 0b10: written by the running call, not yet committed */
    D_FOREIGN, /* anything else (a block, a reserved encoding): a bug */
};

static enum dkind dkind(uint64_t d)
{
    if (d == 0)
        return D_EMPTY;
    if ((d & DESC_TYPE_MASK) == (PTE_VALID | PTE_TABLE))
        return D_VALID;
    if ((d & DESC_TYPE_MASK) == DESC_PENDING)
        return D_PENDING;
    return D_FOREIGN;
}

/* Index of @va in a table at the level whose entries cover 1 << @shift bytes. */
static unsigned idx(uint64_t va, unsigned shift)
{
    return (unsigned)(va >> shift) & (ENTRIES - 1);
}

/* End of the entry of size 1 << @shift that contains @v, clipped to @end.
 * v < PT_VA_LIMIT, so the rounding cannot overflow. */
static uint64_t entry_end(uint64_t v, unsigned shift, uint64_t end)
{
    uint64_t b = (v | ((UL(1) << shift) - 1)) + 1;

    return b < end ? b : end;
}

/* The kernel-visible address of the table page at @pa. */
static uint64_t *tbl(const struct pt *pt, uint64_t pa)
{
    return pt->ops->to_virt(pt->ops->ctx, pa);
}

/* Store a descriptor with a single 64-bit write: the hardware walker may read
 * the slot at any moment and reads it single-copy atomically (Arm ARM B2.2),
 * so it must never be written in pieces. */
static void set_desc(uint64_t *slot, uint64_t d)
{
    *(volatile uint64_t *)slot = d;
}

static bool table_empty(const uint64_t *t)
{
    for (unsigned i = 0; i < ENTRIES; i++)
        if (t[i] != 0)
            return false;
    return true;
}

/*
 * A fresh table page, or 0.
 * Guarantees: the page is 4 KiB-aligned, below PT_PA_LIMIT and zeroed (zeroed
 * again here: a stale word in a table would be a mapping nobody asked for);
 * pt->tables counts it. A result that breaks the first two is handed back and
 * treated as no memory.
 */
static uint64_t get_table(struct pt *pt)
{
    uint64_t pa = pt->ops->alloc_table(pt->ops->ctx);

    if (pa == 0)
        return 0;
    if ((pa & ~PTE_ADDR_MASK) != 0) {
        pt->ops->free_table(pt->ops->ctx, pa);
        return 0;
    }
    memset(tbl(pt, pa), 0, PG);
    pt->tables++;
    return pa;
}

static void put_table(struct pt *pt, uint64_t pa)
{
    pt->ops->free_table(pt->ops->ctx, pa);
    pt->tables--;
}

/* ---------------------------------------------------------------------- */
/* Argument checks                                                         */
/* ---------------------------------------------------------------------- */

static bool tree_ok(const struct pt *pt)
{
    return pt && pt->ops && pt->root != 0;
}

/* [va, va + size): page-aligned, not empty, inside TTBR0's range. Written so
 * that va + size is never computed before it is known not to overflow. */
static bool va_range_ok(uint64_t va, uint64_t size)
{
    if ((va & PG_MASK) != 0 || (size & PG_MASK) != 0 || size == 0)
        return false;
    return va < PT_VA_LIMIT && size <= PT_VA_LIMIT - va;
}

/* [pa, pa + size): page-aligned and every page addressable by a descriptor. */
static bool pa_range_ok(uint64_t pa, uint64_t size)
{
    if ((pa & PG_MASK) != 0)
        return false;
    return pa < PT_PA_LIMIT && size <= PT_PA_LIMIT - pa;
}

static bool attrs_ok(uint64_t attrs)
{
    if ((attrs & ~PT_ATTR_ALLOWED) != 0)
        return false;
    return (attrs & SH_MASK) != SH_RESERVED;
}

/* ---------------------------------------------------------------------- */
/* The range walker                                                        */
/* ---------------------------------------------------------------------- */

/* What a walk does at each descriptor of the range. */
enum pass {
    CHECK_FREE,   /* every page empty, only our encodings: else EEXIST / EIO */
    CHECK_MAPPED, /* every page valid: else EFAULT / EIO */
    COMMIT,       /* pending -> valid (children first) */
    ROLLBACK,     /* pending -> empty; hand frames back, free pending tables */
    UNMAP,        /* valid page -> empty, report it; free tables left empty */
};

/* One walk's parameters (the callbacks are the caller's, passed through). */
struct walk {
    enum pass pass;
    uint64_t attrs;                                        /* COMMIT: leaf attribute bits */
    void (*put_frame)(void *ctx, uint64_t pa);             /* ROLLBACK, may be NULL */
    void (*unmapped)(void *ctx, uint64_t va, uint64_t pa); /* UNMAP, may be NULL */
    void *ctx;
};

static int walk_table(struct pt *pt, const struct walk *w, uint64_t table_pa, unsigned shift,
                      uint64_t v, uint64_t end);

/* L3 slot @slot maps page @v. Returns 0 or the check passes' errors. */
static int walk_leaf(const struct walk *w, uint64_t *slot, uint64_t v)
{
    uint64_t d = *slot;
    enum dkind k = dkind(d);
    uint64_t pa = d & PTE_ADDR_MASK;

    switch (w->pass) {
    case CHECK_FREE:
        if (k == D_VALID)
            return -HM_EEXIST;
        return k == D_EMPTY ? 0 : -HM_EIO;
    case CHECK_MAPPED:
        if (k == D_EMPTY)
            return -HM_EFAULT;
        return k == D_VALID ? 0 : -HM_EIO;
    case COMMIT:
        if (k == D_PENDING)
            set_desc(slot, pa | w->attrs | PTE_AF | PTE_PAGE);
        return 0;
    case ROLLBACK:
        if (k == D_PENDING) {
            set_desc(slot, 0);
            if (w->put_frame)
                w->put_frame(w->ctx, pa);
        }
        return 0;
    case UNMAP:
        /* CHECK_MAPPED ran first: the slot is a valid page. Clear before
         * reporting, so the callback's TLBI cannot race a re-fill. */
        set_desc(slot, 0);
        if (w->unmapped)
            w->unmapped(w->ctx, v, pa);
        return 0;
    }
    return -HM_EIO;
}

/*
 * L1 or L2 slot @slot (entries of 1 << @shift bytes) covers [v, end).
 * Descends into the next-level table when there is one, then does the pass's
 * work on the slot itself (after the children: a table descriptor becomes
 * valid only once everything below it is, and is freed only once empty).
 */
static int walk_entry(struct pt *pt, const struct walk *w, uint64_t *slot, unsigned shift,
                      uint64_t v, uint64_t end)
{
    uint64_t d = *slot;
    enum dkind k = dkind(d);
    uint64_t child = d & PTE_ADDR_MASK;
    bool checking = w->pass == CHECK_FREE || w->pass == CHECK_MAPPED;
    int rc;

    if (k == D_EMPTY)
        return w->pass == CHECK_MAPPED ? -HM_EFAULT : 0;
    /* A block, a reserved encoding, or (at rest) a pending entry. */
    if (k == D_FOREIGN || (k == D_PENDING && checking))
        return -HM_EIO;
    rc = walk_table(pt, w, child, shift - LEVEL_BITS, v, end);
    if (rc != 0)
        return rc;
    if (w->pass == COMMIT && k == D_PENDING) {
        set_desc(slot, child | PTE_PXNTABLE | PTE_VALID | PTE_TABLE);
    } else if ((w->pass == ROLLBACK && k == D_PENDING) || w->pass == UNMAP) {
        /* A pending table holds entries of this call only, all just
         * cleared; a valid one is freed by UNMAP once nothing is left. */
        if (table_empty(tbl(pt, child))) {
            set_desc(slot, 0);
            put_table(pt, child);
        }
    }
    return 0;
}

/* Walk [v, end) inside the table at @table_pa whose entries cover 1 << @shift
 * bytes. Stops at the first error (only the check passes produce errors). */
static int walk_table(struct pt *pt, const struct walk *w, uint64_t table_pa, unsigned shift,
                      uint64_t v, uint64_t end)
{
    uint64_t *t = tbl(pt, table_pa);

    while (v < end) {
        uint64_t next = entry_end(v, shift, end);
        uint64_t *slot = &t[idx(v, shift)];
        int rc;

        if (shift == L3_SHIFT)
            rc = walk_leaf(w, slot, v);
        else
            rc = walk_entry(pt, w, slot, shift, v, next);
        if (rc != 0)
            return rc;
        v = next;
    }
    return 0;
}

static int walk(struct pt *pt, const struct walk *w, uint64_t va, uint64_t end)
{
    return walk_table(pt, w, pt->root, L1_SHIFT, va, end);
}

/* ---------------------------------------------------------------------- */
/* Mapping                                                                 */
/* ---------------------------------------------------------------------- */

/*
 * The next-level table of slot @i of the table at @table_pa, creating it as a
 * pending table if the slot is empty.
 * Assumes: pass CHECK_FREE succeeded for the range (no foreign descriptors).
 * Returns 0 with *child set, -HM_ENOMEM, or -HM_EIO (defensive).
 */
static int ensure_table(struct pt *pt, uint64_t table_pa, unsigned i, uint64_t *child)
{
    uint64_t *slot = &tbl(pt, table_pa)[i];
    enum dkind k = dkind(*slot);
    uint64_t pa;

    if (k == D_VALID || k == D_PENDING) {
        *child = *slot & PTE_ADDR_MASK;
        return 0;
    }
    if (k != D_EMPTY)
        return -HM_EIO;
    pa = get_table(pt);
    if (pa == 0)
        return -HM_ENOMEM;
    set_desc(slot, pa | DESC_PENDING);
    *child = pa;
    return 0;
}

/* Where the frames of a mapping come from: pa + offset, or a callback. */
struct frames {
    uint64_t pa; /* linear: frame of the first page */
    int (*get_frame)(void *ctx, uint64_t va, uint64_t *pa);
    void (*put_frame)(void *ctx, uint64_t pa);
    void *ctx;
};

/*
 * Pass 2 for the page at @v (offset @off in the mapping): its tables, then
 * its frame, recorded as a pending leaf.
 * Returns 0 or an error; on error this page holds no pending leaf. A frame
 * that was obtained but cannot go in a descriptor is left in *@reject with
 * *@rejected set, for the caller to hand back after the rollback, so that
 * frames go back in address order.
 */
static int build_page(struct pt *pt, const struct frames *f, uint64_t v, uint64_t off,
                      bool *rejected, uint64_t *reject)
{
    uint64_t l2, l3, frame = 0;
    int rc;

    *rejected = false;
    rc = ensure_table(pt, pt->root, idx(v, L1_SHIFT), &l2);
    if (rc != 0)
        return rc;
    rc = ensure_table(pt, l2, idx(v, L2_SHIFT), &l3);
    if (rc != 0)
        return rc;
    if (f->get_frame) {
        rc = f->get_frame(f->ctx, v, &frame);
        if (rc != 0)
            return rc < 0 ? rc : -HM_EIO;
        if ((frame & ~PTE_ADDR_MASK) != 0) {
            *rejected = true;
            *reject = frame;
            return -HM_EINVAL;
        }
    } else {
        frame = f->pa + off;
    }
    set_desc(&tbl(pt, l3)[idx(v, L3_SHIFT)], frame | DESC_PENDING);
    return 0;
}

/*
 * Map [va, va + size) with frames from @f: check, build, commit (see the
 * file comment). Assumes the arguments were validated.
 */
static int map_range(struct pt *pt, uint64_t va, uint64_t size, uint64_t attrs,
                     const struct frames *f)
{
    uint64_t end = va + size;
    struct walk w = { .pass = CHECK_FREE };
    int rc;

    rc = walk(pt, &w, va, end);
    if (rc != 0)
        return rc;
    for (uint64_t v = va; v < end; v += PG) {
        uint64_t reject = 0;
        bool rejected = false;

        rc = build_page(pt, f, v, v - va, &rejected, &reject);
        if (rc != 0) {
            /* Pending entries exist only in [va, v]: tables for v may have
             * been added before its frame failed. ROLLBACK cannot fail. */
            w = (struct walk){ .pass = ROLLBACK, .put_frame = f->put_frame, .ctx = f->ctx };
            (void)walk(pt, &w, va, v + PG);
            if (rejected)
                f->put_frame(f->ctx, reject);
            return rc;
        }
    }
    w = (struct walk){ .pass = COMMIT, .attrs = attrs };
    (void)walk(pt, &w, va, end); /* cannot fail after CHECK_FREE */
    return 0;
}

int pt_init(struct pt *pt, const struct pt_ops *ops)
{
    if (!pt || !ops || !ops->alloc_table || !ops->free_table || !ops->to_virt)
        return -HM_EINVAL;
    pt->ops = ops;
    pt->tables = 0;
    pt->root = get_table(pt);
    return pt->root != 0 ? 0 : -HM_ENOMEM;
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs)
{
    struct frames f = { .pa = pa };

    if (!tree_ok(pt) || !va_range_ok(va, size) || !pa_range_ok(pa, size) || !attrs_ok(attrs))
        return -HM_EINVAL;
    return map_range(pt, va, size, attrs, &f);
}

int pt_map_each(struct pt *pt, uint64_t va, uint64_t size, uint64_t attrs,
                int (*get_frame)(void *ctx, uint64_t va, uint64_t *pa),
                void (*put_frame)(void *ctx, uint64_t pa), void *ctx)
{
    struct frames f = { .get_frame = get_frame, .put_frame = put_frame, .ctx = ctx };

    if (!tree_ok(pt) || !va_range_ok(va, size) || !attrs_ok(attrs) || !get_frame || !put_frame)
        return -HM_EINVAL;
    return map_range(pt, va, size, attrs, &f);
}

/* ---------------------------------------------------------------------- */
/* Unmapping, lookup, teardown                                             */
/* ---------------------------------------------------------------------- */

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size,
             void (*unmapped)(void *ctx, uint64_t va, uint64_t pa), void *ctx)
{
    struct walk w = { .pass = CHECK_MAPPED };
    int rc;

    if (!tree_ok(pt) || !va_range_ok(va, size))
        return -HM_EINVAL;
    rc = walk(pt, &w, va, va + size);
    if (rc != 0)
        return rc;
    w = (struct walk){ .pass = UNMAP, .unmapped = unmapped, .ctx = ctx };
    (void)walk(pt, &w, va, va + size); /* cannot fail after CHECK_MAPPED */
    return 0;
}

/* The valid L3 descriptor that maps @va, or -HM_EFAULT. Anything else met on
 * the way (empty, block, pending) means "not usable", hence EFAULT too. */
static int leaf_desc(const struct pt *pt, uint64_t va, uint64_t *desc)
{
    uint64_t d = 0;
    uint64_t table = 0;

    if (!tree_ok(pt) || va >= PT_VA_LIMIT)
        return -HM_EFAULT;
    table = pt->root;
    for (unsigned shift = L1_SHIFT; shift >= L3_SHIFT; shift -= LEVEL_BITS) {
        d = tbl(pt, table)[idx(va, shift)];
        if (dkind(d) != D_VALID)
            return -HM_EFAULT;
        table = d & PTE_ADDR_MASK;
    }
    *desc = d;
    return 0;
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *attrs)
{
    uint64_t d;
    int rc = leaf_desc(pt, va, &d);

    if (rc != 0)
        return rc;
    if (pa)
        *pa = (d & PTE_ADDR_MASK) | (va & PG_MASK);
    if (attrs)
        *attrs = d & ~(PTE_ADDR_MASK | DESC_TYPE_MASK);
    return 0;
}

int pt_user_range_ok(const struct pt *pt, uint64_t va, uint64_t len, bool write)
{
    uint64_t end;

    if (len == 0)
        return 0;
    /* No wrap-around, nothing at or above the TTBR0 limit. */
    if (va >= PT_VA_LIMIT || len > PT_VA_LIMIT - va)
        return -HM_EFAULT;
    end = va + len;
    for (uint64_t p = va & ~PG_MASK; p < end; p += PG) {
        uint64_t d, ap;

        if (leaf_desc(pt, p, &d) != 0)
            return -HM_EFAULT;
        /* D8.4 "Memory access control": AP[1] (bit 6) grants EL0 access,
         * AP[2] (bit 7) makes the page read-only. */
        ap = d & AP_MASK;
        if (ap == PTE_AP_RW || (ap == PTE_AP_RO && !write))
            continue;
        return -HM_EFAULT;
    }
    return 0;
}

/* Free the table at @pa whose entries cover 1 << @shift bytes from @base,
 * with everything below it, reporting valid pages to @unmapped first.
 * Foreign descriptors (blocks) own no table and are skipped. */
static void destroy_table(struct pt *pt, uint64_t pa, unsigned shift, uint64_t base,
                          void (*unmapped)(void *ctx, uint64_t va, uint64_t pa), void *ctx)
{
    const uint64_t *t = tbl(pt, pa);

    for (unsigned i = 0; i < ENTRIES; i++) {
        uint64_t va = base + ((uint64_t)i << shift);
        enum dkind k = dkind(t[i]);

        if (shift == L3_SHIFT) {
            if (k == D_VALID && unmapped)
                unmapped(ctx, va, t[i] & PTE_ADDR_MASK);
        } else if (k == D_VALID || k == D_PENDING) {
            destroy_table(pt, t[i] & PTE_ADDR_MASK, shift - LEVEL_BITS, va, unmapped, ctx);
        }
    }
    put_table(pt, pa);
}

void pt_destroy(struct pt *pt, void (*unmapped)(void *ctx, uint64_t va, uint64_t pa), void *ctx)
{
    if (!tree_ok(pt))
        return;
    destroy_table(pt, pt->root, L1_SHIFT, 0, unmapped, ctx);
    pt->root = 0;
}

uint64_t pt_table_pages(const struct pt *pt)
{
    return pt ? pt->tables : 0;
}
