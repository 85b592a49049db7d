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
#include <cap.h>
#include <mm.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/cfi.h>
#include <arch/debug.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>
#include <arch/spinlock.h>
#include "../services/ic1mem.h"
#include "../services/svc_wait.h"

#define IC1_WINDOW_BASE 0xffffffff00000000ul /* 1 GiB, below the kernel image (arch/mmu.h) */
#define IC1_WINDOW_SIZE (1ul * GiB)
#define IC1_MAX_LOADED 8

static struct ic1_domain *loaded[IC1_MAX_LOADED];
static unsigned nloaded;
static uint64_t empty_ttbr0; /* no user space: what TTBR0 holds while a domain runs */

/* Pointer authentication and BTI (arch/cfi.h), when the CPU has them.
 * Outside domains the A key is outside_key: no domain's. */
uint32_t ic1_pac; /* ic1_gate.S switches keys when set */
static bool ic1_bti;
static uint64_t outside_key[2];

/* Per CPU: the domain running there (NULL outside one), and whom the
 * watchpoints are armed for.  They stay armed between calls: they fire
 * only while PSTATE.D is clear, which is only inside a domain, so the
 * kernel never trips them.  Re-armed when the CPU enters another domain
 * from the kernel, a domain was loaded since, or someone else wrote them;
 * a call from one domain into another moves the one watchpoint that
 * changes (the callee's slot becomes the caller's).  ic1_gate.S reads and
 * writes running, armed and wp_of too. */
struct ic1_cpu {
    struct ic1_domain *running;
    const struct ic1_domain *armed;
    uint64_t stack_off; /* this CPU's stack in a domain: stack0_top + stack_off */
    unsigned arms;      /* arm() calls: the gate's fast path checks it did not happen */
    unsigned armed_nloaded, armed_gen;
    int8_t wp_of[IC1_MAX_LOADED]; /* by domain index: the watchpoint on its slot, or -1 */
} __aligned(1 << IC1_C_SHIFT);
struct ic1_cpu ic1_cpu[CONFIG_NR_CPUS];

/* The domain's entries into the gate (ic1_gate.S), for its ic1_gates. */
extern char ic1_gate_call_entry[], ic1_gate_lookup_entry[], ic1_gate_call_buf_entry[];

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
    ic1_pac = cfi_has_pac();
    ic1_bti = cfi_has_bti();
    if (ic1_pac) {
        outside_key[0] = cfi_random();
        outside_key[1] = cfi_random();
    }
    if (ic1_pac || ic1_bti)
        printk("ic1: control-flow integrity:%s%s\n",
               ic1_pac ? " pointer authentication (a key per domain)" : "",
               ic1_bti ? " BTI (domain code guarded)" : "");
    if (!ic1_pac || !ic1_bti)
        printk("ic1: this CPU has no %s: IC1 relies on watchpoints and the scanner alone "
               "for that\n",
               !ic1_pac && !ic1_bti ? "pointer authentication or BTI" :
               !ic1_pac             ? "pointer authentication" :
                                      "BTI");
    return 0;
}

/* The message slot on each CPU's stack: the gate's fast path writes only
 * the words, so the rest is set here, at load and restart. */
static void init_msgs(const struct ic1_domain *d)
{
    for (unsigned c = 0; c < CONFIG_NR_CPUS; c++) {
        struct hm_msg *m =
                (struct hm_msg *)(d->stack0_top + (uint64_t)c * IC1_STACK_STRIDE - IC1_MSG_OFF);
        m->len = 0;
        m->buf = NULL;
        m->grant = HM_NO_SLOT;
        m->badge = 0;
    }
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
        gates[3] = (uint64_t)ic1_gate_call_buf_entry; /* [2]: the stopped word */
    }
    sync_icache((uint64_t)mem, im->data - im->base);
}

