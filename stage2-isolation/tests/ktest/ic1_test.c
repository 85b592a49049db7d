// SPDX-License-Identifier: MIT
/*
 * ic1_test.c - IC1 domains: the kv service built as a domain image is
 * mapped at its address and answers through the gate; a domain that loads
 * or stores outside itself, or runs out of stack, is stopped and its call
 * returns -HM_EPIPE, the kernel going on; a restart brings it back.
 */
#include <kernel.h>
#include <ktest.h>
#include <ic0.h>
#include <ic1.h>
#include <cap.h>
#include <mm.h>
#include <printk.h>
#include <proc.h>
#include <arch/cfi.h>
#include <arch/debug.h>
#include <arch/mmu.h>
#include <uapi/hm/syscall.h>
#include <string.h>
#include "../../services/ic1mem.h"
#include "../../services/kv.h"
#include "../../services/relay.h"
#include "../../services/svc_wait.h"

static struct ic1_domain kv1_own, probe;
static struct ic1_domain *kv1 = &kv1_own;
static long probe_call(uint64_t op, uint64_t a, uint64_t *out);

static long kv_call(uint64_t op, uint64_t a, uint64_t b, uint64_t *out)
{
    struct hm_msg m = { .w = { op, a, b } };
    long r = ic1_call(kv1, &m);
    if (out)
        *out = m.w[0];
    return r;
}

KTEST(ic1_loader_maps_kv_domain_and_it_answers)
{
    const struct ic1_image *im = &ic1_image_kv;
    kv1 = ic1_find("kv"); /* placed in IC1, or the class matrix's kv1: loaded at boot */
    unsigned more = (kv1 ? 0 : 1) + (probe.image ? 0 : 1); /* domains this test loads */
    if (ic1_nloaded() + more > ic1_capacity()) { /* later stages' services take the room */
        printk("ic1_test: %u of %u domains loaded, no room for kv and the probe: not tried\n",
               ic1_nloaded(), ic1_capacity());
        return;
    }
    if (!kv1) {
        kv1 = &kv1_own;
        KT_ASSERT_EQ(ic1_load(im, kv1), 0);
    }
    KT_ASSERT_EQ(ic1_load(im, &kv1_own), -HM_EEXIST); /* its address is taken */
    KT_ASSERT(im->base >= 0xffffffff00000000ul && im->entry >= im->base && im->entry < im->data);
    KT_ASSERT((uint64_t)kv1->entry == im->entry);
    /* mapped: code readable, data writable (AT checks of the page tables) */
    KT_ASSERT(mmu_kernel_readable(im->base));
    KT_ASSERT(mmu_kernel_readable(im->end - 1));
    KT_ASSERT(!mmu_kernel_readable(im->end));
    uint64_t v = 0;
    KT_ASSERT_EQ(kv_call(KV_WHERE, 0, 0, &v), 0);
    KT_ASSERT_EQ(v, 1); /* built with KV_CLASS=1 */
    KT_ASSERT_EQ(kv_call(KV_PUT, 7, 700, NULL), 0);
    KT_ASSERT_EQ(kv_call(KV_GET, 7, 0, &v), 0);
    KT_ASSERT_EQ(v, 700);
    KT_ASSERT_EQ(kv_call(KV_GET, 8, 0, NULL), -HM_ENOENT);
    KT_ASSERT_EQ(kv_call(KV_COUNT, 0, 0, &v), 0);
    KT_ASSERT_EQ(v, 1); /* its own table: not the IC0 copy's */
    /* one domain cannot reach into another: the probe reading kv's data */
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(probe_call(1, im->data, NULL), -HM_EPIPE);
    KT_ASSERT_EQ(probe.fault, IC1_FAULT_WATCHPOINT);
    KT_ASSERT_EQ(probe.fault_addr, im->data);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    /* nor write into it: stopped before the store lands */
    volatile uint64_t *kv_word = (volatile uint64_t *)(im->end - 8);
    uint64_t before = *kv_word;
    KT_ASSERT_EQ(probe_call(2, (uint64_t)kv_word, NULL), -HM_EPIPE);
    KT_ASSERT_EQ(probe.fault, IC1_FAULT_WATCHPOINT);
    KT_ASSERT_EQ(probe.fault_addr, (uint64_t)kv_word);
    KT_ASSERT_EQ(*kv_word, before);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(kv_call(KV_GET, 7, 0, &v), 0); /* kv unharmed */
    KT_ASSERT_EQ(v, 700);
    KT_ASSERT_EQ(kv_call(KV_DEL, 7, 0, NULL), 0); /* as found, for the kv suite */
    /* one domain more than the watchpoints can keep apart: refused,
     * nothing changes (on a Cortex-A72 with 1 GiB: 4 watchpoints, 2 for
     * the kernel, so 3 domains: kv, relay and the probe) */
    if (ic1_nloaded() == ic1_capacity()) {
        static struct ic1_image extra;
        struct ic1_domain dx;
        extra = ic1_image_probe;
        /* the window's last slot: no image of any stage is there */
        uint64_t to = 0xffffffff00000000ul + 1 * GiB - IC1_SLOT_SIZE - extra.base;
        extra.base += to;
        extra.data += to;
        extra.end += to;
        extra.entry += to;
        extra.gates += to;
        KT_ASSERT_EQ(ic1_load(&extra, &dx), -HM_ENOSPC);
        KT_ASSERT(!mmu_kernel_readable(extra.base));
    } else {
        printk("ic1_test: %u of %u domains loaded: the refusal of one more is not tried\n",
               ic1_nloaded(), ic1_capacity());
    }
}

