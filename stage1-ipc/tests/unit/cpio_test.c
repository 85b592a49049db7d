// SPDX-License-Identifier: MIT
/*
 * cpio_test.c - host unit tests for the initramfs reader (kernel/lib/cpio.c).
 *
 * Usage: cpio_test (no arguments)
 *
 * Archives are built in memory by a small newc writer (entry()), so every
 * padding case and every malformed field can be produced exactly; one real
 * archive made by GNU cpio 2.13 (`cpio -o -H newc --reproducible`) is
 * embedded as a string literal to check compatibility with the tool that
 * makes real initramfs images. Archives under test are copied into
 * malloc'd buffers of exactly their size so that AddressSanitizer catches
 * any read past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "cpio.h"
#include "unit.h"

/* ---------------------------------------------------------------------- */
/* A tiny newc writer                                                      */
/* ---------------------------------------------------------------------- */

#define AR_BYTES 8192

struct ar {
    unsigned char buf[AR_BYTES];
    size_t len;
};

static void put(struct ar *a, const void *p, size_t n)
{
    if (n > AR_BYTES - a->len)
        UNIT_FAIL("test archive buffer full");
    if (n == 0)
        return; /* p may be NULL for empty data */
    memcpy(a->buf + a->len, p, n);
    a->len += n;
}

static void pad(struct ar *a)
{
    static const unsigned char zero[4];

    put(a, zero, (4 - (a->len & 3)) & 3);
}

/* Append a newc entry and return the offset of its header. */
static size_t entry(struct ar *a, const char *name, uint32_t mode, const void *data, size_t size)
{
    char hdr[CPIO_HEADER_SIZE + 1];
    size_t at = a->len;

    snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             (unsigned)at, mode, 0u, 0u, 1u, 0x6553f100u, (unsigned)size, 0u, 0u, 0u, 0u,
             (unsigned)strlen(name) + 1, 0u);
    put(a, hdr, CPIO_HEADER_SIZE);
    put(a, name, strlen(name) + 1);
    pad(a);
    put(a, data, size);
    pad(a);
    return at;
}

static size_t file(struct ar *a, const char *name, const char *text)
{
    return entry(a, name, CPIO_S_IFREG | 0644, text, strlen(text));
}

static void trailer(struct ar *a)
{
    entry(a, "TRAILER!!!", 0, NULL, 0);
}

/* Overwrite header field @field of the entry at @at with 8 characters. */
static void set_field(struct ar *a, size_t at, int field, const char *eight)
{
    memcpy(a->buf + at + 6 + 8 * field, eight, 8);
}

/* A malloc'd copy of exactly @n bytes (ASan then flags any overread). */
static unsigned char *exact(const void *src, size_t n)
{
    unsigned char *p = malloc(n ? n : 1);

    if (!p)
        UNIT_FAIL("out of memory");
    memcpy(p, src, n);
    return p;
}

/* Iterate over @n bytes at @src (copied exactly); expect entry count
 * @want_entries and then @want_rc, with reason @want_why if an error. */
static void walk_expect(const void *src, size_t n, int want_entries, int want_rc,
                        const char *want_why)
{
    unsigned char *p = exact(src, n);
    size_t off = 0;
    struct cpio_file f;
    const char *why = NULL;
    int rc, count = 0;

    for (;;) {
        rc = cpio_next(p, n, &off, &f, &why);
        if (rc != 1)
            break;
        count++;
        if (count > 1000) {
            free(p);
            UNIT_FAIL("iteration does not end");
        }
    }
    free(p);
    UNIT_ASSERT_EQ(count, want_entries);
    UNIT_ASSERT_EQ(rc, want_rc);
    if (want_why)
        UNIT_ASSERT_STREQ(why, want_why);
}

/* Expect the first cpio_next() on @a to fail with -HM_EINVAL and @reason. */
static void first_fails(const struct ar *a, const char *reason)
{
    walk_expect(a->buf, a->len, 0, -HM_EINVAL, reason);
}

/* ---------------------------------------------------------------------- */
/* Well-formed archives                                                    */
/* ---------------------------------------------------------------------- */

