// SPDX-License-Identifier: MIT
/*
 * ic0.c - services the kernel serves itself: IC0 handlers and IC1 domains
 * (see ic0.h), and the in-kernel service runtime (services/svc.h) that IC0
 * services use to call others.
 */
#include <kernel.h>
#include <cap.h>
#include <ic0.h>
#include <ic1.h>
#include <ipc.h>
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <proc.h>
#include <string.h>
#include <arch/spinlock.h>
#include <arch/trap.h>

/* The kernel as the "server" of in-kernel services: never dying, no
 * address space, no capabilities of its own; never freed (a permanent hold). */
static struct proc ic0_kernel = { .name = "kernel", .holds = 1 };
extern const struct ic0_service __ic0_services_start[], __ic0_services_end[];

/* Every in-kernel service, by handle.  Entries are only added (at boot),
 * each before the count that makes it visible.  The IC1 gate's fast path
 * (ic1_gate.S) reads them too. */
const struct ic0_service *ic0_table[IC0_MAX_SERVICES];
static struct service *ic0_objects[IC0_MAX_SERVICES]; /* the service object of each */
unsigned ic0_ntable;
/* By handle: the domain of an IC1 service, NULL otherwise (ic1_gate.S). */
struct ic1_domain *ic0_ic1_targets[IC0_MAX_SERVICES];
static spinlock_t table_lock = SPINLOCK_INIT;

int ic0_publish(const struct ic0_service *d)
{
    spin_lock(&table_lock);
    if (ic0_ntable == IC0_MAX_SERVICES) {
        spin_unlock(&table_lock);
        printk("ic0: no room for service %s (%u in-kernel services)\n", d->name, ic0_ntable);
        return -HM_ENOSPC;
    }
    struct service *s = kobj_alloc(KC_SERVICE);
    if (!s) {
        spin_unlock(&table_lock);
        return -HM_ENOMEM;
    }
    s->obj.type = HM_CAP_SERVICE;
    s->lock = (spinlock_t)SPINLOCK_INIT;
    s->server = &ic0_kernel;
    s->ic0 = d;
    list_init(&s->work_node);
    int err = ipc_name_insert(d->name, s);
    if (err == 0) {
        ic0_table[ic0_ntable] = d;
        ic0_objects[ic0_ntable] = s;
        /* the gate's fast path enters a domain at its image's entry:
         * a service with an entry of its own takes the C half, and so
         * does a domain that holds capabilities (ic0_gate_slow_path()) */
        ic0_ic1_targets[ic0_ntable] = d->ic1_entry || (d->ic1 && d->ic1->caps) ? NULL : d->ic1;
        __atomic_store_n(&ic0_ntable, ic0_ntable + 1, __ATOMIC_RELEASE);
    }
    spin_unlock(&table_lock);
    if (err < 0) /* the service object stays: boot-time only, never reached */
        printk("ic0: cannot publish service %s (%d)\n", d->name, err);
    else if (d->ic1)
        printk("ic0: service %s is an IC1 domain behind the gate\n", d->name);
    else
        printk("ic0: service %s linked into the kernel\n", d->name);
    return err;
}

void ic0_gate_slow_path(const struct ic1_domain *d)
{
    spin_lock(&table_lock);
    for (unsigned i = 0; i < ic0_ntable; i++)
        if (ic0_ic1_targets[i] == d)
            __atomic_store_n(&ic0_ic1_targets[i], NULL, __ATOMIC_RELEASE);
    spin_unlock(&table_lock);
}

void ic0_init(void)
{
    for (const struct ic0_service *d = __ic0_services_start; d < __ic0_services_end; d++)
        if (ic0_publish(d) < 0)
            panic("ic0: cannot publish service %s", d->name);
}

const struct ic0_service *ic0_service_at(long h)
{
    unsigned n = __atomic_load_n(&ic0_ntable, __ATOMIC_ACQUIRE);
    return h >= 0 && (unsigned long)h < n ? ic0_table[h] : NULL;
}

