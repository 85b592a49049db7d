"""Self-tests of the test harness (pure Python, no QEMU, no kernel).

- parser cases on synthetic console text;
- qemu_command() argv for both boards;
- run()/boot() against tiny fake "QEMU" scripts: normal exit, hang (must be
  killed within timeout + 2 s, with its children), panic + exit 3;
- verdict(): missing line, token mismatch, counts mismatch, ...;
- the plugin end to end in a throw-away fake repository (fake Makefile and
  fake qemu-system-aarch64 on PATH), run through tools/run_tests.py.
"""

import os
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from harness.output import parse, run_problems, verdict
from harness.qemu import RunResult, boot, free_port, qemu_command, run

TOOLS = Path(__file__).resolve().parents[1]
PY = "/usr/bin/python3"
TOK = "0123456789abcdef"


# ------------------------------------------------------------------ parser

def test_parse_pass_fail_crlf_and_noise():
    text = ("U-Boot noise\r\n"
            "  \x1b[0m[TEST] stage1/ipc_ping: PASS\r\n"
            "garbage[TEST] stage1/ipc_pong: FAIL ipc.c:42: expected 3, got 4\r\n"
            "[TEST] stage2/map_page: PASS\n")
    out = parse(text)
    assert out.tests["stage1/ipc_ping"] == ("PASS", "")
    assert out.tests["stage1/ipc_pong"] == ("FAIL", "ipc.c:42: expected 3, got 4")
    assert out.tests["stage2/map_page"].status == "PASS"
    assert [n for _, n, _ in out.test_lines] == ["stage1/ipc_ping", "stage1/ipc_pong",
                                                 "stage2/map_page"]
    assert out.done is None and out.panic is None and out.boot is None


def test_parse_fail_without_detail_and_pass_never_overrides_fail():
    out = parse("[TEST] stage1/a: FAIL\n[TEST] stage1/a: PASS\n[TEST] stage1/b: PASS\n")
    assert out.tests["stage1/a"] == ("FAIL", "")
    assert out.duplicates == ["stage1/a"]


def test_parse_bench():
    out = parse("[BENCH] stage1/boot_to_main 1234567 insns\r\n"
                "[BENCH] stage1/ipc_rtt 420 cycles cpu=0 iters=1000\n")
    assert out.benches["stage1/boot_to_main"] == (1234567, "insns", {})
    b = out.benches["stage1/ipc_rtt"]
    assert (b.value, b.unit, b.extras) == (420, "cycles", {"cpu": "0", "iters": "1000"})


def test_parse_bench_with_a_path_of_names():
    # stage 3 prints one figure per composition: stage3/<composition>/<name>
    out = parse("[BENCH] stage3/coalesced/file_pagefault 2520 insns\n"
                "[BENCH] stage3//x 1 insns\n")
    assert out.benches["stage3/coalesced/file_pagefault"] == (2520, "insns", {})
    assert len(out.malformed) == 1  # an empty name is not one


def test_parse_done_with_and_without_token():
    out = parse(f"[DONE] 3/4 token={TOK}\r\n")
    assert out.done == (3, 4, TOK)
    out = parse("[DONE] 2/2\n[DONE] 5/6\n")
    assert out.done == (5, 6, None) and len(out.dones) == 2


def test_parse_boot_line():
    out = parse("noise\r\nboot: stage=3 board=rpi4 cpus=4 mem=2048MiB\r\n")
    b = out.boot
    assert (b["stage"], b["board"], b["cpus"], b["mem_mib"]) == (3, "rpi4", 4, 2048)
    assert out.boot_count == 1
    assert parse("reboot: stage=1\n").boot is None     # must start the line


