// SPDX-License-Identifier: MIT
/*
 * ipc_test.c - user tests of IPC by thread migration and of notifications.
 *
 * Servers are /bin/ipcsrv1 processes (tests/user/progs/ipcsrv1.c) started
 * per test under names unique to the test; the test program is the client,
 * and for the nested chain also a server itself.
 */
#include <stdio.h>
#include <string.h>

#include "hm.h"
#include "ipc.h"
#include "utest.h"
#include "progs/ipcsrv1.h"

#define SLOT_SRV UT_SLOT_FIRST /* the server process */
#define SLOT_SRV2 (UT_SLOT_FIRST + 1)
#define SLOT_SRV3 (UT_SLOT_FIRST + 2)
#define SLOT_SVC (UT_SLOT_FIRST + 3) /* service capability (looked up) */
#define SLOT_CONN (UT_SLOT_FIRST + 4)
#define SLOT_MEM (UT_SLOT_FIRST + 5)
#define SLOT_MYSVC (UT_SLOT_FIRST + 6)
#define SLOT_NOTE (UT_SLOT_FIRST + 7)
#define SLOT_THREADS (UT_SLOT_FIRST + 8) /* .. +15 */
#define SLOT_CONNS (UT_SLOT_FIRST + 16)  /* .. +23: one per client thread */

#define BUF_VA 0x28000000ul

static unsigned uniq;

/* A fresh name for this test: "<what><n>". */
static void fresh(char *out, size_t n, const char *what)
{
    snprintf(out, n, "%s%u", what, ++uniq);
}

/* Start an ipcsrv1 server and wait until its name appears. */
static void start_server(const char *role, const char *args, const char *name, unsigned slot)
{
    char arg[HM_NAME_MAX];
    snprintf(arg, sizeof(arg), "%s %s", role, args);
    long r = hm_spawn("/bin/ipcsrv1", arg, slot);
    if (r < 0)
        UT_FAIL("spawn ipcsrv1 %s: %ld", arg, r);
    uint64_t t0 = ut_now_ns();
    while (hm_name_lookup(name, SLOT_SVC) == -HM_ENOENT) {
        if (ut_now_ns() - t0 > 2 * HM_NS_PER_S)
            UT_FAIL("server %s did not publish its name", name);
        hm_sleep_ns(HM_NS_PER_MS);
    }
    hm_cap_delete(SLOT_SVC);
}

/* Connect to `name` with a buffer of `size` bytes at va (size 0: none). */
static void connect_at(const char *name, size_t size, unsigned conn, uint64_t va)
{
    long r = hm_name_lookup(name, SLOT_SVC);
    if (r == 0)
        r = hm_connect(SLOT_SVC, size ? (void *)va : NULL, size, conn);
    if (r < 0)
        UT_FAIL("connect to %s: %ld", name, r);
    hm_cap_delete(SLOT_SVC); /* the connection stays: it was made already */
}

/* ... with the buffer at BUF_VA. */
static void connect_to(const char *name, size_t size, unsigned conn)
{
    connect_at(name, size, conn, BUF_VA);
}

static void unmap_buf(void *arg)
{
    (void)arg;
    hm_cap_delete(SLOT_CONN); /* the connection unmaps its buffer */
}

/* ---------------------------------------------------------------------- */

UTEST(user_ipc_values_and_registers)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, 0, SLOT_CONN);
    /* Values through a call: 4 words each way, the badge of the connection. */
    struct hm_msg m = { .w = { IPCSRV_OP_ECHO, 41, 21, 0xff00 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT_EQ(m.w[0], 42);
    UT_ASSERT_EQ(m.w[1], 42);
    UT_ASSERT_EQ(m.w[2], 0xff00 ^ 21);
    UT_ASSERT(m.w[3] != 0);
    /* The caller's other registers come back as they were. */
    register uint64_t x19 __asm__("x19") = 0x1919;
    register uint64_t x28 __asm__("x28") = 0x2828;
    struct hm_msg m2 = { .w = { IPCSRV_OP_ECHO, 1, 2, 3 } };
    __asm__ volatile("" : "+r"(x19), "+r"(x28));
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m2, HM_NO_SLOT), IPCSRV_OK);
    __asm__ volatile("" : "+r"(x19), "+r"(x28));
    UT_ASSERT_EQ(x19, 0x1919);
    UT_ASSERT_EQ(x28, 0x2828);
    /* The server's first FP register is zero, not the caller's value. */
    __asm__ volatile("fmov d0, %0" ::"r"(0x1234567812345678ull) : "v0");
    struct hm_msg m3 = { .w = { IPCSRV_OP_FP } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m3, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT_EQ(m3.w[0], 0);
}

