// SPDX-License-Identifier: MIT
/*
 * mem.c - memory and file-mapping benchmarks (LMbench bw_mem, bw_file_rd,
 *         bw_mmap_rd, lat_pagefault, lat_mmap).
 *
 * bw_mem over 1 MiB buffers, as LMbench defines the variants:
 *   rd     sum an array of 32-bit integers, every fourth word
 *   wr     store a constant into every fourth word
 *   cp     dst[i] = src[i] for every fourth word
 *   bcopy  memcpy() of the whole buffer (musl's)
 * The whole buffer counts as moved (LMbench's convention for rd/wr/cp).
 *
 * Files live in the suite's directory (tmpfs or the initramfs root, so the
 * data is always in memory: these are re-read benchmarks).  Every file holds
 * the suite's pattern (word at offset o = o / 4), so every read is checked:
 *   bw_file_rd     read() the file in 64 KiB chunks, summing every chunk as
 *                  rd does
 *   bw_file_wr     (not LMbench's) write the emptied file anew in 64 KiB
 *                  pwrite()s: what stage 3's tmpfs_write measures
 *   bw_mmap_rd     mmap() the file, sum it as rd does, munmap()
 *   lat_pagefault  map a 16 MiB file and touch one word every 256 KiB,
 *                  going backwards (LMbench's stride); the figure is one
 *                  fault of a page that is in the page cache
 *   lat_mmap       mmap() 1 MiB of a file, read one word every 64 KiB,
 *                  munmap()
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lmbench.h"

/* bw_mem: buffer size and passes over it per batch. */
#define MEM_SIZE (1024 * 1024)
#define N_MEM_PASSES 64

/* bw_file_rd / bw_mmap_rd: file size, read chunk, passes per batch. */
#define FILE_SIZE (1024 * 1024)
#define FILE_CHUNK (64 * 1024)
#define N_FILE_PASSES 32

/* lat_pagefault: file size, stride, passes (of FAULT_SIZE / FAULT_STRIDE
 * faults each) per batch. */
#define FAULT_SIZE (16 * 1024 * 1024)
#define FAULT_STRIDE (256 * 1024)
#define N_FAULT_PASSES 16

/* lat_mmap: mapping size, read stride, operations per batch. */
#define MMAP_SIZE (1024 * 1024)
#define MMAP_STRIDE (64 * 1024)
#define N_MMAP 200

/* ---------------------------------------------------------------------- */
/* bw_mem                                                                 */
/* ---------------------------------------------------------------------- */

enum mem_kind {
    MEM_RD,
    MEM_WR,
    MEM_CP,
    MEM_BCOPY
};

struct mem_ctx {
    enum mem_kind kind;
    const char *variant;
    uint32_t *src; /* MEM_SIZE bytes of the pattern */
    uint32_t *dst; /* MEM_SIZE bytes */
    uint64_t rd_expected;
};

/* One wr pass: @v into every fourth word, eight stores per step. */
static void wr_pass(uint32_t *p, size_t len, uint32_t v)
{
    uint32_t *end = p + len / 4;

    while (p < end) {
        p[0] = v;
        p[4] = v;
        p[8] = v;
        p[12] = v;
        p[16] = v;
        p[20] = v;
        p[24] = v;
        p[28] = v;
        p += 32;
    }
}

/* One cp pass: every fourth word of @s into @d, eight per step. */
static void cp_pass(uint32_t *d, const uint32_t *s, size_t len)
{
    uint32_t *end = d + len / 4;

    while (d < end) {
        d[0] = s[0];
        d[4] = s[4];
        d[8] = s[8];
        d[12] = s[12];
        d[16] = s[16];
        d[20] = s[20];
        d[24] = s[24];
        d[28] = s[28];
        d += 32;
        s += 32;
    }
}

/*
 * Check what a batch of the variant left behind: the rd sums, the last wr
 * value, the copied words.  Returns 0 or -1 (reported).
 */
