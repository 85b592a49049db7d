# SPDX-License-Identifier: MIT
#
# The one entry point: build any stage for any board, run, debug, test, bench.
# `make help` lists everything.  Builds are out of tree, under
#   build/<board>/stage<N>/        (build/<board>/stage<N>-test/ for test kernels)
# Variables (set on the command line, e.g. `make run SMP=2 MEM=1G`):
#   STAGE=1..8   highest stage built (stages 1..STAGE together; 8 = final)
#   BOARD=virt|rpi4
#   SMP=4        QEMU virt: number of CPUs      (raspi4b always has 4)
#   MEM=2G       QEMU virt: memory size         (raspi4b always has 2 GiB)
#   QEMU_MACHINE_OPTS=   extra -M options for virt, e.g. virtualization=on,gic-version=3
#   QEMU_CPU=cortex-a72  QEMU virt CPU model (max: pointer auth + BTI)
#   APPEND=      extra kernel bootargs
#   KCONFIG="CONFIG_X=y ..." VARIANT=name   extra configuration, built in
#                build/<board>/stage<N>-<name>/ (e.g. a service in another class)

STAGE ?= 1
BOARD ?= virt
SMP ?= 4
MEM ?= 2G
QEMU_CPU ?= cortex-a72
QEMU_MACHINE_OPTS ?=
APPEND ?=
TEST ?= 0
V ?= 0

PYTHON := /usr/bin/python3
CROSS_COMPILE ?= aarch64-linux-gnu-
CC := $(CROSS_COMPILE)gcc
OBJCOPY := $(CROSS_COMPILE)objcopy
OBJDUMP := $(CROSS_COMPILE)objdump
NM := $(CROSS_COMPILE)nm
HOSTCC ?= gcc

ifeq ($(V),1)
Q :=
else
Q := @
endif
# Progress lines ("  CC  file"), silent under make -s.
ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
SAY := @:
else
SAY := @echo
endif

ALL_STAGES := stage1-ipc stage2-isolation stage3-composition stage4-atac stage5-paging \
              stage6-shim stage7-ldc final
STAGE_DIRS := $(wordlist 1,$(STAGE),$(ALL_STAGES))
# Stages that have code (a stage.mk); `make test` covers all of them.
IMPL_STAGES := $(words $(wildcard $(addsuffix /stage.mk,$(ALL_STAGES))))

ifeq ($(filter $(BOARD),virt rpi4),)
$(error BOARD must be virt or rpi4, not '$(BOARD)')
endif
ifeq ($(filter $(STAGE),1 2 3 4 5 6 7 8),)
$(error STAGE must be 1..8, not '$(STAGE)')
endif
ifneq ($(STAGE),1)
ifeq ($(wildcard $(word $(STAGE),$(ALL_STAGES))/stage.mk),)
$(error stage $(STAGE) ($(word $(STAGE),$(ALL_STAGES))) has no code yet; see its README.md)
endif
endif

# VARIANT names a build with extra configuration (KCONFIG="CONFIG_X=y ...")
# in a folder of its own, e.g. the same stage with a service placed elsewhere.
VARIANT ?=
KCONFIG ?=
O := build/$(BOARD)/stage$(STAGE)$(if $(filter 1,$(TEST)),-test)$(if $(VARIANT),-$(VARIANT))
RPI4_DTB := cache/linux/bcm2711-rpi-4-b.dtb

kernel-y :=
kernel-inc :=
ktest-y :=
host-tests :=
user-lib :=
user-inc :=
user-progs :=
user-test-progs :=
initramfs-test-extra :=
# `make` alone builds the kernel, whatever rules the stage.mk files define.
.DEFAULT_GOAL := all
# The configuration first: stage.mk files choose sources by CONFIG_* values.
-include $(O)/.config
include $(foreach d,$(STAGE_DIRS),$(wildcard $(d)/stage.mk))

