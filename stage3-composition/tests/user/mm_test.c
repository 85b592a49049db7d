// SPDX-License-Identifier: MIT
/*
 * mm_test.c - the memory manager (services/mm.c) in whichever composition
 * this kernel was built with: anonymous memory filled on first touch, file
 * mappings and write()/read() seeing each other's data, faults it cannot
 * serve ending only the faulting program, bad requests getting errors, and
 * pages coming back (to the pool, and from clients that left).
 */
#include <stdatomic.h>
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "utest.h"
#include "fs.h"
#include "mm.h"
#include "mm_proto.h"
#include <hm/pager.h>

#define SLOT_CHILD UT_SLOT_FIRST
#define RW (HM_PROT_READ | HM_PROT_WRITE)

static struct mm_info info(void)
{
    struct mm_info i;
    UT_ASSERT_EQ(mm_info(&i), 0);
    return i;
}

UTEST(mm_anon_zero_filled_on_first_touch)
{
    struct mm_info before = info();
    char *p;
    UT_ASSERT_EQ(mm_map(64 * 1024, RW, (void **)&p), 0);
    for (int i = 0; i < 64 * 1024; i += 512)
        UT_ASSERT_EQ(p[i], 0);
    struct mm_info touched = info();
    UT_ASSERT_EQ(touched.faults - before.faults, 16); /* one fault per page, no more */
    UT_ASSERT_EQ(touched.mappings, before.mappings + 1);
    for (int i = 0; i < 64 * 1024; i++)
        p[i] = (char)(i * 13);
    for (int i = 0; i < 64 * 1024; i++)
        UT_ASSERT_EQ(p[i], (char)(i * 13));
    UT_ASSERT_EQ(info().faults, touched.faults); /* writes to mapped pages: no fault */
    UT_ASSERT_EQ(mm_unmap(p, 64 * 1024), 0);
    struct mm_info after = info();
    UT_ASSERT_EQ(after.pages, before.pages); /* the 16 pages and the record went back */
    UT_ASSERT_EQ(after.mappings, before.mappings);
    UT_ASSERT_EQ(mm_unmap(p, 64 * 1024), -HM_EINVAL); /* gone */
}

static char pattern[3 * 4096];

static int make_file(const char *path)
{
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (char)(i * 7 + 1);
    int fd = fs_open(path, FS_O_CREAT | FS_O_TRUNC);
    UT_ASSERT_EQ(fd < 0 ? fd : 0, 0);
    UT_ASSERT_EQ(fs_write(fd, pattern, sizeof(pattern)), (long)sizeof(pattern));
    return fd;
}

/* Data written with write() read back through a mapping, and the other
 * way round (in the separated composition, after the unmap wrote the
 * copies back). */
UTEST(mm_file_write_then_map_and_back)
{
    int fd = make_file("/mapped");
    char *p;
    UT_ASSERT_EQ(mm_map_file(fd, 0, sizeof(pattern), RW, (void **)&p), 0);
    UT_ASSERT(memcmp(p, pattern, sizeof(pattern)) == 0);
    memcpy(p + 4096, "through the mapping", 19);
    UT_ASSERT_EQ(mm_unmap(p, sizeof(pattern)), 0);
    char b[32];
    UT_ASSERT_EQ(fs_seek(fd, 4096, FS_SEEK_SET), 4096);
    UT_ASSERT_EQ(fs_read(fd, b, 19), 19);
    UT_ASSERT(memcmp(b, "through the mapping", 19) == 0);
    /* a mapping at a page offset */
    UT_ASSERT_EQ(mm_map_file(fd, 8192, 4096, HM_PROT_READ, (void **)&p), 0);
    UT_ASSERT(memcmp(p, pattern + 8192, 4096) == 0);
    UT_ASSERT_EQ(mm_unmap(p, 4096), 0);
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(fs_remove("/mapped"), 0);
}

/* Coalesced: one page cache, so the two views agree at once.  Separated:
 * the mapping is a copy taken at the first touch. */
