// SPDX-License-Identifier: MIT
/*
 * pager.c - stage 3: page faults forwarded to pagers in user space, and the
 * frames those pagers lend (the ABI and its rules: uapi/hm/pager.h).
 *
 * The kernel keeps no memory policy here.  A paged region says only who
 * serves its faults; the memory manager decides which page goes where,
 * from memory objects it holds, and maps it into its caller.  The kernel's
 * part is mechanism and safety:
 *   - a fault in a paged region becomes a call, by thread migration, of the
 *     faulting thread into the pager (ipc_fault_call), so the pager runs on
 *     the faulting thread's time, as any server does;
 *   - a lent page keeps its memory object alive (one memobj->maps per page
 *     lent) and is counted per page, so that the pager can tell when the
 *     page is no longer mapped anywhere and may be reused: a pager can
 *     never make a client see another's data by reusing a page too early,
 *     and a pager that dies leaves no page dangling;
 *   - whatever the pager does, only the faulting process can suffer: a bad
 *     reply, a reply that maps nothing, a dead pager end that process.
 *
 * Locks: the lending table is under cap_lock (memory objects' lifetimes
 * are); a process's regions and page tables under its p->lock.  The pager's
 * and the caller's locks are never held together (the pager may page
 * itself).
 */
#include <kernel.h>
#include <ic0.h>
#include <ipc.h>
#include <mm.h>
#include <pager.h>
#include <panic.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>

/* Memory objects with lent pages, sorted by physical address, each with a
 * page of 16-bit counts (a memory object has at most 1024 pages). */
#define LEND_MAX 512
struct lend {
    struct memobj *m;
    uint16_t *count;
};
static struct lend lends[LEND_MAX];
static unsigned nlends;

_Static_assert((PAGE_SIZE << 10) / PAGE_SIZE * sizeof(uint16_t) <= PAGE_SIZE,
               "one page of counts covers the largest memory object");

static uint64_t memobj_end(const struct memobj *m)
{
    return m->pa + ((uint64_t)PAGE_SIZE << m->order);
}

/* The entry whose memory object holds pa, or -1 (under cap_lock). */
static int lend_find(paddr_t pa)
{
    int lo = 0, hi = (int)nlends - 1, found = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (lends[mid].m->pa <= pa) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found >= 0 && pa < memobj_end(lends[found].m) ? found : -1;
}

/* Lend page pa of m once more: m->maps and its count go up (under
 * cap_lock).  spare: a zeroed page for the counts if m has none yet; it is
 * taken (*spare = 0) if used; 1 if one is needed and *spare is 0. */
static int lend_take(struct memobj *m, paddr_t pa, paddr_t *spare)
{
    int i = lend_find(pa);
    if (i < 0) {
        if (!*spare)
            return 1; /* come back with a page for the counts */
        if (nlends == LEND_MAX)
            return -HM_ENOSPC;
        unsigned at = 0;
        while (at < nlends && lends[at].m->pa < m->pa)
            at++;
        for (unsigned j = nlends; j > at; j--)
            lends[j] = lends[j - 1];
        lends[at] = (struct lend){ m, phys_to_virt(*spare) };
        nlends++;
        *spare = 0;
        i = (int)at;
    }
    uint16_t *c = &lends[i].count[(pa - m->pa) / PAGE_SIZE];
    if (*c == UINT16_MAX)
        return -HM_ENOSPC;
    (*c)++;
    m->maps++;
    return 0;
}

void pager_page_unlent(paddr_t pa)
{
    spin_lock(&cap_lock);
    int i = lend_find(pa);
    BUG_ON(i < 0);
    struct memobj *m = lends[i].m;
    uint16_t *c = &lends[i].count[(pa - m->pa) / PAGE_SIZE];
    BUG_ON(*c == 0);
    (*c)--;
    memobj_drop_locked(m); /* may free m: pager_memobj_freed() below */
    spin_unlock(&cap_lock);
}