def test_parse_panic_report():
    text = textwrap.dedent("""\
        [TEST] stage1/a: PASS
        KERNEL PANIC on CPU 0: data abort at 0x0
          x0 = 0000000000000000
        backtrace:
          #0 0xffff000000081234 ipc_send
        ---[ end panic ]---
        after the report
        """)
    out = parse(text)
    assert out.panic[0].startswith("KERNEL PANIC")
    assert out.panic[-1] == "---[ end panic ]---"
    assert len(out.panic) == 5
    assert parse("something KERNEL PANIC in text\n").panic is None


def test_parse_panic_without_end_runs_to_the_end():
    out = parse("KERNEL PANIC: oops\r\nx0 = 1\r\n")
    assert out.panic == ["KERNEL PANIC: oops", "x0 = 1"]


def test_parse_malformed_markers_are_kept():
    out = parse("[TEST] stage1/a PASS\n[DONE] lots\n[BENCH] stage1/x fast\n")
    assert out.tests == {} and out.dones == [] and out.benches == {}
    assert len(out.malformed) == 3


# ------------------------------------------------------------------ verdict

def fake_run(text, exit_code=0, timed_out=False, timeout=60):
    return RunResult(cmd=["qemu"], text=text, exit_code=exit_code, timed_out=timed_out,
                     elapsed=1.0, timeout=timeout)


GOOD = ("boot: stage=1 board=virt cpus=4 mem=1024MiB\r\n"
        "[TEST] stage1/a: PASS\r\n[TEST] stage1/b: FAIL a.c:3: boom\r\n"
        f"[DONE] 1/2 token={TOK}\r\n")


def test_verdict_pass_and_plain_fail():
    r = fake_run(GOOD, exit_code=1)
    assert run_problems(r, TOK) == []
    assert verdict(r, "stage1/a", TOK) == (True, "stage1/a: PASS")
    ok, msg = verdict(r, "stage1/b", TOK)
    assert not ok and msg == "stage1/b: FAIL a.c:3: boom"


def test_verdict_missing_line_shows_last_lines():
    ok, msg = verdict(fake_run(GOOD, exit_code=1), "stage1/zzz", TOK)
    assert not ok
    assert msg.splitlines()[0] == "no [TEST] line for stage1/zzz"
    assert "last 4 console lines" in msg and "[DONE] 1/2" in msg


def test_verdict_token_mismatch():
    ok, msg = verdict(fake_run(GOOD, exit_code=1), "stage1/a", "feedfacefeedface")
    assert not ok and msg.startswith("token mismatch")
    ok, msg = verdict(fake_run(GOOD.replace(f" token={TOK}", ""), exit_code=1), "stage1/a", TOK)
    assert not ok and "token mismatch" in msg and "no token" in msg


def test_verdict_counts_mismatch():
    text = GOOD.replace("[DONE] 1/2", "[DONE] 2/2")
    ok, msg = verdict(fake_run(text, exit_code=0), "stage1/a", TOK)
    assert not ok and msg.startswith("counts mismatch")
    text = "[TEST] stage1/a: PASS\n" + f"[DONE] 2/2 token={TOK}\n"   # a test never printed
    ok, msg = verdict(fake_run(text), "stage1/a", TOK)
    assert not ok and "counts mismatch" in msg


def test_verdict_no_done_line():
    ok, msg = verdict(fake_run("[TEST] stage1/a: PASS\n", exit_code=0), "stage1/a", TOK)
    assert not ok and msg.startswith("no [DONE] line")


def test_verdict_exit_code_must_match_done():
    ok, msg = verdict(fake_run(GOOD, exit_code=0), "stage1/a", TOK)   # 1/2 but exit 0
    assert not ok and "exit code 0 does not match" in msg
    ok, msg = verdict(fake_run(GOOD, exit_code=-11), "stage1/a", TOK)
    assert not ok and msg.startswith("QEMU killed by signal 11")
    ok, msg = verdict(fake_run(GOOD, exit_code=2), "stage1/a", TOK)
    assert not ok and msg.startswith("QEMU exited with code 2")


