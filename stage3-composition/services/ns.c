// SPDX-License-Identifier: MIT
/*
 * ns.c - the name server (ns_service.h, ns_proto.h), the same source in a
 * process (user/nssrv.c, IC2) and in a domain (services/ns_ic1.c, IC1).
 *
 * It holds the names processes publish, each with a copy of the
 * publisher's service capability, and answers a look-up by granting a
 * CALL-only copy in its reply.  The kernel's table keeps the kernel's own
 * services and "ns" (how a process finds the name server): a name there is
 * taken here too.
 *
 * A publisher that revokes its capability takes its name with it (the copy
 * here goes too).  One that ends takes it too: its capability is marked
 * gone (HM_CAP_INFO_GONE) while it ends, which frees the entry, and the
 * kernel deletes it once it has ended (the host's table is one of stage
 * 1's name holders), so a dead service's memory is not held here.  A
 * look-up is granted from a copy made under the lock in a ring of NS_LENT
 * slots and moved out with the reply (HM_GRANT_MOVE), not from the entry
 * itself: a reply never grants an entry that was freed and taken by
 * another name meanwhile.
 */
#include <stddef.h>
#include <hm/syscall.h>
#include "ns_service.h"
#include "svc_str.h"

_Static_assert(NS_SLOT_LENT + NS_LENT <= HM_IPC_GRANT_SLOT_BASE, "slots below the grant range");

static const struct ns_host *h;
static char names[NS_NAMES][HM_NAME_MAX + 1]; /* "" : a free entry */
static unsigned lent_next;

void ns_init(const struct ns_host *host)
{
    h = host;
    for (unsigned i = 0; i < NS_NAMES; i++)
        names[i][0] = 0;
    lent_next = 0;
}

/* The name in the request, copied out of the shared buffer (the client
 * may change it meanwhile): 1..HM_NAME_MAX bytes, no NUL among them. */
static long name_of(const struct hm_msg *m, char *name)
{
    if (m->len == 0 || m->len > HM_NAME_MAX || !m->buf)
        return -HM_EINVAL;
    const volatile char *b = m->buf;
    for (size_t i = 0; i < m->len; i++)
        name[i] = b[i];
    name[m->len] = 0;
    return svc_strlen(name) == m->len ? 0 : -HM_EINVAL;
}

/* A capability that is there, to a service that is not gone. */
static bool alive(unsigned slot)
{
    long info = h->cap_info(slot);
    return info >= 0 && !(info & HM_CAP_INFO_GONE);
}

/* Entry i holds a name whose service is alive. */
static bool live(unsigned i)
{
    return names[i][0] && alive(NS_SLOT_NAMES + i);
}

static int find_locked(const char *name)
{
    for (unsigned i = 0; i < NS_NAMES; i++)
        if (svc_streq(names[i], name) && live(i))
            return (int)i;
    return -1;
}

static long publish(const char *name, unsigned g)
{
    if (g == HM_NO_SLOT)
        return -HM_EBADCAP;
    long info = h->cap_info(g);
    if (info < 0)
        return info;
    if ((((unsigned long)info >> 16) & 0x7fffu) != HM_CAP_SERVICE)
        return -HM_ETYPE;
    if ((info & (HM_RIGHT_CALL | HM_RIGHT_GRANT)) != (HM_RIGHT_CALL | HM_RIGHT_GRANT))
        return -HM_EPERM;
    h->lock();
    long r = find_locked(name) >= 0 || h->in_kernel(name) ? -HM_EEXIST : -HM_ENOSPC;
    for (unsigned i = 0; r == -HM_ENOSPC && i < NS_NAMES; i++) {
        if (live(i))
            continue;
        h->cap_delete(NS_SLOT_NAMES + i); /* (a stale entry's slot is empty already) */
        r = h->cap_copy(g, NS_SLOT_NAMES + i, HM_RIGHT_CALL | HM_RIGHT_GRANT);
        if (r == 0)
            for (unsigned k = 0; k <= HM_NAME_MAX; k++)
                names[i][k] = name[k];
    }
    h->unlock();
    if (r == 0 && h->published)
        h->published(); /* the waiters look again */
    return r;
}

/* 0 and the slot to grant from, or -HM_ENOENT. */
static long lookup(const char *name, unsigned *lent)
{
    h->lock();
    int i = find_locked(name);
    long r = -HM_ENOENT;
    if (i >= 0) {
        /* (the slot is empty unless a refused reply left its copy there;
         * the kernel deleted it if its service ended meanwhile) */
        *lent = NS_SLOT_LENT + lent_next++ % NS_LENT;
        r = h->cap_copy(NS_SLOT_NAMES + (unsigned)i, *lent, HM_RIGHT_CALL | HM_RIGHT_GRANT);
        if (r == -HM_EEXIST && h->cap_delete(*lent) == 0)
            r = h->cap_copy(NS_SLOT_NAMES + (unsigned)i, *lent, HM_RIGHT_CALL | HM_RIGHT_GRANT);
    }
    h->unlock();
    return r;
}

/* Until the name is here or in the kernel's table, at most ms.  The host
 * blocks between looks (a publish here wakes it at once); a host that
 * cannot block answers at once. */
static long wait_for(const char *name, uint64_t ms)
{
    if (ms > NS_WAIT_MAX_MS)
        ms = NS_WAIT_MAX_MS;
    uint64_t deadline = h->wait ? h->now_ns() + ms * 1000000ull : 0;
    for (;;) {
        h->lock();
        bool there = find_locked(name) >= 0 || h->in_kernel(name);
        h->unlock();
        if (there)
            return 0;
        if (!h->wait || h->now_ns() >= deadline)
            return -HM_EAGAIN;
        long r = h->wait(deadline);
        if (r < 0)
            return r; /* (-HM_EINTR: the caller is being killed) */
    }
}

long ns_handle(struct hm_msg *m)
{
    /* decode */
    char name[HM_NAME_MAX + 1];
    unsigned g = m->grant; /* a publisher's capability: ours only for this call */
    if (m->w[0] == NS_INFO) {
        m->len = 0;
        m->w[0] = h->cls;
        return 0;
    }
    long r = name_of(m, name);
    m->len = 0;
    unsigned lent = 0;
    /* invoke */
    if (r == 0) {
        switch (m->w[0]) {
        case NS_PUBLISH:
            r = publish(name, g);
            break;
        case NS_LOOKUP:
            r = lookup(name, &lent);
            if (r == 0)
                m->len = (uint64_t)HM_GRANT(lent, HM_RIGHT_CALL | HM_GRANT_MOVE) << 32;
            break;
        case NS_WAIT:
            r = wait_for(name, m->w[1]);
            break;
        default:
            r = -HM_ENOSYS;
        }
    }
    return r;
}
