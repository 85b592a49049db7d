// SPDX-License-Identifier: MIT
/*
 * cap.h - capability slots (cspaces) with copy, delete and revoke.
 *
 * Capabilities are the baseline access control of stage 1: HongMeng keeps
 * capabilities for every kernel object that is not reached through an
 * address token (those come in a later stage). A process names a kernel
 * object only through a slot of its cspace; the slot holds a capability =
 * (object, rights).
 *
 * Derivation. A capability made when its object is created is an original
 * (no parent, cap_insert()). cap_copy() makes a derived copy - a child of
 * its source - in the same or another cspace, with a subset of the source's
 * rights. Every capability remembers its parent, and each parent keeps a
 * doubly linked list of its children, so a capability is unlinked in O(1):
 *
 *       parent <-------------.------------.
 *         |                  |            |
 *         first_child ---> child <---> child <---> child     (prev/next)
 *
 * Every copy names the same object as its source, and its rights are a
 * subset of its parent's (an invariant that delete keeps, see below).
 *
 * - cap_delete() removes one capability. Its children are re-parented to its
 *   parent (or become originals), so deleting a capability never deletes
 *   someone else's copy, and a later revoke of an ancestor still reaches them.
 * - cap_revoke() deletes every descendant (any depth, any cspace) but keeps
 *   the capability itself. It iterates: a 10,000-long chain uses no more
 *   stack than a chain of one.
 *
 * Objects. Every kernel object starts with a struct kobj header holding the
 * number of capabilities that name it. When the last one goes (cap_delete()
 * or cspace_destroy(); never cap_revoke(), which keeps a capability to the
 * same object), the module calls ops->release so the kernel can destroy the
 * object. That count covers capabilities only: references the kernel holds
 * by itself (a running thread, a mapping) need their own accounting.
 *
 * Locking. The module has no locks and no global state. The kernel protects
 * ALL cspaces with one lock (the capability subsystem lock) around every
 * call: a copy or revoke touches several cspaces at once.
 *
 * Errors are negated HM_E* codes from <uapi/hm/syscall.h>. Every operation
 * checks all its arguments first and changes nothing when it fails
 * ("decode, then invoke").
 */
#ifndef CAP_H
#define CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uapi/hm/syscall.h>

/** Largest object type a capability may name (cap_info() packs it into 15 bits). */
#define CAP_TYPE_MAX 0x7fffu

/**
 * Header at the start of every kernel object that capabilities name.
 * The kernel sets @c type (an HM_CAP_* value, or a private kernel type
 * <= CAP_TYPE_MAX) and @c refs = 0 when it creates the object; from then on
 * only this module changes @c refs.
 */
struct kobj {
    uint32_t type; /**< HM_CAP_* type of the object (never HM_CAP_NONE) */
    uint32_t refs; /**< number of capabilities naming this object */
};

/**
 * What the module calls back into the kernel. Either the table or its
 * @c release may be NULL (nothing is called).
 *
 * @c release runs when the last capability to @p obj is gone, after the
 * module's own structures are consistent again. It must not call back into
 * this module on a cspace that is being walked, nor free such a cspace's
 * slot array: the simplest kernel policy is to queue the object and destroy
 * it after the capability operation returns.
 */
struct cap_ops {
    void (*release)(void *ctx, struct kobj *obj); /**< last capability to @p obj gone */
    void *ctx;                                    /**< first argument of @c release */
};

struct cspace;

/**
 * One slot of a cspace. Empty when @c obj is NULL (then every other field
 * except @c cs is zero). Originals have no parent and no siblings; the
 * children of one parent form a NULL-terminated doubly linked list.
 */
struct cap {
    struct kobj *obj;         /**< object named, NULL: empty slot */
    uint32_t rights;          /**< HM_RIGHT_* bits */
    uint32_t derived;         /**< 1: made by cap_derive(), names another object than its parent */
    struct cspace *cs;        /**< cspace owning this slot (set by cspace_init) */
    struct cap *parent;       /**< capability this was copied from, NULL: original */
    struct cap *first_child;  /**< head of the list of direct copies */
    struct cap *prev_sibling; /**< previous copy of the same parent */
    struct cap *next_sibling; /**< next copy of the same parent */
    uint64_t spare;           /**< pads a slot to 64 bytes: slot i is at slots + (i << 6), one
                                   shift on the IPC fast path (a 256-slot array stays 16 KiB) */
};
_Static_assert(sizeof(void *) != 8 || sizeof(struct cap) == 64, "struct cap is 64 bytes");