UNIT_TEST(cpio_iterate_entry_types)
{
    struct ar a = { .len = 0 };
    struct cpio_file f;
    size_t off = 0, prev;
    const char *why = NULL;

    entry(&a, ".", CPIO_S_IFDIR | 0755, NULL, 0);
    entry(&a, "init", CPIO_S_IFREG | 0755, "xyz", 3);
    entry(&a, "empty", CPIO_S_IFREG | 0600, NULL, 0);
    entry(&a, "sh", CPIO_S_IFLNK | 0777, "init", 4);
    trailer(&a);

    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), 1);
    UNIT_ASSERT_STREQ(f.name, ".");
    UNIT_ASSERT_EQ(f.name_len, 1);
    UNIT_ASSERT_EQ(f.size, 0);
    UNIT_ASSERT_EQ(f.mode, CPIO_S_IFDIR | 0755);
    UNIT_ASSERT(!cpio_is_regular(&f));
    UNIT_ASSERT_EQ(off, 112); /* 110 + "." + NUL, already aligned */

    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), 1);
    UNIT_ASSERT_STREQ(f.name, "init");
    UNIT_ASSERT_EQ(f.name_len, 4);
    UNIT_ASSERT_EQ(f.size, 3);
    UNIT_ASSERT(memcmp(f.data, "xyz", 3) == 0);
    UNIT_ASSERT_EQ((const unsigned char *)f.data - a.buf, 112 + 110 + 5 + 1); /* padded to 228 */
    UNIT_ASSERT_EQ(f.mode, CPIO_S_IFREG | 0755);
    UNIT_ASSERT(cpio_is_regular(&f));
    UNIT_ASSERT_EQ(off, 232);

    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), 1);
    UNIT_ASSERT_STREQ(f.name, "empty");
    UNIT_ASSERT_EQ(f.size, 0);
    UNIT_ASSERT(f.data != NULL);
    UNIT_ASSERT(cpio_is_regular(&f));

    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), 1);
    UNIT_ASSERT_STREQ(f.name, "sh");
    UNIT_ASSERT_EQ(f.mode & CPIO_S_IFMT, CPIO_S_IFLNK);
    UNIT_ASSERT(memcmp(f.data, "init", 4) == 0);

    /* The trailer: 0, and it stays there (offset and *f untouched). */
    prev = off;
    f.name = "sentinel";
    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), 0);
    UNIT_ASSERT_EQ(off, prev);
    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), 0);
    UNIT_ASSERT_EQ(off, prev);
    UNIT_ASSERT_STREQ(f.name, "sentinel");
    UNIT_ASSERT(why == NULL);
}

UNIT_TEST(cpio_padding_every_length)
{
    static const char letters[] = "abcdefghijklmnop";

    /* Name lengths 1..9 and data sizes 0..9 cover every padding of the
     * name (header is 110 = 2 mod 4) and of the data; a second entry after
     * each must still be found exactly. */
    for (size_t nl = 1; nl <= 9; nl++) {
        for (size_t ds = 0; ds <= 9; ds++) {
            struct ar a = { .len = 0 };
            char name[16];
            struct cpio_file f;
            size_t off = 0;
            const char *why = NULL;
            unsigned char *p;

            memcpy(name, letters, nl);
            name[nl] = '\0';
            entry(&a, name, CPIO_S_IFREG | 0644, letters + 3, ds);
            file(&a, "second", "Q");
            trailer(&a);
            p = exact(a.buf, a.len);
            UNIT_ASSERT_EQ(cpio_next(p, a.len, &off, &f, &why), 1);
            UNIT_ASSERT_EQ(f.name_len, nl);
            UNIT_ASSERT(memcmp(f.name, letters, nl) == 0);
            UNIT_ASSERT_EQ(f.size, ds);
            UNIT_ASSERT(memcmp(f.data, letters + 3, ds) == 0);
            UNIT_ASSERT_EQ((uintptr_t)((const unsigned char *)f.data - p) % 4, 0);
            UNIT_ASSERT_EQ(off % 4, 0);
            UNIT_ASSERT_EQ(cpio_next(p, a.len, &off, &f, &why), 1);
            UNIT_ASSERT_STREQ(f.name, "second");
            UNIT_ASSERT(memcmp(f.data, "Q", 1) == 0);
            UNIT_ASSERT_EQ(cpio_next(p, a.len, &off, &f, &why), 0);
            free(p);
        }
    }
}

