// SPDX-License-Identifier: MIT
/*
 * ipc.c - synchronous RPC-like IPC by thread migration.
 *
 * HongMeng (OSDI'24), "Synchronous RPC-like IPC": most service invocations
 * are procedure calls, so the caller's own thread runs on into the server.
 * A call here:
 *   1. decodes: the connection capability, the chain depth, the message
 *      length, the capability to grant (nothing changes if any is bad);
 *   2. finds a stack in the server: the one this chain already uses in that
 *      service (A -> B -> A), a stack bound to this thread, or one from the
 *      service's pool; if memory has run out, it calls the memory manager
 *      on that manager's reserve stack and retries (exhaustion path);
 *   3. pushes a call frame (where the caller's registers are, which domain
 *      to come back to) and enters the server: new address space, new
 *      stack, the entry point, the message in x1..x5, every other register
 *      zero.  FP/SIMD is trapped in the server until it uses it, so the
 *      caller's FP registers are never seen (they are caller-saved in the
 *      call ABI: the user wrapper declares them clobbered).
 * The reply pops the frame and returns into the caller's saved registers.
 * The scheduler is not involved: the time slice and priority continue.
 *
 * Locks: cap_lock for capabilities and object lifetimes; svc->lock for a
 * service's stack pool; the server's proc->lock for its visitor list.
 */
#include <kernel.h>
#include <cap.h>
#include <ipc.h>
#ifdef CONFIG_STAGE2
#include <ic0.h> /* stage 2: IC0 services */
#include <ic1.h> /* and the capabilities of IC1 domains */
#endif
#ifdef CONFIG_STAGE3
#include <pager.h> /* stage 3: page faults served by pagers */
#endif
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>

/* Where the kernel puts things in a server's address space.  A program's
 * own mappings must stay out of these windows (HM_SYS_MAP there fails with
 * -HM_EEXIST once they are used). */
#define STACK_WINDOWS 0x6000000000ul /* service i: 64 MiB from here + i * 64 MiB */
#define STACK_WINDOW_SIZE (64ul << 20)
#define MAX_SERVICES_PER_PROC 16
#define CONN_WINDOWS 0x7000000000ul /* connection buffers, bump allocated */
#define CONN_WINDOWS_END 0x7f00000000ul

static unsigned svc_ids, conn_badges;
static struct service *reclaimer; /* held: svc->holds */

/* The name service of stage 1: a kernel table of published services.  Each
 * entry holds a copy of the publisher's capability in the kernel's own
 * cspace, and look-ups copy from it, so the publisher's revoke removes the
 * entry, every capability looked up and every connection made with them. */
#define NAMES 32
static struct cap name_slots[NAMES];
static struct cspace name_cs;
static char names[NAMES][HM_NAME_MAX + 1];
static bool names_ready;

static void names_init_locked(void)
{
    if (!names_ready) {
        cspace_init(&name_cs, name_slots, NAMES);
        names_ready = true;
    }
}

/* ---- services and their stack pools --------------------------------------- */

static uint64_t stack_base(const struct service *s, int i)
{
    return s->window + (uint64_t)i * (s->stack_size + PAGE_SIZE) + PAGE_SIZE;
}

/* Map stack i of s into the server.  Returns 0 or -HM_ENOMEM / -HM_EPIPE. */
static int pool_map(struct service *s, int i)
{
    return vm_map_anon(s->server, stack_base(s, i), s->stack_size, HM_PROT_READ | HM_PROT_WRITE);
}

/* Add one stack to the pool (slow path, or the pool worker). */
static int pool_grow(struct service *s)
{
    spin_lock(&s->lock);
    uint64_t unmapped = ~s->mapped;
    int i = unmapped ? __builtin_ctzl(unmapped) : -1;
    if (i >= 0 && i < IPC_POOL_MAX && !s->dead)
        s->mapped |= 1ul << i; /* reserve the index while we map outside the lock */
    else
        i = -1;
    spin_unlock(&s->lock);
    if (i < 0)
        return -HM_ENOSPC;
    int err = pool_map(s, i);
    spin_lock(&s->lock);
    if (err == 0)
        s->free |= 1ul << i;
    else
        s->mapped &= ~(1ul << i);
    spin_unlock(&s->lock);
    return err;
}

/* Give one free stack back to the server's memory (above the high mark). */
static void pool_shrink_one(struct service *s)
{
    spin_lock(&s->lock);
    uint64_t cand = s->free & ~1ul;
    int i = cand ? 63 - __builtin_clzl(cand) : -1; /* the highest free index */
    if (i > 0)
        s->free &= ~(1ul << i);
    spin_unlock(&s->lock);
    if (i <= 0)
        return;
    vm_unmap(s->server, stack_base(s, i), s->stack_size);
    spin_lock(&s->lock);
    s->mapped &= ~(1ul << i);
    spin_unlock(&s->lock);
}

/* ---- the pool worker: growing and shrinking off the call path ----------------- */

static struct list work = LIST_INIT(work);
static spinlock_t work_lock = SPINLOCK_INIT;
static struct waitq work_wq;

static void svc_hold(struct service *s)
{
    spin_lock(&cap_lock);
    s->holds++;
    spin_unlock(&cap_lock);
}

static void svc_maybe_free(struct service *s);

void ipc_svc_hold(struct service *s)
{
    svc_hold(s);
}

void ipc_svc_unhold(struct service *s)
{
    spin_lock(&cap_lock);
    BUG_ON(s->holds == 0);
    s->holds--;
    svc_maybe_free(s);
    spin_unlock(&cap_lock); /* plain: no deferred releases (see proc_put) */
}

static void svc_put(struct service *s)
{
    spin_lock(&cap_lock);
    BUG_ON(s->holds == 0);
    s->holds--;
    svc_maybe_free(s);
    cap_unlock();
}

static void queue_pool_work(struct service *s)
{
    bool wake = false;
    spin_lock(&work_lock);
    if (!s->work_queued) {
        s->work_queued = true;
        svc_hold(s);
        list_add_tail(&work, &s->work_node);
        wake = true;
    }
    spin_unlock(&work_lock);
    if (wake)
        waitq_wake_all(&work_wq, 0);
}

static unsigned popcount(uint64_t v)
{
    return (unsigned)__builtin_popcountl(v);
}

static void pool_worker(void *arg)
{
    (void)arg;
    for (;;) {
        /* The wait-queue lock is held across the check, so a request queued
         * after it finds us blocked and wakes us (queue_pool_work). */
        spin_lock(&work_wq.lock);
        spin_lock(&work_lock);
        if (list_empty(&work)) {
            spin_unlock(&work_lock);
            thread_block(&work_wq);
            continue;
        }
        spin_unlock(&work_wq.lock);
        struct service *s = list_entry(work.next, struct service, work_node);
        list_del(&s->work_node);
        s->work_queued = false;
        spin_unlock(&work_lock);
        /* Grow below the low mark, shrink above the high one. */
        while (!READ_ONCE(s->dead) && popcount(READ_ONCE(s->free) & ~1ul) < IPC_POOL_LOW)
            if (pool_grow(s) < 0)
                break;
        while (!READ_ONCE(s->dead) && popcount(READ_ONCE(s->free) & ~1ul) > IPC_POOL_HIGH)
            pool_shrink_one(s);
        svc_put(s);
    }
}

