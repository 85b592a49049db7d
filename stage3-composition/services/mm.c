// SPDX-License-Identifier: MIT
/*
 * mm.c - the memory manager: anonymous and file mappings of its clients,
 * filled on first touch by serving the page faults the kernel forwards
 * (uapi/hm/pager.h).  Its messages: mm_proto.h; its hosts: mm.h.
 *
 * A mapping is a range the client reserved and asked for (MM_MAP,
 * MM_MAP_FILE); the memory manager makes it a paged region of the client
 * with a cookie naming the mapping, and serves each fault in it:
 *   anonymous   a zeroed page of its pool;
 *   file        separated: a page of its pool holding a copy of the file's
 *               bytes, read from the file system by IPC (written back when
 *               the mapping goes); coalesced: the file system's own page
 *               cache page, mapped as it is.
 * Each mapping records the page it lent at each offset, so that unmapping
 * (or collecting after a client that left without unmapping) knows what to
 * free.  The kernel's per-page lending count says when a page is mapped
 * nowhere any more: the pool never reuses a page before that.
 */
#include <hm/pager.h>
#include <hm/syscall.h>
#include "mm.h"

#ifndef MM_CLASS
#error "build with -DMM_CLASS=0, 1 or 2: the isolation class it runs in (MM_INFO says it)"
#endif
#include "mm_proto.h"
#include "tmpfs.h"

enum {
    MAP_ANON = 1,
    MAP_FILE = 2
};

struct mapping {
    uint64_t va, len;
    uint32_t pid; /* the client (the process that asked) */
    uint16_t gen; /* in the cookie: a stale region's fault is refused */
    uint8_t used, kind;
    unsigned prot;
    uint32_t ino, pgoff;
    uint32_t *pages; /* per page: pool index + 1 of the page lent there, or 0 */
    uint32_t present;
};

static struct mapping maps[MM_MAPPINGS];
static struct mm_host host;
static uint64_t faults;

void mm_init(const struct mm_host *h)
{
    host = *h;
}

static bool coalesced(void)
{
    return host.fs != NULL;
}

static uint64_t cookie_of(const struct mapping *mp)
{
    return (uint64_t)(mp - maps) | (uint64_t)mp->gen << 16;
}

static bool file_ok(uint32_t ino)
{
    if (coalesced()) {
        struct tmpfs_stat st;
        return tmpfs_stat(host.fs, ino, &st) == 0 && st.type == TMPFS_FILE;
    }
    return host.file_read(ino, 0, NULL, 0) == 0;
}

static void release(struct mapping *mp);
static void *alloc_page(void);

static long map(uint64_t va, uint64_t len, unsigned prot, unsigned kind, uint32_t ino,
                uint32_t pgoff)
{
    bool populate = kind == MAP_ANON && (prot & MM_POPULATE);
    prot &= ~MM_POPULATE;
    if (len == 0 || len > MM_MAP_MAX || (va | len) & (POOL_PAGE - 1))
        return -HM_EINVAL;
    if (kind == MAP_FILE && ((uint64_t)pgoff + len / POOL_PAGE > TMPFS_FILE_PAGES))
        return -HM_EFBIG;
    if (kind == MAP_FILE && !file_ok(ino))
        return -HM_ENOENT;
    struct mapping *mp = NULL;
    for (unsigned i = 0; !mp && i < MM_MAPPINGS; i++)
        if (!maps[i].used)
            mp = &maps[i];
    if (!mp)
        return -HM_ENOSPC;
    uint32_t *pages = pool_alloc(host.pool); /* 1024 entries: more than MM_MAP_MAX needs */
    if (!pages)
        return -HM_ENOMEM;
    mp->gen++;
    long r = host.k->region(va, len, prot, cookie_of(mp));
    if (r < 0) {
        pool_free(host.pool, pages);
        return r;
    }
    mp->va = va;
    mp->len = len;
    mp->pid = host.k->caller();
    mp->used = 1;
    mp->kind = (uint8_t)kind;
    mp->prot = prot;
    mp->ino = ino;
    mp->pgoff = pgoff;
    mp->pages = pages;
    mp->present = 0;
    for (uint64_t pg = 0; populate && pg < len / POOL_PAGE; pg++) {
        void *page = alloc_page();
        r = page ? host.k->map(page, va + pg * POOL_PAGE, prot) : -HM_ENOMEM;
        if (page) { /* recorded even if the map failed: released below */
            mp->pages[pg] = (uint32_t)pool_index(host.pool, page) + 1;
            mp->present++;
        }
        if (r < 0) { /* as if never asked */
            host.k->unmap(va, len);
            release(mp);
            return r;
        }
    }
    return 0;
}

