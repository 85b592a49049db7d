// SPDX-License-Identifier: MIT
/*
 * pm_ic0.c - the process manager placed in IC0 (CONFIG_PM_IC0): the
 * protocol of /bin/pmsrv (services/pm_proto.h) served by the kernel, on
 * the caller's thread, with the kernel's own process calls.
 *
 * The same jobs as the IC2 one: spawn a program of the initramfs, or of
 * the file system (read into kernel frames through the in-kernel "fs"
 * service, in IC0 or IC1: the kernel cannot call a process, so the
 * Kconfig rules out a file system in IC2); wait for it (the caller's
 * thread blocks here, and a kill of the caller ends the wait with
 * -HM_EINTR); kill it; and keep the system services it was told to keep,
 * each with a kernel thread that waits for the service to end (a
 * process) or to stop (an IC1 domain) and starts it again.  What it
 * gives up is isolation: a bug here is the kernel's.
 *
 * The table has one lock; nothing blocks or calls out while it is held.
 * An entry being started (spawned outside the lock) is `used` but has no
 * process yet: PM_WAIT and PM_KILL on it are -HM_EBUSY.
 */
#include <kernel.h>
#include <ic0.h>
#include <ic1.h>
#include <mm.h>
#include <placement.h>
#include <pm_kernel.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/spinlock.h>
#include <uapi/hm/syscall.h>
#include "../services/pm_proto.h"

static struct child {
    bool used, kept, alive, waited;
    char path[HM_NAME_MAX], arg[HM_NAME_MAX], name[HM_NAME_MAX];
    unsigned restarts;
    struct proc *proc;         /* held while the entry has it */
    struct ic1_domain *domain; /* a kept IC1 domain ("@name") */
} children[PM_CHILDREN];
static spinlock_t lock = SPINLOCK_INIT;

/* ---- spawning ----------------------------------------------------------------- */

/* Start child i (path and arg set, no process): from the initramfs, else
 * the file system.  Called without the lock. */
static int start(unsigned i)
{
    struct child *c = &children[i];
    struct proc *p = NULL;
    int r = stage3_spawn(c->path, c->arg, &p);
    spin_lock(&lock);
    c->proc = r == 0 ? p : NULL;
    c->alive = r == 0;
    spin_unlock(&lock);
    return r;
}

/* A free entry, taken (used, no process yet), or -1. */
static int take_entry(void)
{
    spin_lock(&lock);
    int i = 0;
    while (i < PM_CHILDREN && children[i].used)
        i++;
    if (i < PM_CHILDREN) {
        memset(&children[i], 0, sizeof(children[i]));
        children[i].used = true;
    }
    spin_unlock(&lock);
    return i < PM_CHILDREN ? i : -1;
}

static void drop_entry(unsigned i)
{
    spin_lock(&lock);
    children[i].used = false;
    spin_unlock(&lock);
}

/* ---- keeping services ------------------------------------------------------------ */

/* Keeps child i, a process: waits for it to end and starts it again. */
static void keeper(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    struct child *c = &children[i];
    for (;;) {
        int st = proc_wait(c->proc); /* only this thread replaces c->proc */
        spin_lock(&lock);
        struct proc *old = c->proc;
        c->proc = NULL;
        c->alive = false;
        c->restarts++;
        spin_unlock(&lock);
        proc_put(old);
        int r = start(i);
        printk("pm: %s (%s) ended with status %d; started again%s\n", c->path, c->name, st,
               r == 0 ? "" : " - failed");
        if (r < 0)
            thread_exit();
        stage2_wait_name(c->name);
    }
}

/* Keeps child i, an IC1 domain: waits for it to stop, starts it afresh. */
static void domain_keeper(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    struct child *c = &children[i];
    for (;;) {
        int r = ic1_wait_stopped(c->domain);
        bool dead = __atomic_load_n(&c->domain->dead, __ATOMIC_ACQUIRE);
        spin_lock(&lock);
        c->alive = !dead;
        spin_unlock(&lock);
        if (r == 0 && !dead)
            continue; /* started again meanwhile (HM_SYS_DOMAIN_RESTART) */
        if (r == 0) {
            r = stage3_domain_restart(c->domain);
            if (r == -HM_EBUSY) { /* someone else is starting it: let them */
                sched_yield();
                continue;
            }
            spin_lock(&lock);
            c->restarts++;
            c->alive = r == 0;
            spin_unlock(&lock);
            printk("pm: %s (IC1) stopped; started again%s\n", c->name, r == 0 ? "" : " - failed");
        }
        if (r < 0) {
            printk("pm: cannot keep the domain of %s: error %d\n", c->name, r);
            thread_exit();
        }
    }
}

static int keep(unsigned i, void (*fn)(void *))
{
    struct thread *t =
            thread_create_kernel(fn, (void *)(uintptr_t)i, 0, HM_PRIO_DEFAULT, "pm-keeper");
    if (!t)
        return -HM_ENOMEM;
    sched_start(t);
    return 0;
}

/* ---- the protocol ---------------------------------------------------------------- */

