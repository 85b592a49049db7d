// SPDX-License-Identifier: MIT
/*
 * pgtable.h - a builder for AArch64 stage-1 translation tables of user
 * address spaces (TTBR0, one tree per process).
 *
 * The format is the VMSAv8-64 one with the 4 KiB granule and 39-bit virtual
 * addresses that arch/mmu.h sets up: a walk starts at level 1 (an L1 entry
 * covers 1 GiB, L2 2 MiB, L3 one 4 KiB page); descriptors are those of Arm
 * ARM D8.3 "Translation table descriptor formats". The builder only creates
 * table descriptors at L1/L2 and page descriptors at L3, never blocks; a walk
 * that meets a block (or any other encoding it did not write) in a user tree
 * treats it as a kernel bug and fails rather than guessing.
 *
 * The module is pure logic: it gets, reaches and returns table pages through
 * a small ops table, so the kernel plugs in its frame allocator and linear
 * map while host unit tests plug in malloc'd pages. It holds no locks (the
 * caller serialises calls on one tree) and issues no barriers or TLB
 * maintenance: after pt_map*() the caller makes the new descriptors visible
 * to the table walker (DSB ISHST); for pt_unmap() and pt_destroy() the
 * callback is where it invalidates the TLB (see pt_unmap()).
 *
 * Every call that returns an error has changed nothing ("decode, then
 * invoke"), including the set of table pages the tree owns.
 */
#ifndef PGTABLE_H
#define PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/mmu.h>
#include <uapi/hm/syscall.h>

/** First virtual address above the TTBR0 range (1 << VA_BITS). */
#define PT_VA_LIMIT (UL(1) << VA_BITS)

/** First physical address a descriptor cannot hold (48-bit output address). */
#define PT_PA_LIMIT (UL(1) << 48)

/** Descriptor bits reserved for software (D8.3: bits 58:55 are ignored by hardware). */
#define PT_SW_BITS (UL(0xf) << 55)

/**
 * Attribute bits a caller may pass to pt_map() / pt_map_each(): AttrIndx,
 * AP, SH, AF, nG, PXN, UXN and the software bits. Anything else (the
 * descriptor type bits, the output address, the Contiguous hint, DBM, ...)
 * is refused with -HM_EINVAL, and so is the reserved shareability value 0b01.
 */
#define PT_ATTR_ALLOWED \
    (PTE_ATTR(UL(7)) | PTE_AP_RO | PTE_SH_INNER | PTE_AF | PTE_NG | PTE_PXN | PTE_UXN | PT_SW_BITS)

/** How the builder gets, reaches and returns table pages (all tables are 4 KiB). */
struct pt_ops {
    /** Physical address of a zeroed, 4 KiB-aligned page; 0 if out of memory. */
    uint64_t (*alloc_table)(void *ctx);
    /** Return a page obtained from alloc_table(). */
    void (*free_table)(void *ctx, uint64_t pa);
    /** Where the kernel can read and write the table page at @p pa. */
    void *(*to_virt)(void *ctx, uint64_t pa);
    /** Passed to every callback above. */
    void *ctx;
};

/** One user translation tree. Fields are private to pgtable.c except for reading root. */
struct pt {
    uint64_t root;            /**< PA of the L1 table (the TTBR0 base address); 0 = none */
    const struct pt_ops *ops; /**< table page provider */
    uint64_t tables;          /**< table pages owned, root included */
};

/**
 * @brief Create an empty tree: allocate its L1 table.
 * @param pt  tree to initialise (any previous content is overwritten).
 * @param ops table page provider; all three callbacks must be set.
 * @return 0; -HM_EINVAL if @p pt, @p ops or a callback is NULL; -HM_ENOMEM if
 *         no page could be had (an allocator result that is not 4 KiB-aligned
 *         or not below PT_PA_LIMIT is returned to it and counts as no memory).
 *
 * Every table page the builder takes is zeroed again before use, whatever
 * the allocator promised: a stale word in a table would be a stray mapping.
 */
int pt_init(struct pt *pt, const struct pt_ops *ops);

