// SPDX-License-Identifier: MIT
/*
 * kvsrv.c - the kv service placed in IC2 (CONFIG_KV_IC2): its own process.
 * The source is services/kv.c, unchanged; this only registers and waits.
 */
#include "hm.h"
#include "ipc.h"

long kv_handle(struct hm_msg *m);

int main(const char *arg, unsigned long len)
{
    (void)arg;
    (void)len;
    long r = hm_service_register(kv_handle, 16384, 4, 2);
    if (r == 0)
        r = hm_name_publish("kv", 2);
    if (r < 0) {
        hm_printf("kvsrv: cannot start: %ld\n", r);
        return 1;
    }
    hm_notify_create(3);
    for (;;)
        hm_notify_wait(3, 0);
}