int ic1_load(const struct ic1_image *im, struct ic1_domain *d)
{
    uint64_t span = im->end - im->base;
    if (im->base < IC1_WINDOW_BASE || im->base >= IC1_WINDOW_BASE + IC1_WINDOW_SIZE ||
        (im->gates && (im->gates < im->base || im->gates + 32 > im->data || (im->gates & 7))) ||
        !IS_ALIGNED(im->base | im->data | im->end, PAGE_SIZE) || im->data < im->base ||
        im->end < im->data || span == 0 || im->bin_size > span || im->entry < im->base ||
        im->entry >= im->data || !IS_ALIGNED(im->base, IC1_SLOT_SIZE) ||
        !IS_ALIGNED(im->buf_size, PAGE_SIZE) || im->buf_size > IC1_IMAGE_MAX ||
        span + (uint64_t)CONFIG_NR_CPUS * (IC1_STACK_STRIDE + PAGE_SIZE + im->buf_size) >
                IC1_IMAGE_MAX) {
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
    unsigned stack_order = 0;
    while ((1u << stack_order) < CONFIG_NR_CPUS)
        stack_order++;
    stack_order += IC1_STACK_ORDER;
    paddr_t stack = frame_alloc(stack_order);
    if (!stack) {
        frame_free(pa, order);
        return -HM_ENOMEM;
    }
    /* After the image, per CPU, an unmapped guard page and a stack: an
     * overflow is a fault in the domain, not a write into someone else's
     * memory (another CPU's stack included). */
    int err2 = 0;
    if (code)
        err2 = mmu_map_pages(im->base, pa, code, PROT_KERNEL_TEXT | (ic1_bti ? PTE_GP : 0));
    if (!err2 && im->end > im->data)
        err2 = mmu_map_pages(im->data, pa + code, im->end - im->data, PROT_KERNEL_RW);
    for (unsigned c = 0; !err2 && c < CONFIG_NR_CPUS; c++)
        err2 = mmu_map_pages(im->end + c * IC1_STACK_STRIDE + PAGE_SIZE,
                             stack + (uint64_t)c * IC1_STACK_SIZE, IC1_STACK_SIZE, PROT_KERNEL_RW);
    /* Then, per CPU, a guard page and a window for a long message's
     * buffer, mapped only during a call (same 2 MiB as the image: its
     * page table exists, which mmu_set_pages() needs). */
    uint64_t buf0 = im->end + (uint64_t)CONFIG_NR_CPUS * IC1_STACK_STRIDE + PAGE_SIZE;
    if (err2 < 0) {
        /* TODO(stage2): unmap what was mapped; today only boot loads domains. */
        printk("ic1: %s: out of page-table pages\n", im->name);
        return -HM_ENOMEM;
    }
    if (!empty_ttbr0)
        empty_ttbr0 = mmu_empty_ttbr0();
    for (unsigned c = 0; c < CONFIG_NR_CPUS; c++)
        ic1_cpu[c].stack_off = (uint64_t)c * IC1_STACK_STRIDE;
    d->base = im->base;
    d->image = im;
    d->pa = pa;
    d->order = order;
    d->stack_pa = stack;
    d->stack_order = stack_order;
    d->buf0 = buf0;
    for (unsigned b = 0; b < IC1_HEAP_BLOCKS; b++)
        d->heap[b] = NULL;
    d->index = nloaded;
    d->entry = (hm_handler_t)im->entry;
    d->stack0_top = im->end + IC1_STACK_STRIDE;
    d->dead = 0;
    waitq_init(&d->stopq);
    d->fault = IC1_FAULT_NONE;
    d->key[0] = ic1_pac ? cfi_random() : 0;
    d->key[1] = ic1_pac ? cfi_random() : 0;
    for (unsigned c = 0; c < ARRAY_SIZE(d->busy); c++)
        d->busy[c] = 0;
    init_msgs(d);
    loaded[nloaded] = d;
    __atomic_store_n(&nloaded, nloaded + 1, __ATOMIC_RELEASE);
    printk("ic1: domain %s at 0x%lx (%lu KiB: code %lu, data %lu; buffer windows %lu KiB)\n",
           im->name, im->base, span >> 10, code >> 10, (im->end - im->data) >> 10,
           im->buf_size >> 10);
    return 0;
}

/* ---- a domain's heap: the in-kernel service "ic1mem" (services/ic1mem.h) ---- */

static spinlock_t heap_lock = SPINLOCK_INIT;

static uint64_t heap_va(const struct ic1_domain *d, unsigned b)
{
    return d->base + IC1_IMAGE_MAX + (uint64_t)b * IC1_HEAP_BLOCK;
}

static void heap_free_all(struct ic1_domain *d)
{
    spin_lock(&heap_lock);
    for (unsigned b = 0; b < IC1_HEAP_BLOCKS; b++) {
        if (d->heap[b]) {
            mmu_unmap_block(heap_va(d, b));
            memobj_unhold(d->heap[b]); /* freed once no page of it is lent */
            d->heap[b] = NULL;
        }
    }
    spin_unlock(&heap_lock);
}

/* Only for the domain that calls (ic1_cpu[].running): block w1 of its
 * heap mapped (a zeroed memory object of the kernel's, which holds it
 * while it is mapped; its address in w0) or unmapped.  A block is a
 * memory object so that a pager in the domain can lend its pages (stage
 * 3): a lent page keeps it after the domain let it go.  A domain's heap
 * is bounded by its slot. */
static long ic1mem_handle(struct hm_msg *m)
{
    struct ic1_domain *d = ic1_running();
    if (!d)
        return -HM_EPERM; /* only a domain has a heap */
    uint64_t b = m->w[1];
    if (b >= IC1_HEAP_BLOCKS)
        return -HM_ERANGE;
    long r = 0;
    spin_lock(&heap_lock);
    if (m->w[0] == IC1MEM_MAP) {
        struct memobj *o = NULL;
        if (d->heap[b]) {
            r = -HM_EEXIST;
        } else if (memobj_create(IC1_HEAP_BLOCK, &o) < 0) {
            r = -HM_ENOMEM;
        } else {
            spin_lock(&cap_lock);
            o->maps = 1; /* the domain's mapping holds it */
            spin_unlock(&cap_lock);
            if (!IS_ALIGNED(o->pa, IC1_HEAP_BLOCK) ||
                mmu_map_block(heap_va(d, b), o->pa, PROT_KERNEL_RW) < 0) {
                memobj_unhold(o); /* a zone not 2 MiB aligned, or no table page */
                r = -HM_ENOMEM;
            } else {
                d->heap[b] = o;
                m->w[0] = heap_va(d, b);
            }
        }
    } else if (m->w[0] == IC1MEM_UNMAP) {
        if (!d->heap[b]) {
            r = -HM_ENOENT;
        } else {
            mmu_unmap_block(heap_va(d, b)); /* every CPU's TLB flushed */
            memobj_unhold(d->heap[b]);
            d->heap[b] = NULL;
        }
    } else {
        r = -HM_ENOSYS;
    }
    spin_unlock(&heap_lock);
    return r;
}

bool ic1_heap_page(const struct ic1_domain *d, uint64_t va, struct memobj **m, paddr_t *pa)
{
    uint64_t heap = heap_va(d, 0);
    if (va < heap || va >= d->base + IC1_SLOT_SIZE)
        return false;
    unsigned b = (unsigned)((va - heap) / IC1_HEAP_BLOCK);
    /* Held for the caller: the domain may unmap the block on another CPU
     * meanwhile, which must not free it under the caller. */
    spin_lock(&heap_lock);
    struct memobj *o = d->heap[b];
    if (o) {
        spin_lock(&cap_lock);
        o->maps++;
        spin_unlock(&cap_lock);
    }
    spin_unlock(&heap_lock);
    if (!o)
        return false;
    *m = o;
    *pa = o->pa + ((va - heap) % IC1_HEAP_BLOCK);
    return true;
}

struct ic1_domain *ic1_running(void)
{
    return ic1_cpu[this_cpu()->id].running;
}

IC0_SERVICE(ic1mem_service, IC1MEM_NAME, ic1mem_handle);

int ic1_restart(struct ic1_domain *d)
{
    const struct ic1_image *im = d->image;
    unsigned cpu = this_cpu()->id;
    if (d->busy[cpu])
        return -HM_EBUSY;
    /* Stopped first, then wait for the calls still in it elsewhere: a new
     * call marks itself busy before it looks at `dead` (and gives up), so
     * once every busy flag has been seen clear, nobody runs in it. */
    uint32_t was_dead = d->dead;
    d->dead = 1;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (unsigned c = 0; c < CONFIG_NR_CPUS; c++)
        while (d->busy[c])
            __asm__ volatile("yield" ::: "memory");
    copy_image(im, d->pa);
    init_msgs(d);
    heap_free_all(d); /* a fresh start: nothing of its old heap */
    if (d->caps) {    /* nor of its capabilities */
        spin_lock(&cap_lock);
        cspace_destroy(&d->caps->cs, &kobj_cap_ops);
        cap_unlock();
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    d->dead = 0;
    printk("ic1: domain %s %s\n", im->name, was_dead ? "restarted" : "reset");
    return 0;
}

int ic1_wait_stopped(struct ic1_domain *d)
{
    /* `dead` is set before the waker takes the lock: seen here, or the
     * wake-up comes after this thread is on the queue. */
    spin_lock(&d->stopq.lock);
    if (__atomic_load_n(&d->dead, __ATOMIC_ACQUIRE)) {
        spin_unlock(&d->stopq.lock);
        return 0;
    }
    return thread_block(&d->stopq); /* releases the lock */
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

_Static_assert(__builtin_offsetof(struct ic1_domain, base) == IC1_D_BASE, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_domain, stack0_top) == IC1_D_STACK0, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_domain, entry) == IC1_D_ENTRY, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_domain, index) == IC1_D_INDEX, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_domain, dead) == IC1_D_DEAD, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_domain, busy) == IC1_D_BUSY, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_domain, key) == IC1_D_KEY, "ic1_gate.S");
_Static_assert(CONFIG_NR_CPUS <= 8, "ic1_domain.busy has 8 entries");
_Static_assert(__builtin_offsetof(struct ic1_cpu, running) == IC1_C_RUNNING, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_cpu, armed) == IC1_C_ARMED, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_cpu, stack_off) == IC1_C_STACKOFF, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_cpu, arms) == IC1_C_ARMS, "ic1_gate.S");
_Static_assert(__builtin_offsetof(struct ic1_cpu, wp_of) == IC1_C_WP_OF, "ic1_gate.S");
_Static_assert(sizeof(struct ic1_cpu) == 1 << IC1_C_SHIFT, "ic1_gate.S");
_Static_assert(IC1_MSG_OFF >= sizeof(struct hm_msg), "the message fits");

