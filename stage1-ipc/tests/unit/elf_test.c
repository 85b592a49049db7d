// SPDX-License-Identifier: MIT
/*
 * elf_test.c - host unit tests for the ELF program validator (kernel/lib/elf.c).
 *
 * Usage: elf_test <static-aarch64.elf>
 *
 * The argument is a real statically linked AArch64 executable, for example
 *     printf 'int main(void){return 0;}' > t.c &&
 *     aarch64-linux-musl-gcc -static -O2 t.c -o t.elf
 * Two tests need it (elf_real_static_binary, elf_real_truncated) and fail
 * with a usage message without it; every other test crafts its images in
 * memory: a minimal valid executable (a text and a data segment) in which
 * each test corrupts one field, so that every check of elf_parse() is seen
 * to refuse with its own reason. Images are copied into malloc'd buffers of
 * exactly their size so that AddressSanitizer catches any read past the end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/hm/syscall.h>

#include "elf.h"
#include "unit.h"

/* ---------------------------------------------------------------------- */
/* Crafted images                                                          */
/* ---------------------------------------------------------------------- */

#define IMG_BYTES 0x3000u /* file size of the default image */
#define MAX_PH 16u

/* An image under construction: header and program headers are edited as
 * structures, then serialised by build(). */
struct img {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[MAX_PH];
    size_t size; /* file size handed to elf_parse() */
    unsigned char buf[IMG_BYTES + MAX_PH * sizeof(Elf64_Phdr)];
};

#define TEXT_VA 0x400000ull
#define DATA_VA 0x411000ull
#define ENTRY_VA 0x400100ull

/* The default image: text R+X [0x400000, +0x1000) from file offset 0;
 * data R+W [0x411000, +0x3000) with 0x800 bytes from file offset 0x1000
 * (the rest is bss); entry 0x400100; a 0x3000-byte file. */
static void make(struct img *m)
{
    memset(m, 0, sizeof(*m));
    m->eh.e_ident[EI_MAG0] = 0x7f;
    m->eh.e_ident[EI_MAG1] = 'E';
    m->eh.e_ident[EI_MAG2] = 'L';
    m->eh.e_ident[EI_MAG3] = 'F';
    m->eh.e_ident[EI_CLASS] = ELFCLASS64;
    m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    m->eh.e_ident[EI_VERSION] = EV_CURRENT;
    m->eh.e_type = ET_EXEC;
    m->eh.e_machine = EM_AARCH64;
    m->eh.e_version = EV_CURRENT;
    m->eh.e_entry = ENTRY_VA;
    m->eh.e_phoff = sizeof(Elf64_Ehdr);
    m->eh.e_ehsize = sizeof(Elf64_Ehdr);
    m->eh.e_phentsize = sizeof(Elf64_Phdr);
    m->eh.e_phnum = 2;
    m->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD,
                             .p_flags = PF_R | PF_X,
                             .p_offset = 0,
                             .p_vaddr = TEXT_VA,
                             .p_paddr = TEXT_VA,
                             .p_filesz = 0x1000,
                             .p_memsz = 0x1000,
                             .p_align = 0x1000 };
    m->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD,
                             .p_flags = PF_R | PF_W,
                             .p_offset = 0x1000,
                             .p_vaddr = DATA_VA,
                             .p_paddr = DATA_VA,
                             .p_filesz = 0x800,
                             .p_memsz = 0x3000,
                             .p_align = 0x1000 };
    m->size = IMG_BYTES;
}

/* Append a program header (e_phnum follows). */
static Elf64_Phdr *add(struct img *m, uint32_t type, uint32_t flags)
{
    Elf64_Phdr *ph;

    if (m->eh.e_phnum >= MAX_PH)
        UNIT_FAIL("too many program headers for the test image");
    ph = &m->ph[m->eh.e_phnum++];
    *ph = (Elf64_Phdr){ .p_type = type, .p_flags = flags };
    return ph;
}

/* Serialise the header and as many program headers as fit in buf. */
static void build(struct img *m)
{
    size_t room = sizeof(m->buf);

    memset(m->buf, 0, sizeof(m->buf));
    memcpy(m->buf, &m->eh, sizeof(m->eh));
    for (unsigned i = 0; i < m->eh.e_phnum && i < MAX_PH; i++) {
        uint64_t at = m->eh.e_phoff + (uint64_t)i * sizeof(Elf64_Phdr);

        if (m->eh.e_phoff <= room && at <= room - sizeof(Elf64_Phdr))
            memcpy(m->buf + at, &m->ph[i], sizeof(Elf64_Phdr));
    }
    if (m->size > sizeof(m->buf))
        UNIT_FAIL("test image size too large");
}

