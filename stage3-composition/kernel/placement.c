// SPDX-License-Identifier: MIT
/*
 * placement.c - starting stage 3's system services at boot, and keeping
 * those in IC1.
 *
 * The process manager (/bin/pmsrv), which starts and keeps the file system
 * service when it is in IC2 (/bin/fssrv); in IC0 (kernel/fs_ic0.c) the
 * file system is published with the other IC0 services; in IC1 its domain
 * (services/fs_ic1.c) is loaded here and published, and the process
 * manager keeps it through HM_SYS_DOMAIN_WAIT / _RESTART (below).
 * The memory manager: its own process, kept by the process manager, or
 * in the kernel (CONFIG_MM_IC0, kernel/mm_ic0.c) when separated; with
 * the file system wherever it is when coalesced.
 */
#include <kernel.h>
#include <ic0.h>
#include <ic1.h>
#include <pager.h>
#include <placement.h>
#include <proc.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>

#ifdef CONFIG_FS_IC1
extern const struct ic1_image ic1_image_fs;
extern const uint64_t ic1_entry_fs_mm_ic1_handle; /* coalesced: "mm" (stage.mk) */
static struct ic1_domain fs_domain;
#endif

void stage3_start_services(void)
{
    /* The process manager starts (and keeps) the file system when it is
     * in IC2, and publishes "pm" once "fs" is up. */
#if defined(CONFIG_FS_IC1) && defined(CONFIG_FS_MM_COALESCED)
    /* one domain, two names: "mm" at its own entry */
    if (stage2_start_ic1(&ic1_image_fs, &fs_domain, "fs", 0) == 0)
        stage2_start_ic1(&ic1_image_fs, &fs_domain, "mm", ic1_entry_fs_mm_ic1_handle);
    stage2_start_ic2("/bin/pmsrv", "@fs", "pm"); /* @: a domain to keep */
#elif defined(CONFIG_FS_IC1) && defined(CONFIG_MM_IC0)
    stage2_start_ic1(&ic1_image_fs, &fs_domain, "fs", 0);
    stage2_start_ic2("/bin/pmsrv", "@fs", "pm"); /* "mm" is in the kernel */
#elif defined(CONFIG_FS_IC1)
    stage2_start_ic1(&ic1_image_fs, &fs_domain, "fs", 0);
    stage2_start_ic2("/bin/pmsrv", "/bin/mmsrv=mm @fs", "pm");
#elif defined(CONFIG_MM_IC0)
    stage2_start_ic2("/bin/pmsrv", "", "pm"); /* "fs" and "mm" are in the kernel */
#elif defined(CONFIG_FS_MM_COALESCED) && defined(CONFIG_FS_IC0)
    stage2_start_ic2("/bin/pmsrv", "", "pm"); /* "fs" and "mm" are in the kernel */
#elif defined(CONFIG_FS_MM_COALESCED)
    stage2_start_ic2("/bin/pmsrv", "/bin/fssrv=fs", "pm"); /* fssrv is "mm" too */
#elif defined(CONFIG_FS_IC2)
    stage2_start_ic2("/bin/pmsrv", "/bin/fssrv=fs /bin/mmsrv=mm", "pm");
#else
    stage2_start_ic2("/bin/pmsrv", "/bin/mmsrv=mm", "pm");
#endif
}

/* decode: the IC1 domain behind the in-kernel service named at (s, len) */
static long domain_named(struct proc *p, uint64_t s, uint64_t len, struct ic1_domain **d)
{
    char name[HM_NAME_MAX + 1];
    int err = user_string(p, s, len, name, HM_NAME_MAX, false);
    if (err < 0)
        return err;
    const struct ic0_service *svc = ic0_service_at(svc_lookup(name));
    if (!svc || !svc->ic1)
        return -HM_ENOENT;
    *d = svc->ic1;
    return 0;
}

long sys_domain_wait(struct trap_frame *tf, struct proc *p)
{
    struct ic1_domain *d;
    long err = domain_named(p, tf->x[0], tf->x[1], &d);
    return err < 0 ? err : ic1_wait_stopped(d);
}

long sys_domain_restart(struct trap_frame *tf, struct proc *p)
{
    static uint32_t restarting; /* one at a time: a second caller is -HM_EBUSY */
    struct ic1_domain *d;
    long err = domain_named(p, tf->x[0], tf->x[1], &d);
    if (err < 0)
        return err;
    if (!__atomic_load_n(&d->dead, __ATOMIC_ACQUIRE) ||
        __atomic_exchange_n(&restarting, 1, __ATOMIC_ACQUIRE))
        return -HM_EBUSY;
    err = __atomic_load_n(&d->dead, __ATOMIC_ACQUIRE) ? ic1_restart(d) : -HM_EBUSY;
    __atomic_store_n(&restarting, 0, __ATOMIC_RELEASE);
    return err;
}
