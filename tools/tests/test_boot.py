# SPDX-License-Identifier: MIT
"""System checks of the boot foundation, run by `make test`.

Each boots QEMU (at most a few seconds each) and asserts what a user sees:
the boot line reflects the machine QEMU emulates, the Pi 4 image boots in
QEMU's raspi4b through the PL011 behind /soc ranges, a kernel fault gives a
symbolised panic report and a FAIL (not a hang), a hang is cut off by the
timeout, gdb can stop in kmain and read device-tree values, and the boot
benchmark is deterministic and within budget.
"""
import re
import subprocess
import time

import pytest

from harness.output import verdict
from harness.qemu import free_port, kernel_image, qemu_command, run

BOOT_LINE = re.compile(r"^boot: stage=(\d+) board=(\w+) cpus=(\d+) mem=(\d+)MiB$")


def boot_line(result):
    for line in result.lines:
        m = BOOT_LINE.match(line.strip())
        if m:
            return m.groups()
    return None


def make(harness, *args, timeout=300):
    return run(["make", "-s", *args], timeout, cwd=harness.repo)


def test_plain_make_builds_the_kernel_of_every_stage(harness, tmp_path):
    """`make STAGE=N` with no target links the kernel image, whatever rules
    the stages' stage.mk files define before `all` (a dry run in a fresh
    output folder)."""
    stages = sorted(int(p.parent.name[5:].split("-")[0])
                    for p in harness.repo.glob("stage*/stage.mk"))
    for n in stages:
        out = tmp_path / f"stage{n}"
        r = run(["make", "-n", f"STAGE={n}", f"O={out}"], 60, cwd=harness.repo)
        assert r.exit_code == 0, "\n".join(r.last_lines(20))
        assert f"{out}/Image" in r.text and f"{out}/kernel.elf" in r.text, \
            f"stage {n}: plain make does not build the kernel:\n" + "\n".join(r.last_lines(20))


@pytest.mark.parametrize("smp,mem,mib", [("2", "1G", "1024"), ("4", "2G", "2048")])
def test_make_run_boot_line_follows_smp_and_mem(harness, smp, mem, mib):
    """`make run` prints the boot line with the CPUs and memory QEMU was given."""
    r = make(harness, "run", f"SMP={smp}", f"MEM={mem}", "APPEND=poweroff", timeout=120)
    assert not r.timed_out, "make run did not power off:\n" + "\n".join(r.last_lines())
    assert r.exit_code == 0, "\n".join(r.last_lines())
    assert boot_line(r) == ("1", "virt", smp, mib), "\n".join(r.last_lines())


def test_rpi4_image_boots_in_raspi4b(harness):
    """BOARD=rpi4 gives kernel8.img + config.txt; raspi4b boots it with the Pi 4
    device tree and the console is the PL011 found through /soc ranges."""
    r = make(harness, "run", "BOARD=rpi4", "APPEND=poweroff semihosting", timeout=180)
    out = harness.build_dir(1, "rpi4", test=False)
    assert (out / "kernel8.img").is_file() and (out / "config.txt").is_file()
    assert "arm_64bit=1" in (out / "config.txt").read_text()
    assert (out / "sdcard" / "bcm2711-rpi-4-b.dtb").is_file()
    assert not r.timed_out and r.exit_code == 0, "\n".join(r.last_lines())
    assert "console: arm,pl011 at 0xfe201000" in r.text
    assert boot_line(r) == ("1", "rpi4", "4", boot_line(r)[3])
    assert "entered at EL2" in r.text


def test_el2_entry_drops_to_el1(harness):
    """Entered at EL2 (virt with virtualization=on), the kernel runs its tests at EL1."""
    image = kernel_image(harness.build(1, "virt"), "virt")
    r = harness.boot("virt", image, "ktest token=el2 semihosting", machine_opts="virtualization=on",
                     smp=2, mem="512M")
    assert "entered at EL2" in r.text
    assert r.exit_code == 0 and r.output.done and r.output.done.token == "el2", \
        "\n".join(r.last_lines())


def test_kernel_fault_gives_symbolised_panic_and_fail(harness):
    """A deliberate NULL write in a test build: panic report, backtrace with
    names, exit status 3, and the harness's verdict is FAIL with the report."""
    image = kernel_image(harness.build(1, "virt"), "virt")
    r = harness.boot("virt", image, "ktest=fault_null_deref token=t semihosting", timeout=60)
    assert not r.timed_out and r.exit_code == 3
    report = "\n".join(r.output.panic or [])
    assert "KERNEL PANIC" in report and "data abort at EL1" in report
    assert re.search(r"FAR_EL1 0x0+10\b", report)
    assert re.search(r"#0 0xffffffff8[0-9a-f]+ ktest_crash_here\+0x[0-9a-f]+", report)
    assert re.search(r"#\d 0xffffffff8[0-9a-f]+ kmain\+0x", report)
    assert "---[ end panic ]---" in report
    ok, msg = verdict(r, "stage1/fault_null_deref", "t")
    assert not ok and "panic" in msg and "ktest_crash_here" in msg


def test_hang_is_cut_off_by_the_timeout(harness):
    """A kernel that spins with interrupts off is a FAIL after the timeout,
    with the last console lines, never a hang of the harness."""
    image = kernel_image(harness.build(1, "virt"), "virt")
    t0 = time.monotonic()
    r = harness.boot("virt", image, "ktest=fault_hang token=t semihosting", timeout=5)
    assert time.monotonic() - t0 < 15
    assert r.timed_out
    ok, msg = verdict(r, "stage1/fault_hang", "t")
    assert not ok and "timeout" in msg and "boot: stage=1" in msg


