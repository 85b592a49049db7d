// SPDX-License-Identifier: MIT
/*
 * relay.c - the relay service (relay.h): one source for IC0 and IC1.
 *
 * It reaches other services only through the service runtime (svc.h), so
 * the same code runs linked into the kernel or in a domain of its own;
 * RELAY_CLASS says which, for RELAY_WHERE.
 */
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "kv.h"
#include "relay.h"
#include "svc.h"

#ifndef RELAY_CLASS
#error "build with -DRELAY_CLASS=0 or 1"
#endif

/* Handles by kv's class, looked up on first use (0: not yet). */
static long kv_handle_of[3];
static long self_handle;

static long kv_target(uint64_t cls)
{
    static const char *const names[3] = { "kv0", "kv1", "kv2" };
    if (cls > 2)
        return -HM_EINVAL;
    if (kv_handle_of[cls] <= 0) {
        long h = svc_lookup(names[cls]);
        if (h < 0)
            return h;
        kv_handle_of[cls] = h + 1;
    }
    return kv_handle_of[cls] - 1;
}

/* Field by field: a struct initialiser could become a call to memset,
 * which an IC1 domain does not have. */
static void msg_init(struct hm_msg *k, uint64_t op, uint64_t key)
{
    k->w[0] = op;
    k->w[1] = key;
    k->w[2] = k->w[3] = k->len = 0;
    k->buf = 0;
    k->grant = k->badge = 0;
}

long relay_handle(struct hm_msg *m)
{
    struct hm_msg k;
    long h, status = 0;
    switch (m->w[0]) {
    case RELAY_WHERE:
        m->w[0] = RELAY_CLASS;
        return 0;
    case RELAY_FWD: {
        char name[9];
        for (int i = 0; i < 8; i++)
            name[i] = (char)(m->w[1] >> (8 * i));
        name[8] = 0;
        h = svc_lookup(name);
        if (h < 0)
            return h;
        msg_init(&k, m->w[2] & 0xffffffffu, m->w[3]);
        k.w[2] = m->w[2] >> 32;
        status = svc_call(h, &k);
        m->w[0] = k.w[0];
        m->w[1] = k.w[1];
        return status;
    }
    case RELAY_LOOP:
        h = kv_target(m->w[1]);
        if (h < 0)
            return h;
        msg_init(&k, KV_WHERE, 0);
        for (uint64_t i = 0; i < m->w[2] && status == 0; i++) {
            k.w[0] = KV_WHERE;
            status = svc_call(h, &k);
        }
        m->w[0] = k.w[0];
        return status;
    case RELAY_SELF:
        if (self_handle <= 0) {
            h = svc_lookup(RELAY_CLASS ? "relay1" : "relay0");
            if (h < 0)
                return h;
            self_handle = h + 1;
        }
        msg_init(&k, RELAY_WHERE, 0);
        return svc_call(self_handle - 1, &k);
    default:
        return -HM_ENOSYS;
    }
}
