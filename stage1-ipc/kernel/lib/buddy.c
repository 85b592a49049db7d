// SPDX-License-Identifier: MIT
/*
 * buddy.c - binary buddy allocator for physical frames (API in buddy.h).
 *
 * Metadata, per frame i of the zone (three arrays carved from the caller's
 * buffer, so the frames themselves are never written):
 *
 *   tag[i]   TAG_RESERVED      not allocatable (the boot state, and holes)
 *            TAG_TAIL          inside a block (free or allocated), not its head
 *            TAG_FREE  | k     first frame of a free block of order k
 *            TAG_ALLOC | k     first frame of an allocated block of order k
 *   next[i], prev[i]           free-list links, meaningful for free heads only
 *
 * Free lists are doubly linked lists of frame indices, one per order, so a
 * block can be unlinked in O(1) when its buddy is freed. Only heads change
 * state on split, merge, allocation and free; tails stay TAIL for as long as
 * their frame belongs to some block, so each operation touches O(1) frames
 * per order. The "allocated head of order k" tag is what lets buddy_free()
 * reject double frees, wrong orders and pointers into the middle of a block.
 *
 * The buddy of the block starting at frame number pfn (= PA >> 12) with order
 * k is pfn ^ 2^k: natural alignment is by absolute physical address, so
 * zones whose base is not aligned work unchanged - a buddy that would lie
 * outside the zone simply never merges.
 *
 * Freestanding C: <stdint.h>, <stddef.h>, <stdbool.h>, <string.h> only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "buddy.h"

/* Frame tags (see the file comment). The order sits in the low 6 bits. */
#define TAG_RESERVED 0x00u
#define TAG_TAIL 0x01u
#define TAG_FREE 0x40u
#define TAG_ALLOC 0x80u
#define TAG_KIND_MASK 0xc0u
#define TAG_ORDER_MASK 0x3fu

/* End marker of a free list (never a valid frame index: see BUDDY_MAX_FRAMES). */
#define NIL 0xffffffffu

_Static_assert(BUDDY_MAX_ORDER <= (int)TAG_ORDER_MASK, "order must fit the tag");
_Static_assert(BUDDY_MAX_FRAMES < NIL, "NIL must not be a frame index");

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* Physical address one past the zone's last frame. buddy_init() guarantees
 * that it does not wrap. */
static uint64_t zone_end(const struct buddy_zone *z)
{
    return z->base + (z->nframes << BUDDY_FRAME_SHIFT);
}

/* Physical address of frame @i. */
static uint64_t frame_pa(const struct buddy_zone *z, uint64_t i)
{
    return z->base + (i << BUDDY_FRAME_SHIFT);
}

/* Whether a block of order @k may start at frame @i: its physical frame
 * number must be a multiple of 2^k (alignment by absolute address). */
static bool block_aligned(const struct buddy_zone *z, uint64_t i, unsigned k)
{
    uint64_t pfn = (z->base >> BUDDY_FRAME_SHIFT) + i;

    return (pfn & ((1ull << k) - 1)) == 0;
}

/*
 * Index of the buddy of the order-@k block at frame @i.
 * Assumes: the block is aligned to order k.
 * Returns: true and the index in *@out if the buddy's first frame lies in
 * the zone; false if it lies outside (then there is nothing to merge with).
 */
static bool buddy_index(const struct buddy_zone *z, uint64_t i, unsigned k, uint64_t *out)
{
    uint64_t base_pfn = z->base >> BUDDY_FRAME_SHIFT;
    uint64_t bpfn = (base_pfn + i) ^ (1ull << k);

    if (bpfn < base_pfn || bpfn - base_pfn >= z->nframes)
        return false;
    *out = bpfn - base_pfn;
    return true;
}

/* Push the order-@k block at frame @i on the front of its free list and tag
 * it as a free head. Does not touch free_frames (callers count frames once,
 * for the block as it was freed, not for each merge step). */
static void list_push(struct buddy_zone *z, uint64_t i, unsigned k)
{
    uint32_t old = z->free_head[k];

    z->next[i] = old;
    z->prev[i] = NIL;
    if (old != NIL)
        z->prev[old] = (uint32_t)i;
    z->free_head[k] = (uint32_t)i;
    z->tag[i] = (uint8_t)(TAG_FREE | k);
    z->free_blocks[k]++;
}

/* Unlink the free order-@k block at frame @i from its list (O(1) thanks to
 * the prev links). The caller retags the frame. */
static void list_remove(struct buddy_zone *z, uint64_t i, unsigned k)
{
    uint32_t n = z->next[i];
    uint32_t p = z->prev[i];

    if (p != NIL)
        z->next[p] = n;
    else
        z->free_head[k] = n;
    if (n != NIL)
        z->prev[n] = p;
    z->free_blocks[k]--;
}

/*
 * Give the order-@k block at frame @i back to the free lists, merging it
 * with its buddy for as long as the buddy is a free block of the same order.
 * Assumes: the block is aligned, inside the zone, its tail frames are tagged
 * TAIL and it is on no free list; its head tag is about to be overwritten.
 * Guarantees: free_frames grows by 2^k; no two free buddies are left apart.
 */
