// SPDX-License-Identifier: MIT
/*
 * nssrv.c - the name server in its own process (IC2, CONFIG_NS_IC2).
 *
 * It holds the names processes publish, each with a copy of the
 * publisher's service capability, and answers a look-up by granting a
 * CALL-only copy in its reply (ns_proto.h).  It publishes itself as "ns" in
 * the kernel's table, which keeps only that and the kernel's own services
 * (the kernel cannot call a process, so what it publishes stays with it).
 *
 * Started as "wait <name>" it is instead a client: it waits until the name
 * is published and exits 0 (or 1 after 2 s).  This is how the kernel
 * waits for a service it started (stage 2's stage2_wait_name()): it
 * cannot call the name server itself.
 *
 * A publisher that revokes its capability takes its name with it (its
 * copy here goes too); one that ends leaves a capability the kernel marks
 * gone (HM_CAP_INFO_GONE): the entry is free at once, and the server's own
 * thread deletes such capabilities every SWEEP_MS, so that a dead
 * service's memory is not held here.  A look-up is granted from a copy
 * made under the lock in a ring of NS_LENT slots and moved out with the
 * reply (HM_GRANT_MOVE), not from the entry itself: a reply never grants
 * an entry that was freed and taken by another name meanwhile.
 */
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "ns.h"
#include "ns_proto.h"

#define SLOT_SVC 2
#define SLOT_WAIT 3
#define SLOT_SCRATCH 4
#define SLOT_PUBLISHED 5 /* signalled at each publish, and every TICK_MS by the kernel */
#define SLOT_NAMES 16    /* .. + NS_NAMES - 1: the names' capabilities */
#define SLOT_LENT (SLOT_NAMES + NS_NAMES)
#define NS_LENT 32 /* .. + NS_LENT - 1, below the grant range (224) */
_Static_assert(SLOT_LENT + NS_LENT <= HM_IPC_GRANT_SLOT_BASE, "slots below the grant range");

static hm_spinlock_t lock = HM_SPINLOCK_INIT;
static char names[NS_NAMES][HM_NAME_MAX + 1];
static unsigned lent_next;

/* The name in the request, copied out of the shared buffer (the client
 * may change it meanwhile). */
static long name_of(const struct hm_msg *m, char *name)
{
    if (m->len == 0 || m->len > HM_NAME_MAX || !m->buf)
        return -HM_EINVAL;
    memcpy(name, m->buf, m->len);
    name[m->len] = 0;
    return strlen(name) == m->len ? 0 : -HM_EINVAL;
}

#define SWEEP_MS 50
#define TICK_MS 10

/* A capability that is there, to a service that is not gone. */
static bool alive(unsigned slot)
{
    long info = hm_cap_info(slot);
    return info >= 0 && !(info & HM_CAP_INFO_GONE);
}

/* Entry i holds a name whose service is alive. */
static bool live(unsigned i)
{
    return names[i][0] && alive(SLOT_NAMES + i);
}

/* Delete the capabilities of services that are gone (and lent ones a
 * refused reply left behind). */
static void sweep(void)
{
    hm_spin_lock(&lock);
    for (unsigned i = 0; i < NS_NAMES; i++) {
        if (names[i][0] && !live(i)) {
            hm_cap_delete(SLOT_NAMES + i);
            names[i][0] = 0;
        }
    }
    for (unsigned i = 0; i < NS_LENT; i++)
        if (!alive(SLOT_LENT + i))
            hm_cap_delete(SLOT_LENT + i);
    hm_spin_unlock(&lock);
}

static int find_locked(const char *name)
{
    for (unsigned i = 0; i < NS_NAMES; i++)
        if (!strcmp(names[i], name) && live(i))
            return (int)i;
    return -1;
}

static bool in_kernel_locked(const char *name)
{
    bool yes = hm_kernel_name_lookup(name, SLOT_SCRATCH) == 0;
    hm_cap_delete(SLOT_SCRATCH);
    return yes;
}

static long publish(const char *name, unsigned g)
{
    if (g == HM_NO_SLOT)
        return -HM_EBADCAP;
    long info = hm_cap_info(g);
    if (info < 0)
        return info;
    if (hm_cap_type(info) != HM_CAP_SERVICE)
        return -HM_ETYPE;
    if ((hm_cap_rights(info) & (HM_RIGHT_CALL | HM_RIGHT_GRANT)) !=
        (HM_RIGHT_CALL | HM_RIGHT_GRANT))
        return -HM_EPERM;
    hm_spin_lock(&lock);
    long r = find_locked(name) >= 0 || in_kernel_locked(name) ? -HM_EEXIST : -HM_ENOSPC;
    for (unsigned i = 0; r == -HM_ENOSPC && i < NS_NAMES; i++) {
        if (live(i))
            continue;
        hm_cap_delete(SLOT_NAMES + i); /* (a stale entry's slot is empty already) */
        r = hm_cap_copy(g, HM_SLOT_SELF, SLOT_NAMES + i, HM_RIGHT_CALL | HM_RIGHT_GRANT);
        if (r == 0)
            memcpy(names[i], name, HM_NAME_MAX + 1);
    }
    hm_spin_unlock(&lock);
    if (r == 0)
        hm_notify_signal(SLOT_PUBLISHED, 1); /* the waiters look again */
    return r;
}

