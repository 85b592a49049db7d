// SPDX-License-Identifier: MIT
/*
 * ic1_gate.S - entering and leaving an IC1 domain (kernel/ic1.c).
 *
 * The frame convention.  Whoever enters a domain leaves SP_EL1 pointing at
 * a frame whose first word is where to resume when the domain is done
 * (x0 = the status), and the domain runs on SP_EL0 (PSTATE.SPSel = 0,
 * "EL1t").  Any exception the domain takes, its own stack overflowing into
 * a guard page included, switches to SP_EL1, so the trap frame goes below
 * that frame, never on the domain's stack; when ic1_fault() stops the
 * domain it returns to ic1_fault_landing at EL1h, which resumes there.
 *
 * long ic1_enter(hm_handler_t entry, struct hm_msg *m, uint64_t sp)
 *
 *   From C (ic1.c): runs entry(m) on the domain's stack `sp`, with debug
 *   exceptions unmasked (PSTATE.D clear) so that the watchpoints ic1.c armed
 *   catch any load or store the domain makes outside its own memory.
 *   SP_EL0 (a user thread's stack pointer when we came from a system call,
 *   or the calling domain's) is kept and put back, and so are x19..x30:
 *   the domain is not trusted to keep the procedure-call standard.
 *
 * ic1_gate_call_entry   (x0 = handle, x1..x4 = the message's words)
 *                       -> x0 = status, x1..x4 = the reply's words
 * ic1_gate_call_buf_entry (the same, x5 = a buffer in the caller's heap,
 *                       x6 = its length) -> also x5 = the reply's length
 * ic1_gate_lookup_entry (x0 = name) -> x0 = handle or -HM_E*
 *
 *   A domain's way into the kernel (services/svc_ic1.c reaches them through
 *   the ic1_gates table the loader filled in), called at EL1t.  Debug
 *   exceptions are masked first (from here the kernel may touch its own
 *   memory), then the gate moves to SP_EL1.  The message travels in
 *   registers, so the gate never reads the caller's memory.
 *
 *   The fast path is a call from one domain into another that needs no
 *   re-arming: the handle names a loaded domain, not busy on this CPU, not
 *   stopped, and the watchpoints are armed for the caller with one on the
 *   callee's slot.  It moves that one watchpoint to the caller's slot,
 *   puts the message on the callee's stack for this CPU and enters it; on
 *   the way back the reverse.  Anything else goes to ic1_gate_call() in
 *   C, which does the same and more (IC1 -> IC0, errors, re-arming).
 */
#include <ic1.h>

#define HM_NO_SLOT 0xffff