/* Parse the image (exact-size copy) with an explicit user_top. */
static int parse_top(struct img *m, uint64_t top, struct elf_image *out, const char **why)
{
    unsigned char *p;
    int rc;

    build(m);
    p = malloc(m->size ? m->size : 1);
    if (!p)
        UNIT_FAIL("out of memory");
    memcpy(p, m->buf, m->size);
    rc = elf_parse(p, m->size, top, out, why);
    free(p);
    return rc;
}

static int parse(struct img *m, struct elf_image *out, const char **why)
{
    return parse_top(m, HM_USER_TOP, out, why);
}

/* Expect the image to be accepted; returns through *out. */
static void accepted(struct img *m, struct elf_image *out)
{
    const char *why = NULL;
    int rc = parse(m, out, &why);

    if (rc != 0)
        UNIT_FAIL("refused (%d): %s", rc, why ? why : "(no reason)");
}

/* Expect refusal with @reason, and *out left exactly as it was. */
static void refused_top(struct img *m, uint64_t top, const char *reason)
{
    struct elf_image out, before;
    const char *why = NULL;

    memset(&out, 0xa5, sizeof(out));
    before = out;
    UNIT_ASSERT_EQ(parse_top(m, top, &out, &why), -HM_ENOEXEC);
    UNIT_ASSERT_STREQ(why, reason);
    UNIT_ASSERT(memcmp(&out, &before, sizeof(out)) == 0);
}

static void refused(struct img *m, const char *reason)
{
    refused_top(m, HM_USER_TOP, reason);
}

/* What every accepted image guarantees (elf.h, struct elf_segment). */
static void check_invariants(const struct elf_image *o, size_t size, uint64_t top)
{
    int entry_found = 0;

    UNIT_ASSERT(o->nseg >= 1 && o->nseg <= ELF_MAX_SEGMENTS);
    UNIT_ASSERT_EQ(o->entry % 4, 0);
    for (unsigned i = 0; i < o->nseg; i++) {
        const struct elf_segment *s = &o->seg[i];

        UNIT_ASSERT(s->memsz > 0);
        UNIT_ASSERT(s->filesz <= s->memsz);
        UNIT_ASSERT(s->offset <= size && s->filesz <= size - s->offset);
        UNIT_ASSERT(s->vaddr >= 4096 && s->vaddr < top && s->memsz <= top - s->vaddr);
        UNIT_ASSERT_EQ(s->vaddr % 4096, s->offset % 4096);
        UNIT_ASSERT(!((s->prot & HM_PROT_WRITE) && (s->prot & HM_PROT_EXEC)));
        if ((s->prot & HM_PROT_EXEC) && o->entry >= s->vaddr && o->entry - s->vaddr < s->memsz)
            entry_found = 1;
        for (unsigned j = 0; j < i; j++) {
            const struct elf_segment *t = &o->seg[j];
            uint64_t a0 = s->vaddr / 4096, a1 = (s->vaddr + s->memsz + 4095) / 4096;
            uint64_t b0 = t->vaddr / 4096, b1 = (t->vaddr + t->memsz + 4095) / 4096;

            UNIT_ASSERT(a1 <= b0 || b1 <= a0);
        }
    }
    UNIT_ASSERT(entry_found);
}

/* ---------------------------------------------------------------------- */
/* Valid images                                                            */
/* ---------------------------------------------------------------------- */

UNIT_TEST(elf_minimal_valid)
{
    struct img m;
    struct elf_image o;
    const char *why = "untouched";

    make(&m);
    UNIT_ASSERT_EQ(parse(&m, &o, &why), 0);
    UNIT_ASSERT_STREQ(why, "untouched");
    UNIT_ASSERT_EQ(o.entry, ENTRY_VA);
    UNIT_ASSERT_EQ(o.nseg, 2);
    UNIT_ASSERT_EQ(o.seg[0].vaddr, TEXT_VA);
    UNIT_ASSERT_EQ(o.seg[0].memsz, 0x1000);
    UNIT_ASSERT_EQ(o.seg[0].offset, 0);
    UNIT_ASSERT_EQ(o.seg[0].filesz, 0x1000);
    UNIT_ASSERT_EQ(o.seg[0].prot, HM_PROT_READ | HM_PROT_EXEC);
    UNIT_ASSERT_EQ(o.seg[1].vaddr, DATA_VA);
    UNIT_ASSERT_EQ(o.seg[1].memsz, 0x3000);
    UNIT_ASSERT_EQ(o.seg[1].offset, 0x1000);
    UNIT_ASSERT_EQ(o.seg[1].filesz, 0x800);
    UNIT_ASSERT_EQ(o.seg[1].prot, HM_PROT_READ | HM_PROT_WRITE);
    check_invariants(&o, m.size, HM_USER_TOP);
    /* why may be NULL. */
    UNIT_ASSERT_EQ(parse(&m, &o, NULL), 0);
}

