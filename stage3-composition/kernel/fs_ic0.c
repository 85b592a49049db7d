// SPDX-License-Identifier: MIT
/*
 * fs_ic0.c - the file system service placed in IC0 (CONFIG_FS_IC0): linked
 * into the kernel.  The source is services/fs.c over services/tmpfs.c,
 * unchanged; this gives it pages (a pool of the kernel's memory objects,
 * services/pool.h, reached through the linear map) and a lock, and
 * publishes it as "fs".  The client's shared buffer reaches the handler
 * through the linear map (stage 2's IC0 calls with a buffer).
 *
 * Coalesced (CONFIG_FS_MM_COALESCED), the memory manager (services/mm.c)
 * is linked in with it, as "mm": one pool and one lock for the page cache
 * and anonymous memory, a file fault maps the page cache's own page, and
 * its pager calls are function calls of kernel/pager.c: a page fault goes
 * from the exception to the memory manager and back without any IPC.
 */
#include <kernel.h>
#include <ic0.h>
#include <mm.h>
#include <pager.h>
#include <pool_kernel.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/spinlock.h>
#include <uapi/hm/syscall.h>
#include "../services/fs_proto.h"
#include "../services/fs_service.h"
#include "../services/pool.h"
#ifdef CONFIG_FS_MM_COALESCED
#include "../services/mm.h"
#endif

static spinlock_t lock = SPINLOCK_INIT;
static bool ready;

/* Its memory budget, as the IC2 host's pool has (user/fssrv.c): past it
 * the page cache reclaims its clean pages, then calls fail with
 * -HM_ENOMEM, rather than the file system taking the kernel's last frame. */
#define FS_IC0_PAGES (32u * 1024 * 1024 / PAGE_SIZE)

static struct pool_kernel chunks;
static struct pool pool;

static void *page_alloc(void *ctx)
{
    (void)ctx;
    return pool_alloc(&pool); /* zeroed */
}

static void page_free(void *ctx, void *page)
{
    (void)ctx;
    pool_free(&pool, page); /* kept aside while a client maps it */
}

static bool page_busy(void *ctx, const void *page)
{
    (void)ctx;
    return pool_lent(&pool, page) > 0;
}

/* The initramfs's files (fs_import), read straight from the archive. */
static long initrd_fill(void *ctx, uint32_t backing, uint64_t off, void *page)
{
    (void)ctx;
    const char *name;
    const void *data;
    size_t nlen, size;
    if (initramfs_entry(backing - 1, &name, &nlen, &data, &size) < 0)
        return -HM_EIO;
    uint64_t n = off < size ? MIN((uint64_t)TMPFS_PAGE, size - off) : 0;
    memcpy(page, (const char *)data + off, n);
    return (long)n;
}

static long initrd_stat(unsigned index, char *name, size_t cap)
{
    const char *n;
    const void *data;
    size_t nlen, size;
    if (initramfs_entry(index, &n, &nlen, &data, &size) < 0)
        return -HM_ENOENT;
    if (nlen >= cap)
        return -HM_ERANGE;
    memcpy(name, n, nlen);
    name[nlen] = '\0';
    return (long)size;
}

#ifdef CONFIG_FS_MM_COALESCED
static const struct ic0_service mm_service;
#endif

/* On first use: IC0 services are published before the allocator's users. */
static bool init_locked(void)
{
    static const struct tmpfs_pages pages = {
        .alloc = page_alloc, .free = page_free, .fill = initrd_fill, .busy = page_busy
    };
    static struct pool_ops chunk_ops;
    if (ready)
        return true;
    chunk_ops = pool_kernel_ops;
    chunk_ops.ctx = &chunks;
    pool_init(&pool, &chunk_ops, FS_IC0_PAGES);
    ready = fs_init(&pages) == 0 && fs_import(initrd_stat) >= 0;
#ifdef CONFIG_FS_MM_COALESCED
    mm_init(&(struct mm_host){ mm_kernel_ic0(&mm_service, &pool, &chunks), &pool, fs_tmpfs(), NULL,
                               NULL });
#endif
    return ready;
}

static long fs_ic0(struct hm_msg *m)
{
    spin_lock(&lock);
    long r = init_locked() ? fs_handle(m) : -HM_EIO;
    if (m->w[0] == FS_TRIM && r >= 0) /* the file system's clean pages, then the pool's spare */
        pool_trim(&pool);
    spin_unlock(&lock);
    return r;
}

IC0_SERVICE(fs_service, "fs", fs_ic0);

#ifdef CONFIG_FS_MM_COALESCED
static long mm_ic0(struct hm_msg *m)
{
    spin_lock(&lock);
    long r = init_locked() ? mm_handle(m) : -HM_EIO;
    spin_unlock(&lock);
    return r;
}

IC0_SERVICE(mm_service, "mm", mm_ic0);
#endif
