// SPDX-License-Identifier: MIT
/*
 * frame.c - the kernel's physical frame allocator: buddy zones over the
 * device tree's memory, and the kernel-object caches on top of them.
 *
 * The allocation logic is lib/buddy.c and lib/slab.c (pure, unit-tested on
 * the host); this file finds the memory, keeps the boot's own data out of
 * it, and adds the locks.
 */
#include <kernel.h>
#include <buddy.h>
#include <dt.h>
#include <mm.h>
#include <arch/cpu.h>
#include <panic.h>
#include <printk.h>
#include <slab.h>
#include <string.h>
#include <arch/spinlock.h>

struct zone {
    struct buddy_zone bz;
    spinlock_t lock;
};

static struct zone zones[DT_MAX_REGS];
static unsigned nzones;
static uint64_t total_frames;

#define MAX_HOLES 32

/* Sort holes by base (insertion sort: a handful of entries). */
static void sort_holes(struct mem_hole *h, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        struct mem_hole x = h[i];
        unsigned j = i;
        while (j > 0 && h[j - 1].base > x.base) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = x;
    }
}

/* First page-aligned place of `size` bytes in [base, end) that no hole
 * touches, or 0 if there is none. */
static paddr_t find_gap(paddr_t base, paddr_t end, uint64_t size, const struct mem_hole *h,
                        unsigned n)
{
    paddr_t at = ALIGN_UP(base, PAGE_SIZE);
    if (at == 0)
        at = PAGE_SIZE; /* PA 0 is never handed out: 0 means "no frame" */
    for (unsigned i = 0; i < n; i++) {
        if (h[i].base >= at + size)
            break;
        if (h[i].base + h[i].size > at)
            at = ALIGN_UP(h[i].base + h[i].size, PAGE_SIZE);
    }
    return at + size <= end ? at : 0;
}

void frame_init(const void *fdt, const struct mem_hole *extra, unsigned nextra)
{
    struct dt_range mem[DT_MAX_REGS], res[DT_MAX_REGS];
    struct mem_hole holes[MAX_HOLES];
    unsigned nh = 0;

    int nmem = dt_memory(fdt, mem, DT_MAX_REGS);
    int nres = dt_reserved(fdt, res, DT_MAX_REGS);
    if (nmem <= 0)
        panic("frame: no memory in the device tree");
    for (unsigned i = 0; i < nextra && nh < MAX_HOLES; i++)
        holes[nh++] = extra[i];
    for (int i = 0; i < nres && nh < MAX_HOLES; i++)
        holes[nh++] = (struct mem_hole){ res[i].base, res[i].size, "device-tree reservation" };
    holes[nh++] = (struct mem_hole){ 0, PAGE_SIZE, "page 0" };
    sort_holes(holes, nh);

    for (int i = 0; i < nmem; i++) {
        paddr_t base = ALIGN_UP(mem[i].base, PAGE_SIZE);
        paddr_t end = ALIGN_DOWN(mem[i].base + mem[i].size, PAGE_SIZE);
        if (end <= base)
            continue;
        uint64_t nframes = (end - base) / PAGE_SIZE;
        uint64_t meta = ALIGN_UP(buddy_meta_size(nframes), PAGE_SIZE);
        paddr_t meta_pa = find_gap(base, end, meta, holes, nh);
        if (!meta_pa || nh == MAX_HOLES) {
            printk("frame: skipping 0x%lx-0x%lx: no room for its metadata\n", base, end - 1);
            continue;
        }
        holes[nh++] = (struct mem_hole){ meta_pa, meta, "frame metadata" };
        sort_holes(holes, nh);

        struct zone *z = &zones[nzones];
        if (buddy_init(&z->bz, base, nframes, phys_to_virt(meta_pa), meta) < 0)
            panic("frame: buddy_init failed for 0x%lx+%lu frames", base, nframes);
        /* Release everything between the holes. */
        paddr_t at = base;
        for (unsigned h = 0; h <= nh; h++) {
            paddr_t stop = h < nh ? holes[h].base : end;
            if (stop > end)
                stop = end;
            if (stop > at)
                buddy_release_range(&z->bz, at, stop - at);
            if (h < nh && holes[h].base + holes[h].size > at)
                at = ALIGN_UP(holes[h].base + holes[h].size, PAGE_SIZE);
            if (at >= end)
                break;
        }
        total_frames += buddy_free_frames(&z->bz);
        nzones++;
    }
    if (!total_frames)
        panic("frame: no usable memory after the reservations");
    printk("frame: %lu free frames (%lu MiB) in %u zone(s)\n", total_frames,
           total_frames * PAGE_SIZE / MiB, nzones);
}

