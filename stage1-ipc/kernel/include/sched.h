// SPDX-License-Identifier: MIT
/*
 * sched.h - threads, per-CPU run queues, blocking and waking.
 *
 * Every CPU has its own run queue (64 priority levels, round robin within a
 * level, a bitmap to find the highest non-empty level), its own idle thread
 * and its own tick.  A thread stays on the CPU it was created on (no load
 * balancing yet), so its state is protected by that CPU's run-queue lock.
 *
 * Kernel code runs with IRQs masked; a thread is preempted only when it
 * returns to EL0 (or in the idle loop).  The kernel is therefore not
 * preemptible, which keeps the locking simple: lock order is
 * process lock -> wait-queue lock -> run-queue lock.
 */
#ifndef SCHED_H
#define SCHED_H

#include <kernel.h>
#include <cap.h>
#include <ipc.h>
#include <list.h>
#include <arch/spinlock.h>

#define NR_PRIO 64
#define SLICE_TICKS 2  /* time slice, in ticks (CONFIG_HZ per second) */
#define KSTACK_ORDER 2 /* kernel stacks: 16 KiB */
#define KSTACK_SIZE (PAGE_SIZE << KSTACK_ORDER)

/* Callee-saved state switched by cpu_switch() (arch/aarch64/switch.S). */
struct context {
    uint64_t x19, x20, x21, x22, x23, x24, x25, x26, x27, x28;
    uint64_t fp, lr, sp;
};

struct fpstate {
    __uint128_t q[32];
    uint64_t fpsr, fpcr;
} __aligned(16);

enum tstate {
    T_RUNNABLE,
    T_RUNNING,
    T_BLOCKED,
    T_DEAD
};

struct waitq {
    spinlock_t lock;
    struct list head;
};

struct proc;

struct thread {
    struct kobj obj; /* capabilities name threads (HM_CAP_THREAD); must be first */
    struct context ctx;
    struct fpstate fp;
    uint64_t tpidr_el0;
    struct proc *proc; /* the domain it runs in now (a server during a call); NULL: kernel */
    struct proc *home; /* the process it belongs to */
    paddr_t kstack;    /* 2^KSTACK_ORDER frames */
    unsigned cpu;      /* the CPU whose run queue owns this thread */
    unsigned prio, slice;
    enum tstate state;
    unsigned tid;
    struct list rq_node;   /* run queue or wait queue */
    struct waitq *waiting; /* the wait queue we are on, if blocked on one */
    int wake_result;       /* what the waker said (0, or -HM_EINTR when killed) */
    struct list sleep_node;
    uint64_t wake_at;      /* sleeping until this counter value (0: not sleeping) */
    struct list proc_node; /* in proc->threads */
    bool exited;
    struct waitq exitq; /* joiners */
    unsigned holds;     /* system calls using the object (under cap_lock) */
    bool reaped;        /* its stack is freed: the object may go (under cap_lock) */
    bool intr;          /* interrupted (killed, or its server died): blocking returns -HM_EINTR
                  until cleared (under its run-queue lock) */
    /* IPC by thread migration (ipc.c) */
    unsigned depth; /* calls in progress */
    struct call_frame calls[HM_IPC_MAX_DEPTH];
    bool fp_trap; /* FP/SIMD traps at EL0 (a server that has not used it yet) */
    unsigned reclaim_tries;
#ifdef CONFIG_STAGE3
    uint64_t pager_copy_va; /* a system call's user copy met an untouched paged page here */
    bool pager_copy_write;  /* ... writing to it */
    uint64_t pager_last_va; /* the page the last such fault call was for */
    unsigned pager_retries; /* fault calls in a row for that same page */
#endif
    struct {
        struct service *svc;
        int stack;
    } bound[IPC_BOUND_PER_THREAD]; /* pre-bound stacks */
    uint64_t acct_since;           /* counter value when its CPU time was last charged */
    uint64_t acct_cpu, acct_srv;   /* counter ticks run; of which in servers (own CPU only) */
    struct list all_node;          /* in the list of all threads (rare scans: kill) */
    char name[16];
};

