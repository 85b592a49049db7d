// SPDX-License-Identifier: MIT
/*
 * crt0.S - start-up code of every stage-1 user program.
 *
 * The kernel enters a new program at its ELF entry (_start) with
 *   x0 = pointer to the NUL-terminated argument string (on the stack),
 *   x1 = its length,
 *   sp = top of the stack, 16-byte aligned.
 * _start gives the program a thread pointer, then calls
 * main(arg, len) and ends the process with hm_exit(main's result).
 *
 * Why a thread pointer: musl keeps errno (and its other per-thread state)
 * in `struct pthread`, which on AArch64 it places just *below* the address
 * in TPIDR_EL0 (TLS variant 1: static TLS above the pointer, the thread
 * descriptor below).  Functions we use, such as strtoul and vsnprintf, may
 * set errno, so TPIDR_EL0 must point into writable memory before any libc
 * call.  A zeroed 2 KiB static block with TPIDR_EL0 at its middle leaves
 * 1 KiB below (struct pthread is about 200 bytes) and 1 KiB above (the TLS
 * area, unused: stage-1 programs have no _Thread_local data).  Zero is what
 * musl's fields must be for the calls we make (no locale is installed, which
 * is why hm.h forbids %m/%lc/%ls).
 *
 * hm_thread_trampoline is where threads made by hm_thread_spawn() start.
 */
#include <hm/syscall.h>

/* Size of a thread's TLS block and where in it TPIDR_EL0 points (hm.c uses
 * the same numbers). */
#define TLS_SIZE 2048
#define TLS_TP_OFFSET 1024

    .section .text._start, "ax"
    .global _start
    .type _start, %function
_start:
    /* Thread pointer first: nothing in libc may run before it is set. */
    adrp    x9, hm_tls_main
    add     x9, x9, :lo12:hm_tls_main
    add     x9, x9, #TLS_TP_OFFSET
    msr     tpidr_el0, x9
    /* Outermost frame: a zero frame pointer and link register end any
     * backtrace (gdb, the kernel's fault report) here. */
    mov     x29, #0
    mov     x30, #0
    /* x0 (arg) and x1 (len) are already main's arguments. */
    bl      main
    /* hm_exit(ret): the low 32 bits of x0 are main's int result. */
    sxtw    x0, w0
    mov     x8, #HM_SYS_EXIT
    svc     #HM_SVC_NATIVE
    /* hm_exit does not return; if it ever did, stop here with a fault. */
    brk     #0
    .size _start, . - _start

/*
 * hm_thread_trampoline(block): entry of threads made by hm_thread_spawn().
 * The kernel starts the thread with x0 = block and sp = the stack top just
 * below the block; clear the frame chain as in _start and continue in C
 * (hm_thread_main never returns).
 */
    .text
    .global hm_thread_trampoline
    .type hm_thread_trampoline, %function
hm_thread_trampoline:
    mov     x29, #0
    mov     x30, #0
    b       hm_thread_main
    .size hm_thread_trampoline, . - hm_thread_trampoline

/* The main thread's TLS block (see the comment at the top). */
    .bss
    .balign 16
    .global hm_tls_main
    .type hm_tls_main, %object
hm_tls_main:
    .skip   TLS_SIZE
    .size hm_tls_main, TLS_SIZE
