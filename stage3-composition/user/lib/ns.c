// SPDX-License-Identifier: MIT
/*
 * ns.c - the name service for every program of a stage-3 build (ns.h).
 *
 * Replaces stage 1's hm_name_publish() / hm_name_lookup() (the kernel's
 * table, hm.c): when the kernel's table has "ns", a name server runs
 * (services/ns.c, in a domain or a process) and the calls go to it,
 * through one connection per process made on first use; otherwise they
 * are the kernel's table, as in stage 1.  A look-up's capability comes
 * back granted in the reply, into the slot the caller named (the call's
 * receive slot); if that was taken, into the grant range, and it is
 * copied over from there (which gives the error a taken slot gives).
 */
#include <string.h>
#include "hm.h"
#include "ns.h"
#include "ns_proto.h"

/* The library's capability slots, beside mm.c's 12, 13 and fs.c's 14, 15:
 * below the slots the tests use and empty after each (UT_SLOT_FIRST up),
 * and above the programs' own (2..5; ipcsrv1's from 8). */
#define NS_SLOT_SVC 6
#define NS_SLOT_CONN 7

static struct {
    hm_spinlock_t lock;
    char *buf;   /* the connection's shared buffer (one page) */
    char *spare; /* address space for the next one */
    bool up;     /* connected */
    bool none;   /* no name server: the kernel's table, for good */
} ns = { HM_SPINLOCK_INIT, NULL, NULL, false, false };

/* Connect on first use (and again after the name server died); with the
 * lock held.  Returns 0, 1 when there is no name server (the kernel's
 * table is the name service), or -HM_E*.  The kernel starts the name
 * server before any other program, so a program that finds none never
 * will: that is remembered (asking again doubled a look-up's cost). */
static long connect_locked(void)
{
    if (ns.up)
        return 0;
    if (ns.none)
        return 1;
    long r = hm_kernel_name_lookup("ns", NS_SLOT_SVC);
    ns.none = r == -HM_ENOENT;
    if (ns.none)
        return 1;
    if (r == 0 && !ns.spare)
        ns.spare = hm_va_reserve(1);
    if (r == 0)
        r = ns.spare ? hm_connect(NS_SLOT_SVC, ns.spare, HM_PAGE_SIZE, NS_SLOT_CONN) : -HM_ENOMEM;
    hm_cap_delete(NS_SLOT_SVC);
    if (r < 0)
        return r;
    ns.buf = ns.spare;
    ns.spare = NULL;
    ns.up = true;
    return 0;
}

/* One call to the name server about `name`: 0 / -HM_E* from it, 1 when
 * there is none.  m: w[0], w[1] in; the reply out. */
static long ns_call(const char *name, size_t n, struct hm_msg *m, unsigned grant, unsigned recv)
{
    hm_spin_lock(&ns.lock);
    long r = connect_locked();
    if (r == 0) {
        memcpy(ns.buf, name, n);
        m->len = n;
        r = hm_call_recv(NS_SLOT_CONN, m, grant, recv);
        if (r == -HM_EPIPE) { /* it died: connect afresh next time */
            hm_cap_delete(NS_SLOT_CONN);
            ns.buf = NULL;
            ns.up = false;
        }
    }
    hm_spin_unlock(&ns.lock);
    return r;
}

/* A name the name server would refuse goes to the kernel, whose errors
 * are the same (and which checks the pointer). */
static bool plain_name(const char *name, size_t *n)
{
    *n = strlen(name);
    return *n > 0 && *n <= HM_NAME_MAX;
}

long hm_name_publish(const char *name, unsigned svc_slot)
{
    size_t n;
    if (!plain_name(name, &n))
        return hm_kernel_name_publish(name, svc_slot);
    struct hm_msg m = { .w = { NS_PUBLISH } };
    long r = ns_call(name, n, &m, HM_GRANT(svc_slot, HM_RIGHT_CALL | HM_RIGHT_GRANT), 0);
    return r == 1 ? hm_kernel_name_publish(name, svc_slot) : r;
}

long hm_name_lookup(const char *name, unsigned dst_slot)
{
    size_t n;
    if (!plain_name(name, &n))
        return hm_kernel_name_lookup(name, dst_slot);
    struct hm_msg m = { .w = { NS_LOOKUP } };
    long r = ns_call(name, n, &m, HM_NO_SLOT, dst_slot);
    if (r == 0 && m.grant == HM_NO_SLOT)
        r = -HM_EIO; /* a name server that says yes and grants nothing */
    if (r == 0 && m.grant != dst_slot) {
        r = hm_cap_copy(m.grant, HM_SLOT_SELF, dst_slot, HM_RIGHT_CALL);
        hm_cap_delete(m.grant);
    }
    /* not a process's name: the kernel's own services are in its table */
    return r == 1 || r == -HM_ENOENT ? hm_kernel_name_lookup(name, dst_slot) : r;
}

long hm_name_wait(const char *name, unsigned timeout_ms)
{
    size_t n;
    if (!plain_name(name, &n))
        return -HM_EINVAL;
    /* A name server in a process waits itself; one in a domain cannot
     * block and answers at once; the kernel's table is asked.  Both of
     * the latter are asked again every millisecond (a sleep lasts to the
     * next tick at most). */
    uint64_t t0 = hm_now_ns(), limit = (uint64_t)timeout_ms * HM_NS_PER_MS;
    for (;;) {
        uint64_t spent = hm_now_ns() - t0;
        struct hm_msg m = { .w = { NS_WAIT, spent >= limit ? 0 : (limit - spent) / HM_NS_PER_MS } };
        long r = ns_call(name, n, &m, HM_NO_SLOT, 0);
        if (r == 1) { /* no name server: the kernel's table */
            hm_spin_lock(&ns.lock);
            r = hm_kernel_name_lookup(name, NS_SLOT_SVC);
            hm_cap_delete(NS_SLOT_SVC);
            hm_spin_unlock(&ns.lock);
            if (r == -HM_ENOENT)
                r = -HM_EAGAIN;
        }
        if (r != -HM_EAGAIN || hm_now_ns() - t0 >= limit)
            return r;
        hm_sleep_ns(HM_NS_PER_MS);
    }
}
