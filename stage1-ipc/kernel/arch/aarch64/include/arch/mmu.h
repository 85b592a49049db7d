// SPDX-License-Identifier: MIT
/*
 * mmu.h - the kernel's virtual address layout and page-table formats.
 *
 * 4 KiB granule, 39-bit virtual addresses (T0SZ = T1SZ = 25), so a walk
 * starts at level 1: an L1 entry covers 1 GiB, L2 2 MiB, L3 4 KiB
 * (Arm ARM D8.2 "Translation table descriptor formats").
 *
 *   0x0000000000000000 .. 0x0000007fffffffff  TTBR0: user space (stage 1 on)
 *   0xffffff8000000000 .. 0xffffffbfffffffff  linear map: VA = LINEAR_BASE + PA
 *   0xffffffff00000000 .. 0xffffffff3fffffff  stage 2: IC1 domains
 *   0xffffffff80000000 .. 0xffffffffbfffffff  the kernel image (KIMAGE_VBASE)
 *   0xffffffffc0000000 .. 0xffffffffffdfffff  device mappings (mmu_ioremap)
 *
 * The kernel image and the device window share the top 2 GiB-aligned block
 * of the address space, so that one hardware watchpoint (at most 2 GiB,
 * naturally aligned) covers both while an IC1 domain runs (stage 2); the
 * IC1 window lies outside that block.  The device window stops 2 MiB short
 * of the top so that its end is an address (IOREMAP_BASE + IOREMAP_SIZE
 * does not wrap to 0).
 *
 * The kernel is linked at KIMAGE_VBASE and runs there whatever physical
 * address the boot loader chose: head.S maps it, so no relocation is needed.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#ifdef __ASSEMBLER__
#define UL(x) x
#else
#define UL(x) x##ul
#endif

#define VA_BITS 39
#define LINEAR_BASE 0xffffff8000000000
#define LINEAR_SIZE 0x0000004000000000 /* 256 GiB of physical space */
#define IOREMAP_BASE 0xffffffffc0000000
#define IOREMAP_SIZE 0x000000003fe00000
#define KIMAGE_VBASE 0xffffffff80000000
#define KIMAGE_MAX_SIZE 0x0000000000800000 /* 8 MiB: four L3 tables */

#define PAGE_SHIFT 12
#define PAGE_SIZE (1 << PAGE_SHIFT)

/* Descriptor bits (D8.3) */
#define PTE_VALID (UL(1) << 0)
#define PTE_TABLE (UL(1) << 1) /* at L1/L2: next-level table; at L3: page */
#define PTE_PAGE (UL(3) << 0)
#define PTE_BLOCK (UL(1) << 0)
#define PTE_ATTR(i) ((i) << 2)
#define PTE_AP_EL1_RW (UL(0) << 6)
#define PTE_AP_RW (UL(1) << 6) /* EL1 and EL0 read/write */
#define PTE_AP_EL1_RO (UL(2) << 6)
#define PTE_AP_RO (UL(3) << 6)
#define PTE_SH_INNER (UL(3) << 8)
#define PTE_AF (UL(1) << 10)
#define PTE_NG (UL(1) << 11)
#define PTE_PXN (UL(1) << 53)
#define PTE_UXN (UL(1) << 54)
#define PTE_ADDR_MASK UL(0x0000fffffffff000)

/* MAIR_EL1 attribute indices (D19.2.97) */
#define MT_DEVICE_nGnRnE 0
#define MT_NORMAL 1
#define MT_NORMAL_NC 2
#define MT_DEVICE_nGnRE 3
#define MAIR_VALUE UL(0x0444ff00) /* idx0 0x00, idx1 0xff, idx2 0x44, idx3 0x04 */

/* Kernel mapping kinds, W^X: nothing is both writable and executable. */
#define PROT_KERNEL_TEXT (PTE_AF | PTE_SH_INNER | PTE_ATTR(MT_NORMAL) | PTE_AP_EL1_RO | PTE_UXN)
#define PROT_KERNEL_RO \
    (PTE_AF | PTE_SH_INNER | PTE_ATTR(MT_NORMAL) | PTE_AP_EL1_RO | PTE_UXN | PTE_PXN)
