// SPDX-License-Identifier: MIT
/*
 * ns_proto.h - the name server's messages (services/ns.c: CONFIG_NS_IC1,
 * CONFIG_NS_IC2).
 *
 * A name is 1..HM_NAME_MAX bytes without NUL, in the connection's buffer
 * (len = its length).  w[0] = operation; status 0 or a negated HM_E*.
 * The name server holds the processes' names; the kernel's own services
 * (IC0 and IC1) stay in the kernel's table, which also holds "ns" itself
 * (the bootstrap: how a process finds the name server).  The library's
 * hm_name_publish() / hm_name_lookup() (user/lib/ns.c) use the name
 * server when there is one, and the kernel's table otherwise.
 */
#ifndef NS_PROTO_H
#define NS_PROTO_H

/* grant: a service capability with CALL and GRANT (the name server keeps a
 * copy of it: the publisher's revoke removes the name, and every
 * capability looked up through it) -> 0, -HM_EEXIST (taken, here or in the
 * kernel's table), -HM_ENOSPC, -HM_EBADCAP (no grant), -HM_ETYPE, -HM_EPERM */
#define NS_PUBLISH 1
/* -> 0 and the reply grants a CALL-only copy, or -HM_ENOENT (not here: the
 * kernel's table may have it) */
#define NS_LOOKUP 2
/* w1 = timeout in ms (at most NS_WAIT_MAX_MS) -> 0 once the name is
 * published (here or in the kernel's table), -HM_EAGAIN when the time ran
 * out; in IC1 (a domain cannot block) at once, whatever the timeout */
#define NS_WAIT 3
/* (no name needed) -> 0, w0 = the isolation class it runs in (1 or 2) */
#define NS_INFO 4

#define NS_NAMES 64          /* names the server holds */
#define NS_WAIT_MAX_MS 10000 /* the longest NS_WAIT */

#endif
