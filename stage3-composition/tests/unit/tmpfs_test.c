// SPDX-License-Identifier: MIT
/*
 * tmpfs_test.c - host unit tests for the in-memory file system core
 * (services/tmpfs.c), against the contract in services/tmpfs.h: init and
 * the root, path parsing and its errors, create/lookup/remove/rename,
 * read/write/truncate with holes and the page cache, readdir, inode
 * exhaustion, running out of pages, backed files and reclaim (clean pages
 * dropped least recently used first, dirty and busy ones kept), and that
 * destroy gives every page back.
 *
 * Pages come from a malloc-based provider that counts the pages
 * outstanding, refuses to free a pointer it did not hand out, and can be
 * told to refuse allocations after a number of them or while it holds a
 * number of pages (-HM_ENOMEM paths, memory pressure).  For backed files
 * it also fills pages from in-memory backing copies (or fails to, when
 * told) and says which pages the test has marked busy.
 * struct tmpfs is large, so one static instance is re-initialised by every
 * test (setup()) and destroyed at its end (teardown(), which also checks
 * that no page is left outstanding).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hm/syscall.h>

#include "tmpfs.h"
#include "unit.h"

#define PG ((uint64_t)TMPFS_PAGE)
/* A string literal and its length (without the terminating NUL). */
#define P(s) (s), (sizeof(s) - 1)

/* ---- the page provider ---------------------------------------------------- */

#define PROV_SLOTS 4096

static struct {
    void *live[PROV_SLOTS]; /* pages handed out and not yet freed */
    long outstanding;       /* how many of them */
    long allocs;            /* successful allocations */
    long refused;           /* allocations refused by the budget or the limit */
    long budget;            /* allocations still allowed; < 0: unlimited */
    long limit;             /* pages that may be outstanding at once; < 0: no limit */
    long fills;             /* calls of fill (backed files) */
    long fill_err;          /* != 0: fill fails with this error */
    const void *busy[8];    /* pages the test says are in use elsewhere */
    int nbusy;
} prov;

static void *prov_alloc(void *ctx)
{
    void *p;
    int i;

    if (ctx != &prov)
        UNIT_FAIL("page alloc: wrong ctx %p", ctx);
    if (prov.budget == 0 || (prov.limit >= 0 && prov.outstanding >= prov.limit)) {
        prov.refused++;
        return NULL;
    }
    p = aligned_alloc(TMPFS_PAGE, TMPFS_PAGE);
    if (!p)
        UNIT_FAIL("host aligned_alloc failed");
    memset(p, 0, TMPFS_PAGE);
    for (i = 0; i < PROV_SLOTS && prov.live[i]; i++)
        ;
    if (i == PROV_SLOTS) {
        UNIT_FAIL("page provider: more than %d pages outstanding", PROV_SLOTS);
        return NULL; /* not reached: UNIT_FAIL ends the test */
    }
    prov.live[i] = p;
    prov.outstanding++;
    prov.allocs++;
    if (prov.budget > 0)
        prov.budget--;
    return p;
}

static void prov_free(void *ctx, void *page)
{
    if (ctx != &prov)
        UNIT_FAIL("page free: wrong ctx %p", ctx);
    for (int i = 0; i < PROV_SLOTS; i++) {
        if (page && prov.live[i] == page) {
            prov.live[i] = NULL;
            prov.outstanding--;
            memset(page, 0xa5, TMPFS_PAGE); /* stale reads show up as garbage */
            free(page);
            return;
        }
    }
    UNIT_FAIL("page free: %p was not handed out (or is freed twice)", page);
}

static const struct tmpfs_pages ops = { .alloc = prov_alloc, .free = prov_free, .ctx = &prov };

/* Allow n more allocations (then NULL); n < 0: unlimited. */
static void prov_allow(long n)
{
    prov.budget = n;
}

/* Hold at most n pages at once (then NULL until some come back); n < 0: no
 * limit. */
static void prov_limit(long n)
{
    prov.limit = n;
}

/* The provider handed out `page` and has not had it back. */
static bool prov_holds(const void *page)
{
    for (int i = 0; i < PROV_SLOTS; i++)
        if (page && prov.live[i] == page)
            return true;
    return false;
}

/* Forget the previous test: free what a failed test may have left. */
static void prov_reset(void)
{
    for (int i = 0; i < PROV_SLOTS; i++) {
        free(prov.live[i]);
        prov.live[i] = NULL;
    }
    prov.outstanding = 0;
    prov.allocs = 0;
    prov.refused = 0;
    prov.budget = -1;
    prov.limit = -1;
    prov.fills = 0;
    prov.fill_err = 0;
    prov.nbusy = 0;
}

/* ---- fixture ---------------------------------------------------------------- */

static struct tmpfs fs;

static void setup(void)
{
    prov_reset();
    memset(&fs, 0, sizeof(fs));
    UNIT_ASSERT_EQ(tmpfs_init(&fs, &ops), 0);
}

/* The FS's own count of pages agrees with the provider's. */
static void held_ok(void)
{
    UNIT_ASSERT_EQ(fs.pages_held, prov.outstanding);
}

static void teardown(void)
{
    prov_allow(-1);
    held_ok();
    tmpfs_destroy(&fs);
    UNIT_ASSERT_EQ(prov.outstanding, 0);
    UNIT_ASSERT_EQ(fs.pages_held, 0);
}

/* ---- helpers ---------------------------------------------------------------- */

static long lk(const char *p)
{
    return tmpfs_lookup(&fs, p, strlen(p));
}

static long cr(const char *p, enum tmpfs_type t)
{
    return tmpfs_create(&fs, p, strlen(p), t);
}

static int rm(const char *p)
{
    return tmpfs_remove(&fs, p, strlen(p));
}

static int mv(const char *a, const char *b)
{
    return tmpfs_rename(&fs, a, strlen(a), b, strlen(b));
}

static uint32_t mk(const char *p, enum tmpfs_type t)
{
    long r = cr(p, t);

    if (r <= 0)
        UNIT_FAIL("create(\"%s\") = %ld", p, r);
    UNIT_ASSERT(r >= 2 && r <= (long)TMPFS_INODES);
    UNIT_ASSERT_EQ(lk(p), r);
    return (uint32_t)r;
}

#define MKF(p) mk((p), TMPFS_FILE)
#define MKD(p) mk((p), TMPFS_DIR)

static struct tmpfs_stat stat_of(uint32_t ino)
{
    struct tmpfs_stat s;

    memset(&s, 0xee, sizeof(s));
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, ino, &s), 0);
    UNIT_ASSERT_EQ(s.ino, ino);
    return s;
}

static uint64_t size_of(uint32_t ino)
{
    return stat_of(ino).size;
}

static uint32_t pages_of(uint32_t ino)
{
    return stat_of(ino).pages;
}

/* A byte pattern that depends on the position (page included) and a seed,
 * and is never 0 so that holes are told apart from data. */
static uint8_t pat(uint64_t pos, unsigned seed)
{
    uint64_t x = pos * 2654435761u + seed * 40503u + (pos >> 12) * 977u;

    return (uint8_t)((x ^ (x >> 9) ^ (x >> 17)) % 255u + 1u);
}

static uint8_t wbuf[TMPFS_FILE_MAX + 2 * TMPFS_PAGE];
static uint8_t rbuf[TMPFS_FILE_MAX + 2 * TMPFS_PAGE];

static void fill(uint8_t *b, uint64_t off, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        b[i] = pat(off + i, seed);
}

/* Write len bytes of pattern `seed` at off; all of them must be written. */
static void write_pat(uint32_t ino, uint64_t off, size_t len, unsigned seed)
{
    long r;

    fill(wbuf, off, len, seed);
    r = tmpfs_write(&fs, ino, off, wbuf, len);
    if (r != (long)len)
        UNIT_FAIL("write(ino %u, off %llu, len %zu) = %ld", ino, (unsigned long long)off, len, r);
}

/* Read [off, off+len) (all of it must be there) and compare with pattern
 * `seed`. */
static void check_pat(uint32_t ino, uint64_t off, size_t len, unsigned seed)
{
    long r;

    memset(rbuf, 0, len);
    r = tmpfs_read(&fs, ino, off, rbuf, len);
    if (r != (long)len)
        UNIT_FAIL("read(ino %u, off %llu, len %zu) = %ld", ino, (unsigned long long)off, len, r);
    for (size_t i = 0; i < len; i++)
        if (rbuf[i] != pat(off + i, seed))
            UNIT_FAIL("ino %u byte %llu: 0x%02x, want 0x%02x", ino, (unsigned long long)(off + i),
                      rbuf[i], pat(off + i, seed));
}

/* Read [off, off+len) (all of it must be there): zeros only. */
static void check_zero(uint32_t ino, uint64_t off, size_t len)
{
    long r;

    memset(rbuf, 0x77, len);
    r = tmpfs_read(&fs, ino, off, rbuf, len);
    if (r != (long)len)
        UNIT_FAIL("read(ino %u, off %llu, len %zu) = %ld", ino, (unsigned long long)off, len, r);
    for (size_t i = 0; i < len; i++)
        if (rbuf[i] != 0)
            UNIT_FAIL("ino %u byte %llu: 0x%02x, want 0 (hole)", ino, (unsigned long long)(off + i),
                      rbuf[i]);
}

static bool all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < len; i++)
        if (b[i])
            return false;
    return true;
}

/* An error for a bad inode number: the header names -HM_ENOENT for stat
 * ("free or out of range") and -HM_EINVAL for a bad argument. */
static void bad_ino_err(long r)
{
    if (r != -HM_ENOENT && r != -HM_EINVAL)
        UNIT_FAIL("bad inode number: got %ld, want -HM_ENOENT or -HM_EINVAL", r);
}

/* ---- readdir helpers ---------------------------------------------------------- */

struct ent {
    char name[TMPFS_NAME_MAX + 1];
    uint32_t ino;
};

static struct ent got[TMPFS_INODES + 8];

/* Every entry of dir by index until -HM_ENOENT. */
static uint32_t list_dir(uint32_t dir)
{
    uint32_t n = 0;

    for (;;) {
        char name[TMPFS_NAME_MAX + 1];
        long r;

        memset(name, 'X', sizeof(name));
        r = tmpfs_readdir(&fs, dir, n, name, sizeof(name));
        if (r == -HM_ENOENT)
            break;
        if (r <= 0 || r > (long)TMPFS_INODES)
            UNIT_FAIL("readdir(%u, %u) = %ld", dir, n, r);
        UNIT_ASSERT(memchr(name, 0, sizeof(name)) != NULL);
        UNIT_ASSERT(n < TMPFS_INODES);
        strcpy(got[n].name, name);
        got[n].ino = (uint32_t)r;
        n++;
    }
    /* Names in one directory are unique, and so are inode numbers. */
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            if (strcmp(got[i].name, got[j].name) == 0)
                UNIT_FAIL("readdir(%u): \"%s\" listed twice", dir, got[i].name);
            UNIT_ASSERT(got[i].ino != got[j].ino);
        }
    return n;
}

/* dir lists exactly names[i] -> inos[i] (in any order), and its size says so. */
static void expect_dir(uint32_t dir, const char *const *names, const uint32_t *inos, uint32_t count)
{
    uint32_t n = list_dir(dir);

    if (n != count)
        UNIT_FAIL("directory %u lists %u entries, want %u", dir, n, count);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t j;

        for (j = 0; j < n; j++)
            if (strcmp(got[j].name, names[i]) == 0)
                break;
        if (j == n)
            UNIT_FAIL("directory %u does not list \"%s\"", dir, names[i]);
        UNIT_ASSERT_EQ(got[j].ino, inos[i]);
    }
    UNIT_ASSERT_EQ(size_of(dir), count);
}

/* ---- init and the root ---------------------------------------------------------- */

UNIT_TEST(tmpfs_init_root_stat)
{
    struct tmpfs_stat s;
    char name[TMPFS_NAME_MAX + 1];

    setup();
    UNIT_ASSERT_EQ(prov.outstanding, 0); /* the root holds no page */
    UNIT_ASSERT_EQ(fs.used, 1);
    UNIT_ASSERT_EQ(fs.pages_held, 0);
    s = stat_of(TMPFS_ROOT);
    UNIT_ASSERT_EQ(s.ino, TMPFS_ROOT);
    UNIT_ASSERT_EQ(s.type, TMPFS_DIR);
    UNIT_ASSERT_EQ(s.size, 0);
    UNIT_ASSERT_EQ(s.pages, 0);
    UNIT_ASSERT_EQ(s.parent, TMPFS_ROOT);
    UNIT_ASSERT_EQ(lk("/"), TMPFS_ROOT);
    UNIT_ASSERT_EQ(lk("//"), TMPFS_ROOT);
    UNIT_ASSERT_EQ(lk("///"), TMPFS_ROOT);
    UNIT_ASSERT_EQ(lk("/a"), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, 0, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, 2, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, TMPFS_INODES, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, TMPFS_INODES + 1, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, UINT32_MAX, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, TMPFS_ROOT, 0, name, sizeof(name)), -HM_ENOENT);
    teardown();
}

