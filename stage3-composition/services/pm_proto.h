// SPDX-License-Identifier: MIT
/*
 * pm_proto.h - the process manager's messages (user/pmsrv.c).  Programs
 * come from the initramfs; a child is named by its index (0 ..
 * PM_CHILDREN - 1).  w[0] = operation; status >= 0 or a negated HM_E*.
 */
#ifndef PM_PROTO_H
#define PM_PROTO_H

#define PM_SPAWN 1 /* buf: path, NUL, argument (len covers both) -> status = child */
#define PM_WAIT 2  /* w1 = child: until it ends -> status = its exit status */
#define PM_KILL 3  /* w1 = child */
#define PM_INFO 4  /* w1 = child -> w0 = 1 alive / 0 ended, w1 = restarts, w2 = kept */
#define PM_FIND 5  /* buf: the service name a kept child publishes -> status = child */

#define PM_CHILDREN 16

#include <stdint.h>
#include <hm/syscall.h>

/* A PM_SPAWN request (the first len bytes of b: path, NUL, argument), in
 * both process managers (user/pmsrv.c, kernel/pm_ic0.c): the path's
 * length, or -HM_EINVAL (no NUL, an empty path, or either part
 * HM_NAME_MAX bytes or longer). */
static inline long pm_spawn_path_len(const char *b, uint64_t len)
{
    uint64_t n = 0;
    while (n < len && b[n])
        n++;
    if (n == len || n == 0 || n >= HM_NAME_MAX || len - n - 1 >= HM_NAME_MAX)
        return -HM_EINVAL;
    return (long)n;
}

#endif
