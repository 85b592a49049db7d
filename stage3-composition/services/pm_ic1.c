// SPDX-License-Identifier: MIT
/*
 * pm_ic1.c - the process manager in an IC1 domain (CONFIG_PM_IC1): the
 * protocol of /bin/pmsrv (pm_proto.h), its children held as process
 * capabilities in the table the kernel keeps for the domain (stage 2's
 * ic1_give_caps(); child i in slot SLOT_CHILD + i), and what only the
 * kernel can do asked of the in-kernel service "pmk" (pmk.h,
 * kernel/pm_ic1.c).
 *
 * A domain cannot block.  PM_WAIT on a child still running asks the
 * kernel to wait instead (stage 2's svc_wait()): the caller's thread
 * blocks out of the domain until the child ends, and the kernel makes the
 * same request again, which now finds the exit status.  Keeping a service
 * is the same with a kernel thread lent to the domain: pm_ic1_keep()
 * starts the service, or starts it again when it finds it ended (the
 * request is the same each time), and asks to wait for its end.
 *
 * A request made again cannot be told from a new one, and a waiter that
 * is killed meanwhile never comes back, so waiters are not counted: the
 * first one back reaps the child, a later one gets -HM_EINVAL (entries are
 * taken round-robin, so one is not soon reused).
 */
#include <stdbool.h>
#include <stdint.h>
#include <hm/service.h>
#include <hm/syscall.h>
#include "../../stage2-isolation/services/ic1cap.h"
#include "../../stage2-isolation/services/svc.h"
#include "ic1_host.h"
#include "pm_proto.h"
#include "pmk.h"
#include "svc_str.h"

/* ic1_host.h's lock (the rest of ic1_host.c is not linked into this domain) */
volatile uint32_t ic1_lock;

#define SLOT_CHILD 32

static struct child {
    bool used, kept, domain;
    char path[HM_NAME_MAX], arg[HM_NAME_MAX], name[HM_NAME_MAX];
    unsigned restarts;
    long h; /* a kept domain: the svc_lookup() handle of its service */
} children[PM_CHILDREN];
static unsigned next_entry;
static long h_pmk = -1, h_cap = -1;
static bool ready;

/* ---- helpers (a domain links no C library) ------------------------------------- */

/* n bytes of src to dst (n < HM_NAME_MAX), NUL-terminated */
static void str_set(char *dst, const volatile char *src, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        dst[i] = src[i];
    dst[n] = 0;
}

static long call(long h, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
    struct hm_msg m = { .w = { w0, w1, w2, w3 } };
    return svc_call(h, &m);
}

/* The console line "pm: " a b c, with the number n (>= 0) after b. */
static void say(const char *a, const char *b, long n, const char *c)
{
    char num[24];
    unsigned i = sizeof(num) - 1;
    bool none = n < 0;
    num[i] = 0;
    do
        num[--i] = (char)('0' + n % 10);
    while ((n /= 10) > 0 && i > 0);
    char ab[2 * HM_NAME_MAX];
    uint64_t la = svc_strlen(a), lb = svc_strlen(b);
    if (la + lb >= HM_NAME_MAX) /* (pmk takes strings shorter than that) */
        lb = 0;
    str_set(ab, a, la);
    str_set(ab + la, b, lb);
    call(h_pmk, PMK_SAY, (uintptr_t)ab, none ? 0 : (uintptr_t)(num + i), (uintptr_t)c);
}

/* ---- the children ----------------------------------------------------------------- */

static int take_entry(void)
{
    for (unsigned k = 0; k < PM_CHILDREN; k++) {
        unsigned i = (next_entry + k) % PM_CHILDREN;
        struct child *c = &children[i];
        if (!c->used) {
            next_entry = i + 1;
            c->used = true;
            c->kept = c->domain = false;
            c->path[0] = c->arg[0] = c->name[0] = 0;
            c->restarts = 0;
            c->h = -1;
            return (int)i;
        }
    }
    return -1;
}

static void drop_entry(unsigned i)
{
    call(h_cap, IC1CAP_DELETE, SLOT_CHILD + i, 0, 0); /* (empty already if it never started) */
    children[i].used = false;
}

