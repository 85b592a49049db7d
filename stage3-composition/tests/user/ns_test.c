// SPDX-License-Identifier: MIT
/*
 * ns_test.c - the name service, wherever it is placed: the kernel's table
 * (stage 1) or the name server (services/ns.c) in a domain (CONFIG_NS_IC1)
 * or a process (CONFIG_NS_IC2).  The same calls give the same results in
 * all; where the names are, and the name server's own protocol, are
 * checked where it runs; and in every build, that the capabilities the
 * kernel keeps for a domain are the domain's alone (stage 2's "ic1cap").
 */
#include <stdio.h>
#include <string.h>
#include "hm.h"
#include "ipc.h"
#include "ns.h"
#include "ns_proto.h"
#include "utest.h"
#include "../../../stage2-isolation/services/ic1cap.h"

#define SLOT_MYSVC UT_SLOT_FIRST
#define SLOT_FOUND (UT_SLOT_FIRST + 1)
#define SLOT_CONN (UT_SLOT_FIRST + 2)
#define SLOT_SRV (UT_SLOT_FIRST + 3)
#define SLOT_MEM (UT_SLOT_FIRST + 4)
#define SLOT_NS (UT_SLOT_FIRST + 5)
#define SLOT_NSCONN (UT_SLOT_FIRST + 6)

static unsigned uniq;

static void fresh(char *out, size_t n, const char *what)
{
    snprintf(out, n, "%s%u", what, ++uniq);
}

static long add_one(struct hm_msg *m)
{
    m->w[0] += 1;
    m->len = 0;
    return 0;
}

/* Is there a name server (the kernel's table has "ns")? */
static bool name_server(void)
{
    bool yes = hm_kernel_name_lookup("ns", SLOT_NS) == 0;
    hm_cap_delete(SLOT_NS);
    return yes;
}

/* Nothing left behind in the grant range (a look-up's capability lands in
 * the slot named, or is moved there from the range) */
static bool grant_range_empty(void)
{
    for (unsigned i = HM_IPC_GRANT_SLOT_BASE; i < HM_CSPACE_SLOTS; i++)
        if (hm_cap_info(i) != -HM_EBADCAP)
            return false;
    return true;
}

UTEST(ns_publish_look_up_call_and_revoke)
{
    char name[24];
    fresh(name, sizeof(name), "nst");
    UT_ASSERT_EQ(hm_service_register(add_one, 16384, 0, SLOT_MYSVC), 0);
    UT_ASSERT_EQ(hm_name_publish(name, SLOT_MYSVC), 0);
    UT_ASSERT_EQ(hm_name_publish(name, SLOT_MYSVC), -HM_EEXIST);
    /* a CALL-only copy, that works */
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_FOUND), 0);
    long info = hm_cap_info(SLOT_FOUND);
    UT_ASSERT_EQ(hm_cap_type(info), HM_CAP_SERVICE);
    UT_ASSERT_EQ(hm_cap_rights(info), HM_RIGHT_CALL);
    UT_ASSERT(grant_range_empty());
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_FOUND), -HM_EEXIST); /* the slot is taken */
    UT_ASSERT(grant_range_empty());
    UT_ASSERT_EQ(hm_connect(SLOT_FOUND, NULL, 0, SLOT_CONN), 0);
    struct hm_msg m = { .w = { 41 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), 0);
    UT_ASSERT_EQ(m.w[0], 42);
    /* where it is */
    long k = hm_kernel_name_lookup(name, SLOT_NS);
    hm_cap_delete(SLOT_NS);
    UT_ASSERT_EQ(k, name_server() ? -HM_ENOENT : 0);
    /* the publisher's revoke: the name, the looked-up copy and the connection go */
    UT_ASSERT(hm_cap_revoke(SLOT_MYSVC) >= 2);
    UT_ASSERT_EQ(hm_cap_info(SLOT_FOUND), -HM_EBADCAP);
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), -HM_EBADCAP);
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_FOUND), -HM_ENOENT);
    UT_ASSERT_EQ(hm_name_publish(name, SLOT_MYSVC), 0); /* free again */
    UT_ASSERT(hm_cap_revoke(SLOT_MYSVC) >= 1);
}

