// SPDX-License-Identifier: MIT
/*
 * proc.c - processes: address spaces, memory regions, program loading,
 * exit, kill and the lifetime of capability-named objects.
 *
 * Lifetimes.  Every object a capability can name (process, thread, memory
 * object) is freed only when nothing refers to it any more: no capability
 * (kobj.refs, kept by lib/cap.c), no kernel hold (a system call waiting on
 * it), and no activity (a process's threads, a memory object's mappings).
 * All of these counts are protected by one lock, cap_lock, the lock of the
 * capability subsystem, so "is this the last reference?" has one answer.
 */
#include <kernel.h>
#include <cap.h>
#include <elf.h>
#include <asid.h>
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <uapi/hm/syscall.h>
#include <ipc.h>
#ifdef CONFIG_STAGE3
#include <pager.h> /* stage 3: paged regions */
#endif

#define USER_STACK_TOP 0x7ffffff000ul /* one guard page below HM_USER_TOP */
#define USER_STACK_SIZE (64 * KiB)

spinlock_t cap_lock = SPINLOCK_INIT;

const size_t kcache_size[KC_COUNT] = {
    [KC_PROC] = sizeof(struct proc),       [KC_THREAD] = sizeof(struct thread),
    [KC_MEMOBJ] = sizeof(struct memobj),   [KC_REGION] = 64,
    [KC_SERVICE] = sizeof(struct service), [KC_CONN] = sizeof(struct conn),
    [KC_NOTIFY] = NOTIFY_OBJ_SIZE,
};
_Static_assert(sizeof(struct thread) <= 2048, "thread objects come from a slab (max 2048 bytes)");
_Static_assert(sizeof(struct proc) <= 2048, "process objects come from a slab (max 2048 bytes)");

static struct asid_pool asids;
static uint8_t asid_bitmap[65536 / 8];
static spinlock_t asid_lock = SPINLOCK_INIT;
static unsigned pid_next = 1;

/* ---- page tables: the builder's callbacks ---------------------------------- */

static uint64_t pt_alloc_table(void *ctx)
{
    (void)ctx;
    return frame_alloc(0);
}
static void pt_free_table(void *ctx, uint64_t pa)
{
    (void)ctx;
    frame_free(pa, 0);
}
static void *pt_to_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return phys_to_virt(pa);
}
static const struct pt_ops user_pt_ops = { pt_alloc_table, pt_free_table, pt_to_virt, NULL };

uint64_t vm_prot_attrs(unsigned prot)
{
    uint64_t a = PTE_NG | PTE_SH_INNER | PTE_ATTR(MT_NORMAL) | PTE_PXN;
    a |= (prot & HM_PROT_WRITE) ? PTE_AP_RW : PTE_AP_RO;
    if (!(prot & HM_PROT_EXEC))
        a |= PTE_UXN;
    return a;
}

void vm_tlb_flush_page(const struct proc *p, uint64_t va)
{
    dsb(ishst);
    __asm__ volatile("tlbi vae1is, %0" ::"r"((va >> 12) | ((uint64_t)p->asid << 48)) : "memory");
    dsb(ish);
    isb();
}

static void tlb_flush_asid(unsigned asid)
{
    dsb(ishst);
    __asm__ volatile("tlbi aside1is, %0" ::"r"((uint64_t)asid << 48) : "memory");
    dsb(ish);
    isb();
}

uint64_t proc_ttbr0(const struct proc *p)
{
    return p->pt.root | ((uint64_t)p->asid << 48);
}

void proc_init(void)
{
    unsigned bits = (read_sysreg(id_aa64mmfr0_el1) >> 4) & 0xf;
    unsigned max = bits == 2 ? 65535 : 255;
    if (asid_init(&asids, max, asid_bitmap, sizeof(asid_bitmap)) < 0)
        panic("proc: asid_init failed");
    printk("proc: %u ASIDs\n", max);
}

/* ---- object lifetimes (all under cap_lock) ------------------------------------ */

