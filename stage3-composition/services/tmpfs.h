// SPDX-License-Identifier: MIT
/*
 * tmpfs.h - the in-memory file system's core: a tree of directories and
 * files whose data lives in a page cache of 4 KiB pages.
 *
 * Freestanding (<stdint.h>, <stddef.h>, <stdbool.h>, the uapi error
 * codes): the FS service (services/fs.c) wraps it in IPC in whatever
 * isolation class it is placed, and the host unit tests
 * (tests/unit/tmpfs_test.c) call it directly.  Nothing is allocated but
 * pages, which come from the caller's page provider, so the same core
 * serves a service whose pages come from the memory manager and a test
 * whose pages come from malloc.  Not thread-safe: the caller serialises.
 *
 * Paths are absolute ("/a/b"), of at most TMPFS_PATH_MAX bytes, components
 * of 1..TMPFS_NAME_MAX bytes separated by single or repeated '/'; a
 * trailing '/' is allowed; "." and ".." are not supported (-HM_EINVAL).
 * Paths are passed with their length and need not be NUL-terminated; a NUL
 * inside the length is -HM_EINVAL.
 *
 * Errors (negated HM_E*): -HM_EINVAL bad argument, -HM_ENAMETOOLONG,
 * -HM_ENOENT no such entry (or no parent), -HM_ENOTDIR a component that is
 * not a directory, -HM_EISDIR a file operation on a directory, -HM_EEXIST,
 * -HM_ENOTEMPTY, -HM_ENOSPC no inode left, -HM_ENOMEM no page from the
 * provider, -HM_EFBIG past TMPFS_FILE_MAX.  A call that fails changes
 * nothing (a write that runs out of pages part way writes the pages it
 * got and returns how many bytes that was, if any).
 */
#ifndef TMPFS_H
#define TMPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TMPFS_PAGE 4096u
#define TMPFS_NAME_MAX 59u    /* bytes in one path component */
#define TMPFS_PATH_MAX 256u   /* bytes in a path */
#define TMPFS_INODES 512u     /* files and directories, the root included */
#define TMPFS_FILE_PAGES 512u /* pages per file: one index page of pointers */
#define TMPFS_FILE_MAX ((uint64_t)TMPFS_FILE_PAGES * TMPFS_PAGE) /* 2 MiB */
#define TMPFS_ROOT 1u /* the root directory's inode number */

enum tmpfs_type {
    TMPFS_FREE = 0,
    TMPFS_FILE = 1,
    TMPFS_DIR = 2
};

/** Where the page cache's pages (and each file's index page) come from. */
struct tmpfs_pages {
    void *(*alloc)(void *ctx); /* a zeroed 4 KiB page, 4 KiB aligned, or NULL */
    void (*free)(void *ctx, void *page);
    void *ctx;
    /* Optional (NULL: no backed files, nothing is ever busy). */
    /** Copy up to a page of backing copy `backing` from byte off into page:
     *  the bytes copied, or an error. */
    long (*fill)(void *ctx, uint32_t backing, uint64_t off, void *page);
    /** The page is in use outside the file system (mapped by the memory
     *  manager): reclaim passes it over for now. */
    bool (*busy)(void *ctx, const void *page);
};

/* Backed files and reclaim.  A *backed* file (tmpfs_create_backed) has a
 * copy elsewhere (the initramfs): its pages come from that copy when first
 * used and stay *clean* until written, so under memory pressure they can
 * be dropped and read again.  Every other page is the only copy of its
 * data (*dirty*) and is never dropped.  Clean pages are kept on one list
 * in least-recently-used order (a read or a mapping's fault uses a page);
 * when the provider has no page left, the page cache drops the least
 * recently used clean pages that are not busy (tmpfs_reclaim), and only
 * when there is none does the call fail with -HM_ENOMEM. */
#define TMPFS_LRU_MAX 8192u /* clean pages tracked at once (more stay, as if dirty) */
struct tmpfs_lru {
    uint32_t ino, pgoff;
    uint32_t prev, next; /* entry + 1; 0: none */
};

struct tmpfs_stat {
    uint32_t ino;   /* 1..TMPFS_INODES */
    uint32_t type;  /* TMPFS_FILE or TMPFS_DIR */
    uint64_t size;  /* bytes (files); entries (directories) */
    uint32_t pages; /* data pages the file holds in the cache (holes hold none) */
    uint32_t parent;
};

struct tmpfs_inode {
    uint8_t type;
    uint8_t namelen;
    char name[TMPFS_NAME_MAX + 1];
    uint32_t parent;  /* its directory (the root: itself) */
    uint32_t entries; /* directories: how many entries */
    uint32_t pages;   /* files: data pages held */
    uint64_t size;
    void **index; /* files: TMPFS_FILE_PAGES page pointers, or NULL */
    /* Backed files: */
    uint32_t backing; /* the copy's number for the provider's fill; 0: none */
    uint64_t backed;  /* bytes of the copy still valid (a truncation cuts it) */
    uint32_t *clean;  /* with the index: per page, its LRU entry + 1 (0: dirty or a hole) */
};

