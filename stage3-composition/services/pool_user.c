// SPDX-License-Identifier: MIT
/* pool_user.c - a user host's pool chunks: memory objects it creates and
 * maps itself (pool.h, struct pool_user). */
#include "hm.h"
#include <hm/pager.h>
#include "pool.h"

static void *user_get(void *ctx, unsigned c)
{
    const struct pool_user *u = ctx;
    unsigned slot = u->slot_base + c;
    void *va = (void *)(u->base + (uintptr_t)c * POOL_CHUNK);
    if (hm_mem_create(POOL_CHUNK, slot) < 0)
        return NULL;
    if (hm_mem_map(slot, va, HM_PROT_READ | HM_PROT_WRITE) < 0) {
        hm_cap_delete(slot);
        return NULL;
    }
    return va; /* the kernel zeroed it */
}

/* The mapping and the capability were all that held it (pages still lent
 * hold it in the kernel until they are unmapped). */
static void user_put(void *ctx, unsigned c, void *va)
{
    const struct pool_user *u = ctx;
    hm_unmap(va, POOL_CHUNK);
    hm_cap_delete(u->slot_base + c);
}

static long user_lent(void *ctx, const void *page)
{
    (void)ctx;
    return hm_syscall1(HM_SYS_PAGE_LENT, (unsigned long)page);
}

const struct pool_ops pool_user_ops = { user_get, user_put, NULL, NULL };
const struct pool_ops pool_user_ops_lent = { user_get, user_put, user_lent, NULL };
