// SPDX-License-Identifier: MIT
/*
 * ipcsrv1.c - the IPC test and benchmark server.
 *
 * Started by the user tests and the benchmark with one of these arguments:
 *   "echo <name>"            a service with the operations of ipcsrv1.h
 *   "route <prefix> <x>"     a service named <prefix><x> that forwards a call
 *                            along a route of services <prefix>a/b/c (nested
 *                            chains, stack reuse)
 *   "mm <name>"              a memory manager: holds a cache of pages and gives
 *                            them back when the kernel calls it to reclaim
 *   "raw <name>"             a service whose entry is assembly that reports
 *                            which registers it received non-zero
 *   "chain <name> [next]"    a service that calls `next` (if given) and
 *                            returns; the chain benchmark
 * It publishes the service under its name, then waits for ever (a server's
 * own thread only waits; the calls run on the callers' threads).
 */
#include <stdbool.h>
#include <string.h>

#include "hm.h"
#include "ipc.h"
#include "ipcsrv1.h"

#define SLOT_SVC 2
#define SLOT_WAIT 3
#define SLOT_GIVEN 4     /* the page IPCSRV_OP_GIVE gave last (kept until the next) */
#define SLOT_CONN_BASE 8 /* connections made lazily, one per target */
#define PRIVATE_VA 0x30000000ul

static char route_prefix[HM_NAME_MAX];
static long reclaims, cache_pages;

/* ---- "echo": the general test service ----------------------------------- */

static long echo(struct hm_msg *m)
{
    switch (m->w[0]) {
    case IPCSRV_OP_NULL:
        return 0;
    case IPCSRV_OP_ECHO: /* reply: w1+1, w2*2, w3^w2, the badge */
        m->w[0] = m->w[1] + 1;
        m->w[1] = m->w[2] * 2;
        m->w[2] = m->w[3] ^ m->w[2];
        m->w[3] = m->badge;
        m->len = 0;
        return IPCSRV_OK;
    case IPCSRV_OP_SUMBUF: { /* sum the message bytes; reply with 100 bytes of 0xab */
        const uint8_t *b = m->buf;
        uint64_t sum = 0;
        for (uint64_t i = 0; i < m->len; i++)
            sum += b[i];
        memset(m->buf, 0xab, 100);
        m->len = 100;
        m->w[0] = sum;
        return IPCSRV_OK;
    }
    case IPCSRV_OP_MAP: /* map w1 pages (charged to the root caller) */
        m->len = 0;
        return hm_map((void *)PRIVATE_VA, m->w[1] * HM_PAGE_SIZE, HM_PROT_READ | HM_PROT_WRITE);
    case IPCSRV_OP_UNMAP:
        m->len = 0;
        return hm_unmap((void *)PRIVATE_VA, m->w[1] * HM_PAGE_SIZE);
    case IPCSRV_OP_FAULT:
        *(volatile uint64_t *)(uintptr_t)m->w[1] = 1; /* dies here: an unmapped address */
        return IPCSRV_OK;
    case IPCSRV_OP_HOLD: { /* keep this stack busy until the caller's buffer says go */
        volatile uint8_t *flag = m->buf;
        uint64_t t0 = hm_now_ns();
        while (!*flag && hm_now_ns() - t0 < 5 * HM_NS_PER_S)
            hm_sleep_ns(HM_NS_PER_MS);
        m->len = 0;
        return *flag ? IPCSRV_OK : IPCSRV_TIMEOUT;
    }
    case IPCSRV_OP_RECURSE: { /* call ourselves until the kernel refuses: report the depth */
        long depth = hm_ipc_info(HM_IPCI_DEPTH), r;
        /* Connected once, by the outermost level: a look-up may be a call
         * itself (a name server, stage 3), which the deepest could not make. */
        if (hm_cap_info(SLOT_CONN_BASE + 1) < 0) {
            r = hm_name_lookup(route_prefix, SLOT_CONN_BASE);
            if (r < 0 && r != -HM_EEXIST)
                return r;
            r = hm_connect(SLOT_CONN_BASE, NULL, 0, SLOT_CONN_BASE + 1);
            if (r < 0 && r != -HM_EEXIST)
                return r;
        }
        struct hm_msg in = { .w = { IPCSRV_OP_RECURSE } };
        r = hm_call(SLOT_CONN_BASE + 1, &in, HM_NO_SLOT);
        m->len = 0;
        if (r == -HM_ELOOP) { /* we are the deepest */
            m->w[0] = (uint64_t)depth;
            return IPCSRV_OK;
        }
        m->w[0] = in.w[0];
        return r;
    }
    case IPCSRV_OP_GRANT: { /* map the granted memory capability, write to it */
        unsigned slot = m->grant;
        m->len = 0;
        if (slot == HM_NO_SLOT)
            return -HM_EBADCAP;
        long r = hm_mem_map(slot, (void *)(PRIVATE_VA + 0x1000000), HM_PROT_READ | HM_PROT_WRITE);
        if (r == 0) {
            *(volatile uint64_t *)(PRIVATE_VA + 0x1000000) = m->w[1];
            r = hm_unmap((void *)(PRIVATE_VA + 0x1000000), HM_PAGE_SIZE);
        }
        hm_cap_delete(slot);
        return r;
    }
    case IPCSRV_OP_GIVE: { /* a page with w1 in it, granted back in the reply */
        /* The reply ends the call, so nothing runs after it here: the
         * page given last time goes now (the client's copy stays). */
        void *at = (void *)(PRIVATE_VA + 0x2000000);
        hm_cap_delete(SLOT_GIVEN);
        long r = hm_mem_create(HM_PAGE_SIZE, SLOT_GIVEN);
        if (r == 0)
            r = hm_mem_map(SLOT_GIVEN, at, HM_PROT_READ | HM_PROT_WRITE);
        if (r < 0)
            return r;
        *(volatile uint64_t *)at = m->w[1];
        hm_unmap(at, HM_PAGE_SIZE);
        unsigned slot = m->w[3] ? (unsigned)m->w[3] : SLOT_GIVEN;
        m->len = (uint64_t)HM_GRANT(slot, m->w[2]) << 32;
        return IPCSRV_OK;
    }
    case IPCSRV_OP_CAPINFO:
        m->w[0] = (uint64_t)hm_cap_info((unsigned)m->w[1]);
        m->len = 0;
        return IPCSRV_OK;
    case IPCSRV_OP_INFO:
        m->w[0] = (uint64_t)hm_ipc_info((unsigned)m->w[1]);
        m->len = 0;
        return IPCSRV_OK;
    case IPCSRV_OP_FP: { /* touch FP/SIMD: report what v0 held (must be 0) */
        uint64_t v0;
        __asm__ volatile("fmov %0, d0" : "=r"(v0));
        __asm__ volatile("fmov d0, %0" ::"r"(0x5555555555555555ull) : "v0");
        m->w[0] = v0;
        m->len = 0;
        return IPCSRV_OK;
    }
    default:
        return -HM_ENOSYS;
    }
}

