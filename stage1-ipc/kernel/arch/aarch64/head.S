// SPDX-License-Identifier: MIT
/*
 * head.S - the kernel's first instructions.
 *
 * Boot protocol: the Linux arm64 one (Documentation/arch/arm64/booting.rst):
 * the image starts with a 64-byte header, is entered at its first byte with
 * the MMU off, x0 = physical address of the device tree, at EL2 or EL1.
 * Registers x19-x21 carry the device tree, load address and entry EL to kmain.
 * QEMU's -kernel and the Raspberry Pi firmware both follow it.
 *
 * What happens here, in order:
 *   1. start the PMU cycle counter (boot_to_main benchmark),
 *   2. at EL2: make EL1 AArch64, give it the timers and the PMU, drop to EL1,
 *   3. at EL1: a known SCTLR, FP/SIMD on (libfdt uses SIMD), a stack, zero .bss,
 *   4. early_map() (C, runs at the physical address) builds the boot tables,
 *   5. MMU on, jump to the link address in the high half, kmain().
 * Everything before step 5 is position independent: only PC-relative
 * addressing (adr/adrp), never an absolute address.
 */
#include <generated/autoconf.h>
#include <arch/sysreg.h>
#include <arch/mmu.h>

/* struct secondary_boot (smp.c) */
#define SB_MPIDR 0
#define SB_SP 8
#define SB_IDX 16
#define SB_SIZE 24


/* Turn the MMU on with the boot tables (early.c): TTBR0 = identity map,
 * TTBR1 = the kernel.  TCR.IPS is the CPU's physical address size; TCR.AS
 * selects 16-bit ASIDs when the CPU has them (ID_AA64MMFR0_EL1.ASIDBits). */
    .macro  enable_mmu
    ldr     x0, =MAIR_VALUE
    msr     mair_el1, x0
    ldr     x0, =TCR_VALUE
    mrs     x1, id_aa64mmfr0_el1
    ubfx    x2, x1, #0, #3
    bfi     x0, x2, #TCR_IPS_SHIFT, #3
    ubfx    x2, x1, #4, #4
    cmp     x2, #2
    b.ne    .Lno_as\@
    orr     x0, x0, #TCR_AS
.Lno_as\@:
    msr     tcr_el1, x0
    adrp    x0, boot_ttbr0_l1
    msr     ttbr0_el1, x0
    adrp    x0, boot_ttbr1_l1
    msr     ttbr1_el1, x0
    tlbi    vmalle1
    dsb     nsh
    isb
    ldr     x0, =SCTLR_EL1_ON
    msr     sctlr_el1, x0
    isb
    .endm

    .section ".head.text", "ax"
    .globl _head
_head:
    /* Image header (64 bytes). code0 branches over it. */
    b       primary_entry           // code0
    .long   0                       // code1
    .quad   0x80000                 // text_offset: load 512 KiB into a 2 MiB region
    .quad   _kernel_size            // image_size, including .bss (linker.ld)
    .quad   0xa                     // flags: little endian, 4K pages, anywhere in RAM
    .quad   0                       // res2
    .quad   0                       // res3
    .quad   0                       // res4
    .long   0x644d5241              // magic "ARM\x64"
    .long   0                       // res5 (no PE header)

primary_entry:
    mov     x19, x0                 // x19 = device tree PA, kept until kmain

    /* 1. The cycle counter counts from here (at EL2 too: PMCCFILTR.NSH). */
    mov     x0, #(PMCR_LC | PMCR_C | PMCR_P | PMCR_E)
    msr     pmcr_el0, x0
    mov     x0, #PMCCFILTR_NSH
    msr     pmccfiltr_el0, x0
    mov     x0, #PMCNTEN_CYCLES
    msr     pmcntenset_el0, x0

    msr     daifset, #0xf
    mrs     x0, CurrentEL
    lsr     x0, x0, #2
    mov     x21, x0                 // x21 = entry exception level, for kmain
    cmp     x0, #1
    b.eq    el1_entry
    cmp     x0, #2
    b.ne    park                    // EL3 is not supported: nothing to print on yet
    adr     x0, el1_entry
    b       drop_to_el1

park:
    wfe
    b       park

    /* 2. EL2 -> EL1: continue at EL1 at the address in x0.  Also used by
     * the secondary CPUs.  Clobbers x0-x1. */
drop_to_el1:
    msr     elr_el2, x0
    mov     x0, #HCR_RW
    mrs     x1, id_aa64isar1_el1    // pointer authentication (APA, API, or
    tst     x1, #0xff0              // ISAR2.APA3): EL1 may use it and its keys
    b.ne    1f                      // (HCR_EL2.API, APK; else they trap to EL2)
    mrs     x1, S3_0_C0_C6_2        // ID_AA64ISAR2_EL1
    tst     x1, #0xf000
    b.eq    2f