void pager_memobj_freed(struct memobj *m)
{
    int i = lend_find(m->pa);
    if (i < 0 || lends[i].m != m)
        return; /* never lent */
    frame_free(virt_to_phys(lends[i].count), 0);
    for (unsigned j = (unsigned)i; j + 1 < nlends; j++)
        lends[j] = lends[j + 1];
    nlends--;
}

/* ---- the system calls -------------------------------------------------------- */

/* The call being served by the current thread: its frame, or NULL. */
static const struct call_frame *serving(void)
{
    struct thread *t = current();
    if (t->depth == 0)
        return NULL;
    const struct call_frame *f = &t->calls[t->depth - 1];
    return f->kind == CALL_RECLAIM ? NULL : f;
}

long pager_region_add(struct proc *caller, struct service *s, uint64_t va, uint64_t len,
                      unsigned prot, uint64_t cookie)
{
    spin_lock(&caller->lock);
    int err = caller->torn_down ? -HM_EPIPE : vm_range_check(va, len);
    if (err == 0 && !vm_prot_valid(prot))
        err = -HM_EINVAL;
    if (err == 0 && vm_overlaps(caller, va, va + len))
        err = -HM_EEXIST;
    if (err == 0)
        err = vm_regions_room(caller, 1);
    if (err == 0) {
        ipc_svc_hold(s); /* the region keeps its pager's service */
        caller->regions[caller->nregions++] = (struct region){
            .start = va, .end = va + len, .prot = prot, .mem_off = cookie, .pager = s
        };
    }
    spin_unlock(&caller->lock);
    return err;
}

long sys_pager_region(struct trap_frame *tf, struct proc *p)
{
    (void)p;
    unsigned prot = tf->x[2] > UINT32_MAX ? 0 : (unsigned)tf->x[2];
    const struct call_frame *f = serving();
    if (!f)
        return -HM_EPERM;
    return pager_region_add(f->caller, f->svc, tf->x[0], tf->x[1], prot, tf->x[3]);
}

/* Where the pager's page at va is: its memory object and frame (under p->lock). */
static int pager_page(struct proc *p, uint64_t va, unsigned prot, struct memobj **m, paddr_t *pa)
{
    const struct region *r = vm_region_at(p, va);
    if (!r || !r->mem)
        return -HM_EFAULT; /* only pages of memory objects can be lent */
    if (prot & ~r->prot)
        return -HM_EPERM;
    *m = r->mem;
    *pa = r->mem->pa + r->mem_off + (ALIGN_DOWN(va, PAGE_SIZE) - r->start);
    return 0;
}

struct replaced {
    struct proc *p;
};

static void replaced_page(void *ctx, uint64_t va, uint64_t pa)
{
    vm_tlb_flush_page(((struct replaced *)ctx)->p, va);
    pager_page_unlent(pa);
}

/* Take one more lending of a page: of *m at *pa (m held by the caller), or,
 * with an owner, of the owner's page at src (found, and lent, under its
 * lock, so that the owner cannot unmap it meanwhile; *m, *pa set). */
static int lend_hold(struct proc *owner, uint64_t src, unsigned prot, struct memobj **m,
                     paddr_t *pa)
{
    paddr_t spare = 0;
    int err;
    for (;;) {
        if (owner) {
            spin_lock(&owner->lock);
            err = owner->torn_down ? -HM_EPIPE : pager_page(owner, src, prot, m, pa);
        } else {
            err = 0;
        }
        if (err == 0) {
            spin_lock(&cap_lock);
            err = lend_take(*m, *pa, &spare); /* from here the page cannot go away */
            spin_unlock(&cap_lock);
        }
        if (owner)
            spin_unlock(&owner->lock);
        if (err != 1)
            break;
        spare = frame_alloc(0); /* the first page lent of m: its counts */
        if (!spare)
            return -HM_ENOMEM;
    }
    if (spare)
        frame_free(spare, 0);
    return err;
}

