// SPDX-License-Identifier: MIT
/*
 * placement.h - starting services at boot (kernel/placement.c).
 */
#ifndef PLACEMENT_H
#define PLACEMENT_H

/** Start program `prog` (an initramfs path) as an IC2 service with `arg`
 *  as its argument (NULL: `names`), and wait, at most 2 s, until it has
 *  published the last of `names` (space-separated); the log says how it
 *  went.  Stage 3's process manager takes over from there. */
void stage2_start_ic2(const char *prog, const char *arg, const char *names);

#endif
