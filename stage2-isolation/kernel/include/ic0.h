// SPDX-License-Identifier: MIT
/*
 * ic0.h - isolation class 0: services linked into the core kernel.
 *
 * The HongMeng paper's IC0 is for the core trusted services: no isolation,
 * a call is a plain function call.  Here an IC0 service is the same handler
 * source as an IC2 one (struct hm_msg in, status out), linked into the
 * kernel and published under its name at boot; a client calls it through
 * the same connection API, and the kernel calls the handler directly on
 * the caller's thread.  Limits: short messages only (no shared buffer), no
 * capability grants, and the handler runs with interrupts masked.
 */
#ifndef IC0_H
#define IC0_H

#include <kernel.h>
#include <uapi/hm/service.h>

struct ic0_service {
    const char *name;
    hm_handler_t handler;
};

/** Link a handler into the kernel as the IC0 service `svc_name`. */
#define IC0_SERVICE(var, svc_name, fn)                                    \
    static const struct ic0_service var __used __section(".ic0_services") \
            __aligned(8) = { svc_name, fn }

struct service;
struct trap_frame;
/** Publish every IC0 service (ipc_init()). */
void ic0_init(void);
/** A call to an IC0 service: returns its status, reply words in tf->x[1..4]. */
long ic0_call(struct trap_frame *tf, struct service *s, uint32_t badge);

#endif
