// SPDX-License-Identifier: MIT
/*
 * placement.c - starting stage 3's system services at boot, and keeping
 * those in IC1.
 *
 * The process manager (/bin/pmsrv in IC2, or kernel/pm_ic0.c in IC0 with
 * CONFIG_PM_IC0), which starts and keeps the file system
 * service when it is in IC2 (/bin/fssrv); in IC0 (kernel/fs_ic0.c) the
 * file system is published with the other IC0 services; in IC1 its domain
 * (services/fs_ic1.c) is loaded here and published, and the process
 * manager keeps it through HM_SYS_DOMAIN_WAIT / _RESTART (below; the one
 * in IC0 calls the same functions).
 * The memory manager: its own process, kept by the process manager, or
 * in the kernel (CONFIG_MM_IC0, kernel/mm_ic0.c) or a domain of its own
 * (CONFIG_MM_IC1, services/mm_ic1.c) when separated; with the file
 * system wherever it is when coalesced.
 */
#include <kernel.h>
#include <ic0.h>
#include <ic1.h>
#include <ipc.h>
#include <pager.h>
#include <placement.h>
#include <pm_kernel.h>
#include <printk.h>
#include <proc.h>
#include <string.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>
#ifdef CONFIG_NS_IC1
#include <cap.h>
#include <mm.h>
#include <sched.h>
#include <arch/sysreg.h>
#include "../services/ns_proto.h"
#endif

#ifdef CONFIG_FS_IC1
extern const struct ic1_image ic1_image_fs;
extern const uint64_t ic1_entry_fs_mm_ic1_handle; /* coalesced: "mm" (stage.mk) */
static struct ic1_domain fs_domain;
#endif
#ifdef CONFIG_MM_IC1
extern const struct ic1_image ic1_image_mm;
static struct ic1_domain mm_domain;
#endif

/* The services the process manager keeps ("path=name": a program it
 * starts, "@name": an IC1 domain loaded here), by placement. */
#if defined(CONFIG_FS_IC1) && defined(CONFIG_FS_MM_COALESCED)
#define KEEP "@fs" /* one domain: "fs", and "mm" at its own entry */
#elif defined(CONFIG_FS_IC1) && defined(CONFIG_MM_IC0)
#define KEEP "@fs" /* "mm" is in the kernel */
#elif defined(CONFIG_FS_IC1) && defined(CONFIG_MM_IC1)
#define KEEP "@fs @mm" /* two domains */
#elif defined(CONFIG_MM_IC1)
#define KEEP "@mm" /* "fs" is in the kernel */
#elif defined(CONFIG_FS_IC1)
#define KEEP "/bin/mmsrv=mm @fs"
#elif defined(CONFIG_MM_IC0) || (defined(CONFIG_FS_MM_COALESCED) && defined(CONFIG_FS_IC0))
#define KEEP "" /* "fs" and "mm" are in the kernel */
#elif defined(CONFIG_FS_MM_COALESCED)
#define KEEP "/bin/fssrv=fs" /* fssrv is "mm" too */
#elif defined(CONFIG_FS_IC2)
#define KEEP "/bin/fssrv=fs /bin/mmsrv=mm"
#else
#define KEEP "/bin/mmsrv=mm"
#endif

#ifdef CONFIG_NS_IC1
extern const struct ic1_image ic1_image_ns;
static struct ic1_domain ns_domain;
/* The capabilities the kernel keeps for the name server's domain (stage
 * 2's ic1_give_caps()): a process that only holds, never runs or dies. */
static struct proc ns_holder = { .name = "ns (IC1)", .holds = 1 };
static struct cap ns_slots[HM_CSPACE_SLOTS];

/* The name server (services/ns_ic1.c), before any other service, in a
 * domain that holds capabilities, published as "ns" in the kernel's
 * table (how processes find it).  No sweep of gone capabilities: the
 * kernel deletes those in the tables it keeps when their server ends. */
void stage3_start_name_server(void)
{
    cspace_init(&ns_holder.cs, ns_slots, HM_CSPACE_SLOTS);
    if (ic1_give_caps(&ns_domain, &ns_holder) == 0)
        stage2_start_ic1(&ic1_image_ns, &ns_domain, "ns", 0);
}

