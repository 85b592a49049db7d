// SPDX-License-Identifier: MIT
/*
 * hm/syscall.h - the native system call interface (kernel <-> user).
 *
 * Shared by the kernel and the user runtime; plain C, no kernel types.
 *
 * Calling convention (AArch64):
 *   svc #1            native call  (svc #0 is reserved for the Linux ABI,
 *                     stage 6; in earlier stages it returns HM_ENOSYS)
 *   x8                call number (HM_SYS_*)
 *   x0..x5            arguments
 *   x0                result: >= 0 success, < 0 a negated HM_E* error
 *   everything else   preserved (x1..x17 and the FP/SIMD registers too)
 *
 * Every call is "decode, then invoke": all arguments are checked before
 * anything changes, so a call that returns an error has changed nothing.
 */
#ifndef HM_UAPI_SYSCALL_H
#define HM_UAPI_SYSCALL_H

#define HM_SVC_NATIVE 1

/* ---- errors (returned negated) --------------------------------------- */
#define HM_EPERM 1  /* the capability lacks a right */
#define HM_ENOENT 2 /* no such file (initramfs) or no such test */
#define HM_ESRCH 3  /* no such thread/process */
#define HM_EINTR 4
#define HM_EIO 5
#define HM_ENOEXEC 8 /* not a valid program (ELF refused) */
#define HM_EBADCAP 9 /* slot out of range or empty */
#define HM_ECHILD 10
#define HM_EAGAIN 11
#define HM_ENOMEM 12 /* out of memory: an error, never a panic */
#define HM_EFAULT 14 /* a pointer argument is not mapped for the access */
#define HM_EBUSY 16
#define HM_EEXIST 17 /* slot or virtual range already in use */
#define HM_ENODEV 19
#define HM_ENOTDIR 20      /* a path component is not a directory (stage 3 on) */
#define HM_EISDIR 21       /* a file operation on a directory */
#define HM_EINVAL 22       /* a bad value (alignment, flags, length) */
#define HM_EFBIG 27        /* a file would grow past its limit */
#define HM_ENOSPC 28       /* a table (slots, ASIDs) is full */
#define HM_EPIPE 32        /* the server died during the call (or is dead) */
#define HM_ERANGE 34       /* an address or length outside what is allowed */
#define HM_ELOOP 40        /* IPC: the call chain is already HM_IPC_MAX_DEPTH deep */
#define HM_ENOSYS 38       /* no such call */
#define HM_ENAMETOOLONG 36 /* a path or a name is too long */
#define HM_ENOTEMPTY 39    /* a directory that is not empty */
#define HM_ETYPE 60        /* the capability is of the wrong type */

/* ---- limits ----------------------------------------------------------- */
#define HM_PAGE_SIZE 4096ul
#define HM_USER_TOP 0x0000008000000000ul /* user VA is [HM_PAGE_SIZE, HM_USER_TOP) */
#define HM_PUTS_MAX 4096ul               /* longest hm_debug_puts() */
#define HM_CSPACE_SLOTS 256              /* capability slots per process */
#define HM_NAME_MAX 64                   /* program names and argument strings */
#define HM_PRIO_MAX 63                   /* priorities 0 (lowest) .. 63 */
#define HM_PRIO_DEFAULT 32

/* ---- capabilities ----------------------------------------------------- */
/* Types of the object a capability names. */
#define HM_CAP_NONE 0
#define HM_CAP_PROCESS 1 /* a process: wait for it, kill it, grant to it */
#define HM_CAP_THREAD 2  /* a thread: join, set priority */
#define HM_CAP_MEMORY 3  /* a memory object: physical pages that can be mapped */
#define HM_CAP_SERVICE 4 /* an IPC service: connect to it (CALL), publish it (GRANT) */
#define HM_CAP_CONN 5    /* an IPC connection: call through it (CALL) */
#define HM_CAP_NOTIFY 6  /* a notification word: signal (WRITE), wait (READ) */