UNIT_TEST(elf_prot_bits)
{
    static const struct {
        uint32_t flags;
        unsigned prot;
    } cases[] = {
        { 0, 0 },
        { PF_R, HM_PROT_READ },
        { PF_W, HM_PROT_WRITE },
        { PF_R | PF_W, HM_PROT_READ | HM_PROT_WRITE },
        { 0xf0000000u | PF_R, HM_PROT_READ }, /* processor-specific bits ignored */
    };
    struct img m;
    struct elf_image o;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        make(&m);
        m.ph[1].p_flags = cases[i].flags;
        accepted(&m, &o);
        UNIT_ASSERT_EQ(o.seg[1].prot, cases[i].prot);
    }
    /* Execute-only text. */
    make(&m);
    m.ph[0].p_flags = PF_X;
    accepted(&m, &o);
    UNIT_ASSERT_EQ(o.seg[0].prot, HM_PROT_EXEC);
}

UNIT_TEST(elf_other_phdrs_ignored)
{
    struct img m;
    struct elf_image o;
    Elf64_Phdr *ph;

    make(&m);
    /* Types the loader does not use, with fields that would be invalid for
     * a PT_LOAD (past the end, W+X, odd alignment): all ignored. */
    ph = add(&m, PT_NOTE, PF_R);
    ph->p_offset = 0x10000000;
    ph->p_filesz = 0x10;
    ph = add(&m, PT_TLS, PF_R);
    ph->p_offset = 0x1000;
    ph->p_vaddr = DATA_VA;
    ph->p_filesz = 0x10;
    ph->p_memsz = 0x20;
    ph->p_align = 8;
    add(&m, PT_GNU_STACK, PF_R | PF_W | PF_X);
    ph = add(&m, PT_GNU_RELRO, PF_R);
    ph->p_vaddr = DATA_VA;
    ph->p_memsz = 0x100;
    ph = add(&m, PT_PHDR, PF_R);
    ph->p_align = 3;
    add(&m, PT_DYNAMIC, PF_R | PF_W);
    add(&m, PT_NULL, 0)->p_vaddr = UINT64_MAX;
    add(&m, 0x70000000u, PF_R)->p_memsz = UINT64_MAX;
    accepted(&m, &o);
    UNIT_ASSERT_EQ(o.nseg, 2);
    check_invariants(&o, m.size, HM_USER_TOP);
}

UNIT_TEST(elf_empty_load_skipped)
{
    struct img m;
    struct elf_image o;
    Elf64_Phdr *ph;

    make(&m);
    ph = add(&m, PT_LOAD, PF_R);
    ph->p_vaddr = TEXT_VA; /* inside the text, but maps nothing */
    accepted(&m, &o);
    UNIT_ASSERT_EQ(o.nseg, 2);
    /* An empty segment is still checked. */
    ph->p_flags = PF_W | PF_X;
    refused(&m, "segment is writable and executable");
    ph->p_flags = PF_R;
    ph->p_vaddr = 0;
    refused(&m, "segment outside user space");
}

UNIT_TEST(elf_unaligned_buffer)
{
    struct img m;
    struct elf_image o;
    unsigned char *p;

    make(&m);
    build(&m);
    p = malloc(m.size + 7);
    UNIT_ASSERT(p != NULL);
    /* Headers are read with memcpy: any address works. */
    for (size_t shift = 1; shift < 8; shift++) {
        memcpy(p + shift, m.buf, m.size);
        UNIT_ASSERT_EQ(elf_parse(p + shift, m.size, HM_USER_TOP, &o, NULL), 0);
        UNIT_ASSERT_EQ(o.entry, ENTRY_VA);
    }
    free(p);
}

UNIT_TEST(elf_phdrs_elsewhere)
{
    struct img m;
    struct elf_image o;

    /* The table may be anywhere in the file, e.g. at its very end. */
    make(&m);
    m.eh.e_phoff = IMG_BYTES;
    m.size = IMG_BYTES + 2 * sizeof(Elf64_Phdr);
    accepted(&m, &o);
    UNIT_ASSERT_EQ(o.nseg, 2);
}

UNIT_TEST(elf_bad_arguments)
{
    struct img m;
    const char *why = NULL;

    make(&m);
    build(&m);
    UNIT_ASSERT_EQ(elf_parse(m.buf, m.size, HM_USER_TOP, NULL, &why), -HM_EINVAL);
    UNIT_ASSERT_STREQ(why, "no output");
    UNIT_ASSERT_EQ(elf_parse(m.buf, m.size, HM_USER_TOP, NULL, NULL), -HM_EINVAL);
}