UTEST(ns_bad_requests_get_errors)
{
    char longname[HM_NAME_MAX + 2];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    UT_ASSERT_EQ(hm_service_register(add_one, 16384, 0, SLOT_MYSVC), 0);
    hm_name_lookup("no-such-name", SLOT_FOUND); /* the library's connection, if any, made now */
    UT_ASSERT_ERR_UNCHANGED(hm_name_publish("", SLOT_MYSVC), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_name_publish(longname, SLOT_MYSVC), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_name_lookup("", SLOT_FOUND), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_name_lookup(longname, SLOT_FOUND), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(hm_name_lookup("no-such-name", SLOT_FOUND), HM_ENOENT);
    UT_ASSERT_ERR_UNCHANGED(hm_name_publish("nsx", SLOT_FOUND), HM_EBADCAP); /* empty slot */
    /* publishing a CALL-only copy (it may not be handed on) */
    UT_ASSERT_EQ(hm_cap_copy(SLOT_MYSVC, HM_SLOT_SELF, SLOT_FOUND, HM_RIGHT_CALL), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_name_publish("nsx", SLOT_FOUND), HM_EPERM);
    UT_ASSERT_EQ(hm_name_wait("no-such-name", 20), -HM_EAGAIN);
    UT_ASSERT_EQ(hm_name_wait("", 20), -HM_EINVAL);
    UT_ASSERT_EQ(hm_name_lookup("no-such-name", SLOT_FOUND + 200), -HM_ENOENT);
}

/* A publisher that ends takes its name with it, and the name is free; and
 * nothing of it is left once it has ended, not even the name service's
 * copy of its capability (which would hold its service and memory). */
UTEST(ns_a_dead_publishers_name_goes)
{
    char name[24], arg[40];
    fresh(name, sizeof(name), "nsd");
    snprintf(arg, sizeof(arg), "echo %s", name);
    hm_name_lookup("no-such-name", SLOT_FOUND); /* the library's connection, if any, made now */
    struct ut_usage before, after;
    ut_usage_settled(&before);
    UT_ASSERT_EQ(hm_spawn("/bin/ipcsrv1", arg, SLOT_SRV), 0);
    UT_ASSERT_EQ(hm_name_wait(name, 2000), 0);
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_FOUND), 0);
    UT_ASSERT_EQ(hm_kill(SLOT_SRV), 0);
    UT_ASSERT_EQ(ut_wait_child(SLOT_SRV, 2000), HM_EXIT_KILLED | HM_KILL_BY_CAP);
    UT_ASSERT(hm_cap_info(SLOT_FOUND) & HM_CAP_INFO_GONE);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_FOUND), 0);
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_FOUND), -HM_ENOENT);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_SRV), 0);
    ut_usage_settled(&after); /* at once: not after a sweep of the name server's */
    UT_ASSERT_EQ(after.kobjs, before.kobjs);
    UT_ASSERT_EQ(after.free_frames, before.free_frames);
    UT_ASSERT_EQ(hm_service_register(add_one, 16384, 0, SLOT_MYSVC), 0);
    UT_ASSERT_EQ(hm_name_publish(name, SLOT_MYSVC), 0);
    UT_ASSERT(hm_cap_revoke(SLOT_MYSVC) >= 1);
}

