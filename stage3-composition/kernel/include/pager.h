// SPDX-License-Identifier: MIT
/*
 * pager.h - stage 3: page faults served by pagers in user space, and the
 * frames they lend (kernel/pager.c; the ABI is uapi/hm/pager.h).
 */
#ifndef PAGER_H
#define PAGER_H

#include <kernel.h>
#include <uapi/hm/pager.h>

struct trap_frame;
struct memobj;
struct proc;

/** A data or instruction abort from EL0 at tf->far: if it lies in a paged
 *  region, call the region's pager (never returns).  false: not ours, the
 *  caller kills the process as before. */
bool pager_fault(struct trap_frame *tf);
/** The pager replied `status` to a fault call (or died: status < 0);
 *  current() is back in the faulting domain, tf its registers.  Returns
 *  if the instruction may run again; otherwise the process ends here. */
void pager_replied(struct trap_frame *tf, long status);
/** A user copy of a system call on p (p->lock held) failed: if the first
 *  page it could not reach lies in a paged region of the calling thread's
 *  own domain, note it for pager_syscall_fault(). */
void pager_copy_failed(struct proc *p, uint64_t va, uint64_t len, bool write);
/** The system call with registers tf returns -HM_EFAULT: if a page of a
 *  paged region was the cause, call its pager (a process's: never returns;
 *  the reply runs the system call again; the kernel's: true, the system
 *  call's result in tf) - at most a few times for the same page. */
bool pager_syscall_fault(struct trap_frame *tf);
/** The pager replied to such a call: the system call again, or it fails
 *  with -HM_EFAULT (returns either way, tf ready to go back to user). */
void pager_replied_syscall(struct trap_frame *tf, long status);
/** A lent page at pa was unmapped from a paged region (under that
 *  process's lock). */
void pager_page_unlent(paddr_t pa);
/** Memory object m is being freed (under cap_lock): forget its counts. */
void pager_memobj_freed(struct memobj *m);

/* The pagers' calls for a pager linked into the kernel (IC0), on behalf
 * of `caller`, the pager being service s: as the system calls below. */
struct service;
long pager_region_add(struct proc *caller, struct service *s, uint64_t va, uint64_t len,
                      unsigned prot, uint64_t cookie);
/** Lend page pa of memory object m (the pager's) at dst. */
long pager_lend(struct proc *caller, struct service *s, struct memobj *m, paddr_t pa, uint64_t dst,
                unsigned prot);
long pager_unmap_range(struct proc *caller, struct service *s, uint64_t va, uint64_t len);
long pager_lent_count(paddr_t pa);
bool pager_pid_alive(unsigned pid);

long sys_pager_region(struct trap_frame *tf, struct proc *p);
long sys_page_map(struct trap_frame *tf, struct proc *p);
long sys_page_lent(struct trap_frame *tf, struct proc *p);
long sys_pager_unmap(struct trap_frame *tf, struct proc *p);
long sys_proc_alive(struct trap_frame *tf, struct proc *p);
long sys_initrd_stat(struct trap_frame *tf, struct proc *p);
long sys_initrd_read(struct trap_frame *tf, struct proc *p);
long sys_spawn_mem(struct trap_frame *tf, struct proc *p);
long sys_domain_wait(struct trap_frame *tf, struct proc *p);
long sys_domain_restart(struct trap_frame *tf, struct proc *p);

#endif