/* ---------------------------------------------------------------------- */
/* The file header                                                         */
/* ---------------------------------------------------------------------- */

UNIT_TEST(elf_too_small)
{
    struct img m;
    struct elf_image o;
    const char *why = NULL;

    make(&m);
    for (size_t n = 0; n < sizeof(Elf64_Ehdr); n++) {
        m.size = n;
        refused(&m, "file too small for an ELF header");
    }
    UNIT_ASSERT_EQ(elf_parse(NULL, 4096, HM_USER_TOP, &o, &why), -HM_ENOEXEC);
    UNIT_ASSERT_STREQ(why, "file too small for an ELF header");
}

UNIT_TEST(elf_bad_magic)
{
    struct img m;

    for (int i = EI_MAG0; i <= EI_MAG3; i++) {
        make(&m);
        m.eh.e_ident[i] ^= 0x20;
        refused(&m, "bad ELF magic");
    }
}

UNIT_TEST(elf_not_64bit)
{
    static const unsigned char classes[] = { 0, 1, 3, 0xff };
    struct img m;

    for (size_t i = 0; i < sizeof(classes); i++) {
        make(&m);
        m.eh.e_ident[EI_CLASS] = classes[i];
        refused(&m, "not a 64-bit ELF file");
    }
}

UNIT_TEST(elf_not_little_endian)
{
    struct img m;

    make(&m);
    m.eh.e_ident[EI_DATA] = 2; /* ELFDATA2MSB */
    refused(&m, "not little-endian");
    m.eh.e_ident[EI_DATA] = 0;
    refused(&m, "not little-endian");
}

UNIT_TEST(elf_bad_version)
{
    struct img m;

    make(&m);
    m.eh.e_ident[EI_VERSION] = 0;
    refused(&m, "unknown ELF version");
    m.eh.e_ident[EI_VERSION] = 2;
    refused(&m, "unknown ELF version");
    make(&m);
    m.eh.e_version = 0;
    refused(&m, "unknown ELF version");
    m.eh.e_version = 0x100;
    refused(&m, "unknown ELF version");
}

UNIT_TEST(elf_not_aarch64)
{
    static const uint16_t machines[] = { 0, 40 /* EM_ARM */, 62 /* EM_X86_64 */, 243 /* RISC-V */,
                                         183 << 8 };
    struct img m;

    for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
        make(&m);
        m.eh.e_machine = machines[i];
        refused(&m, "not an AArch64 program");
    }
}

UNIT_TEST(elf_static_pie_refused)
{
    struct img m;

    make(&m);
    m.eh.e_type = ET_DYN;
    refused(&m, "not a static executable");
}

UNIT_TEST(elf_not_executable)
{
    static const uint16_t types[] = { 0 /* ET_NONE */, 1 /* ET_REL */, 4 /* ET_CORE */, 0xfe00,
                                      0x0200 };
    struct img m;

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        make(&m);
        m.eh.e_type = types[i];
        refused(&m, "not an executable");
    }
}

UNIT_TEST(elf_bad_phentsize)
{
    static const uint16_t sizes[] = { 0, 32, 55, 57, 64, 0xffff };
    struct img m;

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        make(&m);
        m.eh.e_phentsize = sizes[i];
        refused(&m, "bad program header size");
    }
}

UNIT_TEST(elf_no_program_headers)
{
    struct img m;

    make(&m);
    m.eh.e_phnum = 0;
    refused(&m, "no program headers");
    m.eh.e_phnum = PN_XNUM;
    refused(&m, "too many program headers");
}

UNIT_TEST(elf_phdrs_past_end)
{
    static const uint64_t offs[] = {
        IMG_BYTES - 2 * 56 + 1, /* last byte of the table one past the end */
        IMG_BYTES,              /* starts at the end */
        IMG_BYTES + 1,          /* starts past the end */
        UINT64_MAX,             /* phoff + size wraps to a small number */
        UINT64_MAX - 2 * 56 + 1,
        0x8000000000000000ull,
    };
    struct img m;

    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        make(&m);
        m.eh.e_phoff = offs[i];
        refused(&m, "program headers run past the end of the file");
    }
    /* A large count at a valid offset. */
    make(&m);
    m.eh.e_phnum = 0xfffe;
    refused(&m, "program headers run past the end of the file");
    /* Exactly at the end is fine (elf_phdrs_elsewhere); one byte short is not. */
    make(&m);
    m.eh.e_phoff = IMG_BYTES;
    m.size = IMG_BYTES + 2 * sizeof(Elf64_Phdr) - 1;
    refused(&m, "program headers run past the end of the file");
}

