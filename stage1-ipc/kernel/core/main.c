// SPDX-License-Identifier: MIT
/*
 * main.c - the boot sequence, in order.  Read this file first.
 *
 * head.S has turned the MMU on and called kmain() in the high half with the
 * device tree's and the image's physical addresses.  From here on nothing
 * about the machine is assumed: the device tree says where memory, the
 * console, the interrupt controller and the timer are, how many CPUs there
 * are and how to power off.
 */
#include <kernel.h>
#include <drivers.h>
#include <dt.h>
#include <ktest.h>
#include <panic.h>
#include <plat.h>
#include <printk.h>
#include <libfdt.h>
#include <mm.h>
#include <proc.h>
#include <ipc.h>
#include <sched.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>

struct boot_info boot_info;
extern bool panic_semihosting;
void mmu_init(paddr_t image_pa);
void kmain(paddr_t dtb_pa, paddr_t image_pa, unsigned entry_el);

#ifdef CONFIG_KTEST
#define IS_ENABLED_KTEST 1
#else
#define IS_ENABLED_KTEST 0
#endif

/* Without a usable device tree there is no console to say so.  Say it
 * through semihosting if the machine has it (QEMU with -semihosting-config,
 * which the harness always passes) and exit with status 2; otherwise stop
 * with the reason in x0 for a debugger (`make gdb`, `info registers`). */
static __noreturn void halt_no_console(uint64_t why, const char *msg, int err)
{
    if (semihosting_write("hmk: cannot boot: ") == 0) {
        semihosting_write(msg);
        if (err)
            semihosting_write(dt_strerror(err));
        semihosting_write("\n");
        semihosting_exit(2);
    }
    for (;;)
        __asm__ volatile("mov x0, %0\n wfe" ::"r"(why) : "x0");
}

/* The console: the PL011 the device tree points at (dt_console()). */
static paddr_t console_pa;
static int console_init(const void *fdt)
{
    struct dt_range r;
    int node = dt_console(fdt, "arm,pl011");
    if (node < 0)
        return node;
    int err = dt_reg(fdt, node, 0, &r);
    if (err < 0)
        return err;
    uint64_t va = mmu_ioremap(r.base, r.size ? r.size : PAGE_SIZE);
    if (!va)
        return DT_EUNSUPPORTED;
    pl011_init(va);
    console_set(pl011_putc);
    console_pa = r.base;
    return 0;
}

/* Map all RAM the device tree lists into the linear map. */
static void memory_init(const void *fdt)
{
    struct dt_range mem[DT_MAX_REGS];
    int n = dt_memory(fdt, mem, DT_MAX_REGS);
    if (n <= 0)
        panic("device tree: no usable memory node (%s)",
              n < 0 ? dt_strerror(n) : "all sizes are 0");
    for (int i = 0; i < n; i++) {
        printk("mem: 0x%010lx-0x%010lx (%lu MiB)\n", mem[i].base, mem[i].base + mem[i].size - 1,
               mem[i].size / MiB);
        if (mmu_map_linear(mem[i].base, mem[i].size) < 0)
            panic("mem: cannot map 0x%lx+0x%lx into the linear map", mem[i].base, mem[i].size);
        boot_info.mem_bytes += mem[i].size;
    }
    boot_info.nmem = (unsigned)n;
    int nr = dt_reserved(fdt, mem, DT_MAX_REGS);
    for (int i = 0; i < nr; i++)
        printk("mem: reserved 0x%010lx-0x%010lx\n", mem[i].base, mem[i].base + mem[i].size - 1);
}

static void timer_tick(uint32_t intid)
{
    (void)intid;
    timer_irq();
    sched_tick();
}

static void resched_ipi(uint32_t intid)
{
    (void)intid;
    sched_ipi();
}

/* Interrupt controller and timer, both from the device tree. */
static void irq_timer_init(const void *fdt)
{
    struct dt_gic gic;
    struct dt_timer t;
    int err = dt_gic(fdt, &gic);
    if (err < 0)
        panic("device tree: no interrupt controller (%s)", dt_strerror(err));
    if (gic.version != DT_GIC_V2)
        panic("irq: GICv%d is not supported yet (boot QEMU virt with gic-version=2)", gic.version);
    gicv2_init(mmu_ioremap(gic.dist, 0x1000), mmu_ioremap(gic.cpu_or_redist, 0x2000));
    err = dt_timer(fdt, &t);
    if (err < 0)
        panic("device tree: no arm,armv8-timer node (%s)", dt_strerror(err));
    boot_info.timer_freq = t.freq ? t.freq : (uint32_t)read_sysreg(cntfrq_el0);
    boot_info.timer_intid = t.phys.intid;
    if (boot_info.timer_freq == 0)
        panic("timer: frequency unknown (no clock-frequency, CNTFRQ_EL0 is 0)");
    irq_register(t.phys.intid, timer_tick);
    irq_register(SGI_RESCHED, resched_ipi);
    timer_init(boot_info.timer_freq, t.phys.intid);
}

bool ktest_mode, bench_mode;
void stage2_start_services(void);
void stage3_start_services(void);
void stage3_start_name_server(void);
static struct thread kinit_thread;
extern char _head[], _end[];
void smp_boot(const void *fdt);
void percpu_init(void);
bool initramfs_from_dt(const void *fdt, paddr_t *start, paddr_t *end);
uint64_t boot_free_frames, boot_kobjs, boot_kobj_pages, boot_stack_pages; /* the leak baseline */

