// SPDX-License-Identifier: MIT
/*
 * initrd.c - stage 3: programs and files between the kernel and the file
 * system.  Spawning a program the process manager read from the file
 * system (HM_SYS_SPAWN_MEM), and the initramfs's files, read by the file
 * system service (HM_SYS_INITRD_STAT / _READ in uapi/hm/pager.h).  It shows them
 * under /initrd and keeps their pages in its page cache as *clean* pages:
 * the initramfs holds a copy, so under memory pressure they can be
 * dropped and read again, unlike the tmpfs's own data.  The initramfs is
 * read-only and public (every program can be spawned from it anyway).
 */
#include <kernel.h>
#include <cap.h>
#include <mm.h>
#include <pager.h>
#include <proc.h>
#include <string.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>
#ifdef CONFIG_FS_IC1
#include <ic0.h>
#include <ic1.h>
#include "../services/initrd_proto.h"
#endif

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

long sys_spawn_mem(struct trap_frame *tf, struct proc *p)
{
    char name[HM_NAME_MAX + 1], arg[HM_NAME_MAX + 1];
    unsigned mslot = (unsigned)(tf->x[0] & 0xffff), slot = (unsigned)((tf->x[0] >> 16) & 0xffff);
    uint64_t size = tf->x[1];
    /* decode: the strings, the destination slot, the memory object */
    int err = user_string(p, tf->x[2], tf->x[3], name, HM_NAME_MAX, false);
    if (err == 0)
        err = user_string(p, tf->x[4], tf->x[5], arg, HM_NAME_MAX, true);
    if (err < 0)
        return err;
    if (tf->x[0] >> 32 || slot >= HM_CSPACE_SLOTS)
        return -HM_EBADCAP;
    struct cap *c;
    struct memobj *m = NULL;
    spin_lock(&cap_lock);
    err = cspace_slot_free(&p->cs, slot);
    if (err == 0)
        err = cap_lookup(&p->cs, mslot, HM_CAP_MEMORY, HM_RIGHT_READ, &c);
    if (err == 0) {
        m = (struct memobj *)c->obj;
        if (size == 0 || size > ((uint64_t)PAGE_SIZE << m->order))
            err = -HM_EINVAL;
        else
            m->maps++; /* held while the kernel reads it */
    }
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
    /* invoke */
    struct proc *child;
    err = proc_spawn_image(name, phys_to_virt(m->pa), size, arg, tf->x[5], -1, &child);
    memobj_unhold(m);
    return err < 0 ? err : give_child(p, slot, child);
}

#ifdef CONFIG_FS_IC1
/* ---- the same for the file system in IC1: the in-kernel service "initrd"
 * (services/initrd_proto.h).  Called through the gate from the domain,
 * which can make no system call; the kernel writes only into memory of
 * that domain (ic1_copy_to_caller: -HM_EFAULT otherwise, the kernel and
 * IC2 callers included, who have the system calls above). */
static long initrd_service(struct hm_msg *m)
{
    const char *name;
    const void *data;
    size_t nlen, size;
    uint64_t dst = m->w[3];
    if (m->w[1] > UINT32_MAX || initramfs_entry((unsigned)m->w[1], &name, &nlen, &data, &size) < 0)
        return -HM_ENOENT;
    switch (m->w[0]) {
    case INITRD_STAT: {
        if (m->w[2] <= nlen)
            return -HM_ERANGE;
        long err = ic1_copy_to_caller(dst, nlen + 1, name, nlen);
        if (err == 0)
            err = ic1_copy_to_caller(dst + nlen, 1, "", 1);
        return err < 0 ? err : (long)size;
    }
    case INITRD_READ: { /* into a whole page of the domain's */
        uint64_t off = m->w[2], len = off < size ? MIN((uint64_t)INITRD_PAGE, size - off) : 0;
        long err = ic1_copy_to_caller(dst, INITRD_PAGE, (const char *)data + off, len);
        return err < 0 ? err : (long)len;
    }
    default:
        return -HM_ENOSYS;
    }
}

IC0_SERVICE(initrd_ic0, INITRD_NAME, initrd_service);
#endif