static long start(unsigned i)
{
    return call(h_pmk, PMK_SPAWN, (uintptr_t)children[i].path, (uintptr_t)children[i].arg,
                SLOT_CHILD + i);
}

static bool alive(const struct child *c, unsigned i)
{
    return c->domain ? call(h_pmk, PMK_STOPPED, (uint64_t)c->h, 0, 0) == 0 :
                       call(h_pmk, PMK_STATUS, SLOT_CHILD + i, 0, 0) == -HM_EAGAIN;
}

/* ---- the protocol ------------------------------------------------------------------- */

static long pm_spawn(const struct hm_msg *m)
{
    char b[2 * HM_NAME_MAX]; /* the request, out of the shared buffer (the client may change it) */
    if (m->len > sizeof(b))
        return -HM_EINVAL;
    for (uint64_t k = 0; k < m->len; k++)
        b[k] = ((const volatile char *)m->buf)[k];
    long n = pm_spawn_path_len(b, m->len);
    if (n < 0)
        return n;
    int i = take_entry();
    if (i < 0)
        return -HM_ENOSPC;
    str_set(children[i].path, b, (uint64_t)n);
    str_set(children[i].arg, b + n + 1, m->len - (uint64_t)n - 1);
    long r = start((unsigned)i);
    if (r < 0) {
        drop_entry((unsigned)i);
        return r;
    }
    return i;
}

static long pm_wait(struct hm_msg *m, uint64_t w1)
{
    if (w1 >= PM_CHILDREN || !children[w1].used || children[w1].kept)
        return -HM_EINVAL;
    long st = call(h_pmk, PMK_STATUS, SLOT_CHILD + w1, 0, 0);
    if (st == -HM_EAGAIN) /* running: the kernel waits for its end and asks again */
        return svc_wait(m, SVC_WAIT_PROC, SLOT_CHILD + w1);
    if (st >= 0)
        drop_entry((unsigned)w1);
    return st;
}

static long pm_handle_locked(struct hm_msg *m)
{
    uint64_t len = m->len, w1 = m->w[1];
    const volatile char *b = m->buf;
    if (len && !b)
        return -HM_EINVAL;
    struct child *c = w1 < PM_CHILDREN && children[w1].used ? &children[w1] : NULL;
    long r;
    switch (m->w[0]) {
    case PM_SPAWN:
        r = pm_spawn(m);
        m->len = 0;
        return r;
    case PM_WAIT:
        m->len = 0;
        return pm_wait(m, w1);
    case PM_KILL:
        m->len = 0;
        if (!c || c->domain) /* a domain is stopped by its own fault only */
            return -HM_EINVAL;
        return call(h_pmk, PMK_KILL, SLOT_CHILD + w1, 0, 0);
    case PM_INFO:
        m->len = 0;
        if (!c)
            return -HM_EINVAL;
        m->w[0] = alive(c, (unsigned)w1);
        m->w[1] = c->restarts;
        m->w[2] = c->kept;
        return 0;
    case PM_FIND:
        m->len = 0;
        for (unsigned i = 0; i < PM_CHILDREN; i++) {
            const char *name = children[i].name;
            uint64_t k = 0;
            while (k < len && name[k] && name[k] == b[k])
                k++;
            if (children[i].used && children[i].kept && k == len && !name[k] && len)
                return i;
        }
        return -HM_ENOENT;
    default:
        m->len = 0;
        return -HM_ENOSYS;
    }
}

/* ---- keeping (the keepers' entry) --------------------------------------------------- */

/* The kept entry named `name`, or -1. */
static int kept_named(const char *name)
{
    for (unsigned i = 0; i < PM_CHILDREN; i++)
        if (children[i].used && children[i].kept && svc_streq(children[i].name, name))
            return (int)i;
    return -1;
}

