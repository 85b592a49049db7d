// SPDX-License-Identifier: MIT
/*
 * cap_test.c - host unit tests for the capability module (kernel/lib/cap.c).
 *
 * Covers every entry point and every error path, checks that a failing call
 * changes nothing (snapshots compared field by field), the derivation rules
 * (copy subsets rights, delete re-parents, revoke reaches every descendant
 * in every cspace), the release callback, a 10,000-long derivation chain
 * revoked on a 64 KiB stack with a guard page (a recursive walk overflows
 * it), that the checkers themselves catch broken links, and long
 * deterministic random sequences of operations compared step by step with
 * a plain reference model and checked with cap_check_all().
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "cap.h"
#include "unit.h"

/* ---------------------------------------------------------------------- */
/* Fixture: a few cspaces, objects and a release recorder                  */
/* ---------------------------------------------------------------------- */

enum {
    NCS = 4,     /* cspaces in the small world */
    NSLOTS = 32, /* slots per cspace */
    NOBJ = 8,    /* objects */
    LOGMAX = 64  /* release calls remembered */
};

/* What the release callback saw. */
struct rel {
    unsigned count;            /* calls so far */
    struct kobj *log[LOGMAX];  /* objects, in call order (the first LOGMAX) */
    const struct kobj *base;   /* the world's objects, for per_obj (or NULL) */
    unsigned per_obj[NOBJ];    /* calls per object of base[] */
    struct cspace *const *set; /* cspaces checked from inside the callback */
    unsigned nset;             /* size of set */
    bool consistent;           /* every callback saw cap_check_all() true */
};

struct world {
    struct cspace cs[NCS];
    struct cap slots[NCS][NSLOTS];
    struct kobj obj[NOBJ];
    struct cspace *set[NCS];
    struct rel rel;
    struct cap_ops ops;
};

/* Record one release; the module promises a consistent system at this
 * point, so check it from inside the callback too. */
static void on_release(void *ctx, struct kobj *obj)
{
    struct rel *r = ctx;

    if (r->count < LOGMAX)
        r->log[r->count] = obj;
    r->count++;
    for (unsigned i = 0; r->base && i < NOBJ; i++)
        if (obj == &r->base[i])
            r->per_obj[i]++;
    if (r->set && !cap_check_all(r->set, r->nset))
        r->consistent = false;
}

/* An empty world: objects of types 1, 2, 3, 1, 2, ... with no references. */
static void world_init(struct world *w)
{
    memset(w, 0, sizeof(*w));
    for (unsigned k = 0; k < NCS; k++) {
        UNIT_ASSERT_EQ(cspace_init(&w->cs[k], w->slots[k], NSLOTS), 0);
        w->set[k] = &w->cs[k];
    }
    for (unsigned i = 0; i < NOBJ; i++)
        w->obj[i].type = 1 + i % 3;
    w->rel.set = w->set;
    w->rel.nset = NCS;
    w->rel.consistent = true;
    w->rel.base = w->obj;
    w->ops.release = on_release;
    w->ops.ctx = &w->rel;
}

/* The slot a capability occupies, for comparisons. */
static struct cap *at(struct world *w, unsigned k, unsigned i)
{
    return &w->slots[k][i];
}

static void check_world(struct world *w)
{
    UNIT_ASSERT(cap_check_all(w->set, NCS));
    UNIT_ASSERT(w->rel.consistent);
}

/* Everything a failing call must leave as it was. */
struct snap {
    struct cap slots[NCS][NSLOTS];
    struct kobj obj[NOBJ];
    unsigned used[NCS];
    unsigned released;
};

static void snap_take(const struct world *w, struct snap *s)
{
    memset(s, 0, sizeof(*s));
    for (unsigned k = 0; k < NCS; k++) {
        for (unsigned i = 0; i < NSLOTS; i++)
            s->slots[k][i] = w->slots[k][i];
        s->used[k] = w->cs[k].used;
    }
    memcpy(s->obj, w->obj, sizeof(s->obj));
    s->released = w->rel.count;
}

static bool cap_same(const struct cap *a, const struct cap *b)
{
    return a->obj == b->obj && a->rights == b->rights && a->cs == b->cs && a->parent == b->parent &&
           a->first_child == b->first_child && a->prev_sibling == b->prev_sibling &&
           a->next_sibling == b->next_sibling;
}

static void assert_unchanged(const struct world *w, const struct snap *s)
{
    for (unsigned k = 0; k < NCS; k++) {
        for (unsigned i = 0; i < NSLOTS; i++)
            if (!cap_same(&w->slots[k][i], &s->slots[k][i]))
                UNIT_FAIL("slot %u of cspace %u changed by a failing call", i, k);
        UNIT_ASSERT_EQ(w->cs[k].used, s->used[k]);
    }
    for (unsigned i = 0; i < NOBJ; i++) {
        UNIT_ASSERT_EQ(w->obj[i].refs, s->obj[i].refs);
        UNIT_ASSERT_EQ(w->obj[i].type, s->obj[i].type);
    }
    UNIT_ASSERT_EQ(w->rel.count, s->released);
}

#define R HM_RIGHT_READ
#define W HM_RIGHT_WRITE
#define X HM_RIGHT_EXEC
#define G HM_RIGHT_GRANT
#define C HM_RIGHT_CONTROL
#define WT HM_RIGHT_WAIT

/* ---------------------------------------------------------------------- */
/* cspaces, insert, lookup, info                                           */
/* ---------------------------------------------------------------------- */

