// SPDX-License-Identifier: MIT
/*
 * pm_test.c - the process manager, wherever it is placed (user/pmsrv.c,
 * kernel/pm_ic0.c, services/pm_ic1.c): spawn, wait and kill programs of
 * the initramfs and the file system for a client, bad requests getting
 * errors, and the system services it keeps.
 */
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "utest.h"
#include "pm_proto.h"
#include "fs.h"
#include <hm/pager.h>

#define SLOT_SVC UT_SLOT_FIRST
#define SLOT_CONN (UT_SLOT_FIRST + 1)
#define SLOT_THREAD (UT_SLOT_FIRST + 2)

static char *conn_buf; /* this test's connection's buffer */

/* A connection to "pm" with a one-page buffer, in fresh address space (the
 * test slots are emptied after each test, and with them the mapping). */
static void setup(void)
{
    conn_buf = hm_va_reserve(1);
    UT_ASSERT(conn_buf != NULL);
    UT_ASSERT_EQ(hm_name_lookup("pm", SLOT_SVC), 0);
    UT_ASSERT_EQ(hm_connect(SLOT_SVC, conn_buf, HM_PAGE_SIZE, SLOT_CONN), 0);
}

static long pm(uint64_t op, uint64_t w1, const char *a, const char *b, struct hm_msg *out)
{
    size_t n = 0;
    if (a) {
        size_t la = strlen(a), lb = b ? strlen(b) : 0;
        memcpy(conn_buf, a, la);
        n = la;
        if (b) {
            conn_buf[la] = 0;
            memcpy(conn_buf + la + 1, b, lb);
            n = la + 1 + lb;
        }
    }
    struct hm_msg m = { .w = { op, w1 }, .len = n };
    long r = hm_call(SLOT_CONN, &m, HM_NO_SLOT);
    if (out)
        *out = m;
    return r;
}

UTEST(pm_spawn_wait_exit_status)
{
    setup();
    long c = pm(PM_SPAWN, 0, "/bin/fault1", "exit 7", NULL);
    UT_ASSERT(c >= 0);
    UT_ASSERT_EQ(pm(PM_WAIT, (uint64_t)c, NULL, NULL, NULL), 7);
    UT_ASSERT_EQ(pm(PM_WAIT, (uint64_t)c, NULL, NULL, NULL), -HM_EINVAL); /* reaped */
    c = pm(PM_SPAWN, 0, "/bin/fault1", "ok", NULL);
    UT_ASSERT(c >= 0);
    UT_ASSERT_EQ(pm(PM_WAIT, (uint64_t)c, NULL, NULL, NULL), 0);
}

/* Copy file `from` to `to` through the file API. */
static void copy_file(const char *from, const char *to)
{
    static char b[16384];
    int in = fs_open(from, 0), out = fs_open(to, FS_O_CREAT | FS_O_TRUNC);
    UT_ASSERT(in >= 0 && out >= 0);
    long n;
    while ((n = fs_read(in, b, sizeof(b))) > 0)
        UT_ASSERT_EQ(fs_write(out, b, (size_t)n), n);
    UT_ASSERT_EQ(n, 0);
    UT_ASSERT_EQ(fs_close(in), 0);
    UT_ASSERT_EQ(fs_close(out), 0);
}

/* A program that is a file of the file system (a copy of one from
 * /initrd, under another name the initramfs does not have). */
UTEST(pm_spawn_from_the_file_system)
{
    setup();
    copy_file("/initrd/bin/fault1", "/prog");
    long c = pm(PM_SPAWN, 0, "/prog", "exit 9", NULL);
    UT_ASSERT(c >= 0);
    UT_ASSERT_EQ(pm(PM_WAIT, (uint64_t)c, NULL, NULL, NULL), 9);
    /* not a program, a directory, nothing there */
    int fd = fs_open("/notelf", FS_O_CREAT | FS_O_TRUNC);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(fs_write(fd, "#!/bin/sh\n", 10), 10);
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(pm(PM_SPAWN, 0, "/notelf", "", NULL), -HM_ENOEXEC);
    UT_ASSERT_EQ(fs_mkdir("/progdir"), 0);
    UT_ASSERT_EQ(pm(PM_SPAWN, 0, "/progdir", "", NULL), -HM_EISDIR);
    UT_ASSERT_EQ(pm(PM_SPAWN, 0, "/nothing/here", "", NULL), -HM_ENOENT);
    UT_ASSERT_EQ(fs_remove("/progdir"), 0);
    UT_ASSERT_EQ(fs_remove("/notelf"), 0);
    UT_ASSERT_EQ(fs_remove("/prog"), 0);
    UT_ASSERT(fs_trim() >= 0); /* the clean pages read from /initrd */
}

UTEST(pm_kill_and_faults)
{
    setup();
    long c = pm(PM_SPAWN, 0, "/bin/fault1", "sleep", NULL);
    UT_ASSERT(c >= 0);
    struct hm_msg m;
    UT_ASSERT_EQ(pm(PM_INFO, (uint64_t)c, NULL, NULL, &m), 0);
    UT_ASSERT_EQ(m.w[0], 1); /* alive */
    UT_ASSERT_EQ(pm(PM_KILL, (uint64_t)c, NULL, NULL, NULL), 0);
    long st = pm(PM_WAIT, (uint64_t)c, NULL, NULL, NULL);
    UT_ASSERT(st >= 0 && (st & HM_EXIT_KILLED));
    c = pm(PM_SPAWN, 0, "/bin/fault1", "read_null", NULL);
    UT_ASSERT(c >= 0);
    st = pm(PM_WAIT, (uint64_t)c, NULL, NULL, NULL);
    UT_ASSERT(st >= 0 && (st & HM_EXIT_KILLED)); /* killed by the kernel, reported */
}

