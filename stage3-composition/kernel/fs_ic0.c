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
#include <arch/spinlock.h>
#include <uapi/hm/syscall.h>
#include "../services/fs_service.h"

static spinlock_t lock = SPINLOCK_INIT;
static bool ready;

static void *page_alloc(void *ctx)
{
    (void)ctx;
    paddr_t pa = frame_alloc(0); /* zeroed */
    return pa ? (void *)pa_to_linear(pa) : NULL;
}

static void page_free(void *ctx, void *page)
{
    (void)ctx;
    frame_free(linear_to_pa((uint64_t)page), 0);
}

static long fs_ic0(struct hm_msg *m)
{
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL };
    spin_lock(&lock);
    if (!ready) /* on first use: IC0 services are published before the allocator's users */
        ready = fs_init(&pages) == 0;
    long r = ready ? fs_handle(m) : -HM_EIO;
    spin_unlock(&lock);
    return r;
}

IC0_SERVICE(fs_service, "fs", fs_ic0);