static uint64_t kernel_word = 0x600d;

static long probe_call(uint64_t op, uint64_t a, uint64_t *out)
{
    struct hm_msg m = { .w = { op, a } };
    long r = ic1_call(&probe, &m);
    if (out)
        *out = m.w[1];
    return r;
}

KTEST(ic1_gate_stops_a_domain_that_touches_kernel_memory)
{
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    uint64_t v = 0;
    KT_ASSERT_EQ(probe_call(0, 41, &v), 0);
    KT_ASSERT_EQ(v, 42);
    /* a load from the kernel image: watchpoint, stopped, the caller goes on */
    volatile const uint64_t *stopped = (volatile const uint64_t *)pa_to_linear(
            probe.pa + (probe.image->gates - probe.base) + 16); /* svc_stopped()'s word */
    KT_ASSERT_EQ(*stopped, 0);
    KT_ASSERT_EQ(probe_call(1, (uint64_t)&kernel_word, NULL), -HM_EPIPE);
    KT_ASSERT_EQ(*stopped, 1);                       /* what its code on other CPUs sees */
    KT_ASSERT_EQ(probe_call(0, 1, NULL), -HM_EPIPE); /* stays stopped */
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(*stopped, 0);
    KT_ASSERT_EQ(probe_call(0, 1, &v), 0);
    KT_ASSERT_EQ(v, 2);
    /* stores: into the kernel image (this stack), into RAM through the
     * linear map (a fresh frame): stopped, and the store never happened */
    uint64_t local = 5;
    KT_ASSERT_EQ(probe_call(2, (uint64_t)&local, NULL), -HM_EPIPE);
    KT_ASSERT_EQ(READ_ONCE(local), 5);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    paddr_t pa = frame_alloc(0);
    KT_ASSERT(pa != 0);
    volatile uint64_t *ram = (volatile uint64_t *)pa_to_linear(pa);
    ram[1] = 5;
    KT_ASSERT_EQ(probe_call(2, (uint64_t)&ram[1], NULL), -HM_EPIPE);
    KT_ASSERT_EQ(ram[1], 5);
    frame_free(pa, 0);
    KT_ASSERT_EQ(READ_ONCE(kernel_word), 0x600d);
    /* its own stack overflowing into the guard page */
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(probe_call(3, 0, NULL), -HM_EPIPE);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(probe_call(0, 7, &v), 0);
    KT_ASSERT_EQ(v, 8);
}

KTEST(ic1_loader_rejects_malformed_descriptor)
{
    struct ic1_image bad = ic1_image_kv;
    struct ic1_domain d;
    bad.entry = bad.data; /* entry outside the code */
    KT_ASSERT_EQ(ic1_load(&bad, &d), -HM_EINVAL);
    bad = ic1_image_kv;
    bad.base = 0xffffffff80000000ul; /* the kernel image, not the IC1 window */
    KT_ASSERT_EQ(ic1_load(&bad, &d), -HM_EINVAL);
    bad = ic1_image_kv;
    bad.base += 4096; /* not at the start of a slot */
    bad.data += 4096;
    bad.end += 4096;
    bad.entry += 4096;
    KT_ASSERT_EQ(ic1_load(&bad, &d), -HM_EINVAL);
    bad = ic1_image_kv;
    bad.bin_size = bad.end - bad.base + 1;
    KT_ASSERT_EQ(ic1_load(&bad, &d), -HM_EINVAL);
}

/* ---- calls from one domain into another ---------------------------------- */

static uint64_t name8(const char *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && *s; i++, s++) /* up to the NUL */
        v |= (uint64_t)(uint8_t)*s << (8 * i);
    return v;
}

static const struct ic0_service probe_service = { .name = "probe", .ic1 = &probe };

/* The probe as in-kernel service "probe", once (services are never taken back) */
static long publish_probe(void)
{
    static bool published;
    if (!published) {
        long r = ic0_publish(&probe_service);
        if (r < 0)
            return r;
        published = true;
    }
    return 0;
}

/* relay1 forwarding to `name`: op, arg1, arg2 -> status, reply w0 */
static long fwd(struct ic1_domain *relay, const char *name, uint64_t op, uint64_t a1, uint64_t a2,
                uint64_t *out)
{
    struct hm_msg m = { .w = { RELAY_FWD, name8(name), op | a2 << 32, a1 } };
    long r = ic1_call(relay, &m);
    if (out)
        *out = m.w[0];
    return r;
}

KTEST(ic1_domain_calls_domain_through_the_gate)
{
    struct ic1_domain *relay = ic1_find("relay"), *kv = ic1_find("kv");
    if (!relay || !kv) {
        printk("ic1_test: no relay or kv domain (CONFIG_CLASS_MATRIX off): not tried\n");
        return;
    }
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(publish_probe(), 0);
    uint64_t v = 0;
    /* IC1 -> IC1: relay puts into kv1, the kernel reads it back directly */
    KT_ASSERT_EQ(fwd(relay, "kv1", KV_PUT, 31, 3100, NULL), 0);
    struct hm_msg m = { .w = { KV_GET, 31 } };
    KT_ASSERT_EQ(ic1_call(kv, &m), 0);
    KT_ASSERT_EQ(m.w[0], 3100);
    KT_ASSERT_EQ(fwd(relay, "kv1", KV_DEL, 31, 0, NULL), 0);
    KT_ASSERT_EQ(fwd(relay, "kv1", KV_WHERE, 0, 0, &v), 0);
    KT_ASSERT_EQ(v, 1);
    /* IC1 -> IC0 */
    KT_ASSERT_EQ(fwd(relay, "kv0", KV_WHERE, 0, 0, &v), 0);
    KT_ASSERT_EQ(v, 0);
    /* IC1 -> IC0 -> IC1: relay1 asks relay0 to call kv1; the watchpoints
     * follow (relay1 runs again afterwards without tripping them) */
    KT_ASSERT_EQ(fwd(relay, "relay0", RELAY_LOOP, 1, 3, &v), 0);
    KT_ASSERT_EQ(v, 1);
    KT_ASSERT_EQ(fwd(relay, "kv1", KV_WHERE, 0, 0, &v), 0);
    /* not reachable from kernel space: an IC2 service, an unknown name */
    KT_ASSERT_EQ(fwd(relay, "kv2", KV_WHERE, 0, 0, NULL), -HM_ENOENT);
    KT_ASSERT_EQ(fwd(relay, "nosuch", KV_WHERE, 0, 0, NULL), -HM_ENOENT);
    /* a domain calling itself, or back into its caller: -HM_EBUSY */
    m = (struct hm_msg){ .w = { RELAY_SELF } };
    KT_ASSERT_EQ(ic1_call(relay, &m), -HM_EBUSY);
    long relay1 = svc_lookup("relay1");
    KT_ASSERT(relay1 >= 0);
    KT_ASSERT_EQ(fwd(relay, "probe", 4, (uint64_t)relay1, 0, NULL),
                 -HM_EBUSY); /* relay1 -> probe -> relay1 */
    /* a callee domain that faults: its caller gets -HM_EPIPE and goes on */
    KT_ASSERT_EQ(fwd(relay, "probe", 1, (uint64_t)&kernel_word, 0, NULL), -HM_EPIPE);
    KT_ASSERT_EQ(fwd(relay, "probe", 0, 5, 0, NULL), -HM_EPIPE); /* stays stopped */
    KT_ASSERT_EQ(fwd(relay, "kv1", KV_WHERE, 0, 0, &v), 0);
    KT_ASSERT_EQ(v, 1);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(fwd(relay, "probe", 0, 5, 0, &v), 0);
    /* probe -> relay1 (the gate's fast path) -> relay0 (IC0) -> kv1: the
     * last step re-arms the watchpoints while probe waits in the fast
     * path, which re-arms them for probe on the way back.  Then the
     * fences still hold: probe reading relay's data is stopped. */
    m = (struct hm_msg){ .w = { 6, (uint64_t)relay1, name8("relay0"), RELAY_LOOP | 3ull << 32 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 0);
    KT_ASSERT_EQ(m.w[1], 1);
    KT_ASSERT_EQ(probe_call(1, relay->image->data, NULL), -HM_EPIPE);
    KT_ASSERT_EQ(fwd(relay, "kv1", KV_WHERE, 0, 0, &v), 0);
    KT_ASSERT_EQ(v, 1);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
}

KTEST(ic1_gate_refuses_bad_input_from_a_domain)
{
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    struct hm_msg m;
    long kv0 = svc_lookup("kv0");
    /* a handle that is none: -HM_EINVAL */
    m = (struct hm_msg){ .w = { 4, 9999, 0, KV_WHERE } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EINVAL);
    m = (struct hm_msg){ .w = { 4, (uint64_t)-1, 0, KV_WHERE } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EINVAL);
    if (kv0 >= 0) {
        /* the message travels in registers: a bad message pointer is the
         * domain's own load (svc_ic1.c), which the watchpoints stop */
        m = (struct hm_msg){ .w = { 4, (uint64_t)kv0, (uint64_t)&kernel_word, KV_WHERE } };
        KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EPIPE);
        KT_ASSERT_EQ(READ_ONCE(kernel_word), 0x600d);
        KT_ASSERT_EQ(ic1_restart(&probe), 0);
        /* and a good one: kv0 (IC0) answers the probe */
        m = (struct hm_msg){ .w = { 4, (uint64_t)kv0, 0, KV_WHERE } };
        KT_ASSERT_EQ(ic1_call(&probe, &m), 0);
        KT_ASSERT_EQ(m.w[1], 0);
    }
    /* a name in kernel memory or in the guard page: -HM_EFAULT */
    static const char kname[] = "kv0";
    m = (struct hm_msg){ .w = { 5, (uint64_t)kname } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EFAULT);
    m = (struct hm_msg){ .w = { 5, ic1_image_probe.end + 8 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EFAULT);
    /* the domain is still fine */
    m = (struct hm_msg){ .w = { 0, 1 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 0);
    KT_ASSERT_EQ(m.w[1], 2);
}

/* ---- control-flow integrity (arch/cfi.h): only where the CPU has it ---------- */

/* A return address overwritten on the domain's stack (as a buffer overflow
 * would) fails authentication: the domain is stopped before it returns
 * anywhere, its caller gets -HM_EPIPE.  Without the check the hijacked
 * return would load from kernel_word (a watchpoint stop of another kind). */
KTEST(ic1_pac_catches_a_corrupted_return_address)
{
    if (!cfi_has_pac()) {
        printk("ic1_test: this CPU has no pointer authentication (-cpu max has): not tried\n");
        return;
    }
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    struct hm_msg m = { .w = { 7, (uint64_t)&kernel_word } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EPIPE);
    KT_ASSERT_EQ(probe.fault, IC1_FAULT_PAC);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    uint64_t v = 0;
    KT_ASSERT_EQ(probe_call(0, 9, &v), 0);
    KT_ASSERT_EQ(v, 10);
}

/* An indirect call into the middle of a function (no `bti` there) in a
 * guarded page: stopped. */
KTEST(ic1_bti_catches_a_branch_into_a_function)
{
    if (!cfi_has_bti()) {
        printk("ic1_test: this CPU has no BTI (-cpu max has): not tried\n");
        return;
    }
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    struct hm_msg m = { .w = { 8, (uint64_t)&kernel_word } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EPIPE);
    KT_ASSERT_EQ(probe.fault, IC1_FAULT_BTI);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
}

/* Long messages: the pages of the caller's buffer (in the linear map, as
 * an IC2 client's shared buffer is) are mapped into the domain's window
 * for this CPU while the call lasts, and only those; the reply's length
 * is kept when it is no longer than the request's; more than the window
 * holds is refused, nothing touched. */
KTEST(ic1_long_message_through_the_window)
{
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    paddr_t pa = frame_alloc(2); /* 16 KiB */
    KT_ASSERT(pa != 0);
    char *b = (char *)pa_to_linear(pa);
    memcpy(b, "0123456789", 10);
    struct hm_msg m = { .w = { 9, 10 }, .len = 10, .buf = b };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 10);
    KT_ASSERT_EQ(m.len, 10);
    KT_ASSERT(memcmp(b, "9876543210", 10) == 0);
    /* a reply longer than the request: none */
    m = (struct hm_msg){ .w = { 9, 11 }, .len = 10, .buf = b };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 10);
    KT_ASSERT_EQ(m.len, 0);
    /* from the middle of a page, across two */
    memcpy(b + 4090, "abcdefghij", 10);
    m = (struct hm_msg){ .w = { 9, 3 }, .len = 10, .buf = b + 4090 };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 10);
    KT_ASSERT_EQ(m.len, 3);
    KT_ASSERT(memcmp(b + 4090, "jihgfedcba", 10) == 0);
    /* the whole window, and one byte more (or one page more) */
    b[0] = 'x';
    m = (struct hm_msg){ .w = { 9, 8192 }, .len = 8192, .buf = b };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 8192);
    KT_ASSERT_EQ(b[8191], 'x');
    m = (struct hm_msg){ .w = { 9, 1 }, .len = 8193, .buf = b };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_ERANGE);
    m = (struct hm_msg){ .w = { 9, 1 }, .len = 8000, .buf = b + 1000 };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_ERANGE);
    KT_ASSERT_EQ(b[8191], 'x');
    /* after the call the window is empty: the domain keeps nothing of it */
    KT_ASSERT(!mmu_kernel_readable(probe.buf0));
    m = (struct hm_msg){ .w = { 1, probe.buf0 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EPIPE);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    /* a call without a buffer still gets none */
    m = (struct hm_msg){ .w = { 9, 0 }, .len = 5 };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 0);
    frame_free(pa, 2);
    uint64_t v = 0;
    KT_ASSERT_EQ(probe_call(0, 1, &v), 0); /* and the domain is fine */
    KT_ASSERT_EQ(v, 2);
}

