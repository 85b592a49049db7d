# SPDX-License-Identifier: MIT
#
# stage.mk - what stage 2 (differentiated isolation classes) adds to a build.
# IC0 services (handlers linked into the kernel), IC1 domains (service
# objects built with IC1 flags, scanned, linked at their slot and embedded),
# the kv test service placed in any class by configuration, the relay
# service for calls between classes, and the class matrix.  See README.md.

S2 := stage2-isolation
S2K := $(S2)/kernel

kernel-inc += $(S2K)/include $(S2K)/arch/aarch64/include
kernel-y += $(S2K)/arch/aarch64/debug.c
kernel-y += $(S2K)/ic0.c
kernel-y += $(S2K)/ic1cap.c
kernel-y += $(S2K)/placement.c
kernel-y += $(S2K)/kv_ic0.c
kernel-y += $(S2K)/arch/aarch64/cfi.c

# IC1 objects: every service source that may run in an IC1 domain is built
# with the flags of one (EL1 code with no FP/SIMD registers, no libc, no
# kernel headers but the uapi ones) and scanned by tools/ic1scan.py: no
# privileged instruction, no symbol from outside the object but those of
# the domain's service runtime (services/svc_ic1.c, its way to the gate).
# A finding stops the build.
IC1_RUNTIME := $(O)/ic1/$(S2)/services/svc_ic1.c.o
ic1-y += $(S2)/services/svc_ic1.c
ic1-y += $(S2)/services/kv.c
$(O)/ic1/$(S2)/services/kv.c.o: IC1_CFLAGS_EXTRA := -DKV_CLASS=1
ic1-y += $(S2)/services/relay.c
$(O)/ic1/$(S2)/services/relay.c.o: IC1_CFLAGS_EXTRA := -DRELAY_CLASS=1
ifeq ($(TEST),1) # a misbehaving domain for tests/ktest/ic1_test.c
ic1-y += $(S2)/tests/ktest/ic1_probe.c
probe-ic1-objs := $(O)/ic1/$(S2)/tests/ktest/ic1_probe.c.o $(IC1_RUNTIME)
probe-ic1-entry := probe_handle
probe-ic1-base := 0xffffffff08000000
probe-ic1-buf := 8192
endif

# -mbranch-protection: return addresses signed (paciasp/autiasp) and
# indirect-branch targets marked (bti c), all hint-space instructions: the
# kernel turns them on where the CPU has them (kernel/arch/aarch64/cfi.c).
IC1_CFLAGS = -std=gnu11 -O2 -g -ffreestanding -nostdinc -isystem $(GCC_INC) \
             -mbranch-protection=pac-ret+bti \
             -Istage1-ipc/kernel/include/uapi -mgeneral-regs-only -mno-outline-atomics \
             -fno-pic -fno-pie -fno-common -fno-stack-protector -fno-builtin -DSVC_IC1 \
             -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP
IC1_OBJS = $(patsubst %,$(O)/ic1/%.o,$(ic1-y))

# Rebuilt when the IC1 flags change too, not only the sources.
$(O)/ic1/.flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(IC1_CFLAGS)' | cmp -s - $@ || echo '$(IC1_CFLAGS)' > $@

$(O)/ic1/%.c.o: %.c $(O)/.kflags $(O)/ic1/.flags
	@mkdir -p $(dir $@)
	$(SAY) "  CC [IC1] $<"
	$(Q)$(CC) $(IC1_CFLAGS) $(IC1_CFLAGS_EXTRA) -c $< -o $@

# ic1-groups: objects of a later stage's domain made of several sources,
# each combined first (ld -r), so that the scan sees one self-contained
# object per domain.
$(O)/ic1/scan.ok: $(IC1_OBJS) $(ic1-groups) $(IC1_RUNTIME) tools/ic1scan.py
	$(SAY) "  IC1SCAN $(IC1_OBJS) $(ic1-groups)"
	$(Q)$(PYTHON) tools/ic1scan.py --no-undefined --runtime $(IC1_RUNTIME) --quiet $(IC1_OBJS) \
	    $(ic1-groups)
ifeq ($(BOARD),rpi4)
	@echo "  NOTE    the Pi 4's Cortex-A72 has no pointer authentication or BTI: IC1 relies on watchpoints and the scanner alone"
endif
	$(Q)touch $@

$(O)/kernel.elf: | $(O)/ic1/scan.ok

