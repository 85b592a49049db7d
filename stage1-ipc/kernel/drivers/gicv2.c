// SPDX-License-Identifier: MIT
/*
 * gicv2.c - GICv2 / GIC-400 interrupt controller (IHI 0048B, chapter 4).
 *
 * Works with and without the GIC Security Extensions: bit 0 of GICD_CTLR and
 * GICC_CTLR enables group 0 on a GIC without them (QEMU virt) and group 1 in
 * the Non-secure view of a GIC with them (the Pi 4, where the firmware has
 * put every interrupt in group 1); in both cases the interrupts reach us as IRQ.
 */
#include <kernel.h>
#include <drivers.h>
#include <panic.h>
#include <printk.h>
#include <arch/sysreg.h>
#include <arch/trap.h>

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_SGIR 0xf00
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define NR_INTIDS 1020

static volatile uint8_t *gicd, *gicc;
static irq_handler_t handlers[NR_INTIDS];

static inline void w32(volatile uint8_t *b, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(b + off) = v;
}
static inline uint32_t r32(volatile uint8_t *b, unsigned off)
{
    return *(volatile uint32_t *)(b + off);
}

void gicv2_init(uint64_t dist, uint64_t cpu)
{
    gicd = (volatile uint8_t *)dist;
    gicc = (volatile uint8_t *)cpu;
    unsigned lines = 32 * ((r32(gicd, GICD_TYPER) & 0x1f) + 1);

    w32(gicd, GICD_CTLR, 0);
    for (unsigned i = 32; i < lines; i += 32) /* all SPIs off; PPIs/SGIs are per CPU */
        w32(gicd, GICD_ICENABLER + i / 8, 0xffffffff);
    w32(gicd, GICD_CTLR, 1);
    gicv2_cpu_init();
}

void gicv2_cpu_init(void)
{
    w32(gicc, GICC_PMR, 0xff); /* let every priority through */
    w32(gicc, GICC_BPR, 0);
    w32(gicc, GICC_CTLR, 1);
    w32(gicd, GICD_ISENABLER, 0xffff); /* SGIs 0-15 (banked per CPU) */
}

uint32_t gicv2_cpu_mask(void)
{
    /* GICD_ITARGETSR0..7 are banked: each byte reads as this CPU's own
     * interface bit (IHI 0048B 4.3.12). */
    return r32(gicd, GICD_ITARGETSR) & 0xff;
}

void gicv2_send_sgi(uint32_t intid, uint32_t cpu_mask)
{
    dsb(ishst);
    w32(gicd, GICD_SGIR, (cpu_mask << 16) | (intid & 0xf));
}

void gicv2_enable_percpu(uint32_t intid)
{
    *(volatile uint8_t *)(gicd + GICD_IPRIORITYR + intid) = 0xa0;
    w32(gicd, GICD_ISENABLER, 1u << intid);
}

void gicv2_enable(uint32_t intid)
{
    *(volatile uint8_t *)(gicd + GICD_IPRIORITYR + intid) = 0xa0;
    if (intid >= 32) /* SPI: deliver to CPU 0 until SMP routing exists */
        *(volatile uint8_t *)(gicd + GICD_ITARGETSR + intid) = 1;
    w32(gicd, GICD_ISENABLER + (intid / 32) * 4, 1u << (intid % 32));
}

int irq_register(uint32_t intid, irq_handler_t fn)
{
    if (intid >= NR_INTIDS || handlers[intid])
        return -1;
    handlers[intid] = fn;
    gicv2_enable(intid);
    return 0;
}

void irq_dispatch(struct trap_frame *tf)
{
    (void)tf;
    for (;;) {
        uint32_t iar = r32(gicc, GICC_IAR);
        uint32_t intid = iar & 0x3ff;
        if (intid >= NR_INTIDS) /* 1020..1023, SPURIOUS: nothing (more) pending */
            return;
        if (handlers[intid]) {
            handlers[intid](intid);
        } else { /* nobody asked for it: switch it off rather than storm */
            w32(gicd, GICD_ICENABLER + (intid / 32) * 4, 1u << (intid % 32));
            printk("irq: no handler for INTID %u, disabled\n", intid);
        }
        w32(gicc, GICC_EOIR, iar);
    }
}
