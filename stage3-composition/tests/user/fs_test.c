// SPDX-License-Identifier: MIT
/*
 * fs_test.c - the native file API against the file system service: files
 * and directories, data through the shared buffer in one and several
 * chunks, and bad paths, descriptors and buffers getting errors.
 */
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "utest.h"
#include "fs.h"
#include "pm_proto.h"
#include "tmpfs.h"

static char big[3 * FS_IO_MAX + 123], back[3 * FS_IO_MAX + 123];

/* Inodes under directory `path`, itself included. */
static uint64_t tree_inodes(const char *path)
{
    int fd = fs_open(path, FS_O_DIR);
    UT_ASSERT(fd >= 0);
    uint64_t n = 1;
    char name[TMPFS_NAME_MAX + 1], sub[TMPFS_PATH_MAX + 1];
    struct fs_stat st;
    for (unsigned i = 0; fs_readdir(fd, i, name, sizeof(name), &st) > 0; i++) {
        if (st.type == FS_TYPE_DIR) {
            size_t a = strlen(path), b = strlen(name);
            UT_ASSERT(a + 1 + b < sizeof(sub));
            memcpy(sub, path, a);
            sub[a] = '/';
            memcpy(sub + a + 1, name, b + 1);
            n += tree_inodes(sub);
        } else {
            n++;
        }
    }
    UT_ASSERT_EQ(fs_close(fd), 0);
    return n;
}

/* A fresh file system's inodes: the root, and /initrd with the
 * initramfs's files (services/fs.c, fs_import). */
static uint64_t fresh_inodes(void)
{
    return 1 + tree_inodes("/initrd");
}

UTEST(fs_write_read_back)
{
    int fd = fs_open("/t1", FS_O_CREAT | FS_O_EXCL);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(fs_write(fd, "hello, world", 12), 12);
    UT_ASSERT_EQ(fs_seek(fd, 0, FS_SEEK_SET), 0);
    char b[32] = { 0 };
    UT_ASSERT_EQ(fs_read(fd, b, sizeof(b)), 12);
    UT_ASSERT(memcmp(b, "hello, world", 12) == 0);
    UT_ASSERT_EQ(fs_read(fd, b, sizeof(b)), 0); /* at the end */
    struct fs_stat st;
    UT_ASSERT_EQ(fs_fstat(fd, &st), 0);
    UT_ASSERT_EQ(st.size, 12);
    UT_ASSERT_EQ(st.type, FS_TYPE_FILE);
    UT_ASSERT_EQ(st.pages, 1);
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(fs_open("/t1", FS_O_CREAT | FS_O_EXCL), -HM_EEXIST);
    UT_ASSERT_EQ(fs_remove("/t1"), 0);
    UT_ASSERT_EQ(fs_stat("/t1", &st), -HM_ENOENT);
}

/* More than the shared buffer at once: the library splits it. */
UTEST(fs_large_transfer_in_chunks)
{
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7 + 3);
    int fd = fs_open("/big", FS_O_CREAT | FS_O_TRUNC);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(fs_write(fd, big, sizeof(big)), (long)sizeof(big));
    UT_ASSERT_EQ(fs_seek(fd, 0, FS_SEEK_SET), 0);
    memset(back, 0, sizeof(back));
    UT_ASSERT_EQ(fs_read(fd, back, sizeof(back)), (long)sizeof(back));
    UT_ASSERT(memcmp(big, back, sizeof(big)) == 0);
    /* truncate, then a hole reads as zeros */
    UT_ASSERT_EQ(fs_truncate(fd, 10), 0);
    UT_ASSERT_EQ(fs_seek(fd, 8192, FS_SEEK_SET), 8192);
    UT_ASSERT_EQ(fs_write(fd, "x", 1), 1);
    char b[8192 + 1];
    UT_ASSERT_EQ(fs_seek(fd, 0, FS_SEEK_SET), 0);
    UT_ASSERT_EQ(fs_read(fd, b, sizeof(b)), (long)sizeof(b));
    UT_ASSERT(memcmp(b, big, 10) == 0);
    for (int i = 10; i < 8192; i++)
        UT_ASSERT_EQ(b[i], 0);
    UT_ASSERT_EQ(b[8192], 'x');
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(fs_remove("/big"), 0);
}

