// SPDX-License-Identifier: MIT
/*
 * hm.c - the stage-1 user runtime: console output, page allocator, threads,
 * spinlock.
 *
 * Everything here sits on the native calls of hm.h; nothing makes a Linux
 * system call.  State is process-wide (one allocator, one thread table) and
 * guarded by spinlocks, because threads of one process may use it at once.
 *
 * The last section keeps musl's FILE and internal locks out of the link:
 * vfprintf references them (they make futex system calls, `svc #0`) although
 * a string FILE, as used by vsnprintf, is never locked.
 */
#include <stdio.h>

#include "hm.h"
#include "ipc.h"

/* TLS geometry, shared with crt0.S (see the comment there). */
#define TLS_SIZE 2048
#define TLS_TP_OFFSET 1024

/* A waiter spins this many times before yielding its CPU. */
#define SPIN_BEFORE_YIELD 256

/* Freed page runs remembered for reuse (more are simply not reused). */
#define FREED_MAX 64

/* Retries when a page run of the window is already used (e.g. by the
 * kernel-made stack): skip it and try the next. */
#define MAP_RETRIES 64

/* hm_thread_reap() polls with hm_yield() for this long, then sleeps. */
#define REAP_YIELD_NS (1 * HM_NS_PER_MS)
#define REAP_SLEEP_NS (1 * HM_NS_PER_MS)

/* ---------------------------------------------------------------------- */
/* Console                                                                 */
/* ---------------------------------------------------------------------- */

int hm_vprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n < 0) {
        return n;
    }
    /* vsnprintf returns the untruncated length; print what fits. */
    if ((size_t)n >= sizeof(buf)) {
        n = (int)sizeof(buf) - 1;
    }
    hm_debug_puts(buf, (size_t)n);
    return n;
}

int hm_printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = hm_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* ---------------------------------------------------------------------- */
/* Spinlock and atomics                                                    */
/* ---------------------------------------------------------------------- */

bool hm_spin_trylock(hm_spinlock_t *l)
{
    return atomic_exchange_explicit(&l->locked, 1u, memory_order_acquire) == 0u;
}

/*
 * Test-and-test-and-set: the exchange (a write) is only tried when a plain
 * load saw the lock free, so waiters spin on their cached copy instead of
 * bouncing the line between CPUs.  After SPIN_BEFORE_YIELD loads the waiter
 * yields: on a CPU shared with the holder, spinning cannot help.
 */
void hm_spin_lock(hm_spinlock_t *l)
{
    unsigned spins = 0;

    while (!hm_spin_trylock(l)) {
        while (atomic_load_explicit(&l->locked, memory_order_relaxed) != 0u) {
            spins++;
            if (spins >= SPIN_BEFORE_YIELD) {
                hm_yield();
                spins = 0;
            }
        }
    }
}

void hm_spin_unlock(hm_spinlock_t *l)
{
    atomic_store_explicit(&l->locked, 0u, memory_order_release);
}

long hm_atomic_add(atomic_long *p, long v)
{
    return atomic_fetch_add_explicit(p, v, memory_order_seq_cst) + v;
}

/* ---------------------------------------------------------------------- */
/* Page allocator                                                          */
/* ---------------------------------------------------------------------- */

struct page_run {
    uintptr_t va;
    size_t n;
};

static struct {
    hm_spinlock_t lock;
    uintptr_t next; /* next unused address; 0 = not started */
    struct page_run freed[FREED_MAX];
    unsigned nfreed;
} heap = { HM_SPINLOCK_INIT, 0, { { 0, 0 } }, 0 };

/*
 * Take @n pages (plus the guard page after them) of fresh address space.
 * Assumes: heap.lock held.  Returns 0 when the window is used up.  The window
 * starts one page in, so the first run also has an unmapped page below it.
 */
static uintptr_t bump_locked(size_t n)
{
    uintptr_t va;

    if (heap.next == 0) {
        heap.next = HM_HEAP_BASE + HM_PAGE_SIZE;
    }
    if (n > (HM_HEAP_END - heap.next) / HM_PAGE_SIZE - 1) {
        return 0;
    }
    va = heap.next;
    heap.next += (n + 1) * HM_PAGE_SIZE;
    return va;
}

/* Take a freed run of exactly @n pages, or 0.  Assumes: heap.lock held. */
static uintptr_t reuse_locked(size_t n)
{
    for (unsigned i = 0; i < heap.nfreed; i++) {
        if (heap.freed[i].n == n) {
            uintptr_t va = heap.freed[i].va;

            heap.freed[i] = heap.freed[heap.nfreed - 1];
            heap.nfreed--;
            return va;
        }
    }
    return 0;
}

/* Remember the unmapped run [@va, @va + @n pages) for reuse, if there is room. */
static void remember_freed(uintptr_t va, size_t n)
{
    hm_spin_lock(&heap.lock);
    if (heap.nfreed < FREED_MAX) {
        heap.freed[heap.nfreed].va = va;
        heap.freed[heap.nfreed].n = n;
        heap.nfreed++;
    }
    hm_spin_unlock(&heap.lock);
}

