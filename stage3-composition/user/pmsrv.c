// SPDX-License-Identifier: MIT
/*
 * pmsrv.c - the process manager, in IC2: spawns programs from the
 * initramfs, or from the file system (a path the initramfs does not have:
 * the file is read into a memory object the kernel loads), for its
 * clients (spawn, wait, kill), and keeps the system
 * services it was told to keep: when one ends (a fault, a kill), it is
 * started again and its name published anew, so its clients, after an
 * error or two, find a fresh one.
 *
 * Argument: the services to keep, "path=name" separated by spaces, e.g.
 * "/bin/fssrv=fs", or "@name" for one the kernel loaded into an IC1 domain
 * (stage 2): when its domain stops (a fault), the kernel is asked to start
 * it afresh (HM_SYS_DOMAIN_WAIT / _RESTART).  It publishes "pm" once each of them has published its
 * name, so whoever waits for "pm" finds the services up.
 */
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "pm_proto.h"
#include "fs.h"
#include <hm/pager.h>

#define SLOT_SVC 2
#define SLOT_NOTIFY 3
#define SLOT_PROBE 4
#define SLOT_IMAGE 5         /* a program read from the file system */
#define IMAGE_MAX (4u << 20) /* the largest memory object */
#define SLOT_CHILD 32        /* child i: process capability in slot 32 + i */
#define SLOT_KEEPER 64       /* keeper thread of child i: slot 64 + i */

static struct child {
    bool used, kept, alive, domain; /* domain: an IC1 service, path "@name" */
    char path[HM_NAME_MAX], arg[HM_NAME_MAX], name[HM_NAME_MAX];
    unsigned restarts;
    long status; /* exit status once it ended */
} children[PM_CHILDREN];
static hm_spinlock_t lock = HM_SPINLOCK_INIT;

static bool published(const char *name)
{
    bool yes = hm_name_lookup(name, SLOT_PROBE) == 0;
    hm_cap_delete(SLOT_PROBE);
    return yes;
}

/* Until `name` is published, at most 2 s (yielding: the service being
 * waited for needs the CPU). */
static bool wait_name(const char *name)
{
    uint64_t t0 = hm_now_ns();
    while (hm_now_ns() - t0 < 2000000000ull) {
        if (published(name))
            return true;
        hm_yield();
    }
    return published(name);
}

/* A program that is a file of the file system, not of the initramfs: read
 * into a memory object, which the kernel loads (HM_SYS_SPAWN_MEM). */
static long spawn_from_fs(const char *path, const char *arg, unsigned slot)
{
    static char *image; /* address space for the image, reserved once */
    struct fs_stat st;
    long r = fs_stat(path, &st);
    if (r == -HM_EPIPE) /* the file system was started again since our last call */
        r = fs_stat(path, &st);
    if (r < 0)
        return r;
    if (st.type != FS_TYPE_FILE)
        return -HM_EISDIR;
    if (st.size == 0 || st.size > IMAGE_MAX)
        return -HM_ENOEXEC;
    if (!image && !(image = hm_va_reserve(IMAGE_MAX / HM_PAGE_SIZE)))
        return -HM_ENOMEM;
    size_t len = (st.size + HM_PAGE_SIZE - 1) & ~(size_t)(HM_PAGE_SIZE - 1);
    r = hm_mem_create(len, SLOT_IMAGE);
    if (r < 0)
        return r;
    r = hm_mem_map(SLOT_IMAGE, image, HM_PROT_READ | HM_PROT_WRITE);
    int fd = r < 0 ? (int)r : fs_open(path, 0);
    if (r == 0 && fd < 0)
        r = fd;
    if (r == 0) {
        long n = fs_read(fd, image, st.size);
        r = n == (long)st.size ? 0 : n < 0 ? n : -HM_EIO;
    }
    if (fd >= 0)
        fs_close(fd);
    if (r == 0)
        r = hm_syscall6(HM_SYS_SPAWN_MEM, SLOT_IMAGE | (unsigned long)slot << 16, st.size,
                        (uintptr_t)path, strlen(path), (uintptr_t)arg, strlen(arg));
    size_t mapped = HM_PAGE_SIZE; /* a memory object is a power of two pages */
    while (mapped < len)
        mapped <<= 1;
    hm_unmap(image, mapped); /* fails harmlessly if the map did */
    hm_cap_delete(SLOT_IMAGE);
    return r;
}