/* ---------------------------------------------------------------------- */
/* Program headers                                                         */
/* ---------------------------------------------------------------------- */

UNIT_TEST(elf_dynamically_linked)
{
    struct img m;
    Elf64_Phdr *ph;

    make(&m);
    ph = add(&m, PT_INTERP, PF_R);
    ph->p_offset = 0x2000;
    ph->p_filesz = 27;
    refused(&m, "dynamically linked");
    /* Reported even if a segment before it is also bad. */
    m.ph[0].p_flags = PF_R | PF_W | PF_X;
    refused(&m, "dynamically linked");
}

UNIT_TEST(elf_filesz_exceeds_memsz)
{
    struct img m;

    make(&m);
    m.ph[1].p_filesz = m.ph[1].p_memsz + 1;
    refused(&m, "segment file size exceeds its memory size");
}

UNIT_TEST(elf_segment_data_past_end)
{
    struct img m;
    struct elf_image o;

    make(&m);
    m.ph[1].p_filesz = IMG_BYTES - 0x1000 + 1; /* one byte past the end */
    refused(&m, "segment data runs past the end of the file");
    m.ph[1].p_filesz = IMG_BYTES - 0x1000; /* exactly to the end: fine */
    accepted(&m, &o);
    make(&m);
    m.ph[1].p_offset = IMG_BYTES + 0x1000; /* starts past the end */
    m.ph[1].p_filesz = 0;
    refused(&m, "segment data runs past the end of the file");
    make(&m);
    m.ph[1].p_filesz = UINT64_MAX - 0x800; /* offset + filesz wraps */
    m.ph[1].p_memsz = UINT64_MAX;
    refused(&m, "segment data runs past the end of the file");
    make(&m);
    m.ph[1].p_offset = UINT64_MAX - 0xfff; /* offset far past the end */
    m.ph[1].p_filesz = 0x2000;
    m.ph[1].p_memsz = 0x2000;
    refused(&m, "segment data runs past the end of the file");
}

UNIT_TEST(elf_address_wraps)
{
    struct img m;

    make(&m);
    m.ph[1].p_memsz = UINT64_MAX; /* vaddr + memsz wraps */
    refused(&m, "segment address range wraps around");
    make(&m);
    m.ph[1].p_vaddr = 0xfffffffffffff000ull; /* its last page ends at 2^64 */
    m.ph[1].p_offset = 0;
    m.ph[1].p_filesz = 0;
    m.ph[1].p_memsz = 0x10;
    refused(&m, "segment address range wraps around");
    make(&m);
    m.ph[1].p_vaddr = 0x8000000000000000ull;
    m.ph[1].p_memsz = 0x8000000000000000ull;
    refused(&m, "segment address range wraps around");
}

UNIT_TEST(elf_outside_user_space)
{
    struct img m;
    struct elf_image o;

    /* Page 0 stays unmapped. */
    make(&m);
    m.ph[0].p_vaddr = 0;
    m.eh.e_entry = 0x100;
    refused(&m, "segment outside user space");
    make(&m);
    m.ph[1].p_vaddr = 0;
    m.ph[1].p_offset = 0x1000;
    refused(&m, "segment outside user space");
    /* Ending at user_top is fine; one byte further is not. */
    make(&m);
    m.ph[1].p_vaddr = HM_USER_TOP - 0x3000;
    accepted(&m, &o);
    m.ph[1].p_vaddr = HM_USER_TOP - 0x3000 + 0x1000;
    m.ph[1].p_offset = 0x2000;
    m.ph[1].p_filesz = 0x800;
    refused(&m, "segment outside user space");
    /* Kernel addresses. */
    make(&m);
    m.ph[1].p_vaddr = 0xffffff8000000000ull;
    refused(&m, "segment outside user space");
    /* user_top is the caller's: the same image against a smaller top. */
    make(&m);
    refused_top(&m, DATA_VA + 0x2fff, "segment outside user space");
    UNIT_ASSERT_EQ(parse_top(&m, DATA_VA + 0x3000, &o, NULL), 0);
    refused_top(&m, 0, "segment outside user space");
}

UNIT_TEST(elf_align_not_power_of_two)
{
    static const uint64_t bad[] = { 3, 0x1800, 0x3000, UINT64_MAX, 0x8000000000000001ull };
    static const uint64_t good[] = { 0, 1, 2, 0x1000, 0x10000, 0x8000000000000000ull };
    struct img m;
    struct elf_image o;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        make(&m);
        m.ph[0].p_align = bad[i];
        refused(&m, "segment alignment is not a power of two");
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        make(&m);
        m.ph[0].p_align = good[i];
        accepted(&m, &o);
    }
}