/* A raw assembly entry sees nothing but its arguments: x8..x30 are zero,
 * the FP registers do not hold the caller's values, sp is aligned. */
UTEST(user_ipc_server_sees_no_caller_registers)
{
    char name[32];
    fresh(name, sizeof(name), "raw");
    start_server("raw", name, name, SLOT_SRV);
    connect_to(name, 0, SLOT_CONN);
    __asm__ volatile("fmov d0, %0" ::"r"(0x1234567812345678ull) : "v0");
    struct hm_msg m = { .w = { 0, 77 } };
    long r = hm_call(SLOT_CONN, &m, HM_NO_SLOT);
    UT_ASSERT_EQ(r, 0);      /* OR of x8..x30 */
    UT_ASSERT_EQ(m.w[0], 0); /* d0 */
    UT_ASSERT_EQ(m.w[1], 0); /* sp & 15 */
    UT_ASSERT_EQ(m.w[2], 77);
}

UTEST(user_ipc_long_message_in_shared_buffer)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, 2 * HM_PAGE_SIZE, SLOT_CONN);
    ut_defer(unmap_buf, NULL);
    uint8_t *buf = (uint8_t *)BUF_VA;
    uint64_t sum = 0;
    for (int i = 0; i < 6000; i++) {
        buf[i] = (uint8_t)(i * 7);
        sum += buf[i];
    }
    struct hm_msg m = { .w = { IPCSRV_OP_SUMBUF }, .len = 6000 };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT_EQ(m.w[0], sum);
    UT_ASSERT_EQ(m.len, 100);
    UT_ASSERT_EQ(buf[0], 0xab);
    UT_ASSERT_EQ(buf[99], 0xab);
    /* A message longer than the buffer: refused, nothing happens. */
    struct hm_msg big = { .w = { IPCSRV_OP_SUMBUF }, .len = 2 * HM_PAGE_SIZE + 1 };
    UT_ASSERT_ERR_UNCHANGED(hm_call(SLOT_CONN, &big, HM_NO_SLOT), HM_EINVAL);
}

/* ---- nested chain A -> B -> C -> B -> A, stack reuse ---------------------- */

static long my_route_handler(struct hm_msg *m)
{
    /* We are "a": the end of the route; report our stack in w[depth-1]. */
    long depth = hm_ipc_info(HM_IPCI_DEPTH);
    long base = hm_ipc_info(HM_IPCI_STACK_BASE);
    for (int i = 0; i < 4; i++)
        m->w[i] = 0;
    if (depth >= 1 && depth <= 4)
        m->w[depth - 1] = (uint64_t)base;
    m->len = 0;
    return IPCSRV_OK;
}

