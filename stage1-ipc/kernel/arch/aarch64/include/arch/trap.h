// SPDX-License-Identifier: MIT
/*
 * trap.h - the register frame vectors.S saves on every exception.
 *
 * The layout is shared with vectors.S (offsets TF_*): change both together.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#define TF_X(n) ((n)*8)
#define TF_SP 248
#define TF_ELR 256
#define TF_SPSR 264
#define TF_ESR 272
#define TF_FAR 280
#define TF_SIZE 288

/* Which of the 16 vector entries was taken (D1.10.2 "Exception vectors"). */
#define VEC_CUR_SP0 0
#define VEC_CUR_SPX 1
#define VEC_LOW_A64 2
#define VEC_LOW_A32 3
#define VEC_SYNC 0
#define VEC_IRQ 1
#define VEC_FIQ 2
#define VEC_SERROR 3

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame {
    uint64_t x[31]; /* x0..x30 */
    uint64_t sp;    /* the interrupted SP (SP_EL0 for traps from EL0) */
    uint64_t elr;
    uint64_t spsr;
    uint64_t esr;
    uint64_t far;
};
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame layout");

/** Called by vectors.S: `kind` = source * 4 + type (VEC_* above). */
void trap_entry(struct trap_frame *tf, unsigned kind);

/** A one-shot hook for in-kernel tests that expect a synchronous exception at
 *  EL1: if set when one happens, it is called with the frame (it may change
 *  ELR to skip the instruction) and cleared; returns nonzero if handled. */
extern int (*trap_expect_hook)(struct trap_frame *tf);

/** The interrupt controller's handler (drivers/gicv2.c) */
void irq_dispatch(struct trap_frame *tf);

/** Text name of an ESR exception class, for reports. */
const char *esr_class_name(unsigned ec);
#endif

#endif
