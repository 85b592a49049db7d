// SPDX-License-Identifier: MIT
/*
 * utest_main.c - main() of /bin/utest1, the stage-1 user test program.
 *
 * Linked with every test file of tests/user and the user runtime: the tests
 * register themselves (UTEST in utest.h), this just runs them all.  init
 * spawns /bin/utest1 when the kernel was booted with `ktest`.
 */
#include "hm.h"
#include "utest.h"

int main(const char *arg, unsigned long len)
{
    int failed;

    (void)arg;
    (void)len;
    failed = utest_run_all();
    hm_printf("utest1: done, %d failed\n", failed);
    return 0;
}
