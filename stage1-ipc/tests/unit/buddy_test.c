// SPDX-License-Identifier: MIT
/*
 * buddy_test.c - host unit tests for the buddy frame allocator
 * (kernel/lib/buddy.c).
 *
 * No physical memory is needed: the allocator only writes its metadata, so
 * zones use fake bases (0x40000000 like QEMU virt, unaligned bases, 0 like
 * the Raspberry Pi 4, the top of the address space). Every test ends with
 * buddy_check() so that each operation is also checked against the zone's
 * invariants, and every error path is checked to change nothing.
 */
#include <stdint.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "buddy.h"
#include "unit.h"

#define FRAME 4096ull
#define VIRT_BASE 0x40000000ull
#define MiB_ (1024ull * 1024ull)

/* Largest zone any test makes, and its metadata (static: no leak can
 * survive a failed assertion, which leaves the test through longjmp). */
#define MAX_TEST_FRAMES 20000u
static uint64_t meta_a[(MAX_TEST_FRAMES * BUDDY_META_BYTES_PER_FRAME + 7) / 8];
static uint64_t meta_b[(MAX_TEST_FRAMES * BUDDY_META_BYTES_PER_FRAME + 7) / 8];

/* Initialise @z over [base, base + n frames) with metadata @meta; all reserved. */
static void zone_setup_meta(struct buddy_zone *z, uint64_t base, uint64_t n, uint64_t *meta)
{
    UNIT_ASSERT(n <= MAX_TEST_FRAMES);
    UNIT_ASSERT_EQ(buddy_init(z, base, n, meta, buddy_meta_size(n)), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(z), 0);
    UNIT_ASSERT(buddy_check(z));
}

static void zone_setup(struct buddy_zone *z, uint64_t base, uint64_t n)
{
    zone_setup_meta(z, base, n, meta_a);
}

/* Initialise and release the whole zone. */
static void zone_full(struct buddy_zone *z, uint64_t base, uint64_t n)
{
    zone_setup(z, base, n);
    UNIT_ASSERT_EQ(buddy_release_range(z, base, n * FRAME), 0);
    UNIT_ASSERT(buddy_check(z));
}

/* Snapshot of the per-order free block counts, to compare before/after. */
struct shape {
    uint64_t blocks[BUDDY_MAX_ORDER + 1];
    uint64_t frames;
};

static struct shape shape_of(const struct buddy_zone *z)
{
    struct shape s;

    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
        s.blocks[k] = buddy_free_blocks(z, k);
    s.frames = buddy_free_frames(z);
    return s;
}

static void assert_shape(const struct buddy_zone *z, const struct shape *want)
{
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
        UNIT_ASSERT_EQ(buddy_free_blocks(z, k), want->blocks[k]);
    UNIT_ASSERT_EQ(buddy_free_frames(z), want->frames);
    UNIT_ASSERT(buddy_check(z));
}

/* Deterministic PRNG (xorshift64). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Number of naturally aligned order-@k blocks lying entirely inside
 * [lo, hi) (brute force, for comparison). */
static uint64_t aligned_blocks_inside(uint64_t lo, uint64_t hi, unsigned k)
{
    uint64_t sz = FRAME << k, n = 0;

    for (uint64_t a = (lo + sz - 1) & ~(sz - 1); a + sz <= hi; a += sz)
        n++;
    return n;
}

/* ---------------------------------------------------------------------- */

UNIT_TEST(buddy_meta_size_values)
{
    UNIT_ASSERT_EQ(buddy_meta_size(0), 0);
    UNIT_ASSERT_EQ(buddy_meta_size(1), BUDDY_META_BYTES_PER_FRAME);
    UNIT_ASSERT_EQ(buddy_meta_size(524288), 524288ull * BUDDY_META_BYTES_PER_FRAME);
    UNIT_ASSERT_EQ(buddy_meta_size(BUDDY_MAX_FRAMES),
                   BUDDY_MAX_FRAMES * BUDDY_META_BYTES_PER_FRAME);
    UNIT_ASSERT_EQ(buddy_meta_size(BUDDY_MAX_FRAMES + 1), 0);
    UNIT_ASSERT_EQ(buddy_meta_size(UINT64_MAX), 0);
}