/** A process's capability space: an array of slots the kernel allocates. */
struct cspace {
    struct cap *slots; /**< slot array (HM_CSPACE_SLOTS per process) */
    unsigned nslots;   /**< number of slots */
    unsigned used;     /**< occupied slots */
};

/**
 * @brief Make an empty cspace over a caller-allocated slot array.
 * @param cs     the cspace to initialise.
 * @param slots  @p nslots slots; every one is cleared.
 * @param nslots number of slots, 1..INT_MAX (processes use HM_CSPACE_SLOTS).
 * @return 0, or -HM_EINVAL (NULL pointer, bad count; nothing is written).
 */
int cspace_init(struct cspace *cs, struct cap *slots, unsigned nslots);

/**
 * @brief Delete every capability of a cspace (a process died).
 *
 * Each capability goes as with cap_delete(): its copies elsewhere are
 * re-parented, not deleted, and objects whose last capability goes are
 * released. The cspace stays initialised (empty, reusable).
 *
 * @param cs  the cspace.
 * @param ops release callback (may be NULL).
 * @return number of capabilities removed, or -HM_EINVAL if @p cs is NULL.
 */
int cspace_destroy(struct cspace *cs, const struct cap_ops *ops);

/**
 * @brief Whether a slot can receive a new capability (checked by the kernel
 *        before it creates an object for HM_SYS_SPAWN, MEM_CREATE, ...).
 * @return 0 if @p slot is empty, -HM_EBADCAP if out of range, -HM_EEXIST if
 *         occupied, -HM_EINVAL if @p cs is NULL.
 */
int cspace_slot_free(const struct cspace *cs, unsigned slot);

/**
 * @brief Put an original capability (no parent) to @p obj into an empty slot.
 *
 * Used when an object is created; an object may have several originals
 * (a process's HM_SLOT_SELF and its parent's process capability).
 *
 * @param cs     destination cspace.
 * @param slot   destination slot.
 * @param obj    the object; its type must be 1..CAP_TYPE_MAX.
 * @param rights HM_RIGHT_* bits (subset of HM_RIGHTS_ALL).
 * @return 0; -HM_EINVAL (NULL cspace/object, bad type, unknown right bits),
 *         -HM_EBADCAP (slot out of range), -HM_EEXIST (slot occupied),
 *         -HM_ENOSPC (the object's reference count is saturated).
 */
int cap_insert(struct cspace *cs, unsigned slot, struct kobj *obj, unsigned rights);

/**
 * @brief Copy a capability: the new one is a child of the source.
 *
 * "Another process" is decided by comparing the cspaces: when @p dst_cs is
 * not @p src_cs the source needs HM_RIGHT_GRANT.
 *
 * Checked in this order (the first failure is returned):
 * -HM_EINVAL (NULL cspace, @p rights outside HM_RIGHTS_ALL),
 * -HM_EBADCAP (source slot out of range or empty, destination out of range),
 * -HM_EPERM (@p rights not a subset of the source's; GRANT missing for
 * another cspace), -HM_EEXIST (destination occupied, including the source
 * slot itself), -HM_ENOSPC (reference count saturated).
 *
 * @param src_cs   cspace holding the source.
 * @param src_slot source slot.
 * @param dst_cs   destination cspace (may equal @p src_cs).
 * @param dst_slot destination slot.
 * @param rights   rights of the copy; asking for a right the source lacks
 *                 fails (never a silent reduction).
 * @return 0 or a negated error as above.
 */
int cap_copy(struct cspace *src_cs, unsigned src_slot, struct cspace *dst_cs, unsigned dst_slot,
             unsigned rights);

