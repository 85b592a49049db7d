// SPDX-License-Identifier: MIT
/*
 * fs_ic0.c - the file system service placed in IC0 (CONFIG_FS_IC0): linked
 * into the kernel.  The source is services/fs.c over services/tmpfs.c,
 * unchanged; this gives it frames for pages (through the linear map) and a
 * lock, and publishes it as "fs".  The client's shared buffer reaches the
 * handler through the linear map (stage 2's IC0 calls with a buffer).
 */
#include <kernel.h>
#include <ic0.h>
#include <mm.h>
#include <proc.h>
#include <string.h>
#include <arch/spinlock.h>
#include <uapi/hm/syscall.h>
#include "../services/fs_service.h"

static spinlock_t lock = SPINLOCK_INIT;
static bool ready;

/* Its memory budget, as the IC2 host's pool has (user/fssrv.c): past it
 * the page cache reclaims its clean pages, then writes fail with
 * -HM_ENOMEM, rather than the file system taking the kernel's last frame. */
#define FS_IC0_PAGES (32u * 1024 * 1024 / PAGE_SIZE)
static unsigned held;

static void *page_alloc(void *ctx)
{
    (void)ctx;
    paddr_t pa = held < FS_IC0_PAGES ? frame_alloc(0) : 0; /* zeroed */
    held += pa != 0;
    return pa ? (void *)pa_to_linear(pa) : NULL;
}

static void page_free(void *ctx, void *page)
{
    (void)ctx;
    held--;
    frame_free(linear_to_pa((uint64_t)page), 0);
}

/* The initramfs's files (fs_import), read straight from the archive. */
static long initrd_fill(void *ctx, uint32_t backing, uint64_t off, void *page)
{
    (void)ctx;
    const char *name;
    const void *data;
    size_t nlen, size;
    if (initramfs_entry(backing - 1, &name, &nlen, &data, &size) < 0)
        return -HM_EIO;
    uint64_t n = off < size ? MIN((uint64_t)TMPFS_PAGE, size - off) : 0;
    memcpy(page, (const char *)data + off, n);
    return (long)n;
}

static long initrd_stat(unsigned index, char *name, size_t cap)
{
    const char *n;
    const void *data;
    size_t nlen, size;
    if (initramfs_entry(index, &n, &nlen, &data, &size) < 0)
        return -HM_ENOENT;
    if (nlen >= cap)
        return -HM_ERANGE;
    memcpy(name, n, nlen);
    name[nlen] = '\0';
    return (long)size;
}

static long fs_ic0(struct hm_msg *m)
{
    static const struct tmpfs_pages pages = { .alloc = page_alloc,
                                              .free = page_free,
                                              .fill = initrd_fill };
    spin_lock(&lock);
    if (!ready) /* on first use: IC0 services are published before the allocator's users */
        ready = fs_init(&pages) == 0 && fs_import(initrd_stat) >= 0;
    long r = ready ? fs_handle(m) : -HM_EIO;
    spin_unlock(&lock);
    return r;
}

IC0_SERVICE(fs_service, "fs", fs_ic0);
