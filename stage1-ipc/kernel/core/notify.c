// SPDX-License-Identifier: MIT
/*
 * notify.c - asynchronous notifications: a word of signal bits per object.
 *
 * Signal ORs bits into the word and wakes the waiters; wait takes (and
 * clears) whatever bits are set, blocking while there are none.  Nothing
 * is queued and a signal never blocks, so interrupts can be delivered this
 * way: the kernel's timer signals a notification every period
 * (HM_SYS_NOTIFY_TIMER), and a user server waits on it like on any other.
 * (Device interrupts bound to notifications come with the driver stages.)
 */
#include <kernel.h>
#include <cap.h>
#include <ipc.h>
#include <list.h>
#include <mm.h>
#include <panic.h>
#include <proc.h>
#include <sched.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>

struct notify {
    struct kobj obj; /* HM_CAP_NOTIFY; must be first */
    struct waitq wq; /* its lock also guards bits and the timer fields */
    uint64_t bits;
    unsigned holds; /* waits and signals in progress (under cap_lock) */
    bool released;  /* no capability left: free when holds reaches 0 */
    /* the kernel timer (under timer_lock) */
    bool armed;
    uint64_t timer_bits, period, next; /* counter ticks */
    struct list timer_node;
};
_Static_assert(sizeof(struct notify) <= NOTIFY_OBJ_SIZE, "NOTIFY_OBJ_SIZE too small");

static struct list timers = LIST_INIT(timers);
static spinlock_t timer_lock = SPINLOCK_INIT;

static void signal(struct notify *n, uint64_t bits)
{
    spin_lock(&n->wq.lock);
    n->bits |= bits;
    spin_unlock(&n->wq.lock);
    waitq_wake_all(&n->wq, 0);
}

/* CPU 0's tick: fire the timers that are due. */
void notify_tick(void)
{
    uint64_t now = read_sysreg(cntpct_el0);
    struct list *pos;
    spin_lock(&timer_lock);
    list_for_each(pos, &timers)
    {
        struct notify *n = list_entry(pos, struct notify, timer_node);
        if (now < n->next)
            continue;
        n->next += n->period;
        if (n->next <= now) /* we were late: do not fire a burst */
            n->next = now + n->period;
        signal(n, n->timer_bits);
    }
    spin_unlock(&timer_lock);
}

static void disarm(struct notify *n)
{
    spin_lock(&timer_lock);
    if (n->armed) {
        list_del(&n->timer_node);
        n->armed = false;
    }
    spin_unlock(&timer_lock);
}

/* Under cap_lock. */
static void maybe_free(struct notify *n)
{
    if (n->released && n->holds == 0)
        kobj_free(KC_NOTIFY, n);
}

void notify_release(struct notify *n)
{
    disarm(n);
    spin_lock(&cap_lock);
    n->released = true;
    maybe_free(n);
    spin_unlock(&cap_lock);
}

static int hold(struct proc *p, uint64_t slot, unsigned rights, struct notify **out)
{
    struct cap *c;
    spin_lock(&cap_lock);
    int err = cap_lookup(&p->cs, slot > UINT32_MAX ? UINT32_MAX : (unsigned)slot, HM_CAP_NOTIFY,
                         rights, &c);
    if (err == 0) {
        *out = (struct notify *)c->obj;
        (*out)->holds++;
    }
    spin_unlock(&cap_lock);
    return err;
}

static void unhold(struct notify *n)
{
    spin_lock(&cap_lock);
    n->holds--;
    maybe_free(n);
    spin_unlock(&cap_lock);
}

long sys_notify_create(struct trap_frame *tf, struct proc *p)
{
    unsigned slot = tf->x[0] >= HM_CSPACE_SLOTS ? HM_CSPACE_SLOTS : (unsigned)tf->x[0];
    spin_lock(&cap_lock);
    int err = cspace_slot_free(&p->cs, slot);
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
    struct notify *n = kobj_alloc(KC_NOTIFY);
    if (!n)
        return -HM_ENOMEM;
    n->obj.type = HM_CAP_NOTIFY;
    waitq_init(&n->wq);
    list_init(&n->timer_node);
    spin_lock(&cap_lock);
    err = cap_insert(&p->cs, slot, &n->obj, HM_RIGHT_READ | HM_RIGHT_WRITE | HM_RIGHT_GRANT);
    spin_unlock(&cap_lock);
    if (err < 0)
        kobj_free(KC_NOTIFY, n);
    return err;
}

long sys_notify_signal(struct trap_frame *tf, struct proc *p)
{
    struct notify *n;
    if (tf->x[1] == 0)
        return -HM_EINVAL;
    int err = hold(p, tf->x[0], HM_RIGHT_WRITE, &n);
    if (err < 0)
        return err;
    signal(n, tf->x[1]);
    unhold(n);
    return 0;
}

long sys_notify_wait(struct trap_frame *tf, struct proc *p)
{
    struct notify *n;
    uint64_t timeout = tf->x[1];
    int err = hold(p, tf->x[0], HM_RIGHT_READ, &n);
    if (err < 0)
        return err;
    uint64_t freq = read_sysreg(cntfrq_el0);
    uint64_t deadline =
            read_sysreg(cntpct_el0) + (uint64_t)((__uint128_t)timeout * freq / 1000000000u);
    long result = 0;
    for (;;) {
        spin_lock(&n->wq.lock);
        if (n->bits) {
            result = (long)n->bits;
            n->bits = 0;
            spin_unlock(&n->wq.lock);
            break;
        }
        if (timeout == 0) {
            err = thread_block(&n->wq); /* releases the lock */
            if (err < 0) {
                result = err;
                break;
            }
            continue;
        }
        spin_unlock(&n->wq.lock);
        /* With a timeout: wait a tick at a time (tick granularity). */
        if (read_sysreg(cntpct_el0) >= deadline)
            break;
        err = thread_sleep(1000000000u / CONFIG_HZ);
        if (err < 0) {
            result = err;
            break;
        }
    }
    unhold(n);
    return result;
}

long sys_notify_timer(struct trap_frame *tf, struct proc *p)
{
    struct notify *n;
    uint64_t bits = tf->x[1], period_ns = tf->x[2];
    if (period_ns && (period_ns < 1000000u || period_ns > 3600ull * 1000000000u || bits == 0))
        return -HM_EINVAL; /* 1 ms .. 1 h, and something to signal */
    int err = hold(p, tf->x[0], HM_RIGHT_WRITE, &n);
    if (err < 0)
        return err;
    uint64_t freq = read_sysreg(cntfrq_el0);
    spin_lock(&timer_lock);
    if (period_ns == 0) {
        if (n->armed) {
            list_del(&n->timer_node);
            n->armed = false;
        }
    } else {
        n->timer_bits = bits;
        n->period = (uint64_t)((__uint128_t)period_ns * freq / 1000000000u);
        n->next = read_sysreg(cntpct_el0) + n->period;
        if (!n->armed) {
            list_add_tail(&timers, &n->timer_node);
            n->armed = true;
        }
    }
    spin_unlock(&timer_lock);
    unhold(n);
    return 0;
}
