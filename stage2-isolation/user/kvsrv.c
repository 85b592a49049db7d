// SPDX-License-Identifier: MIT
/*
 * kvsrv.c - the kv service placed in IC2: its own process.  The source is
 * services/kv.c, unchanged; this only registers, publishes the names it is
 * given (space-separated; "kv" when none) and waits.
 */
#include "hm.h"
#include "ipc.h"

long kv_handle(struct hm_msg *m);

int main(const char *arg, unsigned long len)
{
    long r = hm_service_register(kv_handle, 16384, 4, 2);
    char name[HM_NAME_MAX];
    unsigned long i = 0;
    if (len == 0) {
        arg = "kv";
        len = 2;
    }
    while (r == 0 && i < len) {
        unsigned long n = 0;
        while (i < len && arg[i] == ' ')
            i++;
        while (i < len && arg[i] != ' ' && n + 1 < sizeof(name))
            name[n++] = arg[i++];
        name[n] = 0;
        if (n)
            r = hm_name_publish(name, 2);
    }
    if (r < 0) {
        hm_printf("kvsrv: cannot start: %ld\n", r);
        return 1;
    }
    hm_notify_create(3);
    for (;;)
        hm_notify_wait(3, 0);
}