static void arm(struct ic1_cpu *c, const struct ic1_domain *d)
{
    dbg_init_cpu();
    cfi_init_cpu();
    unsigned n = 0;
    for (; n < nwatch; n++)
        dbg_wp_set(n, watch[n].base, watch[n].size, WP_LOAD | WP_STORE);
    /* LAB 2 TODO BEGIN: fence every other loaded domain's slot with a watchpoint; c->wp_of[i] says which guards domain i (-1: none, d's own) */
    for (unsigned i = 0; i < IC1_MAX_LOADED; i++) {
        c->wp_of[i] = -1;
        if (i < nloaded && loaded[i] != d) {
            c->wp_of[i] = (int8_t)n;
            dbg_wp_set(n++, loaded[i]->base, IC1_SLOT_SIZE, WP_LOAD | WP_STORE); /* heap too */
        }
    }
    /* LAB 2 TODO END */
    for (; n < dbg_watchpoints(); n++)
        dbg_wp_clear(n);
    c->armed = d;
    c->armed_nloaded = nloaded;
    c->armed_gen = dbg_wp_generation();
    c->arms++;
}

/* From ic1_gate.S: something re-armed the watchpoints while the domain d
 * had called another; arm them for d again. */
void ic1_rearm(const struct ic1_domain *d)
{
    if (ic1_pac)
        cfi_set_key(d->key); /* arm() ends with an isb */
    arm(&ic1_cpu[this_cpu()->id], d);
}