UNIT_TEST(buddy_init_rejects_bad_arguments)
{
    struct buddy_zone z, before;
    size_t need = buddy_meta_size(16);
    uint64_t top = 0ull - 16 * FRAME; /* 2^64 - 16 frames */

    memset(&z, 0xa5, sizeof(z));
    before = z;
    UNIT_ASSERT_EQ(buddy_init(NULL, VIRT_BASE, 16, meta_a, need), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_init(&z, VIRT_BASE, 16, NULL, need), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_init(&z, VIRT_BASE, 0, meta_a, need), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_init(&z, VIRT_BASE, BUDDY_MAX_FRAMES + 1, meta_a, SIZE_MAX), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_init(&z, VIRT_BASE, 16, meta_a, need - 1), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_init(&z, VIRT_BASE + 1, 16, meta_a, need), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_init(&z, VIRT_BASE + 0x800, 16, meta_a, need), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_init(&z, VIRT_BASE, 16, (uint8_t *)meta_a + 4, need), -HM_EINVAL);
    /* The range would reach 2^64 (wrap to 0). */
    UNIT_ASSERT_EQ(buddy_init(&z, top, 16, meta_a, need), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_init(&z, 0xfffffffffffff000ull, 1, meta_a, need), -HM_EINVAL);
    UNIT_ASSERT(memcmp(&z, &before, sizeof(z)) == 0);
    /* Exactly enough metadata is fine. */
    UNIT_ASSERT_EQ(buddy_init(&z, VIRT_BASE, 16, meta_a, need), 0);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_init_starts_reserved)
{
    struct buddy_zone z;

    zone_setup(&z, VIRT_BASE, 1024);
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        UNIT_ASSERT_EQ(buddy_alloc(&z, k), 0);
        UNIT_ASSERT_EQ(buddy_free_blocks(&z, k), 0);
    }
    UNIT_ASSERT_EQ(buddy_free(&z, VIRT_BASE, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, VIRT_BASE, BUDDY_MAX_ORDER), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 0);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_release_whole_aligned_zone)
{
    struct buddy_zone z;

    /* 16 MiB at 0x40000000: exactly four 4 MiB blocks. */
    zone_full(&z, VIRT_BASE, 4096);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 4096);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, BUDDY_MAX_ORDER), 4);
    for (unsigned k = 0; k < BUDDY_MAX_ORDER; k++)
        UNIT_ASSERT_EQ(buddy_free_blocks(&z, k), 0);
}

UNIT_TEST(buddy_release_in_pieces_merges_fully)
{
    struct buddy_zone z;
    /* Frame-granular pieces in a scrambled order, covering 1024 frames. */
    static const uint32_t cuts[] = { 0, 1, 3, 7, 100, 511, 512, 513, 700, 1023, 1024 };
    static const unsigned order[] = { 5, 0, 9, 2, 7, 1, 8, 3, 6, 4 };

    zone_setup(&z, VIRT_BASE, 1024);
    for (unsigned n = 0; n < sizeof(order) / sizeof(order[0]); n++) {
        unsigned p = order[n];
        uint64_t lo = VIRT_BASE + cuts[p] * FRAME, hi = VIRT_BASE + cuts[p + 1] * FRAME;

        UNIT_ASSERT_EQ(buddy_release_range(&z, lo, hi - lo), 0);
        UNIT_ASSERT(buddy_check(&z));
    }
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 1024);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, BUDDY_MAX_ORDER), 1);
}

