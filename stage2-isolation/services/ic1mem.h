// SPDX-License-Identifier: MIT
/*
 * ic1mem.h - how an IC1 domain grows: the in-kernel service "ic1mem"
 * (kernel/ic1.c), which only a domain may call (anyone else gets
 * -HM_EPERM).
 *
 * A domain's 64 MiB slot holds its image, stacks and message buffers in
 * the first 2 MiB; the rest is its heap, IC1MEM_BLOCKS blocks of 2 MiB
 * that the kernel maps (zeroed) and unmaps on the domain's request.  The
 * slot's watchpoint covers all of it, so another domain cannot touch the
 * heap either.  A restart of the domain frees its heap.
 *
 *   w0 = IC1MEM_MAP,   w1 = block -> 0, w0 = its address;
 *        -HM_EEXIST (mapped already), -HM_ERANGE (no such block),
 *        -HM_ENOMEM (no 2 MiB of frames)
 *   w0 = IC1MEM_UNMAP, w1 = block -> 0; -HM_ENOENT (not mapped)
 */
#ifndef IC1MEM_H
#define IC1MEM_H

#define IC1MEM_NAME "ic1mem"
#define IC1MEM_MAP 1
#define IC1MEM_UNMAP 2
#define IC1MEM_BLOCK (2u << 20)
#define IC1MEM_BLOCKS 31 /* (64 MiB - 2 MiB) / 2 MiB: ic1.h's IC1_HEAP_BLOCKS */

#endif
