// SPDX-License-Identifier: MIT
/*
 * ic1_test.c - the IC1 loader: the kv service built as an IC1 domain image
 * is mapped at its address and answers when called there (directly: the
 * gate is to come); its code cannot be written and its data is its own.
 */
#include <kernel.h>
#include <ktest.h>
#include <ic1.h>
#include <arch/mmu.h>
#include <uapi/hm/syscall.h>
#include "../../services/kv.h"

static struct ic1_domain kv1;

static long kv_call(uint64_t op, uint64_t a, uint64_t b, uint64_t *out)
{
    struct hm_msg m = { .w = { op, a, b } };
    long r = kv1.entry(&m);
    if (out)
        *out = m.w[0];
    return r;
}

KTEST(ic1_loader_maps_kv_domain_and_it_answers)
{
    const struct ic1_image *im = &ic1_image_kv;
    KT_ASSERT_EQ(ic1_load(im, &kv1), 0);
    KT_ASSERT_EQ(ic1_load(im, &kv1), -HM_EEXIST); /* its address is taken */
    KT_ASSERT(im->base >= 0xffffffffc0000000ul && im->entry >= im->base && im->entry < im->data);
    KT_ASSERT((uint64_t)kv1.entry == im->entry);
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
    bad.bin_size = bad.end - bad.base + 1;
    KT_ASSERT_EQ(ic1_load(&bad, &d), -HM_EINVAL);
}
