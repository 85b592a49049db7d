// SPDX-License-Identifier: MIT
/*
 * mm.h - the memory manager (services/mm.c) for whatever hosts it.  One
 * source, two compositions, chosen by the host:
 *   - separated (user/mmsrv.c): the file system is another service; file
 *     pages are fetched from it by IPC and copied into pages of the memory
 *     manager's own (the file's data cached twice), written back on unmap;
 *   - coalesced (user/fssrv.c with CONFIG_FS_MM_COALESCED): the memory
 *     manager and the file system are one service; a file page is the page
 *     cache's own page, mapped as it is.
 * The host serialises calls to mm_handle().
 */
#ifndef MM_SERVICE_H
#define MM_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <hm/service.h>
#include "pool.h"

struct tmpfs;

/** What the memory manager asks of the kernel, on behalf of the process
 *  that made the call being served (its client, or the faulting process):
 *  the pagers' calls (uapi/hm/pager.h).  A process's host makes them as
 *  system calls (mm_user.c), the kernel's (IC0) as function calls. */
struct mm_kernel {
    long (*region)(uint64_t va, uint64_t len, unsigned prot, uint64_t cookie);
    long (*map)(void *page, uint64_t dst, unsigned prot); /* lend a page of the pool */
    long (*unmap)(uint64_t va, uint64_t len);
    uint32_t (*caller)(void);    /* the process's id */
    bool (*alive)(uint32_t pid); /* whether that process still exists */
};
extern const struct mm_kernel mm_user_kernel;

struct mm_host {
    const struct mm_kernel *k;
    struct pool *pool; /* where anonymous pages (and copies) come from */
    struct tmpfs *fs;  /* coalesced: the page cache itself; NULL when separated */
    /* separated: the file system, by IPC (bytes moved, or an error) */
    long (*file_read)(uint32_t ino, uint64_t off, void *dst, size_t len);
    long (*file_write)(uint32_t ino, uint64_t off, const void *src, size_t len);
};

void mm_init(const struct mm_host *host);
/** One request (mm_proto.h) or a fault call (badge HM_FAULT_BADGE); its status. */
long mm_handle(struct hm_msg *m);

#endif