static inline bool armed_for(const struct ic1_cpu *c, const struct ic1_domain *d)
{
    return c->armed == d && c->armed_nloaded == nloaded && c->armed_gen == dbg_wp_generation();
}

/* The watchpoints armed for `from` are made `to`'s: the one on to's slot
 * moves to from's; the others (the kernel, the other domains) stay. */
static void switch_watch(struct ic1_cpu *c, const struct ic1_domain *from,
                         const struct ic1_domain *to)
{
    int n = c->wp_of[to->index];
    if (!armed_for(c, from) || n < 0) {
        arm(c, to);
        return;
    }
    dbg_wp_move((unsigned)n, from->base);
    c->wp_of[from->index] = (int8_t)n;
    c->wp_of[to->index] = -1;
    c->armed = to;
}

/* Into d from `caller`, the domain running on this CPU now (NULL: from the
 * kernel).  IRQs and debug exceptions masked.  Only m's words go in and
 * come back.  ic1_gate.S has a fast path for the common domain-to-domain
 * case; this is the whole of it. */
static long enter_domain(struct ic1_cpu *c, unsigned cpu, struct ic1_domain *caller,
                         struct ic1_domain *d, hm_handler_t entry, struct hm_msg *m)
{
    if (d->busy[cpu]) /* d is in this CPU's chain: it would wait for itself */
        return -HM_EBUSY;
    d->busy[cpu] = 1;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* busy before dead (ic1_restart) */
    if (d->dead) {
        __atomic_store_n(&d->busy[cpu], 0, __ATOMIC_RELEASE);
        return -HM_EPIPE;
    }
    /* The message goes on the domain's stack: wherever the caller's copy
     * is, the domain cannot touch it. */
    struct hm_msg *dm = (struct hm_msg *)(d->stack0_top + c->stack_off - IC1_MSG_OFF);
    /* LAB 2 TODO BEGIN: copy the request into dm (the four words and the badge; no buffer, no grant yet) */
    dm->w[0] = m->w[0];
    dm->w[1] = m->w[1];
    dm->w[2] = m->w[2];
    dm->w[3] = m->w[3];
    dm->len = 0;
    dm->buf = NULL;
    dm->grant = HM_NO_SLOT;
    dm->badge = m->badge; /* which connection: a service keeps state per client */
    /* LAB 2 TODO END */
    /* A grant: a slot of the table the kernel keeps for d (ic0.c put it
     * there; a domain's own calls never pass one, ic1_gate_call()). */
    if (d->caps)
        dm->grant = m->grant;
    /* A long message: the caller's buffer (the kernel's view of it, in
     * the linear map) mapped into this CPU's window in the domain for the
     * call, the pages that hold the request's bytes: no copy.  The domain
     * sees what an IC2 service sees through its own mapping of a shared
     * buffer, and no more: the window is emptied when the call ends. */
    uint64_t in = 0, win = 0, win_size = 0;
    if (m->buf && m->len && d->image->buf_size) {
        in = m->len;
        uint64_t off = (uint64_t)m->buf & (PAGE_SIZE - 1);
        win_size = ALIGN_UP(off + in, PAGE_SIZE);
        if (in > d->image->buf_size || win_size > d->image->buf_size) {
            __atomic_store_n(&d->busy[cpu], 0, __ATOMIC_RELEASE);
            return -HM_ERANGE;
        }
        win = d->buf0 + cpu * (d->image->buf_size + PAGE_SIZE);
        mmu_set_pages(win, linear_to_pa((uint64_t)m->buf - off), win_size, PROT_KERNEL_RW);
        dm->buf = (void *)(win + off);
        dm->len = in;
    }
    uint64_t ttbr0 = 0;
    if (ic1_pac)
        cfi_set_key(d->key); /* synchronised by the isb below */
    if (caller) {
        switch_watch(c, caller, d);
    } else {
        if (!armed_for(c, d))
            arm(c, d);
        /* The user address space out of reach: watchpoints cannot cover
         * it, an empty TTBR0 (ASID 0, never a process's) can. */
        ttbr0 = read_sysreg(ttbr0_el1);
        write_sysreg(ttbr0_el1, empty_ttbr0);
        isb();
    }
    c->running = d;
    long status = ic1_enter(entry ? entry : d->entry, dm, (uint64_t)dm);
    c->running = caller;
    if (ic1_pac)
        cfi_set_key(caller ? caller->key : outside_key);
    if (caller) {
        switch_watch(c, d, caller);
    } else {
        write_sysreg(ttbr0_el1, ttbr0);
        isb();
    }
    if (!d->dead) {
        m->w[0] = dm->w[0];
        m->w[1] = dm->w[1];
        m->w[2] = dm->w[2];
        m->w[3] = dm->w[3];
        /* The reply's length: no more than the request's (what the
         * caller's buffer was checked to hold); a grant word above it
         * only from a domain that holds capabilities (ic0.c grants). */
        uint64_t len = dm->len & 0xffffffffu, word = d->caps ? dm->len >> 32 : 0;
        if (m->buf)
            m->len = dm->buf && len <= in ? len : 0;
        if (word)
            m->len = (m->buf ? m->len : 0) | word << 32;
    } else if (m->buf) {
        m->len = 0;
    }
    if (win_size)
        mmu_set_pages(win, 0, win_size, 0);
    /* The gate's fast path writes only the words: leave the rest as
     * init_msgs() did for the calls that take it. */
    dm->len = 0;
    dm->buf = NULL;
    dm->badge = 0;
    __atomic_store_n(&d->busy[cpu], 0, __ATOMIC_RELEASE);
    return status;
}