/* The name server's own protocol, called directly (only where it runs). */
UTEST(ns_name_server_refuses_bad_messages)
{
    if (!name_server()) {
        hm_printf("ns_test: the kernel's table is the name service here: not tried\n");
        return;
    }
    char *buf = hm_va_reserve(1);
    UT_ASSERT(buf != NULL);
    UT_ASSERT_EQ(hm_kernel_name_lookup("ns", SLOT_NS), 0);
    UT_ASSERT_EQ(hm_connect(SLOT_NS, buf, HM_PAGE_SIZE, SLOT_NSCONN), 0);
    UT_ASSERT_EQ(hm_service_register(add_one, 16384, 0, SLOT_MYSVC), 0);
    struct hm_msg m = { .w = { 99 }, .len = 2 };
    memcpy(buf, "ab", 2);
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), -HM_ENOSYS);
    m = (struct hm_msg){ .w = { NS_LOOKUP }, .len = 3 };
    memcpy(buf, "a\0b", 3); /* a NUL inside */
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), -HM_EINVAL);
    m = (struct hm_msg){ .w = { NS_PUBLISH }, .len = 2 };
    memcpy(buf, "ab", 2);
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), -HM_EBADCAP); /* nothing granted */
    /* a capability that is not a service's */
    UT_ASSERT_EQ(hm_mem_create(HM_PAGE_SIZE, SLOT_MEM), 0);
    m = (struct hm_msg){ .w = { NS_PUBLISH }, .len = 2 };
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, SLOT_MEM), -HM_ETYPE);
    /* a name of the kernel's own table is taken */
    m = (struct hm_msg){ .w = { NS_PUBLISH }, .len = 2 };
    memcpy(buf, "ns", 2);
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, SLOT_MYSVC), -HM_EEXIST);
    /* a look-up grants a CALL-only copy in the reply and keeps nothing of it */
    char name[24];
    fresh(name, sizeof(name), "nsp");
    UT_ASSERT_EQ(hm_name_publish(name, SLOT_MYSVC), 0);
    m = (struct hm_msg){ .w = { NS_LOOKUP }, .len = strlen(name) };
    memcpy(buf, name, strlen(name));
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), 0);
    UT_ASSERT(m.grant >= HM_IPC_GRANT_SLOT_BASE && m.grant < HM_CSPACE_SLOTS);
    UT_ASSERT_EQ(hm_cap_rights(hm_cap_info(m.grant)), HM_RIGHT_CALL);
    UT_ASSERT_EQ(hm_cap_delete(m.grant), 0);
    /* where it runs: a domain (IC1) or a process (IC2) */
    m = (struct hm_msg){ .w = { NS_INFO } };
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), 0);
    UT_ASSERT(m.w[0] == 1 || m.w[0] == 2);
    /* a wait that ends, and one that runs out (a domain answers at once) */
    m = (struct hm_msg){ .w = { NS_WAIT, 10 }, .len = strlen(name) };
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), 0);
    m = (struct hm_msg){ .w = { NS_WAIT, 10 }, .len = 2 };
    memcpy(buf, "zz", 2);
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), -HM_EAGAIN);
    UT_ASSERT(hm_cap_revoke(SLOT_MYSVC) >= 1);
}

/* Kernel services (IC0, IC1) are found through the same call: with a name
 * server they stay in the kernel's table, and the library goes on there. */
UTEST(ns_finds_the_kernels_services_too)
{
    bool ns = name_server();
    UT_ASSERT_EQ(hm_name_lookup("ns", SLOT_FOUND), ns ? 0 : -HM_ENOENT);
    if (ns)
        UT_ASSERT_EQ(hm_cap_rights(hm_cap_info(SLOT_FOUND)), HM_RIGHT_CALL);
    /* and every build finds its system services */
    UT_ASSERT_EQ(hm_name_lookup("fs", SLOT_MEM), 0);
    UT_ASSERT_EQ(hm_name_lookup("mm", SLOT_NS), 0);
}

/* A table the kernel keeps for a domain (a name server in IC1) is worked on
 * only by that domain: a process calling "ic1cap" is refused, and a grant
 * to an in-kernel service that holds no capabilities is refused too, the
 * capability staying where it was.  In every build (stage 2 on). */
UTEST(ns_only_a_domain_works_on_its_capabilities)
{
    UT_ASSERT_EQ(hm_kernel_name_lookup(IC1CAP_NAME, SLOT_NS), 0);
    UT_ASSERT_EQ(hm_connect(SLOT_NS, NULL, 0, SLOT_NSCONN), 0);
    struct hm_msg m = { .w = { IC1CAP_INFO, 0 } };
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), -HM_EPERM);
    m = (struct hm_msg){ .w = { IC1CAP_DELETE, 16 } };
    UT_ASSERT_EQ(hm_call(SLOT_NSCONN, &m, HM_NO_SLOT), -HM_EPERM);
    UT_ASSERT_EQ(hm_service_register(add_one, 16384, 0, SLOT_MYSVC), 0);
    m = (struct hm_msg){ .w = { IC1CAP_INFO, 0 } };
    UT_ASSERT_ERR_UNCHANGED(hm_call(SLOT_NSCONN, &m, HM_GRANT(SLOT_MYSVC, HM_RIGHT_CALL)),
                            HM_EINVAL);
    long info = hm_cap_info(SLOT_MYSVC);
    UT_ASSERT_EQ(hm_cap_type(info), HM_CAP_SERVICE);
    UT_ASSERT(hm_cap_revoke(SLOT_MYSVC) == 0); /* nothing was copied from it */
}