UNIT_TEST(buddy_release_rounds_inward)
{
    struct buddy_zone z;

    zone_setup(&z, VIRT_BASE, 64);
    /* [base + 100, base + 3 frames + 5): only frames 1 and 2 are whole. */
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 100, 3 * FRAME + 5 - 100), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 2);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 0), 2); /* frames 1 and 2 are not buddies */
    UNIT_ASSERT(buddy_check(&z));
    /* Ranges holding no whole frame are accepted and change nothing. */
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 5 * FRAME + 1, 100), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 5 * FRAME + 1, FRAME), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 9 * FRAME, 0), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 2);
    /* Frames 0 and 3 were left reserved and can still be released. */
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE, FRAME), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 3 * FRAME, FRAME), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 4);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 2), 1);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_release_range_errors)
{
    struct buddy_zone z;
    uint64_t end = VIRT_BASE + 256 * FRAME;
    struct shape s;
    uint64_t pa;

    UNIT_ASSERT_EQ(buddy_release_range(NULL, VIRT_BASE, FRAME), -HM_EINVAL);
    zone_setup(&z, VIRT_BASE, 256);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 16 * FRAME, 16 * FRAME), 0);
    pa = buddy_alloc(&z, 0);
    UNIT_ASSERT_EQ(pa, VIRT_BASE + 16 * FRAME);
    s = shape_of(&z);

    /* Outside the zone, straddling an edge, wrapping around 2^64. */
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE - FRAME, FRAME), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE - FRAME, 2 * FRAME), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE - 1, 2), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, end - FRAME, 2 * FRAME), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, end - FRAME, FRAME + 1), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, end, FRAME), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, 0, FRAME), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE, UINT64_MAX), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, UINT64_MAX - 10, 100), -HM_ERANGE);
    assert_shape(&z, &s);

    /* Already free (all of it, or only the last frame): refused whole. */
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 17 * FRAME, FRAME), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 20 * FRAME, 4 * FRAME), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE, 17 * FRAME + 1), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 31 * FRAME, 2 * FRAME), -HM_EINVAL);
    /* Allocated frame in the range: refused (buddy_free is the way back). */
    UNIT_ASSERT_EQ(buddy_release_range(&z, pa, FRAME), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 15 * FRAME, 2 * FRAME), -HM_EINVAL);
    assert_shape(&z, &s);

    /* The reserved rest is still releasable, and everything merges. */
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE, 16 * FRAME), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE + 32 * FRAME, end - VIRT_BASE - 32 * FRAME),
                   0);
    UNIT_ASSERT_EQ(buddy_free(&z, pa, 0), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 256);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 8), 1);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_release_with_holes)
{
    struct buddy_zone z;
    uint64_t end = VIRT_BASE + 4096 * FRAME;
    /* The kernel image at an odd size, and a device tree further up. */
    uint64_t kstart = 0x40080000ull, kend = kstart + 0x123456;
    uint64_t dstart = 0x40a00000ull, dend = dstart + 0x100000;
    uint64_t kend_up = (kend + FRAME - 1) & ~(FRAME - 1);
    uint64_t expect =
            (kstart - VIRT_BASE) / FRAME + (dstart - kend_up) / FRAME + (end - dend) / FRAME;
    uint64_t n = 0, pa;

    zone_setup(&z, VIRT_BASE, 4096);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE, kstart - VIRT_BASE), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&z, kend, dstart - kend), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&z, dend, end - dend), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), expect);
    UNIT_ASSERT(buddy_check(&z));

    /* Drain the zone frame by frame: nothing comes from a hole. */
    for (pa = buddy_alloc(&z, 0); pa != 0; pa = buddy_alloc(&z, 0)) {
        UNIT_ASSERT(buddy_contains(&z, pa));
        UNIT_ASSERT(pa < kstart || pa >= kend_up);
        UNIT_ASSERT(pa < dstart || pa >= dend);
        n++;
    }
    UNIT_ASSERT_EQ(n, expect);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 0);
    UNIT_ASSERT(buddy_check(&z));
    /* Give it all back, then the holes too: four whole 4 MiB blocks. */
    for (pa = VIRT_BASE; pa < end; pa += FRAME) {
        if ((pa >= kstart && pa < kend_up) || (pa >= dstart && pa < dend))
            continue;
        UNIT_ASSERT_EQ(buddy_free(&z, pa, 0), 0);
    }
    UNIT_ASSERT_EQ(buddy_free_frames(&z), expect);
    UNIT_ASSERT_EQ(buddy_release_range(&z, kstart, kend_up - kstart), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&z, dstart, dend - dstart), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 4096);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, BUDDY_MAX_ORDER), 4);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_alloc_alignment_every_order)
{
    struct buddy_zone z;
    uint64_t pas[BUDDY_MAX_ORDER + 1];
    uint64_t used = 0;

    zone_full(&z, VIRT_BASE, 4096);
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        pas[k] = buddy_alloc(&z, k);
        UNIT_ASSERT(pas[k] != 0);
        UNIT_ASSERT_EQ(pas[k] % (FRAME << k), 0);
        UNIT_ASSERT(buddy_contains(&z, pas[k]));
        UNIT_ASSERT(buddy_contains(&z, pas[k] + (FRAME << k) - 1));
        used += 1ull << k;
        UNIT_ASSERT_EQ(buddy_free_frames(&z), 4096 - used);
        UNIT_ASSERT(buddy_check(&z));
    }
    /* Blocks do not overlap. */
    for (unsigned a = 0; a <= BUDDY_MAX_ORDER; a++) {
        for (unsigned b = a + 1; b <= BUDDY_MAX_ORDER; b++) {
            UNIT_ASSERT(pas[a] + (FRAME << a) <= pas[b] || pas[b] + (FRAME << b) <= pas[a]);
        }
    }
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
        UNIT_ASSERT_EQ(buddy_free(&z, pas[k], k), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 4096);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, BUDDY_MAX_ORDER), 4);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_alloc_smallest_fit_and_split)
{
    struct buddy_zone z;
    uint64_t a, b;

    zone_full(&z, VIRT_BASE, 16);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 4), 1);
    /* One frame out of 16: the remainder is one free block of each of 8, 4, 2, 1. */
    a = buddy_alloc(&z, 0);
    UNIT_ASSERT_EQ(a, VIRT_BASE);
    for (unsigned k = 0; k < 4; k++)
        UNIT_ASSERT_EQ(buddy_free_blocks(&z, k), 1);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 4), 0);
    /* The next single frame comes from the order-0 block, not a new split. */
    b = buddy_alloc(&z, 0);
    UNIT_ASSERT_EQ(b, VIRT_BASE + FRAME);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 0), 0);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 3), 1);
    /* Too big for what is left. */
    UNIT_ASSERT_EQ(buddy_alloc(&z, 4), 0);
    UNIT_ASSERT(buddy_check(&z));
    UNIT_ASSERT_EQ(buddy_free(&z, a, 0), 0);
    UNIT_ASSERT_EQ(buddy_free(&z, b, 0), 0);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 4), 1);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_merge_step_by_step)
{
    struct buddy_zone z;
    uint64_t f[4];

    zone_full(&z, VIRT_BASE, 4);
    for (unsigned i = 0; i < 4; i++) {
        f[i] = buddy_alloc(&z, 0);
        UNIT_ASSERT(f[i] != 0);
    }
    UNIT_ASSERT_EQ(buddy_alloc(&z, 0), 0);
    /* f[] are frames 0..3 in some order; sort them by address. */
    for (unsigned i = 1; i < 4; i++) {
        for (unsigned j = i; j > 0 && f[j - 1] > f[j]; j--) {
            uint64_t t = f[j];

            f[j] = f[j - 1];
            f[j - 1] = t;
        }
    }
    for (unsigned i = 0; i < 4; i++)
        UNIT_ASSERT_EQ(f[i], VIRT_BASE + i * FRAME);

    UNIT_ASSERT_EQ(buddy_free(&z, f[1], 0), 0); /* buddy 0 allocated: stays order 0 */
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 0), 1);
    UNIT_ASSERT_EQ(buddy_free(&z, f[0], 0), 0); /* merges to order 1 */
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 0), 0);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 1), 1);
    UNIT_ASSERT_EQ(buddy_free(&z, f[3], 0), 0); /* buddy 2 allocated */
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 0), 1);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 1), 1);
    UNIT_ASSERT(buddy_check(&z));
    UNIT_ASSERT_EQ(buddy_free(&z, f[2], 0), 0); /* 2+3 -> order 1, + 0..1 -> order 2 */
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 0), 0);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 1), 0);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 2), 1);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 4);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_free_rejects_bad_blocks)
{
    struct buddy_zone z;
    uint64_t end = VIRT_BASE + 64 * FRAME;
    uint64_t a, b;
    struct shape s;

    UNIT_ASSERT_EQ(buddy_free(NULL, VIRT_BASE, 0), -HM_EINVAL);
    zone_setup(&z, VIRT_BASE, 64);
    UNIT_ASSERT_EQ(buddy_release_range(&z, VIRT_BASE, 32 * FRAME), 0); /* upper half reserved */
    a = buddy_alloc(&z, 2);
    b = buddy_alloc(&z, 0);
    UNIT_ASSERT(a != 0 && b != 0);
    s = shape_of(&z);

    UNIT_ASSERT_EQ(buddy_free(&z, a, 1), -HM_EINVAL);                   /* smaller order */
    UNIT_ASSERT_EQ(buddy_free(&z, a, 3), -HM_EINVAL);                   /* bigger order */
    UNIT_ASSERT_EQ(buddy_free(&z, a, BUDDY_MAX_ORDER + 1), -HM_EINVAL); /* no such order */
    UNIT_ASSERT_EQ(buddy_free(&z, a, ~0u), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, a + FRAME, 0), -HM_EINVAL); /* inside the block */
    UNIT_ASSERT_EQ(buddy_free(&z, a + 2 * FRAME, 1), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, a + 1, 2), -HM_EINVAL); /* misaligned */
    UNIT_ASSERT_EQ(buddy_free(&z, b + 8, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, VIRT_BASE - 4 * FRAME, 2), -HM_EINVAL); /* outside */
    UNIT_ASSERT_EQ(buddy_free(&z, end, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, 0, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, 0xfffffffffffff000ull, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, VIRT_BASE + 48 * FRAME, 0), -HM_EINVAL); /* reserved */
    UNIT_ASSERT_EQ(buddy_free(&z, VIRT_BASE + 32 * FRAME, 5), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, VIRT_BASE + 16 * FRAME, 4), -HM_EINVAL); /* free block */
    UNIT_ASSERT_EQ(buddy_free(&z, VIRT_BASE + 16 * FRAME, 0), -HM_EINVAL);
    assert_shape(&z, &s);

    UNIT_ASSERT_EQ(buddy_free(&z, a, 2), 0);
    UNIT_ASSERT_EQ(buddy_free(&z, a, 2), -HM_EINVAL); /* double free, merged or not */
    UNIT_ASSERT_EQ(buddy_free(&z, b, 0), 0);
    UNIT_ASSERT_EQ(buddy_free(&z, b, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, a, 2), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 32);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 5), 1);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_bad_order_alloc)
{
    struct buddy_zone z;

    UNIT_ASSERT_EQ(buddy_alloc(NULL, 0), 0);
    zone_full(&z, VIRT_BASE, 4096);
    UNIT_ASSERT_EQ(buddy_alloc(&z, BUDDY_MAX_ORDER + 1), 0);
    UNIT_ASSERT_EQ(buddy_alloc(&z, ~0u), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 4096);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_exhaustion_and_recovery)
{
    static uint64_t got[256];
    struct buddy_zone z;
    uint64_t pa;

    zone_full(&z, VIRT_BASE, 256);
    for (unsigned i = 0; i < 256; i++) {
        got[i] = buddy_alloc(&z, 0);
        UNIT_ASSERT(got[i] != 0);
        for (unsigned j = 0; j < i; j++)
            UNIT_ASSERT(got[j] != got[i]);
    }
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++)
        UNIT_ASSERT_EQ(buddy_alloc(&z, k), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 0);
    UNIT_ASSERT(buddy_check(&z));

    /* One frame back: exactly that frame is available again, nothing larger. */
    UNIT_ASSERT_EQ(buddy_free(&z, got[77], 0), 0);
    UNIT_ASSERT_EQ(buddy_alloc(&z, 1), 0);
    pa = buddy_alloc(&z, 0);
    UNIT_ASSERT_EQ(pa, got[77]);
    UNIT_ASSERT_EQ(buddy_alloc(&z, 0), 0);

    for (unsigned i = 0; i < 256; i++)
        UNIT_ASSERT_EQ(buddy_free(&z, got[i], 0), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 256);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 8), 1);
    UNIT_ASSERT(buddy_check(&z));
    pa = buddy_alloc(&z, 8);
    UNIT_ASSERT_EQ(pa, VIRT_BASE);
    UNIT_ASSERT_EQ(buddy_free(&z, pa, 8), 0);
}

