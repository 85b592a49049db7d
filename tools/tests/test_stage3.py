# SPDX-License-Identifier: MIT
"""Stage 3: the file system service placed by configuration.

CONFIG_FS_IC2 (the default: /bin/fssrv, its own process) is what `make
test`'s own stage-3 boot covers; this file builds and boots the other
placement, CONFIG_FS_IC0 (linked into the kernel, the client's shared
buffer reached through the linear map), and requires the same file API
suite (stage3-composition/tests/user/fs_test.c) to pass there.
"""
import re
import secrets

import pytest

from harness.output import verdict
from harness.qemu import kernel_image, run

FS_TESTS = re.compile(r"^UTEST\((fs_\w+)\)", re.M)


def test_fs_suite_passes_with_the_fs_in_ic0(harness):
    if not (harness.repo / "stage3-composition/stage.mk").exists():
        pytest.skip("stage 3 has no code")
    variant = "fs-ic0"
    cmd = ["make", "-s", "kernel", "STAGE=3", "TEST=1", f"VARIANT={variant}",
           "KCONFIG=CONFIG_FS_IC0=y"]
    b = run(cmd, 900, cwd=harness.repo)
    assert b.exit_code == 0, "\n".join(b.last_lines(30))
    image = kernel_image(harness.repo / f"build/virt/stage3-test-{variant}", "virt")
    token = secrets.token_hex(8)
    r = harness.boot("virt", image, f"ktest token={token} semihosting", timeout=180)
    log = "\n".join(r.last_lines(40))
    assert "ic0: service fs linked into the kernel" in r.text, log
    assert "/bin/fssrv" not in r.text, log
    names = FS_TESTS.findall(
        (harness.repo / "stage3-composition/tests/user/fs_test.c").read_text())
    assert len(names) >= 5
    for name in names:
        ok, msg = verdict(r, f"stage3/{name}", token)
        assert ok, msg
    failed = [ln for ln in r.text.splitlines() if ": FAIL" in ln]
    assert re.search(rf"\[DONE\] (\d+)/\1 token={token}", r.text), "\n".join(failed) or log
