// SPDX-License-Identifier: MIT
/*
 * asid_test.c - host unit tests for the ASID allocator (kernel/lib/asid.c):
 * sizes, argument checks, round-robin order and wrap-around, exhaustion of
 * 8-bit and 16-bit pools (no roll-over), and freeing errors.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "asid.h"
#include "unit.h"

/* Storage for the largest pool, and a second bitmap the tests keep
 * themselves to check that no ASID is handed out twice. */
static uint8_t storage[8192];
static bool seen[ASID_MAX_16BIT + 1];

UNIT_TEST(asid_bitmap_bytes_sizes)
{
    UNIT_ASSERT_EQ(asid_bitmap_bytes(1), 1);
    UNIT_ASSERT_EQ(asid_bitmap_bytes(7), 1);
    UNIT_ASSERT_EQ(asid_bitmap_bytes(8), 2);
    UNIT_ASSERT_EQ(asid_bitmap_bytes(ASID_MAX_8BIT), 32);
    UNIT_ASSERT_EQ(asid_bitmap_bytes(ASID_MAX_16BIT), 8192);
}

UNIT_TEST(asid_init_rejects_bad_arguments)
{
    struct asid_pool p;

    UNIT_ASSERT_EQ(asid_init(NULL, 255, storage, sizeof(storage)), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_init(&p, 255, NULL, sizeof(storage)), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_init(&p, 0, storage, sizeof(storage)), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_init(&p, ASID_MAX_16BIT + 1, storage, sizeof(storage)), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_init(&p, 255, storage, 31), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_init(&p, ASID_MAX_16BIT, storage, 8191), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_init(&p, 255, storage, 32), 0);
    UNIT_ASSERT_EQ(asid_in_use(&p), 0);
    UNIT_ASSERT_EQ(asid_in_use(NULL), 0);
}

UNIT_TEST(asid_init_clears_storage_and_reserves_zero)
{
    struct asid_pool p;

    memset(storage, 0xff, sizeof(storage));
    UNIT_ASSERT_EQ(asid_init(&p, 15, storage, sizeof(storage)), 0);
    UNIT_ASSERT_EQ(storage[0], 0x01); /* only ASID 0, the kernel's */
    UNIT_ASSERT_EQ(storage[1], 0x00);
    UNIT_ASSERT_EQ(storage[2], 0xff); /* beyond the pool: untouched */
    for (int i = 1; i <= 15; i++)
        UNIT_ASSERT_EQ(asid_alloc(&p), i); /* never 0 */
    UNIT_ASSERT_EQ(asid_alloc(&p), -HM_ENOSPC);
}

UNIT_TEST(asid_uninitialised_pool_is_refused)
{
    struct asid_pool p;

    memset(&p, 0, sizeof(p));
    UNIT_ASSERT_EQ(asid_alloc(&p), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_alloc(NULL), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_free(&p, 1), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_free(NULL, 1), -HM_EINVAL);
}

UNIT_TEST(asid_round_robin_does_not_reuse_at_once)
{
    struct asid_pool p;

    UNIT_ASSERT_EQ(asid_init(&p, ASID_MAX_8BIT, storage, sizeof(storage)), 0);
    UNIT_ASSERT_EQ(asid_alloc(&p), 1);
    UNIT_ASSERT_EQ(asid_alloc(&p), 2);
    UNIT_ASSERT_EQ(asid_alloc(&p), 3);
    UNIT_ASSERT_EQ(asid_free(&p, 2), 0);
    UNIT_ASSERT_EQ(asid_alloc(&p), 4); /* not 2 */
    UNIT_ASSERT_EQ(asid_free(&p, 4), 0);
    UNIT_ASSERT_EQ(asid_alloc(&p), 5);  /* not 4 either */
    UNIT_ASSERT_EQ(asid_in_use(&p), 3); /* 1, 3, 5 */
}

UNIT_TEST(asid_round_robin_wraps_around)
{
    struct asid_pool p;

    UNIT_ASSERT_EQ(asid_init(&p, 8, storage, sizeof(storage)), 0);
    for (int i = 1; i <= 8; i++)
        UNIT_ASSERT_EQ(asid_alloc(&p), i);
    UNIT_ASSERT_EQ(asid_alloc(&p), -HM_ENOSPC);
    UNIT_ASSERT_EQ(asid_free(&p, 3), 0);
    UNIT_ASSERT_EQ(asid_alloc(&p), 3); /* the search wrapped to 1 and found 3 */
    UNIT_ASSERT_EQ(asid_free(&p, 5), 0);
    UNIT_ASSERT_EQ(asid_free(&p, 2), 0);
    UNIT_ASSERT_EQ(asid_alloc(&p), 5); /* after 3: 4 is busy, 5 is free */
    UNIT_ASSERT_EQ(asid_alloc(&p), 2); /* after 5: 6, 7, 8, 1 busy, then 2 */
    UNIT_ASSERT_EQ(asid_free(&p, 8), 0);
    UNIT_ASSERT_EQ(asid_free(&p, 1), 0);
    UNIT_ASSERT_EQ(asid_alloc(&p), 8);
    UNIT_ASSERT_EQ(asid_alloc(&p), 1); /* after max comes 1 */
    UNIT_ASSERT_EQ(asid_in_use(&p), 8);
}