static void memobj_maybe_free(struct memobj *m)
{
    if (m->obj.refs == 0 && m->maps == 0) {
#ifdef CONFIG_STAGE3
        pager_memobj_freed(m); /* stage 3: its per-page lending counts */
#endif
        frame_free(m->pa, m->order);
        kobj_free(KC_MEMOBJ, m);
    }
}

struct list all_procs = LIST_INIT(all_procs);
spinlock_t all_procs_lock = SPINLOCK_INIT;

static void proc_free_struct(struct proc *p)
{
    spin_lock(&all_procs_lock);
    list_del(&p->all_node);
    spin_unlock(&all_procs_lock);
    kobj_free(KC_PROC, p);
}

static void proc_maybe_free(struct proc *p)
{
    if (p->dead && p->obj.refs == 0 && p->holds == 0 && READ_ONCE(p->nunreaped) == 0)
        proc_free_struct(p);
}

void proc_report(void)
{
    struct list *pos;
    spin_lock(&all_procs_lock);
    list_for_each(pos, &all_procs)
    {
        const struct proc *p = list_entry(pos, struct proc, all_node);
        printk("proc: %s[%u] alive: dying %d dead %d caps %u holds %u threads %u unreaped %u "
               "visitors %u\n",
               p->name, p->pid, p->dying, p->dead, p->obj.refs, p->holds, p->nthreads, p->nunreaped,
               p->nvisitors);
    }
    spin_unlock(&all_procs_lock);
}

void proc_maybe_free_locked(struct proc *p)
{
    proc_maybe_free(p);
}

static void thread_maybe_free(struct thread *t)
{
    /* Freed when reaped (off its stack for good) and nothing names it. */
    if (t->obj.refs == 0 && t->holds == 0 && t->reaped)
        kobj_free(KC_THREAD, t);
}

/* Objects whose last capability went during a capability operation are
 * queued and destroyed afterwards (cap.h asks for this). */
#define RELEASE_QUEUE 512
static struct kobj *release_q[RELEASE_QUEUE];
static unsigned release_n;
static struct kobj *deferred[RELEASE_QUEUE];
static unsigned deferred_n;

static void cap_release(void *ctx, struct kobj *obj)
{
    (void)ctx;
    BUG_ON(release_n == RELEASE_QUEUE);
    release_q[release_n++] = obj;
}
const struct cap_ops kobj_cap_ops = { cap_release, NULL };

/* Called with cap_lock held, after a capability operation. */
static void release_pending(void)
{
    while (release_n) {
        struct kobj *o = release_q[--release_n];
        if (o->refs)
            continue; /* a new capability appeared meanwhile */
        switch (o->type) {
        case HM_CAP_MEMORY:
            memobj_maybe_free((struct memobj *)o);
            break;
        case HM_CAP_PROCESS:
            proc_maybe_free((struct proc *)o);
            break;
        case HM_CAP_THREAD:
            thread_maybe_free((struct thread *)o);
            break;
        case HM_CAP_SERVICE:
            ipc_release_locked(o);
            break;
        case HM_CAP_CONN:
        case HM_CAP_NOTIFY:
            BUG_ON(deferred_n == RELEASE_QUEUE);
            deferred[deferred_n++] = o; /* heavier work: after cap_lock is released */
            break;
        default:
            panic("cap_release: object of unknown type %u", o->type);
        }
    }
}

void cap_unlock(void)
{
    release_pending();
    struct kobj *mine[16];
    unsigned n = 0;
    while (deferred_n && n < ARRAY_SIZE(mine))
        mine[n++] = deferred[--deferred_n];
    spin_unlock(&cap_lock);
    for (unsigned i = 0; i < n; i++)
        ipc_release(mine[i]);
    if (n == ARRAY_SIZE(mine)) { /* more left: take the lock again for them */
        spin_lock(&cap_lock);
        cap_unlock();
    }
}

/* Never runs deferred releases (plain unlock): it is called under another
 * process's lock, and those releases may take process locks. */
void proc_put(struct proc *p)
{
    spin_lock(&cap_lock);
    BUG_ON(p->holds == 0);
    p->holds--;
    proc_maybe_free(p);
    spin_unlock(&cap_lock);
}

