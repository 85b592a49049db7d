// SPDX-License-Identifier: MIT
/* mm.c - memory mappings through the memory manager (mm.h). */
#include "hm.h"
#include "ipc.h"
#include "fs.h"
#include "mm.h"
#include "mm_proto.h"

#define MM_SLOT_SVC 12 /* the library's capability slots, beside fs.c's 14 and 15 */
#define MM_SLOT_CONN 13

static hm_spinlock_t lock = HM_SPINLOCK_INIT;
static bool connected;

/* One call; connects on first use and again after the service died. */
static long call(uint64_t op, uint64_t w1, uint64_t w2, uint64_t w3, struct hm_msg *reply)
{
    hm_spin_lock(&lock);
    long r = 0;
    if (!connected) {
        r = hm_name_lookup("mm", MM_SLOT_SVC);
        if (r == 0)
            r = hm_connect(MM_SLOT_SVC, NULL, 0, MM_SLOT_CONN);
        hm_cap_delete(MM_SLOT_SVC);
        connected = r == 0;
    }
    if (r == 0) {
        struct hm_msg m = { .w = { op, w1, w2, w3 } };
        r = hm_call(MM_SLOT_CONN, &m, HM_NO_SLOT);
        if (r == -HM_EPIPE) {
            hm_cap_delete(MM_SLOT_CONN);
            connected = false;
        }
        if (reply)
            *reply = m;
    }
    hm_spin_unlock(&lock);
    return r;
}

static long reserve(size_t len, void **out)
{
    if (!out)
        return -HM_EFAULT;
    if (len == 0 || len > MM_MAP_MAX)
        return -HM_EINVAL;
    *out = hm_va_reserve((len + HM_PAGE_SIZE - 1) / HM_PAGE_SIZE);
    return *out ? 0 : -HM_ENOMEM;
}

long mm_map(size_t len, unsigned prot, void **out)
{
    long r = reserve(len, out);
    if (r == 0)
        r = call(MM_MAP, (uintptr_t)*out, (len + HM_PAGE_SIZE - 1) & ~(HM_PAGE_SIZE - 1), prot,
                 NULL);
    return r;
}

long mm_map_file(int fd, uint64_t off, size_t len, unsigned prot, void **out)
{
    struct fs_stat st;
    if (off & (HM_PAGE_SIZE - 1))
        return -HM_EINVAL;
    long r = fs_fstat(fd, &st);
    if (r == 0 && st.type != FS_TYPE_FILE)
        r = -HM_EISDIR;
    if (r == 0)
        r = reserve(len, out);
    if (r == 0) {
        uint64_t n = (len + HM_PAGE_SIZE - 1) & ~(HM_PAGE_SIZE - 1);
        r = call(MM_MAP_FILE, (uintptr_t)*out, n | (uint64_t)prot << 32,
                 st.ino | (off / HM_PAGE_SIZE) << 32, NULL);
    }
    return r;
}

long mm_unmap(void *va, size_t len)
{
    return call(MM_UNMAP, (uintptr_t)va, (len + HM_PAGE_SIZE - 1) & ~(HM_PAGE_SIZE - 1), 0, NULL);
}

long mm_info(struct mm_info *info)
{
    struct hm_msg m;
    long r = call(MM_INFO, 0, 0, 0, &m);
    if (r == 0 && info)
        *info = (struct mm_info){ m.w[0], m.w[1], m.w[2], m.w[3] & 0xff, m.w[3] >> 8 };
    return r;
}

long mm_collect(void)
{
    return call(MM_COLLECT, 0, 0, 0, NULL);
}
