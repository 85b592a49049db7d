// SPDX-License-Identifier: MIT
/*
 * sched.c - threads and the per-CPU preemptive priority round-robin scheduler.
 *
 * See sched.h for the model.  The protocol that makes blocking safe on SMP:
 * a thread going to sleep puts itself on the wait queue and sets its state
 * to T_BLOCKED while holding first the wait-queue lock and then its
 * run-queue lock; it lets go of the wait-queue lock only then, and of the
 * run-queue lock only after it has switched away (the next thread releases
 * it in sched_finish_switch()).  A waker needs both locks in the same order,
 * so it can neither miss the sleeper nor make it runnable while its
 * registers are still being saved.
 */
#include <kernel.h>
#include <drivers.h>
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>

struct cpu cpus[CONFIG_NR_CPUS];
unsigned ncpus_online;
static unsigned tid_next = 1;
static unsigned cpu_rr; /* round robin over CPUs for threads with no affinity */

void waitq_init(struct waitq *wq)
{
    wq->lock = (spinlock_t)SPINLOCK_INIT;
    list_init(&wq->head);
}

/* ---- run queues (caller holds c->rq_lock) ------------------------------ */

static void rq_push(struct cpu *c, struct thread *t)
{
    list_add_tail(&c->rq[t->prio], &t->rq_node);
    c->rq_bitmap |= 1ul << t->prio;
    c->nr_runnable++;
}

static struct thread *rq_pop(struct cpu *c)
{
    if (!c->rq_bitmap)
        return NULL;
    unsigned prio = 63 - (unsigned)__builtin_clzl(c->rq_bitmap);
    struct thread *t = list_entry(c->rq[prio].next, struct thread, rq_node);
    list_del(&t->rq_node);
    if (list_empty(&c->rq[prio]))
        c->rq_bitmap &= ~(1ul << prio);
    c->nr_runnable--;
    return t;
}

static void send_resched(struct cpu *c)
{
    if (c != this_cpu())
        gicv2_send_sgi(SGI_RESCHED, c->gic_mask);
}

/* t became runnable on its CPU; preempt what runs there if t is more urgent. */
static bool make_runnable_locked(struct cpu *c, struct thread *t)
{
    t->state = T_RUNNABLE;
    rq_push(c, t);
    if (c->curr == c->idle || t->prio > c->curr->prio) {
        c->need_resched = true;
        return true;
    }
    return false;
}

/* ---- switching ----------------------------------------------------------- */

static paddr_t empty_ttbr0;

/* Load the address space `p` (NULL: the empty one) on this CPU if it is
 * not the one loaded already.  Kernel threads run on an empty TTBR0 (ASID
 * 0), so no CPU keeps walking the tables of a process being torn down. */
static void load_space(struct cpu *c, struct proc *p)
{
    if (c->space == p)
        return;
    write_sysreg(ttbr0_el1, p ? proc_ttbr0(p) : empty_ttbr0);
    isb();
    c->space = p;
}

void sched_set_fp_trap(bool trap)
{
    struct cpu *c = this_cpu();
    if (c->fp_trap == trap)
        return;
    /* CPACR_EL1.FPEN: 0b11 no trap, 0b01 trap at EL0 only (D19.2.30). */
    write_sysreg(cpacr_el1, trap ? (1ul << 20) : (3ul << 20));
    isb();
    c->fp_trap = trap;
}

void sched_load_domain(struct proc *p)
{
    load_space(this_cpu(), p);
}

void acct_charge(struct thread *t)
{
    uint64_t now = read_sysreg(cntpct_el0);
    uint64_t d = now - t->acct_since;
    t->acct_cpu += d;
    if (t->depth)
        t->acct_srv += d;
    t->acct_since = now;
}

struct list all_threads = LIST_INIT(all_threads);
spinlock_t all_threads_lock = SPINLOCK_INIT;

static void switch_to(struct cpu *c, struct thread *prev, struct thread *next)
{
    c->curr = next;
    acct_charge(prev);
    next->acct_since = read_sysreg(cntpct_el0);
    if (prev->proc) {
        fp_save(&prev->fp);
        prev->tpidr_el0 = read_sysreg(tpidr_el0);
    }
    if (next->proc) {
        fp_restore(&next->fp);
        write_sysreg(tpidr_el0, next->tpidr_el0);
    }
    load_space(c, next->proc);
    sched_set_fp_trap(next->fp_trap);
    cpu_switch(&prev->ctx, &next->ctx);
}

static void reap(struct thread *t);

/* Runs first in every thread that was just switched to. */
void sched_finish_switch(void);
void sched_finish_switch(void)
{
    struct cpu *c = this_cpu();
    struct thread *dead = c->reap;
    c->reap = NULL;
    spin_unlock(&c->rq_lock);
    if (dead)
        reap(dead);
}