void thread_put(struct thread *t)
{
    spin_lock(&cap_lock);
    BUG_ON(t->holds == 0);
    t->holds--;
    thread_maybe_free(t);
    cap_unlock();
}

/* ---- regions -------------------------------------------------------------------- */

/* 0 if [va, va+len) is a page-aligned, non-empty range of user space;
 * -HM_EINVAL for a bad length or alignment, -HM_ERANGE outside user space. */
int vm_range_check(uint64_t va, uint64_t len)
{
    if (len == 0 || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE))
        return -HM_EINVAL;
    if (va < PAGE_SIZE || va >= HM_USER_TOP || len > HM_USER_TOP - va)
        return -HM_ERANGE;
    return 0;
}

bool vm_prot_valid(unsigned prot)
{
    return prot != 0 && !(prot & ~(HM_PROT_READ | HM_PROT_WRITE | HM_PROT_EXEC)) &&
           (prot & (HM_PROT_WRITE | HM_PROT_EXEC)) != (HM_PROT_WRITE | HM_PROT_EXEC);
}

bool vm_overlaps(const struct proc *p, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < p->nregions; i++)
        if (p->regions[i].start < end && start < p->regions[i].end)
            return true;
    return false;
}

/* Move the region records to an array of 2^order pages (under p->lock). */
static int regions_move(struct proc *p, unsigned order)
{
    paddr_t pa = frame_alloc(order);
    if (!pa)
        return -HM_ENOMEM;
    struct region *r = phys_to_virt(pa);
    memcpy(r, p->regions, p->nregions * sizeof(*r));
    frame_free(p->regions_pa, p->regions_order);
    p->regions = r;
    p->regions_pa = pa;
    p->regions_order = order;
    return 0;
}

int vm_regions_room(struct proc *p, unsigned more)
{
    uint64_t need = (uint64_t)p->nregions + more;
    unsigned order = p->regions_order;
    while ((((uint64_t)PAGE_SIZE << order) / sizeof(struct region)) < need)
        order++;
    if (order == p->regions_order)
        return 0;
    return need > MAX_REGIONS ? -HM_ENOSPC : regions_move(p, order);
}

/* Records for at most a quarter of the array left: move them to a
 * smaller one (with room to spare, so that map/unmap around an edge does
 * not move them every time; if memory is short, the bigger one stays). */
static void regions_shrink(struct proc *p)
{
    unsigned order = p->regions_order;
    while (order > 0 && (uint64_t)p->nregions * 4 <=
                                ((uint64_t)PAGE_SIZE << (order - 1)) / sizeof(struct region))
        order--;
    if (order != p->regions_order)
        regions_move(p, order);
}

struct region *vm_region_at(struct proc *p, uint64_t va)
{
    for (unsigned i = 0; i < p->nregions; i++)
        if (va >= p->regions[i].start && va < p->regions[i].end)
            return &p->regions[i];
    return NULL;
}

static int anon_frame(void *ctx, uint64_t va, uint64_t *pa)
{
    (void)ctx;
    (void)va;
    *pa = frame_alloc(0);
    return *pa ? 0 : -HM_ENOMEM;
}
static void anon_unframe(void *ctx, uint64_t pa)
{
    (void)ctx;
    frame_free(pa, 0);
}

static void charge_pages(struct proc *root, int64_t pages)
{
    if (!root)
        return;
    __atomic_fetch_add(&root->acct_mem_pages, (uint64_t)pages, __ATOMIC_RELAXED);
    if (pages > 0)
        __atomic_fetch_add(&root->acct_mem_pages_total, (uint64_t)pages, __ATOMIC_RELAXED);
}

