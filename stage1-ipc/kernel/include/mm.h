// SPDX-License-Identifier: MIT
/*
 * mm.h - physical frames and kernel objects.
 *
 * Frames: one buddy zone (lib/buddy.c) per device-tree memory range, each
 * behind its own lock.  Everything the boot must keep (kernel image, device
 * tree, initramfs, /memreserve/ and /reserved-memory, the allocator's own
 * metadata) is never handed out.
 *
 * Kernel objects: one slab cache (lib/slab.c) per object type.  Their live
 * counts are what tests compare before and after a run to find leaks.
 */
#ifndef MM_H
#define MM_H

#include <kernel.h>
#include <arch/mmu.h>

/** Address of physical memory in the kernel's linear map. */
static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)pa_to_linear(pa);
}
static inline paddr_t virt_to_phys(const void *va)
{
    return linear_to_pa((uint64_t)va);
}

/** A range the frame allocator must not hand out. */
struct mem_hole {
    paddr_t base;
    uint64_t size;
    const char *why;
};

/** Build the zones from the device tree's memory minus `holes` (and the
 *  device tree's own reservations).  Panics only if no memory is usable. */
void frame_init(const void *fdt, const struct mem_hole *holes, unsigned nholes);
/** 2^order contiguous, naturally aligned frames, zeroed; 0 when out of memory. */
paddr_t frame_alloc(unsigned order);
/** Give back what frame_alloc(order) returned.  A bad address or order is a
 *  kernel bug (BUG_ON): user input never reaches here unchecked. */
void frame_free(paddr_t pa, unsigned order);
uint64_t frame_free_count(void);
uint64_t frame_total_count(void);
/** The lowest and highest (exclusive) physical address of any frame the
 *  allocator manages: every frame it hands out lies in [*lo, *hi). */
void frame_span(paddr_t *lo, paddr_t *hi);

/** Kernel object types, each with its own cache. */
enum kcache {
    KC_PROC,
    KC_THREAD,
    KC_MEMOBJ,
    KC_REGION,
    KC_SERVICE,
    KC_CONN,
    KC_NOTIFY,
    KC_COUNT
};
void kobj_init(void);
/** A zeroed object of the type, or NULL when out of memory. */
void *kobj_alloc(enum kcache kc);
void kobj_free(enum kcache kc, void *obj);
/** Objects alive, all types. */
uint64_t kobj_live(void);
/** Pages the object caches hold (live objects' pages; empty ones go back). */
uint64_t kobj_pages(void);
/** Print the live objects of each type (leak reports). */
void kobj_report(void);

#endif
