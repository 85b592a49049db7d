"""Console output parser and run verdicts (pure functions, no I/O).

Contract (one marker per line; the kernel ends lines with \\r\\n or \\n):

    boot: stage=<N> board=<virt|rpi4> cpus=<n> mem=<MiB>MiB
    [TEST] stage<N>/<name>: PASS
    [TEST] stage<N>/<name>: FAIL <file>:<line>: <text>     (detail = after FAIL)
    [BENCH] stage<N>/<name>[/<name>...] <integer> <unit> [key=value ...]
    [DONE] <passed>/<total> token=<token>        (host binaries: no token)
    KERNEL PANIC ...   (report runs to "---[ end panic ]---" or end of output)

Matching rules: each line is stripped of \\r, whitespace, NULs and ANSI
escape sequences; `boot:` and `KERNEL PANIC` must then start the line.  The
bracketed markers ([TEST], [BENCH], [DONE]) are also found after noise on
the same line (e.g. firmware output without a newline); the first one wins.
A line holding a bracketed marker that does not parse is kept in
`ConsoleOutput.malformed` so it can be reported instead of silently ignored.

`parse(text)` returns a `ConsoleOutput`.  `run_problems()` and `verdict()`
decide whether a finished run (anything with the attributes of
`harness.qemu.RunResult`) can be trusted and whether one test passed.
"""

import re
from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Optional, Tuple

PANIC_START = "KERNEL PANIC"
PANIC_END = "---[ end panic ]---"

# Noise we drop before matching: ANSI/VT100 escape sequences and NULs.
_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")
_TEST = re.compile(r"\[TEST\]\s+(stage\d+/\w+):\s+(PASS|FAIL)\b[ \t]*(.*)$")
_BENCH = re.compile(r"\[BENCH\]\s+(stage\d+(?:/\w+)+)\s+(-?\d+)\s+(\S+)((?:\s+[^\s=]+=\S*)*)\s*$")
_DONE = re.compile(r"\[DONE\]\s+(\d+)/(\d+)(?:\s+token=(\S+))?\s*$")
_MARKER = re.compile(r"\[(TEST|BENCH|DONE)\]")
_BOOT = re.compile(r"^boot:\s+(.*)$")


class TestLine(NamedTuple):
    status: str        # "PASS" or "FAIL"
    detail: str        # text after FAIL ("" for PASS)


class Bench(NamedTuple):
    value: int
    unit: str
    extras: Dict[str, str]


class Done(NamedTuple):
    passed: int
    total: int
    token: Optional[str]   # None for host binaries


@dataclass
class ConsoleOutput:
    """Everything recognised in one console log.  Indexes are line numbers
    (0-based) into the list of lines that was parsed."""
    tests: Dict[str, TestLine] = field(default_factory=dict)   # "stage1/foo" -> TestLine
    test_lines: List[Tuple[int, str, TestLine]] = field(default_factory=list)  # in order
    benches: Dict[str, Bench] = field(default_factory=dict)
    dones: List[Tuple[int, Done]] = field(default_factory=list)
    boot: Optional[dict] = None          # first boot line: stage, board, cpus, mem_mib, raw
    boot_count: int = 0
    panic: Optional[List[str]] = None    # lines from KERNEL PANIC on (first panic)
    malformed: List[str] = field(default_factory=list)
    duplicates: List[str] = field(default_factory=list)  # names with more than one line

    @property
    def done(self) -> Optional[Done]:
        """The last [DONE] line, or None."""
        return self.dones[-1][1] if self.dones else None


def split_lines(text: str) -> List[str]:
    """Split console text into lines, dropping \\r of \\r\\n endings."""
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def clean_line(line: str) -> str:
    """A line as the matcher sees it: no escapes, NULs or outer whitespace."""
    return _ANSI.sub("", line).replace("\x00", "").replace("\r", "").strip()


def _parse_boot(rest: str, raw: str) -> dict:
    info = {"raw": raw}
    for word in rest.split():
        if "=" in word:
            key, _, val = word.partition("=")
            info[key] = val
    for key in ("stage", "cpus"):
        if key in info and info[key].isdigit():
            info[key] = int(info[key])
    mem = re.fullmatch(r"(\d+)MiB", str(info.get("mem", "")))
    if mem:
        info["mem_mib"] = int(mem.group(1))
    return info


