// SPDX-License-Identifier: MIT
/*
 * nssrv.c - the name server in its own process (IC2, CONFIG_NS_IC2): the
 * host of services/ns.c (ns_service.h), which holds the names.  It
 * publishes itself as "ns" in the kernel's table, which keeps only that
 * and the kernel's own services (the kernel cannot call a process, so what
 * it publishes stays with it).  Its capabilities are the process's own;
 * NS_WAIT callers sleep on a notification signalled at each publish and
 * every TICK_MS by the kernel's timer.  The kernel started it as one of
 * its name holders (kernel/placement.c): when a publisher ends, the kernel
 * deletes the capabilities to its services here.
 *
 * Started as "wait <name>" it is instead a client: it waits until the name
 * is published and exits 0 (or 1 after 2 s).  This is how the kernel
 * waits for a service it started (stage 2's stage2_wait_name()): it
 * cannot call the name server itself.
 */
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "ns.h"
#include "ns_service.h"

#define SLOT_SVC 2
#define SLOT_WAIT 3
#define SLOT_SCRATCH 4
#define SLOT_PUBLISHED 5 /* signalled at each publish, and every TICK_MS by the kernel */
#define TICK_MS 10

static hm_spinlock_t lock = HM_SPINLOCK_INIT;

static long cap_copy(unsigned src, unsigned dst, unsigned rights)
{
    return hm_cap_copy(src, HM_SLOT_SELF, dst, rights);
}

static long cap_delete(unsigned slot)
{
    return hm_cap_delete(slot);
}

/* (called with the lock held: SLOT_SCRATCH is the lock's) */
static bool in_kernel(const char *name)
{
    bool yes = hm_kernel_name_lookup(name, SLOT_SCRATCH) == 0;
    hm_cap_delete(SLOT_SCRATCH);
    return yes;
}

static void lock_take(void)
{
    hm_spin_lock(&lock);
}

static void lock_give(void)
{
    hm_spin_unlock(&lock);
}

static void published(void)
{
    hm_notify_signal(SLOT_PUBLISHED, 1);
}

static long wait_publish(uint64_t deadline_ns)
{
    (void)deadline_ns; /* (the timer's next signal is at most TICK_MS away) */
    return hm_notify_wait(SLOT_PUBLISHED, 0);
}

static const struct ns_host host = { hm_cap_info, cap_copy,  cap_delete,   in_kernel, lock_take,
                                     lock_give,   published, wait_publish, hm_now_ns, 2 };

static long handle(struct hm_msg *m)
{
    unsigned g = m->grant;
    long r = ns_handle(m);
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
    ns_init(&host);
    long r = hm_notify_create(SLOT_PUBLISHED);
    if (r == 0)
        r = hm_notify_timer(SLOT_PUBLISHED, 2, TICK_MS * HM_NS_PER_MS);
    if (r == 0)
        r = hm_service_register(handle, 16384, 4, SLOT_SVC);
    if (r == 0)
        r = hm_kernel_name_publish("ns", SLOT_SVC);
    if (r < 0) {
        hm_printf("nssrv: cannot start: %ld\n", r);
        return 1;
    }
    hm_notify_create(SLOT_WAIT);
    for (;;) /* the calls come on their callers' threads */
        hm_notify_wait(SLOT_WAIT, 0);
}