/* ---- "route": nested chains ------------------------------------------------ */

/* w[0] holds the rest of the route, one service a nibble (1 = a, 2 = b,
 * 3 = c), lowest nibble first.  Each hop calls the next, then writes the
 * base of the stack it ran on into reply word depth-1. */
static long route(struct hm_msg *m)
{
    unsigned next = m->w[0] & 0xf;
    long depth = hm_ipc_info(HM_IPCI_DEPTH);
    long base = hm_ipc_info(HM_IPCI_STACK_BASE);
    long r = IPCSRV_OK;
    if (next >= 1 && next <= 3) {
        unsigned conn = SLOT_CONN_BASE + 2 * next;
        if (hm_cap_info(conn) < 0) {
            char name[HM_NAME_MAX];
            size_t n = strlen(route_prefix);
            memcpy(name, route_prefix, n);
            name[n] = (char)('a' + next - 1);
            name[n + 1] = '\0';
            r = hm_name_lookup(name, conn - 1);
            if (r == 0)
                r = hm_connect(conn - 1, NULL, 0, conn);
            if (r < 0)
                return r;
        }
        struct hm_msg in = { .w = { m->w[0] >> 4 } };
        r = hm_call(conn, &in, HM_NO_SLOT);
        for (int i = 0; i < 4; i++)
            m->w[i] = in.w[i];
    } else {
        for (int i = 0; i < 4; i++)
            m->w[i] = 0;
    }
    if (depth >= 1 && depth <= 4)
        m->w[depth - 1] = (uint64_t)base;
    m->len = 0;
    return r;
}

/* ---- "chain": forward to the next service, nothing else ------------------ */

static bool chain_has_next;

static long chain(struct hm_msg *m)
{
    if (!chain_has_next)
        return 0;
    struct hm_msg in = { .w = { 0 } };
    m->len = 0;
    return hm_call(SLOT_CONN_BASE + 1, &in, HM_NO_SLOT);
}

/* ---- "mm": the memory manager ------------------------------------------------ */

#define CACHE_VA 0x40000000ul

static long mm(struct hm_msg *m)
{
    m->len = 0;
    if (m->badge == HM_RECLAIM_BADGE) { /* the kernel ran out of memory */
        reclaims++;
        long freed = cache_pages;
        if (cache_pages && hm_unmap((void *)CACHE_VA, cache_pages * HM_PAGE_SIZE) == 0)
            cache_pages = 0;
        else
            freed = 0;
        m->w[0] = (uint64_t)freed;
        return IPCSRV_OK;
    }
    m->w[0] = (uint64_t)reclaims;
    m->w[1] = (uint64_t)cache_pages;
    return IPCSRV_OK;
}

