// SPDX-License-Identifier: MIT
/*
 * proc_test.c - user tests: processes, faults and address-space isolation.
 *
 * A user program that touches what it must not (kernel memory, its own code,
 * an undefined instruction, an unmapped or misaligned PC) is killed, with
 * the reason in its exit status, and the test program that spawned it goes
 * on.  Two processes never see each other's memory.  Spawning, exiting,
 * killing and waiting leak nothing.
 *
 * Helpers: /bin/fault1 (tests/user/progs/fault1.c) and /bin/spy1
 * (tests/user/progs/spy1.c, protocol in spy1.h).
 */
#include <stdio.h>

#include "hm.h"
#include "utest.h"
#include "progs/spy1.h"

/* Slots used here (the runner empties them after each test). */
#define SLOT_CHILD UT_SLOT_FIRST
#define SLOT_CHILD2 (UT_SLOT_FIRST + 1)
#define SLOT_MEM (UT_SLOT_FIRST + 2)
/* Where the spy child finds the shared memory capability. */
#define SPY_CHILD_SLOT 8

/* A private address, outside the runtime's page window, and a value no
 * fresh page holds. */
#define SPY_ADDR 0x20000000ul
#define SPY_VALUE 0x5eed1234c0ffee42ul

#define KILLED(reason) (HM_EXIT_KILLED | (reason))

/* ---------------------------------------------------------------------- */
/* Faults kill the faulting program, not its parent                        */
/* ---------------------------------------------------------------------- */

UTEST(user_fault_control_ok)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "ok", SLOT_CHILD), 0);
}

/* hm_exit(code): the parent sees code & 0xff; the argument arrives intact
 * (fault1 exits 99 if x1 is not strlen(x0)). */
UTEST(user_exit_code)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "exit 42", SLOT_CHILD), 42);
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "exit 300", SLOT_CHILD), 300 & 0xff);
}

UTEST(user_fault_read_kernel)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "read_kernel", SLOT_CHILD), KILLED(HM_KILL_FAULT));
}

UTEST(user_fault_read_null)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "read_null", SLOT_CHILD), KILLED(HM_KILL_FAULT));
}

UTEST(user_fault_write_code)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "write_code", SLOT_CHILD), KILLED(HM_KILL_FAULT));
}

UTEST(user_fault_undef)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "undef", SLOT_CHILD), KILLED(HM_KILL_UNDEF));
}

UTEST(user_fault_jump_unmapped)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "jump_unmapped", SLOT_CHILD), KILLED(HM_KILL_FAULT));
}

UTEST(user_fault_pc_align)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "pc_align", SLOT_CHILD), KILLED(HM_KILL_ALIGN));
}

/* After all that, a fresh child still runs normally. */
UTEST(user_fault_then_ok)
{
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "undef", SLOT_CHILD), KILLED(HM_KILL_UNDEF));
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "ok", SLOT_CHILD), 0);
}

/* ---------------------------------------------------------------------- */
/* Kill through the process capability                                     */
/* ---------------------------------------------------------------------- */

/* A child busy on a CPU (not in the kernel) is killed by hm_kill. */
UTEST(user_kill_spinning)
{
    UT_ASSERT_EQ(hm_spawn("/bin/fault1", "spin", SLOT_CHILD), 0);
    hm_sleep_ns(10 * HM_NS_PER_MS); /* let it start spinning */
    UT_ASSERT_EQ(hm_kill(SLOT_CHILD), 0);
    UT_ASSERT_EQ(ut_wait_child(SLOT_CHILD, 2000), KILLED(HM_KILL_BY_CAP));
}

/* A child blocked in hm_sleep_ns is killed too (its sleep ends). */
UTEST(user_kill_sleeping)
{
    UT_ASSERT_EQ(hm_spawn("/bin/fault1", "sleep", SLOT_CHILD), 0);
    hm_sleep_ns(10 * HM_NS_PER_MS);
    UT_ASSERT_EQ(hm_kill(SLOT_CHILD), 0);
    UT_ASSERT_EQ(ut_wait_child(SLOT_CHILD, 2000), KILLED(HM_KILL_BY_CAP));
}