/* Caller holds p->lock. */
static int vm_map_anon_locked(struct proc *p, uint64_t va, uint64_t len, unsigned prot,
                              struct proc *charge)
{
    /* decode */
    int err = vm_range_check(va, len);
    if (err < 0)
        return err;
    if (!vm_prot_valid(prot))
        return -HM_EINVAL;
    if (vm_overlaps(p, va, va + len))
        return -HM_EEXIST;
    err = vm_regions_room(p, 1);
    if (err < 0)
        return err;
    /* invoke: the builder undoes everything itself if memory runs out */
    err = pt_map_each(&p->pt, va, len, vm_prot_attrs(prot), anon_frame, anon_unframe, NULL);
    if (err < 0)
        return err;
    if (charge) { /* the root caller pays; hold it while the pages exist */
        spin_lock(&cap_lock);
        charge->holds++;
        spin_unlock(&cap_lock);
        charge_pages(charge, (int64_t)(len / PAGE_SIZE));
    }
    p->regions[p->nregions++] =
            (struct region){ .start = va, .end = va + len, .prot = prot, .charge = charge };
    dsb(ishst);
    return 0;
}

int vm_map_anon_charged(struct proc *p, uint64_t va, uint64_t len, unsigned prot,
                        struct proc *charge)
{
    spin_lock(&p->lock);
    int err = p->torn_down ? -HM_EPIPE : vm_map_anon_locked(p, va, len, prot, charge);
    spin_unlock(&p->lock);
    return err;
}

int vm_map_anon(struct proc *p, uint64_t va, uint64_t len, unsigned prot)
{
    return vm_map_anon_charged(p, va, len, prot, NULL);
}

int vm_map_mem(struct proc *p, struct memobj *m, uint64_t va, unsigned prot)
{
    uint64_t len = (uint64_t)PAGE_SIZE << m->order;
    spin_lock(&p->lock);
    int err = vm_range_check(va, len);
    if (err == 0 && !vm_prot_valid(prot))
        err = -HM_EINVAL;
    if (err < 0)
        goto out;
    err = -HM_EEXIST;
    if (vm_overlaps(p, va, va + len))
        goto out;
    err = vm_regions_room(p, 1);
    if (err < 0)
        goto out;
    err = p->torn_down ? -HM_EPIPE : pt_map(&p->pt, va, m->pa, len, vm_prot_attrs(prot));
    if (err < 0)
        goto out;
    spin_lock(&cap_lock);
    m->maps++;
    spin_unlock(&cap_lock);
    p->regions[p->nregions++] =
            (struct region){ .start = va, .end = va + len, .prot = prot, .mem = m };
    dsb(ishst);
out:
    spin_unlock(&p->lock);
    return err;
}

struct unmap_ctx {
    struct proc *p;
};

static void unmapped_page(void *ctx, uint64_t va, uint64_t pa)
{
    struct proc *p = ((struct unmap_ctx *)ctx)->p;
    vm_tlb_flush_page(p, va);
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct region *r = &p->regions[i];
        if (va >= r->start && va < r->end) {
#ifdef CONFIG_STAGE3
            if (r->pager) { /* stage 3: a page lent by the region's pager */
                pager_page_unlent(pa);
                return;
            }
#endif
            if (!r->mem)
                frame_free(pa, 0);
            return;
        }
    }
    panic("vm: unmapped page 0x%lx belongs to no region", va);
}

void memobj_drop_locked(struct memobj *m)
{
    m->maps--;
    memobj_maybe_free(m);
}

void memobj_unhold(struct memobj *m)
{
    spin_lock(&cap_lock);
    m->maps--;
    memobj_maybe_free(m);
    cap_unlock();
}

static void region_drop_mem(struct memobj *m)
{
    spin_lock(&cap_lock);
    memobj_drop_locked(m);
    spin_unlock(&cap_lock);
}

/* Caller holds p->lock. */
static int vm_unmap_locked(struct proc *p, uint64_t va, uint64_t len)
{
    /* decode: the whole range must be mapped, and splits must fit */
    int err = vm_range_check(va, len);
    if (err < 0)
        return err;
    uint64_t end = va + len, covered = 0;
    unsigned splits = 0;
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct region *r = &p->regions[i];
        uint64_t s = MAX(r->start, va), e = MIN(r->end, end);
        if (s < e) {
            covered += e - s;
            if (r->start < va && r->end > end)
                splits++;
        }
    }
    if (covered != len)
        return -HM_EINVAL;
    err = vm_regions_room(p, splits);
    if (err < 0)
        return err;
    /* invoke */
    struct unmap_ctx ctx = { p };
