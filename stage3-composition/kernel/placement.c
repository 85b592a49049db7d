// SPDX-License-Identifier: MIT
/*
 * placement.c - starting stage 3's system services at boot.
 *
 * So far the file system service, in IC2 (/bin/fssrv): the tmpfs core and
 * its IPC front end.  TODO(stage3): the memory manager and the process
 * manager, their placement by configuration, and the separated and
 * coalesced compositions.
 */
#include <kernel.h>
#include <placement.h>

void stage3_start_services(void)
{
    stage2_start_ic2("/bin/fssrv", "fs");
}