uint64_t ipc_stack_pages(const struct service *s)
{
    return popcount(READ_ONCE(s->mapped)) * (s->stack_size / PAGE_SIZE);
}

/* Name holders (ipc.h): processes that hold services' capabilities by
 * name for others, besides the kernel's own table. */
#define NAME_HOLDERS 4
static struct proc *name_holders[NAME_HOLDERS]; /* under cap_lock; each held (proc->holds) */
static unsigned nname_holders;

int ipc_name_holder_add(struct proc *p)
{
    int err = -HM_ENOSPC;
    spin_lock(&cap_lock);
    for (unsigned h = 0; h < nname_holders; h++)
        if (name_holders[h] == p)
            err = -HM_EEXIST;
    if (err == -HM_ENOSPC && nname_holders < NAME_HOLDERS) {
        name_holders[nname_holders++] = p;
        p->holds++;
        err = 0;
    }
    spin_unlock(&cap_lock);
    return err;
}

/* Pages of the call stacks of the services in cs not counted yet in this
 * count (a service may be named in several slots and tables). */
static uint64_t stack_pages_in(const struct cspace *cs, unsigned gen)
{
    uint64_t n = 0;
    for (unsigned i = 0; cs->slots && i < cs->nslots; i++) {
        struct kobj *o = cs->slots[i].obj;
        struct service *s = (struct service *)o;
        if (!o || o->type != HM_CAP_SERVICE || s->ic0 || s->counted == gen)
            continue;
        s->counted = gen;
        n += ipc_stack_pages(s);
    }
    return n;
}

uint64_t ipc_published_stack_pages(void)
{
    static unsigned gen;
    uint64_t n = 0;
    spin_lock(&cap_lock);
    gen++;
    if (names_ready)
        n += stack_pages_in(&name_cs, gen);
    for (unsigned h = 0; h < nname_holders; h++)
        n += stack_pages_in(&name_holders[h]->cs, gen);
    spin_unlock(&cap_lock);
    return n;
}

bool ipc_service_gone(const struct kobj *o)
{
    const struct service *s = (const struct service *)o;
    return s->dead || (s->server && s->server->dying);
}

bool ipc_name_exists(const char *name)
{
    bool found = false;
    spin_lock(&cap_lock);
    for (unsigned i = 0; names_ready && i < NAMES && !found; i++)
        found = name_slots[i].obj && !strcmp(names[i], name);
    spin_unlock(&cap_lock);
    return found;
}

/* Put `s` in the name table under `name` (kernel-made services: IC0). */
int ipc_name_insert(const char *name, struct service *s)
{
    spin_lock(&cap_lock);
    names_init_locked();
    int err = -HM_ENOSPC;
    for (unsigned i = 0; i < NAMES && err == -HM_ENOSPC; i++) {
        if (!name_slots[i].obj) {
            err = cap_insert(&name_cs, i, &s->obj, HM_RIGHT_CALL | HM_RIGHT_GRANT);
            if (err == 0)
                strlcpy(names[i], name, sizeof(names[i]));
        }
    }
    spin_unlock(&cap_lock);
    return err;
}

void ipc_init(void)
{
#ifdef CONFIG_STAGE2 /* stage 2: services linked into the kernel (IC0) */
    ic0_init();
#endif
    waitq_init(&work_wq);
    struct thread *t = thread_create_kernel(pool_worker, NULL, 0, HM_PRIO_DEFAULT, "ipc-pool");
    if (!t)
        panic("ipc: no memory for the pool worker");
    sched_start(t);
}

/* ---- object lifetimes ---------------------------------------------------------- */

/* Under cap_lock. */
static void svc_maybe_free(struct service *s)
{
    if (s->obj.refs == 0 && s->holds == 0) {
        struct proc *server = s->server;
        s->server = NULL;
        /* Its stacks live in the server's address space; they go with it. */
        server->holds--;
        kobj_free(KC_SERVICE, s);
        proc_maybe_free_locked(server);
    }
}

void ipc_release_locked(struct kobj *o)
{
    svc_maybe_free((struct service *)o);
}

void ipc_release(struct kobj *o)
{
    if (o->type == HM_CAP_CONN) {
        struct conn *c = (struct conn *)o;
        if (c->buf) {
            vm_unmap_mem_if(c->client, c->client_va, c->buf_size, c->buf);
            if (c->server_va) /* 0: an IC0 service's (stage 2), not mapped in a server */
                vm_unmap_mem_if(c->svc->server, c->server_va, c->buf_size, c->buf);
            memobj_unhold(c->buf);
        }
        proc_put(c->client);
        svc_put(c->svc);
        kobj_free(KC_CONN, c);
    } else if (o->type == HM_CAP_NOTIFY) {
        notify_release((struct notify *)o);
    }
}

/* A server's services refuse calls once it is dying (callers check
 * s->server->dying); when it is gone, its names go too. */
static void names_forget(struct proc *p);
static void unbind_dead(struct proc *p);
void ipc_proc_dead(struct proc *p)
{
    names_forget(p);
    unbind_dead(p);
}

void ipc_interrupt_visitors(struct proc *p)
{
    struct list *pos;
    spin_lock(&all_threads_lock);
    list_for_each(pos, &all_threads)
    {
        struct thread *t = list_entry(pos, struct thread, all_node);
        for (unsigned d = 0; d < READ_ONCE(t->depth) && d < HM_IPC_MAX_DEPTH; d++) {
            if (t->calls[d].server == p && t != current()) {
                thread_interrupt(t);
                break;
            }
        }
    }
    spin_unlock(&all_threads_lock);
}

/* ---- registering, connecting, naming ---------------------------------------------- */

long sys_service_register(struct trap_frame *tf, struct proc *p)
{
    uint64_t entry = tf->x[0], cookie = tf->x[1], size = tf->x[2], nprebound = tf->x[3];
    unsigned slot = tf->x[4] >= HM_CSPACE_SLOTS ? HM_CSPACE_SLOTS : (unsigned)tf->x[4];
    /* decode */
    if (entry >= HM_USER_TOP || !IS_ALIGNED(entry, 4) || size < PAGE_SIZE ||
        size > HM_IPC_STACK_MAX || !IS_ALIGNED(size, PAGE_SIZE) || nprebound > IPC_POOL_MAX / 2)
        return -HM_EINVAL;
    if ((size + PAGE_SIZE) * IPC_POOL_MAX > STACK_WINDOW_SIZE)
        return -HM_EINVAL;
    spin_lock(&cap_lock);
    int err = cspace_slot_free(&p->cs, slot);
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
    spin_lock(&p->lock);
    unsigned idx = p->nservices;
    if (idx < MAX_SERVICES_PER_PROC)
        p->nservices++;
    spin_unlock(&p->lock);
    if (idx >= MAX_SERVICES_PER_PROC)
        return -HM_ENOSPC;
    /* invoke */
    struct service *s = kobj_alloc(KC_SERVICE);
    if (!s) {
        spin_lock(&p->lock);
        if (p->nservices == idx + 1)
            p->nservices--;
        spin_unlock(&p->lock);
        return -HM_ENOMEM;
    }
    s->obj.type = HM_CAP_SERVICE;
    s->lock = (spinlock_t)SPINLOCK_INIT;
    s->server = p;
    s->entry = entry;
    s->cookie = cookie;
    s->stack_size = size;
    s->window = STACK_WINDOWS + idx * STACK_WINDOW_SIZE;
    s->prebound_quota = (unsigned)nprebound;
    s->id = __atomic_add_fetch(&svc_ids, 1, __ATOMIC_RELAXED);
    list_init(&s->work_node);
    /* The reserve stack and the first pool stacks, now. */
    err = pool_map(s, IPC_RESERVE_SLOT);
    if (err == 0)
        s->mapped = 1;
    for (int i = 1; err == 0 && i <= IPC_POOL_INITIAL; i++) {
        err = pool_map(s, i);
        if (err == 0) {
            s->mapped |= 1ul << i;
            s->free |= 1ul << i;
        }
    }
    spin_lock(&cap_lock);
    if (err == 0)
        err = cap_insert(&p->cs, slot, &s->obj, HM_RIGHT_CALL | HM_RIGHT_GRANT | HM_RIGHT_CONTROL);
    if (err == 0)
        p->holds++;
    spin_unlock(&cap_lock);
    if (err < 0) {
        for (int i = 0; i < IPC_POOL_MAX; i++)
            if (s->mapped & (1ul << i))
                vm_unmap(p, stack_base(s, i), size);
        kobj_free(KC_SERVICE, s);
        spin_lock(&p->lock);
        if (p->nservices == idx + 1) /* give the window back if no one came after */
            p->nservices--;
        spin_unlock(&p->lock);
    }
    return err;
}

