# SPDX-License-Identifier: MIT
"""The LMbench-style suite (tools/lmbench/): smoke run and table logic.

- The suite builds (`make lmbench`) and, run once with tiny counts under
  qemu-aarch64 (user mode, a few seconds), prints a result line for every
  benchmark and variant and no FAIL line.
- compare.py's parsers, the direction of the normalised ratio (latency
  Linux/ours, throughput ours/Linux), missing cells and the Markdown page.
- linux_baseline.py boots Linux with the documented deterministic command.

The Linux baseline itself (`make compare-linux`, a few minutes) is not run
here.
"""
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from harness.qemu import run

REPO = Path(__file__).resolve().parents[2]
LMBENCH = REPO / "tools" / "lmbench"
SUITE = REPO / "build" / "lmbench" / "lmbench"

# Every result the suite prints outside /init mode: (benchmark, variant).
EXPECTED = {
    ("lat_syscall", "null"), ("lat_syscall", "read"), ("lat_syscall", "write"),
    ("lat_syscall", "stat"), ("lat_syscall", "fstat"), ("lat_syscall", "open"),
    ("lat_sig", "install"), ("lat_sig", "catch"),
    ("lat_pipe", None), ("lat_unix", None),
    ("lat_ctx", "0k/2"), ("lat_ctx", "16k/8"),
    ("lat_proc", "fork"), ("lat_proc", "exec"), ("lat_proc", "shell"),
    ("lat_clone", None), ("lat_pagefault", None), ("lat_mmap", None),
    ("bw_pipe", None), ("bw_unix", None),
    ("bw_mem", "rd"), ("bw_mem", "wr"), ("bw_mem", "cp"), ("bw_mem", "bcopy"),
    ("bw_file_rd", None), ("bw_file_wr", None), ("bw_mmap_rd", None),
}


def _load(name):
    spec = importlib.util.spec_from_file_location(f"lmbench_{name}", LMBENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(LMBENCH))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(LMBENCH))
    return mod


compare = _load("compare")


# ---------------------------------------------------------------- smoke run

@pytest.fixture(scope="module")
def suite():
    r = run(["make", "-s", "lmbench"], 300, cwd=REPO)
    assert r.exit_code == 0, "make lmbench failed:\n" + "\n".join(r.last_lines(30))
    assert SUITE.is_file()
    return SUITE


def _smoke(suite, tmp_path, *benches):
    qemu = shutil.which("qemu-aarch64")
    assert qemu, "qemu-aarch64 (package qemu-user) is not installed"
    # No binfmt_misc is assumed: lat_proc exec runs "<suite> hello" through
    # qemu-aarch64; the shell is the host's /bin/sh.
    return run([qemu, suite, "--smoke", "--dir", tmp_path / "work", "--self", suite,
                "--exec-via", qemu, *benches], 120)


def test_smoke_every_benchmark_reports(suite, tmp_path):
    r = _smoke(suite, tmp_path, "all")
    out = compare.parse_suite_output(r.text)
    text = "\n".join(r.last_lines(60))
    assert not out["failures"], "benchmarks failed:\n" + text
    assert r.exit_code == 0, text
    assert not out["malformed"] and not out["duplicates"], text
    got = {(x["bench"], x["variant"]) for x in out["results"]}
    assert got == EXPECTED, f"missing {EXPECTED - got}, unexpected {got - EXPECTED}"
    # lat_ctx's figures are differences (the ring's trip minus the overhead
    # loop's): in a smoke run's few trips, timed by the host's clock under
    # qemu-user, the difference can come out at or below zero, reported 0.
    assert all(x["value"] > 0 or (x["bench"] == "lat_ctx" and x["value"] == 0)
               for x in out["results"]), text
    assert out["done"] == (15, 0)
    assert r.elapsed < 30, f"the smoke run took {r.elapsed:.1f} s"


def test_smoke_one_benchmark_and_bad_name(suite, tmp_path):
    r = _smoke(suite, tmp_path, "lat_syscall")
    out = compare.parse_suite_output(r.text)
    assert r.exit_code == 0 and out["done"] == (1, 0)
    assert {x["bench"] for x in out["results"]} == {"lat_syscall"}
    assert len(out["results"]) == 6

    r = _smoke(suite, tmp_path, "lat_nothing")
    assert r.exit_code == 2 and "unknown benchmark" in r.text


