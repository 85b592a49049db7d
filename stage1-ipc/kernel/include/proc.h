// SPDX-License-Identifier: MIT
/*
 * proc.h - processes: an address space, a capability space and threads.
 *
 * A process owns its user address space (TTBR0 page tables with an ASID of
 * its own, so switching between processes needs no TLB flush), the memory
 * regions mapped in it, its capability slots and its threads.  It ends when
 * its last thread ends or when it is killed (a fault, or through a process
 * capability); then its memory and capabilities are released and whoever
 * waits for it learns the exit status.
 */
#ifndef PROC_H
#define PROC_H

#include <kernel.h>
#include <cap.h>
#include <list.h>
#include <pgtable.h>
#include <sched.h>
#include <arch/spinlock.h>

struct service;

/* The regions array starts as one page and grows (doubling) up to
 * 2^REGIONS_MAX_ORDER pages as a process maps more. */
#define REGIONS_MAX_ORDER 4
#define MAX_REGIONS ((PAGE_SIZE << REGIONS_MAX_ORDER) / sizeof(struct region))

/** A memory object: physically contiguous pages that can be mapped. */
struct memobj {
    struct kobj obj; /* must be first */
    paddr_t pa;
    unsigned order; /* 2^order pages */
    unsigned maps;  /* regions mapping it (each also holds a reference) */
};

/** One mapped range of the address space. */
struct region {
    uint64_t start, end; /* page aligned, [start, end) */
    unsigned prot;       /* HM_PROT_* */
    struct memobj *mem;  /* NULL: anonymous pages owned by the process */
    uint64_t mem_off;    /* offset of start inside mem */
    struct proc *charge; /* root caller these pages are charged to (held), or NULL */
#ifdef CONFIG_STAGE3
    struct service *pager; /* stage 3: a paged region's pager (held), mem_off its cookie */
#endif
};

struct proc {
    struct kobj obj; /* must be first: HM_CAP_PROCESS */
    spinlock_t lock; /* regions, threads list, state */
    struct pt pt;
    unsigned asid;
    struct cspace cs; /* slots: 2^cs_order frames at cs_pa */
    paddr_t cs_pa;
    unsigned cs_order;
    struct region *regions; /* 2^regions_order pages (up to MAX_REGIONS records) */
    paddr_t regions_pa;
    unsigned regions_order;
    unsigned nregions;
    struct list threads;
    unsigned nthreads;  /* own threads not yet exited */
    unsigned nunreaped; /* own threads whose stacks are not yet freed (atomic: counted up
                           under p->lock by thread creation, down under cap_lock by reaping) */
    unsigned nvisitors; /* calls of other threads in this domain (atomic) */
    bool dying;         /* killed or exiting: threads leave at kernel exit */
    bool torn_down;     /* address space and capabilities released */
    bool dead;          /* torn down; exit_status valid */
    int exit_status;
    unsigned nservices;        /* services registered (each gets a stack window) */
    uint64_t conn_window_next; /* next server-side connection buffer address */
    /* Accounting (counter ticks / pages), charged to this process as root caller */
    uint64_t acct_cpu, acct_cpu_servers; /* of its threads that have ended */
    uint64_t acct_mem_pages, acct_mem_pages_total;
    unsigned holds;       /* kernel references besides capabilities */
    struct waitq exitq;   /* hm_wait() callers */
    struct list all_node; /* in all_procs (leak reports, gdb) */
    unsigned pid;
    char name[32];
};

/** Bring up the process subsystem (ASIDs, the kernel's empty TTBR0). */
void proc_init(void);
/** Load /name from the initramfs into a new process with one thread,
 *  started on `cpu` (-1: the next CPU in turn).  arg is copied to its stack.  Returns 0 and *out (with one
 *  kernel hold the caller must drop with proc_put()), or -HM_ENOENT,
 *  -HM_ENOEXEC, -HM_ENOMEM (nothing left behind). */
int proc_spawn(const char *name, const char *arg, size_t arglen, int cpu, struct proc **out);
/** proc_spawn() with the program's ELF image at data[0..size) instead of
 *  the initramfs (the image is validated; it may change meanwhile without
 *  harm to the kernel: the loader copies only what it validated). */
int proc_spawn_image(const char *name, const void *data, size_t size, const char *arg,
                     size_t arglen, int cpu, struct proc **out);
/* Helpers of the spawning system calls (core/syscall.c), for later stages'. */
/** A NUL-free string of 1..max bytes (0..max with allow_empty) from user
 *  memory at s into buf, NUL added: 0, -HM_EINVAL or -HM_EFAULT. */
