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
#ifndef MM_H
#define MM_H

#include <stddef.h>
#include <stdint.h>
#include <hm/service.h>
#include "pool.h"

struct tmpfs;

struct mm_host {
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
