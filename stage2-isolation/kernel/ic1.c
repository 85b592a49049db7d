// SPDX-License-Identifier: MIT
/*
 * ic1.c - loading IC1 domains (ic1.h).
 *
 * The image was linked at its final address, so loading is copying it into
 * fresh frames and mapping them there: no relocation.  Code pages are
 * mapped read-only and executable at EL1 only; data pages read/write and
 * never executable, so a domain cannot write its own code.
 */
#include <ic0.h>
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

#define IC1_WINDOW_BASE 0xffffffff00000000ul /* 1 GiB, below the kernel image (arch/mmu.h) */
#define IC1_WINDOW_SIZE (1ul * GiB)
#define IC1_SLOT_SIZE (1ul * MiB) /* one domain: image, guard, stack */
#define IC1_MAX_LOADED 8

static struct ic1_domain *loaded[IC1_MAX_LOADED];
static unsigned nloaded;
static uint64_t empty_ttbr0; /* no user space: what TTBR0 holds while a domain runs */

/* The domain's entries into the gate (ic1_gate.S), for its ic1_gates. */
extern char ic1_gate_call_entry[], ic1_gate_lookup_entry[];

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

/* The watch set: what a domain may not load from or store to.  Every frame
 * the allocator manages (through the linear map: kernel objects, stacks,
 * page tables, user memory), the kernel image and the device window, each
 * covered by naturally aligned power-of-two blocks of at most 2 GiB.  The
 * image and the device window share the top 2 GiB block (arch/mmu.h): one
 * watchpoint; RAM of up to 1 GiB (or 2 GiB from a 2 GiB boundary) another. */
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
        if (lo == 0) /* the block ends at the top of the address space */
            break;
    }
    return 0;
}

