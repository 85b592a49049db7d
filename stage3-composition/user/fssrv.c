// SPDX-License-Identifier: MIT
/*
 * fssrv.c - the file system service placed in IC2: its own process.  The
 * service is services/fs.c over services/tmpfs.c, unchanged; this gives it
 * pages (its own heap) and a lock, registers it and publishes "fs".
 */
#include "hm.h"
#include "ipc.h"
#include "../services/fs_service.h"

static hm_spinlock_t lock = HM_SPINLOCK_INIT;

static void *page_alloc(void *ctx)
{
    (void)ctx;
    return hm_alloc_pages(1); /* freshly mapped: zeroed */
}

static void page_free(void *ctx, void *page)
{
    (void)ctx;
    hm_free_pages(page, 1);
}

/* Calls arrive on several stacks at once: one at a time inside. */
static long fs_entry(struct hm_msg *m)
{
    hm_spin_lock(&lock);
    long r = fs_handle(m);
    hm_spin_unlock(&lock);
    return r;
}

int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
    static const struct tmpfs_pages pages = { page_alloc, page_free, NULL };
    long r = fs_init(&pages);
    if (r == 0)
        r = hm_service_register(fs_entry, 16384, 4, 2);
    if (r == 0)
        r = hm_name_publish("fs", 2);
    if (r < 0) {
        hm_printf("fssrv: cannot start: %ld\n", r);
        return 1;
    }
    hm_notify_create(3);
    for (;;)
        hm_notify_wait(3, 0);
}
