// SPDX-License-Identifier: MIT
/*
 * placement.c - starting the services the configuration places in IC1 or IC2.
 *
 * IC0 services are published by ic0_init() (kv_ic0.c); an IC1 service's
 * domain is loaded here and published like an IC0 service (the kernel
 * calls it through the gate); an IC2 service is a program in the
 * initramfs that the kernel starts before init and waits for until it has
 * published its names (stage 3's process manager takes this over).
 *
 * With CONFIG_CLASS_MATRIX the kv service is also published in every class
 * (kv0, kv1, kv2) and the relay service in IC0 and IC1 (relay0, relay1),
 * for the round-trip matrix and the tests of calls between classes.  A
 * service placed in a class by its own setting and the matrix's instance
 * in that class are one instance under two names.
 */
#include <kernel.h>
#include <ic0.h>
#include <ic1.h>
#include <ipc.h>
#include <placement.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/sysreg.h>

static __attribute__((unused)) struct ic1_domain kv_domain, relay_domain;

int stage2_start_ic1(const struct ic1_image *im, struct ic1_domain *d, const char *name,
                     uint64_t entry)
{
    if (entry && (entry < im->base || entry >= im->data)) {
        printk("stage2: %s: entry 0x%lx is not in the code of domain %s\n", name, entry, im->name);
        return -HM_EINVAL;
    }
    if (!d->image) {
        int err = ic1_load(im, d);
        if (err < 0) {
            printk("stage2: cannot load the %s domain: error %d\n", im->name, err);
            return err;
        }
    }
    /* LAB 2 TODO BEGIN(return -HM_ENOSYS): publish `name` like an IC0 service whose calls go through the gate into d (at `entry`, 0: the image's) */
    static struct ic0_service published[4]; /* the services in IC1 */
    static unsigned npublished;
    if (npublished == ARRAY_SIZE(published))
        return -HM_ENOSPC;
    struct ic0_service *s = &published[npublished++];
    s->name = name;
    s->ic1 = d;
    s->ic1_entry = (hm_handler_t)entry;
    int err = ic0_publish(s);
    if (err == 0)
        printk("stage2: service %s in IC1 (domain %s at 0x%lx)\n", name, im->name, im->base);
    return err;
    /* LAB 2 TODO END */
}

/* At most 2 s (a loaded host can be slow to run the new process; the wait
 * ends as soon as the name is there).  Yielding, not sleeping: a sleeper
 * wakes on the next tick, which added most of a tick (9.4 M instructions
 * measured) to every boot. */
bool stage2_wait_name(const char *name)
{
#ifdef CONFIG_NS_SERVER /* stage 3: the name is in a name server (kernel/placement.c of stage 3) */
    if (strcmp(name, "ns") != 0)
        return stage3_ns_wait(name);
#endif
    uint64_t freq = read_sysreg(cntfrq_el0), t0 = read_sysreg(cntpct_el0);
    while (!ipc_name_exists(name) && read_sysreg(cntpct_el0) - t0 < 2 * freq)
        sched_yield();
    return ipc_name_exists(name);
}

/* Start prog with `arg` (NULL: `names`), and wait until it has published
 * the last of `names` (space-separated) (placement.h). */
void stage2_start_ic2(const char *prog, const char *arg, const char *names, struct proc **out)
{
    struct proc *p;
    if (out)
        *out = NULL;
    if (!arg)
        arg = names;
    int err = proc_spawn(prog, arg, strlen(arg), -1, &p);
    if (err < 0) {
        printk("stage2: cannot start %s: error %d\n", prog, err);
        return;
    }
    if (out)
        *out = p;
    else
        proc_put(p); /* it lives on its own */
    const char *q = names;
    while (*q) {
        char name[HM_NAME_MAX];
        size_t n = 0;
        while (*q && *q != ' ' && n + 1 < sizeof(name))
            name[n++] = *q++;
        name[n] = 0;
        while (*q == ' ')
            q++;
        printk("stage2: service %s in IC2 (%s)%s\n", name, prog,
               stage2_wait_name(name) ? "" : ", but it did not publish the name");
    }
}

void stage2_start_services(void)
{
#ifdef CONFIG_KV_IC1
    stage2_start_ic1(&ic1_image_kv, &kv_domain, "kv", 0);
#endif
#ifdef CONFIG_CLASS_MATRIX
    stage2_start_ic1(&ic1_image_kv, &kv_domain, "kv1", 0);
    stage2_start_ic1(&ic1_image_relay, &relay_domain, "relay1", 0);
#endif
#if defined(CONFIG_KV_IC2) && defined(CONFIG_CLASS_MATRIX)
    stage2_start_ic2("/bin/kvsrv", NULL, "kv kv2", NULL);
#elif defined(CONFIG_KV_IC2)
    stage2_start_ic2("/bin/kvsrv", NULL, "kv", NULL);
#elif defined(CONFIG_CLASS_MATRIX)
    stage2_start_ic2("/bin/kvsrv", NULL, "kv2", NULL);
#endif
}
