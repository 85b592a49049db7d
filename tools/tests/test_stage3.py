# SPDX-License-Identifier: MIT
"""Stage 3: the file system and the memory manager, placed and composed
by configuration.

The default (CONFIG_FS_IC2, CONFIG_FS_MM_SEPARATED: /bin/fssrv and
/bin/mmsrv, two processes) is what `make test`'s own stage-3 boot covers;
this file builds and boots the others and requires the same suites there:
CONFIG_FS_IC0 (the FS linked into the kernel, the client's shared buffer
reached through the linear map; the file API suite, fs_test.c, and the
memory manager's, mm_test.c, whose file mappings then go mm -> IC0 FS), and
CONFIG_FS_MM_COALESCED (one process serving "fs" and "mm", one page cache
mapped as it is, one LRU; every stage-3 suite), and both coalesced in
the kernel (CONFIG_FS_IC0 with CONFIG_FS_MM_COALESCED: the pager is an IC0
service), the FS in an IC1 domain (CONFIG_FS_IC1, separated), and both
coalesced in one IC1 domain (the pager in IC1), the separated memory
manager in IC0 beside the FS in IC1 or IC0, or in an IC1 domain of its own
beside the FS in another, and the process manager in IC0 beside the FS in
IC1, and the name server in a process (CONFIG_NS_IC2) or a domain
(CONFIG_NS_IC1).  The memory-pressure suite, reclaim_test.c, runs in all
of them; the services that need a file system the kernel can call are
refused beside one in IC2.
"""
import re
import secrets

import pytest

from harness.output import verdict
from harness.qemu import kernel_image, run

TESTS = re.compile(r"^UTEST\((\w+)\)", re.M)


def _boot_variant(harness, variant, kconfig):
    cmd = ["make", "-s", "kernel", "STAGE=3", "TEST=1", f"VARIANT={variant}",
           f"KCONFIG={kconfig}"]
    b = run(cmd, 900, cwd=harness.repo)
    assert b.exit_code == 0, "\n".join(b.last_lines(30))
    image = kernel_image(harness.repo / f"build/virt/stage3-test-{variant}", "virt")
    token = secrets.token_hex(8)
    r = harness.boot("virt", image, f"ktest token={token} semihosting", timeout=180)
    return r, token


def _suite(harness, name):
    text = (harness.repo / f"stage3-composition/tests/user/{name}").read_text()
    return TESTS.findall(text)


def _suites_pass(harness, r, token, *files):
    """Every test of the stage-3 suites `files` passed, and the whole boot."""
    names = [n for f in files for n in _suite(harness, f)]
    for name in names:
        ok, msg = verdict(r, f"stage3/{name}", token)
        assert ok, msg
    _all_passed(r, token)
    return names


def _all_passed(r, token):
    failed = [ln for ln in r.text.splitlines() if ": FAIL" in ln]
    log = "\n".join(r.last_lines(40))
    # the FAIL lines, then the console's end (a leak test prints its report there)
    assert re.search(rf"\[DONE\] (\d+)/\1 token={token}", r.text), "\n".join(failed + [log])


def test_mm_and_fs_suites_pass_coalesced(harness):
    if not (harness.repo / "stage3-composition/services/mm.c").exists():
        pytest.skip("stage 3 has no memory manager")
    r, token = _boot_variant(harness, "coalesced", "CONFIG_FS_MM_COALESCED=y")
    log = "\n".join(r.last_lines(40))
    assert "/bin/mmsrv" not in r.text, log  # no separate memory manager
    names = _suites_pass(harness, r, token, "fs_test.c", "mm_test.c", "reclaim_test.c")
    assert len(names) >= 12


def test_all_suites_pass_coalesced_in_the_kernel(harness):
    """The FS in IC0 and, coalesced, the memory manager with it: page faults
    served by a pager linked into the kernel, without IPC."""
    if not (harness.repo / "stage3-composition/services/mm.c").exists():
        pytest.skip("stage 3 has no memory manager")
    r, token = _boot_variant(harness, "ic0-coalesced",
                             "CONFIG_FS_IC0=y CONFIG_FS_MM_COALESCED=y")
    log = "\n".join(r.last_lines(40))
    assert "ic0: service mm linked into the kernel" in r.text, log
    assert "ic0: service fs linked into the kernel" in r.text, log
    _suites_pass(harness, r, token, "fs_test.c", "mm_test.c", "reclaim_test.c", "pm_test.c")


def test_fs_suite_passes_with_the_fs_in_ic0(harness):
    if not (harness.repo / "stage3-composition/stage.mk").exists():
        pytest.skip("stage 3 has no code")
    r, token = _boot_variant(harness, "fs-ic0", "CONFIG_FS_IC0=y")
    log = "\n".join(r.last_lines(40))
    assert "ic0: service fs linked into the kernel" in r.text, log
    assert "/bin/fssrv" not in r.text, log
    assert len(_suite(harness, "fs_test.c")) >= 5
    suites = [f for f in ("fs_test.c", "mm_test.c", "reclaim_test.c")
              if (harness.repo / f"stage3-composition/tests/user/{f}").exists()]
    _suites_pass(harness, r, token, *suites)


