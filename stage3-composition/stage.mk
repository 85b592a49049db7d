# SPDX-License-Identifier: MIT
#
# stage.mk - what stage 3 (system services and their composition) adds to a
# build.  So far: the file system service (tmpfs with a page cache, in IC2),
# the native file API in the user library, and their tests.  See README.md.

S3 := stage3-composition

kernel-y += $(S3)/kernel/placement.c $(S3)/kernel/pager.c $(S3)/kernel/initrd.c
kernel-inc += $(S3)/kernel/include

# The native file and memory APIs, linked into every user program.
user-lib += $(S3)/user/lib/fs.c $(S3)/user/lib/mm.c $(S3)/user/lib/ns.c
user-inc += $(S3)/user/lib $(S3)/services $(S3)/kernel/include/uapi

# The file system service, services/fs.c over services/tmpfs.c, placed by
# configuration: linked into the kernel (IC0), a domain (IC1) or its own
# process (IC2).
# Services linked into the kernel: their sources built as kernel code,
# their pools from the kernel's memory objects (kernel/pool_kernel.c).
$(O)/obj/$(S3)/services/%.c.o: EXTRA_CFLAGS := -DFS_CLASS=0 -DMM_CLASS=0 \
    -Istage1-ipc/kernel/include/uapi -I$(S3)/kernel/include/uapi
$(O)/obj/$(S3)/kernel/%.c.o: EXTRA_CFLAGS := -Istage1-ipc/kernel/include/uapi
ifneq ($(CONFIG_FS_IC0)$(CONFIG_MM_IC0),)
kernel-y += $(S3)/kernel/pool_kernel.c $(S3)/services/pool.c
endif
ifeq ($(CONFIG_MM_IC0),y) # separated, in the kernel beside an IC0 or IC1 file system
kernel-y += $(S3)/kernel/mm_ic0.c $(S3)/services/mm.c
# (mm.c's coalesced paths name tmpfs, as in /bin/mmsrv)
kernel-y += $(if $(filter y,$(CONFIG_FS_IC0)),,$(S3)/services/tmpfs.c)
endif

# $(call s3-ic1-group,NAME,WHAT): a domain of its own made of the sources
# NAME-ic1-src, built with IC1 flags into their own directory (another
# domain may have some of them with other flags; set IC1_CFLAGS_EXTRA on
# $(NAME-ic1-parts) after this), combined (ld -r) so that the scanner sees
# one self-contained object: NAME-ic1-objs, for ic1-image.
define s3-ic1-group
$(1)-ic1-parts := $$(patsubst %,$(O)/ic1/$(1)/%.o,$$($(1)-ic1-src))
$(O)/ic1/$(1)/%.c.o: %.c $(O)/.kflags $(O)/ic1/.flags
	@mkdir -p $$(dir $$@)
	$$(SAY) "  CC [IC1] $$< ($(2))"
	$$(Q)$$(CC) $$(IC1_CFLAGS) $$(IC1_CFLAGS_EXTRA) -c $$< -o $$@
$(O)/ic1/$(1)-domain.o: $$($(1)-ic1-parts)
	$$(SAY) "  LD [IC1] $$@"
	$$(Q)$$(CC) -nostdlib -r -o $$@ $$^
ic1-groups += $(O)/ic1/$(1)-domain.o
$(O)/ic1/scan.ok: $(O)/ic1/$(1)-domain.o
$(1)-ic1-objs := $(O)/ic1/$(1)-domain.o $$(IC1_RUNTIME)
-include $$($(1)-ic1-parts:.o=.d)
endef

ifeq ($(CONFIG_FS_IC0),y)
kernel-y += $(S3)/kernel/fs_ic0.c $(S3)/services/fs.c $(S3)/services/tmpfs.c
ifeq ($(CONFIG_FS_MM_COALESCED),y)
kernel-y += $(S3)/services/mm.c # coalesced in the kernel: the memory manager in IC0 too
endif
else ifeq ($(CONFIG_FS_IC1),y)
# IC1: the same sources built with IC1 flags (stage 2) into one domain,
# combined first (ld -r) so that the scanner sees one self-contained
# object, linked at its 64 MiB slot with a 64 KiB buffer window per CPU
# (the native file API's largest transfer).
fs-ic1-src := $(S3)/services/fs_ic1.c $(S3)/services/fs.c $(S3)/services/tmpfs.c \
              $(S3)/services/pool.c $(S3)/services/ic1_host.c