UNIT_TEST(cap_init_validates)
{
    struct cspace cs;
    struct cap slots[4];

    memset(&cs, 0x5a, sizeof(cs));
    memset(slots, 0x5a, sizeof(slots));
    UNIT_ASSERT_EQ(cspace_init(NULL, slots, 4), -HM_EINVAL);
    UNIT_ASSERT_EQ(cspace_init(&cs, NULL, 4), -HM_EINVAL);
    UNIT_ASSERT_EQ(cspace_init(&cs, slots, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(cspace_init(&cs, slots, 0x80000000u), -HM_EINVAL);
    /* Nothing written by the failures. */
    UNIT_ASSERT_EQ(((unsigned char *)&cs)[0], 0x5a);
    UNIT_ASSERT_EQ(((unsigned char *)slots)[0], 0x5a);

    UNIT_ASSERT_EQ(cspace_init(&cs, slots, 4), 0);
    UNIT_ASSERT(cs.slots == slots);
    UNIT_ASSERT_EQ(cs.nslots, 4);
    UNIT_ASSERT_EQ(cs.used, 0);
    UNIT_ASSERT(cspace_check(&cs));
    for (unsigned i = 0; i < 4; i++) {
        UNIT_ASSERT(slots[i].cs == &cs);
        UNIT_ASSERT_EQ(cspace_slot_free(&cs, i), 0);
        UNIT_ASSERT_EQ(cap_info(&cs, i), -HM_EBADCAP);
    }
    UNIT_ASSERT_EQ(cspace_slot_free(&cs, 4), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cspace_slot_free(NULL, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(cspace_destroy(&cs, NULL), 0);
    UNIT_ASSERT_EQ(cspace_destroy(NULL, NULL), -HM_EINVAL);
    UNIT_ASSERT(!cspace_check(NULL));
    UNIT_ASSERT(!cap_check(NULL));
    UNIT_ASSERT(cap_check_all(NULL, 0));
    UNIT_ASSERT(!cap_check_all(NULL, 1));
}

UNIT_TEST(cap_insert_lookup_info)
{
    struct world w;
    struct cap *c = NULL;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], HM_SLOT_SELF, &w.obj[0], HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], NSLOTS - 1, &w.obj[2], R | W), 0);
    /* A second original of the same object (spawn: parent's cap + SELF). */
    UNIT_ASSERT_EQ(cap_insert(&w.cs[1], HM_SLOT_SELF, &w.obj[0], C), 0);
    UNIT_ASSERT_EQ(w.obj[0].refs, 2);
    UNIT_ASSERT_EQ(w.obj[2].refs, 1);
    UNIT_ASSERT_EQ(w.cs[0].used, 2);
    UNIT_ASSERT_EQ(w.cs[1].used, 1);
    UNIT_ASSERT(at(&w, 0, 0)->parent == NULL);
    UNIT_ASSERT(at(&w, 1, 0)->parent == NULL);
    UNIT_ASSERT_EQ(cspace_slot_free(&w.cs[0], 0), -HM_EEXIST);

    /* obj[0] is HM_CAP_PROCESS (1), obj[2] is HM_CAP_MEMORY (3). */
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 0), (HM_CAP_PROCESS << 16) | HM_RIGHTS_ALL);
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], NSLOTS - 1), (HM_CAP_MEMORY << 16) | R | W);
    UNIT_ASSERT_EQ(cap_info(&w.cs[1], 0), (HM_CAP_PROCESS << 16) | C);

    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 0, HM_CAP_PROCESS, C | WT, &c), 0);
    UNIT_ASSERT(c == at(&w, 0, 0));
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], NSLOTS - 1, HM_CAP_MEMORY, R, &c), 0);
    UNIT_ASSERT(c == at(&w, 0, NSLOTS - 1));
    UNIT_ASSERT(c->obj == &w.obj[2]);
    /* HM_CAP_NONE accepts any type; no rights needed is fine; out optional. */
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[1], 0, HM_CAP_NONE, 0, &c), 0);
    UNIT_ASSERT(c == at(&w, 1, 0));
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 0, HM_CAP_NONE, HM_RIGHTS_ALL, NULL), 0);
    check_world(&w);
}

UNIT_TEST(cap_insert_errors)
{
    struct world w;
    struct snap s;
    struct kobj bad;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 3, &w.obj[0], R), 0);
    snap_take(&w, &s);
    UNIT_ASSERT_EQ(cap_insert(NULL, 0, &w.obj[0], R), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, NULL, R), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[0], HM_RIGHTS_ALL + 1), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[0], 0x80000000u), -HM_EINVAL);
    bad.type = HM_CAP_NONE;
    bad.refs = 0;
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &bad, R), -HM_EINVAL);
    bad.type = CAP_TYPE_MAX + 1;
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &bad, R), -HM_EINVAL);
    UNIT_ASSERT_EQ(bad.refs, 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], NSLOTS, &w.obj[1], R), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0xffffffffu, &w.obj[1], R), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 3, &w.obj[1], R), -HM_EEXIST);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 3, &w.obj[0], R), -HM_EEXIST);
    w.obj[1].refs = UINT32_MAX;
    s.obj[1].refs = UINT32_MAX;
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[1], R), -HM_ENOSPC);
    assert_unchanged(&w, &s);
    w.obj[1].refs = 0;

    /* The largest type is accepted and reported by cap_info(). */
    bad.type = CAP_TYPE_MAX;
    UNIT_ASSERT_EQ(cap_insert(&w.cs[2], 1, &bad, HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_info(&w.cs[2], 1), (int)((CAP_TYPE_MAX << 16) | HM_RIGHTS_ALL));
    UNIT_ASSERT(cap_info(&w.cs[2], 1) > 0);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[2], 1, NULL), 0);
    UNIT_ASSERT_EQ(bad.refs, 0);
    check_world(&w);
}

UNIT_TEST(cap_lookup_errors)
{
    struct world w;
    struct snap s;
    struct cap *sentinel = (struct cap *)&w;
    struct cap *c = sentinel;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 1, &w.obj[1], R | W), 0); /* type 2: thread */
    snap_take(&w, &s);
    UNIT_ASSERT_EQ(cap_lookup(NULL, 1, HM_CAP_NONE, 0, &c), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 0, HM_CAP_NONE, 0, &c), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], NSLOTS, HM_CAP_NONE, 0, &c), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 0xffffffffu, HM_CAP_THREAD, 0, &c), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 1, HM_CAP_PROCESS, 0, &c), -HM_ETYPE);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 1, HM_CAP_MEMORY, R, &c), -HM_ETYPE);
    /* Type is checked before rights. */
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 1, HM_CAP_MEMORY, C, &c), -HM_ETYPE);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 1, HM_CAP_THREAD, C, &c), -HM_EPERM);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 1, HM_CAP_THREAD, R | X, &c), -HM_EPERM);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 1, HM_CAP_NONE, 0x40, &c), -HM_EPERM);
    UNIT_ASSERT(c == sentinel); /* untouched on error */
    assert_unchanged(&w, &s);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 1, HM_CAP_THREAD, R | W, &c), 0);
    UNIT_ASSERT(c == at(&w, 0, 1));
}

