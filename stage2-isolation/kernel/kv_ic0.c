// SPDX-License-Identifier: MIT
/*
 * kv_ic0.c - the kv and relay services linked into the kernel (IC0).  The
 * sources are services/kv.c and services/relay.c, unchanged: kv as "kv"
 * when the configuration places it in IC0 (CONFIG_KV_IC0), and as "kv0"
 * beside relay0 for the class matrix (CONFIG_CLASS_MATRIX).
 */
#include <kernel.h>
#include <ic0.h>

long kv_handle(struct hm_msg *m);
long relay_handle(struct hm_msg *m);

#ifdef CONFIG_KV_IC0
IC0_SERVICE(kv_service, "kv", kv_handle);
#endif
#ifdef CONFIG_CLASS_MATRIX
IC0_SERVICE(kv0_service, "kv0", kv_handle);
IC0_SERVICE(relay0_service, "relay0", relay_handle);
#endif
