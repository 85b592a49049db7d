# SPDX-License-Identifier: MIT
#
# tools/lmbench/lmbench.mk - the LMbench-style suite and the Linux baseline.
# Included by the top Makefile; uses its $(PYTHON), $(Q), $(SAY) and `deps`.
#
#   make lmbench         build build/lmbench/lmbench (static musl, arm64)
#   make lmbench-smoke   run it once with tiny counts under qemu-aarch64
#                        (user mode): every benchmark must report, no FAIL
#   make compare-linux   run the suite on Debian's Linux in QEMU (twice; the
#                        figures must be identical), run `make bench STAGE=1`
#                        for this kernel's native figures, and write
#                        docs/results/lmbench-linux-vs-hmk.{md,png}
#
# See tools/lmbench/README.md.

LMBENCH_OUT := build/lmbench
LMBENCH_BIN := $(LMBENCH_OUT)/lmbench
LMBENCH_CC := aarch64-linux-musl-gcc
LMBENCH_CFLAGS := -std=gnu11 -O2 -static -pthread -Wall -Wextra -Werror
LMBENCH_SRCS := $(sort $(wildcard tools/lmbench/src/*.c))
# Native figures come from this stage's `make bench`.
LMBENCH_HMK_STAGE ?= 1
LMBENCH_RESULTS := docs/results/lmbench-linux-vs-hmk

.PHONY: lmbench lmbench-smoke compare-linux

lmbench: $(LMBENCH_BIN)

$(LMBENCH_BIN): $(LMBENCH_SRCS) $(wildcard tools/lmbench/src/*.h) tools/lmbench/lmbench.mk | deps
	@mkdir -p $(dir $@)
	$(SAY) "  UCC     $@"
	$(Q)$(LMBENCH_CC) $(LMBENCH_CFLAGS) -o $@ $(LMBENCH_SRCS)

# User mode cannot exec an arm64 program by itself (no binfmt_misc here), so
# lat_proc exec goes through qemu-aarch64; the shell is the host's /bin/sh.
lmbench-smoke: $(LMBENCH_BIN)
	$(Q)rm -rf $(LMBENCH_OUT)/smoke && mkdir -p $(LMBENCH_OUT)/smoke
	$(Q)qemu-aarch64 $(LMBENCH_BIN) --smoke --dir $(abspath $(LMBENCH_OUT))/smoke \
	    --self $(abspath $(LMBENCH_BIN)) --exec-via $$(command -v qemu-aarch64) all

compare-linux: $(LMBENCH_BIN) | deps
	$(Q)$(PYTHON) tools/lmbench/linux_baseline.py --suite $(LMBENCH_BIN) --out $(LMBENCH_OUT)
	$(SAY) "  BENCH   make bench STAGE=$(LMBENCH_HMK_STAGE) > $(LMBENCH_OUT)/hmk-bench.txt"
	$(Q)$(MAKE) --no-print-directory bench STAGE=$(LMBENCH_HMK_STAGE) BOARD=virt \
	    > $(LMBENCH_OUT)/hmk-bench.txt 2>&1 || \
	    echo "compare-linux: warning: make bench STAGE=$(LMBENCH_HMK_STAGE) failed" \
	         "(see $(LMBENCH_OUT)/hmk-bench.txt); its figures may be missing"
	$(Q)grep '^\[BENCH\]' $(LMBENCH_OUT)/hmk-bench.txt || true
	$(Q)$(PYTHON) tools/lmbench/compare.py --linux $(LMBENCH_OUT)/linux.json \
	    --hmk $(LMBENCH_OUT)/hmk-bench.txt --hmk-stage $(LMBENCH_HMK_STAGE) --md $(LMBENCH_RESULTS).md --png $(LMBENCH_RESULTS).png
