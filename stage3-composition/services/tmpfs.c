// SPDX-License-Identifier: MIT
/*
 * tmpfs.c - the in-memory file system's core (tmpfs.h).
 *
 * Inodes are a fixed table; a directory's entries are the inodes whose
 * parent it is (each inode has one name: no hard links), so a look-up is
 * a scan of the table, fine at TMPFS_INODES.  A file's data is its page
 * cache: an index page of TMPFS_FILE_PAGES pointers to data pages, both
 * from the page provider; a hole is a NULL pointer.
 */
#include <hm/syscall.h>
#include "tmpfs.h"

/* The C library's (or, in the kernel, the kernel's) memcpy and memset:
 * byte loops here made every 4 KiB page cost ~6 instructions a byte. */
static void *copy(void *dst, const void *src, size_t n)
{
    return __builtin_memcpy(dst, src, n);
}

static void zero(void *dst, size_t n)
{
    __builtin_memset(dst, 0, n);
}

int tmpfs_init(struct tmpfs *fs, const struct tmpfs_pages *pages)
{
    if (!fs || !pages || !pages->alloc || !pages->free)
        return -HM_EINVAL;
    zero(fs, sizeof(*fs));
    fs->pages = *pages;
    struct tmpfs_inode *root = &fs->inode[TMPFS_ROOT];
    root->type = TMPFS_DIR;
    root->parent = TMPFS_ROOT;
    fs->used = 1;
    return 0;
}

static struct tmpfs_inode *node(struct tmpfs *fs, uint32_t ino)
{
    if (ino == 0 || ino > TMPFS_INODES || fs->inode[ino].type == TMPFS_FREE)
        return NULL;
    return &fs->inode[ino];
}

/* ---- paths ----------------------------------------------------------------- */

/* The next component of path[*pos..len): its start and length, *pos past
 * it; 0 at the end.  Negative: a bad component. */
static long next_component(const char *path, size_t len, size_t *pos, const char **name)
{
    while (*pos < len && path[*pos] == '/')
        (*pos)++;
    size_t start = *pos;
    while (*pos < len && path[*pos] != '/')
        (*pos)++;
    size_t n = *pos - start;
    if (n == 0)
        return 0;
    if (n > TMPFS_NAME_MAX)
        return -HM_ENAMETOOLONG;
    if ((n == 1 && path[start] == '.') || (n == 2 && path[start] == '.' && path[start + 1] == '.'))
        return -HM_EINVAL;
    *name = path + start;
    return (long)n;
}

static int check_path(const char *path, size_t len)
{
    if (!path || len == 0 || path[0] != '/')
        return -HM_EINVAL;
    if (len > TMPFS_PATH_MAX)
        return -HM_ENAMETOOLONG;
    for (size_t i = 0; i < len; i++)
        if (path[i] == 0)
            return -HM_EINVAL;
    return 0;
}

static uint32_t find_in(struct tmpfs *fs, uint32_t dir, const char *name, size_t n)
{
    for (uint32_t i = 1; i <= TMPFS_INODES; i++) {
        struct tmpfs_inode *x = &fs->inode[i];
        if (x->type != TMPFS_FREE && i != TMPFS_ROOT && x->parent == dir && x->namelen == n) {
            size_t k = 0;
            while (k < n && x->name[k] == name[k])
                k++;
            if (k == n)
                return i;
        }
    }
    return 0;
}

/* Walk `path`.  With `last` set, stop before the last component and
 * return its directory in *dir and the name in *name / *namelen (the
 * root itself has no last component: -HM_EEXIST for create, the caller
 * decides).  Otherwise return the inode. */