UTEST(mm_file_views_by_composition)
{
    int fd = make_file("/views");
    char *p;
    UT_ASSERT_EQ(mm_map_file(fd, 0, 4096, RW, (void **)&p), 0);
    UT_ASSERT_EQ(p[0], pattern[0]);
    UT_ASSERT_EQ(fs_seek(fd, 0, FS_SEEK_SET), 0);
    UT_ASSERT_EQ(fs_write(fd, "W", 1), 1);
    p[1] = 'M';
    char b[2];
    UT_ASSERT_EQ(fs_seek(fd, 0, FS_SEEK_SET), 0);
    UT_ASSERT_EQ(fs_read(fd, b, 2), 2);
    if (info().composition == MM_COALESCED) {
        UT_ASSERT_EQ(p[0], 'W');
        UT_ASSERT_EQ(b[1], 'M');
    } else {
        UT_ASSERT_EQ(info().composition, MM_SEPARATED);
        UT_ASSERT_EQ(p[0], pattern[0]);
        UT_ASSERT_EQ(b[1], pattern[1]);
    }
    UT_ASSERT_EQ(mm_unmap(p, 4096), 0);
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(fs_remove("/views"), 0);
}

UTEST(mm_bad_requests_get_errors)
{
    void *p;
    UT_ASSERT_EQ(mm_map(0, RW, &p), -HM_EINVAL);
    UT_ASSERT_EQ(mm_map(MM_MAP_MAX + 4096, RW, &p), -HM_EINVAL);
    UT_ASSERT_EQ(mm_map(4096, 0, &p), -HM_EINVAL);
    UT_ASSERT_EQ(mm_map(4096, HM_PROT_WRITE | HM_PROT_EXEC, &p), -HM_EINVAL);
    UT_ASSERT_EQ(mm_map(4096, RW, NULL), -HM_EFAULT);
    UT_ASSERT_EQ(mm_map_file(77, 0, 4096, HM_PROT_READ, &p), -HM_EBADCAP);
    int fd = fs_open("/", FS_O_DIR);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(mm_map_file(fd, 0, 4096, HM_PROT_READ, &p), -HM_EISDIR);
    UT_ASSERT_EQ(fs_close(fd), 0);
    fd = make_file("/bad");
    UT_ASSERT_EQ(mm_map_file(fd, 100, 4096, HM_PROT_READ, &p), -HM_EINVAL); /* unaligned */
    UT_ASSERT_EQ(mm_map_file(fd, 2u << 20, 4096, HM_PROT_READ, &p), -HM_EFBIG);
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(fs_remove("/bad"), 0);
    UT_ASSERT_EQ(mm_unmap((void *)0x1000, 4096), -HM_EINVAL);
    /* The pagers' calls, made outside a call being served. */
    static char page[4096] __attribute__((aligned(4096)));
    UT_ASSERT_EQ(hm_syscall4(HM_SYS_PAGER_REGION, 0x30000000, 4096, RW, 0), -HM_EPERM);
    UT_ASSERT_EQ(hm_syscall3(HM_SYS_PAGE_MAP, (uintptr_t)page, 0x30000000, RW), -HM_EPERM);
    UT_ASSERT_EQ(hm_syscall2(HM_SYS_PAGER_UNMAP, 0x30000000, 4096), -HM_EPERM);
    UT_ASSERT_EQ(hm_syscall1(HM_SYS_PAGE_LENT, (uintptr_t)page),
                 -HM_EFAULT); /* not a memory object */
    UT_ASSERT_EQ(hm_syscall1(HM_SYS_PAGE_LENT, 0), -HM_EFAULT);
}

/* Threads on every CPU touching the same pages at once: each page is
 * filled once and every thread sees the others' writes (the memory manager
 * serialises the faults; a page mapped twice is the same page). */
#define RACE_PAGES 64
static volatile char *race_area;
static atomic_long race_bad;

static void racer(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    for (unsigned k = 0; k < RACE_PAGES; k++) {
        unsigned pg = (k * 7 + me * 13) % RACE_PAGES; /* each thread its own order */
        volatile char *p = race_area + pg * HM_PAGE_SIZE;
        p[me + 1] = (char)(me + 1);
        if (p[me + 1] != (char)(me + 1))
            hm_atomic_add(&race_bad, 1);
    }
}