UNIT_TEST(cpio_unaligned_archive_pointer)
{
    struct ar a = { .len = 0 };
    unsigned char *p = malloc(AR_BYTES + 3);
    struct cpio_file f;

    UNIT_ASSERT(p != NULL);
    file(&a, "odd", "12345");
    trailer(&a);
    /* Padding is relative to the archive start, not to memory addresses. */
    for (size_t shift = 1; shift <= 3; shift++) {
        memcpy(p + shift, a.buf, a.len);
        UNIT_ASSERT_EQ(cpio_find(p + shift, a.len, "odd", &f, NULL), 0);
        UNIT_ASSERT_EQ(f.size, 5);
        UNIT_ASSERT(memcmp(f.data, "12345", 5) == 0);
    }
    free(p);
}

UNIT_TEST(cpio_lowercase_hex)
{
    struct ar a = { .len = 0 };
    struct cpio_file f;
    size_t at;

    at = entry(&a, "f", CPIO_S_IFREG | 0755, "0123456789", 10);
    trailer(&a);
    set_field(&a, at, CPIO_F_MODE, "000081ed"); /* GNU cpio writes upper case, others lower */
    set_field(&a, at, CPIO_F_FILESIZE, "0000000a");
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "f", &f, NULL), 0);
    UNIT_ASSERT_EQ(f.mode, 0100755);
    UNIT_ASSERT_EQ(f.size, 10);
}

UNIT_TEST(cpio_trailer_ends_archive)
{
    struct ar a = { .len = 0 };
    struct cpio_file f;

    file(&a, "a", "1");
    trailer(&a);
    /* Whatever follows the trailer (block padding, junk) is never read. */
    put(&a, "garbage that is not a header", 28);
    file(&a, "after", "x");
    walk_expect(a.buf, a.len, 1, 0, NULL);
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "after", &f, NULL), -HM_ENOENT);
}

UNIT_TEST(cpio_trailer_without_padding)
{
    struct ar a = { .len = 0 };

    file(&a, "a", "1");
    trailer(&a);
    /* Header (110) + "TRAILER!!!" + NUL (11) is followed by 3 bytes of
     * padding: an archive cut anywhere in them is still complete. */
    walk_expect(a.buf, a.len - 1, 1, 0, NULL);
    walk_expect(a.buf, a.len - 3, 1, 0, NULL);
    walk_expect(a.buf, a.len - 4, 1, -HM_EINVAL, "name runs past the end");
}

/* ---------------------------------------------------------------------- */
/* An archive made by GNU cpio                                             */
/* ---------------------------------------------------------------------- */

/*
 * Made with GNU cpio 2.13:
 *   mkdir -p d/bin && cd d && printf 'hello\n' > bin/hello && : > empty &&
 *   ln -s bin/hello link && printf abc > abc && chmod 755 . bin bin/hello &&
 *   chmod 644 empty abc && find . -exec touch -h -d @1700000000 {} + &&
 *   printf '.\nbin\nbin/hello\nempty\nlink\nabc\n' |
 *   cpio -o -H newc --reproducible --owner=0:0 > small.cpio
 * and dumped one header field per string. cpio pads the archive to 1024
 * bytes with zeros; those are left out (nothing after the trailer is read).
 */
/* One line per header field group, as the format lays it out. */
// clang-format off
static const char gnu_archive[] =
    "070701" "00000000" "000041ED" "00000000" "00000000" "00000003" "6553F100"
        "00000000" "00000000" "00000000" "00000000" "00000000" "00000002" "00000000"
        ".\000"
    "070701" "00000001" "000041ED" "00000000" "00000000" "00000002" "6553F100"
        "00000000" "00000000" "00000000" "00000000" "00000000" "00000004" "00000000"
        "bin\000\000\000"
    "070701" "00000002" "000081ED" "00000000" "00000000" "00000001" "6553F100"
        "00000006" "00000000" "00000000" "00000000" "00000000" "0000000A" "00000000"
        "bin/hello\000"
        "hello\n\000\000"
    "070701" "00000003" "000081A4" "00000000" "00000000" "00000001" "6553F100"
        "00000000" "00000000" "00000000" "00000000" "00000000" "00000006" "00000000"
        "empty\000"
    "070701" "00000004" "0000A1FF" "00000000" "00000000" "00000001" "6553F100"
        "00000009" "00000000" "00000000" "00000000" "00000000" "00000005" "00000000"
        "link\000\000"
        "bin/hello\000\000\000"
    "070701" "00000005" "000081A4" "00000000" "00000000" "00000001" "6553F100"
        "00000003" "00000000" "00000000" "00000000" "00000000" "00000004" "00000000"
        "abc\000\000\000"
        "abc\000"
    "070701" "00000000" "00000000" "00000000" "00000000" "00000001" "00000000"
        "00000000" "00000000" "00000000" "00000000" "00000000" "0000000B" "00000000"
        "TRAILER!!!\000\000\000\000";
