// SPDX-License-Identifier: MIT
/*
 * reclaim_test.c - memory pressure on the page cache, in whichever
 * composition this kernel was built with.  The files under /initrd are
 * backed by the initramfs: their pages are clean and can be dropped and
 * read again; tmpfs's own files are the only copy of their data and never
 * are.  An allocation storm (tmpfs writes; and anonymous memory, which
 * only the coalesced composition's one LRU can take file pages for) must
 * drop clean pages least recently used first, keep every byte of tmpfs
 * data, end in -HM_ENOMEM when nothing is left, and leave files that read
 * back the same.
 */
#include <string.h>
#include "hm.h"
#include "utest.h"
#include "fs.h"
#include "mm.h"
#include "mm_proto.h"

static const char *const files[3] = { "/initrd/bin/fault1", "/initrd/bin/spy1",
                                      "/initrd/bin/ipcsrv1" };
static char buf[FS_IO_MAX];

/* Read a whole file: an FNV-1a hash of its bytes. */
static uint64_t hash_file(const char *path)
{
    int fd = fs_open(path, 0);
    UT_ASSERT_EQ(fd < 0 ? fd : 0, 0);
    uint64_t h = 1469598103934665603ull;
    long n;
    while ((n = fs_read(fd, buf, sizeof(buf))) > 0)
        for (long i = 0; i < n; i++)
            h = (h ^ (uint8_t)buf[i]) * 1099511628211ull;
    UT_ASSERT_EQ(n, 0);
    UT_ASSERT_EQ(fs_close(fd), 0);
    return h;
}

static uint64_t cached(const char *path)
{
    struct fs_stat st;
    UT_ASSERT_EQ(fs_stat(path, &st), 0);
    return st.pages;
}

static uint64_t full(const char *path)
{
    struct fs_stat st;
    UT_ASSERT_EQ(fs_stat(path, &st), 0);
    return (st.size + HM_PAGE_SIZE - 1) / HM_PAGE_SIZE;
}

/* Read the three files so that the least recently used is files[1], then
 * files[2], then files[0]; their hashes in h. */
static void warm(uint64_t h[3])
{
    UT_ASSERT(fs_trim() >= 0); /* nothing clean cached from before */
    for (int i = 0; i < 3; i++)
        h[i] = hash_file(files[i]);
    h[0] = hash_file(files[0]); /* used again: the most recent */
    for (int i = 0; i < 3; i++)
        UT_ASSERT_EQ(cached(files[i]), full(files[i]));
}

/* Dropped in LRU order: files[1] before files[2] before files[0]. */
static void check_order(void)
{
    if (cached(files[0]) < full(files[0]))
        UT_ASSERT_EQ(cached(files[2]), 0);
    if (cached(files[2]) < full(files[2]))
        UT_ASSERT_EQ(cached(files[1]), 0);
}

static void check_again(const uint64_t h[3])
{
    for (int i = 0; i < 3; i++)
        UT_ASSERT_EQ(hash_file(files[i]), h[i]); /* read again from the initramfs */
}

UTEST(reclaim_tmpfs_storm_drops_clean_pages_in_lru_order)
{
    uint64_t h[3];
    warm(h);
    /* tmpfs data: never dropped */
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (char)(i * 31 + 7);
    int keep = fs_open("/keep", FS_O_CREAT | FS_O_TRUNC);
    UT_ASSERT(keep >= 0);
    UT_ASSERT_EQ(fs_write(keep, buf, sizeof(buf)), (long)sizeof(buf));
    /* the storm: 64 KiB writes into 2 MiB files until the memory is gone */
    char path[16] = "/storm00";
    long r = 0;
    unsigned nfiles = 0, writes = 0;
    for (; r >= 0 && nfiles < 99; nfiles++) {
        path[6] = (char)('0' + nfiles / 10);
        path[7] = (char)('0' + nfiles % 10);
        int fd = fs_open(path, FS_O_CREAT | FS_O_TRUNC);
        UT_ASSERT(fd >= 0);
        for (unsigned k = 0; r >= 0 && k < (2u << 20) / sizeof(buf); k++, writes++) {
            r = fs_write(fd, buf, sizeof(buf));
            if (r >= 0 && r < (long)sizeof(buf))
                r = fs_write(fd, buf, sizeof(buf)); /* a short write: the next says why */
            check_order();
        }
        UT_ASSERT_EQ(fs_close(fd), 0);
    }
    UT_ASSERT_EQ(r, -HM_ENOMEM); /* out of memory, not a panic */
    for (int i = 0; i < 3; i++)
        UT_ASSERT_EQ(cached(files[i]), 0); /* every clean page went first */
    /* the tmpfs data is intact */
    static char back[FS_IO_MAX];
    UT_ASSERT_EQ(fs_seek(keep, 0, FS_SEEK_SET), 0);
    UT_ASSERT_EQ(fs_read(keep, back, sizeof(back)), (long)sizeof(back));
    UT_ASSERT(memcmp(back, buf, sizeof(buf)) == 0);
    UT_ASSERT_EQ(fs_close(keep), 0);
    for (unsigned i = 0; i < nfiles; i++) {
        path[6] = (char)('0' + i / 10);
        path[7] = (char)('0' + i % 10);
        UT_ASSERT_EQ(fs_remove(path), 0);
    }
    UT_ASSERT_EQ(fs_remove("/keep"), 0);
    check_again(h);
    UT_ASSERT(fs_trim() > 0);
}

/* Anonymous memory: coalesced, the memory manager's one LRU takes the
 * page cache's clean pages; separated, it has its own memory only and
 * runs out without touching them (the price of separation). */
UTEST(reclaim_anon_storm_and_the_composition)
{
    uint64_t h[3];
    warm(h);
    struct mm_info mi;
    UT_ASSERT_EQ(mm_info(&mi), 0);
    static void *maps[64];
    unsigned n = 0;
    long r = 0;
    const size_t len = 1024 * 1024; /* a region each: 1 MiB at a time */
    while (n < 64 && (r = mm_map(len, HM_PROT_READ | HM_PROT_WRITE | MM_POPULATE, &maps[n])) == 0) {
        ((volatile char *)maps[n])[len - 1] = 1; /* populated: no fault to serve */
        n++;
        check_order();
    }
    UT_ASSERT_EQ(r, -HM_ENOMEM);
    UT_ASSERT(n > 0);
    if (mi.composition == MM_COALESCED) {
        for (int i = 0; i < 3; i++)
            UT_ASSERT_EQ(cached(files[i]), 0);
    } else {
        for (int i = 0; i < 3; i++)
            UT_ASSERT_EQ(cached(files[i]), full(files[i]));
    }
    for (unsigned i = 0; i < n; i++)
        UT_ASSERT_EQ(mm_unmap(maps[i], len), 0);
    check_again(h);
    UT_ASSERT(fs_trim() > 0);
    UT_ASSERT(mm_collect() >= 0);
    UT_ASSERT_EQ(mm_info(&mi), 0);
    UT_ASSERT_EQ(mi.pages, 0);
    uint64_t pages = 1;
    UT_ASSERT_EQ(fs_info(NULL, &pages, NULL), 0);
    UT_ASSERT_EQ(pages, 0); /* the page cache holds nothing any more */
}
