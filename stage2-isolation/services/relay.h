// SPDX-License-Identifier: MIT
/*
 * relay.h - the "relay" service: a client of kv, for calls between
 * services.  Placed in IC0 or IC1 (relay0, relay1), it calls the kv
 * instance of a class (kv0, kv1) through the service runtime (svc.h), so
 * that a user program can measure and test every caller class against
 * every callee class in one kernel.
 *
 * w[0] = operation; status 0 or -HM_E*.
 */
#ifndef RELAY_H
#define RELAY_H

#define RELAY_WHERE 5 /* -> w0 = the isolation class the relay runs in */
#define RELAY_FWD \
    6                /* w1 = the callee's name (up to 8 bytes, little-endian, NUL-padded),
                       * w2 = op | arg2 << 32, w3 = arg1: the callee gets
                       * { op, arg1, arg2, 0 } -> its status and w0, w1 */
#define RELAY_LOOP 7 /* w1 = kv's class, w2 = n: n calls of KV_WHERE -> w0 = kv's class */
#define RELAY_SELF 8 /* call itself (relay<its class>) with RELAY_WHERE: IC0 0, IC1 -HM_EBUSY */

#endif