UNIT_TEST(elf_offset_address_mismatch)
{
    struct img m;
    struct elf_image o;

    make(&m);
    m.ph[1].p_vaddr = DATA_VA + 8;
    refused(&m, "segment address and file offset differ modulo the page size");
    make(&m);
    m.ph[1].p_offset = 0x1004;
    refused(&m, "segment address and file offset differ modulo the page size");
    /* Same offset within the page, different pages: fine (the usual layout). */
    make(&m);
    m.ph[1].p_vaddr = DATA_VA + 0x10f60;
    m.ph[1].p_offset = 0x1f60;
    m.ph[1].p_filesz = 0x10;
    accepted(&m, &o);
}

UNIT_TEST(elf_writable_and_executable)
{
    struct img m;

    make(&m);
    m.ph[0].p_flags = PF_R | PF_W | PF_X;
    refused(&m, "segment is writable and executable");
    make(&m);
    m.ph[1].p_flags = PF_W | PF_X;
    refused(&m, "segment is writable and executable");
}

/* An image with @n one-page PT_LOAD segments on distinct pages. */
static void make_many(struct img *m, unsigned n)
{
    make(m);
    m->eh.e_phnum = 0;
    for (unsigned i = 0; i < n; i++) {
        Elf64_Phdr *ph = add(m, PT_LOAD, i == 0 ? PF_R | PF_X : PF_R);

        ph->p_vaddr = TEXT_VA + 0x2000ull * i;
        ph->p_offset = 0;
        ph->p_filesz = 0x100;
        ph->p_memsz = 0x1000;
    }
}

UNIT_TEST(elf_too_many_segments)
{
    struct img m;
    struct elf_image o;

    make_many(&m, ELF_MAX_SEGMENTS);
    accepted(&m, &o);
    UNIT_ASSERT_EQ(o.nseg, ELF_MAX_SEGMENTS);
    UNIT_ASSERT_EQ(o.seg[ELF_MAX_SEGMENTS - 1].vaddr, TEXT_VA + 0x2000ull * 7);
    check_invariants(&o, m.size, HM_USER_TOP);
    make_many(&m, ELF_MAX_SEGMENTS + 1);
    refused(&m, "more than 8 loadable segments");
}

UNIT_TEST(elf_segments_overlap)
{
    struct img m;
    struct elf_image o;

    /* Data in the text's page. */
    make(&m);
    m.ph[1].p_vaddr = TEXT_VA + 0x800;
    m.ph[1].p_offset = 0x1800;
    refused(&m, "segments overlap");
    /* The same range twice. */
    make(&m);
    m.ph[1] = m.ph[0];
    m.ph[1].p_flags = PF_R;
    refused(&m, "segments overlap");
    /* One inside the other, in either order. */
    make(&m);
    m.ph[1].p_vaddr = TEXT_VA - 0x1000;
    m.ph[1].p_memsz = 0x10000;
    refused(&m, "segments overlap");
    make(&m);
    m.ph[0].p_memsz = 0x20000;
    refused(&m, "segments overlap");
    /* Text ends 1 byte into a page that data starts later in. */
    make(&m);
    m.ph[0].p_memsz = 0x1001;
    m.ph[1].p_vaddr = TEXT_VA + 0x1800;
    m.ph[1].p_offset = 0x1800;
    refused(&m, "segments overlap");
    /* Adjacent pages are fine. */
    make(&m);
    m.ph[1].p_vaddr = TEXT_VA + 0x1000;
    accepted(&m, &o);
    check_invariants(&o, m.size, HM_USER_TOP);
}

UNIT_TEST(elf_no_loadable_segment)
{
    struct img m;

    make(&m);
    m.ph[0].p_type = PT_NOTE;
    m.ph[1].p_type = PT_GNU_STACK;
    refused(&m, "no loadable segment");
    /* Empty PT_LOADs do not count. */
    make(&m);
    m.ph[0].p_memsz = 0;
    m.ph[0].p_filesz = 0;
    m.ph[1].p_memsz = 0;
    m.ph[1].p_filesz = 0;
    refused(&m, "no loadable segment");
}

UNIT_TEST(elf_entry_misaligned)
{
    struct img m;

    for (uint64_t d = 1; d < 4; d++) {
        make(&m);
        m.eh.e_entry = ENTRY_VA + d;
        refused(&m, "entry point not 4-byte aligned");
    }
}

