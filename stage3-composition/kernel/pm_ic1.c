// SPDX-License-Identifier: MIT
/*
 * pm_ic1.c - the kernel's part of the process manager in an IC1 domain
 * (CONFIG_PM_IC1, services/pm_ic1.c): the in-kernel service "pmk"
 * (services/pmk.h), what only the kernel can do for it, and its start.
 *
 * The domain holds its children as process capabilities in a table the
 * kernel keeps for it (stage 2's ic1_give_caps()), so "pmk" is given
 * slots, never kernel pointers.  Waiting happens out of the domain (stage
 * 2's svc_wait()): a PM_WAIT caller's thread, and the keepers: one kernel
 * thread per kept service, lent to the domain.  It calls the domain's keep
 * entry with the item ("path=name" or "@name"); the domain starts the
 * service and asks to wait for its end; the kernel blocks the thread and,
 * when the service has ended, calls the entry again with the same item;
 * the domain starts it again and asks to wait again.  So the call lasts
 * as long as the domain keeps the service, and the policy (what to keep,
 * what to say) is the domain's.
 */
#include <kernel.h>
#include <cap.h>
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
#include "../services/pmk.h"

extern const struct ic1_image ic1_image_pm;
extern const uint64_t ic1_entry_pm_pm_ic1_keep; /* the keepers' entry (stage.mk) */
static struct ic1_domain pm_domain;
/* Its capabilities: a process that only holds, never runs or dies. */
static struct proc holder = { .name = "pm (IC1)", .holds = 1 };
static struct cap holder_slots[HM_CSPACE_SLOTS];
static bool serving; /* pmk answers the domain once it is set up */

#define KEEP_MAX 8
#define ITEM_MAX (2 * HM_NAME_MAX + 2)
/* What each keeper keeps: the item, in a page (the call's long message),
 * taken at boot, before the leak checks' baseline, however late the keeper
 * first runs. */
static paddr_t items[KEEP_MAX];

/* ---- "pmk" ---------------------------------------------------------------------- */

static unsigned slot_of(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
}

/* The IC1 domain behind in-kernel service handle h, not the caller's. */
static struct ic1_domain *domain_at(uint64_t h)
{
    const struct ic0_service *t = ic0_service_at(h > INT32_MAX ? -1 : (long)h);
    return t && t->ic1 && t->ic1 != &pm_domain ? t->ic1 : NULL;
}

static long spawn(uint64_t path_va, uint64_t arg_va, uint64_t slot)
{
    char path[HM_NAME_MAX + 1], arg[HM_NAME_MAX + 1];
    long r = ic1_name_from_caller((const char *)path_va, path);
    if (r == 0)
        r = ic1_name_from_caller((const char *)arg_va, arg);
    if (r < 0)
        return r;
    unsigned s = slot_of(slot);
    if (!path[0] || s >= HM_IPC_GRANT_SLOT_BASE)
        return !path[0] ? -HM_EINVAL : -HM_EPERM; /* (the grant range is the kernel's) */
    struct proc *p;
    r = stage3_spawn(path, arg, &p);
    if (r < 0)
        return r;
    spin_lock(&cap_lock);
    cap_delete(&holder.cs, s, &kobj_cap_ops); /* what was there before goes */
    cap_unlock();
    return give_child(&holder, s, p);
}

static long say(const struct hm_msg *m)
{
    char part[3][HM_NAME_MAX + 1];
    for (unsigned i = 0; i < 3; i++) {
        part[i][0] = 0;
        long r = m->w[i + 1] ? ic1_name_from_caller((const char *)m->w[i + 1], part[i]) : 0;
        if (r < 0)
            return r;
    }
    printk("pm: %s%s%s\n", part[0], part[1], part[2]);
    return 0;
}

