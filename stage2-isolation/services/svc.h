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

#include <stdbool.h>
#include <stdint.h>
#include <hm/service.h>

long svc_lookup(const char *name);

#include "svc_wait.h"

#ifdef SVC_IC1
/* In an IC1 domain: whether the kernel has stopped it (a fault in it on
 * another CPU).  A domain's code that waits for something another CPU in
 * it would do (a lock it holds) must give up then: that call will not
 * finish, and the caller gets -HM_EPIPE in any case. */
bool svc_stopped(void);

/* In an IC1 domain (built with -DSVC_IC1): inline, so that the message's
 * words go to the gate in registers (x0 = h, x1..x4 = w[0..3]; back: x0 =
 * status, x1..x4 = the reply) straight from where the caller keeps them.
 * The gate's address is in the domain's read-only ic1_gates
 * (svc_ic1.c); the callee may use any caller-saved register. */
extern const uintptr_t ic1_gates[4];

static inline long svc_call(long h, struct hm_msg *m)
{
    register long x0 __asm__("x0") = h;
    register uint64_t x1 __asm__("x1") = m->w[0];
    register uint64_t x2 __asm__("x2") = m->w[1];
    register uint64_t x3 __asm__("x3") = m->w[2];
    register uint64_t x4 __asm__("x4") = m->w[3];
    __asm__ volatile("blr %5"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4)
                     : "r"(ic1_gates[0])
                     : "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                       "x16", "x17", "x18", "x30", "memory", "cc");
    m->w[0] = x1;
    m->w[1] = x2;
    m->w[2] = x3;
    m->w[3] = x4;
    return x0;
}

/* With a long message: m->len bytes at m->buf, which must lie in one
 * mapped block of the domain's heap (-HM_EFAULT otherwise); the callee
 * reads and writes them in place (an IC1 one through its window).  The
 * reply's length comes back in m->len. */
static inline long svc_call_buf(long h, struct hm_msg *m)
{
    uint64_t va = (uintptr_t)m->buf, len = va ? m->len : 0;
    register long x0 __asm__("x0") = h;
    register uint64_t x1 __asm__("x1") = m->w[0];
    register uint64_t x2 __asm__("x2") = m->w[1];
    register uint64_t x3 __asm__("x3") = m->w[2];
    register uint64_t x4 __asm__("x4") = m->w[3];
    register uint64_t x5 __asm__("x5") = va;
    register uint64_t x6 __asm__("x6") = len;
    __asm__ volatile("blr %7"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
                     : "r"(ic1_gates[3])
                     : "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
                       "x18", "x30", "memory", "cc");
    m->w[0] = x1;
    m->w[1] = x2;
    m->w[2] = x3;
    m->w[3] = x4;
    m->len = x5;
    return x0;
}
#else
long svc_call(long h, struct hm_msg *m);
/* In kernel space (an IC0 service) only: the same with a long message of
 * m->len bytes at m->buf, memory of the kernel's linear map (an IC1
 * callee gets its pages mapped for the call, ic1.h). */
long svc_call_buf(long h, struct hm_msg *m);
#endif

#endif