paddr_t frame_alloc(unsigned order)
{
    for (unsigned i = 0; i < nzones; i++) {
        spin_lock(&zones[i].lock);
        paddr_t pa = buddy_alloc(&zones[i].bz, order);
        spin_unlock(&zones[i].lock);
        if (pa) {
            cpu_zero_blocks(phys_to_virt(pa), (uint64_t)PAGE_SIZE << order);
            return pa;
        }
    }
    return 0;
}

void frame_free(paddr_t pa, unsigned order)
{
    for (unsigned i = 0; i < nzones; i++) {
        if (!buddy_contains(&zones[i].bz, pa))
            continue;
        spin_lock(&zones[i].lock);
        int err = buddy_free(&zones[i].bz, pa, order);
        spin_unlock(&zones[i].lock);
        BUG_ON(err < 0);
        return;
    }
    panic("frame_free: 0x%lx is in no zone", pa);
}

uint64_t frame_free_count(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < nzones; i++)
        n += buddy_free_frames(&zones[i].bz);
    return n;
}

uint64_t frame_total_count(void)
{
    return total_frames;
}

void frame_span(paddr_t *lo, paddr_t *hi)
{
    *lo = ~(paddr_t)0;
    *hi = 0;
    for (unsigned i = 0; i < nzones; i++) {
        paddr_t b = zones[i].bz.base, e = b + zones[i].bz.nframes * PAGE_SIZE;
        *lo = b < *lo ? b : *lo;
        *hi = e > *hi ? e : *hi;
    }
}

/* ---- kernel objects -------------------------------------------------- */

struct kobj_cache {
    struct slab_cache cache;
    spinlock_t lock;
};
static struct kobj_cache caches[KC_COUNT];

static void *slab_get_page(void *ctx)
{
    (void)ctx;
    paddr_t pa = frame_alloc(0);
    return pa ? phys_to_virt(pa) : NULL;
}

static void slab_put_page(void *ctx, void *page)
{
    (void)ctx;
    frame_free(virt_to_phys(page), 0);
}

static const struct slab_page_ops slab_ops = { slab_get_page, slab_put_page, NULL };

/* Sizes are set by the owners of each type (proc.c, sched.c, ...). */
extern const size_t kcache_size[KC_COUNT];
static const char *const kcache_name[KC_COUNT] = { "proc",    "thread", "memobj", "region",
                                                   "service", "conn",   "notify" };

void kobj_init(void)
{
    for (unsigned i = 0; i < KC_COUNT; i++)
        if (slab_init(&caches[i].cache, kcache_name[i], kcache_size[i], 16, &slab_ops) < 0)
            panic("kobj: cannot make the %s cache (object size %lu)", kcache_name[i],
                  kcache_size[i]);
}

void *kobj_alloc(enum kcache kc)
{
    spin_lock(&caches[kc].lock);
    void *p = slab_alloc(&caches[kc].cache);
    spin_unlock(&caches[kc].lock);
    return p;
}

void kobj_free(enum kcache kc, void *obj)
{
    spin_lock(&caches[kc].lock);
    int err = slab_free(&caches[kc].cache, obj);
    /* Keep no empty pages around: the leak checks count free frames. */
    slab_reclaim(&caches[kc].cache);
    spin_unlock(&caches[kc].lock);
    BUG_ON(err < 0);
}

void kobj_report(void)
{
    for (unsigned i = 0; i < KC_COUNT; i++)
        printk("kobj: %s: %lu live\n", kcache_name[i], slab_live(&caches[i].cache));
}

uint64_t kobj_pages(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KC_COUNT; i++) {
        spin_lock(&caches[i].lock);
        n += slab_pages(&caches[i].cache);
        spin_unlock(&caches[i].lock);
    }
    return n;
}

uint64_t kobj_live(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < KC_COUNT; i++)
        n += slab_live(&caches[i].cache);
    return n;
}
