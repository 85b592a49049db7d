// SPDX-License-Identifier: MIT
/*
 * pager_ic1.c - the kernel calls of a pager in an IC1 domain: the
 * in-kernel service "pagerk" (services/pager_ic1.h), which does what the
 * pager system calls do (pager.c) for a domain, which can make no system
 * call.  Decode (the calling domain, the service it names, the page of
 * its heap it lends), then the same pager.c functions the IC0 memory
 * manager calls.
 */
#include <kernel.h>
#include <ic0.h>
#include <ic1.h>
#include <pager.h>
#include <proc.h>
#include <sched.h>
#include <uapi/hm/syscall.h>
#include "../services/pager_ic1.h"

/* The service object of the in-kernel service with handle h, if the
 * calling domain d serves it; NULL otherwise. */
static struct service *served_by(const struct ic1_domain *d, uint64_t h)
{
    const struct ic0_service *t = ic0_service_at((long)h);
    return t && t->ic1 == d ? ic0_service_object(t) : NULL;
}

static long pagerk_handle(struct hm_msg *m)
{
    const struct ic1_domain *d = ic1_running();
    if (!d)
        return -HM_EPERM; /* only for a domain */
    /* decode */
    unsigned op = (unsigned)(m->w[0] & 0xff), prot = (unsigned)((m->w[0] >> 8) & 0xff);
    struct service *s = served_by(d, m->w[0] >> 16);
    struct proc *caller = current()->proc;
    struct memobj *o;
    paddr_t pa;
    /* invoke */
    switch (op) {
    case PAGERK_REGION:
        return s ? pager_region_add(caller, s, m->w[1], m->w[2], prot, m->w[3]) : -HM_EPERM;
    case PAGERK_MAP: {
        if (!s)
            return -HM_EPERM;
        if (!ic1_heap_page(d, m->w[1], &o, &pa))
            return -HM_EFAULT;                                /* not a page of its heap */
        long r = pager_lend(caller, s, o, pa, m->w[2], prot); /* a lent page holds o */
        memobj_unhold(o);
        return r;
    }
    case PAGERK_UNMAP:
        return s ? pager_unmap_range(caller, s, m->w[1], m->w[2]) : -HM_EPERM;
    case PAGERK_LENT: {
        if (!ic1_heap_page(d, m->w[1], &o, &pa))
            return -HM_EFAULT;
        long n = pager_lent_count(pa);
        memobj_unhold(o);
        return n;
    }
    case PAGERK_CALLER:
        return (long)caller->pid;
    case PAGERK_ALIVE:
        return m->w[1] <= UINT32_MAX && pager_pid_alive((unsigned)m->w[1]);
    default:
        return -HM_ENOSYS;
    }
}

IC0_SERVICE(pagerk_service, PAGERK_NAME, pagerk_handle);