/**
 * @brief Make a capability to a new object @p obj as a child of a source
 *        capability (to another object).
 *
 * Used for objects that exist only by virtue of another capability: an IPC
 * connection is derived from the service capability it was made with, so
 * revoking the service capability also removes every connection made
 * through its copies.  Checks as cap_copy(), except that @p rights are the
 * new object's own (not a subset of the source's) and the source needs
 * @p need rights.
 *
 * @return 0; -HM_EINVAL (NULL arguments, bad type or rights), -HM_EBADCAP,
 *         -HM_EPERM (source lacks @p need), -HM_EEXIST, -HM_ENOSPC.
 */
int cap_derive(struct cspace *src_cs, unsigned src_slot, struct cspace *dst_cs, unsigned dst_slot,
               struct kobj *obj, unsigned rights, unsigned need);

/**
 * @brief Delete one capability; its children move to its parent.
 *
 * The children (copies made from it) are not deleted: they become children
 * of its parent, or originals if it had none. Releases the object if this
 * was its last capability.
 *
 * @param cs   the cspace.
 * @param slot the slot.
 * @param ops  release callback (may be NULL).
 * @return 0, -HM_EBADCAP (out of range or empty), -HM_EINVAL (NULL cspace).
 */
int cap_delete(struct cspace *cs, unsigned slot, const struct cap_ops *ops);

/**
 * @brief Delete every descendant of a capability, in any cspace; keep it.
 *
 * Iterative (constant stack) and linear in the number of descendants.
 * Copies never release their object (the kept capability names it);
 * derived capabilities (cap_derive()) may release theirs.
 *
 * @param cs   the cspace.
 * @param slot the slot.
 * @param ops  release callback (may be NULL).
 * @return number of capabilities deleted (0 for one without copies),
 *         -HM_EBADCAP (out of range or empty), -HM_EINVAL (NULL cspace).
 */
int cap_revoke(struct cspace *cs, unsigned slot, const struct cap_ops *ops);

/**
 * @brief Find the capability a system call names.
 * @param cs            the caller's cspace.
 * @param slot          slot from the user.
 * @param type          required object type, HM_CAP_NONE for any.
 * @param rights_needed HM_RIGHT_* bits the capability must all have.
 * @param out           receives the capability on success (may be NULL);
 *                      untouched on error.
 * @return 0; -HM_EBADCAP (out of range or empty), -HM_ETYPE (wrong type),
 *         -HM_EPERM (a right missing), -HM_EINVAL (NULL cspace).
 */
int cap_lookup(struct cspace *cs, unsigned slot, unsigned type, unsigned rights_needed,
               struct cap **out);

/**
 * @brief What a slot holds, for HM_SYS_CAP_INFO.
 * @return (type << 16) | rights (always >= 0), -HM_EBADCAP (out of range
 *         or empty), -HM_EINVAL (NULL cspace).
 */
int cap_info(const struct cspace *cs, unsigned slot);

/* ---- consistency checks (tests and debug builds) ---------------------- */

/**
 * @brief Local consistency of one slot, in O(1).
 *
 * Empty: all fields but @c cs zero. Occupied: valid object type, refs >= 1,
 * known rights; a parent names the same object with a superset of the
 * rights; sibling links agree both ways and share the parent; the first
 * child has no previous sibling; an original has no siblings.
 *
 * @param c a slot (NULL: false).
 * @return true if consistent.
 */
bool cap_check(const struct cap *c);

/**
 * @brief cap_check() on every slot of a cspace, plus its slot back-pointers
 *        and its @c used count. O(number of slots).
 * @return true if consistent (NULL: false).
 */
bool cspace_check(const struct cspace *cs);

/**
 * @brief Whole-system check over a set of cspaces that is closed under
 *        derivation and holds every capability of the objects they name.
 *
 * cspace_check() on each, every parent and child link stays inside the
 * set, the derivation forest has no cycle (every capability is reachable
 * from an original), and every object's @c refs equals the number of
 * capabilities naming it. Cost: linear, plus O(n * distinct objects) for
 * the reference counts.
 *
 * @param cs array of @p n cspaces (no duplicates).
 * @param n  number of cspaces.
 * @return true if consistent.
 */
bool cap_check_all(struct cspace *const *cs, unsigned n);

#endif /* CAP_H */