/* What a domain that asked to wait (svc_wait(), services/svc.h) waits
 * for, on the caller's thread, out of the domain: 0 once it has happened,
 * or -HM_EINTR (the caller is being killed), -HM_EBADCAP / -HM_ETYPE /
 * -HM_EINVAL (nothing to wait for there). */
static long wait_for(struct ic1_domain *d, uint64_t what, uint64_t arg)
{
    if (what == SVC_WAIT_PROC) {
        struct proc *p;
        int err = hold_proc(d->caps, arg, 0, &p);
        if (err < 0)
            return err;
        int st = proc_wait(p);
        proc_put(p);
        return st < 0 ? st : 0;
    }
    if (what == SVC_WAIT_DOMAIN) {
        const struct ic0_service *t = ic0_service_at((long)arg);
        return t && t->ic1 && t->ic1 != d ? ic1_wait_stopped(t->ic1) : -HM_EINVAL;
    }
    return -HM_EINVAL;
}

/* One call into d from kernel code (not from a domain's, whose gate calls
 * enter_domain() itself), with this CPU's IRQs masked meanwhile. */
static __attribute__((always_inline)) inline long
call_once(struct ic1_domain *d, hm_handler_t entry, struct hm_msg *m, bool *nested)
{
    uint64_t daif = read_sysreg(daif);
    irq_disable();
    unsigned cpu = this_cpu()->id;
    struct ic1_cpu *c = &ic1_cpu[cpu];
    /* c->running is set when an IC1 service called an IC0 one that calls d */
    *nested = c->running != NULL;
    long status = enter_domain(c, cpu, c->running, d, entry, m);
    write_sysreg(daif, daif);
    return status;
}