static volatile long waited;

static void waiter(void *child)
{
    waited = pm(PM_WAIT, (uint64_t)(uintptr_t)child, NULL, NULL, NULL);
}

/* A wait for a child that is running blocks until it ends (in IC1 out of
 * the domain, which is called again then: stage 2's svc_wait()). */
UTEST(pm_wait_blocks_until_the_child_ends)
{
    setup();
    long c = pm(PM_SPAWN, 0, "/bin/fault1", "sleep", NULL);
    UT_ASSERT(c >= 0);
    waited = 1;
    UT_ASSERT_EQ(hm_thread_spawn(waiter, (void *)(uintptr_t)c, -1, SLOT_THREAD), 0);
    hm_sleep_ns(20 * HM_NS_PER_MS); /* in its wait by then */
    UT_ASSERT_EQ(waited, 1);
    struct hm_msg m;
    UT_ASSERT_EQ(pm(PM_INFO, (uint64_t)c, NULL, NULL, &m), 0);
    UT_ASSERT_EQ(m.w[0], 1); /* alive */
    UT_ASSERT_EQ(pm(PM_KILL, (uint64_t)c, NULL, NULL, NULL), 0);
    UT_ASSERT_EQ(hm_thread_reap(SLOT_THREAD, 2000 * HM_NS_PER_MS), 0);
    UT_ASSERT_EQ(waited, HM_EXIT_KILLED | HM_KILL_BY_CAP);
    UT_ASSERT_EQ(pm(PM_WAIT, (uint64_t)c, NULL, NULL, NULL), -HM_EINVAL); /* reaped */
}

UTEST(pm_bad_requests)
{
    setup();
    UT_ASSERT_EQ(pm(PM_SPAWN, 0, "/bin/nosuch", "", NULL), -HM_ENOENT);
    UT_ASSERT_EQ(pm(PM_SPAWN, 0, "/bin/fault1", NULL, NULL), -HM_EINVAL); /* no NUL, no arg */
    UT_ASSERT_EQ(pm(PM_SPAWN, 0, NULL, NULL, NULL), -HM_EINVAL);
    UT_ASSERT_EQ(pm(PM_WAIT, PM_CHILDREN, NULL, NULL, NULL), -HM_EINVAL);
    UT_ASSERT_EQ(pm(PM_WAIT, (uint64_t)-1, NULL, NULL, NULL), -HM_EINVAL);
    UT_ASSERT_EQ(pm(PM_KILL, 9, NULL, NULL, NULL), -HM_EINVAL);
    UT_ASSERT_EQ(pm(PM_INFO, 9, NULL, NULL, NULL), -HM_EINVAL);
    UT_ASSERT_EQ(pm(PM_FIND, 0, "nosuch", NULL, NULL), -HM_ENOENT);
    UT_ASSERT_EQ(pm(99, 0, NULL, NULL, NULL), -HM_ENOSYS);
}

/* The file system, when it is a process, is one of the services it keeps:
 * not for clients to wait for. */
UTEST(pm_keeps_the_file_system)
{
    setup();
    long c = pm(PM_FIND, 0, "fs", NULL, NULL);
    if (c == -HM_ENOENT) {
        hm_printf("pm_test: the file system is not a process here: not tried\n");
        return;
    }
    UT_ASSERT(c >= 0);
    struct hm_msg m;
    UT_ASSERT_EQ(pm(PM_INFO, (uint64_t)c, NULL, NULL, &m), 0);
    UT_ASSERT_EQ(m.w[0], 1);
    UT_ASSERT_EQ(m.w[2], 1);
    UT_ASSERT_EQ(pm(PM_WAIT, (uint64_t)c, NULL, NULL, NULL), -HM_EINVAL);
}

/* The calls that keep a service in IC1 (the process manager's): bad names
 * get errors, no service that is not an IC1 domain is waited for or
 * restarted, and a running domain is never reset from outside. */
UTEST(pm_domain_calls_refuse_bad_input)
{
    const char *fs = "fs", *none = "nosuch", *ic0 = "ic1cap";
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_DOMAIN_WAIT, 0, 2), -HM_EFAULT);
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_DOMAIN_RESTART, (uintptr_t)HM_USER_TOP, 2), -HM_EFAULT);
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_DOMAIN_WAIT, (uintptr_t)fs, 0), -HM_EINVAL);
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_DOMAIN_WAIT, (uintptr_t)fs, HM_NAME_MAX + 1), -HM_EINVAL);
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_DOMAIN_WAIT, (uintptr_t)none, strlen(none)), -HM_ENOENT);
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_DOMAIN_RESTART, (uintptr_t)none, strlen(none)), -HM_ENOENT);
    /* a service of the kernel's, not a domain (stage 2's, in every build) */
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_DOMAIN_WAIT, (uintptr_t)ic0, strlen(ic0)), -HM_ENOENT);
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_DOMAIN_RESTART, (uintptr_t)ic0, strlen(ic0)), -HM_ENOENT);
    /* the file system: a running domain is not reset; elsewhere, no domain */
    long r = hm_syscall2(HM_SYS_DOMAIN_RESTART, (uintptr_t)fs, 2);
    UT_ASSERT_EQ(r, fs_isolation_class() == 1 ? -HM_EBUSY : -HM_ENOENT);
    uint64_t inodes = 0;
    UT_ASSERT_EQ(fs_info(&inodes, NULL, NULL), 0); /* and it serves as before */
}
