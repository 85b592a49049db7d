// SPDX-License-Identifier: MIT
/*
 * traps.c - what the kernel does with each exception.
 *
 * Stage 1 base: IRQs go to the interrupt controller; any other exception at
 * EL1 is a kernel bug and panics with the full report, unless an in-kernel
 * test announced it (trap_expect_hook).  Exceptions from EL0 arrive once
 * user programs exist (stage 1 base kernel issue); until then they panic too.
 */
#include <kernel.h>
#include <panic.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <ipc.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <uapi/hm/syscall.h>
#ifdef CONFIG_STAGE2
#include <ic1.h>
#endif
#ifdef CONFIG_STAGE3
#include <pager.h>
#endif

void syscall_dispatch(struct trap_frame *tf, unsigned imm);

int (*trap_expect_hook)(struct trap_frame *tf);

const char *esr_class_name(unsigned ec)
{
    switch (ec) {
    case ESR_EC_UNKNOWN:
        return "unknown reason (undefined instruction?)";
    case ESR_EC_WFX:
        return "WFI/WFE";
    case ESR_EC_FP:
        return "FP/SIMD access";
    case ESR_EC_ILL:
        return "illegal execution state";
    case ESR_EC_SVC64:
        return "SVC";
    case ESR_EC_HVC64:
        return "HVC";
    case ESR_EC_SMC64:
        return "SMC";
    case ESR_EC_SYS64:
        return "system register access";
    case ESR_EC_IABT_LOW:
        return "instruction abort from EL0";
    case ESR_EC_IABT_CUR:
        return "instruction abort at EL1";
    case ESR_EC_PC_ALIGN:
        return "PC alignment fault";
    case ESR_EC_DABT_LOW:
        return "data abort from EL0";
    case ESR_EC_DABT_CUR:
        return "data abort at EL1";
    case ESR_EC_SP_ALIGN:
        return "SP alignment fault";
    case ESR_EC_SERROR:
        return "SError";
    case ESR_EC_BRK64:
        return "BRK instruction";
    default:
        return "unexpected exception class";
    }
}

static const char *const kind_names[16] = {
    "sync EL1t",          "IRQ EL1t",          "FIQ EL1t",          "SError EL1t",
    "sync EL1h",          "IRQ EL1h",          "FIQ EL1h",          "SError EL1h",
    "sync EL0 (AArch64)", "IRQ EL0 (AArch64)", "FIQ EL0 (AArch64)", "SError EL0 (AArch64)",
    "sync EL0 (AArch32)", "IRQ EL0 (AArch32)", "FIQ EL0 (AArch32)", "SError EL0 (AArch32)",
};

/* A user program did something it may not: it dies, the kernel goes on. */
static void user_fault(struct trap_frame *tf, unsigned kind)
{
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    int why = HM_KILL_OTHER;
    if (ec == ESR_EC_DABT_LOW || ec == ESR_EC_IABT_LOW)
        why = HM_KILL_FAULT;
    else if (ec == ESR_EC_UNKNOWN)
        why = HM_KILL_UNDEF;
    else if (ec == ESR_EC_PC_ALIGN || ec == ESR_EC_SP_ALIGN)
        why = HM_KILL_ALIGN;
#ifdef CONFIG_STAGE3 /* stage 3: a fault in a paged region goes to its pager */
    if (why == HM_KILL_FAULT && pager_fault(tf))
        return;
#endif
    struct thread *t = current();
    printk("proc: %s[%u] killed: %s (%s), FAR 0x%lx, PC 0x%lx, ESR 0x%lx\n", t->proc->name,
           t->proc->pid, esr_class_name(ec), kind_names[kind & 15], tf->far, tf->elr, tf->esr);
    proc_kill(t->proc, HM_EXIT_KILLED | why);
    if (t->depth) /* a server faulted during a call: the caller gets an error */
        ipc_unwind(-HM_EPIPE);
    thread_exit();
}

void trap_entry(struct trap_frame *tf, unsigned kind)
{
    unsigned type = kind & 3;

    if (kind >= VEC_LOW_A64 * 4) { /* from EL0 */
        if (type == VEC_IRQ) {
            irq_dispatch(tf);
        } else if (kind == VEC_LOW_A64 * 4 + VEC_SYNC &&
                   ((tf->esr >> ESR_EC_SHIFT) & 0x3f) == ESR_EC_SVC64) {
            unsigned imm = (unsigned)(tf->esr & 0xffff);
            if (imm == HM_SVC_NATIVE && tf->x[8] == HM_SYS_CALL)
                ipc_fast_call(tf); /* these return only when the general path is needed */
            else if (imm == HM_SVC_NATIVE && tf->x[8] == HM_SYS_REPLY)
                ipc_fast_reply(tf);
            syscall_dispatch(tf, imm);
        } else if (kind == VEC_LOW_A64 * 4 + VEC_SYNC &&
                   ((tf->esr >> ESR_EC_SHIFT) & 0x3f) == ESR_EC_FP && ipc_fp_trap()) {
            /* a server's first FP/SIMD instruction: it now has zeroed registers */
        } else if (type == VEC_SYNC || kind >= VEC_LOW_A32 * 4) {
            user_fault(tf, kind);
        } else { /* FIQ, SError from EL0: not ours to survive */
            panic_trap(kind_names[kind & 15], tf);
        }
        sched_user_return();
        return;
    }
    if (type == VEC_IRQ && kind != 1) { /* IRQ while on SP_EL0 at EL1 is never expected */
        irq_dispatch(tf);
        return;
    }
#ifdef CONFIG_STAGE2 /* stage 2: a fault inside an IC1 domain (EL1t) stops that service */
    if (kind == VEC_CUR_SP0 * 4 + VEC_SYNC && ic1_fault(tf))
        return;
#endif
    if (kind == VEC_CUR_SPX * 4 + VEC_SYNC && trap_expect_hook) {
        int (*hook)(struct trap_frame *) = trap_expect_hook;
        trap_expect_hook = 0;
        if (hook(tf))
            return;
    }
    panic_trap(kind_names[kind & 15], tf);
}
