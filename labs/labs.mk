# SPDX-License-Identifier: MIT
#
# labs/labs.mk - lab skeleton targets, included by the top Makefile
# (`-include labs/labs.mk`), which provides $(PYTHON), $(Q) and $(STAGE).
#
#   make lab STAGE=N            generate the lab-N skeleton into build/labN/
#                               (tools/labgen.py make: blocks of lab N and later
#                               labs become placeholders, earlier labs stay)
#   make lab STAGE=N FORCE=1    replace a skeleton generated earlier (work in it is lost)
#   make lab-check              the lab markers balance (tools/labgen.py check)
#   make lab-list [STAGE=N]     the blocks of lab N, as file:line: hint
#
# The skeleton's cache/ is a symlink to this tree's cache/, so building it
# downloads nothing.

LAB_DIR = build/lab$(STAGE)
LAB_HANDOUT = $(firstword $(wildcard labs/lab$(STAGE)-*.md))

.PHONY: lab lab-check lab-list
lab:
	$(Q)if [ -e $(LAB_DIR) ] && [ "$(FORCE)" != 1 ]; then \
	    echo "make lab: $(LAB_DIR) exists (your work may be in it); remove it, or run"; \
	    echo "          make lab STAGE=$(STAGE) FORCE=1   to replace it with a fresh skeleton"; \
	    exit 1; fi
	$(Q)$(PYTHON) tools/labgen.py make --lab $(STAGE) --out $(LAB_DIR) --link-cache \
	    $(if $(filter 1,$(FORCE)),--force)
	@echo "Lab $(STAGE) skeleton: $(LAB_DIR)/  (the blocks to write: $(LAB_DIR)/LAB.md)"
	@$(if $(LAB_HANDOUT),echo "Handout: $(LAB_HANDOUT)",true)
	@echo "Build, run and grade it:"
	@echo "    cd $(LAB_DIR) && make STAGE=$(STAGE)"
	@echo "    cd $(LAB_DIR) && make run STAGE=$(STAGE)"
	@echo "    cd $(LAB_DIR) && make grade STAGE=$(STAGE)"

lab-check:
	$(Q)$(PYTHON) tools/labgen.py check

lab-list:
	$(Q)$(PYTHON) tools/labgen.py list --lab $(STAGE)
