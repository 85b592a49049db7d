// SPDX-License-Identifier: MIT
/*
 * initramfs.c - the programs the kernel can start: a cpio (newc) archive.
 *
 * It comes from the boot loader (QEMU -initrd, the Pi firmware's
 * `initramfs` line: /chosen linux,initrd-start/end in the device tree) or,
 * if there is none, from the copy linked into the kernel image by the build
 * (section .initramfs).  At boot every file is checked once: a malformed
 * archive or a program that would be refused is named on the console, and
 * the boot goes on without it.
 */
#include <kernel.h>
#include <cpio.h>
#include <elf.h>
#include <libfdt.h>
#include <mm.h>
#include <printk.h>
#include <proc.h>
#include <string.h>
#include <uapi/hm/syscall.h>

static const void *archive;
static size_t archive_size;

/* Around section .initramfs (linker.ld); equal when the build linked none in. */
extern const char _initramfs_start[], _initramfs_end[];

static uint64_t prop_addr(const void *fdt, int node, const char *name, bool *ok)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt, node, name, &len);
    *ok = p && (len == 4 || len == 8);
    if (!*ok)
        return 0;
    return len == 4 ? fdt32_to_cpu(p[0]) :
                      ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
}

bool initramfs_from_dt(const void *fdt, paddr_t *start, paddr_t *end)
{
    int chosen = fdt_path_offset(fdt, "/chosen");
    bool ok1, ok2;
    if (chosen < 0)
        return false;
    *start = prop_addr(fdt, chosen, "linux,initrd-start", &ok1);
    *end = prop_addr(fdt, chosen, "linux,initrd-end", &ok2);
    return ok1 && ok2 && *end > *start;
}

static bool looks_like_elf(const struct cpio_file *f)
{
    return f->size >= 4 && !memcmp(f->data, "\177ELF", 4);
}

void initramfs_init(const void *data, size_t size)
{
    const char *from = "the boot loader";
    if (!data && (uintptr_t)_initramfs_end > (uintptr_t)_initramfs_start) {
        data = _initramfs_start;
        size = (size_t)(_initramfs_end - _initramfs_start);
        from = "the kernel image";
    }
    if (!data) {
        printk("initramfs: none (no programs to run)\n");
        return;
    }
    size_t off = 0;
    unsigned files = 0, programs = 0;
    struct cpio_file f;
    const char *why;
    int r;
    while ((r = cpio_next(data, size, &off, &f, &why)) > 0) {
        if (!cpio_is_regular(&f))
            continue;
        files++;
        if (!looks_like_elf(&f))
            continue;
        struct elf_image img;
        if (elf_parse(f.data, f.size, HM_USER_TOP, &img, &why) < 0) {
            char name[HM_NAME_MAX + 1];
            size_t n = MIN(f.name_len, (size_t)HM_NAME_MAX);
            memcpy(name, f.name, n);
            name[n] = '\0';
            printk("initramfs: refusing %s: %s\n", name, why);
            continue;
        }
        programs++;
    }
    if (r < 0) {
        printk("initramfs: malformed archive from %s after %u files: %s; using none\n", from, files,
               why);
        return;
    }
    archive = data;
    archive_size = size;
    printk("initramfs: %u files, %u programs, from %s\n", files, programs, from);
}

int initramfs_find(const char *name, const void **data, size_t *size)
{
    struct cpio_file f;
    const char *why;
    if (!archive)
        return -HM_ENOENT;
    int err = cpio_find(archive, archive_size, name, &f, &why);
    if (err < 0)
        return err == -HM_EINVAL ? -HM_ENOENT : err;
    if (!cpio_is_regular(&f))
        return -HM_ENOENT;
    *data = f.data;
    *size = f.size;
    return 0;
}

int initramfs_entry(unsigned index, const char **name, size_t *name_len, const void **data,
                    size_t *size)
{
    size_t off = 0;
    struct cpio_file f;
    const char *why;
    while (archive && cpio_next(archive, archive_size, &off, &f, &why) > 0) {
        if (!cpio_is_regular(&f) || index--)
            continue;
        *name = f.name;
        *name_len = f.name_len;
        *data = f.data;
        *size = f.size;
        return 0;
    }
    return -HM_ENOENT;
}
