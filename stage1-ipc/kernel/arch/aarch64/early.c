// SPDX-License-Identifier: MIT
/*
 * early.c - the boot page tables, built with the MMU off.
 *
 * This code runs at the physical address the boot loader chose, not at the
 * link address, with the MMU and caches off.  It is compiled with
 * -mstrict-align (Device memory semantics apply with the MMU off, and an
 * unaligned access would fault) and reaches its data only PC-relatively
 * (adrp), which gives the right physical address wherever the image is.
 * It must not call other kernel code nor read a pointer stored in data.
 *
 * It builds three mappings (see arch/mmu.h for the layout):
 *  - TTBR0: an identity map of the 1 GiB containing the image, so the
 *    instructions right after "MMU on" still fetch;
 *  - TTBR1 kernel image: KIMAGE_VBASE + offset -> image PA, 4 KiB pages,
 *    text read-only executable, rodata read-only, data/bss read-write
 *    never-executable (W^X from the first instruction on);
 *  - TTBR1 linear map of the 1 GiB holding the device tree, read-only, so
 *    kmain() can parse it; kmain() then maps the real RAM (mmu.c).
 */
#include <stdint.h>
#include <arch/mmu.h>

#define ENTRIES 512
typedef uint64_t pte_t;

/* The boot tables live in .bss (zeroed by head.S before we run). */
pte_t boot_ttbr0_l1[ENTRIES] __attribute__((aligned(PAGE_SIZE)));
pte_t boot_ttbr1_l1[ENTRIES] __attribute__((aligned(PAGE_SIZE)));
pte_t boot_kimage_l2[ENTRIES] __attribute__((aligned(PAGE_SIZE)));
pte_t boot_kimage_l3[KIMAGE_MAX_SIZE / (2 << 20)][ENTRIES] __attribute__((aligned(PAGE_SIZE)));

extern char _head[], _etext[], __rodata_end[], __bss_end[];

/* Data access with the MMU off is to Device memory: go through volatile so
 * the compiler emits plain aligned 64-bit stores only. */
static void set(pte_t *t, unsigned i, pte_t v)
{
    ((volatile pte_t *)t)[i] = v;
}

static uint64_t be32(const volatile uint8_t *p)
{
    return ((uint64_t)p[0] << 24) | ((uint64_t)p[1] << 16) | ((uint64_t)p[2] << 8) | p[3];
}

void early_map(uint64_t dtb_pa, uint64_t image_pa)
{
    uint64_t text_end = image_pa + (uint64_t)(_etext - _head);
    uint64_t ro_end = image_pa + (uint64_t)(__rodata_end - _head);
    uint64_t end = image_pa + (uint64_t)(__bss_end - _head);
    /* Read-only and executable: SCTLR_EL1.WXN makes anything writable
     * execute-never, and only a few instructions run from here. */
    const pte_t block_rx =
            PTE_VALID | PTE_BLOCK | PTE_AF | PTE_SH_INNER | PTE_ATTR(MT_NORMAL) | PTE_AP_EL1_RO;

    /* Identity: one 1 GiB block (level 1 index = PA bits [38:30]). */
    set(boot_ttbr0_l1, (image_pa >> 30) & 511, (image_pa & ~((1ul << 30) - 1)) | block_rx);

    /* Kernel image: L1 -> L2 -> L3 pages. */
    uint64_t l1i = (KIMAGE_VBASE >> 30) & 511;
    set(boot_ttbr1_l1, l1i, (uint64_t)boot_kimage_l2 | PTE_VALID | PTE_TABLE);
    for (unsigned t = 0; t < KIMAGE_MAX_SIZE / (2 << 20); t++)
        set(boot_kimage_l2, t, (uint64_t)boot_kimage_l3[t] | PTE_VALID | PTE_TABLE);
    for (uint64_t pa = image_pa; pa < end; pa += PAGE_SIZE) {
        uint64_t off = pa - image_pa;
        pte_t prot = pa < text_end ? PROT_KERNEL_TEXT :
                     pa < ro_end   ? PROT_KERNEL_RO :
                                     PROT_KERNEL_RW;
        set(boot_kimage_l3[off >> 21], (off >> 12) & 511, pa | PTE_PAGE | prot);
    }

    /* Linear map of the device tree: the 1 GiB block(s) it lies in. The
     * header is read big-endian, byte by byte: nothing else is trusted yet. */
    const volatile uint8_t *h = (const volatile uint8_t *)dtb_pa;
    uint64_t size = be32(h + 4); /* totalsize */
    if (be32(h) != 0xd00dfeed || size > (2 << 20))
        size = 0x40; /* not a device tree: map the header so kmain can say so */
    for (uint64_t gb = dtb_pa >> 30; gb <= (dtb_pa + size - 1) >> 30; gb++)
        set(boot_ttbr1_l1, gb & 511,
            (gb << 30) | PTE_VALID | PTE_BLOCK | (PROT_KERNEL_RO & ~PTE_VALID));
}
