// SPDX-License-Identifier: MIT
/*
 * fs_ic1.c - the file system service placed in IC1 (CONFIG_FS_IC1): at
 * EL1 in a domain of its own (stage 2).  The source is services/fs.c over
 * services/tmpfs.c and services/pool.c, unchanged; this gives them what a
 * domain has instead of a process or the kernel:
 *
 * - pages: the pool's 1 MiB chunks are halves of the domain's 2 MiB heap
 *   blocks, mapped and unmapped by the kernel on request (the in-kernel
 *   service "ic1mem", stage2-isolation/services/ic1mem.h);
 * - the initramfs's files: the in-kernel service "initrd"
 *   (initrd_proto.h), which copies into the domain's own memory;
 * - a lock: calls come on several CPUs at once (IRQs masked while a
 *   domain runs, so a holder is never preempted);
 * - memcpy and memset: a domain links nothing but its own objects.
 *
 * Coalesced (-DFS_MM_COALESCED), the memory manager (services/mm.c) is
 * in the domain too, as "mm" at its own entry (mm_ic1_handle): one pool
 * and one lock for the page cache and anonymous memory, a file fault
 * maps the page cache's own page, and the pager's kernel calls go to the
 * in-kernel service "pagerk" (pager_ic1.h), which lends the domain's heap
 * pages (memory objects) to its clients.
 *
 * A client's shared buffer is mapped into the domain's window for this
 * CPU while a call lasts (stage 2), so fs.c's m->buf is in the domain.  Built with IC1 flags and scanned like every
 * domain (stage2-isolation/stage.mk): no privileged instruction, no symbol
 * from outside but the service runtime's.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "../../stage2-isolation/services/ic1mem.h"
#include "../../stage2-isolation/services/svc.h"
#include "fs_proto.h"
#include "fs_service.h"
#include "initrd_proto.h"
#include "pool.h"
#ifdef FS_MM_COALESCED
#include "mm.h"
#include "pager_ic1.h"
#endif

/* Its memory budget, as in the other classes: past it the page cache
 * reclaims clean pages, then calls fail with -HM_ENOMEM. */
#define FS_IC1_PAGES (32u * 1024 * 1024 / POOL_PAGE)
#define CHUNKS_PER_BLOCK (IC1MEM_BLOCK / POOL_CHUNK)

static struct pool pool;
static volatile uint32_t lock;
static bool ready;
static long h_mem = -1, h_initrd = -1; /* svc_lookup() handles */
#ifdef FS_MM_COALESCED
static long h_pagerk = -1, h_mm = -1;
#endif
static uintptr_t block_va[IC1MEM_BLOCKS];
static uint8_t block_chunks[IC1MEM_BLOCKS]; /* chunks of each block in use */

/* Not turned into calls of themselves by the loop-pattern optimisation. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Sixteen words a turn (load and store pairs) when both are
 * 8-byte aligned (tmpfs's pages and the clients' buffers are), bytes
 * otherwise and for the tail. */
NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (!(((uintptr_t)d | (uintptr_t)s) & 7)) {
        for (; n >= 128; n -= 128, d += 128, s += 128) {
            const uint64_t *f = (const uint64_t *)s;
            uint64_t *t = (uint64_t *)d;
            for (unsigned h = 0; h < 16; h += 8) {
                uint64_t w0 = f[h], w1 = f[h + 1], w2 = f[h + 2], w3 = f[h + 3];
                uint64_t w4 = f[h + 4], w5 = f[h + 5], w6 = f[h + 6], w7 = f[h + 7];
                t[h] = w0;
                t[h + 1] = w1;
                t[h + 2] = w2;
                t[h + 3] = w3;
                t[h + 4] = w4;
                t[h + 5] = w5;
                t[h + 6] = w6;
                t[h + 7] = w7;
            }
        }
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(uint64_t *)d = *(const uint64_t *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

/* false: the domain was stopped (a fault on another CPU, maybe with the
 * lock held): this call gives up, its caller gets -HM_EPIPE anyway. */
static bool lock_take(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
            if (svc_stopped())
                return false;
    return true;
}

static void lock_give(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static long call4(long h, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t *r0)
{
    struct hm_msg m = { .w = { w0, w1, w2, w3 } };
    long r = svc_call(h, &m);
    if (r >= 0 && r0)
        *r0 = m.w[0];
    return r;
}

/* Chunk c: half of heap block c / 2, mapped with its first chunk. */
static void *chunk_get(void *ctx, unsigned c)
{
    (void)ctx;
    unsigned b = c / CHUNKS_PER_BLOCK;
    if (b >= IC1MEM_BLOCKS)
        return NULL;
    if (!block_chunks[b]) {
        uint64_t va = 0;
        if (call4(h_mem, IC1MEM_MAP, b, 0, 0, &va) < 0)
            return NULL;
        block_va[b] = va; /* zeroed by the kernel */
    }
    block_chunks[b]++;
    void *p = (void *)(block_va[b] + (uintptr_t)(c % CHUNKS_PER_BLOCK) * POOL_CHUNK);
    if (block_chunks[b] > 1) /* its other half in use: this one may hold old bytes */
        pool_zero(p, POOL_CHUNK);
    return p;
}

static void chunk_put(void *ctx, unsigned c, void *va)
{
    (void)ctx;
    (void)va;
    unsigned b = c / CHUNKS_PER_BLOCK;
    if (--block_chunks[b] == 0)
        call4(h_mem, IC1MEM_UNMAP, b, 0, 0, NULL);
}

static void *page_alloc(void *ctx)
{
    (void)ctx;
    return pool_alloc(&pool); /* zeroed */
}

static void page_free(void *ctx, void *page)
{
    (void)ctx;
    pool_free(&pool, page);
}

static long initrd_fill(void *ctx, uint32_t backing, uint64_t off, void *page)
{
    (void)ctx;
    return call4(h_initrd, INITRD_READ, backing - 1, off, (uintptr_t)page, NULL);
}

static long initrd_stat(unsigned index, char *name, size_t cap)
{
    return call4(h_initrd, INITRD_STAT, index, cap, (uintptr_t)name, NULL);
}

#ifdef FS_MM_COALESCED
/* ---- the memory manager's kernel calls: "pagerk", for the caller ---- */

static long k_region(uint64_t va, uint64_t len, unsigned prot, uint64_t cookie)
{
    return call4(h_pagerk, PAGERK_REGION | prot << 8 | (uint64_t)h_mm << 16, va, len, cookie, NULL);
}

static long k_map(void *page, uint64_t dst, unsigned prot)
{
    return call4(h_pagerk, PAGERK_MAP | prot << 8 | (uint64_t)h_mm << 16, (uintptr_t)page, dst, 0,
                 NULL);
}

static long k_unmap(uint64_t va, uint64_t len)
{
    return call4(h_pagerk, PAGERK_UNMAP | (uint64_t)h_mm << 16, va, len, 0, NULL);
}

static uint32_t k_caller(void)
{
    return (uint32_t)call4(h_pagerk, PAGERK_CALLER, 0, 0, 0, NULL);
}

static bool k_alive(uint32_t pid)
{
    return call4(h_pagerk, PAGERK_ALIVE, pid, 0, 0, NULL) == 1;
}

static const struct mm_kernel kernel_calls = { k_region, k_map, k_unmap, k_caller, k_alive };

/* A page the memory manager lent is not reused while a client maps it. */
static long chunk_lent(void *ctx, const void *page)
{
    (void)ctx;
    return call4(h_pagerk, PAGERK_LENT, (uintptr_t)page, 0, 0, NULL);
}

static bool page_busy(void *ctx, const void *page)
{
    (void)ctx;
    return pool_lent(&pool, page) > 0;
}
#endif

/* On the first call: the kernel's services are there by then. */
static bool init_locked(void)
{
#ifdef FS_MM_COALESCED
    static const struct pool_ops chunks = { chunk_get, chunk_put, chunk_lent, NULL };
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL, initrd_fill, page_busy };
#else
    static const struct pool_ops chunks = { chunk_get, chunk_put, NULL, NULL };
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL, initrd_fill, NULL };
#endif
    if (ready)
        return true;
    h_mem = svc_lookup(IC1MEM_NAME);
    h_initrd = svc_lookup(INITRD_NAME);
    if (h_mem < 0 || h_initrd < 0)
        return false;
#ifdef FS_MM_COALESCED
    h_pagerk = svc_lookup(PAGERK_NAME);
    h_mm = svc_lookup("mm");
    if (h_pagerk < 0 || h_mm < 0)
        return false;
#endif
    pool_init(&pool, &chunks, FS_IC1_PAGES);
    ready = fs_init(&pages) == 0 && fs_import(initrd_stat) >= 0;
#ifdef FS_MM_COALESCED
    mm_init(&(struct mm_host){ &kernel_calls, &pool, fs_tmpfs(), NULL, NULL });
#endif
    return ready;
}

/* The domain's entry (its image's entry point). */
long fs_ic1_handle(struct hm_msg *m)
{
    if (!lock_take())
        return -HM_EPIPE;
    long r = init_locked() ? fs_handle(m) : -HM_EIO;
    if (m->w[0] == FS_TRIM && r >= 0) /* the file system's clean pages, then the pool's spare */
        pool_trim(&pool);
    lock_give();
    return r;
}

#ifdef FS_MM_COALESCED
/* The domain's entry for "mm" (stage.mk's fs-ic1-entries). */
long mm_ic1_handle(struct hm_msg *m)
{
    if (!lock_take())
        return -HM_EPIPE;
    long r = init_locked() ? mm_handle(m) : -HM_EIO;
    lock_give();
    return r;
}
#endif
