// SPDX-License-Identifier: MIT
/*
 * lat_sig.c - signal costs (LMbench lat_sig).
 *
 *   install  sigaction() installing a handler for SIGUSR1
 *   catch    kill(getpid(), SIGUSR1) with a handler installed: the signal is
 *            delivered on the way back from kill(), the handler runs and
 *            returns through sigreturn.  The handler counts, and the count
 *            must equal the number of signals sent.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lmbench.h"

#define BENCH "lat_sig"

#define N_INSTALL 50000
#define N_CATCH 20000

/* Signals caught; written only by the handler, read between batches. */
static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
    (void)sig;
    caught++;
}

/* @n sigaction() calls; each must return 0. */
static int run_install(void *p, long n, uint64_t *ns)
{
    const struct sigaction *sa = p;
    long bad = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        bad += sigaction(SIGUSR1, sa, NULL) != 0;
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0) {
        lm_fail(BENCH, "install", "sigaction failed %ld times", bad);
        return -1;
    }
    return 0;
}

/* @n signals sent to ourselves; the handler must have run @n times. */
static int run_catch(void *p, long n, uint64_t *ns)
{
    pid_t me = getpid();
    long bad = 0;
    uint64_t t0;

    (void)p;
    caught = 0;
    t0 = lm_now_ns();
    for (long i = 0; i < n; i++) {
        bad += kill(me, SIGUSR1) != 0;
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0 || caught != n) {
        lm_fail(BENCH, "catch", "%ld signals sent, %ld caught", n - bad, (long)caught);
        return -1;
    }
    return 0;
}

int lat_sig_main(void)
{
    struct sigaction sa;
    const struct lm_op install = { BENCH, "install", run_install, &sa };
    const struct lm_op catch_op = { BENCH, "catch", run_catch, NULL };
    double per_op;
    int rc = 0;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (lm_measure(&install, lm_iters(N_INSTALL), &per_op) == 0) {
        lm_report_lat(BENCH, "install", per_op);
    } else {
        rc = -1;
    }
    if (sigaction(SIGUSR1, &sa, NULL) != 0) {
        lm_fail(BENCH, "catch", "sigaction: %s", strerror(errno));
        return -1;
    }
    if (lm_measure(&catch_op, lm_iters(N_CATCH), &per_op) == 0) {
        lm_report_lat(BENCH, "catch", per_op);
    } else {
        rc = -1;
    }
    return rc;
}
