// SPDX-License-Identifier: MIT
/*
 * initrd.c - stage 3: the initramfs's files, read by the file system
 * service (HM_SYS_INITRD_STAT / _READ in uapi/hm/pager.h).  It shows them
 * under /initrd and keeps their pages in its page cache as *clean* pages:
 * the initramfs holds a copy, so under memory pressure they can be
 * dropped and read again, unlike the tmpfs's own data.  The initramfs is
 * read-only and public (every program can be spawned from it anyway).
 */
#include <kernel.h>
#include <pager.h>
#include <proc.h>
#include <string.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>

long sys_initrd_stat(struct trap_frame *tf, struct proc *p)
{
    const char *name;
    const void *data;
    size_t nlen, size;
    if (tf->x[0] > UINT32_MAX ||
        initramfs_entry((unsigned)tf->x[0], &name, &nlen, &data, &size) < 0)
        return -HM_ENOENT;
    if (tf->x[2] <= nlen)
        return -HM_ERANGE;
    char buf[HM_NAME_MAX + 1];
    if (nlen > HM_NAME_MAX)
        return -HM_ENAMETOOLONG;
    memcpy(buf, name, nlen);
    buf[nlen] = '\0';
    int err = copy_to_user(p, tf->x[1], buf, nlen + 1);
    return err < 0 ? err : (long)size;
}

long sys_initrd_read(struct trap_frame *tf, struct proc *p)
{
    const char *name;
    const void *data;
    size_t nlen, size;
    uint64_t off = tf->x[1], len = tf->x[3];
    if (tf->x[0] > UINT32_MAX ||
        initramfs_entry((unsigned)tf->x[0], &name, &nlen, &data, &size) < 0)
        return -HM_ENOENT;
    if (off >= size)
        return 0;
    len = MIN(len, size - off);
    int err = copy_to_user(p, tf->x[2], (const char *)data + off, len);
    return err < 0 ? err : (long)len;
}
