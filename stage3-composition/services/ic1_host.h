// SPDX-License-Identifier: MIT
/*
 * ic1_host.h - what stage 3's services need in an IC1 domain instead of a
 * process or the kernel (services/ic1_host.c, linked into each such
 * domain: fs_ic1.c's, and the separated memory manager's, mm_ic1.c):
 *
 * - memcpy and memset: a domain links nothing but its own objects;
 * - a lock that gives up when the domain was stopped (a fault on another
 *   CPU, maybe with the lock held: svc_stopped());
 * - a pool's chunks from the domain's heap (halves of its 2 MiB blocks,
 *   mapped and unmapped by the in-kernel service "ic1mem");
 * - a pager's kernel calls, through the in-kernel service "pagerk"
 *   (pager_ic1.h), for the service it pages for.
 */
#ifndef IC1_HOST_H
#define IC1_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <hm/syscall.h>
#include "../../stage2-isolation/services/svc.h"
#include "pool.h"

struct mm_kernel;

/** Find the kernel's services; `pager`: also "pagerk" and the handle of
 *  the service named `pager`, which this domain pages for.  On the
 *  first call (they are all there by then).  false if one is missing. */
bool ic1_host_init(const char *pager);

/* Inline, as the calls of every request are (a call across objects costs
 * a file fault some 20 instructions). */
extern volatile uint32_t ic1_lock;

/** The domain's lock, held across a call; false: the domain was stopped
 *  meanwhile, give up (the caller gets -HM_EPIPE anyway). */
static inline bool ic1_lock_take(void)
{
    while (__atomic_exchange_n(&ic1_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&ic1_lock, __ATOMIC_RELAXED))
            if (svc_stopped())
                return false;
    return true;
}

static inline void ic1_lock_give(void)
{
    __atomic_store_n(&ic1_lock, 0, __ATOMIC_RELEASE);
}

struct hm_msg;
/** A call into the domain: handle(m) under the lock, after init_locked()
 *  (false: -HM_EIO); -HM_EPIPE if the domain was stopped meanwhile. */
static inline long ic1_serve(bool (*init_locked)(void), long (*handle)(struct hm_msg *),
                             struct hm_msg *m)
{
    if (!ic1_lock_take())
        return -HM_EPIPE;
    long r = init_locked() ? handle(m) : -HM_EIO;
    ic1_lock_give();
    return r;
}

/** One call with four words; *r0 = the reply's first word if it worked. */
long ic1_call4(long h, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t *r0);

/** Chunks from the heap, for pool_init(); with `lent`, a pager's: a page
 *  it lent is not reused while a client maps it (pagerk). */
extern const struct pool_ops ic1_heap_chunks, ic1_heap_chunks_lent;

/** The pager's kernel calls (after ic1_host_init() with a pager). */
extern const struct mm_kernel ic1_pager_kernel;

#endif
