// SPDX-License-Identifier: MIT
/*
 * kv.h - the "kv" test service: a small key-value table.  The same source
 * runs in IC0 (linked into the kernel) or IC2 (/bin/kvsrv), chosen in the
 * configuration (CONFIG_KV_IC0 / CONFIG_KV_IC2); clients do not change.
 *
 * w[0] = operation, w[1] = key, w[2] = value; status 0 or -HM_E*.
 */
#ifndef KV_H
#define KV_H

#define KV_PUT 1   /* w1 = key, w2 = value; -HM_ENOSPC when the table is full */
#define KV_GET 2   /* w1 = key -> w0 = value; -HM_ENOENT if absent */
#define KV_DEL 3   /* w1 = key; -HM_ENOENT if absent */
#define KV_COUNT 4 /* -> w0 = entries */
#define KV_WHERE 5 /* -> w0 = the isolation class it runs in (0, 1 or 2) */
#define KV_ENTRIES 64

#endif