def test_all_suites_pass_with_the_fs_in_ic1(harness):
    """The FS in an IC1 domain (separated: mm stays in IC2): its pages in
    the domain's heap, the clients' bytes copied through its message
    buffer; a fault in it stops the domain, and the process manager has it
    started afresh."""
    if not (harness.repo / "stage3-composition/services/fs_ic1.c").exists():
        pytest.skip("stage 3 has no IC1 file system")
    # the class matrix takes two domains: a Cortex-A72's watchpoints keep
    # apart three (kv, the tests' probe, fs)
    r, token = _boot_variant(harness, "fs-ic1", "CONFIG_FS_IC1=y CONFIG_CLASS_MATRIX=n")
    log = "\n".join(r.last_lines(40))
    assert "stage2: service fs in IC1 (domain fs at 0xffffffff0c000000)" in r.text, log
    assert "/bin/fssrv" not in r.text, log
    assert "ic1: domain fs stopped" in r.text, log  # the crash test's fault
    assert "pm: fs (IC1) stopped; started again" in r.text, log
    _suites_pass(harness, r, token, "fs_test.c", "mm_test.c", "reclaim_test.c", "pm_test.c")


def test_all_suites_pass_coalesced_in_ic1(harness):
    """The FS and the memory manager coalesced in one IC1 domain: "mm" at
    an entry of its own, a pager in a domain lending its heap's pages
    through the in-kernel service pagerk; a fault in the domain (both
    crash tests) stops both names, and the process manager has it started
    afresh."""
    if not (harness.repo / "stage3-composition/kernel/pager_ic1.c").exists():
        pytest.skip("stage 3 has no pager in IC1")
    r, token = _boot_variant(harness, "ic1-coalesced",
                             "CONFIG_FS_IC1=y CONFIG_FS_MM_COALESCED=y CONFIG_CLASS_MATRIX=n")
    log = "\n".join(r.last_lines(40))
    assert "stage2: service mm in IC1 (domain fs at 0xffffffff0c000000)" in r.text, log
    assert "/bin/mmsrv" not in r.text and "/bin/fssrv" not in r.text, log
    assert r.text.count("pm: fs (IC1) stopped; started again") == 2, log
    _suites_pass(harness, r, token, "fs_test.c", "mm_test.c", "reclaim_test.c", "pm_test.c")


@pytest.mark.parametrize("fs", ["ic1", "ic0"])
def test_all_suites_pass_with_a_separated_memory_manager_in_ic0(harness, fs):
    """The separated memory manager linked into the kernel (CONFIG_MM_IC0),
    calling a file system in IC1 or IC0 with its own pages as long
    messages; its crash test is not tried (a fault there is the kernel's)."""
    if not (harness.repo / "stage3-composition/kernel/mm_ic0.c").exists():
        pytest.skip("stage 3 has no memory manager in IC0")
    kconfig = {"ic1": "CONFIG_FS_IC1=y CONFIG_MM_IC0=y CONFIG_CLASS_MATRIX=n",
               "ic0": "CONFIG_FS_IC0=y CONFIG_MM_IC0=y"}[fs]
    r, token = _boot_variant(harness, f"mm-ic0-fs-{fs}", kconfig)
    log = "\n".join(r.last_lines(40))
    assert "ic0: service mm linked into the kernel" in r.text, log
    assert "/bin/mmsrv" not in r.text, log
    assert "the memory manager is in IC0: the crash is not tried" in r.text, log
    _suites_pass(harness, r, token, "fs_test.c", "mm_test.c", "reclaim_test.c", "pm_test.c")


@pytest.mark.parametrize("cls", [0, 1])
def test_all_suites_pass_with_the_process_manager_in_kernel_space(harness, cls):
    """The process manager beside a file system in IC1 and a memory manager
    in IC2, served by the kernel (CONFIG_PM_IC0) or by a domain
    (CONFIG_PM_IC1, its children capabilities in the table the kernel
    keeps for it, a PM_WAIT on a running child waiting out of the domain:
    stage 2's svc_wait()).  It spawns programs of the initramfs and of the
    file system (read through the in-kernel "fs"), waits and kills for its
    clients, and kernel threads (in IC1 lent to the domain) keep both
    services: the fs crash test's domain and the mm crash test's process
    are started again."""
    src = ["kernel/pm_ic0.c", "services/pm_ic1.c"][cls]
    if not (harness.repo / "stage3-composition" / src).exists():
        pytest.skip(f"stage 3 has no process manager in IC{cls}")
    r, token = _boot_variant(harness, f"pm-ic{cls}",
                             f"CONFIG_FS_IC1=y CONFIG_PM_IC{cls}=y CONFIG_CLASS_MATRIX=n")
    log = "\n".join(r.last_lines(40))
    assert f"pm: the process manager is in IC{cls}" in r.text, log
    if cls == 1:
        assert "stage2: service pm in IC1 (domain pm at 0xffffffff18000000)" in r.text, log
    assert "/bin/pmsrv" not in r.text, log
    assert "pm: fs (IC1) stopped; started again" in r.text, log
    assert re.search(r"pm: /bin/mmsrv \(mm\) ended with status \d+; started again", r.text), log
    _suites_pass(harness, r, token, "fs_test.c", "mm_test.c", "reclaim_test.c", "pm_test.c")