static long walk(struct tmpfs *fs, const char *path, size_t len, bool last, uint32_t *dir,
                 const char **name, size_t *namelen)
{
    int err = check_path(path, len);
    if (err < 0)
        return err;
    uint32_t cur = TMPFS_ROOT;
    size_t pos = 0;
    const char *comp = NULL;
    long n = next_component(path, len, &pos, &comp);
    if (n < 0)
        return n;
    if (n == 0) { /* the root */
        if (last)
            return -HM_EEXIST;
        return TMPFS_ROOT;
    }
    for (;;) {
        const char *nextc = NULL;
        size_t save = pos;
        long m = next_component(path, len, &pos, &nextc);
        if (m < 0)
            return m;
        if (fs->inode[cur].type != TMPFS_DIR)
            return -HM_ENOTDIR;
        if (m == 0 && last) { /* comp is the last component */
            *dir = cur;
            *name = comp;
            *namelen = (size_t)n;
            return 0;
        }
        uint32_t child = find_in(fs, cur, comp, (size_t)n);
        if (!child)
            return -HM_ENOENT;
        if (m == 0)
            return child;
        (void)save;
        cur = child;
        comp = nextc;
        n = m;
    }
}

long tmpfs_lookup(struct tmpfs *fs, const char *path, size_t len)
{
    return walk(fs, path, len, false, NULL, NULL, NULL);
}

long tmpfs_create(struct tmpfs *fs, const char *path, size_t len, enum tmpfs_type type)
{
    if (type != TMPFS_FILE && type != TMPFS_DIR)
        return -HM_EINVAL;
    uint32_t dir;
    const char *name;
    size_t n;
    long err = walk(fs, path, len, true, &dir, &name, &n);
    if (err < 0)
        return err;
    if (find_in(fs, dir, name, n))
        return -HM_EEXIST;
    for (uint32_t i = 1; i <= TMPFS_INODES; i++) {
        struct tmpfs_inode *x = &fs->inode[i];
        if (x->type != TMPFS_FREE)
            continue;
        zero(x, sizeof(*x));
        x->type = (uint8_t)type;
        x->namelen = (uint8_t)n;
        copy(x->name, name, n);
        x->parent = dir;
        fs->inode[dir].entries++;
        fs->used++;
        return i;
    }
    return -HM_ENOSPC;
}

long tmpfs_create_backed(struct tmpfs *fs, const char *path, size_t len, uint32_t backing,
                         uint64_t size)
{
    if (backing == 0 || !fs->pages.fill)
        return -HM_EINVAL; /* nothing to fill it from */
    if (size > TMPFS_FILE_MAX)
        return -HM_EFBIG;
    long ino = tmpfs_create(fs, path, len, TMPFS_FILE);
    if (ino > 0) {
        fs->inode[ino].backing = backing;
        fs->inode[ino].backed = size;
        fs->inode[ino].size = size;
    }
    return ino;
}

/* ---- the page cache --------------------------------------------------------- */

/* The clean list (entries are numbered from 1; 0 is "none"). */
static void lru_unlink(struct tmpfs *fs, uint32_t e)
{
    struct tmpfs_lru *l = &fs->lru[e - 1];
    if (l->prev)
        fs->lru[l->prev - 1].next = l->next;
    else
        fs->lru_head = l->next;
    if (l->next)
        fs->lru[l->next - 1].prev = l->prev;
    else
        fs->lru_tail = l->prev;
    l->prev = l->next = 0;
}

static void lru_append(struct tmpfs *fs, uint32_t e)
{
    struct tmpfs_lru *l = &fs->lru[e - 1];
    l->prev = fs->lru_tail;
    l->next = 0;
    if (fs->lru_tail)
        fs->lru[fs->lru_tail - 1].next = e;
    else
        fs->lru_head = e;
    fs->lru_tail = e;
}

/* Page pgoff of x (inode ino) is clean now: on the list as most recent. */
static void lru_add(struct tmpfs *fs, struct tmpfs_inode *x, uint32_t ino, uint64_t pgoff)
{
    uint32_t e = fs->lru_free;
    if (!e) { /* never used yet: the next fresh entry */
        if (fs->lru_used + fs->reclaimed >= UINT32_MAX)
            return;
        for (uint32_t i = 0; i < TMPFS_LRU_MAX && !e; i++)
            if (fs->lru[i].ino == 0)
                e = i + 1;
        if (!e)
            return; /* the list is full: the page stays, as if dirty */
    } else {
        fs->lru_free = fs->lru[e - 1].next;
    }
    fs->lru[e - 1] = (struct tmpfs_lru){ ino, (uint32_t)pgoff, 0, 0 };
    lru_append(fs, e);
    fs->lru_used++;
    x->clean[pgoff] = e;
}