/* A page can be lent at dst with prot: 0 or the error. */
static int lend_args_ok(uint64_t dst, unsigned prot)
{
    int err = vm_range_check(dst, PAGE_SIZE);
    return err < 0 ? err : vm_prot_valid(prot) ? 0 : -HM_EINVAL;
}

/* Put the lent page pa at dst in the caller's region paged by s (the
 * lending already taken; given back on error). */
static long map_lent(struct proc *caller, struct service *s, paddr_t pa, uint64_t dst,
                     unsigned prot)
{
    long err = 0;
    spin_lock(&caller->lock);
    const struct region *r = caller->torn_down ? NULL : vm_region_at(caller, dst);
    if (!r)
        err = caller->torn_down ? -HM_EPIPE : -HM_EFAULT;
    else if (r->pager != s)
        err = -HM_EPERM;
    else if (prot & ~r->prot)
        err = -HM_EPERM;
    if (err == 0 && pt_lookup(&caller->pt, dst, NULL, NULL) == 0) {
        /* Replace what is there (two threads faulted on the same page, or
         * the pager changes its mind); the tables stay, so pt_map cannot fail. */
        struct replaced ctx = { caller };
        BUG_ON(pt_unmap(&caller->pt, dst, PAGE_SIZE, replaced_page, &ctx) < 0);
    }
    if (err == 0)
        err = pt_map(&caller->pt, dst, pa, PAGE_SIZE, vm_prot_attrs(prot));
    if (err < 0)
        pager_page_unlent(pa);
    dsb(ishst);
    spin_unlock(&caller->lock);
    return err;
}

long pager_lend(struct proc *caller, struct service *s, struct memobj *m, paddr_t pa, uint64_t dst,
                unsigned prot)
{
    long err = lend_args_ok(dst, prot);
    if (err < 0)
        return err;
    pa = ALIGN_DOWN(pa, PAGE_SIZE);
    if (pa < m->pa || pa >= memobj_end(m))
        return -HM_EFAULT;
    err = lend_hold(NULL, 0, 0, &m, &pa);
    return err < 0 ? err : map_lent(caller, s, pa, dst, prot);
}

long sys_page_map(struct trap_frame *tf, struct proc *p)
{
    uint64_t src = tf->x[0], dst = tf->x[1];
    unsigned prot = tf->x[2] > UINT32_MAX ? 0 : (unsigned)tf->x[2];
    const struct call_frame *f = serving();
    /* decode: a call to serve, the destination, the page to lend */
    if (!f)
        return -HM_EPERM;
    paddr_t pa = 0;
    struct memobj *m = NULL;
    int err = lend_args_ok(dst, prot);
    if (err == 0)
        err = lend_hold(p, src, prot, &m, &pa);
    /* invoke: into the caller's paged region (nothing there changes on error) */
    return err < 0 ? err : map_lent(f->caller, f->svc, pa, dst, prot);
}

long pager_lent_count(paddr_t pa)
{
    spin_lock(&cap_lock);
    int i = lend_find(pa);
    long n = i < 0 ? 0 : lends[i].count[(pa - lends[i].m->pa) / PAGE_SIZE];
    spin_unlock(&cap_lock);
    return n;
}

long sys_page_lent(struct trap_frame *tf, struct proc *p)
{
    struct memobj *m;
    paddr_t pa;
    spin_lock(&p->lock);
    int err = p->torn_down ? -HM_EPIPE : pager_page(p, tf->x[0], HM_PROT_READ, &m, &pa);
    spin_unlock(&p->lock);
    return err < 0 ? err : pager_lent_count(pa);
}

long pager_unmap_range(struct proc *caller, struct service *s, uint64_t va, uint64_t len)
{
    int err = vm_range_check(va, len);
    if (err < 0)
        return err;
    spin_lock(&caller->lock);
    for (unsigned i = 0; i < caller->nregions; i++) {
        const struct region *r = &caller->regions[i];
        if (r->start < va + len && va < r->end && r->pager != s)
            err = -HM_EPERM;
    }
    spin_unlock(&caller->lock);
    /* (A thread of the caller could change its regions in between: it can
     * only make its own unmap do what it could have done itself.) */
    return err < 0 ? err : vm_unmap(caller, va, len);
}

