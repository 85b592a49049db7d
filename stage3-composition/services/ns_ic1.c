// SPDX-License-Identifier: MIT
/*
 * ns_ic1.c - the name server placed in IC1 (CONFIG_NS_IC1): services/ns.c,
 * unchanged, at EL1 in a domain of its own (stage 2), published by the
 * kernel as "ns".  What the domain has instead of a process:
 *
 * - capabilities: a table the kernel keeps for the domain (stage 2's
 *   ic1_give_caps()), named by slot as a process names its own, and
 *   worked on through the in-kernel service "ic1cap" (ic1cap.h).  A
 *   publisher's grant arrives in the table's grant range for the call;
 *   a look-up's reply grants from the table;
 * - the kernel's name table: ic1cap's IC1CAP_KNAME;
 * - a lock around each call (ic1_host.h: calls come on several CPUs);
 * - no blocking: a domain runs with interrupts masked on a per-CPU stack,
 *   so NS_WAIT is answered at once and the library asks again
 *   (user/lib/ns.c);
 */
#include <stdbool.h>
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "../../stage2-isolation/services/ic1cap.h"
#include "../../stage2-isolation/services/svc.h"
#include "ic1_host.h"
#include "ns_service.h"

/* ic1_host.h's lock (the rest of ic1_host.c, heap chunks and a pager's
 * calls, is not linked into this domain) */
volatile uint32_t ic1_lock;
static long h_cap = -1; /* svc_lookup() handle of "ic1cap" */
static bool ready;

static long cap_info(unsigned slot)
{
    struct hm_msg m = { .w = { IC1CAP_INFO, slot } };
    return svc_call(h_cap, &m);
}

static long cap_copy(unsigned src, unsigned dst, unsigned rights)
{
    struct hm_msg m = { .w = { IC1CAP_COPY, src, dst, rights } };
    return svc_call(h_cap, &m);
}

static long cap_delete(unsigned slot)
{
    struct hm_msg m = { .w = { IC1CAP_DELETE, slot } };
    return svc_call(h_cap, &m);
}

static bool in_kernel(const char *name)
{
    struct hm_msg m = { .w = { IC1CAP_KNAME, (uintptr_t)name } };
    return svc_call(h_cap, &m) == 0;
}

/* (each call holds the domain's lock: ic1_serve()) */
static void no_lock(void)
{
}

static const struct ns_host host = { cap_info, cap_copy, cap_delete, in_kernel, no_lock,
                                     no_lock,  NULL,     NULL,       NULL,      1 };

/* On the first call: the kernel's services are there by then. */
static bool init_locked(void)
{
    if (!ready) {
        h_cap = svc_lookup(IC1CAP_NAME);
        if (h_cap < 0)
            return false;
        ns_init(&host);
        ready = true;
    }
    return true;
}

/* The domain's entry (its image's entry point). */
long ns_ic1_handle(struct hm_msg *m)
{
    return ic1_serve(init_locked, ns_handle, m);
}