UTEST(fs_directories)
{
    UT_ASSERT_EQ(fs_mkdir("/d"), 0);
    UT_ASSERT_EQ(fs_mkdir("/d/e"), 0);
    int fd = fs_open("/d/f", FS_O_CREAT);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(fs_close(fd), 0);
    int dfd = fs_open("/d", FS_O_DIR);
    UT_ASSERT(dfd >= 0);
    char name[64];
    struct fs_stat st;
    bool seen_e = false, seen_f = false;
    long r;
    for (unsigned i = 0; (r = fs_readdir(dfd, i, name, sizeof(name), &st)) >= 0; i++) {
        if (!strcmp(name, "e"))
            seen_e = st.type == FS_TYPE_DIR;
        else if (!strcmp(name, "f"))
            seen_f = st.type == FS_TYPE_FILE;
        else
            UT_FAIL("unexpected entry %s", name);
    }
    UT_ASSERT_EQ(r, -HM_ENOENT);
    UT_ASSERT(seen_e && seen_f);
    UT_ASSERT_EQ(fs_close(dfd), 0);
    UT_ASSERT_EQ(fs_remove("/d"), -HM_ENOTEMPTY);
    UT_ASSERT_EQ(fs_rename("/d/f", "/d/e/g"), 0);
    UT_ASSERT_EQ(fs_stat("/d/e/g", &st), 0);
    UT_ASSERT_EQ(fs_stat("/d/f", &st), -HM_ENOENT);
    UT_ASSERT_EQ(fs_rename("/d", "/d/e/x"), -HM_EINVAL); /* into itself */
    UT_ASSERT_EQ(fs_remove("/d/e/g"), 0);
    UT_ASSERT_EQ(fs_remove("/d/e"), 0);
    UT_ASSERT_EQ(fs_remove("/d"), 0);
}

UTEST(fs_bad_paths_descriptors_and_buffers)
{
    struct fs_stat st;
    char name[8];
    UT_ASSERT_EQ(fs_open("relative", FS_O_CREAT), -HM_EINVAL);
    UT_ASSERT_EQ(fs_open("", 0), -HM_EINVAL);
    UT_ASSERT_EQ(fs_open("/no/such/file", 0), -HM_ENOENT);
    UT_ASSERT_EQ(fs_open("/nosuch", 0), -HM_ENOENT);
    UT_ASSERT_EQ(fs_open("/x", 1u << 20), -HM_EINVAL); /* unknown flag */
    UT_ASSERT_EQ(fs_open("/", 0), -HM_EISDIR);
    UT_ASSERT_EQ(fs_open(NULL, 0), -HM_EFAULT);
    UT_ASSERT_EQ(fs_open((const char *)0xffffffff80000000ul, 0), -HM_EFAULT);
    char longname[TMPFS_NAME_MAX + 3];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[0] = '/';
    longname[sizeof(longname) - 1] = 0;
    UT_ASSERT_EQ(fs_open(longname, FS_O_CREAT), -HM_ENAMETOOLONG);
    UT_ASSERT_EQ(fs_mkdir("/a/.."), -HM_EINVAL); /* "." and ".." are not supported */
    UT_ASSERT_EQ(fs_mkdir("/.."), -HM_EINVAL);
    int fd = fs_open("/plain", FS_O_CREAT);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(fs_open("/plain/below", FS_O_CREAT), -HM_ENOTDIR);
    UT_ASSERT_EQ(fs_readdir(fd, 0, name, sizeof(name), NULL), -HM_ENOTDIR);
    /* descriptors: never opened, closed, out of range */
    UT_ASSERT_EQ(fs_read(17, name, 1), -HM_EBADCAP);
    UT_ASSERT_EQ(fs_write(-1, "x", 1), -HM_EBADCAP);
    UT_ASSERT_EQ(fs_close(1000), -HM_EBADCAP);
    UT_ASSERT_EQ(fs_fstat(fd + 1, &st), -HM_EBADCAP);
    /* buffers: NULL, wrapping, past user space; nothing written */
    UT_ASSERT_EQ(fs_write(fd, NULL, 5), -HM_EFAULT);
    UT_ASSERT_EQ(fs_read(fd, (void *)-16l, 32), -HM_EFAULT);
    UT_ASSERT_EQ(fs_write(fd, (void *)0xffffffff80000000ul, 8), -HM_EFAULT);
    UT_ASSERT_EQ(fs_fstat(fd, NULL), -HM_EFAULT);
    UT_ASSERT_EQ(fs_fstat(fd, &st), 0);
    UT_ASSERT_EQ(st.size, 0);
    UT_ASSERT_EQ(fs_seek(fd, -1, FS_SEEK_SET), -HM_EINVAL);
    UT_ASSERT_EQ(fs_seek(fd, 0, 7), -HM_EINVAL);
    /* an open file is not removed under its user */
    UT_ASSERT_EQ(fs_remove("/plain"), -HM_EBUSY);
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(fs_close(fd), -HM_EBADCAP);
    UT_ASSERT_EQ(fs_remove("/plain"), 0);
}

