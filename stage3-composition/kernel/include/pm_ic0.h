// SPDX-License-Identifier: MIT
/*
 * pm_ic0.h - the process manager in IC0 (kernel/pm_ic0.c), and the
 * restart of a stopped IC1 domain that it shares with the system call
 * the IC2 process manager uses (kernel/placement.c).
 */
#ifndef PM_IC0_H
#define PM_IC0_H

struct ic1_domain;

/** Keep the services of `keep_list` ("path=name" for a program, "@name"
 *  for an IC1 domain, separated by spaces), then publish "pm", served by
 *  the kernel.  Boot only; the log says how each went. */
void stage3_start_pm_ic0(const char *keep_list);

/** Start the stopped domain d afresh: 0, -HM_EBUSY (it is not stopped,
 *  or another restart is under way) or ic1_restart()'s error. */
int stage3_domain_restart(struct ic1_domain *d);

#endif