/* 0 and the slot to grant from, or -HM_ENOENT. */
static long lookup(const char *name, unsigned *lent)
{
    hm_spin_lock(&lock);
    int i = find_locked(name);
    long r = -HM_ENOENT;
    if (i >= 0) {
        /* (the slot is empty unless a refused reply left its copy there) */
        *lent = SLOT_LENT + lent_next++ % NS_LENT;
        r = hm_cap_copy(SLOT_NAMES + (unsigned)i, HM_SLOT_SELF, *lent,
                        HM_RIGHT_CALL | HM_RIGHT_GRANT);
        if (r == -HM_EEXIST && hm_cap_delete(*lent) == 0)
            r = hm_cap_copy(SLOT_NAMES + (unsigned)i, HM_SLOT_SELF, *lent,
                            HM_RIGHT_CALL | HM_RIGHT_GRANT);
    }
    hm_spin_unlock(&lock);
    return r;
}

/* Until the name is here or in the kernel's table.  The waiter blocks on
 * SLOT_PUBLISHED: a publish here wakes it at once (the kernel waits for
 * names at boot this way), the kernel's timer every TICK_MS (the deadline,
 * the kernel's table, and a waiter whose wake-up another took). */
static long wait_for(const char *name, uint64_t ms)
{
    uint64_t t0 = hm_now_ns();
    if (ms > NS_WAIT_MAX_MS)
        ms = NS_WAIT_MAX_MS;
    for (;;) {
        hm_spin_lock(&lock);
        bool there = find_locked(name) >= 0 || in_kernel_locked(name);
        hm_spin_unlock(&lock);
        if (there)
            return 0;
        if (hm_now_ns() - t0 >= ms * HM_NS_PER_MS)
            return -HM_EAGAIN;
        long r = hm_notify_wait(SLOT_PUBLISHED, 0);
        if (r < 0)
            return r; /* (-HM_EINTR: the caller is being killed) */
    }
}

static long ns_handle(struct hm_msg *m)
{
    /* decode */
    char name[HM_NAME_MAX + 1];
    unsigned g = m->grant; /* a publisher's capability: ours only for this call */
    long r = name_of(m, name);
    m->len = 0;
    unsigned lent = 0;
    /* invoke */
    if (r == 0) {
        switch (m->w[0]) {
        case NS_PUBLISH:
            r = publish(name, g);
            break;
        case NS_LOOKUP:
            r = lookup(name, &lent);
            if (r == 0)
                m->len = (uint64_t)HM_GRANT(lent, HM_RIGHT_CALL | HM_GRANT_MOVE) << 32;
            break;
        case NS_WAIT:
            r = wait_for(name, m->w[1]);
            break;
        default:
            r = -HM_ENOSYS;
        }
    }
    if (g != HM_NO_SLOT)
        hm_cap_delete(g); /* (published: the entry has its own copy) */
    return r;
}

int main(const char *arg, unsigned long len)
{
    if (len > 5 && !memcmp(arg, "wait ", 5)) { /* the kernel's waiter (above) */
        char name[HM_NAME_MAX + 1];
        size_t n = len - 5 < HM_NAME_MAX ? len - 5 : HM_NAME_MAX;
        memcpy(name, arg + 5, n);
        name[n] = 0;
        return hm_name_wait(name, 2000) == 0 ? 0 : 1;
    }
    long r = hm_notify_create(SLOT_PUBLISHED);
    if (r == 0)
        r = hm_notify_timer(SLOT_PUBLISHED, 2, TICK_MS * HM_NS_PER_MS);
    if (r == 0)
        r = hm_service_register(ns_handle, 16384, 4, SLOT_SVC);
    if (r == 0)
        r = hm_kernel_name_publish("ns", SLOT_SVC);
    if (r < 0) {
        hm_printf("nssrv: cannot start: %ld\n", r);
        return 1;
    }
    hm_notify_create(SLOT_WAIT);
    for (;;) {
        hm_notify_wait(SLOT_WAIT, SWEEP_MS * HM_NS_PER_MS);
        sweep();
    }
}