long sys_connect(struct trap_frame *tf, struct proc *p)
{
    uint64_t va = tf->x[1], size = tf->x[2];
    unsigned sslot = tf->x[0] > UINT32_MAX ? UINT32_MAX : (unsigned)tf->x[0];
    unsigned dslot = tf->x[3] >= HM_CSPACE_SLOTS ? HM_CSPACE_SLOTS : (unsigned)tf->x[3];
    /* decode */
    if (size > HM_IPC_BUF_MAX || !IS_ALIGNED(size, PAGE_SIZE))
        return -HM_EINVAL;
    struct cap *c;
    spin_lock(&cap_lock);
    int err = cap_lookup(&p->cs, sslot, HM_CAP_SERVICE, HM_RIGHT_CALL, &c);
    struct service *s = err == 0 ? (struct service *)c->obj : NULL;
    if (err == 0)
        err = cspace_slot_free(&p->cs, dslot);
    if (err == 0 && s->server->dying)
        err = -HM_EPIPE;
    if (err == 0) {
        s->holds++;
        p->holds++;
    }
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
    /* invoke */
    struct conn *cn = kobj_alloc(KC_CONN);
    struct memobj *m = NULL;
    if (!cn) {
        err = -HM_ENOMEM;
        goto fail;
    }
    cn->obj.type = HM_CAP_CONN;
    cn->svc = s;
    cn->client = p;
    cn->buf_size = size;
    cn->badge = __atomic_add_fetch(&conn_badges, 1, __ATOMIC_RELAXED);
    if (size) {
        err = memobj_create(size, &m);
        if (err < 0)
            goto fail;
        /* The connection's own hold on the buffer, from the start: mapping
         * and unmapping it below can then never free it under us. */
        m->maps = 1;
#ifdef CONFIG_STAGE2
        if (s->ic0) { /* stage 2: the kernel reaches the buffer through the linear map */
            err = vm_map_mem(p, m, va, HM_PROT_READ | HM_PROT_WRITE);
            if (err < 0)
                goto fail;
            cn->buf = m;
            cn->client_va = va;
            cn->server_va = 0;
            goto connected;
        }
#endif
        struct proc *srv = s->server;
        spin_lock(&srv->lock);
        if (!srv->conn_window_next)
            srv->conn_window_next = CONN_WINDOWS;
        cn->server_va = srv->conn_window_next;
        srv->conn_window_next += size + PAGE_SIZE;
        bool room = srv->conn_window_next <= CONN_WINDOWS_END;
        spin_unlock(&srv->lock);
        err = room ? vm_map_mem(p, m, va, HM_PROT_READ | HM_PROT_WRITE) : -HM_ENOSPC;
        if (err < 0)
            goto fail;
        err = vm_map_mem(srv, m, cn->server_va, HM_PROT_READ | HM_PROT_WRITE);
        if (err < 0) {
            vm_unmap_mem_if(p, va, size, m);
            goto fail;
        }
        cn->buf = m;
        cn->client_va = va;
    }
#ifdef CONFIG_STAGE2
connected:
#endif
    spin_lock(&cap_lock);
    /* Derived from the service capability: revoking it removes the connection. */
    err = cap_derive(&p->cs, sslot, &p->cs, dslot, &cn->obj, HM_RIGHT_CALL, HM_RIGHT_CALL);
    cap_unlock();
    if (err == 0)
        return 0;
    if (cn->buf) {
        vm_unmap_mem_if(p, va, size, m);
        if (cn->server_va)
            vm_unmap_mem_if(s->server, cn->server_va, size, m);
        memobj_unhold(m);
        m = NULL;
    }
fail:
    if (m)
        memobj_unhold(m); /* the connection's hold; no capability: this frees it */
    if (cn)
        kobj_free(KC_CONN, cn);
    proc_put(p);
    svc_put(s);
    return err;
}

/* The capabilities in cs to the services of server p go (cap_lock held). */
static void forget_in(struct cspace *cs, struct proc *p)
{
    for (unsigned i = 0; cs->slots && i < cs->nslots; i++) {
        struct kobj *o = cs->slots[i].obj;
        if (o && o->type == HM_CAP_SERVICE && ((struct service *)o)->server == p)
            cap_delete(cs, i, &kobj_cap_ops);
    }
}

static void names_forget(struct proc *p)
{
    spin_lock(&cap_lock);
    struct service *mm = reclaimer;
    if (mm && mm->server == p)
        reclaimer = NULL; /* its hold is dropped below */
    else
        mm = NULL;
    if (names_ready)
        forget_in(&name_cs, p);
    for (unsigned h = 0; h < nname_holders;) {
        if (name_holders[h] == p) { /* a holder that ends (its table is gone already) */
            name_holders[h] = name_holders[--nname_holders];
            p->holds--; /* (p is not dead yet: its exit holds it) */
        } else {
            forget_in(&name_holders[h++]->cs, p);
        }
    }
    cap_unlock();
    if (mm)
        svc_put(mm);
}

static int user_name(struct proc *p, uint64_t s, uint64_t len, char *buf)
{
    if (len == 0 || len > HM_NAME_MAX)
        return -HM_EINVAL;
    int err = copy_from_user(p, buf, s, len);
    if (err < 0)
        return err;
    buf[len] = '\0';
    return memchr(buf, '\0', len) ? -HM_EINVAL : 0;
}

long sys_name_publish(struct trap_frame *tf, struct proc *p)
{
    char name[HM_NAME_MAX + 1];
    int err = user_name(p, tf->x[0], tf->x[1], name);
    if (err < 0)
        return err;
    unsigned slot = tf->x[2] > UINT32_MAX ? UINT32_MAX : (unsigned)tf->x[2];
    spin_lock(&cap_lock);
    names_init_locked();
    err = cap_lookup(&p->cs, slot, HM_CAP_SERVICE, HM_RIGHT_GRANT | HM_RIGHT_CALL, NULL);
    int free_i = -1;
    for (int i = 0; err == 0 && i < NAMES; i++) {
        if (!name_slots[i].obj) {
            if (free_i < 0)
                free_i = i;
        } else if (!strcmp(names[i], name)) {
            err = -HM_EEXIST;
        }
    }
    if (err == 0 && free_i < 0)
        err = -HM_ENOSPC;
    if (err == 0)
        err = cap_copy(&p->cs, slot, &name_cs, (unsigned)free_i, HM_RIGHT_CALL | HM_RIGHT_GRANT);
    if (err == 0)
        strlcpy(names[free_i], name, sizeof(names[free_i]));
    cap_unlock();
    return err;
}