# The IC1 domain images: each service linked at its domain's address
# (kernel/ic1.ld), made a flat image and embedded in the kernel with a
# descriptor (struct ic1_image, ic1.h) that kernel/ic1.c loads from.  The
# slots are 64 MiB each in the IC1 window (ic1.h): kv, relay, probe, then
# later stages' domains.  <name>-ic1-buf: a message buffer per CPU (bytes,
# whole pages) for a domain that takes long messages.
kv-ic1-objs := $(O)/ic1/$(S2)/services/kv.c.o
kv-ic1-entry := kv_handle
kv-ic1-base := 0xffffffff00000000
relay-ic1-objs := $(O)/ic1/$(S2)/services/relay.c.o $(IC1_RUNTIME)
relay-ic1-entry := relay_handle
relay-ic1-base := 0xffffffff04000000

# $(call ic1-image,NAME): the rules that link image NAME (its objects
# NAME-ic1-objs, entry NAME-ic1-entry, slot NAME-ic1-base, buffer window
# NAME-ic1-buf, more entries NAME-ic1-entries: each E's address becomes
# ic1_entry_NAME_E) and embed it; later stages use it for their domains.
define ic1-image
$(O)/ic1/$(1).elf: $(S2K)/ic1.ld $(S2)/stage.mk $(O)/ic1/scan.ok $$($(1)-ic1-objs)
	$$(SAY) "  LD [IC1] $$@"
	$$(Q)$$(CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-e,$$($(1)-ic1-entry) \
	    -Wl,--defsym=IC1_BASE=$$($(1)-ic1-base) \
	    -Wl,-z,max-page-size=4096 -T $(S2K)/ic1.ld -o $$@ $$($(1)-ic1-objs)
	$$(Q)$$(PYTHON) tools/ic1scan.py --quiet $$@

$(O)/ic1/$(1).S: $(O)/ic1/$(1).elf $(S2)/stage.mk
	$$(Q)$$(OBJCOPY) -O binary $$< $(O)/ic1/$(1).bin
	$$(Q)sym() { $$(NM) $$< | awk -v s=$$$$1 '$$$$3 == s { v = "0x" $$$$1 } END { print v ? v : 0 }'; }; \
	printf '%s\n' '/* generated from $$< */' '.section .rodata.ic1, "a"' '.balign 4096' \
	    '$(1)_ic1_bin: .incbin "$(O)/ic1/$(1).bin"' '$(1)_ic1_bin_end:' \
	    '$(1)_ic1_name: .asciz "$(1)"' '.balign 8' '.globl ic1_image_$(1)' 'ic1_image_$(1):' \
	    '.quad $(1)_ic1_name, $(1)_ic1_bin, $(1)_ic1_bin_end - $(1)_ic1_bin' \
	    ".quad $$$$(sym __ic1_base), $$$$(sym __ic1_data), $$$$(sym __ic1_end), $$$$(sym $$($(1)-ic1-entry))" \
	    ".quad $$$$(sym ic1_gates), $$(or $$($(1)-ic1-buf),0)" > $$@ \
	$$(foreach e,$$($(1)-ic1-entries),&& printf '%s\n' '.globl ic1_entry_$(1)_$$(e)' \
	    'ic1_entry_$(1)_$$(e):' ".quad $$$$(sym $$(e))" >> $$@)

kernel-y += $(O)/ic1/$(1).S
endef

$(foreach i,kv relay $(if $(filter 1,$(TEST)),probe),$(eval $(call ic1-image,$(i))))
kernel-y += $(S2K)/ic1.c $(S2K)/arch/aarch64/ic1_gate.S
-include $(IC1_OBJS:.o=.d)

# The kv service: one source (services/kv.c), placed by configuration
# (kernel/kv_ic0.c, kernel/placement.c); with the class matrix in every
# class, and relay (services/relay.c) in IC0 and IC1.
ifneq ($(CONFIG_KV_IC0)$(CONFIG_CLASS_MATRIX),)
kernel-y += $(S2)/services/kv.c
$(O)/obj/$(S2)/services/kv.c.o: EXTRA_CFLAGS := -DKV_CLASS=0 -Istage1-ipc/kernel/include/uapi
endif
ifeq ($(CONFIG_CLASS_MATRIX),y)
kernel-y += $(S2)/services/relay.c
$(O)/obj/$(S2)/services/relay.c.o: EXTRA_CFLAGS := -DRELAY_CLASS=0 -Istage1-ipc/kernel/include/uapi
endif
ifneq ($(CONFIG_KV_IC2)$(CONFIG_CLASS_MATRIX),)
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
