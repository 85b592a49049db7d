// SPDX-License-Identifier: MIT
/* fs.c - the native file API (fs.h). */
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "fs.h"

#define FS_SLOT_SVC 14  /* the library's capability slots: below the 16 programs and tests */
#define FS_SLOT_CONN 15 /* use (utest.h UT_SLOT_FIRST), out of the grant range */

static struct {
    hm_spinlock_t lock;
    char *buf;   /* the connection's shared buffer */
    char *spare; /* address space reserved for the next one */
    long status; /* 0 connected, 1 not (yet, or any more) */
} conn = { HM_SPINLOCK_INIT, NULL, NULL, 1 };

/* Connect on first use, and again after the service died; with the lock
 * held.  Each connection gets fresh address space for its buffer (the
 * kernel maps it there): a dead connection's range is not reused. */
static long connect_locked(void)
{
    if (conn.status == 0)
        return 0;
    if (!conn.spare)
        conn.spare = hm_va_reserve(FS_IO_MAX / HM_PAGE_SIZE);
    if (!conn.spare)
        return -HM_ENOMEM;
    long r = hm_name_lookup("fs", FS_SLOT_SVC);
    if (r == 0)
        r = hm_connect(FS_SLOT_SVC, conn.spare, FS_IO_MAX, FS_SLOT_CONN);
    hm_cap_delete(FS_SLOT_SVC);
    if (r < 0)
        return r; /* no file system (yet, or any more): -HM_ENOENT */
    conn.buf = conn.spare;
    conn.spare = NULL;
    conn.status = 0;
    return 0;
}

static bool bad_range(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    return !p || a + n < a || a + n > HM_USER_TOP;
}

/* One call with the lock held: w0..w3, `in` bytes in the buffer from
 * `src` (may be NULL: the request is only that long), `out` bytes of
 * reply copied to dst. */
static long call(uint64_t op, uint64_t w1, uint64_t w2, uint64_t w3, const void *src, size_t in,
                 void *dst, size_t outcap, struct hm_msg *reply)
{
    hm_spin_lock(&conn.lock);
    long r = connect_locked();
    if (r == 0) {
        if (src)
            memcpy(conn.buf, src, in);
        struct hm_msg m = { .w = { op, w1, w2, w3 }, .len = in };
        r = hm_call(FS_SLOT_CONN, &m, HM_NO_SLOT);
        if (r == -HM_EPIPE) {
            /* The service died: its descriptors are gone.  Connect
             * afresh next time (to a restarted one, if any). */
            hm_cap_delete(FS_SLOT_CONN);
            conn.buf = NULL;
            conn.status = 1;
        }
        if (r >= 0 && dst) {
            size_t n = m.len < outcap ? m.len : outcap;
            memcpy(dst, conn.buf, n);
        }
        if (reply)
            *reply = m;
    }
    hm_spin_unlock(&conn.lock);
    return r;
}

static long path_call(uint64_t op, uint64_t w1, const char *path, struct hm_msg *reply)
{
    if (bad_range(path, 1))
        return -HM_EFAULT;
    size_t n = strnlen(path, FS_IO_MAX);
    if (n >= 4096)
        return -HM_ENAMETOOLONG;
    return call(op, w1, 0, 0, path, n, NULL, 0, reply);
}

int fs_open(const char *path, unsigned flags)
{
    return (int)path_call(FS_OPEN, flags, path, NULL);
}

int fs_close(int fd)
{
    return (int)call(FS_CLOSE, (uint64_t)(long)fd, 0, 0, NULL, 0, NULL, 0, NULL);
}

/* Read into buf, or write from it, n bytes in chunks of at most the
 * shared buffer. */
static long transfer(bool reading, int fd, void *buf, size_t n)
{
    if (n && bad_range(buf, n))
        return -HM_EFAULT;
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done < FS_IO_MAX ? n - done : FS_IO_MAX;
        char *at = (char *)buf + done;
        long r = reading ?
                         call(FS_READ, (uint64_t)(long)fd, chunk, 0, NULL, chunk, at, chunk, NULL) :
                         call(FS_WRITE, (uint64_t)(long)fd, 0, 0, at, chunk, NULL, 0, NULL);
        if (r < 0)
            return done ? (long)done : r;
        done += (size_t)r;
        if ((size_t)r < chunk)
            break;
    }
    return (long)done;
}

