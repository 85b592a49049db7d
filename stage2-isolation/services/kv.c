// SPDX-License-Identifier: MIT
/*
 * kv.c - the kv service (kv.h): one source for every isolation class.
 *
 * It uses nothing but its own table: no system call, no library, so it
 * compiles into the kernel (IC0), a kernel-space domain (IC1, to come) or
 * a user process (IC2).  KV_CLASS says which, for KV_WHERE.
 */
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "kv.h"

#ifndef KV_CLASS
#error "build with -DKV_CLASS=0, 1 or 2"
#endif

static struct {
    uint64_t key, value;
    int used;
} table[KV_ENTRIES];

static int find(uint64_t key)
{
    for (int i = 0; i < KV_ENTRIES; i++)
        if (table[i].used && table[i].key == key)
            return i;
    return -1;
}

long kv_handle(struct hm_msg *m)
{
    int i;
    m->len = 0;
    switch (m->w[0]) {
    case KV_PUT:
        i = find(m->w[1]);
        for (int j = 0; i < 0 && j < KV_ENTRIES; j++)
            if (!table[j].used)
                i = j;
        if (i < 0)
            return -HM_ENOSPC;
        table[i].key = m->w[1];
        table[i].value = m->w[2];
        table[i].used = 1;
        return 0;
    case KV_GET:
        i = find(m->w[1]);
        if (i < 0)
            return -HM_ENOENT;
        m->w[0] = table[i].value;
        return 0;
    case KV_DEL:
        i = find(m->w[1]);
        if (i < 0)
            return -HM_ENOENT;
        table[i].used = 0;
        return 0;
    case KV_COUNT:
        m->w[0] = 0;
        for (i = 0; i < KV_ENTRIES; i++)
            m->w[0] += table[i].used;
        return 0;
    case KV_WHERE:
        m->w[0] = KV_CLASS;
        return 0;
    default:
        return -HM_ENOSYS;
    }
}