ifeq ($(CONFIG_FS_MM_COALESCED),y) # the memory manager in the domain too, as "mm"
fs-ic1-src += $(S3)/services/mm.c
fs-ic1-entries := mm_ic1_handle
kernel-y += $(S3)/kernel/pager_ic1.c
endif
fs-ic1-parts := $(patsubst %,$(O)/ic1/%.o,$(fs-ic1-src))
$(fs-ic1-parts): IC1_CFLAGS_EXTRA := -DFS_CLASS=1 -DMM_CLASS=1 -I$(S3)/kernel/include/uapi \
    $(if $(filter 1,$(TEST)),-DFS_TEST_OPS) \
    $(if $(filter y,$(CONFIG_FS_MM_COALESCED)),-DFS_MM_COALESCED \
        $(if $(filter 1,$(TEST)),-DMM_TEST_OPS))
$(O)/ic1/fs-domain.o: $(fs-ic1-parts)
	$(SAY) "  LD [IC1] $@"
	$(Q)$(CC) -nostdlib -r -o $@ $^
ic1-groups += $(O)/ic1/fs-domain.o
$(O)/ic1/scan.ok: $(O)/ic1/fs-domain.o
fs-ic1-objs := $(O)/ic1/fs-domain.o $(IC1_RUNTIME)
fs-ic1-entry := fs_ic1_handle
fs-ic1-base := 0xffffffff0c000000
fs-ic1-buf := 65536
$(eval $(call ic1-image,fs))
-include $(fs-ic1-parts:.o=.d)
else
user-progs += fssrv
fssrv-src := $(S3)/user/fssrv.c $(S3)/services/fs.c $(S3)/services/tmpfs.c $(S3)/services/pool.c \
             $(S3)/services/pool_user.c
fssrv-path := bin/fssrv
fssrv-cflags := -DFS_CLASS=2 -DMM_CLASS=2 $(if $(filter 1,$(TEST)),-DFS_TEST_OPS)
endif

# The memory manager: its own process beside the file system (separated),
# or linked into the file system's (coalesced).  Same source, services/mm.c.
ifeq ($(CONFIG_MM_IC1),y)
# Separated, in a domain of its own (IC1) beside a file system in IC0 or
# IC1: the same sources built with IC1 flags into their own directory
# (the file system's domain has some of them with other flags), combined
# (ld -r) and linked at the slot after the file system's.  No buffer
# window: its callers send it words only.
mm-ic1-src := $(S3)/services/mm_ic1.c $(S3)/services/mm.c $(S3)/services/pool.c \
              $(S3)/services/ic1_host.c $(S3)/services/tmpfs.c