UNIT_TEST(buddy_unaligned_base)
{
    /* Base 0x40003000 (frame number odd), 1000 frames: big blocks only fit
     * where the absolute address allows. */
    const uint64_t base = VIRT_BASE + 3 * FRAME, n = 1000, end = base + n * FRAME;
    static uint64_t got[1000];
    struct buddy_zone z;
    struct shape initial;

    zone_full(&z, base, n);
    initial = shape_of(&z);
    UNIT_ASSERT_EQ(initial.frames, n);
    /* Frames 0x40003 and 0x403ea are alone: their buddies lie outside. */
    UNIT_ASSERT_EQ(initial.blocks[0], 2);
    UNIT_ASSERT_EQ(initial.blocks[BUDDY_MAX_ORDER], 0);
    UNIT_ASSERT_EQ(initial.blocks[9], 0);

    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        uint64_t want = aligned_blocks_inside(base, end, k), cnt = 0, pa;

        for (pa = buddy_alloc(&z, k); pa != 0; pa = buddy_alloc(&z, k)) {
            UNIT_ASSERT_EQ(pa % (FRAME << k), 0);
            UNIT_ASSERT(pa >= base && pa + (FRAME << k) <= end);
            UNIT_ASSERT(cnt < 1000);
            got[cnt++] = pa;
        }
        UNIT_ASSERT_EQ(cnt, want);
        UNIT_ASSERT(buddy_check(&z));
        for (uint64_t i = 0; i < cnt; i++)
            UNIT_ASSERT_EQ(buddy_free(&z, got[i], k), 0);
        assert_shape(&z, &initial);
    }
}

