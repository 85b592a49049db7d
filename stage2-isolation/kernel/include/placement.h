// SPDX-License-Identifier: MIT
/*
 * placement.h - starting services at boot (kernel/placement.c).
 */
#ifndef PLACEMENT_H
#define PLACEMENT_H

#include <kernel.h>

struct proc;
/** Start program `prog` (an initramfs path) as an IC2 service with `arg`
 *  as its argument (NULL: `names`), and wait, at most 2 s, until it has
 *  published the last of `names` (space-separated); the log says how it
 *  went.  Stage 3's process manager takes over from there.  With `out`,
 *  *out is the process, held (proc_put() it), or NULL if it did not
 *  start. */
void stage2_start_ic2(const char *prog, const char *arg, const char *names, struct proc **out);

/** Until `name` is published, at most 2 s (yielding the CPU meanwhile: the
 *  service being waited for may need it); whether it is. */
bool stage2_wait_name(const char *name);

/** Stage 3 with a name server (CONFIG_NS_IC1, _IC2): the same wait for a
 *  name there (kernel/placement.c of stage 3). */
bool stage3_ns_wait(const char *name);

struct ic1_image;
struct ic1_domain;
/** Load image `im` as domain d (unless it is loaded) and publish it as
 *  the in-kernel service `name`, entered at `entry` (0: the image's entry;
 *  a domain serving several names has one per name, stage.mk's
 *  <name>-ic1-entries); the log says how it went.  0, -HM_EINVAL (an
 *  entry outside the domain's code) or the error of ic1_load() /
 *  ic0_publish(). */
int stage2_start_ic1(const struct ic1_image *im, struct ic1_domain *d, const char *name,
                     uint64_t entry);

#endif
