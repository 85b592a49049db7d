// SPDX-License-Identifier: MIT
/*
 * ipc.h - synchronous RPC-like IPC by thread migration (HongMeng, OSDI'24,
 * the section on synchronous RPC-like IPC; see stage1-ipc/README.md).
 *
 * A call does not wake a server thread: the calling thread itself moves
 * into the server.  The kernel keeps the caller's registers where the
 * exception entry saved them (the trap frame on the thread's kernel stack),
 * records the call in the thread's call stack (struct call_frame), switches
 * the address space and enters the service on a stack of the server's; the
 * server's reply pops the frame and returns into the caller's saved
 * registers.  No scheduler, no second thread: the caller's time slice and
 * priority simply continue.
 */
#ifndef IPC_H
#define IPC_H

#include <kernel.h>
#include <cap.h>
#include <list.h>
#include <arch/spinlock.h>
#include <uapi/hm/syscall.h>
#include <uapi/hm/service.h>

struct proc;
struct thread;
struct trap_frame;
struct ic0_service; /* stage 2 */
struct memobj;

#define IPC_POOL_MAX 64    /* stacks per service (a bit each in the masks) */
#define IPC_POOL_INITIAL 2 /* free stacks made at registration */
#define IPC_POOL_LOW 1     /* fewer free: the pool worker adds one */
#define IPC_POOL_HIGH 4    /* more free: the pool worker removes some */
#define IPC_RESERVE_SLOT 0 /* stack 0 of every service is its reserve */
#define IPC_BOUND_PER_THREAD 4
#define IPC_RECLAIM_TRIES 3

struct service {
    struct kobj obj;     /* HM_CAP_SERVICE; must be first */
    spinlock_t lock;     /* the pool masks */
    struct proc *server; /* held (proc->holds) */
    uint64_t entry, cookie;
    uint64_t stack_size;          /* bytes, page multiple */
    uint64_t window;              /* stack i: [window + i*(size+page) + page, + size) */
    uint64_t mapped, free, bound; /* bit i: stack i mapped / free in the pool / bound to a thread */
    bool reserve_busy;
    unsigned prebound_quota, nbound;
    unsigned holds; /* threads with a bound stack, calls in progress (under cap_lock) */
    bool dead;      /* the server died: calls get -HM_EPIPE */
    bool work_queued;
    struct list work_node; /* on the pool worker's list */
    unsigned id;
    unsigned counted;              /* ipc_published_stack_pages()'s, under cap_lock */
    const struct ic0_service *ic0; /* stage 2: served in the kernel (IC0, or IC1 behind its gate) */
};

/** Whether a service is published under `name`. */
bool ipc_name_exists(const char *name);
/* Whether the service o is gone (its server ended or is ending); cap_lock held. */
bool ipc_service_gone(const struct kobj *o);
/** Pages of the call stacks s has mapped now. */
uint64_t ipc_stack_pages(const struct service *s);
/** Pages of the call stacks published services have mapped now (their
 *  pools grow and shrink with the load: the leak checks leave them out). */
uint64_t ipc_published_stack_pages(void);
/**
 * ipc_name_holder_add - let p hold services' capabilities by name for
 * others, as the kernel's name table does: a name server (stage 3's, in a
 * process, or the table the kernel keeps for one in a stage-2 domain).
 * When a server ends, the kernel deletes the capabilities to its services
 * in p's table as it forgets its names in its own: at once, so that the
 * server's objects and memory go with it rather than when p next looks
 * (p sees an empty slot).  The leak checks count the call stacks of the
 * services named there as those of published ones.  p is held until it
 * ends.  0, -HM_EEXIST (p holds names already), -HM_ENOSPC (four do).
 */
int ipc_name_holder_add(struct proc *p);
/** A reply's grant word (x5's upper half, HM_GRANT()): a copy of the
 *  server's capability into the caller's slot `want` (its call's x0
 *  upper half; 0: none) if that is in its table and free, else into the
 *  first free slot of its grant range; *gdst says which (sys_reply's
 *  rules; stage 2's IC1 domains that hold capabilities reply through it
 *  too).  0 (nothing granted when the word names no slot), or -HM_E* and
 *  nothing changed. */
int ipc_reply_grant(struct proc *server, struct proc *caller, unsigned word, uint64_t want,
                    unsigned *gdst);
/** Put a kernel-made service in the name table (IC0 services at boot). */
int ipc_name_insert(const char *name, struct service *s);

struct conn {
    struct kobj obj;     /* HM_CAP_CONN; must be first */
    struct service *svc; /* held (svc->holds) */
    struct proc *client; /* held (proc->holds) */
    struct memobj *buf;  /* NULL when connected without a buffer */
    uint64_t buf_size, client_va, server_va;
    uint32_t badge;
};