/* Page pgoff of x leaves the clean list (written to, or dropped). */
static void lru_forget(struct tmpfs *fs, struct tmpfs_inode *x, uint64_t pgoff)
{
    uint32_t e = x->clean ? x->clean[pgoff] : 0;
    if (!e)
        return;
    lru_unlink(fs, e);
    fs->lru[e - 1] =
            (struct tmpfs_lru){ UINT32_MAX, 0, 0, fs->lru_free }; /* ino != 0: used before */
    fs->lru_free = e;
    fs->lru_used--;
    x->clean[pgoff] = 0;
}

/* A page from the provider; when it has none, the least recently used
 * clean page's. */
static void *page_alloc(struct tmpfs *fs)
{
    void *p = fs->pages.alloc(fs->pages.ctx);
    if (!p && tmpfs_reclaim(fs, 1))
        p = fs->pages.alloc(fs->pages.ctx);
    return p;
}

/* x's index (and, for a backed file, its clean map), made if missing. */
static bool index_of(struct tmpfs *fs, struct tmpfs_inode *x)
{
    if (x->index)
        return true;
    x->index = page_alloc(fs);
    if (!x->index)
        return false;
    fs->pages_held++;
    if (x->backing) {
        x->clean = page_alloc(fs);
        if (!x->clean) {
            fs->pages.free(fs->pages.ctx, x->index);
            x->index = NULL;
            fs->pages_held--;
            return false;
        }
        fs->pages_held++;
    }
    return true;
}

static void index_drop(struct tmpfs *fs, struct tmpfs_inode *x)
{
    fs->pages.free(fs->pages.ctx, x->index);
    x->index = NULL;
    fs->pages_held--;
    if (x->clean) {
        fs->pages.free(fs->pages.ctx, x->clean);
        x->clean = NULL;
        fs->pages_held--;
    }
}

#define PG_CACHED 0x100u /* internal: only a page already in the cache (no fill, no create) */

/* tmpfs_page(), with *err saying why there is no page: 0 for a hole (or
 * nothing cached, with PG_CACHED), -HM_ENOMEM, or the fill's error. */
static void *page_of(struct tmpfs *fs, uint32_t ino, uint64_t pgoff, unsigned flags, long *err)
{
    *err = 0;
    struct tmpfs_inode *x = node(fs, ino);
    if (!x || x->type != TMPFS_FILE || pgoff >= TMPFS_FILE_PAGES)
        return NULL;
    uint64_t at = pgoff * TMPFS_PAGE;
    bool from_copy = x->backing && fs->pages.fill && at < x->backed;
    void *p = x->index ? x->index[pgoff] : NULL;
    if (!p && ((!from_copy && !(flags & TMPFS_PG_CREATE)) || (flags & PG_CACHED)))
        return NULL;
    if (!p) {
        bool fresh = !x->index;
        *err = -HM_ENOMEM;
        if (!index_of(fs, x))
            return NULL;
        p = page_alloc(fs);
        long n = p && from_copy ? fs->pages.fill(fs->pages.ctx, x->backing, at, p) : 0;
        if (!p || n < 0) {
            if (p)
                fs->pages.free(fs->pages.ctx, p);
            if (fresh) /* nothing to index after all: as it was */
                index_drop(fs, x);
            *err = !p ? -HM_ENOMEM : n;
            return NULL;
        }
        *err = 0;
        if (from_copy && at + TMPFS_PAGE > x->backed) /* past what is still valid of the copy */
            zero((uint8_t *)p + (x->backed - at), (size_t)(at + TMPFS_PAGE - x->backed));
        x->index[pgoff] = p;
        x->pages++;
        fs->pages_held++;
        if (from_copy && !(flags & TMPFS_PG_DIRTY)) {
            lru_add(fs, x, ino, pgoff);
            return p;
        }
    }
    if (x->clean && x->clean[pgoff]) {
        if (flags & TMPFS_PG_DIRTY) {
            lru_forget(fs, x, pgoff); /* written: the only copy of its data now */
        } else {                      /* used: most recent */
            lru_unlink(fs, x->clean[pgoff]);
            lru_append(fs, x->clean[pgoff]);
        }
    }
    return p;
}

