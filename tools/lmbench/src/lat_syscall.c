// SPDX-License-Identifier: MIT
/*
 * lat_syscall.c - the cost of simple system calls (LMbench lat_syscall).
 *
 * Variants, as LMbench defines them:
 *   null   getppid(), the cheapest call that surely enters the kernel
 *   read   read one byte from /dev/zero
 *   write  write one byte to /dev/null
 *   stat   stat() a file (a regular file in the suite's directory)
 *   fstat  fstat() an open file
 *   open   open() and close() that file
 * Each loop counts what the calls return and checks the total afterwards,
 * which costs one add per call and proves every call did its job.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmbench.h"

#define BENCH "lat_syscall"

/* Size of the file that stat, fstat and open use. */
#define STAT_FILE_SIZE 4096

/* Calls per batch (a null call is about 330 instructions on Linux). */
#define N_NULL 100000
#define N_RW 50000
#define N_STAT 10000
#define N_OPEN 10000

struct sys_ctx {
    int fd;           /* /dev/zero, /dev/null or the stat file */
    pid_t ppid;       /* expected getppid() */
    const char *path; /* the stat file */
};

/* null: sum the results of getppid() and compare with n * ppid. */
static int run_null(void *p, long n, uint64_t *ns)
{
    const struct sys_ctx *c = p;
    long sum = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        sum += getppid();
    }
    *ns += lm_now_ns() - t0;
    if (sum != n * (long)c->ppid) {
        lm_fail(BENCH, "null", "getppid() returned something other than %d", (int)c->ppid);
        return -1;
    }
    return 0;
}

/* read: every read() of /dev/zero must return 1 byte, and the byte is 0. */
static int run_read(void *p, long n, uint64_t *ns)
{
    const struct sys_ctx *c = p;
    unsigned char byte = 0xff;
    long got = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        got += read(c->fd, &byte, 1);
    }
    *ns += lm_now_ns() - t0;
    if (got != n || byte != 0) {
        lm_fail(BENCH, "read", "%ld of %ld one-byte reads from /dev/zero succeeded", got, n);
        return -1;
    }
    return 0;
}

/* write: every write() to /dev/null must report 1 byte written. */
static int run_write(void *p, long n, uint64_t *ns)
{
    const struct sys_ctx *c = p;
    const unsigned char byte = 'x';
    long put = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        put += write(c->fd, &byte, 1);
    }
    *ns += lm_now_ns() - t0;
    if (put != n) {
        lm_fail(BENCH, "write", "%ld of %ld one-byte writes to /dev/null succeeded", put, n);
        return -1;
    }
    return 0;
}

/* stat: every call returns 0 and the last one saw the file's size. */
static int run_stat(void *p, long n, uint64_t *ns)
{
    const struct sys_ctx *c = p;
    struct stat st;
    long bad = 0;
    uint64_t t0;

    memset(&st, 0, sizeof(st));
    t0 = lm_now_ns();
    for (long i = 0; i < n; i++) {
        bad += stat(c->path, &st);
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0 || st.st_size != STAT_FILE_SIZE) {
        lm_fail(BENCH, "stat", "stat(%s) failed %ld times", c->path, -bad);
        return -1;
    }
    return 0;
}

/* fstat: as stat, on an open descriptor. */
static int run_fstat(void *p, long n, uint64_t *ns)
{
    const struct sys_ctx *c = p;
    struct stat st;
    long bad = 0;
    uint64_t t0;

    memset(&st, 0, sizeof(st));
    t0 = lm_now_ns();
    for (long i = 0; i < n; i++) {
        bad += fstat(c->fd, &st);
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0 || st.st_size != STAT_FILE_SIZE) {
        lm_fail(BENCH, "fstat", "fstat() failed %ld times", -bad);
        return -1;
    }
    return 0;
}

/* open: open() then close(); a failed open counts and is checked after. */
static int run_open(void *p, long n, uint64_t *ns)
{
    const struct sys_ctx *c = p;
    long bad = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        int fd = open(c->path, O_RDONLY);

        bad += fd < 0;
        bad += close(fd) != 0;
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0) {
        lm_fail(BENCH, "open", "open/close of %s failed %ld times", c->path, bad);
        return -1;
    }
    return 0;
}

/* The stat file, as an open_path of the table below. */
#define THE_FILE ""

/* The variants in the order they run: the descriptor each needs (a device,
 * THE_FILE, or NULL for none), and the operations per batch. */
static const struct sys_variant {
    const char *name;
    int (*run)(void *ctx, long n, uint64_t *ns);
    const char *open_path;
    int open_flags;
    long n;
} variants[] = {
    { "null", run_null, NULL, 0, N_NULL },
    { "read", run_read, "/dev/zero", O_RDONLY, N_RW },
    { "write", run_write, "/dev/null", O_WRONLY, N_RW },
    { "stat", run_stat, NULL, 0, N_STAT },
    { "fstat", run_fstat, THE_FILE, O_RDONLY, N_RW },
    { "open", run_open, NULL, 0, N_OPEN },
};

/*
 * Measure variant @v and print its line.
 * Assumes: ctx->path names the stat file.  Opens (and closes) the variant's
 * descriptor around the measurement.  Returns 0 or -1 (already reported).
 */
static int one(const struct sys_variant *v, struct sys_ctx *ctx)
{
    const struct lm_op op = { BENCH, v->name, v->run, ctx };
    const char *path = v->open_path;
    double per_op;
    int rc;

    ctx->fd = -1;
    if (path) {
        path = path[0] ? path : ctx->path;
        ctx->fd = open(path, v->open_flags);
        if (ctx->fd < 0) {
            lm_fail(BENCH, v->name, "cannot open %s: %s", path, strerror(errno));
            return -1;
        }
    }
    rc = lm_measure(&op, lm_iters(v->n), &per_op);
    if (ctx->fd >= 0) {
        close(ctx->fd);
    }
    if (rc == 0) {
        lm_report_lat(BENCH, v->name, per_op);
    }
    return rc;
}

int lat_syscall_main(void)
{
    char path[256];
    struct sys_ctx ctx = { -1, getppid(), path };
    int rc = 0;

    if (lm_make_file("lat_syscall.file", STAT_FILE_SIZE, path, sizeof(path)) != 0) {
        lm_fail(BENCH, NULL, "cannot create a file in %s: %s", lm_opts.dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        rc |= one(&variants[i], &ctx);
    }
    unlink(path);
    return rc;
}
