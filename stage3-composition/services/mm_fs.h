// SPDX-License-Identifier: MIT
/*
 * mm_fs.h - a separated memory manager's two calls to the file system
 * when both are within the kernel's reach (the memory manager in IC0,
 * kernel/mm_ic0.c, or IC1, services/mm_ic1.c; the file system in IC0 or
 * IC1): the memory manager's own page is the long message (svc_call_buf,
 * svc.h), so the file system reads into it or writes from it in place.
 */
#ifndef MM_FS_H
#define MM_FS_H

#include <stddef.h>
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "../../stage2-isolation/services/svc.h"
#include "fs_proto.h"

/* len bytes of file ino at off into dst: the bytes read, or -HM_E*. */
static inline long mm_fs_read(long h_fs, uint32_t ino, uint64_t off, void *dst, size_t len)
{
    /* no grant, badge 0: the kernel's own connection */
    struct hm_msg m = {
        .w = { FS_PREAD_INO, ino, off, len }, .len = len, .buf = dst, .grant = HM_NO_SLOT
    };
    return svc_call_buf(h_fs, &m);
}

/* len bytes from src back into file ino at off (never past its end). */
static inline long mm_fs_write(long h_fs, uint32_t ino, uint64_t off, const void *src, size_t len)
{
    /* src is read, never written, by the file system */
    struct hm_msg m = {
        .w = { FS_PWRITE_INO, ino, off }, .len = len, .buf = (void *)src, .grant = HM_NO_SLOT
    };
    return svc_call_buf(h_fs, &m);
}

#endif