/* Pick the next thread and switch.  Called with c->rq_lock held; returns
 * (in the same thread, later) with it released. */
static void schedule_locked(struct cpu *c)
{
    struct thread *prev = c->curr;
    if (prev->state == T_RUNNING) {
        prev->state = T_RUNNABLE;
        if (prev != c->idle)
            rq_push(c, prev);
    }
    struct thread *next = rq_pop(c);
    if (!next)
        next = c->idle;
    next->state = T_RUNNING;
    if (next->slice == 0)
        next->slice = SLICE_TICKS;
    c->need_resched = false;
    if (next == prev) {
        spin_unlock(&c->rq_lock);
        return;
    }
    if (prev->state == T_DEAD)
        c->reap = prev;
    switch_to(c, prev, next);
    sched_finish_switch();
}

void sched_yield(void)
{
    struct cpu *c = this_cpu();
    spin_lock(&c->rq_lock);
    c->curr->slice = SLICE_TICKS;
    schedule_locked(c);
}

/* ---- blocking and waking -------------------------------------------------- */

int thread_block(struct waitq *wq)
{
    struct cpu *c = this_cpu();
    struct thread *t = c->curr;
    spin_lock(&c->rq_lock);
    if (t->intr) { /* interrupted before it could block: do not */
        spin_unlock(&c->rq_lock);
        spin_unlock(&wq->lock);
        return -HM_EINTR;
    }
    list_add_tail(&wq->head, &t->rq_node);
    t->waiting = wq;
    t->wake_result = 0;
    t->state = T_BLOCKED;
    spin_unlock(&wq->lock);
    schedule_locked(c);
    return t->wake_result;
}

/* Caller holds t->waiting->lock. */
static void wake_waiter(struct thread *t, int result)
{
    list_del(&t->rq_node);
    t->waiting = NULL;
    t->wake_result = result;
    struct cpu *c = &cpus[t->cpu];
    spin_lock(&c->rq_lock);
    bool kick = t->state == T_BLOCKED && make_runnable_locked(c, t);
    spin_unlock(&c->rq_lock);
    if (kick)
        send_resched(c);
}

unsigned waitq_wake_all(struct waitq *wq, int result)
{
    unsigned n = 0;
    spin_lock(&wq->lock);
    while (!list_empty(&wq->head)) {
        wake_waiter(list_entry(wq->head.next, struct thread, rq_node), result);
        n++;
    }
    spin_unlock(&wq->lock);
    return n;
}

void thread_clear_interrupt(struct thread *t)
{
    struct cpu *c = &cpus[t->cpu];
    spin_lock(&c->rq_lock);
    t->intr = false;
    spin_unlock(&c->rq_lock);
}

void thread_interrupt(struct thread *t)
{
    /* First make it sticky, so a thread that is about to block does not
     * (thread_block/thread_sleep check it under the same lock). */
    struct cpu *rc = &cpus[t->cpu];
    spin_lock(&rc->rq_lock);
    t->intr = true;
    spin_unlock(&rc->rq_lock);
    struct waitq *wq = READ_ONCE(t->waiting);
    if (wq) {
        spin_lock(&wq->lock);
        if (t->waiting == wq)
            wake_waiter(t, -HM_EINTR);
        spin_unlock(&wq->lock);
        return;
    }
    struct cpu *c = &cpus[t->cpu];
    spin_lock(&c->rq_lock);
    bool kick = false;
    if (t->wake_at) {
        list_del(&t->sleep_node);
        t->wake_at = 0;
        t->wake_result = -HM_EINTR;
        kick = make_runnable_locked(c, t);
    } else if (t->state == T_RUNNING && c != this_cpu()) {
        kick = true; /* running at EL0 elsewhere: make it enter the kernel */
        c->need_resched = true;
    }
    spin_unlock(&c->rq_lock);
    if (kick)
        send_resched(c);
}

int thread_sleep(uint64_t ns)
{
    struct cpu *c = this_cpu();
    struct thread *t = c->curr;
    uint64_t freq = read_sysreg(cntfrq_el0);
    uint64_t delta = (uint64_t)(((__uint128_t)ns * freq + 999999999u) / 1000000000u);
    if (delta == 0)
        delta = 1;
    spin_lock(&c->rq_lock);
    if (t->intr) {
        spin_unlock(&c->rq_lock);
        return -HM_EINTR;
    }
    t->wake_at = read_sysreg(cntpct_el0) + delta;
    t->wake_result = 0;
    list_add_tail(&c->sleepers, &t->sleep_node);
    t->state = T_BLOCKED;
    schedule_locked(c);
    return t->wake_result;
}

/* ---- the tick --------------------------------------------------------------- */

