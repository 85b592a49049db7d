// SPDX-License-Identifier: MIT
/*
 * fs.c - the file system service: tmpfs (tmpfs.h) behind the messages of
 * fs_proto.h, one source for any isolation class.
 *
 * It uses nothing but tmpfs and what its host gives it at fs_init() (the
 * page provider); the host serialises calls (user/fssrv.c holds a lock
 * around fs_handle).  Descriptors are kept per connection (the badge the
 * kernel gives every connection), FS_FDS each, for FS_CLIENTS connections
 * at once.
 *
 * The shared buffer: the kernel checks that a request's length fits the
 * connection's buffer, and the service never reads or writes past the
 * request's length.  So a client that wants n bytes back (FS_READ,
 * FS_READDIR) sends a request n bytes long: what the buffer held is
 * overwritten, never read.
 */
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "fs_proto.h"
#include "fs_service.h"
#include "tmpfs.h"

#ifndef FS_CLASS
#error "build with -DFS_CLASS=0, 1 or 2"
#endif

struct fd {
    uint32_t ino; /* 0: free */
    uint32_t flags;
    uint64_t off;
};

static struct {
    uint32_t badge; /* 0: free */
    uint32_t open;
    struct fd fd[FS_FDS];
} clients[FS_CLIENTS];

static struct tmpfs fs;
static unsigned open_fds;

int fs_init(const struct tmpfs_pages *pages)
{
    return tmpfs_init(&fs, pages);
}

/* Make the directories of path[0..len) up to its last '/'. */
static void make_parents(const char *path, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if (path[i] == '/')
            tmpfs_create(&fs, path, i, TMPFS_DIR); /* -HM_EEXIST for those already there */
}

int fs_import(long (*stat)(unsigned index, char *name, size_t cap))
{
    static char path[TMPFS_PATH_MAX + 1] = "/initrd/";
    const size_t pre = 8;
    long r = tmpfs_create(&fs, path, pre - 1, TMPFS_DIR);
    if (r < 0)
        return (int)r;
    unsigned n = 0;
    for (unsigned i = 0; i < 4096; i++) {
        long size = stat(i, path + pre, sizeof(path) - pre);
        if (size == -HM_ENOENT)
            break;
        if (size < 0)
            continue; /* a name too long for a path here: not shown */
        const char *name = path + pre;
        while (*name == '.' || *name == '/') /* "./bin/x", "/bin/x" -> "bin/x" */
            name++;
        size_t len = 0;
        while (name[len])
            len++;
        if (name != path + pre)
            for (size_t k = 0; k <= len; k++)
                path[pre + k] = name[k];
        make_parents(path, pre + len);
        if (len && tmpfs_create_backed(&fs, path, pre + len, i + 1, (uint64_t)size) > 0)
            n++;
    }
    return (int)n;
}

struct tmpfs *fs_tmpfs(void)
{
    return &fs;
}

/* This connection's descriptors; with `make`, a free entry is taken for
 * it (NULL when none is left). */
static struct fd *fds_of(uint32_t badge, bool make)
{
    int free = -1;
    for (int i = 0; i < (int)FS_CLIENTS; i++) {
        if (clients[i].badge == badge)
            return clients[i].fd;
        if (free < 0 && (clients[i].badge == 0 || clients[i].open == 0))
            free = i;
    }
    if (!make || free < 0)
        return NULL;
    for (unsigned j = 0; j < FS_FDS; j++)
        clients[free].fd[j].ino = 0;
    clients[free].badge = badge;
    clients[free].open = 0;
    return clients[free].fd;
}

static struct fd *fd_get(uint32_t badge, uint64_t n)
{
    struct fd *t = fds_of(badge, false);
    if (!t || n >= FS_FDS || !t[n].ino)
        return NULL;
    return &t[n];
}

static void count_open(uint32_t badge, int delta)
{
    for (unsigned i = 0; i < FS_CLIENTS; i++)
        if (clients[i].badge == badge)
            clients[i].open += (uint32_t)delta;
    open_fds += (unsigned)delta;
}