// clang-format on

#define GNU_SIZE (sizeof(gnu_archive) - 1) /* without the literal's own NUL */
#define GNU_TRAILER_NAME_END 841           /* offset just past "TRAILER!!!\0" */

UNIT_TEST(cpio_gnu_archive)
{
    static const struct {
        const char *name;
        uint32_t mode;
        const char *data;
        size_t size;
    } want[] = {
        { ".", 040755, "", 0 },
        { "bin", 040755, "", 0 },
        { "bin/hello", 0100755, "hello\n", 6 },
        { "empty", 0100644, "", 0 },
        { "link", 0120777, "bin/hello", 9 },
        { "abc", 0100644, "abc", 3 },
    };
    unsigned char *p = exact(gnu_archive, GNU_SIZE);
    struct cpio_file f;
    size_t off = 0;
    const char *why = NULL;

    UNIT_ASSERT_EQ(GNU_SIZE, 844);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        UNIT_ASSERT_EQ(cpio_next(p, GNU_SIZE, &off, &f, &why), 1);
        UNIT_ASSERT_STREQ(f.name, want[i].name);
        UNIT_ASSERT_EQ(f.name_len, strlen(want[i].name));
        UNIT_ASSERT_EQ(f.mode, want[i].mode);
        UNIT_ASSERT_EQ(f.size, want[i].size);
        UNIT_ASSERT(memcmp(f.data, want[i].data, want[i].size) == 0);
    }
    UNIT_ASSERT_EQ(cpio_next(p, GNU_SIZE, &off, &f, &why), 0);
    UNIT_ASSERT(why == NULL);

    UNIT_ASSERT_EQ(cpio_find(p, GNU_SIZE, "/bin/hello", &f, &why), 0);
    UNIT_ASSERT(cpio_is_regular(&f));
    UNIT_ASSERT(memcmp(f.data, "hello\n", 6) == 0);
    UNIT_ASSERT_EQ(cpio_find(p, GNU_SIZE, "./bin", &f, &why), 0);
    UNIT_ASSERT(!cpio_is_regular(&f));
    UNIT_ASSERT_EQ(cpio_find(p, GNU_SIZE, "hello", &f, &why), -HM_ENOENT);
    free(p);
}

UNIT_TEST(cpio_gnu_archive_truncated_everywhere)
{
    /* Every prefix shorter than the trailer's name is refused cleanly after
     * however many whole entries fit; from there on the archive is whole. */
    for (size_t n = 0; n <= GNU_SIZE; n++) {
        unsigned char *p = exact(gnu_archive, n);
        struct cpio_file f;
        size_t off = 0;
        const char *why = NULL;
        int rc, count = 0;

        for (;;) {
            rc = cpio_next(p, n, &off, &f, &why);
            if (rc != 1)
                break;
            count++;
            /* A returned entry lies wholly inside the prefix. */
            UNIT_ASSERT((const unsigned char *)f.data + f.size <= p + n);
            UNIT_ASSERT(off <= n);
        }
        free(p);
        if (n < GNU_TRAILER_NAME_END) {
            UNIT_ASSERT_EQ(rc, -HM_EINVAL);
            UNIT_ASSERT(why != NULL && why[0] != '\0');
            UNIT_ASSERT(count <= 6);
        } else {
            UNIT_ASSERT_EQ(rc, 0);
            UNIT_ASSERT_EQ(count, 6);
        }
    }
    /* A few cut points and the reason each gives. */
    walk_expect(gnu_archive, 0, 0, -HM_EINVAL, "no TRAILER!!! entry");
    walk_expect(gnu_archive, 50, 0, -HM_EINVAL, "header runs past the end");
    walk_expect(gnu_archive, 111, 0, -HM_EINVAL, "name runs past the end");
    walk_expect(gnu_archive, 112, 1, -HM_EINVAL, "no TRAILER!!! entry");
    /* Cut inside "hello\n": the data of bin/hello runs past the end. */
    walk_expect(gnu_archive, 0x15c + 3, 2, -HM_EINVAL, "file data runs past the end");
    /* Cut right after "hello\n", before its padding: the entry is whole,
     * the archive ends without a trailer. */
    walk_expect(gnu_archive, 0x15c + 6, 3, -HM_EINVAL, "no TRAILER!!! entry");
}