/* Rights (a capability carries a subset; a copy can only drop rights). */
#define HM_RIGHT_READ (1u << 0)    /* memory: map readable */
#define HM_RIGHT_WRITE (1u << 1)   /* memory: map writable */
#define HM_RIGHT_EXEC (1u << 2)    /* memory: map executable (never with write) */
#define HM_RIGHT_GRANT (1u << 3)   /* may be copied to another process */
#define HM_RIGHT_CONTROL (1u << 4) /* process: kill; thread: set priority */
#define HM_RIGHT_WAIT (1u << 5)    /* process: wait for exit; thread: join */
#define HM_RIGHT_CALL (1u << 6)    /* service: connect; connection: call */
#define HM_RIGHTS_ALL 0x7fu

/* Slots a new process starts with. */
#define HM_SLOT_SELF 0   /* its own process (rights: all) */
#define HM_SLOT_THREAD 1 /* its first thread */

/* ---- mapping protections --------------------------------------------- */
#define HM_PROT_READ 1u
#define HM_PROT_WRITE 2u
#define HM_PROT_EXEC 4u /* never together with HM_PROT_WRITE (W^X) */

/* ---- process exit status ---------------------------------------------- */
/* A process that called hm_exit(code) exits with code & 0xff.  One the
 * kernel killed has HM_EXIT_KILLED set and the reason in the low byte. */
#define HM_EXIT_KILLED 0x100
#define HM_KILL_FAULT 1  /* data/instruction abort */
#define HM_KILL_UNDEF 2  /* undefined instruction */
#define HM_KILL_ALIGN 3  /* PC or SP alignment */
#define HM_KILL_BY_CAP 4 /* killed through its process capability */
#define HM_KILL_OTHER 5

/* ---- call numbers ------------------------------------------------------
 * Each number with its arguments (x0..x5) and result (x0). */

/* Console and process life */
/* (const char *s, size_t len) -> len */
#define HM_SYS_DEBUG_PUTS 0
/* (int code) -> never returns; ends the process */
#define HM_SYS_EXIT 1
/* () -> 0 */
#define HM_SYS_YIELD 2
/* (const char *name, size_t nlen, const char *arg, size_t alen, unsigned dst_slot) -> 0;
 * loads /name from the initramfs into a new process; its HM_CAP_PROCESS capability
 * (all rights) goes to dst_slot.  The new process's first thread starts at the ELF
 * entry with x0 = pointer to a copy of `arg` (NUL-terminated) on its stack, x1 = alen. */
#define HM_SYS_SPAWN 3
/* (unsigned proc_slot) -> exit status (see above); needs WAIT */
#define HM_SYS_WAIT 4
/* (unsigned proc_slot) -> 0; needs CONTROL */
#define HM_SYS_KILL 5

/* Memory */
/* (void *va, size_t len, unsigned prot) -> 0; fresh zeroed pages */
#define HM_SYS_MAP 6
/* (void *va, size_t len) -> 0; every page must be mapped */
#define HM_SYS_UNMAP 7
/* (size_t len, unsigned dst_slot) -> 0; memory object, rights READ|WRITE|EXEC|GRANT */
#define HM_SYS_MEM_CREATE 8
/* (unsigned mem_slot, void *va, unsigned prot) -> 0; prot needs the matching rights */
#define HM_SYS_MEM_MAP 9

/* Threads and time */
/* (void (*entry)(void *), void *stack_top, void *arg, int cpu, unsigned dst_slot) -> 0;
 * cpu -1 = any; the thread's capability (all rights) goes to dst_slot */
#define HM_SYS_THREAD_CREATE 10
/* () -> never returns; the last thread's exit ends the process (code 0) */
#define HM_SYS_THREAD_EXIT 11
/* (unsigned thread_slot) -> 0 once it has exited; needs WAIT */
#define HM_SYS_THREAD_JOIN 12
/* (unsigned thread_slot, unsigned prio) -> 0; needs CONTROL */
#define HM_SYS_SET_PRIORITY 13
/* (uint64_t ns) -> 0 */
#define HM_SYS_SLEEP 14
/* () -> the CPU this thread runs on (0-based) */
#define HM_SYS_CPU_ID 15
/* (unsigned what) -> value; HM_INFO_* */
#define HM_SYS_INFO 16

/* Capabilities */
/* (unsigned src, unsigned dst_proc_slot, unsigned dst, unsigned rights) -> 0; copy into
 * the process named by dst_proc_slot (HM_SLOT_SELF: the own cspace); rights must be a
 * subset of src's; into another process src needs GRANT */