UNIT_TEST(elf_entry_not_executable)
{
    struct img m;
    struct elf_image o;

    make(&m);
    m.eh.e_entry = DATA_VA + 0x100; /* in the data segment */
    refused(&m, "entry point not in an executable segment");
    m.eh.e_entry = 0x10000000; /* in no segment */
    refused(&m, "entry point not in an executable segment");
    m.eh.e_entry = 0;
    refused(&m, "entry point not in an executable segment");
    m.eh.e_entry = TEXT_VA + 0x1000; /* just past the text */
    refused(&m, "entry point not in an executable segment");
    m.eh.e_entry = TEXT_VA - 4; /* just before it */
    refused(&m, "entry point not in an executable segment");
    m.eh.e_entry = TEXT_VA + 0xffc; /* its last instruction */
    accepted(&m, &o);
    m.eh.e_entry = TEXT_VA;
    accepted(&m, &o);
    /* Text that is not executable leaves no valid entry. */
    make(&m);
    m.ph[0].p_flags = PF_R;
    refused(&m, "entry point not in an executable segment");
}

UNIT_TEST(elf_fuzz_fields)
{
    /* A fixed-seed random walk over the header and program header fields
     * that matter: every result is either a refusal with a reason or an
     * image satisfying all guarantees; ASan/UBSan check the rest. */
    static const uint64_t interesting[] = { 0,
                                            1,
                                            3,
                                            4,
                                            0xfff,
                                            0x1000,
                                            0x1001,
                                            0x3000,
                                            TEXT_VA,
                                            DATA_VA,
                                            ENTRY_VA,
                                            HM_USER_TOP - 0x1000,
                                            HM_USER_TOP,
                                            UINT64_MAX,
                                            UINT64_MAX - 0xfff,
                                            0x8000000000000000ull };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned accepted_count = 0;

    for (int iter = 0; iter < 20000; iter++) {
        struct img m;
        struct elf_image o;
        const char *why = NULL;
        int rc;

        make(&m);
        add(&m, PT_LOAD, PF_R)->p_vaddr = 0x500000;
        m.ph[2].p_offset = 0x2000;
        m.ph[2].p_filesz = 0x10;
        m.ph[2].p_memsz = 0x10;
        for (int k = 0; k < 3; k++) {
            uint64_t v, r;
            Elf64_Phdr *ph;

            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            r = seed >> 20;
            v = interesting[r % (sizeof(interesting) / sizeof(interesting[0]))];
            if ((r >> 8) & 1)
                v += (r >> 9) & 0x1ff;
            ph = &m.ph[(r >> 18) % 3];
            switch ((r >> 20) % 9) {
            case 0:
                ph->p_offset = v;
                break;
            case 1:
                ph->p_vaddr = v;
                break;
            case 2:
                ph->p_filesz = v;
                break;
            case 3:
                ph->p_memsz = v;
                break;
            case 4:
                ph->p_align = v;
                break;
            case 5:
                ph->p_flags = (uint32_t)v;
                break;
            case 6:
                m.eh.e_entry = v;
                break;
            case 7:
                m.eh.e_phoff = v;
                break;
            default:
                ph->p_type = (uint32_t)(v % 8);
                break;
            }
        }
        rc = parse(&m, &o, &why);
        if (rc == 0) {
            accepted_count++;
            check_invariants(&o, m.size, HM_USER_TOP);
        } else {
            UNIT_ASSERT_EQ(rc, -HM_ENOEXEC);
            UNIT_ASSERT(why != NULL && why[0] != '\0');
        }
    }
    /* The walk must reach both outcomes to mean anything. */
    UNIT_ASSERT(accepted_count > 100);
    UNIT_ASSERT(accepted_count < 19000);
}

/* ---------------------------------------------------------------------- */
/* A real static executable (command-line argument 1)                      */
/* ---------------------------------------------------------------------- */

struct file_buf {
    unsigned char *data;
    size_t size;
};

/* Loaded once, kept for the whole run (still reachable: not a leak). */
static struct file_buf real;

/* The executable named by argv[1]; a missing or unreadable file fails the
 * calling test with a usage message. */
static const struct file_buf *load_real(void)
{
    const char *path = unit_arg(1);
    const char *err = NULL;
    FILE *f;
    long sz = 0;

    if (real.data)
        return &real;
    if (!path)
        UNIT_FAIL("missing argument (usage: elf_test <static-aarch64.elf>, e.g. built with "
                  "aarch64-linux-musl-gcc -static)");
    f = fopen(path, "rb");
    if (!f)
        UNIT_FAIL("cannot open '%s': %s", path, strerror(errno));
    // cppcheck-suppress nullPointerRedundantCheck ; UNIT_FAIL above does not return
    if (fseek(f, 0, SEEK_END) != 0) {
        err = "cannot seek";
    } else {
        sz = ftell(f);
        if (sz <= 0 || fseek(f, 0, SEEK_SET) != 0)
            err = "cannot size";
    }
    if (!err) {
        real.data = malloc((size_t)sz);
        if (!real.data || fread(real.data, 1, (size_t)sz, f) != (size_t)sz) {
            free(real.data);
            real.data = NULL;
            err = "cannot read";
        }
    }
    fclose(f);
    if (err)
        UNIT_FAIL("%s '%s'", err, path);
    real.size = (size_t)sz;
    return &real;
}