ifeq ($(TEST),1)
kernel-y += $(ktest-y)
KCONFIG_FORCE += CONFIG_KTEST=y
else
KCONFIG_FORCE += CONFIG_KTEST=n
endif
KCONFIG_FORCE += CONFIG_STAGE=$(STAGE) CONFIG_BOARD_$(shell echo $(BOARD) | tr a-z A-Z)=y $(KCONFIG)

# ---- kernel ----------------------------------------------------------------
GCC_INC = $(shell $(CC) -print-file-name=include 2>/dev/null)
LIBGCC = $(shell $(CC) -print-libgcc-file-name 2>/dev/null)
LIBFDT := /usr/lib/aarch64-linux-gnu/libfdt.a

KCFLAGS = -std=gnu11 -O2 -g -ffreestanding -nostdinc -isystem $(GCC_INC) \
           -I$(O)/include -I$(O)/fdt-include $(addprefix -I,$(kernel-inc)) \
           -Istage1-ipc/kernel/include/libc \
           -mgeneral-regs-only -mno-outline-atomics -mcmodel=small -fno-pic -fno-pie -fno-common \
           -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-stack-protector \
           -mbranch-protection=none -fno-strict-aliasing \
           -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP
KASFLAGS = -D__ASSEMBLER__ $(filter-out -std=gnu11,$(KCFLAGS))
KLDFLAGS := -nostdlib -static -no-pie -Wl,--no-dynamic-linker -Wl,-z,max-page-size=4096 \
            -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

KOBJS := $(patsubst %,$(O)/obj/%.o,$(kernel-y)) $(O)/initramfs.o

ifeq ($(BOARD),rpi4)
KIMAGE := $(O)/kernel8.img
else
KIMAGE := $(O)/Image
endif

.PHONY: all kernel
all kernel: $(KIMAGE)

$(O)/.config: $(wildcard stage*/Kconfig final/Kconfig) stage1-ipc/configs/$(BOARD)_defconfig tools/kconfig.py FORCE | deps
	$(Q)$(PYTHON) tools/kconfig.py config $@ stage1-ipc/configs/$(BOARD)_defconfig $(KCONFIG_FORCE)

$(O)/include/generated/autoconf.h: $(O)/.config
	$(Q)$(PYTHON) tools/kconfig.py header $< $@

# libfdt's headers from Debian (/usr/include), without the rest of the host's headers.
$(O)/fdt-include/libfdt.h:
	$(Q)mkdir -p $(dir $@)
	$(Q)for h in libfdt.h fdt.h libfdt_env.h; do ln -sf /usr/include/$$h $(dir $@)$$h; done

# Objects are rebuilt when the compiler flags change, not only the sources.
$(O)/.kflags: FORCE | $(O)/include/generated/autoconf.h
	@echo '$(KCFLAGS)' | cmp -s - $@ || echo '$(KCFLAGS)' > $@

$(O)/obj/%.c.o: %.c $(O)/include/generated/autoconf.h $(O)/fdt-include/libfdt.h $(O)/.kflags
	@mkdir -p $(dir $@)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

$(O)/obj/%.S.o: %.S $(O)/include/generated/autoconf.h $(O)/.kflags
	@mkdir -p $(dir $@)
	$(SAY) "  AS      $<"
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# Two links: the second adds the function-name table (tools/kallsyms.py).
$(O)/kernel.elf: $(KOBJS) $(kernel-lds) tools/kallsyms.py
	$(SAY) "  LD      $@"
	$(Q)printf '\t.section .ksyms, "a"\n\t.balign 8\n\t.globl ksyms\nksyms:\n\t.quad 0, 0\n' > $(O)/ksyms0.S
	$(Q)$(CC) $(KASFLAGS) -c $(O)/ksyms0.S -o $(O)/ksyms0.o
	$(Q)$(CC) $(KLDFLAGS) -T $(kernel-lds) -o $(O)/kernel.pass1.elf $(KOBJS) $(O)/ksyms0.o $(LIBFDT) $(LIBGCC)
	$(Q)$(NM) -n --defined-only $(O)/kernel.pass1.elf > $(O)/kernel.pass1.nm
	$(Q)$(PYTHON) tools/kallsyms.py $(O)/kernel.pass1.nm > $(O)/ksyms.S
	$(Q)$(CC) $(KASFLAGS) -c $(O)/ksyms.S -o $(O)/ksyms.o
	$(Q)$(CC) $(KLDFLAGS) -T $(kernel-lds) -Wl,-Map,$(O)/kernel.map -o $@ $(KOBJS) $(O)/ksyms.o $(LIBFDT) $(LIBGCC)
	$(Q)$(NM) -n --defined-only $@ > $(O)/System.map
	$(Q)$(PYTHON) tools/kallsyms.py --check $(O)/kernel.pass1.nm $(O)/System.map
	$(Q)$(OBJDUMP) -d -S $@ > $(O)/kernel.lst

