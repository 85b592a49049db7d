// SPDX-License-Identifier: MIT
/*
 * elf.c - validate a static AArch64 ELF-64 executable and describe its segments.
 *
 * Implements elf.h. The rules come from the ELF-64 specification (file
 * header, program header table, PT_LOAD segments: "p_vaddr should equal
 * p_offset modulo the page size", "p_filesz may not be larger than
 * p_memsz") and from what this kernel's loader needs: every segment inside
 * user space, W^X, no two segments sharing a page (each page gets exactly
 * one set of permissions), and an entry point the CPU can start at.
 *
 * The input is untrusted. Headers are copied out with memcpy, so the buffer
 * needs no alignment; every "offset + length" is checked as "length fits in
 * what remains after offset", so no 64-bit sum can wrap; the output is built
 * in a local copy and stored only once everything has passed, so a refused
 * file changes nothing.
 *
 * Multi-byte fields are used in host byte order after EI_DATA has been
 * checked to be little-endian: both the kernel (AArch64, little-endian) and
 * the unit-test hosts are little-endian, which the build asserts below.
 *
 * Freestanding: only <stdint.h>, <stddef.h>, <stdbool.h> and <string.h>.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "elf.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "elf.c reads ELF fields in host byte order and needs a little-endian host"
#endif

/* The layouts must match the file format byte for byte. */
_Static_assert(sizeof(Elf64_Ehdr) == 64, "ELF-64 file header is 64 bytes");
_Static_assert(sizeof(Elf64_Phdr) == 56, "ELF-64 program header is 56 bytes");

/* Lowest address a segment may use: page 0 stays unmapped so that NULL
 * pointer dereferences fault. */
#define USER_BOTTOM ((uint64_t)ELF_PAGE_SIZE)

#define STR_(x) #x
#define STR(x) STR_(x)

/* Store a reason for the caller (who may pass why == NULL) and refuse. */
static int refuse(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -HM_ENOEXEC;
}

static uint64_t page_down(uint64_t a)
{
    return a & ~(uint64_t)(ELF_PAGE_SIZE - 1);
}

/* Whether [off, off + len) lies within a file of @size bytes, without
 * computing off + len (which may wrap). */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
    return off <= size && len <= (uint64_t)size - off;
}

/* Check the file header (everything before the program headers).
 * Assumes: @eh is a copy of the first 64 bytes of a file of @size bytes.
 * Returns 0, or -HM_ENOEXEC with *why set. */
static int check_header(const Elf64_Ehdr *eh, size_t size, const char **why)
{
    const unsigned char *id = eh->e_ident;

    if (id[EI_MAG0] != 0x7f || id[EI_MAG1] != 'E' || id[EI_MAG2] != 'L' || id[EI_MAG3] != 'F')
        return refuse(why, "bad ELF magic");
    if (id[EI_CLASS] != ELFCLASS64)
        return refuse(why, "not a 64-bit ELF file");
    if (id[EI_DATA] != ELFDATA2LSB)
        return refuse(why, "not little-endian");
    if (id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return refuse(why, "unknown ELF version");
    if (eh->e_machine != EM_AARCH64)
        return refuse(why, "not an AArch64 program");
    /* A static-pie is ET_DYN and needs relocating, which this loader does
     * not do; every other type (ET_REL, ET_CORE...) is no program at all. */
    if (eh->e_type == ET_DYN)
        return refuse(why, "not a static executable");
    if (eh->e_type != ET_EXEC)
        return refuse(why, "not an executable");
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return refuse(why, "bad program header size");
    if (eh->e_phnum == 0)
        return refuse(why, "no program headers");
    /* PN_XNUM would send us to section header 0 for the real count; no
     * static program has 65535 program headers, so it is simply refused. */
    if (eh->e_phnum == PN_XNUM)
        return refuse(why, "too many program headers");
    /* phnum * 56 < 2^22: the product cannot overflow, the sum is avoided. */
    if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size))
        return refuse(why, "program headers run past the end of the file");
    return 0;
}

/* Program header @i of the table. Assumes: check_header() passed. */
static Elf64_Phdr phdr(const unsigned char *file, const Elf64_Ehdr *eh, unsigned i)
{
    Elf64_Phdr ph;

    memcpy(&ph, file + eh->e_phoff + (uint64_t)i * sizeof(Elf64_Phdr), sizeof(ph));
    return ph;
}

/* Check one PT_LOAD and, unless it is empty, append it to @img.
 * Assumes: @img holds the segments accepted so far (page ranges disjoint).
 * Guarantees on success: the segment satisfies every field rule of
 * struct elf_segment and does not share a page with an earlier one.
 * Returns 0, or -HM_ENOEXEC with *why set. */
