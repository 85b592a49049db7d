// SPDX-License-Identifier: MIT
/*
 * mm.h - memory mappings for user programs, served by the memory manager
 * ("mm", services/mm.c) in either composition.  Pages are filled on first
 * touch: the kernel forwards the fault to the memory manager, which maps a
 * page and lets the instruction run again.  A fault it cannot serve (out
 * of memory, past the end of a file, a write to a read-only mapping) ends
 * the program, as a bad access does.
 *
 * File mappings are shared: in the coalesced composition the file's page
 * cache itself is mapped, so write() and the mapping see each other at
 * once; in the separated one the memory manager maps copies, which it
 * fetches at the first touch and writes back at mm_unmap() (so: map after
 * writing, unmap before reading).  Errors are negated HM_E*.
 */
#ifndef USER_MM_H
#define USER_MM_H

#include <stddef.h>
#include <stdint.h>

/** Anonymous memory, zero-filled: its address in *out. */
long mm_map(size_t len, unsigned prot, void **out);
/** Bytes [off, off+len) of the file open as fd (off page-aligned). */
long mm_map_file(int fd, uint64_t off, size_t len, unsigned prot, void **out);
/** A whole mapping made by the calls above. */
long mm_unmap(void *va, size_t len);

struct mm_info {
    uint64_t pages, mappings, faults, composition; /* composition: MM_SEPARATED / MM_COALESCED */
    uint64_t isolation;                            /* the class it runs in: 0, 1 or 2 */
};
long mm_info(struct mm_info *info);
/** Have the memory manager free what departed clients left; pages freed. */
long mm_collect(void);

#endif