/* A process capability without CONTROL cannot kill; without WAIT cannot wait. */
UTEST(user_kill_needs_control)
{
    UT_ASSERT_EQ(hm_spawn("/bin/fault1", "sleep", SLOT_CHILD), 0);
    hm_sleep_ns(10 * HM_NS_PER_MS); /* started: no allocation races the checks */
    UT_ASSERT_EQ(hm_cap_copy(SLOT_CHILD, HM_SLOT_SELF, SLOT_CHILD2, HM_RIGHT_WAIT), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_kill(SLOT_CHILD2), HM_EPERM);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_CHILD2), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_CHILD, HM_SLOT_SELF, SLOT_CHILD2, HM_RIGHT_CONTROL), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_wait(SLOT_CHILD2), HM_EPERM);
    /* The copy with CONTROL kills, the original waits. */
    UT_ASSERT_EQ(hm_kill(SLOT_CHILD2), 0);
    UT_ASSERT_EQ(ut_wait_child(SLOT_CHILD, 2000), KILLED(HM_KILL_BY_CAP));
}

/* ---------------------------------------------------------------------- */
/* Spawn errors change nothing                                             */
/* ---------------------------------------------------------------------- */

UTEST(user_spawn_enoent)
{
    UT_ASSERT_ERR_UNCHANGED(hm_spawn("/bin/no_such_program", "", SLOT_CHILD), HM_ENOENT);
    UT_ASSERT_EQ(hm_cap_info(SLOT_CHILD), -HM_EBADCAP); /* the slot stayed empty */
}

/* /bin/truncated: a valid ELF header whose program headers or segments run
 * past the end of the file (the lead's initramfs builds it). */
UTEST(user_spawn_truncated)
{
    UT_ASSERT_ERR_UNCHANGED(hm_spawn("/bin/truncated", "", SLOT_CHILD), HM_ENOEXEC);
    UT_ASSERT_EQ(hm_cap_info(SLOT_CHILD), -HM_EBADCAP);
}

UTEST(user_spawn_bad_args)
{
    char longarg[HM_NAME_MAX + 2];

    memset(longarg, 'a', sizeof(longarg) - 1);
    longarg[sizeof(longarg) - 1] = '\0';
    /* Bad pointers: NULL name, a kernel address as the argument. */
    UT_ASSERT_ERR_UNCHANGED(hm_syscall5(HM_SYS_SPAWN, 0, 11, (unsigned long)"", 0, SLOT_CHILD),
                            HM_EFAULT);
    UT_ASSERT_ERR_UNCHANGED(hm_syscall5(HM_SYS_SPAWN, (unsigned long)"/bin/fault1", 11,
                                        0xffffffff80000000ul, 2, SLOT_CHILD),
                            HM_EFAULT);
    /* Too long: name and argument are limited to HM_NAME_MAX bytes. */
    UT_ASSERT_ERR_UNCHANGED(hm_spawn("/bin/fault1", longarg, SLOT_CHILD), HM_EINVAL);
    /* Bad slots: out of range; already used (slot 0 is this process). */
    UT_ASSERT_ERR_UNCHANGED(hm_spawn("/bin/fault1", "ok", HM_CSPACE_SLOTS), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_spawn("/bin/fault1", "ok", HM_SLOT_SELF), HM_EEXIST);
    UT_ASSERT_EQ(hm_cap_info(SLOT_CHILD), -HM_EBADCAP);
}

/* ---------------------------------------------------------------------- */
/* Isolation                                                               */
/* ---------------------------------------------------------------------- */

/* Arguments for spy1 ("read 0x20000000 0x..."). */
static void spy_arg(char *buf, size_t size, const char *cmd)
{
    snprintf(buf, size, "%s 0x%lx 0x%lx", cmd, SPY_ADDR, SPY_VALUE);
}

static void unmap_spy_addr(void *arg)
{
    (void)arg;
    hm_unmap((void *)SPY_ADDR, HM_PAGE_SIZE);
}

/*
 * This process keeps SPY_VALUE at SPY_ADDR.  A child maps the same address:
 * it must get its own fresh page (not -HM_EEXIST, not our value); a child
 * that loads from the address without mapping it is killed.  Our page keeps
 * its value through all of it.
 */
UTEST(user_isolation_parent_child)
{
    volatile uint64_t *p = (volatile uint64_t *)SPY_ADDR;
    char arg[HM_NAME_MAX];

    UT_ASSERT_EQ(hm_map((void *)SPY_ADDR, HM_PAGE_SIZE, HM_PROT_READ | HM_PROT_WRITE), 0);
    ut_defer(unmap_spy_addr, NULL);
    *p = SPY_VALUE;

    spy_arg(arg, sizeof(arg), "read");
    UT_ASSERT_EQ(ut_run_child("/bin/spy1", arg, SLOT_CHILD), SPY_SAW_ZERO);

    snprintf(arg, sizeof(arg), "peek 0x%lx", SPY_ADDR);
    UT_ASSERT_EQ(ut_run_child("/bin/spy1", arg, SLOT_CHILD), KILLED(HM_KILL_FAULT));

    UT_ASSERT_EQ(*p, SPY_VALUE);
}