UNIT_TEST(tmpfs_init_rejects_bad_arguments)
{
    struct tmpfs_pages bad = ops;

    prov_reset();
    UNIT_ASSERT_EQ(tmpfs_init(&fs, NULL), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_init(NULL, &ops), -HM_EINVAL);
    bad.alloc = NULL;
    UNIT_ASSERT_EQ(tmpfs_init(&fs, &bad), -HM_EINVAL);
    bad = ops;
    bad.free = NULL;
    UNIT_ASSERT_EQ(tmpfs_init(&fs, &bad), -HM_EINVAL);
    UNIT_ASSERT_EQ(prov.outstanding, 0);
    /* A good provider still works afterwards. */
    setup();
    MKF("/f");
    teardown();
}

/* ---- create and lookup ----------------------------------------------------------- */

UNIT_TEST(tmpfs_create_file_and_dir_lookup)
{
    uint32_t f, d;
    struct tmpfs_stat s;

    setup();
    f = MKF("/f");
    d = MKD("/d");
    UNIT_ASSERT(f != d);
    UNIT_ASSERT(f != TMPFS_ROOT && d != TMPFS_ROOT);
    UNIT_ASSERT_EQ(fs.used, 3);
    UNIT_ASSERT_EQ(lk("/f"), f);
    UNIT_ASSERT_EQ(lk("//f"), f);
    UNIT_ASSERT_EQ(lk("/d"), d);
    UNIT_ASSERT_EQ(lk("/d/"), d);
    UNIT_ASSERT_EQ(lk("/d//"), d);
    UNIT_ASSERT_EQ(lk("///d///"), d);
    UNIT_ASSERT_EQ(lk("/g"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/F"), -HM_ENOENT); /* names are case-sensitive */
    UNIT_ASSERT_EQ(lk("/ff"), -HM_ENOENT);
    /* a name is matched whole, not as a prefix of a longer one */
    {
        uint32_t lng = MKF("/longname");

        UNIT_ASSERT_EQ(lk("/long"), -HM_ENOENT);
        UNIT_ASSERT_EQ(lk("/longnamex"), -HM_ENOENT);
        UNIT_ASSERT(mk("/long", TMPFS_FILE) != lng);
        UNIT_ASSERT_EQ(lk("/longname"), lng);
        UNIT_ASSERT_EQ(rm("/long"), 0);
        UNIT_ASSERT_EQ(rm("/longname"), 0);
    }
    s = stat_of(f);
    UNIT_ASSERT_EQ(s.type, TMPFS_FILE);
    UNIT_ASSERT_EQ(s.size, 0);
    UNIT_ASSERT_EQ(s.pages, 0);
    UNIT_ASSERT_EQ(s.parent, TMPFS_ROOT);
    s = stat_of(d);
    UNIT_ASSERT_EQ(s.type, TMPFS_DIR);
    UNIT_ASSERT_EQ(s.size, 0);
    UNIT_ASSERT_EQ(s.parent, TMPFS_ROOT);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 2);
    /* Creating a file takes no page. */
    UNIT_ASSERT_EQ(prov.outstanding, 0);
    teardown();
}

UNIT_TEST(tmpfs_nested_paths)
{
    uint32_t a, b, c, ac, rb;

    setup();
    a = MKD("/a");
    b = MKD("/a/b");
    c = MKF("/a/b/c");
    UNIT_ASSERT_EQ(lk("/a/b/c"), c);
    UNIT_ASSERT_EQ(lk("//a//b///c"), c);
    UNIT_ASSERT_EQ(lk("/a/b/"), b);
    UNIT_ASSERT_EQ(stat_of(c).parent, b);
    UNIT_ASSERT_EQ(stat_of(b).parent, a);
    UNIT_ASSERT_EQ(stat_of(a).parent, TMPFS_ROOT);
    UNIT_ASSERT_EQ(size_of(a), 1);
    UNIT_ASSERT_EQ(size_of(b), 1);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 1);
    UNIT_ASSERT_EQ(lk("/a/c"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/b"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/c"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/a/b/c/x"), -HM_ENOTDIR);
    UNIT_ASSERT_EQ(lk("/x/y"), -HM_ENOENT);
    /* The same name in different directories: different inodes. */
    ac = MKF("/a/c");
    rb = MKD("/b");
    UNIT_ASSERT(ac != c);
    UNIT_ASSERT(rb != b);
    UNIT_ASSERT_EQ(lk("/a/b/c"), c);
    UNIT_ASSERT_EQ(lk("/a/b"), b);
    UNIT_ASSERT_EQ(stat_of(ac).parent, a);
    UNIT_ASSERT_EQ(stat_of(rb).parent, TMPFS_ROOT);
    /* Paths go by their length, not by a terminating NUL. */
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, "/a/bXYZ", 4), b);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, "/a/b/c", 2), a);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, "/a/b/c", 5), b);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, "/a/b/c", 1), TMPFS_ROOT);
    UNIT_ASSERT(tmpfs_create(&fs, "/a/b/dZZ", 6, TMPFS_FILE) > 0);
    UNIT_ASSERT(lk("/a/b/d") > 0);
    UNIT_ASSERT_EQ(lk("/a/b/dZZ"), -HM_ENOENT);
    teardown();
}

UNIT_TEST(tmpfs_path_errors)
{
    uint32_t a, used;

    setup();
    a = MKD("/a");
    used = fs.used;
    /* relative */
    UNIT_ASSERT_EQ(lk("a"), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("a/b"), -HM_EINVAL);
    UNIT_ASSERT_EQ(cr("x", TMPFS_FILE), -HM_EINVAL);
    UNIT_ASSERT_EQ(cr("a/x", TMPFS_DIR), -HM_EINVAL);
    /* empty */
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, "/a", 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_create(&fs, "/x", 0, TMPFS_FILE), -HM_EINVAL);
    /* "." and ".." */
    UNIT_ASSERT_EQ(lk("/."), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("/.."), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("/a/."), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("/a/.."), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("/./a"), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("/a/../a"), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("/a/./"), -HM_EINVAL);
    UNIT_ASSERT_EQ(cr("/.", TMPFS_DIR), -HM_EINVAL);
    UNIT_ASSERT_EQ(cr("/..", TMPFS_FILE), -HM_EINVAL);
    UNIT_ASSERT_EQ(cr("/a/./x", TMPFS_FILE), -HM_EINVAL);
    UNIT_ASSERT_EQ(cr("/a/../x", TMPFS_FILE), -HM_EINVAL);
    /* a NUL inside the length */
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, P("/a\0")), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, P("/\0a")), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, P("/a/\0")), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_create(&fs, P("/x\0y"), TMPFS_FILE), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_create(&fs, P("/a/x\0"), TMPFS_DIR), -HM_EINVAL);
    /* None of that created anything. */
    UNIT_ASSERT_EQ(fs.used, used);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 1);
    UNIT_ASSERT_EQ(size_of(a), 0);
    UNIT_ASSERT_EQ(lk("/x"), -HM_ENOENT);
    /* Names that merely contain dots are ordinary names. */
    MKF("/...");
    MKF("/.h");
    MKF("/a.");
    MKD("/a/..b");
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 4);
    teardown();
}

UNIT_TEST(tmpfs_name_max_boundary)
{
    char p[2 * TMPFS_NAME_MAX + 16];
    char name[TMPFS_NAME_MAX + 1];
    uint32_t ok, d, used;

    setup();
    /* exactly TMPFS_NAME_MAX bytes: fine */
    p[0] = '/';
    memset(p + 1, 'n', TMPFS_NAME_MAX);
    p[1 + TMPFS_NAME_MAX] = '\0';
    ok = MKF(p);
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, TMPFS_ROOT, 0, name, sizeof(name)), ok);
    UNIT_ASSERT_EQ(strlen(name), TMPFS_NAME_MAX);
    UNIT_ASSERT_EQ(memcmp(name, p + 1, TMPFS_NAME_MAX), 0);
    used = fs.used;
    /* TMPFS_NAME_MAX + 1 bytes: too long (even though its first
     * TMPFS_NAME_MAX bytes name an existing file) */
    p[1 + TMPFS_NAME_MAX] = 'n';
    p[2 + TMPFS_NAME_MAX] = '\0';
    UNIT_ASSERT_EQ(lk(p), -HM_ENAMETOOLONG);
    UNIT_ASSERT_EQ(cr(p, TMPFS_FILE), -HM_ENAMETOOLONG);
    UNIT_ASSERT_EQ(cr(p, TMPFS_DIR), -HM_ENAMETOOLONG);
    UNIT_ASSERT_EQ(fs.used, used);
    /* inside a directory, too */
    d = MKD("/d");
    snprintf(p, sizeof(p), "/d/");
    memset(p + 3, 'm', TMPFS_NAME_MAX + 1);
    p[3 + TMPFS_NAME_MAX + 1] = '\0';
    UNIT_ASSERT_EQ(cr(p, TMPFS_FILE), -HM_ENAMETOOLONG);
    UNIT_ASSERT_EQ(lk(p), -HM_ENAMETOOLONG);
    UNIT_ASSERT_EQ(size_of(d), 0);
    p[3 + TMPFS_NAME_MAX] = '\0';
    MKF(p);
    UNIT_ASSERT_EQ(size_of(d), 1);
    /* a too-long name as a middle component */
    snprintf(p, sizeof(p), "/");
    memset(p + 1, 'q', TMPFS_NAME_MAX + 1);
    strcpy(p + 2 + TMPFS_NAME_MAX, "/x");
    UNIT_ASSERT_EQ(lk(p), -HM_ENAMETOOLONG);
    teardown();
}

UNIT_TEST(tmpfs_path_max_boundary)
{
    char p[TMPFS_PATH_MAX + 16];
    size_t n;
    uint32_t x, used;

    setup();
    /* "/x" and slashes up to exactly TMPFS_PATH_MAX bytes: fine */
    x = MKF("/x");
    memset(p, '/', sizeof(p));
    p[1] = 'x';
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, p, TMPFS_PATH_MAX), x);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, p, TMPFS_PATH_MAX + 1), -HM_ENAMETOOLONG);
    p[1] = 'y';
    used = fs.used;
    UNIT_ASSERT_EQ(tmpfs_create(&fs, p, TMPFS_PATH_MAX + 1, TMPFS_FILE), -HM_ENAMETOOLONG);
    UNIT_ASSERT_EQ(fs.used, used);
    UNIT_ASSERT_EQ(lk("/y"), -HM_ENOENT);
    /* Real components: four directories of TMPFS_NAME_MAX bytes (240 bytes
     * with their slashes), then a file name that makes 256 or 257 bytes. */
    n = 0;
    for (int i = 0; i < 4; i++) {
        p[n++] = '/';
        memset(p + n, 'a' + i, TMPFS_NAME_MAX);
        n += TMPFS_NAME_MAX;
        p[n] = '\0';
        MKD(p);
    }
    UNIT_ASSERT_EQ(n, 240);
    p[n++] = '/';
    memset(p + n, 'e', TMPFS_PATH_MAX + 1 - n);
    UNIT_ASSERT(tmpfs_create(&fs, p, TMPFS_PATH_MAX + 1, TMPFS_FILE) == -HM_ENAMETOOLONG);
    x = (uint32_t)tmpfs_create(&fs, p, TMPFS_PATH_MAX, TMPFS_FILE);
    UNIT_ASSERT((long)x > 0);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, p, TMPFS_PATH_MAX), x);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, p, TMPFS_PATH_MAX + 1), -HM_ENAMETOOLONG);
    UNIT_ASSERT_EQ(tmpfs_remove(&fs, p, TMPFS_PATH_MAX + 1), -HM_ENAMETOOLONG);
    UNIT_ASSERT_EQ(tmpfs_remove(&fs, p, TMPFS_PATH_MAX), 0);
    teardown();
}

UNIT_TEST(tmpfs_create_errors)
{
    uint32_t f, d, used;

    setup();
    f = MKF("/f");
    d = MKD("/d");
    used = fs.used;
    /* exists, whatever it is */
    UNIT_ASSERT_EQ(cr("/f", TMPFS_FILE), -HM_EEXIST);
    UNIT_ASSERT_EQ(cr("/f", TMPFS_DIR), -HM_EEXIST);
    UNIT_ASSERT_EQ(cr("//f", TMPFS_FILE), -HM_EEXIST);
    UNIT_ASSERT_EQ(cr("/d", TMPFS_DIR), -HM_EEXIST);
    UNIT_ASSERT_EQ(cr("/d/", TMPFS_FILE), -HM_EEXIST);
    /* the root exists */
    UNIT_ASSERT_EQ(cr("/", TMPFS_DIR), -HM_EEXIST);
    UNIT_ASSERT_EQ(cr("/", TMPFS_FILE), -HM_EEXIST);
    UNIT_ASSERT_EQ(cr("//", TMPFS_DIR), -HM_EEXIST);
    /* missing parent */
    UNIT_ASSERT_EQ(cr("/nope/x", TMPFS_FILE), -HM_ENOENT);
    UNIT_ASSERT_EQ(cr("/nope/x/y", TMPFS_DIR), -HM_ENOENT);
    UNIT_ASSERT_EQ(cr("/d/nope/x", TMPFS_FILE), -HM_ENOENT);
    /* parent is a file */
    UNIT_ASSERT_EQ(cr("/f/x", TMPFS_FILE), -HM_ENOTDIR);
    UNIT_ASSERT_EQ(cr("/f/x/y", TMPFS_DIR), -HM_ENOTDIR);
    /* not a type one can create */
    UNIT_ASSERT_EQ(cr("/t", TMPFS_FREE), -HM_EINVAL);
    UNIT_ASSERT_EQ(cr("/t", (enum tmpfs_type)7), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("/t"), -HM_ENOENT);
    /* nothing changed */
    UNIT_ASSERT_EQ(fs.used, used);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 2);
    UNIT_ASSERT_EQ(size_of(d), 0);
    UNIT_ASSERT_EQ(stat_of(f).type, TMPFS_FILE);
    UNIT_ASSERT_EQ(stat_of(d).type, TMPFS_DIR);
    teardown();
}

