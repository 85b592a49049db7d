// SPDX-License-Identifier: MIT
/*
 * ic1_services_test.c - the in-kernel services a stage-3 domain calls
 * (initrd for the file system in IC1, pagerk for the memory manager
 * coalesced with it) refuse what a domain must not have: callers that
 * are not domains, memory that is not the calling domain's, services it
 * does not serve, unknown operations.  Driven through stage 2's probe
 * domain (tests/ktest/ic1_probe.c), whose PROBE_GATE calls a service with
 * a message of its own: w0 from the test, the other words 0.  Only in
 * builds that have the services (CONFIG_FS_IC1).
 */
#include <kernel.h>
#include <ktest.h>
#include <ic0.h>
#include <ic1.h>
#include <printk.h>
#include <uapi/hm/syscall.h>
#include "../../services/initrd_proto.h"
#include "../../services/pager_ic1.h"

#define PROBE_GATE 4 /* ic1_probe.c: svc_call(w1, { w3, 0, 0, 0 }) -> status */

static struct ic1_domain own_probe;

/* The probe domain calling in-kernel service h with w0 = op. */
static long probe_calls(struct ic1_domain *probe, long h, uint64_t op)
{
    struct hm_msg m = { .w = { PROBE_GATE, (uint64_t)h, 0, op } };
    return ic1_call(probe, &m);
}

KTEST(ic1_kernel_services_refuse_bad_requests)
{
    long initrd = svc_lookup(INITRD_NAME), pagerk = svc_lookup(PAGERK_NAME);
    if (initrd < 0) {
        printk("ic1_services_test: no file system in IC1 here: not tried\n");
        return;
    }
    struct ic1_domain *probe = ic1_find("probe");
    if (!probe) {
        KT_ASSERT_EQ(ic1_load(&ic1_image_probe, &own_probe), 0);
        probe = &own_probe;
    }
    KT_ASSERT_EQ(ic1_restart(probe), 0);
    /* not from a domain: the kernel itself */
    struct hm_msg m = { .w = { INITRD_READ, 0, 0, 0 } };
    KT_ASSERT_EQ(svc_call(initrd, &m), -HM_EFAULT);
    /* from a domain, into memory not its own (address 0), or nothing */
    KT_ASSERT_EQ(probe_calls(probe, initrd, INITRD_READ), -HM_EFAULT);
    KT_ASSERT_EQ(probe_calls(probe, initrd, INITRD_STAT), -HM_ERANGE); /* cap 0 */
    KT_ASSERT_EQ(probe_calls(probe, initrd, 77), -HM_ENOSYS);
    if (pagerk < 0) {
        printk("ic1_services_test: no pager in IC1 here: pagerk not tried\n");
        return;
    }
    m = (struct hm_msg){ .w = { PAGERK_ALIVE, 1 } };
    KT_ASSERT_EQ(svc_call(pagerk, &m), -HM_EPERM); /* not a domain */
    /* service 0 is not one the probe serves */
    KT_ASSERT_EQ(probe_calls(probe, pagerk, PAGERK_REGION), -HM_EPERM);
    KT_ASSERT_EQ(probe_calls(probe, pagerk, PAGERK_MAP), -HM_EPERM);
    KT_ASSERT_EQ(probe_calls(probe, pagerk, PAGERK_UNMAP), -HM_EPERM);
    KT_ASSERT_EQ(probe_calls(probe, pagerk, PAGERK_LENT), -HM_EFAULT); /* not its heap */
    KT_ASSERT_EQ(probe_calls(probe, pagerk, PAGERK_ALIVE), 0);         /* pid 0: none */
    KT_ASSERT_EQ(probe_calls(probe, pagerk, 77), -HM_ENOSYS);
    struct hm_msg e = { .w = { 0, 41 } };
    KT_ASSERT_EQ(ic1_call(probe, &e), 0); /* and the probe is fine */
    KT_ASSERT_EQ(e.w[1], 42);
}