UTEST(mm_concurrent_faults_on_the_same_pages)
{
    long ncpu = hm_info(HM_INFO_NCPUS);
    unsigned n = ncpu * 2 > 8 ? 8 : (unsigned)(ncpu * 2);
    struct mm_info before = info();
    char *p;
    UT_ASSERT_EQ(mm_map(RACE_PAGES * HM_PAGE_SIZE, RW, (void **)&p), 0);
    race_area = p;
    atomic_store(&race_bad, 0);
    for (unsigned i = 0; i < n; i++)
        UT_ASSERT_EQ(hm_thread_spawn(racer, (void *)(uintptr_t)i, (int)(i % ncpu), SLOT_CHILD + i),
                     0);
    for (unsigned i = 0; i < n; i++)
        ut_reap_thread(SLOT_CHILD + i, 10000);
    UT_ASSERT_EQ(atomic_load(&race_bad), 0);
    for (unsigned pg = 0; pg < RACE_PAGES; pg++)
        for (unsigned t = 0; t < n; t++)
            UT_ASSERT_EQ(p[pg * HM_PAGE_SIZE + t + 1], (char)(t + 1)); /* nobody's write lost */
    struct mm_info after = info();
    UT_ASSERT_EQ(after.pages, before.pages + RACE_PAGES + 1); /* one page each, and the record */
    UT_ASSERT(after.faults - before.faults >= RACE_PAGES);
    UT_ASSERT_EQ(mm_unmap(p, RACE_PAGES * HM_PAGE_SIZE), 0);
    UT_ASSERT_EQ(info().pages, before.pages);
}

/* A system call whose buffer lies in pages not touched yet: the kernel has
 * the pager fill them and runs the call again; a page the pager refuses
 * makes the call fail with -HM_EFAULT (a bad buffer), not end the program. */
static long answer_nothing(struct hm_msg *m)
{
    (void)m;
    return 0;
}

UTEST(mm_system_calls_fill_untouched_pages)
{
    struct mm_info before = info();
    /* a name in the kernel's own table in every build (with a name server
     * "mm" is not there): published for this test */
    UT_ASSERT_EQ(hm_service_register(answer_nothing, 16384, 0, SLOT_CHILD + 1), 0);
    UT_ASSERT_EQ(hm_kernel_name_publish("m3", SLOT_CHILD + 1), 0);
    int fd = fs_open("/name", FS_O_CREAT | FS_O_TRUNC);
    UT_ASSERT(fd >= 0);
    UT_ASSERT_EQ(fs_write(fd, "m3", 2), 2);
    char *f, *a;
    UT_ASSERT_EQ(mm_map_file(fd, 0, 2 * HM_PAGE_SIZE, HM_PROT_READ, (void **)&f), 0);
    UT_ASSERT_EQ(mm_map(2 * HM_PAGE_SIZE, RW, (void **)&a), 0);
    /* read from an untouched file page: the name the kernel looks up */
    UT_ASSERT_EQ(hm_syscall3(HM_SYS_NAME_LOOKUP, (uintptr_t)f, 2, SLOT_CHILD), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_CHILD), 0);
    /* written to untouched anonymous pages, across the two */
    char *out = a + HM_PAGE_SIZE - 4;
    long size = hm_syscall3(HM_SYS_INITRD_STAT, 0, (uintptr_t)out, 64);
    UT_ASSERT(size > 0);
    UT_ASSERT_EQ(info().faults - before.faults, 3); /* the file page, both anonymous ones */
    UT_ASSERT(strlen(out) > 0 && strlen(out) < 64);
    /* past the end of the file: the pager refuses, the call fails */
    UT_ASSERT_EQ(hm_syscall3(HM_SYS_INITRD_STAT, 0, (uintptr_t)(f + HM_PAGE_SIZE), 64), -HM_EFAULT);
    UT_ASSERT_EQ(hm_syscall3(HM_SYS_NAME_LOOKUP, (uintptr_t)(f + HM_PAGE_SIZE), 2, SLOT_CHILD),
                 -HM_EFAULT);
    UT_ASSERT_EQ(mm_unmap(f, 2 * HM_PAGE_SIZE), 0);
    UT_ASSERT_EQ(mm_unmap(a, 2 * HM_PAGE_SIZE), 0);
    UT_ASSERT_EQ(fs_close(fd), 0);
    UT_ASSERT_EQ(fs_remove("/name"), 0);
    UT_ASSERT_EQ(hm_cap_revoke(SLOT_CHILD + 1), 1); /* the name goes */
    UT_ASSERT_EQ(hm_cap_delete(SLOT_CHILD + 1), 0);
}