$(O)/Image: $(O)/kernel.elf
	$(SAY) "  IMAGE   $@"
	$(Q)$(OBJCOPY) -O binary $< $@

# Raspberry Pi 4: kernel8.img, config.txt and an SD-card boot folder.
$(O)/kernel8.img: $(O)/Image stage1-ipc/boot/rpi4-config.txt | $(RPI4_DTB)
	$(Q)cp $< $@
	$(Q)cp stage1-ipc/boot/rpi4-config.txt $(O)/config.txt
	$(Q)mkdir -p $(O)/sdcard
	$(Q)cp $@ $(O)/config.txt $(RPI4_DTB) stage1-ipc/boot/rpi4-sdcard-README.txt $(O)/sdcard/
	$(SAY) "  RPI4    $@ $(O)/config.txt $(O)/sdcard/"

-include $(KOBJS:.o=.d)

# ---- user programs and the initramfs ----------------------------------------
# Static AArch64 programs built with musl's cross wrapper, without musl's
# start-up (our crt0) and without any musl function that makes a system call.
UCC := aarch64-linux-musl-gcc
UCFLAGS := -std=gnu11 -O2 -g -static -nostartfiles -fno-stack-protector -fno-pie -no-pie \
           -Wall -Wextra -Werror $(addprefix -I,$(user-inc))
ALL_UPROGS := $(user-progs) $(if $(filter 1,$(TEST)),$(user-test-progs))

define user_prog_rule
$(O)/user/$(1): $($(1)-src) $(user-lib) $(wildcard $(addsuffix /*.h,$(user-inc)) $(addsuffix /*/*.h,$(user-inc))) | deps
	@mkdir -p $$(dir $$@)
	$(SAY) "  UCC     $$@"
	$(Q)$(UCC) $(UCFLAGS) $($(1)-cflags) -DUTEST_SUITE='"$(or $($(1)-suite),stage$(STAGE))"' \
	    -o $$@ $($(1)-src) $(user-lib)
	$(Q)if $(OBJDUMP) -d $$@ | grep -q 'svc[[:space:]]*#0x0$$$$'; then \
	    echo "$$@: contains a Linux system call (svc #0): a musl function that is not system-call free"; \
	    rm -f $$@; exit 1; fi
endef
$(foreach p,$(user-progs) $(user-test-progs),$(eval $(call user_prog_rule,$(p))))

# The initramfs: a cpio (newc) archive, linked into the kernel image.
$(O)/initramfs.cpio: $(addprefix $(O)/user/,$(ALL_UPROGS)) Makefile $(wildcard */stage.mk)
	$(SAY) "  CPIO    $@"
	$(Q)rm -rf $(O)/initramfs && mkdir -p $(O)/initramfs/bin
	$(Q)$(foreach p,$(ALL_UPROGS),cp $(O)/user/$(p) $(O)/initramfs/$($(p)-path) &&) true
ifeq ($(TEST),1)
	$(Q)head -c 1000 $(O)/user/fault1 > $(O)/initramfs/bin/truncated
endif
	$(Q)cd $(O)/initramfs && find . -mindepth 1 | LC_ALL=C sort | \
	    cpio --quiet -o -H newc --reproducible > ../initramfs.cpio

