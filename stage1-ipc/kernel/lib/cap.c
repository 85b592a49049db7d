// SPDX-License-Identifier: MIT
/*
 * cap.c - capability slots with copy, delete and revoke (API in cap.h).
 *
 * The derivation tree is kept with four pointers per capability: parent,
 * first child and a doubly linked list of siblings. That makes the two
 * operations a kernel does most - adding a copy and removing one
 * capability - O(1) for the links (delete also re-points the deleted
 * capability's direct children at their new parent, O(children)).
 *
 * Revoke walks the subtree below a capability without recursion: it goes
 * down first-child links to a leaf, deletes the leaf, and steps back up to
 * the leaf's parent, which may now be a leaf itself. Every edge is walked
 * down once and up once, so the walk is linear and uses constant stack -
 * the kernel stack is small and a user program decides the tree's depth.
 *
 * Every entry point validates all of its arguments before it writes
 * anything, so an error leaves every cspace and object exactly as it was.
 *
 * Freestanding: <stdint.h>, <stddef.h>, <stdbool.h> only; no allocation,
 * no global state, no locks (the kernel holds its capability lock).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uapi/hm/syscall.h>

#include "cap.h"

/* Most slots a cspace may have: counts are returned as int. */
#define CSPACE_MAX_SLOTS 0x7fffffffu

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */
/* ---------------------------------------------------------------------- */

/* The slot @slot of @cs, or NULL if it is out of range. Assumes @cs is a
 * cspace set up by cspace_init(). */
static struct cap *slot_at(const struct cspace *cs, unsigned slot)
{
    if (slot >= cs->nslots)
        return NULL;
    return &cs->slots[slot];
}

/* Whether a slot holds a capability. */
static bool occupied(const struct cap *c)
{
    return c->obj != NULL;
}

/* Whether @rights only uses defined HM_RIGHT_* bits. */
static bool rights_valid(unsigned rights)
{
    return (rights & ~HM_RIGHTS_ALL) == 0;
}

/* Whether @sub asks for nothing beyond @super. */
static bool rights_subset(unsigned sub, unsigned super)
{
    return (sub & ~super) == 0;
}

/* Whether an object header carries a type a capability may name. */
static bool type_valid(uint32_t type)
{
    return type != HM_CAP_NONE && type <= CAP_TYPE_MAX;
}

/* Make @c the first child of @parent.
 * Assumes: @c is occupied and unlinked (no parent, no siblings).
 * Guarantees: @c is in @parent's child list with @c->parent == @parent. */
static void link_child(struct cap *parent, struct cap *c)
{
    c->parent = parent;
    c->prev_sibling = NULL;
    c->next_sibling = parent->first_child;
    if (parent->first_child)
        parent->first_child->prev_sibling = c;
    parent->first_child = c;
}

/* Take @c out of its parent's child list (nothing to do for an original).
 * Guarantees: @c has no parent and no siblings; its own children are
 * untouched. O(1). */
static void unlink_from_parent(struct cap *c)
{
    struct cap *p = c->parent;

    if (!p)
        return;
    if (c->prev_sibling)
        c->prev_sibling->next_sibling = c->next_sibling;
    else
        p->first_child = c->next_sibling;
    if (c->next_sibling)
        c->next_sibling->prev_sibling = c->prev_sibling;
    c->parent = NULL;
    c->prev_sibling = NULL;
    c->next_sibling = NULL;
}

/* Empty an occupied, fully unlinked slot and count it out of its cspace.
 * Keeps @c->cs: the slot still belongs to the same cspace. */
static void clear_slot(struct cap *c)
{
    c->obj = NULL;
    c->rights = 0;
    c->derived = 0;
    c->first_child = NULL;
    c->cs->used--;
}

/* One capability to @obj is gone: drop the count and, when it reaches zero,
 * tell the kernel. Called only after the slot is cleared and every link is
 * consistent, so a release callback sees a well-formed system. */
