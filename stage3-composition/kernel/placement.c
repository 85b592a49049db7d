// SPDX-License-Identifier: MIT
/*
 * placement.c - starting stage 3's system services at boot.
 *
 * So far the file system service: in IC2 (/bin/fssrv) it starts here; in
 * IC0 (kernel/fs_ic0.c) it is published with the other IC0 services.  TODO(stage3): the memory manager and the process
 * manager, their placement by configuration, and the separated and
 * coalesced compositions.
 */
#include <kernel.h>
#include <placement.h>

void stage3_start_services(void)
{
#ifdef CONFIG_FS_IC2
    stage2_start_ic2("/bin/fssrv", "fs");
#endif
}