def parse_lines(lines: List[str]) -> ConsoleOutput:
    out = ConsoleOutput()
    in_panic = False
    for idx, raw in enumerate(lines):
        line = clean_line(raw)
        if in_panic:
            out.panic.append(line)
            if line.startswith(PANIC_END):
                in_panic = False
        elif line.startswith(PANIC_START) and out.panic is None:
            out.panic = [line]
            in_panic = True

        boot = _BOOT.match(line)
        if boot and re.search(r"\bstage=\d+", boot.group(1)):
            out.boot_count += 1
            if out.boot is None:
                out.boot = _parse_boot(boot.group(1), line)
            continue

        marker = _MARKER.search(line)
        if not marker:
            continue
        tail = line[marker.start():]
        kind = marker.group(1)
        if kind == "TEST":
            m = _TEST.match(tail)
            if not m:
                out.malformed.append(line)
                continue
            name, status, detail = m.group(1), m.group(2), m.group(3).strip()
            entry = TestLine(status, detail if status == "FAIL" else "")
            out.test_lines.append((idx, name, entry))
            if name in out.tests:
                if name not in out.duplicates:
                    out.duplicates.append(name)
                if out.tests[name].status == "FAIL":
                    continue        # a FAIL is never overwritten by a later PASS
            out.tests[name] = entry
        elif kind == "BENCH":
            m = _BENCH.match(tail)
            if not m:
                out.malformed.append(line)
                continue
            extras = dict(w.split("=", 1) for w in m.group(4).split())
            out.benches[m.group(1)] = Bench(int(m.group(2)), m.group(3), extras)
        else:
            m = _DONE.match(tail)
            if not m:
                out.malformed.append(line)
                continue
            out.dones.append((idx, Done(int(m.group(1)), int(m.group(2)), m.group(3))))
    return out


def parse(text: str) -> ConsoleOutput:
    """Parse console text (str) into a ConsoleOutput."""
    return parse_lines(split_lines(text))


# --------------------------------------------------------------------------
# Verdicts.  `run` is anything with: output (ConsoleOutput), exit_code
# (int or None; negative = killed by that signal), timed_out, timeout
# (seconds), and last_lines(n).  expected_token=None means a host unit-test
# run (`make host-tests`): several binaries, each ending with "[DONE] p/t"
# without a token, and a make-style exit code (0 = all passed).
# --------------------------------------------------------------------------

CONTEXT_LINES = 30


def _fmt_secs(s) -> str:
    return f"{s:g}" if isinstance(s, (int, float)) else str(s)


def _count(entries) -> Tuple[int, int]:
    """(passed, total) over a list of (idx, name, TestLine)."""
    return sum(1 for _, _, t in entries if t.status == "PASS"), len(entries)


