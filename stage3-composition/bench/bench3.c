// SPDX-License-Identifier: MIT
/*
 * bench3.c - stage 3's benchmarks: what composing the file system and the
 * memory manager separately or as one service costs (HongMeng's Table 3).
 *
 *   [BENCH] stage3/<composition>/file_pagefault <n> insns
 *       one fault on a file mapping whose pages are in the FS's page cache:
 *       map a 1 MiB file, touch one word of each page (going backwards, as
 *       LMbench's lat_pagefault), per touch; the mapping and unmapping
 *       are not timed.  Separated: kernel -> mm -> fs (IPC) and a copy;
 *       coalesced: kernel -> mm+fs, the page cache's page mapped as it is.
 *   [BENCH] stage3/<composition>/anon_pagefault <n> insns
 *       the same on anonymous memory (a zeroed page of the memory
 *       manager's pool): what any fault served by a pager costs, the
 *       baseline stage 5's in-kernel paging is measured against.
 *   [BENCH] stage3/<composition>/tmpfs_write <n> MB/s
 *       write() of a 1 MiB file in 64 KiB calls, into an emptied file (so
 *       the page cache's pages are allocated as it goes): bytes per
 *       instruction, reported as MB/s (10^6 bytes) at the nominal one
 *       instruction per ns.
 *   [BENCH] stage3/<composition>/footprint <n> KiB
 *       after a fixed workload (a 1 MiB file written, read back with
 *       read(), mapped and every page touched, still mapped): the pages the
 *       file system and the memory manager hold between them.
 *   [BENCH] stage3/<names>/name_lookup <n> insns
 *       hm_name_lookup() of "mm" (a name a process published), the
 *       capability's delete not timed; <names> is where the name service
 *       is: "kernel_table" (stage 1's, a system call), "name_server"
 *       (CONFIG_NS_IC2: a call to /bin/nssrv, whose reply grants the
 *       capability straight into the slot asked for, the call's receive
 *       slot) or
 *       "name_server_ic1" (CONFIG_NS_IC1: the same call into a domain
 *       through the IC1 gate).
 *
 * <composition> is what the memory manager says it is (MM_INFO), with
 * "_ic0" when the file system is linked into the kernel (and, coalesced,
 * the memory manager with it: make bench runs that one too).  Counts
 * are instructions under QEMU -icount shift=0, not hardware time; a round
 * that a timer tick interrupted is measured again.
 */
#include <string.h>
#include "hm.h"
#include "fs.h"
#include "mm.h"
#include "mm_proto.h"
#include "ns.h"
#include "ns_proto.h"

#define FILE_BYTES (1024u * 1024)
#define FILE_PAGES (FILE_BYTES / HM_PAGE_SIZE)
#define CHUNK (64u * 1024)
#define ROUNDS 4
#define ATTEMPTS 8
#define LOOKUPS 64
#define SLOT_NAME 20

static char chunk[CHUNK];

static void fail(const char *what, long r)
{
    hm_printf("bench3: %s failed: %ld\n", what, r);
    hm_exit(1);
}

/* A file of FILE_BYTES with a known pattern, open as the result. */
static int make_file(const char *path)
{
    int fd = fs_open(path, FS_O_CREAT | FS_O_TRUNC);
    if (fd < 0)
        fail("open", fd);
    for (unsigned i = 0; i < CHUNK; i++)
        chunk[i] = (char)(i * 7 + 1);
    for (unsigned off = 0; off < FILE_BYTES; off += CHUNK)
        if (fs_write(fd, chunk, CHUNK) != CHUNK)
            fail("write", -1);
    return fd;
}

/* Instructions per fault, the best of ROUNDS rounds not hit by a tick:
 * each round maps FILE_BYTES (of file fd; fd < 0: anonymous memory),
 * touches every page once from the end (timed) and unmaps. */
