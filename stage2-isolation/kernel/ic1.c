// SPDX-License-Identifier: MIT
/*
 * ic1.c - loading IC1 domains (ic1.h).
 *
 * The image was linked at its final address, so loading is copying it into
 * fresh frames and mapping them there: no relocation.  Code pages are
 * mapped read-only and executable at EL1 only; data pages read/write and
 * never executable, so a domain cannot write its own code.
 */
#include <ic1.h>
#include <mm.h>
#include <printk.h>
#include <string.h>
#include <arch/mmu.h>
#include <uapi/hm/syscall.h>

#define IC1_WINDOW_BASE 0xffffffffc0000000ul /* the last 1 GiB of TTBR1 */
#define IC1_MAX_LOADED 8

static const struct ic1_image *loaded[IC1_MAX_LOADED];
static unsigned nloaded;

/* Make the copied code visible to instruction fetch: clean the data cache
 * to the point of unification, then invalidate the instruction caches
 * (Arm ARM B2.4.4 "Concurrent modification and execution of instructions"). */
static void sync_icache(uint64_t va, uint64_t size)
{
    uint64_t ctr;
    __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
    uint64_t line = 4ul << ((ctr >> 16) & 0xf); /* DminLine, in bytes */
    for (uint64_t p = va & ~(line - 1); p < va + size; p += line)
        __asm__ volatile("dc cvau, %0" ::"r"(p) : "memory");
    __asm__ volatile("dsb ish\n\tic ialluis\n\tdsb ish\n\tisb" ::: "memory");
}

int ic1_load(const struct ic1_image *im, struct ic1_domain *d)
{
    uint64_t span = im->end - im->base;
    if (im->base < IC1_WINDOW_BASE || !IS_ALIGNED(im->base | im->data | im->end, PAGE_SIZE) ||
        im->data < im->base || im->end < im->data || span == 0 || im->bin_size > span ||
        im->entry < im->base || im->entry >= im->data) {
        printk("ic1: %s: malformed image descriptor\n", im->name);
        return -HM_EINVAL;
    }
    for (unsigned i = 0; i < nloaded; i++)
        if (loaded[i] == im)
            return -HM_EEXIST;
    if (nloaded == IC1_MAX_LOADED)
        return -HM_ENOMEM;
    unsigned order = 0;
    while (((uint64_t)PAGE_SIZE << order) < span)
        order++;
    paddr_t pa = frame_alloc(order); /* zeroed: the bss needs nothing more */
    if (!pa)
        return -HM_ENOMEM;
    memcpy((void *)pa_to_linear(pa), im->bin, im->bin_size);
    sync_icache(pa_to_linear(pa), im->data - im->base);
    uint64_t code = im->data - im->base;
    if ((code && mmu_map_pages(im->base, pa, code, PROT_KERNEL_TEXT) < 0) ||
        (im->end > im->data &&
         mmu_map_pages(im->data, pa + code, im->end - im->data, PROT_KERNEL_RW) < 0)) {
        /* TODO(stage2): unmap what was mapped; today only boot loads domains. */
        printk("ic1: %s: out of page-table pages\n", im->name);
        return -HM_ENOMEM;
    }
    loaded[nloaded++] = im;
    d->image = im;
    d->pa = pa;
    d->order = order;
    d->entry = (hm_handler_t)im->entry;
    printk("ic1: domain %s at 0x%lx (%lu KiB: code %lu, data %lu)\n", im->name, im->base,
           span >> 10, code >> 10, (im->end - im->data) >> 10);
    return 0;
}
