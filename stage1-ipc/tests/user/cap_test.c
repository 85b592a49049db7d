// SPDX-License-Identifier: MIT
/*
 * cap_test.c - user tests: capability slots, rights, copies and revocation.
 *
 * A slot out of range or empty is -HM_EBADCAP, a capability of the wrong
 * type -HM_ETYPE, a missing right -HM_EPERM; none of them changes anything.
 * A copy can only drop rights, and what it lacks it cannot do.  Revoking a
 * capability deletes every copy derived from it (also copies of copies, and
 * copies in other processes), keeps the capability itself, and returns how
 * many it deleted.
 */
#include "hm.h"
#include "utest.h"

#define PAGE HM_PAGE_SIZE
#define RW (HM_PROT_READ | HM_PROT_WRITE)
#define MEM_RIGHTS (HM_RIGHT_READ | HM_RIGHT_WRITE | HM_RIGHT_EXEC | HM_RIGHT_GRANT)

#define SLOT_A UT_SLOT_FIRST
#define SLOT_B (UT_SLOT_FIRST + 1)
#define SLOT_C (UT_SLOT_FIRST + 2)
#define SLOT_D (UT_SLOT_FIRST + 3)
#define SLOT_CHILD (UT_SLOT_FIRST + 4)
/* A slot in the child's cspace (it starts with only 0 and 1 used). */
#define CHILD_SLOT 20
/* An empty slot of ours, never used by any test. */
#define SLOT_EMPTY 200

/* This file maps in its own 2 MiB block (see mem_test.c for the scheme). */
#define CAP_VA 0x50000000ul

#define MAGIC 0x636170ul

static long info_of(unsigned type, unsigned rights)
{
    return (long)(((unsigned long)type << 16) | rights);
}

/* True if the page at @va is unmapped (probe: map it, unmap again). */
static bool page_free(void *va)
{
    if (hm_map(va, PAGE, HM_PROT_READ) != 0) {
        return false;
    }
    return hm_unmap(va, PAGE) == 0;
}

/* A new process starts with itself in slot 0 (all rights) and its first
 * thread in slot 1. */
UTEST(user_cap_initial_slots)
{
    long t = hm_cap_info(HM_SLOT_THREAD);

    UT_ASSERT_EQ(hm_cap_info(HM_SLOT_SELF), info_of(HM_CAP_PROCESS, HM_RIGHTS_ALL));
    UT_ASSERT(t >= 0);
    UT_ASSERT_EQ(hm_cap_type(t), HM_CAP_THREAD);
    UT_ASSERT_EQ(hm_cap_info(SLOT_EMPTY), -HM_EBADCAP);
}

/* Out of range (also values that would be negative as an int) and empty slots. */
UTEST(user_cap_bad_slot)
{
    void *va = (void *)CAP_VA;

    UT_ASSERT_ERR_UNCHANGED(hm_cap_info(HM_CSPACE_SLOTS), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_info(0xffffffffu), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_delete(HM_CSPACE_SLOTS), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_delete(SLOT_EMPTY), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_revoke(SLOT_EMPTY), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_wait(SLOT_EMPTY), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_kill(1000), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_thread_join(SLOT_EMPTY), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_set_priority(SLOT_EMPTY, 1), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_EMPTY, va, RW), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_copy(SLOT_EMPTY, HM_SLOT_SELF, SLOT_A, HM_RIGHT_READ),
                            HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_copy(HM_SLOT_SELF, SLOT_EMPTY, SLOT_A, HM_RIGHT_WAIT),
                            HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_copy(HM_SLOT_SELF, HM_SLOT_SELF, HM_CSPACE_SLOTS, HM_RIGHT_WAIT),
                            HM_EBADCAP);
    UT_ASSERT_EQ(hm_cap_info(SLOT_A), -HM_EBADCAP);
    UT_ASSERT(page_free(va));
}

/* The right slot, the wrong kind of object. */
UTEST(user_cap_wrong_type)
{
    void *va = (void *)CAP_VA;

    UT_ASSERT_EQ(hm_mem_create(PAGE, SLOT_A), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_wait(SLOT_A), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_kill(SLOT_A), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_thread_join(SLOT_A), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_set_priority(SLOT_A, 1), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_kill(HM_SLOT_THREAD), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(HM_SLOT_SELF, va, RW), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(HM_SLOT_THREAD, va, RW), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_set_priority(HM_SLOT_SELF, 1), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_thread_join(HM_SLOT_SELF), HM_ETYPE);
    /* The destination "process" of a copy must be a process. */
    UT_ASSERT_ERR_UNCHANGED(hm_cap_copy(SLOT_A, SLOT_A, SLOT_B, HM_RIGHT_READ), HM_ETYPE);
    UT_ASSERT_EQ(hm_cap_info(SLOT_B), -HM_EBADCAP);
    UT_ASSERT(page_free(va));
    UT_ASSERT_EQ(hm_cap_delete(SLOT_A), 0);
}

