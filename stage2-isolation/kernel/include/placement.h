// SPDX-License-Identifier: MIT
/*
 * placement.h - starting services at boot (kernel/placement.c).
 */
#ifndef PLACEMENT_H
#define PLACEMENT_H

/** Start program `prog` (an initramfs path) as an IC2 service with
 *  `names` (space-separated) as its argument, and wait, at most 100 ms,
 *  until it has published the last of them; the log says how it went.
 *  Stage 3's process manager takes this over. */
void stage2_start_ic2(const char *prog, const char *names);

#endif
