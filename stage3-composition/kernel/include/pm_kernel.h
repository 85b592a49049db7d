// SPDX-License-Identifier: MIT
/*
 * pm_kernel.h - what the kernel does for a process manager in kernel
 * space: the one in IC0 (kernel/pm_ic0.c), the one in an IC1 domain
 * (kernel/pm_ic1.c, services/pm_ic1.c), and the restart of a stopped IC1
 * domain that they share with the system call the IC2 one uses
 * (kernel/placement.c).
 */
#ifndef PM_KERNEL_H
#define PM_KERNEL_H

struct ic1_domain;
struct proc;

/** Keep the services of `keep_list` ("path=name" for a program, "@name"
 *  for an IC1 domain, separated by spaces), then publish "pm", served by
 *  the kernel.  Boot only; the log says how each went. */
void stage3_start_pm_ic0(const char *keep_list);

/** The same with the process manager in an IC1 domain (kernel/pm_ic1.c). */
void stage3_start_pm_ic1(const char *keep_list);

/** Start the stopped domain d afresh: 0, -HM_EBUSY (it is not stopped,
 *  or another restart is under way) or ic1_restart()'s error. */
int stage3_domain_restart(struct ic1_domain *d);

/** Start program `path` with `arg`: from the initramfs, else (a path
 *  starting with '/') a file of the in-kernel "fs" (IC0 or IC1), read into
 *  kernel frames and loaded from there (kernel/pm_spawn.c).  0 and *out
 *  held, or -HM_ENOENT, -HM_EISDIR, -HM_ENOEXEC, -HM_ENOMEM, ... */
int stage3_spawn(const char *path, const char *arg, struct proc **out);

#endif
