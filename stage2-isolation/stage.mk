# SPDX-License-Identifier: MIT
#
# stage.mk - what stage 2 (differentiated isolation classes) adds to a build.
# So far: IC0 services (handlers linked into the kernel), the kv test
# service placed in IC0 or IC2 by configuration, the hardware watchpoints
# IC1 domains are made of, and the scan of IC1-eligible objects.  See README.md.

S2 := stage2-isolation
S2K := $(S2)/kernel

kernel-inc += $(S2K)/include $(S2K)/arch/aarch64/include
kernel-y += $(S2K)/arch/aarch64/debug.c
kernel-y += $(S2K)/ic0.c
kernel-y += $(S2K)/placement.c
# TODO(stage2): PAC/BTI.

# IC1 objects: every service source that may run in an IC1 domain is built
# with the flags of one (EL1 code with no FP/SIMD registers, no libc, no
# kernel headers but the uapi ones) and scanned by tools/ic1scan.py: no
# privileged instruction, no symbol from outside the object.  A finding
# stops the build.
ic1-y += $(S2)/services/kv.c
$(O)/ic1/$(S2)/services/kv.c.o: IC1_CFLAGS_EXTRA := -DKV_CLASS=1
ifeq ($(TEST),1) # a misbehaving domain for tests/ktest/ic1_test.c
ic1-y += $(S2)/tests/ktest/ic1_probe.c
probe-ic1-objs := $(O)/ic1/$(S2)/tests/ktest/ic1_probe.c.o
probe-ic1-entry := probe_handle
probe-ic1-base := 0xffffffffc0100000
endif

IC1_CFLAGS = -std=gnu11 -O2 -g -ffreestanding -nostdinc -isystem $(GCC_INC) \
             -Istage1-ipc/kernel/include/uapi -mgeneral-regs-only -mno-outline-atomics \
             -fno-pic -fno-pie -fno-common -fno-stack-protector -fno-builtin \
             -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP
IC1_OBJS = $(patsubst %,$(O)/ic1/%.o,$(ic1-y))

$(O)/ic1/%.c.o: %.c $(O)/.kflags
	@mkdir -p $(dir $@)
	$(SAY) "  CC [IC1] $<"
	$(Q)$(CC) $(IC1_CFLAGS) $(IC1_CFLAGS_EXTRA) -c $< -o $@

$(O)/ic1/scan.ok: $(IC1_OBJS) tools/ic1scan.py
	$(SAY) "  IC1SCAN $(IC1_OBJS)"
	$(Q)$(PYTHON) tools/ic1scan.py --no-undefined --quiet $(IC1_OBJS)
	$(Q)touch $@

$(O)/kernel.elf: | $(O)/ic1/scan.ok

# The IC1 domain images: each service linked at its domain's address
# (kernel/ic1.ld), made a flat image and embedded in the kernel with a
# descriptor (struct ic1_image, ic1.h) that kernel/ic1.c loads from.
ic1-images += kv $(if $(filter 1,$(TEST)),probe)
kv-ic1-objs := $(O)/ic1/$(S2)/services/kv.c.o
kv-ic1-entry := kv_handle
kv-ic1-base := 0xffffffffc0000000

IC1_IMAGES = $(patsubst %,$(O)/ic1/%.elf,$(ic1-images))
# Static pattern rules: they must not offer make a way to other targets.
$(IC1_IMAGES): $(O)/ic1/%.elf: $(S2K)/ic1.ld $(O)/ic1/scan.ok
	$(SAY) "  LD [IC1] $@"
	$(Q)$(CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-e,$($*-ic1-entry) \
	    -Wl,--defsym=IC1_BASE=$($*-ic1-base) \
	    -Wl,-z,max-page-size=4096 -T $(S2K)/ic1.ld -o $@ $($*-ic1-objs)
	$(Q)$(PYTHON) tools/ic1scan.py --quiet $@

$(IC1_IMAGES:.elf=.S): $(O)/ic1/%.S: $(O)/ic1/%.elf
	$(Q)$(OBJCOPY) -O binary $< $(O)/ic1/$*.bin
	$(Q)sym() { $(NM) $< | awk -v s=$$1 '$$3 == s { print "0x" $$1 }'; }; \
	printf '%s\n' '/* generated from $< */' '.section .rodata.ic1, "a"' '.balign 4096' \
	    '$*_ic1_bin: .incbin "$(O)/ic1/$*.bin"' '$*_ic1_bin_end:' \
	    '$*_ic1_name: .asciz "$*"' '.balign 8' '.globl ic1_image_$*' 'ic1_image_$*:' \
	    '.quad $*_ic1_name, $*_ic1_bin, $*_ic1_bin_end - $*_ic1_bin' \
	    ".quad $$(sym __ic1_base), $$(sym __ic1_data), $$(sym __ic1_end), $$(sym $($*-ic1-entry))" > $@

kernel-y += $(S2K)/ic1.c $(S2K)/arch/aarch64/ic1_gate.S $(patsubst %,$(O)/ic1/%.S,$(ic1-images))
-include $(IC1_OBJS:.o=.d)

# The kv service: one source (services/kv.c), placed by configuration.
ifeq ($(CONFIG_KV_IC0),y)
kernel-y += $(S2)/services/kv.c $(S2K)/kv_ic0.c
$(O)/obj/$(S2)/services/kv.c.o: EXTRA_CFLAGS := -DKV_CLASS=0 -Istage1-ipc/kernel/include/uapi
endif
ifeq ($(CONFIG_KV_IC1),y)
kernel-y += $(S2K)/kv_ic1.c
endif
ifeq ($(CONFIG_KV_IC2),y)
user-progs += kvsrv
kvsrv-src := $(S2)/user/kvsrv.c $(S2)/services/kv.c
kvsrv-path := bin/kvsrv
kvsrv-cflags := -DKV_CLASS=2
endif

ktest-y += $(S2)/tests/ktest/watchpoint_test.c $(S2)/tests/ktest/ic1_test.c
$(O)/obj/$(S2)/tests/ktest/%.c.o: EXTRA_CFLAGS := -DKTEST_SUITE='"stage2"'

# The stage's user-level tests, run by init after stage 1's.
user-test-progs += utest2
utest2-src := $(wildcard $(S2)/tests/user/*.c)
utest2-path := bin/utest2
utest2-suite := stage2

# Benchmarks (make bench STAGE=2): the IPC round trip to the kv service in
# whatever class the configuration put it.
user-progs += bench2
bench2-src := $(S2)/bench/bench2.c
bench2-path := bin/bench2
