#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""linux_baseline.py - run the LMbench-style suite on Debian's Linux in QEMU.

    tools/lmbench/linux_baseline.py [--suite build/lmbench/lmbench]
                                    [--out build/lmbench] [--runs 2]

1. `sh tools/deps.sh` makes sure Debian's arm64 Linux image is in
   cache/linux/ (vmlinuz, VERSION).
2. An initramfs (cpio newc) is built in <out>/linux-initramfs.cpio:
   /init = the suite, /bin/busybox = Debian's busybox-static (arm64),
   /bin/sh -> busybox (for lat_proc shell), empty /tmp and /dev.
3. Linux is booted --runs times with the deterministic command below
   (LINUX_QEMU_ARGS): under -icount shift=0 every figure is an instruction
   count, so the runs must agree exactly; any difference is an error.
4. <out>/linux.json gets the figures with everything needed to reproduce
   them: the Linux package and version, the kernel command line, the QEMU
   version and command; <out>/linux-run<N>.log the consoles.

Exit status 0 only if every run finished, no benchmark printed FAIL and the
runs gave identical figures.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(HERE))
from harness.qemu import run  # noqa: E402
from compare import parse_suite_output  # noqa: E402

# Fixed machine: one CPU (every lat_* figure is then a same-CPU figure and no
# idle CPU takes part), 1 GiB like `make bench`.
SMP = 1
MEM = "1G"
CPU = "cortex-a72"
# console: the PL011 is the only console; panic=-1: if /init dies, reboot at
# once, which -no-reboot turns into QEMU exiting; quiet: no boot messages in
# the log; randomize_kstack_offset=off and norandmaps: no per-system-call
# stack offset and no address-space randomisation (this kernel randomises
# neither), so the instruction counts repeat exactly.
APPEND = "console=ttyAMA0 panic=-1 quiet randomize_kstack_offset=off norandmaps"
BUSYBOX = Path("/bin/busybox")
# Every file of the initramfs gets this modification time (the guest's clock
# base, 2026-01-01T00:00:00Z): the cpio must be byte-identical from build to
# build, because even the digits of a header change how many instructions
# Linux spends unpacking it, and that shifts every later figure a little.
CPIO_MTIME = 1767225600
EM_AARCH64 = 183


def qemu_args(kernel, initrd):
    """The deterministic QEMU command for the Linux baseline."""
    return ["qemu-system-aarch64",
            # gic-version=2 as for this kernel; dtb-randomness=off: no
            # kaslr-seed / rng-seed in the device tree.
            "-M", "virt,gic-version=2,dtb-randomness=off",
            "-cpu", CPU, "-smp", str(SMP), "-m", MEM,
            "-kernel", str(kernel), "-initrd", str(initrd),
            "-append", APPEND,
            # The wall clock the guest sees is fixed and follows virtual time.
            "-rtc", "clock=vm,base=2026-01-01T00:00:00",
            # One instruction = one virtual ns; no sleeping, no catching up
            # with the host: figures are instruction counts.
            "-icount", "shift=0,align=off,sleep=off",
            "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot"]


def is_arm64_elf(path):
    """True if path is an ELF file for AArch64."""
    try:
        head = Path(path).read_bytes()[:20]
    except OSError:
        return False
    return head[:4] == b"\x7fELF" and int.from_bytes(head[18:20], "little") == EM_AARCH64


def read_version(cache):
    """{"package": ..., "version": ...} from cache/linux/VERSION."""
    info = {}
    for line in (cache / "VERSION").read_text().splitlines():
        key, _, val = line.partition(":")
        if val:
            info[key.strip().lower()] = val.strip()
    return info


def build_initramfs(suite, out):
    """Stage and pack the initramfs; returns the cpio path."""
    root = out / "linux-initramfs"
    if root.exists():
        shutil.rmtree(root)
    for d in ("bin", "tmp", "dev"):
        (root / d).mkdir(parents=True)
    shutil.copy2(suite, root / "init")
    shutil.copy2(BUSYBOX, root / "bin" / "busybox")
    (root / "bin" / "sh").symlink_to("busybox")
    for p in list(root.rglob("*")) + [root]:
        os.utime(p, (CPIO_MTIME, CPIO_MTIME), follow_symlinks=False)
    cpio = out / "linux-initramfs.cpio"
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    with open(cpio, "wb") as f:
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "--reproducible", "-R", "0:0"],
                       input="\n".join(names) + "\n", text=True,
                       cwd=root, stdout=f, check=True)
    return cpio