def test_smoke_failure_is_loud(suite, tmp_path):
    """A benchmark that cannot do its work prints FAIL, no figure, exit 1."""
    qemu = shutil.which("qemu-aarch64")
    r = run([qemu, suite, "--smoke", "--dir", tmp_path / "work", "--self", suite,
             "--exec-via", qemu, "--shell", tmp_path / "no-such-shell", "lat_proc"], 120)
    out = compare.parse_suite_output(r.text)
    assert r.exit_code == 1
    assert any(f.startswith("lat_proc shell:") for f in out["failures"]), r.text
    assert ("lat_proc", "shell") not in {(x["bench"], x["variant"]) for x in out["results"]}
    assert out["done"] == (1, 1)


# ---------------------------------------------------------------- parsing

SUITE_TEXT = """\
\x1b[0m[LMBENCH-INFO] uname Linux 6.1.0-56-arm64 #1 SMP Debian 6.1.192-2 aarch64\r
[LMBENCH] boot_to_init 936381424 insns\r
[LMBENCH] lat_syscall null 328.3 insns
[LMBENCH] lat_pipe 14702.1 insns
[LMBENCH] bw_pipe 900.1 MB/s
[LMBENCH] bw_mem rd 6419.7 MB/s
[LMBENCH] bw_mem rd 1.0 MB/s
[LMBENCH] lat_ctx 16k/8 oops insns
FAIL lat_sig catch: 3 signals sent, 2 caught
[LMBENCH-DONE] benchmarks=14 failed=1
"""


def test_parse_suite_output():
    out = compare.parse_suite_output(SUITE_TEXT)
    assert out["results"] == [
        {"bench": "boot_to_init", "variant": None, "value": 936381424.0, "unit": "insns"},
        {"bench": "lat_syscall", "variant": "null", "value": 328.3, "unit": "insns"},
        {"bench": "lat_pipe", "variant": None, "value": 14702.1, "unit": "insns"},
        {"bench": "bw_pipe", "variant": None, "value": 900.1, "unit": "MB/s"},
        {"bench": "bw_mem", "variant": "rd", "value": 6419.7, "unit": "MB/s"},
    ]
    assert out["duplicates"] == ["bw_mem rd"]
    assert out["malformed"] == ["[LMBENCH] lat_ctx 16k/8 oops insns"]
    assert out["failures"] == ["lat_sig catch: 3 signals sent, 2 caught"]
    assert out["done"] == (14, 1)
    assert out["info"]["uname"].startswith("Linux 6.1.0-56-arm64")


def test_parse_suite_output_unfinished():
    out = compare.parse_suite_output("[LMBENCH] lat_pipe 1.0 insns\n")
    assert out["done"] is None and not out["failures"]


BENCH_TEXT = """\
  CC      stage1-ipc/kernel/core/ipc.c
bench: qemu-system-aarch64 -M virt,gic-version=2 -smp 4 -m 1G -icount shift=0,align=off,sleep=off
[BENCH] stage1/boot_to_init 10204938 insns  budget 15000000 insns: ok
[BENCH] stage1/null_syscall 133 insns  budget 200 insns: ok
[BENCH] stage1/thread_switch 329 insns  (no budget)
[BENCH] stage2/null_syscall 120 insns  budget 200 insns: ok
bench: 2 runs, identical: yes
"""


def test_parse_bench_output_and_native_figure():
    b = compare.parse_bench_output(BENCH_TEXT)
    assert b["command"].startswith("qemu-system-aarch64 -M virt")
    assert b["figures"]["stage1/null_syscall"] == (133, "insns")
    assert b["figures"]["stage1/thread_switch"] == (329, "insns")
    # The highest stage wins; an absent figure is None.
    assert compare.native_figure(b["figures"], "null_syscall") == ("stage2/null_syscall", 120,
                                                                    "insns")
    assert compare.native_figure(b["figures"], "ipc_null_roundtrip") is None
    assert compare.native_figure({}, "null_syscall") is None


def test_normalised_direction():
    # Latency: Linux / ours (ours faster -> > 1).
    assert compare.normalised("latency", 400.0, 100.0) == pytest.approx(4.0)
    assert compare.normalised("latency", 100.0, 400.0) == pytest.approx(0.25)
    # Throughput: ours / Linux (ours faster -> > 1).
    assert compare.normalised("bandwidth", 100.0, 400.0) == pytest.approx(4.0)
    assert compare.normalised("bandwidth", 400.0, 100.0) == pytest.approx(0.25)
    # Missing or nonsensical figures give no ratio.
    assert compare.normalised("latency", 400.0, None) is None
    assert compare.normalised("latency", None, 100.0) is None
    assert compare.normalised("bandwidth", 0.0, 100.0) is None
    assert compare.kind_of("insns") == "latency"
    assert compare.kind_of("MB/s") == "bandwidth"
    with pytest.raises(ValueError):
        compare.kind_of("furlongs")


def _rows():
    linux = compare.parse_suite_output(SUITE_TEXT)["results"]
    native = compare.parse_bench_output(BENCH_TEXT)["figures"]
    return compare.build_rows(linux, native), native