/*
 * Reused runs come first (no new page tables).  The hm_map() call is made
 * outside the lock, so other threads are not held up by it.  A fresh run that
 * the kernel reports as already used (-HM_EEXIST: something we do not know
 * of lives in the window) is skipped; any other error ends the attempt.
 */
void *hm_alloc_pages(size_t n)
{
    if (n == 0 || n > (HM_HEAP_END - HM_HEAP_BASE) / HM_PAGE_SIZE) {
        return NULL;
    }
    for (unsigned attempt = 0; attempt < MAP_RETRIES; attempt++) {
        uintptr_t va;
        bool reused;
        long r;

        hm_spin_lock(&heap.lock);
        va = reuse_locked(n);
        reused = va != 0;
        if (!reused) {
            va = bump_locked(n);
        }
        hm_spin_unlock(&heap.lock);
        if (va == 0) {
            return NULL;
        }
        r = hm_map((void *)va, n * HM_PAGE_SIZE, HM_PROT_READ | HM_PROT_WRITE);
        if (r == 0) {
            return (void *)va;
        }
        if (reused && r != -HM_EEXIST) {
            /* Still ours and unmapped: keep it for later.  (If something
             * else has been mapped there since, forget the run.) */
            remember_freed(va, n);
        }
        if (r != -HM_EEXIST) {
            return NULL;
        }
    }
    return NULL;
}

long hm_free_pages(void *p, size_t n)
{
    long r = hm_unmap(p, n * HM_PAGE_SIZE);

    if (r == 0) {
        remember_freed((uintptr_t)p, n);
    }
    return r;
}

void *hm_va_reserve(size_t n)
{
    uintptr_t va;

    if (n == 0) {
        return NULL;
    }
    hm_spin_lock(&heap.lock);
    va = bump_locked(n);
    hm_spin_unlock(&heap.lock);
    return (void *)va;
}

/* ---------------------------------------------------------------------- */
/* Threads                                                                 */
/* ---------------------------------------------------------------------- */

/*
 * The page above a spawned thread's stack.  The thread's stack top is the
 * block's address, so the stack grows down away from it.
 */
struct thread_block {
    void (*fn)(void *);
    void *arg;
    atomic_int done; /* set (release) after fn returned */
    unsigned slot;
    _Alignas(16) unsigned char tls[TLS_SIZE];
};

_Static_assert(sizeof(struct thread_block) <= HM_PAGE_SIZE, "thread block fits its page");

/* The main thread's TLS block, in crt0.S. */
extern unsigned char hm_tls_main[TLS_SIZE];

/* Spawned threads by capability slot: the start of their pages' run. */
static struct {
    hm_spinlock_t lock;
    struct thread_block *by_slot[HM_CSPACE_SLOTS];
} threads = { HM_SPINLOCK_INIT, { NULL } };

static uintptr_t read_tp(void)
{
    uintptr_t tp;

    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
    return tp;
}

bool hm_is_main_thread(void)
{
    return read_tp() == (uintptr_t)hm_tls_main + TLS_TP_OFFSET;
}

static void *block_pages(struct thread_block *b)
{
    return (unsigned char *)b - HM_THREAD_STACK_PAGES * HM_PAGE_SIZE;
}

/* Called by hm_thread_trampoline with the thread's block; never returns. */
void hm_thread_main(void *block)
{
    struct thread_block *b = block;

    /* Own TLS block before anything can touch errno. */
    __asm__ volatile("msr tpidr_el0, %0" : : "r"(b->tls + TLS_TP_OFFSET) : "memory");
    b->fn(b->arg);
    hm_thread_finish();
}

/*
 * The block is found from the thread pointer, which for a spawned thread
 * points into its own block (set by hm_thread_main).  Any other thread (the
 * main one, or one made with raw hm_thread_create) just exits.
 */
void hm_thread_finish(void)
{
    uintptr_t tp = read_tp();
    uintptr_t main_tp = (uintptr_t)hm_tls_main + TLS_TP_OFFSET;

    if (tp != 0 && tp != main_tp && tp >= HM_HEAP_BASE && tp < HM_HEAP_END) {
        struct thread_block *b =
                (struct thread_block *)(tp - TLS_TP_OFFSET - offsetof(struct thread_block, tls));

        atomic_store_explicit(&b->done, 1, memory_order_release);
    }
    hm_thread_exit();
}

/*
 * Contract: see hm.h.  The slot is claimed in the table before the kernel is
 * asked, so two threads spawning into one slot cannot both get a stack; the
 * claim is dropped again if the kernel refuses.
 */