#ifdef CONFIG_STAGE3
    /* Stage 3: a paged region has only the pages its pager mapped so far. */
    for (unsigned i = 0; i < p->nregions; i++) {
        const struct region *r = &p->regions[i];
        uint64_t s = MAX(r->start, va), e = MIN(r->end, end);
        for (uint64_t a = s; r->pager && a < e; a += PAGE_SIZE)
            if (pt_lookup(&p->pt, a, NULL, NULL) == 0)
                BUG_ON(pt_unmap(&p->pt, a, PAGE_SIZE, unmapped_page, &ctx) < 0);
        if (!r->pager && s < e)
            BUG_ON(pt_unmap(&p->pt, s, e - s, unmapped_page, &ctx) < 0);
    }
#else
    err = pt_unmap(&p->pt, va, len, unmapped_page, &ctx);
    BUG_ON(err < 0); /* the decode step proved every page mapped */
#endif
    for (unsigned i = 0; i < p->nregions;) {
        struct region *r = &p->regions[i];
        if (r->end <= va || r->start >= end) {
            i++;
            continue;
        }
        if (r->start < va && r->end > end) { /* split in two */
            struct region tail = *r;
            tail.mem_off += end - r->start;
            tail.start = end;
            r->end = va;
            p->regions[p->nregions++] = tail;
            charge_pages(r->charge, -(int64_t)(len / PAGE_SIZE));
            if (tail.mem || tail.charge) {
                spin_lock(&cap_lock);
                if (tail.mem)
                    tail.mem->maps++;
                if (tail.charge)
                    tail.charge->holds++;
                spin_unlock(&cap_lock);
            }
#ifdef CONFIG_STAGE3
            if (tail.pager)
                ipc_svc_hold(tail.pager);
#endif
            i++;
        } else if (r->start < va) {
            charge_pages(r->charge, -(int64_t)((r->end - va) / PAGE_SIZE));
            r->end = va;
            i++;
        } else if (r->end > end) {
            charge_pages(r->charge, -(int64_t)((end - r->start) / PAGE_SIZE));
            r->mem_off += end - r->start;
            r->start = end;
            i++;
        } else { /* entirely gone */
            struct memobj *m = r->mem;
            struct proc *charge = r->charge;
#ifdef CONFIG_STAGE3
            struct service *pager = r->pager;
#endif
            charge_pages(charge, -(int64_t)((r->end - r->start) / PAGE_SIZE));
            *r = p->regions[--p->nregions];
            if (m)
                region_drop_mem(m);
            if (charge)
                proc_put(charge);
#ifdef CONFIG_STAGE3
            if (pager)
                ipc_svc_unhold(pager);
#endif
        }
    }
    regions_shrink(p);
    return 0;
}

int vm_unmap(struct proc *p, uint64_t va, uint64_t len)
{
    spin_lock(&p->lock);
    int err = p->torn_down ? -HM_EPIPE : vm_unmap_locked(p, va, len);
    spin_unlock(&p->lock);
    return err;
}

void vm_unmap_mem_if(struct proc *p, uint64_t va, uint64_t len, struct memobj *m)
{
    spin_lock(&p->lock);
    for (unsigned i = 0; !p->torn_down && i < p->nregions; i++) {
        const struct region *r = &p->regions[i];
        if (r->start == va && r->end == va + len && r->mem == m) {
            BUG_ON(vm_unmap_locked(p, va, len) < 0);
            break;
        }
    }
    spin_unlock(&p->lock);
}

/* Copy between the kernel and p's user memory, page by page through the
 * linear map, after checking the whole range against p's page tables.
 * p->lock keeps the pages from being unmapped under us. */
