// SPDX-License-Identifier: MIT
/*
 * fs_proto.h - the file system service's messages (services/fs.c), which
 * the native file API (user/fs.c) sends.  Paths and data travel in the
 * connection's shared buffer (m->len bytes); the rest in the words.
 *
 * w[0] = operation; the status is >= 0 or a negated HM_E* (tmpfs.h).
 * A descriptor belongs to the connection that opened it.
 */
#ifndef FS_PROTO_H
#define FS_PROTO_H

#include <stdint.h>

#define FS_OPEN 1        /* buf: path; w1 = FS_O_* -> status = descriptor */
#define FS_CLOSE 2       /* w1 = descriptor */
#define FS_READ 3        /* w1 = descriptor, w2 = bytes (<= buffer) -> status = bytes, in buf */
#define FS_WRITE 4       /* w1 = descriptor, buf: the bytes (len) -> status = bytes */
#define FS_SEEK 5        /* w1 = descriptor, w2 = offset, w3 = FS_SEEK_* -> w0 = new offset */
#define FS_STAT 6        /* buf: path -> w0 = inode, w1 = type, w2 = size, w3 = pages */
#define FS_FSTAT 7       /* w1 = descriptor -> as FS_STAT */
#define FS_MKDIR 8       /* buf: path */
#define FS_REMOVE 9      /* buf: path (a file, or an empty directory) */
#define FS_RENAME 10     /* buf: from, NUL, to (len covers both) */
#define FS_TRUNCATE 11   /* w1 = descriptor, w2 = size */
#define FS_READDIR 12    /* w1 = descriptor of a directory, w2 = index -> buf: name, w0 = inode */
#define FS_INFO 13       /* -> w0 = inodes in use, w1 = pages held, w2 = open descriptors */
#define FS_PREAD_INO 14  /* w1 = inode, w2 = offset, w3 = bytes (<= len) -> bytes, in buf */
#define FS_PWRITE_INO 15 /* w1 = inode, w2 = offset, buf: bytes -> bytes (never past the end) */
#define FS_TRIM \
    16 /* give back memory kept for reuse: clean pages, a pool's spare -> pages dropped */
#define FS_TEST_CRASH 99 /* test builds only (FS_TEST_OPS): the service faults */

#define FS_O_CREAT 1u  /* create a file if there is none */
#define FS_O_EXCL 2u   /* with FS_O_CREAT: fail (-HM_EEXIST) if there is one */
#define FS_O_TRUNC 4u  /* empty it */
#define FS_O_APPEND 8u /* every write at the end */
#define FS_O_DIR 16u   /* open a directory (for FS_READDIR); without it, -HM_EISDIR */

#define FS_SEEK_SET 0
#define FS_SEEK_CUR 1
#define FS_SEEK_END 2

#define FS_TYPE_FILE 1
#define FS_TYPE_DIR 2

#define FS_FDS 32     /* descriptors per connection */
#define FS_CLIENTS 32 /* connections with descriptors at once */

#endif