void *tmpfs_page(struct tmpfs *fs, uint32_t ino, uint64_t pgoff, unsigned flags)
{
    long err;
    return page_of(fs, ino, pgoff, flags & (TMPFS_PG_CREATE | TMPFS_PG_DIRTY), &err);
}

unsigned tmpfs_reclaim(struct tmpfs *fs, unsigned want)
{
    unsigned got = 0;
    for (uint32_t tries = fs->lru_used; got < want && fs->lru_head && tries; tries--) {
        uint32_t e = fs->lru_head;
        struct tmpfs_lru *l = &fs->lru[e - 1];
        struct tmpfs_inode *x = &fs->inode[l->ino];
        uint32_t pg = l->pgoff;
        void *p = x->index[pg];
        if (fs->pages.busy && fs->pages.busy(fs->pages.ctx, p)) {
            lru_unlink(fs, e); /* mapped somewhere: try again later */
            lru_append(fs, e);
            continue;
        }
        lru_forget(fs, x, pg);
        x->index[pg] = NULL; /* the index itself stays: a caller may be using it */
        x->pages--;
        fs->pages_held--;
        fs->pages.free(fs->pages.ctx, p);
        fs->reclaimed++;
        got++;
    }
    return got;
}

unsigned tmpfs_drop_clean(struct tmpfs *fs)
{
    uint64_t before = fs->pages_held;
    tmpfs_reclaim(fs, UINT32_MAX);
    for (uint32_t i = 1; i <= TMPFS_INODES; i++) {
        struct tmpfs_inode *x = &fs->inode[i];
        if (x->type == TMPFS_FILE && x->index && x->pages == 0)
            index_drop(fs, x);
    }
    return (unsigned)(before - fs->pages_held);
}

/* Free the pages from page `first` on; the index too when none is left. */
static void drop_pages(struct tmpfs *fs, struct tmpfs_inode *x, uint64_t first)
{
    if (!x->index)
        return;
    for (uint64_t i = first; i < TMPFS_FILE_PAGES; i++) {
        if (x->index[i]) {
            lru_forget(fs, x, i);
            fs->pages.free(fs->pages.ctx, x->index[i]);
            x->index[i] = NULL;
            x->pages--;
            fs->pages_held--;
        }
    }
    if (x->pages == 0)
        index_drop(fs, x);
}

/* The file grows from `from` to `to` bytes: what the page cache holds
 * there (put there through tmpfs_page meanwhile, or left by an earlier
 * size) must read as zeros. */
static void zero_growth(struct tmpfs *fs, uint32_t ino, uint64_t from, uint64_t to)
{
    size_t in = (size_t)(from % TMPFS_PAGE);
    long err;
    /* Shrinking (from == to) cuts a backed file's copy too: the last page,
     * only if cached, is zeroed past the end and may stay clean. */
    unsigned last = from == to ? PG_CACHED : TMPFS_PG_DIRTY;
    void *p = in ? page_of(fs, ino, from / TMPFS_PAGE, last, &err) : NULL;
    if (p)
        zero((uint8_t *)p + in, TMPFS_PAGE - in);
    for (uint64_t pg = (from + TMPFS_PAGE - 1) / TMPFS_PAGE; pg * TMPFS_PAGE < to; pg++) {
        p = tmpfs_page(fs, ino, pg, TMPFS_PG_DIRTY);
        if (p)
            zero(p, TMPFS_PAGE);
    }
}