enum call_kind {
    CALL_USER,
    CALL_RECLAIM,
    CALL_FAULT,        /* stage 3: a page fault the kernel forwards to the region's pager */
    CALL_FAULT_SYSCALL /* stage 3: ... met by a system call's user copy: it runs again */
};

/** One call in progress on a thread (its call stack, in struct thread). */
struct call_frame {
    enum call_kind kind;
    struct service *svc;          /* the service called (held) */
    struct conn *conn;            /* NULL for a reclaim call */
    struct proc *caller;          /* the domain to return to */
    struct trap_frame *caller_tf; /* the caller's registers */
    uint64_t caller_tpidr;
    int stack;           /* stack index taken from the pool, or -1 */
    bool reserve;        /* the service's reserve stack */
    bool fp_used;        /* the server touched FP/SIMD: zero before returning */
    bool caller_fp_trap; /* the caller's level had FP trapped */
    uint64_t stack_base; /* lowest address of the stack this invocation runs on */
    struct proc *server; /* the domain entered (counted in its nvisitors) */
    uint64_t buf_size;   /* the connection's buffer: longest reply */
    bool held;           /* this call holds svc (svc->holds); else a binding does */
};

void ipc_init(void);
/** Hold / drop a service for a kernel record (stage 3's paged regions).
 *  Drop takes only cap_lock, so it may be called under a process's lock. */
void ipc_svc_hold(struct service *s);
void ipc_svc_unhold(struct service *s);
#ifdef CONFIG_STAGE3
/** Stage 3: make the current thread, stopped by a fault with registers tf,
 *  call s with regs (x0 is set to s's cookie); s is held by the caller
 *  and the call takes that hold over.  Never returns if the call starts;
 *  false (s still held) if it cannot (chain too deep, no stack). */
bool ipc_fault_call(struct trap_frame *tf, struct service *s, uint64_t regs[8],
                    enum call_kind kind);
#endif
/** Per-thread stack bindings to give back when a thread ends. */
void ipc_thread_exit(struct thread *t);
/** The server process died: its services refuse calls from now on. */
void ipc_proc_dead(struct proc *p);
/** Interrupt every thread that is in a call inside p (p is dying). */
void ipc_interrupt_visitors(struct proc *p);
/** Send the current thread back from a dying server to its caller, with
 *  -HM_EPIPE (repeatedly, while the caller is dying too). Never returns. */
void ipc_unwind(int err) __noreturn;
/** An FP/SIMD instruction trapped in a server: give it zeroed registers. */
bool ipc_fp_trap(void);
/** Destroy a connection or notification whose last capability went
 *  (called outside cap_lock: it unmaps buffers, stops timers). */
void ipc_release(struct kobj *o);
/** A service's last capability went (under cap_lock). */
void ipc_release_locked(struct kobj *o);

/** Fast paths, tried first by trap_entry(); they return when the general
 *  path must do the call (see ipc.c). */
void ipc_fast_call(struct trap_frame *tf);
void ipc_fast_reply(struct trap_frame *tf);

/* The system calls (core/syscall.c dispatches to these). */
long sys_service_register(struct trap_frame *tf, struct proc *p);
long sys_connect(struct trap_frame *tf, struct proc *p);
long sys_call(struct trap_frame *tf, struct proc *p);
long sys_reply(struct trap_frame *tf, struct proc *p);
long sys_name_publish(struct trap_frame *tf, struct proc *p);
long sys_name_lookup(struct trap_frame *tf, struct proc *p);
long sys_account(struct trap_frame *tf, struct proc *p);
long sys_set_reclaimer(struct trap_frame *tf, struct proc *p);
long sys_ipc_info(struct trap_frame *tf, struct proc *p);
long sys_notify_create(struct trap_frame *tf, struct proc *p);
long sys_notify_signal(struct trap_frame *tf, struct proc *p);
long sys_notify_wait(struct trap_frame *tf, struct proc *p);
long sys_notify_timer(struct trap_frame *tf, struct proc *p);

/* Notifications (core/notify.c) */
#define NOTIFY_OBJ_SIZE 128
struct notify;
void notify_tick(void);
void notify_release(struct notify *n);

/* arch/aarch64/switch.S */
void ipc_enter_frame(struct trap_frame *at, const uint64_t regs[8], uint64_t pc,
                     uint64_t sp) __noreturn;
void ipc_return_to(struct trap_frame *tf) __noreturn;
void ipc_eret_server(uint64_t cookie, struct trap_frame *tf, uint64_t pc, uint64_t sp, uint64_t len,
                     uint64_t buf, uint64_t info) __noreturn;
void fp_zero(void);

#endif