/*
 * A READ-only copy of a memory capability maps readable, not writable; the
 * original still maps writable; a copy can never gain rights back, and the
 * destination slot must be empty.
 */
UTEST(user_cap_copy_fewer_rights)
{
    unsigned char *va = (unsigned char *)CAP_VA;

    UT_ASSERT_EQ(hm_mem_create(PAGE, SLOT_A), 0);
    UT_ASSERT_EQ(hm_cap_info(SLOT_A), info_of(HM_CAP_MEMORY, MEM_RIGHTS));
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, HM_SLOT_SELF, SLOT_B, HM_RIGHT_READ), 0);
    UT_ASSERT_EQ(hm_cap_info(SLOT_B), info_of(HM_CAP_MEMORY, HM_RIGHT_READ));

    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_B, va, RW), HM_EPERM);
    UT_ASSERT_ERR_UNCHANGED(hm_mem_map(SLOT_B, va, HM_PROT_READ | HM_PROT_EXEC), HM_EPERM);
    UT_ASSERT(page_free(va));

    /* The original, writable, and the copy, readable, share the page. */
    UT_ASSERT_EQ(hm_mem_map(SLOT_A, va, RW), 0);
    *(volatile uint64_t *)va = MAGIC;
    UT_ASSERT_EQ(hm_mem_map(SLOT_B, va + PAGE, HM_PROT_READ), 0);
    UT_ASSERT_EQ(*(volatile uint64_t *)(va + PAGE), MAGIC);

    /* More rights than the source: refused, the slot stays empty. */
    UT_ASSERT_ERR_UNCHANGED(
            hm_cap_copy(SLOT_B, HM_SLOT_SELF, SLOT_C, HM_RIGHT_READ | HM_RIGHT_WRITE), HM_EPERM);
    UT_ASSERT_ERR_UNCHANGED(
            hm_cap_copy(SLOT_A, HM_SLOT_SELF, SLOT_C, MEM_RIGHTS | HM_RIGHT_CONTROL), HM_EPERM);
    UT_ASSERT_EQ(hm_cap_info(SLOT_C), -HM_EBADCAP);
    /* An occupied destination. */
    UT_ASSERT_ERR_UNCHANGED(hm_cap_copy(SLOT_A, HM_SLOT_SELF, SLOT_B, HM_RIGHT_READ), HM_EEXIST);
    UT_ASSERT_EQ(hm_cap_info(SLOT_B), info_of(HM_CAP_MEMORY, HM_RIGHT_READ));

    UT_ASSERT_EQ(hm_unmap(va, 2 * PAGE), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_B), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_A), 0);
}

/* Giving a capability to another process needs GRANT on it. */
UTEST(user_cap_grant_needs_right)
{
    UT_ASSERT_EQ(hm_mem_create(PAGE, SLOT_A), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, HM_SLOT_SELF, SLOT_B, HM_RIGHT_READ | HM_RIGHT_WRITE), 0);
    UT_ASSERT_EQ(hm_spawn("/bin/fault1", "sleep", SLOT_CHILD), 0);
    hm_sleep_ns(10 * HM_NS_PER_MS); /* started: no allocation races the checks */
    UT_ASSERT_ERR_UNCHANGED(hm_cap_copy(SLOT_B, SLOT_CHILD, CHILD_SLOT, HM_RIGHT_READ), HM_EPERM);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, SLOT_CHILD, CHILD_SLOT, HM_RIGHT_READ), 0);
    UT_ASSERT_EQ(hm_kill(SLOT_CHILD), 0);
    UT_ASSERT_EQ(ut_wait_child(SLOT_CHILD, 2000), HM_EXIT_KILLED | HM_KILL_BY_CAP);
}

/*
 * Revoke: A is copied to B and C, B to D (a copy of a copy), and A into a
 * child's cspace.  Revoking A deletes all four (and says so); A itself still
 * works.  The child's slot is seen to be empty because a new copy into it
 * succeeds.  Revoking again finds nothing.
 */