#define HM_SYS_CAP_COPY 17
/* (unsigned slot) -> 0 */
#define HM_SYS_CAP_DELETE 18
/* (unsigned slot) -> number of capabilities derived from it that were deleted; the slot stays */
#define HM_SYS_CAP_REVOKE 19
/* (unsigned slot) -> (type << 16) | rights, | HM_CAP_INFO_GONE for a service whose
 * server has ended (calls get -HM_EPIPE; its names are gone) */
#define HM_SYS_CAP_INFO 20
#define HM_CAP_INFO_GONE (1l << 32)

/* Tests (CONFIG_KTEST builds only) */
/* (const char *name, size_t nlen, int passed, const char *detail, size_t dlen) -> 0;
 * name is "stage<N>/<test>"; the kernel prints the [TEST] line and counts it */
#define HM_SYS_TEST_REPORT 21
/* () -> 0: does nothing (the null_syscall benchmark) */
#define HM_SYS_NULL 22

/* IPC by thread migration (see "IPC" below) */
/* (entry, cookie, stack_size, nprebound, dst_slot) -> 0; the service capability
 * (CALL|GRANT|CONTROL) goes to dst_slot */
#define HM_SYS_SERVICE_REGISTER 23
/* (svc_slot, buf_va, buf_size, dst_slot) -> 0; needs CALL; buf_size 0 or a page
 * multiple up to HM_IPC_BUF_MAX, mapped read-write at buf_va and in the server */
#define HM_SYS_CONNECT 24
/* (conn_slot | recv_slot << 32, w1, w2, w3, w4, len | grant << 32) -> status;
 * x1..x4 = reply words, x5 = reply length | the slot a reply granted << 32
 * (0: none).  grant: a grant word (HM_GRANT below); HM_NO_SLOT: grant nothing.
 * recv_slot: where a reply's grant should land (0: the grant range; so too
 * if it is taken or out of the table when the reply comes) */
#define HM_SYS_CALL 25
/* (status, w1, w2, w3, w4, len | grant << 32) -> returns to the caller, not here;
 * grant: a grant word, 0 or HM_NO_SLOT: nothing.  Refused (-HM_EINVAL: length,
 * -HM_EPERM / -HM_EBADCAP: the capability, -HM_ENOSPC: the caller's grant range
 * is full), the call goes on and the server may reply again */
#define HM_SYS_REPLY 26
/* (const char *name, size_t nlen, unsigned svc_slot) -> 0; needs GRANT */
#define HM_SYS_NAME_PUBLISH 27
/* (const char *name, size_t nlen, unsigned dst_slot) -> 0; a CALL-only service capability */
#define HM_SYS_NAME_LOOKUP 28
/* (unsigned what) -> value; HM_ACCT_* of the calling thread's process */
#define HM_SYS_ACCOUNT 29
/* (unsigned svc_slot) -> 0; needs CONTROL: the memory manager the kernel calls (on
 * that service's reserve stack) when a call finds memory exhausted */
#define HM_SYS_SET_RECLAIMER 30
/* (unsigned what) -> value; HM_IPCI_* about the call being served */
#define HM_SYS_IPC_INFO 31

/* Notifications */
/* (unsigned dst_slot) -> 0; rights READ|WRITE|GRANT */
#define HM_SYS_NOTIFY_CREATE 32
/* (unsigned slot, uint64_t bits) -> 0; needs WRITE; ORs the bits in, wakes a waiter */
#define HM_SYS_NOTIFY_SIGNAL 33
/* (unsigned slot, uint64_t timeout_ns) -> the bits, which are cleared; needs READ;
 * timeout 0 = forever; 0 when the timeout passed first */
#define HM_SYS_NOTIFY_WAIT 34
/* (unsigned slot, uint64_t bits, uint64_t period_ns) -> 0; needs WRITE; a kernel
 * timer signals the bits every period (period 0 stops it) */
#define HM_SYS_NOTIFY_TIMER 35
#define HM_SYS_COUNT 36