static long fs_open(struct hm_msg *m)
{
    const char *path = m->buf;
    uint64_t flags = m->w[1];
    if (flags & ~(uint64_t)(FS_O_CREAT | FS_O_EXCL | FS_O_TRUNC | FS_O_APPEND | FS_O_DIR))
        return -HM_EINVAL;
    struct fd *t = fds_of(m->badge, true);
    if (!t)
        return -HM_ENOSPC;
    unsigned n = 0;
    while (n < FS_FDS && t[n].ino)
        n++;
    if (n == FS_FDS)
        return -HM_ENOSPC;
    long ino = tmpfs_lookup(&fs, path, m->len);
    if (ino >= 0 && (flags & FS_O_CREAT) && (flags & FS_O_EXCL))
        return -HM_EEXIST;
    if (ino == -HM_ENOENT && (flags & FS_O_CREAT))
        ino = tmpfs_create(&fs, path, m->len, TMPFS_FILE);
    if (ino < 0)
        return ino;
    struct tmpfs_stat st;
    tmpfs_stat(&fs, (uint32_t)ino, &st);
    if (st.type == TMPFS_DIR && !(flags & FS_O_DIR))
        return -HM_EISDIR;
    if (st.type != TMPFS_DIR && (flags & FS_O_DIR))
        return -HM_ENOTDIR;
    if (st.type == TMPFS_FILE && (flags & FS_O_TRUNC))
        tmpfs_truncate(&fs, (uint32_t)ino, 0);
    t[n].ino = (uint32_t)ino;
    t[n].flags = (uint32_t)flags;
    t[n].off = 0;
    count_open(m->badge, 1);
    return n;
}

static void put_stat(struct hm_msg *m, const struct tmpfs_stat *st)
{
    m->w[0] = st->ino;
    m->w[1] = st->type;
    m->w[2] = st->size;
    m->w[3] = st->pages;
}