/* The same into a domain that holds capabilities, which may ask to wait:
 * the request is kept to make again after each wait. */
static __attribute__((noinline)) long call_waiting(struct ic1_domain *d, hm_handler_t entry,
                                                   struct hm_msg *m)
{
    const struct hm_msg req = *m;
    for (;;) {
        bool nested;
        long status = call_once(d, entry, m, &nested);
        if (status != SVC_WAIT)
            return status;
        /* a thread called from a domain cannot block (it is on that
         * domain's per-CPU stack); any other may */
        if (nested)
            return -HM_EAGAIN;
        long err = wait_for(d, m->w[0], m->w[1]);
        if (err < 0)
            return err;
        *m = req;
    }
}

long ic1_call_entry(struct ic1_domain *d, hm_handler_t entry, struct hm_msg *m)
{
    if (unlikely(d->caps))
        return call_waiting(d, entry, m);
    bool nested;
    return call_once(d, entry, m, &nested); /* (no capabilities: its SVC_WAIT is no request) */
}

long ic1_call(struct ic1_domain *d, struct hm_msg *m)
{
    return ic1_call_entry(d, NULL, m);
}

/* A call from a domain cannot wait (its thread is on the calling domain's
 * stack for this CPU): a callee's request to wait is refused (svc_wait.h).
 * Only a domain that holds capabilities asks; another's SVC_WAIT is a
 * status like any other. */