static int user_copy(struct proc *p, uint64_t uva, void *kbuf, uint64_t len, bool to_user)
{
    spin_lock(&p->lock);
    int err = p->torn_down ? -HM_EFAULT : pt_user_range_ok(&p->pt, uva, len, to_user);
#ifdef CONFIG_STAGE3
    if (err < 0 && !p->torn_down)
        pager_copy_failed(p, uva, len, to_user); /* a page its pager has not filled yet? */
#endif
    if (err == 0) {
        uint8_t *k = kbuf;
        while (len) {
            uint64_t pa, attrs, chunk = MIN(len, PAGE_SIZE - (uva & (PAGE_SIZE - 1)));
            BUG_ON(pt_lookup(&p->pt, uva, &pa, &attrs) < 0);
            if (to_user)
                memcpy(phys_to_virt(pa), k, chunk);
            else
                memcpy(k, phys_to_virt(pa), chunk);
            uva += chunk;
            k += chunk;
            len -= chunk;
        }
    }
    spin_unlock(&p->lock);
    return err;
}

int copy_from_user(struct proc *p, void *dst, uint64_t src, uint64_t len)
{
    return user_copy(p, src, dst, len, false);
}

int copy_to_user(struct proc *p, uint64_t dst, const void *src, uint64_t len)
{
    return user_copy(p, dst, (void *)src, len, true);
}

/* Write into p's memory regardless of the user permissions (program loading). */
static void load_bytes(struct proc *p, uint64_t va, const uint8_t *src, uint64_t len)
{
    while (len) {
        uint64_t pa, attrs, chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        BUG_ON(pt_lookup(&p->pt, va, &pa, &attrs) < 0);
        memcpy(phys_to_virt(pa), src, chunk);
        va += chunk;
        src += chunk;
        len -= chunk;
    }
}

/* ---- memory objects ----------------------------------------------------------- */

int memobj_create(uint64_t len, struct memobj **out)
{
    if (len == 0 || len > (PAGE_SIZE << 10))
        return -HM_EINVAL;
    unsigned order = 0;
    while (((uint64_t)PAGE_SIZE << order) < len)
        order++;
    struct memobj *m = kobj_alloc(KC_MEMOBJ);
    if (!m)
        return -HM_ENOMEM;
    m->pa = frame_alloc(order);
    if (!m->pa) {
        kobj_free(KC_MEMOBJ, m);
        return -HM_ENOMEM;
    }
    m->obj.type = HM_CAP_MEMORY;
    m->order = order;
    *out = m;
    return 0;
}

/* ---- process creation ------------------------------------------------------------ */

/* Release everything a process holds in memory.  Its threads have all
 * exited (or never ran), so nobody uses the address space any more. */
/* The address space and the memory of a process: under p->lock, once
 * nothing runs in it any more. */
static void proc_free_memory(struct proc *p)
{
    struct unmap_ctx ctx = { p };
    if (p->pt.root) {
        while (p->nregions) {
            const struct region *r = &p->regions[p->nregions - 1];
            BUG_ON(vm_unmap_locked(p, r->start, r->end - r->start) < 0);
        }
        pt_destroy(&p->pt, unmapped_page, &ctx);
    }
    if (p->asid) {
        tlb_flush_asid(p->asid);
        spin_lock(&asid_lock);
        asid_free(&asids, p->asid);
        spin_unlock(&asid_lock);
        p->asid = 0;
    }
    if (p->regions_pa) {
        frame_free(p->regions_pa, p->regions_order);
        p->regions_pa = 0;
        p->regions = NULL;
    }
}

/* Its capabilities (not under p->lock: objects they release may take it). */
static void proc_free_caps(struct proc *p)
{
    if (p->cs_pa) {
        spin_lock(&cap_lock);
        cspace_destroy(&p->cs, &kobj_cap_ops);
        /* Nothing may be copied into it any more (a dead process can still
         * be named by capabilities): every slot is now out of range. */
        p->cs.slots = NULL;
        p->cs.nslots = 0;
        cap_unlock();
        frame_free(p->cs_pa, p->cs_order);
        p->cs_pa = 0;
    }
}

static void proc_free_resources(struct proc *p)
{
    proc_free_memory(p);
    proc_free_caps(p);
}

