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

int ic1_give_caps(struct ic1_domain *d, struct proc *holder)
{
    if (!holder || !holder->cs.slots || d->caps)
        return -HM_EINVAL;
    /* A domain cannot be told that a server ended, and a capability to
     * one of its services would hold the service (and its memory) until
     * the domain looked: the kernel deletes them, as it forgets the
     * server's names (stage 1's name holders). */
    int r = ipc_name_holder_add(holder);
    if (r < 0)
        return r == -HM_EEXIST ? -HM_EINVAL : r;
    d->caps = holder;
    /* a domain's call into d cannot wait: the gate's C half refuses it */
    ic0_gate_slow_path(d);
    return 0;
}

static unsigned slot_of(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
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
