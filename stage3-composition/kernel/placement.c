// SPDX-License-Identifier: MIT
/*
 * placement.c - starting stage 3's system services at boot.
 *
 * The process manager (/bin/pmsrv), which starts and keeps the file system
 * service when it is in IC2 (/bin/fssrv); in IC0 (kernel/fs_ic0.c) the
 * file system is published with the other IC0 services.
 * TODO(stage3): the memory manager, and the separated and coalesced
 * compositions.
 */
#include <kernel.h>
#include <placement.h>

void stage3_start_services(void)
{
    /* The process manager starts (and keeps) the file system when it is
     * in IC2, and publishes "pm" once "fs" is up. */
#ifdef CONFIG_FS_IC2
    stage2_start_ic2("/bin/pmsrv", "/bin/fssrv=fs", "pm");
#else
    stage2_start_ic2("/bin/pmsrv", "", "pm");
#endif
}
