// SPDX-License-Identifier: MIT
/*
 * fs_service.h - the file system service's two entry points (fs.c), for
 * whatever hosts it: user/fssrv.c (IC2) or kernel/fs_ic0.c (IC0).  The
 * host serialises calls to fs_handle.
 */
#ifndef FS_SERVICE_H
#define FS_SERVICE_H

#include <hm/service.h>
#include "tmpfs.h"

/** Start with an empty file system whose pages come from `pages`. */
int fs_init(const struct tmpfs_pages *pages);
/** Show the initramfs's files under /initrd as backed files (tmpfs.h):
 *  stat(i, name, cap) gives the i-th file's size and name (-HM_ENOENT past
 *  the last); their pages come through the provider's fill, with the
 *  file's number + 1 as its backing.  How many were shown, or an error. */
int fs_import(long (*stat)(unsigned index, char *name, size_t cap));
/** The file system itself (the coalesced memory manager maps its pages). */
struct tmpfs *fs_tmpfs(void);
/** One request (fs_proto.h); its status. */
long fs_handle(struct hm_msg *m);

#endif
