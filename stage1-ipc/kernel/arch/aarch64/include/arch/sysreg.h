// SPDX-License-Identifier: MIT
/*
 * sysreg.h - AArch64 system register access and the bit fields we use.
 *
 * Bit positions are from the Arm Architecture Reference Manual for A-profile
 * (DDI 0487), chapter D19 "AArch64 System Register Descriptions".
 */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#ifndef __ASSEMBLER__
#include <stdint.h>

#define read_sysreg(r)                               \
    ({                                               \
        uint64_t __v;                                \
        __asm__ volatile("mrs %0, " #r : "=r"(__v)); \
        __v;                                         \
    })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" ::"r"((uint64_t)(v)))
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define wfi() __asm__ volatile("wfi" ::: "memory")
#define wfe() __asm__ volatile("wfe" ::: "memory")
#define irq_enable() __asm__ volatile("msr daifclr, #2" ::: "memory")
#define irq_disable() __asm__ volatile("msr daifset, #2" ::: "memory")

static inline unsigned cpu_current_el(void)
{
    return (read_sysreg(CurrentEL) >> 2) & 3;
}
#endif

/* SCTLR_EL1 (D19.2.118) */
#define SCTLR_M (1 << 0)    /* MMU enable */
#define SCTLR_A (1 << 1)    /* alignment check */
#define SCTLR_C (1 << 2)    /* data cache enable */
#define SCTLR_SA (1 << 3)   /* SP alignment check, EL1 */
#define SCTLR_SA0 (1 << 4)  /* SP alignment check, EL0 */
#define SCTLR_I (1 << 12)   /* instruction cache enable */
#define SCTLR_WXN (1 << 19) /* writable implies execute-never */
#define SCTLR_EL1_RES1 ((1 << 11) | (1 << 20) | (1 << 22) | (1 << 23) | (1 << 28) | (1 << 29))
#define SCTLR_DZE (1 << 14)  /* EL0 may use DC ZVA */
#define SCTLR_UCT (1 << 15)  /* EL0 may read CTR_EL0 */
#define SCTLR_nTWI (1 << 16) /* WFI at EL0 does not trap */
#define SCTLR_nTWE (1 << 18) /* WFE at EL0 does not trap (user spinlocks) */
#define SCTLR_UCI (1 << 26)  /* EL0 may clean caches to PoU (JITs, loaders) */
/* The running value: MMU, caches, alignment of SP, W^X, user-friendly traps off. */
#define SCTLR_EL1_ON                                                                               \
    (SCTLR_EL1_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_SA0 | SCTLR_WXN | SCTLR_DZE | \
     SCTLR_UCT | SCTLR_nTWI | SCTLR_nTWE | SCTLR_UCI)

/* HCR_EL2 (D19.2.49): RW=1, EL1 is AArch64 */
#define HCR_RW (1 << 31)
#define HCR_APK 0x10000000000 /* bit 40: EL1 accesses to pointer-authentication keys not trapped */
#define HCR_API 0x20000000000 /* bit 41: pointer-authentication instructions not trapped */
/* SPSR: EL1h with D, A, I, F masked */
#define SPSR_EL1H_MASKED 0x3c5
/* CPACR_EL1.FPEN = 0b11: no trap of FP/SIMD at EL0/EL1 */
#define CPACR_FPEN (3 << 20)
/* CNTHCTL_EL2: EL1PCTEN | EL1PCEN, EL1 may use the physical counter and timer */
#define CNTHCTL_EL1_ACCESS 3

/* PMU (D19.11): PMCR_EL0 bits and PMCCFILTR_EL0.NSH */
#define PMCR_E (1 << 0)
#define PMCR_P (1 << 1)
#define PMCR_C (1 << 2)
#define PMCR_LC (1 << 6)
#define PMCCFILTR_NSH (1 << 27)
#define PMCNTEN_CYCLES (1u << 31)

/* ESR_ELx.EC exception classes (D19.2.37) */
#define ESR_EC_SHIFT 26
#define ESR_EC_UNKNOWN 0x00
#define ESR_EC_WFX 0x01
#define ESR_EC_FP 0x07
#define ESR_EC_ILL 0x0e
#define ESR_EC_SVC64 0x15
#define ESR_EC_HVC64 0x16
#define ESR_EC_SMC64 0x17
#define ESR_EC_SYS64 0x18
#define ESR_EC_IABT_LOW 0x20
#define ESR_EC_IABT_CUR 0x21
#define ESR_EC_PC_ALIGN 0x22
#define ESR_EC_DABT_LOW 0x24
#define ESR_EC_DABT_CUR 0x25
#define ESR_EC_SP_ALIGN 0x26
#define ESR_EC_SERROR 0x2f
#define ESR_EC_BRK64 0x3c

#endif