static void insert_free(struct buddy_zone *z, uint64_t i, unsigned k)
{
    z->free_frames += 1ull << k;
    while (k < BUDDY_MAX_ORDER) {
        uint64_t b;

        if (!buddy_index(z, i, k, &b))
            break;
        /* A free head of order k at the buddy's position means the whole
         * buddy block is free (a smaller free head there means it is split). */
        if (z->tag[b] != (TAG_FREE | k))
            break;
        list_remove(z, b, k);
        /* The higher of the two heads becomes a tail of the merged block. */
        if (b > i) {
            z->tag[b] = TAG_TAIL;
        } else {
            z->tag[i] = TAG_TAIL;
            i = b;
        }
        k++;
    }
    list_push(z, i, k);
}

/* ---------------------------------------------------------------------- */
/* Public interface                                                        */
/* ---------------------------------------------------------------------- */

size_t buddy_meta_size(uint64_t nframes)
{
    if (nframes == 0 || nframes > BUDDY_MAX_FRAMES)
        return 0;
    return (size_t)nframes * BUDDY_META_BYTES_PER_FRAME;
}

/*
 * Assumes: nothing about the arguments (all are checked).
 * Guarantees: on success the metadata is laid out as next[n], prev[n] (the
 * 4-byte arrays first, so they are aligned), tag[n]; every tag is RESERVED,
 * every free list is empty.
 */
int buddy_init(struct buddy_zone *z, uint64_t base, uint64_t nframes, void *meta, size_t meta_size)
{
    size_t need = buddy_meta_size(nframes);
    uint8_t *m = meta;

    if (!z || !meta || need == 0 || meta_size < need)
        return -HM_EINVAL;
    if ((base & (BUDDY_FRAME_SIZE - 1)) != 0 || ((uintptr_t)meta & (BUDDY_META_ALIGN - 1)) != 0)
        return -HM_EINVAL;
    /* The range must not wrap: base + nframes * 4096 <= 2^64 - 1. */
    if (nframes > (UINT64_MAX - base) >> BUDDY_FRAME_SHIFT)
        return -HM_EINVAL;

    z->base = base;
    z->nframes = nframes;
    z->next = (uint32_t *)(void *)m;
    z->prev = (uint32_t *)(void *)(m + nframes * sizeof(uint32_t));
    z->tag = m + 2 * nframes * sizeof(uint32_t);
    /* Links are only read for free heads, so only the tags need a value. */
    memset(z->tag, TAG_RESERVED, (size_t)nframes);
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        z->free_head[k] = NIL;
        z->free_blocks[k] = 0;
    }
    z->free_frames = 0;
    return 0;
}

/*
 * Assumes: @z was set up by buddy_init().
 * Guarantees: validation (range, then every frame reserved) happens before
 * the first change, so an error leaves the zone as it was. The frames are
 * released as the largest aligned blocks that fit, each merged with any free
 * neighbours, so releasing adjacent pieces in any order ends in the same
 * maximal blocks.
 */
int buddy_release_range(struct buddy_zone *z, uint64_t pa, uint64_t size)
{
    uint64_t start, stop, cur;

    if (!z)
        return -HM_EINVAL;
    if (size > UINT64_MAX - pa)
        return -HM_ERANGE;
    if (size == 0)
        return 0;
    if (pa < z->base || pa + size > zone_end(z))
        return -HM_ERANGE;

    /* Round inward. Both stay inside the zone: its ends are frame aligned. */
    start = (pa + BUDDY_FRAME_SIZE - 1) & ~(BUDDY_FRAME_SIZE - 1);
    stop = (pa + size) & ~(BUDDY_FRAME_SIZE - 1);
    /* Physical address 0 never becomes free (0 means "none" to buddy_alloc). */
    if (start == 0)
        start = BUDDY_FRAME_SIZE;
    if (start >= stop)
        return 0;

    for (cur = start; cur < stop; cur += BUDDY_FRAME_SIZE) {
        if (z->tag[(cur - z->base) >> BUDDY_FRAME_SHIFT] != TAG_RESERVED)
            return -HM_EINVAL;
    }

    cur = start;
    while (cur < stop) {
        uint64_t i = (cur - z->base) >> BUDDY_FRAME_SHIFT;
        unsigned k = BUDDY_MAX_ORDER;

        /* Largest order that is aligned here and fits before @stop. */
        while (k > 0 && (!block_aligned(z, i, k) || stop - cur < (BUDDY_FRAME_SIZE << k)))
            k--;
        for (uint64_t j = 1; j < (1ull << k); j++)
            z->tag[i + j] = TAG_TAIL;
        insert_free(z, i, k);
        cur += BUDDY_FRAME_SIZE << k;
    }
    return 0;
}

/*
 * Assumes: @z was set up by buddy_init() (or is NULL).
 * Guarantees: the returned block is tagged ALLOC|order and is on no list; the
 * unused halves of the split block are free heads of orders order..k-1.
 */