def one_run(cmd, timeout, log):
    """Boot once; returns (parsed output, RunResult, problems list)."""
    r = run(cmd, timeout, log_path=log, cwd=REPO)
    parsed = parse_suite_output(r.text)
    problems = []
    if r.timed_out:
        problems.append(f"timed out after {timeout:.0f} s")
    elif r.exit_code != 0:
        problems.append(f"QEMU exited with status {r.exit_code}")
    if parsed["done"] is None:
        problems.append("no [LMBENCH-DONE] line: the suite did not finish")
    problems += [f"FAIL {f}" for f in parsed["failures"]]
    problems += [f"unparsable line: {ln}" for ln in parsed["malformed"]]
    return parsed, r, problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="build/lmbench/lmbench", help="the lmbench program")
    ap.add_argument("--out", default="build/lmbench", help="output folder")
    ap.add_argument("--runs", type=int, default=2, help="boots; their figures must agree")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per boot")
    args = ap.parse_args(argv)

    out = (REPO / args.out).resolve()
    suite = (REPO / args.suite).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["sh", str(REPO / "tools" / "deps.sh")], cwd=REPO).returncode != 0:
        sys.exit("linux_baseline: tools/deps.sh failed")
    cache = REPO / "cache" / "linux"
    kernel = cache / "vmlinuz"
    if not kernel.is_file():
        sys.exit(f"linux_baseline: {kernel} is missing after tools/deps.sh")
    if not suite.is_file():
        if subprocess.run(["make", "-s", "lmbench"], cwd=REPO).returncode != 0:
            sys.exit("linux_baseline: make lmbench failed")
    if not is_arm64_elf(suite):
        sys.exit(f"linux_baseline: {suite} is not an arm64 program")
    if not is_arm64_elf(BUSYBOX):
        sys.exit(f"linux_baseline: {BUSYBOX} is not arm64 busybox (package busybox-static:arm64)")

    cpio = build_initramfs(suite, out)
    cmd = qemu_args(kernel.relative_to(REPO), cpio.relative_to(REPO)
                    if cpio.is_relative_to(REPO) else cpio)
    qemu_version = subprocess.run([cmd[0], "--version"], capture_output=True,
                                  text=True).stdout.splitlines()[0]
    print("linux_baseline: " + " ".join(f"'{c}'" if " " in c else c for c in cmd), flush=True)

    runs, walls, failed = [], [], False
    for i in range(1, args.runs + 1):
        parsed, r, problems = one_run(cmd, args.timeout, out / f"linux-run{i}.log")
        walls.append(round(r.elapsed, 1))
        print(f"linux_baseline: run {i}: {len(parsed['results'])} figures in {r.elapsed:.1f} s"
              f" wall ({out / f'linux-run{i}.log'})", flush=True)
        for p in problems:
            print(f"linux_baseline: run {i}: {p}")
        if problems:
            print("\n".join(r.last_lines(20)))
            failed = True
        runs.append(parsed)
    figures = [[(x["bench"], x["variant"], x["value"], x["unit"]) for x in p["results"]]
               for p in runs]
    identical = all(f == figures[0] for f in figures[1:])
    if not identical:
        failed = True
        for i, f in enumerate(figures[1:], 2):
            diff = sorted(set(f) ^ set(figures[0]))
            print(f"linux_baseline: FAIL: run {i} differs from run 1: {diff}")

    first = runs[0]
    report = {
        "generator": "tools/lmbench/linux_baseline.py",
        "counting": "instructions: QEMU -icount shift=0,align=off,sleep=off, "
                    "1 instruction = 1 virtual ns; not hardware time",
        "linux": dict(read_version(cache), uname=first["info"].get("uname", "")),
        "append": APPEND,
        "qemu": {"version": qemu_version, "command": cmd},
        "machine": {"board": "virt", "cpu": CPU, "smp": SMP, "mem": MEM},
        "runs": args.runs,
        "identical": identical,
        "wall_seconds": walls,
        "results": first["results"],
        "failures": first["failures"],
    }
    (out / "linux.json").write_text(json.dumps(report, indent=2) + "\n")
    for x in first["results"]:
        name = x["bench"] + (" " + x["variant"] if x["variant"] else "")
        print(f"[LINUX] {name:24s} {x['value']:>14} {x['unit']}")
    print(f"linux_baseline: {args.runs} runs, identical: {'yes' if identical else 'NO'}; "
          f"wrote {out / 'linux.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
