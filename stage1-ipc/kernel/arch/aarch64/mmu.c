// SPDX-License-Identifier: MIT
/*
 * mmu.c - kernel mappings after the MMU is on.
 *
 * head.S/early.c left three boot mappings (arch/mmu.h).  This file adds the
 * linear map of RAM and device windows into the same TTBR1 tables, and takes
 * the identity map away once kmain no longer needs it.  Page-table pages come
 * from a small static pool: the frame allocator (stage 1 base kernel) does
 * not exist yet when the linear map is made, so the boot cannot depend on it.
 */
#include <kernel.h>
#include <string.h>
#include <arch/mmu.h>
#include <arch/spinlock.h>
#include <arch/sysreg.h>

#define ENTRIES 512
typedef uint64_t pte_t;

extern pte_t boot_ttbr0_l1[ENTRIES];
extern pte_t boot_ttbr1_l1[ENTRIES];

/* 16 pages: enough for the device window's L2/L3 and linear-map L2 tables
 * for 14 GiB of RAM that does not start or end on a 1 GiB boundary. */
static pte_t pt_pool[16][ENTRIES] __aligned(PAGE_SIZE);
static unsigned pt_used;
static pte_t empty_l1[ENTRIES] __aligned(PAGE_SIZE);
/* Mappings made after boot (stage 2's IC1 domains grow while other CPUs
 * run) take it: two CPUs must not both fill the same empty table slot. */
static spinlock_t map_lock = SPINLOCK_INIT;

/* The kernel image is mapped at KIMAGE_VBASE, not in the linear map, so the
 * physical address of a static table is its offset from _head plus the load address. */
extern char _head[];
static paddr_t image_pa;

static paddr_t kimage_pa(const void *va)
{
    return image_pa + ((uintptr_t)va - (uintptr_t)_head);
}

void mmu_init(paddr_t loaded_at)
{
    image_pa = loaded_at;
}

static pte_t *pt_alloc(void)
{
    if (pt_used == ARRAY_SIZE(pt_pool))
        return NULL;
    pte_t *t = pt_pool[pt_used++];
    memset(t, 0, PAGE_SIZE);
    return t;
}

static pte_t *table_of(pte_t e)
{
    /* Pool tables are in the image: back from PA to the image VA. */
    return (pte_t *)((uintptr_t)_head + ((e & PTE_ADDR_MASK) - image_pa));
}

/* Next-level table under *slot, allocated if empty; NULL if the slot holds a
 * block (never split here) or the pool is empty. */
static pte_t *next_table(pte_t *slot)
{
    if (*slot & PTE_VALID)
        return (*slot & PTE_TABLE) ? table_of(*slot) : NULL;
    pte_t *t = pt_alloc();
    if (!t)
        return NULL;
    dsb(ishst);
    *slot = kimage_pa(t) | PTE_VALID | PTE_TABLE;
    return t;
}

static void tlb_flush_all(void)
{
    dsb(ishst);
    __asm__ volatile("tlbi vmalle1is" ::: "memory");
    dsb(ish);
    isb();
}

int mmu_map_linear(uint64_t pa, uint64_t size)
{
    uint64_t end = ALIGN_UP(pa + size, 2 * MiB);
    pa = ALIGN_DOWN(pa, 2 * MiB);
    if (end > LINEAR_SIZE || end < pa)
        return -1;
    while (pa < end) {
        uint64_t va = pa_to_linear(pa);
        pte_t *l1e = &boot_ttbr1_l1[(va >> 30) & 511];
        if (IS_ALIGNED(pa, GiB) && end - pa >= GiB) {
            *l1e = pa | PTE_BLOCK | PROT_KERNEL_RW;
            pa += GiB;
            continue;
        }
        /* The early RO block over the device tree is replaced by a table. */
        if ((*l1e & (PTE_VALID | PTE_TABLE)) == PTE_VALID)
            *l1e = 0;
        pte_t *l2 = next_table(l1e);
        if (!l2)
            return -1;
        l2[(va >> 21) & 511] = pa | PTE_BLOCK | PROT_KERNEL_RW;
        pa += 2 * MiB;
    }
    tlb_flush_all();
    return 0;
}