long sys_name_lookup(struct trap_frame *tf, struct proc *p)
{
    char name[HM_NAME_MAX + 1];
    int err = user_name(p, tf->x[0], tf->x[1], name);
    if (err < 0)
        return err;
    unsigned slot = tf->x[2] >= HM_CSPACE_SLOTS ? HM_CSPACE_SLOTS : (unsigned)tf->x[2];
    spin_lock(&cap_lock);
    err = -HM_ENOENT;
    for (int i = 0; names_ready && i < NAMES; i++)
        if (name_slots[i].obj && !strcmp(names[i], name))
            err = cap_copy(&name_cs, (unsigned)i, &p->cs, slot, HM_RIGHT_CALL);
    cap_unlock();
    return err;
}

/* ---- the call ---------------------------------------------------------------------- */

/* Find a stack for t in s: returns the stack's top and fills f->stack,
 * f->reserve, f->stack_base; 0 if the pool is empty and cannot grow. */
static uint64_t take_stack(struct thread *t, struct service *s, struct call_frame *f)
{
    f->stack = -1;
    f->reserve = false;
    f->stack_base = 0;
    /* 1. The chain is already in this service (A -> B -> A): continue on
     *    that invocation's stack, below where it made its call. */
    /* LAB 1 TODO BEGIN: if an outer call of this chain is in service s, reuse its stack below its frame */
    for (int d = (int)t->depth - 1; d >= 0; d--) {
        if (t->calls[d].svc != s)
            continue;
        const struct trap_frame *out = d + 1 < (int)t->depth ?
                                               t->calls[d + 1].caller_tf :
                                               (const struct trap_frame *)f->caller_tf;
        uint64_t sp = ALIGN_DOWN(out->sp, 16) - 256;
        f->stack_base = t->calls[d].stack_base;
        /* At least 4 KiB left, or the call fails (-HM_ENOMEM) rather than
         * run into the guard page below the stack. */
        return sp > f->stack_base + 4096 ? sp : 0;
    }
    /* LAB 1 TODO END */
    /* 2. A stack bound to this thread. */
    for (int b = 0; b < IPC_BOUND_PER_THREAD; b++) {
        if (t->bound[b].svc == s) {
            f->stack_base = stack_base(s, t->bound[b].stack);
            return f->stack_base + s->stack_size;
        }
    }
    /* 3. The pool. */
    bool bound_now = false;
    spin_lock(&all_threads_lock); /* bindings (see ipc_thread_exit) */
    spin_lock(&s->lock);
    uint64_t avail = s->free & ~1ul;
    int i = avail ? __builtin_ctzl(avail) : -1;
    if (i > 0) {
        s->free &= ~(1ul << i);
        /* Frequently used services bind stacks to their callers: the next
         * call from this thread needs no pool operation at all. */
        int slot = -1;
        for (int b = 0; b < IPC_BOUND_PER_THREAD && slot < 0; b++)
            if (!t->bound[b].svc)
                slot = b;
        if (s->nbound < s->prebound_quota && slot >= 0) {
            s->nbound++;
            s->bound |= 1ul << i;
            t->bound[slot].svc = s;
            t->bound[slot].stack = i;
            bound_now = true;
        } else {
            f->stack = i;
        }
    }
    bool low = popcount(s->free & ~1ul) < IPC_POOL_LOW;
    spin_unlock(&s->lock);
    spin_unlock(&all_threads_lock);
    if (bound_now)
        svc_hold(s); /* the binding keeps the service (ipc_thread_exit drops it) */
    if (low)
        queue_pool_work(s);
    if (i <= 0)
        return 0;
    f->stack_base = stack_base(s, i);
    return f->stack_base + s->stack_size;
}

static void give_back_stack(struct service *s, const struct call_frame *f)
{
    if (f->reserve) {
        spin_lock(&s->lock);
        s->reserve_busy = false;
        spin_unlock(&s->lock);
        return;
    }
    if (f->stack < 0)
        return;
    spin_lock(&s->lock);
    s->free |= 1ul << f->stack;
    bool high = popcount(s->free & ~1ul) > IPC_POOL_HIGH;
    spin_unlock(&s->lock);
    if (high)
        queue_pool_work(s);
}

static bool take_reserve(struct service *s, struct call_frame *f)
{
    spin_lock(&s->lock);
    bool ok = !s->reserve_busy;
    if (ok)
        s->reserve_busy = true;
    spin_unlock(&s->lock);
    if (ok) {
        f->reserve = true;
        f->stack = -1;
        f->stack_base = stack_base(s, IPC_RESERVE_SLOT);
    }
    return ok;
}

/* Enter service s from the current thread: push frame f (filled in by the
 * caller except the bookkeeping done here) and go.  Never returns. */
