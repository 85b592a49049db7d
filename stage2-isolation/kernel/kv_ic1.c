// SPDX-License-Identifier: MIT
/*
 * kv_ic1.c - the kv service placed in IC1 (CONFIG_KV_IC1): the kv domain
 * image (services/kv.c built with IC1 flags, scanned, linked at its slot)
 * loaded at boot by placement.c.  It is published like an IC0 service, so
 * clients reach it through the same in-kernel call path; the handler the
 * kernel calls is the IC1 gate into the domain.
 */
#include <kernel.h>
#include <ic0.h>
#include <ic1.h>
#include <uapi/hm/syscall.h>

struct ic1_domain kv_ic1_domain;

static long kv_gate(struct hm_msg *m)
{
    if (!kv_ic1_domain.entry) /* placement.c could not load it */
        return -HM_EPIPE;
    return ic1_call(&kv_ic1_domain, m);
}

IC0_SERVICE(kv_service, "kv", kv_gate);
