// SPDX-License-Identifier: MIT
/*
 * smp.c - starting the secondary CPUs the device tree lists.
 *
 * Each cpu node says how it is started ("enable-method"):
 *  - "psci": PSCI CPU_ON(target MPIDR, entry PA, context) through the
 *    conduit of the /psci node (Arm DEN 0022, 5.1.4) — QEMU virt;
 *  - "spin-table": the CPU waits in firmware, polling its cpu-release-addr
 *    with WFE; we write the entry PA there and SEV (Linux's arm64 booting
 *    document describes the protocol) — the Raspberry Pi 4.
 * A started CPU enters head.S's secondary_entry, turns on the MMU with the
 * boot tables and calls secondary_main() on the stack we gave it.
 */
#include <kernel.h>
#include <drivers.h>
#include <dt.h>
#include <mm.h>
#include <plat.h>
#include <printk.h>
#include <sched.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>

#define PSCI_CPU_ON 0xc4000003u

struct secondary_boot {
    uint64_t mpidr;
    uint64_t sp;
    uint64_t idx;
};
struct secondary_boot secondary_boot[CONFIG_NR_CPUS];
static struct thread idle_boot[CONFIG_NR_CPUS];

extern char _head[], secondary_entry[];
void secondary_main(unsigned idx);
void percpu_init(void);

static bool start_one(const struct dt_cpu *c, unsigned idx)
{
    paddr_t stack = frame_alloc(KSTACK_ORDER);
    if (!stack)
        return false;
    paddr_t entry = boot_info.image_pa + (uint64_t)(secondary_entry - _head);
    secondary_boot[idx] =
            (struct secondary_boot){ c->mpidr, (uint64_t)phys_to_virt(stack) + KSTACK_SIZE, idx };
    dsb(ish);
    if (c->enable == DT_ENABLE_PSCI) {
        int64_t r = psci_call(boot_info.psci, PSCI_CPU_ON, c->mpidr, entry, 0);
        if (r != 0) {
            printk("smp: PSCI CPU_ON of cpu %u (MPIDR 0x%lx) failed: %ld\n", idx, c->mpidr, r);
            frame_free(stack, KSTACK_ORDER);
            return false;
        }
    } else if (c->enable == DT_ENABLE_SPIN_TABLE) {
        volatile uint64_t *release = phys_to_virt(c->release_addr);
        *release = entry;
        /* The waiting CPU reads with its MMU and caches off: clean the line
         * to the point of coherency, then wake it (it waits in WFE). */
        __asm__ volatile("dc civac, %0" ::"r"(release) : "memory");
        dsb(sy);
        __asm__ volatile("sev");
    } else {
        printk("smp: cpu %u: unsupported enable-method, left off\n", idx);
        frame_free(stack, KSTACK_ORDER);
        return false;
    }
    /* Wait for it, at most ~1 s of counter time. */
    uint64_t freq = read_sysreg(cntfrq_el0), t0 = read_sysreg(cntpct_el0);
    while (!READ_ONCE(cpus[idx].online) && read_sysreg(cntpct_el0) - t0 < freq)
        __asm__ volatile("yield");
    if (!READ_ONCE(cpus[idx].online)) {
        printk("smp: cpu %u (MPIDR 0x%lx) did not come up\n", idx, c->mpidr);
        return false; /* its stack stays: it might still arrive */
    }
    return true;
}

void smp_boot(const void *fdt)
{
    struct dt_cpu dcpus[CONFIG_NR_CPUS];
    int n = dt_cpus(fdt, dcpus, CONFIG_NR_CPUS);
    if (n == DT_ENOSPC)
        n = CONFIG_NR_CPUS;
    uint64_t me = read_sysreg(mpidr_el1) & 0xff00fffffful;
    cpus[0].mpidr = me;
    unsigned idx = 1;
    for (int i = 0; i < n && idx < CONFIG_NR_CPUS; i++) {
        if (dcpus[i].mpidr == me)
            continue;
        if (start_one(&dcpus[i], idx))
            idx++;
    }
}

/* What every CPU sets up for itself. */
void percpu_init(void)
{
    struct cpu *c = this_cpu();
    c->gic_mask = gicv2_cpu_mask();
    write_sysreg(pmuserenr_el0, 5); /* EL0 may read the cycle counter (EN | CR) */
    /* No reset (PMCR.C): on CPU 0 it has counted since head.S (boot benchmarks). */
    write_sysreg(pmcr_el0, PMCR_LC | PMCR_E);
    write_sysreg(pmccfiltr_el0, PMCCFILTR_NSH);
    write_sysreg(pmcntenset_el0, PMCNTEN_CYCLES);
    isb();
}

void secondary_main(unsigned idx)
{
    sched_init_cpu(idx, &idle_boot[idx], "idle", true);
    cpus[idx].mpidr = read_sysreg(mpidr_el1) & 0xff00fffffful;
    gicv2_cpu_init();
    percpu_init();
    gicv2_enable_percpu(boot_info.timer_intid);
    timer_init(boot_info.timer_freq, boot_info.timer_intid);
    cpu_idle();
}
