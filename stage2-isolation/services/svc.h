// SPDX-License-Identifier: MIT
/*
 * svc.h - the service runtime: how a service calls another service, the
 * same in every isolation class.
 *
 *   long h = svc_lookup("kv");        handle >= 0, or -HM_ENOENT
 *   long status = svc_call(h, &m);    short messages: m->w[0..3] each way
 *
 * Each class has its implementation: IC0 services get kernel/ic0.c's (the
 * table of in-kernel services, a direct call or the IC1 gate); IC1
 * services are linked with services/svc_ic1.c (the domain's two entries
 * into the gate, which the loader fills in).  From IC0 and IC1 the services
 * reachable are those the kernel serves itself (IC0 and IC1 ones); calling
 * an IC2 service from kernel space is not supported yet (svc_lookup says
 * -HM_ENOENT).
 */
#ifndef SVC_H
#define SVC_H

#include <hm/service.h>

long svc_lookup(const char *name);
long svc_call(long h, struct hm_msg *m);

#endif