static int mem_check(const struct mem_ctx *c, long n, uint64_t sum, uint32_t last)
{
    size_t words = MEM_SIZE / 4;
    long bad = 0;

    if (c->kind == MEM_RD) {
        bad = sum != (uint64_t)n * c->rd_expected;
    } else if (c->kind == MEM_WR) {
        for (size_t i = 0; i < words; i += 4) {
            bad += c->dst[i] != last;
        }
    } else if (c->kind == MEM_CP) {
        for (size_t i = 0; i < words; i += 4) {
            bad += c->dst[i] != c->src[i];
        }
    } else {
        bad = memcmp(c->dst, c->src, MEM_SIZE) != 0;
    }
    if (bad != 0) {
        lm_fail("bw_mem", c->variant, "the data is wrong after %ld passes", n);
        return -1;
    }
    return 0;
}

/* @n passes of the variant over the buffer, then the check. */
static int run_mem(void *p, long n, uint64_t *ns)
{
    struct mem_ctx *c = p;
    uint64_t sum = 0;
    uint32_t v = 0;
    uint64_t t0;

    memset(c->dst, 0, MEM_SIZE);
    t0 = lm_now_ns();
    for (long i = 0; i < n; i++) {
        if (c->kind == MEM_RD) {
            sum += lm_sum_rd(c->src, MEM_SIZE);
        } else if (c->kind == MEM_WR) {
            v = (uint32_t)i + 1;
            wr_pass(c->dst, MEM_SIZE, v);
        } else if (c->kind == MEM_CP) {
            cp_pass(c->dst, c->src, MEM_SIZE);
        } else {
            memcpy(c->dst, c->src, MEM_SIZE);
        }
        lm_barrier(); /* every pass really happens */
    }
    *ns += lm_now_ns() - t0;
    return mem_check(c, n, sum, v);
}

int bw_mem_main(void)
{
    static const struct {
        enum mem_kind kind;
        const char *name;
    } variants[] = { { MEM_RD, "rd" }, { MEM_WR, "wr" }, { MEM_CP, "cp" }, { MEM_BCOPY, "bcopy" } };
    struct mem_ctx c;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    c.src = malloc(MEM_SIZE);
    c.dst = malloc(MEM_SIZE);
    if (!c.src || !c.dst) {
        lm_fail("bw_mem", NULL, "out of memory");
        free(c.src);
        free(c.dst);
        return -1;
    }
    for (size_t i = 0; i < MEM_SIZE / 4; i++) {
        c.src[i] = lm_pattern(i * 4);
    }
    c.rd_expected = lm_sum_rd_expected(0, MEM_SIZE);
    for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
        const struct lm_op op = { "bw_mem", variants[v].name, run_mem, &c };
        double per_pass;

        c.kind = variants[v].kind;
        c.variant = variants[v].name;
        if (lm_measure(&op, lm_iters(N_MEM_PASSES), &per_pass) != 0) {
            rc = -1;
            continue;
        }
        lm_report_bw("bw_mem", c.variant, MEM_SIZE, per_pass);
    }
    free(c.src);
    free(c.dst);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Files: bw_file_rd, bw_mmap_rd, lat_pagefault, lat_mmap                 */
/* ---------------------------------------------------------------------- */

struct file_ctx {
    const char *bench;
    int fd;
    size_t size;
    uint32_t *buf; /* FILE_CHUNK bytes (bw_file_rd) */
    uint64_t expected;
};

/*
 * Make the benchmark's file and open it read-only into @c.
 * Returns 0 or -1 (reported).
 */
