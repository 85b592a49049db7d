// SPDX-License-Identifier: MIT
/*
 * lat_ctx.c - context-switch latency (LMbench lat_ctx).
 *
 * P processes form a ring of pipes.  Each reads a token (an int) from its
 * pipe, sums its own array of the given size (the "working set" of the
 * process; 0k = no work), adds one to the token and writes it to the next
 * process.  Process 0 is the measuring process: it times R trips of the
 * token around the ring, which is R * P hops.
 *
 * As in LMbench, the figure is the switch alone: the cost of one hop
 * without a switch (one process writing the token into a pipe to itself,
 * reading it back and summing its array) is measured the same way and
 * subtracted.  On one CPU every hop is one context switch.  The token
 * coming back to process 0 must have grown by P - 1, which proves every
 * process ran.
 *
 * Variants are "<size>k/<processes>", e.g. 0k/2 and 16k/8.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lmbench.h"

#define BENCH "lat_ctx"

/* Most processes in a ring (LMbench supports up to 20 too). */
#define MAX_PROCS 20

/* Hops of the token per batch (trips around the ring = N_HOPS / P). */
#define N_HOPS 4000

struct ring {
    int procs;               /* P */
    size_t words;            /* array size in 32-bit words */
    uint32_t *array;         /* process 0's array */
    int pipes[MAX_PROCS][2]; /* pipes[i]: process i writes, i + 1 reads */
    pid_t pids[MAX_PROCS];   /* pids[0] unused */
    const char *variant;
};

/* Sink for the array sums, so the summing is never optimised away. */
static volatile uint32_t sink;

/* The work of one hop: sum the whole array (every word). */
static uint32_t sum_array(const uint32_t *a, size_t words)
{
    uint32_t s = 0;

    for (size_t i = 0; i < words; i++) {
        s += a[i];
    }
    return s;
}

/*
 * A fresh array of @words words, written so its pages are the process's
 * own (after fork a read-only array would still be shared with the parent).
 * NULL on failure; a 0-word array is a valid non-NULL allocation.
 */
static uint32_t *new_array(size_t words)
{
    uint32_t *a = malloc(words ? words * sizeof(*a) : 1);

    for (size_t i = 0; a && i < words; i++) {
        a[i] = (uint32_t)i;
    }
    return a;
}

/*
 * Body of ring process @me (1 .. P-1): pass the token on until end of file.
 * Assumes: only pipes[me - 1][0] and pipes[me][1] are still open.
 * Returns the exit status: 0 at end of file, 1 on any error.
 */
static int ring_member(const struct ring *r, int me)
{
    int in = r->pipes[me - 1][0];
    int out = r->pipes[me][1];
    uint32_t *array = new_array(r->words);

    if (!array) {
        return 1;
    }
    for (;;) {
        int token;
        ssize_t got = read(in, &token, sizeof(token));

        if (got == 0) {
            return 0;
        }
        if (got != sizeof(token)) {
            return 1;
        }
        sink = sum_array(array, r->words);
        token++;
        if (write(out, &token, sizeof(token)) != sizeof(token)) {
            return 1;
        }
    }
}

/*
 * Close every ring descriptor except @keep_r and @keep_w (-1: none).
 * Needed so that closing process 0's write end ends the whole ring.
 */
static void close_others(struct ring *r, int keep_r, int keep_w)
{
    for (int i = 0; i < r->procs; i++) {
        for (int e = 0; e < 2; e++) {
            int fd = r->pipes[i][e];

            if (fd >= 0 && fd != keep_r && fd != keep_w) {
                close(fd);
                r->pipes[i][e] = -1;
            }
        }
    }
}

/*
 * Build the ring: P pipes and P - 1 children.
 * Guarantees: on success process 0 keeps pipes[0][1] (to process 1) and
 * pipes[P-1][0] (from process P-1).  Returns 0 or -1 (reported); either
 * way ring_stop() must follow, to end and reap the children started.
 */
static int ring_start(struct ring *r)
{
    for (int i = 0; i < r->procs; i++) {
        r->pipes[i][0] = r->pipes[i][1] = -1;
        r->pids[i] = -1;
    }
    for (int i = 0; i < r->procs; i++) {
        if (pipe(r->pipes[i]) != 0) {
            lm_fail(BENCH, r->variant, "pipe: %s", strerror(errno));
            return -1;
        }
    }
    for (int i = 1; i < r->procs; i++) {
        pid_t pid = fork();

        if (pid == 0) {
            close_others(r, r->pipes[i - 1][0], r->pipes[i][1]);
            _exit(ring_member(r, i));
        }
        if (pid < 0) {
            lm_fail(BENCH, r->variant, "fork: %s", strerror(errno));
            return -1;
        }
        r->pids[i] = pid;
    }
    close_others(r, r->pipes[r->procs - 1][0], r->pipes[0][1]);
    return 0;
}