/* ---- "raw": the registers a server receives ------------------------------------ */

/* In assembly so that no compiled code runs before we look: x0 = OR of
 * x8..x30 (must be 0), x1 = v0 (must be 0: trapped and zeroed, never the
 * caller's), x2 = sp & 15 (must be 0), x3 = the message word 1 (echo,
 * which arrives in x2). */
__asm__(".text\n"
        ".globl raw_entry\n"
        "raw_entry:\n"
        "  orr x9, x8, x9\n  orr x9, x9, x10\n  orr x9, x9, x11\n  orr x9, x9, x12\n"
        "  orr x9, x9, x13\n  orr x9, x9, x14\n  orr x9, x9, x15\n  orr x9, x9, x16\n"
        "  orr x9, x9, x17\n  orr x9, x9, x18\n  orr x9, x9, x19\n  orr x9, x9, x20\n"
        "  orr x9, x9, x21\n  orr x9, x9, x22\n  orr x9, x9, x23\n  orr x9, x9, x24\n"
        "  orr x9, x9, x25\n  orr x9, x9, x26\n  orr x9, x9, x27\n  orr x9, x9, x28\n"
        "  orr x9, x9, x29\n  orr x9, x9, x30\n"
        "  mov x10, sp\n  and x10, x10, #15\n"
        "  mov x3, x2\n"
        "  fmov x1, d0\n"
        "  mov x0, x9\n  mov x2, x10\n  mov x4, #0\n  mov x5, #0\n"
        "  mov x8, #" HM_STR(HM_SYS_REPLY) "\n"
                                           "  svc #" HM_STR(HM_SVC_NATIVE) "\n"
                                                                           "  b .\n");
void raw_entry(void);

/* ---- start-up --------------------------------------------------------------------- */

/* (the notification is made before the name is published: a test that
 * found the name may be counting kernel objects already) */
static void wait_forever(void)
{
    for (;;)
        hm_notify_wait(SLOT_WAIT, 0);
}

static const char *word(const char *s, char *out, size_t max)
{
    size_t n = 0;
    while (*s == ' ')
        s++;
    while (*s && *s != ' ' && n + 1 < max)
        out[n++] = *s++;
    out[n] = '\0';
    return s;
}

int main(const char *arg, unsigned long len)
{
    char role[16], name[HM_NAME_MAX], x[4];
    (void)len;
    arg = word(arg, role, sizeof(role));
    arg = word(arg, name, sizeof(name));
    long r;
    if (!strcmp(role, "echo")) {
        strcpy(route_prefix, name);
        r = hm_service_register(echo, 32768, 2, SLOT_SVC);
    } else if (!strcmp(role, "route")) {
        word(arg, x, sizeof(x));
        strcpy(route_prefix, name);
        size_t n = strlen(name);
        name[n] = x[0];
        name[n + 1] = '\0';
        r = hm_service_register(route, 16384, 0, SLOT_SVC);
    } else if (!strcmp(role, "mm")) {
        cache_pages = 256;
        r = hm_map((void *)CACHE_VA, cache_pages * HM_PAGE_SIZE, HM_PROT_READ | HM_PROT_WRITE);
        if (r == 0)
            r = hm_service_register(mm, 8192, 0, SLOT_SVC);
        if (r == 0)
            r = hm_set_reclaimer(SLOT_SVC);
    } else if (!strcmp(role, "chain")) {
        char next[HM_NAME_MAX];
        word(arg, next, sizeof(next));
        r = 0;
        if (next[0]) {
            r = hm_name_lookup(next, SLOT_CONN_BASE);
            if (r == 0)
                r = hm_connect(SLOT_CONN_BASE, NULL, 0, SLOT_CONN_BASE + 1);
            chain_has_next = r == 0;
        }
        if (r == 0)
            r = hm_service_register(chain, 16384, 2, SLOT_SVC);
    } else if (!strcmp(role, "raw")) {
        r = hm_syscall5(HM_SYS_SERVICE_REGISTER, (unsigned long)raw_entry, 0, 8192, 0, SLOT_SVC);
    } else {
        hm_printf("ipcsrv1: unknown role '%s'\n", role);
        return 2;
    }
    if (r == 0)
        r = hm_notify_create(SLOT_WAIT);
    if (r == 0)
        r = hm_name_publish(name, SLOT_SVC);
    if (r < 0) {
        hm_printf("ipcsrv1: %s %s: setting up failed: %ld\n", role, name, r);
        return 1;
    }
    wait_forever();
}