1:  orr     x0, x0, #(HCR_API | HCR_APK)
2:  msr     hcr_el2, x0
    mov     x0, #CNTHCTL_EL1_ACCESS
    msr     cnthctl_el2, x0
    msr     cntvoff_el2, xzr
    mrs     x0, pmcr_el0            // MDCR_EL2.HPMN = PMCR.N: EL1 sees every counter
    ubfx    x0, x0, #11, #5
    msr     mdcr_el2, x0
    mov     x0, #0x33ff             // CPTR_EL2: RES1 bits, no FP/SIMD trap
    msr     cptr_el2, x0
    msr     hstr_el2, xzr
    msr     vttbr_el2, xzr
    mrs     x0, midr_el1            // EL1 reads of MIDR/MPIDR see the real values
    msr     vpidr_el2, x0
    mrs     x0, mpidr_el1
    msr     vmpidr_el2, x0
    mov     x0, #SPSR_EL1H_MASKED
    msr     spsr_el2, x0
    eret

    /* 3. EL1, MMU off */
el1_entry:
    ldr     x0, =SCTLR_EL1_RES1     // MMU and caches off, little endian
    msr     sctlr_el1, x0
    mov     x0, #CPACR_FPEN
    msr     cpacr_el1, x0
    isb
    adrp    x0, boot_stack_top
    add     x0, x0, :lo12:boot_stack_top
    mov     sp, x0
    adrp    x0, __bss_start
    add     x0, x0, :lo12:__bss_start
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:
    /* 4. boot page tables (early.c); x0 = dtb PA, x1 = image PA */
    mov     x0, x19
    adrp    x1, _head
    add     x1, x1, :lo12:_head
    mov     x20, x1
    bl      early_map

    /* 5. MMU on. Tables were written with the caches off: invalidate any
     * stale lines over the image before the walker may look (D7.5.9).
     * Not over the initramfs linked into it, which nothing wrote with the
     * caches off (it is the bulk of the image: hundreds of KiB, a line at
     * a time, on every boot). */
    mrs     x2, ctr_el0
    ubfx    x2, x2, #16, #4         // DminLine: log2(words)
    mov     x3, #4
    lsl     x2, x3, x2              // line size in bytes
    sub     x3, x2, #1
    adrp    x0, _head
    adrp    x1, _initramfs_start
    add     x1, x1, :lo12:_initramfs_start
    bl      dcache_inval_range
    adrp    x0, _initramfs_end
    add     x0, x0, :lo12:_initramfs_end
    bic     x0, x0, x3              // from the line holding its end
    adrp    x1, __bss_end
    add     x1, x1, :lo12:__bss_end
    bl      dcache_inval_range
    dsb     sy

    enable_mmu
    ldr     x0, =el1_high           // absolute: the link address in the high half
    br      x0

el1_high:
    ldr     x0, =exception_vectors
    msr     vbar_el1, x0
    isb
    ldr     x0, =boot_stack_top
    mov     sp, x0
    mov     x29, xzr                // end of the frame-pointer chain
    mov     x30, xzr
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    bl      kmain
4:  wfe
    b       4b

/* Invalidate the data cache lines over [x0, x1) (x0 line aligned, x2 the
 * line size); clobbers x0. */
dcache_inval_range:
    cmp     x0, x1
    b.hs    2f
1:  dc      ivac, x0
    add     x0, x0, x2
    cmp     x0, x1
    b.lo    1b
2:  ret

/*
 * Secondary CPUs start here (PSCI CPU_ON on virt, the spin-table release on
 * the Pi 4; smp.c), with the MMU off, at EL2 or EL1.  They reuse the boot
 * tables, then find their stack in secondary_boot[] by MPIDR.
 */
    .globl secondary_entry
secondary_entry:
    msr     daifset, #0xf
    mrs     x0, CurrentEL
    lsr     x0, x0, #2
    cmp     x0, #1
    b.eq    secondary_el1
    cmp     x0, #2
    b.ne    park
    adr     x0, secondary_el1
    b       drop_to_el1
secondary_el1:
    ldr     x0, =SCTLR_EL1_RES1
    msr     sctlr_el1, x0
    mov     x0, #CPACR_FPEN
    msr     cpacr_el1, x0
    isb
    enable_mmu
    ldr     x0, =secondary_high
    br      x0
secondary_high:
    ldr     x0, =exception_vectors
    msr     vbar_el1, x0
    isb
    mrs     x1, mpidr_el1
    ldr     x2, =0xff00ffffff       // Aff3..Aff0
    and     x1, x1, x2
    ldr     x2, =secondary_boot
    mov     x3, #0
5:  ldr     x4, [x2, #SB_MPIDR]
    cmp     x4, x1
    b.eq    6f
    add     x2, x2, #SB_SIZE
    add     x3, x3, #1
    cmp     x3, #CONFIG_NR_CPUS
    b.lo    5b
    b       park                    // not one of ours
6:  ldr     x4, [x2, #SB_SP]
    cbz     x4, park
    mov     sp, x4
    mov     x29, xzr
    mov     x30, xzr
    ldr     x0, [x2, #SB_IDX]
    bl      secondary_main
    b       park
    .ltorg

    .section ".bss", "aw", %nobits
    .balign 16
    .globl boot_stack, boot_stack_top
boot_stack:
    .space  16384
boot_stack_top:
