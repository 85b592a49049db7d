// SPDX-License-Identifier: MIT
/*
 * ic1_test.c - IC1 domains: the kv service built as a domain image is
 * mapped at its address and answers through the gate; a domain that loads
 * or stores outside itself, or runs out of stack, is stopped and its call
 * returns -HM_EPIPE, the kernel going on; a restart brings it back.
 */
#include <kernel.h>
#include <ktest.h>
#include <ic1.h>
#include <mm.h>
#include <arch/debug.h>
#include <arch/mmu.h>
#include <uapi/hm/syscall.h>
#include "../../services/kv.h"

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
#ifdef CONFIG_KV_IC1 /* kv is placed in IC1: loaded at boot already */
    kv1 = &kv_ic1_domain;
#else
    KT_ASSERT_EQ(ic1_load(im, kv1), 0);
#endif
    KT_ASSERT_EQ(ic1_load(im, &kv1_own), -HM_EEXIST); /* its address is taken */
    KT_ASSERT(im->base >= 0xffffffffc0000000ul && im->entry >= im->base && im->entry < im->data);
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
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
    KT_ASSERT_EQ(kv_call(KV_GET, 7, 0, &v), 0); /* kv unharmed */
    KT_ASSERT_EQ(v, 700);
    KT_ASSERT_EQ(kv_call(KV_DEL, 7, 0, NULL), 0); /* as found, for the kv suite */
    /* a third domain: no watchpoint left to fence it off from the other
     * two on a CPU with 4 (3 cover the kernel); refused, nothing changes */
    if (dbg_watchpoints() == 4) {
        static struct ic1_image third;
        struct ic1_domain d3;
        third = ic1_image_probe;
        third.base += 0x100000;
        third.data += 0x100000;
        third.end += 0x100000;
        third.entry += 0x100000;
        KT_ASSERT_EQ(ic1_load(&third, &d3), -HM_ENOSPC);
        KT_ASSERT(!mmu_kernel_readable(third.base));
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
    KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &probe), 0);
    uint64_t v = 0;
    KT_ASSERT_EQ(probe_call(0, 41, &v), 0);
    KT_ASSERT_EQ(v, 42);
    /* a load from the kernel image: watchpoint, stopped, the caller goes on */
    KT_ASSERT_EQ(probe_call(1, (uint64_t)&kernel_word, NULL), -HM_EPIPE);
    KT_ASSERT_EQ(probe_call(0, 1, NULL), -HM_EPIPE); /* stays stopped */
    KT_ASSERT_EQ(ic1_restart(&probe), 0);
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