static struct proc *proc_alloc(const char *name)
{
    struct proc *p = kobj_alloc(KC_PROC);
    if (!p)
        return NULL;
    p->obj.type = HM_CAP_PROCESS;
    p->lock = (spinlock_t)SPINLOCK_INIT;
    list_init(&p->threads);
    waitq_init(&p->exitq);
    p->pid = __atomic_fetch_add(&pid_next, 1, __ATOMIC_RELAXED);
    strlcpy(p->name, name, sizeof(p->name));
    spin_lock(&all_procs_lock);
    list_add_tail(&all_procs, &p->all_node);
    spin_unlock(&all_procs_lock);

    size_t cs_bytes = HM_CSPACE_SLOTS * sizeof(struct cap);
    while (((size_t)PAGE_SIZE << p->cs_order) < cs_bytes)
        p->cs_order++;
    p->cs_pa = frame_alloc(p->cs_order);
    p->regions_pa = frame_alloc(0);
    p->regions = p->regions_pa ? phys_to_virt(p->regions_pa) : NULL;
    spin_lock(&asid_lock);
    int asid = asid_alloc(&asids);
    spin_unlock(&asid_lock);
    p->asid = asid > 0 ? (unsigned)asid : 0;
    if (!p->cs_pa || !p->regions_pa || asid <= 0 || pt_init(&p->pt, &user_pt_ops) < 0) {
        proc_free_resources(p);
        proc_free_struct(p);
        return NULL;
    }
    cspace_init(&p->cs, phys_to_virt(p->cs_pa), HM_CSPACE_SLOTS);
    return p;
}

static int load_elf(struct proc *p, const void *data, size_t size, const char *name,
                    uint64_t *entry)
{
    struct elf_image img;
    const char *why;
    if (elf_parse(data, size, HM_USER_TOP, &img, &why) < 0) {
        printk("exec: refusing %s: %s\n", name, why);
        return -HM_ENOEXEC;
    }
    for (unsigned i = 0; i < img.nseg; i++) {
        const struct elf_segment *s = &img.seg[i];
        uint64_t start = ALIGN_DOWN(s->vaddr, PAGE_SIZE);
        uint64_t end = ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
        int err = vm_map_anon_locked(p, start, end - start, s->prot, NULL);
        if (err < 0)
            return err;
        load_bytes(p, s->vaddr, (const uint8_t *)data + s->offset, s->filesz);
    }
    *entry = img.entry;
    return 0;
}

int proc_spawn(const char *name, const char *arg, size_t arglen, int cpu, struct proc **out)
{
    const void *data;
    size_t size;
    int err = initramfs_find(name, &data, &size);
    if (err < 0)
        return err;
    return proc_spawn_image(name, data, size, arg, arglen, cpu, out);
}

int proc_spawn_image(const char *name, const void *data, size_t size, const char *arg,
                     size_t arglen, int cpu, struct proc **out)
{
    int err;
    struct proc *p = proc_alloc(name[0] == '/' ? name + 1 : name);
    if (!p)
        return -HM_ENOMEM;
    uint64_t entry = 0;
    spin_lock(&p->lock);
    err = load_elf(p, data, size, name, &entry);
    if (err == 0)
        err = vm_map_anon_locked(p, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE,
                                 HM_PROT_READ | HM_PROT_WRITE, NULL);
    uint64_t sp = ALIGN_DOWN(USER_STACK_TOP - arglen - 1, 16);
    if (err == 0) {
        load_bytes(p, sp, (const uint8_t *)arg, arglen);
        load_bytes(p, sp + arglen, (const uint8_t *)"", 1);
    }
    spin_unlock(&p->lock);
    struct thread *t = NULL;
    if (err == 0) {
        t = thread_create_user(p, entry, sp, sp, cpu < 0 ? sched_next_cpu() : (unsigned)cpu,
                               HM_PRIO_DEFAULT);
        if (!t)
            err = -HM_ENOMEM;
    }
    if (err == 0) {
        spin_lock(&cap_lock);
        int e1 = cap_insert(&p->cs, HM_SLOT_SELF, &p->obj, HM_RIGHTS_ALL);
        int e2 = cap_insert(&p->cs, HM_SLOT_THREAD, &t->obj, HM_RIGHTS_ALL);
        p->holds = 1; /* the caller's */
        cap_unlock();
        BUG_ON(e1 < 0 || e2 < 0);
    }
    if (err < 0) {
        if (t)
            thread_discard(t);
        spin_lock(&p->lock);
        proc_free_memory(p);
        spin_unlock(&p->lock);
        proc_free_caps(p);
        proc_free_struct(p);
        return err;
    }
    thread_set_user_reg(t, 1, arglen); /* x0 = the argument, x1 = its length */
    list_add_tail(&p->threads, &t->proc_node);
    p->nthreads = 1;
    p->nunreaped = 1;
    *out = p;
    sched_start(t);
    return 0;
}

