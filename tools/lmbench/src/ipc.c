// SPDX-License-Identifier: MIT
/*
 * ipc.c - latency and bandwidth of pipes and UNIX-domain sockets
 *         (LMbench lat_pipe, bw_pipe, lat_unix, bw_unix).
 *
 * Latency ("hot potato"): two processes pass one byte back and forth; the
 * figure is one round trip, i.e. two one-byte transfers and, on one CPU,
 * two context switches.  The echoing child returns the byte plus one and
 * the parent checks every reply.
 *
 * Bandwidth: a child writes the data in 64 KiB chunks, the parent reads it
 * until end of file; the timed region runs from the parent's "go" to the
 * end of file, and the parent checks that every byte arrived.  The figure is
 * MB (2^20 bytes) per virtual second.
 *
 * A pipe channel is two pipes (one each way); a socket channel is one
 * socketpair(AF_UNIX, SOCK_STREAM).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lmbench.h"

/* Round trips per batch (about 14,000 instructions each on Linux). */
#define N_RTT 10000

/* Bandwidth: chunk size and chunks per batch (10 MiB). */
#define BW_CHUNK (64 * 1024)
#define N_BW_CHUNKS 160

enum chan_kind {
    CHAN_PIPE,
    CHAN_UNIX
};

/* The parent's ends of a channel to a child, and the child. */
struct chan {
    int rfd;   /* parent reads here */
    int wfd;   /* parent writes here (== rfd for a socket) */
    pid_t pid; /* the child, or -1 */
};

/* A child's job once the channel exists: read from @rfd, write to @wfd;
 * returns the child's exit status. */
enum child_job {
    JOB_ECHO,
    JOB_STREAM
};

struct ipc_ctx {
    const char *bench;
    enum chan_kind kind;
    struct chan ch;
    char *buf; /* BW_CHUNK bytes */
};

/*
 * Echo bytes plus one until end of file.  Returns 0 at end of file, 1 on
 * any error (a short read or write would break the token protocol).
 */
static int echo_loop(int rfd, int wfd)
{
    for (;;) {
        unsigned char c;
        ssize_t r = read(rfd, &c, 1);

        if (r == 0) {
            return 0;
        }
        if (r != 1) {
            return 1;
        }
        c++;
        if (write(wfd, &c, 1) != 1) {
            return 1;
        }
    }
}

/*
 * Wait for the go byte on @rfd, then write @n chunks of @buf to @wfd.
 * Returns 0 when all bytes were written, 1 otherwise.
 */
static int stream_loop(int rfd, int wfd, const char *buf, long n)
{
    char go;

    if (read(rfd, &go, 1) != 1) {
        return 1;
    }
    for (long i = 0; i < n; i++) {
        size_t done = 0;

        while (done < BW_CHUNK) {
            ssize_t w = write(wfd, buf + done, BW_CHUNK - done);

            if (w <= 0) {
                return 1;
            }
            done += (size_t)w;
        }
    }
    return 0;
}

/*
 * Create a channel of @kind and fork a child that runs @job on its ends
 * (@n chunks for JOB_STREAM).
 * Guarantees: on success *@ch holds the parent's ends and the child's pid,
 * and every descriptor of the other side is closed in each process, so end
 * of file propagates when one side closes.  Returns 0, or -1 (reported).
 */
static int chan_open(struct ipc_ctx *c, enum child_job job, long n)
{
    int a[2], b[2];
    int child_r, child_w;

    if (c->kind == CHAN_PIPE) {
        if (pipe(a) != 0) {
            lm_fail(c->bench, NULL, "pipe: %s", strerror(errno));
            return -1;
        }
        if (pipe(b) != 0) {
            lm_fail(c->bench, NULL, "pipe: %s", strerror(errno));
            close(a[0]);
            close(a[1]);
            return -1;
        }
        /* a: parent -> child, b: child -> parent. */
        c->ch.wfd = a[1];
        c->ch.rfd = b[0];
        child_r = a[0];
        child_w = b[1];
    } else {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) != 0) {
            lm_fail(c->bench, NULL, "socketpair: %s", strerror(errno));
            return -1;
        }
        c->ch.wfd = c->ch.rfd = a[0];
        child_r = child_w = a[1];
    }
    c->ch.pid = fork();
    if (c->ch.pid == 0) {
        int status;

        close(c->ch.rfd);
        if (c->ch.wfd != c->ch.rfd) {
            close(c->ch.wfd);
        }
        status = job == JOB_ECHO ? echo_loop(child_r, child_w) :
                                   stream_loop(child_r, child_w, c->buf, n);
        close(child_w);
        _exit(status);
    }
    close(child_r);
    if (child_w != child_r) {
        close(child_w);
    }
    if (c->ch.pid < 0) {
        lm_fail(c->bench, NULL, "fork: %s", strerror(errno));
        close(c->ch.rfd);
        if (c->ch.wfd != c->ch.rfd) {
            close(c->ch.wfd);
        }
        return -1;
    }
    return 0;
}