UTEST(user_cap_revoke)
{
    unsigned char *va = (unsigned char *)CAP_VA;

    UT_ASSERT_EQ(hm_mem_create(PAGE, SLOT_A), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, HM_SLOT_SELF, SLOT_B, MEM_RIGHTS), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, HM_SLOT_SELF, SLOT_C, HM_RIGHT_READ), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_B, HM_SLOT_SELF, SLOT_D, HM_RIGHT_READ), 0);
    UT_ASSERT_EQ(hm_spawn("/bin/fault1", "sleep", SLOT_CHILD), 0);
    hm_sleep_ns(10 * HM_NS_PER_MS); /* started: no allocation races the checks */
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, SLOT_CHILD, CHILD_SLOT, HM_RIGHT_READ), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_copy(SLOT_A, SLOT_CHILD, CHILD_SLOT, HM_RIGHT_READ), HM_EEXIST);

    UT_ASSERT_EQ(hm_cap_revoke(SLOT_A), 4);
    UT_ASSERT_EQ(hm_cap_info(SLOT_B), -HM_EBADCAP);
    UT_ASSERT_EQ(hm_cap_info(SLOT_C), -HM_EBADCAP);
    UT_ASSERT_EQ(hm_cap_info(SLOT_D), -HM_EBADCAP);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, SLOT_CHILD, CHILD_SLOT, HM_RIGHT_READ), 0);

    /* The original is untouched. */
    UT_ASSERT_EQ(hm_cap_info(SLOT_A), info_of(HM_CAP_MEMORY, MEM_RIGHTS));
    UT_ASSERT_EQ(hm_mem_map(SLOT_A, va, RW), 0);
    *(volatile uint64_t *)va = MAGIC;
    UT_ASSERT_EQ(*(volatile uint64_t *)va, MAGIC);
    UT_ASSERT_EQ(hm_unmap(va, PAGE), 0);

    /* Only the new child copy is left to revoke. */
    UT_ASSERT_EQ(hm_cap_revoke(SLOT_A), 1);
    UT_ASSERT_EQ(hm_cap_revoke(SLOT_A), 0);
    UT_ASSERT_EQ(hm_kill(SLOT_CHILD), 0);
    UT_ASSERT_EQ(ut_wait_child(SLOT_CHILD, 2000), HM_EXIT_KILLED | HM_KILL_BY_CAP);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_A), 0);
}

/* Revoking a copy deletes what was derived from it, not its source. */
UTEST(user_cap_revoke_subtree)
{
    UT_ASSERT_EQ(hm_mem_create(PAGE, SLOT_A), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, HM_SLOT_SELF, SLOT_B, MEM_RIGHTS), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_B, HM_SLOT_SELF, SLOT_C, HM_RIGHT_READ), 0);
    UT_ASSERT_EQ(hm_cap_revoke(SLOT_B), 1);
    UT_ASSERT_EQ(hm_cap_info(SLOT_C), -HM_EBADCAP);
    UT_ASSERT_EQ(hm_cap_info(SLOT_B), info_of(HM_CAP_MEMORY, MEM_RIGHTS));
    UT_ASSERT_EQ(hm_cap_info(SLOT_A), info_of(HM_CAP_MEMORY, MEM_RIGHTS));
    UT_ASSERT_EQ(hm_cap_delete(SLOT_B), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_A), 0);
}

/* Deleted means gone: a second delete is -HM_EBADCAP. */
UTEST(user_cap_delete)
{
    UT_ASSERT_EQ(hm_mem_create(PAGE, SLOT_A), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_A), 0);
    UT_ASSERT_EQ(hm_cap_info(SLOT_A), -HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_delete(SLOT_A), HM_EBADCAP);
}

static void cap_round(void)
{
    UT_ASSERT_EQ(hm_mem_create(2 * PAGE, SLOT_A), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_A, HM_SLOT_SELF, SLOT_B, HM_RIGHT_READ), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_B, HM_SLOT_SELF, SLOT_C, HM_RIGHT_READ), 0);
    UT_ASSERT_EQ(hm_cap_revoke(SLOT_A), 2);
    UT_ASSERT_EQ(hm_cap_copy(HM_SLOT_SELF, HM_SLOT_SELF, SLOT_D, HM_RIGHT_WAIT), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_D), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_A), 0);
}

/* Copies, deletes and revokes give back every kernel object and frame.  One
 * warm-up round first: what the kernel keeps for reuse after the first one
 * (e.g. a slab page for the object type) may stay. */
UTEST(user_cap_no_leak)
{
    struct ut_usage before;

    cap_round();
    ut_usage_settled(&before);
    for (int i = 0; i < 3; i++) {
        cap_round();
    }
    UT_ASSERT_USAGE_BACK(&before);
}

/* A process that has ended can still be named (our capability to it stays),
 * but nothing can be copied into its capability space any more: the copy
 * is refused and nothing changes (the kernel has freed those slots). */
UTEST(user_cap_copy_into_dead_process_refused)
{
    UT_ASSERT_EQ(hm_mem_create(HM_PAGE_SIZE, SLOT_A), 0);
    UT_ASSERT_EQ(hm_spawn("/bin/fault1", "ok", SLOT_CHILD), 0);
    UT_ASSERT_EQ(ut_wait_child(SLOT_CHILD, 2000), 0);
    struct ut_usage settled; /* its last thread is freed on its CPU a little after */
    ut_usage_settled(&settled);
    UT_ASSERT_ERR_UNCHANGED(hm_cap_copy(SLOT_A, SLOT_CHILD, 5, HM_RIGHT_READ), HM_EBADCAP);
    UT_ASSERT_EQ(hm_cap_revoke(SLOT_A), 0); /* no copy was made anywhere */
}
