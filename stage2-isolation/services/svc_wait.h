// SPDX-License-Identifier: MIT
/*
 * svc_wait.h - how a domain's request waits (services/svc.h includes it;
 * the kernel's gate, kernel/ic1.c, acts on it).  struct hm_msg comes from
 * hm/service.h, included before.
 */
#ifndef SVC_WAIT_H
#define SVC_WAIT_H

/*
 * Waiting in a domain.  A domain cannot block: it runs with interrupts
 * masked on a per-CPU stack.  A request that must wait for something (a
 * process manager's PM_WAIT) returns svc_wait(m, what, arg) instead: the
 * kernel leaves the domain, blocks the caller's thread until that has
 * happened, and then calls the domain again with the same request, which
 * finds it done.  Only a domain that holds capabilities (ic1_give_caps())
 * may ask (another's SVC_WAIT is a status like any other), and only a
 * caller that may block waits: a thread calling from the kernel or a
 * process.  A call from a domain, directly or through in-kernel services,
 * gets -HM_EAGAIN instead.  A kill of the caller ends the wait with
 * -HM_EINTR; so the request must change nothing before it asks to wait.
 */
#define SVC_WAIT (-4095) /* the status that asks; never a caller's */
#define SVC_WAIT_PROC 1  /* arg: a process capability's slot in the domain's table: until it ends */
#define SVC_WAIT_DOMAIN \
    2 /* arg: svc_lookup() handle of a service in an IC1 domain: until it stops */

static inline long svc_wait(struct hm_msg *m, uint64_t what, uint64_t arg)
{
    m->w[0] = what;
    m->w[1] = arg;
    m->len = 0;
    return SVC_WAIT;
}

#endif
