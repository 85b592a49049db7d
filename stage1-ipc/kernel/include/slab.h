// SPDX-License-Identifier: MIT
/*
 * slab.h - caches of fixed-size kernel objects (threads, address spaces,
 * capability tables...), carved from 4 KiB pages.
 *
 * The idea is Bonwick's slab allocator (USENIX Summer 1994, "The Slab
 * Allocator: An Object-Caching Kernel Memory Allocator"), reduced to what a
 * small kernel needs: one cache per object type, each page ("slab") cut into
 * equal slots, pages kept on lists by how full they are, so allocation and
 * free are O(1) and objects of one type never fragment memory for another.
 *
 * Each page starts with a header (owner cache, list links, a bitmap of live
 * slots); the page of an object is found by masking its address to 4 KiB.
 * The bitmap makes double frees and foreign pointers detectable; there is no
 * free list threaded through free objects, so a write to a freed object
 * cannot corrupt the allocator.
 *
 * Pages come from a callback (the kernel: a buddy frame, seen through the
 * linear map), so this module needs no memory of its own and is host
 * testable. No locks, no global state: the kernel wraps each cache in a lock.
 * Errors are negated HM_E* codes from <uapi/hm/syscall.h>.
 */
#ifndef SLAB_H
#define SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Size of the pages the callback hands out; they must be aligned to it. */
#define SLAB_PAGE_SIZE 4096u

/** Largest object size a cache accepts. */
#define SLAB_MAX_OBJ 2048u

/** Largest alignment a cache accepts (a power of two). */
#define SLAB_MAX_ALIGN 64u

/** Smallest slot: smaller objects still take this many bytes (bounds the bitmap). */
#define SLAB_MIN_SLOT 8u

/**
 * @brief Where a cache gets its pages from.
 *
 * get_page returns a SLAB_PAGE_SIZE-aligned page of SLAB_PAGE_SIZE bytes
 * (contents arbitrary) or NULL when out of memory; put_page takes back a page
 * get_page returned. The table is copied by slab_init().
 */
struct slab_page_ops {
    void *(*get_page)(void *ctx);            /**< a new page, or NULL */
    void (*put_page)(void *ctx, void *page); /**< return a page */
    void *ctx;                               /**< passed to both */
};

struct slab_page; /* page header, private to slab.c */

/**
 * @brief A cache of objects of one size. The caller allocates it; only slab_*
 *        functions should change it. Fields are public for debuggers.
 */
struct slab_cache {
    const char *name;          /**< for diagnostics (not copied) */
    struct slab_page_ops ops;  /**< page source */
    uint32_t obj_size;         /**< bytes the caller asked for (zeroed on alloc) */
    uint32_t slot;             /**< distance between objects: obj_size rounded up */
    uint32_t first;            /**< offset of slot 0 in a page (after the header) */
    uint32_t per_page;         /**< slots per page */
    struct slab_page *partial; /**< pages with live and free slots */
    struct slab_page *full;    /**< pages with no free slot */
    struct slab_page *empty;   /**< at most one page with no live slot, kept for reuse */
    size_t live;               /**< objects allocated and not freed */
    size_t pages;              /**< pages held (on any list) */
};

/**
 * @brief Set up an empty cache (no page is taken yet).
 * @param c        cache to initialise (untouched on error)
 * @param name     name for diagnostics; must outlive the cache (may be NULL)
 * @param obj_size object size, 1 .. SLAB_MAX_OBJ
 * @param align    object alignment, a power of two <= SLAB_MAX_ALIGN
 * @param ops      page source; both callbacks required
 * @return 0, or -HM_EINVAL for a bad argument.
 */
int slab_init(struct slab_cache *c, const char *name, size_t obj_size, size_t align,
              const struct slab_page_ops *ops);

/**
 * @brief Allocate one object, zeroed, aligned as slab_init() asked.
 * @return the object, or NULL if @p c is NULL or a page was needed and
 *         get_page failed (or returned a misaligned page, which is given back).
 */
void *slab_alloc(struct slab_cache *c);

/**
 * @brief Free an object of this cache.
 *
 * @p obj must be NULL or point into readable memory (any kernel pointer): the
 * header of its 4 KiB page is read to decide whether the page is ours.
 *
 * @return 0, or -HM_EINVAL (and nothing changes) if @p obj is not a live
 *         object of @p c: NULL, a page of another cache or no cache, not at
 *         the start of a slot, inside the header, or already free.
 */
int slab_free(struct slab_cache *c, void *obj);

/** @brief Objects allocated and not yet freed (0 for NULL). */
size_t slab_live(const struct slab_cache *c);

/** @brief Pages the cache holds, including a cached empty one (0 for NULL). */
size_t slab_pages(const struct slab_cache *c);

/** @brief Give every completely free page back through put_page. */
void slab_reclaim(struct slab_cache *c);

/**
 * @brief Check the cache's invariants; for tests and debug builds. O(pages).
 *
 * Every page on a list belongs to this cache, is on the list its fill level
 * says (partial, full, or the one empty page), has a live-slot count equal to
 * its bitmap's, and the page and object totals agree with the counters.
 *
 * @return true if the cache is consistent.
 */
bool slab_check(const struct slab_cache *c);

#endif
