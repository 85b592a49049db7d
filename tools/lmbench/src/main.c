// SPDX-License-Identifier: MIT
/*
 * main.c - the `lmbench` program: options, the benchmark table, running
 *          each benchmark in its own process, and the /init mode.
 *
 *     lmbench [--smoke] [--dir D] [--self P] [--exec-via Q] [--shell S]
 *             [all | <benchmark>...]
 *     lmbench --list
 *     lmbench hello          (exits with status 42: lat_proc exec's program)
 *
 * Every benchmark runs in a child process, so one that crashes is reported
 * as "FAIL <bench>: ..." and the others still run.  The last line is
 * "[LMBENCH-DONE] benchmarks=<n> failed=<f>"; the exit status is 0 only if
 * nothing failed.
 *
 * As PID 1 (the /init of a Linux initramfs) the program first prepares the
 * little it needs: /tmp, and /dev/null and /dev/zero made with mknod if the
 * initramfs has none (no file system is mounted).  It reports how many
 * instructions the boot took (the virtual counter CNTVCT_EL0 runs from the
 * machine's reset), runs every benchmark, and powers the machine off with
 * reboot(RB_POWER_OFF), which ends QEMU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lmbench.h"

/* One entry of the benchmark table. */
struct bench {
    const char *name;
    int (*main)(void);
};

/* The suite, in the order `all` runs it. */
static const struct bench benches[] = {
    { "lat_syscall", lat_syscall_main },     /* null read write stat fstat open */
    { "lat_sig", lat_sig_main },             /* install catch */
    { "lat_pipe", lat_pipe_main },           /* one-byte round trip */
    { "lat_unix", lat_unix_main },           /* same over AF_UNIX */
    { "lat_ctx", lat_ctx_main },             /* 0k/2 16k/8 */
    { "lat_proc", lat_proc_main },           /* fork exec shell */
    { "lat_clone", lat_clone_main },         /* pthread_create + join */
    { "lat_pagefault", lat_pagefault_main }, /* one file page fault */
    { "lat_mmap", lat_mmap_main },           /* mmap + touch + munmap */
    { "bw_pipe", bw_pipe_main },             /* 64 KiB chunks */
    { "bw_unix", bw_unix_main },             /* same over AF_UNIX */
    { "bw_mem", bw_mem_main },               /* rd wr cp bcopy */
    { "bw_file_rd", bw_file_rd_main },       /* read() + sum */
    { "bw_file_wr", bw_file_wr_main },       /* pwrite() into an emptied file */
    { "bw_mmap_rd", bw_mmap_rd_main },       /* mmap + sum + munmap */
};

#define N_BENCHES (sizeof(benches) / sizeof(benches[0]))

/* Default directory for the benchmarks' files. */
#define DEFAULT_DIR "/tmp/lmbench"

static void usage(void)
{
    lm_line("usage: lmbench [--smoke] [--dir D] [--self P] [--exec-via Q] [--shell S] "
            "[all | benchmark...]");
    lm_line("       lmbench --list");
}

/* The benchmark called @name, or NULL. */
static const struct bench *find(const char *name)
{
    for (size_t i = 0; i < N_BENCHES; i++) {
        if (strcmp(benches[i].name, name) == 0) {
            return &benches[i];
        }
    }
    return NULL;
}

/*
 * Run @b in a child process and wait for it.
 * Returns 0 if the child exited with 0; otherwise reports why and returns -1.
 * A failing variant has already printed its own FAIL line; this adds one
 * only when the child died or failed without saying so.
 */
static int run_one(const struct bench *b)
{
    int status = 0;
    uint64_t t0 = lm_now_ns();
    pid_t pid = fork();

    if (pid == 0) {
        _exit(b->main() == 0 ? 0 : 1);
    }
    if (pid < 0) {
        lm_fail(b->name, NULL, "fork: %s", strerror(errno));
        return -1;
    }
    if (waitpid(pid, &status, 0) != pid) {
        lm_fail(b->name, NULL, "waitpid: %s", strerror(errno));
        return -1;
    }
    /* How long the whole benchmark took, set-up included (for tuning the
     * iteration counts: the suite should stay a few minutes of wall time). */
    lm_info("elapsed", "%s %llu", b->name, (unsigned long long)(lm_now_ns() - t0));
    if (WIFSIGNALED(status)) {
        lm_fail(b->name, NULL, "killed by signal %d", WTERMSIG(status));
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* mkdir -p for one or two levels; an existing directory is fine. */
static int make_dir(const char *path)
{
    char parent[256];
    char *slash;

    snprintf(parent, sizeof(parent), "%s", path);
    slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir(parent, 0755) != 0 && errno != EEXIST) {
            return -1;
        }
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        return -1;
    }
    return 0;
}