static int add_load(const Elf64_Phdr *ph, size_t size, uint64_t user_top, struct elf_image *img,
                    const char **why)
{
    struct elf_segment *s;
    uint64_t end, first, last;

    if (ph->p_filesz > ph->p_memsz)
        return refuse(why, "segment file size exceeds its memory size");
    if (!in_file(ph->p_offset, ph->p_filesz, size))
        return refuse(why, "segment data runs past the end of the file");
    /* end is at most user_top after the checks below; rounding it up to a
     * page must not wrap either, hence the ELF_PAGE_SIZE margin. */
    if (ph->p_vaddr > UINT64_MAX - ELF_PAGE_SIZE ||
        ph->p_memsz > UINT64_MAX - ELF_PAGE_SIZE - ph->p_vaddr)
        return refuse(why, "segment address range wraps around");
    end = ph->p_vaddr + ph->p_memsz;
    if (ph->p_vaddr < USER_BOTTOM || end > user_top)
        return refuse(why, "segment outside user space");
    if (ph->p_align & (ph->p_align - 1))
        return refuse(why, "segment alignment is not a power of two");
    if ((ph->p_vaddr ^ ph->p_offset) & (ELF_PAGE_SIZE - 1))
        return refuse(why, "segment address and file offset differ modulo the page size");
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
        return refuse(why, "segment is writable and executable");
    if (ph->p_memsz == 0)
        return 0; /* valid but nothing to map */
    if (img->nseg == ELF_MAX_SEGMENTS)
        return refuse(why, "more than " STR(ELF_MAX_SEGMENTS) " loadable segments");

    /* Page ranges [first, last): two segments in one page would need two
     * sets of permissions (or two copies) for the same page. */
    first = page_down(ph->p_vaddr);
    last = page_down(end + ELF_PAGE_SIZE - 1);
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct elf_segment *o = &img->seg[i];
        uint64_t ofirst = page_down(o->vaddr);
        uint64_t olast = page_down(o->vaddr + o->memsz + ELF_PAGE_SIZE - 1);

        if (first < olast && ofirst < last)
            return refuse(why, "segments overlap");
    }

    s = &img->seg[img->nseg];
    s->vaddr = ph->p_vaddr;
    s->memsz = ph->p_memsz;
    s->offset = ph->p_offset;
    s->filesz = ph->p_filesz;
    s->prot = ((ph->p_flags & PF_R) ? HM_PROT_READ : 0u) |
              ((ph->p_flags & PF_W) ? HM_PROT_WRITE : 0u) |
              ((ph->p_flags & PF_X) ? HM_PROT_EXEC : 0u);
    img->nseg++;
    return 0;
}

/* Whether @entry lies inside an executable segment of @img. */
static bool entry_ok(const struct elf_image *img, uint64_t entry)
{
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];

        /* entry - vaddr cannot wrap once entry >= vaddr. */
        if ((s->prot & HM_PROT_EXEC) && entry >= s->vaddr && entry - s->vaddr < s->memsz)
            return true;
    }
    return false;
}

int elf_parse(const void *data, size_t size, uint64_t user_top, struct elf_image *out,
              const char **why)
{
    const unsigned char *file = data;
    struct elf_image img;
    Elf64_Ehdr eh;
    int rc;

    if (!out) {
        if (why)
            *why = "no output";
        return -HM_EINVAL;
    }
    if (!data || size < sizeof(eh))
        return refuse(why, "file too small for an ELF header");
    memcpy(&eh, file, sizeof(eh));
    rc = check_header(&eh, size, why);
    if (rc != 0)
        return rc;

    /* A first pass for PT_INTERP, so that a dynamic program is refused for
     * being dynamic rather than for whichever segment rule it breaks first. */
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph = phdr(file, &eh, i);

        if (ph.p_type == PT_INTERP)
            return refuse(why, "dynamically linked");
    }

    memset(&img, 0, sizeof(img));
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph = phdr(file, &eh, i);

        /* Only PT_LOAD matters to the loader; PT_TLS, notes, GNU stack and
         * RELRO markers and unknown types are ignored. */
        if (ph.p_type != PT_LOAD)
            continue;
        rc = add_load(&ph, size, user_top, &img, why);
        if (rc != 0)
            return rc;
    }
    if (img.nseg == 0)
        return refuse(why, "no loadable segment");

    /* AArch64 instructions are 4 bytes and 4-byte aligned: any other entry
     * point would take a PC alignment fault on the first instruction. */
    if (eh.e_entry & 3u)
        return refuse(why, "entry point not 4-byte aligned");
    if (!entry_ok(&img, eh.e_entry))
        return refuse(why, "entry point not in an executable segment");
    img.entry = eh.e_entry;
    *out = img;
    return 0;
}
