// SPDX-License-Identifier: MIT
/*
 * pool.h - pages for a service in user space, taken from the kernel in
 * chunks (memory objects of POOL_CHUNK bytes, mapped into the service) and
 * handed out one 4 KiB page at a time.  Chunks come when needed and go
 * back to the kernel when every page of one is free again, all but one:
 * the last chunk emptied stays as a spare (so that a service freeing and
 * allocating around a chunk's edge does not map and unmap a MiB each
 * time) until pool_trim() or until another one empties.  Pages of memory objects are
 * what a pager can lend (uapi/hm/pager.h); a lending pool (`lends`) frees a
 * page only once the kernel says it is mapped nowhere, and keeps the rest
 * aside until then (pool_collect()).
 * Not thread-safe: the service serialises.
 */
#ifndef POOL_H
#define POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_PAGE 4096u
#define POOL_CHUNK (1024u * 1024)                 /* one memory object */
#define POOL_CHUNK_PAGES (POOL_CHUNK / POOL_PAGE) /* 256 */
#define POOL_MAX_CHUNKS 32                        /* 32 MiB at most */
#define POOL_MAX_PAGES (POOL_MAX_CHUNKS * POOL_CHUNK_PAGES)

struct pool {
    uintptr_t base;                       /* chunk i at base + i * POOL_CHUNK */
    unsigned slot_base;                   /* chunk i's memory capability in slot slot_base + i */
    unsigned limit;                       /* pages it may hold at most (the memory budget) */
    bool lends;                           /* its pages may be lent to other processes */
    unsigned held;                        /* pages in use */
    unsigned deferred;                    /* freed but still lent somewhere: not reusable yet */
    uint32_t chunk_used[POOL_MAX_CHUNKS]; /* pages in use (or deferred) per chunk; */
    bool chunk_mapped[POOL_MAX_CHUNKS];   /* a chunk is mapped while any is */
    uint8_t state[POOL_MAX_PAGES];        /* POOL_FREE / POOL_USED / POOL_DEFERRED */
    uint32_t free_head;                   /* free pages of mapped chunks: index + 1, 0 = none */
    uint32_t next[POOL_MAX_PAGES];        /* the free list's links (index + 1) */
    int spare;                            /* an empty chunk kept mapped, or -1 */
};

enum {
    POOL_FREE = 0,
    POOL_USED = 1,
    POOL_DEFERRED = 2,
    POOL_FREE_ZERO = 3 /* free and still zero (fresh from the kernel) */
};

/** An empty pool: chunks go at [base, base + POOL_MAX_CHUNKS * POOL_CHUNK)
 *  (address space the caller reserved) with capabilities in slots
 *  slot_base.., at most limit_pages pages held. */
void pool_init(struct pool *p, uintptr_t base, unsigned slot_base, unsigned limit_pages,
               bool lends);
/** A zeroed page, or NULL (the limit reached, or the kernel has no memory). */
void *pool_alloc(struct pool *p);
/** Give a page back (deferred while the kernel says it is lent). */
void pool_free(struct pool *p, void *page);
/** Give the spare chunk, if any, back to the kernel. */
void pool_trim(struct pool *p);
/** Free the deferred pages that are lent no more; how many were. */
unsigned pool_collect(struct pool *p);
/** Page number (0..POOL_MAX_PAGES) of a page of the pool, or -1. */
long pool_index(const struct pool *p, const void *page);
static inline void *pool_page(const struct pool *p, unsigned index)
{
    return (void *)(p->base + (uintptr_t)index * POOL_PAGE);
}
/** How many times the kernel says the page is lent now (0 if never). */
long pool_lent(const void *page);

#endif
