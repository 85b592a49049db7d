// SPDX-License-Identifier: MIT
/*
 * drivers.h - the in-kernel device drivers of the base kernel.
 *
 * Each init takes addresses the caller found in the device tree and mapped;
 * none of them knows a board.
 */
#ifndef DRIVERS_H
#define DRIVERS_H

#include <kernel.h>

/** PL011 UART (Arm PrimeCell UART TRM, DDI 0183). `regs` = mapped base.
 *  Keeps the boot loader's baud rate; makes sure TX is enabled. */
void pl011_init(uint64_t regs);
void pl011_putc(char c);

/** GICv2 / GIC-400 (Arm GIC Architecture Specification v2, IHI 0048B).
 *  `dist` and `cpu` are the mapped distributor and CPU interface. */
void gicv2_init(uint64_t dist, uint64_t cpu);
/** Enable `intid` at priority 0xa0 (PPIs: on this CPU only). */
void gicv2_enable(uint32_t intid);
/** Per-CPU part: CPU interface and SGIs; run on every CPU. */
void gicv2_cpu_init(void);
/** Enable a PPI/SGI on this CPU. */
void gicv2_enable_percpu(uint32_t intid);
/** This CPU's GIC interface bit, for SGI target lists. */
uint32_t gicv2_cpu_mask(void);
/** Send SGI `intid` (0-15) to the CPUs in cpu_mask. */
void gicv2_send_sgi(uint32_t intid, uint32_t cpu_mask);
#define SGI_RESCHED 1

/** Interrupt handler registration: one handler per INTID (< 1020). */
typedef void (*irq_handler_t)(uint32_t intid);
int irq_register(uint32_t intid, irq_handler_t fn);

#endif