/* ---- read and write ------------------------------------------------------------- */

UNIT_TEST(tmpfs_write_read_back)
{
    uint32_t f;
    char b[128];

    setup();
    f = MKF("/f");
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "hello world", 11), 11);
    UNIT_ASSERT_EQ(size_of(f), 11);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    memset(b, 0, sizeof(b));
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, b, 11), 11);
    UNIT_ASSERT_EQ(memcmp(b, "hello world", 11), 0);
    memset(b, 0, sizeof(b));
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 6, b, 5), 5);
    UNIT_ASSERT_EQ(memcmp(b, "world", 5), 0);
    /* partial read at the end */
    memset(b, 0, sizeof(b));
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, b, sizeof(b)), 11);
    UNIT_ASSERT_EQ(memcmp(b, "hello world", 11), 0);
    memset(b, 0, sizeof(b));
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 8, b, 100), 3);
    UNIT_ASSERT_EQ(memcmp(b, "rld", 3), 0);
    /* at or past the end: 0 */
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 11, b, 10), 0);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 12, b, 10), 0);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, PG, b, 10), 0);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, UINT64_MAX, b, 10), 0);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, UINT64_MAX - 3, b, 10), 0);
    /* overwrite in the middle: the size stays */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 6, "WORLD", 5), 5);
    UNIT_ASSERT_EQ(size_of(f), 11);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, b, sizeof(b)), 11);
    UNIT_ASSERT_EQ(memcmp(b, "hello WORLD", 11), 0);
    /* append */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 11, "!", 1), 1);
    UNIT_ASSERT_EQ(size_of(f), 12);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, b, sizeof(b)), 12);
    UNIT_ASSERT_EQ(memcmp(b, "hello WORLD!", 12), 0);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    held_ok();
    teardown();
}

UNIT_TEST(tmpfs_write_hole_reads_zero)
{
    uint32_t f;
    const uint64_t off = 3 * PG + 10;
    uint8_t *p;

    setup();
    f = MKF("/f");
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, off, "abcde", 5), 5);
    UNIT_ASSERT_EQ(size_of(f), off + 5);
    UNIT_ASSERT_EQ(pages_of(f), 1); /* the hole holds no page */
    check_zero(f, 0, off);
    memset(rbuf, 0, 64);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, off - 3, rbuf, 64), 8);
    UNIT_ASSERT_EQ(memcmp(rbuf, "\0\0\0abcde", 8), 0);
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, false) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, false) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 2, false) == NULL);
    p = tmpfs_page(&fs, f, 3, false);
    UNIT_ASSERT(p != NULL);
    UNIT_ASSERT_EQ(memcmp(p + 10, "abcde", 5), 0);
    /* one byte into the middle of the hole takes just that page */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, PG + 7, "Z", 1), 1);
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT_EQ(size_of(f), off + 5);
    check_zero(f, 0, PG + 7);
    check_zero(f, PG + 8, off - (PG + 8));
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, false) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 2, false) == NULL);
    held_ok();
    teardown();
}

UNIT_TEST(tmpfs_write_spanning_pages)
{
    uint32_t f;
    const uint64_t off = PG - 100;
    const size_t n = 3 * PG + 500;
    uint64_t end = off + n;

    setup();
    f = MKF("/f");
    write_pat(f, off, n, 1);
    UNIT_ASSERT_EQ(size_of(f), end);
    UNIT_ASSERT_EQ(pages_of(f), (end - 1) / PG - off / PG + 1); /* 5 */
    check_zero(f, 0, off);
    check_pat(f, off, n, 1);
    /* in chunks that straddle page boundaries */
    for (uint64_t o = off; o < end; o += 1000)
        check_pat(f, o, (size_t)(end - o < 1000 ? end - o : 1000), 1);
    check_pat(f, 2 * PG - 1, 2, 1);
    check_pat(f, 3 * PG - 1, 2, 1);
    /* overwrite across a boundary with another pattern */
    write_pat(f, 2 * PG - 50, 100, 2);
    check_pat(f, off, (size_t)(2 * PG - 50 - off), 1);
    check_pat(f, 2 * PG - 50, 100, 2);
    check_pat(f, 2 * PG + 50, (size_t)(end - (2 * PG + 50)), 1);
    UNIT_ASSERT_EQ(size_of(f), end);
    UNIT_ASSERT_EQ(pages_of(f), 5);
    held_ok();
    teardown();
}

UNIT_TEST(tmpfs_file_max_limit)
{
    uint32_t f, g;
    uint8_t b[2] = { 0x11, 0x22 };
    uint8_t *last;
    long r;

    setup();
    f = MKF("/f");
    write_pat(f, 0, TMPFS_FILE_MAX, 3);
    UNIT_ASSERT_EQ(size_of(f), TMPFS_FILE_MAX);
    UNIT_ASSERT_EQ(pages_of(f), TMPFS_FILE_PAGES);
    check_pat(f, 0, TMPFS_FILE_MAX, 3);
    held_ok();
    /* past the limit */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, TMPFS_FILE_MAX, b, 1), -HM_EFBIG);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, TMPFS_FILE_MAX + PG, b, 1), -HM_EFBIG);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, UINT64_MAX, b, 2), -HM_EFBIG); /* off + len wraps */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, UINT64_MAX - 1, b, 2), -HM_EFBIG);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, TMPFS_FILE_MAX + 1), -HM_EFBIG);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, UINT64_MAX), -HM_EFBIG);
    UNIT_ASSERT_EQ(size_of(f), TMPFS_FILE_MAX);
    /* straddling the limit: refused whole (a failed call changes nothing)
     * or cut at the limit; either way nothing lands past it */
    r = tmpfs_write(&fs, f, TMPFS_FILE_MAX - 1, b, 2);
    UNIT_ASSERT(r == -HM_EFBIG || r == 1);
    UNIT_ASSERT_EQ(size_of(f), TMPFS_FILE_MAX);
    check_pat(f, 0, TMPFS_FILE_MAX - 1, 3);
    memset(rbuf, 0, 4);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, TMPFS_FILE_MAX - 1, rbuf, 4), 1);
    UNIT_ASSERT_EQ(rbuf[0], r == 1 ? 0x11 : pat(TMPFS_FILE_MAX - 1, 3));
    /* the page cache ends at TMPFS_FILE_PAGES */
    last = tmpfs_page(&fs, f, TMPFS_FILE_PAGES - 1, false);
    UNIT_ASSERT(last != NULL);
    UNIT_ASSERT_EQ(last[0], pat(TMPFS_FILE_MAX - PG, 3));
    UNIT_ASSERT(tmpfs_page(&fs, f, TMPFS_FILE_PAGES, true) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, UINT64_MAX, true) == NULL);
    UNIT_ASSERT_EQ(pages_of(f), TMPFS_FILE_PAGES);
    /* the last byte alone, in a new file: one page */
    g = MKF("/g");
    UNIT_ASSERT_EQ(tmpfs_write(&fs, g, TMPFS_FILE_MAX - 1, b, 1), 1);
    UNIT_ASSERT_EQ(size_of(g), TMPFS_FILE_MAX);
    UNIT_ASSERT_EQ(pages_of(g), 1);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, g, TMPFS_FILE_MAX, b, 1), -HM_EFBIG);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, g, TMPFS_FILE_MAX), 0);
    held_ok();
    teardown();
}

UNIT_TEST(tmpfs_file_ops_on_directory_eisdir)
{
    uint32_t d;
    char b[16] = "data";
    long out;

    setup();
    d = MKD("/d");
    MKF("/d/x");
    out = prov.outstanding;
    UNIT_ASSERT_EQ(tmpfs_read(&fs, d, 0, b, sizeof(b)), -HM_EISDIR);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, d, 0, b, sizeof(b)), -HM_EISDIR);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, d, 0), -HM_EISDIR);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, d, 100), -HM_EISDIR);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, TMPFS_ROOT, 0, b, sizeof(b)), -HM_EISDIR);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, TMPFS_ROOT, 0, b, sizeof(b)), -HM_EISDIR);
    UNIT_ASSERT(tmpfs_page(&fs, d, 0, true) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, TMPFS_ROOT, 0, true) == NULL);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    UNIT_ASSERT_EQ(stat_of(d).type, TMPFS_DIR);
    UNIT_ASSERT_EQ(size_of(d), 1);
    teardown();
}

UNIT_TEST(tmpfs_bad_inode_numbers)
{
    uint32_t f, freed, bad[4];
    struct tmpfs_stat s;
    char b[16] = "data";
    char name[TMPFS_NAME_MAX + 1];
    long out;

    setup();
    f = MKF("/f");
    write_pat(f, 0, 100, 1);
    freed = MKF("/gone");
    UNIT_ASSERT_EQ(rm("/gone"), 0);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, freed, &s), -HM_ENOENT);
    bad[0] = 0;
    bad[1] = freed;
    bad[2] = TMPFS_INODES + 1;
    bad[3] = UINT32_MAX;
    out = prov.outstanding;
    for (int i = 0; i < 4; i++) {
        UNIT_ASSERT_EQ(tmpfs_stat(&fs, bad[i], &s), -HM_ENOENT);
        bad_ino_err(tmpfs_read(&fs, bad[i], 0, b, sizeof(b)));
        bad_ino_err(tmpfs_write(&fs, bad[i], 0, b, sizeof(b)));
        bad_ino_err(tmpfs_truncate(&fs, bad[i], 0));
        bad_ino_err(tmpfs_truncate(&fs, bad[i], 5000));
        bad_ino_err(tmpfs_readdir(&fs, bad[i], 0, name, sizeof(name)));
        UNIT_ASSERT(tmpfs_page(&fs, bad[i], 0, true) == NULL);
        UNIT_ASSERT(tmpfs_page(&fs, bad[i], 0, false) == NULL);
    }
    UNIT_ASSERT_EQ(prov.outstanding, out);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, freed, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(size_of(f), 100);
    check_pat(f, 0, 100, 1);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 1);
    held_ok();
    teardown();
}

/* ---- truncate --------------------------------------------------------------------- */

UNIT_TEST(tmpfs_truncate_shrink_frees_pages)
{
    uint32_t f;
    long out;
    uint8_t *p;

    setup();
    f = MKF("/f");
    write_pat(f, 0, 4 * PG, 5);
    UNIT_ASSERT_EQ(pages_of(f), 4);
    out = prov.outstanding;
    /* to the middle of page 2: page 3 goes */
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 2 * PG + 100), 0);
    UNIT_ASSERT_EQ(size_of(f), 2 * PG + 100);
    UNIT_ASSERT_EQ(pages_of(f), 3);
    UNIT_ASSERT_EQ(prov.outstanding, out - 1);
    held_ok();
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 2 * PG + 100, rbuf, 10), 0);
    check_pat(f, 0, 2 * PG + 100, 5);
    /* the tail of the last page is zeroed right away */
    p = tmpfs_page(&fs, f, 2, false);
    UNIT_ASSERT(p != NULL);
    UNIT_ASSERT(all_zero(p + 100, PG - 100));
    UNIT_ASSERT(tmpfs_page(&fs, f, 3, false) == NULL);
    /* growing again shows zeros, not the old bytes */
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 4 * PG), 0);
    UNIT_ASSERT_EQ(size_of(f), 4 * PG);
    UNIT_ASSERT_EQ(pages_of(f), 3);
    check_pat(f, 0, 2 * PG + 100, 5);
    check_zero(f, 2 * PG + 100, 2 * PG - 100);
    /* shrinking needs no page, even with none to be had */
    prov_allow(0);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, PG), 0); /* on a page boundary */
    UNIT_ASSERT_EQ(pages_of(f), 1);
    UNIT_ASSERT_EQ(prov.outstanding, out - 3);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, false) == NULL);
    check_pat(f, 0, PG, 5);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 10), 0);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    UNIT_ASSERT_EQ(prov.outstanding, out - 3);
    p = tmpfs_page(&fs, f, 0, false);
    UNIT_ASSERT(p != NULL);
    UNIT_ASSERT(all_zero(p + 10, PG - 10));
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 10), 0); /* the same size */
    UNIT_ASSERT_EQ(size_of(f), 10);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, PG + 5), 0);
    check_pat(f, 0, 10, 5);
    check_zero(f, 10, PG + 5 - 10);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 0), 0);
    UNIT_ASSERT_EQ(size_of(f), 0);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    UNIT_ASSERT(prov.outstanding <= out - 4);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, rbuf, 10), 0);
    held_ok();
    prov_allow(-1);
    /* and the file is still writable */
    write_pat(f, 0, 10, 6);
    check_pat(f, 0, 10, 6);
    teardown();
}