def run_problems(run, expected_token: Optional[str]) -> List[str]:
    """Reasons why this whole run cannot be trusted; [] if it can.
    The most fundamental reason comes first."""
    out = run.output
    host = expected_token is None
    what = "make host-tests" if host else "QEMU"
    problems: List[str] = []
    if run.timed_out:
        problems.append(f"timeout after {_fmt_secs(run.timeout)} s")
    if out.panic is not None:
        problems.append("kernel panic")
    elif not host and run.exit_code == 3:
        problems.append("kernel panic (exit code 3, no panic report on the console)")
    if not run.timed_out and run.exit_code is not None and run.exit_code < 0:
        problems.append(f"{what} killed by signal {-run.exit_code}")
    elif not host and not run.timed_out and run.exit_code not in (0, 1, 3):
        problems.append(f"QEMU exited with code {run.exit_code} (expected 0 or 1)")

    tests = out.test_lines
    if not out.dones:
        problems.append("no [DONE] line (the test run did not finish)")
    elif host:
        # Each binary's [TEST] lines come before its own [DONE] line.
        p_all, t_all = _count(tests)
        d_p = sum(d.passed for _, d in out.dones)
        d_t = sum(d.total for _, d in out.dones)
        if run.exit_code == 0 and p_all != t_all:
            problems.append(f"{what} exited 0 but {t_all - p_all} [TEST] line(s) say FAIL")
        elif (run.exit_code not in (0, None) and p_all == t_all and d_p == d_t
              and not run.timed_out):
            problems.append(f"{what} exited with code {run.exit_code} although no "
                            "test failed (build error?)")
    else:
        if len(out.dones) > 1:
            problems.append(f"{len(out.dones)} [DONE] lines (expected one)")
        done_idx, done = out.dones[-1]
        if done.token != expected_token:
            problems.append(f"token mismatch: expected {expected_token}, "
                            f"[DONE] line has {done.token or 'no token'}")
        before = [t for t in tests if t[0] < done_idx]
        after = [t for t in tests if t[0] > done_idx]
        passed, total = _count(before)
        if (done.passed, done.total) != (passed, total):
            problems.append(f"counts mismatch: [DONE] says {done.passed}/{done.total} "
                            f"but the console shows {passed}/{total}")
        if after:
            problems.append(f"{len(after)} [TEST] line(s) after the [DONE] line")
        if run.exit_code in (0, 1) and not run.timed_out:
            want = 0 if done.passed == done.total else 1
            if run.exit_code != want:
                problems.append(f"exit code {run.exit_code} does not match "
                                f"[DONE] {done.passed}/{done.total}")
    return problems


def host_group_problem(out: ConsoleOutput, name: str) -> Optional[str]:
    """For host runs: is the binary that printed `name` finished and
    consistent (its [DONE] line counts the [TEST] lines since the previous
    [DONE])?"""
    start = -1
    for done_idx, done in out.dones:
        group = [t for t in out.test_lines if start < t[0] < done_idx]
        start = done_idx
        if any(n == name for _, n, _ in group):
            if (done.passed, done.total) != _count(group):
                p, t = _count(group)
                return (f"counts mismatch: [DONE] says {done.passed}/{done.total} "
                        f"but that binary printed {p}/{t}")
            return None
    return "its binary printed no [DONE] line (crashed or hung?)"


def context(run, n: int = CONTEXT_LINES) -> str:
    """Console context for a failure: the whole panic report after a panic,
    else the last n lines."""
    out = run.output
    if out.panic is not None:
        return "panic report:\n" + "\n".join(out.panic)
    lines = run.last_lines(n)
    head = f"last {len(lines)} console lines:" if lines else "(no console output)"
    if run.exit_code is not None:
        head = f"(exit code {run.exit_code}) " + head
    return "\n".join([head] + ["  | " + ln for ln in lines])


def verdict(run, name: str, expected_token: Optional[str]) -> Tuple[bool, str]:
    """Did test `name` ("stage1/foo") pass in this run?

    It passes only if its own line says PASS and the run is trustworthy
    (see run_problems).  Returns (ok, message); on failure the message's
    first line is the main reason (the test's own FAIL line, else the run's
    first problem, else the missing line), then "also: ..." lines, then the
    console context (whole panic report, or the last 30 lines)."""
    out = run.output
    problems = run_problems(run, expected_token)
    entry = out.tests.get(name)
    if entry is not None and expected_token is None:
        group = host_group_problem(out, name)
        if group:
            problems.append(group)

    if entry is not None and entry.status == "PASS" and not problems:
        if name in out.duplicates:
            return True, f"{name}: PASS (printed more than once)"
        return True, f"{name}: PASS"

    if entry is None:
        reason = f"no [TEST] line for {name}"
        hints = [m for m in out.malformed if name in m]
        if hints:
            reason += f" (malformed line: {hints[0]!r})"
        msg = problems + [reason]       # a panic/timeout is the cause: say it first
    elif entry.status == "FAIL":
        msg = [f"{name}: FAIL {entry.detail}".rstrip()] + problems
        if not problems:
            return False, msg[0]    # an ordinary test failure: the detail says it all
    else:
        msg = problems
    lines = [msg[0]] + ["also: " + p for p in msg[1:]]
    if entry is not None and entry.status == "PASS":
        lines.append(f"({name} printed PASS, but the run is not trustworthy)")
    return False, "\n".join(lines) + "\n" + context(run)