UNIT_TEST(buddy_zero_base_never_returns_zero)
{
    struct buddy_zone z;
    uint64_t pa, n = 0;

    zone_setup(&z, 0, 16);
    UNIT_ASSERT_EQ(buddy_release_range(&z, 0, 16 * FRAME), 0);
    /* Frame 0 stays reserved: 1 + 2 + 4 + 8 frames are free. */
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 15);
    for (unsigned k = 0; k < 4; k++)
        UNIT_ASSERT_EQ(buddy_free_blocks(&z, k), 1);
    UNIT_ASSERT(buddy_check(&z));
    /* Releasing frame 0 again is accepted and still changes nothing. */
    UNIT_ASSERT_EQ(buddy_release_range(&z, 0, FRAME), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 15);
    UNIT_ASSERT_EQ(buddy_free(&z, 0, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_alloc(&z, 4), 0);
    for (pa = buddy_alloc(&z, 0); pa != 0; pa = buddy_alloc(&z, 0))
        n++;
    UNIT_ASSERT_EQ(n, 15);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_top_of_address_space)
{
    const uint64_t base = 0ull - 16 * FRAME; /* last 16 frames below 2^64 */
    struct buddy_zone z;
    uint64_t pa;

    /* 16 frames would end at 2^64 (not representable): refused; 15 fit. */
    UNIT_ASSERT_EQ(buddy_init(&z, base, 16, meta_a, buddy_meta_size(16)), -HM_EINVAL);
    zone_setup(&z, base, 15);
    UNIT_ASSERT_EQ(buddy_release_range(&z, base, 16 * FRAME), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, base, 15 * FRAME + 1), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, base + FRAME, UINT64_MAX - base), -HM_ERANGE);
    UNIT_ASSERT_EQ(buddy_release_range(&z, base, 15 * FRAME), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&z), 15);
    UNIT_ASSERT(buddy_check(&z));
    pa = buddy_alloc(&z, 3);
    UNIT_ASSERT_EQ(pa, base);
    UNIT_ASSERT_EQ(buddy_alloc(&z, 3), 0);
    UNIT_ASSERT(!buddy_contains(&z, base + 15 * FRAME));
    UNIT_ASSERT(buddy_contains(&z, base + 15 * FRAME - 1));
    UNIT_ASSERT_EQ(buddy_free(&z, base + 15 * FRAME, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&z, pa, 3), 0);
    UNIT_ASSERT(buddy_check(&z));
}

