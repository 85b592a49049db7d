// SPDX-License-Identifier: MIT
/*
 * mm_ic1.c - the separated memory manager placed in IC1 (CONFIG_MM_IC1):
 * at EL1 in a domain of its own, beside a file system in IC0 or IC1.  The
 * source is services/mm.c over services/pool.c, unchanged; this gives it
 * what a domain has instead of a process (ic1_host.h): pages from the
 * domain's heap (memory objects, so that it can lend them), its kernel
 * calls through the in-kernel service "pagerk", a lock, and the file
 * system through the gate with a long message: a file page is read
 * straight into a page of its pool (FS_PREAD_INO with that page as the
 * message: an IC1 file system gets it mapped into its window for the
 * call, an IC0 one writes it through the linear map) and written back
 * from it.  The bytes still live twice, in the file system's page cache
 * and here: the separated composition's double bookkeeping.
 *
 * The kernel calls it through the gate on the faulting thread (a page
 * fault in a region it pages, or a client's call).  A fault in it stops
 * the domain: its callers get -HM_EPIPE, pages it lent stay with their
 * clients, and the process manager has it started afresh ("@mm").
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "../../stage2-isolation/services/svc.h"
#include "ic1_host.h"
#include "mm.h"
#include "mm_fs.h"
#include "pool.h"

#define MM_IC1_PAGES (16u * 1024 * 1024 / POOL_PAGE) /* its budget, as /bin/mmsrv's */

static struct pool pool;
static bool ready;
static long h_fs = -1;

/* A page of the pool is in one block of the heap, as the gate requires
 * of a domain's long message. */
static long file_read(uint32_t ino, uint64_t off, void *dst, size_t len)
{
    return mm_fs_read(h_fs, ino, off, dst, len); /* the bytes land in dst itself */
}

static long file_write(uint32_t ino, uint64_t off, const void *src, size_t len)
{
    return mm_fs_write(h_fs, ino, off, src, len);
}

/* On the first call: the kernel's services and the file system are there
 * by then. */
static bool init_locked(void)
{
    if (ready)
        return true;
    h_fs = svc_lookup("fs");
    if (h_fs < 0 || !ic1_host_init("mm"))
        return false;
    pool_init(&pool, &ic1_heap_chunks_lent, MM_IC1_PAGES);
    mm_init(&(struct mm_host){ &ic1_pager_kernel, &pool, NULL, file_read, file_write });
    ready = true;
    return true;
}

/* The domain's entry (its image's entry point). */
long mm_ic1_handle(struct hm_msg *m)
{
    return ic1_serve(init_locked, mm_handle, m);
}