long sys_pager_unmap(struct trap_frame *tf, struct proc *p)
{
    (void)p;
    const struct call_frame *f = serving();
    return f ? pager_unmap_range(f->caller, f->svc, tf->x[0], tf->x[1]) : -HM_EPERM;
}

bool pager_pid_alive(unsigned pid)
{
    bool alive = false;
    struct list *n;
    spin_lock(&all_procs_lock);
    list_for_each(n, &all_procs)
    {
        const struct proc *q = list_entry(n, struct proc, all_node);
        if (q->pid == pid && !READ_ONCE(q->torn_down))
            alive = true;
    }
    spin_unlock(&all_procs_lock);
    return alive;
}

long sys_proc_alive(struct trap_frame *tf, struct proc *p)
{
    (void)p;
    return tf->x[0] <= UINT32_MAX && pager_pid_alive((unsigned)tf->x[0]);
}

/* ---- the fault --------------------------------------------------------------- */

static bool fault_is_write(const struct trap_frame *tf)
{
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    return ec == ESR_EC_DABT_LOW && (tf->esr & (1u << 6)); /* ISS.WnR */
}

/* Call the pager of the paged region holding va, if any, for the current
 * thread stopped with registers tf (a fault call of `kind`).  A pager in
 * a process is called by thread migration: this does not return.  One in
 * the kernel (IC0) is a function call: its reply is handled here and true
 * returned.  false: there is none, or the call cannot be made (then it
 * says why). */
static bool call_pager(struct trap_frame *tf, uint64_t va, unsigned access, enum call_kind kind)
{
    struct thread *t = current();
    struct proc *p = t->proc;
    spin_lock(&p->lock);
    const struct region *r = p->torn_down ? NULL : vm_region_at(p, va);
    struct service *s = r ? r->pager : NULL;
    uint64_t cookie = r ? r->mem_off : 0, start = r ? r->start : 0;
    if (s)
        ipc_svc_hold(s);
    spin_unlock(&p->lock);
    if (!s)
        return false;
    if (s->ic0) { /* stage 2's IC0 or IC1: the pager is in kernel space */
        struct hm_msg m = { .w = { va, access, cookie, start },
                            .grant = HM_NO_SLOT,
                            .badge = HM_FAULT_BADGE };
        long status = ic0_invoke(s->ic0, &m); /* a function call, or into its IC1 domain */
        ipc_svc_unhold(s);
        if (kind == CALL_FAULT)
            pager_replied(tf, status); /* returns if the instruction may run again */
        else
            pager_replied_syscall(tf, status);
        return true;
    }
    const char *why = "its pager is gone";
    if (!READ_ONCE(s->dead) && !proc_dying(s->server)) {
        uint64_t regs[8] = { 0,     va, access, cookie,
                             start, 0,  0,      HM_NO_SLOT | ((uint64_t)HM_FAULT_BADGE << 32) };
        ipc_fault_call(tf, s, regs, kind); /* does not return if the call starts */
        why = "no stack to call its pager on";
    }
    printk("pager: %s[%u] fault at 0x%lx not served: %s\n", p->name, p->pid, va, why);
    ipc_svc_unhold(s);
    return false;
}

bool pager_fault(struct trap_frame *tf)
{
    unsigned ec = (unsigned)(tf->esr >> ESR_EC_SHIFT) & 0x3f;
    unsigned fsc = (unsigned)tf->esr & 0x3c; /* DFSC/IFSC without the level */
    if ((ec != ESR_EC_DABT_LOW && ec != ESR_EC_IABT_LOW) || (fsc != 0x04 && fsc != 0x0c))
        return false; /* only translation and permission faults are paged */
    unsigned access = ec == ESR_EC_IABT_LOW ? HM_FAULT_EXEC :
                      fault_is_write(tf)    ? HM_FAULT_WRITE :
                                              HM_FAULT_READ;
    return call_pager(tf, tf->far, access, CALL_FAULT); /* returns only if served in IC0, or not */
}

