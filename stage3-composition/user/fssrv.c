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

/* Calls arrive on several stacks at once: one at a time inside. */
static long fs_entry(struct hm_msg *m)
{
    hm_spin_lock(&lock);
    long r = 0;
    if (m->w[0] == FS_TRIM) /* the host's, not the file system's */
        pool_trim(&pool);
    else
        r = fs_handle(m);
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
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL };
    void *base = hm_va_reserve(POOL_MAX_PAGES);
#ifdef FS_MM_COALESCED
    pool_init(&pool, (uintptr_t)base, SLOT_POOL, LIMIT_PAGES, true);
#else
    pool_init(&pool, (uintptr_t)base, SLOT_POOL, LIMIT_PAGES, false);
#endif
    long r = base ? fs_init(&pages) : -HM_ENOMEM;
#ifdef FS_MM_COALESCED
    mm_init(&(struct mm_host){ &pool, fs_tmpfs(), NULL, NULL });
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
