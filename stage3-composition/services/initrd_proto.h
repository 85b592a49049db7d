// SPDX-License-Identifier: MIT
/*
 * initrd_proto.h - the initramfs's files for a file system in IC1: the
 * in-kernel service "initrd" (kernel/initrd.c), the domain's way to what
 * HM_SYS_INITRD_STAT / _READ give a process (uapi/hm/pager.h).  Only a
 * domain may call it, and the kernel writes only into that domain's own
 * memory (its data, buffers and heap: -HM_EFAULT otherwise).
 *
 *   w0 = INITRD_STAT, w1 = index, w2 = cap, w3 = name -> the file's size,
 *        its name NUL-terminated at w3; -HM_ENOENT past the last file,
 *        -HM_ERANGE if cap is too small
 *   w0 = INITRD_READ, w1 = index, w2 = offset, w3 = dst (a page the
 *        domain may write) -> bytes copied to dst (INITRD_PAGE at most)
 */
#ifndef INITRD_PROTO_H
#define INITRD_PROTO_H

#define INITRD_NAME "initrd"
#define INITRD_STAT 1
#define INITRD_READ 2
#define INITRD_PAGE 4096u

#endif