static inline long no_wait(const struct ic1_domain *d, long status)
{
    return unlikely(status == SVC_WAIT) && d->caps ? -HM_EAGAIN : status;
}

/* From the domain running on this CPU, through ic1_gate_call_entry
 * (ic1_gate.S) when its fast path does not apply: IRQs and debug
 * exceptions masked, on the kernel stack; m, there too, holds the words
 * the domain passed.  Call in-kernel service h (svc_lookup()). */
long ic1_gate_call(long h, struct hm_msg *m)
{
    unsigned cpu = this_cpu()->id;
    struct ic1_cpu *c = &ic1_cpu[cpu];
    const struct ic0_service *t = ic0_service_at(h);
    if (!t)
        return -HM_EINVAL;
    m->len = 0;
    m->buf = NULL;
    m->grant = HM_NO_SLOT;
    m->badge = 0;
    if (t->ic1) /* IC1 -> IC1 */
        return no_wait(t->ic1, enter_domain(c, cpu, c->running, t->ic1, t->ic1_entry, m));
    return t->handler(m); /* IC1 -> IC0: a function call */
}

/* The same with a long message (through ic1_gate_call_buf_entry): len
 * bytes at va, in one mapped block of the calling domain's heap (which is
 * one physically contiguous memory object), held for the call.  An IC1
 * callee gets those pages mapped into its window, as for a call from the
 * kernel; an IC0 one reads them through the linear map.  The reply's
 * length comes back in m->len (0 if longer than the request). */
long ic1_gate_call_buf(long h, struct hm_msg *m, uint64_t va, uint64_t len)
{
    unsigned cpu = this_cpu()->id;
    struct ic1_cpu *c = &ic1_cpu[cpu];
    struct ic1_domain *d = c->running;
    const struct ic0_service *t = ic0_service_at(h);
    if (!t)
        return -HM_EINVAL;
    if (!len)
        return ic1_gate_call(h, m);
    uint64_t heap = heap_va(d, 0);
    struct memobj *o;
    paddr_t pa;
    if (va < heap || va + len < va || va + len > d->base + IC1_SLOT_SIZE ||
        (va - heap) / IC1_HEAP_BLOCK != (va + len - 1 - heap) / IC1_HEAP_BLOCK ||
        !ic1_heap_page(d, va, &o, &pa))
        return -HM_EFAULT;
    m->len = len;
    m->buf = (void *)pa_to_linear(pa);
    m->grant = HM_NO_SLOT;
    m->badge = 0;
    long status = t->ic1 ? no_wait(t->ic1, enter_domain(c, cpu, d, t->ic1, t->ic1_entry, m)) :
                           t->handler(m);
    if (m->len > len)
        m->len = 0;
    memobj_unhold(o);
    return status;
}

long ic1_copy_to_caller(uint64_t va, uint64_t cap, const void *src, size_t len)
{
    const struct ic1_domain *d = ic1_running();
    if (!d || va + cap < va || len > cap)
        return -HM_EFAULT;
    const struct ic1_image *im = d->image;
    uint64_t heap = heap_va(d, 0);
    bool ok = va >= im->data && va + cap <= im->end; /* its data: always mapped */
    /* its heap: mapped, and kept so while the bytes go there (the domain
     * may unmap a block on another CPU meanwhile) */
    spin_lock(&heap_lock);
    if (!ok && cap && va >= heap && va + cap <= d->base + IC1_SLOT_SIZE) {
        ok = true;
        for (uint64_t b = (va - heap) / IC1_HEAP_BLOCK; b <= (va + cap - 1 - heap) / IC1_HEAP_BLOCK;
             b++)
            ok = ok && d->heap[b];
    }
    if (ok)
        memcpy((void *)va, src, len);
    spin_unlock(&heap_lock);
    return ok ? 0 : -HM_EFAULT;
}

