// SPDX-License-Identifier: MIT
/*
 * plat/virt - QEMU's `virt` machine.
 *
 * Everything the kernel needs (memory, PL011, GIC, timer, PSCI over HVC or
 * SMC) is in the device tree QEMU generates; nothing to add.
 */
#include <plat.h>

static const char *const virt_compat[] = { "linux,dummy-virt", NULL };

PLAT_BOARD(board_virt) = { .name = "virt", .compat = virt_compat, .poweroff = NULL };