$(eval $(call s3-ic1-group,mm,the memory manager's domain))
$(mm-ic1-parts): IC1_CFLAGS_EXTRA := -DMM_CLASS=1 -I$(S3)/kernel/include/uapi \
    $(if $(filter 1,$(TEST)),-DMM_TEST_OPS)
kernel-y += $(S3)/kernel/pager_ic1.c # its kernel calls ("pagerk")
mm-ic1-entry := mm_ic1_handle
mm-ic1-base := 0xffffffff10000000
$(eval $(call ic1-image,mm))
else ifeq ($(CONFIG_FS_MM_COALESCED),y)
ifeq ($(CONFIG_FS_IC2),y) # (in IC0 and IC1, above)
fssrv-src += $(S3)/services/mm.c $(S3)/services/mm_user.c
fssrv-cflags += -DFS_MM_COALESCED $(if $(filter 1,$(TEST)),-DMM_TEST_OPS)
endif
else ifneq ($(CONFIG_MM_IC0),y)
user-progs += mmsrv
mmsrv-src := $(S3)/user/mmsrv.c $(S3)/services/mm.c $(S3)/services/mm_user.c \
             $(S3)/services/pool.c $(S3)/services/pool_user.c $(S3)/services/tmpfs.c
mmsrv-path := bin/mmsrv
mmsrv-cflags := -DMM_CLASS=2 $(if $(filter 1,$(TEST)),-DMM_TEST_OPS)
endif

# The process manager: spawn, wait, kill, and it keeps the system services
# it starts (the file system in IC2) running.  In IC2 (/bin/pmsrv), in
# the kernel (CONFIG_PM_IC0) or in a domain (CONFIG_PM_IC1).
ifeq ($(CONFIG_PM_IC0),y)
kernel-y += $(S3)/kernel/pm_ic0.c $(S3)/kernel/pm_spawn.c
else ifeq ($(CONFIG_PM_IC1),y)
# In a domain of its own (CONFIG_PM_IC1) at the slot after the name
# server's, with a page of buffer window per CPU (a request), and a second
# entry for its keepers (kernel threads lent to it: kernel/pm_ic1.c).
kernel-y += $(S3)/kernel/pm_ic1.c $(S3)/kernel/pm_spawn.c
pm-ic1-src := $(S3)/services/pm_ic1.c
$(eval $(call s3-ic1-group,pm,the process manager's domain))
$(pm-ic1-parts): IC1_CFLAGS_EXTRA := -I$(S3)/kernel/include/uapi
pm-ic1-entry := pm_ic1_handle
pm-ic1-entries := pm_ic1_keep
pm-ic1-base := 0xffffffff18000000
pm-ic1-buf := 4096
$(eval $(call ic1-image,pm))
else
user-progs += pmsrv
pmsrv-src := $(S3)/user/pmsrv.c
pmsrv-path := bin/pmsrv
endif

# The name service: the kernel's table (stage 1), or a name server
# (services/ns.c), started by the kernel before any other, in a domain
# that holds capabilities (CONFIG_NS_IC1) or its own process
# (CONFIG_NS_IC2).
ifeq ($(CONFIG_NS_IC1),y)
# Built with IC1 flags in their own directory, combined (ld -r), linked at
# the slot after the memory manager's with a page of buffer window per
# CPU (a name).
ns-ic1-src := $(S3)/services/ns_ic1.c $(S3)/services/ns.c
$(eval $(call s3-ic1-group,ns,the name server's domain))
$(ns-ic1-parts): IC1_CFLAGS_EXTRA := -I$(S3)/kernel/include/uapi
ns-ic1-entry := ns_ic1_handle
ns-ic1-base := 0xffffffff14000000
ns-ic1-buf := 4096
$(eval $(call ic1-image,ns))
endif
ifeq ($(CONFIG_NS_IC2),y)
user-progs += nssrv
nssrv-src := $(S3)/user/nssrv.c $(S3)/services/ns.c
nssrv-path := bin/nssrv
endif

# The stage's user-level tests, run by init after the earlier stages'.
user-test-progs += utest3
utest3-src := $(wildcard $(S3)/tests/user/*.c)
utest3-path := bin/utest3
utest3-suite := stage3
user-test-progs += mmchild3
mmchild3-src := $(S3)/tests/user/progs/mmchild3.c
mmchild3-path := bin/mmchild3

# Benchmarks (make bench STAGE=3): file page faults, tmpfs writes and the
# services' footprint, in this build's composition; the Makefile's bench
# target also builds and runs the other one (bench-variants).
user-progs += bench3
bench3-src := $(S3)/bench/bench3.c
bench3-path := bin/bench3
bench-variants += coalesced:CONFIG_FS_MM_COALESCED=y
bench-variants += ic0-coalesced:CONFIG_FS_IC0=y,CONFIG_FS_MM_COALESCED=y
bench-variants += fs-ic1:CONFIG_FS_IC1=y,CONFIG_CLASS_MATRIX=n
bench-variants += ic1-coalesced:CONFIG_FS_IC1=y,CONFIG_FS_MM_COALESCED=y,CONFIG_CLASS_MATRIX=n
bench-variants += mm-ic0:CONFIG_FS_IC1=y,CONFIG_MM_IC0=y,CONFIG_CLASS_MATRIX=n
bench-variants += mm-ic1:CONFIG_FS_IC1=y,CONFIG_MM_IC1=y,CONFIG_CLASS_MATRIX=n
bench-variants += ns-ic2:CONFIG_NS_IC2=y
bench-variants += ns-ic1:CONFIG_NS_IC1=y,CONFIG_CLASS_MATRIX=n

# In-kernel tests: the services a stage-3 domain calls refuse bad requests.
ktest-y += $(S3)/tests/ktest/ic1_services_test.c
$(O)/obj/$(S3)/tests/ktest/%.c.o: EXTRA_CFLAGS := -DKTEST_SUITE='"stage3"'

# Host unit tests of the tmpfs core (ASan + UBSan).
host-tests += tmpfs_test
tmpfs_test-src := $(S3)/services/tmpfs.c $(S3)/tests/unit/tmpfs_test.c
tmpfs_test-cflags := -Istage1-ipc/kernel/include/uapi -I$(S3)/services