static uint64_t pagefault(int fd)
{
    uint64_t best = UINT64_MAX;
    for (unsigned round = 0; round < ROUNDS; round++) {
        for (unsigned a = 0; a < ATTEMPTS; a++) {
            volatile char *p;
            long r = fd >= 0 ? mm_map_file(fd, 0, FILE_BYTES, HM_PROT_READ, (void **)&p) :
                               mm_map(FILE_BYTES, HM_PROT_READ | HM_PROT_WRITE, (void **)&p);
            if (r < 0)
                fail("mm_map", r);
            long ticks = hm_info(HM_INFO_TICKS);
            unsigned sum = 0;
            uint64_t t0 = hm_cycles();
            for (int pg = FILE_PAGES - 1; pg >= 0; pg--) {
                if (fd >= 0)
                    sum += (unsigned char)p[(unsigned)pg * HM_PAGE_SIZE + 1];
                else
                    p[(unsigned)pg * HM_PAGE_SIZE + 1] = 1;
            }
            uint64_t c = hm_cycles() - t0;
            bool clean = hm_info(HM_INFO_TICKS) == ticks;
            if (fd >= 0 && sum != FILE_PAGES * (unsigned char)(1 * 7 + 1))
                fail("file_pagefault: the mapping's bytes", (long)sum);
            if ((r = mm_unmap((void *)p, FILE_BYTES)) < 0)
                fail("mm_unmap", r);
            if (c < best)
                best = c;
            if (clean)
                break;
        }
    }
    return best / FILE_PAGES;
}

/* Instructions to write the file afresh, the best round. */
static uint64_t tmpfs_write(int fd)
{
    uint64_t best = UINT64_MAX;
    for (unsigned round = 0; round < ROUNDS; round++) {
        for (unsigned a = 0; a < ATTEMPTS; a++) {
            long r = fs_truncate(fd, 0);
            if (r == 0)
                r = fs_seek(fd, 0, FS_SEEK_SET);
            if (r < 0)
                fail("truncate", r);
            long ticks = hm_info(HM_INFO_TICKS);
            uint64_t t0 = hm_cycles();
            for (unsigned off = 0; off < FILE_BYTES; off += CHUNK)
                if (fs_write(fd, chunk, CHUNK) != CHUNK)
                    fail("tmpfs_write", -1);
            uint64_t c = hm_cycles() - t0;
            if (c < best)
                best = c;
            if (hm_info(HM_INFO_TICKS) == ticks)
                break;
        }
    }
    return best;
}

/* KiB the two services hold after the fixed workload. */
static uint64_t footprint(const struct mm_info *base, uint64_t fs_base)
{
    int fd = make_file("/bench3.footprint");
    for (unsigned off = 0; off < FILE_BYTES; off += CHUNK) /* read it all back */
        if (fs_seek(fd, off, FS_SEEK_SET) < 0 || fs_read(fd, chunk, CHUNK) != CHUNK)
            fail("read", -1);
    volatile char *p;
    long r = mm_map_file(fd, 0, FILE_BYTES, HM_PROT_READ, (void **)&p);
    if (r < 0)
        fail("mm_map_file", r);
    for (unsigned pg = 0; pg < FILE_PAGES; pg++)
        (void)p[pg * HM_PAGE_SIZE];
    struct mm_info mi;
    uint64_t fs_pages = 0;
    if ((r = mm_info(&mi)) < 0 || (r = fs_info(NULL, &fs_pages, NULL)) < 0)
        fail("info", r);
    /* Coalesced: one pool holds the page cache and the memory manager's
     * pages; separated: each service its own. */
    uint64_t pages = mi.pages - base->pages;
    if (mi.composition == MM_SEPARATED)
        pages += fs_pages - fs_base;
    mm_unmap((void *)p, FILE_BYTES);
    fs_close(fd);
    fs_remove("/bench3.footprint");
    return pages * HM_PAGE_SIZE / 1024;
}