int mmu_map_pages(uint64_t va, uint64_t pa, uint64_t size, uint64_t prot)
{
    if (!IS_ALIGNED(va | pa | size, PAGE_SIZE) || va < LINEAR_BASE || va + size < va)
        return -1;
    int err = 0;
    spin_lock(&map_lock);
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t v = va + off;
        pte_t *l2 = next_table(&boot_ttbr1_l1[(v >> 30) & 511]);
        pte_t *l3 = l2 ? next_table(&l2[(v >> 21) & 511]) : NULL;
        if (!l3) {
            err = -1;
            break;
        }
        l3[(v >> 12) & 511] = (pa + off) | PTE_PAGE | prot;
    }
    tlb_flush_all();
    spin_unlock(&map_lock);
    return err;
}

int mmu_set_pages(uint64_t va, uint64_t pa, uint64_t size, uint64_t prot)
{
    if (!IS_ALIGNED(va | pa | size, PAGE_SIZE) || va < LINEAR_BASE || va + size < va)
        return -1;
    pte_t *l3 = NULL;
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t v = va + off;
        if (!l3 || !(v & (2 * MiB - 1))) {
            pte_t l1e = boot_ttbr1_l1[(v >> 30) & 511];
            pte_t l2e = (l1e & PTE_TABLE) ? table_of(l1e)[(v >> 21) & 511] : 0;
            if (!(l2e & PTE_VALID) || !(l2e & PTE_TABLE))
                return -1; /* no table to change: never made here */
            l3 = table_of(l2e);
        }
        l3[(v >> 12) & 511] = pa ? (pa + off) | PTE_PAGE | prot : 0;
    }
    /* Every CPU forgets the old entries of exactly these pages. */
    dsb(ishst);
    for (uint64_t off = 0; off < size; off += PAGE_SIZE)
        __asm__ volatile("tlbi vaae1is, %0" ::"r"((va + off) >> 12) : "memory");
    dsb(ish);
    isb();
    return 0;
}

/* The L2 slot of va, NULL if its L1 entry is not a table (and cannot be
 * made one: with `make` false, or out of table pages). */
static pte_t *l2_slot(uint64_t va, bool make)
{
    pte_t *l1e = &boot_ttbr1_l1[(va >> 30) & 511];
    if (!make && (*l1e & (PTE_VALID | PTE_TABLE)) != (PTE_VALID | PTE_TABLE))
        return NULL;
    pte_t *l2 = next_table(l1e);
    return l2 ? &l2[(va >> 21) & 511] : NULL;
}

int mmu_map_block(uint64_t va, uint64_t pa, uint64_t prot)
{
    if (!IS_ALIGNED(va | pa, 2 * MiB) || va < LINEAR_BASE)
        return -1;
    spin_lock(&map_lock);
    pte_t *e = l2_slot(va, true);
    int err = e && !(*e & PTE_VALID) ? 0 : -1;
    if (!err) {
        dsb(ishst);
        *e = pa | PTE_BLOCK | prot;
        dsb(ishst);
        isb();
    }
    spin_unlock(&map_lock);
    return err;
}

int mmu_unmap_block(uint64_t va)
{
    spin_lock(&map_lock);
    pte_t *e = IS_ALIGNED(va, 2 * MiB) && va >= LINEAR_BASE ? l2_slot(va, false) : NULL;
    int err = e && (*e & (PTE_VALID | PTE_TABLE)) == PTE_VALID ? 0 : -1;
    if (!err) {
        *e = 0;
        /* Break before make's first half: every CPU's TLB forgets it
         * before the frames go back to the allocator. */
        tlb_flush_all();
    }
    spin_unlock(&map_lock);
    return err;
}

uint64_t mmu_ioremap(uint64_t pa, uint64_t size)
{
    static uint64_t next = IOREMAP_BASE;
    uint64_t off = pa & (PAGE_SIZE - 1);
    uint64_t first = pa - off, len = ALIGN_UP(off + size, PAGE_SIZE);
    if (size == 0 || next + len > IOREMAP_BASE + IOREMAP_SIZE)
        return 0;
    uint64_t va0 = next;
    if (mmu_map_pages(va0, first, len, PROT_DEVICE) < 0)
        return 0;
    next += len;
    return va0 + off;
}

uint64_t mmu_empty_ttbr0(void)
{
    return kimage_pa(empty_l1);
}

void mmu_drop_identity(void)
{
    /* An all-invalid table instead of EPD0: stage 1's user address spaces
     * replace TTBR0 per process later anyway. */
    write_sysreg(ttbr0_el1, kimage_pa(empty_l1));
    isb();
    tlb_flush_all();
    (void)boot_ttbr0_l1;
}

int mmu_kernel_readable(uint64_t va)
{
    __asm__ volatile("at s1e1r, %0" ::"r"(va));
    isb();
    return !(read_sysreg(par_el1) & 1);
}
