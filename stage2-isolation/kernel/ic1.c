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
#include <sched.h>
#include <string.h>
#include <arch/debug.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>

#define IC1_WINDOW_BASE 0xffffffffc0000000ul /* the last 1 GiB of TTBR1 */
#define IC1_SLOT_SIZE (1ul * MiB)            /* one domain: image, guard, stack */
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

/* The watch set: what a domain may not load from or store to.  The kernel
 * image, every frame the allocator manages (through the linear map: kernel
 * objects, stacks, page tables, user memory) and the device window, each
 * covered by naturally aligned power-of-two blocks of at most 2 GiB. */
#define WP_MAX_BLOCK (2ul * GiB)
static struct {
    uint64_t base, size;
} watch[16];
static unsigned nwatch;

/* Cover [lo, hi) with the smallest aligned block that holds it, or with
 * 2 GiB blocks in turn when it is bigger.  A block may reach past the range
 * (never into the IC1 window: every range added lies in another GiB). */
static int watch_add(uint64_t lo, uint64_t hi)
{
    while (lo < hi) {
        uint64_t size = 8;
        while (size < WP_MAX_BLOCK && (lo & ~(size - 1)) + size < hi)
            size <<= 1;
        if (nwatch == dbg_watchpoints() || nwatch == ARRAY_SIZE(watch))
            return -HM_ENOSPC;
        watch[nwatch].base = lo & ~(size - 1);
        watch[nwatch].size = size;
        lo = watch[nwatch].base + size;
        nwatch++;
    }
    return 0;
}

static int watch_init(void)
{
    if (nwatch)
        return 0;
    paddr_t lo, hi;
    frame_span(&lo, &hi);
    int err = watch_add(KIMAGE_VBASE, KIMAGE_VBASE + KIMAGE_MAX_SIZE);
    if (!err && lo < hi)
        err = watch_add(pa_to_linear(lo), pa_to_linear(hi));
    if (!err)
        err = watch_add(IOREMAP_BASE, IOREMAP_BASE + IOREMAP_SIZE);
    if (err < 0) {
        printk("ic1: the kernel needs more than the %u watchpoints this CPU has\n",
               dbg_watchpoints());
        nwatch = 0;
        return err;
    }
    for (unsigned i = 0; i < nwatch; i++)
        printk("ic1: watch 0x%lx..0x%lx\n", watch[i].base, watch[i].base + watch[i].size - 1);
    return 0;
}

int ic1_load(const struct ic1_image *im, struct ic1_domain *d)
{
    uint64_t span = im->end - im->base;
    if (im->base < IC1_WINDOW_BASE || !IS_ALIGNED(im->base | im->data | im->end, PAGE_SIZE) ||
        im->data < im->base || im->end < im->data || span == 0 || im->bin_size > span ||
        im->entry < im->base || im->entry >= im->data || !IS_ALIGNED(im->base, IC1_SLOT_SIZE) ||
        span + PAGE_SIZE + ((uint64_t)PAGE_SIZE << IC1_STACK_ORDER) > IC1_SLOT_SIZE) {
        printk("ic1: %s: malformed image descriptor\n", im->name);
        return -HM_EINVAL;
    }
    for (unsigned i = 0; i < nloaded; i++)
        if (loaded[i] == im)
            return -HM_EEXIST;
    /* Every other loaded domain's slot is watched while one runs: the
     * watchpoints the kernel leaves bound how many domains there can be. */
    int err = watch_init();
    if (err < 0)
        return err;
    if (nloaded == IC1_MAX_LOADED || nwatch + nloaded > dbg_watchpoints()) {
        printk("ic1: %s: no watchpoint left to keep it from the other %u domain(s)\n", im->name,
               nloaded);
        return -HM_ENOSPC;
    }
    unsigned order = 0;
    while (((uint64_t)PAGE_SIZE << order) < span)
        order++;
    paddr_t pa = frame_alloc(order); /* zeroed: the bss needs nothing more */
    if (!pa)
        return -HM_ENOMEM;
    memcpy((void *)pa_to_linear(pa), im->bin, im->bin_size);
    sync_icache(pa_to_linear(pa), im->data - im->base);
    uint64_t code = im->data - im->base;
    paddr_t stack = frame_alloc(IC1_STACK_ORDER);
    if (!stack) {
        frame_free(pa, order);
        return -HM_ENOMEM;
    }
    /* The stack after the image and an unmapped guard page: an overflow is
     * a fault in the domain, not a write into someone else's memory. */
    uint64_t stack_va = im->end + PAGE_SIZE, stack_size = (uint64_t)PAGE_SIZE << IC1_STACK_ORDER;
    if ((code && mmu_map_pages(im->base, pa, code, PROT_KERNEL_TEXT) < 0) ||
        (im->end > im->data &&
         mmu_map_pages(im->data, pa + code, im->end - im->data, PROT_KERNEL_RW) < 0) ||
        mmu_map_pages(stack_va, stack, stack_size, PROT_KERNEL_RW) < 0) {
        /* TODO(stage2): unmap what was mapped; today only boot loads domains. */
        printk("ic1: %s: out of page-table pages\n", im->name);
        return -HM_ENOMEM;
    }
    loaded[nloaded++] = im;
    d->image = im;
    d->pa = pa;
    d->order = order;
    d->entry = (hm_handler_t)im->entry;
    d->stack_top = stack_va + stack_size;
    d->dead = false;
    d->lock = (spinlock_t)SPINLOCK_INIT;
    printk("ic1: domain %s at 0x%lx (%lu KiB: code %lu, data %lu)\n", im->name, im->base,
           span >> 10, code >> 10, (im->end - im->data) >> 10);
    return 0;
}

