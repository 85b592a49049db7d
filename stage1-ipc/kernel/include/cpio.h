// SPDX-License-Identifier: MIT
/*
 * cpio.h - reading an initramfs: a cpio archive in the "newc" format.
 *
 * The kernel's first programs come in an initramfs, a cpio archive made by
 * `cpio -o -H newc`, either handed over by the boot loader or linked into
 * the kernel image. The newc format (cpio(5), "New ASCII Format"; the Linux
 * kernel documents the same layout as the initramfs buffer format) is a
 * sequence of entries, each:
 *
 *     110-byte header: "070701" and 13 fields of 8 ASCII hex digits
 *                      (ino, mode, uid, gid, nlink, mtime, filesize,
 *                       devmajor, devminor, rdevmajor, rdevminor,
 *                       namesize, check)
 *     the name, namesize bytes including its NUL, then zero padding so that
 *         header + name end on a multiple of 4 bytes from the archive start
 *     the file data, filesize bytes, then zero padding to a multiple of 4
 *
 * and the archive ends with an entry named "TRAILER!!!".
 *
 * Trust model: the archive is untrusted. Every field is validated before it
 * is used, nothing is read outside [archive, archive + size), and a
 * malformed archive yields -HM_EINVAL plus a static, human-readable reason
 * string that the kernel prints ("initramfs: refusing <name>: <reason>").
 * The module is plain freestanding C (no allocation, no global state) and is
 * also compiled natively for the host unit tests.
 */
#ifndef CPIO_H
#define CPIO_H

#include <stddef.h>
#include <stdint.h>

/** Size of a newc header: 6 magic bytes + 13 fields of 8 hex digits. */
#define CPIO_HEADER_SIZE 110u

/** The header's fields after the magic, in header order (cpio(5)); each
 *  is 8 hex digits at offset 6 + 8 * index. */
enum cpio_field {
    CPIO_F_INO,
    CPIO_F_MODE,
    CPIO_F_UID,
    CPIO_F_GID,
    CPIO_F_NLINK,
    CPIO_F_MTIME,
    CPIO_F_FILESIZE,
    CPIO_F_DEVMAJOR,
    CPIO_F_DEVMINOR,
    CPIO_F_RDEVMAJOR,
    CPIO_F_RDEVMINOR,
    CPIO_F_NAMESIZE,
    CPIO_F_CHECK,
    CPIO_F_COUNT
};

/** File-type bits of cpio_file.mode (the st_mode encoding of cpio(5)). */
#define CPIO_S_IFMT 0170000u  /**< mask of the file-type bits */
#define CPIO_S_IFREG 0100000u /**< regular file */
#define CPIO_S_IFDIR 0040000u /**< directory */
#define CPIO_S_IFLNK 0120000u /**< symbolic link (data is the target) */

/** One archive entry; every pointer points into the archive itself. */
struct cpio_file {
    const char *name; /**< entry name, NUL-terminated inside the archive */
    size_t name_len;  /**< length of name without the NUL */
    const void *data; /**< file data (never NULL for a returned entry, even if size is 0) */
    size_t size;      /**< data length in bytes */
    uint32_t mode;    /**< type and permission bits, e.g. CPIO_S_IFREG | 0755 */
};

/**
 * @brief Whether an entry is a regular file (not a directory, link, device...).
 * @param f an entry returned by cpio_next() or cpio_find().
 */
static inline int cpio_is_regular(const struct cpio_file *f)
{
    return (f->mode & CPIO_S_IFMT) == CPIO_S_IFREG;
}

/**
 * @brief Read the archive entry at *offset and advance past it.
 *
 * Start with *offset = 0 and call repeatedly. Entries of every type are
 * returned (directories, links, devices, empty files); callers filter on
 * the mode. Padding is computed from the archive start, so the archive
 * pointer itself needs no particular alignment.
 *
 * @param archive the archive bytes (may be NULL only if @p size is 0).
 * @param size    number of readable bytes at @p archive.
 * @param offset  in: offset of the next header (a multiple of 4, <= size);
 *                out: advanced past the returned entry and its padding
 *                (never beyond @p size). Left unchanged at the trailer, so
 *                further calls keep returning 0, and on error.
 * @param f       filled on a return of 1; unchanged otherwise.
 * @param why     on error, set to a static reason string such as "bad magic"
 *                or "no TRAILER!!! entry"; untouched otherwise. May be NULL.
 * @return 1 for an entry, 0 at the "TRAILER!!!" entry (end of archive),
 *         -HM_EINVAL for a malformed archive or bad arguments.
 */
int cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_file *f,
              const char **why);

/**
 * @brief Find an entry by name.
 *
 * Names are compared after stripping one leading "./" or "/" from both the
 * archive's name and @p name, so "init", "./init" and "/init" are the same
 * file. The first matching entry (in archive order) wins; the archive is
 * validated up to that entry, or to the trailer if there is no match.
 *
 * @param archive,size the archive, as for cpio_next().
 * @param name   NUL-terminated name to look for (not empty after stripping).
 * @param f      filled when found; unchanged otherwise.
 * @param why    on error or not found, set to a static reason string; may be NULL.
 * @return 0 found, -HM_ENOENT no such entry, -HM_EINVAL malformed archive or
 *         bad arguments.
 */
int cpio_find(const void *archive, size_t size, const char *name, struct cpio_file *f,
              const char **why);

#endif /* CPIO_H */