struct tmpfs {
    struct tmpfs_pages pages;
    uint32_t used;                              /* inodes in use, the root included */
    uint64_t pages_held;                        /* data and index pages held from the provider */
    struct tmpfs_inode inode[TMPFS_INODES + 1]; /* [0] unused */
    uint32_t lru_head, lru_tail, lru_free;      /* entry + 1: least, most recently used */
    uint32_t lru_used;                          /* clean pages on the list */
    uint64_t reclaimed;                         /* clean pages dropped so far */
    struct tmpfs_lru lru[TMPFS_LRU_MAX];
};

/** An empty file system: the root directory only.  0 or -HM_EINVAL. */
int tmpfs_init(struct tmpfs *fs, const struct tmpfs_pages *pages);
/** Give every page back to the provider (the FS is empty afterwards,
 *  as after tmpfs_init). */
void tmpfs_destroy(struct tmpfs *fs);

/** The inode at `path`, or an error. */
long tmpfs_lookup(struct tmpfs *fs, const char *path, size_t len);
/** Create a file or directory (type) at `path`; its parent must exist
 *  and be a directory.  The new inode, or an error (-HM_EEXIST if the
 *  path exists, whatever it is; the root exists). */
long tmpfs_create(struct tmpfs *fs, const char *path, size_t len, enum tmpfs_type type);
/** A backed file of `size` bytes at `path`, its data to come from copy
 *  `backing` (> 0) through the provider's fill.  As tmpfs_create. */
long tmpfs_create_backed(struct tmpfs *fs, const char *path, size_t len, uint32_t backing,
                         uint64_t size);
/** Drop up to `want` clean pages, least recently used first, passing over
 *  busy ones; how many were dropped. */
unsigned tmpfs_reclaim(struct tmpfs *fs, unsigned want);
/** Drop every clean page that is not busy, and the index pages left
 *  empty by reclaim (which keeps them: a call may be using them); how
 *  many pages went back.  Never from inside another tmpfs call. */
unsigned tmpfs_drop_clean(struct tmpfs *fs);
/** Remove a file (its pages go back) or an empty directory.  The root
 *  cannot be removed (-HM_EBUSY). */
int tmpfs_remove(struct tmpfs *fs, const char *path, size_t len);
/** Move `from` to `to`.  If `to` exists: a file replaces a file, a
 *  directory replaces an empty directory, otherwise -HM_EISDIR /
 *  -HM_ENOTDIR / -HM_ENOTEMPTY; a directory cannot move into itself or
 *  below itself (-HM_EINVAL).  Renaming a path to itself succeeds. */
int tmpfs_rename(struct tmpfs *fs, const char *from, size_t flen, const char *to, size_t tlen);

/** Read up to len bytes of file ino at off: the bytes read (0 at or past
 *  the end; holes read as zeros). */
long tmpfs_read(struct tmpfs *fs, uint32_t ino, uint64_t off, void *buf, size_t len);
/** Write len bytes at off, growing the file (the gap, if any, a hole). */
long tmpfs_write(struct tmpfs *fs, uint32_t ino, uint64_t off, const void *buf, size_t len);
/** Set the size: shrinking frees the pages past it and zeroes the tail
 *  of the last one; growing leaves a hole.  0 or an error. */
int tmpfs_truncate(struct tmpfs *fs, uint32_t ino, uint64_t size);
/** What stat says of inode ino.  0 or -HM_ENOENT (free or out of range). */
int tmpfs_stat(struct tmpfs *fs, uint32_t ino, struct tmpfs_stat *st);
/** The index-th entry (0, 1, ...) of directory ino: its name, NUL-terminated
 *  in name[cap], and its inode number; -HM_ENOENT past the last one,
 *  -HM_ERANGE if cap is too small for the name. */
long tmpfs_readdir(struct tmpfs *fs, uint32_t ino, uint32_t index, char *name, size_t cap);

/** The page cache: page pgoff of file ino.  A hole of a backed file
 *  inside its copy is read from the copy; any other hole is allocated
 *  (zeroed) with TMPFS_PG_CREATE, else NULL.  TMPFS_PG_DIRTY: the caller
 *  will write to it (a clean page becomes dirty).  NULL also past
 *  TMPFS_FILE_PAGES, not a file, or out of pages.  It does not change the
 *  size; a clean page counts as used now. */
#define TMPFS_PG_CREATE 1u
#define TMPFS_PG_DIRTY 2u
void *tmpfs_page(struct tmpfs *fs, uint32_t ino, uint64_t pgoff, unsigned flags);

#endif