/* A kernel service for the test below: reverses the long message's bytes,
 * replies w[0] bytes, returns the request's length. */
static long reverse_handle(struct hm_msg *m)
{
    char *b = m->buf;
    for (uint64_t i = 0; b && i < m->len / 2; i++) {
        char t = b[i];
        b[i] = b[m->len - 1 - i];
        b[m->len - 1 - i] = t;
    }
    long n = (long)m->len;
    m->len = m->w[0];
    return n;
}
static const struct ic0_service reverse_service = { "ktreverse", reverse_handle, NULL, NULL };

/* A domain's long message: bytes in a block of its heap, lent in place to
 * the service it calls (here an IC0 one, through the linear map; an IC1
 * one gets them in its window, as from the kernel: stage 3's memory
 * manager in IC1 calling the file system); anything outside one mapped
 * block of its own heap is refused. */
KTEST(ic1_domain_sends_a_long_message_from_its_heap)
{
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    static bool published;
    if (!published) {
        KT_ASSERT_EQ(ic0_publish(&reverse_service), 0);
        published = true;
    }
    long h = svc_lookup("ktreverse");
    KT_ASSERT(h >= 0);
    struct hm_msg m = { .w = { 10, IC1MEM_MAP, 0 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 0);
    uint64_t va = m.w[1];
    memcpy((char *)va + 4094, "abcdef", 6); /* across a page boundary */
    m = (struct hm_msg){ .w = { 11, (uint64_t)h, va + 4094, 6 | 4ull << 32 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 6);
    KT_ASSERT_EQ(m.w[1], 4);
    KT_ASSERT(memcmp((char *)va + 4094, "fedcba", 6) == 0);
    /* a reply longer than the request: none */
    m = (struct hm_msg){ .w = { 11, (uint64_t)h, va, 2 | 3ull << 32 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 2);
    KT_ASSERT_EQ(m.w[1], 0);
    /* refused: its image, the kernel, past its block, an unmapped block */
    const uint64_t bad[][2] = { { probe.image->data, 8 },
                                { (uint64_t)&kernel_word, 8 },
                                { va + IC1MEM_BLOCK - 4, 8 },
                                { va + IC1MEM_BLOCK, 8 },
                                { va, (uint64_t)-1 } };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        m = (struct hm_msg){ .w = { 11, (uint64_t)h, bad[i][0], bad[i][1] & 0xffffffffu } };
        KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EFAULT);
    }
    /* an unknown service */
    m = (struct hm_msg){ .w = { 11, 999, va, 4 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EINVAL);
    KT_ASSERT_EQ(ic1_restart(&probe), 0); /* its heap back */
}

/* A domain's heap: blocks of its slot mapped on its request through
 * "ic1mem", its own to write; anyone else asking is refused; a block
 * unmapped is out of its reach; a restart gives every frame back. */
KTEST(ic1_domain_heap_grows_and_shrinks)
{
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    /* A heap block is a memory object: one held meanwhile keeps the
     * objects' slab page, so that frames count only the blocks. */
    struct memobj *keep;
    KT_ASSERT_EQ(memobj_create(PAGE_SIZE, &keep), 0);
    uint64_t free0 = frame_free_count(), va = 0;
    struct hm_msg m = { .w = { 10, IC1MEM_MAP, 0 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 0);
    va = m.w[1];
    KT_ASSERT_EQ(va, probe.base + IC1_IMAGE_MAX);
    KT_ASSERT_EQ(((volatile uint64_t *)va)[0], 0x1c1);
    KT_ASSERT_EQ(((volatile uint64_t *)va)[IC1MEM_BLOCK / 8 - 1], 0x1c2);
    KT_ASSERT_EQ(free0 - frame_free_count(), IC1MEM_BLOCK / PAGE_SIZE);
    m = (struct hm_msg){ .w = { 10, IC1MEM_MAP, 0 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EEXIST);
    m = (struct hm_msg){ .w = { 10, IC1MEM_MAP, IC1MEM_BLOCKS } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_ERANGE);
    m = (struct hm_msg){ .w = { 10, IC1MEM_UNMAP, 1 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_ENOENT);
    m = (struct hm_msg){ .w = { 10, 77, 0 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_ENOSYS);
    /* the kernel (no domain) asking: refused */
    struct hm_msg k = { .w = { IC1MEM_MAP, 2 } };
    KT_ASSERT_EQ(svc_call(svc_lookup(IC1MEM_NAME), &k), -HM_EPERM);
    /* unmapped: gone from the domain's reach, frames back */
    m = (struct hm_msg){ .w = { 10, IC1MEM_UNMAP, 0 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 0);
    KT_ASSERT_EQ(frame_free_count(), free0);
    KT_ASSERT(!mmu_kernel_readable(va));
    m = (struct hm_msg){ .w = { 1, va } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), -HM_EPIPE);
    /* a restart frees what a stopped domain held */
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    m = (struct hm_msg){ .w = { 10, IC1MEM_MAP, 30 } };
    KT_ASSERT_EQ(ic1_call(&probe, &m), 0);
    KT_ASSERT(frame_free_count() < free0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(frame_free_count(), free0);
    KT_ASSERT(!mmu_kernel_readable(m.w[1]));
    spin_lock(&cap_lock);
    keep->maps = 1;
    spin_unlock(&cap_lock);
    memobj_unhold(keep); /* freed */
}

/* ---- waiting out of a domain (svc_wait(), services/svc_wait.h) ----------------- */

static long probe_arm_wait(uint64_t n, uint64_t what, uint64_t arg)
{
    struct hm_msg m = { .w = { 12, n, what, arg } };
    return ic1_call(&probe, &m);
}

/* PROBE_WAIT from the kernel: its status, and w[1] (40 + 1 once answered) */
static long probe_wait(uint64_t *w1)
{
    struct hm_msg m = { .w = { 13, 40 } };
    long r = ic1_call(&probe, &m);
    *w1 = m.w[1];
    return r;
}

/* A domain that holds capabilities asks to wait; the kernel blocks the
 * caller's thread out of the domain until the process in the slot named
 * has ended, then makes the same request again.  A domain without a
 * table cannot ask; a caller that cannot block (a domain, directly or
 * through an in-kernel service) is refused; nothing to wait for is an
 * error, never a hang. */
KTEST(ic1_domain_request_waits_out_of_the_domain)
{
    if (!probe.image)
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    uint64_t w1 = 0;
    static struct proc holder = { .name = "probe (IC1)", .holds = 1 };
    static struct cap holder_slots[HM_CSPACE_SLOTS];
    if (!probe.caps) {
        /* no table: its SVC_WAIT goes back as its status */
        KT_ASSERT_EQ(probe_arm_wait(1, SVC_WAIT_PROC, 0), 0);
        KT_ASSERT_EQ(probe_wait(&w1), SVC_WAIT);
        KT_ASSERT_EQ(cspace_init(&holder.cs, holder_slots, HM_CSPACE_SLOTS), 0);
        long r = ic1_give_caps(&probe, &holder);
        if (r == -HM_ENOSPC) {
            printk("ic1_test: four name holders already: waiting not tried\n");
            return;
        }
        KT_ASSERT_EQ(r, 0);
    }
    /* nothing to wait for: an error, the domain not asked again */
    KT_ASSERT_EQ(publish_probe(), 0);
    long self = svc_lookup("probe"), kv0 = svc_lookup("kv0");
    const struct {
        uint64_t what, arg;
        long want;
    } bad[] = {
        { 0, 0, -HM_EINVAL },
        { 99, 0, -HM_EINVAL },
        { SVC_WAIT_PROC, 3, -HM_EBADCAP },               /* an empty slot */
        { SVC_WAIT_PROC, 1ull << 40, -HM_EBADCAP },      /* past the table */
        { SVC_WAIT_DOMAIN, (uint64_t)-1, -HM_EINVAL },   /* no service */
        { SVC_WAIT_DOMAIN, (uint64_t)self, -HM_EINVAL }, /* itself */
        { SVC_WAIT_DOMAIN, (uint64_t)kv0, -HM_EINVAL },  /* not a domain (or none) */
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        KT_ASSERT_EQ(probe_arm_wait(1, bad[i].what, bad[i].arg), 0);
        KT_ASSERT_EQ(probe_wait(&w1), bad[i].want);
        KT_ASSERT_EQ(probe_wait(&w1), 1); /* it had asked once, and was not asked again */
        KT_ASSERT_EQ(w1, 41);
    }
    /* a process that ends: the request waits for it, then is made again
     * (w[1] as the kernel passed it, not the wait's words) */
    struct proc *child;
    KT_ASSERT_EQ(proc_spawn("/bin/fault1", "exit 7", 6, -1, &child), 0);
    KT_ASSERT_EQ(give_child(&holder, 0, child), 0);
    struct proc *p;
    KT_ASSERT_EQ(hold_proc(&holder, 0, 0, &p), 0);
    KT_ASSERT_EQ(probe_arm_wait(1, SVC_WAIT_PROC, 0), 0);
    KT_ASSERT_EQ(probe_wait(&w1), 1); /* one wait asked */
    KT_ASSERT_EQ(w1, 41);
    KT_ASSERT(p->dead);
    KT_ASSERT_EQ(p->exit_status, 7);
    /* ended already: each wait returns at once */
    KT_ASSERT_EQ(probe_arm_wait(3, SVC_WAIT_PROC, 0), 0);
    KT_ASSERT_EQ(probe_wait(&w1), 3);
    proc_put(p);
    /* callers that cannot block: a domain (relay1), directly and through
     * an in-kernel service (relay1 -> relay0 -> the probe) */
    struct ic1_domain *relay = ic1_find("relay");
    if (relay) {
        KT_ASSERT_EQ(probe_arm_wait(1, SVC_WAIT_PROC, 0), 0);
        KT_ASSERT_EQ(fwd(relay, "probe", 13, 0, 0, NULL), -HM_EAGAIN);
        KT_ASSERT_EQ(probe_arm_wait(1, SVC_WAIT_PROC, 0), 0);
        KT_ASSERT_EQ(fwd(relay, "relay0", RELAY_FWD, name8("probe"), 13, NULL), -HM_EAGAIN);
    } else {
        printk("ic1_test: no relay domain (CONFIG_CLASS_MATRIX off): a domain's call not tried\n");
    }
    /* a restart empties the table: the child's capability goes */
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(hold_proc(&holder, 0, 0, &p), -HM_EBADCAP);
}