/* Forget a mapping whose pages are mapped nowhere now: file copies go
 * back to the file system (separated), owned pages to the pool. */
static void release(struct mapping *mp)
{
    for (uint64_t pg = 0; pg < mp->len / POOL_PAGE; pg++) {
        if (!mp->pages[pg])
            continue;
        void *page = pool_page(host.pool, mp->pages[pg] - 1);
        if (mp->kind == MAP_FILE && coalesced())
            continue; /* the page cache's page: the file system's */
        if (mp->kind == MAP_FILE && (mp->prot & HM_PROT_WRITE))
            host.file_write(mp->ino, ((uint64_t)mp->pgoff + pg) * POOL_PAGE, page, POOL_PAGE);
        pool_free(host.pool, page);
    }
    pool_free(host.pool, mp->pages);
    mp->pages = NULL;
    mp->used = 0;
}

static long unmap(uint64_t va, uint64_t len)
{
    uint32_t pid = host.k->caller();
    for (unsigned i = 0; i < MM_MAPPINGS; i++) {
        struct mapping *mp = &maps[i];
        if (mp->used && mp->pid == pid && mp->va == va && mp->len == len) {
            /* Fails only if the client already unmapped (part of) it itself. */
            host.k->unmap(va, len);
            release(mp);
            return 0;
        }
    }
    return -HM_EINVAL;
}

/* Mappings whose client has left (ended, or unmapped them itself): every
 * page they lent is lent no more; and the pool's spare chunk goes back to
 * the kernel.  Returns the pages freed. */
static long collect(void)
{
    unsigned before = host.pool->held + host.pool->deferred;
    for (unsigned i = 0; i < MM_MAPPINGS; i++) {
        struct mapping *mp = &maps[i];
        if (!mp->used)
            continue;
        if (!host.k->alive(mp->pid)) {
            release(mp); /* its client has ended: its pages are lent nowhere */
            continue;
        }
        if (mp->present == 0)
            continue;     /* never touched: nothing tells whether it is still there */
        bool gone = true; /* the client unmapped every page itself */
        for (uint64_t pg = 0; gone && pg < mp->len / POOL_PAGE; pg++)
            if (mp->pages[pg] && pool_lent(host.pool, pool_page(host.pool, mp->pages[pg] - 1)) > 0)
                gone = false;
        if (gone)
            release(mp);
    }
    pool_collect(host.pool);
    pool_trim(host.pool);
    return (long)(before - (host.pool->held + host.pool->deferred));
}

/* A zeroed page.  When the pool is at its limit: what departed clients
 * left, and (coalesced) the page cache's least recently used clean page:
 * one LRU for file and anonymous memory. */
static void *alloc_page(void)
{
    void *page = pool_alloc(host.pool);
    if (!page && collect() > 0)
        page = pool_alloc(host.pool);
    if (!page && coalesced() && tmpfs_reclaim(host.fs, 1))
        page = pool_alloc(host.pool);
    return page;
}

