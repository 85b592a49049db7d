// SPDX-License-Identifier: MIT
/*
 * plat.c - board selection and power off (the generic half of plat.h).
 */
#include <kernel.h>
#include <dt.h>
#include <plat.h>
#include <printk.h>
#include <arch/cpu.h>
#include <arch/sysreg.h>

extern const struct plat_board __plat_boards_start[], __plat_boards_end[];

static const char *const no_compat[] = { NULL };
static const struct plat_board unknown_board = { "unknown", no_compat, NULL };

const struct plat_board *plat_detect(const void *fdt)
{
    for (const struct plat_board *b = __plat_boards_start; b < __plat_boards_end; b++)
        for (const char *const *c = b->compat; *c; c++)
            if (dt_root_compatible(fdt, *c))
                return b;
    return &unknown_board;
}

void plat_poweroff(void)
{
    irq_disable();
    if (boot_info.psci != DT_PSCI_NONE)
        psci_call(boot_info.psci, PSCI_SYSTEM_OFF, 0, 0, 0);
    if (boot_info.board && boot_info.board->poweroff)
        boot_info.board->poweroff();
    printk("poweroff: no way to power off this machine; halted\n");
    for (;;)
        wfi();
}