/* ---------------------------------------------------------------------- */
/* cpio_find                                                               */
/* ---------------------------------------------------------------------- */

UNIT_TEST(cpio_find_strips_prefixes)
{
    struct ar a = { .len = 0 };
    struct cpio_file f;
    const char *why = NULL;

    file(&a, "./init", "I");
    file(&a, "/bin/sh", "S");
    file(&a, "etc/x", "X");
    trailer(&a);

    static const struct {
        const char *ask;
        const char *data;
    } cases[] = {
        { "init", "I" },     { "./init", "I" },  { "/init", "I" }, { "bin/sh", "S" },
        { "./bin/sh", "S" }, { "/bin/sh", "S" }, { "etc/x", "X" }, { "/etc/x", "X" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, cases[i].ask, &f, &why), 0);
        UNIT_ASSERT_EQ(f.size, 1);
        UNIT_ASSERT(memcmp(f.data, cases[i].data, 1) == 0);
    }
    /* Only one prefix is stripped. */
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "//init", &f, &why), -HM_ENOENT);
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "././init", &f, &why), -HM_ENOENT);
}

UNIT_TEST(cpio_find_not_found)
{
    struct ar a = { .len = 0 };
    struct cpio_file f = { .name = "sentinel" };
    const char *why = NULL;

    file(&a, "init", "I");
    trailer(&a);
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "ini", &f, &why), -HM_ENOENT);
    UNIT_ASSERT_STREQ(why, "not found");
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "initx", &f, &why), -HM_ENOENT);
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "INIT", &f, &why), -HM_ENOENT);
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "TRAILER!!!", &f, &why), -HM_ENOENT);
    UNIT_ASSERT_STREQ(f.name, "sentinel");
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "ini", &f, NULL), -HM_ENOENT);
}

UNIT_TEST(cpio_find_first_duplicate_wins)
{
    struct ar a = { .len = 0 };
    struct cpio_file f;

    file(&a, "init", "first");
    file(&a, "./init", "second");
    trailer(&a);
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "init", &f, NULL), 0);
    UNIT_ASSERT_EQ(f.size, 5);
    UNIT_ASSERT(memcmp(f.data, "first", 5) == 0);
}

UNIT_TEST(cpio_find_bad_arguments)
{
    struct ar a = { .len = 0 };
    struct cpio_file f;
    const char *why = NULL;

    file(&a, "init", "I");
    trailer(&a);
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, NULL, &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "bad arguments");
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "init", NULL, &why), -HM_EINVAL);
    why = NULL;
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "", &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "empty name");
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "/", &f, &why), -HM_EINVAL);
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "./", &f, &why), -HM_EINVAL);
    UNIT_ASSERT_EQ(cpio_find(NULL, 16, "init", &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "bad arguments");
}

UNIT_TEST(cpio_find_reports_malformed)
{
    struct ar a = { .len = 0 };
    struct cpio_file f;
    const char *why = NULL;
    size_t at;

    file(&a, "a", "1");
    at = file(&a, "b", "2");
    file(&a, "init", "I");
    trailer(&a);
    set_field(&a, at, CPIO_F_FILESIZE, "0000000z");
    /* The bad entry comes before the one asked for: the error, not ENOENT. */
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "init", &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "c_filesize is not hexadecimal");
    /* Entries before it are still found. */
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "a", &f, &why), 0);
    /* Without a trailer, a missing name is an error, not "not found". */
    a.len = 0;
    file(&a, "a", "1");
    UNIT_ASSERT_EQ(cpio_find(a.buf, a.len, "init", &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "no TRAILER!!! entry");
}