static long pm_spawn(const char *b, uint64_t len)
{
    long n = pm_spawn_path_len(b, len);
    if (n < 0)
        return n;
    int i = take_entry();
    if (i < 0)
        return -HM_ENOSPC;
    struct child *c = &children[i];
    memcpy(c->path, b, (size_t)n);
    memcpy(c->arg, b + n + 1, len - (uint64_t)n - 1);
    int r = start((unsigned)i);
    if (r < 0) {
        drop_entry((unsigned)i);
        return r;
    }
    return i;
}

static long pm_wait(uint64_t w1)
{
    spin_lock(&lock);
    struct child *c = w1 < PM_CHILDREN ? &children[w1] : NULL;
    long err = !c || !c->used || c->kept || c->domain ? -HM_EINVAL :
               !c->proc || c->waited                  ? -HM_EBUSY :
                                                        0;
    if (err == 0)
        c->waited = true; /* one waiter: the entry (and its hold) stays until it is done */
    spin_unlock(&lock);
    if (err < 0)
        return err;
    int st = proc_wait(c->proc); /* the caller's thread waits here */
    spin_lock(&lock);
    struct proc *p = st >= 0 ? c->proc : NULL;
    if (p) {
        c->proc = NULL;
        c->used = false;
    }
    c->waited = false;
    spin_unlock(&lock);
    if (p)
        proc_put(p);
    return st;
}

static long pm_handle(struct hm_msg *m)
{
    const char *b = m->buf;
    uint64_t len = m->len, w1 = m->w[1];
    m->len = 0;
    if (len && !b)
        return -HM_EINVAL;
    struct child *c = w1 < PM_CHILDREN ? &children[w1] : NULL;
    long r;
    switch (m->w[0]) {
    case PM_SPAWN:
        return pm_spawn(b, len);
    case PM_WAIT:
        return pm_wait(w1);
    case PM_KILL:
        spin_lock(&lock);
        r = !c || !c->used || c->domain ? -HM_EINVAL : !c->proc ? -HM_EBUSY : 0;
        if (r == 0) /* a domain is stopped by its own fault only */
            proc_kill(c->proc, HM_EXIT_KILLED | HM_KILL_BY_CAP);
        spin_unlock(&lock);
        return r;
    case PM_INFO:
        spin_lock(&lock);
        r = !c || !c->used ? -HM_EINVAL : 0;
        if (r == 0) {
            m->w[0] = c->alive;
            m->w[1] = c->restarts;
            m->w[2] = c->kept;
        }
        spin_unlock(&lock);
        return r;
    case PM_FIND:
        spin_lock(&lock);
        r = -HM_ENOENT;
        for (unsigned i = 0; i < PM_CHILDREN && r < 0; i++)
            if (children[i].used && children[i].kept && strlen(children[i].name) == len &&
                !memcmp(children[i].name, b, len))
                r = i;
        spin_unlock(&lock);
        return r;
    default:
        return -HM_ENOSYS;
    }
}

static const struct ic0_service pm_service = { "pm", pm_handle, NULL, NULL };

/* ---- boot ------------------------------------------------------------------------- */

/* One item of the list: "path=name" (a process) or "@name" (a domain). */
static void keep_one(const char *item)
{
    size_t len = strlen(item);
    const char *eq = strchr(item, '=');
    bool domain = item[0] == '@';
    const char *name = domain ? item + 1 : eq ? eq + 1 : NULL;
    size_t nlen = name ? len - (size_t)(name - item) : 0, plen = eq ? (size_t)(eq - item) : len;
    if (!name || nlen == 0 || nlen >= HM_NAME_MAX || (domain ? len : plen) >= HM_NAME_MAX) {
        printk("pm: ignoring \"%s\": not path=name or @name\n", item);
        return;
    }
    int i = take_entry();
    if (i < 0) {
        printk("pm: cannot keep %s: no room\n", item);
        return;
    }
    struct child *c = &children[i];
    memcpy(c->name, name, nlen);
    memcpy(c->path, item, domain ? len : plen);
    c->kept = true;
    int r;
    if (domain) {
        c->domain = ic1_find(c->name);
        c->alive = c->domain != NULL;
        r = c->domain ? keep((unsigned)i, domain_keeper) : -HM_ENOENT;
    } else {
        r = start((unsigned)i);
        if (r == 0 && !stage2_wait_name(c->name))
            printk("pm: %s did not publish %s\n", c->path, c->name);
        if (r == 0)
            r = keep((unsigned)i, keeper);
    }
    if (r < 0) {
        printk("pm: cannot keep %s: error %d\n", item, r);
        if (!c->proc) /* a started process stays an entry (PM_KILL can end it) */
            drop_entry((unsigned)i);
    }
}

void stage3_start_pm_ic0(const char *keep_list)
{
    const char *s = keep_list;
    while (*s) {
        while (*s == ' ')
            s++;
        char item[2 * HM_NAME_MAX + 2];
        size_t n = 0;
        while (s[n] && s[n] != ' ')
            n++;
        if (n >= sizeof(item))
            printk("pm: ignoring an item of %u bytes (at most %u)\n", (unsigned)n,
                   (unsigned)sizeof(item) - 1);
        else if (n) {
            memcpy(item, s, n);
            item[n] = 0;
            keep_one(item);
        }
        s += n;
    }
    /* published last: whoever waits for "pm" finds the services up */
    if (ic0_publish(&pm_service) == 0)
        printk("pm: the process manager is in IC0\n");
}