/* The piece of a transfer at file offset `at` with `left` bytes to go
 * that lies in one page: its length, and its offset in the page (*in). */
static size_t chunk(uint64_t at, size_t left, size_t *in)
{
    *in = (size_t)(at % TMPFS_PAGE);
    size_t n = TMPFS_PAGE - *in;
    return n < left ? n : left;
}

/* The file ino for a read or write of len bytes at buf, or an error. */
static long file_io(struct tmpfs *fs, uint32_t ino, const void *buf, size_t len,
                    struct tmpfs_inode **out)
{
    struct tmpfs_inode *x = node(fs, ino);
    if (!x)
        return -HM_ENOENT;
    if (x->type != TMPFS_FILE)
        return -HM_EISDIR;
    if (!buf && len)
        return -HM_EINVAL;
    *out = x;
    return 0;
}

long tmpfs_read(struct tmpfs *fs, uint32_t ino, uint64_t off, void *buf, size_t len)
{
    struct tmpfs_inode *x;
    long err = file_io(fs, ino, buf, len, &x);
    if (err < 0)
        return err;
    if (off >= x->size)
        return 0;
    if (len > x->size - off)
        len = (size_t)(x->size - off);
    size_t done = 0;
    while (done < len) {
        size_t in, n = chunk(off + done, len - done, &in);
        void *p = page_of(fs, ino, (off + done) / TMPFS_PAGE, 0, &err);
        if (!p && err) /* a backed page that could not be had: not zeros */
            return done ? (long)done : err;
        if (p)
            copy((uint8_t *)buf + done, (uint8_t *)p + in, n);
        else
            zero((uint8_t *)buf + done, n);
        done += n;
    }
    return (long)done;
}

long tmpfs_write(struct tmpfs *fs, uint32_t ino, uint64_t off, const void *buf, size_t len)
{
    struct tmpfs_inode *x;
    long err = file_io(fs, ino, buf, len, &x);
    if (err < 0)
        return err;
    if (off > TMPFS_FILE_MAX || len > TMPFS_FILE_MAX - off)
        return -HM_EFBIG;
    if (off > x->size && len)
        zero_growth(fs, ino, x->size, off);
    size_t done = 0;
    while (done < len) {
        size_t in, n = chunk(off + done, len - done, &in);
        void *p =
                page_of(fs, ino, (off + done) / TMPFS_PAGE, TMPFS_PG_CREATE | TMPFS_PG_DIRTY, &err);
        if (!p)
            break;
        copy((uint8_t *)p + in, (const uint8_t *)buf + done, n);
        done += n;
    }
    if (done == 0 && len)
        return err ? err : -HM_ENOMEM;
    if (off + done > x->size)
        x->size = off + done;
    return (long)done;
}

int tmpfs_truncate(struct tmpfs *fs, uint32_t ino, uint64_t size)
{
    struct tmpfs_inode *x = node(fs, ino);
    if (!x)
        return -HM_ENOENT;
    if (x->type != TMPFS_FILE)
        return -HM_EISDIR;
    if (size > TMPFS_FILE_MAX)
        return -HM_EFBIG;
    if (size < x->size) {
        drop_pages(fs, x, (size + TMPFS_PAGE - 1) / TMPFS_PAGE);
        if (x->backed > size)
            x->backed = size; /* the copy's bytes past it are gone for good */
        zero_growth(fs, ino, size, size);
    } else if (size > x->size) {
        zero_growth(fs, ino, x->size, size);
    }
    x->size = size;
    return 0;
}

/* ---- the tree ------------------------------------------------------------------ */

static void free_inode(struct tmpfs *fs, uint32_t ino)
{
    struct tmpfs_inode *x = &fs->inode[ino];
    if (x->type == TMPFS_FILE)
        drop_pages(fs, x, 0);
    fs->inode[x->parent].entries--;
    zero(x, sizeof(*x));
    fs->used--;
}

