// SPDX-License-Identifier: MIT
/*
 * common.c - timing, result lines and test files shared by the benchmarks.
 *
 * Timing is CLOCK_MONOTONIC (musl reads it through the vDSO on Linux, so
 * taking a timestamp enters no kernel).  Under QEMU -icount shift=0 the
 * difference of two readings is the number of guest instructions executed
 * between them, including the kernel's, which is what every figure of the
 * suite is.  A benchmark is timed as LMbench does it: a warm-up, then
 * several batches, keeping the best batch; under -icount the batches differ
 * only by the timer interrupts that happen to fall into them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lmbench.h"

/* Timed batches per measurement; the smallest one is reported. */
#define BATCHES 3

/* Longest output line, including the newline. */
#define LINE_MAX_LEN 512

/* Chunk in which lm_make_file() writes the pattern. */
#define FILL_CHUNK (64 * 1024)

struct lm_opts lm_opts;

uint64_t lm_now_ns(void)
{
    struct timespec ts;

    /* Cannot fail for CLOCK_MONOTONIC with a valid pointer. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long lm_iters(long n)
{
    if (lm_opts.smoke && n > 3) {
        return 3;
    }
    return n;
}

/*
 * Write the formatted line plus '\n' with one write(2).
 * Assumes: the text fits LINE_MAX_LEN (longer text is cut, never overflows).
 * Guarantees: one system call per line, so a line is never split by another
 * process's output; a short write to the console is retried.
 */
static void emit(const char *prefix, const char *fmt, va_list ap)
{
    char buf[LINE_MAX_LEN];
    int len = snprintf(buf, sizeof(buf), "%s", prefix);
    int more = vsnprintf(buf + len, sizeof(buf) - (size_t)len - 1, fmt, ap);
    size_t done = 0;

    len += more < 0 ? 0 : more;
    if ((size_t)len > sizeof(buf) - 2) {
        len = (int)sizeof(buf) - 2;
    }
    buf[len++] = '\n';
    while (done < (size_t)len) {
        ssize_t w = write(STDOUT_FILENO, buf + done, (size_t)len - done);

        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return; /* nowhere left to report to */
        }
        done += (size_t)w;
    }
}

void lm_line(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    emit("", fmt, ap);
    va_end(ap);
}

void lm_info(const char *key, const char *fmt, ...)
{
    char prefix[64];
    va_list ap;

    snprintf(prefix, sizeof(prefix), "[LMBENCH-INFO] %s ", key);
    va_start(ap, fmt);
    emit(prefix, fmt, ap);
    va_end(ap);
}

void lm_fail(const char *bench, const char *variant, const char *fmt, ...)
{
    char prefix[96];
    va_list ap;

    snprintf(prefix, sizeof(prefix), "FAIL %s%s%s: ", bench, variant ? " " : "",
             variant ? variant : "");
    va_start(ap, fmt);
    emit(prefix, fmt, ap);
    va_end(ap);
}

void lm_report_lat(const char *bench, const char *variant, double insns)
{
    lm_line("[LMBENCH] %s%s%s %.1f insns", bench, variant ? " " : "", variant ? variant : "",
            insns);
}

void lm_report_bw(const char *bench, const char *variant, double bytes, double ns)
{
    /* bytes per ns * 1e9 = bytes per (virtual) second. */
    double mbs = ns > 0 ? bytes / LM_MB / (ns / 1e9) : 0.0;

    lm_line("[LMBENCH] %s%s%s %.1f MB/s", bench, variant ? " " : "", variant ? variant : "", mbs);
}

/*
 * Contract: see lmbench.h.  The warm-up batch takes the cold costs (first
 * page faults, first-use set-up in libc and the kernel) out of the figure.
 * A batch that reports 0 ns means the clock did not advance: that is a
 * failure, never a result.
 */
int lm_measure(const struct lm_op *op, long n, double *per_op)
{
    uint64_t best = 0;
    uint64_t warm = 0;
    long warm_n = n / 10 > 0 ? n / 10 : 1;

    if (op->run(op->ctx, warm_n, &warm) != 0) {
        return -1;
    }
    for (int b = 0; b < BATCHES; b++) {
        uint64_t ns = 0;

        if (op->run(op->ctx, n, &ns) != 0) {
            return -1;
        }
        if (b == 0 || ns < best) {
            best = ns;
        }
    }
    if (best == 0) {
        lm_fail(op->bench, op->variant, "the clock did not advance over %ld operations", n);
        return -1;
    }
    *per_op = (double)best / (double)n;
    return 0;
}

/*
 * Contract: see lmbench.h.  The file is written in FILL_CHUNK pieces from
 * one buffer and fsync is not needed (tmpfs or the initramfs root).
 */
int lm_make_file(const char *name, size_t size, char *path, size_t cap)
{
    uint32_t *chunk;
    size_t off = 0;
    int fd;

    if ((size_t)snprintf(path, cap, "%s/%s", lm_opts.dir, name) >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        return -1;
    }
    chunk = malloc(FILL_CHUNK);
    if (!chunk) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    while (off < size) {
        size_t len = size - off < FILL_CHUNK ? size - off : FILL_CHUNK;

        for (size_t i = 0; i < len / 4; i++) {
            chunk[i] = lm_pattern(off + i * 4);
        }
        if (write(fd, chunk, len) != (ssize_t)len) {
            int err = errno ? errno : EIO;

            free(chunk);
            close(fd);
            errno = err;
            return -1;
        }
        off += len;
    }
    free(chunk);
    return close(fd);
}

/*
 * Every fourth word, eight of them per step (128 bytes), so the loop is the
 * same on every compiler setting and the compiler cannot skip the loads:
 * the sum is returned and checked by the callers.
 */
uint64_t lm_sum_rd(const uint32_t *p, size_t len)
{
    const uint32_t *end = p + len / 4;
    uint64_t sum = 0;

    while (p < end) {
        sum += (uint64_t)p[0] + p[4] + p[8] + p[12] + p[16] + p[20] + p[24] + p[28];
        p += 32;
    }
    return sum;
}

uint64_t lm_sum_rd_expected(size_t off, size_t len)
{
    uint64_t sum = 0;

    for (size_t o = 0; o < len; o += 16) {
        sum += lm_pattern(off + o);
    }
    return sum;
}