static int file_open(struct file_ctx *c, const char *name, size_t size, int flags)
{
    char path[256];

    c->size = size;
    if (lm_make_file(name, size, path, sizeof(path)) != 0) {
        lm_fail(c->bench, NULL, "cannot create %s/%s: %s", lm_opts.dir, name, strerror(errno));
        return -1;
    }
    c->fd = open(path, flags);
    unlink(path); /* the open descriptor keeps it until close */
    if (c->fd < 0) {
        lm_fail(c->bench, NULL, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    c->expected = lm_sum_rd_expected(0, size);
    return 0;
}

/* @n passes of reading the whole file with pread() and summing it. */
static int run_file_rd(void *p, long n, uint64_t *ns)
{
    const struct file_ctx *c = p;
    uint64_t sum = 0;
    long long total = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        for (size_t off = 0; off < c->size; off += FILE_CHUNK) {
            ssize_t got = pread(c->fd, c->buf, FILE_CHUNK, (off_t)off);

            if (got != FILE_CHUNK) {
                break;
            }
            total += got;
            sum += lm_sum_rd(c->buf, FILE_CHUNK);
        }
    }
    *ns += lm_now_ns() - t0;
    if (total != (long long)n * (long long)c->size || sum != (uint64_t)n * c->expected) {
        lm_fail(c->bench, NULL, "read %lld of %lld bytes, or the data was wrong", total,
                (long long)n * (long long)c->size);
        return -1;
    }
    return 0;
}

/* @n passes of emptying the file (untimed) and writing it anew with
 * pwrite() in FILE_CHUNK pieces (timed), the page cache allocating as it
 * goes; the bytes are checked once at the end. */
static int run_file_wr(void *p, long n, uint64_t *ns)
{
    const struct file_ctx *c = p;
    long long total = 0;

    for (long i = 0; i < n; i++) {
        if (ftruncate(c->fd, 0) != 0) {
            lm_fail(c->bench, NULL, "ftruncate: %s", strerror(errno));
            return -1;
        }
        uint64_t t0 = lm_now_ns();
        for (size_t off = 0; off < c->size; off += FILE_CHUNK) {
            ssize_t put = pwrite(c->fd, c->buf, FILE_CHUNK, (off_t)off);

            if (put != FILE_CHUNK) {
                break;
            }
            total += put;
        }
        *ns += lm_now_ns() - t0;
    }
    uint32_t back[64];
    if (total != (long long)n * (long long)c->size ||
        pread(c->fd, back, sizeof(back), (off_t)(c->size - FILE_CHUNK)) != (ssize_t)sizeof(back) ||
        memcmp(back, c->buf, sizeof(back)) != 0) {
        lm_fail(c->bench, NULL, "wrote %lld of %lld bytes, or the data read back was wrong", total,
                (long long)n * (long long)c->size);
        return -1;
    }
    return 0;
}

/* @n passes of mapping the file, summing it and unmapping it. */
static int run_mmap_rd(void *p, long n, uint64_t *ns)
{
    const struct file_ctx *c = p;
    uint64_t sum = 0;
    long bad = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        void *m = mmap(NULL, c->size, PROT_READ, MAP_SHARED, c->fd, 0);

        if (m == MAP_FAILED) {
            bad++;
            continue;
        }
        sum += lm_sum_rd(m, c->size);
        bad += munmap(m, c->size) != 0;
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0 || sum != (uint64_t)n * c->expected) {
        lm_fail(c->bench, NULL, "mmap/munmap failed %ld times, or the data was wrong", bad);
        return -1;
    }
    return 0;
}

/*
 * @n passes: map the whole file (untimed), touch one word every
 * FAULT_STRIDE from the end backwards (timed: each touch is one fault),
 * unmap (untimed).
 */
static int run_pagefault(void *p, long n, uint64_t *ns)
{
    const struct file_ctx *c = p;
    long bad = 0;

    for (long i = 0; i < n; i++) {
        const uint32_t *m = mmap(NULL, c->size, PROT_READ, MAP_SHARED, c->fd, 0);
        uint64_t t0;

        if (m == MAP_FAILED) {
            lm_fail(c->bench, NULL, "mmap: %s", strerror(errno));
            return -1;
        }
        t0 = lm_now_ns();
        for (size_t off = c->size - FAULT_STRIDE;; off -= FAULT_STRIDE) {
            bad += m[off / 4] != lm_pattern(off);
            if (off == 0) {
                break;
            }
        }
        *ns += lm_now_ns() - t0;
        munmap((void *)m, c->size);
    }
    if (bad != 0) {
        lm_fail(c->bench, NULL, "%ld faulted-in words held the wrong data", bad);
        return -1;
    }
    return 0;
}