static __noreturn void enter(struct thread *t, struct service *s, struct call_frame *f, uint64_t sp,
                             const uint64_t regs[8])
{
    struct proc *server = s->server;
    acct_charge(t); /* what ran so far was the caller's domain */
    f->svc = s;
    f->caller = t->proc;
    f->caller_tpidr = read_sysreg(tpidr_el0);
    f->caller_fp_trap = t->fp_trap;
    f->fp_used = false;
    f->server = server;
    /* Count in, full barrier, then look at dying (proc_try_teardown does
     * the mirror image): a dying server is left at once below. */
    __atomic_add_fetch(&server->nvisitors, 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (f->kind == CALL_USER)
        t->reclaim_tries = 0; /* the call got its stack */
    t->depth++;
    t->proc = server;
    sched_load_domain(server);
    t->fp_trap = true;
    sched_set_fp_trap(true);
    /* A reschedule due, or the server dying meanwhile: the general way in
     * (a frame right below the caller's, then the usual return to EL0). */
    if (unlikely(this_cpu()->need_resched || READ_ONCE(server->dying)))
        sched_user_return();
    /* Straight into the server (the general way: a frame right below the
     * caller's, then the usual return to EL0). */
    struct trap_frame *at = (struct trap_frame *)((uint64_t)f->caller_tf - TF_SIZE);
    ipc_enter_frame(at, regs, s->entry, sp);
}

static long do_call(struct trap_frame *tf, struct proc *p);

/*
 * The fast path of a call (seL4's idea: a fast path is a list of checks that
 * falls back to the general path): a connection in range, a stack already
 * bound to this thread in that service, no capability to grant, a chain
 * that has not visited the service yet, the server alive.  Everything else
 * is do_call()'s.  Both end in enter(); tests run both (the first call of a
 * thread takes the general path and binds the stack).
 */
static bool fast_call(struct trap_frame *tf, struct proc *p)
{
    struct thread *t = current();
    uint64_t slot = (uint32_t)tf->x[0], len = tf->x[5]; /* (the upper half: for the reply) */
    if (slot >= p->cs.nslots || (len >> 32) != HM_NO_SLOT || t->depth >= HM_IPC_MAX_DEPTH)
        return false;
    len &= 0xffffffffu;
    spin_lock(&cap_lock);
    const struct cap *c = &p->cs.slots[slot];
    const struct conn *cn = (const struct conn *)c->obj;
    bool ok =
            cn && cn->obj.type == HM_CAP_CONN && (c->rights & HM_RIGHT_CALL) && len <= cn->buf_size;
    struct service *s = ok ? cn->svc : NULL;
    uint64_t regs[8];
    struct call_frame *f = &t->calls[t->depth];
    if (ok) {
        regs[6] = cn->server_va;
        regs[7] = HM_NO_SLOT | ((uint64_t)cn->badge << 32);
        f->buf_size = cn->buf_size;
    }
    spin_unlock(&cap_lock);
    if (!ok || READ_ONCE(s->dead) || READ_ONCE(s->server->dying))
        return false;
    int b = -1;
    for (int i = 0; i < IPC_BOUND_PER_THREAD; i++)
        if (t->bound[i].svc == s)
            b = i;
    if (b < 0)
        return false;
    for (unsigned d = 0; d < t->depth; d++)
        if (t->calls[d].svc == s)
            return false; /* a chain back into this service: reuse its stack (slow path) */
    f->kind = CALL_USER;
    f->conn = NULL;
    f->held = false; /* the binding holds the service */
    f->caller_tf = tf;
    f->stack = -1;
    f->reserve = false;
    f->stack_base = stack_base(s, t->bound[b].stack);
    regs[0] = s->cookie;
    regs[1] = tf->x[1];
    regs[2] = tf->x[2];
    regs[3] = tf->x[3];
    regs[4] = tf->x[4];
    regs[5] = len;
    enter(t, s, f, f->stack_base + s->stack_size, regs);
}

long sys_call(struct trap_frame *tf, struct proc *p)
{
    fast_call(tf, p); /* returns only if the general path is needed */
    long r = do_call(tf, p);
    current()->reclaim_tries = 0;
    return r;
}

/* The memory ran out while looking for a stack: call the reclaimer on its
 * reserve stack; its reply retries the original call (sys_reply). */
static bool call_reclaimer(struct thread *t, struct trap_frame *tf, struct service *held)
{
    spin_lock(&cap_lock);
    struct service *mm = reclaimer;
    bool ok = mm && !mm->server->dying && t->depth < HM_IPC_MAX_DEPTH &&
              t->reclaim_tries < IPC_RECLAIM_TRIES;
    for (unsigned d = 0; ok && d < t->depth; d++)
        ok = t->calls[d].svc != mm; /* the manager itself ran out: no recursion */
    if (ok)
        mm->holds++;
    spin_unlock(&cap_lock);
    if (!ok)
        return false;
    struct call_frame *f = &t->calls[t->depth];
    f->kind = CALL_RECLAIM;
    f->conn = NULL;
    f->buf_size = 0;
    f->held = true;
    f->caller_tf = tf;
    if (!take_reserve(mm, f)) {
        svc_put(mm);
        return false;
    }
    t->reclaim_tries++;
    svc_put(held); /* the original call starts again from scratch after the reply */
    uint64_t regs[8] = { mm->cookie, 64 /* frames wanted */,
                         0,          0,
                         0,          0,
                         0,          HM_NO_SLOT | ((uint64_t)HM_RECLAIM_BADGE << 32) };
    enter(t, mm, f, f->stack_base + mm->stack_size, regs);
}

#ifdef CONFIG_STAGE3
bool ipc_fault_call(struct trap_frame *tf, struct service *s, uint64_t regs[8], enum call_kind kind)
{
    struct thread *t = current();
    if (t->depth >= HM_IPC_MAX_DEPTH)
        return false;
    struct call_frame *f = &t->calls[t->depth];
    f->kind = kind;
    f->conn = NULL;
    f->buf_size = 0;
    f->held = true;
    f->caller_tf = tf;
    uint64_t sp = take_stack(t, s, f);
    if (!sp && !f->reserve && t->depth && f->stack_base)
        return false; /* a reused stack that is full */
    if (!sp && pool_grow(s) == 0)
        sp = take_stack(t, s, f);
    if (!sp && take_reserve(s, f))
        sp = f->stack_base + s->stack_size;
    if (!sp)
        return false;
    regs[0] = s->cookie;
    enter(t, s, f, sp, regs);
}
#endif

/* A call's grant: a copy of the caller's capability in gslot into slot
 * gdst of `to` (a server's grant range, or the table the kernel keeps for
 * an IC1 domain), with grights (0: the source's).  Checked when the call
 * was decoded, but another thread of the caller's may have changed the
 * slot since: then its error, and nothing copied. */
static int grant_copy(struct proc *p, unsigned gslot, struct proc *to, unsigned gdst,
                      unsigned grights)
{
    struct cap *c;
    spin_lock(&cap_lock);
    int err = cap_lookup(&p->cs, gslot, HM_CAP_NONE, HM_RIGHT_GRANT, &c);
    if (err == 0)
        err = cap_copy(&p->cs, gslot, &to->cs, gdst, grights ? grights : c->rights);
    spin_unlock(&cap_lock);
    return err;
}

static long do_call(struct trap_frame *tf, struct proc *p)
{
    struct thread *t = current();
    unsigned cslot = (uint32_t)tf->x[0]; /* the upper half is the reply's (reply_grant()) */
    uint64_t len = tf->x[5] & 0xffffffffu;
    unsigned gslot = HM_GRANT_SLOT(tf->x[5] >> 32), grights = HM_GRANT_RIGHTS(tf->x[5] >> 32);
    /* decode: depth, connection, service alive, length, the grant */
    if (t->depth >= HM_IPC_MAX_DEPTH)
        return -HM_ELOOP;
    struct cap *c;
    spin_lock(&cap_lock);
    int err = cap_lookup(&p->cs, cslot, HM_CAP_CONN, HM_RIGHT_CALL, &c);
    struct conn *cn = err == 0 ? (struct conn *)c->obj : NULL;
    struct service *s = cn ? cn->svc : NULL;
    if (err == 0 && (s->dead || s->server->dying))
        err = -HM_EPIPE;
    if (err == 0 && len > cn->buf_size)
        err = -HM_EINVAL;
    unsigned gdst = HM_NO_SLOT;
    struct proc *gsrv = err == 0 ? s->server : NULL; /* whose grant range takes a grant */
#ifdef CONFIG_STAGE2
    /* stage 2: an in-kernel service takes one only if it is an IC1 domain
     * that holds capabilities (kept by the kernel for it, ic0_cap_holder()) */
    if (err == 0 && s->ic0)
        gsrv = ic0_cap_holder(s->ic0);
#endif
    if (err == 0 && gslot != HM_NO_SLOT) {
        /* The capability to grant: it must exist and be grantable, and the
         * server needs a free slot in its grant range. */
        err = gsrv ? cap_lookup(&p->cs, gslot, HM_CAP_NONE, HM_RIGHT_GRANT, &c) : -HM_EINVAL;
        if (err == 0 && (grights & ~c->rights))
            err = -HM_EPERM; /* never a silent reduction (cap_copy's rule) */
        for (unsigned i = HM_IPC_GRANT_SLOT_BASE; err == 0 && i < HM_CSPACE_SLOTS; i++) {
            if (cspace_slot_free(&gsrv->cs, i) == 0) {
                gdst = i;
                break;
            }
        }
        if (err == 0 && gdst == HM_NO_SLOT)
            err = -HM_ENOSPC;
    }
    if (err == 0)
        s->holds++;
    uint32_t badge = err == 0 ? cn->badge : 0;
#ifdef CONFIG_STAGE2
    /* IC0 with a shared buffer: held for the call (the connection may go) */
    struct memobj *ibuf = err == 0 && s->ic0 ? cn->buf : NULL;
    uint64_t ibuf_size = ibuf ? cn->buf_size : 0;
    if (ibuf)
        ibuf->maps++;
#endif
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
#ifdef CONFIG_STAGE2
    if (s->ic0) { /* stage 2, IC0: a direct function call */
        void *buf = ibuf ? (void *)pa_to_linear(ibuf->pa) : NULL;
        long status;
        if (gdst != HM_NO_SLOT) { /* to a domain that holds capabilities */
            status = grant_copy(p, gslot, gsrv, gdst, grights);
            if (status == 0)
                status = ic0_call_granted(tf, s, badge, buf, ibuf_size, gsrv, gdst);
        } else if (buf) {
            status = ic0_call_buf(tf, s, badge, buf, ibuf_size);
        } else {
            status = ic0_call(tf, s, badge);
        }
        if (ibuf)
            memobj_unhold(ibuf);
        svc_put(s);
        return status;
    }
#else
    (void)badge;
#endif
    /* a stack */
    struct call_frame *f = &t->calls[t->depth];
    f->kind = CALL_USER;
    f->conn = cn;
    f->buf_size = cn->buf_size;
    f->held = true;
    f->caller_tf = tf;
    uint64_t sp = take_stack(t, s, f);
    if (!sp && !f->reserve && t->depth && f->stack_base) {
        svc_put(s);
        return -HM_ENOMEM; /* a reused stack that is full */
    }
    if (!sp) {
        /* The pool is empty: grow it now; if memory has run out, have the
         * memory manager reclaim some (its reply retries this call); as a
         * last resort, take the service's own reserve stack. */
        int g = pool_grow(s);
        if (g == 0)
            sp = take_stack(t, s, f);
        if (!sp && g == -HM_ENOMEM)
            call_reclaimer(t, tf, s); /* returns only if it cannot (then s is still held) */
        if (!sp && take_reserve(s, f))
            sp = f->stack_base + s->stack_size;
        if (!sp) {
            svc_put(s);
            return -HM_ENOMEM;
        }
    }
    /* invoke: grant, then go */
    if (gdst != HM_NO_SLOT) {
        int gerr = grant_copy(p, gslot, gsrv, gdst, grights);
        if (gerr < 0) {
            give_back_stack(s, f);
            svc_put(s);
            return gerr;
        }
    }
    uint64_t regs[8] = { s->cookie, tf->x[1], tf->x[2],      tf->x[3],
                         tf->x[4],  len,      cn->server_va, gdst | ((uint64_t)cn->badge << 32) };
    enter(t, s, f, sp, regs);
}

/* Leave the current call: pop the frame, back to the caller's domain. */
static struct call_frame *pop_call(struct thread *t)
{
    struct call_frame *f = &t->calls[t->depth - 1];
    struct service *s = f->svc;
    struct proc *server = t->proc;
    acct_charge(t); /* the server's share of the time */
    give_back_stack(s, f);
    bool last_visitor = __atomic_sub_fetch(&server->nvisitors, 1, __ATOMIC_SEQ_CST) == 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    last_visitor = last_visitor && READ_ONCE(server->dying);
    t->depth--;
    t->proc = f->caller;
    sched_load_domain(f->caller);
    write_sysreg(tpidr_el0, f->caller_tpidr);
    if (f->fp_used)
        fp_zero(); /* nothing of the server's FP state reaches the caller */
    t->fp_trap = f->caller_fp_trap;
    sched_set_fp_trap(t->fp_trap);
    if (last_visitor)
        proc_try_teardown(server);
    if (f->held)
        svc_put(s);
    return f;
}

void syscall_dispatch(struct trap_frame *tf, unsigned imm);

/*
 * A capability in a reply (x5's grant word): a copy of the server's
 * capability in `gslot` goes into the slot the caller named for it
 * (`want`, its call's x0 upper half) if that is in its table and free,
 * otherwise into the first free slot of its grant range, with `rights`
 * (0: the source's); the caller gets that slot in x5's upper half.  With
 * HM_GRANT_MOVE the server's own is deleted (the copy takes its place in
 * the derivation tree): the server cannot clean up after its reply, which
 * ends the call.  This is how a server hands out capabilities (a name
 * server's look-up, stage 3).  Nothing changes if it fails: the server
 * gets the error and may reply again.
 */
static int reply_grant(struct proc *server, struct proc *caller, unsigned gslot, unsigned rights,
                       uint64_t want, unsigned *gdst)
{
    struct cap *c;
    bool move = rights & HM_GRANT_MOVE;
    rights &= ~HM_GRANT_MOVE;
    spin_lock(&cap_lock);
    int err = cap_lookup(&server->cs, gslot, HM_CAP_NONE, HM_RIGHT_GRANT, &c);
    if (err == 0 && !rights)
        rights = c->rights;
    if (err == 0)
        err = -HM_ENOSPC;
    if (err == -HM_ENOSPC && want && want < caller->cs.nslots &&
        cspace_slot_free(&caller->cs, (unsigned)want) == 0) {
        err = cap_copy(&server->cs, gslot, &caller->cs, (unsigned)want, rights);
        *gdst = (unsigned)want;
    }
    for (unsigned i = HM_IPC_GRANT_SLOT_BASE; err == -HM_ENOSPC && i < HM_CSPACE_SLOTS; i++) {
        if (cspace_slot_free(&caller->cs, i) == 0) {
            err = cap_copy(&server->cs, gslot, &caller->cs, i, rights);
            *gdst = i;
        }
    }
    if (err == 0 && move)
        cap_delete(&server->cs, gslot, &kobj_cap_ops); /* (the copy holds the object) */
    cap_unlock();
    return err;
}

int ipc_reply_grant(struct proc *server, struct proc *caller, unsigned word, uint64_t want,
                    unsigned *gdst)
{
    unsigned gslot = HM_GRANT_SLOT(word), grights = HM_GRANT_RIGHTS(word);
    if (gslot == 0 || gslot == HM_NO_SLOT)
        return grights ? -HM_EINVAL : 0;
    return reply_grant(server, caller, gslot, grights, want, gdst);
}

long sys_reply(struct trap_frame *tf, struct proc *p)
{
    struct thread *t = current();
    /* decode: a call to end, the length, the grant word */
    if (t->depth == 0)
        return -HM_EINVAL;
    struct call_frame *f = &t->calls[t->depth - 1];
    uint64_t len = tf->x[5];
    unsigned word = (unsigned)(len >> 32), gdst = 0; /* most replies grant nothing: one test */
    if (unlikely(word)) {
        unsigned gslot = HM_GRANT_SLOT(word);
        len &= 0xffffffffu;
        /* only a process's call can take a capability back (not the
         * kernel's calls: a page fault, a reclaim); the rest of the word
         * is ipc_reply_grant()'s to check */
        if (len > f->buf_size || (f->kind != CALL_USER && gslot != 0 && gslot != HM_NO_SLOT))
            return -HM_EINVAL;
        int err = ipc_reply_grant(p, f->caller, word, f->caller_tf->x[0] >> 32, &gdst);
        if (err < 0)
            return err;
    } else if (len > f->buf_size) {
        return -HM_EINVAL;
    }
    /* invoke (tf, the server's frame, stays readable: nothing reuses it before we return) */
    pop_call(t);
    struct trap_frame *out = f->caller_tf;
    if (f->kind == CALL_RECLAIM) {
        /* The memory manager has reclaimed what it could: run the original
         * call again from the start (it changed nothing the first time). */
        syscall_dispatch(out, HM_SVC_NATIVE);
#ifdef CONFIG_STAGE3
    } else if (f->kind == CALL_FAULT) {
        pager_replied(out, (long)tf->x[0]); /* returns if the instruction may run again */
    } else if (f->kind == CALL_FAULT_SYSCALL) {
        pager_replied_syscall(out, (long)tf->x[0]); /* the system call again, or -HM_EFAULT */
#endif
    } else {
        /* LAB 1 TODO BEGIN: the reply (status, 4 words, length) goes into the caller's saved x0..x5 */
        for (int i = 0; i <= 5; i++)
            out->x[i] = tf->x[i];
        /* LAB 1 TODO END */
        if (unlikely(word))
            out->x[5] = len | (uint64_t)gdst << 32; /* the granted slot, if any (0: none) */
    }
    sched_user_return();
    ipc_return_to(out);
}

void ipc_unwind(int err)
{
    struct thread *t = current();
    BUG_ON(t->depth == 0);
    struct call_frame *f = pop_call(t);
    /* It was interrupted because the server died; back in a live domain it
     * may block again (unless its own process is dying too). */
    if (!proc_dying(t->home))
        thread_clear_interrupt(t);
    struct trap_frame *out = f->caller_tf;
    if (f->kind == CALL_RECLAIM) {
        syscall_dispatch(out, HM_SVC_NATIVE); /* retry; it fails cleanly if it must */
#ifdef CONFIG_STAGE3
    } else if (f->kind == CALL_FAULT) {
        pager_replied(out, err); /* the pager died: the faulting process ends */
    } else if (f->kind == CALL_FAULT_SYSCALL) {
        pager_replied_syscall(out, err); /* the system call fails with -HM_EFAULT */
#endif
    } else {
        out->x[0] = (uint64_t)(int64_t)err;
        out->x[1] = out->x[2] = out->x[3] = out->x[4] = out->x[5] = 0;
    }
    sched_user_return(); /* may unwind further if the caller is dying too */
    ipc_return_to(out);
}

bool ipc_fp_trap(void)
{
    struct thread *t = current();
    if (!t->fp_trap || t->depth == 0)
        return false;
    fp_zero();
    t->calls[t->depth - 1].fp_used = true;
    t->fp_trap = false;
    sched_set_fp_trap(false);
    return true;
}

/* Bindings are changed by their thread and by unbind_dead() (another
 * thread, when a server dies): both under all_threads_lock. */
void ipc_thread_exit(struct thread *t)
{
    struct service *drop[IPC_BOUND_PER_THREAD];
    unsigned n = 0;
    spin_lock(&all_threads_lock);
    for (int b = 0; b < IPC_BOUND_PER_THREAD; b++) {
        struct service *s = t->bound[b].svc;
        if (!s)
            continue;
        spin_lock(&s->lock);
        s->bound &= ~(1ul << t->bound[b].stack);
        s->free |= 1ul << t->bound[b].stack;
        s->nbound--;
        spin_unlock(&s->lock);
        t->bound[b].svc = NULL;
        drop[n++] = s;
    }
    spin_unlock(&all_threads_lock);
    for (unsigned i = 0; i < n; i++)
        svc_put(drop[i]);
}

/* The server p has died: threads bound to stacks of its services let go,
 * so the services (and p) can be freed. */
static void unbind_dead(struct proc *p)
{
    for (;;) {
        struct service *drop = NULL;
        struct list *pos;
        spin_lock(&all_threads_lock);
        list_for_each(pos, &all_threads)
        {
            struct thread *t = list_entry(pos, struct thread, all_node);
            for (int b = 0; b < IPC_BOUND_PER_THREAD && !drop; b++) {
                if (t->bound[b].svc && t->bound[b].svc->server == p) {
                    drop = t->bound[b].svc;
                    t->bound[b].svc = NULL;
                }
            }
            if (drop)
                break;
        }
        spin_unlock(&all_threads_lock);
        if (!drop)
            return;
        svc_put(drop);
    }
}

/* ---- the rest of the interface --------------------------------------------------- */

long sys_account(struct trap_frame *tf, struct proc *p)
{
    (void)p;
    struct thread *t = current();
    struct proc *home = t->home;
    acct_charge(t);
    uint64_t freq = read_sysreg(cntfrq_el0);
    /* Ended threads are summed in the process; add the live ones. */
    uint64_t cpu = READ_ONCE(home->acct_cpu), srv = READ_ONCE(home->acct_cpu_servers);
    struct list *pos;
    spin_lock(&home->lock);
    list_for_each(pos, &home->threads)
    {
        const struct thread *o = list_entry(pos, struct thread, proc_node);
        if (!o->exited) {
            cpu += READ_ONCE(o->acct_cpu);
            srv += READ_ONCE(o->acct_srv);
        }
    }
    spin_unlock(&home->lock);
    switch (tf->x[0]) {
    case HM_ACCT_CPU_NS:
        return (long)((__uint128_t)cpu * 1000000000u / freq);
    case HM_ACCT_CPU_NS_SERVERS:
        return (long)((__uint128_t)srv * 1000000000u / freq);
    case HM_ACCT_MEM_PAGES:
        return (long)home->acct_mem_pages;
    case HM_ACCT_MEM_PAGES_TOTAL:
        return (long)home->acct_mem_pages_total;
    default:
        return -HM_EINVAL;
    }
}

long sys_set_reclaimer(struct trap_frame *tf, struct proc *p)
{
    struct cap *c;
    unsigned slot = tf->x[0] > UINT32_MAX ? UINT32_MAX : (unsigned)tf->x[0];
    spin_lock(&cap_lock);
    int err = cap_lookup(&p->cs, slot, HM_CAP_SERVICE, HM_RIGHT_CONTROL, &c);
    struct service *old = NULL;
    /* One memory manager for the system: the first live one keeps the role
     * (stage 3's memory manager is started by init before anyone else). */
    if (err == 0 && (((struct service *)c->obj)->server->dying ||
                     (reclaimer && !reclaimer->server->dying && reclaimer->server != p)))
        err = -HM_EBUSY;
    if (err == 0) {
        struct service *s = (struct service *)c->obj;
        s->holds++;
        old = reclaimer;
        reclaimer = s;
    }
    spin_unlock(&cap_lock);
    if (old)
        svc_put(old);
    return err;
}

long sys_ipc_info(struct trap_frame *tf, struct proc *p)
{
    (void)p;
    struct thread *t = current();
    const struct call_frame *f = t->depth ? &t->calls[t->depth - 1] : NULL;
    switch (tf->x[0]) {
    case HM_IPCI_DEPTH:
        return t->depth;
    case HM_IPCI_ROOT_PID:
        return t->home->pid;
    case HM_IPCI_PID:
        return t->proc->pid;
    case HM_IPCI_CALLER_PID:
        return f ? (long)f->caller->pid : -HM_EINVAL;
    case HM_IPCI_STACK_BASE:
        return f ? (long)f->stack_base : -HM_EINVAL;
    case HM_IPCI_POOL_FREE:
        return f ? (long)popcount(READ_ONCE(f->svc->free) & ~1ul) : -HM_EINVAL;
    case HM_IPCI_POOL_MAPPED:
        return f ? (long)popcount(READ_ONCE(f->svc->mapped)) : -HM_EINVAL;
    default:
        return -HM_EINVAL;
    }
}

/* ---- the fast paths ---------------------------------------------------------------
 *
 * trap_entry() tries these first for `svc #1` with HM_SYS_CALL / HM_SYS_REPLY.
 * Each is a list of checks; if any fails it returns and the general path
 * (syscall_dispatch -> sys_call / sys_reply) does the work, with the same
 * result.  Everything they call is inlined: no locks but one, no function
 * calls on the way, no frame for the server (ipc_eret_server).
 */

static inline __attribute__((always_inline)) void fast_space(struct cpu *c, struct proc *p)
{
    write_sysreg(ttbr0_el1, p->pt.root | ((uint64_t)p->asid << 48));
    isb();
    c->space = p;
}

static inline __attribute__((always_inline)) void fast_fp_trap(struct cpu *c, bool trap)
{
    if (c->fp_trap != trap) {
        write_sysreg(cpacr_el1, trap ? (1ul << 20) : (3ul << 20));
        isb();
        c->fp_trap = trap;
    }
}

static inline __attribute__((always_inline)) void fast_acct(struct thread *t)
{
    uint64_t now = read_sysreg(cntpct_el0), d = now - t->acct_since;
    t->acct_cpu += d;
    if (t->depth)
        t->acct_srv += d;
    t->acct_since = now;
}

/* No frame pointer: these leave the kernel (eret) instead of returning,
 * and every instruction counts on this path. */
__attribute__((optimize("omit-frame-pointer"))) void ipc_fast_call(struct trap_frame *tf)
{
    struct cpu *c = this_cpu();
    struct thread *t = c->curr;
    struct proc *p = t->proc;
    uint64_t slot = (uint32_t)tf->x[0], len = tf->x[5]; /* (the upper half: for the reply) */
    unsigned depth = t->depth;
    if (slot >= HM_CSPACE_SLOTS || (len >> 32) != HM_NO_SLOT || depth >= HM_IPC_MAX_DEPTH ||
        c->need_resched)
        return;
    len &= 0xffffffffu;
    struct call_frame *f = &t->calls[depth];
    spin_lock(&cap_lock);
    const struct cap *cp = &p->cs.slots[slot];
    const struct conn *cn = (const struct conn *)cp->obj;
    if (!cn || cn->obj.type != HM_CAP_CONN || !(cp->rights & HM_RIGHT_CALL) || len > cn->buf_size) {
        spin_unlock(&cap_lock);
        return;
    }
    struct service *s = cn->svc;
    uint64_t server_va = cn->server_va, badge = cn->badge;
    f->buf_size = cn->buf_size;
#ifdef CONFIG_STAGE2
    /* read while the connection (and so s) is held; a shared buffer is
     * held for the call (the connection may go meanwhile) */
    bool ic0 = s->ic0 != NULL;
    struct memobj *ibuf = ic0 ? cn->buf : NULL;
    if (ibuf)
        ibuf->maps++;
#endif
    spin_unlock(&cap_lock);
#ifdef CONFIG_STAGE2
    /* Stage 2, IC0 (and IC1, behind it): a direct function call.  IC0
     * services are never freed (the kernel publishes them for good), so s
     * is safe to use here; no grant reaches this path (checked above), as
     * the slow path requires.  Checked before the binding search, which an
     * IC0 service would scan to the end: this costs IC2 calls 3
     * instructions and saves IC0 calls 31.  With a buffer, the general
     * path cost a file fault through an IC0 or IC1 file system some 500
     * instructions more. */
    if (ic0) {
        if (ibuf) {
            tf->x[0] = (uint64_t)ic0_call_buf(tf, s, (uint32_t)badge,
                                              (void *)pa_to_linear(ibuf->pa), f->buf_size);
            memobj_unhold(ibuf);
        } else {
            tf->x[0] = (uint64_t)ic0_call(tf, s, (uint32_t)badge);
        }
        ipc_return_to(tf);
    }
#endif
    int b = 0; /* a binding holds s: check it before touching s (IC0 services have none) */
    while (b < IPC_BOUND_PER_THREAD && t->bound[b].svc != s)
        b++;
    if (b == IPC_BOUND_PER_THREAD)
        return;
    struct proc *server = s->server;
    for (unsigned d = 0; d < depth; d++)
        if (t->calls[d].svc == s)
            return;
    /* invoke */
    fast_acct(t);
    f->kind = CALL_USER;
    f->conn = NULL;
    f->held = false;
    f->caller_tf = tf;
    f->stack = -1;
    f->reserve = false;
    f->stack_base = stack_base(s, t->bound[b].stack);
    f->svc = s;
    f->caller = p;
    f->caller_tpidr = read_sysreg(tpidr_el0);
    f->caller_fp_trap = t->fp_trap;
    f->fp_used = false;
    f->server = server;
    /* Count in, full barrier, check dying (see enter()). */
    __atomic_add_fetch(&server->nvisitors, 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (unlikely(READ_ONCE(server->dying))) {
        if (__atomic_sub_fetch(&server->nvisitors, 1, __ATOMIC_SEQ_CST) == 0)
            proc_try_teardown(server);
        return; /* the general path answers -HM_EPIPE */
    }
    t->depth = depth + 1;
    t->proc = server;
    fast_space(c, server);
    t->fp_trap = true;
    fast_fp_trap(c, true);
    ipc_eret_server(s->cookie, tf, s->entry, f->stack_base + s->stack_size, len, server_va,
                    HM_NO_SLOT | (badge << 32));
}

__attribute__((optimize("omit-frame-pointer"))) void ipc_fast_reply(struct trap_frame *tf)
{
    struct cpu *c = this_cpu();
    struct thread *t = c->curr;
    unsigned depth = t->depth;
    if (depth == 0 || c->need_resched)
        return;
    struct call_frame *f = &t->calls[depth - 1];
    struct proc *server = t->proc, *caller = f->caller;
    if (f->kind != CALL_USER || f->held || f->stack >= 0 || f->reserve || tf->x[5] > f->buf_size ||
        READ_ONCE(server->dying) || READ_ONCE(caller->dying))
        return;
    /* invoke */
    fast_acct(t);
    if (unlikely(__atomic_sub_fetch(&server->nvisitors, 1, __ATOMIC_SEQ_CST) == 0)) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (READ_ONCE(server->dying)) /* killed just now: we were its last visitor */
            proc_try_teardown(server);
    }
    t->depth = depth - 1;
    t->proc = caller;
    fast_space(c, caller);
    write_sysreg(tpidr_el0, f->caller_tpidr);
    if (f->fp_used)
        fp_zero();
    t->fp_trap = f->caller_fp_trap;
    fast_fp_trap(c, t->fp_trap);
    struct trap_frame *out = f->caller_tf;
    __builtin_memcpy(out->x, tf->x, 6 * sizeof(uint64_t)); /* x0..x5: status, words, length */
    ipc_return_to(out);
}