UTEST(user_ipc_nested_chain_reuses_stack)
{
    char prefix[16], a[20], b[20], c[20];
    fresh(prefix, sizeof(prefix), "r");
    snprintf(a, sizeof(a), "%sa", prefix);
    snprintf(b, sizeof(b), "%sb", prefix);
    snprintf(c, sizeof(c), "%sc", prefix);
    /* We are A: our own service, so the chain can come back to us. */
    UT_ASSERT_EQ(hm_service_register(my_route_handler, 16384, 0, SLOT_MYSVC), 0);
    UT_ASSERT_EQ(hm_name_publish(a, SLOT_MYSVC), 0);
    char args[24];
    snprintf(args, sizeof(args), "%s b", prefix);
    start_server("route", args, b, SLOT_SRV);
    snprintf(args, sizeof(args), "%s c", prefix);
    start_server("route", args, c, SLOT_SRV2);
    connect_to(b, 0, SLOT_CONN);
    /* Route after B: C (3), then B (2), then A (1). */
    struct hm_msg m = { .w = { 0x123 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT(m.w[0] != 0 && m.w[1] != 0 && m.w[2] != 0 && m.w[3] != 0);
    UT_ASSERT_EQ(m.w[0], m.w[2]); /* B's second invocation ran on B's first stack */
    hm_cap_revoke(SLOT_MYSVC);    /* our name, and connections to us, go */
}

/* ---- several clients ---------------------------------------------------------- */

static atomic_long client_errors, client_calls;

static void client_thread(void *arg)
{
    unsigned conn = (unsigned)(uintptr_t)arg;
    for (uint64_t i = 0; i < 200; i++) {
        struct hm_msg m = { .w = { IPCSRV_OP_ECHO, i, i + 1, conn } };
        long r = hm_call(conn, &m, HM_NO_SLOT);
        if (r != IPCSRV_OK || m.w[0] != i + 1 || m.w[1] != 2 * (i + 1))
            hm_atomic_add(&client_errors, 1);
        hm_atomic_add(&client_calls, 1);
    }
}

UTEST(user_ipc_many_clients_one_server)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    long n = hm_info(HM_INFO_NCPUS);
    unsigned threads = n * 2 > 8 ? 8 : (unsigned)(n * 2);
    client_errors = 0;
    client_calls = 0;
    for (unsigned i = 0; i < threads; i++)
        connect_to(name, 0, SLOT_CONNS + i);
    for (unsigned i = 0; i < threads; i++)
        UT_ASSERT_EQ(hm_thread_spawn(client_thread, (void *)(uintptr_t)(SLOT_CONNS + i),
                                     (int)(i % n), SLOT_THREADS + i),
                     0);
    for (unsigned i = 0; i < threads; i++)
        ut_reap_thread(SLOT_THREADS + i, 10000);
    UT_ASSERT_EQ(client_errors, 0);
    UT_ASSERT_EQ(client_calls, threads * 200);
}

/* ---- accounting ------------------------------------------------------------------- */

UTEST(user_ipc_server_memory_charged_to_root_caller)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, 0, SLOT_CONN);
    long before = hm_account(HM_ACCT_MEM_PAGES);
    long total0 = hm_account(HM_ACCT_MEM_PAGES_TOTAL);
    long cpu0 = hm_account(HM_ACCT_CPU_NS_SERVERS);
    struct hm_msg m = { .w = { IPCSRV_OP_MAP, 8 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), 0);
    UT_ASSERT_EQ(hm_account(HM_ACCT_MEM_PAGES), before + 8);
    UT_ASSERT_EQ(hm_account(HM_ACCT_MEM_PAGES_TOTAL), total0 + 8);
    UT_ASSERT(hm_account(HM_ACCT_CPU_NS_SERVERS) > cpu0);
    UT_ASSERT(hm_account(HM_ACCT_CPU_NS) >= hm_account(HM_ACCT_CPU_NS_SERVERS));
    struct hm_msg u = { .w = { IPCSRV_OP_UNMAP, 8 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &u, HM_NO_SLOT), 0);
    UT_ASSERT_EQ(hm_account(HM_ACCT_MEM_PAGES), before);
    /* The root caller of the chain is us, also as seen inside the server. */
    struct hm_msg i = { .w = { IPCSRV_OP_INFO, HM_IPCI_ROOT_PID } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &i, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT_EQ(i.w[0], (uint64_t)hm_info(HM_INFO_PID));
}

/* ---- failure ------------------------------------------------------------------------ */

UTEST(user_ipc_server_fault_gives_caller_error)
{
    char name[32];
    struct ut_usage before;
    ut_usage_get(&before);
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, 0, SLOT_CONN);
    struct hm_msg m = { .w = { IPCSRV_OP_FAULT, 0x10 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), -HM_EPIPE);
    UT_ASSERT_EQ(ut_wait_child(SLOT_SRV, 2000), HM_EXIT_KILLED | HM_KILL_FAULT);
    /* The connection stays, the server does not: calls fail, nothing hangs. */
    struct hm_msg e = { .w = { IPCSRV_OP_ECHO } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &e, HM_NO_SLOT), -HM_EPIPE);
    hm_cap_delete(SLOT_CONN);
    hm_cap_delete(SLOT_SRV);
    UT_ASSERT_USAGE_BACK(&before); /* the server's stacks and memory are all back */
}

struct holder {
    unsigned conn;
    volatile int go;
    long result;
    volatile uint8_t *flag; /* byte 0 of its connection's buffer */
};

