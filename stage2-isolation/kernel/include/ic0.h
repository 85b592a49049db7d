// SPDX-License-Identifier: MIT
/*
 * ic0.h - isolation class 0: services linked into the core kernel, and the
 * table of every service the kernel serves itself.
 *
 * The HongMeng paper's IC0 is for the core trusted services: no isolation,
 * a call is a plain function call.  Here an IC0 service is the same handler
 * source as an IC2 one (struct hm_msg in, status out), linked into the
 * kernel and published under its name at boot; a client calls it through
 * the same connection API, and the kernel calls the handler directly on
 * the caller's thread.  An IC1 service is published the same way, with its
 * domain instead of a handler: the kernel calls it through the IC1 gate.
 * A connection to an IC0 service may have a shared buffer: the client's
 * mapping of it, and the kernel's view through the linear map, which the
 * handler gets as m->buf.  Capabilities go only to and from an IC1 domain
 * that holds some (ic1_give_caps()): a call's grant lands in the grant
 * range of its capability table for the call (m->grant) and is deleted
 * after it, and a reply's grant word (m->len's upper half, as a process
 * replies) is granted from that table.  Limit: the handler runs with
 * interrupts masked.
 *
 * In-kernel callers (IC0 and IC1 services) find these services by name
 * with svc_lookup() (services/svc.h): the handle is the index in the
 * table, which only grows.
 */
#ifndef IC0_H
#define IC0_H

#include <kernel.h>
#include <uapi/hm/service.h>

struct ic1_domain;

struct ic0_service {
    const char *name;
    hm_handler_t handler;   /* IC0: called directly */
    struct ic1_domain *ic1; /* IC1 (handler NULL): called through the gate, ic1_call() */
    hm_handler_t ic1_entry; /* IC1: the domain's entry for this name; NULL: its image's */
};

#define IC0_MAX_SERVICES 16 /* also in ic1.h, for ic1_gate.S */

/** Link a handler into the kernel as the IC0 service `svc_name`. */
#define IC0_SERVICE(var, svc_name, fn)                                    \
    static const struct ic0_service var __used __section(".ic0_services") \
            __aligned(8) = { svc_name, fn, NULL, NULL }

struct service;
struct trap_frame;
/** Publish every IC0 service linked in (ipc_init()). */
void ic0_init(void);
/** Publish one more in-kernel service (an IC1 domain loaded at boot); `d`
 *  must live for ever.  0, -HM_ENOSPC (table or name service full). */
int ic0_publish(const struct ic0_service *d);
/** The in-kernel service with handle h (svc_lookup()), NULL if none. */
const struct ic0_service *ic0_service_at(long h);
/** The kernel's service object of a published in-kernel service (it lives
 *  for ever), NULL if d is not published. */
struct service *ic0_service_object(const struct ic0_service *d);
/** Call one: directly (IC0) or through the IC1 gate.  m->buf is not passed. */
long ic0_invoke(const struct ic0_service *d, struct hm_msg *m);
/** The service runtime of IC0 services (services/svc.h, which services
 *  include; declared again here for kernel code). */
long svc_lookup(const char *name);
long svc_call(long h, struct hm_msg *m);
long svc_call_buf(long h, struct hm_msg *m);
/** Whose capability table takes a grant in a call to d: its IC1 domain's,
 *  if that holds capabilities, NULL otherwise (no grant to the kernel). */
struct proc;
struct proc *ic0_cap_holder(const struct ic0_service *d);
/** Calls from domains into domain d take the gate's C half from now on
 *  (ic1_give_caps(): there a request to wait is refused, svc_wait.h). */
struct ic1_domain;
void ic0_gate_slow_path(const struct ic1_domain *d);
/** A call with a grant to d's domain (ipc.c's slow path): the caller's
 *  capability is in slot gdst of holder's table (ic0_cap_holder()); the
 *  call as ic0_call_buf() (buf may be NULL) with m->grant = gdst, and the
 *  slot emptied after it: the domain copies what it keeps. */
long ic0_call_granted(struct trap_frame *tf, struct service *s, uint32_t badge, void *buf,
                      uint64_t buf_size, struct proc *holder, unsigned gdst);
/** A call to an in-kernel service from a user program: returns its status,
 *  reply words in tf->x[1..4], x5 = 0. */
long ic0_call(struct trap_frame *tf, struct service *s, uint32_t badge);
/** The same on a connection with a shared buffer: buf is the buffer
 *  through the linear map, held by the caller for the call; the request's
 *  length (x5) was checked against buf_size; the reply's goes in x5. */
long ic0_call_buf(struct trap_frame *tf, struct service *s, uint32_t badge, void *buf,
                  uint64_t buf_size);

#endif
