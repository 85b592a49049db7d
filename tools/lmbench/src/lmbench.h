// SPDX-License-Identifier: MIT
/*
 * lmbench.h - shared definitions of the LMbench-style suite.
 *
 * The suite is one static Linux program, `lmbench`, with one subcommand per
 * benchmark (lat_syscall, lat_pipe, bw_mem, ...).  It follows the benchmark
 * names, definitions and result kinds of LMbench (McVoy and Staelin), but it
 * is written for this project: see tools/lmbench/README.md for what each
 * benchmark measures and how.
 *
 * Counting method.  Under QEMU with `-icount shift=0,align=off,sleep=off`
 * one guest instruction advances the virtual clock by one nanosecond, so a
 * CLOCK_MONOTONIC difference in nanoseconds is an instruction count, exact
 * and repeatable.  Latencies are therefore printed as "insns" (instructions
 * = virtual ns per operation) and bandwidths as "MB/s" (MB = 2^20 bytes, per
 * virtual second).  Outside such a QEMU (e.g. the smoke test under
 * qemu-aarch64 user mode) the same numbers are host nanoseconds and mean
 * nothing beyond "the benchmark ran".
 *
 * Output (one line each, written with a single write(2) so lines from
 * several processes never interleave):
 *
 *     [LMBENCH] <bench> [<variant>] <value> <unit>     a result
 *     [LMBENCH-INFO] <key> <text>                      facts about the run
 *     FAIL <bench>[ <variant>]: <why>                   a benchmark failed
 *     [LMBENCH-DONE] benchmarks=<n> failed=<f>          the last line
 */
#ifndef LMBENCH_H
#define LMBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Command-line options; set once by main() before any benchmark runs. */
struct lm_opts {
    bool smoke;           /**< tiny iteration counts: "does it run", no figures */
    const char *dir;      /**< directory for the benchmarks' files */
    const char *self;     /**< path of this program (lat_proc exec runs "<self> hello") */
    const char *exec_via; /**< NULL, or an interpreter for <self> (qemu-aarch64) */
    const char *shell;    /**< the shell of lat_proc shell (default /bin/sh) */
};

/** The options of this run (read-only once the benchmarks start). */
extern struct lm_opts lm_opts;

/** Exit status of `lmbench hello`, checked by lat_proc exec. */
#define LM_HELLO_STATUS 42

/** Bytes in the MB of "MB/s" (LMbench's megabyte, 2^20 bytes). */
#define LM_MB (1024.0 * 1024.0)

/**
 * An operation to time.  run() performs the operation @n times, adds the
 * nanoseconds of its timed region to *@ns (set-up and checks stay outside
 * that region) and returns 0; or it reports the problem with lm_fail() and
 * returns -1.  @ctx is the benchmark's own state.
 */
struct lm_op {
    const char *bench;   /**< benchmark name, for messages */
    const char *variant; /**< variant or NULL, for messages */
    int (*run)(void *ctx, long n, uint64_t *ns);
    void *ctx;
};

/** CLOCK_MONOTONIC in nanoseconds (instructions under QEMU -icount shift=0). */
uint64_t lm_now_ns(void);

/** @n in a full run; a tiny count (at most 3) in smoke mode. */
long lm_iters(long n);

/**
 * Time @op: one warm-up batch of max(1, n/10) operations, then 3 batches of
 * @n operations; *@per_op gets the smallest batch's nanoseconds per operation.
 * Returns 0, or -1 if any batch failed (already reported).
 */
int lm_measure(const struct lm_op *op, long n, double *per_op);

/** Print `[LMBENCH] <bench> [<variant>] <insns> insns` (one decimal). */
void lm_report_lat(const char *bench, const char *variant, double insns);

/** Print `[LMBENCH] <bench> [<variant>] <MB/s> MB/s` for @bytes in @ns. */
void lm_report_bw(const char *bench, const char *variant, double bytes, double ns);

/** Print `[LMBENCH-INFO] <key> <printf text>`. */
void lm_info(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Print `FAIL <bench>[ <variant>]: <printf text>`. */
void lm_fail(const char *bench, const char *variant, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/** Print one line (adds the newline) with a single write(2). */
void lm_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Create (or recreate) "<lm_opts.dir>/<name>" holding @size bytes of the
 * suite's file pattern: the 32-bit word at byte offset o holds o / 4.
 * @size must be a multiple of 4.  Writes the path into @path (@cap bytes).
 * Returns 0, or -1 with errno set.
 */
int lm_make_file(const char *name, size_t size, char *path, size_t cap);

/** The pattern word at byte offset @off of a file made by lm_make_file(). */
static inline uint32_t lm_pattern(size_t off)
{
    return (uint32_t)(off / 4);
}

/**
 * Sum every fourth 32-bit word of @len bytes at @p (LMbench's "rd" access
 * pattern; @len a multiple of 128).  Used by bw_mem rd, bw_file_rd and
 * bw_mmap_rd so that all three read memory the same way.
 */
uint64_t lm_sum_rd(const uint32_t *p, size_t len);

/** What lm_sum_rd() returns for @len bytes of the file pattern at offset @off. */
uint64_t lm_sum_rd_expected(size_t off, size_t len);

/** Keep the compiler from dropping or merging memory accesses across this point. */
static inline void lm_barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

/* The benchmarks: each runs all its variants, prints one result line per
 * variant and returns 0, or -1 if any variant failed (already reported). */
int lat_syscall_main(void);
int lat_pipe_main(void);
int bw_pipe_main(void);
int lat_unix_main(void);
int bw_unix_main(void);
int lat_ctx_main(void);
int lat_proc_main(void);
int lat_clone_main(void);
int lat_sig_main(void);
int lat_pagefault_main(void);
int lat_mmap_main(void);
int bw_mem_main(void);
int bw_file_rd_main(void);
int bw_file_wr_main(void);
int bw_mmap_rd_main(void);

#endif /* LMBENCH_H */
