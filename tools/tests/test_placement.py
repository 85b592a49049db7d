# SPDX-License-Identifier: MIT
"""Stage 2: the same service source in different isolation classes.

The kv service (stage2-isolation/services/kv.c) is placed by configuration:
CONFIG_KV_IC0 (the default: linked into the kernel) or CONFIG_KV_IC2 (its own
process).  The same test suite (stage2-isolation/tests/user/kv_test.c) must
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