static int watch_init(void)
{
    if (nwatch)
        return 0;
    paddr_t lo, hi;
    frame_span(&lo, &hi);
    int err = lo < hi ? watch_add(pa_to_linear(lo), pa_to_linear(hi)) : 0;
    if (!err)
        err = watch_add(KIMAGE_VBASE, IOREMAP_BASE + IOREMAP_SIZE);
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

/* Copy the image into its frames (bss zeroed), fill in its gate entries,
 * and make the code visible to instruction fetch. */
static void copy_image(const struct ic1_image *im, paddr_t pa)
{
    uint8_t *mem = (uint8_t *)pa_to_linear(pa);
    memcpy(mem, im->bin, im->bin_size);
    memset(mem + im->bin_size, 0, (im->end - im->base) - im->bin_size);
    if (im->gates) {
        uint64_t *gates = (uint64_t *)(mem + (im->gates - im->base));
        gates[0] = (uint64_t)ic1_gate_call_entry;
        gates[1] = (uint64_t)ic1_gate_lookup_entry;
    }
    sync_icache((uint64_t)mem, im->data - im->base);
}

int ic1_load(const struct ic1_image *im, struct ic1_domain *d)
{
    uint64_t span = im->end - im->base;
    if (im->base < IC1_WINDOW_BASE || im->base >= IC1_WINDOW_BASE + IC1_WINDOW_SIZE ||
        (im->gates && (im->gates < im->base || im->gates + 16 > im->data || (im->gates & 7))) ||
        !IS_ALIGNED(im->base | im->data | im->end, PAGE_SIZE) || im->data < im->base ||
        im->end < im->data || span == 0 || im->bin_size > span || im->entry < im->base ||
        im->entry >= im->data || !IS_ALIGNED(im->base, IC1_SLOT_SIZE) ||
        span + PAGE_SIZE + ((uint64_t)PAGE_SIZE << IC1_STACK_ORDER) > IC1_SLOT_SIZE) {
        printk("ic1: %s: malformed image descriptor\n", im->name);
        return -HM_EINVAL;
    }
    for (unsigned i = 0; i < nloaded; i++)
        if (loaded[i]->image->base == im->base)
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
    copy_image(im, pa);
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
    if (!empty_ttbr0)
        empty_ttbr0 = mmu_empty_ttbr0();
    d->image = im;
    d->pa = pa;
    d->order = order;
    d->index = nloaded;
    d->entry = (hm_handler_t)im->entry;
    d->stack_top = stack_va + stack_size;
    d->msg = (struct hm_msg *)((d->stack_top - sizeof(struct hm_msg)) & ~15ul);
    d->dead = false;
    d->on_cpu = -1;
    d->lock = (spinlock_t)SPINLOCK_INIT;
    loaded[nloaded] = d;
    __atomic_store_n(&nloaded, nloaded + 1, __ATOMIC_RELEASE);
    printk("ic1: domain %s at 0x%lx (%lu KiB: code %lu, data %lu)\n", im->name, im->base,
           span >> 10, code >> 10, (im->end - im->data) >> 10);
    return 0;
}

int ic1_restart(struct ic1_domain *d)
{
    const struct ic1_image *im = d->image;
    spin_lock(&d->lock);
    copy_image(im, d->pa);
    d->dead = false;
    spin_unlock(&d->lock);
    printk("ic1: domain %s restarted\n", im->name);
    return 0;
}

unsigned ic1_capacity(void)
{
    if (watch_init() < 0)
        return 0;
    unsigned n = dbg_watchpoints() - nwatch + 1; /* the running one needs no watchpoint */
    return n < IC1_MAX_LOADED ? n : IC1_MAX_LOADED;
}

unsigned ic1_nloaded(void)
{
    return __atomic_load_n(&nloaded, __ATOMIC_ACQUIRE);
}

struct ic1_domain *ic1_find(const char *name)
{
    unsigned n = __atomic_load_n(&nloaded, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(loaded[i]->image->name, name))
            return loaded[i];
    return NULL;
}

/* ---- the gate -------------------------------------------------------------- */

long ic1_enter(hm_handler_t entry, struct hm_msg *m, uint64_t sp);
extern char ic1_fault_landing[];

/* Per CPU: the domain running there (NULL outside one). */
static struct ic1_domain *running[CONFIG_NR_CPUS];

/* Per CPU: whom the watchpoints are armed for.  They stay armed between
 * calls: they fire only while PSTATE.D is clear, which is only inside a
 * domain, so the kernel never trips them.  Re-armed when the CPU enters
 * another domain from the kernel, a domain was loaded since, or someone
 * else wrote them; a call from one domain into another moves the one
 * watchpoint that changes (the callee's slot becomes the caller's). */
static struct {
    const struct ic1_domain *d;
    unsigned nloaded, gen;
    int8_t wp_of[IC1_MAX_LOADED]; /* by domain index: the watchpoint on its slot, or -1 */
} armed[CONFIG_NR_CPUS];

static void arm(unsigned cpu, const struct ic1_domain *d)
{
    dbg_init_cpu();
    unsigned n = 0;
    for (; n < nwatch; n++)
        dbg_wp_set(n, watch[n].base, watch[n].size, WP_LOAD | WP_STORE);
    for (unsigned i = 0; i < nloaded; i++) {
        armed[cpu].wp_of[i] = -1;
        if (loaded[i] != d) {
            armed[cpu].wp_of[i] = (int8_t)n;
            dbg_wp_set(n++, loaded[i]->image->base, IC1_SLOT_SIZE, WP_LOAD | WP_STORE);
        }
    }
    for (; n < dbg_watchpoints(); n++)
        dbg_wp_clear(n);
    armed[cpu].d = d;
    armed[cpu].nloaded = nloaded;
    armed[cpu].gen = dbg_wp_generation();
}

static inline bool armed_for(unsigned cpu, const struct ic1_domain *d)
{
    return armed[cpu].d == d && armed[cpu].nloaded == nloaded &&
           armed[cpu].gen == dbg_wp_generation();
}

/* The watchpoints armed for `from` are made `to`'s: the one on to's slot
 * moves to from's; the others (the kernel, the other domains) stay. */
static inline void switch_watch(unsigned cpu, const struct ic1_domain *from,
                                const struct ic1_domain *to)
{
    if (!armed_for(cpu, from)) {
        arm(cpu, to);
        return;
    }
    int n = armed[cpu].wp_of[to->index];
    dbg_wp_move((unsigned)n, from->image->base);
    armed[cpu].wp_of[from->index] = (int8_t)n;
    armed[cpu].wp_of[to->index] = -1;
    armed[cpu].d = to;
}

/* Into d from `caller`, the domain running on this CPU now (NULL: from the
 * kernel).  IRQs and debug exceptions masked.  m is the caller's message:
 * only its words go in and come back. */
static long enter_domain(unsigned cpu, struct ic1_domain *caller, struct ic1_domain *d,
                         struct hm_msg *m)
{
    if (d->on_cpu == (int)cpu) /* d is in this CPU's chain: it would wait for itself */
        return -HM_EBUSY;
    spin_lock(&d->lock);
    if (d->dead) {
        spin_unlock(&d->lock);
        return -HM_EPIPE;
    }
    /* The message goes on the domain's stack: wherever the caller's copy
     * is, the domain cannot touch it. */
    struct hm_msg *dm = d->msg;
    dm->w[0] = m->w[0];
    dm->w[1] = m->w[1];
    dm->w[2] = m->w[2];
    dm->w[3] = m->w[3];
    dm->len = 0;
    dm->buf = NULL; /* short messages only */
    dm->grant = HM_NO_SLOT;
    dm->badge = 0;
    uint64_t ttbr0 = 0;
    if (caller) {
        switch_watch(cpu, caller, d);
    } else {
        if (!armed_for(cpu, d))
            arm(cpu, d);
        /* The user address space out of reach: watchpoints cannot cover
         * it, an empty TTBR0 (ASID 0, never a process's) can. */
        ttbr0 = read_sysreg(ttbr0_el1);
        write_sysreg(ttbr0_el1, empty_ttbr0);
        isb();
    }
    d->on_cpu = (int)cpu;
    running[cpu] = d;
    long status = ic1_enter(d->entry, dm, (uint64_t)dm);
    running[cpu] = caller;
    d->on_cpu = -1;
    if (caller) {
        switch_watch(cpu, d, caller);
    } else {
        write_sysreg(ttbr0_el1, ttbr0);
        isb();
    }
    if (!d->dead) {
        m->w[0] = dm->w[0];
        m->w[1] = dm->w[1];
        m->w[2] = dm->w[2];
        m->w[3] = dm->w[3];
    }
    spin_unlock(&d->lock);
    return status;
}

long ic1_call(struct ic1_domain *d, struct hm_msg *m)
{
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    unsigned cpu = this_cpu()->id;
    /* running[cpu] is set when an IC1 service called an IC0 one that calls d */
    long status = enter_domain(cpu, running[cpu], d, m);
    write_sysreg(daif, daif);
    return status;
}

/* Whether [p, p + size) lies in domain d's memory: its data (writable) or
 * also its code and read-only data (!write), or its stack. */
static bool in_domain(const struct ic1_domain *d, uint64_t p, uint64_t size, bool write)
{
    const struct ic1_image *im = d->image;
    uint64_t lo = write ? im->data : im->base;
    uint64_t stack_lo = d->stack_top - ((uint64_t)PAGE_SIZE << IC1_STACK_ORDER);
    return (p - lo <= im->end - lo - size && im->end - lo >= size) ||
           p - stack_lo <= d->stack_top - stack_lo - size;
}

/* From the domain running on this CPU, through ic1_gate_call_entry
 * (ic1_gate.S: IRQs and debug exceptions masked, on the kernel stack):
 * call in-kernel service h (svc_lookup()) with the message at m, in the
 * domain's memory. */
long ic1_gate_call(long h, struct hm_msg *m)
{
    unsigned cpu = this_cpu()->id;
    struct ic1_domain *self = running[cpu];
    const struct ic0_service *t = ic0_service_at(h);
    if (!t)
        return -HM_EINVAL;
    if (!in_domain(self, (uint64_t)m, sizeof(*m), true))
        return -HM_EFAULT;
    if (t->ic1) /* IC1 -> IC1: straight into the other domain */
        return enter_domain(cpu, self, t->ic1, m);
    m->buf = NULL; /* IC1 -> IC0: a function call, on the kernel stack */
    m->grant = HM_NO_SLOT;
    m->badge = 0;
    return t->handler(m);
}

/* Through ic1_gate_lookup_entry: svc_lookup() for the domain; the name,
 * in the domain's memory, is read a byte at a time within it. */
long ic1_gate_lookup(const char *name)
{
    struct ic1_domain *self = running[this_cpu()->id];
    char k[HM_NAME_MAX];
    for (unsigned i = 0;; i++) {
        if (i == sizeof(k) || !in_domain(self, (uint64_t)name + i, 1, false))
            return -HM_EFAULT;
        k[i] = name[i];
        if (!k[i])
            break;
    }
    return svc_lookup(k);
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
    tf->elr = (uint64_t)ic1_fault_landing;
    tf->x[0] = (uint64_t)-HM_EPIPE;
    /* EL1h (back on SP_EL1, the gate's frame), debug exceptions masked */
    tf->spsr = (tf->spsr & ~0xful) | 0x5 | (1ul << 9);
    return 1;
}
