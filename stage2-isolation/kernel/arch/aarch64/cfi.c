// SPDX-License-Identifier: MIT
/*
 * cfi.c - pointer authentication and BTI for IC1 domains (arch/cfi.h).
 */
#include <kernel.h>
#include <arch/cfi.h>
#include <arch/sysreg.h>

#define SCTLR_ENIA (1ul << 31)
#define SCTLR_BT1 (1ul << 36)

static uint64_t field(uint64_t reg, unsigned shift)
{
    return (reg >> shift) & 0xf;
}

bool cfi_has_pac(void)
{
    uint64_t isar1, isar2;
    __asm__ volatile("mrs %0, S3_0_C0_C6_1" : "=r"(isar1)); /* ID_AA64ISAR1_EL1 */
    __asm__ volatile("mrs %0, S3_0_C0_C6_2" : "=r"(isar2)); /* ID_AA64ISAR2_EL1 */
    /* APA (QARMA5), API (implementation defined), APA3 (QARMA3) */
    return field(isar1, 4) || field(isar1, 8) || field(isar2, 12);
}

bool cfi_has_bti(void)
{
    uint64_t pfr1;
    __asm__ volatile("mrs %0, S3_0_C0_C4_1" : "=r"(pfr1)); /* ID_AA64PFR1_EL1 */
    return field(pfr1, 0) != 0;
}

void cfi_init_cpu(void)
{
    uint64_t sctlr = read_sysreg(sctlr_el1), want = sctlr;
    if (cfi_has_pac())
        want |= SCTLR_ENIA;
    if (cfi_has_bti())
        want |= SCTLR_BT1;
    if (want != sctlr) {
        write_sysreg(sctlr_el1, want);
        isb();
    }
}

uint64_t cfi_random(void)
{
    uint64_t isar0, v;
    __asm__ volatile("mrs %0, S3_0_C0_C6_0" : "=r"(isar0)); /* ID_AA64ISAR0_EL1 */
    if (field(isar0, 60)) { /* RNDR: a random number, or NZCV.Z set when none */
        unsigned ok;
        __asm__ volatile("mrs %0, S3_3_C2_C4_0\n\tcset %w1, ne" : "=r"(v), "=r"(ok)::"cc");
        if (ok)
            return v;
    }
    static uint64_t state;
    /* splitmix64 over the counter */
    v = (state += 0x9e3779b97f4a7c15ul + read_sysreg(cntpct_el0));
    v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ul;
    v = (v ^ (v >> 27)) * 0x94d049bb133111ebul;
    return v ^ (v >> 31);
}
