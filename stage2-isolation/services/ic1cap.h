// SPDX-License-Identifier: MIT
/*
 * ic1cap.h - how an IC1 domain that holds capabilities works on them: the
 * in-kernel service "ic1cap" (kernel/ic1cap.c), which only such a domain
 * may call (anyone else gets -HM_EPERM).
 *
 * The kernel keeps the domain's capabilities in a table of HM_CSPACE_SLOTS
 * slots, as it keeps a process's (ic1_give_caps(), ic1.h); the domain names
 * them by slot and never sees a kernel pointer.  A call to the domain that
 * grants a capability puts it in the table's grant range (slots
 * HM_IPC_GRANT_SLOT_BASE and up) for the call only, as m->grant: the
 * kernel empties the slot after the call, so the domain copies what it
 * keeps, and may not write or delete anything in that range.  Its reply may
 * grant a capability of the table back, as a process's does (a grant word,
 * HM_GRANT(), in m->len's upper half, HM_GRANT_MOVE included).
 *
 *   w0 = IC1CAP_INFO,   w1 = slot -> what HM_SYS_CAP_INFO says of it
 *                                    (HM_CAP_INFO_GONE included)
 *   w0 = IC1CAP_COPY,   w1 = src, w2 = dst, w3 = rights -> 0 (as HM_SYS_CAP_COPY
 *                       within the table; dst below the grant range)
 *   w0 = IC1CAP_DELETE, w1 = slot -> 0 (below the grant range)
 *   w0 = IC1CAP_KNAME,  w1 = a NUL-terminated name in the domain's memory
 *                       -> 0 if the kernel's name table has it, -HM_ENOENT
 * Errors: -HM_EPERM (not such a domain), -HM_EBADCAP, -HM_EEXIST, -HM_EPERM
 * (rights, or a slot of the grant range), -HM_EFAULT (the name), -HM_ENOSYS.
 */
#ifndef IC1CAP_H
#define IC1CAP_H

#define IC1CAP_NAME "ic1cap"
#define IC1CAP_INFO 1
#define IC1CAP_COPY 2
#define IC1CAP_DELETE 3
#define IC1CAP_KNAME 4

#endif