UNIT_TEST(tmpfs_truncate_grow_makes_hole)
{
    uint32_t f, g;
    long out;

    setup();
    f = MKF("/f");
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "abc", 3), 3);
    out = prov.outstanding;
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 3 * PG + 7), 0);
    UNIT_ASSERT_EQ(size_of(f), 3 * PG + 7);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    memset(rbuf, 0x77, 3);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, rbuf, 3), 3);
    UNIT_ASSERT_EQ(memcmp(rbuf, "abc", 3), 0);
    check_zero(f, 3, 3 * PG + 4);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 3 * PG + 7, rbuf, 1), 0);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, false) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 3, false) == NULL);
    /* a fresh file grown to the limit holds nothing */
    g = MKF("/g");
    prov_allow(0);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, g, TMPFS_FILE_MAX), 0);
    prov_allow(-1);
    UNIT_ASSERT_EQ(size_of(g), TMPFS_FILE_MAX);
    UNIT_ASSERT_EQ(pages_of(g), 0);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    check_zero(g, TMPFS_FILE_MAX - 2 * PG - 3, 2 * PG + 3);
    held_ok();
    teardown();
}

/* ---- remove ---------------------------------------------------------------------- */

UNIT_TEST(tmpfs_remove_file_returns_pages)
{
    uint32_t f, f2, used;
    long out;
    struct tmpfs_stat s;

    setup();
    MKF("/keep");
    out = prov.outstanding;
    used = fs.used;
    f = MKF("/f");
    write_pat(f, 0, 100, 1);
    write_pat(f, 5 * PG, PG, 1); /* pages 0 and 5, a hole between */
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT(prov.outstanding >= out + 2);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 2);
    UNIT_ASSERT_EQ(rm("/f"), 0);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    held_ok();
    UNIT_ASSERT_EQ(fs.used, used);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 1);
    UNIT_ASSERT_EQ(lk("/f"), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, f, &s), -HM_ENOENT);
    bad_ino_err(tmpfs_read(&fs, f, 0, rbuf, 10));
    UNIT_ASSERT_EQ(rm("/f"), -HM_ENOENT);
    UNIT_ASSERT_EQ(rm("/nope/x"), -HM_ENOENT);
    UNIT_ASSERT_EQ(rm("/keep/x"), -HM_ENOTDIR);
    /* a new file of the same name starts empty, whatever inode it gets */
    f2 = MKF("/f");
    UNIT_ASSERT_EQ(size_of(f2), 0);
    UNIT_ASSERT_EQ(pages_of(f2), 0);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f2, 0, rbuf, 10), 0);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f2, 6 * PG), 0);
    check_zero(f2, 0, 6 * PG);
    UNIT_ASSERT(tmpfs_page(&fs, f2, 5, false) == NULL);
    teardown();
}

UNIT_TEST(tmpfs_remove_directories)
{
    uint32_t d, e, x;
    struct tmpfs_stat s;

    setup();
    d = MKD("/d");
    e = MKD("/d/e");
    MKF("/d/e/f");
    UNIT_ASSERT_EQ(rm("/d"), -HM_ENOTEMPTY);
    UNIT_ASSERT_EQ(rm("/d/e"), -HM_ENOTEMPTY);
    UNIT_ASSERT_EQ(lk("/d/e/f") > 0, 1);
    UNIT_ASSERT_EQ(fs.used, 4);
    UNIT_ASSERT_EQ(rm("/d/e/f"), 0);
    UNIT_ASSERT_EQ(size_of(e), 0);
    UNIT_ASSERT_EQ(rm("/d/e/"), 0); /* an empty directory, trailing slash */
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, e, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(size_of(d), 0);
    UNIT_ASSERT_EQ(rm("/d"), 0);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, d, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 0);
    UNIT_ASSERT_EQ(fs.used, 1);
    /* the root: busy, empty or not */
    UNIT_ASSERT_EQ(rm("/"), -HM_EBUSY);
    UNIT_ASSERT_EQ(rm("//"), -HM_EBUSY);
    x = MKF("/x");
    UNIT_ASSERT_EQ(rm("/"), -HM_EBUSY);
    UNIT_ASSERT_EQ(lk("/"), TMPFS_ROOT);
    UNIT_ASSERT_EQ(lk("/x"), x);
    /* bad paths */
    UNIT_ASSERT_EQ(tmpfs_remove(&fs, "/x", 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(rm("x"), -HM_EINVAL);
    UNIT_ASSERT_EQ(rm("/x/."), -HM_EINVAL);
    UNIT_ASSERT_EQ(rm("/x/.."), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_remove(&fs, P("/x\0")), -HM_EINVAL);
    UNIT_ASSERT_EQ(lk("/x"), x);
    UNIT_ASSERT_EQ(fs.used, 2);
    teardown();
}

/* ---- rename ---------------------------------------------------------------------- */

UNIT_TEST(tmpfs_rename_file_new_name)
{
    uint32_t f, used;
    long out;
    char b[8];

    setup();
    f = MKF("/f");
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "data", 4), 4);
    used = fs.used;
    out = prov.outstanding;
    UNIT_ASSERT_EQ(mv("/f", "/g"), 0);
    UNIT_ASSERT_EQ(lk("/f"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/g"), f);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, b, sizeof(b)), 4);
    UNIT_ASSERT_EQ(memcmp(b, "data", 4), 0);
    UNIT_ASSERT_EQ(fs.used, used);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    {
        const char *names[] = { "g" };
        uint32_t inos[] = { f };

        expect_dir(TMPFS_ROOT, names, inos, 1);
    }
    /* to itself, however it is spelled */
    UNIT_ASSERT_EQ(mv("/g", "/g"), 0);
    UNIT_ASSERT_EQ(mv("/g", "//g"), 0);
    UNIT_ASSERT_EQ(lk("/g"), f);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 1);
    UNIT_ASSERT_EQ(size_of(f), 4);
    /* a longer and a shorter name */
    UNIT_ASSERT_EQ(mv("/g", "/a_much_longer_name"), 0);
    UNIT_ASSERT_EQ(mv("/a_much_longer_name", "/h"), 0);
    UNIT_ASSERT_EQ(lk("/h"), f);
    UNIT_ASSERT_EQ(lk("/a_much_longer_name"), -HM_ENOENT);
    {
        const char *names[] = { "h" };
        uint32_t inos[] = { f };

        expect_dir(TMPFS_ROOT, names, inos, 1);
    }
    teardown();
}

UNIT_TEST(tmpfs_rename_into_other_dir)
{
    uint32_t a, b, f, d;

    setup();
    a = MKD("/a");
    b = MKD("/b");
    f = MKF("/a/f");
    write_pat(f, 0, PG + 1, 4);
    UNIT_ASSERT_EQ(mv("/a/f", "/b/g"), 0);
    UNIT_ASSERT_EQ(stat_of(f).parent, b);
    UNIT_ASSERT_EQ(size_of(a), 0);
    UNIT_ASSERT_EQ(size_of(b), 1);
    UNIT_ASSERT_EQ(lk("/b/g"), f);
    UNIT_ASSERT_EQ(lk("/a/f"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/b/f"), -HM_ENOENT);
    check_pat(f, 0, PG + 1, 4);
    {
        const char *names[] = { "g" };
        uint32_t inos[] = { f };

        expect_dir(b, names, inos, 1);
        expect_dir(a, NULL, NULL, 0);
    }
    /* a directory moves with what is in it */
    UNIT_ASSERT_EQ(mv("/b", "/a/bb"), 0);
    UNIT_ASSERT_EQ(lk("/a/bb/g"), f);
    UNIT_ASSERT_EQ(lk("/b/g"), -HM_ENOENT);
    UNIT_ASSERT_EQ(stat_of(b).parent, a);
    UNIT_ASSERT_EQ(stat_of(f).parent, b);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 1);
    UNIT_ASSERT_EQ(size_of(a), 1);
    /* back up to the root, same name */
    UNIT_ASSERT_EQ(mv("/a/bb/g", "/g"), 0);
    UNIT_ASSERT_EQ(stat_of(f).parent, TMPFS_ROOT);
    UNIT_ASSERT_EQ(size_of(b), 0);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 2);
    /* a name that merely starts like the source is not inside it */
    d = MKD("/d");
    UNIT_ASSERT_EQ(mv("/d", "/dx"), 0);
    UNIT_ASSERT_EQ(lk("/dx"), d);
    UNIT_ASSERT_EQ(mv("/a", "/dx/a"), 0);
    UNIT_ASSERT_EQ(lk("/dx/a/bb"), b);
    teardown();
}

UNIT_TEST(tmpfs_rename_replaces_file)
{
    uint32_t f1, f2;
    long out1;
    struct tmpfs_stat s;

    setup();
    f1 = MKF("/f1");
    write_pat(f1, 0, 2 * PG, 1);
    out1 = prov.outstanding;
    f2 = MKF("/f2");
    write_pat(f2, 0, 3 * PG, 2);
    UNIT_ASSERT(prov.outstanding >= out1 + 3);
    UNIT_ASSERT_EQ(fs.used, 3);
    UNIT_ASSERT_EQ(mv("/f1", "/f2"), 0);
    UNIT_ASSERT_EQ(prov.outstanding, out1); /* the old target's pages went back */
    held_ok();
    UNIT_ASSERT_EQ(lk("/f2"), f1);
    UNIT_ASSERT_EQ(lk("/f1"), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, f2, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(fs.used, 2);
    UNIT_ASSERT_EQ(size_of(f1), 2 * PG);
    check_pat(f1, 0, 2 * PG, 1);
    {
        const char *names[] = { "f2" };
        uint32_t inos[] = { f1 };

        expect_dir(TMPFS_ROOT, names, inos, 1);
    }
    teardown();
}

UNIT_TEST(tmpfs_rename_dir_replaces_empty_dir)
{
    uint32_t a, b, x;
    struct tmpfs_stat s;

    setup();
    a = MKD("/a");
    x = MKF("/a/x");
    b = MKD("/b");
    UNIT_ASSERT_EQ(mv("/a", "/b"), 0);
    UNIT_ASSERT_EQ(lk("/b"), a);
    UNIT_ASSERT_EQ(lk("/b/x"), x);
    UNIT_ASSERT_EQ(lk("/a"), -HM_ENOENT);
    UNIT_ASSERT_EQ(stat_of(x).parent, a);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, b, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 1);
    UNIT_ASSERT_EQ(fs.used, 3);
    teardown();
}

UNIT_TEST(tmpfs_rename_type_conflicts)
{
    uint32_t d, x, e, f, g, used;

    setup();
    d = MKD("/d");
    x = MKF("/d/x");
    e = MKD("/e");
    f = MKF("/f");
    g = MKF("/g");
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "F", 1), 1);
    used = fs.used;
    UNIT_ASSERT_EQ(mv("/e", "/d"), -HM_ENOTEMPTY); /* dir over non-empty dir */
    UNIT_ASSERT_EQ(mv("/f", "/e"), -HM_EISDIR);    /* file over dir */
    UNIT_ASSERT_EQ(mv("/f", "/d"), -HM_EISDIR);    /* file over non-empty dir */
    UNIT_ASSERT_EQ(mv("/e", "/f"), -HM_ENOTDIR);   /* dir over file */
    UNIT_ASSERT_EQ(mv("/d", "/g"), -HM_ENOTDIR);
    /* nothing moved */
    UNIT_ASSERT_EQ(lk("/d"), d);
    UNIT_ASSERT_EQ(lk("/d/x"), x);
    UNIT_ASSERT_EQ(lk("/e"), e);
    UNIT_ASSERT_EQ(lk("/f"), f);
    UNIT_ASSERT_EQ(lk("/g"), g);
    UNIT_ASSERT_EQ(fs.used, used);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 4);
    UNIT_ASSERT_EQ(size_of(d), 1);
    UNIT_ASSERT_EQ(size_of(e), 0);
    UNIT_ASSERT_EQ(size_of(f), 1);
    UNIT_ASSERT_EQ(stat_of(f).type, TMPFS_FILE);
    UNIT_ASSERT_EQ(stat_of(e).type, TMPFS_DIR);
    teardown();
}

UNIT_TEST(tmpfs_rename_into_own_subtree)
{
    uint32_t d, e, f, used;
    int r;

    setup();
    d = MKD("/d");
    e = MKD("/d/e");
    f = MKD("/d/e/f");
    used = fs.used;
    UNIT_ASSERT_EQ(mv("/d", "/d/x"), -HM_EINVAL);
    UNIT_ASSERT_EQ(mv("/d", "/d/e/x"), -HM_EINVAL);
    UNIT_ASSERT_EQ(mv("/d", "/d/e/f"), -HM_EINVAL); /* an empty dir, but below */
    UNIT_ASSERT_EQ(mv("/d/e", "/d/e/f/y"), -HM_EINVAL);
    UNIT_ASSERT_EQ(mv("/d/", "/d/e/"), -HM_EINVAL);
    /* onto its own ancestor: that one is not empty */
    r = mv("/d/e", "/d");
    UNIT_ASSERT(r == -HM_ENOTEMPTY || r == -HM_EINVAL);
    /* the root does not move, and nothing replaces it */
    UNIT_ASSERT(mv("/", "/x") < 0);
    UNIT_ASSERT(mv("/d", "/") < 0);
    UNIT_ASSERT_EQ(lk("/x"), -HM_ENOENT);
    /* the tree is as it was */
    UNIT_ASSERT_EQ(lk("/d"), d);
    UNIT_ASSERT_EQ(lk("/d/e"), e);
    UNIT_ASSERT_EQ(lk("/d/e/f"), f);
    UNIT_ASSERT_EQ(stat_of(d).parent, TMPFS_ROOT);
    UNIT_ASSERT_EQ(stat_of(e).parent, d);
    UNIT_ASSERT_EQ(stat_of(f).parent, e);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 1);
    UNIT_ASSERT_EQ(size_of(d), 1);
    UNIT_ASSERT_EQ(size_of(e), 1);
    UNIT_ASSERT_EQ(size_of(f), 0);
    UNIT_ASSERT_EQ(fs.used, used);
    /* a directory to itself is fine; up and out of itself is fine */
    UNIT_ASSERT_EQ(mv("/d", "/d/"), 0);
    UNIT_ASSERT_EQ(mv("/d/e/f", "/f"), 0);
    UNIT_ASSERT_EQ(stat_of(f).parent, TMPFS_ROOT);
    UNIT_ASSERT_EQ(size_of(e), 0);
    teardown();
}

