// SPDX-License-Identifier: MIT
/* pool.c - a service's pages, in chunks from the kernel (pool.h).
 * Freestanding: it runs in a process and in the kernel alike. */
#include "pool.h"

void pool_init(struct pool *p, const struct pool_ops *ops, unsigned limit_pages)
{
    __builtin_memset(p, 0, sizeof(*p));
    p->ops = ops;
    p->limit = limit_pages < POOL_MAX_PAGES ? limit_pages : POOL_MAX_PAGES;
    p->spare = -1;
}

long pool_index(const struct pool *p, const void *page)
{
    uintptr_t a = (uintptr_t)page;
    if (a & (POOL_PAGE - 1))
        return -1;
    for (unsigned c = 0; c < POOL_MAX_CHUNKS; c++)
        if (p->chunk_mapped[c] && a >= p->chunk_va[c] && a < p->chunk_va[c] + POOL_CHUNK)
            return (long)(c * POOL_CHUNK_PAGES + (a - p->chunk_va[c]) / POOL_PAGE);
    return -1;
}

long pool_lent(const struct pool *p, const void *page)
{
    return p->ops->lent ? p->ops->lent(p->ops->ctx, page) : 0;
}

void pool_zero(void *p, size_t len)
{
    uint64_t dczid;
    __asm__("mrs %0, dczid_el0" : "=r"(dczid));
    uint64_t bs = 4ul << (dczid & 15);
    if ((dczid & 16) || bs > POOL_PAGE) {
        __builtin_memset(p, 0, len);
        return;
    }
    for (char *a = p, *e = a + len; a < e; a += bs)
        __asm__ volatile("dc zva, %0" ::"r"(a) : "memory");
}

static void zero_page(void *page)
{
    pool_zero(page, POOL_PAGE);
}

static bool chunk_map(struct pool *p, unsigned c)
{
    void *va = p->ops->get(p->ops->ctx, c);
    if (!va)
        return false;
    p->chunk_va[c] = (uintptr_t)va;
    p->chunk_mapped[c] = true;
    /* Its pages onto the free list, the lowest first out. */
    for (unsigned i = (c + 1) * POOL_CHUNK_PAGES; i-- > c * POOL_CHUNK_PAGES;) {
        p->state[i] = POOL_FREE_ZERO; /* the kernel zeroed the memory object */
        p->next[i] = p->free_head;
        p->free_head = i + 1;
    }
    return true;
}

/* The chunk's last page went: off the free list, and back to the kernel
 * (the mapping and the capability were all that held it). */
static void chunk_unmap(struct pool *p, unsigned c)
{
    uint32_t *link = &p->free_head;
    while (*link) {
        if ((*link - 1) / POOL_CHUNK_PAGES == c)
            *link = p->next[*link - 1];
        else
            link = &p->next[*link - 1];
    }
    p->ops->put(p->ops->ctx, c, (void *)p->chunk_va[c]);
    p->chunk_mapped[c] = false;
}

void *pool_alloc(struct pool *p)
{
    if (p->held + p->deferred >= p->limit && !(p->deferred && pool_collect(p)))
        return NULL;
    if (p->held + p->deferred >= p->limit)
        return NULL;
    for (unsigned c = 0; !p->free_head && c < POOL_MAX_CHUNKS; c++)
        if (!p->chunk_mapped[c] && !chunk_map(p, c))
            return NULL; /* the kernel has no memory left */
    if (!p->free_head)
        return NULL;
    unsigned i = p->free_head - 1, c = i / POOL_CHUNK_PAGES;
    p->free_head = p->next[i];
    bool zero = p->state[i] == POOL_FREE_ZERO;
    p->state[i] = POOL_USED;
    p->chunk_used[c]++;
    if (p->spare == (int)c)
        p->spare = -1; /* in use again */
    p->held++;
    void *page = pool_page(p, i);
    if (!zero)
        zero_page(page);
    return page;
}

static void release(struct pool *p, unsigned i)
{
    unsigned c = i / POOL_CHUNK_PAGES;
    p->state[i] = POOL_FREE;
    p->next[i] = p->free_head;
    p->free_head = i + 1;
    if (--p->chunk_used[c] == 0) {
        if (p->spare >= 0)
            chunk_unmap(p, (unsigned)p->spare);
        p->spare = (int)c;
    }
}

void pool_trim(struct pool *p)
{
    if (p->spare >= 0)
        chunk_unmap(p, (unsigned)p->spare);
    p->spare = -1;
}

void pool_free(struct pool *p, void *page)
{
    long i = pool_index(p, page);
    if (i < 0 || p->state[i] != POOL_USED)
        return; /* not ours, or freed twice: a bug in the service, ignored */
    p->held--;
    if (pool_lent(p, page) > 0) {
        p->state[i] = POOL_DEFERRED; /* still mapped somewhere */
        p->deferred++;
        return;
    }
    release(p, (unsigned)i);
}

unsigned pool_collect(struct pool *p)
{
    unsigned n = 0;
    for (unsigned i = 0; p->deferred && i < POOL_MAX_PAGES; i++) {
        if (p->state[i] == POOL_DEFERRED && pool_lent(p, pool_page(p, i)) == 0) {
            p->deferred--;
            release(p, i);
            n++;
        }
    }
    return n;
}