struct cpu {
    unsigned id;
    uint64_t mpidr;
    uint32_t gic_mask; /* this CPU's GIC CPU-interface bit (SGI targets) */
    struct thread *curr, *idle;
    struct proc *space; /* whose page tables TTBR0 holds (NULL: the empty table) */
    bool fp_trap;       /* CPACR_EL1 traps FP/SIMD at EL0 now */
    spinlock_t rq_lock;
    struct list rq[NR_PRIO];
    uint64_t rq_bitmap;
    unsigned nr_runnable;
    struct list sleepers;
    bool need_resched;
    struct thread *reap; /* a dead thread to free once we are off its stack */
    uint64_t ticks;
    bool online;
};

extern struct cpu cpus[CONFIG_NR_CPUS];
extern unsigned ncpus_online;

static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("mrs %0, tpidr_el1" : "=r"(c));
    return c;
}
static inline struct thread *current(void)
{
    return this_cpu()->curr;
}

void waitq_init(struct waitq *wq);

/** Turn the boot flow on CPU `id` into a thread called `name` (kmain on CPU 0),
 *  with `boot_thread` as its (zeroed here) descriptor.  If `is_idle`, that
 *  thread is the CPU's idle thread (secondary CPUs), else an idle thread is made. */
void sched_init_cpu(unsigned id, struct thread *boot_thread, const char *name, bool is_idle);
/** Create a kernel thread running fn(arg) on `cpu`; NULL when out of memory. */
struct thread *thread_create_kernel(void (*fn)(void *), void *arg, unsigned cpu, unsigned prio,
                                    const char *name);
/** Create a user thread of `p` starting at `entry` (x0 = arg, sp = sp);
 *  not yet runnable: call sched_start(). NULL when out of memory. */
struct thread *thread_create_user(struct proc *p, uint64_t entry, uint64_t sp, uint64_t arg,
                                  unsigned cpu, unsigned prio);
void sched_start(struct thread *t);
/** Set register x<reg> of a user thread that has not started yet. */
void thread_set_user_reg(struct thread *t, unsigned reg, uint64_t v);

/** Give up the CPU to a thread of the same or higher priority. */
void sched_yield(void);
/** Block on `wq`, whose lock the caller holds (it is released here).
 *  Returns what the waker passed: 0, or -HM_EINTR (the process is dying). */
int thread_block(struct waitq *wq);
/** Wake every thread on wq with `result`; returns how many. */
unsigned waitq_wake_all(struct waitq *wq, int result);
/** Wake `t` from whatever it blocks or sleeps on, with -HM_EINTR; it also
 *  will not block again until thread_clear_interrupt(). */
void thread_interrupt(struct thread *t);
void thread_clear_interrupt(struct thread *t);
/** Sleep for ns nanoseconds (tick granularity). Returns 0 or -HM_EINTR. */
int thread_sleep(uint64_t ns);
/** End the calling thread.  Never returns. */
void thread_exit(void) __noreturn;
/** Drop a system call's hold on a thread object (taken under cap_lock). */
void thread_put(struct thread *t);
/** Charge the CPU time since the last charge to t (and, during a call, to
 *  its time in servers); per thread, no atomics: the fast paths call it. */
void acct_charge(struct thread *t);
/** Load the address space of `p` (NULL: none) and the FP trap setting of
 *  the current thread on this CPU. */
void sched_load_domain(struct proc *p);
void sched_set_fp_trap(bool trap);
/** Every thread, for rare whole-system scans (killing a server's visitors). */
extern struct list all_threads;
extern spinlock_t all_threads_lock;
/** Free a thread that was created but never started. */
void thread_discard(struct thread *t);
/** Change a thread's priority (requeued if it is waiting to run). */
void sched_set_priority(struct thread *t, unsigned prio);

/** Timer tick on this CPU (IRQ context). */
void sched_tick(void);
/** On the way back to EL0: switch if a reschedule is due. */
void sched_user_return(void);
/** Reschedule IPI received. */
void sched_ipi(void);
/** The idle loop of this CPU. */
void cpu_idle(void) __noreturn;

uint64_t sched_total_ticks(void);
/** The current thread's kernel stack range, if it has one (for backtraces). */
bool sched_current_stack(uint64_t *lo, uint64_t *hi);
unsigned sched_next_cpu(void);

/* arch/aarch64/switch.S */
void cpu_switch(struct context *prev, struct context *next);
void fp_save(struct fpstate *fp);
void fp_restore(const struct fpstate *fp);
void thread_trampoline_user(void);
void thread_trampoline_kernel(void);

#endif