/* Allocate all of a pool, checking each ASID is new and in 1..max. */
static void fill(struct asid_pool *p, unsigned max)
{
    memset(seen, 0, sizeof(seen));
    for (unsigned i = 0; i < max; i++) {
        int a = asid_alloc(p);

        UNIT_ASSERT(a >= 1 && (unsigned)a <= max);
        UNIT_ASSERT(!seen[a]);
        seen[a] = true;
    }
    UNIT_ASSERT_EQ(asid_in_use(p), max);
}

UNIT_TEST(asid_exhaustion_8bit)
{
    struct asid_pool p;

    UNIT_ASSERT_EQ(asid_init(&p, ASID_MAX_8BIT, storage, sizeof(storage)), 0);
    fill(&p, ASID_MAX_8BIT);
    /* No roll-over: a full pool says so, every time. */
    UNIT_ASSERT_EQ(asid_alloc(&p), -HM_ENOSPC);
    UNIT_ASSERT_EQ(asid_alloc(&p), -HM_ENOSPC);
    UNIT_ASSERT_EQ(asid_in_use(&p), ASID_MAX_8BIT);
    UNIT_ASSERT_EQ(asid_free(&p, 100), 0);
    UNIT_ASSERT_EQ(asid_alloc(&p), 100);
    UNIT_ASSERT_EQ(asid_alloc(&p), -HM_ENOSPC);
}

UNIT_TEST(asid_exhaustion_16bit)
{
    struct asid_pool p;

    UNIT_ASSERT_EQ(asid_init(&p, ASID_MAX_16BIT, storage, sizeof(storage)), 0);
    fill(&p, ASID_MAX_16BIT);
    UNIT_ASSERT_EQ(asid_alloc(&p), -HM_ENOSPC);
    /* Freed ones come back in round-robin order from the last handed out
     * (65535), i.e. from 1 upwards - across fully used bytes. */
    UNIT_ASSERT_EQ(asid_free(&p, 40000), 0);
    UNIT_ASSERT_EQ(asid_free(&p, 7), 0);
    UNIT_ASSERT_EQ(asid_free(&p, ASID_MAX_16BIT), 0);
    UNIT_ASSERT_EQ(asid_in_use(&p), ASID_MAX_16BIT - 3);
    UNIT_ASSERT_EQ(asid_alloc(&p), 7);
    UNIT_ASSERT_EQ(asid_alloc(&p), 40000);
    UNIT_ASSERT_EQ(asid_alloc(&p), ASID_MAX_16BIT);
    UNIT_ASSERT_EQ(asid_alloc(&p), -HM_ENOSPC);
}

UNIT_TEST(asid_free_errors_change_nothing)
{
    struct asid_pool p;

    UNIT_ASSERT_EQ(asid_init(&p, 10, storage, sizeof(storage)), 0);
    UNIT_ASSERT_EQ(asid_alloc(&p), 1);
    UNIT_ASSERT_EQ(asid_alloc(&p), 2);
    UNIT_ASSERT_EQ(asid_free(&p, 0), -HM_EINVAL);  /* the kernel's */
    UNIT_ASSERT_EQ(asid_free(&p, 11), -HM_EINVAL); /* beyond max */
    UNIT_ASSERT_EQ(asid_free(&p, 70000), -HM_EINVAL);
    UNIT_ASSERT_EQ(asid_free(&p, 3), -HM_EINVAL); /* never allocated */
    UNIT_ASSERT_EQ(asid_in_use(&p), 2);
    UNIT_ASSERT_EQ(asid_free(&p, 2), 0);
    UNIT_ASSERT_EQ(asid_free(&p, 2), -HM_EINVAL); /* double free */
    UNIT_ASSERT_EQ(asid_in_use(&p), 1);
    UNIT_ASSERT_EQ(asid_alloc(&p), 3);
    UNIT_ASSERT_EQ(asid_in_use(&p), 2);
}

UNIT_MAIN("stage1")
