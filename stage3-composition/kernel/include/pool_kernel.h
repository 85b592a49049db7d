// SPDX-License-Identifier: MIT
/*
 * pool_kernel.h - what a service linked into the kernel (IC0) needs from
 * the kernel to run services/pool.c and services/mm.c: a pool's chunks
 * as the kernel's memory objects, and the memory manager's kernel calls
 * as calls of kernel/pager.c (kernel/pool_kernel.c).  Used by the file
 * system in IC0 (kernel/fs_ic0.c, with the memory manager when
 * coalesced) and by the separated memory manager in IC0
 * (kernel/mm_ic0.c).
 */
#ifndef POOL_KERNEL_H
#define POOL_KERNEL_H

#include <kernel.h>
#include "../../services/mm.h"
#include "../../services/pool.h"

struct ic0_service;
struct memobj;

/** A pool's chunks: memory objects the kernel holds (maps = 1), so that
 *  their pages can be lent (a lent page holds its object, pager.c). */
struct pool_kernel {
    struct memobj *obj[POOL_MAX_CHUNKS];
};
/** The ops for it (ctx: a struct pool_kernel; copy them and set ctx). */
extern const struct pool_ops pool_kernel_ops;

/** The kernel calls (services/mm.h) of the memory manager published as
 *  `svc`, whose pages are those of `pool`, chunks `chunks`.  An IC0 call
 *  runs on the caller's thread: "the caller" is the current process. */
const struct mm_kernel *mm_kernel_ic0(const struct ic0_service *svc, struct pool *pool,
                                      struct pool_kernel *chunks);

#endif
