// SPDX-License-Identifier: MIT
/*
 * slab.c - fixed-size object caches over 4 KiB pages (API in slab.h).
 *
 * Page layout:
 *
 *   +------------------+---------+---------+-----+---------+--------+
 *   | struct slab_page | (pad to | slot 0  | ... | slot    | unused |
 *   | (header)         |  align) |         |     | n - 1   |        |
 *   +------------------+---------+---------+-----+---------+--------+
 *   0                           first     first + i * slot
 *
 * The header holds a magic value mixed with the page's own address (so a
 * copy of a header elsewhere, or a stale header of a page that went back to
 * the page source, is not taken for a live slab page), the owning cache,
 * list links, the number of live slots and a bitmap of them. A slot is
 * found by scanning the bitmap for a zero bit: at most SLAB_BITMAP_WORDS
 * word tests, i.e. O(1). Nothing is ever written into a free slot, so a
 * use-after-free write cannot break the allocator, and a double free or a
 * pointer that is not a slot start is refused by looking at the bitmap and
 * the slot arithmetic.
 *
 * Pages move between three places by fill level: `partial` (some slots
 * live, some free; allocation takes from here first), `full` and a single
 * cached `empty` page that absorbs alloc/free ping-pong at a page boundary.
 * A second page that becomes empty goes straight back to the page source.
 *
 * Freestanding C: <stdint.h>, <stddef.h>, <stdbool.h>, <string.h> only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "slab.h"

/* Marks a live slab page; stored XOR the page's address. */
#define SLAB_MAGIC 0x51ab0bec75ca4e11ull

/* Upper bound on slots per page, and the bitmap words that covers. */
#define SLAB_MAX_SLOTS (SLAB_PAGE_SIZE / SLAB_MIN_SLOT)
#define SLAB_BITMAP_WORDS (SLAB_MAX_SLOTS / 64)

/* Which list a page is on (kept in the header for slab_check and free). */
enum slab_list {
    ON_PARTIAL = 1,
    ON_FULL = 2,
    ON_EMPTY = 3,
};

/* The header at the start of every page the cache holds. */
struct slab_page {
    uint64_t magic;           /* SLAB_MAGIC ^ (address of this page) */
    struct slab_cache *owner; /* the cache holding the page */
    struct slab_page *next;   /* list links (NULL-terminated) */
    struct slab_page *prev;
    uint32_t inuse;                   /* live slots = bits set in live[] */
    uint32_t list;                    /* enum slab_list */
    uint64_t live[SLAB_BITMAP_WORDS]; /* bit i set: slot i is allocated */
};

_Static_assert(SLAB_MAX_SLOTS % 64 == 0, "bitmap words must cover the slots exactly");
_Static_assert(sizeof(struct slab_page) + SLAB_MAX_ALIGN + SLAB_MAX_OBJ <= SLAB_PAGE_SIZE,
               "the largest, most aligned object must fit next to the header");

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */
/* ---------------------------------------------------------------------- */

/* Magic value a live slab page at @pg carries. */
static uint64_t page_magic(const struct slab_page *pg)
{
    return SLAB_MAGIC ^ (uint64_t)(uintptr_t)pg;
}

/* Push @pg on the front of list @head and record which list it is on. */
static void list_add(struct slab_page **head, struct slab_page *pg, enum slab_list which)
{
    pg->prev = NULL;
    pg->next = *head;
    if (*head)
        (*head)->prev = pg;
    *head = pg;
    pg->list = which;
}

/* Unlink @pg from list @head (it must be on it). */
static void list_del(struct slab_page **head, struct slab_page *pg)
{
    if (pg->prev)
        pg->prev->next = pg->next;
    else
        *head = pg->next;
    if (pg->next)
        pg->next->prev = pg->prev;
    pg->next = NULL;
    pg->prev = NULL;
}

/* Take @pg off whichever of the cache's lists it is on. */
static void detach(struct slab_cache *c, struct slab_page *pg)
{
    if (pg->list == ON_PARTIAL)
        list_del(&c->partial, pg);
    else if (pg->list == ON_FULL)
        list_del(&c->full, pg);
    else
        c->empty = NULL;
    pg->list = 0;
}

/*
 * A fresh page from the page source, with a clean header.
 * Returns: the page (counted in c->pages, on no list yet), or NULL if the
 * source has no page or broke its contract by returning an unaligned one
 * (which is handed straight back: masking object addresses would not find
 * its header).
 */
