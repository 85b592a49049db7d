// SPDX-License-Identifier: MIT
/*
 * fs.h - the native file API: files and directories through IPC to the
 * file system service ("fs", services/fs.c), wherever it is placed.
 *
 * Each process connects once, on first use, with a FS_IO_MAX-byte shared
 * buffer that paths and data travel through; calls from its threads take
 * turns on it.  Descriptors are the service's, per process.  Every call
 * returns >= 0 or a negated HM_E* error: -HM_EBADCAP for a descriptor
 * that is not open, -HM_EFAULT for a NULL buffer or one that wraps or
 * reaches past user space, -HM_ENAMETOOLONG, -HM_ENOENT, ... (tmpfs.h);
 * -HM_EPIPE if the service died.
 */
#ifndef HM_USER_FS_H
#define HM_USER_FS_H

#include <stddef.h>
#include <stdint.h>
#include "fs_proto.h"

#define FS_IO_MAX (64u * 1024) /* the shared buffer: the most one call moves */

struct fs_stat {
    uint64_t ino, type, size, pages; /* type FS_TYPE_FILE or FS_TYPE_DIR */
};

int fs_open(const char *path, unsigned flags);
int fs_close(int fd);
long fs_read(int fd, void *buf, size_t n);        /* bytes read; 0 at the end */
long fs_write(int fd, const void *buf, size_t n); /* bytes written */
long fs_seek(int fd, int64_t off, int whence);    /* the new offset */
int fs_stat(const char *path, struct fs_stat *st);
int fs_fstat(int fd, struct fs_stat *st);
int fs_truncate(int fd, uint64_t size);
int fs_mkdir(const char *path);
int fs_remove(const char *path); /* a file, or an empty directory */
int fs_rename(const char *from, const char *to);
/** The index-th entry of the directory open as fd (FS_O_DIR): its name in
 *  name[cap] and its inode; -HM_ENOENT past the last. */
long fs_readdir(int fd, unsigned index, char *name, size_t cap, struct fs_stat *st);
/** The service's counts: inodes, pages held, open descriptors. */
int fs_info(uint64_t *inodes, uint64_t *pages, uint64_t *open);
/** The isolation class the file system runs in (0: linked into the
 *  kernel, 2: its own process). */
long fs_isolation_class(void);
/** Have the service give back the memory it keeps for reuse (the clean
 *  pages of /initrd's files, which are read again when needed): how many
 *  pages it dropped. */
int fs_trim(void);

#endif