static long start(unsigned i)
{
    struct child *c = &children[i];
    hm_cap_delete(SLOT_CHILD + i);
    long r = hm_spawn(c->path, c->arg, SLOT_CHILD + i);
    if (r == -HM_ENOENT && c->path[0] == '/') /* not in the initramfs: the file system's? */
        r = spawn_from_fs(c->path, c->arg, SLOT_CHILD + i);
    c->alive = r == 0;
    return r;
}

/* Keeps child i: waits for it to end and starts it again. */
static void keeper(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    struct child *c = &children[i];
    for (;;) {
        long st = hm_wait(SLOT_CHILD + i);
        hm_spin_lock(&lock);
        c->alive = false;
        c->status = st;
        c->restarts++;
        long r = start(i);
        hm_spin_unlock(&lock);
        hm_printf("pm: %s (%s) ended with status %ld; started again%s\n", c->path, c->name, st,
                  r == 0 ? "" : " - failed");
        if (r < 0)
            return;
        wait_name(c->name);
    }
}

/* Keeps the IC1 domain of child i: waits for it to stop and has the
 * kernel start it afresh. */
static void domain_keeper(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    struct child *c = &children[i];
    for (;;) {
        long r = hm_syscall2(HM_SYS_DOMAIN_WAIT, (uintptr_t)c->name, strlen(c->name));
        if (r < 0) {
            hm_printf("pm: cannot keep the domain of %s: %ld\n", c->name, r);
            return;
        }
        hm_spin_lock(&lock);
        c->alive = false;
        c->restarts++;
        r = hm_syscall2(HM_SYS_DOMAIN_RESTART, (uintptr_t)c->name, strlen(c->name));
        c->alive = r == 0;
        hm_spin_unlock(&lock);
        hm_printf("pm: %s (IC1) stopped; started again%s\n", c->name, r == 0 ? "" : " - failed");
        if (r < 0)
            return;
    }
}

/* "@name": keep the IC1 service `name`, published by the kernel. */
static long keep_domain(const char *name, size_t len)
{
    unsigned i = 0;
    while (i < PM_CHILDREN && children[i].used)
        i++;
    if (i == PM_CHILDREN || len == 0 || len >= HM_NAME_MAX)
        return i == PM_CHILDREN ? -HM_ENOSPC : -HM_EINVAL;
    struct child *c = &children[i];
    memset(c, 0, sizeof(*c));
    c->path[0] = '@';
    memcpy(c->path + 1, name, len < HM_NAME_MAX - 2 ? len : HM_NAME_MAX - 2);
    memcpy(c->name, name, len);
    c->used = c->kept = c->alive = c->domain = true;
    long r = hm_thread_spawn(domain_keeper, (void *)(uintptr_t)i, -1, SLOT_KEEPER + i);
    if (r < 0)
        c->used = false;
    return r < 0 ? r : (long)i;
}

static long spawn_child(const char *path, size_t plen, const char *arg, size_t alen, bool kept,
                        const char *name)
{
    if (plen == 0 || plen >= HM_NAME_MAX || alen >= HM_NAME_MAX)
        return -HM_EINVAL;
    unsigned i = 0;
    while (i < PM_CHILDREN && children[i].used)
        i++;
    if (i == PM_CHILDREN)
        return -HM_ENOSPC;
    struct child *c = &children[i];
    memset(c, 0, sizeof(*c));
    memcpy(c->path, path, plen);
    memcpy(c->arg, arg, alen);
    if (name)
        strncpy(c->name, name, sizeof(c->name) - 1);
    c->kept = kept;
    long r = start(i);
    if (r < 0)
        return r;
    c->used = true;
    return i;
}