/* ---- a system call's user copy meeting an untouched page ------------------------
 * The copy fails (-HM_EFAULT) and, as a system call that fails has changed
 * nothing, the kernel can call the pager for that page on the calling
 * thread and run the same system call again from its saved registers when
 * the pager replies (as stage 1's exhaustion path retries a call after the
 * memory manager's reply).  A pager that refuses makes the system call
 * fail with -HM_EFAULT: a bad buffer, not a crash. */

#define PAGER_SYSCALL_RETRIES 8 /* calls for the same page in a row */

void pager_copy_failed(struct proc *p, uint64_t va, uint64_t len, bool write)
{
    struct thread *t = current();
    t->pager_copy_va = 0; /* this copy decides, not an earlier one */
    if (p != t->proc || len == 0 || va + len < va)
        return;
    for (uint64_t a = ALIGN_DOWN(va, PAGE_SIZE); a < va + len; a += PAGE_SIZE) {
        uint64_t at = a < va ? va : a;
        if (pt_user_range_ok(&p->pt, at, 1, write) == 0)
            continue;
        const struct region *r = vm_region_at(p, at);
        if (r && r->pager) {
            t->pager_copy_va = at;
            t->pager_copy_write = write;
        }
        return; /* the first page it cannot reach decides */
    }
}

bool pager_syscall_fault(struct trap_frame *tf)
{
    struct thread *t = current();
    uint64_t va = t->pager_copy_va;
    t->pager_copy_va = 0; /* consumed */
    if (!va)
        return false;
    /* Each page a system call needs costs one call of its pager; the same
     * page again right after its pager said it was there means the pager
     * does not keep its word: after a few, the system call fails. */
    if (ALIGN_DOWN(va, PAGE_SIZE) == t->pager_last_va) {
        if (++t->pager_retries >= PAGER_SYSCALL_RETRIES) {
            t->pager_last_va = 0;
            return false;
        }
    } else {
        t->pager_last_va = ALIGN_DOWN(va, PAGE_SIZE);
        t->pager_retries = 0;
    }
    if (call_pager(tf, va, t->pager_copy_write ? HM_FAULT_WRITE : HM_FAULT_READ,
                   CALL_FAULT_SYSCALL))
        return true;      /* served in the kernel: tf has the system call's result */
    t->pager_last_va = 0; /* no call made */
    return false;
}

void syscall_dispatch(struct trap_frame *tf, unsigned imm);

void pager_replied_syscall(struct trap_frame *tf, long status)
{
    if (status == 0) {
        syscall_dispatch(tf, HM_SVC_NATIVE); /* from the start: it changed nothing */
        return;
    }
    current()->pager_last_va = 0;
    tf->x[0] = (uint64_t)-HM_EFAULT;
}

void pager_replied(struct trap_frame *tf, long status)
{
    struct thread *t = current();
    struct proc *p = t->proc;
    if (status == 0) {
        spin_lock(&p->lock);
        bool mapped =
                !p->torn_down && pt_user_range_ok(&p->pt, tf->far, 1, fault_is_write(tf)) == 0;
        spin_unlock(&p->lock);
        if (mapped)
            return;
    }
    printk("proc: %s[%u] killed: page fault at 0x%lx, PC 0x%lx: %s (%ld)\n", p->name, p->pid,
           tf->far, tf->elr,
           status == 0 ? "the pager replied without mapping a page" :
                         "the pager could not serve it",
           status);
    proc_kill(p, HM_EXIT_KILLED | HM_KILL_FAULT);
    if (t->depth) /* the faulting domain was serving a call: its caller gets an error */
        ipc_unwind(-HM_EPIPE);
    thread_exit();
}
