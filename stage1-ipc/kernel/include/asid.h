// SPDX-License-Identifier: MIT
/*
 * asid.h - allocator of address-space identifiers (ASIDs).
 *
 * An ASID tags the TLB entries of one user address space (the nG pages of
 * TTBR0), so switching processes needs no TLB flush (Arm ARM D8.16
 * "Translation Lookaside Buffers", and TTBR0_EL1.ASID with TCR_EL1.AS for
 * the 8- or 16-bit width that ID_AA64MMFR0_EL1.ASIDBits reports). ASID 0 is
 * reserved for the kernel / "no process"; processes get 1..max.
 *
 * Policy: one ASID per live process, held for its whole life. There is no
 * generation roll-over: when all are in use, asid_alloc() fails with
 * -HM_ENOSPC and creating a process fails. This caps the number of live
 * processes at 255 (8-bit ASIDs) or 65535 (16-bit).
 *
 * Allocation is round-robin: the search starts after the ASID handed out
 * last, so a just-freed ASID is reused as late as possible. The kernel still
 * invalidates an ASID's TLB entries when it frees it; round-robin only keeps
 * stale entries on other CPUs (invalidated lazily or late) from mattering.
 *
 * Pure logic: the bitmap lives in storage the caller provides, no locks (the
 * kernel serialises calls), no global state.
 */
#ifndef ASID_H
#define ASID_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/hm/syscall.h>

/** Largest ASID with 16-bit ASIDs (TCR_EL1.AS = 1). */
#define ASID_MAX_16BIT 65535u
/** Largest ASID with 8-bit ASIDs. */
#define ASID_MAX_8BIT 255u

/** An ASID pool. Fields are private to asid.c. */
struct asid_pool {
    uint8_t *bits; /**< bit n set = ASID n in use; bit 0 always set (reserved) */
    unsigned max;  /**< largest ASID handed out */
    unsigned next; /**< where the next search starts, 1..max */
    unsigned used; /**< ASIDs in use, 0 excluded */
};

/**
 * @brief Bytes of bitmap storage asid_init() needs for ASIDs 0..@p max.
 * @return (max + 1) bits rounded up to whole bytes.
 */
size_t asid_bitmap_bytes(unsigned max);

/**
 * @brief Make an empty pool of ASIDs 1..@p max over caller storage.
 * @param p      pool to initialise.
 * @param max    largest ASID: 255 or 65535 from ID_AA64MMFR0_EL1.ASIDBits
 *               (any value 1..65535 is accepted; tests use small ones).
 * @param bitmap storage, at least asid_bitmap_bytes(max) bytes; it is cleared.
 * @param bytes  size of @p bitmap.
 * @return 0, or -HM_EINVAL (NULL pointer, max 0 or above 65535, storage too small).
 */
int asid_init(struct asid_pool *p, unsigned max, void *bitmap, size_t bytes);

/**
 * @brief Take a free ASID, the first one after the last handed out (wrapping to 1).
 * @return the ASID (1..max), or -HM_ENOSPC when all are in use (there is no
 *         roll-over), or -HM_EINVAL for a NULL or uninitialised pool.
 */
int asid_alloc(struct asid_pool *p);

/**
 * @brief Give an ASID back (the caller has invalidated its TLB entries).
 * @return 0, or -HM_EINVAL if @p asid is 0, above max or not allocated
 *         (nothing changes).
 */
int asid_free(struct asid_pool *p, unsigned asid);

/** @brief Number of ASIDs currently allocated (0 for a NULL pool). */
unsigned asid_in_use(const struct asid_pool *p);

#endif