/* End the ring (end of file travels round it) and reap every child.
 * Returns 0 if every child exited with status 0, else -1 (reported). */
static int ring_stop(struct ring *r)
{
    int rc = 0;

    close_others(r, -1, -1);
    for (int i = 1; i < r->procs; i++) {
        int status = 0;

        if (r->pids[i] < 0) {
            continue;
        }
        if (waitpid(r->pids[i], &status, 0) != r->pids[i] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            lm_fail(BENCH, r->variant, "ring process %d failed (wait status 0x%x)", i, status);
            rc = -1;
        }
    }
    return rc;
}

/* @n trips of the token around the ring; each must come back grown by P-1. */
static int run_ring(void *p, long n, uint64_t *ns)
{
    const struct ring *r = p;
    int out = r->pipes[0][1];
    int in = r->pipes[r->procs - 1][0];
    long bad = 0;
    int token = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        int back = -1;

        bad += write(out, &token, sizeof(token)) != sizeof(token);
        bad += read(in, &back, sizeof(back)) != sizeof(back);
        sink = sum_array(r->array, r->words);
        bad += back != token + r->procs - 1;
        token = back + 1;
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0) {
        lm_fail(BENCH, r->variant, "the token went wrong %ld times in %ld trips", bad, n);
        return -1;
    }
    return 0;
}

/*
 * The overhead of @n trips without switching: P hops, each a write of the
 * token into a pipe to oneself, the read back and one array sum.
 */
static int run_overhead(void *p, long n, uint64_t *ns)
{
    const struct ring *r = p;
    int self[2];
    long bad = 0;
    int token = 0;
    uint64_t t0;

    if (pipe(self) != 0) {
        lm_fail(BENCH, r->variant, "pipe: %s", strerror(errno));
        return -1;
    }
    t0 = lm_now_ns();
    for (long i = 0; i < n * r->procs; i++) {
        int back = -1;

        bad += write(self[1], &token, sizeof(token)) != sizeof(token);
        bad += read(self[0], &back, sizeof(back)) != sizeof(back);
        sink = sum_array(r->array, r->words);
        bad += back != token;
        token = back + 1;
    }
    *ns += lm_now_ns() - t0;
    close(self[0]);
    close(self[1]);
    if (bad != 0) {
        lm_fail(BENCH, r->variant, "the overhead loop lost the token %ld times", bad);
        return -1;
    }
    return 0;
}

/*
 * One variant: @kib KiB per process, @procs processes.  Prints the
 * per-switch figure (hop minus overhead).
 */
static int ctx_variant(int kib, int procs)
{
    char variant[32];
    struct ring r;
    const struct lm_op ring_op = { BENCH, variant, run_ring, &r };
    const struct lm_op ovh_op = { BENCH, variant, run_overhead, &r };
    long trips = lm_iters(N_HOPS / procs);
    double per_trip, ovh_trip;
    int rc;

    snprintf(variant, sizeof(variant), "%dk/%d", kib, procs);
    memset(&r, 0, sizeof(r));
    r.procs = procs;
    r.words = (size_t)kib * 1024 / sizeof(uint32_t);
    r.variant = variant;
    r.array = new_array(r.words);
    if (!r.array) {
        lm_fail(BENCH, variant, "out of memory");
        return -1;
    }
    rc = lm_measure(&ovh_op, trips, &ovh_trip);
    if (rc == 0) {
        rc = ring_start(&r);
        rc |= rc == 0 ? lm_measure(&ring_op, trips, &per_trip) : -1;
        rc |= ring_stop(&r);
    }
    free(r.array);
    if (rc == 0) {
        double per_switch = (per_trip - ovh_trip) / procs;

        lm_report_lat(BENCH, variant, per_switch > 0 ? per_switch : 0.0);
    }
    return rc;
}

int lat_ctx_main(void)
{
    int rc = 0;

    rc |= ctx_variant(0, 2);
    rc |= ctx_variant(16, 8);
    return rc;
}
