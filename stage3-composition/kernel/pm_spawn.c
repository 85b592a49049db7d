// SPDX-License-Identifier: MIT
/*
 * pm_spawn.c - starting a program for a process manager in kernel space
 * (pm_kernel.h): the one in IC0 (pm_ic0.c) and the one in an IC1 domain,
 * through its in-kernel service (pm_ic1.c).  A program of the initramfs,
 * else a file of the in-kernel "fs" (IC0 or IC1: the kernel cannot call a
 * process, so the Kconfig rules out a file system in IC2 beside them).
 */
#include <kernel.h>
#include <ic0.h>
#include <mm.h>
#include <pm_kernel.h>
#include <proc.h>
#include <string.h>
#include <uapi/hm/syscall.h>
#include "../services/fs_proto.h"

#define IMAGE_MAX_ORDER 10 /* a program read from the file system: at most 4 MiB */
#define FS_CHUNK 65536     /* per call: an IC1 file system's buffer window */

static long fs_call(long h, struct hm_msg *m, void *buf, size_t len)
{
    m->buf = buf;
    m->len = len;
    m->grant = HM_NO_SLOT;
    m->badge = 0; /* the kernel's own connection */
    return svc_call_buf(h, m);
}

/* A program that is a file of the file system: read into kernel frames
 * (the page-aligned, physically contiguous buffer an IC1 file system's
 * window needs), loaded from there.  The frames go back either way. */
static int spawn_from_fs(const char *path, const char *arg, struct proc **out)
{
    long h = svc_lookup("fs");
    if (h < 0)
        return -HM_ENOENT;
    paddr_t ppa = frame_alloc(0); /* the path, as the long message */
    if (!ppa)
        return -HM_ENOMEM;
    size_t plen = strlen(path);
    memcpy((void *)pa_to_linear(ppa), path, plen);
    struct hm_msg m = { .w = { FS_STAT } };
    long r = fs_call(h, &m, (void *)pa_to_linear(ppa), plen);
    frame_free(ppa, 0);
    uint64_t ino = m.w[0], type = m.w[1], size = m.w[2];
    if (r < 0)
        return (int)r;
    if (type != FS_TYPE_FILE)
        return -HM_EISDIR;
    if (size == 0 || size > ((uint64_t)PAGE_SIZE << IMAGE_MAX_ORDER))
        return -HM_ENOEXEC;
    unsigned order = 0;
    while (((uint64_t)PAGE_SIZE << order) < size)
        order++;
    paddr_t pa = frame_alloc(order);
    if (!pa)
        return -HM_ENOMEM;
    char *img = (char *)pa_to_linear(pa);
    for (uint64_t off = 0; r >= 0 && off < size; off += FS_CHUNK) {
        uint64_t n = size - off < FS_CHUNK ? size - off : FS_CHUNK;
        m = (struct hm_msg){ .w = { FS_PREAD_INO, ino, off, n } };
        r = fs_call(h, &m, img + off, n);
        if (r >= 0 && (uint64_t)r != n)
            r = -HM_EIO; /* the file shrank meanwhile */
    }
    if (r >= 0)
        r = proc_spawn_image(path, img, size, arg, strlen(arg), -1, out);
    frame_free(pa, order);
    return (int)r;
}

int stage3_spawn(const char *path, const char *arg, struct proc **out)
{
    int r = proc_spawn(path, arg, strlen(arg), -1, out);
    if (r == -HM_ENOENT && path[0] == '/')
        r = spawn_from_fs(path, arg, out);
    return r;
}