/* The first time: a new kept entry for the item, its service started. */
static long keep_new(const char *item, uint64_t len)
{
    uint64_t eq = 0;
    while (eq < len && item[eq] != '=')
        eq++;
    bool domain = item[0] == '@';
    uint64_t at = domain ? 1 : eq + 1; /* where the name starts */
    if ((!domain && eq == len) || at >= len || len - at >= HM_NAME_MAX ||
        (domain ? len : eq) >= HM_NAME_MAX) {
        say("ignoring an item: not path=name or @name", "", -1, 0);
        return -HM_EINVAL;
    }
    int i = take_entry();
    if (i < 0)
        return -HM_ENOSPC;
    struct child *c = &children[i];
    c->kept = true;
    c->domain = domain;
    str_set(c->name, item + at, len - at);
    str_set(c->path, item, domain ? len : eq);
    long r = domain ? (c->h = svc_lookup(c->name)) : start((unsigned)i);
    if (r < 0) {
        say("cannot keep ", c->path, -1, ": it does not start");
        drop_entry((unsigned)i);
        return r;
    }
    return i;
}

/* Child i (kept) has ended, or its domain stopped: start it again. */
static long keep_again(unsigned i)
{
    struct child *c = &children[i];
    if (c->domain) {
        if (call(h_pmk, PMK_STOPPED, (uint64_t)c->h, 0, 0) != 1)
            return 0; /* started again meanwhile (HM_SYS_DOMAIN_RESTART) */
        long r = call(h_pmk, PMK_RESTART, (uint64_t)c->h, 0, 0);
        if (r == -HM_EBUSY)
            return 0; /* another is starting it: wait for the next stop */
        c->restarts++;
        say(c->name, " (IC1) stopped; started again", -1, r == 0 ? "" : " - failed");
        return r;
    }
    long st = call(h_pmk, PMK_STATUS, SLOT_CHILD + i, 0, 0);
    if (st == -HM_EAGAIN)
        return 0; /* (still running) */
    c->restarts++;
    long r = start(i);
    char what[HM_NAME_MAX]; /* "path (name)", or the path if that is too long */
    uint64_t lp = svc_strlen(c->path), ln = svc_strlen(c->name);
    str_set(what, c->path, lp);
    if (lp + ln + 3 < sizeof(what)) {
        str_set(what + lp, " (", 2);
        str_set(what + lp + 2, c->name, ln);
        str_set(what + lp + 2 + ln, ")", 1);
    }
    say(what, " ended with status ", st, r == 0 ? "; started again" : "; started again - failed");
    return r;
}

static long keep_locked(struct hm_msg *m)
{
    char item[2 * HM_NAME_MAX + 2];
    uint64_t len = m->len;
    if (!m->buf || len == 0 || len >= sizeof(item))
        return -HM_EINVAL;
    str_set(item, m->buf, len);
    bool domain = item[0] == '@';
    uint64_t at = 0;
    while (at < len && item[at] != '=')
        at++;
    int i = kept_named(item + (domain ? 1 : at + 1 < len ? at + 1 : len));
    long r = i >= 0 ? keep_again((unsigned)i) : (i = (int)keep_new(item, len));
    m->len = 0;
    if (r < 0)
        return r; /* the keeper ends */
    struct child *c = &children[i];
    return c->domain ? svc_wait(m, SVC_WAIT_DOMAIN, (uint64_t)c->h) :
                       svc_wait(m, SVC_WAIT_PROC, SLOT_CHILD + (unsigned)i);
}

/* ---- the entries ---------------------------------------------------------------------- */

/* On the first call: the kernel's services are there by then. */
static bool init_locked(void)
{
    if (!ready) {
        h_pmk = svc_lookup(PMK_NAME);
        h_cap = svc_lookup(IC1CAP_NAME);
        ready = h_pmk >= 0 && h_cap >= 0;
    }
    return ready;
}

/* "pm": the domain's entry (its image's entry point). */
long pm_ic1_handle(struct hm_msg *m)
{
    return ic1_serve(init_locked, pm_handle_locked, m);
}

/* The keepers' entry (kernel threads lent to the domain, kernel/pm_ic1.c;
 * not published): m's buffer holds the item to keep. */
long pm_ic1_keep(struct hm_msg *m)
{
    return ic1_serve(init_locked, keep_locked, m);
}
