// SPDX-License-Identifier: MIT
/*
 * cfi.h - control-flow integrity for IC1 domains: pointer authentication
 * (FEAT_PAuth) and branch target identification (FEAT_BTI).
 *
 * IC1 code is built with -mbranch-protection=pac-ret+bti: a function that
 * saves its return address signs it first (paciasp, with the stack pointer
 * as the modifier) and checks it before returning (autiasp), and every
 * function that may be reached by an indirect branch starts with `bti c`.
 * Both are hint-space instructions, so the same image runs as before on a
 * CPU without them (the Cortex-A72).  Where the CPU has them the kernel
 * turns them on: SCTLR_EL1.EnIA for the instruction A key, BT1 for BTI at
 * EL1 on pages mapped "guarded" (the domains' code), and gives every
 * domain a key of its own, loaded by the gate, so that neither another
 * domain nor a user program (which runs with a different key) can forge a
 * signed return address for it (Arm ARM D8.8 "Pointer authentication",
 * D8.9 "Branch Target Identification").
 */
#ifndef ARCH_CFI_H
#define ARCH_CFI_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_GP (1ul << 50) /* stage 1 descriptor: a guarded page (BTI) */

/** Whether this CPU has pointer authentication (instruction A key) / BTI. */
bool cfi_has_pac(void);
bool cfi_has_bti(void);
/** Per CPU, before the first domain runs there: enable what the CPU has. */
void cfi_init_cpu(void);
/** A 64-bit value for a key: RNDR where the CPU has it, else mixed from
 *  the counter (unpredictable enough for a teaching kernel, not a secret
 *  from someone who can watch the boot). */
uint64_t cfi_random(void);

/** Load the instruction A key (APIAKeyLo/Hi_EL1); the caller synchronises
 *  (isb) before signed code runs. */
static inline void cfi_set_key(const uint64_t key[2])
{
    __asm__ volatile("msr S3_0_C2_C1_0, %0\n\tmsr S3_0_C2_C1_1, %1" ::"r"(key[0]), "r"(key[1]));
}

#endif