/* The page for offset pg of a file mapping. */
static void *file_page(struct mapping *mp, uint64_t pg, long *err)
{
    uint64_t off = ((uint64_t)mp->pgoff + pg) * POOL_PAGE;
    if (coalesced()) {
        /* LAB 3 TODO BEGIN(return (*err = -HM_ENOSYS, NULL)): coalesced: the page cache's own page at off, none past the end of the file */
        struct tmpfs_stat st;
        if (tmpfs_stat(host.fs, mp->ino, &st) < 0 || off >= st.size) {
            *err = -HM_EFAULT; /* past the end of the file (or it is gone) */
            return NULL;
        }
        void *page = tmpfs_page(host.fs, mp->ino, off / POOL_PAGE,
                                TMPFS_PG_CREATE | (mp->prot & HM_PROT_WRITE ? TMPFS_PG_DIRTY : 0));
        *err = page ? 0 : -HM_ENOMEM;
        return page;
        /* LAB 3 TODO END */
    }
    void *page = alloc_page();
    if (!page) {
        *err = -HM_ENOMEM;
        return NULL;
    }
    long n = host.file_read(mp->ino, off, page, POOL_PAGE);
    if (n <= 0) {
        pool_free(host.pool, page);
        *err = n < 0 ? n : -HM_EFAULT; /* past the end */
        return NULL;
    }
    return page;
}

static long fault(uint64_t addr, unsigned access, uint64_t cookie, uint64_t start)
{
    struct mapping *mp = &maps[(cookie & 0xffff) % MM_MAPPINGS];
    if (!mp->used || mp->gen != (uint16_t)(cookie >> 16) || mp->va != start)
        return -HM_EFAULT;
    if (((access & HM_FAULT_WRITE) && !(mp->prot & HM_PROT_WRITE)) ||
        ((access & HM_FAULT_EXEC) && !(mp->prot & HM_PROT_EXEC)))
        return -HM_EPERM;
    uint64_t pg = (addr - start) / POOL_PAGE;
    void *page = NULL;
    long err = 0;
    if (mp->pages[pg] && !(mp->kind == MAP_FILE && coalesced()))
        page = pool_page(host.pool, mp->pages[pg] - 1); /* mapped before: again */
    else if (mp->kind == MAP_FILE)
        page = file_page(mp, pg, &err);
    else if (!(page = alloc_page()))
        err = -HM_ENOMEM;
    if (!page)
        return err;
    if (!mp->pages[pg])
        mp->present++;
    mp->pages[pg] = (uint32_t)pool_index(host.pool, page) + 1;
    faults++;
    return host.k->map(page, addr & ~(uint64_t)(POOL_PAGE - 1), mp->prot);
}

long mm_handle(struct hm_msg *m)
{
    if (m->badge == HM_FAULT_BADGE)
        return fault(m->w[0], (unsigned)m->w[1], m->w[2], m->w[3]);
    m->len = 0;
    switch (m->w[0]) {
    case MM_MAP:
        return map(m->w[1], m->w[2], (unsigned)m->w[3], MAP_ANON, 0, 0);
    case MM_MAP_FILE:
        return map(m->w[1], m->w[2] & 0xffffffffu, (unsigned)(m->w[2] >> 32), MAP_FILE,
                   (uint32_t)m->w[3], (uint32_t)(m->w[3] >> 32));
    case MM_UNMAP:
        return unmap(m->w[1], m->w[2]);
    case MM_INFO: {
        unsigned n = 0;
        for (unsigned i = 0; i < MM_MAPPINGS; i++)
            n += maps[i].used;
        m->w[0] = host.pool->held;
        m->w[1] = n;
        m->w[2] = faults;
        m->w[3] = (coalesced() ? MM_COALESCED : MM_SEPARATED) | (uint64_t)MM_CLASS << 8;
        return 0;
    }
    case MM_COLLECT:
        return collect();
#ifdef MM_TEST_OPS
    case MM_TEST_CRASH: /* a bug in the service: it faults mid-call */
        *(volatile uint64_t *)(uintptr_t)m->w[1] = 0;
        return 0;
#endif
    default:
        return -HM_ENOSYS;
    }
}
