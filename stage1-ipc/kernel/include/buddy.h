// SPDX-License-Identifier: MIT
/*
 * buddy.h - a binary buddy allocator for physical frames (4 KiB pages).
 *
 * One struct buddy_zone manages one contiguous physical range. The kernel
 * makes one zone per RAM range of the device tree, then releases into it
 * every piece that is really usable (RAM minus the kernel image, the device
 * tree, the initramfs and the zone's own metadata).
 *
 * The idea (Knowlton 1965, "A fast storage allocator"): memory is handed
 * out in blocks of 2^k frames, k = 0..BUDDY_MAX_ORDER. A block of order k
 * starts at a physical address that is a multiple of its own size; its
 * "buddy" is the other half of the order-(k+1) block that contains it, found
 * by flipping one address bit (PA ^ (4096 << k)). Splitting a block gives
 * two buddies; when a block is freed and its buddy is free and whole, the
 * two merge again, so fragmentation heals without any search.
 *
 * Alignment is by absolute physical address, not by offset from the zone's
 * base: an order-9 block (2 MiB) can always be mapped by one level-2 block
 * descriptor. A zone whose base is not aligned simply cannot hold big blocks
 * near its edges.
 *
 * All state lives in the caller's struct buddy_zone and in a metadata array
 * the caller provides (BUDDY_META_BYTES_PER_FRAME bytes per frame): per-frame
 * tags plus doubly linked free lists of frame indices. The allocator never
 * touches the frames it manages, so host tests can use any fake base and no
 * "physical" memory at all.
 *
 * Physical address 0 is never handed out: if a zone starts at 0, its first
 * frame stays reserved forever (buddy_release_range skips it), which is what
 * makes buddy_alloc's "0 = no memory" return unambiguous. (On the Raspberry
 * Pi 4 RAM does start at 0, and its first page holds the firmware's
 * spin-table anyway.)
 *
 * No locks, no allocation, no global state: the kernel wraps a zone in its
 * own lock. Errors are negated HM_E* codes from <uapi/hm/syscall.h>; every
 * function that returns an error has changed nothing.
 */
#ifndef BUDDY_H
#define BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Largest block order: blocks of 2^0 .. 2^10 frames (4 KiB .. 4 MiB). */
#define BUDDY_MAX_ORDER 10

/** Size of one frame (page) in bytes, and its log2. */
#define BUDDY_FRAME_SHIFT 12
#define BUDDY_FRAME_SIZE (1ull << BUDDY_FRAME_SHIFT)

/** Most frames one zone can manage (frame indices are 32-bit; one value is the list end). */
#define BUDDY_MAX_FRAMES 0xfffffffeull

/** Metadata bytes per frame: next and prev links (4 + 4) and a tag byte. */
#define BUDDY_META_BYTES_PER_FRAME 9u

/** Required alignment of the metadata buffer, in bytes. */
#define BUDDY_META_ALIGN 8u

/**
 * @brief One zone: a contiguous run of frames and its free lists.
 *
 * The caller allocates it (statically or anywhere); only buddy_* functions
 * should change it. Fields are public for debuggers and statistics.
 */
struct buddy_zone {
    uint64_t base;    /**< physical address of frame 0 (4 KiB aligned) */
    uint64_t nframes; /**< frames managed: [base, base + nframes * 4096) */
    uint32_t *next;   /**< per frame: next free block head of the same order (free heads only) */
    uint32_t *prev;   /**< per frame: previous free block head (free heads only) */
    uint8_t *tag;     /**< per frame: reserved / tail / free head k / allocated head k */
    uint32_t free_head[BUDDY_MAX_ORDER + 1];   /**< first free block of each order */
    uint64_t free_blocks[BUDDY_MAX_ORDER + 1]; /**< free blocks of each order */
    uint64_t free_frames;                      /**< sum over k of free_blocks[k] << k */
};

/**
 * @brief Bytes of metadata a zone of @p nframes frames needs.
 * @return nframes * BUDDY_META_BYTES_PER_FRAME, or 0 if nframes is 0 or
 *         larger than BUDDY_MAX_FRAMES (such a zone cannot be made).
 */
size_t buddy_meta_size(uint64_t nframes);

/**
 * @brief Set up a zone over [base, base + nframes * 4096). Every frame starts
 *        reserved: nothing can be allocated until buddy_release_range().
 * @param z         zone to initialise (overwritten on success only)
 * @param base      physical address of the first frame, 4 KiB aligned
 * @param nframes   number of frames, 1 .. BUDDY_MAX_FRAMES; the range must
 *                  not wrap around the 64-bit address space
 * @param meta      metadata buffer, BUDDY_META_ALIGN aligned; the zone keeps
 *                  using it (through this pointer) for its whole life
 * @param meta_size bytes at @p meta, at least buddy_meta_size(nframes)
 * @return 0, or -HM_EINVAL for any bad argument (and @p z is untouched).
 */
int buddy_init(struct buddy_zone *z, uint64_t base, uint64_t nframes, void *meta, size_t meta_size);

/**
 * @brief Make the whole frames inside [pa, pa + size) free.
 *
 * The range is rounded inward to whole frames (a range holding no whole frame
 * is accepted and changes nothing). Each frame must currently be reserved:
 * releasing a frame that is free or allocated is refused. A frame at physical
 * address 0 is skipped (never becomes free). Costs O(frames in the range).
 *
 * @return 0; -HM_EINVAL if @p z is NULL or a frame in the range is not
 *         reserved; -HM_ERANGE if [pa, pa + size) wraps around or is not
 *         inside the zone. On error nothing changed.
 */
int buddy_release_range(struct buddy_zone *z, uint64_t pa, uint64_t size);

/**
 * @brief Allocate 2^@p order contiguous frames, aligned by physical address
 *        to their size (PA % (4096 << order) == 0).
 *
 * Takes the smallest free block that is big enough and splits it; O(MAX_ORDER).
 * The frames' contents are whatever they were (the caller zeroes them).
 *
 * @return the block's physical address, or 0 if no block is free or
 *         @p order > BUDDY_MAX_ORDER (0 is never a valid block; see above).
 */
uint64_t buddy_alloc(struct buddy_zone *z, unsigned order);

/**
 * @brief Free a block from buddy_alloc() with the same @p order, merging it
 *        with its free buddies; O(MAX_ORDER).
 * @return 0, or -HM_EINVAL if @p pa is not the start of an allocated block of
 *         exactly this order in this zone (double free, wrong order, inside a
 *         block, misaligned, outside the zone, reserved). Nothing changes then.
 */
int buddy_free(struct buddy_zone *z, uint64_t pa, unsigned order);

/** @brief Total free frames in the zone (0 for NULL). */
uint64_t buddy_free_frames(const struct buddy_zone *z);

/** @brief Free blocks of exactly order @p order (0 for NULL or order > BUDDY_MAX_ORDER). */
uint64_t buddy_free_blocks(const struct buddy_zone *z, unsigned order);

/** @brief Whether physical address @p pa lies inside the zone's range (false for NULL). */
bool buddy_contains(const struct buddy_zone *z, uint64_t pa);

/**
 * @brief Check every invariant of the zone; for tests and debug builds. O(nframes).
 *
 * Free lists are well linked and hold exactly the free block heads of their
 * order; every block is naturally aligned, inside the zone and made of one
 * head followed by tails; no two free buddies of the same order are left
 * unmerged; the counters agree; a frame at PA 0 is reserved.
 *
 * @return true if the zone is consistent.
 */
bool buddy_check(const struct buddy_zone *z);

#endif