/* Wait for h->go, then call OP_HOLD: sit in the server until BUF_VA[0] != 0. */
static void hold_call(void *arg)
{
    struct holder *h = arg;
    while (!h->go)
        hm_sleep_ns(HM_NS_PER_MS);
    struct hm_msg m = { .w = { IPCSRV_OP_HOLD } };
    h->result = hm_call(h->conn, &m, HM_NO_SLOT);
}

/* A caller blocked inside a server that is killed gets an error, at once. */
UTEST(user_ipc_server_killed_mid_call)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, HM_PAGE_SIZE, SLOT_CONN);
    ut_defer(unmap_buf, NULL);
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_SVC), 0); /* kept: it says when the server is gone */
    UT_ASSERT_EQ(hm_cap_info(SLOT_SVC) & HM_CAP_INFO_GONE, 0);
    *(volatile uint8_t *)BUF_VA = 0;
    static struct holder h;
    h = (struct holder){ SLOT_CONN, 1, 0, (volatile uint8_t *)BUF_VA };
    UT_ASSERT_EQ(hm_thread_spawn(hold_call, &h, -1, SLOT_THREADS), 0);
    hm_sleep_ns(30 * HM_NS_PER_MS); /* it is inside the server now */
    uint64_t t0 = ut_now_ns();
    UT_ASSERT_EQ(hm_kill(SLOT_SRV), 0);
    ut_reap_thread(SLOT_THREADS, 1000);
    UT_ASSERT_EQ(h.result, -HM_EPIPE);
    UT_ASSERT(ut_now_ns() - t0 < HM_NS_PER_S);
    UT_ASSERT_EQ(ut_wait_child(SLOT_SRV, 2000), HM_EXIT_KILLED | HM_KILL_BY_CAP);
    long info = hm_cap_info(SLOT_SVC);
    UT_ASSERT(info & HM_CAP_INFO_GONE);
    UT_ASSERT_EQ(hm_cap_type(info),
                 HM_CAP_SERVICE); /* the bit leaves type and rights as they were */
    UT_ASSERT_EQ(hm_cap_rights(info), HM_RIGHT_CALL);
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_SVC + 100), -HM_ENOENT); /* its name went with it */
}

/* ---- bad input ----------------------------------------------------------------------- */

UTEST(user_ipc_bad_input_changes_nothing)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_SVC), 0);
    struct hm_msg m = { .w = { IPCSRV_OP_ECHO } };
    /* not a connection, an empty slot, a slot out of range */
    UT_ASSERT_ERR_UNCHANGED(hm_call(SLOT_SVC, &m, HM_NO_SLOT), HM_ETYPE);
    UT_ASSERT_ERR_UNCHANGED(hm_call(SLOT_CONN, &m, HM_NO_SLOT), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_call(9999, &m, HM_NO_SLOT), HM_EBADCAP);
    /* connect: unaligned, too big, a buffer address that is not ours to use */
    UT_ASSERT_ERR_UNCHANGED(hm_connect(SLOT_SVC, (void *)BUF_VA, 100, SLOT_CONN), HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(
            hm_connect(SLOT_SVC, (void *)BUF_VA, HM_IPC_BUF_MAX + HM_PAGE_SIZE, SLOT_CONN),
            HM_EINVAL);
    UT_ASSERT_ERR_UNCHANGED(
            hm_connect(SLOT_SVC, (void *)0xffffffff80000000ul, HM_PAGE_SIZE, SLOT_CONN), HM_ERANGE);
    /* a reply with no call in progress */
    UT_ASSERT_ERR_UNCHANGED(hm_syscall0(HM_SYS_REPLY), HM_EINVAL);
    /* a grant of a capability that may not be granted */
    UT_ASSERT_EQ(hm_connect(SLOT_SVC, NULL, 0, SLOT_CONN), 0);
    UT_ASSERT_EQ(hm_mem_create(HM_PAGE_SIZE, SLOT_MEM), 0);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_MEM, HM_SLOT_SELF, SLOT_MEM + 1, HM_RIGHT_READ), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_call(SLOT_CONN, &m, SLOT_MEM + 1), HM_EPERM);
    /* publishing without GRANT (a looked-up capability is CALL-only) */
    UT_ASSERT_ERR_UNCHANGED(hm_name_publish("x", SLOT_SVC), HM_EPERM);
}