UNIT_TEST(buddy_contains_and_null_queries)
{
    struct buddy_zone z;
    uint64_t end = VIRT_BASE + 10 * FRAME;

    zone_setup(&z, VIRT_BASE, 10);
    UNIT_ASSERT(buddy_contains(&z, VIRT_BASE));
    UNIT_ASSERT(buddy_contains(&z, end - 1));
    UNIT_ASSERT(!buddy_contains(&z, end));
    UNIT_ASSERT(!buddy_contains(&z, VIRT_BASE - 1));
    UNIT_ASSERT(!buddy_contains(&z, 0));
    UNIT_ASSERT(!buddy_contains(&z, UINT64_MAX));
    UNIT_ASSERT(!buddy_contains(NULL, VIRT_BASE));
    UNIT_ASSERT_EQ(buddy_free_frames(NULL), 0);
    UNIT_ASSERT_EQ(buddy_free_blocks(NULL, 0), 0);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, BUDDY_MAX_ORDER + 1), 0);
    UNIT_ASSERT(!buddy_check(NULL));
}

UNIT_TEST(buddy_two_zones_are_independent)
{
    struct buddy_zone a, b;
    uint64_t pa, pb;

    /* Two RAM ranges, as a device tree with two /memory nodes gives. */
    zone_setup_meta(&a, VIRT_BASE, 512, meta_a);
    zone_setup_meta(&b, 0x100000000ull, 512, meta_b);
    UNIT_ASSERT_EQ(buddy_release_range(&a, VIRT_BASE, 512 * FRAME), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&b, 0x100000000ull, 512 * FRAME), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&a, 0x100000000ull, FRAME), -HM_ERANGE);
    pa = buddy_alloc(&a, 3);
    pb = buddy_alloc(&b, 3);
    UNIT_ASSERT(buddy_contains(&a, pa) && !buddy_contains(&b, pa));
    UNIT_ASSERT(buddy_contains(&b, pb) && !buddy_contains(&a, pb));
    UNIT_ASSERT_EQ(buddy_free(&a, pb, 3), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&b, pa, 3), -HM_EINVAL);
    UNIT_ASSERT_EQ(buddy_free(&a, pa, 3), 0);
    UNIT_ASSERT_EQ(buddy_free(&b, pb, 3), 0);
    UNIT_ASSERT_EQ(buddy_free_frames(&a), 512);
    UNIT_ASSERT_EQ(buddy_free_frames(&b), 512);
    UNIT_ASSERT(buddy_check(&a) && buddy_check(&b));
}

