// SPDX-License-Identifier: MIT
/*
 * elf.h - validating a static AArch64 ELF executable before loading it.
 *
 * User programs are ELF-64 files (ELF-64 Object File Format, and the ARM
 * "ELF for the Arm 64-bit Architecture (AArch64)" supplement for the machine
 * number). The kernel only runs statically linked executables: it maps each
 * loadable segment (PT_LOAD) at its virtual address and jumps to the entry
 * point; there is no dynamic linker and no relocation.
 *
 * elf_parse() is the whole trust boundary: it reads an untrusted file,
 * checks every field the loader will rely on (bounds, overflow, alignment,
 * W^X, overlap, the entry point) and produces a small description, struct
 * elf_image, that the loader can use without further checks. A refused file
 * yields -HM_ENOEXEC and a static reason string naming what is wrong.
 *
 * The on-disk structures are defined here from the ELF-64 specification
 * (the system's <elf.h> is deliberately not used: the kernel has no libc).
 * Plain freestanding C; also compiled natively for the host unit tests.
 */
#ifndef HM_ELF_H
#define HM_ELF_H

#include <stddef.h>
#include <stdint.h>

/* ---- ELF-64 file format (field layout from the ELF-64 specification) ---- */

/** e_ident indices and values. */
#define EI_MAG0 0       /**< 0x7f */
#define EI_MAG1 1       /**< 'E' */
#define EI_MAG2 2       /**< 'L' */
#define EI_MAG3 3       /**< 'F' */
#define EI_CLASS 4      /**< file class */
#define EI_DATA 5       /**< data encoding */
#define EI_VERSION 6    /**< file version, EV_CURRENT */
#define EI_NIDENT 16    /**< size of e_ident */
#define ELFCLASS64 2    /**< 64-bit objects */
#define ELFDATA2LSB 1   /**< little-endian */
#define EV_CURRENT 1    /**< the only ELF version */
#define ET_EXEC 2       /**< executable file */
#define ET_DYN 3        /**< shared object or position-independent executable */
#define EM_AARCH64 183  /**< Arm 64-bit architecture */
#define PN_XNUM 0xffffu /**< e_phnum escape: the real count is in section 0 */

/** Program header types (p_type). */
#define PT_NULL 0                /**< unused entry */
#define PT_LOAD 1                /**< loadable segment */
#define PT_DYNAMIC 2             /**< dynamic linking information */
#define PT_INTERP 3              /**< path of a program interpreter */
#define PT_NOTE 4                /**< auxiliary information */
#define PT_PHDR 6                /**< the program header table itself */
#define PT_TLS 7                 /**< thread-local storage template */
#define PT_GNU_STACK 0x6474e551u /**< GNU: stack permissions */
#define PT_GNU_RELRO 0x6474e552u /**< GNU: read-only after relocation */

/** Segment permission bits (p_flags). */
#define PF_X 1u /**< execute */
#define PF_W 2u /**< write */
#define PF_R 4u /**< read */

/** ELF-64 file header (64 bytes, at file offset 0). */
typedef struct {
    unsigned char e_ident[EI_NIDENT]; /**< magic, class, encoding, version, OS ABI */
    uint16_t e_type;                  /**< ET_* */
    uint16_t e_machine;               /**< EM_* */
    uint32_t e_version;               /**< EV_CURRENT */
    uint64_t e_entry;                 /**< entry point virtual address */
    uint64_t e_phoff;                 /**< file offset of the program header table */
    uint64_t e_shoff;                 /**< file offset of the section header table */
    uint32_t e_flags;                 /**< processor-specific flags */
    uint16_t e_ehsize;                /**< size of this header */
    uint16_t e_phentsize;             /**< size of one program header */
    uint16_t e_phnum;                 /**< number of program headers */
    uint16_t e_shentsize;             /**< size of one section header */
    uint16_t e_shnum;                 /**< number of section headers */
    uint16_t e_shstrndx;              /**< section index of the section-name table */
} Elf64_Ehdr;

/** ELF-64 program header (56 bytes each, e_phnum of them at e_phoff). */
typedef struct {
    uint32_t p_type;   /**< PT_* */
    uint32_t p_flags;  /**< PF_* */
    uint64_t p_offset; /**< file offset of the segment's bytes */
    uint64_t p_vaddr;  /**< virtual address */
    uint64_t p_paddr;  /**< physical address (unused) */
    uint64_t p_filesz; /**< bytes in the file */
    uint64_t p_memsz;  /**< bytes in memory (the rest, memsz - filesz, is zeroed) */
    uint64_t p_align;  /**< alignment: 0 or a power of two */
} Elf64_Phdr;

/* ---- the parsed description --------------------------------------------- */

/** Most loadable segments a program may have. */
#define ELF_MAX_SEGMENTS 8

/** Page size the segments are checked against (the kernel's 4 KiB granule). */
#define ELF_PAGE_SIZE 4096u

/** One loadable segment, validated: copy filesz bytes from the file at
 *  offset to vaddr, zero up to memsz, and map with prot. */
struct elf_segment {
    uint64_t vaddr;  /**< where it starts in user space (in [4096, user_top)) */
    uint64_t memsz;  /**< bytes in memory (> 0; vaddr + memsz <= user_top) */
    uint64_t offset; /**< file offset of its bytes (offset % 4096 == vaddr % 4096) */
    uint64_t filesz; /**< bytes taken from the file (<= memsz, inside the file) */
    unsigned prot;   /**< HM_PROT_* bits; never both WRITE and EXEC */
};

/** A validated program: segments in file order, page ranges disjoint. */
struct elf_image {
    uint64_t entry; /**< entry point, 4-byte aligned, inside an executable segment */
    unsigned nseg;  /**< number of segments, 1..ELF_MAX_SEGMENTS */
    struct elf_segment seg[ELF_MAX_SEGMENTS]; /**< the loadable segments */
};

/**
 * @brief Validate and describe a static AArch64 executable.
 *
 * Checks, in order, each with its own reason: the header fits; magic;
 * ELFCLASS64; little-endian; EV_CURRENT; EM_AARCH64; ET_EXEC (ET_DYN, i.e.
 * static-pie, is "not a static executable"); e_phentsize; the program header
 * table inside the file; no PT_INTERP ("dynamically linked"); then for each
 * PT_LOAD: filesz <= memsz, file bytes inside the file, address range
 * without wrap-around inside [4096, @p user_top), p_align a power of two
 * (or 0), vaddr and offset congruent modulo 4096, not writable and
 * executable, at most ELF_MAX_SEGMENTS of them, page ranges disjoint; at
 * least one; and the entry point 4-byte aligned inside an executable
 * segment. Other program header types (PT_NOTE, PT_TLS, PT_GNU_STACK,
 * PT_GNU_RELRO, PT_PHDR, PT_DYNAMIC, unknown ones) are ignored. PT_LOAD
 * entries with p_memsz == 0 are checked but not recorded (nothing to map).
 * Nothing is read outside [data, data + size); @p data needs no alignment.
 *
 * @param data     the file's bytes (NULL is treated as an empty file).
 * @param size     number of readable bytes at @p data.
 * @param user_top first address above user space (the kernel passes HM_USER_TOP).
 * @param out      filled on success; unchanged on error.
 * @param why      on error, set to a static reason such as "dynamically
 *                 linked"; untouched on success. May be NULL.
 * @return 0, -HM_ENOEXEC for a refused file, or -HM_EINVAL if @p out is NULL.
 */
int elf_parse(const void *data, size_t size, uint64_t user_top, struct elf_image *out,
              const char **why);

#endif /* HM_ELF_H */
