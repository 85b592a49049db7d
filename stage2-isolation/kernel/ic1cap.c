// SPDX-License-Identifier: MIT
/*
 * ic1cap.c - capabilities held by IC1 domains (ic1_give_caps(), ic1.h) and
 * the in-kernel service "ic1cap" through which a domain works on its own
 * (services/ic1cap.h).  The grants in calls to such a domain and in its
 * replies are ic0.c's (ic0_call_granted(), call_with()).
 */
#include <kernel.h>
#include <cap.h>
#include <ic0.h>
#include <ic1.h>
#include <ipc.h>
#include <proc.h>
#include <arch/spinlock.h>
#include <uapi/hm/syscall.h>
#include "../services/ic1cap.h"

#define HOLDERS 4 /* domains that hold capabilities (a name server's, stage 3) */
static struct proc *holders[HOLDERS];
static unsigned nholders; /* under cap_lock */

int ic1_give_caps(struct ic1_domain *d, struct proc *holder)
{
    if (!holder || !holder->cs.slots || d->caps)
        return -HM_EINVAL;
    spin_lock(&cap_lock);
    bool room = nholders < HOLDERS;
    if (room)
        holders[nholders++] = holder;
    spin_unlock(&cap_lock);
    if (!room)
        return -HM_ENOSPC;
    d->caps = holder;
    return 0;
}

/* A domain cannot be told that a server ended, and a capability to one of
 * its services would hold the service (and its memory) until the domain
 * looked: the kernel deletes them, as it forgets the server's names. */
void ic1_caps_forget_locked(struct proc *server)
{
    for (unsigned h = 0; h < nholders; h++) {
        struct cspace *cs = &holders[h]->cs;
        for (unsigned i = 0; i < cs->nslots; i++) {
            struct kobj *o = cs->slots[i].obj;
            if (o && o->type == HM_CAP_SERVICE && ((struct service *)o)->server == server)
                cap_delete(cs, i, &kobj_cap_ops);
        }
    }
}

static unsigned slot_of(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
}

/* (a table of 256 slots, the names of at most a few dozen services: the
 * quadratic search for duplicates is the leak check's, not a hot path) */
uint64_t ic1_caps_stack_pages_locked(void)
{
    uint64_t n = 0;
    for (unsigned h = 0; h < nholders; h++) {
        const struct cspace *cs = &holders[h]->cs;
        for (unsigned i = 0; i < cs->nslots; i++) {
            const struct kobj *o = cs->slots[i].obj;
            bool seen = !o || o->type != HM_CAP_SERVICE || ((const struct service *)o)->ic0;
            for (unsigned j = 0; j < i && !seen; j++)
                seen = cs->slots[j].obj == o;
            if (!seen)
                n += ipc_stack_pages((const struct service *)o);
        }
    }
    return n;
}

/* decode: the calling domain's table; then invoke, under cap_lock, as the
 * system calls of the same names do for a process (core/syscall.c). */
static long ic1cap_handle(struct hm_msg *m)
{
    struct ic1_domain *d = ic1_running();
    if (!d || !d->caps)
        return -HM_EPERM; /* only a domain that holds capabilities */
    struct cspace *cs = &d->caps->cs;
    unsigned a = slot_of(m->w[1]), b = slot_of(m->w[2]);
    long r;
    switch (m->w[0]) {
    case IC1CAP_INFO: {
        struct cap *c;
        spin_lock(&cap_lock);
        r = cap_info(cs, a);
        if (r >= 0 && cap_lookup(cs, a, HM_CAP_SERVICE, 0, &c) == 0 && ipc_service_gone(c->obj))
            r |= HM_CAP_INFO_GONE;
        spin_unlock(&cap_lock);
        return r;
    }
    case IC1CAP_COPY:
        if (b >= HM_IPC_GRANT_SLOT_BASE && b < HM_CSPACE_SLOTS)
            return -HM_EPERM; /* the grant range is the kernel's to fill and empty */
        if (m->w[3] > UINT32_MAX)
            return -HM_EINVAL;
        spin_lock(&cap_lock);
        r = cap_copy(cs, a, cs, b, (unsigned)m->w[3]);
        cap_unlock();
        return r;
    case IC1CAP_DELETE:
        if (a >= HM_IPC_GRANT_SLOT_BASE && a < HM_CSPACE_SLOTS)
            return -HM_EPERM;
        spin_lock(&cap_lock);
        r = cap_delete(cs, a, &kobj_cap_ops);
        cap_unlock();
        return r;
    case IC1CAP_KNAME: {
        char name[HM_NAME_MAX + 1];
        r = ic1_name_from_caller((const char *)m->w[1], name);
        return r < 0 ? r : ipc_name_exists(name) ? 0 : -HM_ENOENT;
    }
    default:
        return -HM_ENOSYS;
    }
}

IC0_SERVICE(ic1cap_service, IC1CAP_NAME, ic1cap_handle);