UTEST(user_ipc_revoked_connection_fails)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, HM_PAGE_SIZE, SLOT_CONN);
    struct hm_msg m = { .w = { IPCSRV_OP_ECHO } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    /* We hold a copy of the service capability and a connection made with
     * it; revoking our own capability to the service... */
    UT_ASSERT_EQ(hm_name_lookup(name, SLOT_SVC), 0);
    UT_ASSERT_EQ(hm_connect(SLOT_SVC, NULL, 0, SLOT_CONN + 1), 0);
    UT_ASSERT(hm_cap_revoke(SLOT_SVC) >= 1);
    /* ...removes that connection: calls on it fail and change nothing. */
    UT_ASSERT_ERR_UNCHANGED(hm_call(SLOT_CONN + 1, &m, HM_NO_SLOT), HM_EBADCAP);
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK); /* the other one lives */
    hm_cap_delete(SLOT_CONN);                                    /* unmaps its buffer */
}

UTEST(user_ipc_max_chain_depth)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, 0, SLOT_CONN);
    struct hm_msg m = { .w = { IPCSRV_OP_RECURSE } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT_EQ(m.w[0], HM_IPC_MAX_DEPTH); /* the deepest invocation was refused one more */
}

UTEST(user_ipc_grant_inside_call)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, 0, SLOT_CONN);
    UT_ASSERT_EQ(hm_mem_create(HM_PAGE_SIZE, SLOT_MEM), 0);
    UT_ASSERT_EQ(hm_mem_map(SLOT_MEM, (void *)BUF_VA, HM_PROT_READ), 0);
    struct hm_msg m = { .w = { IPCSRV_OP_GRANT, 0xfeedf00d } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, SLOT_MEM), 0);
    UT_ASSERT_EQ(*(volatile uint64_t *)BUF_VA, 0xfeedf00d); /* the server wrote it */
    UT_ASSERT_EQ(hm_unmap((void *)BUF_VA, HM_PAGE_SIZE), 0);
}