/* A fault the memory manager refuses ends the faulting program only. */
UTEST(mm_unserved_faults_end_only_the_client)
{
    UT_ASSERT_EQ(ut_run_child("/bin/mmchild3", "past_eof", SLOT_CHILD),
                 HM_EXIT_KILLED | HM_KILL_FAULT);
    UT_ASSERT_EQ(ut_run_child("/bin/mmchild3", "write_ro", SLOT_CHILD),
                 HM_EXIT_KILLED | HM_KILL_FAULT);
    UT_ASSERT_EQ(fs_remove("/mmchild"), 0);
    void *p;
    UT_ASSERT_EQ(mm_map(4096, RW, &p), 0); /* the memory manager goes on */
    *(volatile int *)p = 5;
    UT_ASSERT_EQ(mm_unmap(p, 4096), 0);
}

/* A client that leaves without unmapping: its pages are lent nowhere any
 * more, and the memory manager takes them back when it collects. */
UTEST(mm_pages_of_departed_clients_collected)
{
    UT_ASSERT_EQ(mm_collect() >= 0, 1);
    struct mm_info before = info();
    UT_ASSERT_EQ(ut_run_child("/bin/mmchild3", "leave", SLOT_CHILD), 0);
    UT_ASSERT_EQ(info().pages, before.pages + 17); /* 16 pages and the mapping's record */
    UT_ASSERT_EQ(info().mappings, before.mappings + 1);
    UT_ASSERT_EQ(mm_collect(), 17);
    UT_ASSERT_EQ(info().pages, before.pages);
    UT_ASSERT_EQ(info().mappings, before.mappings);
}

/* The memory manager (in a process) crashing: a client keeps the pages it
 * had (a lent page outlives its pager), its next fault ends it ("its pager
 * is gone"), the kernel goes on, the process manager starts the service
 * again, and new mappings work. */
UTEST(mm_crash_leaves_mapped_pages_and_restarts)
{
    if (info().isolation == 0) { /* in the kernel: a fault there is the kernel's */
        hm_printf("mm_test: the memory manager is in IC0: the crash is not tried\n");
        return;
    }
    UT_ASSERT_EQ(ut_run_child("/bin/mmchild3", "crash", SLOT_CHILD),
                 HM_EXIT_KILLED | HM_KILL_FAULT);
    UT_ASSERT_EQ(hm_null(), 0); /* the kernel goes on */
    /* our own connections may be to the one that died: the first calls
     * learn that, then the library connects to the new one */
    long r = -1;
    for (int i = 0; i < 2000 && r != 0; i++) {
        struct mm_info mi;
        r = mm_info(&mi);
        if (r != 0)
            hm_sleep_ns(1000000);
    }
    UT_ASSERT_EQ(r, 0);
    for (int i = 0; i < 2000 && (r = fs_info(NULL, NULL, NULL)) != 0; i++)
        hm_sleep_ns(1000000);
    UT_ASSERT_EQ(r, 0);
    char *p;
    UT_ASSERT_EQ(mm_map(HM_PAGE_SIZE, RW, (void **)&p), 0);
    p[10] = 7;
    UT_ASSERT_EQ(p[10], 7);
    UT_ASSERT_EQ(mm_unmap(p, HM_PAGE_SIZE), 0);
}

/* Every test above gave back what it took: the memory manager holds no
 * page and no mapping (so the kernel's leak check after the run holds). */
UTEST(mm_nothing_left_over)
{
    UT_ASSERT(mm_collect() >= 0); /* and the spare chunk of its pool */
    UT_ASSERT_EQ(fs_trim(), 0);
    struct mm_info i = info();
    UT_ASSERT_EQ(i.mappings, 0);
    UT_ASSERT_EQ(i.pages, 0); /* coalesced: the page cache's pages too (one pool) */
    uint64_t pages = 1;
    UT_ASSERT_EQ(fs_info(NULL, &pages, NULL), 0);
    UT_ASSERT_EQ(pages, 0);
}