UNIT_TEST(tmpfs_rename_errors)
{
    char p[TMPFS_NAME_MAX + 8];
    uint32_t f, g, d, used;

    setup();
    f = MKF("/f");
    g = MKF("/g");
    d = MKD("/d");
    used = fs.used;
    UNIT_ASSERT_EQ(mv("/nope", "/x"), -HM_ENOENT);
    UNIT_ASSERT_EQ(mv("/nope/a", "/x"), -HM_ENOENT);
    UNIT_ASSERT_EQ(mv("/d/nope", "/d/x"), -HM_ENOENT);
    UNIT_ASSERT_EQ(mv("/f", "/nope/x"), -HM_ENOENT); /* no parent */
    UNIT_ASSERT_EQ(mv("/f", "/g/x"), -HM_ENOTDIR);   /* parent is a file */
    UNIT_ASSERT_EQ(mv("/f/x", "/y"), -HM_ENOTDIR);
    UNIT_ASSERT_EQ(mv("/f", "rel"), -HM_EINVAL);
    UNIT_ASSERT_EQ(mv("rel", "/x"), -HM_EINVAL);
    UNIT_ASSERT_EQ(mv("/f", "/."), -HM_EINVAL);
    UNIT_ASSERT_EQ(mv("/f", "/d/.."), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_rename(&fs, "/f", 0, "/x", 2), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_rename(&fs, "/f", 2, "/x", 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_rename(&fs, "/f", 2, P("/x\0")), -HM_EINVAL);
    p[0] = '/';
    memset(p + 1, 'n', TMPFS_NAME_MAX + 1);
    p[TMPFS_NAME_MAX + 2] = '\0';
    UNIT_ASSERT_EQ(mv("/f", p), -HM_ENAMETOOLONG);
    /* nothing changed */
    UNIT_ASSERT_EQ(lk("/f"), f);
    UNIT_ASSERT_EQ(lk("/g"), g);
    UNIT_ASSERT_EQ(lk("/d"), d);
    UNIT_ASSERT_EQ(lk("/x"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/d/x"), -HM_ENOENT);
    UNIT_ASSERT_EQ(fs.used, used);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 3);
    UNIT_ASSERT_EQ(size_of(d), 0);
    /* a name of exactly TMPFS_NAME_MAX bytes is fine */
    p[TMPFS_NAME_MAX + 1] = '\0';
    UNIT_ASSERT_EQ(mv("/f", p), 0);
    UNIT_ASSERT_EQ(lk(p), f);
    teardown();
}

/* ---- readdir ------------------------------------------------------------------- */

UNIT_TEST(tmpfs_readdir_lists_entries)
{
    uint32_t d, a, bb, ccc, sub;
    char name[TMPFS_NAME_MAX + 1];

    setup();
    d = MKD("/d");
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, d, 0, name, sizeof(name)), -HM_ENOENT);
    a = MKF("/d/a");
    bb = MKF("/d/bb");
    ccc = MKF("/d/ccc");
    sub = MKD("/d/sub");
    MKF("/d/sub/inner"); /* not an entry of /d */
    MKF("/top");         /* nor this */
    {
        const char *names[] = { "a", "bb", "ccc", "sub" };
        uint32_t inos[] = { a, bb, ccc, sub };

        expect_dir(d, names, inos, 4);
    }
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, d, 4, name, sizeof(name)), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, d, UINT32_MAX, name, sizeof(name)), -HM_ENOENT);
    /* after a removal in the middle the indices still run 0..n-1 */
    UNIT_ASSERT_EQ(rm("/d/bb"), 0);
    {
        const char *names[] = { "a", "ccc", "sub" };
        uint32_t inos[] = { a, ccc, sub };

        expect_dir(d, names, inos, 3);
    }
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, d, 3, name, sizeof(name)), -HM_ENOENT);
    {
        const char *names[] = { "d", "top" };
        uint32_t inos[] = { d, (uint32_t)lk("/top") };

        expect_dir(TMPFS_ROOT, names, inos, 2);
    }
    /* not a directory */
    {
        long r = tmpfs_readdir(&fs, a, 0, name, sizeof(name));

        UNIT_ASSERT(r == -HM_ENOTDIR || r == -HM_EINVAL);
    }
    teardown();
}

UNIT_TEST(tmpfs_readdir_small_cap)
{
    char name[TMPFS_NAME_MAX + 8];
    char p[TMPFS_NAME_MAX + 8];
    uint32_t abc, d, n;

    setup();
    abc = MKF("/abc");
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, TMPFS_ROOT, 0, name, 3), -HM_ERANGE);
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, TMPFS_ROOT, 0, name, 1), -HM_ERANGE);
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, TMPFS_ROOT, 0, name, 0), -HM_ERANGE);
    memset(name, 'X', sizeof(name));
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, TMPFS_ROOT, 0, name, 4), abc);
    UNIT_ASSERT_STREQ(name, "abc");
    UNIT_ASSERT_EQ(name[4], 'X'); /* nothing past cap */
    /* the longest name */
    d = MKD("/d");
    strcpy(p, "/d/");
    memset(p + 3, 'n', TMPFS_NAME_MAX);
    p[3 + TMPFS_NAME_MAX] = '\0';
    n = MKF(p);
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, d, 0, name, TMPFS_NAME_MAX), -HM_ERANGE);
    memset(name, 'X', sizeof(name));
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, d, 0, name, TMPFS_NAME_MAX + 1), n);
    UNIT_ASSERT_EQ(strlen(name), TMPFS_NAME_MAX);
    UNIT_ASSERT_EQ(memcmp(name, p + 3, TMPFS_NAME_MAX), 0);
    /* ERANGE past the end is still ENOENT */
    UNIT_ASSERT_EQ(tmpfs_readdir(&fs, d, 1, name, sizeof(name)), -HM_ENOENT);
    teardown();
}

/* ---- inode exhaustion ------------------------------------------------------------ */

UNIT_TEST(tmpfs_inode_exhaustion)
{
    char p[32];
    uint32_t count = 0, n;
    long r, fresh;
    bool seen[TMPFS_INODES + 1];

    setup();
    for (;;) {
        snprintf(p, sizeof(p), "/f%u", count);
        r = cr(p, (count & 1) ? TMPFS_DIR : TMPFS_FILE);
        if (r < 0)
            break;
        UNIT_ASSERT(r >= 2 && r <= (long)TMPFS_INODES);
        count++;
        UNIT_ASSERT(count <= TMPFS_INODES);
    }
    UNIT_ASSERT_EQ(r, -HM_ENOSPC);
    UNIT_ASSERT_EQ(count, TMPFS_INODES - 1); /* the root is the last one */
    UNIT_ASSERT_EQ(fs.used, TMPFS_INODES);
    UNIT_ASSERT_EQ(lk(p), -HM_ENOENT); /* the refused name is not there */
    UNIT_ASSERT_EQ(cr("/zz", TMPFS_DIR), -HM_ENOSPC);
    UNIT_ASSERT_EQ(cr("/f1/zz", TMPFS_FILE), -HM_ENOSPC);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), count);
    /* every inode is listed once and is in range */
    n = list_dir(TMPFS_ROOT);
    UNIT_ASSERT_EQ(n, count);
    memset(seen, 0, sizeof(seen));
    for (uint32_t i = 0; i < n; i++) {
        UNIT_ASSERT(got[i].ino >= 2 && got[i].ino <= TMPFS_INODES);
        UNIT_ASSERT(!seen[got[i].ino]);
        seen[got[i].ino] = true;
        UNIT_ASSERT_EQ(lk((snprintf(p, sizeof(p), "/%s", got[i].name), p)), got[i].ino);
    }
    /* one goes, one comes */
    UNIT_ASSERT_EQ(rm("/f100"), 0);
    UNIT_ASSERT_EQ(fs.used, TMPFS_INODES - 1);
    fresh = cr("/new", TMPFS_FILE);
    UNIT_ASSERT(fresh > 0);
    UNIT_ASSERT_EQ(fs.used, TMPFS_INODES);
    UNIT_ASSERT_EQ(cr("/new2", TMPFS_FILE), -HM_ENOSPC);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), count);
    write_pat((uint32_t)fresh, 0, 10, 1);
    check_pat((uint32_t)fresh, 0, 10, 1);
    teardown();
}

/* ---- running out of pages -------------------------------------------------------- */

UNIT_TEST(tmpfs_write_enomem_changes_nothing)
{
    uint32_t f;
    char b[16];

    setup();
    f = MKF("/f");
    prov_allow(0);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "x", 1), -HM_ENOMEM);
    UNIT_ASSERT(prov.refused > 0);
    UNIT_ASSERT_EQ(size_of(f), 0);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, b, sizeof(b)), 0);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 5 * PG, "x", 1), -HM_ENOMEM);
    UNIT_ASSERT_EQ(size_of(f), 0);
    held_ok();
    /* With an index page taken lazily (create took no page), the first
     * write needs two pages: with one to be had it still writes nothing. */
    if (prov.outstanding == 0) {
        prov_allow(1);
        UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "x", 1), -HM_ENOMEM);
        UNIT_ASSERT_EQ(size_of(f), 0);
        UNIT_ASSERT_EQ(pages_of(f), 0);
        UNIT_ASSERT_EQ(prov.outstanding, 0); /* nor keeps an index page */
        held_ok();
    }
    prov_allow(-1);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "0123456789", 10), 10);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    prov_allow(0);
    /* a new page: refused, the size stays */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 2 * PG, "abcde", 5), -HM_ENOMEM);
    UNIT_ASSERT_EQ(size_of(f), 10);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    /* a page it has: fine */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "ABCDEFGHIJ", 10), 10);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 10, "klm", 3), 3);
    UNIT_ASSERT_EQ(size_of(f), 13);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, b, sizeof(b)), 13);
    UNIT_ASSERT_EQ(memcmp(b, "ABCDEFGHIJklm", 13), 0);
    /* the page cache says no too */
    UNIT_ASSERT(tmpfs_page(&fs, f, 3, true) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, true) != NULL);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    /* growing by truncate needs no page */
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 3 * PG), 0);
    UNIT_ASSERT_EQ(size_of(f), 3 * PG);
    held_ok();
    teardown();
}

UNIT_TEST(tmpfs_write_enomem_partial)
{
    uint32_t f, g;
    long r;

    setup();
    f = MKF("/f");
    write_pat(f, 0, 1, 1); /* page 0 (and the index, if any) */
    /* page 0 is there, one more page to be had, three pages to write */
    prov_allow(1);
    fill(wbuf, 0, 3 * PG, 2);
    r = tmpfs_write(&fs, f, 0, wbuf, 3 * PG);
    UNIT_ASSERT_EQ(r, 2 * PG);
    UNIT_ASSERT_EQ(size_of(f), 2 * PG);
    UNIT_ASSERT_EQ(pages_of(f), 2);
    check_pat(f, 0, 2 * PG, 2);
    UNIT_ASSERT(tmpfs_page(&fs, f, 2, false) == NULL);
    held_ok();
    /* across the end of the last page it has: the part in that page */
    g = MKF("/g");
    prov_allow(-1);
    write_pat(g, 0, 100, 3);
    prov_allow(0);
    fill(wbuf, PG - 96, 200, 4);
    r = tmpfs_write(&fs, g, PG - 96, wbuf, 200);
    UNIT_ASSERT_EQ(r, 96);
    UNIT_ASSERT_EQ(size_of(g), PG);
    UNIT_ASSERT_EQ(pages_of(g), 1);
    check_pat(g, 0, 100, 3);
    check_zero(g, 100, PG - 96 - 100);
    check_pat(g, PG - 96, 96, 4);
    held_ok();
    teardown();
}

/* ---- the page cache ---------------------------------------------------------------- */

