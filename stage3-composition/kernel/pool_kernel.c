// SPDX-License-Identifier: MIT
/*
 * pool_kernel.c - a pool's chunks from the kernel's memory objects, and a
 * memory manager's kernel calls as function calls (pool_kernel.h).
 */
#include <kernel.h>
#include <cap.h>
#include <ic0.h>
#include <mm.h>
#include <pager.h>
#include <proc.h>
#include <sched.h>
#include <pool_kernel.h>
#include <uapi/hm/syscall.h>

static void *chunk_get(void *ctx, unsigned c)
{
    struct pool_kernel *k = ctx;
    struct memobj *m;
    if (memobj_create(POOL_CHUNK, &m) < 0)
        return NULL;
    spin_lock(&cap_lock);
    m->maps = 1;
    spin_unlock(&cap_lock);
    k->obj[c] = m;
    return phys_to_virt(m->pa); /* zeroed by the frame allocator */
}

static void chunk_put(void *ctx, unsigned c, void *va)
{
    struct pool_kernel *k = ctx;
    (void)va;
    memobj_unhold(k->obj[c]); /* freed once no page of it is lent any more */
    k->obj[c] = NULL;
}

static long chunk_lent(void *ctx, const void *page)
{
    (void)ctx;
    return pager_lent_count(virt_to_phys(page));
}

const struct pool_ops pool_kernel_ops = { chunk_get, chunk_put, chunk_lent, NULL };

/* ---- the memory manager's kernel calls: pager.c, for the caller ---- */

static const struct ic0_service *mm_svc;
static struct pool *mm_pool;
static struct pool_kernel *mm_chunks;

static struct service *mm_self(void)
{
    static struct service *s;
    if (!s)
        s = ic0_service_object(mm_svc);
    return s;
}

static long k_region(uint64_t va, uint64_t len, unsigned prot, uint64_t cookie)
{
    return pager_region_add(current()->proc, mm_self(), va, len, prot, cookie);
}

static long k_map(void *page, uint64_t dst, unsigned prot)
{
    long i = pool_index(mm_pool, page);
    if (i < 0)
        return -HM_EFAULT;
    return pager_lend(current()->proc, mm_self(), mm_chunks->obj[i / POOL_CHUNK_PAGES],
                      virt_to_phys(page), dst, prot);
}

static long k_unmap(uint64_t va, uint64_t len)
{
    return pager_unmap_range(current()->proc, mm_self(), va, len);
}

static uint32_t k_caller(void)
{
    return current()->proc->pid;
}

static bool k_alive(uint32_t pid)
{
    return pager_pid_alive(pid);
}

const struct mm_kernel *mm_kernel_ic0(const struct ic0_service *svc, struct pool *pool,
                                      struct pool_kernel *chunks)
{
    static const struct mm_kernel calls = { k_region, k_map, k_unmap, k_caller, k_alive };
    mm_svc = svc;
    mm_pool = pool;
    mm_chunks = chunks;
    return &calls;
}
