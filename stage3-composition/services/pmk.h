// SPDX-License-Identifier: MIT
/*
 * pmk.h - the in-kernel service "pmk" (kernel/pm_ic1.c): what only the
 * kernel can do for the process manager in an IC1 domain
 * (services/pm_ic1.c).  Processes are named by slots of the capability
 * table the kernel keeps for that domain (stage 2's ic1_give_caps());
 * strings are NUL-terminated, in the domain's own memory, shorter than
 * HM_NAME_MAX.  Only that domain may call it: anyone else gets -HM_EPERM.
 * w[0] = operation; status >= 0 or a negated HM_E*.
 */
#ifndef PMK_H
#define PMK_H

#define PMK_NAME "pmk"
#define PMK_SPAWN 1  /* w1 = path, w2 = argument, w3 = slot -> 0: the process there */
#define PMK_STATUS 2 /* w1 = slot -> its exit status once it has ended, -HM_EAGAIN before */
#define PMK_KILL 3   /* w1 = slot */
#define PMK_STOPPED \
    4 /* w1 = svc_lookup() handle of an IC1 service -> 1 its domain is stopped, 0 not */
#define PMK_RESTART 5 /* w1 = the same -> 0, or -HM_EBUSY: not stopped, or restarted by another */
#define PMK_SAY 6     /* w1..w3 = strings (0: none) -> the console gets "pm: ", them, a newline */

#endif