static void drop_ref(struct kobj *obj, const struct cap_ops *ops)
{
    obj->refs--;
    if (obj->refs == 0 && ops && ops->release)
        ops->release(ops->ctx, obj);
}

/* Fill the empty slot @c with (@obj, @rights) as an original.
 * Assumes: @c empty, obj->refs < UINT32_MAX (checked by the callers). */
static void fill_slot(struct cap *c, struct kobj *obj, unsigned rights)
{
    c->obj = obj;
    c->rights = rights;
    c->derived = 0;
    c->parent = NULL;
    c->first_child = NULL;
    c->prev_sibling = NULL;
    c->next_sibling = NULL;
    obj->refs++;
    c->cs->used++;
}

/* Delete one occupied capability; its children move to its parent (or
 * become originals), keeping "a child's rights are a subset of its
 * parent's" true because rights only shrink down the tree.
 * Cost: O(number of direct children). */
static void delete_cap(struct cap *c, const struct cap_ops *ops)
{
    struct cap *p = c->parent;
    struct cap *first = c->first_child;
    struct cap *last = NULL;
    struct kobj *obj = c->obj;

    unlink_from_parent(c);
    if (p) {
        /* Re-point every child, then splice the whole list in front of
         * the parent's own children. */
        for (struct cap *k = first; k; k = k->next_sibling) {
            k->parent = p;
            last = k;
        }
        if (last) {
            last->next_sibling = p->first_child;
            if (p->first_child)
                p->first_child->prev_sibling = last;
            p->first_child = first;
        }
    } else {
        /* No grandparent: the children become originals, which are not
         * linked to each other. Read next before clearing it. */
        struct cap *k = first;

        while (k) {
            struct cap *next = k->next_sibling;

            k->parent = NULL;
            k->prev_sibling = NULL;
            k->next_sibling = NULL;
            k = next;
        }
    }
    c->first_child = NULL;
    clear_slot(c);
    drop_ref(obj, ops);
}

/* ---------------------------------------------------------------------- */
/* cspaces                                                                 */
/* ---------------------------------------------------------------------- */

/* Contract in cap.h. Every slot learns its cspace here, once: revoke and
 * delete reach slots of other cspaces only through derivation links, and
 * the back-pointer is how they keep those cspaces' used counts right and
 * how cap_copy() can tell "another process" from a pointer comparison. */
int cspace_init(struct cspace *cs, struct cap *slots, unsigned nslots)
{
    if (!cs || !slots || nslots == 0 || nslots > CSPACE_MAX_SLOTS)
        return -HM_EINVAL;
    for (unsigned i = 0; i < nslots; i++) {
        struct cap *c = &slots[i];

        c->obj = NULL;
        c->rights = 0;
        c->derived = 0;
        c->cs = cs;
        c->parent = NULL;
        c->first_child = NULL;
        c->prev_sibling = NULL;
        c->next_sibling = NULL;
    }
    cs->slots = slots;
    cs->nslots = nslots;
    cs->used = 0;
    return 0;
}

/* Slots are visited in order and each deletion leaves the system
 * consistent before the release callback runs, so a callback that (against
 * the advice in cap.h) empties more slots of this cspace is still safe: the
 * loop simply finds them empty. */
int cspace_destroy(struct cspace *cs, const struct cap_ops *ops)
{
    int removed = 0;

    if (!cs)
        return -HM_EINVAL;
    for (unsigned i = 0; i < cs->nslots; i++) {
        struct cap *c = &cs->slots[i];

        if (occupied(c)) {
            delete_cap(c, ops);
            removed++;
        }
    }
    return removed;
}

/* Contract in cap.h: the same range/occupancy answers cap_insert() would
 * give, so the kernel can fail a creating call before allocating. */
