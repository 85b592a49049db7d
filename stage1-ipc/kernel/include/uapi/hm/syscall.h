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
#define HM_EINVAL 22 /* a bad value (alignment, flags, length) */
#define HM_ENOSPC 28 /* a table (slots, ASIDs) is full */
#define HM_ERANGE 34 /* an address or length outside what is allowed */
#define HM_ENOSYS 38 /* no such call */
#define HM_ETYPE 60  /* the capability is of the wrong type */

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

/* Rights (a capability carries a subset; a copy can only drop rights). */
#define HM_RIGHT_READ (1u << 0)    /* memory: map readable */
#define HM_RIGHT_WRITE (1u << 1)   /* memory: map writable */
#define HM_RIGHT_EXEC (1u << 2)    /* memory: map executable (never with write) */
#define HM_RIGHT_GRANT (1u << 3)   /* may be copied to another process */
#define HM_RIGHT_CONTROL (1u << 4) /* process: kill; thread: set priority */
#define HM_RIGHT_WAIT (1u << 5)    /* process: wait for exit; thread: join */
#define HM_RIGHTS_ALL 0x3fu

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

/* ---- call numbers ------------------------------------------------------ */
/* Console and process life */
#define HM_SYS_DEBUG_PUTS 0 /* (const char *s, size_t len) -> len */
#define HM_SYS_EXIT 1       /* (int code) -> never returns; ends the process */
#define HM_SYS_YIELD 2      /* () -> 0 */
#define HM_SYS_SPAWN \
    3 /* (const char *name, size_t nlen, const char *arg, size_t alen, unsigned dst_slot) -> 0;
                                 loads /name from the initramfs into a new process; its
                                 HM_CAP_PROCESS cap (all rights) goes to dst_slot. The new
                                 process's first thread starts at the ELF entry with x0 = pointer
                                 to a copy of `arg` (NUL-terminated) on its stack, x1 = alen. */
#define HM_SYS_WAIT 4 /* (unsigned proc_slot) -> exit status (see above); needs WAIT */
#define HM_SYS_KILL 5 /* (unsigned proc_slot) -> 0; needs CONTROL */
/* Memory */
#define HM_SYS_MAP 6   /* (void *va, size_t len, unsigned prot) -> 0; fresh zeroed pages */
#define HM_SYS_UNMAP 7 /* (void *va, size_t len) -> 0; every page must be mapped */
#define HM_SYS_MEM_CREATE \
    8 /* (size_t len, unsigned dst_slot) -> 0; memory object, rights R|W|X|GRANT */
#define HM_SYS_MEM_MAP \
    9 /* (unsigned mem_slot, void *va, unsigned prot) -> 0; prot needs the rights */
/* Threads and time */
#define HM_SYS_THREAD_CREATE \
    10 /* (void (*entry)(void *), void *stack_top, void *arg, int cpu, unsigned dst_slot)
                                   -> 0; cpu -1 = any; thread cap (all rights) to dst_slot */
#define HM_SYS_THREAD_EXIT \
    11 /* () -> never returns; the last thread's exit ends the process (code 0) */
#define HM_SYS_THREAD_JOIN 12  /* (unsigned thread_slot) -> 0 once it has exited; needs WAIT */
#define HM_SYS_SET_PRIORITY 13 /* (unsigned thread_slot, unsigned prio) -> 0; needs CONTROL */
#define HM_SYS_SLEEP 14        /* (uint64_t ns) -> 0 */
#define HM_SYS_CPU_ID 15       /* () -> the CPU this thread runs on (0-based) */
#define HM_SYS_INFO 16         /* (unsigned what) -> value; HM_INFO_* */
/* Capabilities */
#define HM_SYS_CAP_COPY \
    17 /* (unsigned src, unsigned dst_proc_slot, unsigned dst, unsigned rights) -> 0;
                                   copy into the process named by dst_proc_slot (HM_SLOT_SELF = own
                                   cspace); rights must be a subset of src's; to another process
                                   src needs GRANT */
#define HM_SYS_CAP_DELETE 18 /* (unsigned slot) -> 0 */
#define HM_SYS_CAP_REVOKE \
    19                     /* (unsigned slot) -> number of copies deleted; the slot itself stays */
#define HM_SYS_CAP_INFO 20 /* (unsigned slot) -> (type << 16) | rights */
/* Tests (CONFIG_KTEST builds only) */
#define HM_SYS_TEST_REPORT \
    21 /* (const char *name, size_t nlen, int passed, const char *detail, size_t dlen)
                                   -> 0; the kernel prints the [TEST] line and counts it */
#define HM_SYS_NULL 22 /* () -> 0: does nothing (the null_syscall benchmark) */
#define HM_SYS_COUNT 23

#define HM_INFO_NCPUS 0
#define HM_INFO_FREE_FRAMES 1
#define HM_INFO_KOBJS 2      /* kernel objects alive */
#define HM_INFO_TICKS 3      /* timer interrupts so far, all CPUs */
#define HM_INFO_TIME_NS 4    /* monotonic time */
#define HM_INFO_TEST_MODE 5  /* 1 when booted with `ktest` */
#define HM_INFO_BENCH_MODE 6 /* 1 when booted with `bench` */

/* User programs may read the PMU cycle counter (PMCCNTR_EL0): under QEMU
 * with -icount shift=0 one cycle is one instruction (the benchmarks). */

#endif