/* Whether [p, p + size) lies in domain d's image or its stack on this CPU. */
static bool in_domain(const struct ic1_domain *d, const struct ic1_cpu *c, uint64_t p,
                      uint64_t size)
{
    const struct ic1_image *im = d->image;
    uint64_t top = d->stack0_top + c->stack_off, lo = top - IC1_STACK_SIZE;
    return (p - im->base <= im->end - im->base - size && im->end - im->base >= size) ||
           p - lo <= IC1_STACK_SIZE - size;
}

/* (ic1.h) The name is read a byte at a time, each checked to be the
 * calling domain's. */
long ic1_name_from_caller(const char *name, char out[HM_NAME_MAX + 1])
{
    struct ic1_cpu *c = &ic1_cpu[this_cpu()->id];
    for (unsigned i = 0;; i++) {
        if (i == HM_NAME_MAX + 1 || !c->running || !in_domain(c->running, c, (uint64_t)name + i, 1))
            return -HM_EFAULT;
        out[i] = name[i];
        if (!out[i])
            return 0;
    }
}

/* Through ic1_gate_lookup_entry: svc_lookup() for the domain. */
long ic1_gate_lookup(const char *name)
{
    char k[HM_NAME_MAX + 1];
    long err = ic1_name_from_caller(name, k);
    return err < 0 ? err : svc_lookup(k);
}

int ic1_fault(struct trap_frame *tf)
{
    struct ic1_domain *d = ic1_cpu[this_cpu()->id].running;
    if (!d || (tf->spsr & 0xf) != 0x4) /* only code at EL1t: the domain */
        return 0;
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    /* A failed autiasp: with FEAT_FPAC the authentication itself traps
     * (EC 0x1c); without, it leaves an error code in the pointer's top
     * bits and the return branches to that non-canonical address. */
    bool noncanonical = (tf->far >> 48) != 0xffff && (tf->far >> 48) != 0;
    d->fault = ec == 0x35                                 ? IC1_FAULT_WATCHPOINT :
               ec == 0x1c || (ec == 0x21 && noncanonical) ? IC1_FAULT_PAC :
               ec == 0x0d                                 ? IC1_FAULT_BTI :
                                                            IC1_FAULT_OTHER;
    d->fault_addr = tf->far;
    const char *why = d->fault == IC1_FAULT_WATCHPOINT ?
                              "watchpoint (memory outside the domain)" :
                      d->fault == IC1_FAULT_PAC ?
                              "pointer authentication failed (a corrupted return address)" :
                      d->fault == IC1_FAULT_BTI ?
                              "branch target check failed (an indirect branch to no `bti`)" :
                              "exception";
    printk("ic1: domain %s stopped: %s at pc 0x%lx, address 0x%lx (esr 0x%lx)\n", d->image->name,
           why, tf->elr, tf->far, tf->esr);
    __atomic_store_n(&d->dead, 1, __ATOMIC_RELEASE);
    if (d->image->gates) /* its runtime's svc_stopped(): other CPUs in it stop waiting */
        __atomic_store_n((uint64_t *)pa_to_linear(d->pa + (d->image->gates - d->base) + 16), 1,
                         __ATOMIC_RELEASE);
    waitq_wake_all(&d->stopq, 0); /* whoever keeps it (ic1_wait_stopped) */
    /* Back to whoever entered it (ic1_enter or the gate's fast path), at
     * EL1h on SP_EL1, which points at that entry's frame; debug exceptions
     * masked; x0 = the call's status. */
    tf->elr = (uint64_t)ic1_fault_landing;
    tf->x[0] = (uint64_t)-HM_EPIPE;
    tf->spsr = (tf->spsr & ~0xful) | 0x5 | (1ul << 9);
    return 1;
}

_Static_assert(IC1MEM_BLOCKS == IC1_HEAP_BLOCKS && IC1MEM_BLOCK == IC1_HEAP_BLOCK, "ic1mem.h");