int tmpfs_remove(struct tmpfs *fs, const char *path, size_t len)
{
    long ino = tmpfs_lookup(fs, path, len);
    if (ino < 0)
        return (int)ino;
    if (ino == TMPFS_ROOT)
        return -HM_EBUSY;
    if (fs->inode[ino].type == TMPFS_DIR && fs->inode[ino].entries)
        return -HM_ENOTEMPTY;
    free_inode(fs, (uint32_t)ino);
    return 0;
}

int tmpfs_rename(struct tmpfs *fs, const char *from, size_t flen, const char *to, size_t tlen)
{
    long src = tmpfs_lookup(fs, from, flen);
    if (src < 0)
        return (int)src;
    if (src == TMPFS_ROOT)
        return -HM_EBUSY;
    uint32_t dir;
    const char *name;
    size_t n;
    long err = walk(fs, to, tlen, true, &dir, &name, &n);
    if (err == -HM_EEXIST) /* "to" is the root */
        return -HM_EBUSY;
    if (err < 0)
        return (int)err;
    struct tmpfs_inode *s = &fs->inode[src];
    /* a directory cannot go into itself or below itself */
    for (uint32_t d = dir;; d = fs->inode[d].parent) {
        if (d == (uint32_t)src)
            return -HM_EINVAL;
        if (d == TMPFS_ROOT)
            break;
    }
    uint32_t dst = find_in(fs, dir, name, n);
    if (dst == (uint32_t)src)
        return 0;
    if (dst) {
        struct tmpfs_inode *t = &fs->inode[dst];
        if (s->type == TMPFS_FILE && t->type == TMPFS_DIR)
            return -HM_EISDIR;
        if (s->type == TMPFS_DIR && t->type == TMPFS_FILE)
            return -HM_ENOTDIR;
        if (t->type == TMPFS_DIR && t->entries)
            return -HM_ENOTEMPTY;
        free_inode(fs, dst);
    }
    fs->inode[s->parent].entries--;
    s->parent = dir;
    s->namelen = (uint8_t)n;
    zero(s->name, sizeof(s->name));
    copy(s->name, name, n);
    fs->inode[dir].entries++;
    return 0;
}

int tmpfs_stat(struct tmpfs *fs, uint32_t ino, struct tmpfs_stat *st)
{
    struct tmpfs_inode *x = node(fs, ino);
    if (!x)
        return -HM_ENOENT;
    if (!st)
        return -HM_EINVAL;
    st->ino = ino;
    st->type = x->type;
    st->size = x->type == TMPFS_DIR ? x->entries : x->size;
    st->pages = x->pages;
    st->parent = x->parent;
    return 0;
}

long tmpfs_readdir(struct tmpfs *fs, uint32_t ino, uint32_t index, char *name, size_t cap)
{
    struct tmpfs_inode *d = node(fs, ino);
    if (!d)
        return -HM_ENOENT;
    if (d->type != TMPFS_DIR)
        return -HM_ENOTDIR;
    uint32_t seen = 0;
    for (uint32_t i = 1; i <= TMPFS_INODES; i++) {
        struct tmpfs_inode *x = &fs->inode[i];
        if (x->type == TMPFS_FREE || i == TMPFS_ROOT || x->parent != ino)
            continue;
        if (seen++ < index)
            continue;
        if (!name || cap < (size_t)x->namelen + 1)
            return -HM_ERANGE;
        copy(name, x->name, x->namelen);
        name[x->namelen] = 0;
        return i;
    }
    return -HM_ENOENT;
}

void tmpfs_destroy(struct tmpfs *fs)
{
    for (uint32_t i = 1; i <= TMPFS_INODES; i++)
        if (fs->inode[i].type == TMPFS_FILE)
            drop_pages(fs, &fs->inode[i], 0);
    struct tmpfs_pages pages = fs->pages;
    tmpfs_init(fs, &pages);
}