static struct slab_page *page_new(struct slab_cache *c)
{
    void *p = c->ops.get_page(c->ops.ctx);
    struct slab_page *pg;

    if (!p)
        return NULL;
    if (((uintptr_t)p & (SLAB_PAGE_SIZE - 1)) != 0) {
        c->ops.put_page(c->ops.ctx, p);
        return NULL;
    }
    pg = p;
    memset(pg, 0, sizeof(*pg));
    pg->magic = page_magic(pg);
    pg->owner = c;
    c->pages++;
    return pg;
}

/* Give @pg (on no list, no live slot) back to the page source. The header
 * is wiped first so stale pointers into it are refused later. */
static void page_put(struct slab_cache *c, struct slab_page *pg)
{
    pg->magic = 0;
    pg->owner = NULL;
    c->pages--;
    c->ops.put_page(c->ops.ctx, pg);
}

/* Index of the first free slot of @pg, or c->per_page if there is none.
 * Bits at or above per_page are never set, so only the range check on the
 * result is needed. */
static uint32_t first_free_slot(const struct slab_cache *c, const struct slab_page *pg)
{
    for (uint32_t w = 0; w < SLAB_BITMAP_WORDS; w++) {
        uint64_t freebits = ~pg->live[w];

        if (freebits != 0) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(freebits);

            return i < c->per_page ? i : c->per_page;
        }
    }
    return c->per_page;
}

