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
 * aside until then (pool_collect()).  The chunks come through ops: the
 * same pool serves a process (IC2) and the kernel (IC0).
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

/** Where a pool's chunks come from: a user host's memory objects
 *  (pool_user.c) or, in the kernel, the kernel's (kernel/mm_ic0.c). */
struct pool_ops {
    /** Chunk number c: POOL_CHUNK bytes of a memory object, zeroed and
     *  mapped read-write, its address; NULL if there is no memory. */
    void *(*get)(void *ctx, unsigned c);
    /** Give chunk c (at va) back. */
    void (*put)(void *ctx, unsigned c, void *va);
    /** How many times the page is lent now (NULL: never lent). */
    long (*lent)(void *ctx, const void *page);
    void *ctx;
};

struct pool {
    const struct pool_ops *ops;
    uintptr_t chunk_va[POOL_MAX_CHUNKS];  /* where chunk c is, while mapped */
    unsigned limit;                       /* pages it may hold at most (the memory budget) */
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

/** An empty pool whose chunks come through ops, at most limit_pages
 *  pages held. */
void pool_init(struct pool *p, const struct pool_ops *ops, unsigned limit_pages);
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
    return (void *)(p->chunk_va[index / POOL_CHUNK_PAGES] +
                    (uintptr_t)(index % POOL_CHUNK_PAGES) * POOL_PAGE);
}
/** How many times the page is lent now (0 if never). */
long pool_lent(const struct pool *p, const void *page);
/** Zero len bytes at p (both whole pages): DC ZVA a block at a time where
 *  allowed (at EL0 the kernel sets SCTLR_EL1.DZE; an IC1 domain may too),
 *  else memset. */
void pool_zero(void *p, size_t len);

/* A user host's chunks (pool_user.c): memory objects in capability slots
 * slot_base.., mapped at base + c * POOL_CHUNK (address space it reserved,
 * POOL_MAX_CHUNKS chunks long); lent pages counted by the kernel. */
struct pool_user {
    uintptr_t base;
    unsigned slot_base;
};
extern const struct pool_ops pool_user_ops;      /* ctx: a struct pool_user */
extern const struct pool_ops pool_user_ops_lent; /* the same, for pages a pager lends */

#endif