/* ---------------------------------------------------------------------- */
/* Malformed archives                                                      */
/* ---------------------------------------------------------------------- */

UNIT_TEST(cpio_empty_archive)
{
    struct cpio_file f;
    size_t off = 0;
    const char *why = NULL;

    UNIT_ASSERT_EQ(cpio_next(NULL, 0, &off, &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "no TRAILER!!! entry");
    walk_expect("", 0, 0, -HM_EINVAL, "no TRAILER!!! entry");
    UNIT_ASSERT_EQ(cpio_find(NULL, 0, "init", &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "no TRAILER!!! entry");
}

UNIT_TEST(cpio_no_trailer)
{
    struct ar a = { .len = 0 };

    file(&a, "a", "1234");
    file(&a, "b", "");
    walk_expect(a.buf, a.len, 2, -HM_EINVAL, "no TRAILER!!! entry");
    /* Data not padded at the very end: the entry is returned, the offset
     * stops at the end of the buffer, then the trailer is missing. */
    a.len = 0;
    file(&a, "a", "12345");
    walk_expect(a.buf, a.len - 3, 1, -HM_EINVAL, "no TRAILER!!! entry");
}

UNIT_TEST(cpio_bad_magic)
{
    static const char *const magics[] = { "070702", "070707", "070700", "707010", "\0\0\0\0\0\0" };

    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
        struct ar a = { .len = 0 };

        file(&a, "a", "1");
        trailer(&a);
        memcpy(a.buf, magics[i], 6);
        first_fails(&a, "bad magic");
    }
    /* A bad magic in the second entry: the first is still returned. */
    struct ar b = { .len = 0 };
    size_t at;

    file(&b, "a", "1");
    at = file(&b, "b", "2");
    trailer(&b);
    b.buf[at] = 'X';
    walk_expect(b.buf, b.len, 1, -HM_EINVAL, "bad magic");
}

UNIT_TEST(cpio_header_runs_past_end)
{
    struct ar a = { .len = 0 };

    file(&a, "a", "1");
    trailer(&a);
    for (size_t n = 1; n < CPIO_HEADER_SIZE; n++)
        walk_expect(a.buf, n, 0, -HM_EINVAL, "header runs past the end");
}

UNIT_TEST(cpio_nonhex_field)
{
    static const char *const reason[CPIO_F_COUNT] = {
        "c_ino is not hexadecimal",       "c_mode is not hexadecimal",
        "c_uid is not hexadecimal",       "c_gid is not hexadecimal",
        "c_nlink is not hexadecimal",     "c_mtime is not hexadecimal",
        "c_filesize is not hexadecimal",  "c_devmajor is not hexadecimal",
        "c_devminor is not hexadecimal",  "c_rdevmajor is not hexadecimal",
        "c_rdevminor is not hexadecimal", "c_namesize is not hexadecimal",
        "c_check is not hexadecimal",
    };
    /* Letters beyond f, signs, spaces, prefixes, NUL: none is a hex digit. */
    static const char *const bad[] = { "0000000g", "G0000000",  "-0000001", " 0000001",
                                       "0x000001", "0000000\0", "000:0000", "0000/000" };

    for (int fld = 0; fld < CPIO_F_COUNT; fld++) {
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            struct ar a = { .len = 0 };
            size_t at = file(&a, "a", "1");

            trailer(&a);
            set_field(&a, at, fld, bad[i]);
            first_fails(&a, reason[fld]);
        }
    }
}

UNIT_TEST(cpio_name_size_zero)
{
    struct ar a = { .len = 0 };
    size_t at = file(&a, "a", "1");

    trailer(&a);
    set_field(&a, at, CPIO_F_NAMESIZE, "00000000");
    first_fails(&a, "name size is 0");
}