int cspace_slot_free(const struct cspace *cs, unsigned slot)
{
    const struct cap *c;

    if (!cs)
        return -HM_EINVAL;
    c = slot_at(cs, slot);
    if (!c)
        return -HM_EBADCAP;
    if (occupied(c))
        return -HM_EEXIST;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Capability operations                                                   */
/* ---------------------------------------------------------------------- */

/* Contract in cap.h. The object's type is validated here rather than
 * trusted later: cap_info() packs it into the positive half of an int. */
int cap_insert(struct cspace *cs, unsigned slot, struct kobj *obj, unsigned rights)
{
    struct cap *c;

    if (!cs || !obj || !type_valid(obj->type) || !rights_valid(rights))
        return -HM_EINVAL;
    c = slot_at(cs, slot);
    if (!c)
        return -HM_EBADCAP;
    if (occupied(c))
        return -HM_EEXIST;
    if (obj->refs == UINT32_MAX)
        return -HM_ENOSPC;
    fill_slot(c, obj, rights);
    return 0;
}

/* The order of the checks is part of the contract (cap.h): argument
 * values, then the source, then the destination's range, then the rights,
 * then the destination's occupancy. */
int cap_copy(struct cspace *src_cs, unsigned src_slot, struct cspace *dst_cs, unsigned dst_slot,
             unsigned rights)
{
    struct cap *src;
    struct cap *dst;

    if (!src_cs || !dst_cs || !rights_valid(rights))
        return -HM_EINVAL;
    src = slot_at(src_cs, src_slot);
    if (!src || !occupied(src))
        return -HM_EBADCAP;
    dst = slot_at(dst_cs, dst_slot);
    if (!dst)
        return -HM_EBADCAP;
    /* Never a silent reduction: the caller must ask for what it may get. */
    if (!rights_subset(rights, src->rights))
        return -HM_EPERM;
    if (dst_cs != src_cs && !(src->rights & HM_RIGHT_GRANT))
        return -HM_EPERM;
    /* Also catches dst == src: the source slot is occupied. */
    if (occupied(dst))
        return -HM_EEXIST;
    if (src->obj->refs == UINT32_MAX)
        return -HM_ENOSPC;
    fill_slot(dst, src->obj, rights);
    link_child(src, dst);
    return 0;
}

/* Contract in cap.h. */
int cap_derive(struct cspace *src_cs, unsigned src_slot, struct cspace *dst_cs, unsigned dst_slot,
               struct kobj *obj, unsigned rights, unsigned need)
{
    struct cap *src;
    struct cap *dst;

    if (!src_cs || !dst_cs || !obj || !type_valid(obj->type) || !rights_valid(rights) ||
        !rights_valid(need))
        return -HM_EINVAL;
    src = slot_at(src_cs, src_slot);
    if (!src || !occupied(src))
        return -HM_EBADCAP;
    dst = slot_at(dst_cs, dst_slot);
    if (!dst)
        return -HM_EBADCAP;
    if (!rights_subset(need, src->rights))
        return -HM_EPERM;
    if (occupied(dst))
        return -HM_EEXIST;
    if (obj == src->obj || obj->refs == UINT32_MAX)
        return obj == src->obj ? -HM_EINVAL : -HM_ENOSPC;
    fill_slot(dst, obj, rights);
    dst->derived = 1;
    link_child(src, dst);
    return 0;
}

/* Contract in cap.h; the work (and why children survive) is delete_cap(). */
int cap_delete(struct cspace *cs, unsigned slot, const struct cap_ops *ops)
{
    struct cap *c;

    if (!cs)
        return -HM_EINVAL;
    c = slot_at(cs, slot);
    if (!c || !occupied(c))
        return -HM_EBADCAP;
    delete_cap(c, ops);
    return 0;
}

/* Post-order walk without a stack: descend first-child links to a leaf,
 * delete it, continue from its parent. The parent of a deleted leaf is
 * either the root (start again at its next remaining child) or a node
 * still below the root (which may have become a leaf). Each descendant is
 * reached once from above and left once upwards: linear time, O(1) stack.
 *
 * Copies name the same object as @root, which stays, so their reference
 * counts never reach zero here; derived capabilities (cap_derive()) name
 * other objects, which drop_ref() releases when their last capability
 * goes. */
int cap_revoke(struct cspace *cs, unsigned slot, const struct cap_ops *ops)
{
    struct cap *root;
    struct cap *n;
    int deleted = 0;

    if (!cs)
        return -HM_EINVAL;
    root = slot_at(cs, slot);
    if (!root || !occupied(root))
        return -HM_EBADCAP;
    n = root->first_child;
    while (n) {
        struct cap *p;
        struct kobj *obj;

        if (n->first_child) {
            n = n->first_child;
            continue;
        }
        p = n->parent;
        obj = n->obj;
        unlink_from_parent(n);
        clear_slot(n);
        drop_ref(obj, ops);
        deleted++;
        if (p == root)
            n = root->first_child;
        else
            n = p;
    }
    return deleted;
}

/* Contract in cap.h. The checks go from "is there anything" to "is it
 * enough", so a user program learns no more than the first failure. */
int cap_lookup(struct cspace *cs, unsigned slot, unsigned type, unsigned rights_needed,
               struct cap **out)
{
    struct cap *c;

    if (!cs)
        return -HM_EINVAL;
    c = slot_at(cs, slot);
    if (!c || !occupied(c))
        return -HM_EBADCAP;
    if (type != HM_CAP_NONE && c->obj->type != type)
        return -HM_ETYPE;
    /* Unknown bits in rights_needed are simply rights nobody has. */
    if (!rights_subset(rights_needed, c->rights))
        return -HM_EPERM;
    if (out)
        *out = c;
    return 0;
}

/* Contract in cap.h (the HM_SYS_CAP_INFO encoding). */
int cap_info(const struct cspace *cs, unsigned slot)
{
    const struct cap *c;

    if (!cs)
        return -HM_EINVAL;
    c = slot_at(cs, slot);
    if (!c || !occupied(c))
        return -HM_EBADCAP;
    /* type <= CAP_TYPE_MAX and rights < 1 << 16: the result is >= 0. */
    return (int)((c->obj->type << 16) | c->rights);
}

/* ---------------------------------------------------------------------- */
/* Consistency checks                                                      */
/* ---------------------------------------------------------------------- */

/* Whether @c points into the slot array of its own cspace. Compared as
 * integers: the pointer may be garbage when a check fails. */
static bool in_own_cspace(const struct cap *c)
{
    const struct cspace *cs = c->cs;
    uintptr_t a, lo, hi;

    if (!cs || !cs->slots)
        return false;
    a = (uintptr_t)c;
    lo = (uintptr_t)cs->slots;
    hi = lo + (uintptr_t)cs->nslots * sizeof(struct cap);
    return a >= lo && a < hi && (a - lo) % sizeof(struct cap) == 0;
}

/* Only O(1) local facts, so that checking every slot of every cspace is
 * linear; cap_check_all() adds what needs a global view (cycles, closure,
 * reference counts). */
bool cap_check(const struct cap *c)
{
    if (!c || !in_own_cspace(c))
        return false;
    if (!c->obj)
        return c->rights == 0 && !c->parent && !c->first_child && !c->prev_sibling &&
               !c->next_sibling;
    if (!type_valid(c->obj->type) || c->obj->refs == 0 || !rights_valid(c->rights))
        return false;
    if (c->parent) {
        const struct cap *p = c->parent;

        /* A copy names its parent's object with no more rights; a derived
         * capability names another object (cap_derive()). */
        if (p == c || (!c->derived && (p->obj != c->obj || !rights_subset(c->rights, p->rights))))
            return false;
        if (c->derived && p->obj == c->obj)
            return false;
        if (!c->prev_sibling && p->first_child != c)
            return false;
    } else if (c->prev_sibling || c->next_sibling) {
        return false; /* originals are not linked to each other */
    }
    if (c->prev_sibling) {
        const struct cap *s = c->prev_sibling;

        if (s == c || s->next_sibling != c || s->parent != c->parent)
            return false;
    }
    if (c->next_sibling) {
        const struct cap *s = c->next_sibling;

        if (s == c || s->prev_sibling != c || s->parent != c->parent)
            return false;
    }
    if (c->first_child) {
        const struct cap *k = c->first_child;

        if (k->parent != c || k->prev_sibling)
            return false;
    }
    return true;
}

/* Contract in cap.h: cap_check() on each slot plus the cspace's own
 * bookkeeping (slot back-pointers, used count). */
bool cspace_check(const struct cspace *cs)
{
    unsigned used = 0;

    if (!cs || !cs->slots || cs->nslots == 0 || cs->nslots > CSPACE_MAX_SLOTS)
        return false;
    for (unsigned i = 0; i < cs->nslots; i++) {
        const struct cap *c = &cs->slots[i];

        if (c->cs != cs || !cap_check(c))
            return false;
        if (occupied(c))
            used++;
    }
    return used == cs->used;
}

/* Whether @cs is one of the @n cspaces of @set. */
static bool in_set(const struct cspace *cs, struct cspace *const *set, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (set[i] == cs)
            return true;
    return false;
}

/* Count the capabilities of the tree rooted at original @root, in pre-order
 * without a stack, adding them to *@visited. Fails if the walk leaves the
 * set or visits more than @limit capabilities (which can only happen if the
 * links are inconsistent). Assumes cspace_check() passed for the set. */
static bool walk_tree(const struct cap *root, struct cspace *const *set, unsigned n,
                      unsigned long limit, unsigned long *visited)
{
    const struct cap *c = root;

    for (;;) {
        (*visited)++;
        if (*visited > limit || !in_set(c->cs, set, n))
            return false;
        if (c->first_child) {
            c = c->first_child;
            continue;
        }
        /* Climb to the nearest ancestor (or self) with a next sibling. */
        while (c != root && !c->next_sibling)
            c = c->parent;
        if (c == root)
            return true;
        c = c->next_sibling;
    }
}

/* Whether @obj is named by a slot of the set before slot @slot of set[@k]. */
static bool seen_before(const struct kobj *obj, struct cspace *const *set, unsigned k,
                        unsigned slot)
{
    for (unsigned j = 0; j <= k; j++) {
        unsigned end = j < k ? set[j]->nslots : slot;

        for (unsigned i = 0; i < end; i++)
            if (set[j]->slots[i].obj == obj)
                return true;
    }
    return false;
}

/* Number of slots of the set, from slot @slot of set[@k] on, naming @obj. */
static unsigned long count_from(const struct kobj *obj, struct cspace *const *set, unsigned n,
                                unsigned k, unsigned slot)
{
    unsigned long count = 0;

    for (unsigned j = k; j < n; j++)
        for (unsigned i = j == k ? slot : 0; i < set[j]->nslots; i++)
            if (set[j]->slots[i].obj == obj)
                count++;
    return count;
}

/* Three passes: local checks (which make every list finite and every
 * link two-way), a walk from every original that must reach each
 * capability exactly once (so there is no cycle and nothing outside the
 * set), then the reference counts, each object counted at its first slot. */
bool cap_check_all(struct cspace *const *cs, unsigned n)
{
    unsigned long total = 0;
    unsigned long visited = 0;

    if (n > 0 && !cs)
        return false;
    for (unsigned k = 0; k < n; k++) {
        if (!cspace_check(cs[k]) || in_set(cs[k], cs, k))
            return false;
        total += cs[k]->used;
    }
    for (unsigned k = 0; k < n; k++) {
        for (unsigned i = 0; i < cs[k]->nslots; i++) {
            const struct cap *c = &cs[k]->slots[i];

            if (occupied(c) && !c->parent && !walk_tree(c, cs, n, total, &visited))
                return false;
        }
    }
    if (visited != total)
        return false;
    for (unsigned k = 0; k < n; k++) {
        for (unsigned i = 0; i < cs[k]->nslots; i++) {
            const struct kobj *obj = cs[k]->slots[i].obj;

            if (obj && !seen_before(obj, cs, k, i) && count_from(obj, cs, n, k, i) != obj->refs)
                return false;
        }
    }
    return true;
}