/* @n times: map MMAP_SIZE of the file, read one word per MMAP_STRIDE, unmap. */
static int run_mmap(void *p, long n, uint64_t *ns)
{
    const struct file_ctx *c = p;
    long bad = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        const uint32_t *m = mmap(NULL, MMAP_SIZE, PROT_READ, MAP_SHARED, c->fd, 0);

        if (m == MAP_FAILED) {
            bad++;
            continue;
        }
        for (size_t off = 0; off < MMAP_SIZE; off += MMAP_STRIDE) {
            bad += m[off / 4] != lm_pattern(off);
        }
        bad += munmap((void *)m, MMAP_SIZE) != 0;
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0) {
        lm_fail(c->bench, NULL, "%ld mappings failed or held the wrong data", bad);
        return -1;
    }
    return 0;
}

/* Faults per lat_pagefault pass. */
#define FAULTS (FAULT_SIZE / FAULT_STRIDE)

/* The file benchmarks: file size, operations per batch, and the result: a
 * latency per operation divided by @per, or, if @bytes > 0, a bandwidth of
 * @bytes per operation.  The file is "<dir>/<bench>.file". */
struct file_bench {
    const char *bench;
    size_t size;
    int (*run)(void *ctx, long n, uint64_t *ns);
    long n;
    double per;
    double bytes;
};

enum {
    FB_FILE_RD,
    FB_FILE_WR,
    FB_MMAP_RD,
    FB_PAGEFAULT,
    FB_MMAP
};

static const struct file_bench file_benches[] = {
    [FB_FILE_RD] = { "bw_file_rd", FILE_SIZE, run_file_rd, N_FILE_PASSES, 1, FILE_SIZE },
    [FB_FILE_WR] = { "bw_file_wr", FILE_SIZE, run_file_wr, N_FILE_PASSES, 1, FILE_SIZE },
    [FB_MMAP_RD] = { "bw_mmap_rd", FILE_SIZE, run_mmap_rd, N_FILE_PASSES, 1, FILE_SIZE },
    [FB_PAGEFAULT] = { "lat_pagefault", FAULT_SIZE, run_pagefault, N_FAULT_PASSES, FAULTS, 0 },
    [FB_MMAP] = { "lat_mmap", MMAP_SIZE, run_mmap, N_MMAP, 1, 0 },
};

/* Make the file, measure, print the figure, close the file. */
static int file_bench(const struct file_bench *d)
{
    struct file_ctx c = { d->bench, -1, 0, NULL, 0 };
    char name[64];
    const struct lm_op op = { d->bench, NULL, d->run, &c };
    double per_op;
    int rc;

    c.buf = malloc(FILE_CHUNK);
    if (!c.buf) {
        lm_fail(d->bench, NULL, "out of memory");
        return -1;
    }
    snprintf(name, sizeof(name), "%s.file", d->bench);
    bool writes = d->run == run_file_wr;
    for (size_t i = 0; writes && i < FILE_CHUNK / 4; i++)
        c.buf[i] = lm_pattern(i * 4); /* what each chunk writes */
    rc = file_open(&c, name, d->size, writes ? O_RDWR : O_RDONLY);
    if (rc == 0) {
        rc = lm_measure(&op, lm_iters(d->n), &per_op);
        close(c.fd);
    }
    free(c.buf);
    if (rc == 0 && d->bytes > 0) {
        lm_report_bw(d->bench, NULL, d->bytes, per_op);
    } else if (rc == 0) {
        lm_report_lat(d->bench, NULL, per_op / d->per);
    }
    return rc;
}

int bw_file_rd_main(void)
{
    return file_bench(&file_benches[FB_FILE_RD]);
}

int bw_file_wr_main(void)
{
    return file_bench(&file_benches[FB_FILE_WR]);
}

int bw_mmap_rd_main(void)
{
    return file_bench(&file_benches[FB_MMAP_RD]);
}

int lat_pagefault_main(void)
{
    return file_bench(&file_benches[FB_PAGEFAULT]);
}

int lat_mmap_main(void)
{
    return file_bench(&file_benches[FB_MMAP]);
}