/* decode: only the process manager's domain; then invoke */
static long pmk_handle(struct hm_msg *m)
{
    if (!serving || ic1_running() != &pm_domain)
        return -HM_EPERM;
    struct proc *p;
    struct ic1_domain *d;
    long r;
    switch (m->w[0]) {
    case PMK_SPAWN:
        return spawn(m->w[1], m->w[2], m->w[3]);
    case PMK_STATUS:
        r = hold_proc(&holder, m->w[1], 0, &p);
        if (r < 0)
            return r;
        spin_lock(&cap_lock); /* (proc_exit sets `dead` under it, after the status) */
        r = p->dead ? p->exit_status : -HM_EAGAIN;
        spin_unlock(&cap_lock);
        proc_put(p);
        return r;
    case PMK_KILL:
        r = hold_proc(&holder, m->w[1], 0, &p);
        if (r == 0) {
            proc_kill(p, HM_EXIT_KILLED | HM_KILL_BY_CAP);
            proc_put(p);
        }
        return r;
    case PMK_STOPPED:
        d = domain_at(m->w[1]);
        return d ? (long)__atomic_load_n(&d->dead, __ATOMIC_ACQUIRE) : -HM_EINVAL;
    case PMK_RESTART:
        d = domain_at(m->w[1]);
        return d ? stage3_domain_restart(d) : -HM_EINVAL;
    case PMK_SAY:
        return say(m);
    default:
        return -HM_ENOSYS;
    }
}

static const struct ic0_service pmk_service = { PMK_NAME, pmk_handle, NULL, NULL };

/* ---- the keepers and the start ------------------------------------------------------ */

/* Lends this thread to the domain to keep items[i]: the call returns only
 * when the domain gives up on it. */
static void keeper(void *arg)
{
    const char *item = (const char *)pa_to_linear(items[(uintptr_t)arg]);
    struct hm_msg m = { .len = strlen(item), .buf = (void *)item, .grant = HM_NO_SLOT };
    long r = ic1_call_entry(&pm_domain, (hm_handler_t)ic1_entry_pm_pm_ic1_keep, &m);
    printk("pm: no longer keeping %s: error %ld\n", item, r);
    frame_free(items[(uintptr_t)arg], 0);
    thread_exit();
}

/* The name an item publishes ("path=name" or "@name"), or NULL. */
static const char *item_name(const char *item)
{
    const char *eq = strchr(item, '=');
    const char *name = item[0] == '@' ? item + 1 : eq ? eq + 1 : NULL;
    return name && *name ? name : NULL;
}

static void keep_one(const char *item, unsigned i)
{
    items[i] = frame_alloc(0);
    struct thread *t = items[i] ? thread_create_kernel(keeper, (void *)(uintptr_t)i, 0,
                                                       HM_PRIO_DEFAULT, "pm-keeper") :
                                  NULL;
    if (!t) {
        if (items[i])
            frame_free(items[i], 0);
        printk("pm: cannot keep %s: error %d\n", item, -HM_ENOMEM);
        return;
    }
    strlcpy((char *)pa_to_linear(items[i]), item, ITEM_MAX);
    sched_start(t);
    /* one at a time, as the other process managers do: a service may need
     * the ones before it */
    const char *name = item_name(item);
    if (name && !stage2_wait_name(name))
        printk("pm: %s did not publish %s\n", item, name);
}

void stage3_start_pm_ic1(const char *keep_list)
{
    cspace_init(&holder.cs, holder_slots, HM_CSPACE_SLOTS);
    int r = ic1_give_caps(&pm_domain, &holder);
    if (r == 0)
        r = ic1_load(&ic1_image_pm, &pm_domain);
    if (r == 0)
        r = ic0_publish(&pmk_service);
    if (r < 0) {
        printk("pm: cannot start the process manager in IC1: error %d\n", r);
        return;
    }
    serving = true;
    unsigned n = 0;
    for (const char *s = keep_list; *s;) {
        while (*s == ' ')
            s++;
        size_t len = 0;
        while (s[len] && s[len] != ' ')
            len++;
        if (len >= ITEM_MAX || (len && n == KEEP_MAX))
            printk("pm: ignoring an item of %u bytes (at most %u, and %u items)\n", (unsigned)len,
                   (unsigned)ITEM_MAX - 1, KEEP_MAX);
        else if (len) {
            char item[ITEM_MAX];
            memcpy(item, s, len);
            item[len] = 0;
            keep_one(item, n++);
        }
        s += len;
    }
    /* published last: whoever waits for "pm" finds the services up */
    if (stage2_start_ic1(&ic1_image_pm, &pm_domain, "pm", 0) == 0)
        printk("pm: the process manager is in IC1\n");
}