UNIT_TEST(cap_info_errors)
{
    struct world w;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 2, &w.obj[0], 0), 0);
    UNIT_ASSERT_EQ(cap_info(NULL, 2), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 1), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], NSLOTS), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 0xffffffffu), -HM_EBADCAP);
    /* A capability without rights still names its object. */
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 2), HM_CAP_PROCESS << 16);
}

/* ---------------------------------------------------------------------- */
/* Copy                                                                    */
/* ---------------------------------------------------------------------- */

UNIT_TEST(cap_copy_subset_rights)
{
    struct world w;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[2], R | W | X | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 1, R | W), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 2, R | W | X | G), 0); /* all of them */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 1, &w.cs[0], 3, R), 0);             /* grandchild */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 1, &w.cs[0], 4, 0), 0);             /* no rights */
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 1), (HM_CAP_MEMORY << 16) | R | W);
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 2), (HM_CAP_MEMORY << 16) | R | W | X | G);
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 3), (HM_CAP_MEMORY << 16) | R);
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 4), HM_CAP_MEMORY << 16);
    UNIT_ASSERT_EQ(w.obj[2].refs, 5);
    UNIT_ASSERT_EQ(w.cs[0].used, 5);
    /* Links: 0 -> {1, 2}, 1 -> {3, 4}. */
    UNIT_ASSERT(at(&w, 0, 1)->parent == at(&w, 0, 0));
    UNIT_ASSERT(at(&w, 0, 2)->parent == at(&w, 0, 0));
    UNIT_ASSERT(at(&w, 0, 3)->parent == at(&w, 0, 1));
    UNIT_ASSERT(at(&w, 0, 4)->parent == at(&w, 0, 1));
    UNIT_ASSERT(at(&w, 0, 1)->obj == &w.obj[2]);
    /* The copy is usable through lookup with its own rights only. */
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 3, HM_CAP_MEMORY, R, NULL), 0);
    UNIT_ASSERT_EQ(cap_lookup(&w.cs[0], 3, HM_CAP_MEMORY, W, NULL), -HM_EPERM);
    check_world(&w);
}

UNIT_TEST(cap_copy_more_rights_eperm)
{
    struct world w;
    struct snap s;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[2], R | W | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 1, R), 0);
    snap_take(&w, &s);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 2, R | X), -HM_EPERM);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 2, C), -HM_EPERM);
    /* A copy cannot regain what its parent dropped. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 1, &w.cs[0], 2, R | W), -HM_EPERM);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 1, &w.cs[0], 2, W), -HM_EPERM);
    assert_unchanged(&w, &s);
    check_world(&w);
}

UNIT_TEST(cap_copy_grant_between_cspaces)
{
    struct world w;
    struct snap s;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[2], R | W), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 1, &w.obj[3], R | W | G), 0);
    snap_take(&w, &s);
    /* Without GRANT: refused to another cspace, even with fewer rights. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 0, R | W), -HM_EPERM);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 0, 0), -HM_EPERM);
    assert_unchanged(&w, &s);
    /* ... but allowed inside the same cspace. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 2, R), 0);

    /* With GRANT: allowed; the receiver gets GRANT only if it is passed. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 1, &w.cs[1], 5, R), 0);
    UNIT_ASSERT(at(&w, 1, 5)->parent == at(&w, 0, 1));
    UNIT_ASSERT(at(&w, 1, 5)->cs == &w.cs[1]);
    UNIT_ASSERT_EQ(w.cs[1].used, 1);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 5, &w.cs[2], 0, R), -HM_EPERM);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 1, &w.cs[1], 6, R | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 6, &w.cs[2], 0, R), 0);
    UNIT_ASSERT(at(&w, 2, 0)->parent == at(&w, 1, 6));
    UNIT_ASSERT_EQ(w.obj[3].refs, 4);
    check_world(&w);
}

UNIT_TEST(cap_copy_errors)
{
    struct world w;
    struct snap s;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[2], R | W | G), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 1, &w.obj[3], R), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[1], 1, &w.obj[4], R), 0);
    snap_take(&w, &s);
    UNIT_ASSERT_EQ(cap_copy(NULL, 0, &w.cs[0], 2, R), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, NULL, 2, R), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 2, HM_RIGHTS_ALL + 1), -HM_EINVAL);
    /* Bad source: empty or out of range. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 5, &w.cs[0], 2, 0), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], NSLOTS, &w.cs[0], 2, 0), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0xffffffffu, &w.cs[0], 2, 0), -HM_EBADCAP);
    /* Destination out of range. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], NSLOTS, R), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 0xffffffffu, R), -HM_EBADCAP);
    /* Destination occupied: in the same cspace, another one, itself. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 1, R), -HM_EEXIST);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 1, R), -HM_EEXIST);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 0, R), -HM_EEXIST);
    /* Order: rights are judged before occupancy. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 1, &w.cs[1], 1, R), -HM_EPERM);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 0, X), -HM_EPERM);
    /* Saturated reference count. */
    w.obj[2].refs = UINT32_MAX;
    s.obj[2].refs = UINT32_MAX;
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 2, R), -HM_ENOSPC);
    assert_unchanged(&w, &s);
    w.obj[2].refs = 1;
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 2, R), 0);
    check_world(&w);
}

/* ---------------------------------------------------------------------- */
/* Delete and revoke                                                       */
/* ---------------------------------------------------------------------- */