$(O)/initramfs.o: $(O)/initramfs.cpio
	$(Q)printf '\t.section .initramfs, "a"\n\t.incbin "%s"\n' $(abspath $<) > $(O)/initramfs.S
	$(Q)$(CC) -c $(O)/initramfs.S -o $@

# ---- device trees for host tests -------------------------------------------
build/dtb/virt.dtb: | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)qemu-system-aarch64 -M virt,gic-version=2,dumpdtb=$@ -cpu cortex-a72 -smp 4 -m 512 -display none >/dev/null
build/dtb/virt-gicv3.dtb: | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)qemu-system-aarch64 -M virt,gic-version=3,dumpdtb=$@ -cpu cortex-a72 -smp 2 -m 1024 -display none >/dev/null
$(RPI4_DTB): | deps

# ---- host unit tests (AddressSanitizer + UBSan) ----------------------------
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
               -fno-sanitize-recover=all -fno-omit-frame-pointer \
               $(addprefix -I,$(kernel-inc)) -Itools/unit
HOST_LIBS := -l:libfdt.so.1
HOST_BIN := build/host/stage$(STAGE)

define host_test_rule
$(HOST_BIN)/$(1): $($(1)-src) tools/unit/unit.h $(wildcard stage1-ipc/kernel/include/*.h) | deps
	@mkdir -p $$(dir $$@)
	$(SAY) "  HOSTCC  $$@"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $($(1)-cflags) -Ibuild/host/include -o $$@ $($(1)-src) $(HOST_LIBS)
endef
$(foreach t,$(host-tests),$(eval $(call host_test_rule,$(t))))

# A static AArch64 program for the ELF parser's host test.
build/host/hello-static.elf: | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)printf 'int main(void){return 0;}\n' > build/host/hello-static.c
	$(Q)$(UCC) -static -O2 -o $@ build/host/hello-static.c

build/host/include/generated/autoconf.h: $(O)/include/generated/autoconf.h
	$(Q)mkdir -p $(dir $@) && cp $< $@

.PHONY: host-tests
host-tests: $(addprefix $(HOST_BIN)/,$(host-tests)) $(foreach t,$(host-tests),$($(t)-deps))
	$(Q)rc=0; $(foreach t,$(host-tests),$(HOST_BIN)/$(t) $($(t)-args) || rc=1;) exit $$rc

# ---- run and debug ---------------------------------------------------------
QEMU_ARGS = --board $(BOARD) --kernel $(KIMAGE) \
            $(if $(filter virt,$(BOARD)),--smp $(SMP) --mem $(MEM) --cpu $(QEMU_CPU)) \
            $(if $(QEMU_MACHINE_OPTS),--machine-opts $(QEMU_MACHINE_OPTS)) \
            $(if $(APPEND),--append "$(APPEND)")

.PHONY: run qemu-gdb gdb
run: $(KIMAGE)
	$(Q)$(PYTHON) tools/qemu.py $(QEMU_ARGS)

# A free TCP port per user (uid-based, moved on if taken), written into the
# generated .gdbinit that `make gdb` reads.
qemu-gdb: $(KIMAGE)
	$(Q)port=$$($(PYTHON) tools/gdbinit.py $(O)) && \
	$(PYTHON) tools/qemu.py $(QEMU_ARGS) --gdb $$port

gdb: | deps
	$(Q)test -f $(O)/.gdbinit || { echo "make gdb: run 'make qemu-gdb' (same STAGE/BOARD) in another terminal first"; exit 1; }
	$(Q)gdb-multiarch -q -x $(O)/.gdbinit

# ---- tests, grading, benchmarks --------------------------------------------
.PHONY: test grade bench
test: | deps
	$(Q)$(PYTHON) tools/run_tests.py --stage $(IMPL_STAGES) $(wordlist 1,$(IMPL_STAGES),$(ALL_STAGES)) tools/tests

# VARIANT/KCONFIG grade another configuration (stage 3's compositions).
grade: | deps
	$(Q)HM_VARIANT="$(VARIANT)" HM_KCONFIG="$(KCONFIG)" \
	    $(PYTHON) tools/run_tests.py --stage $(STAGE) --grade $(word $(STAGE),$(ALL_STAGES))

# A stage may list configurations its benchmarks must also run in
# (bench-variants: name:CONFIG_X=y[,CONFIG_Y=y] ...); each is built and run
# after the default one, as VARIANT=name KCONFIG="CONFIG_X=y CONFIG_Y=y".
comma := ,
bench: $(KIMAGE)
	$(Q)$(PYTHON) tools/bench.py --board $(BOARD) --stage $(STAGE) --kernel $(KIMAGE) --config $(O)/.config \
	    --budgets $(wildcard $(addsuffix /bench/budgets.txt,$(STAGE_DIRS)))
	$(Q)$(foreach v,$(if $(VARIANT),,$(bench-variants)),\
	    $(MAKE) --no-print-directory bench STAGE=$(STAGE) BOARD=$(BOARD) \
	        VARIANT=$(word 1,$(subst :, ,$(v))) \
	        KCONFIG="$(subst $(comma), ,$(word 2,$(subst :, ,$(v))))" &&) true

# ---- the LMbench-style suite and the Linux baseline (tools/lmbench/) ------
-include tools/lmbench/lmbench.mk

# ---- labs: the skeleton generator (labs/labs.mk) ---------------------------
-include labs/labs.mk

# ---- configuration, docs, style --------------------------------------------
# lint: comparePointers is suppressed because a kernel measures itself with
# linker symbols (_head, __bss_end, ...), which cppcheck sees as unrelated objects.
.PHONY: menuconfig docs format lint
menuconfig: $(O)/.config
	$(Q)$(PYTHON) tools/kconfig.py menuconfig $(O)/.config

C_SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null)

docs: | deps
	$(Q)mkdir -p build/docs
	$(Q)( cat docs/Doxyfile; echo "INPUT = $$(ls -d stage*/kernel final/kernel 2>/dev/null) tools/unit" ) | doxygen -
	@echo "API docs: build/docs/html/index.html"

