// SPDX-License-Identifier: MIT
/*
 * lat_proc.c - process and thread creation (LMbench lat_proc; lat_clone).
 *
 * lat_proc variants, as LMbench defines them:
 *   fork   fork(); the child exits at once; the parent waits for it
 *   exec   fork(); the child execs a tiny program ("lmbench hello", which
 *          exits with status 42); the parent waits for it
 *   shell  fork(); the child execs "/bin/sh -c 'exit 7'"; the parent waits
 * The parent checks every child's exit status, which proves the child (and
 * the program it exec'd) ran.
 *
 * lat_clone (not in LMbench): pthread_create() of a thread that marks a
 * flag, then pthread_join(); musl maps and unmaps the thread's stack, so
 * this is clone + mmap + munmap + futex wake/wait.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lmbench.h"

/* Exit status of the forked child and of the shell command. */
#define FORK_STATUS 7
#define SHELL_CMD "exit 7"

/* Operations per batch. */
#define N_FORK 500
#define N_EXEC 100
#define N_SHELL 50
#define N_CLONE 2000

enum proc_kind {
    PROC_FORK,
    PROC_EXEC,
    PROC_SHELL
};

struct proc_ctx {
    enum proc_kind kind;
    const char *variant;
    int want; /* expected exit status */
};

/*
 * In the child: become what the variant asks for.  Never returns; exit
 * status 127 means the exec failed (the parent then reports a failure).
 */
static void child(enum proc_kind kind)
{
    if (kind == PROC_EXEC) {
        if (lm_opts.exec_via) {
            execl(lm_opts.exec_via, lm_opts.exec_via, lm_opts.self, "hello", (char *)NULL);
        } else {
            execl(lm_opts.self, lm_opts.self, "hello", (char *)NULL);
        }
    } else if (kind == PROC_SHELL) {
        execl(lm_opts.shell, "sh", "-c", SHELL_CMD, (char *)NULL);
    } else {
        _exit(FORK_STATUS);
    }
    _exit(127);
}

/* @n times: fork, let the child do its part, wait and check its status. */
static int run_proc(void *p, long n, uint64_t *ns)
{
    const struct proc_ctx *c = p;
    long bad = 0;
    int last = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        int status = 0;
        pid_t pid = fork();

        if (pid == 0) {
            child(c->kind);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != c->want) {
            bad++;
            last = status;
        }
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0) {
        lm_fail("lat_proc", c->variant,
                "%ld of %ld children did not exit with %d (wait status 0x%x)", bad, n, c->want,
                last);
        return -1;
    }
    return 0;
}

/* Measure one lat_proc variant and print its line. */
static int proc_variant(enum proc_kind kind, const char *variant, int want, long n)
{
    struct proc_ctx c = { kind, variant, want };
    const struct lm_op op = { "lat_proc", variant, run_proc, &c };
    double per_op;

    if (lm_measure(&op, lm_iters(n), &per_op) != 0) {
        return -1;
    }
    lm_report_lat("lat_proc", variant, per_op);
    return 0;
}

int lat_proc_main(void)
{
    int rc = 0;

    rc |= proc_variant(PROC_FORK, "fork", FORK_STATUS, N_FORK);
    if (!lm_opts.self) {
        lm_fail("lat_proc", "exec", "the program's own path is unknown (use --self)");
        rc = -1;
    } else {
        rc |= proc_variant(PROC_EXEC, "exec", LM_HELLO_STATUS, N_EXEC);
    }
    if (access(lm_opts.shell, X_OK) != 0) {
        lm_fail("lat_proc", "shell", "no shell at %s", lm_opts.shell);
        rc = -1;
    } else {
        rc |= proc_variant(PROC_SHELL, "shell", FORK_STATUS, N_SHELL);
    }
    return rc;
}

/* The thread of lat_clone: count that it ran. */
static void *thread_body(void *arg)
{
    long *ran = arg;

    (*ran)++; /* the joiner reads it only after pthread_join() */
    return arg;
}

/* @n times: create a thread and join it; every thread must have run. */
static int run_clone(void *p, long n, uint64_t *ns)
{
    long ran = 0;
    long bad = 0;
    uint64_t t0 = lm_now_ns();

    (void)p;
    for (long i = 0; i < n; i++) {
        pthread_t t;
        void *ret = NULL;

        if (pthread_create(&t, NULL, thread_body, &ran) != 0) {
            bad++;
            continue;
        }
        bad += pthread_join(t, &ret) != 0 || ret != &ran;
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0 || ran != n) {
        lm_fail("lat_clone", NULL, "%ld of %ld threads ran", ran, n);
        return -1;
    }
    return 0;
}

int lat_clone_main(void)
{
    const struct lm_op op = { "lat_clone", NULL, run_clone, NULL };
    double per_op;

    if (lm_measure(&op, lm_iters(N_CLONE), &per_op) != 0) {
        return -1;
    }
    lm_report_lat("lat_clone", NULL, per_op);
    return 0;
}