UNIT_TEST(cap_delete_reparents_children)
{
    struct world w;

    /* A(0,0) -> B(1,0) -> {C(2,0), D(2,1)}; A -> E(0,1); C -> F(3,0). */
    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[2], R | W | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 0, R | W | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 0, &w.cs[2], 0, R | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 0, &w.cs[2], 1, W), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 1, R), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[2], 0, &w.cs[3], 0, R), 0);
    check_world(&w);

    UNIT_ASSERT_EQ(cap_delete(&w.cs[1], 0, &w.ops), 0);
    UNIT_ASSERT_EQ(cap_info(&w.cs[1], 0), -HM_EBADCAP);
    UNIT_ASSERT_EQ(w.cs[1].used, 0);
    UNIT_ASSERT_EQ(w.obj[2].refs, 5);
    UNIT_ASSERT_EQ(w.rel.count, 0);
    /* C and D are now A's children, with their rights; F stays under C. */
    UNIT_ASSERT(at(&w, 2, 0)->parent == at(&w, 0, 0));
    UNIT_ASSERT(at(&w, 2, 1)->parent == at(&w, 0, 0));
    UNIT_ASSERT(at(&w, 0, 1)->parent == at(&w, 0, 0));
    UNIT_ASSERT(at(&w, 3, 0)->parent == at(&w, 2, 0));
    UNIT_ASSERT_EQ(cap_info(&w.cs[2], 0), (HM_CAP_MEMORY << 16) | R | G);
    UNIT_ASSERT_EQ(cap_info(&w.cs[2], 1), (HM_CAP_MEMORY << 16) | W);
    check_world(&w);

    /* Revoking the grandparent still reaches the re-parented copies. */
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], 0, &w.ops), 4);
    for (unsigned k = 1; k < NCS; k++)
        UNIT_ASSERT_EQ(w.cs[k].used, 0);
    UNIT_ASSERT_EQ(w.cs[0].used, 1);
    UNIT_ASSERT_EQ(w.obj[2].refs, 1);
    UNIT_ASSERT(at(&w, 0, 0)->first_child == NULL);
    UNIT_ASSERT_EQ(w.rel.count, 0);
    check_world(&w);
}

UNIT_TEST(cap_delete_original_children_become_originals)
{
    struct world w;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[1], HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 0, R | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 1, WT), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 2, C), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 0, &w.cs[2], 0, R), 0);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 0, &w.ops), 0);
    UNIT_ASSERT_EQ(w.rel.count, 0);
    UNIT_ASSERT_EQ(w.obj[1].refs, 4);
    for (unsigned i = 0; i < 3; i++) {
        const struct cap *c = at(&w, 1, i);

        UNIT_ASSERT(c->parent == NULL);
        UNIT_ASSERT(c->prev_sibling == NULL);
        UNIT_ASSERT(c->next_sibling == NULL);
    }
    UNIT_ASSERT(at(&w, 2, 0)->parent == at(&w, 1, 0));
    check_world(&w);
    /* Each former sibling is now independent: revoking one leaves others. */
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[1], 1, &w.ops), 0);
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[1], 0, &w.ops), 1);
    UNIT_ASSERT_EQ(w.cs[1].used, 3);
    check_world(&w);
}

UNIT_TEST(cap_delete_errors)
{
    struct world w;
    struct snap s;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[0], R), 0);
    snap_take(&w, &s);
    UNIT_ASSERT_EQ(cap_delete(NULL, 0, &w.ops), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 1, &w.ops), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], NSLOTS, &w.ops), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 0xffffffffu, &w.ops), -HM_EBADCAP);
    assert_unchanged(&w, &s);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 0, &w.ops), 0);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 0, &w.ops), -HM_EBADCAP); /* twice */
    UNIT_ASSERT_EQ(w.rel.count, 1);
    check_world(&w);
}

UNIT_TEST(cap_revoke_multi_cspace)
{
    struct world w;

    /* Original O in cs0 slot 3; copies in every cspace, two levels deep;
     * an unrelated object with its own copies must survive. */
    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 3, &w.obj[2], HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 4, &w.obj[5], HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 4, &w.cs[1], 9, R), 0);
    for (unsigned k = 1; k < NCS; k++) {
        UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 3, &w.cs[k], 0, R | G), 0);
        UNIT_ASSERT_EQ(cap_copy(&w.cs[k], 0, &w.cs[(k % 3) + 1], 1 + k, R), 0);
        UNIT_ASSERT_EQ(cap_copy(&w.cs[k], 0, &w.cs[0], 5 + k, 0), 0);
    }
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 3, &w.cs[0], 0, R), 0);
    /* A copy of a copy of a copy. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 0, &w.cs[1], 8, G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 8, &w.cs[3], 8, 0), 0);
    UNIT_ASSERT_EQ(w.obj[2].refs, 1 + 9 + 1 + 2);
    check_world(&w);

    /* Revoking a middle copy takes only its subtree. */
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[1], 8, &w.ops), 1);
    UNIT_ASSERT_EQ(cap_info(&w.cs[3], 8), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_info(&w.cs[1], 8), (HM_CAP_MEMORY << 16) | G);
    check_world(&w);

    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], 3, &w.ops), 11);
    UNIT_ASSERT_EQ(cap_info(&w.cs[0], 3), (HM_CAP_MEMORY << 16) | HM_RIGHTS_ALL);
    UNIT_ASSERT(at(&w, 0, 3)->first_child == NULL);
    UNIT_ASSERT_EQ(w.obj[2].refs, 1);
    UNIT_ASSERT_EQ(w.obj[5].refs, 2);
    UNIT_ASSERT_EQ(cap_info(&w.cs[1], 9), (HM_CAP_MEMORY << 16) | R);
    UNIT_ASSERT_EQ(w.cs[0].used, 2);
    UNIT_ASSERT_EQ(w.cs[1].used, 1);
    UNIT_ASSERT_EQ(w.cs[2].used, 0);
    UNIT_ASSERT_EQ(w.cs[3].used, 0);
    UNIT_ASSERT_EQ(w.rel.count, 0);
    check_world(&w);
    /* Nothing left below: a second revoke deletes nothing; copies again. */
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], 3, &w.ops), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 3, &w.cs[2], 0, R), 0);
    check_world(&w);
}

UNIT_TEST(cap_revoke_errors)
{
    struct world w;
    struct snap s;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[0], R), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[0], 1, R), 0);
    snap_take(&w, &s);
    UNIT_ASSERT_EQ(cap_revoke(NULL, 0, &w.ops), -HM_EINVAL);
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], 2, &w.ops), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], NSLOTS, &w.ops), -HM_EBADCAP);
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], 0xffffffffu, &w.ops), -HM_EBADCAP);
    assert_unchanged(&w, &s);
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], 1, &w.ops), 0); /* a leaf */
    assert_unchanged(&w, &s);
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], 0, NULL), 1); /* ops optional */
    check_world(&w);
}

/* ---------------------------------------------------------------------- */
/* Release and cspace teardown                                             */
/* ---------------------------------------------------------------------- */