UNIT_TEST(buddy_check_detects_corruption)
{
    struct buddy_zone z;
    uint64_t pa, head;
    uint32_t saved32;
    uint8_t saved8;

    zone_full(&z, VIRT_BASE, 64);
    pa = buddy_alloc(&z, 1); /* leaves free blocks of orders 1..5 */
    UNIT_ASSERT(pa != 0);
    UNIT_ASSERT(buddy_check(&z));

    z.free_frames++;
    UNIT_ASSERT(!buddy_check(&z));
    z.free_frames--;
    z.free_blocks[3]++;
    UNIT_ASSERT(!buddy_check(&z));
    z.free_blocks[3]--;
    UNIT_ASSERT(buddy_check(&z));

    /* A tail of a free block turned "reserved". */
    head = z.free_head[5];
    saved8 = z.tag[head + 1];
    z.tag[head + 1] = 0;
    UNIT_ASSERT(!buddy_check(&z));
    z.tag[head + 1] = saved8;
    /* The allocated head turned into a tail (frames belong to no block). */
    saved8 = z.tag[(pa - VIRT_BASE) / FRAME];
    z.tag[(pa - VIRT_BASE) / FRAME] = 1;
    UNIT_ASSERT(!buddy_check(&z));
    z.tag[(pa - VIRT_BASE) / FRAME] = saved8;
    /* A free-list cycle and a dangling list head. */
    saved32 = z.next[head];
    z.next[head] = (uint32_t)head;
    UNIT_ASSERT(!buddy_check(&z));
    z.next[head] = saved32;
    saved32 = z.free_head[4];
    z.free_head[4] = 1000;
    UNIT_ASSERT(!buddy_check(&z));
    z.free_head[4] = saved32;

    UNIT_ASSERT(buddy_check(&z));
    UNIT_ASSERT_EQ(buddy_free(&z, pa, 1), 0);
    UNIT_ASSERT_EQ(buddy_free_blocks(&z, 6), 1);
}

