// SPDX-License-Identifier: MIT
/* pool.c - a service's pages, in chunks from the kernel (pool.h). */
#include <string.h>
#include "hm.h"
#include <hm/pager.h>
#include "pool.h"

void pool_init(struct pool *p, uintptr_t base, unsigned slot_base, unsigned limit_pages, bool lends)
{
    memset(p, 0, sizeof(*p));
    p->base = base;
    p->slot_base = slot_base;
    p->limit = limit_pages < POOL_MAX_PAGES ? limit_pages : POOL_MAX_PAGES;
    p->lends = lends;
}

long pool_index(const struct pool *p, const void *page)
{
    uintptr_t a = (uintptr_t)page;
    if (a < p->base || a >= p->base + (uintptr_t)POOL_MAX_CHUNKS * POOL_CHUNK ||
        (a & (POOL_PAGE - 1)))
        return -1;
    return (long)((a - p->base) / POOL_PAGE);
}

long pool_lent(const void *page)
{
    return hm_syscall1(HM_SYS_PAGE_LENT, (unsigned long)page);
}

static bool chunk_map(struct pool *p, unsigned c)
{
    unsigned slot = p->slot_base + c;
    void *va = (void *)(p->base + (uintptr_t)c * POOL_CHUNK);
    if (hm_mem_create(POOL_CHUNK, slot) < 0)
        return false;
    if (hm_mem_map(slot, va, HM_PROT_READ | HM_PROT_WRITE) < 0) {
        hm_cap_delete(slot);
        return false;
    }
    p->chunk_mapped[c] = true;
    return true;
}

/* The chunk's last page went: back to the kernel (the mapping and the
 * capability were all that held it). */
static void chunk_unmap(struct pool *p, unsigned c)
{
    hm_unmap((void *)(p->base + (uintptr_t)c * POOL_CHUNK), POOL_CHUNK);
    hm_cap_delete(p->slot_base + c);
    p->chunk_mapped[c] = false;
}

void *pool_alloc(struct pool *p)
{
    if (p->held + p->deferred >= p->limit && !(p->deferred && pool_collect(p)))
        return NULL;
    if (p->held + p->deferred >= p->limit)
        return NULL;
    /* The fullest mapped chunk with room (keeps the others free to go back). */
    int best = -1;
    for (unsigned c = 0; c < POOL_MAX_CHUNKS; c++)
        if (p->chunk_mapped[c] && p->chunk_used[c] < POOL_CHUNK_PAGES &&
            (best < 0 || p->chunk_used[c] > p->chunk_used[best]))
            best = (int)c;
    for (unsigned c = 0; best < 0 && c < POOL_MAX_CHUNKS; c++)
        if (!p->chunk_mapped[c] && (c + 1) * POOL_CHUNK_PAGES <= POOL_MAX_PAGES) {
            if (!chunk_map(p, c))
                return NULL;
            best = (int)c;
        }
    if (best < 0)
        return NULL;
    unsigned first = (unsigned)best * POOL_CHUNK_PAGES;
    for (unsigned i = first; i < first + POOL_CHUNK_PAGES; i++) {
        if (p->state[i] != POOL_FREE)
            continue;
        p->state[i] = POOL_USED;
        p->chunk_used[best]++;
        p->held++;
        void *page = pool_page(p, i);
        memset(page, 0, POOL_PAGE);
        return page;
    }
    return NULL; /* not reached: the chunk had room */
}

static void release(struct pool *p, unsigned i)
{
    unsigned c = i / POOL_CHUNK_PAGES;
    p->state[i] = POOL_FREE;
    if (--p->chunk_used[c] == 0)
        chunk_unmap(p, c);
}

void pool_free(struct pool *p, void *page)
{
    long i = pool_index(p, page);
    if (i < 0 || p->state[i] != POOL_USED)
        return; /* not ours, or freed twice: a bug in the service, ignored */
    p->held--;
    if (p->lends && pool_lent(page) > 0) {
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
        if (p->state[i] == POOL_DEFERRED && pool_lent(pool_page(p, i)) == 0) {
            p->deferred--;
            release(p, i);
            n++;
        }
    }
    return n;
}