UNIT_TEST(cap_release_once)
{
    struct world w;

    world_init(&w);
    /* Two originals of obj[0] (process: parent's cap and SELF), copies. */
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 1, &w.obj[0], HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[1], 0, &w.obj[0], HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 1, &w.cs[2], 0, WT), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 0, &w.cs[1], 1, C), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 2, &w.obj[1], R), 0);

    /* Revoke never releases: the revoked capability's object stays named. */
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[1], 0, &w.ops), 1);
    UNIT_ASSERT_EQ(w.rel.count, 0);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 1, &w.ops), 0);
    UNIT_ASSERT_EQ(w.rel.count, 0);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[1], 0, &w.ops), 0);
    UNIT_ASSERT_EQ(w.rel.count, 0);
    UNIT_ASSERT_EQ(w.obj[0].refs, 1);
    /* The last one, a copy whose parent is long gone. */
    UNIT_ASSERT_EQ(cap_delete(&w.cs[2], 0, &w.ops), 0);
    UNIT_ASSERT_EQ(w.rel.count, 1);
    UNIT_ASSERT(w.rel.log[0] == &w.obj[0]);
    UNIT_ASSERT_EQ(w.obj[0].refs, 0);
    UNIT_ASSERT(w.rel.consistent);

    /* The callback gets the ctx it was registered with. */
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 2, &w.ops), 0);
    UNIT_ASSERT_EQ(w.rel.count, 2);
    UNIT_ASSERT(w.rel.log[1] == &w.obj[1]);

    /* A NULL table or a NULL callback: counts still drop, nothing called. */
    struct cap_ops none = { NULL, NULL };

    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[3], R), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 1, &w.obj[4], R), 0);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 0, NULL), 0);
    UNIT_ASSERT_EQ(cap_delete(&w.cs[0], 1, &none), 0);
    UNIT_ASSERT_EQ(w.obj[3].refs, 0);
    UNIT_ASSERT_EQ(w.obj[4].refs, 0);
    UNIT_ASSERT_EQ(w.rel.count, 2);
    check_world(&w);
}

UNIT_TEST(cap_cspace_destroy)
{
    struct world w;

    world_init(&w);
    /* cs1 dies. It holds: the only cap to obj[4]; a parent (slot 0) of
     * copies in cs2 and in cs1 itself; a copy (slot 5) of cs0's obj[2]. */
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[2], R | W | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 0, R | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 0, &w.cs[2], 0, R), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], 0, &w.cs[1], 3, R), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 5, W), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[1], 7, &w.obj[4], HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[1], NSLOTS - 1, &w.obj[1], HM_RIGHTS_ALL), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[1], NSLOTS - 1, &w.cs[3], 4, WT), 0);
    check_world(&w);

    UNIT_ASSERT_EQ(cspace_destroy(&w.cs[1], &w.ops), 5);
    UNIT_ASSERT_EQ(w.cs[1].used, 0);
    for (unsigned i = 0; i < NSLOTS; i++)
        UNIT_ASSERT_EQ(cspace_slot_free(&w.cs[1], i), 0);
    /* Only obj[4] had all its capabilities there. */
    UNIT_ASSERT_EQ(w.rel.count, 1);
    UNIT_ASSERT(w.rel.log[0] == &w.obj[4]);
    UNIT_ASSERT_EQ(w.obj[2].refs, 2);
    UNIT_ASSERT_EQ(w.obj[1].refs, 1);
    /* Copies elsewhere survive, re-parented: cs2's to cs0's original,
     * cs3's became an original. */
    UNIT_ASSERT(at(&w, 2, 0)->parent == at(&w, 0, 0));
    UNIT_ASSERT(at(&w, 3, 4)->parent == NULL);
    check_world(&w);
    /* The cspace can be used again; destroying it empty removes nothing. */
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 1, R), 0);
    UNIT_ASSERT_EQ(cspace_destroy(&w.cs[1], &w.ops), 1);
    UNIT_ASSERT_EQ(cspace_destroy(&w.cs[1], &w.ops), 0);
    UNIT_ASSERT_EQ(w.rel.count, 1);
    check_world(&w);

    /* Everything goes: every object released exactly once. */
    UNIT_ASSERT_EQ(cspace_destroy(&w.cs[0], &w.ops), 1);
    UNIT_ASSERT_EQ(cspace_destroy(&w.cs[2], &w.ops), 1);
    UNIT_ASSERT_EQ(cspace_destroy(&w.cs[3], &w.ops), 1);
    UNIT_ASSERT_EQ(w.rel.count, 3);
    UNIT_ASSERT(w.rel.log[1] == &w.obj[2]);
    UNIT_ASSERT(w.rel.log[2] == &w.obj[1]);
    UNIT_ASSERT(w.rel.consistent);
    check_world(&w);
}

/* ---------------------------------------------------------------------- */
/* A 10,000-long derivation chain                                          */
/* ---------------------------------------------------------------------- */

enum {
    CHAIN = 10000,           /* copies below the original */
    SMALL_STACK = 64 * 1024, /* stack the revoke must fit in */
    GUARD = 4096             /* inaccessible page below it */
};

static struct cap chain_slots[CHAIN + 1];
static struct cspace chain_cs;
static struct kobj chain_obj;

/* Original in slot 0, slot i copied from slot i - 1. */
static void chain_build(void)
{
    UNIT_ASSERT_EQ(cspace_init(&chain_cs, chain_slots, CHAIN + 1), 0);
    chain_obj.type = HM_CAP_MEMORY;
    chain_obj.refs = 0;
    UNIT_ASSERT_EQ(cap_insert(&chain_cs, 0, &chain_obj, R | W), 0);
    for (unsigned i = 1; i <= CHAIN; i++)
        UNIT_ASSERT_EQ(cap_copy(&chain_cs, i - 1, &chain_cs, i, i <= CHAIN / 2 ? R | W : R), 0);
    UNIT_ASSERT_EQ(chain_obj.refs, CHAIN + 1);
}

/* An operation to run on a small stack, and its result. */
struct chain_job {
    int (*op)(struct cspace *cs, unsigned slot, const struct cap_ops *ops);
    unsigned slot;
    int result;
};

static struct chain_job *cur_job;

/* Signal handler running on the small stack. No assertion here: a failing
 * one would longjmp out of the handler and off the alternate stack. */
static void job_handler(int sig)
{
    (void)sig;
    cur_job->result = cur_job->op(&chain_cs, cur_job->slot, NULL);
}

