// SPDX-License-Identifier: MIT
/*
 * mm_proto.h - the memory manager's messages (services/mm.c), which the
 * user library (user/lib/mm.c) sends.  w[0] = operation; the status is
 * >= 0 or a negated HM_E*.  The caller reserves the address range; the
 * memory manager makes it a paged region of the caller (uapi/hm/pager.h)
 * and fills it page by page as the caller touches it.
 */
#ifndef MM_PROTO_H
#define MM_PROTO_H

#define MM_MAP 1 /* w1 = va, w2 = len, w3 = prot [| MM_POPULATE]: anonymous, zero on first touch */
#define MM_MAP_FILE 2 /* w1 = va, w2 = len | prot << 32, w3 = inode | first page << 32 */
#define MM_UNMAP 3    /* w1 = va, w2 = len: a whole mapping; file pages written back first */
#define MM_INFO \
    4 /* -> w0 = pages held, w1 = mappings, w2 = faults served, w3 = MM_* | class << 8 */
#define MM_COLLECT 5     /* free what departed clients left behind -> pages freed */
#define MM_TEST_CRASH 99 /* test builds only (MM_TEST_OPS): the service faults */

#define MM_POPULATE 0x100u /* with MM_MAP's prot: every page now, or -HM_ENOMEM */

#define MM_SEPARATED 1 /* w3 of MM_INFO: the composition */
#define MM_COALESCED 2

#define MM_MAP_MAX (2u << 20) /* bytes in one mapping (a file's most) */
#define MM_MAPPINGS 256       /* mappings at once, all clients */

#endif