void sched_tick(void)
{
    struct cpu *c = this_cpu();
    uint64_t now = read_sysreg(cntpct_el0);
    struct list *pos, *tmp;
    spin_lock(&c->rq_lock);
    c->ticks++;
    list_for_each_safe(pos, tmp, &c->sleepers)
    {
        struct thread *t = list_entry(pos, struct thread, sleep_node);
        if (t->wake_at <= now) {
            list_del(&t->sleep_node);
            t->wake_at = 0;
            make_runnable_locked(c, t);
        }
    }
    struct thread *cur = c->curr;
    if (cur != c->idle && cur->slice > 0 && --cur->slice == 0 && c->nr_runnable > 0)
        c->need_resched = true;
    spin_unlock(&c->rq_lock);
    if (c->id == 0)
        notify_tick(); /* the kernel timers of notifications */
}

void sched_set_priority(struct thread *t, unsigned prio)
{
    struct cpu *c = &cpus[t->cpu];
    spin_lock(&c->rq_lock);
    if (t->state == T_RUNNABLE && t != c->idle) {
        list_del(&t->rq_node);
        if (list_empty(&c->rq[t->prio]))
            c->rq_bitmap &= ~(1ul << t->prio);
        c->nr_runnable--;
        t->prio = prio;
        make_runnable_locked(c, t);
    } else {
        t->prio = prio;
        if (t == c->curr)
            c->need_resched = true; /* a lower priority may now have to yield */
    }
    spin_unlock(&c->rq_lock);
}

void sched_ipi(void)
{
    this_cpu()->need_resched = true;
}

void sched_user_return(void)
{
    struct cpu *c = this_cpu();
    for (;;) {
        struct thread *t = c->curr;
        if (t->depth && proc_dying(t->proc))
            ipc_unwind(-HM_EPIPE); /* the server we are in is dying */
        if (!t->depth && t->home && proc_dying(t->home))
            thread_exit();
        if (!READ_ONCE(c->need_resched))
            return;
        spin_lock(&c->rq_lock);
        schedule_locked(c);
    }
}

bool sched_current_stack(uint64_t *lo, uint64_t *hi)
{
    uint64_t tp = read_sysreg(tpidr_el1);
    if (tp < (uint64_t)cpus || tp >= (uint64_t)(cpus + CONFIG_NR_CPUS))
        return false; /* before the scheduler exists on this CPU */
    struct thread *t = ((struct cpu *)tp)->curr;
    if (!t || !t->kstack) {
        return false; /* kinit and secondary idle threads: boot stacks */
    }
    *lo = (uint64_t)phys_to_virt(t->kstack);
    *hi = *lo + KSTACK_SIZE;
    return true;
}

uint64_t sched_total_ticks(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < CONFIG_NR_CPUS; i++)
        n += READ_ONCE(cpus[i].ticks);
    return n;
}

unsigned sched_next_cpu(void)
{
    unsigned n = __atomic_fetch_add(&cpu_rr, 1, __ATOMIC_RELAXED);
    return n % ncpus_online;
}

/* ---- thread creation and end ------------------------------------------------ */

static struct thread *thread_alloc(unsigned cpu, unsigned prio, const char *name)
{
    struct thread *t = kobj_alloc(KC_THREAD);
    if (!t)
        return NULL;
    t->kstack = frame_alloc(KSTACK_ORDER);
    if (!t->kstack) {
        kobj_free(KC_THREAD, t);
        return NULL;
    }
    t->obj.type = HM_CAP_THREAD;
    t->cpu = cpu;
    t->prio = prio;
    t->state = T_BLOCKED; /* not yet started */
    t->tid = __atomic_fetch_add(&tid_next, 1, __ATOMIC_RELAXED);
    list_init(&t->rq_node);
    list_init(&t->sleep_node);
    list_init(&t->proc_node);
    waitq_init(&t->exitq);
    t->fp.fpcr = 0;
    strlcpy(t->name, name, sizeof(t->name));
    spin_lock(&all_threads_lock);
    list_add_tail(&all_threads, &t->all_node);
    spin_unlock(&all_threads_lock);
    return t;
}

void thread_discard(struct thread *t)
{
    spin_lock(&all_threads_lock);
    list_del(&t->all_node);
    spin_unlock(&all_threads_lock);
    frame_free(t->kstack, KSTACK_ORDER);
    kobj_free(KC_THREAD, t);
}

static uint64_t kstack_top(const struct thread *t)
{
    return (uint64_t)phys_to_virt(t->kstack) + KSTACK_SIZE;
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg, unsigned cpu, unsigned prio,
                                    const char *name)
{
    struct thread *t = thread_alloc(cpu, prio, name);
    if (!t)
        return NULL;
    t->ctx.x19 = (uint64_t)fn;
    t->ctx.x20 = (uint64_t)arg;
    t->ctx.lr = (uint64_t)thread_trampoline_kernel;
    t->ctx.sp = kstack_top(t);
    return t;
}