def test_no_console_is_reported_through_semihosting(harness, tmp_path):
    """A device tree without a usable UART: the kernel says so and exits 2."""
    dts = tmp_path / "nocons.dts"
    dts.write_text('/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;\n'
                   ' compatible = "linux,dummy-virt";\n'
                   ' memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x20000000>; };\n'
                   ' chosen { };\n};\n')
    dtb = tmp_path / "nocons.dtb"
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(dtb), str(dts)], check=True)
    image = kernel_image(harness.build(1, "virt"), "virt")
    cmd = qemu_command("virt", image, mem="512M") + ["-dtb", str(dtb)]
    r = run(cmd, 30)
    assert r.exit_code == 2, "\n".join(r.last_lines())
    assert "no console: no usable arm,pl011 node in the device tree: not found" in r.text


def test_gdb_breaks_in_kmain_and_reads_device_tree_values(harness, tmp_path):
    """Non-interactive gdb: stop in kmain, run to where the device tree has been
    read, print the CPU count and memory size it found, continue to power off."""
    bdir = harness.build(1, "virt", test=False)
    port = free_port()
    cmd = qemu_command("virt", kernel_image(bdir, "virt"), smp=2, mem="1G",
                       append="poweroff semihosting", gdb_port=port)
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        script = tmp_path / "check.gdb"
        script.write_text(
            "set pagination off\nset confirm off\n"
            f"target remote localhost:{port}\n"
            "hbreak kmain\ncontinue\n"
            "delete\nhbreak plat_detect\ncontinue\n"
            "printf \"ncpus=%u mem_mib=%lu\\n\", boot_info.ncpus, boot_info.mem_bytes >> 20\n"
            "delete\nhbreak initramfs_init\ncontinue\n"
            f"source {harness.repo}/tools/gdb/hmk.py\n"
            "hmk-threads\nhmk-cpus\n"
            "delete\ncontinue\n")
        g = subprocess.run(["gdb-multiarch", "-q", "-batch", "-nx", "-x", str(script),
                            str(bdir / "kernel.elf")], capture_output=True, text=True, timeout=60)
        qemu_out, _ = qemu.communicate(timeout=30)
    finally:
        if qemu.poll() is None:
            qemu.kill()
    out = g.stdout + g.stderr
    assert re.search(r"reakpoint 1, (0x[0-9a-f]+ in )?kmain", out), out
    assert "ncpus=2 mem_mib=1024" in out, out
    # the project's gdb helpers list the kernel's threads and CPUs
    assert re.search(r"\bkinit\b", out) and re.search(r"\bidle\b", out), out
    assert "cpu0: current kinit" in out and "cpu1:" in out, out
    assert qemu.returncode == 0, qemu_out.decode(errors="replace")


def test_bench_boot_to_main_is_deterministic_and_in_budget(harness):
    """`make bench STAGE=1`: two runs under -icount give the same count, within budget."""
    r = make(harness, "bench", "STAGE=1", timeout=300)
    assert r.exit_code == 0, "\n".join(r.last_lines())
    assert re.search(r"^\[BENCH\] stage1/boot_to_main \d+ insns .*ok$", r.text, re.M)
    assert "identical: yes" in r.text


def test_rpi4_kernel_tests_pass_in_raspi4b(harness):
    """The in-kernel tests also pass on the Pi 4 model: GIC-400 in its
    Non-secure view, timer PPI, memory and W^X from the Pi 4 device tree."""
    image = kernel_image(harness.build(1, "rpi4"), "rpi4")
    r = harness.boot("rpi4", image, "ktest token=pi4 semihosting", timeout=60)
    done = r.output.done
    assert r.exit_code == 0 and done and done.token == "pi4" and done.passed == done.total > 0, \
        "\n".join(r.last_lines())


def test_truncated_program_is_refused_by_name_and_boot_goes_on(harness):
    """The test initramfs holds bin/truncated (the first 1000 bytes of a
    program): the kernel names it and why, and boots on."""
    image = kernel_image(harness.build(1, "virt"), "virt")
    r = harness.boot("virt", image, "poweroff semihosting", timeout=60)
    assert r.exit_code == 0, "\n".join(r.last_lines())
    lines = [ln.strip() for ln in r.lines]
    refused = [i for i, ln in enumerate(lines)
               if ln.startswith("initramfs: refusing bin/truncated: ")]
    assert refused, "\n".join(r.last_lines())
    assert "runs past the end" in lines[refused[0]]
    assert any(ln.startswith("boot: stage=1") for ln in lines[refused[0]:])


def test_initramfs_from_the_boot_loader(harness):
    """An initramfs passed by the boot loader (QEMU -initrd, /chosen
    linux,initrd-*) is used instead of the built-in one, and its memory is
    kept out of the frame allocator."""
    test_dir = harness.build(1, "virt")
    plain = kernel_image(harness.build(1, "virt", test=False), "virt")
    cmd = qemu_command("virt", plain, mem="512M", append="poweroff semihosting")
    cmd += ["-initrd", str(test_dir / "initramfs.cpio")]
    r = run(cmd, 60)
    assert r.exit_code == 0, "\n".join(r.last_lines())
    m = re.search(r"initramfs: (\d+) files, (\d+) programs, from the boot loader", r.text)
    assert m, r.text
    staged = [f for f in (test_dir / "initramfs").rglob("*") if f.is_file()]
    assert int(m.group(1)) == len(staged)              # every file of the test initramfs
    assert int(m.group(2)) == len(staged) - 1          # all but bin/truncated are programs
