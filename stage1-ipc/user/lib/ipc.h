// SPDX-License-Identifier: MIT
/*
 * ipc.h - the user side of IPC by thread migration, and notifications.
 *
 * Server:
 *     static long echo(struct hm_msg *m) { m->w[0] += 1; return 0; }
 *     hm_service_register(echo, 16384, 2, SLOT_SVC);   // 16 KiB stacks, 2 pre-bound
 *     hm_name_publish("echo", SLOT_SVC);
 * Client:
 *     hm_name_lookup("echo", SLOT_SVC);
 *     hm_connect(SLOT_SVC, buf, 4096, SLOT_CONN);       // buf: where the shared page goes
 *     struct hm_msg m = { .w = { 41 } };
 *     long status = hm_call(SLOT_CONN, &m, HM_NO_SLOT); // m.w[0] == 42
 *
 * A handler runs on the calling thread, in the server's address space, on a
 * stack the kernel picked; hm_service_entry (ipc.S) gives each invocation
 * its own thread-local block (errno) at the top of that stack.  Whatever the
 * handler returns is the call's status; it may change m->w and m->len (the
 * reply's length in the shared buffer).
 */
#ifndef HM_USER_IPC_H
#define HM_USER_IPC_H

#include "hm.h"
#include <hm/service.h>

/* struct hm_msg and hm_handler_t: <hm/service.h>, shared with the kernel (IC0). */

/* The entry every service registered by hm_service_register() has (ipc.S). */
void hm_service_entry(void);

/** Register a service whose calls run `handler`; its capability goes to slot. */
static inline long hm_service_register(hm_handler_t handler, size_t stack_size, unsigned nprebound,
                                       unsigned slot)
{
    return hm_syscall5(HM_SYS_SERVICE_REGISTER, (unsigned long)hm_service_entry,
                       (unsigned long)handler, stack_size, nprebound, slot);
}

/** Connect through a service capability; buf/size: the shared buffer (0: none). */
static inline long hm_connect(unsigned svc_slot, void *buf, size_t size, unsigned slot)
{
    return hm_syscall4(HM_SYS_CONNECT, svc_slot, (unsigned long)buf, size, slot);
}

/**
 * Call through a connection, and have a capability the reply grants land
 * in recv_slot (hm_call(): in the grant range).  m->w and m->len go to the
 * server and come back replaced by its reply; m->grant comes back as the
 * slot of the capability the reply granted, or HM_NO_SLOT: recv_slot if
 * it was free when the reply came, else one of the grant range.
 * grant_slot: a capability (with GRANT) to copy to the server for this
 * call (HM_GRANT(slot, rights) for fewer rights), or HM_NO_SLOT.  A handler
 * grants in its reply with m->len |= (uint64_t)HM_GRANT(slot, rights) << 32.
 * Returns the server's status, or a negative -HM_E* from the kernel.  The
 * FP/SIMD registers are not preserved across the call (the compiler saves
 * what it needs).
 */
static inline long hm_call_recv(unsigned conn_slot, struct hm_msg *m, unsigned grant_slot,
                                unsigned recv_slot)
{
    register unsigned long x8 __asm__("x8") = HM_SYS_CALL;
    register unsigned long x0 __asm__("x0") = conn_slot | (uint64_t)recv_slot << 32;
    register unsigned long x1 __asm__("x1") = m->w[0];
    register unsigned long x2 __asm__("x2") = m->w[1];
    register unsigned long x3 __asm__("x3") = m->w[2];
    register unsigned long x4 __asm__("x4") = m->w[3];
    /* cppcheck takes the cast value for 32 bits when the slot is a constant
     * (HM_NO_SLOT, from bench.c); it is 64. */
    // cppcheck-suppress shiftTooManyBits
    register unsigned long x5 __asm__("x5") = (m->len & 0xffffffffu) | ((uint64_t)grant_slot << 32);

    __asm__ volatile(HM_SVC_INSN
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5)
                     : "r"(x8)
                     : "memory", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10",
                       "v11", "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21",
                       "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
    m->w[0] = x1;
    m->w[1] = x2;
    m->w[2] = x3;
    m->w[3] = x4;
    m->len = x5 & 0xffffffffu;
    m->grant = x5 >> 32 ? (uint32_t)(x5 >> 32) : HM_NO_SLOT; /* what the reply granted */
    return (long)x0;
}

/** The same, a reply's grant landing in the grant range. */
static inline long hm_call(unsigned conn_slot, struct hm_msg *m, unsigned grant_slot)
{
    return hm_call_recv(conn_slot, m, grant_slot, 0);
}

/* The kernel's name table (stage 1): HM_SYS_NAME_PUBLISH / _LOOKUP. */
static inline long hm_kernel_name_publish(const char *name, unsigned svc_slot)
{
    return hm_syscall3(HM_SYS_NAME_PUBLISH, (unsigned long)name, strlen(name), svc_slot);
}
static inline long hm_kernel_name_lookup(const char *name, unsigned dst_slot)
{
    return hm_syscall3(HM_SYS_NAME_LOOKUP, (unsigned long)name, strlen(name), dst_slot);
}

/**
 * The name service: publish the service in svc_slot (it needs CALL and
 * GRANT) under name; look a name up into dst_slot (a CALL-only copy).
 * In stage 1 these are the kernel's table (hm.c, weak); a later stage
 * may place the name service elsewhere and replace them (stage 3: a name
 * server in a process, user/lib/ns.c), with the same results and errors.
 */
long hm_name_publish(const char *name, unsigned svc_slot);
long hm_name_lookup(const char *name, unsigned dst_slot);

static inline long hm_account(unsigned what)
{
    return hm_syscall1(HM_SYS_ACCOUNT, what);
}
static inline long hm_set_reclaimer(unsigned svc_slot)
{
    return hm_syscall1(HM_SYS_SET_RECLAIMER, svc_slot);
}
static inline long hm_ipc_info(unsigned what)
{
    return hm_syscall1(HM_SYS_IPC_INFO, what);
}

/* Notifications */
static inline long hm_notify_create(unsigned slot)
{
    return hm_syscall1(HM_SYS_NOTIFY_CREATE, slot);
}
static inline long hm_notify_signal(unsigned slot, uint64_t bits)
{
    return hm_syscall2(HM_SYS_NOTIFY_SIGNAL, slot, bits);
}
/** Wait for bits (timeout 0: for ever).  Returns the bits (cleared), 0 on timeout. */
static inline long hm_notify_wait(unsigned slot, uint64_t timeout_ns)
{
    return hm_syscall2(HM_SYS_NOTIFY_WAIT, slot, timeout_ns);
}
static inline long hm_notify_timer(unsigned slot, uint64_t bits, uint64_t period_ns)
{
    return hm_syscall3(HM_SYS_NOTIFY_TIMER, slot, bits, period_ns);
}

#endif