/* Create character device @path (@maj, @min) unless something is there. */
static void make_node(const char *path, unsigned maj, unsigned min)
{
    struct stat st;

    if (stat(path, &st) == 0) {
        return;
    }
    if (mknod(path, S_IFCHR | 0666, makedev(maj, min)) != 0) {
        lm_info("warning", "mknod %s: %s", path, strerror(errno));
    }
}

/* Instructions since the machine's reset: CNTVCT_EL0 in nanoseconds. */
static uint64_t boot_insns(void)
{
    uint64_t cnt, frq;

    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(cnt));
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
    return frq ? (uint64_t)((unsigned __int128)cnt * 1000000000u / frq) : 0;
}

/* The /init set-up: directories and device nodes, nothing mounted. */
static void init_setup(void)
{
    make_dir("/dev");
    make_dir("/tmp");
    make_node("/dev/null", 1, 3);
    make_node("/dev/zero", 1, 5);
}

/* Facts about the system, for the report's header. */
static void print_info(bool as_init)
{
    struct utsname u;

    if (uname(&u) == 0) {
        lm_info("uname", "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
    }
    lm_info("mode", "%s%s", lm_opts.smoke ? "smoke" : "full", as_init ? " init" : "");
    lm_info("units", "latency insns = instructions (virtual ns) per operation; "
                     "bandwidth MB/s = 2^20 bytes per virtual second");
}

int main(int argc, char **argv)
{
    uint64_t booted = boot_insns(); /* first, so the set-up does not count */
    bool as_init = getpid() == 1;
    const struct bench *selected[N_BENCHES];
    size_t nsel = 0;
    int failed = 0;
    int i = 1;

    if (argc >= 2 && strcmp(argv[1], "hello") == 0) {
        _exit(LM_HELLO_STATUS);
    }
    lm_opts.dir = DEFAULT_DIR;
    lm_opts.shell = "/bin/sh";
    lm_opts.self = strchr(argv[0], '/') ? argv[0] : NULL;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(opt, "--smoke") == 0) {
            lm_opts.smoke = true;
        } else if (strcmp(opt, "--list") == 0) {
            for (size_t b = 0; b < N_BENCHES; b++) {
                lm_line("%s", benches[b].name);
            }
            return 0;
        } else if (val && strcmp(opt, "--dir") == 0) {
            lm_opts.dir = val;
            i++;
        } else if (val && strcmp(opt, "--self") == 0) {
            lm_opts.self = val;
            i++;
        } else if (val && strcmp(opt, "--exec-via") == 0) {
            lm_opts.exec_via = val;
            i++;
        } else if (val && strcmp(opt, "--shell") == 0) {
            lm_opts.shell = val;
            i++;
        } else {
            usage();
            return 2;
        }
    }
    for (; i < argc; i++) {
        const struct bench *b = strcmp(argv[i], "all") == 0 ? NULL : find(argv[i]);

        if (strcmp(argv[i], "all") == 0) {
            continue;
        }
        if (!b || nsel == N_BENCHES) {
            lm_line("lmbench: unknown benchmark '%s' (--list shows them)", argv[i]);
            return 2;
        }
        selected[nsel++] = b;
    }
    if (nsel == 0) {
        for (size_t b = 0; b < N_BENCHES; b++) {
            selected[nsel++] = &benches[b];
        }
    }

    if (as_init) {
        init_setup();
    }
    print_info(as_init);
    if (make_dir(lm_opts.dir) != 0) {
        lm_line("FAIL lmbench: cannot create %s: %s", lm_opts.dir, strerror(errno));
        failed++;
    } else {
        if (as_init) {
            lm_line("[LMBENCH] boot_to_init %llu insns", (unsigned long long)booted);
        }
        for (size_t b = 0; b < nsel; b++) {
            failed += run_one(selected[b]) != 0;
        }
    }
    lm_line("[LMBENCH-DONE] benchmarks=%zu failed=%d", nsel, failed);
    if (as_init) {
        sync();
        reboot(RB_POWER_OFF);
        /* Only reached if the power-off failed; exiting PID 1 panics the
         * kernel, and panic=-1 with QEMU -no-reboot ends the run anyway. */
        lm_line("lmbench: reboot(RB_POWER_OFF): %s", strerror(errno));
    }
    return failed ? 1 : 0;
}
