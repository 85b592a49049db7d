# SPDX-License-Identifier: MIT
#
# stage.mk - what stage 1 contributes to a build (included by the top Makefile).
#
#   kernel-y        kernel sources (.c, .S), paths from the repository root
#   kernel-inc      include directories for kernel code
#   ktest-y         in-kernel test sources, linked when CONFIG_KTEST=y
#   host-tests      host unit-test programs; for each T: T-src, T-args, T-deps, T-cflags

S1 := stage1-ipc
S1K := $(S1)/kernel

kernel-inc += $(S1K)/include $(S1K)/arch/aarch64/include
kernel-lds := $(S1K)/arch/aarch64/linker.ld

# Boot and architecture
kernel-y += $(S1K)/arch/aarch64/head.S
kernel-y += $(S1K)/arch/aarch64/early.c
kernel-y += $(S1K)/arch/aarch64/vectors.S
kernel-y += $(S1K)/arch/aarch64/traps.c
kernel-y += $(S1K)/arch/aarch64/mmu.c
kernel-y += $(S1K)/arch/aarch64/cpu.c
kernel-y += $(S1K)/arch/aarch64/switch.S
# Generic core
kernel-y += $(S1K)/core/main.c
kernel-y += $(S1K)/core/printk.c
kernel-y += $(S1K)/core/panic.c
kernel-y += $(S1K)/core/ksyms.c
kernel-y += $(S1K)/core/ktest.c
kernel-y += $(S1K)/core/sched.c
kernel-y += $(S1K)/core/smp.c
kernel-y += $(S1K)/core/proc.c
kernel-y += $(S1K)/core/syscall.c
kernel-y += $(S1K)/core/initramfs.c
kernel-y += $(S1K)/core/ipc.c
kernel-y += $(S1K)/core/notify.c
kernel-y += $(S1K)/mm/frame.c
# Pure logic (also compiled on the host for the unit tests)
kernel-y += $(S1K)/lib/string.c
kernel-y += $(S1K)/lib/dt.c
kernel-y += $(S1K)/lib/buddy.c
kernel-y += $(S1K)/lib/slab.c
kernel-y += $(S1K)/lib/cap.c
kernel-y += $(S1K)/lib/pgtable.c
kernel-y += $(S1K)/lib/asid.c
kernel-y += $(S1K)/lib/cpio.c
kernel-y += $(S1K)/lib/elf.c
# Drivers and boards
kernel-y += $(S1K)/drivers/pl011.c
kernel-y += $(S1K)/drivers/gicv2.c
kernel-y += $(S1K)/plat/plat.c
kernel-y += $(S1K)/plat/virt/board.c
kernel-y += $(S1K)/plat/rpi4/board.c

ktest-y += $(S1)/tests/ktest/boot_test.c

# User programs (static AArch64 ELF, musl without its system calls) and
# where they go in the initramfs.  user-progs are in every build,
# user-test-progs only in test builds (TEST=1).
user-lib += $(wildcard $(S1)/user/lib/*.c $(S1)/user/lib/*.S)
user-inc += $(S1K)/include/uapi $(S1)/user/lib
user-progs += init bench1 benchsrv1
init-src := $(S1)/user/init/init.c
# The stage whose tests a program reports (UTEST names are "<suite>/<test>").
init-suite := stage1
init-path := init
bench1-src := $(S1)/bench/bench1.c
bench1-path := bin/bench1
benchsrv1-src := $(S1)/tests/user/progs/ipcsrv1.c
benchsrv1-path := bin/ipcsrv1
user-test-progs += utest1 fault1 spy1 ipcsrv1
utest1-src := $(wildcard $(S1)/tests/user/*.c)
utest1-path := bin/utest1
utest1-suite := stage1
fault1-src := $(S1)/tests/user/progs/fault1.c
fault1-path := bin/fault1
spy1-src := $(S1)/tests/user/progs/spy1.c
spy1-path := bin/spy1
ipcsrv1-src := $(S1)/tests/user/progs/ipcsrv1.c
ipcsrv1-path := bin/ipcsrv1
# Test builds also get bin/truncated: the first 1000 bytes of fault1, a
# program the kernel must refuse by name (Makefile, initramfs rule).

# early.c runs with the MMU off: aligned accesses only, no stack protector.
$(O)/obj/$(S1K)/arch/aarch64/early.c.o: EXTRA_CFLAGS := -mstrict-align -fno-stack-protector
$(O)/obj/$(S1)/tests/ktest/%.c.o: EXTRA_CFLAGS := -DKTEST_SUITE='"stage1"'
# string.c must not have its loops turned back into calls to memset/memcpy.
$(O)/obj/$(S1K)/lib/string.c.o: EXTRA_CFLAGS := -fno-tree-loop-distribute-patterns

# Host unit tests (ASan + UBSan), run by `make host-tests`.
host-tests += dt_test
dt_test-src := $(S1K)/lib/dt.c $(S1)/tests/unit/dt_test.c
dt_test-args := build/dtb/virt.dtb build/dtb/virt-gicv3.dtb $(RPI4_DTB)
dt_test-deps := build/dtb/virt.dtb build/dtb/virt-gicv3.dtb $(RPI4_DTB)
dt_test-suite := stage1
host-tests += buddy_test slab_test cap_test pgtable_test asid_test cpio_test elf_test
buddy_test-src := $(S1K)/lib/buddy.c $(S1)/tests/unit/buddy_test.c
slab_test-src := $(S1K)/lib/slab.c $(S1)/tests/unit/slab_test.c
cap_test-src := $(S1K)/lib/cap.c $(S1)/tests/unit/cap_test.c
pgtable_test-src := $(S1K)/lib/pgtable.c $(S1)/tests/unit/pgtable_test.c
asid_test-src := $(S1K)/lib/asid.c $(S1)/tests/unit/asid_test.c
cpio_test-src := $(S1K)/lib/cpio.c $(S1)/tests/unit/cpio_test.c
elf_test-src := $(S1K)/lib/elf.c $(S1)/tests/unit/elf_test.c
elf_test-args := build/host/hello-static.elf
elf_test-deps := build/host/hello-static.elf