def test_verdict_timeout():
    r = fake_run("[TEST] stage1/a: PASS\n", exit_code=None, timed_out=True, timeout=60)
    ok, msg = verdict(r, "stage1/a", TOK)
    assert not ok and msg.splitlines()[0] == "timeout after 60 s"
    assert "[TEST] stage1/a: PASS" in msg     # last lines are shown


def test_verdict_panic_shows_whole_report():
    report = "KERNEL PANIC: bad\n" + "".join(f"x{i} = {i}\n" for i in range(40)) + \
             "---[ end panic ]---\n"
    r = fake_run("[TEST] stage1/a: PASS\n" + report, exit_code=3)
    ok, msg = verdict(r, "stage1/a", TOK)
    assert not ok and msg.splitlines()[0] == "kernel panic"
    assert "x0 = 0" in msg and "x39 = 39" in msg and "---[ end panic ]---" in msg
    ok, msg = verdict(fake_run("[TEST] stage1/a: PASS\n", exit_code=3), "stage1/a", TOK)
    assert not ok and msg.startswith("kernel panic (exit code 3")


def test_verdict_test_after_done_is_untrusted():
    text = GOOD + "[TEST] stage1/c: PASS\n"
    ok, msg = verdict(fake_run(text, exit_code=1), "stage1/c", TOK)
    assert not ok and "after the [DONE] line" in msg


def test_verdict_host_runs():
    text = ("[TEST] stage1/u1: PASS\n[DONE] 1/1\n"
            "[TEST] stage2/u2: PASS\n[TEST] stage2/u3: FAIL u.c:1: x\n[DONE] 1/2\n"
            "[TEST] stage2/u4: PASS\n")                       # binary crashed
    r = fake_run(text, exit_code=2)
    assert verdict(r, "stage1/u1", None)[0]
    assert verdict(r, "stage2/u2", None)[0]
    assert verdict(r, "stage2/u3", None) == (False, "stage2/u3: FAIL u.c:1: x")
    ok, msg = verdict(r, "stage2/u4", None)
    assert not ok and "printed no [DONE] line" in msg
    # make failed although every test passed: a build error; nothing is trusted
    r = fake_run("[TEST] stage1/u1: PASS\n[DONE] 1/1\ncc: error: boom\n", exit_code=2)
    ok, msg = verdict(r, "stage1/u1", None)
    assert not ok and "build error" in msg and "cc: error: boom" in msg


# ------------------------------------------------------------------ qemu_command

def test_qemu_command_virt():
    cmd = qemu_command("virt", "build/virt/stage1/Image", smp=2, mem="512M",
                       append="ktest token=ab semihosting", icount=True)
    assert cmd == ["qemu-system-aarch64", "-M", "virt,gic-version=2", "-cpu", "cortex-a72",
                   "-smp", "2", "-m", "512M", "-kernel", "build/virt/stage1/Image",
                   "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
                   "-semihosting-config", "enable=on,target=native",
                   "-append", "ktest token=ab semihosting",
                   "-icount", "shift=0,align=off,sleep=off"]


def test_qemu_command_variants_gdb_interactive():
    cmd = qemu_command("virt", "Image", machine_opts="gic-version=3,virtualization=on",
                       cpu="max", gdb_port=1234, interactive=True)
    assert cmd[cmd.index("-M") + 1] == "virt,gic-version=3,virtualization=on"
    assert cmd[cmd.index("-cpu") + 1] == "max"
    assert "-nographic" in cmd and "-serial" not in cmd and "-display" not in cmd
    assert cmd[-3:] == ["-gdb", "tcp::1234", "-S"]


def test_qemu_command_rpi4(capsys):
    cmd = qemu_command("rpi4", "k/kernel8.img", smp=2, repo_root="/repo")
    assert cmd[:7] == ["qemu-system-aarch64", "-M", "raspi4b", "-kernel", "k/kernel8.img",
                       "-dtb", "/repo/cache/linux/bcm2711-rpi-4-b.dtb"]
    assert "-smp" not in cmd and "-m" not in cmd
    assert "ignoring SMP" in capsys.readouterr().err
    with pytest.raises(ValueError):
        qemu_command("pc", "x")