UNIT_TEST(tmpfs_page_create_and_lookup)
{
    uint32_t f, d;
    uint8_t *p, *q, *r;
    long out0, out;
    char b[8];

    setup();
    d = MKD("/d");
    out0 = prov.outstanding;
    f = MKF("/f");
    /* a hole and !create: NULL, and nothing is allocated */
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, false) == NULL);
    UNIT_ASSERT_EQ(prov.outstanding, out0);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    /* data written shows in the cache page, and the other way round */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "hello", 5), 5);
    p = tmpfs_page(&fs, f, 0, false);
    UNIT_ASSERT(p != NULL);
    UNIT_ASSERT_EQ((uintptr_t)p % TMPFS_PAGE, 0);
    UNIT_ASSERT_EQ(memcmp(p, "hello", 5), 0);
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, true) == p);
    p[0] = 'J';
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, b, 5), 5);
    UNIT_ASSERT_EQ(memcmp(b, "Jello", 5), 0);
    /* a hole inside the size: created zeroed, the size stays */
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 3 * PG), 0);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, false) == NULL);
    out = prov.outstanding;
    q = tmpfs_page(&fs, f, 1, true);
    UNIT_ASSERT(q != NULL);
    UNIT_ASSERT(q != p);
    UNIT_ASSERT_EQ((uintptr_t)q % TMPFS_PAGE, 0);
    UNIT_ASSERT(all_zero(q, TMPFS_PAGE));
    UNIT_ASSERT_EQ(prov.outstanding, out + 1);
    UNIT_ASSERT_EQ(size_of(f), 3 * PG);
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, false) == q);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, true) == q); /* no second page */
    UNIT_ASSERT_EQ(prov.outstanding, out + 1);
    memcpy(q + 10, "xyz", 3);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, PG + 10, b, 3), 3);
    UNIT_ASSERT_EQ(memcmp(b, "xyz", 3), 0);
    held_ok();
    /* past the size: created, and the size still stays */
    r = tmpfs_page(&fs, f, 7, true);
    UNIT_ASSERT(r != NULL);
    UNIT_ASSERT(all_zero(r, TMPFS_PAGE));
    UNIT_ASSERT_EQ(size_of(f), 3 * PG);
    UNIT_ASSERT_EQ(pages_of(f), 3);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 7 * PG, b, 1), 0);
    UNIT_ASSERT(tmpfs_page(&fs, f, TMPFS_FILE_PAGES - 1, true) != NULL);
    UNIT_ASSERT_EQ(pages_of(f), 4);
    UNIT_ASSERT_EQ(size_of(f), 3 * PG);
    /* past TMPFS_FILE_PAGES, not a file, no file */
    UNIT_ASSERT(tmpfs_page(&fs, f, TMPFS_FILE_PAGES, true) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, TMPFS_FILE_PAGES, false) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, UINT64_MAX, true) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, d, 0, true) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, 0, 0, true) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, TMPFS_INODES + 1, 0, true) == NULL);
    /* out of pages: NULL for a hole, the page for a page it has */
    prov_allow(0);
    UNIT_ASSERT(tmpfs_page(&fs, f, 2, true) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 2, false) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, true) == q);
    UNIT_ASSERT_EQ(pages_of(f), 4);
    prov_allow(-1);
    held_ok();
    /* removing the file gives back every page, those past the size too */
    UNIT_ASSERT_EQ(rm("/f"), 0);
    UNIT_ASSERT_EQ(prov.outstanding, out0);
    held_ok();
    teardown();
}

/* Bytes stored through tmpfs_page() past the size are not file data: when
 * the file grows over them (truncate, or a write leaving a gap) the header
 * says the new range is a hole, and holes read as zeros. */
UNIT_TEST(tmpfs_grow_over_cached_bytes_past_size_reads_zero)
{
    uint32_t f, g;
    uint8_t *p;

    setup();
    /* in the last page, past the size */
    f = MKF("/f");
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 0, "0123456789", 10), 10);
    p = tmpfs_page(&fs, f, 0, false);
    UNIT_ASSERT(p != NULL);
    p[100] = 'X';
    p[TMPFS_PAGE - 1] = 'Y';
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 200), 0);
    check_zero(f, 10, 190);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, PG - 1 + 10, "w", 1), 1); /* gap 200..PG+8 */
    check_zero(f, 10, PG - 1);
    /* a whole page past the size */
    g = MKF("/g");
    p = tmpfs_page(&fs, g, 1, true);
    UNIT_ASSERT(p != NULL);
    memset(p, 'Z', TMPFS_PAGE);
    UNIT_ASSERT_EQ(size_of(g), 0);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, g, 2 * PG), 0);
    check_zero(g, 0, 2 * PG);
    teardown();
}

/* ---- backed files and reclaim ---------------------------------------------------------- */

/* The backing copies: copy b (1..BACKINGS-1) is back_len[b] bytes of
 * pattern BSEED(b), so check_back() can tell its bytes from zeros, from
 * other copies and from written data. */
#define BACKINGS 4
#define BSEED(b) (100u + (unsigned)(b))
static const uint64_t back_len[BACKINGS] = { 0, 3 * PG, 2 * PG + 100, 8 * PG };

/* fill: up to a page of copy `backing` from byte off (page-aligned, inside
 * the copy) into a page the provider handed out; the bytes copied, or
 * prov.fill_err when the test makes the copy unreadable. */
static long prov_fill(void *ctx, uint32_t backing, uint64_t off, void *page)
{
    uint64_t n;

    if (ctx != &prov)
        UNIT_FAIL("fill: wrong ctx %p", ctx);
    if (backing == 0 || backing >= BACKINGS)
        UNIT_FAIL("fill: no backing copy %u", backing);
    if (off % TMPFS_PAGE || off >= back_len[backing])
        UNIT_FAIL("fill: copy %u at %llu (%llu bytes)", backing, (unsigned long long)off,
                  (unsigned long long)back_len[backing]);
    if (!prov_holds(page))
        UNIT_FAIL("fill: page %p was not handed out", page);
    prov.fills++;
    if (prov.fill_err)
        return prov.fill_err;
    n = back_len[backing] - off;
    if (n > PG)
        n = PG;
    fill(page, off, (size_t)n, BSEED(backing));
    return (long)n;
}

/* busy: whether the test marked the page busy (set_busy). */
static bool prov_busy(void *ctx, const void *page)
{
    if (ctx != &prov)
        UNIT_FAIL("busy: wrong ctx %p", ctx);
    if (!prov_holds(page))
        UNIT_FAIL("busy: page %p was not handed out", page);
    for (int i = 0; i < prov.nbusy; i++)
        if (prov.busy[i] == page)
            return true;
    return false;
}

static void set_busy(const void *page, bool busy)
{
    for (int i = 0; i < prov.nbusy; i++) {
        if (prov.busy[i] == page) {
            if (!busy)
                prov.busy[i] = prov.busy[--prov.nbusy];
            return;
        }
    }
    if (busy) {
        UNIT_ASSERT(prov.nbusy < (int)(sizeof(prov.busy) / sizeof(prov.busy[0])));
        prov.busy[prov.nbusy++] = page;
    }
}

static const struct tmpfs_pages bops = {
    .alloc = prov_alloc,
    .free = prov_free,
    .ctx = &prov,
    .fill = prov_fill,
    .busy = prov_busy,
};

/* setup() with a provider that fills backed files and knows busy pages. */
static void setup_backed(void)
{
    prov_reset();
    memset(&fs, 0, sizeof(fs));
    UNIT_ASSERT_EQ(tmpfs_init(&fs, &bops), 0);
}

/* A backed file of `size` bytes at p from copy b. */
static uint32_t mkb(const char *p, uint32_t b, uint64_t size)
{
    long r = tmpfs_create_backed(&fs, p, strlen(p), b, size);

    if (r <= 0)
        UNIT_FAIL("create_backed(\"%s\", %u, %llu) = %ld", p, b, (unsigned long long)size, r);
    UNIT_ASSERT(r >= 2 && r <= (long)TMPFS_INODES);
    UNIT_ASSERT_EQ(lk(p), r);
    UNIT_ASSERT_EQ(size_of((uint32_t)r), size);
    UNIT_ASSERT_EQ(stat_of((uint32_t)r).type, TMPFS_FILE);
    return (uint32_t)r;
}

/* Read [off, off+len) (all of it must be there): copy b's bytes there. */
static void check_back(uint32_t ino, uint64_t off, size_t len, uint32_t b)
{
    check_pat(ino, off, len, BSEED(b));
}

/* Read len bytes at off (all of them must be there): exactly s. */
static void check_str(uint32_t ino, uint64_t off, const char *s)
{
    size_t len = strlen(s);

    memset(rbuf, 0, len);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, ino, off, rbuf, len), len);
    UNIT_ASSERT_EQ(memcmp(rbuf, s, len), 0);
}

/* A backed file reads back exactly its copy's bytes, and only `size` of
 * them (a size that is not a page multiple; a copy longer than the size);
 * its pages come into the cache one by one as they are read, each filled
 * from the copy once; tmpfs_page reads a hole inside the copy from it too. */
UNIT_TEST(tmpfs_backed_reads_copy_page_by_page)
{
    uint32_t f, g, h, e;
    uint8_t *p;
    long r;

    setup_backed();
    f = mkb("/f", 2, back_len[2]); /* 2 pages and 100 bytes */
    UNIT_ASSERT_EQ(pages_of(f), 0);
    UNIT_ASSERT_EQ(prov.fills, 0);
    /* the middle page first: that page only */
    check_back(f, PG + 10, 50, 2);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    UNIT_ASSERT_EQ(prov.fills, 1);
    /* the last, partial page: the 100 bytes up to the size, no more */
    memset(rbuf, 0x77, 2 * PG);
    r = tmpfs_read(&fs, f, 2 * PG, rbuf, PG);
    UNIT_ASSERT_EQ(r, 100);
    for (size_t i = 0; i < 100; i++)
        UNIT_ASSERT_EQ(rbuf[i], pat(2 * PG + i, BSEED(2)));
    for (size_t i = 100; i < 2 * PG; i++)
        UNIT_ASSERT_EQ(rbuf[i], 0x77);
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT_EQ(prov.fills, 2);
    /* the whole file, asking for more than there is: page 0 comes in */
    r = tmpfs_read(&fs, f, 0, rbuf, 4 * PG);
    UNIT_ASSERT_EQ(r, back_len[2]);
    UNIT_ASSERT_EQ(pages_of(f), 3);
    UNIT_ASSERT_EQ(prov.fills, 3);
    /* again: from the cache, not filled again */
    check_back(f, 0, back_len[2], 2);
    UNIT_ASSERT_EQ(prov.fills, 3);
    /* at or past the end: nothing */
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, back_len[2], rbuf, 1), 0);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 3 * PG, rbuf, PG), 0);
    UNIT_ASSERT_EQ(size_of(f), back_len[2]);
    UNIT_ASSERT_EQ(pages_of(f), 3);
    held_ok();
    /* a file shorter than its copy: the size counts, not the copy */
    g = mkb("/g", 3, PG + 1);
    memset(rbuf, 0x77, 3 * PG);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, g, 0, rbuf, 3 * PG), PG + 1);
    for (size_t i = 0; i < PG + 1; i++)
        UNIT_ASSERT_EQ(rbuf[i], pat(i, BSEED(3)));
    UNIT_ASSERT_EQ(rbuf[PG + 1], 0x77);
    UNIT_ASSERT_EQ(pages_of(g), 2);
    /* its last page has the copy's bytes up to the size only, zeros past
     * it (as a mapping of the page shows it) */
    p = tmpfs_page(&fs, g, 1, 0);
    UNIT_ASSERT(p != NULL);
    UNIT_ASSERT_EQ(p[0], pat(PG, BSEED(3)));
    UNIT_ASSERT(all_zero(p + 1, TMPFS_PAGE - 1));
    /* the page cache: a hole inside the copy comes from the copy, without
     * TMPFS_PG_CREATE; past the copy it stays a hole */
    h = mkb("/h", 1, 3 * PG);
    r = prov.fills;
    p = tmpfs_page(&fs, h, 2, 0);
    UNIT_ASSERT(p != NULL);
    UNIT_ASSERT_EQ((uintptr_t)p % TMPFS_PAGE, 0);
    for (size_t i = 0; i < PG; i++)
        UNIT_ASSERT_EQ(p[i], pat(2 * PG + i, BSEED(1)));
    UNIT_ASSERT_EQ(prov.fills, r + 1);
    UNIT_ASSERT(tmpfs_page(&fs, h, 2, 0) == p);
    UNIT_ASSERT_EQ(prov.fills, r + 1);
    UNIT_ASSERT(tmpfs_page(&fs, h, 3, 0) == NULL);
    UNIT_ASSERT_EQ(pages_of(h), 1);
    UNIT_ASSERT_EQ(size_of(h), 3 * PG);
    /* an empty backed file: nothing to read, nothing filled */
    r = prov.fills;
    e = mkb("/e", 1, 0);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, e, 0, rbuf, PG), 0);
    UNIT_ASSERT(tmpfs_page(&fs, e, 0, 0) == NULL);
    UNIT_ASSERT_EQ(pages_of(e), 0);
    UNIT_ASSERT_EQ(prov.fills, r);
    held_ok();
    teardown();
}

/* Reclaim drops clean pages least recently used first: a read, or
 * tmpfs_page without TMPFS_PG_DIRTY, counts as a use.  The dropped pages
 * go back to the provider, and read again they are filled again with the
 * same bytes. */
