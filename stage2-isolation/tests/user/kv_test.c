// SPDX-License-Identifier: MIT
/*
 * kv_test.c - the kv service's test suite: the same tests whatever isolation
 * class the configuration puts the service in (IC0 or IC2; IC1 to come).
 * The client only knows the name "kv".
 */
#include "hm.h"
#include "ipc.h"
#include "utest.h"
#include "../../services/kv.h"

#define SLOT_SVC UT_SLOT_FIRST
#define SLOT_CONN (UT_SLOT_FIRST + 1)
#define SLOT_CONN2 (UT_SLOT_FIRST + 2)
#define SLOT_THREAD (UT_SLOT_FIRST + 3)

static void connect_kv(unsigned conn)
{
    long r = hm_name_lookup("kv", SLOT_SVC);
    if (r == 0)
        r = hm_connect(SLOT_SVC, NULL, 0, conn);
    hm_cap_delete(SLOT_SVC);
    if (r < 0)
        UT_FAIL("cannot connect to kv: %ld", r);
}

static long kv(unsigned conn, uint64_t op, uint64_t key, uint64_t value, uint64_t *out)
{
    struct hm_msg m = { .w = { op, key, value, 0 } };
    long r = hm_call(conn, &m, HM_NO_SLOT);
    if (out)
        *out = m.w[0];
    return r;
}

UTEST(kv_put_get_delete)
{
    uint64_t v = 0, n0 = 0, n1 = 0;
    connect_kv(SLOT_CONN);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_COUNT, 0, 0, &n0), 0);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_PUT, 1001, 77, NULL), 0);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_GET, 1001, 0, &v), 0);
    UT_ASSERT_EQ(v, 77);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_COUNT, 0, 0, &n1), 0);
    UT_ASSERT_EQ(n1, n0 + 1);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_DEL, 1001, 0, NULL), 0);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_GET, 1001, 0, &v), -HM_ENOENT);
}

UTEST(kv_overwrite_keeps_one_entry)
{
    uint64_t v = 0, n0 = 0, n1 = 0;
    connect_kv(SLOT_CONN);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_COUNT, 0, 0, &n0), 0);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_PUT, 2002, 1, NULL), 0);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_PUT, 2002, 2, NULL), 0);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_GET, 2002, 0, &v), 0);
    UT_ASSERT_EQ(v, 2);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_COUNT, 0, 0, &n1), 0);
    UT_ASSERT_EQ(n1, n0 + 1);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_DEL, 2002, 0, NULL), 0);
}

UTEST(kv_errors)
{
    connect_kv(SLOT_CONN);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_GET, 3003, 0, NULL), -HM_ENOENT);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_DEL, 3003, 0, NULL), -HM_ENOENT);
    UT_ASSERT_EQ(kv(SLOT_CONN, 99, 0, 0, NULL), -HM_ENOSYS);
    /* The table is full at KV_ENTRIES: the next key is refused, nothing lost. */
    uint64_t n0 = 0, v = 0;
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_COUNT, 0, 0, &n0), 0);
    for (uint64_t k = 0; k < KV_ENTRIES - n0; k++)
        UT_ASSERT_EQ(kv(SLOT_CONN, KV_PUT, 4000 + k, k, NULL), 0);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_PUT, 5000, 1, NULL), -HM_ENOSPC);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_GET, 4000, 0, &v), 0);
    UT_ASSERT_EQ(v, 0);
    for (uint64_t k = 0; k < KV_ENTRIES - n0; k++)
        UT_ASSERT_EQ(kv(SLOT_CONN, KV_DEL, 4000 + k, 0, NULL), 0);
}

static volatile long second_result;

static void second_client(void *arg)
{
    (void)arg;
    uint64_t v = 0;
    long r = kv(SLOT_CONN2, KV_GET, 6006, 0, &v);
    second_result = r == 0 ? (long)v : r;
}

/* What one client stores, another connection (another thread) reads. */
UTEST(kv_shared_between_clients)
{
    connect_kv(SLOT_CONN);
    connect_kv(SLOT_CONN2);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_PUT, 6006, 4242, NULL), 0);
    second_result = -1;
    UT_ASSERT_EQ(hm_thread_spawn(second_client, NULL, -1, SLOT_THREAD), 0);
    ut_reap_thread(SLOT_THREAD, 2000);
    UT_ASSERT_EQ(second_result, 4242);
    UT_ASSERT_EQ(kv(SLOT_CONN, KV_DEL, 6006, 0, NULL), 0);
}
