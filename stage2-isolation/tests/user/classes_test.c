// SPDX-License-Identifier: MIT
/*
 * classes_test.c - calls between isolation classes, from a user program,
 * through the class matrix (CONFIG_CLASS_MATRIX): the relay service in IC0
 * and IC1 forwarding to the kv service in each class.  Without the matrix
 * (relay0 not published) the tests say so and pass nothing of theirs.
 */
#include "hm.h"
#include "ipc.h"
#include "utest.h"
#include "../../services/kv.h"
#include "../../services/relay.h"

#define SLOT_SVC UT_SLOT_FIRST
#define SLOT_KV (UT_SLOT_FIRST + 1)
#define SLOT_RELAY (UT_SLOT_FIRST + 2)

static bool connect(const char *name, unsigned conn)
{
    long r = hm_name_lookup(name, SLOT_SVC);
    if (r == 0)
        r = hm_connect(SLOT_SVC, NULL, 0, conn);
    hm_cap_delete(SLOT_SVC);
    return r == 0;
}

static uint64_t name8(const char *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && *s; i++, s++) /* up to the NUL */
        v |= (uint64_t)(uint8_t)*s << (8 * i);
    return v;
}

static long call(unsigned conn, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t *out)
{
    struct hm_msg m = { .w = { w0, w1, w2, w3 } };
    long r = hm_call(conn, &m, HM_NO_SLOT);
    if (out)
        *out = m.w[0];
    return r;
}

/* relay<x> puts into kv<y>; the user program reads it back from kv<y>
 * directly: the relay reached that instance, in that class. */
static void relay_reaches(int x, int y)
{
    char relay[] = { 'r', 'e', 'l', 'a', 'y', (char)('0' + x), 0 };
    char kv[] = { 'k', 'v', (char)('0' + y), 0 };
    if (!connect(relay, SLOT_RELAY) || !connect(kv, SLOT_KV))
        UT_FAIL("cannot connect to %s and %s", relay, kv);
    uint64_t v = 0, key = 7000 + 10 * (uint64_t)x + (uint64_t)y;
    UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_WHERE, 0, 0, 0, &v), 0);
    UT_ASSERT_EQ(v, (uint64_t)x);
    UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_FWD, name8(kv), KV_PUT | (key + 1) << 32, key, NULL), 0);
    UT_ASSERT_EQ(call(SLOT_KV, KV_GET, key, 0, 0, &v), 0);
    UT_ASSERT_EQ(v, key + 1);
    UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_FWD, name8(kv), KV_WHERE, 0, &v), 0);
    UT_ASSERT_EQ(v, (uint64_t)y);
    UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_LOOP, (uint64_t)y, 20, 0, &v), 0);
    UT_ASSERT_EQ(v, (uint64_t)y);
    UT_ASSERT_EQ(call(SLOT_KV, KV_DEL, key, 0, 0, NULL), 0);
    UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_FWD, name8(kv), KV_GET, key, NULL), -HM_ENOENT);
    hm_cap_delete(SLOT_RELAY);
    hm_cap_delete(SLOT_KV);
}

static bool have_matrix(void)
{
    bool ok = connect("relay0", SLOT_RELAY);
    hm_cap_delete(SLOT_RELAY);
    if (!ok)
        hm_printf("classes_test: no class matrix (CONFIG_CLASS_MATRIX off): not tried\n");
    return ok;
}

UTEST(classes_ic0_calls_ic0_and_ic1)
{
    if (!have_matrix())
        return;
    relay_reaches(0, 0);
    relay_reaches(0, 1);
}

UTEST(classes_ic1_calls_ic0_and_ic1)
{
    if (!have_matrix())
        return;
    relay_reaches(1, 0);
    relay_reaches(1, 1);
}

/* From kernel space an IC2 service cannot be called (yet): a clear error,
 * and the relays go on; a domain calling itself: -HM_EBUSY. */
UTEST(classes_limits_are_errors)
{
    if (!have_matrix())
        return;
    uint64_t v = 0;
    for (int x = 0; x <= 1; x++) {
        char relay[] = { 'r', 'e', 'l', 'a', 'y', (char)('0' + x), 0 };
        UT_ASSERT(connect(relay, SLOT_RELAY));
        UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_FWD, name8("kv2"), KV_WHERE, 0, NULL), -HM_ENOENT);
        UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_FWD, name8("nosuch"), KV_WHERE, 0, NULL), -HM_ENOENT);
        UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_LOOP, 3, 1, 0, NULL), -HM_EINVAL);
        UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_SELF, 0, 0, 0, NULL), x ? -HM_EBUSY : 0);
        UT_ASSERT_EQ(call(SLOT_RELAY, 99, 0, 0, 0, NULL), -HM_ENOSYS);
        UT_ASSERT_EQ(call(SLOT_RELAY, RELAY_WHERE, 0, 0, 0, &v), 0);
        UT_ASSERT_EQ(v, (uint64_t)x);
        hm_cap_delete(SLOT_RELAY);
    }
}