/* Start /init on CPU 0 and wait for it to end; returns its exit status. */
static int run_init(void)
{
    struct proc *init;
    boot_free_frames = frame_free_count();
    boot_kobjs = kobj_live();
    boot_kobj_pages = kobj_pages();
    boot_stack_pages = ipc_published_stack_pages();
    int err = proc_spawn("/init", "", 0, 0, &init);
    if (err < 0) {
        printk("kernel: cannot start /init: error %d\n", err);
        return err;
    }
    int status = proc_wait(init);
    proc_put(init);
    return status;
}

static __noreturn void finish(int status)
{
    if (panic_semihosting)
        semihosting_exit((unsigned)status);
    plat_poweroff();
}

void kmain(paddr_t dtb_pa, paddr_t image_pa, unsigned entry_el)
{
    boot_info.boot_insns = cpu_cycles(); /* first: the boot_to_main benchmark */
    boot_info.fdt_pa = dtb_pa;
    boot_info.image_pa = image_pa;
    mmu_init(image_pa);

    /* 1. The device tree, mapped read-only by early.c. */
    const void *fdt = (const void *)pa_to_linear(dtb_pa);
    int err = dt_check(fdt, 2 * MiB);
    if (err < 0)
        halt_no_console(0xbadd7, "the device tree passed in x0 is not valid: ", err);
    boot_info.fdt = fdt;

    /* 2. The console; from here on problems can be reported. */
    err = console_init(fdt);
    if (err < 0)
        halt_no_console(0xc0501e, "no console: no usable arm,pl011 node in the device tree: ", err);
    panic_semihosting = dt_bootarg(fdt, "semihosting", NULL, NULL);
    printk("\nhmk: HM-style teaching microkernel, stage %d, on %s\n", CONFIG_STAGE, dt_model(fdt));
    printk("console: arm,pl011 at 0x%lx\n", console_pa);
    printk("hmk: loaded at 0x%lx, device tree at 0x%lx, entered at EL%u\n", image_pa, dtb_pa,
           entry_el);

    /* 3. Memory: the RAM the device tree lists, then no more identity map;
     *    every frame but the kernel, the device tree and the initramfs
     *    goes to the frame allocator. */
    memory_init(fdt);
    mmu_drop_identity();
    paddr_t initrd_start = 0, initrd_end = 0;
    bool have_initrd = initramfs_from_dt(fdt, &initrd_start, &initrd_end);
    struct mem_hole holes[] = {
        { image_pa, (uint64_t)(_end - _head), "kernel image" },
        { dtb_pa, fdt_totalsize(fdt), "device tree" },
        { initrd_start, have_initrd ? initrd_end - initrd_start : 0, "initramfs" },
    };
    frame_init(fdt, holes, have_initrd ? 3 : 2);
    kobj_init();
    proc_init();

    /* 4. CPUs, PSCI, board. */
    struct dt_cpu cpu_nodes[64];
    int ncpus = dt_cpus(fdt, cpu_nodes, 64);
    if (ncpus <= 0)
        panic("device tree: no usable cpu nodes (%s)", ncpus < 0 ? dt_strerror(ncpus) : "none");
    if (ncpus > CONFIG_NR_CPUS)
        printk("cpus: %d in the device tree; this kernel uses the first CONFIG_NR_CPUS=%d\n", ncpus,
               CONFIG_NR_CPUS);
    boot_info.ncpus = (unsigned)ncpus;
    boot_info.psci = dt_psci(fdt);
    boot_info.board = plat_detect(fdt);

    /* 5. This flow becomes the thread "kinit" on CPU 0; interrupts and the
     *    tick; then the other CPUs, each with its own run queue and idle thread. */
    sched_init_cpu(0, &kinit_thread, "kinit", false);
    irq_timer_init(fdt);
    percpu_init();
    smp_boot(fdt);
    ipc_init();
    printk("smp: %u of %u CPUs online\n", ncpus_online, boot_info.ncpus);

    /* 6. The programs. */
    initramfs_init(have_initrd ? phys_to_virt(initrd_start) : NULL,
                   have_initrd ? initrd_end - initrd_start : 0);

    printk("boot: stage=%d board=%s cpus=%u mem=%luMiB\n", CONFIG_STAGE, boot_info.board->name,
           boot_info.ncpus, boot_info.mem_bytes / MiB);

    /* 7. What this boot is for: tests, benchmarks, or init. */
    const char *arg, *tok = "";
    size_t len, tlen = 0;
    if (dt_bootarg(fdt, "poweroff", NULL,
                   NULL)) /* boot check only (tests, `make run APPEND=poweroff`) */
        finish(0);
    dt_bootarg(fdt, "token", &tok, &tlen);
#ifdef CONFIG_NS_SERVER /* stage 3: the name server first, as every later service publishes there */
    stage3_start_name_server();
#endif
#ifdef CONFIG_STAGE2 /* stage 2: services placed in IC2 start as processes here */
    stage2_start_services();
#endif
#ifdef CONFIG_STAGE3 /* stage 3: the system services (file system, ...) */
    stage3_start_services();
#endif
    if (IS_ENABLED_KTEST && dt_bootarg(fdt, "ktest", &arg, &len)) {
        ktest_mode = true;
        if (len) { /* one named test, e.g. a deliberate fault */
            int r = ktest_run_one(arg, len, tok, tlen);
            finish(r == 0 ? 0 : 1);
        }
        ktest_run_phase(KTEST_EARLY);
        run_init();
        ktest_run_phase(KTEST_AFTER_INIT);
        finish(ktest_done(tok, tlen) == 0 ? 0 : 1);
    }
    if (dt_bootarg(fdt, "bench", NULL, NULL)) {
        bench_mode = true;
        printk("[BENCH] stage1/boot_to_main %lu insns\n", boot_info.boot_insns);
        run_init();
        finish(0);
    }
    int status = run_init();
    printk("kernel: init exited with status 0x%x; powering off\n", status);
    finish(0);
}
