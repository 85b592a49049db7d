// SPDX-License-Identifier: MIT
/*
 * mmsrv.c - the memory manager in the *separated* composition: its own
 * process (IC2), beside the file system.  A file page is fetched from the
 * file system by IPC into a page of the memory manager's own pool (the
 * same bytes then live in both: the double bookkeeping of the paper's
 * Table 3) and written back to it when the mapping goes.
 */
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "../services/fs_proto.h"
#include "../services/mm.h"

#define SLOT_SVC 2
#define SLOT_FS_SVC 3
#define SLOT_FS 4
#define SLOT_POOL 64                                   /* the pool's chunks: 64.. */
#define MM_LIMIT_PAGES (16u * 1024 * 1024 / POOL_PAGE) /* its memory budget: 16 MiB */

static hm_spinlock_t lock = HM_SPINLOCK_INIT;
static struct pool pool;
static char *fsbuf; /* the connection to the file system: one page */
static bool fs_up;

/* One call to the file system, with `in` bytes from src in the buffer;
 * called with the lock held. */
static long fs_call(struct hm_msg *m, const void *src, size_t in)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!fs_up) {
            char *va = hm_va_reserve(1); /* a dead connection's range is not reused */
            long r = va ? hm_name_lookup("fs", SLOT_FS_SVC) : -HM_ENOMEM;
            if (r == 0)
                r = hm_connect(SLOT_FS_SVC, va, POOL_PAGE, SLOT_FS);
            hm_cap_delete(SLOT_FS_SVC);
            if (r < 0)
                return r;
            fsbuf = va;
            fs_up = true;
        }
        if (in)
            memcpy(fsbuf, src, in);
        struct hm_msg c = *m;
        long r = hm_call(SLOT_FS, &c, HM_NO_SLOT);
        if (r != -HM_EPIPE) {
            *m = c;
            return r;
        }
        hm_cap_delete(SLOT_FS); /* the file system restarted: connect again, once */
        fs_up = false;
    }
    return -HM_EPIPE;
}

static long file_read(uint32_t ino, uint64_t off, void *dst, size_t len)
{
    struct hm_msg m = { .w = { FS_PREAD_INO, ino, off, len }, .len = len };
    long r = fs_call(&m, NULL, 0);
    if (r > 0)
        memcpy(dst, fsbuf, (size_t)r);
    return r;
}

static long file_write(uint32_t ino, uint64_t off, const void *src, size_t len)
{
    struct hm_msg m = { .w = { FS_PWRITE_INO, ino, off }, .len = len };
    return fs_call(&m, src, len);
}

static long mm_entry(struct hm_msg *m)
{
    hm_spin_lock(&lock);
    long r = mm_handle(m);
    hm_spin_unlock(&lock);
    return r;
}

int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
    static struct pool_user chunks;
    static struct pool_ops ops;
    void *base = hm_va_reserve(POOL_MAX_PAGES);
    chunks = (struct pool_user){ (uintptr_t)base, SLOT_POOL };
    ops = pool_user_ops_lent;
    ops.ctx = &chunks;
    pool_init(&pool, &ops, MM_LIMIT_PAGES);
    mm_init(&(struct mm_host){ &mm_user_kernel, &pool, NULL, file_read, file_write });
    /* Connect to the file system now (it is started just before us): the
     * connection then exists from the start, not from the first file
     * mapping on (the kernel's leak check compares with the boot). */
    long r = -HM_ENOENT;
    for (int i = 0; i < 2000 && r == -HM_ENOENT; i++) {
        struct hm_msg m = { .w = { FS_INFO } };
        r = fs_call(&m, NULL, 0);
        if (r == -HM_ENOENT)
            hm_sleep_ns(1000000);
    }
    if (r == 0)
        r = base ? hm_service_register(mm_entry, 16384, 4, SLOT_SVC) : -HM_ENOMEM;
    if (r == 0)
        r = hm_name_publish("mm", SLOT_SVC);
    if (r < 0) {
        hm_printf("mmsrv: cannot start: %ld\n", r);
        return 1;
    }
    hm_notify_create(5);
    for (;;)
        hm_notify_wait(5, 0);
}
