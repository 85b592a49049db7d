// SPDX-License-Identifier: MIT
/*
 * mem_test.c - user tests: hm_map, hm_unmap and memory objects.
 *
 * Mappings give fresh zeroed pages; every bad request (alignment, length,
 * range, W+X, overlap, a hole) is refused with its error and changes
 * nothing: not the mappings, not their contents, not the kernel's free
 * frames or objects.  Out of memory is an error, never a panic.  Memory
 * objects can be mapped twice and share their pages.
 *
 * Each test works in its own 2 MiB block of address space from TEST_VA up
 * (outside the runtime's page window), so a test that fails half-way and
 * leaves a mapping behind does not disturb the next.
 */
#include "hm.h"
#include "utest.h"

#define PAGE HM_PAGE_SIZE
#define BLOCK 0x200000ul
#define TEST_VA 0x40000000ul
/* Test k works in [va_block(k), va_block(k) + BLOCK). */
#define va_block(k) ((unsigned char *)(TEST_VA + (k)*BLOCK))

#define RW (HM_PROT_READ | HM_PROT_WRITE)
#define SLOT_MEM UT_SLOT_FIRST
#define SLOT_MEM2 (UT_SLOT_FIRST + 1)

#define MAGIC 0x6d61676963ul

/*
 * The error for an address range outside user space ([HM_PAGE_SIZE,
 * HM_USER_TOP), or wrapping): the header's "an address or length outside
 * what is allowed".  Misalignment, a zero length and bad protections are
 * HM_EINVAL.  (One place to change should the kernel settle otherwise.)
 */
#define E_RANGE HM_ERANGE

/* True if [@va, @va + @n pages) is entirely unmapped: it can be mapped (and
 * is unmapped again right away). */
static bool range_free(void *va, size_t n)
{
    if (hm_map(va, n * PAGE, HM_PROT_READ) != 0) {
        return false;
    }
    return hm_unmap(va, n * PAGE) == 0;
}

/* Fresh pages are zero, keep what is written, and unmapping gives back
 * every frame (after one warm-up round: the page tables of the block may
 * stay, the kernel need not free intermediate tables before the process
 * ends). */
UTEST(user_map_zeroed_rw)
{
    unsigned char *va = va_block(0);
    struct ut_usage before;

    UT_ASSERT_EQ(hm_map(va, 3 * PAGE, RW), 0);
    UT_ASSERT_EQ(hm_unmap(va, 3 * PAGE), 0);
    ut_usage_get(&before);

    UT_ASSERT_EQ(hm_map(va, 3 * PAGE, RW), 0);
    for (size_t i = 0; i < 3 * PAGE; i += sizeof(uint64_t)) {
        UT_ASSERT_EQ(*(volatile uint64_t *)(va + i), 0);
    }
    for (size_t i = 0; i < 3 * PAGE; i += sizeof(uint64_t)) {
        *(volatile uint64_t *)(va + i) = MAGIC + i;
    }
    for (size_t i = 0; i < 3 * PAGE; i += sizeof(uint64_t)) {
        UT_ASSERT_EQ(*(volatile uint64_t *)(va + i), MAGIC + i);
    }
    UT_ASSERT_EQ(hm_unmap(va, 3 * PAGE), 0);
    UT_ASSERT_USAGE_BACK(&before);
    /* Mapped again: zero again (the old contents are gone). */
    UT_ASSERT_EQ(hm_map(va, PAGE, RW), 0);
    UT_ASSERT_EQ(*(volatile uint64_t *)va, 0);
    UT_ASSERT_EQ(hm_unmap(va, PAGE), 0);
}

/* Expected errors:
 *   unaligned va or len, len 0, bad prot bits, W+X          -HM_EINVAL
 *   any page outside [HM_PAGE_SIZE, HM_USER_TOP), or wrap   E_RANGE */
UTEST(user_map_errors)
{
    unsigned char *va = va_block(1);

    UT_ASSERT_ERR_UNCHANGED(hm_map(va + 8, PAGE, RW), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_map(va, 100, RW), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_map(va, 0, RW), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_map(NULL, PAGE, RW), E_RANGE);
    UT_ASSERT_ERR_UNCHANGED(hm_map((void *)HM_USER_TOP, PAGE, RW), E_RANGE);
    UT_ASSERT_ERR_UNCHANGED(hm_map((void *)(HM_USER_TOP - PAGE), 2 * PAGE, RW), E_RANGE);
    UT_ASSERT_ERR_UNCHANGED(hm_map((void *)0xffffffff80000000ul, PAGE, RW), E_RANGE);
    UT_ASSERT_ERR_UNCHANGED(hm_map((void *)0xfffffffffffff000ul, 2 * PAGE, RW), E_RANGE);
    UT_ASSERT_ERR_UNCHANGED(hm_map(va, PAGE, HM_PROT_WRITE | HM_PROT_EXEC), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_map(va, PAGE, RW | HM_PROT_EXEC), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_map(va, PAGE, RW | 8u), HM_EINVAL);
    /* None of it mapped anything. */
    UT_ASSERT(range_free(va, 2));
}

