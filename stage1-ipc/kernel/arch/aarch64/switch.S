// SPDX-License-Identifier: MIT
/*
 * switch.S - thread switch and first entry of new threads.
 *
 * cpu_switch(prev, next) saves the callee-saved registers (AAPCS64: x19-x28,
 * fp, lr) and sp into prev->ctx and loads next's; it "returns" into next,
 * wherever next last called cpu_switch.  Caller-saved registers need no
 * saving: the C caller already assumes they are lost across the call.
 * User registers are not here: they are in the trap frame at the top of
 * each thread's kernel stack, and the FP/SIMD registers go through
 * fp_save/fp_restore (the kernel itself never touches them).
 */
    .text
    .globl cpu_switch
cpu_switch:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x2, sp
    str     x2, [x0, #96]
    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldr     x2, [x1, #96]
    mov     sp, x2
    ret

    .globl fp_save
fp_save:
    stp     q0, q1, [x0, #0]
    stp     q2, q3, [x0, #32]
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    stp     q8, q9, [x0, #128]
    stp     q10, q11, [x0, #160]
    stp     q12, q13, [x0, #192]
    stp     q14, q15, [x0, #224]
    stp     q16, q17, [x0, #256]
    stp     q18, q19, [x0, #288]
    stp     q20, q21, [x0, #320]
    stp     q22, q23, [x0, #352]
    stp     q24, q25, [x0, #384]
    stp     q26, q27, [x0, #416]
    stp     q28, q29, [x0, #448]
    stp     q30, q31, [x0, #480]
    mrs     x1, fpsr
    mrs     x2, fpcr
    add     x0, x0, #512
    stp     x1, x2, [x0]
    ret

    .globl fp_restore
fp_restore:
    ldp     q0, q1, [x0, #0]
    ldp     q2, q3, [x0, #32]
    ldp     q4, q5, [x0, #64]
    ldp     q6, q7, [x0, #96]
    ldp     q8, q9, [x0, #128]
    ldp     q10, q11, [x0, #160]
    ldp     q12, q13, [x0, #192]
    ldp     q14, q15, [x0, #224]
    ldp     q16, q17, [x0, #256]
    ldp     q18, q19, [x0, #288]
    ldp     q20, q21, [x0, #320]
    ldp     q22, q23, [x0, #352]
    ldp     q24, q25, [x0, #384]
    ldp     q26, q27, [x0, #416]
    ldp     q28, q29, [x0, #448]
    ldp     q30, q31, [x0, #480]
    add     x0, x0, #512
    ldp     x1, x2, [x0]
    msr     fpsr, x1
    msr     fpcr, x2
    ret

/*
 * ipc_enter_frame(at, regs[8], pc, sp): enter a server.  Builds a trap frame
 * at `at` (just below the caller's, on the same kernel stack: the C frames
 * that were there are abandoned) with x0..x7 = regs, every other register
 * zero (nothing of the caller's leaks into the server), and returns to EL0
 * at pc with sp.  Never returns.
 */
#include <arch/trap.h>
    .globl ipc_enter_frame
ipc_enter_frame:
    mov     sp, x0
    ldp     x4, x5, [x1, #0]
    ldp     x6, x7, [x1, #16]
    ldp     x8, x9, [x1, #32]
    ldp     x10, x11, [x1, #48]
    stp     x4, x5, [sp, #TF_X(0)]
    stp     x6, x7, [sp, #TF_X(2)]
    stp     x8, x9, [sp, #TF_X(4)]
    stp     x10, x11, [sp, #TF_X(6)]
    stp     xzr, xzr, [sp, #TF_X(8)]
    stp     xzr, xzr, [sp, #TF_X(10)]
    stp     xzr, xzr, [sp, #TF_X(12)]
    stp     xzr, xzr, [sp, #TF_X(14)]
    stp     xzr, xzr, [sp, #TF_X(16)]
    stp     xzr, xzr, [sp, #TF_X(18)]
    stp     xzr, xzr, [sp, #TF_X(20)]
    stp     xzr, xzr, [sp, #TF_X(22)]
    stp     xzr, xzr, [sp, #TF_X(24)]
    stp     xzr, xzr, [sp, #TF_X(26)]
    stp     xzr, xzr, [sp, #TF_X(28)]
    stp     xzr, x3, [sp, #TF_X(30)]        // x30 = 0, sp
    stp     x2, xzr, [sp, #TF_ELR]          // elr = pc, spsr = EL0t
    b       trap_return

/*
 * ipc_eret_server(cookie, tf, pc, sp, len, buf, info): enter a server
 * directly, without building a frame: SP_EL1 = tf (the caller's frame, so
 * the server's exceptions land below it), x0 = cookie, x1..x4 = the
 * message words from the caller's frame, x5..x7 = len, buf, info, every
 * other general register and TPIDR_EL0 zero, SP_EL0 = sp, return to EL0t
 * at pc.  The zeros are loaded in pairs from a zero quadword: fewer
 * instructions than 23 moves (this is the IPC fast path).
 */
    .globl ipc_eret_server
ipc_eret_server:
    mov     sp, x1
    msr     elr_el1, x2
    msr     sp_el0, x3
    msr     spsr_el1, xzr
    msr     tpidr_el0, xzr          // not the caller's thread pointer either
    mov     x7, x6                  // info
    mov     x6, x5                  // buffer
    mov     x5, x4                  // length
    ldp     x3, x4, [x1, #TF_X(3)]  // the message words, from the caller's frame
    ldp     x1, x2, [x1, #TF_X(1)]
    adrp    x30, ipc_zero_pair
    add     x30, x30, :lo12:ipc_zero_pair
    ldp     x8, x9, [x30]
    ldp     x10, x11, [x30]
    ldp     x12, x13, [x30]
    ldp     x14, x15, [x30]
    ldp     x16, x17, [x30]
    ldp     x18, x19, [x30]
    ldp     x20, x21, [x30]
    ldp     x22, x23, [x30]
    ldp     x24, x25, [x30]
    ldp     x26, x27, [x30]
    ldp     x28, x29, [x30]
    mov     x30, xzr
    eret

    .section ".rodata", "a"
    .balign 16
ipc_zero_pair:
    .quad   0, 0
    .text

/* ipc_return_to(tf): return to EL0 with the registers in tf. */
    .globl ipc_return_to
ipc_return_to:
    mov     sp, x0
    b       trap_return

/* fp_zero(): all FP/SIMD registers and FPSR/FPCR to zero. */
    .globl fp_zero
fp_zero:
    movi    v0.16b, #0
    movi    v1.16b, #0
    movi    v2.16b, #0
    movi    v3.16b, #0
    movi    v4.16b, #0
    movi    v5.16b, #0
    movi    v6.16b, #0
    movi    v7.16b, #0
    movi    v8.16b, #0
    movi    v9.16b, #0
    movi    v10.16b, #0
    movi    v11.16b, #0
    movi    v12.16b, #0
    movi    v13.16b, #0
    movi    v14.16b, #0
    movi    v15.16b, #0
    movi    v16.16b, #0
    movi    v17.16b, #0
    movi    v18.16b, #0
    movi    v19.16b, #0
    movi    v20.16b, #0
    movi    v21.16b, #0
    movi    v22.16b, #0
    movi    v23.16b, #0
    movi    v24.16b, #0
    movi    v25.16b, #0
    movi    v26.16b, #0
    movi    v27.16b, #0
    movi    v28.16b, #0
    movi    v29.16b, #0
    movi    v30.16b, #0
    movi    v31.16b, #0
    msr     fpsr, xzr
    msr     fpcr, xzr
    ret

/* A new user thread: sp points at its trap frame (thread_create_user). */
    .globl thread_trampoline_user
thread_trampoline_user:
    bl      sched_finish_switch
    b       trap_return

/* A new kernel thread: x19 = function, x20 = argument. */
    .globl thread_trampoline_kernel
thread_trampoline_kernel:
    bl      sched_finish_switch
    mov     x0, x20
    blr     x19
    bl      thread_exit