UNIT_TEST(tmpfs_reclaim_lru_order)
{
    uint32_t a, b, c;
    long out;

    setup_backed();
    a = mkb("/a", 1, 2 * PG);
    b = mkb("/b", 2, 2 * PG);
    c = mkb("/c", 3, 2 * PG);
    check_back(a, 0, 2 * PG, 1);
    check_back(b, 0, 2 * PG, 2);
    check_back(c, 0, 2 * PG, 3);
    check_back(a, 0, 2 * PG, 1); /* a: the most recently used now */
    UNIT_ASSERT_EQ(prov.fills, 6);
    out = prov.outstanding;
    /* b's pages first, then c's, then a's */
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1), 1);
    UNIT_ASSERT_EQ(pages_of(a), 2);
    UNIT_ASSERT_EQ(pages_of(b), 1);
    UNIT_ASSERT_EQ(pages_of(c), 2);
    UNIT_ASSERT_EQ(prov.outstanding, out - 1);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 2), 2);
    UNIT_ASSERT_EQ(pages_of(a), 2);
    UNIT_ASSERT_EQ(pages_of(b), 0);
    UNIT_ASSERT_EQ(pages_of(c), 1);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 2), 2);
    UNIT_ASSERT_EQ(pages_of(a), 1);
    UNIT_ASSERT_EQ(pages_of(b), 0);
    UNIT_ASSERT_EQ(pages_of(c), 0);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 5), 1); /* fewer than asked: all there was */
    UNIT_ASSERT_EQ(pages_of(a), 0);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 5), 0);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 0), 0);
    UNIT_ASSERT_EQ(prov.outstanding, out - 6);
    held_ok();
    /* read again: filled again from the copies, the same bytes */
    check_back(a, 0, 2 * PG, 1);
    check_back(b, 0, 2 * PG, 2);
    check_back(c, 0, 2 * PG, 3);
    UNIT_ASSERT_EQ(prov.fills, 12);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    /* Oldest first now a0 a1 b0 b1 c0 c1; using a0 through the page cache
     * and b1 by a read makes it a1 b0 c0 c1 a0 b1. */
    UNIT_ASSERT(tmpfs_page(&fs, a, 0, 0) != NULL);
    check_back(b, PG + 7, 1, 2);
    UNIT_ASSERT_EQ(prov.fills, 12);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1), 1); /* a1 */
    UNIT_ASSERT_EQ(pages_of(a), 1);
    UNIT_ASSERT_EQ(pages_of(b), 2);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1), 1); /* b0 */
    UNIT_ASSERT_EQ(pages_of(b), 1);
    UNIT_ASSERT_EQ(pages_of(c), 2);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 2), 2); /* c0 c1 */
    UNIT_ASSERT_EQ(pages_of(a), 1);
    UNIT_ASSERT_EQ(pages_of(b), 1);
    UNIT_ASSERT_EQ(pages_of(c), 0);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1), 1); /* a0 */
    UNIT_ASSERT_EQ(pages_of(a), 0);
    UNIT_ASSERT_EQ(pages_of(b), 1);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1), 1); /* b1 */
    UNIT_ASSERT_EQ(pages_of(b), 0);
    held_ok();
    check_back(b, 0, 2 * PG, 2);
    teardown();
}

/* Written pages (tmpfs_write, or tmpfs_page with TMPFS_PG_DIRTY) are the
 * only copy of their data: dirty, never reclaimed, and neither are a plain
 * file's pages.  A write of part of a backed page not in the cache keeps
 * the copy's bytes in the rest of that page. */
UNIT_TEST(tmpfs_reclaim_keeps_written_pages)
{
    uint32_t f, n, g, h;
    uint8_t *p;

    setup_backed();
    n = MKF("/n");
    write_pat(n, 0, 2 * PG, 7);
    f = mkb("/f", 1, 3 * PG);
    check_back(f, 0, 3 * PG, 1); /* three clean pages */
    /* page 1 written by tmpfs_write, page 2 through the page cache */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, PG + 10, "dirty", 5), 5);
    p = tmpfs_page(&fs, f, 2, TMPFS_PG_DIRTY);
    UNIT_ASSERT(p != NULL);
    UNIT_ASSERT_EQ(p[0], pat(2 * PG, BSEED(1)));
    p[0] = 'Z';
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1000), 1); /* page 0 only */
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT_EQ(pages_of(n), 2);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1000), 0);
    UNIT_ASSERT_EQ(size_of(f), 3 * PG);
    /* written bytes where written, the copy's everywhere else */
    check_back(f, 0, PG + 10, 1);
    check_str(f, PG + 10, "dirty");
    check_back(f, PG + 15, PG - 15, 1);
    check_str(f, 2 * PG, "Z");
    check_back(f, 2 * PG + 1, PG - 1, 1);
    check_pat(n, 0, 2 * PG, 7);
    /* part of a page not in the cache yet, in the middle of a file */
    g = mkb("/g", 3, 4 * PG);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, g, 2 * PG + 100, "abc", 3), 3);
    UNIT_ASSERT_EQ(pages_of(g), 1);
    UNIT_ASSERT_EQ(size_of(g), 4 * PG);
    /* and across the end of a backed file, in its last, partial page */
    h = mkb("/h", 2, back_len[2]);
    fill(wbuf, 2 * PG + 50, 100, 9);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, h, 2 * PG + 50, wbuf, 100), 100);
    UNIT_ASSERT_EQ(size_of(h), 2 * PG + 150);
    UNIT_ASSERT_EQ(pages_of(h), 1);
    /* f's page 0, read again above, is the only clean page */
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1000), 1);
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT_EQ(pages_of(g), 1);
    UNIT_ASSERT_EQ(pages_of(h), 1);
    check_back(g, 2 * PG, 100, 3);
    check_str(g, 2 * PG + 100, "abc");
    check_back(g, 2 * PG + 103, 2 * PG - 103, 3);
    check_back(g, 0, 2 * PG, 3);
    check_back(h, 0, 2 * PG + 50, 2);
    check_pat(h, 2 * PG + 50, 100, 9);
    /* still there after another round */
    tmpfs_reclaim(&fs, 1000);
    check_str(f, PG + 10, "dirty");
    check_str(f, 2 * PG, "Z");
    check_str(g, 2 * PG + 100, "abc");
    check_back(g, 2 * PG + 103, 2 * PG - 103, 3);
    check_pat(h, 2 * PG + 50, 100, 9);
    check_pat(n, 0, 2 * PG, 7);
    held_ok();
    teardown();
}

/* A busy page (in use outside the file system) is passed over by reclaim
 * and by tmpfs_drop_clean, which take the next clean page instead; once it
 * is no longer busy it is dropped like any other. */
UNIT_TEST(tmpfs_reclaim_passes_over_busy_pages)
{
    uint32_t f;
    uint8_t *p0, *p1, *p2;
    long out;

    setup_backed();
    f = mkb("/f", 1, 3 * PG);
    p0 = tmpfs_page(&fs, f, 0, 0);
    p1 = tmpfs_page(&fs, f, 1, 0);
    p2 = tmpfs_page(&fs, f, 2, 0);
    UNIT_ASSERT(p0 != NULL && p1 != NULL && p2 != NULL);
    UNIT_ASSERT_EQ(pages_of(f), 3);
    UNIT_ASSERT_EQ(prov.fills, 3);
    /* p0 is the least recently used, but busy: p1 goes */
    set_busy(p0, true);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1), 1);
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT(prov_holds(p0));
    UNIT_ASSERT(!prov_holds(p1));
    UNIT_ASSERT(prov_holds(p2));
    /* every clean page busy: nothing to drop */
    set_busy(p2, true);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 10), 0);
    UNIT_ASSERT_EQ(tmpfs_drop_clean(&fs), 0);
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, 0) == p0);
    UNIT_ASSERT(tmpfs_page(&fs, f, 2, 0) == p2);
    UNIT_ASSERT_EQ(prov.fills, 3);
    /* no longer busy: dropped */
    set_busy(p2, false);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 10), 1);
    UNIT_ASSERT(!prov_holds(p2));
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, 0) == p0);
    set_busy(p0, false);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 10), 1);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    held_ok();
    check_back(f, 0, 3 * PG, 1);
    UNIT_ASSERT_EQ(prov.fills, 6);
    /* tmpfs_drop_clean keeps a busy page (and so the file's index) */
    p1 = tmpfs_page(&fs, f, 1, 0);
    UNIT_ASSERT(p1 != NULL);
    set_busy(p1, true);
    out = prov.outstanding;
    UNIT_ASSERT_EQ(tmpfs_drop_clean(&fs), 2);
    UNIT_ASSERT_EQ(prov.outstanding, out - 2);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, 0) == p1);
    set_busy(p1, false);
    UNIT_ASSERT(tmpfs_drop_clean(&fs) >= 1);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    held_ok();
    check_back(f, 0, 3 * PG, 1);
    teardown();
}

/* When the provider has no page left, a read or a write takes the least
 * recently used clean pages (reclaim inside the allocation) and succeeds;
 * once no clean page is left a write fails with -HM_ENOMEM (or writes the
 * pages it got), and dirty data, a plain file's or a backed file's, is
 * never given up. */
UNIT_TEST(tmpfs_write_under_pressure_takes_clean_pages)
{
    uint32_t a, d, n, m;
    long held;

    setup_backed();
    n = MKF("/n");
    write_pat(n, 0, 100, 5); /* a dirty page of a plain file */
    d = mkb("/d", 1, 2 * PG);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, d, 10, "dirty", 5), 5); /* and of a backed file */
    a = mkb("/a", 3, 4 * PG);
    check_back(a, 0, 4 * PG, 3); /* four clean pages */
    UNIT_ASSERT_EQ(pages_of(a), 4);
    held = prov.outstanding;
    prov_limit(held); /* the provider is full from now on */
    /* a read of d's page 1 takes a's least recently used page */
    check_back(d, PG, PG, 1);
    UNIT_ASSERT(prov.refused > 0);
    UNIT_ASSERT_EQ(pages_of(d), 2);
    UNIT_ASSERT_EQ(pages_of(a), 3);
    UNIT_ASSERT_EQ(prov.outstanding, held);
    /* new pages for n: a's three, then d's clean page 1 */
    write_pat(n, PG, 2 * PG, 6);
    UNIT_ASSERT_EQ(pages_of(a), 1);
    write_pat(n, 3 * PG, PG, 7);
    UNIT_ASSERT_EQ(pages_of(a), 0);
    UNIT_ASSERT_EQ(pages_of(d), 2);
    write_pat(n, 4 * PG, PG, 8);
    UNIT_ASSERT_EQ(pages_of(d), 1);
    UNIT_ASSERT_EQ(pages_of(n), 5);
    UNIT_ASSERT_EQ(prov.outstanding, held);
    held_ok();
    /* nothing clean left: -HM_ENOMEM, and nothing changes */
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 10), 0);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, n, 5 * PG, "x", 1), -HM_ENOMEM);
    UNIT_ASSERT_EQ(size_of(n), 5 * PG);
    UNIT_ASSERT_EQ(pages_of(n), 5);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, a, 0, "y", 1), -HM_ENOMEM); /* a backed page needs one too */
    UNIT_ASSERT_EQ(pages_of(a), 0);
    /* and so does a read of it: an error, not zeros in place of the copy */
    UNIT_ASSERT_EQ(tmpfs_read(&fs, a, 0, rbuf, PG), -HM_ENOMEM);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, d, 0, rbuf, 2 * PG), (long)PG); /* its cached page, then short */
    UNIT_ASSERT_EQ(size_of(a), 4 * PG);
    m = MKF("/m");
    UNIT_ASSERT_EQ(tmpfs_write(&fs, m, 0, "z", 1), -HM_ENOMEM);
    UNIT_ASSERT_EQ(size_of(m), 0);
    UNIT_ASSERT_EQ(pages_of(m), 0);
    /* across the end of n's last page: the part in that page */
    fill(wbuf, 5 * PG - 10, 20, 9);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, n, 5 * PG - 10, wbuf, 20), 10);
    UNIT_ASSERT_EQ(size_of(n), 5 * PG);
    /* a page it has is written in place */
    UNIT_ASSERT_EQ(tmpfs_write(&fs, d, 20, "again", 5), 5);
    UNIT_ASSERT_EQ(prov.outstanding, held);
    held_ok();
    /* all the dirty data is there */
    check_pat(n, 0, 100, 5);
    check_zero(n, 100, PG - 100);
    check_pat(n, PG, 2 * PG, 6);
    check_pat(n, 3 * PG, PG, 7);
    check_pat(n, 4 * PG, PG - 10, 8);
    check_pat(n, 5 * PG - 10, 10, 9);
    check_back(d, 0, 10, 1);
    check_str(d, 10, "dirty");
    check_back(d, 15, 5, 1);
    check_str(d, 20, "again");
    check_back(d, 25, PG - 25, 1);
    /* with pages again, the backed files read back their copies */
    prov_limit(-1);
    check_back(a, 0, 4 * PG, 3);
    check_back(d, PG, PG, 1);
    held_ok();
    teardown();
}

/* Truncating a backed file cuts its copy for good: grown again (by
 * truncate or by a write past the end), the bytes past the shorter size
 * read as zeros, whether its pages were in the cache or not, and still
 * after reclaim has dropped what it could and the rest is read again. */