UTEST(user_ipc_reply_grants_a_capability)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, 0, SLOT_CONN);
    /* a read-only copy of the server's page: it lands in our grant range */
    struct hm_msg m = { .w = { IPCSRV_OP_GIVE, 0x5eed, HM_RIGHT_READ } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    unsigned got = m.grant;
    UT_ASSERT(got >= HM_IPC_GRANT_SLOT_BASE && got < HM_CSPACE_SLOTS);
    UT_ASSERT_EQ(m.len, 0);
    long info = hm_cap_info(got);
    UT_ASSERT_EQ(hm_cap_type(info), HM_CAP_MEMORY);
    UT_ASSERT_EQ(hm_cap_rights(info), HM_RIGHT_READ);
    UT_ASSERT_EQ(hm_mem_map(got, (void *)BUF_VA, HM_PROT_READ | HM_PROT_WRITE), -HM_EPERM);
    UT_ASSERT_EQ(hm_mem_map(got, (void *)BUF_VA, HM_PROT_READ), 0);
    UT_ASSERT_EQ(*(volatile uint64_t *)BUF_VA, 0x5eed); /* the server's page */
    UT_ASSERT_EQ(hm_unmap((void *)BUF_VA, HM_PAGE_SIZE), 0);
    /* 0 rights: the source's own (R|W|X|GRANT for a new memory object) */
    m = (struct hm_msg){ .w = { IPCSRV_OP_GIVE, 1, 0 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT(m.grant != got && m.grant >= HM_IPC_GRANT_SLOT_BASE);
    UT_ASSERT(hm_cap_rights(hm_cap_info(m.grant)) & HM_RIGHT_WRITE);
    UT_ASSERT_EQ(hm_cap_delete(m.grant), 0);
    /* a move: the server's own copy goes with the reply (slot 4: ipcsrv1's SLOT_GIVEN) */
    m = (struct hm_msg){ .w = { IPCSRV_OP_CAPINFO, 4 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT_EQ(hm_cap_type((long)m.w[0]), HM_CAP_MEMORY); /* kept by a plain grant */
    m = (struct hm_msg){ .w = { IPCSRV_OP_GIVE, 7, HM_RIGHT_READ | HM_GRANT_MOVE } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT_EQ(hm_cap_rights(hm_cap_info(m.grant)), HM_RIGHT_READ);
    UT_ASSERT_EQ(hm_cap_delete(m.grant), 0);
    m = (struct hm_msg){ .w = { IPCSRV_OP_CAPINFO, 4 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT_EQ((long)m.w[0], -HM_EBADCAP); /* moved */
    /* a call cannot move (the caller deletes its own after the call) */
    UT_ASSERT_EQ(hm_mem_create(HM_PAGE_SIZE, SLOT_MEM), 0);
    m = (struct hm_msg){ .w = { IPCSRV_OP_GRANT, 9 } };
    UT_ASSERT_ERR_UNCHANGED(hm_call(SLOT_CONN, &m, HM_GRANT(SLOT_MEM, HM_GRANT_MOVE)), HM_EPERM);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_MEM), 0);
    /* refused replies: the server answers with the kernel's error, no grant */
    m = (struct hm_msg){ .w = { IPCSRV_OP_GIVE, 2, HM_RIGHT_CONTROL } }; /* a right it lacks */
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), -HM_EPERM);
    UT_ASSERT_EQ(m.grant, HM_NO_SLOT);
    m = (struct hm_msg){ .w = { IPCSRV_OP_GIVE, 3, HM_RIGHT_READ, 200 } }; /* an empty slot */
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), -HM_EBADCAP);
    UT_ASSERT_EQ(m.grant, HM_NO_SLOT);
    /* our grant range full: -HM_ENOSPC, and nothing of ours changed */
    for (unsigned i = HM_IPC_GRANT_SLOT_BASE; i < HM_CSPACE_SLOTS; i++)
        if (i != got)
            UT_ASSERT_EQ(hm_cap_copy(got, HM_SLOT_SELF, i, HM_RIGHT_READ), 0);
    m = (struct hm_msg){ .w = { IPCSRV_OP_GIVE, 4, HM_RIGHT_READ } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_NO_SLOT), -HM_ENOSPC);
    for (unsigned i = HM_IPC_GRANT_SLOT_BASE; i < HM_CSPACE_SLOTS; i++)
        UT_ASSERT_EQ(hm_cap_delete(i), 0);
    /* a call's grant with fewer rights: the server gets what we name */
    UT_ASSERT_EQ(hm_mem_create(HM_PAGE_SIZE, SLOT_MEM), 0);
    m = (struct hm_msg){ .w = { IPCSRV_OP_GRANT, 9 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONN, &m, HM_GRANT(SLOT_MEM, HM_RIGHT_READ | HM_RIGHT_GRANT)),
                 -HM_EPERM); /* it may not map the page writable */
    m = (struct hm_msg){ .w = { IPCSRV_OP_GRANT, 9 } };
    UT_ASSERT_ERR_UNCHANGED(hm_call(SLOT_CONN, &m, HM_GRANT(SLOT_MEM, HM_RIGHT_CONTROL)), HM_EPERM);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_MEM), 0);
}

/* A call that names a receive slot (x0's upper half): the reply's
 * capability lands there if it is free when the reply comes, in the grant
 * range if not, or if the slot is out of the table; a reply that grants
 * nothing leaves it empty.  The connection is x0's lower half either way
 * (on the fast path too). */
