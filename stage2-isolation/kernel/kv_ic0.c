// SPDX-License-Identifier: MIT
/*
 * kv_ic0.c - the kv service placed in IC0 (CONFIG_KV_IC0): linked into the
 * kernel.  The source is services/kv.c, unchanged.
 */
#include <kernel.h>
#include <ic0.h>

long kv_handle(struct hm_msg *m);

IC0_SERVICE(kv_service, "kv", kv_handle);