long ic0_invoke(const struct ic0_service *d, struct hm_msg *m)
{
    return d->ic1 ? ic1_call_entry(d->ic1, d->ic1_entry, m) : d->handler(m);
}

struct proc *ic0_cap_holder(const struct ic0_service *d)
{
    return d->ic1 ? d->ic1->caps : NULL;
}

/* A reply that grants (m->len's upper half): only from a domain that
 * holds capabilities; its status if that works, the grant's error if not
 * (the domain's capability stays where it was). */
static __attribute__((noinline)) long reply_granted(const struct ic0_service *d, uint64_t len,
                                                    long status, uint64_t want, unsigned *gdst)
{
    struct proc *holder = ic0_cap_holder(d);
    int err = holder ? ipc_reply_grant(holder, current()->proc, (unsigned)(len >> 32), want, gdst) :
                       -HM_EINVAL;
    return err < 0 ? err : status;
}

/* The message from the caller's registers, the call, the reply back into
 * them.  Inlined into the entries below, so that the one without a
 * buffer (the IPC fast entry's) carries none of the buffer's work. */
static __attribute__((always_inline)) inline long call_with(struct trap_frame *tf,
                                                            struct service *s, uint32_t badge,
                                                            void *buf, uint64_t buf_size,
                                                            unsigned grant)
{
    struct hm_msg m = { .w = { tf->x[1], tf->x[2], tf->x[3], tf->x[4] },
                        .len = buf ? (tf->x[5] & 0xffffffffu) : 0,
                        .buf = buf,
                        .grant = grant,
                        .badge = badge };
    long status = ic0_invoke(s->ic0, &m);
    unsigned gdst = 0;
    if (unlikely(m.len >> 32)) /* a grant word: most replies have none */
        status = reply_granted(s->ic0, m.len, status, tf->x[0] >> 32, &gdst);
    uint64_t len = m.len & 0xffffffffu;
    tf->x[1] = m.w[0];
    tf->x[2] = m.w[1];
    tf->x[3] = m.w[2];
    tf->x[4] = m.w[3];
    /* a reply longer than the buffer: none */
    tf->x[5] = (buf && len <= buf_size ? len : 0) | (uint64_t)gdst << 32;
    return status;
}

long ic0_call_granted(struct trap_frame *tf, struct service *s, uint32_t badge, void *buf,
                      uint64_t buf_size, struct proc *holder, unsigned gdst)
{
    long status = call_with(tf, s, badge, buf, buf_size, gdst);
    /* The grant lasts for the call: the domain keeps a copy if it wants
     * one (ic1cap.h); the slot is the kernel's to empty. */
    spin_lock(&cap_lock);
    cap_delete(&holder->cs, gdst, &kobj_cap_ops);
    cap_unlock();
    return status;
}

struct service *ic0_service_object(const struct ic0_service *d)
{
    unsigned n = __atomic_load_n(&ic0_ntable, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        if (ic0_table[i] == d)
            return ic0_objects[i];
    return NULL;
}

long ic0_call(struct trap_frame *tf, struct service *s, uint32_t badge)
{
    return call_with(tf, s, badge, NULL, 0, HM_NO_SLOT);
}

long ic0_call_buf(struct trap_frame *tf, struct service *s, uint32_t badge, void *buf,
                  uint64_t buf_size)
{
    return call_with(tf, s, badge, buf, buf_size, HM_NO_SLOT);
}

/* ---- the service runtime for IC0 services (services/svc.h) ---------------- */

long svc_lookup(const char *name)
{
    unsigned n = __atomic_load_n(&ic0_ntable, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(ic0_table[i]->name, name))
            return i;
    return -HM_ENOENT; /* not served in the kernel (an IC2 service cannot be called from here) */
}

long svc_call(long h, struct hm_msg *m)
{
    m->buf = NULL;
    return svc_call_buf(h, m);
}

long svc_call_buf(long h, struct hm_msg *m)
{
    const struct ic0_service *d = ic0_service_at(h);
    if (!d)
        return -HM_EINVAL;
    if (!m->buf)
        m->len = 0;
    return ic0_invoke(d, m);
}