UTEST(user_ipc_reply_grant_lands_in_the_receive_slot)
{
    char name[32];
    fresh(name, sizeof(name), "echo");
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, 0, SLOT_CONN);
    struct hm_msg m = { .w = { IPCSRV_OP_GIVE, 0x5eed, HM_RIGHT_READ } };
    UT_ASSERT_EQ(hm_call_recv(SLOT_CONN, &m, HM_NO_SLOT, SLOT_MEM), IPCSRV_OK);
    UT_ASSERT_EQ(m.grant, SLOT_MEM);
    long info = hm_cap_info(SLOT_MEM);
    UT_ASSERT_EQ(hm_cap_type(info), HM_CAP_MEMORY);
    UT_ASSERT_EQ(hm_cap_rights(info), HM_RIGHT_READ);
    /* taken now: the next one goes to the grant range, ours stays */
    m = (struct hm_msg){ .w = { IPCSRV_OP_GIVE, 1, HM_RIGHT_READ } };
    UT_ASSERT_EQ(hm_call_recv(SLOT_CONN, &m, HM_NO_SLOT, SLOT_MEM), IPCSRV_OK);
    UT_ASSERT(m.grant >= HM_IPC_GRANT_SLOT_BASE && m.grant < HM_CSPACE_SLOTS);
    UT_ASSERT_EQ(hm_cap_delete(m.grant), 0);
    UT_ASSERT_EQ(hm_mem_map(SLOT_MEM, (void *)BUF_VA, HM_PROT_READ), 0);
    UT_ASSERT_EQ(*(volatile uint64_t *)BUF_VA, 0x5eed); /* the first page */
    UT_ASSERT_EQ(hm_unmap((void *)BUF_VA, HM_PAGE_SIZE), 0);
    UT_ASSERT_EQ(hm_cap_delete(SLOT_MEM), 0);
    /* out of the table: the grant range */
    const unsigned outside[] = { HM_CSPACE_SLOTS, 0xffffffffu };
    for (unsigned i = 0; i < 2; i++) {
        m = (struct hm_msg){ .w = { IPCSRV_OP_GIVE, 2, HM_RIGHT_READ } };
        UT_ASSERT_EQ(hm_call_recv(SLOT_CONN, &m, HM_NO_SLOT, outside[i]), IPCSRV_OK);
        UT_ASSERT(m.grant >= HM_IPC_GRANT_SLOT_BASE && m.grant < HM_CSPACE_SLOTS);
        UT_ASSERT_EQ(hm_cap_delete(m.grant), 0);
    }
    /* nothing granted back: the slot stays empty, the call is an echo */
    for (unsigned i = 0; i < 2; i++) { /* the first binds a stack, the second is the fast path */
        m = (struct hm_msg){ .w = { IPCSRV_OP_ECHO, 41, 2, 3 } };
        UT_ASSERT_EQ(hm_call_recv(SLOT_CONN, &m, HM_NO_SLOT, SLOT_MEM), IPCSRV_OK);
        UT_ASSERT_EQ(m.w[0], 42);
        UT_ASSERT_EQ(m.grant, HM_NO_SLOT);
        UT_ASSERT_EQ(hm_cap_info(SLOT_MEM), -HM_EBADCAP);
    }
}

/* ---- memory exhaustion: the reserve and a reclaim --------------------------------------- */

#define EXHAUST_VA 0x100000000ul
static uint64_t exhausted_bytes;

static void unexhaust(void *arg)
{
    (void)arg;
    /* Unmap chunk by chunk: the mappings were made in pieces. */
    uint64_t off = 0;
    for (uint64_t chunk = 64ul << 20; chunk >= HM_PAGE_SIZE; chunk /= 2)
        while (off + chunk <= exhausted_bytes && hm_unmap((void *)(EXHAUST_VA + off), chunk) == 0)
            off += chunk;
    exhausted_bytes = 0;
}

UTEST(user_ipc_call_under_memory_exhaustion_reclaims)
{
    char name[32], mmname[32];
    fresh(name, sizeof(name), "echo");
    fresh(mmname, sizeof(mmname), "mm");
    start_server("mm", mmname, mmname, SLOT_SRV2);
    start_server("echo", name, name, SLOT_SRV);
    connect_to(name, HM_PAGE_SIZE, SLOT_CONN);
    ut_defer(unmap_buf, NULL);
    *(volatile uint8_t *)BUF_VA = 0;
    /* Four threads that will call (and stay in) the echo service. */
    static struct holder h[4];
    for (unsigned i = 0; i < 4; i++) {
        uint64_t va = BUF_VA + (i + 1) * 0x10000;
        h[i] = (struct holder){ SLOT_CONNS + i, 0, 0, (volatile uint8_t *)va };
        connect_at(name, HM_PAGE_SIZE, h[i].conn, va);
        *h[i].flag = 0;
        UT_ASSERT_EQ(hm_thread_spawn(hold_call, &h[i], -1, SLOT_THREADS + i), 0);
    }
    /* Exhaust memory: map until nothing is left. */
    ut_defer(unexhaust, NULL);
    for (uint64_t chunk = 64ul << 20; chunk >= HM_PAGE_SIZE; chunk /= 2)
        while (hm_map((void *)(EXHAUST_VA + exhausted_bytes), chunk,
                      HM_PROT_READ | HM_PROT_WRITE) == 0)
            exhausted_bytes += chunk;
    UT_ASSERT(hm_info(HM_INFO_FREE_FRAMES) < 8);
    /* Two calls take the pool's two stacks; the third finds it empty and
     * cannot grow it: the kernel calls the memory manager (on its reserve
     * stack), which frees its cache, and the call is retried and succeeds. */
    for (unsigned i = 0; i < 4; i++)
        h[i].go = 1;
    hm_sleep_ns(100 * HM_NS_PER_MS);
    struct hm_msg m = { .w = { IPCSRV_OP_ECHO, 1, 2, 3 } };
    long r = hm_call(SLOT_CONN, &m, HM_NO_SLOT);
    for (unsigned i = 0; i < 4; i++)
        *h[i].flag = 1; /* let the holders go */
    UT_ASSERT_EQ(r, IPCSRV_OK);
    UT_ASSERT_EQ(m.w[0], 2);
    for (unsigned i = 0; i < 4; i++) {
        ut_reap_thread(SLOT_THREADS + i, 6000);
        UT_ASSERT_EQ(h[i].result, IPCSRV_OK);
    }
    unexhaust(NULL);
    /* The memory manager was called to reclaim, and gave its cache back. */
    connect_to(mmname, 0, SLOT_CONNS + 4);
    struct hm_msg q = { .w = { 0 } };
    UT_ASSERT_EQ(hm_call(SLOT_CONNS + 4, &q, HM_NO_SLOT), IPCSRV_OK);
    UT_ASSERT(q.w[0] >= 1);  /* reclaims */
    UT_ASSERT_EQ(q.w[1], 0); /* cache pages left */
}

