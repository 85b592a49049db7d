// SPDX-License-Identifier: MIT
/*
 * init.c - /bin/init, the first user program the kernel starts.
 *
 * The system services of later stages are started by the kernel before
 * init (stage2_start_ic2(), stage3_start_services()), so init only decides
 * from the boot mode what to run:
 *   - test mode (bootarg `ktest`): run /bin/utest1, the user-level tests,
 *     wait for it and exit;
 *   - bench mode (bootarg `bench`): print boot_to_init, run /bin/bench1 the same way;
 *   - otherwise say so and sleep forever.
 */
#include <stdio.h>

#include "hm.h"

/* The child's process capability goes here (0 and 1 are taken). */
#define SLOT_CHILD 2

/*
 * Run @prog to the end.  Return: its exit status, or the negative error of
 * hm_spawn()/hm_wait() (already reported on the console).
 */
static long run(const char *prog)
{
    long r = hm_spawn(prog, "", SLOT_CHILD);

    if (r < 0) {
        if (r != -HM_ENOENT) /* a stage without user tests has no /bin/utestN */
            hm_printf("init: cannot start %s: error %ld\n", prog, r);
        return r;
    }
    r = hm_wait(SLOT_CHILD);
    if (r < 0) {
        hm_printf("init: cannot wait for %s: error %ld\n", prog, r);
    }
    hm_cap_delete(SLOT_CHILD);
    return r;
}

int main(const char *arg, unsigned long len)
{
    /* The kernel starts init on CPU 0, whose cycle counter has run since the
     * kernel's first instruction: this is the boot_to_init benchmark. */
    unsigned long boot_cycles = hm_cycles();
    (void)arg;
    (void)len;
    if (hm_info(HM_INFO_TEST_MODE) == 1) {
        /* Each stage's user-level tests: /bin/utest1, /bin/utest2, ... */
        for (int stage = 1; stage <= 8; stage++) {
            char prog[16];
            snprintf(prog, sizeof(prog), "/bin/utest%d", stage);
            long status = run(prog);
            if (status == -HM_ENOENT)
                continue;
            hm_printf("init: %s finished (status %ld)\n", prog, status);
        }
        return 0;
    }
    if (hm_info(HM_INFO_BENCH_MODE) == 1) {
        hm_printf("[BENCH] stage1/boot_to_init %lu insns\n", boot_cycles);
        /* Each stage's benchmarks: /bin/bench1, /bin/bench2, ... */
        for (int stage = 1; stage <= 8; stage++) {
            char prog[16];
            snprintf(prog, sizeof(prog), "/bin/bench%d", stage);
            run(prog);
        }
        return 0;
    }
    hm_printf("init: ready; nothing to run outside `ktest` and `bench` boots (the system "
              "services, from stage 2 on, were started by the kernel)\n");
    (void)boot_cycles;
    for (;;) {
        hm_sleep_ns(HM_NS_PER_S);
    }
}