long fs_read(int fd, void *buf, size_t n)
{
    return transfer(true, fd, buf, n);
}

long fs_write(int fd, const void *buf, size_t n)
{
    return transfer(false, fd, (void *)(uintptr_t)buf, n);
}

long fs_seek(int fd, int64_t off, int whence)
{
    struct hm_msg m;
    long r = call(FS_SEEK, (uint64_t)(long)fd, (uint64_t)off, (uint64_t)(long)whence, NULL, 0, NULL,
                  0, &m);
    return r < 0 ? r : (long)m.w[0];
}

static void to_stat(const struct hm_msg *m, struct fs_stat *st)
{
    st->ino = m->w[0];
    st->type = m->w[1];
    st->size = m->w[2];
    st->pages = m->w[3];
}

int fs_stat(const char *path, struct fs_stat *st)
{
    if (bad_range(st, sizeof(*st)))
        return -HM_EFAULT;
    struct hm_msg m;
    long r = path_call(FS_STAT, 0, path, &m);
    if (r == 0)
        to_stat(&m, st);
    return (int)r;
}

int fs_fstat(int fd, struct fs_stat *st)
{
    if (bad_range(st, sizeof(*st)))
        return -HM_EFAULT;
    struct hm_msg m;
    long r = call(FS_FSTAT, (uint64_t)(long)fd, 0, 0, NULL, 0, NULL, 0, &m);
    if (r == 0)
        to_stat(&m, st);
    return (int)r;
}

int fs_truncate(int fd, uint64_t size)
{
    return (int)call(FS_TRUNCATE, (uint64_t)(long)fd, size, 0, NULL, 0, NULL, 0, NULL);
}

int fs_mkdir(const char *path)
{
    return (int)path_call(FS_MKDIR, 0, path, NULL);
}

int fs_remove(const char *path)
{
    return (int)path_call(FS_REMOVE, 0, path, NULL);
}

int fs_rename(const char *from, const char *to)
{
    if (bad_range(from, 1) || bad_range(to, 1))
        return -HM_EFAULT;
    size_t a = strnlen(from, 4096), b = strnlen(to, 4096);
    if (a >= 4096 || b >= 4096)
        return -HM_ENAMETOOLONG;
    char both[8194];
    memcpy(both, from, a);
    both[a] = 0;
    memcpy(both + a + 1, to, b);
    return (int)call(FS_RENAME, 0, 0, 0, both, a + 1 + b, NULL, 0, NULL);
}

long fs_readdir(int fd, unsigned index, char *name, size_t cap, struct fs_stat *st)
{
    if (bad_range(name, cap) || cap == 0 || (st && bad_range(st, sizeof(*st))))
        return -HM_EFAULT;
    if (cap > FS_IO_MAX)
        cap = FS_IO_MAX;
    struct hm_msg m;
    long r = call(FS_READDIR, (uint64_t)(long)fd, index, 0, NULL, cap, name, cap, &m);
    if (r == 0 && st)
        to_stat(&m, st);
    return r < 0 ? r : (long)m.w[0];
}

int fs_info(uint64_t *inodes, uint64_t *pages, uint64_t *open)
{
    struct hm_msg m;
    long r = call(FS_INFO, 0, 0, 0, NULL, 0, NULL, 0, &m);
    if (r == 0) {
        if (inodes)
            *inodes = m.w[0];
        if (pages)
            *pages = m.w[1];
        if (open)
            *open = m.w[2];
    }
    return (int)r;
}

int fs_trim(void)
{
    return (int)call(FS_TRIM, 0, 0, 0, NULL, 0, NULL, 0, NULL);
}

long fs_isolation_class(void)
{
    struct hm_msg m;
    long r = call(FS_INFO, 0, 0, 0, NULL, 0, NULL, 0, &m);
    return r < 0 ? r : (long)m.w[3];
}
