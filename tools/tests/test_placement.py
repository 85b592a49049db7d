# SPDX-License-Identifier: MIT
"""Stage 2: the same service source in different isolation classes.

The kv service (stage2-isolation/services/kv.c) is placed by configuration:
CONFIG_KV_IC0 (the default: linked into the kernel), CONFIG_KV_IC1 (at EL1 in
a domain of its own, behind the IC1 gate) or CONFIG_KV_IC2 (its own process).  The same test suite (stage2-isolation/tests/user/kv_test.c) must
pass in both; `make test`'s own stage-2 boot covers the default, this file
builds and boots the other placement and checks where the service ran.
"""
import re
import secrets

import pytest

from harness.output import verdict
from harness.qemu import kernel_image, run

KV_TESTS = re.compile(r"^UTEST\((kv_\w+)\)", re.M)


def kv_test_names(repo):
    return KV_TESTS.findall((repo / "stage2-isolation/tests/user/kv_test.c").read_text())


@pytest.mark.parametrize("placement,expect", [
    ("ic0", "ic0: service kv linked into the kernel"),
    ("ic1", "stage2: service kv in IC1 (domain kv at 0xffffffff00000000)"),
    ("ic2", "stage2: service kv in IC2 (/bin/kvsrv)"),
])
def test_kv_suite_passes_in_each_placement(harness, placement, expect):
    if not (harness.repo / "stage2-isolation/stage.mk").exists():
        pytest.skip("stage 2 has no code")
    variant = f"kv-{placement}"
    cmd = ["make", "-s", "kernel", "STAGE=2", "TEST=1", f"VARIANT={variant}",
           f"KCONFIG=CONFIG_KV_{placement.upper()}=y"]
    b = run(cmd, 900, cwd=harness.repo)
    assert b.exit_code == 0, "\n".join(b.last_lines(30))
    image = kernel_image(harness.repo / f"build/virt/stage2-test-{variant}", "virt")
    token = secrets.token_hex(8)
    r = harness.boot("virt", image, f"ktest token={token} semihosting", timeout=120)
    assert expect in r.text, "\n".join(r.last_lines(40))
    names = kv_test_names(harness.repo)
    assert len(names) >= 4
    for name in names:
        ok, msg = verdict(r, f"stage2/{name}", token)
        assert ok, msg


IC1_OK = "long svc_get(long *t, int i) { return t[i & 3]; }\n"
IC1_BAD = ("void svc_mask(void) { __asm__ volatile(\"msr daifset, #2\"); }\n"
           "extern void printk(const char *, ...);\n"
           "void svc_log(void) { printk(\"x\"); }\n")


@pytest.mark.parametrize("code,ok", [(IC1_OK, True), (IC1_BAD, False)])
def test_build_scans_ic1_objects(harness, tmp_path, code, ok):
    """The stage-2 build compiles IC1-eligible sources with IC1 flags and
    stops on a privileged instruction or a call out of the object."""
    if not (harness.repo / "stage2-isolation/stage.mk").exists():
        pytest.skip("stage 2 has no code")
    src = tmp_path / "svc.c"
    src.write_text(code)
    out = tmp_path / "out"
    cmd = ["make", "STAGE=2", f"O={out}", f"ic1-y={src}", f"{out}/ic1/scan.ok"]
    b = run(cmd, 300, cwd=harness.repo)
    text = "\n".join(b.last_lines(40))
    if ok:
        assert b.exit_code == 0 and (out / "ic1/scan.ok").exists(), text
    else:
        assert b.exit_code != 0 and not (out / "ic1/scan.ok").exists(), text
        assert "msr daifset" in text and "undefined symbol printk" in text, text


def test_cfi_under_cpu_max(harness):
    """Under -cpu max (pointer authentication, BTI) the kernel turns both on
    for IC1 domains: a corrupted return address and a branch into the
    middle of a function are each caught, and every other test still
    passes with the keys switched on every domain call, also when the
    kernel was entered at EL2."""
    if not (harness.repo / "stage2-isolation/stage.mk").exists():
        pytest.skip("stage 2 has no code")
    b = run(["make", "-s", "kernel", "STAGE=2", "TEST=1"], 900, cwd=harness.repo)
    assert b.exit_code == 0, "\n".join(b.last_lines(30))
    image = kernel_image(harness.repo / "build/virt/stage2-test", "virt")
    token = secrets.token_hex(8)
    # entered at EL2 (virtualization=on): EL2 must let EL1 use the keys
    r = harness.boot("virt", image, f"ktest token={token} semihosting", timeout=180, cpu="max",
                     machine_opts="virtualization=on")
    log = "\n".join(r.last_lines(60))
    assert "ic1: control-flow integrity: pointer authentication (a key per domain) BTI" in r.text, log
    assert "pointer authentication failed (a corrupted return address)" in r.text, log
    assert "branch target check failed" in r.text, log
    for name in ("ic1_pac_catches_a_corrupted_return_address",
                 "ic1_bti_catches_a_branch_into_a_function"):
        ok, msg = verdict(r, f"stage2/{name}", token)
        assert ok, msg
    failed = [ln for ln in r.text.splitlines() if ": FAIL" in ln]
    assert re.search(rf"\[DONE\] (\d+)/\1 token={token}", r.text), "\n".join(failed) or log


def test_rpi4_build_says_ic1_has_no_cfi(harness, tmp_path):
    """The Pi 4's Cortex-A72 has neither PAC nor BTI: the build says that IC1
    relies on the watchpoints and the scanner there."""
    if not (harness.repo / "stage2-isolation/stage.mk").exists():
        pytest.skip("stage 2 has no code")
    out = tmp_path / "out"
    b = run(["make", "STAGE=2", "BOARD=rpi4", f"O={out}", f"{out}/ic1/scan.ok"], 300,
            cwd=harness.repo)
    text = "\n".join(b.last_lines(40))
    assert b.exit_code == 0, text
    assert "IC1 relies on watchpoints and the scanner alone" in text, text
