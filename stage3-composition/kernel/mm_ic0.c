// SPDX-License-Identifier: MIT
/*
 * mm_ic0.c - the memory manager placed in IC0 in the *separated*
 * composition (CONFIG_MM_IC0): linked into the kernel, beside a file
 * system in IC0 or IC1.  The source is services/mm.c, unchanged; this
 * gives it a pool of the kernel's memory objects (pool_kernel.h), its
 * kernel calls as function calls of kernel/pager.c, and the file system
 * through the in-kernel service runtime: a file page is read straight
 * into a page of the memory manager's pool (FS_PREAD_INO with that page
 * as the long message: an IC0 file system writes it through the linear
 * map, an IC1 one gets it mapped for the call) and written back from it.
 * The bytes still live twice, in the file system's page cache and here:
 * the separated composition's double bookkeeping, without IPC.  A file
 * system in IC2 cannot be reached from here (the kernel cannot call a
 * process yet), which the Kconfig rules out.
 */
#include <kernel.h>
#include <ic0.h>
#include <pool_kernel.h>
#include <arch/spinlock.h>
#include <uapi/hm/syscall.h>
#include "../services/mm_fs.h"

#define MM_IC0_PAGES (16u * 1024 * 1024 / POOL_PAGE) /* its budget, as /bin/mmsrv's */

static spinlock_t lock = SPINLOCK_INIT;
static struct pool_kernel chunks;
static struct pool pool;
static bool ready;
static long h_fs = -1;

static const struct ic0_service mm_service;

static long fs_handle(void)
{
    if (h_fs < 0)
        h_fs = svc_lookup("fs");
    return h_fs;
}

static long file_read(uint32_t ino, uint64_t off, void *dst, size_t len)
{
    return mm_fs_read(fs_handle(), ino, off, dst, len); /* the bytes land in dst itself */
}

static long file_write(uint32_t ino, uint64_t off, const void *src, size_t len)
{
    return mm_fs_write(fs_handle(), ino, off, src, len);
}

/* On first use: IC0 services are published before the allocator's users. */
static void init_locked(void)
{
    static struct pool_ops ops;
    if (ready)
        return;
    ops = pool_kernel_ops;
    ops.ctx = &chunks;
    pool_init(&pool, &ops, MM_IC0_PAGES);
    mm_init(&(struct mm_host){ mm_kernel_ic0(&mm_service, &pool, &chunks), &pool, NULL, file_read,
                               file_write });
    ready = true;
}

static long mm_ic0(struct hm_msg *m)
{
    spin_lock(&lock);
    init_locked();
    long r = mm_handle(m);
    spin_unlock(&lock);
    return r;
}

IC0_SERVICE(mm_service, "mm", mm_ic0);
