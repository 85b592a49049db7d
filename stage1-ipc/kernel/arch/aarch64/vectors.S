// SPDX-License-Identifier: MIT
/*
 * vectors.S - the EL1 exception vector table.
 *
 * 16 entries of 128 bytes, 2 KiB aligned (Arm ARM D1.10.2): four sources
 * (current EL with SP_EL0, current EL with SP_ELx, lower EL AArch64, lower
 * EL AArch32) times four types (synchronous, IRQ, FIQ, SError).  Every entry
 * saves the full register state into a struct trap_frame on the kernel stack
 * and calls trap_entry(frame, kind) in traps.c; on return the state is
 * restored, so a handler may change the frame (ELR to skip an instruction).
 */
#include <arch/trap.h>
#include <arch/sysreg.h>
#include <uapi/hm/syscall.h>

    .macro  vector kind
    .balign 128
    sub     sp, sp, #TF_SIZE
    stp     x0, x1, [sp, #TF_X(0)]
    mov     x1, #\kind
    b       trap_common
    .endm

    .section ".text.vectors", "ax"
    .balign 2048
    .globl exception_vectors
exception_vectors:
    vector  0
    vector  1
    vector  2
    vector  3
    vector  4
    vector  5
    vector  6
    vector  7
    vector  8
    vector  9
    vector  10
    vector  11
    vector  12
    vector  13
    vector  14
    vector  15

trap_common:
    /* Part A: the registers C code may clobber (x0..x18, x29, x30). */
    stp     x2, x3, [sp, #TF_X(2)]
    stp     x4, x5, [sp, #TF_X(4)]
    stp     x6, x7, [sp, #TF_X(6)]
    stp     x8, x9, [sp, #TF_X(8)]
    stp     x10, x11, [sp, #TF_X(10)]
    stp     x12, x13, [sp, #TF_X(12)]
    stp     x14, x15, [sp, #TF_X(14)]
    stp     x16, x17, [sp, #TF_X(16)]
    str     x18, [sp, #TF_X(18)]
    str     x29, [sp, #TF_X(29)]
    str     x30, [sp, #TF_X(30)]
    /* An IPC reply (svc #1 with x8 = HM_SYS_REPLY from EL0) first tries the
     * fast path, which needs nothing of the server's but x0..x5: if it
     * succeeds it returns straight into the caller and the rest of the
     * server's registers are never saved. */
    cmp     x1, #8
    b.ne    1f
    cmp     x8, #HM_SYS_REPLY
    b.ne    1f
    mrs     x2, esr_el1
    mov     x3, #HM_SVC_NATIVE      // ESR: EC SVC64, IL (32-bit instruction), imm 1
    movk    x3, #(((ESR_EC_SVC64 << ESR_EC_SHIFT) | (1 << 25)) >> 16), lsl #16
    cmp     x2, x3
    b.ne    1f
    mov     x0, sp
    bl      ipc_fast_reply          // returns: the general path must do it
    ldr     x30, [sp, #TF_X(30)]
    mov     x1, #8
1:
    /* Part B: the callee-saved registers (C code left them alone) and the
     * exception state. */
    str     x19, [sp, #TF_X(19)]
    stp     x20, x21, [sp, #TF_X(20)]
    stp     x22, x23, [sp, #TF_X(22)]
    stp     x24, x25, [sp, #TF_X(24)]
    stp     x26, x27, [sp, #TF_X(26)]
    str     x28, [sp, #TF_X(28)]
    /* The interrupted SP: SP_EL0 if we came from EL0 (kinds 8..15), else ours before the frame. */
    cmp     x1, #8
    b.lo    2f
    mrs     x2, sp_el0
    b       3f
2:  add     x2, sp, #TF_SIZE
3:  str     x2, [sp, #TF_SP]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #TF_ELR]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #TF_ESR]
    /* An IPC call (svc #1, x8 = HM_SYS_CALL, from EL0) tries the fast path
     * straight away; it returns when the general path must do the call. */
    cmp     x1, #8
    b.ne    4f
    cmp     x8, #HM_SYS_CALL
    b.ne    4f
    mov     x3, #HM_SVC_NATIVE
    movk    x3, #(((ESR_EC_SVC64 << ESR_EC_SHIFT) | (1 << 25)) >> 16), lsl #16
    cmp     x2, x3
    b.ne    4f
    mov     x0, sp
    bl      ipc_fast_call
    mov     x1, #8
4:
    /* A frame record so backtraces walk from the handler into the interrupted code. */
    ldr     x2, [sp, #TF_ELR]
    stp     x29, x2, [sp, #-16]!
    mov     x29, sp
    add     x0, sp, #16
    bl      trap_entry
    add     sp, sp, #16

    /* Restore the frame at sp and return from the exception.  New user
     * threads also start here (switch.S), with a frame made by the kernel. */
    .globl trap_return
trap_return:

    ldp     x2, x3, [sp, #TF_ELR]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldr     x2, [sp, #TF_SP]
    ldr     x3, [sp, #TF_SPSR]
    tst     x3, #0xf                // returning to EL0t? restore SP_EL0
    b.ne    3f
    msr     sp_el0, x2
3:  ldp     x0, x1, [sp, #TF_X(0)]
    ldp     x2, x3, [sp, #TF_X(2)]
    ldp     x4, x5, [sp, #TF_X(4)]
    ldp     x6, x7, [sp, #TF_X(6)]
    ldp     x8, x9, [sp, #TF_X(8)]
    ldp     x10, x11, [sp, #TF_X(10)]
    ldp     x12, x13, [sp, #TF_X(12)]
    ldp     x14, x15, [sp, #TF_X(14)]
    ldp     x16, x17, [sp, #TF_X(16)]
    ldp     x18, x19, [sp, #TF_X(18)]
    ldp     x20, x21, [sp, #TF_X(20)]
    ldp     x22, x23, [sp, #TF_X(22)]
    ldp     x24, x25, [sp, #TF_X(24)]
    ldp     x26, x27, [sp, #TF_X(26)]
    ldp     x28, x29, [sp, #TF_X(28)]
    ldr     x30, [sp, #TF_X(30)]
    add     sp, sp, #TF_SIZE
    eret