UNIT_TEST(buddy_random_stress)
{
    /* Unaligned base, a hole of 100 frames, random orders; a shadow map of
     * owned frames catches any overlap, and everything must merge back to
     * the initial shape. */
    enum {
        N = MAX_TEST_FRAMES,
        HOLE_LO = 3000,
        HOLE_HI = 3100,
        MAXLIVE = 2048,
        STEPS = 40000
    };
    const uint64_t base = 0x80000000ull + 5 * FRAME;
    static uint8_t owned[N];
    static struct {
        uint64_t pa;
        unsigned order;
    } live[MAXLIVE];
    unsigned nlive = 0;
    uint64_t seed = 0x9e3779b97f4a7c15ull, used = 0;
    struct buddy_zone z;
    struct shape initial;

    memset(owned, 0, sizeof(owned));
    zone_setup(&z, base, N);
    UNIT_ASSERT_EQ(buddy_release_range(&z, base, HOLE_LO * FRAME), 0);
    UNIT_ASSERT_EQ(buddy_release_range(&z, base + HOLE_HI * FRAME, (N - HOLE_HI) * FRAME), 0);
    initial = shape_of(&z);
    UNIT_ASSERT_EQ(initial.frames, N - (HOLE_HI - HOLE_LO));

    for (unsigned step = 0; step < STEPS; step++) {
        uint64_t r = rng_next(&seed);

        if (nlive < MAXLIVE && (r % 100 < 55 || nlive == 0)) {
            /* Mostly small orders, sometimes up to the maximum. */
            unsigned order = (unsigned)((r >> 8) % (1 + (r >> 20) % (BUDDY_MAX_ORDER + 1)));
            uint64_t pa = buddy_alloc(&z, order);

            if (pa == 0) {
                /* Failure is only allowed when no block is big enough. */
                for (unsigned k = order; k <= BUDDY_MAX_ORDER; k++)
                    UNIT_ASSERT_EQ(buddy_free_blocks(&z, k), 0);
                continue;
            }
            UNIT_ASSERT_EQ(pa % (FRAME << order), 0);
            UNIT_ASSERT(pa >= base && pa + (FRAME << order) <= base + N * FRAME);
            for (uint64_t f = (pa - base) / FRAME; f < (pa - base) / FRAME + (1u << order); f++) {
                UNIT_ASSERT(f < HOLE_LO || f >= HOLE_HI);
                UNIT_ASSERT_EQ(owned[f], 0);
                owned[f] = 1;
            }
            live[nlive].pa = pa;
            live[nlive].order = order;
            nlive++;
            used += 1ull << order;
        } else {
            unsigned i = (unsigned)((r >> 8) % nlive);
            uint64_t pa = live[i].pa;
            unsigned order = live[i].order;

            /* A wrong order is refused first (a cheap extra error check). */
            if (order < BUDDY_MAX_ORDER)
                UNIT_ASSERT_EQ(buddy_free(&z, pa, order + 1), -HM_EINVAL);
            UNIT_ASSERT_EQ(buddy_free(&z, pa, order), 0);
            for (uint64_t f = (pa - base) / FRAME; f < (pa - base) / FRAME + (1u << order); f++)
                owned[f] = 0;
            live[i] = live[--nlive];
            used -= 1ull << order;
        }
        UNIT_ASSERT_EQ(buddy_free_frames(&z), initial.frames - used);
        if (step % 2000 == 0)
            UNIT_ASSERT(buddy_check(&z));
    }
    UNIT_ASSERT(buddy_check(&z));
    while (nlive > 0) {
        nlive--;
        UNIT_ASSERT_EQ(buddy_free(&z, live[nlive].pa, live[nlive].order), 0);
    }
    assert_shape(&z, &initial);
}

UNIT_MAIN("stage1")