/* Mapping over an existing page (fully or partly) is -HM_EEXIST, and
 * neither the page nor its neighbours change. */
UTEST(user_map_exists)
{
    unsigned char *va = va_block(2);
    volatile uint64_t *mid = (volatile uint64_t *)(va + PAGE);

    UT_ASSERT_EQ(hm_map(va + PAGE, PAGE, RW), 0);
    *mid = MAGIC;
    UT_ASSERT_ERR_UNCHANGED(hm_map(va + PAGE, PAGE, RW), HM_EEXIST);
    UT_ASSERT_ERR_UNCHANGED(hm_map(va, 3 * PAGE, RW), HM_EEXIST);
    UT_ASSERT_ERR_UNCHANGED(hm_map(va, 2 * PAGE, HM_PROT_READ), HM_EEXIST);
    UT_ASSERT_EQ(*mid, MAGIC);
    UT_ASSERT(range_free(va, 1));
    UT_ASSERT(range_free(va + 2 * PAGE, 1));
    UT_ASSERT_EQ(hm_unmap(va + PAGE, PAGE), 0);
}

/* Unmapping a range with a hole is refused as a whole: both mapped pages
 * stay mapped and keep their contents. */
UTEST(user_unmap_hole)
{
    unsigned char *va = va_block(3);
    volatile uint64_t *first = (volatile uint64_t *)va;
    volatile uint64_t *last = (volatile uint64_t *)(va + 2 * PAGE);

    UT_ASSERT_EQ(hm_map(va, PAGE, RW), 0);
    UT_ASSERT_EQ(hm_map(va + 2 * PAGE, PAGE, RW), 0);
    *first = MAGIC;
    *last = MAGIC + 1;
    UT_ASSERT_ERR_UNCHANGED(hm_unmap(va, 3 * PAGE), HM_EINVAL);
    UT_ASSERT_EQ(*first, MAGIC);
    UT_ASSERT_EQ(*last, MAGIC + 1);
    UT_ASSERT_EQ(hm_unmap(va, PAGE), 0);
    UT_ASSERT_EQ(hm_unmap(va + 2 * PAGE, PAGE), 0);
}

/* Unaligned, empty, never mapped, outside user space. */
UTEST(user_unmap_errors)
{
    unsigned char *va = va_block(4);

    UT_ASSERT_EQ(hm_map(va, PAGE, RW), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_unmap(va + 8, PAGE), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_unmap(va, 100), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_unmap(va, 0), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_unmap(va + PAGE, PAGE), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_unmap((void *)0xffffffff80000000ul, PAGE), E_RANGE);
    UT_ASSERT_ERR_UNCHANGED(hm_unmap(NULL, PAGE), E_RANGE);
    /* The refused calls left the page at va mapped. */
    UT_ASSERT_EQ(*(volatile uint64_t *)va, 0);
    UT_ASSERT_EQ(hm_unmap(va, PAGE), 0);
}

/*
 * More than the free memory: -HM_ENOMEM, and everything the kernel may have
 * taken on the way is given back.  Checks that out of memory is an error
 * (header: "never a panic").  (Memory objects have a size limit of their
 * own well below the RAM size, so they cannot be tested this way.)
 */
UTEST(user_map_enomem)
{
    long free_frames = hm_info(HM_INFO_FREE_FRAMES);
    /* 4 GiB up: a range that fits in user space and in no RAM we have. */
    void *va = (void *)0x100000000ul;
    size_t len;

    UT_ASSERT(free_frames > 0);
    len = ((size_t)free_frames + 1024) * PAGE;
    UT_ASSERT_ERR_UNCHANGED(hm_map(va, len, RW), HM_ENOMEM);
    /* The system still works. */
    UT_ASSERT(range_free(va, 1));
}

