// SPDX-License-Identifier: MIT
/*
 * plat/rpi4 - Raspberry Pi 4 Model B (BCM2711), and QEMU's `raspi4b`.
 *
 * The device tree describes the PL011 (behind /soc ranges), the GIC-400, the
 * timer and the spin-table CPUs.  It has no PSCI node, so there is no
 * standard way to power off: the kernel halts instead (the Pi's PMIC is not
 * ours to drive).  TODO(rpi4): reset through the BCM2711 PM watchdog.
 */
#include <plat.h>

static const char *const rpi4_compat[] = { "raspberrypi,4-model-b", "brcm,bcm2711", NULL };

PLAT_BOARD(board_rpi4) = { .name = "rpi4", .compat = rpi4_compat, .poweroff = NULL };