def test_all_suites_pass_with_a_separated_memory_manager_in_ic1(harness):
    """The separated memory manager in a domain of its own (CONFIG_MM_IC1)
    beside the file system in another: a file page read from one domain
    into the other's heap page through the gate; the memory manager's
    crash test stops its domain only, and the process manager has each
    domain started afresh after its own crash test."""
    if not (harness.repo / "stage3-composition/services/mm_ic1.c").exists():
        pytest.skip("stage 3 has no memory manager in IC1")
    r, token = _boot_variant(harness, "mm-ic1",
                             "CONFIG_FS_IC1=y CONFIG_MM_IC1=y CONFIG_CLASS_MATRIX=n")
    log = "\n".join(r.last_lines(40))
    assert "stage2: service mm in IC1 (domain mm at 0xffffffff10000000)" in r.text, log
    assert "stage2: service fs in IC1 (domain fs at 0xffffffff0c000000)" in r.text, log
    assert "/bin/mmsrv" not in r.text and "/bin/fssrv" not in r.text, log
    assert r.text.count("pm: fs (IC1) stopped; started again") == 1, log
    assert r.text.count("pm: mm (IC1) stopped; started again") == 1, log
    _suites_pass(harness, r, token, "fs_test.c", "mm_test.c", "reclaim_test.c", "pm_test.c")


def test_all_suites_pass_with_a_name_server_in_a_process(harness):
    """The name service in IC2 (CONFIG_NS_IC2, /bin/nssrv), here beside
    the file system in IC1 and the process manager in IC0: processes'
    names are held by the name server, which hands out capabilities in
    its replies; the kernel's own services ("fs" in its domain) stay in the
    kernel's table, where look-ups go on; the kernel waits for the names it
    needs at boot through a process (nssrv "wait <name>").  Every suite of
    stages 1 to 3 passes, and the name server's own tests run."""
    if not (harness.repo / "stage3-composition/user/nssrv.c").exists():
        pytest.skip("stage 3 has no name server")
    r, token = _boot_variant(harness, "ns-ic2-pm-ic0",
                             "CONFIG_NS_IC2=y CONFIG_FS_IC1=y CONFIG_PM_IC0=y "
                             "CONFIG_CLASS_MATRIX=n")
    log = "\n".join(r.last_lines(40))
    assert "stage2: service ns in IC2 (/bin/nssrv)" in r.text, log
    assert "the kernel's table is the name service here" not in r.text, log
    assert "pm: the process manager is in IC0" in r.text, log
    _suites_pass(harness, r, token, "ns_test.c", "fs_test.c", "mm_test.c", "reclaim_test.c",
                 "pm_test.c")


def test_all_suites_pass_with_the_name_server_in_a_domain(harness):
    """The name service in IC1 (CONFIG_NS_IC1, services/ns_ic1.c): the
    same name server in a domain that holds capabilities in a table the
    kernel keeps for it; publishers grant theirs in the call, look-ups get
    one granted in the reply, and the kernel calls the domain itself to
    wait for names at boot.  Every suite of stages 1 to 3 passes, and the
    name server's own tests run."""
    if not (harness.repo / "stage3-composition/services/ns_ic1.c").exists():
        pytest.skip("stage 3 has no name server in IC1")
    r, token = _boot_variant(harness, "ns-ic1", "CONFIG_NS_IC1=y CONFIG_CLASS_MATRIX=n")
    log = "\n".join(r.last_lines(40))
    assert "stage2: service ns in IC1 (domain ns at 0xffffffff14000000)" in r.text, log
    assert "the kernel's table is the name service here" not in r.text, log
    assert "/bin/nssrv" not in r.text, log
    _suites_pass(harness, r, token, "ns_test.c", "fs_test.c", "mm_test.c", "reclaim_test.c",
                 "pm_test.c")


@pytest.mark.parametrize("config", ["MM_IC0", "MM_IC1", "PM_IC0", "PM_IC1"])
def test_a_service_that_calls_the_file_system_from_the_kernel_beside_an_ic2_one_is_refused(
        harness, config):
    """The memory manager in IC0 or IC1, or the process manager in IC0 or
    IC1, needs the file system in the kernel's reach (IC0 or IC1): neither the
    kernel nor a domain can call a process."""
    b = run(["make", "-s", "kernel", "STAGE=3", f"VARIANT={config.lower()}-refused",
             f"KCONFIG=CONFIG_{config}=y"], 120, cwd=harness.repo)
    assert b.exit_code != 0
    assert f"CONFIG_{config} cannot be y here" in b.text, "\n".join(b.last_lines(10))