long fs_handle(struct hm_msg *m)
{
    uint64_t op = m->w[0];
    struct fd *f = NULL;
    long r;
    struct tmpfs_stat st;
    uint64_t len = m->len;
    m->len = 0; /* no reply in the buffer unless said below */
    if (len && !m->buf)
        return -HM_EINVAL; /* a long message on a connection without a buffer */
    switch (op) {
    case FS_OPEN:
        m->len = len;
        r = fs_open(m);
        m->len = 0;
        return r;
    case FS_CLOSE:
        f = fd_get(m->badge, m->w[1]);
        if (!f)
            return -HM_EBADCAP;
        f->ino = 0;
        count_open(m->badge, -1);
        return 0;
    case FS_READ:
        f = fd_get(m->badge, m->w[1]);
        if (!f)
            return -HM_EBADCAP;
        if (f->flags & FS_O_DIR)
            return -HM_EISDIR;
        if (m->w[2] > len)
            return -HM_ERANGE; /* the request must be as long as what it wants back */
        r = tmpfs_read(&fs, f->ino, f->off, m->buf, (size_t)m->w[2]);
        if (r > 0) {
            f->off += (uint64_t)r;
            m->len = (uint64_t)r;
        }
        return r;
    case FS_WRITE:
        f = fd_get(m->badge, m->w[1]);
        if (!f)
            return -HM_EBADCAP;
        if (f->flags & FS_O_DIR)
            return -HM_EISDIR;
        if (f->flags & FS_O_APPEND) {
            tmpfs_stat(&fs, f->ino, &st);
            f->off = st.size;
        }
        r = tmpfs_write(&fs, f->ino, f->off, m->buf, (size_t)len);
        if (r > 0)
            f->off += (uint64_t)r;
        return r;
    case FS_SEEK: {
        f = fd_get(m->badge, m->w[1]);
        if (!f)
            return -HM_EBADCAP;
        tmpfs_stat(&fs, f->ino, &st);
        int64_t base = m->w[3] == FS_SEEK_SET ? 0 :
                       m->w[3] == FS_SEEK_CUR ? (int64_t)f->off :
                       m->w[3] == FS_SEEK_END ? (int64_t)st.size :
                                                -1;
        int64_t to = base + (int64_t)m->w[2];
        if (base < 0 || to < 0 || (uint64_t)to > TMPFS_FILE_MAX)
            return -HM_EINVAL;
        f->off = (uint64_t)to;
        m->w[0] = f->off;
        return 0;
    }
    case FS_STAT:
        r = tmpfs_lookup(&fs, m->buf, (size_t)len);
        if (r < 0)
            return r;
        tmpfs_stat(&fs, (uint32_t)r, &st);
        put_stat(m, &st);
        return 0;
    case FS_FSTAT:
        f = fd_get(m->badge, m->w[1]);
        if (!f)
            return -HM_EBADCAP;
        tmpfs_stat(&fs, f->ino, &st);
        put_stat(m, &st);
        return 0;
    case FS_MKDIR:
        r = tmpfs_create(&fs, m->buf, (size_t)len, TMPFS_DIR);
        return r < 0 ? r : 0;
    case FS_REMOVE:
        r = tmpfs_lookup(&fs, m->buf, (size_t)len);
        for (unsigned i = 0; r > 0 && i < FS_CLIENTS; i++) /* open somewhere: kept */
            for (unsigned j = 0; j < FS_FDS && clients[i].open; j++)
                if (clients[i].fd[j].ino == (uint32_t)r)
                    return -HM_EBUSY;
        return tmpfs_remove(&fs, m->buf, (size_t)len);
    case FS_RENAME: {
        const char *b = m->buf;
        uint64_t n = 0;
        while (n < len && b[n])
            n++;
        if (n == len)
            return -HM_EINVAL; /* no NUL between the two paths */
        return tmpfs_rename(&fs, b, (size_t)n, b + n + 1, (size_t)(len - n - 1));
    }
    case FS_TRUNCATE:
        f = fd_get(m->badge, m->w[1]);
        if (!f)
            return -HM_EBADCAP;
        return tmpfs_truncate(&fs, f->ino, m->w[2]);
    case FS_READDIR:
        f = fd_get(m->badge, m->w[1]);
        if (!f)
            return -HM_EBADCAP;
        if (m->w[2] > UINT32_MAX)
            return -HM_ENOENT;
        r = tmpfs_readdir(&fs, f->ino, (uint32_t)m->w[2], m->buf, (size_t)len);
        if (r < 0)
            return r;
        tmpfs_stat(&fs, (uint32_t)r, &st);
        put_stat(m, &st);
        for (m->len = 0; ((char *)m->buf)[m->len]; m->len++)
            ;
        m->len++;
        return 0;
    case FS_PREAD_INO: /* the memory manager, separated: a file's bytes by inode */
        /* LAB 3 TODO BEGIN(return -HM_ENOSYS): separated: the memory manager reads w[3] bytes of file w[1] at w[2] */
        if (m->w[1] > UINT32_MAX || tmpfs_stat(&fs, (uint32_t)m->w[1], &st) < 0 ||
            st.type != TMPFS_FILE)
            return -HM_ENOENT;
        if (m->w[3] > len)
            return -HM_ERANGE;
        r = tmpfs_read(&fs, (uint32_t)m->w[1], m->w[2], m->buf, (size_t)m->w[3]);
        if (r > 0)
            m->len = (uint64_t)r;
        return r;
        /* LAB 3 TODO END */
    case FS_PWRITE_INO: /* ... and back; a mapping never makes a file longer */
        /* LAB 3 TODO BEGIN(return -HM_ENOSYS): separated: the memory manager's copy back into file w[1] at w[2], not past its end */
        if (m->w[1] > UINT32_MAX || tmpfs_stat(&fs, (uint32_t)m->w[1], &st) < 0 ||
            st.type != TMPFS_FILE)
            return -HM_ENOENT;
        if (m->w[2] >= st.size)
            return 0;
        return tmpfs_write(&fs, (uint32_t)m->w[1], m->w[2], m->buf,
                           (size_t)(len < st.size - m->w[2] ? len : st.size - m->w[2]));
        /* LAB 3 TODO END */
    case FS_TRIM: /* clean pages (a host with a pool of pages trims it after this) */
        return (long)tmpfs_drop_clean(&fs);
    case FS_INFO:
        m->w[0] = fs.used;
        m->w[1] = fs.pages_held;
        m->w[2] = open_fds;
        m->w[3] = FS_CLASS;
        return 0;
#ifdef FS_TEST_OPS
    case FS_TEST_CRASH: /* a bug in the service: it faults mid-call */
        *(volatile uint64_t *)(uintptr_t)m->w[1] = 0;
        return 0;
#endif
    default:
        return -HM_ENOSYS;
    }
}