/* Both entries keep the caller's x19..x28 at [sp, #16..#95] of their frame
 * and x29, x30 at [sp, #96] (the domain may clobber them all). */
    .macro save_callee_saved
    stp x19, x20, [sp, #16]
    stp x21, x22, [sp, #32]
    stp x23, x24, [sp, #48]
    stp x25, x26, [sp, #64]
    stp x27, x28, [sp, #80]
    .endm
    .macro restore_callee_saved
    ldp x19, x20, [sp, #16]
    ldp x21, x22, [sp, #32]
    ldp x23, x24, [sp, #48]
    ldp x25, x26, [sp, #64]
    ldp x27, x28, [sp, #80]
    ldp x29, x30, [sp, #96]
    .endm

    .text
    .globl ic1_enter
    .type ic1_enter, %function
ic1_enter:
    sub sp, sp, #112
    stp x29, x30, [sp, #96]
    save_callee_saved
    adr x9, 1f
    mrs x10, sp_el0
    stp x9, x10, [sp]        /* resume here; the SP_EL0 to put back */
    msr sp_el0, x2
    mov x9, x0
    mov x0, x1
    mov x29, xzr             /* no frame chain into the kernel's stack */
    msr spsel, #0            /* sp is the domain's stack now */
    msr daifclr, #8          /* watchpoints live from here ... */
    blr x9
    msr daifset, #8          /* ... to here */
    msr spsel, #1            /* sp is this function's frame again */
1:  ldr x10, [sp, #8]
    msr sp_el0, x10
    restore_callee_saved
    add sp, sp, #112
    ret
    .size ic1_enter, . - ic1_enter

    /* From ic1_fault at EL1h: x0 = the status, sp = the entry's frame. */
    .globl ic1_fault_landing
    .type ic1_fault_landing, %function
ic1_fault_landing:
    ldr x9, [sp]
    br x9
    .size ic1_fault_landing, . - ic1_fault_landing

/* Jump into a table of `msr dbgwvr<n>_el1, x9` (the register is named in
 * the instruction) at entry x8, then isb: watchpoint x8 moves to address
 * x9.  Clobbers x10. */
#define WVR(n) msr dbgwvr##n##_el1, x9; b 2f
    .macro wvr_move
    adr x10, 1f
    add x10, x10, x8, lsl #3
    br x10
1:  WVR(0); WVR(1); WVR(2); WVR(3); WVR(4); WVR(5); WVR(6); WVR(7)
    WVR(8); WVR(9); WVR(10); WVR(11); WVR(12); WVR(13); WVR(14); WVR(15)
2:  isb
    .endm

/* The fast path's frame on SP_EL1 (176 bytes):
 *   0 resume, 8 the caller's SP_EL0, 16..95 x19..x28, 96 x29, 104 x30,
 *   112 this CPU's struct ic1_cpu, 120 the caller (a), 128 the callee (b),
 *   136 the message on b's stack, 144 &b->busy[cpu], 152 n (the watchpoint
 *   moved), 160 ic1_cpu.arms when it was moved, 168 the status (.Lrearm).
 *
 * Its bookkeeping is only ic1_cpu.running: it moves watchpoint n from b's
 * slot to a's and back without recording it (armed and wp_of go on saying
 * what they said for a; a call from b back into a, where they would be
 * wrong, is refused as busy).  If anything re-armed the watchpoints in
 * between (arms changed), it has them armed for a again in C. */
    .globl ic1_gate_call_entry
    .type ic1_gate_call_entry, %function
ic1_gate_call_entry:
    msr daifset, #8          /* watchpoints off: kernel code from here */
    msr spsel, #1            /* onto the kernel stack, below the entry's frame */
    cmp x0, #IC0_MAX_SERVICES
    b.hs .Lslow                              /* no such handle */
    adrp x13, ic0_ic1_targets
    add x13, x13, :lo12:ic0_ic1_targets
    ldr x16, [x13, x0, lsl #3]               /* b: the callee */
    cbz x16, .Lslow                          /* an IC0 service, or none */
    mrs x9, tpidr_el1
    ldr w10, [x9]                            /* this_cpu()->id */
    adrp x11, ic1_cpu
    add x11, x11, :lo12:ic1_cpu
    add x11, x11, x10, lsl #IC1_C_SHIFT      /* c */
    add x14, x16, x10
    ldrb w15, [x14, #IC1_D_BUSY]!            /* x14 = &b->busy[cpu] */
    cbnz w15, .Lslow                         /* b is in this CPU's chain */
    ldr w6, [x16, #IC1_D_INDEX]
    add x7, x11, #IC1_C_WP_OF
    ldrsb x8, [x7, x6]                       /* n: the watchpoint on b's slot */
    tbnz x8, #63, .Lslow                     /* none: loaded since the arming */
    mov w15, #1
    strb w15, [x14]
    dmb ish                                  /* busy before dead (ic1_restart) */
    ldr w15, [x16, #IC1_D_DEAD]
    cbnz w15, .Lslow_unbusy
    /* the message's words onto b's stack for this CPU (init_msgs() set the rest) */
    ldr x15, [x16, #IC1_D_STACK0]
    ldr x9, [x11, #IC1_C_STACKOFF]
    add x15, x15, x9
    sub x15, x15, #IC1_MSG_OFF
    stp x1, x2, [x15]
    stp x3, x4, [x15, #16]
    /* the frame */
    mrs x10, sp_el0
    adr x9, .Lresume
    stp x9, x10, [sp, #-176]!
    save_callee_saved
    stp x29, x30, [sp, #96]
    ldr x12, [x11, #IC1_C_RUNNING]           /* a: the caller */
    stp x11, x12, [sp, #112]
    stp x16, x15, [sp, #128]
    stp x14, x8, [sp, #144]
    ldr w9, [x11, #IC1_C_ARMS]
    str x9, [sp, #160]
    /* b's pointer-authentication key, if the CPU has them; the isb after
     * the watchpoint move synchronises it */
    adrp x9, ic1_pac
    ldr w9, [x9, :lo12:ic1_pac]
    cbz w9, 3f
    ldp x9, x10, [x16, #IC1_D_KEY]
    msr S3_0_C2_C1_0, x9                     /* APIAKeyLo_EL1 */
    msr S3_0_C2_C1_1, x10                    /* APIAKeyHi_EL1 */
3:  /* the watchpoint on b's slot moves to a's */
    ldr x9, [x12, #IC1_D_BASE]
    wvr_move
    str x16, [x11, #IC1_C_RUNNING]
    /* into b, on its stack just below the message */
    ldr x9, [x16, #IC1_D_ENTRY]
    msr sp_el0, x15
    mov x0, x15
    msr spsel, #0
    msr daifclr, #8
    blr x9
    msr daifset, #8
    msr spsel, #1
.Lresume:                                    /* also from ic1_fault_landing; x0 = status */
    ldp x11, x12, [sp, #112]
    ldp x16, x15, [sp, #128]
    ldr x9, [sp, #160]
    ldr w10, [x11, #IC1_C_ARMS]
    cmp w10, w9
    b.ne .Lrearm
    adrp x9, ic1_pac
    ldr w9, [x9, :lo12:ic1_pac]
    cbz w9, 3f
    ldp x9, x10, [x12, #IC1_D_KEY]           /* a's key again */
    msr S3_0_C2_C1_0, x9
    msr S3_0_C2_C1_1, x10
3:  /* the watchpoint on a's slot goes back to b's */
    ldr x8, [sp, #152]
    ldr x9, [x16, #IC1_D_BASE]
    wvr_move
.Lback:
    str x12, [x11, #IC1_C_RUNNING]
    ldp x1, x2, [x15]                        /* the reply (if b was stopped: what is there) */
    ldp x3, x4, [x15, #16]
    ldr x14, [sp, #144]
    stlrb wzr, [x14]                         /* b not busy here any more */
    ldr x10, [sp, #8]
    msr sp_el0, x10
    restore_callee_saved
    add sp, sp, #176
    msr spsel, #0                            /* back on a's stack */
    msr daifclr, #8                          /* and watched again */
    ret
.Lrearm:                                     /* (ic1_rearm() loads a's key too) */
    str x0, [sp, #168]
    mov x0, x12
    bl ic1_rearm
    ldr x0, [sp, #168]
    ldp x11, x12, [sp, #112]
    ldp x16, x15, [sp, #128]
    b .Lback

.Lslow_unbusy:
    stlrb wzr, [x14]
.Lslow:                                      /* ic1_gate_call(h, m), m on this stack */
    sub sp, sp, #80
    stp x29, x30, [sp, #64]
    stp x1, x2, [sp]
    stp x3, x4, [sp, #16]
    mov x1, sp
    bl ic1_gate_call
    ldp x1, x2, [sp]
    ldp x3, x4, [sp, #16]
    ldp x29, x30, [sp, #64]
    add sp, sp, #80
    msr spsel, #0
    msr daifclr, #8
    ret
    .size ic1_gate_call_entry, . - ic1_gate_call_entry

/* A call with a long message (x5 = its address in the caller's heap, x6 =
 * its length): always the C path, ic1_gate_call_buf(h, m, x5, x6), which
 * checks and lends the buffer; the reply's length comes back in x5. */
    .globl ic1_gate_call_buf_entry
    .type ic1_gate_call_buf_entry, %function
ic1_gate_call_buf_entry:
    msr daifset, #8
    msr spsel, #1
    sub sp, sp, #80
    stp x29, x30, [sp, #64]
    stp x1, x2, [sp]
    stp x3, x4, [sp, #16]
    mov x1, sp
    mov x2, x5
    mov x3, x6
    bl ic1_gate_call_buf
    ldp x1, x2, [sp]
    ldp x3, x4, [sp, #16]
    ldr x5, [sp, #32]                        /* m->len */
    ldp x29, x30, [sp, #64]
    add sp, sp, #80
    msr spsel, #0
    msr daifclr, #8
    ret
    .size ic1_gate_call_buf_entry, . - ic1_gate_call_buf_entry

    .globl ic1_gate_lookup_entry
    .type ic1_gate_lookup_entry, %function
ic1_gate_lookup_entry:
    msr daifset, #8
    msr spsel, #1
    stp x29, x30, [sp, #-16]!
    bl ic1_gate_lookup
    ldp x29, x30, [sp], #16
    msr spsel, #0
    msr daifclr, #8
    ret
    .size ic1_gate_lookup_entry, . - ic1_gate_lookup_entry