static long pm_handle(struct hm_msg *m)
{
    const char *b = m->buf;
    uint64_t len = m->len, w1 = m->w[1];
    m->len = 0;
    if (len && !b)
        return -HM_EINVAL;
    switch (m->w[0]) {
    case PM_SPAWN: {
        long n = pm_spawn_path_len(b, len);
        if (n < 0)
            return n;
        hm_spin_lock(&lock);
        long r = spawn_child(b, (size_t)n, b + n + 1, len - (uint64_t)n - 1, false, NULL);
        hm_spin_unlock(&lock);
        return r;
    }
    case PM_WAIT: {
        if (w1 >= PM_CHILDREN || !children[w1].used || children[w1].kept)
            return -HM_EINVAL;
        long st = hm_wait(SLOT_CHILD + (unsigned)w1); /* the caller's thread waits here */
        if (st >= 0 || st == -HM_ECHILD) {
            hm_spin_lock(&lock);
            children[w1].used = false;
            hm_cap_delete(SLOT_CHILD + (unsigned)w1);
            hm_spin_unlock(&lock);
        }
        return st;
    }
    case PM_KILL:
        if (w1 >= PM_CHILDREN || !children[w1].used || children[w1].domain)
            return -HM_EINVAL; /* a domain is stopped by its own fault only */
        return hm_kill(SLOT_CHILD + (unsigned)w1);
    case PM_INFO:
        if (w1 >= PM_CHILDREN || !children[w1].used)
            return -HM_EINVAL;
        m->w[0] = children[w1].alive;
        m->w[1] = children[w1].restarts;
        m->w[2] = children[w1].kept;
        return 0;
    case PM_FIND:
        for (unsigned i = 0; i < PM_CHILDREN; i++)
            if (children[i].used && children[i].kept && strlen(children[i].name) == len &&
                !memcmp(children[i].name, b, len))
                return i;
        return -HM_ENOENT;
    default:
        return -HM_ENOSYS;
    }
}

int main(const char *arg, unsigned long len)
{
    /* the services to keep: "path=name" ... */
    unsigned long i = 0;
    while (i < len) {
        while (i < len && arg[i] == ' ')
            i++;
        unsigned long s = i, eq = 0;
        while (i < len && arg[i] != ' ') {
            if (arg[i] == '=')
                eq = i;
            i++;
        }
        if (i == s)
            break;
        if (arg[s] == '@') {
            long c = keep_domain(arg + s + 1, i - s - 1);
            if (c < 0)
                hm_printf("pm: cannot keep %.*s: %ld\n", (int)(i - s), arg + s, c);
            continue;
        }
        char name[HM_NAME_MAX] = { 0 };
        if (!eq || i - eq - 1 >= sizeof(name)) {
            hm_printf("pm: ignoring \"%.*s\": not path=name\n", (int)(i - s), arg + s);
            continue;
        }
        memcpy(name, arg + eq + 1, i - eq - 1);
        long c = spawn_child(arg + s, eq - s, "", 0, true, name);
        if (c < 0) {
            hm_printf("pm: cannot start %.*s: %ld\n", (int)(eq - s), arg + s, c);
            continue;
        }
        if (!wait_name(name))
            hm_printf("pm: %s did not publish %s\n", children[c].path, name);
        long r = hm_thread_spawn(keeper, (void *)(uintptr_t)c, -1, SLOT_KEEPER + (unsigned)c);
        if (r < 0)
            hm_printf("pm: cannot keep %s: %ld\n", children[c].path, r);
    }
    /* Programs may come from the file system: connect to it now, so that
     * the connection is part of the boot's state (the kernel's leak check
     * compares with it), not made by the first such spawn. */
    if (published("fs"))
        fs_info(NULL, NULL, NULL);
    long r = hm_service_register(pm_handle, 16384, 2, 2);
    if (r == 0)
        r = hm_name_publish("pm", SLOT_SVC);
    if (r < 0) {
        hm_printf("pmsrv: cannot start: %ld\n", r);
        return 1;
    }
    hm_notify_create(SLOT_NOTIFY);
    for (;;)
        hm_notify_wait(SLOT_NOTIFY, 0);
}
