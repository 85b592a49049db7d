// SPDX-License-Identifier: MIT
/*
 * placement.c - starting the services the configuration places in IC1 or IC2.
 *
 * IC0 services are published by ic0_init(); an IC1 service's domain is
 * loaded here (its gate is published like an IC0 service); an IC2 service is a program in
 * the initramfs that the kernel starts before init and waits for until it
 * has published its name (stage 3's process manager takes this over).
 */
#include <kernel.h>
#include <ic1.h>
#include <ipc.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <arch/sysreg.h>

static __attribute__((unused)) void start(const char *prog, const char *name)
{
    struct proc *p;
    int err = proc_spawn(prog, "", 0, -1, &p);
    if (err < 0) {
        printk("stage2: cannot start %s: error %d\n", prog, err);
        return;
    }
    proc_put(p); /* it lives on its own */
    /* Until it has published its name, at most 100 ms.  Yielding, not
     * sleeping: a sleeper wakes on the next tick, which added most of a
     * tick (9.4 M instructions measured) to every boot. */
    uint64_t freq = read_sysreg(cntfrq_el0), t0 = read_sysreg(cntpct_el0);
    while (!ipc_name_exists(name) && read_sysreg(cntpct_el0) - t0 < freq / 10)
        sched_yield();
    printk("stage2: service %s in IC2 (%s)%s\n", name, prog,
           ipc_name_exists(name) ? "" : ", but it did not publish its name");
}

void stage2_start_services(void)
{
#ifdef CONFIG_KV_IC1
    int err = ic1_load(&ic1_image_kv, &kv_ic1_domain);
    if (err < 0)
        printk("stage2: cannot load the kv domain: error %d\n", err);
    else
        printk("stage2: service kv in IC1 (domain at 0x%lx)\n", ic1_image_kv.base);
#endif
#ifdef CONFIG_KV_IC2
    start("/bin/kvsrv", "kv");
#endif
}