long hm_thread_spawn(void (*fn)(void *), void *arg, int cpu, unsigned slot)
{
    unsigned char *pages;
    struct thread_block *b;
    long r;

    if (slot >= HM_CSPACE_SLOTS) {
        return -HM_EBADCAP;
    }
    pages = hm_alloc_pages(HM_THREAD_PAGES);
    if (pages == NULL) {
        return -HM_ENOMEM;
    }
    b = (struct thread_block *)(pages + HM_THREAD_STACK_PAGES * HM_PAGE_SIZE);
    b->fn = fn;
    b->arg = arg;
    atomic_init(&b->done, 0);
    b->slot = slot;

    hm_spin_lock(&threads.lock);
    if (threads.by_slot[slot] != NULL) {
        hm_spin_unlock(&threads.lock);
        hm_free_pages(pages, HM_THREAD_PAGES);
        return -HM_EEXIST;
    }
    threads.by_slot[slot] = b;
    hm_spin_unlock(&threads.lock);

    /* sp = the block's address: 16-byte aligned (page aligned). */
    r = hm_thread_create(hm_thread_trampoline, b, b, cpu, slot);
    if (r < 0) {
        hm_spin_lock(&threads.lock);
        threads.by_slot[slot] = NULL;
        hm_spin_unlock(&threads.lock);
        hm_free_pages(pages, HM_THREAD_PAGES);
    }
    return r;
}

static struct thread_block *lookup(unsigned slot)
{
    struct thread_block *b;

    if (slot >= HM_CSPACE_SLOTS) {
        return NULL;
    }
    hm_spin_lock(&threads.lock);
    b = threads.by_slot[slot];
    hm_spin_unlock(&threads.lock);
    return b;
}

bool hm_thread_done(unsigned slot)
{
    struct thread_block *b = lookup(slot);

    return b != NULL && atomic_load_explicit(&b->done, memory_order_acquire) != 0;
}

/*
 * Contract: see hm.h.  The stack is unmapped only after the join, which
 * guarantees the thread no longer runs on it (it still does between marking
 * itself done and hm_thread_exit()).  Polling yields first (the thread may be
 * about to finish on this CPU), then sleeps so a long wait does not spin.
 */
long hm_thread_reap(unsigned slot, uint64_t timeout_ns)
{
    struct thread_block *b = lookup(slot);
    uint64_t start;
    long r;

    if (b == NULL) {
        return -HM_ESRCH;
    }
    if (timeout_ns != HM_FOREVER) {
        start = hm_now_ns();
        while (atomic_load_explicit(&b->done, memory_order_acquire) == 0) {
            uint64_t waited = hm_now_ns() - start;

            if (waited >= timeout_ns) {
                return -HM_EAGAIN;
            }
            if (waited < REAP_YIELD_NS) {
                hm_yield();
            } else {
                hm_sleep_ns(REAP_SLEEP_NS);
            }
        }
    }
    r = hm_thread_join(slot);
    if (r < 0) {
        return r;
    }
    hm_cap_delete(slot);
    hm_spin_lock(&threads.lock);
    threads.by_slot[slot] = NULL;
    hm_spin_unlock(&threads.lock);
    hm_free_pages(block_pages(b), HM_THREAD_PAGES);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* musl internals that must not be linked                                  */
/* ---------------------------------------------------------------------- */

/*
 * vfprintf (behind vsnprintf) calls __lockfile/__unlockfile only for FILEs
 * with a lock, and a string FILE has none (lock = -1); __lock/__unlock come
 * in through stdio's exit code, which never runs here.  Musl's versions wait
 * with futex system calls (svc #0), so defining the same names keeps them
 * out of the static link: nothing in a stage-1 program can make a Linux
 * system call.  If one of them ever is called, the program stops loudly.
 */
struct _IO_FILE;

static __attribute__((noreturn)) void musl_lock_called(void)
{
    static const char msg[] = "hm: musl tried to take a lock (unsupported before stage 6)\n";

    hm_debug_puts(msg, sizeof(msg) - 1);
    hm_exit(127);
}

int __lockfile(struct _IO_FILE *f);
void __unlockfile(struct _IO_FILE *f);
void __lock(volatile int *l);
void __unlock(volatile int *l);

int __lockfile(struct _IO_FILE *f)
{
    (void)f;
    musl_lock_called();
}

void __unlockfile(struct _IO_FILE *f)
{
    (void)f;
    musl_lock_called();
}

void __lock(volatile int *l)
{
    (void)l;
    musl_lock_called();
}

void __unlock(volatile int *l)
{
    (void)l;
    musl_lock_called();
}

/* The name service is the kernel's table unless a later stage's library
 * links a name service of its own (stage 3: user/lib/ns.c). */
__attribute__((weak)) long hm_name_publish(const char *name, unsigned svc_slot)
{
    return hm_kernel_name_publish(name, svc_slot);
}
__attribute__((weak)) long hm_name_lookup(const char *name, unsigned dst_slot)
{
    return hm_kernel_name_lookup(name, dst_slot);
}