/* ---- ending ------------------------------------------------------------------- */

void proc_kill(struct proc *p, int status)
{
    spin_lock(&p->lock);
    if (p->dying) {
        spin_unlock(&p->lock);
        return;
    }
    p->dying = true;
    p->exit_status = status;
    struct list *pos;
    /* Its own threads leave at their next way out of the kernel; threads of
     * other processes that are in a call here are sent back to their
     * callers with -HM_EPIPE (ipc.c). */
    list_for_each(pos, &p->threads)
    {
        struct thread *t = list_entry(pos, struct thread, proc_node);
        if (t != current() && !t->exited)
            thread_interrupt(t);
    }
    spin_unlock(&p->lock);
    ipc_interrupt_visitors(p);
}

void proc_try_teardown(struct proc *p)
{
    /* Pairs with the visitor side (ipc.c): count in, full barrier, check
     * dying - so either the visitor sees dying or we see the visitor. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    spin_lock(&p->lock);
    if (p->torn_down || p->nthreads || READ_ONCE(p->nvisitors) || !p->dying) {
        spin_unlock(&p->lock);
        return;
    }
    p->torn_down = true;
    proc_free_memory(p);
    spin_unlock(&p->lock);
    /* Capabilities outside p->lock: releasing them may unmap connection
     * buffers from this and other processes. */
    proc_free_caps(p);
    ipc_proc_dead(p);
    /* Wake the waiters first: p must not be freed while its exitq is used. */
    spin_lock(&p->exitq.lock);
    spin_lock(&cap_lock); /* proc_maybe_free() reads it under cap_lock */
    p->dead = true;
    p->holds++; /* ours, until the waiters are woken */
    spin_unlock(&cap_lock);
    spin_unlock(&p->exitq.lock);
    waitq_wake_all(&p->exitq, 0);
    /* Everything else that referred to p may be gone already (its last
     * capability deleted, its threads reaped, when the last visiting call
     * tears it down): then this is the moment it can be freed. */
    proc_put(p);
}

void proc_thread_exit(struct thread *t)
{
    struct proc *p = t->home;
    spin_lock(&p->lock);
    bool last = --p->nthreads == 0;
    if (last && !p->dying) {
        p->dying = true;
        p->exit_status = 0;
    }
    spin_unlock(&p->lock);
    if (last)
        proc_try_teardown(p);
}

void proc_thread_reaped(struct thread *t)
{
    struct proc *p = t->home;
    if (p) {
        spin_lock(&p->lock);
        list_del(&t->proc_node);
        spin_unlock(&p->lock);
    }
    spin_lock(&cap_lock);
    t->proc = t->home = NULL;
    t->reaped = true;
    thread_maybe_free(t);
    if (p) {
        __atomic_sub_fetch(&p->nunreaped, 1, __ATOMIC_SEQ_CST);
        proc_maybe_free(p);
    }
    cap_unlock();
}

int proc_wait(struct proc *p)
{
    spin_lock(&p->exitq.lock);
    while (!p->dead) {
        int err = thread_block(&p->exitq);
        if (err < 0)
            return err;
        spin_lock(&p->exitq.lock);
    }
    spin_unlock(&p->exitq.lock);
    return p->exit_status;
}
