// SPDX-License-Identifier: MIT
/*
 * fs_ic1.c - the file system service placed in IC1 (CONFIG_FS_IC1): at
 * EL1 in a domain of its own (stage 2).  The source is services/fs.c over
 * services/tmpfs.c and services/pool.c, unchanged; this gives them what a
 * domain has instead of a process or the kernel:
 *
 * - pages: the pool's 1 MiB chunks are halves of the domain's 2 MiB heap
 *   blocks (ic1_host.h, shared with the memory manager's domain);
 * - the initramfs's files: the in-kernel service "initrd"
 *   (initrd_proto.h), which copies into the domain's own memory;
 * - a lock: calls come on several CPUs at once (IRQs masked while a
 *   domain runs, so a holder is never preempted; ic1_host.h).
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
#include "../../stage2-isolation/services/svc.h"
#include "fs_proto.h"
#include "fs_service.h"
#include "ic1_host.h"
#include "initrd_proto.h"
#include "pool.h"
#ifdef FS_MM_COALESCED
#include "mm.h"
#endif

/* Its memory budget, as in the other classes: past it the page cache
 * reclaims clean pages, then calls fail with -HM_ENOMEM. */
#define FS_IC1_PAGES (32u * 1024 * 1024 / POOL_PAGE)

static struct pool pool;
static bool ready;
static long h_initrd = -1; /* svc_lookup() handle */

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
    return ic1_call4(h_initrd, INITRD_READ, backing - 1, off, (uintptr_t)page, NULL);
}

static long initrd_stat(unsigned index, char *name, size_t cap)
{
    return ic1_call4(h_initrd, INITRD_STAT, index, cap, (uintptr_t)name, NULL);
}

#ifdef FS_MM_COALESCED
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
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL, initrd_fill, page_busy };
    const struct pool_ops *chunks = &ic1_heap_chunks_lent;
    const char *pager = "mm"; /* the memory manager is here: the pager of "mm" */
#else
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL, initrd_fill, NULL };
    const struct pool_ops *chunks = &ic1_heap_chunks;
    const char *pager = NULL;
#endif
    if (ready)
        return true;
    h_initrd = svc_lookup(INITRD_NAME);
    if (h_initrd < 0 || !ic1_host_init(pager))
        return false;
    pool_init(&pool, chunks, FS_IC1_PAGES);
    ready = fs_init(&pages) == 0 && fs_import(initrd_stat) >= 0;
#ifdef FS_MM_COALESCED
    mm_init(&(struct mm_host){ &ic1_pager_kernel, &pool, fs_tmpfs(), NULL, NULL });
#endif
    return ready;
}

/* The domain's entry (its image's entry point). */
long fs_ic1_handle(struct hm_msg *m)
{
    if (!ic1_lock_take())
        return -HM_EPIPE;
    long r = init_locked() ? fs_handle(m) : -HM_EIO;
    if (m->w[0] == FS_TRIM && r >= 0) /* the file system's clean pages, then the pool's spare */
        pool_trim(&pool);
    ic1_lock_give();
    return r;
}

#ifdef FS_MM_COALESCED
/* The domain's entry for "mm" (stage.mk's fs-ic1-entries). */
long mm_ic1_handle(struct hm_msg *m)
{
    return ic1_serve(init_locked, mm_handle, m);
}
#endif