/* What the tests made is gone: no inode, page or descriptor left over. */
UTEST(fs_nothing_left_over)
{
    uint64_t inodes = 0, pages = 0, open = 0;
    UT_ASSERT_EQ(fs_info(&inodes, &pages, &open), 0);
    UT_ASSERT_EQ(inodes, fresh_inodes()); /* the root and /initrd */
    UT_ASSERT_EQ(pages, 0);
    UT_ASSERT_EQ(open, 0);
}

/* A file written, then the service faulting mid-call (connection 1):
 * that call gets -HM_EPIPE.  The descriptor of the file. */
static int crash_after_a_write(void)
{
    int fd = fs_open("/kept", FS_O_CREAT);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(fs_write(fd, "abc", 3), 3);
    struct hm_msg m = { .w = { FS_TEST_CRASH, 0x10 } };
    UT_ASSERT_EQ(hm_call(UT_SLOT_FIRST + 1, &m, HM_NO_SLOT), -HM_EPIPE);
    return fd;
}

/* Once the process manager has started it again (up to 2 s on a loaded
 * host), the library serves again from a fresh file system: /kept gone. */
static void served_again_afresh(void)
{
    uint64_t inodes = 0;
    long r = -1;
    for (int i = 0; i < 2000 && r != 0; i++) {
        r = fs_info(&inodes, NULL, NULL);
        if (r != 0)
            hm_sleep_ns(1000000);
    }
    UT_ASSERT_EQ(r, 0);
    UT_ASSERT_EQ(inodes, fresh_inodes());
    struct fs_stat st;
    UT_ASSERT_EQ(fs_stat("/kept", &st), -HM_ENOENT);
    UT_ASSERT_EQ(fs_stat("/initrd/bin/fault1", &st), 0); /* /initrd shown again */
}

/* A file made, written, closed and removed: the file system serves. */
static void serves_a_new_file(void)
{
    int fd = fs_open("/new", FS_O_CREAT);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(fs_write(fd, "xyz", 3), 3);
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(fs_remove("/new"), 0);
}

/* The file system in IC1 faulting mid-call: the kernel stops its domain,
 * its callers get -HM_EPIPE, the process manager has it started afresh
 * (empty: its heap freed), and the library connects again by itself. */
static void crash_in_ic1(void)
{
    int fd = crash_after_a_write();
    char b[4];
    long r = fs_read(fd, b, 3); /* stopped, or already started afresh */
    UT_ASSERT(r == -HM_EPIPE || r == -HM_EBADCAP);
    UT_ASSERT_EQ(hm_null(), 0); /* the kernel goes on */
    served_again_afresh();
    serves_a_new_file();
}

/* The service faulting mid-call (a test-only operation): its callers get
 * -HM_EPIPE, then -HM_ENOENT while there is none; the kernel and other
 * services go on; the process manager starts it again, and the library
 * reconnects to the new one, which is empty: tmpfs keeps nothing. */