static void release_spy(void *arg)
{
    struct spy_shared *sh = arg;

    atomic_store(&sh->release, 1);
}

static void unmap_shared(void *arg)
{
    hm_unmap(arg, HM_PAGE_SIZE);
}

/*
 * Two children, both alive: the first keeps SPY_VALUE in a private page at
 * SPY_ADDR (and tells us through a shared memory object when it has), the
 * second maps SPY_ADDR in its own space and must see zero.  The first then
 * checks that its value is still there.
 */
UTEST(user_isolation_two_children)
{
    struct spy_shared *sh = hm_va_reserve(1);
    char arg[HM_NAME_MAX];
    uint64_t start;
    unsigned long state;

    UT_ASSERT(sh != NULL);
    UT_ASSERT_EQ(hm_mem_create(HM_PAGE_SIZE, SLOT_MEM), 0);
    UT_ASSERT_EQ(hm_mem_map(SLOT_MEM, sh, HM_PROT_READ | HM_PROT_WRITE), 0);
    ut_defer(unmap_shared, sh);

    snprintf(arg, sizeof(arg), "write 0x%lx 0x%lx %u", SPY_ADDR, SPY_VALUE,
             (unsigned)SPY_CHILD_SLOT);
    UT_ASSERT_EQ(hm_spawn("/bin/spy1", arg, SLOT_CHILD), 0);
    ut_defer(release_spy, sh); /* so it ends even if we fail below */
    UT_ASSERT_EQ(hm_cap_copy(SLOT_MEM, SLOT_CHILD, SPY_CHILD_SLOT, HM_RIGHT_READ | HM_RIGHT_WRITE),
                 0);

    /* Wait (at most 3 s) for the first child to hold its value. */
    start = ut_now_ns();
    for (;;) {
        state = atomic_load(&sh->state);
        if (state != SPY_WAITING) {
            break;
        }
        if (ut_now_ns() - start > 3 * HM_NS_PER_S) {
            UT_FAIL("spy writer not ready after 3 s");
        }
        hm_sleep_ns(HM_NS_PER_MS);
    }
    UT_ASSERT_EQ(state, SPY_READY);

    spy_arg(arg, sizeof(arg), "read");
    UT_ASSERT_EQ(ut_run_child("/bin/spy1", arg, SLOT_CHILD2), SPY_SAW_ZERO);

    atomic_store(&sh->release, 1);
    UT_ASSERT_EQ(ut_wait_child(SLOT_CHILD, 2000), 0);
}

/* ---------------------------------------------------------------------- */
/* No leaks                                                                */
/* ---------------------------------------------------------------------- */

/*
 * Spawning a child, letting it exit (or be killed) and deleting its
 * capability gives back every frame and kernel object.  One round runs
 * before the measurement: what may stay is what the first round creates
 * once and reuses, e.g. the page tables of this process behind the
 * watchdog's stack, or kernel slab pages.
 */
UTEST(user_spawn_no_leak)
{
    struct ut_usage before;

    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "ok", SLOT_CHILD), 0);
    ut_usage_settled(&before);
    for (int i = 0; i < 3; i++) {
        UT_ASSERT_EQ(ut_run_child("/bin/fault1", "ok", SLOT_CHILD), 0);
    }
    UT_ASSERT_USAGE_BACK(&before);
    /* Killed by a fault, and killed through the capability. */
    UT_ASSERT_EQ(ut_run_child("/bin/fault1", "read_kernel", SLOT_CHILD), KILLED(HM_KILL_FAULT));
    UT_ASSERT_USAGE_BACK(&before);
    UT_ASSERT_EQ(hm_spawn("/bin/fault1", "sleep", SLOT_CHILD), 0);
    UT_ASSERT_EQ(hm_kill(SLOT_CHILD), 0);
    UT_ASSERT_EQ(ut_wait_child(SLOT_CHILD, 2000), KILLED(HM_KILL_BY_CAP));
    UT_ASSERT_EQ(hm_cap_delete(SLOT_CHILD), 0);
    UT_ASSERT_USAGE_BACK(&before);
}