/* Set bits in @x (a loop, so no libgcc popcount helper is needed). */
static uint32_t bit_count(uint64_t x)
{
    uint32_t n = 0;

    while (x != 0) {
        x &= x - 1;
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------------- */
/* Public interface                                                        */
/* ---------------------------------------------------------------------- */

/*
 * Assumes: nothing about the arguments (all are checked).
 * Guarantees: slot >= max(obj_size, SLAB_MIN_SLOT) and is a multiple of
 * @align, and `first` is a multiple of @align; as pages are SLAB_PAGE_SIZE
 * aligned, every slot start is @align aligned.
 */
int slab_init(struct slab_cache *c, const char *name, size_t obj_size, size_t align,
              const struct slab_page_ops *ops)
{
    size_t slot, first;

    if (!c || !ops || !ops->get_page || !ops->put_page)
        return -HM_EINVAL;
    if (obj_size == 0 || obj_size > SLAB_MAX_OBJ)
        return -HM_EINVAL;
    if (align == 0 || align > SLAB_MAX_ALIGN || (align & (align - 1)) != 0)
        return -HM_EINVAL;

    slot = obj_size < SLAB_MIN_SLOT ? SLAB_MIN_SLOT : obj_size;
    slot = (slot + align - 1) & ~(align - 1);
    first = (sizeof(struct slab_page) + align - 1) & ~(align - 1);

    c->name = name;
    c->ops = *ops;
    c->obj_size = (uint32_t)obj_size;
    c->slot = (uint32_t)slot;
    c->first = (uint32_t)first;
    c->per_page = (uint32_t)((SLAB_PAGE_SIZE - first) / slot);
    c->partial = NULL;
    c->full = NULL;
    c->empty = NULL;
    c->live = 0;
    c->pages = 0;
    return 0;
}

/*
 * Assumes: @c was set up by slab_init() (or is NULL).
 * Guarantees: prefers a partial page, then the cached empty page, and only
 * then asks the page source, so pages are only taken when every held page
 * is full.
 */
void *slab_alloc(struct slab_cache *c)
{
    struct slab_page *pg;
    uint32_t i;
    uint8_t *obj;

    if (!c)
        return NULL;
    pg = c->partial;
    if (!pg) {
        pg = c->empty;
        if (pg)
            detach(c, pg);
        else
            pg = page_new(c);
        if (!pg)
            return NULL;
        list_add(&c->partial, pg, ON_PARTIAL);
    }

    i = first_free_slot(c, pg);
    if (i >= c->per_page)
        return NULL; /* a partial page always has a free slot; corrupted state */
    pg->live[i / 64] |= 1ull << (i % 64);
    pg->inuse++;
    c->live++;
    if (pg->inuse == c->per_page) {
        detach(c, pg);
        list_add(&c->full, pg, ON_FULL);
    }

    obj = (uint8_t *)pg + c->first + (size_t)i * c->slot;
    memset(obj, 0, c->obj_size);
    return obj;
}

/*
 * Assumes: @obj is NULL or readable (see slab.h).
 * Guarantees: all checks (owner, slot arithmetic, live bit) come before the
 * first change. A page left with no live slot becomes the cached empty page,
 * or goes back to the page source if one is cached already.
 */
int slab_free(struct slab_cache *c, void *obj)
{
    struct slab_page *pg;
    uintptr_t off;
    uint32_t i;

    if (!c || !obj)
        return -HM_EINVAL;
    pg = (struct slab_page *)((uintptr_t)obj & ~(uintptr_t)(SLAB_PAGE_SIZE - 1));
    if (pg->magic != page_magic(pg) || pg->owner != c)
        return -HM_EINVAL;
    off = (uintptr_t)obj - (uintptr_t)pg;
    if (off < c->first || (off - c->first) % c->slot != 0)
        return -HM_EINVAL;
    if ((off - c->first) / c->slot >= c->per_page)
        return -HM_EINVAL;
    i = (uint32_t)((off - c->first) / c->slot);
    if ((pg->live[i / 64] & (1ull << (i % 64))) == 0)
        return -HM_EINVAL;

    pg->live[i / 64] &= ~(1ull << (i % 64));
    pg->inuse--;
    c->live--;
    if (pg->inuse == 0) {
        detach(c, pg);
        if (!c->empty) {
            pg->list = ON_EMPTY;
            c->empty = pg;
        } else {
            page_put(c, pg);
        }
    } else if (pg->list == ON_FULL) {
        detach(c, pg);
        list_add(&c->partial, pg, ON_PARTIAL);
    }
    return 0;
}

size_t slab_live(const struct slab_cache *c)
{
    return c ? c->live : 0;
}

size_t slab_pages(const struct slab_cache *c)
{
    return c ? c->pages : 0;
}

/* Only the cached empty page can be completely free: slab_free() never
 * leaves an empty page on the partial or full list. */
void slab_reclaim(struct slab_cache *c)
{
    struct slab_page *pg;

    if (!c || !c->empty)
        return;
    pg = c->empty;
    detach(c, pg);
    page_put(c, pg);
}

/*
 * Check one page found on list @which of @c. Returns its live-slot count,
 * or -1 if the page is damaged or on the wrong list.
 */
static long check_page(const struct slab_cache *c, const struct slab_page *pg, enum slab_list which)
{
    uint32_t n = 0;

    if (((uintptr_t)pg & (SLAB_PAGE_SIZE - 1)) != 0)
        return -1;
    if (pg->magic != page_magic(pg) || pg->owner != c || pg->list != which)
        return -1;
    for (uint32_t w = 0; w < SLAB_BITMAP_WORDS; w++)
        n += bit_count(pg->live[w]);
    if (n != pg->inuse || n > c->per_page)
        return -1;
    /* No bit at or above per_page may be set. */
    for (uint32_t i = c->per_page; i < SLAB_MAX_SLOTS; i++) {
        if (pg->live[i / 64] & (1ull << (i % 64)))
            return -1;
    }
    if (which == ON_PARTIAL && (n == 0 || n == c->per_page))
        return -1;
    if (which == ON_FULL && n != c->per_page)
        return -1;
    if (which == ON_EMPTY && n != 0)
        return -1;
    return (long)n;
}

/*
 * Walk one list, checking back links and every page; adds to *@pages and
 * *@live. The walk is bounded by the page counter, so a cycle gives false.
 */
static bool check_list(const struct slab_cache *c, const struct slab_page *head,
                       enum slab_list which, size_t *pages, size_t *live)
{
    const struct slab_page *prev = NULL;

    for (const struct slab_page *pg = head; pg; pg = pg->next) {
        long n = check_page(c, pg, which);

        if (n < 0 || pg->prev != prev || *pages >= c->pages)
            return false;
        (*pages)++;
        *live += (size_t)n;
        prev = pg;
    }
    return true;
}

bool slab_check(const struct slab_cache *c)
{
    size_t pages = 0, live = 0;

    if (!c)
        return false;
    if (!check_list(c, c->partial, ON_PARTIAL, &pages, &live) ||
        !check_list(c, c->full, ON_FULL, &pages, &live))
        return false;
    if (c->empty) {
        if (c->empty->next || c->empty->prev || check_page(c, c->empty, ON_EMPTY) != 0)
            return false;
        pages++;
    }
    return pages == c->pages && live == c->live;
}
