// SPDX-License-Identifier: MIT
/*
 * ns_service.h - the name server (ns.c), for whatever hosts it:
 * user/nssrv.c (IC2, a process) or services/ns_ic1.c (IC1, a domain that
 * holds capabilities, stage 2's ic1_give_caps()).  Its protocol is
 * ns_proto.h.
 *
 * It names capabilities by slot of its own capability table, which is a
 * process's or the one the kernel keeps for the domain: the names' copies
 * in NS_SLOT_NAMES.., the look-ups' in NS_SLOT_LENT.. (below the grant
 * range, where a call's grant arrives).
 */
#ifndef NS_SERVICE_H
#define NS_SERVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <hm/service.h>
#include "ns_proto.h"

#define NS_SLOT_NAMES 16                        /* .. + NS_NAMES - 1: the names' capabilities */
#define NS_SLOT_LENT (NS_SLOT_NAMES + NS_NAMES) /* .. + NS_LENT - 1: a look-up's copy */
#define NS_LENT 32

/* What the host gives it.  Capabilities: as HM_SYS_CAP_INFO, _COPY (within
 * the table) and _DELETE.  lock/unlock: around each use of the names (the
 * host may serialise whole calls instead and give no-ops).  wait: until a
 * name may have been published (notified by published()) or the absolute
 * time deadline (ns) has passed; 0, or an error that ends the NS_WAIT
 * (-HM_EINTR).  NULL: the host cannot block (a domain), and NS_WAIT is
 * answered at once (the library asks again). */
struct ns_host {
    long (*cap_info)(unsigned slot);
    long (*cap_copy)(unsigned src, unsigned dst, unsigned rights);
    long (*cap_delete)(unsigned slot);
    bool (*in_kernel)(const char *name); /* the kernel's name table has it */
    void (*lock)(void);
    void (*unlock)(void);
    void (*published)(void);
    long (*wait)(uint64_t deadline_ns);
    uint64_t (*now_ns)(void);
    unsigned cls; /* the isolation class it runs in (NS_INFO) */
};

/** Start empty, with `host`'s functions (kept: it must live for ever). */
void ns_init(const struct ns_host *host);
/** One request (ns_proto.h).  A call's grant (m->grant) is the server's
 *  for the call only; what it keeps it copies. */
long ns_handle(struct hm_msg *m);

#endif