int ic1_restart(struct ic1_domain *d)
{
    const struct ic1_image *im = d->image;
    spin_lock(&d->lock);
    uint8_t *mem = (uint8_t *)pa_to_linear(d->pa);
    memcpy(mem, im->bin, im->bin_size);
    memset(mem + im->bin_size, 0, (im->end - im->base) - im->bin_size);
    sync_icache((uint64_t)mem, im->data - im->base);
    d->dead = false;
    spin_unlock(&d->lock);
    printk("ic1: domain %s restarted\n", im->name);
    return 0;
}

/* ---- the gate -------------------------------------------------------------- */

long ic1_enter(hm_handler_t entry, struct hm_msg *m, uint64_t sp);
extern char ic1_fault_landing[];

/* Per CPU: the domain running there (NULL outside one). */
static struct ic1_domain *running[CONFIG_NR_CPUS];

/* Per CPU: whom the watchpoints are armed for.  They stay armed between
 * calls: they fire only while PSTATE.D is clear, which is only inside a
 * domain, so the kernel never trips them.  Re-armed when the CPU enters
 * another domain, a domain was loaded since, or someone else wrote them. */
static struct {
    const struct ic1_domain *d;
    unsigned nloaded, gen;
} armed[CONFIG_NR_CPUS];

static void arm(unsigned cpu, const struct ic1_domain *d)
{
    dbg_init_cpu();
    unsigned n = 0;
    for (; n < nwatch; n++)
        dbg_wp_set(n, watch[n].base, watch[n].size, WP_LOAD | WP_STORE);
    for (unsigned i = 0; i < nloaded; i++)
        if (loaded[i] != d->image)
            dbg_wp_set(n++, loaded[i]->base, IC1_SLOT_SIZE, WP_LOAD | WP_STORE);
    for (; n < dbg_watchpoints(); n++)
        dbg_wp_clear(n);
    armed[cpu].d = d;
    armed[cpu].nloaded = nloaded;
    armed[cpu].gen = dbg_wp_generation();
}

long ic1_call(struct ic1_domain *d, struct hm_msg *m)
{
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    spin_lock(&d->lock); /* d is loaded, so the watch set exists (ic1_load) */
    if (d->dead) {
        spin_unlock(&d->lock);
        write_sysreg(daif, daif);
        return -HM_EPIPE;
    }
    /* The message goes on the domain's stack: the caller's copy is in
     * kernel memory, which the domain cannot touch. */
    struct hm_msg *dm = (struct hm_msg *)((d->stack_top - sizeof(*m)) & ~15ul);
    memcpy(dm, m, sizeof(*m));
    dm->buf = NULL; /* short messages only */
    unsigned cpu = this_cpu()->id;
    if (armed[cpu].d != d || armed[cpu].nloaded != nloaded || armed[cpu].gen != dbg_wp_generation())
        arm(cpu, d);
    running[cpu] = d;
    long status = ic1_enter(d->entry, dm, (uint64_t)dm);
    running[cpu] = NULL;
    if (!d->dead)
        memcpy(m->w, dm->w, sizeof(m->w));
    spin_unlock(&d->lock);
    write_sysreg(daif, daif);
    return status;
}

int ic1_fault(struct trap_frame *tf)
{
    unsigned cpu = this_cpu()->id;
    struct ic1_domain *d = running[cpu];
    if (!d || (tf->spsr & 0xf) != 0x4) /* only code at EL1t: the domain */
        return 0;
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    printk("ic1: domain %s stopped: %s at pc 0x%lx, address 0x%lx (esr 0x%lx)\n", d->image->name,
           ec == 0x35 ? "watchpoint (memory outside the domain)" : "exception", tf->elr, tf->far,
           tf->esr);
    d->dead = true;
    running[cpu] = NULL;
    tf->elr = (uint64_t)ic1_fault_landing;
    tf->x[0] = (uint64_t)-HM_EPIPE;
    /* EL1h (back on SP_EL1, the gate's frame), debug exceptions masked */
    tf->spsr = (tf->spsr & ~0xful) | 0x5 | (1ul << 9);
    return 1;
}