int user_string(struct proc *p, uint64_t s, uint64_t len, char *buf, size_t max, bool allow_empty);
/** Put the new process `child` (held by the caller, whose hold this
 *  takes) in p's slot; if that fails (the slot was taken meanwhile) the
 *  child is killed.  0 or the error. */
int give_child(struct proc *p, unsigned slot, struct proc *child);
/** The process named by the capability in p's `slot` (which must carry
 *  `rights`), held: proc_put() it after.  0, or cap_lookup()'s error. */
int hold_proc(struct proc *p, uint64_t slot, unsigned rights, struct proc **out);
/** Drop a kernel hold on p. */
void proc_put(struct proc *p);
/** Wait until p is dead; returns its exit status or -HM_EINTR. */
int proc_wait(struct proc *p);
/** End p with `status` (exit or kill). Threads leave as they next return to user. */
void proc_kill(struct proc *p, int status);
static inline bool proc_dying(const struct proc *p)
{
    return READ_ONCE(p->dying);
}
uint64_t proc_ttbr0(const struct proc *p);

/* Called by the scheduler. */
void proc_thread_exit(struct thread *t);
void proc_thread_reaped(struct thread *t);
/** Release p's resources if nothing runs in it any more (own threads all
 *  exited, no visiting calls); then wake its waiters. */
void proc_try_teardown(struct proc *p);

/* Memory (decode-then-invoke: each returns 0 or -HM_E* and changes nothing on error). */
int vm_map_anon(struct proc *p, uint64_t va, uint64_t len, unsigned prot);
/** vm_map_anon() with the pages charged to `charge` (the root caller), if not NULL. */
int vm_map_anon_charged(struct proc *p, uint64_t va, uint64_t len, unsigned prot,
                        struct proc *charge);
/** Unmap the region at [va, va+len) only if it maps `m` there (connection teardown). */
void vm_unmap_mem_if(struct proc *p, uint64_t va, uint64_t len, struct memobj *m);
int vm_map_mem(struct proc *p, struct memobj *m, uint64_t va, unsigned prot);
int vm_unmap(struct proc *p, uint64_t va, uint64_t len);
/** Copy from/to user memory of p, checked against its page tables first. */
int copy_from_user(struct proc *p, void *dst, uint64_t src, uint64_t len);
int copy_to_user(struct proc *p, uint64_t dst, const void *src, uint64_t len);

/** Every process not yet freed (under all_procs_lock). */
extern struct list all_procs;
extern spinlock_t all_procs_lock;
/** Print the processes not yet freed and what keeps each (leak reports). */
void proc_report(void);
/** Under cap_lock: free p if nothing refers to it any more. */
void proc_maybe_free_locked(struct proc *p);

/* For later stages' memory code (stage 3's pagers): the checks and the
 * page-table attributes HM_SYS_MAP uses, and the region at va (NULL if
 * none; under p->lock). */
int vm_range_check(uint64_t va, uint64_t len);
bool vm_prot_valid(unsigned prot);
uint64_t vm_prot_attrs(unsigned prot);
bool vm_overlaps(const struct proc *p, uint64_t start, uint64_t end);
struct region *vm_region_at(struct proc *p, uint64_t va);
/** Room for `more` region records, growing the array if needed (under
 *  p->lock; region pointers taken before it are stale): 0, -HM_ENOSPC
 *  past MAX_REGIONS, -HM_ENOMEM. */
int vm_regions_room(struct proc *p, unsigned more);
void vm_tlb_flush_page(const struct proc *p, uint64_t va);

/** Memory objects */
int memobj_create(uint64_t len, struct memobj **out);
/** Under cap_lock: drop one m->maps (m may be freed). */
void memobj_drop_locked(struct memobj *m);
/** Drop a temporary hold taken as m->maps++ under cap_lock. */
void memobj_unhold(struct memobj *m);

/** The capability subsystem lock and object release (core/proc.c). */
extern spinlock_t cap_lock;
extern const struct cap_ops kobj_cap_ops;
/** Release cap_lock after a delete or revoke: the objects whose last
 *  capability went are released (their heavier work after the unlock). */
void cap_unlock(void);

/** Initramfs (core/initramfs.c) */
void initramfs_init(const void *data, size_t size);
int initramfs_find(const char *name, const void **data, size_t *size);
/** The index-th regular file (0, 1, ...) of the initramfs: its name (not
 *  NUL-terminated), data and size; -HM_ENOENT past the last. */
int initramfs_entry(unsigned index, const char **name, size_t *name_len, const void **data,
                    size_t *size);

#endif