UNIT_TEST(tmpfs_backed_truncate_cuts_copy)
{
    uint32_t f, g, h, k;

    setup_backed();
    /* its pages in the cache */
    f = mkb("/f", 1, 3 * PG);
    check_back(f, 0, 3 * PG, 1);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, PG + 100), 0);
    UNIT_ASSERT_EQ(size_of(f), PG + 100);
    UNIT_ASSERT_EQ(pages_of(f), 2);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, f, 3 * PG), 0);
    check_back(f, 0, PG + 100, 1);
    check_zero(f, PG + 100, 2 * PG - 100);
    tmpfs_reclaim(&fs, 1000);
    check_back(f, 0, PG + 100, 1);
    check_zero(f, PG + 100, 2 * PG - 100);
    /* none of them read before */
    g = mkb("/g", 3, 4 * PG);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, g, 2 * PG + 10), 0);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, g, 4 * PG), 0);
    check_back(g, 0, 2 * PG + 10, 3);
    check_zero(g, 2 * PG + 10, 2 * PG - 10);
    tmpfs_reclaim(&fs, 1000);
    check_back(g, 0, 2 * PG + 10, 3);
    check_zero(g, 2 * PG + 10, 2 * PG - 10);
    /* to a page boundary, then grown by a write past the end */
    h = mkb("/h", 1, 3 * PG);
    check_back(h, 0, 3 * PG, 1);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, h, PG), 0);
    UNIT_ASSERT_EQ(pages_of(h), 1);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, h, 3 * PG - 1, "e", 1), 1);
    UNIT_ASSERT_EQ(size_of(h), 3 * PG);
    check_back(h, 0, PG, 1);
    check_zero(h, PG, 2 * PG - 1);
    check_str(h, 3 * PG - 1, "e");
    tmpfs_reclaim(&fs, 1000);
    check_back(h, 0, PG, 1);
    check_zero(h, PG, 2 * PG - 1);
    check_str(h, 3 * PG - 1, "e");
    /* to nothing */
    k = mkb("/k", 2, back_len[2]);
    check_back(k, 0, back_len[2], 2);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, k, 0), 0);
    UNIT_ASSERT_EQ(pages_of(k), 0);
    UNIT_ASSERT_EQ(tmpfs_truncate(&fs, k, back_len[2]), 0);
    check_zero(k, 0, back_len[2]);
    UNIT_ASSERT_EQ(pages_of(k), 0);
    held_ok();
    teardown();
}

/* tmpfs_drop_clean gives back every clean page and the index pages that
 * reclaim left empty, and says how many pages that was: the provider then
 * holds just what the dirty data needs (what it held before any clean page
 * was read).  Removing a backed file takes its clean pages off the clean
 * list, and tmpfs_destroy gives back every page, clean or dirty. */
UNIT_TEST(tmpfs_drop_clean_returns_clean_pages)
{
    uint32_t n, b, a, c;
    long base, before;
    unsigned r;

    setup_backed();
    n = MKF("/n");
    write_pat(n, 0, 2 * PG, 1);
    b = mkb("/b", 1, 3 * PG);
    UNIT_ASSERT_EQ(tmpfs_write(&fs, b, PG + 5, "w", 1), 1); /* b's page 1: dirty */
    base = prov.outstanding;
    /* clean pages: c's (least recently used), b's 0 and 2, a's */
    c = mkb("/c", 2, back_len[2]);
    check_back(c, 0, back_len[2], 2);
    check_back(b, 0, PG, 1);
    check_back(b, 2 * PG, PG, 1);
    a = mkb("/a", 3, 4 * PG);
    check_back(a, 0, 4 * PG, 3);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 3), 3); /* c has no page left */
    UNIT_ASSERT_EQ(pages_of(c), 0);
    before = prov.outstanding;
    r = tmpfs_drop_clean(&fs);
    UNIT_ASSERT_EQ(r, before - prov.outstanding);
    UNIT_ASSERT_EQ(prov.outstanding, base);
    UNIT_ASSERT(r >= 6 + 2); /* b's 2 and a's 4 data pages, an index page of a's and c's */
    UNIT_ASSERT_EQ(pages_of(n), 2);
    UNIT_ASSERT_EQ(pages_of(b), 1);
    UNIT_ASSERT_EQ(pages_of(a), 0);
    UNIT_ASSERT_EQ(pages_of(c), 0);
    held_ok();
    UNIT_ASSERT_EQ(tmpfs_drop_clean(&fs), 0);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 100), 0);
    UNIT_ASSERT_EQ(prov.outstanding, base);
    /* nothing lost */
    check_pat(n, 0, 2 * PG, 1);
    check_back(b, 0, PG + 5, 1);
    check_str(b, PG + 5, "w");
    check_back(b, PG + 6, 2 * PG - 6, 1);
    check_back(a, 0, 4 * PG, 3);
    check_back(c, 0, back_len[2], 2);
    /* removing a with its clean pages: they go back, and reclaim then
     * finds only the others' (b's 0 and 2, c's 3) */
    before = prov.outstanding;
    UNIT_ASSERT_EQ(rm("/a"), 0);
    UNIT_ASSERT(prov.outstanding <= before - 4);
    held_ok();
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 100), 5);
    UNIT_ASSERT_EQ(pages_of(b), 1);
    UNIT_ASSERT_EQ(pages_of(c), 0);
    held_ok();
    /* destroy: every page back, the dirty ones, the clean ones, the
     * indexes reclaim left empty */
    check_back(c, 0, 1, 2);
    check_back(b, 2 * PG, 1, 1);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 1), 1); /* c empty again */
    tmpfs_destroy(&fs);
    UNIT_ASSERT_EQ(prov.outstanding, 0);
    UNIT_ASSERT_EQ(fs.pages_held, 0);
    UNIT_ASSERT_EQ(lk("/b"), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 100), 0);
    /* and the FS works as new */
    a = mkb("/a", 1, 3 * PG);
    check_back(a, 0, 3 * PG, 1);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 100), 3);
    check_back(a, 0, 3 * PG, 1);
    teardown();
}

/* When fill fails, the page cache keeps nothing of it: tmpfs_page gives
 * NULL, no page is cached or left allocated (nor an index made for it), a
 * write into that page fails and changes nothing, pages already in the
 * cache stay, and once the copy can be read again the file reads its
 * bytes.  What tmpfs_read returns while fill fails is not pinned down. */
UNIT_TEST(tmpfs_backed_fill_error_caches_nothing)
{
    uint32_t f;
    long out;

    setup_backed();
    f = mkb("/f", 1, 3 * PG);
    out = prov.outstanding;
    prov.fill_err = -HM_EIO;
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, 0) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 1, TMPFS_PG_CREATE | TMPFS_PG_DIRTY) == NULL);
    UNIT_ASSERT_EQ(prov.fills, 2);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    held_ok();
    UNIT_ASSERT_EQ(tmpfs_write(&fs, f, 10, "abc", 3), -HM_EIO); /* the fill's error */
    UNIT_ASSERT_EQ(size_of(f), 3 * PG);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    /* A read that cannot have the copy's bytes fails: it never passes
     * zeros off as the file's data. */
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, 0, rbuf, 3 * PG), -HM_EIO);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 10), 0);
    held_ok();
    /* page 1 in the cache, then fills fail again */
    prov.fill_err = 0;
    check_back(f, PG, PG, 1);
    out = prov.outstanding;
    prov.fill_err = -HM_EIO;
    UNIT_ASSERT(tmpfs_page(&fs, f, 2, 0) == NULL);
    UNIT_ASSERT(tmpfs_page(&fs, f, 0, TMPFS_PG_DIRTY) == NULL);
    UNIT_ASSERT(tmpfs_write(&fs, f, 2 * PG, "x", 1) < 0);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    UNIT_ASSERT_EQ(prov.outstanding, out);
    UNIT_ASSERT_EQ(tmpfs_read(&fs, f, PG, rbuf, 2 * PG), (long)PG); /* page 1, then short */
    check_back(f, PG, PG, 1);                                       /* from the cache */
    UNIT_ASSERT_EQ(tmpfs_reclaim(&fs, 10), 1);
    UNIT_ASSERT_EQ(pages_of(f), 0);
    held_ok();
    /* the copy readable again */
    prov.fill_err = 0;
    check_back(f, 0, 3 * PG, 1);
    UNIT_ASSERT_EQ(pages_of(f), 3);
    UNIT_ASSERT_EQ(size_of(f), 3 * PG);
    teardown();
}

/* tmpfs_create_backed's own errors (backing 0: -HM_EINVAL; a size past
 * TMPFS_FILE_MAX: -HM_EFBIG), and tmpfs_create's (an existing path:
 * -HM_EEXIST; bad paths); a call that fails creates nothing and leaves an
 * existing file as it was. */
/* Without a fill callback there is nothing to back a file with. */
UNIT_TEST(tmpfs_create_backed_needs_a_fill)
{
    setup();
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, "/f", 2, 1, PG), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_lookup(&fs, "/f", 2), -HM_ENOENT);
    teardown();
}

UNIT_TEST(tmpfs_create_backed_errors)
{
    uint32_t f, g;
    uint32_t used;

    setup_backed();
    used = fs.used;
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/f"), 0, PG), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/f"), 0, 0), -HM_EINVAL);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/f"), 1, TMPFS_FILE_MAX + 1), -HM_EFBIG);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/f"), 1, UINT64_MAX), -HM_EFBIG);
    UNIT_ASSERT_EQ(lk("/f"), -HM_ENOENT);
    UNIT_ASSERT_EQ(fs.used, used);
    f = mkb("/f", 1, 3 * PG);
    MKD("/d");
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/f"), 2, PG), -HM_EEXIST);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/f/"), 2, PG), -HM_EEXIST);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/d"), 2, PG), -HM_EEXIST);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/"), 2, PG), -HM_EEXIST);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/nodir/x"), 2, PG), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("/f/x"), 2, PG), -HM_ENOTDIR);
    UNIT_ASSERT_EQ(tmpfs_create_backed(&fs, P("f"), 2, PG), -HM_EINVAL);
    UNIT_ASSERT_EQ(fs.used, used + 2);
    UNIT_ASSERT_EQ(size_of(f), 3 * PG);
    check_back(f, 0, 3 * PG, 1);
    /* the largest size is fine */
    g = mkb("/d/g", 3, TMPFS_FILE_MAX);
    check_back(g, 0, PG, 3);
    UNIT_ASSERT_EQ(pages_of(g), 1);
    UNIT_ASSERT_EQ(fs.used, used + 3);
    held_ok();
    teardown();
}

/* ---- destroy ----------------------------------------------------------------------- */

static void build_tree(void)
{
    uint32_t a, b;

    MKD("/a");
    MKD("/a/b");
    a = MKF("/a/f");
    b = MKF("/a/b/g");
    MKF("/empty");
    write_pat(a, 0, 3 * PG, 1);
    write_pat(b, 10 * PG, 100, 2);
    UNIT_ASSERT(tmpfs_page(&fs, b, 20, true) != NULL);
    UNIT_ASSERT(prov.outstanding >= 5);
    held_ok();
}

UNIT_TEST(tmpfs_destroy_then_init_reuses)
{
    uint32_t f;

    setup();
    build_tree();
    tmpfs_destroy(&fs);
    UNIT_ASSERT_EQ(prov.outstanding, 0);
    UNIT_ASSERT_EQ(fs.pages_held, 0);
    UNIT_ASSERT_EQ(tmpfs_init(&fs, &ops), 0);
    UNIT_ASSERT_EQ(fs.used, 1);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 0);
    UNIT_ASSERT_EQ(lk("/a"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/empty"), -HM_ENOENT);
    f = MKF("/a");
    UNIT_ASSERT_EQ(size_of(f), 0);
    write_pat(f, 0, 2 * PG, 7);
    check_pat(f, 0, 2 * PG, 7);
    MKD("/b");
    teardown();
}

UNIT_TEST(tmpfs_destroy_leaves_empty_fs)
{
    uint32_t f;

    setup();
    build_tree();
    tmpfs_destroy(&fs);
    UNIT_ASSERT_EQ(prov.outstanding, 0);
    /* as after tmpfs_init: the root only, with the same provider */
    UNIT_ASSERT_EQ(fs.used, 1);
    UNIT_ASSERT_EQ(fs.pages_held, 0);
    UNIT_ASSERT_EQ(lk("/"), TMPFS_ROOT);
    UNIT_ASSERT_EQ(size_of(TMPFS_ROOT), 0);
    UNIT_ASSERT_EQ(lk("/a"), -HM_ENOENT);
    UNIT_ASSERT_EQ(lk("/a/b/g"), -HM_ENOENT);
    f = MKF("/n");
    write_pat(f, PG, PG, 8);
    UNIT_ASSERT_EQ(pages_of(f), 1);
    held_ok();
    tmpfs_destroy(&fs);
    UNIT_ASSERT_EQ(prov.outstanding, 0);
    /* destroying an empty FS is harmless */
    tmpfs_destroy(&fs);
    UNIT_ASSERT_EQ(prov.outstanding, 0);
    teardown();
}

/* Last, as it hands tmpfs_init memory full of garbage. */
UNIT_TEST(tmpfs_init_ignores_previous_contents)
{
    struct tmpfs_stat s;
    uint32_t f;

    prov_reset();
    memset(&fs, 0xa5, sizeof(fs));
    UNIT_ASSERT_EQ(tmpfs_init(&fs, &ops), 0);
    UNIT_ASSERT_EQ(fs.used, 1);
    UNIT_ASSERT_EQ(fs.pages_held, 0);
    s = stat_of(TMPFS_ROOT);
    UNIT_ASSERT_EQ(s.type, TMPFS_DIR);
    UNIT_ASSERT_EQ(s.size, 0);
    UNIT_ASSERT_EQ(s.parent, TMPFS_ROOT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, 2, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(tmpfs_stat(&fs, TMPFS_INODES, &s), -HM_ENOENT);
    UNIT_ASSERT_EQ(list_dir(TMPFS_ROOT), 0);
    f = MKF("/f");
    UNIT_ASSERT_EQ(pages_of(f), 0);
    write_pat(f, 0, PG + 1, 9);
    check_pat(f, 0, PG + 1, 9);
    teardown();
}

UNIT_MAIN("stage3")