UNIT_TEST(cpio_name_runs_past_end)
{
    struct ar a = { .len = 0 };
    size_t at = file(&a, "abcde", "");

    /* No trailer: the name is the last thing in the buffer (110 + 6, no pad). */
    UNIT_ASSERT_EQ(a.len, 116);
    set_field(&a, at, CPIO_F_NAMESIZE, "00000007");
    first_fails(&a, "name runs past the end");
    set_field(&a, at, CPIO_F_NAMESIZE, "FFFFFFFF");
    first_fails(&a, "name runs past the end");
    /* Exactly to the end is fine. */
    set_field(&a, at, CPIO_F_NAMESIZE, "00000006");
    walk_expect(a.buf, a.len, 1, -HM_EINVAL, "no TRAILER!!! entry");
}

UNIT_TEST(cpio_name_not_terminated)
{
    struct ar a = { .len = 0 };
    size_t at = file(&a, "name", "data");

    trailer(&a);
    /* namesize 4 makes "name" end on 'e' instead of the NUL. */
    set_field(&a, at, CPIO_F_NAMESIZE, "00000004");
    first_fails(&a, "name not NUL-terminated");
    a.buf[at + CPIO_HEADER_SIZE + 4] = 'X';
    set_field(&a, at, CPIO_F_NAMESIZE, "00000005");
    first_fails(&a, "name not NUL-terminated");
}

UNIT_TEST(cpio_name_embedded_nul)
{
    struct ar a = { .len = 0 };
    size_t at = file(&a, "init", "data");

    trailer(&a);
    a.buf[at + CPIO_HEADER_SIZE + 2] = '\0'; /* "in\0t\0" */
    first_fails(&a, "name contains a NUL byte");
}

UNIT_TEST(cpio_data_runs_past_end)
{
    struct ar a = { .len = 0 };
    size_t at = file(&a, "a", "1234");

    trailer(&a);
    set_field(&a, at, CPIO_F_FILESIZE, "FFFFFFFF");
    first_fails(&a, "file data runs past the end");
    set_field(&a, at, CPIO_F_FILESIZE, "80000000");
    first_fails(&a, "file data runs past the end");

    /* One byte more than the buffer holds after the name. */
    a.len = 0;
    at = file(&a, "a", "1234");
    set_field(&a, at, CPIO_F_FILESIZE, "00000005");
    first_fails(&a, "file data runs past the end");
    /* The buffer ends inside the name padding: even empty data is refused. */
    a.len = 0;
    entry(&a, "ab", CPIO_S_IFREG, NULL, 0); /* 110 + 3, padded to 116 */
    walk_expect(a.buf, a.len - 2, 0, -HM_EINVAL, "file data runs past the end");
}

UNIT_TEST(cpio_bad_offset_and_arguments)
{
    struct ar a = { .len = 0 };
    struct cpio_file f;
    size_t off;
    const char *why = NULL;

    file(&a, "a", "1");
    trailer(&a);
    off = a.len + 4;
    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "offset past the end");
    off = 2;
    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "offset not 4-byte aligned");
    UNIT_ASSERT_EQ(off, 2);
    off = 0;
    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, NULL, &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "bad arguments");
    why = NULL;
    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, NULL, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "bad arguments");
    why = NULL;
    UNIT_ASSERT_EQ(cpio_next(NULL, a.len, &off, &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "bad arguments");
    /* why may be NULL. */
    UNIT_ASSERT_EQ(cpio_next(NULL, a.len, &off, &f, NULL), -HM_EINVAL);
}

UNIT_TEST(cpio_error_changes_nothing)
{
    struct ar a = { .len = 0 };
    struct cpio_file f = { .name = "sentinel", .name_len = 8, .data = NULL, .size = 77, .mode = 1 };
    size_t off = 0, at;
    const char *why = NULL;

    file(&a, "a", "1");
    at = file(&a, "b", "2");
    trailer(&a);
    set_field(&a, at, CPIO_F_MODE, "zzzzzzzz");
    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), 1);
    UNIT_ASSERT_EQ(off, at);
    f.name = "sentinel";
    f.size = 77;
    UNIT_ASSERT_EQ(cpio_next(a.buf, a.len, &off, &f, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "c_mode is not hexadecimal");
    UNIT_ASSERT_EQ(off, at);
    UNIT_ASSERT_STREQ(f.name, "sentinel");
    UNIT_ASSERT_EQ(f.size, 77);
}

UNIT_MAIN("stage1")
