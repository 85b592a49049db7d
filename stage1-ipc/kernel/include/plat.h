// SPDX-License-Identifier: MIT
/*
 * plat.h - the small platform interface between generic code and boards.
 *
 * Generic kernel code never names a board or a device address.  Everything
 * comes from the device tree through dt.h; a board folder (plat/virt,
 * plat/rpi4) only says which root `compatible` strings it answers to and
 * supplies the few things a device tree cannot describe (how to power off
 * when there is no PSCI, for example).  Boards register themselves in a
 * linker table (`PLAT_BOARD`), so adding a board touches no generic file.
 */
#ifndef PLAT_H
#define PLAT_H

#include <kernel.h>

struct plat_board {
    const char *name;          /**< short name printed on the boot line */
    const char *const *compat; /**< root compatible strings, NULL-terminated */
    void (*poweroff)(void);    /**< power off without PSCI, or NULL */
};

#define PLAT_BOARD(var) \
    static const struct plat_board var __used __section(".plat_boards") __aligned(8)

/** What boot found out about the machine; filled once by kmain(). */
struct boot_info {
    const void *fdt;  /**< the device tree (linear-map address) */
    paddr_t fdt_pa;   /**< where the boot loader put it */
    paddr_t image_pa; /**< where the kernel image was loaded */
    const struct plat_board *board;
    unsigned ncpus;       /**< cpu nodes in the device tree */
    uint64_t mem_bytes;   /**< sum of the device tree's memory ranges */
    unsigned nmem;        /**< number of memory ranges */
    int psci;             /**< enum dt_psci_conduit */
    uint32_t timer_freq;  /**< generic timer frequency, Hz */
    uint32_t timer_intid; /**< EL1 physical timer interrupt */
    uint64_t boot_insns;  /**< PMU cycles from entry to kmain */
};

extern struct boot_info boot_info;

/** Pick the board whose compatible matches the device tree's root. Never
 *  NULL: an unknown machine gets the generic board "unknown". */
const struct plat_board *plat_detect(const void *fdt);

/** Power the machine off: PSCI SYSTEM_OFF if the DT has PSCI, else the
 *  board's hook, else halt this CPU forever. */
void plat_poweroff(void) __noreturn;

#endif
