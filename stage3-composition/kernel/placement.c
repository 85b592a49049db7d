// SPDX-License-Identifier: MIT
/*
 * placement.c - starting stage 3's system services at boot.
 *
 * The process manager (/bin/pmsrv), which starts and keeps the file system
 * service when it is in IC2 (/bin/fssrv); in IC0 (kernel/fs_ic0.c) the
 * file system is published with the other IC0 services.
 * The memory manager: its own process, kept by the process manager
 * (separated), or inside the file system's (coalesced).
 */
#include <kernel.h>
#include <placement.h>

void stage3_start_services(void)
{
    /* The process manager starts (and keeps) the file system when it is
     * in IC2, and publishes "pm" once "fs" is up. */
#if defined(CONFIG_FS_MM_COALESCED) && defined(CONFIG_FS_IC0)
    stage2_start_ic2("/bin/pmsrv", "", "pm"); /* "fs" and "mm" are in the kernel */
#elif defined(CONFIG_FS_MM_COALESCED)
    stage2_start_ic2("/bin/pmsrv", "/bin/fssrv=fs", "pm"); /* fssrv is "mm" too */
#elif defined(CONFIG_FS_IC2)
    stage2_start_ic2("/bin/pmsrv", "/bin/fssrv=fs /bin/mmsrv=mm", "pm");
#else
    stage2_start_ic2("/bin/pmsrv", "/bin/mmsrv=mm", "pm");
#endif
}
