// SPDX-License-Identifier: MIT
/*
 * ipc.S - where a call enters a server (see ipc.h).
 *
 * The kernel enters with x0 = the handler (the cookie given at
 * registration), x1..x4 = message words, x5 = length, x6 = buffer, x7 =
 * granted slot | badge << 32, sp = the top of this invocation's stack, and
 * every other register zero.  We keep 1 KiB at the top of the stack as this
 * invocation's thread block (musl reaches errno through TPIDR_EL0; see
 * crt0.S), build a struct hm_msg, run the handler and reply with what it
 * left there.  The kernel restores the caller's TPIDR_EL0 on the reply.
 * (1 KiB is enough for musl's thread structure, about 200 bytes below the
 * thread pointer, and no __thread data above it.)
 */
#include <hm/syscall.h>

    .text
    .globl hm_service_entry
    .type hm_service_entry, %function
hm_service_entry:
    sub     x9, sp, #512            // thread block: [sp - 1024, sp)
    msr     tpidr_el0, x9
    sub     sp, sp, #(1024 + 64)    // ... and below it struct hm_msg (48 bytes, 16-aligned)
    stp     x1, x2, [sp, #0]        // w[0], w[1]
    stp     x3, x4, [sp, #16]       // w[2], w[3]
    stp     x5, x6, [sp, #32]       // len, buf
    str     x7, [sp, #48]           // grant (low 32), badge (high 32)
    mov     x9, x0
    mov     x0, sp
    blr     x9                      // status = handler(&msg)
1:  ldp     x1, x2, [sp, #0]
    ldp     x3, x4, [sp, #16]
    ldr     x5, [sp, #32]
    mov     x8, #HM_SYS_REPLY
    svc     #HM_SVC_NATIVE
    /* The reply was refused (its length is larger than the buffer, or
     * the capability it grants cannot go): answer with the kernel's error
     * (in x0) and nothing else. */
    str     xzr, [sp, #32]
    b       1b
    .size hm_service_entry, . - hm_service_entry