struct thread *thread_create_user(struct proc *p, uint64_t entry, uint64_t sp, uint64_t arg,
                                  unsigned cpu, unsigned prio)
{
    struct thread *t = thread_alloc(cpu, prio, p->name);
    if (!t)
        return NULL;
    t->proc = t->home = p;
    struct trap_frame *tf = (struct trap_frame *)(kstack_top(t) - TF_SIZE);
    memset(tf, 0, sizeof(*tf));
    tf->x[0] = arg;
    tf->elr = entry;
    tf->sp = sp;
    tf->spsr = 0; /* EL0t, interrupts unmasked */
    t->ctx.lr = (uint64_t)thread_trampoline_user;
    t->ctx.sp = (uint64_t)tf;
    return t;
}

void thread_set_user_reg(struct thread *t, unsigned reg, uint64_t v)
{
    struct trap_frame *tf = (struct trap_frame *)(kstack_top(t) - TF_SIZE);
    tf->x[reg] = v;
}

void sched_start(struct thread *t)
{
    struct cpu *c = &cpus[t->cpu];
    spin_lock(&c->rq_lock);
    t->slice = SLICE_TICKS;
    bool kick = make_runnable_locked(c, t);
    spin_unlock(&c->rq_lock);
    if (kick)
        send_resched(c);
}

void thread_exit(void)
{
    struct cpu *c = this_cpu();
    struct thread *t = c->curr;
    BUG_ON(t->depth != 0); /* a thread in a call returns to its caller first */
    if (t->home) {
        acct_charge(t); /* its CPU time stays with its process */
        __atomic_fetch_add(&t->home->acct_cpu, t->acct_cpu, __ATOMIC_RELAXED);
        __atomic_fetch_add(&t->home->acct_cpu_servers, t->acct_srv, __ATOMIC_RELAXED);
        /* Off the process's page tables before it may tear them down. */
        load_space(c, NULL);
        ipc_thread_exit(t);
        proc_thread_exit(t);
    }
    spin_lock(&t->exitq.lock);
    t->exited = true;
    spin_unlock(&t->exitq.lock);
    waitq_wake_all(&t->exitq, 0);
    spin_lock(&c->rq_lock);
    t->state = T_DEAD;
    schedule_locked(c);
    panic("thread_exit: a dead thread was scheduled");
}

/* After the switch away from a dead thread: its stack can go. */
static void reap(struct thread *t)
{
    spin_lock(&all_threads_lock);
    list_del(&t->all_node);
    spin_unlock(&all_threads_lock);
    frame_free(t->kstack, KSTACK_ORDER);
    t->kstack = 0;
    proc_thread_reaped(t); /* may free t */
}

static void idle_entry(void *arg);

/* ---- per-CPU start --------------------------------------------------------- */

void sched_init_cpu(unsigned id, struct thread *boot, const char *name, bool is_idle)
{
    struct cpu *c = &cpus[id];
    c->id = id;
    for (unsigned p = 0; p < NR_PRIO; p++)
        list_init(&c->rq[p]);
    list_init(&c->sleepers);
    write_sysreg(tpidr_el1, c);
    if (!empty_ttbr0)
        empty_ttbr0 = mmu_empty_ttbr0();
    /* The flow that called us becomes a thread; its stack is the boot stack. */
    memset(boot, 0, sizeof(*boot));
    boot->cpu = id;
    boot->prio = HM_PRIO_DEFAULT;
    boot->state = T_RUNNING;
    boot->slice = SLICE_TICKS;
    list_init(&boot->rq_node);
    list_init(&boot->sleep_node);
    list_init(&boot->proc_node);
    waitq_init(&boot->exitq);
    strlcpy(boot->name, name, sizeof(boot->name));
    c->curr = boot;
    struct thread *idle = boot;
    if (!is_idle) {
        idle = thread_create_kernel(idle_entry, NULL, id, 0, "idle");
        if (!idle)
            panic("sched: no memory for the idle thread of CPU %u", id);
    } else {
        boot->prio = 0;
    }
    c->idle = idle;
    c->online = true;
    __atomic_fetch_add(&ncpus_online, 1, __ATOMIC_RELAXED);
}

static void idle_entry(void *arg)
{
    (void)arg;
    cpu_idle();
}

void cpu_idle(void)
{
    struct cpu *c = this_cpu();
    for (;;) {
        spin_lock(&c->rq_lock);
        if (c->nr_runnable) {
            schedule_locked(c);
            continue;
        }
        spin_unlock(&c->rq_lock);
        /* IRQs are masked: WFI still wakes on a pending interrupt, which we
         * then take by unmasking for a moment, so none can be lost between
         * the check above and the WFI. */
        wfi();
        irq_enable();
        irq_disable();
    }
}