/* Instructions per look-up, the best round of LOOKUPS not hit by a tick. */
static uint64_t name_lookup(void)
{
    uint64_t best = UINT64_MAX;
    long r = hm_name_lookup("mm", SLOT_NAME); /* the library's connection, if any */
    if (r < 0)
        fail("name_lookup", r);
    hm_cap_delete(SLOT_NAME);
    for (unsigned round = 0; round < ROUNDS; round++) {
        for (unsigned a = 0; a < ATTEMPTS; a++) {
            long ticks = hm_info(HM_INFO_TICKS);
            uint64_t c = 0;
            for (unsigned i = 0; i < LOOKUPS; i++) {
                uint64_t t0 = hm_cycles();
                r = hm_name_lookup("mm", SLOT_NAME);
                c += hm_cycles() - t0;
                if (r < 0)
                    fail("name_lookup", r);
                hm_cap_delete(SLOT_NAME);
            }
            if (c < best)
                best = c;
            if (hm_info(HM_INFO_TICKS) == ticks)
                break;
        }
    }
    return best / LOOKUPS;
}

int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
    struct mm_info base;
    uint64_t fs_base = 0;
    long r = mm_info(&base);
    if (r == 0)
        r = fs_info(NULL, &fs_base, NULL);
    if (r < 0)
        fail("mm_info", r);
    /* The composition, "_ic0" / "_ic1" when the file system is in the
     * kernel or in a domain (FS_INFO's w3 is its class), and "_mmic0" /
     * "_mmic1" when a separated memory manager is in the kernel or in a
     * domain of its own. */
    long fs_class = fs_isolation_class();
    const char *comp;
    if (base.composition == MM_COALESCED)
        comp = fs_class == 0 ? "coalesced_ic0" : fs_class == 1 ? "coalesced_ic1" : "coalesced";
    else if (base.isolation == 0)
        comp = fs_class == 0 ? "separated_ic0_mmic0" : "separated_ic1_mmic0";
    else if (base.isolation == 1)
        comp = fs_class == 0 ? "separated_ic0_mmic1" : "separated_ic1_mmic1";
    else
        comp = fs_class == 0 ? "separated_ic0" : fs_class == 1 ? "separated_ic1" : "separated";
    uint64_t kib = footprint(&base, fs_base); /* first: nothing else cached yet */
    int fd = make_file("/bench3");
    uint64_t fault = pagefault(fd);
    uint64_t write = tmpfs_write(fd);
    uint64_t anon = pagefault(-1);
    fs_close(fd);
    fs_remove("/bench3");
    hm_printf("[BENCH] stage3/%s/file_pagefault %llu insns\n", comp, (unsigned long long)fault);
    hm_printf("[BENCH] stage3/%s/anon_pagefault %llu insns\n", comp, (unsigned long long)anon);
    hm_printf("[BENCH] stage3/%s/tmpfs_write %llu MB/s\n", comp,
              (unsigned long long)((uint64_t)FILE_BYTES * 1000 / write));
    hm_printf("[BENCH] stage3/%s/footprint %llu KiB\n", comp, (unsigned long long)kib);
    /* where the name service is: a name server says its class (NS_INFO) */
    const char *names = "kernel_table";
    if (hm_kernel_name_lookup("ns", SLOT_NAME) == 0) {
        struct hm_msg m = { .w = { NS_INFO } };
        long r = hm_connect(SLOT_NAME, NULL, 0, SLOT_NAME + 1);
        if (r == 0)
            r = hm_call(SLOT_NAME + 1, &m, HM_NO_SLOT);
        if (r < 0)
            fail("name server's NS_INFO", r);
        names = m.w[0] == 1 ? "name_server_ic1" : "name_server";
        hm_cap_delete(SLOT_NAME + 1);
    }
    hm_cap_delete(SLOT_NAME);
    uint64_t lookup = name_lookup();
    hm_printf("[BENCH] stage3/%s/name_lookup %llu insns\n", names, (unsigned long long)lookup);
    return 0;
}