/* Run job->op on a SMALL_STACK-byte stack with an inaccessible guard page
 * below it: the handler of a synchronously raised signal, delivered on an
 * alternate signal stack. (Threads would be simpler, but <pthread.h> pulls
 * in <sched.h>, which the kernel's own sched.h shadows on the host include
 * path; makecontext() makes ASan print a warning.) 10,000 nested calls
 * need several times SMALL_STACK, so a recursive walk faults here. */
static int on_small_stack(struct chain_job *job)
{
    size_t len = GUARD + SMALL_STACK;
    char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    stack_t ss, old_ss;
    struct sigaction sa, old_sa;

    UNIT_ASSERT(mem != MAP_FAILED);
    UNIT_ASSERT_EQ(mprotect(mem, GUARD, PROT_NONE), 0);
    memset(&ss, 0, sizeof(ss));
    ss.ss_sp = mem + GUARD;
    ss.ss_size = SMALL_STACK;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = job_handler;
    sa.sa_flags = SA_ONSTACK;
    UNIT_ASSERT_EQ(sigemptyset(&sa.sa_mask), 0);
    UNIT_ASSERT_EQ(sigaltstack(&ss, &old_ss), 0);
    UNIT_ASSERT_EQ(sigaction(SIGUSR1, &sa, &old_sa), 0);
    cur_job = job;
    UNIT_ASSERT_EQ(raise(SIGUSR1), 0);
    /* Put back ASan's own alternate stack and the old disposition. */
    UNIT_ASSERT_EQ(sigaction(SIGUSR1, &old_sa, NULL), 0);
    UNIT_ASSERT_EQ(sigaltstack(&old_ss, NULL), 0);
    UNIT_ASSERT_EQ(munmap(mem, len), 0);
    return job->result;
}

UNIT_TEST(cap_chain_10000_revoke)
{
    struct cspace *set[1] = { &chain_cs };
    struct chain_job job = { cap_revoke, 0, -1 };

    chain_build();
    UNIT_ASSERT(cap_check_all(set, 1));
    UNIT_ASSERT_EQ(on_small_stack(&job), CHAIN);
    UNIT_ASSERT_EQ(chain_cs.used, 1);
    UNIT_ASSERT_EQ(chain_obj.refs, 1);
    UNIT_ASSERT(chain_slots[0].first_child == NULL);
    UNIT_ASSERT_EQ(cap_info(&chain_cs, CHAIN), -HM_EBADCAP);
    UNIT_ASSERT(cap_check_all(set, 1));

    /* Revoke from the middle of a fresh chain: the lower half goes. */
    chain_build();
    job.slot = CHAIN / 2;
    UNIT_ASSERT_EQ(on_small_stack(&job), CHAIN / 2);
    UNIT_ASSERT_EQ(chain_cs.used, CHAIN / 2 + 1);
    UNIT_ASSERT(cap_check_all(set, 1));
}

UNIT_TEST(cap_chain_10000_delete_destroy)
{
    struct cspace *set[1] = { &chain_cs };
    struct chain_job job = { cap_delete, 0, -1 };
    struct rel rel;
    struct cap_ops ops = { on_release, &rel };

    chain_build();
    /* Deleting the original makes its one child an original: O(1). */
    UNIT_ASSERT_EQ(on_small_stack(&job), 0);
    UNIT_ASSERT(chain_slots[1].parent == NULL);
    /* Deleting every other link keeps the chain connected. */
    for (unsigned i = 2; i < CHAIN; i += 2)
        UNIT_ASSERT_EQ(cap_delete(&chain_cs, i, NULL), 0);
    UNIT_ASSERT(chain_slots[CHAIN].parent == &chain_slots[CHAIN - 1]);
    UNIT_ASSERT(chain_slots[3].parent == &chain_slots[1]);
    UNIT_ASSERT(cap_check_all(set, 1));
    UNIT_ASSERT_EQ(chain_obj.refs, CHAIN / 2 + 1);

    memset(&rel, 0, sizeof(rel));
    UNIT_ASSERT_EQ(cspace_destroy(&chain_cs, &ops), CHAIN / 2 + 1);
    UNIT_ASSERT_EQ(rel.count, 1);
    UNIT_ASSERT(rel.log[0] == &chain_obj);
    UNIT_ASSERT_EQ(chain_cs.used, 0);
    UNIT_ASSERT(cap_check_all(set, 1));
}

/* ---------------------------------------------------------------------- */
/* The checkers catch broken links                                         */
/* ---------------------------------------------------------------------- */

UNIT_TEST(cap_check_detects_corruption)
{
    struct world w;
    struct cap saved;
    struct cap *a, *b, *c;

    world_init(&w);
    UNIT_ASSERT_EQ(cap_insert(&w.cs[0], 0, &w.obj[2], R | W | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 0, R | G), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 1, R), 0);
    a = at(&w, 0, 0);
    b = at(&w, 1, 0);
    c = at(&w, 1, 1);
    check_world(&w);

    /* Rights above the parent's. */
    saved = *c;
    c->rights = R | X;
    UNIT_ASSERT(!cap_check(c));
    *c = saved;
    /* Wrong object under a parent. */
    c->obj = &w.obj[3];
    UNIT_ASSERT(!cap_check(c));
    *c = saved;
    /* Broken sibling back link (c is first: b was copied first). */
    UNIT_ASSERT(a->first_child == c && c->next_sibling == b);
    b->prev_sibling = NULL;
    UNIT_ASSERT(!cap_check(c));
    UNIT_ASSERT(!cspace_check(&w.cs[1]));
    b->prev_sibling = c;
    /* Empty slot with a stale link. */
    at(&w, 2, 3)->parent = a;
    UNIT_ASSERT(!cap_check(at(&w, 2, 3)));
    at(&w, 2, 3)->parent = NULL;
    /* Wrong used count, wrong reference count. */
    w.cs[1].used++;
    UNIT_ASSERT(!cspace_check(&w.cs[1]));
    w.cs[1].used--;
    w.obj[2].refs++;
    UNIT_ASSERT(cspace_check(&w.cs[0]));
    UNIT_ASSERT(!cap_check_all(w.set, NCS));
    w.obj[2].refs--;
    /* A set that misses the cspace holding the copies. */
    UNIT_ASSERT(!cap_check_all(w.set, 1));
    /* A duplicate cspace in the set. */
    struct cspace *dup[2] = { &w.cs[0], &w.cs[0] };

    UNIT_ASSERT(!cap_check_all(dup, 2));
    /* A slot whose cspace pointer is wrong. */
    at(&w, 2, 0)->cs = &w.cs[3];
    UNIT_ASSERT(!cap_check(at(&w, 2, 0)));
    at(&w, 2, 0)->cs = &w.cs[2];
    /* A parent cycle not reachable from any original: b and c each
     * other's parent, both first children, with matching rights. */
    UNIT_ASSERT_EQ(cap_revoke(&w.cs[0], 0, NULL), 2);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 0, R), 0);
    UNIT_ASSERT_EQ(cap_copy(&w.cs[0], 0, &w.cs[1], 1, R), 0);
    check_world(&w);
    a->first_child = NULL;
    b->parent = c;
    b->prev_sibling = NULL;
    b->next_sibling = NULL;
    b->first_child = c;
    c->parent = b;
    c->prev_sibling = NULL;
    c->next_sibling = NULL;
    c->first_child = b;
    UNIT_ASSERT(cap_check(a) && cap_check(b) && cap_check(c));
    UNIT_ASSERT(cspace_check(&w.cs[0]) && cspace_check(&w.cs[1]));
    UNIT_ASSERT(!cap_check_all(w.set, NCS));
}