uint64_t buddy_alloc(struct buddy_zone *z, unsigned order)
{
    unsigned k = order;
    uint64_t i;

    if (!z || order > BUDDY_MAX_ORDER)
        return 0;
    while (k <= BUDDY_MAX_ORDER && z->free_head[k] == NIL)
        k++;
    if (k > BUDDY_MAX_ORDER)
        return 0;

    i = z->free_head[k];
    list_remove(z, i, k);
    /* Split: keep the lower half, free the upper half (the lower half's
     * buddy), until the block has the order asked for. */
    while (k > order) {
        k--;
        list_push(z, i + (1ull << k), k);
    }
    z->tag[i] = (uint8_t)(TAG_ALLOC | order);
    z->free_frames -= 1ull << order;
    return frame_pa(z, i);
}

/*
 * Assumes: @z was set up by buddy_init() (or is NULL).
 * Guarantees: the block is accepted only if its first frame is tagged as an
 * allocated head of exactly @order, which no double free, wrong order,
 * interior address or reserved frame can fake.
 */
int buddy_free(struct buddy_zone *z, uint64_t pa, unsigned order)
{
    uint64_t i;

    if (!z || order > BUDDY_MAX_ORDER)
        return -HM_EINVAL;
    if ((pa & ((BUDDY_FRAME_SIZE << order) - 1)) != 0 || !buddy_contains(z, pa))
        return -HM_EINVAL;
    i = (pa - z->base) >> BUDDY_FRAME_SHIFT;
    if (z->tag[i] != (TAG_ALLOC | order))
        return -HM_EINVAL;
    insert_free(z, i, order);
    return 0;
}

uint64_t buddy_free_frames(const struct buddy_zone *z)
{
    return z ? z->free_frames : 0;
}

uint64_t buddy_free_blocks(const struct buddy_zone *z, unsigned order)
{
    if (!z || order > BUDDY_MAX_ORDER)
        return 0;
    return z->free_blocks[order];
}

bool buddy_contains(const struct buddy_zone *z, uint64_t pa)
{
    return z && pa >= z->base && pa < zone_end(z);
}

/*
 * Check one block head at frame @i with tag @t; add it to @heads/@frames if
 * free. Returns the block's length in frames, or 0 if the block is bad
 * (unknown tag, bad order, misaligned, past the zone's end, tails missing,
 * or a free block whose buddy is free with the same order and so should
 * have been merged).
 */
static uint64_t check_block(const struct buddy_zone *z, uint64_t i, uint8_t t, uint64_t *heads,
                            uint64_t *frames)
{
    unsigned kind = t & TAG_KIND_MASK;
    unsigned k = t & TAG_ORDER_MASK;
    uint64_t len, b;

    if ((kind != TAG_FREE && kind != TAG_ALLOC) || k > BUDDY_MAX_ORDER)
        return 0;
    len = 1ull << k;
    if (!block_aligned(z, i, k) || z->nframes - i < len)
        return 0;
    for (uint64_t j = 1; j < len; j++) {
        if (z->tag[i + j] != TAG_TAIL)
            return 0;
    }
    if (kind == TAG_FREE) {
        if (k < BUDDY_MAX_ORDER && buddy_index(z, i, k, &b) && z->tag[b] == t)
            return 0;
        heads[k]++;
        *frames += len;
    }
    return len;
}

/*
 * Assumes: @z points to a zone (possibly corrupted: every index is checked
 * before use and list walks are bounded, so a damaged zone gives false, not
 * a crash, as long as the metadata arrays themselves are intact in size).
 */
bool buddy_check(const struct buddy_zone *z)
{
    uint64_t heads[BUDDY_MAX_ORDER + 1] = { 0 };
    uint64_t frames = 0;
    uint64_t i = 0;

    if (!z || !z->tag || !z->next || !z->prev)
        return false;
    if (z->base == 0 && z->nframes > 0 && z->tag[0] != TAG_RESERVED)
        return false;

    /* Walk the zone block by block: every frame is reserved or belongs to
     * exactly one block that starts with a head. */
    while (i < z->nframes) {
        uint8_t t = z->tag[i];
        uint64_t len;

        if (t == TAG_RESERVED) {
            i++;
            continue;
        }
        len = check_block(z, i, t, heads, &frames);
        if (len == 0)
            return false;
        i += len;
    }

    /* Each list holds exactly the free heads of its order: every element is
     * such a head, back links agree (which also rules out cycles), and the
     * length equals the number of such heads found above. */
    for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
        uint64_t count = 0;
        uint32_t p = NIL;

        for (uint32_t x = z->free_head[k]; x != NIL; x = z->next[x]) {
            if (x >= z->nframes || z->tag[x] != (TAG_FREE | k) || z->prev[x] != p)
                return false;
            count++;
            if (count > heads[k])
                return false;
            p = x;
        }
        if (count != heads[k] || count != z->free_blocks[k])
            return false;
    }
    return frames == z->free_frames;
}