def test_free_port():
    assert 0 < free_port() < 65536


def test_qemu_cli_print():
    r = subprocess.run([PY, str(TOOLS / "qemu.py"), "--board", "virt", "--kernel", "I",
                        "--append", "bench semihosting", "--print"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    assert r.stdout.startswith("qemu-system-aarch64 -M virt,gic-version=2")
    assert "-nographic" in r.stdout and "-append 'bench semihosting'" in r.stdout


# ------------------------------------------------------------------ run()/boot()

def script(tmp_path, body, name="fakeqemu"):
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    p.chmod(0o755)
    return [str(p)]


def _alive_now(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"   # zombie = dead
    except OSError:
        return False


def alive(pid: int) -> bool:
    """Still running 1 s from now?  (SIGKILL takes a moment to land.)"""
    end = time.monotonic() + 1.0
    while _alive_now(pid) and time.monotonic() < end:
        time.sleep(0.02)
    return _alive_now(pid)


def test_boot_normal_exit(tmp_path):
    cmd = script(tmp_path, f"""\
        printf 'boot: stage=1 board=virt cpus=1 mem=512MiB\\r\\n'
        printf '[TEST] stage1/a: PASS\\r\\n[DONE] 1/1 token={TOK}\\r\\n'
        echo 'to stderr' >&2
        exit 0
        """)
    log = tmp_path / "console.log"
    r = boot(cmd, timeout=10, log_path=log)
    assert (r.exit_code, r.timed_out) == (0, False)
    assert r.output.tests["stage1/a"].status == "PASS"
    assert r.output.done == (1, 1, TOK)
    assert "to stderr" in r.text and log.read_bytes().decode() == r.text
    assert r.last_lines(2) == [f"[DONE] 1/1 token={TOK}", "to stderr"]
    assert verdict(r, "stage1/a", TOK)[0]


def test_boot_hang_times_out_and_kills_the_group(tmp_path):
    cmd = script(tmp_path, """\
        sleep 1000 &
        echo "child $!"
        printf '[TEST] stage1/a: PASS\\r\\n'
        exec sleep 1000
        """)
    t0 = time.monotonic()
    r = boot(cmd, timeout=1.5)
    took = time.monotonic() - t0
    assert r.timed_out and took < 1.5 + 2
    assert r.last_lines()[-1] == "[TEST] stage1/a: PASS"
    child = int(r.lines[0].split()[1])
    assert not alive(child)
    ok, msg = verdict(r, "stage1/a", TOK)
    assert not ok and msg.startswith("timeout after 1.5 s") and "[TEST] stage1/a" in msg


def test_boot_exit_leaves_no_stray_process(tmp_path):
    # the script exits but its background child keeps the pipe open
    cmd = script(tmp_path, """\
        sleep 1000 &
        echo "child $!"
        exit 0
        """)
    t0 = time.monotonic()
    r = boot(cmd, timeout=20)
    assert time.monotonic() - t0 < 6
    assert r.exit_code == 0 and not r.timed_out
    assert not alive(int(r.lines[0].split()[1]))


def test_boot_panic_exit_3(tmp_path):
    cmd = script(tmp_path, """\
        printf '[TEST] stage1/a: PASS\\r\\nKERNEL PANIC: page fault\\r\\n'
        printf 'x0 = 0\\r\\nbacktrace: #0 foo\\r\\n---[ end panic ]---\\r\\n'
        exit 3
        """)
    r = boot(cmd, timeout=10)
    assert r.exit_code == 3 and not r.timed_out
    assert r.output.panic == ["KERNEL PANIC: page fault", "x0 = 0", "backtrace: #0 foo",
                              "---[ end panic ]---"]
    ok, msg = verdict(r, "stage1/a", TOK)
    assert not ok and msg.startswith("kernel panic") and "backtrace: #0 foo" in msg


def test_boot_flood_is_bounded(tmp_path):
    cmd = [PY, "-c", "import sys\nwhile True: sys.stdout.write('x' * 1023 + '\\n')"]
    r = run(cmd, timeout=1.5)
    assert r.timed_out and len(r.text) < 40 << 20


def test_run_missing_program_raises(tmp_path):
    with pytest.raises(OSError):
        run([str(tmp_path / "nope")], timeout=5)


def test_boot_keyboard_interrupt_kills_child(tmp_path, monkeypatch):
    import harness.qemu as hq
    cmd = script(tmp_path, """\
        echo "pid $$"
        exec sleep 1000
        """)
    seen = []

    def add(self, data):          # "Ctrl-C" as soon as the first output arrives
        seen.append(data)
        raise KeyboardInterrupt

    monkeypatch.setattr(hq._Buffer, "add", add)
    with pytest.raises(KeyboardInterrupt):
        hq.run(cmd, timeout=30)
    pid = int(seen[0].split()[1])
    assert not alive(pid)


# ------------------------------------------------------------------ plugin, end to end

FAKE_QEMU = r'''#!/usr/bin/python3
import os, re, sys, time
args = sys.argv
append = args[args.index("-append") + 1] if "-append" in args else ""
m = re.search(r"token=(\w+)", append)
tok = m.group(1) if m else ""
sc = os.environ.get("FAKE_QEMU", "pass")
p = lambda s: (sys.stdout.write(s + "\r\n"), sys.stdout.flush())
p("firmware noise")
p("append: " + append)
p("boot: stage=1 board=virt cpus=4 mem=1024MiB")
names = ["foo", "bar"]
if sc == "undeclared":
    names.append("ghost")
passed = 0
for n in names:
    if sc == "fail" and n == "bar":
        p("[TEST] stage1/bar: FAIL bar.c:7: expected 1, got 2")
    else:
        p(f"[TEST] stage1/{n}: PASS"); passed += 1
    if sc == "panic":
        p("KERNEL PANIC: synchronous abort"); p("x0 = 0"); p("---[ end panic ]---")
        sys.exit(3)
    if sc == "hang":
        time.sleep(1000)
if sc == "badtoken":
    tok = "0000"
p(f"[DONE] {passed}/{len(names)} token={tok}")
sys.exit(0 if passed == len(names) else 1)
'''

FAKE_MAKEFILE = """\
kernel:
\t@if [ "$(FAKE_BUILD)" = fail ]; then echo "kernel/main.c:3:1: error: boom"; exit 2; fi
\t@mkdir -p build/$(BOARD)/stage$(STAGE)-test
\t@touch build/$(BOARD)/stage$(STAGE)-test/Image
host-tests:
\t@printf '[TEST] stage1/u1: PASS\\n[TEST] stage1/u2: FAIL u.c:9: nope\\n[DONE] 1/2\\n'; exit 1
"""


@pytest.fixture
def fake_repo(tmp_path):
    """A repository with the harness, one stage, a fake Makefile and QEMU."""
    repo = tmp_path / "repo"
    (repo / "tools" / "harness").mkdir(parents=True)
    for f in (TOOLS / "harness").glob("*.py"):
        shutil.copy(f, repo / "tools" / "harness" / f.name)
    for f in ("pytest.ini", "run_tests.py"):
        shutil.copy(TOOLS / f, repo / "tools" / f)
    kt = repo / "stage1-demo" / "tests" / "ktest"
    kt.mkdir(parents=True)
    (kt / "demo.c").write_text("#include <ktest.h>\n\n/* points: 5 */\nKTEST(foo)\n{\n}\n\n"
                               "KTEST(bar)\n{\n}\n")
    un = repo / "stage1-demo" / "tests" / "unit"
    un.mkdir()
    (un / "u.c").write_text("UNIT_TEST(u1) {}\nUNIT_TEST(u2) {}\n")
    # a later stage that must not be collected with --stage 1
    (repo / "stage2-more" / "tests" / "ktest").mkdir(parents=True)
    (repo / "stage2-more" / "tests" / "ktest" / "m.c").write_text("KTEST(later)\n")
    (repo / "Makefile").write_text(FAKE_MAKEFILE)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "qemu-system-aarch64").write_text(FAKE_QEMU)
    (bindir / "qemu-system-aarch64").chmod(0o755)
    return repo


def run_suite(repo, *args, scenario="pass", build="ok", timeout=60):
    env = dict(os.environ, FAKE_QEMU=scenario, FAKE_BUILD=build, COLUMNS="250",
               PATH=f"{repo.parent / 'bin'}:{os.environ['PATH']}")
    env.pop("PYTEST_ADDOPTS", None)
    r = subprocess.run([PY, "tools/run_tests.py", "-p", "no:cacheprovider", *args],
                       cwd=repo, env=env, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr, r.stdout.rstrip("\n").splitlines()[-1]


def test_plugin_all_pass_and_grade(fake_repo):
    rc, out, last = run_suite(fake_repo, "--stage", "1", "--grade", "-k", "ktest")
    assert last == "3 passed, 0 failed", out
    assert rc == 0
    assert "stage1/ktest/foo: OK (5/5)" in out and "stage1/ktest/bar: OK (1/1)" in out
    assert "Score: 6/6" in out and "later" not in out
    log = (fake_repo / "build/virt/stage1-test/ktest-console.log").read_text()
    assert "append: ktest token=" in log and log.count("[TEST]") == 2


def test_plugin_units_and_ktest_failure(fake_repo):
    rc, out, last = run_suite(fake_repo, "--stage", "1", "-v", scenario="fail")
    # ktest: foo ok, bar FAIL, _run ok; unit: u1 ok, u2 FAIL, _run ok
    assert last == "4 passed, 2 failed", out
    assert rc == 1
    assert "FAILED stage1/ktest/bar - stage1/bar: FAIL bar.c:7: expected 1, got 2" in out
    assert "FAILED stage1/unit/u2 - stage1/u2: FAIL u.c:9: nope" in out


def test_plugin_one_selected_test_still_boots_the_suite(fake_repo):
    rc, out, last = run_suite(fake_repo, "-k", "foo and ktest")
    assert last == "1 passed, 0 failed", out
    log = (fake_repo / "build/virt/stage1-test/ktest-console.log").read_text()
    assert "append: ktest token=" in log


def test_plugin_panic(fake_repo):
    rc, out, last = run_suite(fake_repo, "-k", "ktest", scenario="panic")
    assert last == "0 passed, 3 failed", out
    assert "FAILED stage1/ktest/foo - kernel panic" in out
    assert "FAILED stage1/ktest/bar - kernel panic" in out
    assert "also: no [TEST] line for stage1/bar" in out
    assert "KERNEL PANIC: synchronous abort" in out and "Traceback" not in out


def test_plugin_hang(fake_repo):
    t0 = time.monotonic()
    rc, out, last = run_suite(fake_repo, "-k", "ktest", "--boot-timeout", "1",
                              scenario="hang")
    assert time.monotonic() - t0 < 20
    assert last == "0 passed, 3 failed", out
    assert "FAILED stage1/ktest/foo - timeout after 1 s" in out
    assert "[TEST] stage1/foo: PASS" in out       # shown among the last lines


def test_plugin_token_mismatch(fake_repo):
    rc, out, last = run_suite(fake_repo, "-k", "ktest", scenario="badtoken")
    assert last == "0 passed, 3 failed", out
    assert "FAILED stage1/ktest/foo - token mismatch" in out


def test_plugin_undeclared_test_fails_run_item(fake_repo):
    rc, out, last = run_suite(fake_repo, "-k", "ktest", scenario="undeclared")
    assert last == "2 passed, 1 failed", out
    assert "FAILED stage1/ktest/_run - [TEST] line(s) for undeclared tests" in out
    assert "stage1/ghost (PASS)" in out


def test_plugin_build_failure_fails_every_item(fake_repo):
    rc, out, last = run_suite(fake_repo, "-k", "ktest", build="fail")
    assert last == "0 passed, 3 failed", out
    assert out.count("kernel/main.c:3:1: error: boom") >= 3
    assert "FAILED stage1/ktest/foo - build failed: `make -s kernel STAGE=1 " \
           "BOARD=virt TEST=1` exited with code 2" in out
    assert "Traceback" not in out


def test_run_tests_no_tests_collected_exits_1(fake_repo):
    rc, out, last = run_suite(fake_repo, "-k", "nothing_matches_this")
    assert last == "0 passed, 0 failed", out
    assert rc == 1


def test_plugin_no_makefile_fails_clearly(fake_repo):
    (fake_repo / "Makefile").unlink()
    rc, out, last = run_suite(fake_repo, "--stage", "1")
    assert last == "0 passed, 6 failed", out
    assert rc == 1 and "Traceback" not in out
    assert "FAILED stage1/unit/u1 - build failed: `make -s host-tests STAGE=1` exited " \
           "with code 2 before any test ran" in out
    assert "No rule to make target 'kernel'" in out


# ------------------------------------------------------------------ budgets
def test_bench_budgets_conditional_on_config(tmp_path):
    """bench.py: `if CONFIG_X` budgets apply only when the build sets CONFIG_X=y."""
    import bench
    cfg = tmp_path / ".config"
    cfg.write_text("CONFIG_STAGE2=y\nCONFIG_KV_IC0=y\n# CONFIG_KV_IC2 is not set\n")
    bud = tmp_path / "budgets.txt"
    bud.write_text("# comment\nstage2/a 10 insns\nstage2/b 20 insns if CONFIG_KV_IC0\n"
                   "stage2/c 30 insns if CONFIG_KV_IC2\n")
    config = bench.load_config(cfg)
    assert config == {"CONFIG_STAGE2", "CONFIG_KV_IC0"}
    assert bench.load_budgets(bud, config) == {"stage2/a": (10, "insns"), "stage2/b": (20, "insns")}
    assert set(bench.load_budgets(bud, set())) == {"stage2/a"}
    bud.write_text("stage2/d 10 insns when CONFIG_X\n")
    with pytest.raises(SystemExit, match="expected"):
        bench.load_budgets(bud, config)
    # several conditions: all must hold
    bud.write_text("stage3/x 1 insns if CONFIG_KV_IC0 CONFIG_STAGE2\n"
                   "stage3/y 2 insns if CONFIG_KV_IC0 CONFIG_KV_IC2\n")
    assert bench.load_budgets(bud, config) == {"stage3/x": (1, "insns")}
    bud.write_text("stage3/z 1 insns if CONFIG_KV_IC0 KV_IC2\n")
    with pytest.raises(SystemExit, match="expected"):
        bench.load_budgets(bud, config)
    # !CONFIG_X: the build does not set it
    bud.write_text("stage3/n 1 insns if CONFIG_KV_IC0 !CONFIG_KV_IC2\n"
                   "stage3/m 2 insns if !CONFIG_KV_IC0\n")
    assert bench.load_budgets(bud, config) == {"stage3/n": (1, "insns")}
    assert bench.load_budgets(bud, set()) == {"stage3/m": (2, "insns")}
    bud.write_text("stage3/o 1 insns if !KV_IC0\n")
    with pytest.raises(SystemExit, match="expected"):
        bench.load_budgets(bud, config)