#define PROT_KERNEL_RW \
    (PTE_AF | PTE_SH_INNER | PTE_ATTR(MT_NORMAL) | PTE_AP_EL1_RW | PTE_UXN | PTE_PXN)
#define PROT_DEVICE (PTE_AF | PTE_ATTR(MT_DEVICE_nGnRE) | PTE_AP_EL1_RW | PTE_UXN | PTE_PXN)

/* TCR_EL1 (D19.2.139): 39-bit, 4K granule, inner-shareable write-back walks */
#define TCR_T0SZ(x) ((x) << 0)
#define TCR_T1SZ(x) ((x) << 16)
#define TCR_WALK0 ((UL(1) << 8) | (UL(1) << 10) | (UL(3) << 12)) /* IRGN0 ORGN0 WBWA, SH0 inner */
#define TCR_WALK1 ((UL(1) << 24) | (UL(1) << 26) | (UL(3) << 28))
#define TCR_TG0_4K (UL(0) << 14)
#define TCR_TG1_4K (UL(2) << 30)
#define TCR_EPD0 (UL(1) << 7)
#define TCR_IPS_SHIFT 32
#define TCR_AS (UL(1) << 36)
#define TCR_VALUE                                                                           \
    (TCR_T0SZ(64 - VA_BITS) | TCR_T1SZ(64 - VA_BITS) | TCR_WALK0 | TCR_WALK1 | TCR_TG0_4K | \
     TCR_TG1_4K)

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline uint64_t pa_to_linear(uint64_t pa)
{
    return LINEAR_BASE + pa;
}
static inline uint64_t linear_to_pa(uint64_t va)
{
    return va - LINEAR_BASE;
}

/** Map [pa, pa + size) of device registers; returns the virtual address
 *  (same offset within the page) or 0 when the device window is full. */
uint64_t mmu_ioremap(uint64_t pa, uint64_t size);
/** Map [pa, pa + size) at kernel address va in 4 KiB pages with the given
 *  PTE attributes (PROT_*); all three page-aligned.  Returns 0, or -1 when
 *  out of page-table pages, misaligned, or va lies under a block mapping. */
int mmu_map_pages(uint64_t va, uint64_t pa, uint64_t size, uint64_t prot);
/** Change the 4 KiB entries of [va, va + size) that mmu_map_pages() made
 *  before (its tables exist): map them to [pa, pa + size) with prot, or
 *  clear them when pa is 0; each page's old translation is invalidated on
 *  every CPU.  No lock: the caller owns those entries.  0, or -1 when
 *  misaligned or there is no table. */
int mmu_set_pages(uint64_t va, uint64_t pa, uint64_t size, uint64_t prot);
/** Map 2 MiB of RAM at pa as one block at kernel address va (both 2 MiB
 *  aligned), with the given PTE attributes.  Returns 0, or -1 when
 *  misaligned, out of table pages, or something is mapped there already.
 *  mmu_unmap_block() takes it away (TLBs of every CPU flushed before it
 *  returns); -1 if no block is mapped at va. */
int mmu_map_block(uint64_t va, uint64_t pa, uint64_t prot);
int mmu_unmap_block(uint64_t va);
/** Map physical RAM [pa, pa + size) into the linear map, read/write, never
 *  executable. Returns 0, or -1 when it is out of page-table pages or range. */
int mmu_map_linear(uint64_t pa, uint64_t size);
/** Physical address of an all-invalid L1 table: TTBR0 of kernel threads. */
uint64_t mmu_empty_ttbr0(void);
/** Switch off the boot identity map (TTBR0) once nothing runs from it. */
void mmu_drop_identity(void);
/** True if `va` is mapped for a kernel read (checked with AT S1E1R). */
int mmu_kernel_readable(uint64_t va);
#endif

#endif
