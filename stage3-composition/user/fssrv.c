// SPDX-License-Identifier: MIT
/*
 * fssrv.c - the file system service placed in IC2: its own process.  The
 * service is services/fs.c over services/tmpfs.c, unchanged; this gives it
 * pages (a pool of chunks from the kernel, services/pool.h) and a lock,
 * registers it and publishes "fs".
 *
 * Built with -DFS_MM_COALESCED (CONFIG_FS_MM_COALESCED) it is also the memory
 * manager (services/mm.c): one process, one lock, one pool for the page
 * cache and anonymous memory, and a file mapping maps the page cache's own
 * pages.  It then publishes "mm" as well.
 */
#include "hm.h"
#include <hm/pager.h>
#include "ipc.h"
#include "../services/fs_proto.h"
#include "../services/fs_service.h"
#include "../services/pool.h"
#ifdef FS_MM_COALESCED
#include "../services/mm.h"
#endif

#define SLOT_FS 2
#define SLOT_MM 3
#define SLOT_POOL 64                                /* the pool's chunks: 64.. */
#define LIMIT_PAGES (32u * 1024 * 1024 / POOL_PAGE) /* its memory budget: 32 MiB */

static hm_spinlock_t lock = HM_SPINLOCK_INIT;
static struct pool pool;

static void *page_alloc(void *ctx)
{
    (void)ctx;
    return pool_alloc(&pool); /* zeroed */
}

static void page_free(void *ctx, void *page)
{
    (void)ctx;
    pool_free(&pool, page); /* coalesced: kept aside while a client maps it */
}

/* The initramfs's files (fs_import): their bytes come from the kernel. */
static long initrd_fill(void *ctx, uint32_t backing, uint64_t off, void *page)
{
    (void)ctx;
    return hm_syscall4(HM_SYS_INITRD_READ, backing - 1, off, (uintptr_t)page, POOL_PAGE);
}

static long initrd_stat(unsigned index, char *name, size_t cap)
{
    return hm_syscall3(HM_SYS_INITRD_STAT, index, (uintptr_t)name, cap);
}

#ifdef FS_MM_COALESCED
/* A page cache page a client maps cannot be dropped (it would stay mapped). */
static bool page_busy(void *ctx, const void *page)
{
    (void)ctx;
    return pool_lent(&pool, page) > 0;
}
#endif

/* Calls arrive on several stacks at once: one at a time inside. */
static long fs_entry(struct hm_msg *m)
{
    hm_spin_lock(&lock);
    long r = fs_handle(m);
    if (m->w[0] == FS_TRIM && r >= 0) /* the file system's clean pages, then the pool's spare */
        pool_trim(&pool);
    hm_spin_unlock(&lock);
    return r;
}

#ifdef FS_MM_COALESCED
static long mm_entry(struct hm_msg *m)
{
    hm_spin_lock(&lock);
    long r = mm_handle(m);
    hm_spin_unlock(&lock);
    return r;
}
#endif

int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
#ifdef FS_MM_COALESCED
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL, initrd_fill, page_busy };
#else
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL, initrd_fill, NULL };
#endif
    static struct pool_user chunks;
    static struct pool_ops ops;
    void *base = hm_va_reserve(POOL_MAX_PAGES);
    chunks = (struct pool_user){ (uintptr_t)base, SLOT_POOL };
#ifdef FS_MM_COALESCED
    ops = pool_user_ops_lent; /* the memory manager lends the page cache's pages */
#else
    ops = pool_user_ops;
#endif
    ops.ctx = &chunks;
    pool_init(&pool, &ops, LIMIT_PAGES);
    long r = base ? fs_init(&pages) : -HM_ENOMEM;
    if (r == 0)
        r = fs_import(initrd_stat) < 0 ? -HM_EIO : 0;
#ifdef FS_MM_COALESCED
    mm_init(&(struct mm_host){ &mm_user_kernel, &pool, fs_tmpfs(), NULL, NULL });
    if (r == 0)
        r = hm_service_register(mm_entry, 16384, 4, SLOT_MM);
    if (r == 0)
        r = hm_name_publish("mm", SLOT_MM);
#endif
    if (r == 0)
        r = hm_service_register(fs_entry, 16384, 4, SLOT_FS);
    if (r == 0)
        r = hm_name_publish("fs", SLOT_FS);
    if (r < 0) {
        hm_printf("fssrv: cannot start: %ld\n", r);
        return 1;
    }
    hm_notify_create(5);
    for (;;)
        hm_notify_wait(5, 0);
}