UTEST(fs_service_crash_gives_errors_and_a_restart_serves_again)
{
    uint64_t where = 0;
    UT_ASSERT_EQ(hm_name_lookup("fs", UT_SLOT_FIRST), 0);
    UT_ASSERT_EQ(hm_connect(UT_SLOT_FIRST, NULL, 0, UT_SLOT_FIRST + 1), 0);
    struct hm_msg m = { .w = { FS_INFO } };
    UT_ASSERT_EQ(hm_call(UT_SLOT_FIRST + 1, &m, HM_NO_SLOT), 0);
    where = m.w[3];
    if (where == 1) {
        crash_in_ic1();
        return;
    }
    if (where != 2) { /* in IC0 a fault in the service is the kernel's */
        hm_printf("fs_test: the file system is in IC%llu: the crash is not tried\n",
                  (unsigned long long)where);
        return;
    }
    int fd = crash_after_a_write();
    char b[4];
    UT_ASSERT_EQ(fs_read(fd, b, 3), -HM_EPIPE);
    struct fs_stat st;
    long r = -1;
    for (int i = 0; i < 100 && r != -HM_ENOENT; i++) { /* until its name is gone */
        r = fs_stat("/kept", &st);
        hm_sleep_ns(1000000);
    }
    UT_ASSERT_EQ(r, -HM_ENOENT);
    UT_ASSERT_EQ(hm_null(), 0); /* the kernel goes on */
    served_again_afresh();      /* the process manager starts it again */
    /* the process manager says so */
    UT_ASSERT_EQ(hm_name_lookup("pm", UT_SLOT_FIRST + 2), 0);
    UT_ASSERT_EQ(hm_connect(UT_SLOT_FIRST + 2, NULL, 0, UT_SLOT_FIRST + 3), 0);
    uint64_t kept = 0;
    for (; kept < PM_CHILDREN; kept++) { /* the kept child */
        m = (struct hm_msg){ .w = { PM_INFO, kept } };
        if (hm_call(UT_SLOT_FIRST + 3, &m, HM_NO_SLOT) == 0 && m.w[2] == 1)
            break;
    }
    UT_ASSERT_EQ(m.w[2], 1); /* a kept child: the file system */
    UT_ASSERT(m.w[1] >= 1);  /* started again */
    uint64_t restarts = m.w[1];
    serves_a_new_file();
    /* Leave a file system as fresh as the boot's for what runs next (the
     * kernel's leak check compares with the boot's state): this one has
     * served calls, so have the process manager end it and start another,
     * which nobody calls; wait until it is up. */
    m = (struct hm_msg){ .w = { PM_KILL, kept } };
    UT_ASSERT_EQ(hm_call(UT_SLOT_FIRST + 3, &m, HM_NO_SLOT), 0);
    for (int i = 0; i < 2000; i++) {
        m = (struct hm_msg){ .w = { PM_INFO, kept } };
        if (hm_call(UT_SLOT_FIRST + 3, &m, HM_NO_SLOT) == 0 && m.w[1] > restarts && m.w[0] == 1)
            break;
        hm_sleep_ns(1000000);
    }
    UT_ASSERT(m.w[1] > restarts && m.w[0] == 1);
    long named = -1; /* and has published its name (looked up, not called) */
    for (int i = 0; i < 2000 && named != 0; i++) {
        named = hm_name_lookup("fs", UT_SLOT_FIRST + 4);
        hm_cap_delete(UT_SLOT_FIRST + 4);
        if (named != 0)
            hm_sleep_ns(1000000);
    }
    UT_ASSERT_EQ(named, 0);
    /* Our library still holds a connection to the one that was ended: its
     * next call learns that (-HM_EPIPE) and the one after connects anew. */
    UT_ASSERT_EQ(fs_info(NULL, NULL, NULL), -HM_EPIPE);
    UT_ASSERT_EQ(fs_info(NULL, NULL, NULL), 0);
}
