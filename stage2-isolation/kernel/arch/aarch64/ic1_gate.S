// SPDX-License-Identifier: MIT
/*
 * ic1_gate.S - entering and leaving an IC1 domain (kernel/ic1.c).
 *
 * long ic1_enter(hm_handler_t entry, struct hm_msg *m, uint64_t sp)
 *
 * Runs entry(m) at EL1 on the domain's stack `sp`, with debug exceptions
 * unmasked (PSTATE.D clear) so that the watchpoints ic1.c armed catch any
 * load or store the domain makes outside its own memory.
 *
 * The domain runs on SP_EL0 (PSTATE.SPSel = 0, "EL1t"), not on the kernel's
 * SP_EL1: an exception it takes, even one caused by its stack overflowing
 * into the guard page, switches to SP_EL1, which still points at this
 * function's frame on the kernel stack; the trap frame goes there, never on
 * the domain's stack.  A faulting domain does not return: ic1_fault() makes
 * the exception return to ic1_fault_landing at EL1h with x0 = the status,
 * and ic1_enter returns that status to its caller.  SP_EL0 (a user thread's
 * stack pointer when we came from a system call, or the calling domain's
 * when one domain calls another) is kept and put back.
 *
 * ic1_gate_call_entry / ic1_gate_lookup_entry
 *
 * The domain's way into the kernel (services/svc_ic1.c reaches them through
 * the ic1_gates table the loader fills in): called from a domain at EL1t
 * with the arguments of ic1_gate_call() / ic1_gate_lookup() (kernel/ic1.c).
 * Debug exceptions are masked first (from here the kernel may touch its
 * own memory), then the gate moves to SP_EL1, the frame of the ic1_enter
 * that entered this domain, and calls the C half there; on the way back it
 * returns to the domain's stack and unmasks them again.  The domain's
 * stack pointer stays in SP_EL0 meanwhile; a domain the C half enters in
 * turn goes through ic1_enter, which keeps it.
 */
    .text
    .globl ic1_enter
    .type ic1_enter, %function
ic1_enter:
    stp x29, x30, [sp, #-112]!
    mov x29, sp
    stp x19, x20, [sp, #16]
    stp x21, x22, [sp, #32]
    stp x23, x24, [sp, #48]
    stp x25, x26, [sp, #64]
    stp x27, x28, [sp, #80]
    mrs x9, sp_el0
    str x9, [sp, #96]
    msr sp_el0, x2
    mov x9, x0
    mov x0, x1
    mov x29, xzr             /* no frame chain into the kernel's stack */
    msr spsel, #0            /* sp is the domain's stack now */
    msr daifclr, #8          /* watchpoints live from here ... */
    blr x9
    msr daifset, #8          /* ... to here */
    msr spsel, #1            /* sp is this function's frame again */

    .globl ic1_fault_landing
ic1_fault_landing:           /* from ic1_fault at EL1h: x0 = status, sp = our frame */
    ldr x9, [sp, #96]
    msr sp_el0, x9
    ldp x19, x20, [sp, #16]
    ldp x21, x22, [sp, #32]
    ldp x23, x24, [sp, #48]
    ldp x25, x26, [sp, #64]
    ldp x27, x28, [sp, #80]
    ldp x29, x30, [sp], #112
    ret
    .size ic1_enter, . - ic1_enter

    .macro gate name, fn
    .globl \name
    .type \name, %function
\name:
    msr daifset, #8          /* watchpoints off: kernel code from here */
    msr spsel, #1            /* onto the kernel stack, below ic1_enter's frame */
    stp x29, x30, [sp, #-16]!
    mov x29, xzr
    bl \fn
    ldp x29, x30, [sp], #16
    msr spsel, #0            /* back on the domain's stack */
    msr daifclr, #8          /* and watched again */
    ret
    .size \name, . - \name
    .endm

    gate ic1_gate_call_entry, ic1_gate_call
    gate ic1_gate_lookup_entry, ic1_gate_lookup