/*
 * Close the parent's ends (the child sees end of file) and reap the child.
 * Returns 0 if the child exited with status 0, else -1 (reported).
 */
static int chan_close(struct ipc_ctx *c)
{
    int status = 0;

    if (c->ch.wfd != c->ch.rfd) {
        close(c->ch.wfd);
    }
    close(c->ch.rfd);
    if (waitpid(c->ch.pid, &status, 0) != c->ch.pid) {
        lm_fail(c->bench, NULL, "waitpid: %s", strerror(errno));
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        lm_fail(c->bench, NULL, "the child process failed (wait status 0x%x)", status);
        return -1;
    }
    return 0;
}

/* One batch of @n round trips on the open channel; every reply checked. */
static int run_rtt(void *p, long n, uint64_t *ns)
{
    const struct ipc_ctx *c = p;
    long bad = 0;
    unsigned char token = 0;
    uint64_t t0 = lm_now_ns();

    for (long i = 0; i < n; i++) {
        unsigned char reply = 0;

        bad += write(c->ch.wfd, &token, 1) != 1;
        bad += read(c->ch.rfd, &reply, 1) != 1;
        token++;
        bad += reply != token;
    }
    *ns += lm_now_ns() - t0;
    if (bad != 0) {
        lm_fail(c->bench, NULL, "%ld of %ld round trips lost or corrupted the byte", bad, n);
        return -1;
    }
    return 0;
}

/*
 * One batch: a fresh writer child streams @n chunks; the parent times from
 * its go byte to end of file and checks the byte count.
 */
static int run_stream(void *p, long n, uint64_t *ns)
{
    struct ipc_ctx *c = p;
    const char go = 'g';
    long long total = 0;
    uint64_t t0, t1;
    int rc;

    if (chan_open(c, JOB_STREAM, n) != 0) {
        return -1;
    }
    t0 = lm_now_ns();
    rc = write(c->ch.wfd, &go, 1) == 1 ? 0 : -1;
    for (;;) {
        ssize_t r = rc == 0 ? read(c->ch.rfd, c->buf, BW_CHUNK) : 0;

        if (r <= 0) {
            rc |= r < 0 ? -1 : 0;
            break;
        }
        total += r;
    }
    t1 = lm_now_ns();
    /* For a socket the parent's end stays open until chan_close(); the
     * writer closed its end, which is the end of file seen above. */
    rc |= chan_close(c);
    if (rc != 0 || total != (long long)n * BW_CHUNK) {
        lm_fail(c->bench, NULL, "%lld of %lld bytes arrived", total, (long long)n * BW_CHUNK);
        return -1;
    }
    *ns += t1 - t0;
    return 0;
}

/* lat_pipe / lat_unix: measure round trips through one long-lived child. */
static int latency(const char *bench, enum chan_kind kind)
{
    struct ipc_ctx c = { bench, kind, { -1, -1, -1 }, NULL };
    const struct lm_op op = { bench, NULL, run_rtt, &c };
    double per_op;
    int rc;

    if (chan_open(&c, JOB_ECHO, 0) != 0) {
        return -1;
    }
    rc = lm_measure(&op, lm_iters(N_RTT), &per_op);
    rc |= chan_close(&c);
    if (rc == 0) {
        lm_report_lat(bench, NULL, per_op);
    }
    return rc;
}

/* bw_pipe / bw_unix: per_op is nanoseconds per 64 KiB chunk. */
static int bandwidth(const char *bench, enum chan_kind kind)
{
    struct ipc_ctx c = { bench, kind, { -1, -1, -1 }, NULL };
    const struct lm_op op = { bench, NULL, run_stream, &c };
    double per_op;
    int rc;

    c.buf = malloc(BW_CHUNK);
    if (!c.buf) {
        lm_fail(bench, NULL, "out of memory");
        return -1;
    }
    memset(c.buf, 'b', BW_CHUNK);
    rc = lm_measure(&op, lm_iters(N_BW_CHUNKS), &per_op);
    free(c.buf);
    if (rc == 0) {
        lm_report_bw(bench, NULL, BW_CHUNK, per_op);
    }
    return rc;
}

int lat_pipe_main(void)
{
    return latency("lat_pipe", CHAN_PIPE);
}

int lat_unix_main(void)
{
    return latency("lat_unix", CHAN_UNIX);
}

int bw_pipe_main(void)
{
    return bandwidth("bw_pipe", CHAN_PIPE);
}

int bw_unix_main(void)
{
    return bandwidth("bw_unix", CHAN_UNIX);
}
