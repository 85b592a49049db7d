# SPDX-License-Identifier: MIT
#
# stage.mk - what stage 2 (differentiated isolation classes) adds to a build.
# So far: the hardware watchpoints IC1 domains are made of.  See README.md
# for what is done and what comes next.

S2 := stage2-isolation
S2K := $(S2)/kernel

kernel-inc += $(S2K)/arch/aarch64/include
kernel-y += $(S2K)/arch/aarch64/debug.c
# TODO(stage2): IC0/IC1/IC2 placement, the IC1 gate, the scanner in the build, PAC/BTI.

ktest-y += $(S2)/tests/ktest/watchpoint_test.c
$(O)/obj/$(S2)/tests/ktest/%.c.o: EXTRA_CFLAGS := -DKTEST_SUITE='"stage2"'