/* The kernel calls the domain itself (NS_WAIT answers at once there),
 * yielding between looks as stage2_wait_name() does, at most 2 s.  The
 * name goes in a page of the linear map (a call's buffer is mapped into
 * the domain from there), one per wait: the process manager's keepers
 * may wait at the same time. */
bool stage3_ns_wait(const char *name)
{
    long h = svc_lookup("ns");
    size_t n = strlen(name);
    paddr_t pa = h >= 0 && n > 0 && n <= HM_NAME_MAX ? frame_alloc(0) : 0;
    if (!pa)
        return false;
    char *buf = phys_to_virt(pa);
    memcpy(buf, name, n);
    uint64_t freq = read_sysreg(cntfrq_el0), t0 = read_sysreg(cntpct_el0);
    long r;
    for (;;) {
        struct hm_msg m = { .w = { NS_WAIT, 0 }, .len = n, .buf = buf };
        r = svc_call_buf(h, &m);
        if (r == 0 || read_sysreg(cntpct_el0) - t0 >= 2 * freq)
            break;
        sched_yield();
    }
    frame_free(pa, 0);
    return r == 0;
}
#endif

#ifdef CONFIG_NS_IC2
/* The name server (user/nssrv.c), before any other service: it publishes
 * "ns" in the kernel's table (how processes find it), and every process's
 * name goes to it from then on.  It is one of stage 1's name holders: a
 * server's end deletes the capabilities to its services there at once. */
void stage3_start_name_server(void)
{
    struct proc *p;
    stage2_start_ic2("/bin/nssrv", "", "ns", &p);
    if (!p)
        return;
    int r = ipc_name_holder_add(p);
    if (r < 0)
        printk("stage3: the name server holds names, but not as the kernel's: error %d\n", r);
    proc_put(p);
}

/* The kernel cannot call the name server (a process), so a process asks
 * for it: nssrv started as "wait <name>" exits 0 once the name is
 * published, 1 after 2 s.  Costs a process per wait, at boot only. */
bool stage3_ns_wait(const char *name)
{
    char arg[5 + HM_NAME_MAX + 1] = "wait ";
    strlcpy(arg + 5, name, sizeof(arg) - 5);
    struct proc *p;
    if (proc_spawn("/bin/nssrv", arg, strlen(arg), -1, &p) < 0)
        return false;
    int status = proc_wait(p);
    proc_put(p);
    return status == 0;
}
#endif

void stage3_start_services(void)
{
#if defined(CONFIG_FS_IC1) && defined(CONFIG_FS_MM_COALESCED)
    if (stage2_start_ic1(&ic1_image_fs, &fs_domain, "fs", 0) == 0)
        stage2_start_ic1(&ic1_image_fs, &fs_domain, "mm", ic1_entry_fs_mm_ic1_handle);
#elif defined(CONFIG_FS_IC1)
    stage2_start_ic1(&ic1_image_fs, &fs_domain, "fs", 0);
#endif
#ifdef CONFIG_MM_IC1
    stage2_start_ic1(&ic1_image_mm, &mm_domain, "mm", 0);
#endif
    /* The process manager starts (and keeps) the services, and publishes
     * "pm" once they are up: a program (IC2), the kernel's (IC0) or a
     * domain (IC1). */
#ifdef CONFIG_PM_IC0
    stage3_start_pm_ic0(KEEP);
#elif defined(CONFIG_PM_IC1)
    stage3_start_pm_ic1(KEEP);
#else
    stage2_start_ic2("/bin/pmsrv", KEEP, "pm", NULL);
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

int stage3_domain_restart(struct ic1_domain *d)
{
    static uint32_t restarting; /* one at a time: a second caller is -HM_EBUSY */
    if (!__atomic_load_n(&d->dead, __ATOMIC_ACQUIRE) ||
        __atomic_exchange_n(&restarting, 1, __ATOMIC_ACQUIRE))
        return -HM_EBUSY;
    int err = __atomic_load_n(&d->dead, __ATOMIC_ACQUIRE) ? ic1_restart(d) : -HM_EBUSY;
    __atomic_store_n(&restarting, 0, __ATOMIC_RELEASE);
    return err;
}

long sys_domain_restart(struct trap_frame *tf, struct proc *p)
{
    struct ic1_domain *d;
    long err = domain_named(p, tf->x[0], tf->x[1], &d);
    return err < 0 ? err : stage3_domain_restart(d);
}