/* ---- IPC ----------------------------------------------------------------
 * A server registers a service: entry point, a cookie, the size of the
 * stacks calls run on and how many of them may be bound to client threads
 * ("pre-bound").  A client gets a CALL capability to the service (a grant,
 * or HM_SYS_NAME_LOOKUP), connects (optionally with a shared buffer for long
 * messages, mapped in both) and calls.  The calling thread itself moves
 * into the server ("thread migration"): the kernel switches the address
 * space, the stack and the PC, nothing else; the server runs on the
 * caller's time slice and priority.  The server's entry gets:
 *   x0 = cookie, x1..x4 = message words, x5 = message length (bytes in the
 *   buffer), x6 = the buffer's address in the server, x7 = granted slot
 *   (HM_NO_SLOT if none) | connection badge << 32,
 *   sp = a stack of its own, every other register 0.
 * It ends the call with HM_SYS_REPLY.  A call may be nested up to
 * HM_IPC_MAX_DEPTH deep; a chain that comes back to a service it is
 * already in reuses that invocation's stack (below its frame). */
#define HM_IPC_MAX_DEPTH 8
#define HM_IPC_BUF_MAX (64 * 1024)   /* largest shared buffer per connection */
#define HM_IPC_STACK_MAX (64 * 1024) /* largest service stack */
#define HM_IPC_GRANT_SLOT_BASE 224   /* granted capabilities land in 224..255 */
#define HM_NO_SLOT 0xffffu
/* A grant word (x5's upper half in a call and in a reply): the slot of the
 * capability to copy to the other side, and the rights the copy gets (a
 * subset of the source's; 0: the same).  The copy lands in the first free
 * slot of the receiver's grant range (a reply's: in the caller's receive
 * slot, if it named one that is free); the receiver needs nothing else. */
#define HM_GRANT(slot, rights) ((unsigned)(slot) | (unsigned)(rights) << 16)
/* With the rights of a reply's grant word: the server's capability goes with
 * the reply (its slot is emptied), as the server cannot delete it afterwards. */
#define HM_GRANT_MOVE 0x8000u
#define HM_GRANT_SLOT(word) ((unsigned)(word)&0xffffu)
#define HM_GRANT_RIGHTS(word) (((unsigned)(word) >> 16) & 0xffffu)
#define HM_RECLAIM_BADGE 0xffffffffu /* x7 badge of a kernel reclaim call; x1 = frames wanted */

/* HM_SYS_ACCOUNT: what the caller's process has been charged */
#define HM_ACCT_CPU_NS 0          /* CPU time of its threads, in any domain */
#define HM_ACCT_CPU_NS_SERVERS 1  /* ... of which in servers, serving its calls */
#define HM_ACCT_MEM_PAGES 2       /* pages servers hold mapped for its calls now */
#define HM_ACCT_MEM_PAGES_TOTAL 3 /* pages servers ever mapped for its calls */

/* HM_SYS_IPC_INFO: about the call the current thread is serving */
#define HM_IPCI_DEPTH 0       /* 0: not in a call */
#define HM_IPCI_ROOT_PID 1    /* the process at the start of the chain */
#define HM_IPCI_STACK_BASE 2  /* lowest address of the stack this invocation runs on */
#define HM_IPCI_POOL_FREE 3   /* free stacks in the current service's pool */
#define HM_IPCI_POOL_MAPPED 4 /* stacks mapped for the current service (pool + bound + in use) */
#define HM_IPCI_PID 5         /* the current domain's pid */
#define HM_IPCI_CALLER_PID 6  /* the pid of the domain that made this call */

#define HM_INFO_NCPUS 0
#define HM_INFO_FREE_FRAMES 1
#define HM_INFO_KOBJS 2      /* kernel objects alive */
#define HM_INFO_TICKS 3      /* timer interrupts so far, all CPUs */
#define HM_INFO_TIME_NS 4    /* monotonic time */
#define HM_INFO_TEST_MODE 5  /* 1 when booted with `ktest` */
#define HM_INFO_BENCH_MODE 6 /* 1 when booted with `bench` */
#define HM_INFO_PID 7        /* the calling thread's own (home) process id */

/* User programs may read the PMU cycle counter (PMCCNTR_EL0): under QEMU
 * with -icount shift=0 one cycle is one instruction (the benchmarks). */

#endif