/* A memory object mapped twice: both mappings see the same pages. */
UTEST(user_mem_object_shared)
{
    unsigned char *a = va_block(5);
    unsigned char *b = a + 4 * PAGE;
    long info;

    UT_ASSERT_EQ(hm_mem_create(2 * PAGE, SLOT_MEM), 0);
    info = hm_cap_info(SLOT_MEM);
    UT_ASSERT_EQ(hm_cap_type(info), HM_CAP_MEMORY);
    UT_ASSERT_EQ(hm_cap_rights(info),
                 HM_RIGHT_READ | HM_RIGHT_WRITE | HM_RIGHT_EXEC | HM_RIGHT_GRANT);
    UT_ASSERT_EQ(hm_mem_map(SLOT_MEM, a, RW), 0);
    UT_ASSERT_EQ(hm_mem_map(SLOT_MEM, b, HM_PROT_READ), 0);
    UT_ASSERT_EQ(*(volatile uint64_t *)(b + PAGE), 0);
    *(volatile uint64_t *)(a + PAGE) = MAGIC;
    UT_ASSERT_EQ(*(volatile uint64_t *)(b + PAGE), MAGIC);
    UT_ASSERT_EQ(hm_unmap(a, 2 * PAGE), 0);
    /* The pages belong to the object, not to the first mapping. */
    UT_ASSERT_EQ(*(volatile uint64_t *)(b + PAGE), MAGIC);
    UT_ASSERT_EQ(hm_unmap(b, 2 * PAGE), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_MEM), 0);
}

/* Bad memory-object requests change nothing. */
UTEST(user_mem_object_errors)
{
    unsigned char *va = va_block(6);

    UT_ASSERT_ERR_UNCHANGED(hm_mem_create(0, SLOT_MEM), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_create(PAGE, HM_CSPACE_SLOTS), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_create(PAGE, HM_SLOT_SELF), HM_EEXIST);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_MEM, va, RW), HM_EBADCAP); /* empty */
    UT_ASSERT_EQ(hm_mem_create(2 * PAGE, SLOT_MEM), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_MEM, va + 8, RW), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_MEM, va, HM_PROT_WRITE | HM_PROT_EXEC), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_MEM, NULL, RW), E_RANGE);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_MEM, (void *)(HM_USER_TOP - PAGE), RW), E_RANGE);
    /* Over an existing page (the object's second page would land on it). */
    UT_ASSERT_EQ(hm_map(va + PAGE, PAGE, RW), 0);
    *(volatile uint64_t *)(va + PAGE) = MAGIC;
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_MEM, va, RW), HM_EEXIST);
    UT_ASSERT_EQ(*(volatile uint64_t *)(va + PAGE), MAGIC);
    UT_ASSERT(range_free(va, 1));
    UT_ASSERT_EQ(hm_unmap(va + PAGE, PAGE), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_MEM), 0);
}

/*
 * No leaks: mapping and unmapping, and creating, mapping, unmapping and
 * deleting a memory object (and a copy of its capability), give back every
 * frame and kernel object.  One warm-up round first (page tables of the
 * block may stay, see user_map_zeroed_rw).
 */
static void mem_round(unsigned char *va)
{
    UT_ASSERT_EQ(hm_map(va, 8 * PAGE, RW), 0);
    *(volatile uint64_t *)(va + 7 * PAGE) = MAGIC;
    UT_ASSERT_EQ(hm_unmap(va, 8 * PAGE), 0);
    UT_ASSERT_EQ(hm_mem_create(4 * PAGE, SLOT_MEM), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_MEM, HM_SLOT_SELF, SLOT_MEM2, HM_RIGHT_READ), 0);
    UT_ASSERT_EQ(hm_mem_map(SLOT_MEM, va, RW), 0);
    *(volatile uint64_t *)va = MAGIC;
    UT_ASSERT_EQ(hm_unmap(va, 4 * PAGE), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_MEM2), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_MEM), 0);
}

/* Many mappings in one process: the kernel's region records grow past
 * their first page (1,000 one-page regions, every other page, so that
 * none touches the next), every one usable, and all of it comes back. */
UTEST(user_map_many_regions)
{
    unsigned char *va = va_block(9);
    const unsigned n = 1000;
    struct ut_usage before;

    ut_usage_settled(&before);
    for (unsigned i = 0; i < n; i++) {
        UT_ASSERT_EQ(hm_map(va + 2 * i * PAGE, PAGE, RW), 0);
        va[2 * i * PAGE] = (unsigned char)i;
    }
    for (unsigned i = 0; i < n; i++)
        UT_ASSERT_EQ(va[2 * i * PAGE], (unsigned char)i);
    /* splitting one of them still finds room */
    UT_ASSERT_EQ(hm_unmap(va, PAGE), 0);
    for (unsigned i = 1; i < n; i++)
        UT_ASSERT_EQ(hm_unmap(va + 2 * i * PAGE, PAGE), 0);
    UT_ASSERT_USAGE_BACK(&before);
}

UTEST(user_mem_no_leak)
{
    unsigned char *va = va_block(7);
    struct ut_usage before;

    mem_round(va);
    ut_usage_settled(&before);
    for (int i = 0; i < 3; i++) {
        mem_round(va);
    }
    UT_ASSERT_USAGE_BACK(&before);
}