/* ---------------------------------------------------------------------- */
/* Random operations against a reference model                             */
/* ---------------------------------------------------------------------- */

enum {
    MSLOTS = NCS * NSLOTS, /* model slots, g = k * NSLOTS + i */
    STEPS = 20000,
    SLOT_RANGE = NSLOTS + 2 /* slot numbers drawn: some out of range */
};

/* The reference model: plain arrays, obvious (quadratic) algorithms. */
struct model {
    int obj[MSLOTS]; /* object index, -1: empty */
    unsigned rights[MSLOTS];
    int parent[MSLOTS]; /* model slot, -1: original */
    unsigned refs[NOBJ];
    unsigned released[NOBJ];
};

static uint64_t rng_state;

/* xorshift64*: deterministic, seeded per test. */
static uint32_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static unsigned pick(unsigned n)
{
    return rng() % n;
}

static void model_drop(struct model *m, int o)
{
    m->refs[o]--;
    if (m->refs[o] == 0)
        m->released[o]++;
}

/* Delete model slot g: children move to its parent. */
static void model_delete(struct model *m, int g)
{
    int o = m->obj[g];

    for (int j = 0; j < MSLOTS; j++)
        if (m->obj[j] >= 0 && m->parent[j] == g)
            m->parent[j] = m->parent[g];
    m->obj[g] = -1;
    m->rights[g] = 0;
    m->parent[g] = -1;
    model_drop(m, o);
}

/* Whether model slot j descends from g. */
static bool model_below(const struct model *m, int j, int g)
{
    for (int p = m->parent[j]; p >= 0; p = m->parent[p])
        if (p == g)
            return true;
    return false;
}

static int model_revoke(struct model *m, int g)
{
    int n = 0;
    bool below[MSLOTS];

    for (int j = 0; j < MSLOTS; j++)
        below[j] = m->obj[j] >= 0 && model_below(m, j, g);
    for (int j = 0; j < MSLOTS; j++) {
        if (below[j]) {
            m->obj[j] = -1;
            m->rights[j] = 0;
            m->parent[j] = -1;
            model_drop(m, m->obj[g]);
            n++;
        }
    }
    return n;
}

/* Compare the real world with the model, slot by slot. */
static void model_compare(struct world *w, const struct model *m, unsigned step)
{
    for (int g = 0; g < MSLOTS; g++) {
        const struct cap *c = &w->slots[g / NSLOTS][g % NSLOTS];
        const struct kobj *want = m->obj[g] < 0 ? NULL : &w->obj[m->obj[g]];
        const struct cap *wantp =
                m->parent[g] < 0 ? NULL : &w->slots[m->parent[g] / NSLOTS][m->parent[g] % NSLOTS];

        if (c->obj != want || c->rights != m->rights[g] || c->parent != wantp)
            UNIT_FAIL("step %u: slot %d differs from the model", step, g);
    }
    for (int o = 0; o < NOBJ; o++) {
        if (w->obj[o].refs != m->refs[o] || w->rel.per_obj[o] != m->released[o])
            UNIT_FAIL("step %u: object %d refs %u/%u released %u/%u", step, o, w->obj[o].refs,
                      m->refs[o], w->rel.per_obj[o], m->released[o]);
    }
    if (!cap_check_all(w->set, NCS))
        UNIT_FAIL("step %u: cap_check_all failed", step);
}

/* Expected result of cap_copy() by the rules of cap.h, in their order. */
static int model_copy_expect(const struct model *m, unsigned sk, unsigned ss, unsigned dk,
                             unsigned ds, unsigned rights)
{
    int sg = (int)(sk * NSLOTS + ss);
    int dg = (int)(dk * NSLOTS + ds);

    if (rights & ~HM_RIGHTS_ALL)
        return -HM_EINVAL;
    if (ss >= NSLOTS || m->obj[sg] < 0)
        return -HM_EBADCAP;
    if (ds >= NSLOTS)
        return -HM_EBADCAP;
    if (rights & ~m->rights[sg])
        return -HM_EPERM;
    if (dk != sk && !(m->rights[sg] & HM_RIGHT_GRANT))
        return -HM_EPERM;
    if (m->obj[dg] >= 0)
        return -HM_EEXIST;
    return 0;
}

/* Random rights: mostly a subset of @base, sometimes anything (even
 * undefined bits). */
static unsigned random_rights(unsigned base)
{
    unsigned r = pick(8);

    if (r == 0)
        return rng() & 0x7f;
    if (r == 1)
        return rng() & HM_RIGHTS_ALL;
    return base & rng();
}

/* What a random run exercised (asserted at its end so that a change of
 * the mix cannot silently turn the test into a no-op). */
struct stats {
    unsigned copies;       /* successful copies */
    unsigned cross_copies; /* ... into another cspace */
    unsigned denied;       /* copies refused with -HM_EPERM */
    unsigned reparents;    /* deletes of a capability that had copies */
    unsigned deep_revokes; /* revokes that deleted 3 or more */
    unsigned destroys;     /* cspace_destroy() that removed something */
    unsigned max_depth;    /* longest derivation chain seen */
};

/* Depth of model slot g below its original (0 for an original). */
static unsigned model_depth(const struct model *m, int g)
{
    unsigned d = 0;

    for (int p = m->parent[g]; p >= 0; p = m->parent[p])
        d++;
    return d;
}