/* ---- notifications ------------------------------------------------------------------ */

UTEST(user_notify_signal_wait)
{
    UT_ASSERT_EQ(hm_notify_create(SLOT_NOTE), 0);
    UT_ASSERT_EQ(hm_notify_signal(SLOT_NOTE, 0x5), 0);
    UT_ASSERT_EQ(hm_notify_signal(SLOT_NOTE, 0x8), 0);
    UT_ASSERT_EQ(hm_notify_wait(SLOT_NOTE, 0), 0xd); /* both, then cleared */
    uint64_t t0 = ut_now_ns();
    UT_ASSERT_EQ(hm_notify_wait(SLOT_NOTE, 30 * HM_NS_PER_MS), 0); /* timed out */
    UT_ASSERT(ut_now_ns() - t0 >= 30 * HM_NS_PER_MS);
    /* bad input */
    UT_ASSERT_ERR_UNCHANGED(hm_notify_signal(SLOT_NOTE + 1, 1), HM_EBADCAP);
    UT_ASSERT_ERR_UNCHANGED(hm_notify_signal(SLOT_NOTE, 0), HM_EINVAL);
    UT_ASSERT_EQ(hm_cap_copy(SLOT_NOTE, HM_SLOT_SELF, SLOT_NOTE + 1, HM_RIGHT_READ), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_notify_signal(SLOT_NOTE + 1, 1), HM_EPERM);
    UT_ASSERT_ERR_UNCHANGED(hm_notify_wait(SLOT_MEM, 1), HM_EBADCAP);
}

UTEST(user_notify_timer_wakes_waiter)
{
    UT_ASSERT_EQ(hm_notify_create(SLOT_NOTE), 0);
    uint64_t t0 = ut_now_ns();
    UT_ASSERT_EQ(hm_notify_timer(SLOT_NOTE, 0x2, 10 * HM_NS_PER_MS), 0);
    for (int i = 0; i < 3; i++)
        UT_ASSERT_EQ(hm_notify_wait(SLOT_NOTE, 0), 0x2); /* blocks until the timer fires */
    uint64_t dt = ut_now_ns() - t0;
    UT_ASSERT(dt >= 25 * HM_NS_PER_MS);
    UT_ASSERT(dt < 2 * HM_NS_PER_S);
    UT_ASSERT_EQ(hm_notify_timer(SLOT_NOTE, 0, 0), 0); /* stopped */
    hm_notify_wait(SLOT_NOTE, 15 * HM_NS_PER_MS);      /* drain one that raced */
    UT_ASSERT_EQ(hm_notify_wait(SLOT_NOTE, 30 * HM_NS_PER_MS), 0);
    UT_ASSERT_ERR_UNCHANGED(hm_notify_timer(SLOT_NOTE, 1, 1000), HM_EINVAL); /* < 1 ms */
}
