// SPDX-License-Identifier: MIT
/*
 * ns.h - the name service, wherever it is placed (ns.c).
 *
 * hm_name_publish() and hm_name_lookup() (ipc.h) are the same calls in
 * every build; this adds a wait.  With a name server (CONFIG_NS_IC1 or
 * _IC2: the kernel's table has "ns") they go to it, and a look-up it
 * cannot answer goes on to the kernel's table, which keeps the names of
 * the kernel's own services (IC0, IC1).  Without one they are the
 * kernel's table.
 */
#ifndef HM_USER_NS_H
#define HM_USER_NS_H

#include "ipc.h"

/**
 * hm_name_wait() - wait until @name is published, at most @timeout_ms.
 * Return: 0, -HM_EAGAIN when the time ran out, -HM_EINVAL for a bad
 * name, -HM_EPIPE if the name server died.
 */
long hm_name_wait(const char *name, unsigned timeout_ms);

#endif