static bool model_has_child(const struct model *m, int g)
{
    for (int j = 0; j < MSLOTS; j++)
        if (m->obj[j] >= 0 && m->parent[j] == g)
            return true;
    return false;
}

/* A random slot that is occupied (@full) or empty (!@full), as cspace k and
 * slot s; left unchanged if there is none. Biasing the draws this way
 * builds deep trees instead of mostly failing calls. */
static void pick_slot(const struct model *m, bool full, unsigned *k, unsigned *s)
{
    unsigned start = pick(MSLOTS);

    for (unsigned n = 0; n < MSLOTS; n++) {
        unsigned g = (start + n) % MSLOTS;

        if ((m->obj[g] >= 0) == full) {
            *k = g / NSLOTS;
            *s = g % NSLOTS;
            return;
        }
    }
}

static void random_run(uint64_t seed)
{
    static struct world w;
    static struct model m;
    struct stats st;

    rng_state = seed;
    memset(&st, 0, sizeof(st));
    world_init(&w);
    w.rel.set = NULL; /* checked after every step below instead */
    memset(&m, 0, sizeof(m));
    for (int g = 0; g < MSLOTS; g++) {
        m.obj[g] = -1;
        m.parent[g] = -1;
    }
    for (unsigned step = 0; step < STEPS; step++) {
        unsigned op = pick(100);
        unsigned k = pick(NCS), s = pick(SLOT_RANGE);
        int g;
        bool in;
        int got, want;

        /* Alternate growing and mixed phases so trees get deep. */
        if ((step / 1000) % 2 == 0 && op >= 60 && op < 88 && pick(4) != 0)
            op = 30;
        /* Mostly name a capability; sometimes anything, even out of range. */
        if (pick(4) != 0)
            pick_slot(&m, true, &k, &s);
        g = (int)(k * NSLOTS + s);
        in = s < NSLOTS;

        if (op < 12) {
            unsigned o = pick(NOBJ), r = random_rights(HM_RIGHTS_ALL);

            want = (r & ~HM_RIGHTS_ALL) ? -HM_EINVAL :
                   !in                  ? -HM_EBADCAP :
                   m.obj[g] >= 0        ? -HM_EEXIST :
                                          0;
            got = cap_insert(&w.cs[k], s, &w.obj[o], r);
            if (want == 0) {
                m.obj[g] = (int)o;
                m.rights[g] = r;
                m.parent[g] = -1;
                m.refs[o]++;
            }
        } else if (op < 60) {
            unsigned dk = pick(2) == 0 ? pick(NCS) : k, ds = pick(SLOT_RANGE);
            unsigned base = in && m.obj[g] >= 0 ? m.rights[g] : HM_RIGHTS_ALL;
            unsigned r = random_rights(base);

            if (pick(4) != 0)
                pick_slot(&m, false, &dk, &ds);
            want = model_copy_expect(&m, k, s, dk, ds, r);
            got = cap_copy(&w.cs[k], s, &w.cs[dk], ds, r);
            st.denied += want == -HM_EPERM;
            if (want == 0) {
                int dg = (int)(dk * NSLOTS + ds);

                st.copies++;
                st.cross_copies += dk != k;

                m.obj[dg] = m.obj[g];
                m.rights[dg] = r;
                m.parent[dg] = g;
                m.refs[m.obj[g]]++;
            }
        } else if (op < 77) {
            want = !in || m.obj[g] < 0 ? -HM_EBADCAP : 0;
            got = cap_delete(&w.cs[k], s, &w.ops);
            if (want == 0) {
                st.reparents += model_has_child(&m, g);
                model_delete(&m, g);
            }
        } else if (op < 87) {
            want = !in || m.obj[g] < 0 ? -HM_EBADCAP : model_revoke(&m, g);
            got = cap_revoke(&w.cs[k], s, &w.ops);
            st.deep_revokes += want >= 3;
        } else if (op < 88) {
            want = 0;
            for (int i = 0; i < NSLOTS; i++) {
                if (m.obj[k * NSLOTS + i] >= 0) {
                    model_delete(&m, (int)(k * NSLOTS + i));
                    want++;
                }
            }
            got = cspace_destroy(&w.cs[k], &w.ops);
            st.destroys += want > 0;
        } else if (op < 95) {
            unsigned type = pick(4), need = random_rights(HM_RIGHTS_ALL);
            struct cap *c = NULL;

            if (!in || m.obj[g] < 0)
                want = -HM_EBADCAP;
            else if (type != HM_CAP_NONE && w.obj[m.obj[g]].type != type)
                want = -HM_ETYPE;
            else if (need & ~m.rights[g])
                want = -HM_EPERM;
            else
                want = 0;
            got = cap_lookup(&w.cs[k], s, type, need, &c);
            if (got == 0 && c != &w.slots[k][s])
                UNIT_FAIL("step %u: lookup returned the wrong slot", step);
        } else {
            want = !in || m.obj[g] < 0 ? -HM_EBADCAP :
                                         (int)((w.obj[m.obj[g]].type << 16) | m.rights[g]);
            got = cap_info(&w.cs[k], s);
        }
        if (got != want)
            UNIT_FAIL("step %u op %u cspace %u slot %u: got %d, want %d", step, op, k, s, got,
                      want);
        model_compare(&w, &m, step);
        for (int j = 0; j < MSLOTS; j++)
            if (m.obj[j] >= 0 && model_depth(&m, j) > st.max_depth)
                st.max_depth = model_depth(&m, j);
    }
    /* The run must have exercised the interesting cases. */
    UNIT_ASSERT(st.copies >= 2000);
    UNIT_ASSERT(st.cross_copies >= 500);
    UNIT_ASSERT(st.denied >= 500);
    UNIT_ASSERT(st.reparents >= 300);
    UNIT_ASSERT(st.deep_revokes >= 50);
    UNIT_ASSERT(st.destroys >= 30);
    UNIT_ASSERT(st.max_depth >= 6);
    UNIT_ASSERT(w.rel.count >= 100);
}

UNIT_TEST(cap_random_model_seed1)
{
    random_run(0x9e3779b97f4a7c15ull);
}

UNIT_TEST(cap_random_model_seed2)
{
    random_run(12345);
}

UNIT_MAIN("stage1")
