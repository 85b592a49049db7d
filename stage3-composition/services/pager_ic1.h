// SPDX-License-Identifier: MIT
/*
 * pager_ic1.h - a pager in an IC1 domain (the memory manager coalesced
 * with the file system in IC1): its kernel calls, which a process makes
 * as system calls (uapi/hm/pager.h), through the in-kernel service
 * "pagerk" (kernel/pager_ic1.c).  Only a domain may call it.  A call
 * runs on the thread of the call (or fault) the domain serves, so "the
 * caller" is that process, as for the system calls.  `svc` is the
 * domain's handle (svc_lookup()) of the service it pages for, which must
 * be one it serves; the pages it lends are of its heap (ic1mem.h).
 *
 *   w0 = PAGERK_REGION | prot << 8 | svc << 16, w1 = va, w2 = len,
 *        w3 = cookie                       -> as HM_SYS_PAGER_REGION
 *   w0 = PAGERK_MAP | prot << 8 | svc << 16, w1 = its page, w2 = dst
 *                                          -> as HM_SYS_PAGE_MAP
 *   w0 = PAGERK_UNMAP | svc << 16, w1 = va, w2 = len
 *                                          -> as HM_SYS_PAGER_UNMAP
 *   w0 = PAGERK_LENT, w1 = its page        -> times lent now
 *   w0 = PAGERK_CALLER                     -> the caller's process id
 *   w0 = PAGERK_ALIVE, w1 = pid            -> 1 if it lives, else 0
 */
#ifndef PAGER_IC1_H
#define PAGER_IC1_H

#define PAGERK_NAME "pagerk"
#define PAGERK_REGION 1
#define PAGERK_MAP 2
#define PAGERK_UNMAP 3
#define PAGERK_LENT 4
#define PAGERK_CALLER 5
#define PAGERK_ALIVE 6

#endif
