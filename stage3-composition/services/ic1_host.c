// SPDX-License-Identifier: MIT
/*
 * ic1_host.c - stage 3's services' host in an IC1 domain (ic1_host.h):
 * the C library bits, the lock, the heap's chunks and a pager's kernel
 * calls.  Built with IC1 flags into each domain that needs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "../../stage2-isolation/services/ic1mem.h"
#include "../../stage2-isolation/services/svc.h"
#include "ic1_host.h"
#include "mm.h"
#include "pager_ic1.h"

#define CHUNKS_PER_BLOCK (IC1MEM_BLOCK / POOL_CHUNK)

volatile uint32_t ic1_lock;                          /* ic1_host.h */
static long h_mem = -1, h_pagerk = -1, h_pager = -1; /* svc_lookup() handles */
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

bool ic1_host_init(const char *pager)
{
    h_mem = svc_lookup(IC1MEM_NAME);
    if (pager) {
        h_pagerk = svc_lookup(PAGERK_NAME);
        h_pager = svc_lookup(pager);
    }
    return h_mem >= 0 && (!pager || (h_pagerk >= 0 && h_pager >= 0));
}

long ic1_call4(long h, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t *r0)
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
        if (ic1_call4(h_mem, IC1MEM_MAP, b, 0, 0, &va) < 0)
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
        ic1_call4(h_mem, IC1MEM_UNMAP, b, 0, 0, NULL);
}

/* ---- a pager's kernel calls: "pagerk", for the service it pages for ---- */

static long k_region(uint64_t va, uint64_t len, unsigned prot, uint64_t cookie)
{
    return ic1_call4(h_pagerk, PAGERK_REGION | prot << 8 | (uint64_t)h_pager << 16, va, len, cookie,
                     NULL);
}

static long k_map(void *page, uint64_t dst, unsigned prot)
{
    return ic1_call4(h_pagerk, PAGERK_MAP | prot << 8 | (uint64_t)h_pager << 16, (uintptr_t)page,
                     dst, 0, NULL);
}

static long k_unmap(uint64_t va, uint64_t len)
{
    return ic1_call4(h_pagerk, PAGERK_UNMAP | (uint64_t)h_pager << 16, va, len, 0, NULL);
}

static uint32_t k_caller(void)
{
    return (uint32_t)ic1_call4(h_pagerk, PAGERK_CALLER, 0, 0, 0, NULL);
}

static bool k_alive(uint32_t pid)
{
    return ic1_call4(h_pagerk, PAGERK_ALIVE, pid, 0, 0, NULL) == 1;
}

const struct mm_kernel ic1_pager_kernel = { k_region, k_map, k_unmap, k_caller, k_alive };

/* A page the pager lent is not reused while a client maps it. */
static long chunk_lent(void *ctx, const void *page)
{
    (void)ctx;
    return ic1_call4(h_pagerk, PAGERK_LENT, (uintptr_t)page, 0, 0, NULL);
}

const struct pool_ops ic1_heap_chunks = { chunk_get, chunk_put, NULL, NULL };
const struct pool_ops ic1_heap_chunks_lent = { chunk_get, chunk_put, chunk_lent, NULL };