def test_build_rows():
    rows, native = _rows()
    by = {r["label"]: r for r in rows}
    assert [r["label"] for r in rows] == ["boot_to_init", "lat_syscall null", "lat_pipe",
                                          "bw_pipe", "bw_mem rd"]
    assert by["lat_syscall null"]["ours"] == 120.0
    assert by["lat_syscall null"]["ours_name"] == "stage2/null_syscall"
    assert by["lat_syscall null"]["ratio"] == pytest.approx(328.3 / 120)
    assert by["boot_to_init"]["ratio"] == pytest.approx(936381424 / 10204938)
    # No native figure (ipc_null_roundtrip absent; bandwidth rows unmapped).
    for label in ("lat_pipe", "bw_pipe", "bw_mem rd"):
        assert by[label]["ours"] is None and by[label]["ratio"] is None
    # Once make bench prints it, lat_pipe gets its native figure.
    native = dict(native, **{"stage1/ipc_null_roundtrip": (1470, "insns")})
    rows = compare.build_rows(compare.parse_suite_output(SUITE_TEXT)["results"], native)
    pipe = [r for r in rows if r["label"] == "lat_pipe"][0]
    assert pipe["ours"] == 1470.0 and pipe["ratio"] == pytest.approx(14702.1 / 1470)
    # A native figure in another unit is not compared.
    rows = compare.build_rows([{"bench": "lat_syscall", "variant": "null", "value": 300.0,
                                "unit": "insns"}], {"stage1/null_syscall": (5, "cycles")})
    assert rows[0]["ours"] is None
    # Native figures no row uses are listed separately.
    rows, native = _rows()
    assert compare.unmatched_native(native, rows) == [
        ("stage1/null_syscall", 133, "insns"), ("stage1/thread_switch", 329, "insns")]


META = {"qemu_version": "QEMU emulator version 10.0.2", "linux_package": "linux-image-x-arm64",
        "linux_version": "6.1.192-2", "linux_uname": "Linux 6.1.0 aarch64",
        "append": "console=ttyAMA0 panic=-1 quiet randomize_kstack_offset=off norandmaps",
        "linux_machine": "-M virt -smp 1 -m 1G", "runs": 2, "identical": True,
        "hmk_command": "qemu-system-aarch64 -smp 4", "hmk_stage": 1}


def test_markdown():
    rows, native = _rows()
    md = compare.render_markdown(META, rows, compare.unmatched_native(native, rows))
    for fact in ("QEMU emulator version 10.0.2", "linux-image-x-arm64", "6.1.192-2",
                 "norandmaps", "-icount shift=0,align=off,sleep=off", "instruction count",
                 "not hardware times", "identical figures: yes", "make bench STAGE=1"):
        assert fact in md, fact
    table = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert table[0] == "| benchmark | unit | Linux | this kernel | normalised |"
    cells = {ln.split(" | ")[0][2:]: [c.strip() for c in ln.strip("|").split("|")]
             for ln in table[1:]}
    assert cells["lat_syscall null"][1:] == [
        "insns/op", "328.3", "120 (native `stage2/null_syscall`) [2]", "(2.74)"]
    assert cells["boot_to_init"][1] == "insns"
    assert cells["boot_to_init"][2] == "936,381,424"
    assert cells["lat_pipe"][3] == compare.NOT_YET and cells["lat_pipe"][4] == ""
    assert cells["bw_mem rd"][1:] == ["MB/s", "6,419.7", compare.NOT_YET, ""]
    assert "2. `stage2/null_syscall` beside `lat_syscall null`" in md
    assert "| `stage1/thread_switch` | 329 | insns |" in md


def test_chart(tmp_path):
    rows, _ = _rows()
    out = tmp_path / "chart.png"
    compare.render_chart(META, rows, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_linux_command_is_the_deterministic_one():
    lb = _load("linux_baseline")
    cmd = lb.qemu_args("cache/linux/vmlinuz", "x.cpio")
    line = " ".join(cmd)
    for part in ("-M virt,gic-version=2,dtb-randomness=off", "-cpu cortex-a72", "-smp 1",
                 "-m 1G", "-kernel cache/linux/vmlinuz", "-initrd x.cpio",
                 "-rtc clock=vm,base=2026-01-01T00:00:00", "-icount shift=0,align=off,sleep=off",
                 "-no-reboot", "-serial stdio"):
        assert part in line, part
    append = cmd[cmd.index("-append") + 1].split()
    assert set(append) == {"console=ttyAMA0", "panic=-1", "quiet", "randomize_kstack_offset=off",
                           "norandmaps"}