/**
 * @brief Map [va, va + size) to [pa, pa + size) with 4 KiB pages.
 *
 * Each page descriptor is @p attrs | VALID | PAGE | AF; table descriptors are
 * added as needed (with PXNTable set: nothing in a user tree may ever run at
 * EL1).
 *
 * @param attrs AP/UXN/PXN/AttrIndx/SH/nG bits (a subset of PT_ATTR_ALLOWED).
 * @return 0, or with nothing changed:
 *         -HM_EINVAL  bad tree; va, pa or size not page-aligned; size 0;
 *                     va + size above PT_VA_LIMIT; pa + size above
 *                     PT_PA_LIMIT; attrs outside PT_ATTR_ALLOWED;
 *         -HM_EEXIST  some page of the range is already mapped;
 *         -HM_ENOMEM  a table page could not be allocated (the ones this call
 *                     had allocated are freed again);
 *         -HM_EIO     the walk met a descriptor the builder never writes
 *                     (a block): a kernel bug.
 */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs);

/**
 * @brief Like pt_map(), but every page gets its own frame from @p get_frame
 *        (anonymous memory).
 *
 * Frames are requested in address order, get_frame(ctx, page_va, &pa), and
 * must be 4 KiB-aligned and below PT_PA_LIMIT. No page becomes valid until
 * every frame and table of the range is in hand, so a failure never exposes
 * a half-built mapping to the hardware walker (nothing needs TLB maintenance
 * after an error). On any failure every frame obtained by this call is handed
 * back with put_frame(ctx, pa), in address order, and the tables it added are
 * freed.
 *
 * @return 0; the pt_map() errors; whatever negative value get_frame returned
 *         (a positive one becomes -HM_EIO); -HM_EINVAL also for a NULL
 *         callback or a frame that is misaligned or too high (that frame is
 *         handed back too, last). get_frame is never called when the range
 *         is invalid or already (partly) mapped.
 */
int pt_map_each(struct pt *pt, uint64_t va, uint64_t size, uint64_t attrs,
                int (*get_frame)(void *ctx, uint64_t va, uint64_t *pa),
                void (*put_frame)(void *ctx, uint64_t pa), void *ctx);

/**
 * @brief Unmap [va, va + size); every page of it must be mapped.
 *
 * For each page, in address order, the descriptor is cleared and then
 * unmapped(ctx, page_va, frame_pa) is called (@p unmapped may be NULL), so
 * the caller can invalidate the TLB and free the frame. Table pages that
 * become empty are freed afterwards; every one of them held a page handed to
 * the callback (now or earlier), so a TLBI by VA that is not the "last level
 * only" variant, done in the callback, also drops walk-cache entries for it
 * before its page is reused - provided the caller invalidates before a freed
 * page can be handed out again.
 *
 * @return 0, or with nothing changed: -HM_EINVAL for a bad tree or range
 *         (as pt_map()); -HM_EFAULT if some page of the range is not mapped;
 *         -HM_EIO for a descriptor the builder never writes.
 */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t size,
             void (*unmapped)(void *ctx, uint64_t va, uint64_t pa), void *ctx);

/**
 * @brief Translate one virtual address.
 * @param pa    set to the physical address of @p va (page offset included); may be NULL.
 * @param attrs set to the leaf descriptor's attribute bits (the descriptor
 *              without its output address and type bits, so the caller's
 *              attrs | PTE_AF); may be NULL.
 * @return 0, or -HM_EFAULT if @p va is not mapped, is at or above
 *         PT_VA_LIMIT, the walk meets a foreign descriptor, or @p pt is bad.
 */
int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *attrs);

/**
 * @brief Check that user code may access [va, va + len).
 *
 * Every page the range touches must be mapped with EL0 access: AP = EL0
 * read-write when @p write, EL0 read-only or read-write otherwise. This is
 * how the kernel validates user pointers of system calls before touching
 * them. @p va and @p len need not be aligned; a range that wraps around or
 * ends above PT_VA_LIMIT fails.
 *
 * @return 0 (always for len 0), or -HM_EFAULT.
 */
int pt_user_range_ok(const struct pt *pt, uint64_t va, uint64_t len, bool write);

/**
 * @brief Tear the tree down: call unmapped(ctx, va, pa) for every page still
 *        mapped (in address order; @p unmapped may be NULL), then free every
 *        table page, root included. The caller must have stopped using the
 *        tree (TTBR0 switched away, ASID invalidated) first. Afterwards
 *        pt->root is 0 and every other call fails with -HM_EINVAL (or
 *        -HM_EFAULT); destroying again does nothing.
 */
void pt_destroy(struct pt *pt, void (*unmapped)(void *ctx, uint64_t va, uint64_t pa), void *ctx);

/** @brief Number of table pages the tree owns (1 for an empty tree, 0 after pt_destroy()). */
uint64_t pt_table_pages(const struct pt *pt);

#endif
