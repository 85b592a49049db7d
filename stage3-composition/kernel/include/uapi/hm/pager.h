// SPDX-License-Identifier: MIT
/*
 * hm/pager.h - stage 3: pagers, the system calls a memory manager uses to
 * serve page faults in user space (see stage3-composition/README.md).
 *
 * A *paged region* of a process has a pager: the service in whose call it
 * was made.  A translation or permission fault in it does not kill the
 * process: the kernel makes the faulting thread call the pager (thread
 * migration, like any call) with
 *   x1 = the faulting address, x2 = HM_FAULT_READ / WRITE / EXEC,
 *   x3 = the region's cookie, x4 = the region's start,
 *   x7 = HM_NO_SLOT | HM_FAULT_BADGE << 32.
 * The pager maps a page into its caller (HM_SYS_PAGE_MAP) and replies 0:
 * the instruction runs again.  Any other status, a reply that leaves the
 * page unmapped, or a pager that dies, ends the faulting process (status
 * HM_EXIT_KILLED | HM_KILL_FAULT) with a line saying why; never the kernel.
 * A system call whose user buffer meets such a page makes the same call
 * (x2 = READ or WRITE) and runs again after the reply; refused, the
 * system call fails with -HM_EFAULT.
 *
 * The frames a pager maps are pages of memory objects it has mapped
 * itself: they are lent, not given.  Each lent page holds its memory object
 * (it lives while any page of it is mapped anywhere), and the kernel counts
 * per page how many times it is lent (HM_SYS_PAGE_LENT), so the pager knows
 * when a page is free to reuse: after its client unmapped it, or died.
 *
 * The system calls below that name "the caller" act on the process that
 * made the call the current thread is serving (the faulting process, in a
 * fault call); they fail with -HM_EPERM outside a call.
 */
/* Stage 3 numbers start at 48, clear of stage 1's (which end at HM_SYS_COUNT). */
#ifndef HM_PAGER_H
#define HM_PAGER_H

/* (va, len, prot, cookie) -> 0: a paged region [va, va+len) in the caller,
 * nothing mapped yet, the current service its pager.  Errors as HM_SYS_MAP. */
#define HM_SYS_PAGER_REGION 48
/* (src_va, dst_va, prot) -> 0: lend the page at src_va (of a memory object
 * mapped in the pager, with at least prot) to the caller at dst_va, inside a
 * paged region this service pages, prot within the region's; a page
 * already there is replaced. */
#define HM_SYS_PAGE_MAP 49
/* (src_va) -> how many times the pager's page at src_va is lent now */
#define HM_SYS_PAGE_LENT 50
/* (va, len) -> 0: unmap [va, va+len) of the caller; every region it
 * touches must be paged by the current service (-HM_EPERM otherwise) */
#define HM_SYS_PAGER_UNMAP 51
/* (pid) -> 1 if that process exists and has not ended, else 0: how a
 * pager learns that a client, and its mappings with it, has gone */
#define HM_SYS_PROC_ALIVE 52

/* Also stage 3's: the initramfs for the file system, whose clean pages of
 * these files it may drop under memory pressure and read again. */
/* (index, char *name, size_t cap) -> the size of the index-th file of the
 * initramfs (0, 1, ...), its name NUL-terminated in name; -HM_ENOENT past
 * the last, -HM_ERANGE if cap is too small */
#define HM_SYS_INITRD_STAT 53
/* (index, off, void *buf, len) -> bytes copied from that file at off */
#define HM_SYS_INITRD_READ 54
/* (mem_slot | dst_slot << 16, size, name, nlen, arg, alen) -> 0: a new
 * process from the ELF image in the first `size` bytes of a memory object
 * (a program the process manager read from the file system); its process
 * capability in dst_slot, as HM_SYS_SPAWN */
#define HM_SYS_SPAWN_MEM 55
/* A system service in IC1 (a domain, stage 2) is kept by the process
 * manager as a process is: (name, len) -> 0 once the domain serving the
 * in-kernel service `name` is stopped (a fault: its callers get -HM_EPIPE),
 * at once if it is; -HM_ENOENT if no domain serves that name, -HM_EINTR if
 * the waiting thread's process ends. */
#define HM_SYS_DOMAIN_WAIT 56
/* (name, len) -> 0: that stopped domain started afresh (its code and data
 * as loaded, its heap freed): the service serves again, empty.  -HM_EBUSY
 * if it is not stopped (a running service is never reset from outside). */
#define HM_SYS_DOMAIN_RESTART 57
#define HM_SYS_STAGE3_END 58

#define HM_FAULT_BADGE 0xfffffffeu /* x7 badge of a kernel fault call */
#define HM_FAULT_READ 1u
#define HM_FAULT_WRITE 2u
#define HM_FAULT_EXEC 4u

#endif
