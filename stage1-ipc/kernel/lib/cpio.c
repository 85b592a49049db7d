// SPDX-License-Identifier: MIT
/*
 * cpio.c - iterate over and search an initramfs in the cpio "newc" format.
 *
 * Implements cpio.h. The format facts used are those of cpio(5), "New ASCII
 * Format" (the same layout the Linux kernel documents as its initramfs buffer
 * format): a 110-byte header of "070701" and 13 eight-digit hex fields, the
 * NUL-terminated name, padding to 4 bytes, the data, padding to 4 bytes; the
 * archive ends at an entry named "TRAILER!!!".
 *
 * Every length read from the archive is an untrusted 32-bit number. All
 * bounds checks are written as "does n fit in what remains" (a subtraction
 * from a value already known to be in range), never as "offset + n <= size",
 * so no sum can wrap even where size_t is 32 bits wide.
 *
 * Freestanding: only <stdint.h>, <stddef.h> and <string.h>; no allocation,
 * no global mutable state.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "cpio.h"

#define MAGIC "070701"
#define MAGIC_LEN 6u
#define FIELD_DIGITS 8u
#define TRAILER "TRAILER!!!"
#define TRAILER_LEN 10u

/* One reason per header field, so that a refusal says which field is bad. */
static const char *const bad_field[CPIO_F_COUNT] = {
    "c_ino is not hexadecimal",       "c_mode is not hexadecimal",
    "c_uid is not hexadecimal",       "c_gid is not hexadecimal",
    "c_nlink is not hexadecimal",     "c_mtime is not hexadecimal",
    "c_filesize is not hexadecimal",  "c_devmajor is not hexadecimal",
    "c_devminor is not hexadecimal",  "c_rdevmajor is not hexadecimal",
    "c_rdevminor is not hexadecimal", "c_namesize is not hexadecimal",
    "c_check is not hexadecimal",
};

/* Store a reason for the caller, who may not want one (why == NULL). */
static int fail(const char **why, int err, const char *reason)
{
    if (why)
        *why = reason;
    return err;
}

/* Value of one ASCII hex digit (either case), or -1 if @c is not one. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse exactly FIELD_DIGITS hex digits at @p into *val.
 * Assumes: FIELD_DIGITS bytes are readable at @p.
 * Returns 0, or -1 if any byte is not a hex digit (no sign, no spaces:
 * the format has no other spelling of a number). */
static int parse_field(const char *p, uint32_t *val)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < FIELD_DIGITS; i++) {
        int d = hex_digit(p[i]);

        if (d < 0)
            return -1;
        v = (v << 4) | (uint32_t)d;
    }
    *val = v;
    return 0;
}

/* Bytes of padding needed after @off to reach a multiple of 4. */
static size_t pad4(size_t off)
{
    return (4u - (off & 3u)) & 3u;
}

int cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_file *f,
              const char **why)
{
    const char *base = archive;
    uint32_t field[CPIO_F_COUNT];
    size_t off, left, name_off, namesize, data_off, filesize, next;

    if (!offset || !f || (!archive && size))
        return fail(why, -HM_EINVAL, "bad arguments");
    off = *offset;
    if (off > size)
        return fail(why, -HM_EINVAL, "offset past the end");
    /* Every archive must end with a trailer entry: running out of bytes at
     * a header boundary means the archive was cut short. (Checked before
     * the alignment: an archive cut before its final padding leaves the
     * offset at an unaligned size.) */
    if (off == size)
        return fail(why, -HM_EINVAL, "no TRAILER!!! entry");
    if (off & 3u)
        return fail(why, -HM_EINVAL, "offset not 4-byte aligned");

    left = size - off;
    if (left < CPIO_HEADER_SIZE)
        return fail(why, -HM_EINVAL, "header runs past the end");
    if (memcmp(base + off, MAGIC, MAGIC_LEN) != 0)
        return fail(why, -HM_EINVAL, "bad magic");
    for (unsigned i = 0; i < CPIO_F_COUNT; i++) {
        if (parse_field(base + off + MAGIC_LEN + i * FIELD_DIGITS, &field[i]) != 0)
            return fail(why, -HM_EINVAL, bad_field[i]);
    }

    /* The name: namesize counts the NUL, so 0 is impossible; it must fit
     * in what follows the header and be terminated exactly at its end. */
    name_off = off + CPIO_HEADER_SIZE;
    left -= CPIO_HEADER_SIZE;
    namesize = field[CPIO_F_NAMESIZE];
    if (namesize == 0)
        return fail(why, -HM_EINVAL, "name size is 0");
    if (namesize > left)
        return fail(why, -HM_EINVAL, "name runs past the end");
    if (base[name_off + namesize - 1] != '\0')
        return fail(why, -HM_EINVAL, "name not NUL-terminated");
    /* An embedded NUL would make the C string shorter than name_len and let
     * two different names compare equal. */
    if (memchr(base + name_off, '\0', namesize - 1))
        return fail(why, -HM_EINVAL, "name contains a NUL byte");

    /* The trailer ends the archive whatever its other fields say; the
     * offset stays on it so that later calls also report the end. */
    if (namesize - 1 == TRAILER_LEN && memcmp(base + name_off, TRAILER, TRAILER_LEN) == 0)
        return 0;

    /* The data starts after the name's padding, which must itself fit
     * unless the data is empty and the archive ends there (checked below
     * as a whole: padding + filesize must fit in what is left). */
    left -= namesize;
    data_off = name_off + namesize;
    filesize = field[CPIO_F_FILESIZE];
    if (pad4(data_off) > left || filesize > left - pad4(data_off))
        return fail(why, -HM_EINVAL, "file data runs past the end");
    data_off += pad4(data_off);

    /* Step over the data and its padding; a missing final pad (archive cut
     * right after the data) leaves the offset at size, where the next call
     * reports the missing trailer rather than reading past the end. */
    next = data_off + filesize;
    if (pad4(next) > size - next)
        next = size;
    else
        next += pad4(next);

    f->name = base + name_off;
    f->name_len = namesize - 1;
    f->data = base + data_off;
    f->size = filesize;
    f->mode = field[CPIO_F_MODE];
    *offset = next;
    return 1;
}

/* @name without one leading "./" or "/" (the forms `find . | cpio` and
 * absolute paths produce), as a pointer and length into the same string. */
static const char *strip(const char *name, size_t *len)
{
    if (*len >= 2 && name[0] == '.' && name[1] == '/') {
        *len -= 2;
        return name + 2;
    }
    if (*len >= 1 && name[0] == '/') {
        *len -= 1;
        return name + 1;
    }
    return name;
}

int cpio_find(const void *archive, size_t size, const char *name, struct cpio_file *f,
              const char **why)
{
    size_t want_len, offset = 0;
    const char *want;
    struct cpio_file cur;
    int rc;

    if (!name || !f)
        return fail(why, -HM_EINVAL, "bad arguments");
    want_len = strlen(name);
    want = strip(name, &want_len);
    if (want_len == 0)
        return fail(why, -HM_EINVAL, "empty name");

    /* Each successful cpio_next() moves offset forward by at least one
     * header, so the loop ends after at most size / 110 entries. */
    for (;;) {
        rc = cpio_next(archive, size, &offset, &cur, why);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return fail(why, -HM_ENOENT, "not found");

        size_t have_len = cur.name_len;
        const char *have = strip(cur.name, &have_len);

        if (have_len == want_len && memcmp(have, want, want_len) == 0) {
            *f = cur;
            return 0;
        }
    }
}