UNIT_TEST(elf_real_static_binary)
{
    const struct file_buf *b = load_real();
    unsigned char *p = malloc(b->size);
    struct elf_image o;
    const char *why = NULL;
    Elf64_Ehdr eh;
    unsigned loads = 0, exec = 0, writable = 0;

    UNIT_ASSERT(p != NULL);
    memcpy(p, b->data, b->size);
    if (elf_parse(p, b->size, HM_USER_TOP, &o, &why) != 0) {
        free(p);
        UNIT_FAIL("real binary refused: %s", why ? why : "(no reason)");
    }
    check_invariants(&o, b->size, HM_USER_TOP);
    memcpy(&eh, p, sizeof(eh));
    UNIT_ASSERT_EQ(o.entry, eh.e_entry);
    /* Every non-empty PT_LOAD of the file is described, in file order. */
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;

        memcpy(&ph, p + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        UNIT_ASSERT(loads < o.nseg);
        UNIT_ASSERT_EQ(o.seg[loads].vaddr, ph.p_vaddr);
        UNIT_ASSERT_EQ(o.seg[loads].memsz, ph.p_memsz);
        UNIT_ASSERT_EQ(o.seg[loads].offset, ph.p_offset);
        UNIT_ASSERT_EQ(o.seg[loads].filesz, ph.p_filesz);
        loads++;
    }
    UNIT_ASSERT_EQ(loads, o.nseg);
    for (unsigned i = 0; i < o.nseg; i++) {
        exec += (o.seg[i].prot & HM_PROT_EXEC) != 0;
        writable += (o.seg[i].prot & HM_PROT_WRITE) != 0;
    }
    UNIT_ASSERT(exec >= 1);     /* text */
    UNIT_ASSERT(writable >= 1); /* data and bss */
    free(p);
}

UNIT_TEST(elf_real_truncated)
{
    const struct file_buf *b = load_real();
    struct elf_image o;
    uint64_t need = 0;
    size_t n;

    /* The file must hold every segment's bytes; beyond them (section
     * headers, symbols) the loader reads nothing, so truncating there is
     * harmless. Compute that boundary from the full parse. */
    UNIT_ASSERT_EQ(elf_parse(b->data, b->size, HM_USER_TOP, &o, NULL), 0);
    for (unsigned i = 0; i < o.nseg; i++) {
        if (o.seg[i].offset + o.seg[i].filesz > need)
            need = o.seg[i].offset + o.seg[i].filesz;
    }
    UNIT_ASSERT(need > 64 && need <= b->size);

    /* Every length in the headers, around the boundary, and a stride
     * through the rest, each copied into a buffer of exactly that size. */
    for (n = 0; n <= b->size; n += (n < 512 || (n + 64 > need && n < need + 64)) ? 1 : 211) {
        unsigned char *p = malloc(n ? n : 1);
        const char *why = NULL;
        int rc;

        UNIT_ASSERT(p != NULL);
        memcpy(p, b->data, n);
        rc = elf_parse(p, n, HM_USER_TOP, &o, &why);
        free(p);
        if (n < need) {
            if (rc != -HM_ENOEXEC)
                UNIT_FAIL("copy truncated to %zu of %zu bytes accepted", n, b->size);
            UNIT_ASSERT(why != NULL && why[0] != '\0');
        } else {
            UNIT_ASSERT_EQ(rc, 0);
        }
    }
    /* The reasons at a few cut points. */
    UNIT_ASSERT_EQ(elf_parse(b->data, 63, HM_USER_TOP, &o, NULL), -HM_ENOEXEC);
    {
        const char *why = NULL;

        UNIT_ASSERT_EQ(elf_parse(b->data, 64, HM_USER_TOP, &o, &why), -HM_ENOEXEC);
        UNIT_ASSERT_STREQ(why, "program headers run past the end of the file");
        UNIT_ASSERT_EQ(elf_parse(b->data, (size_t)need - 1, HM_USER_TOP, &o, &why), -HM_ENOEXEC);
        UNIT_ASSERT_STREQ(why, "segment data runs past the end of the file");
        UNIT_ASSERT_EQ(elf_parse(b->data, b->size / 2, HM_USER_TOP, &o, &why), -HM_ENOEXEC);
        UNIT_ASSERT_STREQ(why, "segment data runs past the end of the file");
    }
}

UNIT_MAIN("stage1")