format:
	$(Q)clang-format -i $(C_SOURCES)

lint: $(O)/include/generated/autoconf.h
	$(Q)clang-format --dry-run -Werror $(C_SOURCES)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	    -U__ASSEMBLER__ --library=tools/unit/unit.cfg \
	    --suppress=comparePointers --suppress=missingIncludeSystem -I$(O)/include $(addprefix -I,$(kernel-inc)) \
	    -Istage1-ipc/kernel/include/libc $(filter %.c,$(C_SOURCES))

# ---- housekeeping ------------------------------------------------------------
.PHONY: deps clean help FORCE
FORCE:
deps:
	$(Q)sh tools/deps.sh

clean:
	rm -rf build

help:
	@echo "make [STAGE=1..8] [BOARD=virt|rpi4]  build the kernel into build/<board>/stage<N>/"
	@echo "                                     (Image, kernel.elf with symbols, kernel.lst, System.map;"
	@echo "                                      rpi4: kernel8.img, config.txt, sdcard/)"
	@echo "make run        boot it in QEMU (leave with Ctrl-A X); SMP=$(SMP) MEM=$(MEM) for virt"
	@echo "make qemu-gdb   boot it stopped, waiting for gdb;  make gdb   attach gdb-multiarch"
	@echo "make test       everything that must stay green; ends with 'N passed, N failed'"
	@echo "make grade STAGE=N   one stage's grading tests with points"
	@echo "make bench [STAGE=N] benchmarks under -icount (counts are instructions, not time)"
	@echo "make lab STAGE=N     write the lab N student tree (build/labN); make lab-check, lab-list"
	@echo "make compare-linux   LMbench-style suite on Linux and on this kernel (docs/results/)"
	@echo "make deps       install what is missing (runs by itself when needed)"
	@echo "make menuconfig edit build/<board>/stage<N>/.config"
	@echo "make docs       API docs (doxygen) into build/docs/html"
	@echo "make format | lint   clang-format; clang-format check + cppcheck"
	@echo "make clean      remove build/"
