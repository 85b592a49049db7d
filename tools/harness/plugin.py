"""pytest plugin: in-kernel tests (KTEST) and host unit tests (UNIT_TEST) as
pytest items, plus the `harness` fixture.  Loaded by tools/pytest.ini.

Options: --stage N (default 1: stages 1..N), --board virt|rpi4 (default
virt), --boot-timeout S (default 60), --build-timeout S (default 900),
--smp/--mem/--cpu/--machine-opts (QEMU variants for the test boot), --grade.

Collection: every `<repo>/stage<k>-*/tests/ktest/*.c` with k <= N gives one
item `stage<k>/ktest/<name>` per line starting `KTEST(name)` or
`KTEST_LATE(name)`; every `tests/user/*.c` one item `stage<k>/user/<name>`
per `UTEST(name)` (user programs run by init in the same boot); every
`tests/unit/*.c` one item `stage<k>/unit/<name>` per `UNIT_TEST(name)`.
`/* points: P */` on the line before sets the item's points (default 1).
If any such item exists, one more item `stage<N>/ktest/_run` (resp.
`stage<N>/unit/_run`, 0 points) checks the run as a whole: trustworthy, and
no [TEST] line for an undeclared test, no malformed or repeated line.

Running (lazily, once per session, cached):
  ktest: `make -s kernel STAGE=N BOARD=b TEST=1`, then one QEMU boot with
         `-append "ktest token=<random> semihosting"` (the whole suite, even
         if -k selects one item).  Console log:
         build/<b>/stage<N>-test/ktest-console.log.
  unit:  `make -s host-tests STAGE=N`  (log: build/test-logs/).
An item passes only if harness.output.verdict() says so: its own line says
PASS and the run is trustworthy.  A build failure fails every item.
"""

import os
import re
import secrets
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

_TOOLS = Path(__file__).resolve().parents[1]
if str(_TOOLS) not in sys.path:
    sys.path.insert(0, str(_TOOLS))

import pytest  # noqa: E402
from _pytest._code.code import ReprFileLocation  # noqa: E402  (stable in pytest 7)

from harness.output import (context, run_problems, verdict,  # noqa: E402
                            host_group_problem)
from harness.qemu import (BOARDS, REPO_ROOT, RunResult, boot,  # noqa: E402
                          kernel_image, qemu_command, run)

# Whatever name pytest imported us under, `import harness.plugin` gets us.
sys.modules.setdefault("harness.plugin", sys.modules[__name__])

STAGE_DIR = re.compile(r"^stage(\d+)-[\w-]+$")
DECL = {"ktest": re.compile(r"^KTEST(?:_LATE)?\((\w+)\)"),
        "user": re.compile(r"^UTEST\((\w+)\)"),
        "unit": re.compile(r"^UNIT_TEST\((\w+)\)")}
POINTS = re.compile(r"/\*\s*points:\s*(\d+)\s*\*/")
CONTEXT_LINES = 30


# ---------------------------------------------------------------- sources

def stage_dirs(repo: Path) -> Dict[int, Path]:
    """{k: <repo>/stage<k>-*} for the stage folders that exist."""
    found = {}
    for d in sorted(repo.iterdir()) if repo.is_dir() else ():
        m = STAGE_DIR.match(d.name)
        if m and d.is_dir():
            found.setdefault(int(m.group(1)), d)
    return found


def classify(path: Path, repo: Path):
    """(stage, kind) if path is <repo>/stage<k>-*/tests/{ktest,unit}/*.c."""
    p = Path(path)
    if p.suffix != ".c" or p.parent.name not in DECL or p.parent.parent.name != "tests":
        return None
    sdir = p.parent.parent.parent
    m = STAGE_DIR.match(sdir.name)
    if not m or sdir.parent.resolve() != repo.resolve():
        return None
    return int(m.group(1)), p.parent.name


def declarations(path: Path, kind: str):
    """[(name, lineno (1-based), points)] declared in a test source file."""
    result = []
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    for i, line in enumerate(lines):
        m = DECL[kind].match(line)
        if m:
            pm = POINTS.search(lines[i - 1]) if i > 0 else None
            result.append((m.group(1), i + 1, int(pm.group(1)) if pm else 1))
    return result


# ---------------------------------------------------------------- session state

@dataclass
class Run:
    """The cached outcome of one kind of run."""
    what: str                          # e.g. "make -s host-tests STAGE=1"
    error: Optional[str] = None        # set if nothing could be run (build failure)
    result: Optional[RunResult] = None
    token: Optional[str] = None        # None for host runs
    declared: set = field(default_factory=set)   # "stage1/foo" names in the sources


class Harness:
    """Session helpers; the `harness` fixture returns this object."""

    def __init__(self, config):
        self.config = config
        self.repo: Path = REPO_ROOT
        self.stage: int = config.getoption("stage")
        self.board: str = config.getoption("board")
        self.boot_timeout: float = config.getoption("boot_timeout")
        self.build_timeout: float = config.getoption("build_timeout")
        self.qemu_opts = {k: v for k, v in (
            ("smp", config.getoption("smp")), ("mem", config.getoption("mem")),
            ("cpu", config.getoption("cpu")),
            ("machine_opts", config.getoption("machine_opts"))) if v}
        self.logs = self.repo / "build" / "test-logs"
        self._builds: Dict[tuple, tuple] = {}
        self._runs: Dict[str, Run] = {}
        self._boots = 0
        self.items: List = []          # the selected items, set after collection
        self.run_items_made: set = set()

    def rel(self, path) -> str:
        """path relative to the repository when inside it (for messages)."""
        try:
            return str(Path(path).resolve().relative_to(self.repo))
        except ValueError:
            return str(path)

    # -- building
    # A configuration variant (make grade STAGE=3 VARIANT=coalesced
    # KCONFIG=CONFIG_FS_MM_COALESCED=y): the Makefile passes it as
    # HM_VARIANT / HM_KCONFIG; builds go to build/<board>/stage<N>[-test]-<variant>.
    variant = os.environ.get("HM_VARIANT", "")
    kconfig = os.environ.get("HM_KCONFIG", "")

    def build_dir(self, stage: int, board: str, test: bool = True) -> Path:
        suffix = f"-{self.variant}" if self.variant else ""
        return self.repo / "build" / board / f"stage{stage}{'-test' if test else ''}{suffix}"

    def _build(self, stage: int, board: str, test: bool = True):
        """(build dir, None) or (None, error message); cached."""
        key = (stage, board, test)
        if key not in self._builds:
            cmd = ["make", "-s", "kernel", f"STAGE={stage}", f"BOARD={board}"]
            cmd += ["TEST=1"] if test else []
            cmd += [f"VARIANT={self.variant}", f"KCONFIG={self.kconfig}"] if self.variant else []
            log = self.logs / f"make-kernel-stage{stage}-{board}{'-test' if test else ''}.log"
            self._builds[key] = self._make(cmd, log, self.build_dir(stage, board, test))
        return self._builds[key]

    def _make(self, cmd, log, result_dir):
        what = shlex.join(cmd)
        try:
            r = run(cmd, self.build_timeout, log_path=log, cwd=self.repo)
        except OSError as e:
            return None, f"build failed: cannot run `{what}`: {e}"
        if r.timed_out or r.exit_code != 0:
            why = (f"timeout after {r.timeout:g} s" if r.timed_out
                   else f"exited with code {r.exit_code}")
            tail = "\n".join("  | " + ln for ln in r.last_lines(CONTEXT_LINES))
            return None, f"build failed: `{what}` {why} (log: {self.rel(log)})\n{tail}"
        return result_dir, None

    def build(self, stage: int, board: str, test: bool = True) -> Path:
        """Build a kernel once per session; returns its build directory.
        On failure the calling test fails with the build's last lines."""
        path, err = self._build(stage, board, test)
        if err:
            pytest.fail(err, pytrace=False)
        return path

    # -- booting
    def boot(self, board: str, kernel_path, append: Optional[str] = None,
             timeout: Optional[float] = None, log_path=None, **qemu_kwargs) -> RunResult:
        """Boot kernel_path once (no interaction) and return the RunResult.
        --smp/--mem/--cpu/--machine-opts apply unless given here."""
        opts = dict(self.qemu_opts) if board == "virt" else {}
        opts.update(qemu_kwargs)
        cmd = qemu_command(board, kernel_path, append=append, repo_root=self.repo, **opts)
        if log_path is None:
            self._boots += 1
            log_path = self.logs / f"boot-{self._boots}-{board}.log"
        return boot(cmd, self.boot_timeout if timeout is None else timeout, log_path)

    # -- the two cached runs
    def declared(self, kind: str) -> set:
        names = set()
        for k, d in stage_dirs(self.repo).items():
            if k <= self.stage:
                for f in sorted((d / "tests" / kind).glob("*.c")):
                    names.update(f"stage{k}/{n}" for n, _, _ in declarations(f, kind))
        return names

    def ktest_run(self) -> Run:
        if "ktest" not in self._runs:
            self._runs["ktest"] = self._ktest_run()
        return self._runs["ktest"]

    def _ktest_run(self) -> Run:
        # User-level tests (UTEST in tests/user/) run in the same boot: the
        # kernel starts init, which runs them and reports through the kernel.
        res = Run(what=f"ktest boot (stage {self.stage}, {self.board})",
                  declared=self.declared("ktest") | self.declared("user"))
        bdir, err = self._build(self.stage, self.board, test=True)
        if err:
            res.error = err
            return res
        image = kernel_image(bdir, self.board)
        if not image.is_file():
            res.error = f"build succeeded but {image} is missing"
            return res
        res.token = secrets.token_hex(8)
        # Always the whole suite, even when one item is selected: cheap, and
        # the [DONE] line then covers every test of the boot.
        append = f"ktest token={res.token} semihosting"
        try:
            res.result = self.boot(self.board, image, append,
                                   log_path=bdir / "ktest-console.log")
        except OSError as e:
            res.error = f"cannot start QEMU: {e}"
        return res

    def unit_run(self) -> Run:
        if "unit" not in self._runs:
            cmd = ["make", "-s", "host-tests", f"STAGE={self.stage}"]
            res = Run(what=shlex.join(cmd), declared=self.declared("unit"))
            log = self.logs / f"host-tests-stage{self.stage}.log"
            try:
                r = res.result = run(cmd, self.build_timeout, log_path=log, cwd=self.repo)
                if (r.exit_code != 0 and not r.timed_out and not r.output.test_lines
                        and not r.output.dones):
                    # nothing ran: a build failure of the host tests
                    tail = "\n".join("  | " + ln for ln in r.last_lines(CONTEXT_LINES))
                    res.error = (f"build failed: `{res.what}` exited with code {r.exit_code} "
                                 f"before any test ran (log: {self.rel(log)})\n{tail}")
            except OSError as e:
                res.error = f"cannot run `{res.what}`: {e}"
            self._runs["unit"] = res
        return self._runs["unit"]

    def run_for(self, kind: str) -> Run:
        return self.ktest_run() if kind in ("ktest", "user") else self.unit_run()


_KEY = pytest.StashKey[Harness]()


# ---------------------------------------------------------------- pytest hooks

def pytest_addoption(parser):
    g = parser.getgroup("harness", "kernel test harness")
    g.addoption("--stage", type=int, default=1, help="run the tests of stages 1..N (default 1)")
    g.addoption("--board", choices=BOARDS, default="virt", help="board to test (default virt)")
    g.addoption("--boot-timeout", type=float, default=60.0, metavar="S",
                help="seconds before a test boot is killed (default 60)")
    g.addoption("--build-timeout", type=float, default=900.0, metavar="S",
                help="seconds before make (kernel build, host tests) is killed (default 900)")
    g.addoption("--smp", type=int, help="QEMU -smp for test boots (virt)")
    g.addoption("--mem", help="QEMU -m for test boots (virt)")
    g.addoption("--cpu", help="QEMU -cpu for test boots (virt)")
    g.addoption("--machine-opts", action="append",
                help="extra QEMU -M options for test boots, e.g. gic-version=3")
    g.addoption("--grade", action="store_true", help="print points per item and the score")


def pytest_configure(config):
    config.stash[_KEY] = Harness(config)
    config.addinivalue_line("markers", "points(n): points of a graded Python test (--grade)")


def pytest_report_header(config):
    h = config.stash[_KEY]
    return (f"harness: stage 1..{h.stage}, board {h.board}, boot timeout {h.boot_timeout:g} s, "
            f"logs in {h.logs.relative_to(h.repo)}/")


def pytest_collect_file(file_path, parent):
    info = classify(file_path, REPO_ROOT)
    if info and info[0] <= parent.config.getoption("stage"):
        return CTestFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(session, config, items):
    """Move each `_run` check item after the last item of its kind."""
    for run_item in [it for it in items if isinstance(it, RunCheckItem)]:
        items.remove(run_item)
        last = max((i for i, it in enumerate(items)
                    if isinstance(it, StageItem) and it.kind == run_item.kind), default=-1)
        items.insert(last + 1, run_item)


@pytest.fixture(scope="session")
def harness(request) -> Harness:
    """Session helpers: harness.repo, .build(stage, board, test=True),
    .boot(board, kernel_path, append, timeout=..., **qemu_kwargs),
    .stage, .board, .boot_timeout."""
    return request.config.stash[_KEY]


# Outcome per nodeid for --grade ("OK", "FAIL", "SKIP"); reset per session.
_OUTCOMES: Dict[str, str] = {}


def pytest_sessionstart(session):
    _OUTCOMES.clear()


def pytest_collection_finish(session):
    session.config.stash[_KEY].items = list(session.items)


def pytest_runtest_logreport(report):
    prev = _OUTCOMES.get(report.nodeid)
    if report.failed:
        _OUTCOMES[report.nodeid] = "FAIL"
    elif report.skipped and prev is None:
        _OUTCOMES[report.nodeid] = "SKIP"
    elif report.when == "call" and report.passed and prev is None:
        _OUTCOMES[report.nodeid] = "OK"


def _points(item) -> Optional[int]:
    """Points of a graded item, or None if the item is not graded."""
    if isinstance(item, StageItem):
        return item.points
    if isinstance(item, RunCheckItem):
        return None
    mark = item.get_closest_marker("points")
    return int(mark.args[0]) if mark and mark.args else None


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not config.getoption("grade"):
        return
    tr = terminalreporter
    tr.write_sep("=", "grade")
    got = total = 0
    for item in config.stash[_KEY].items:
        pts = _points(item)
        if pts is None:
            continue
        status = _OUTCOMES.get(item.nodeid, "NOT RUN")
        earned = pts if status == "OK" else 0
        got += earned
        total += pts
        tr.write_line(f"{item.nodeid}: {status} ({earned}/{pts})")
    tr.write_line(f"Score: {got}/{total}")


# ---------------------------------------------------------------- collectors

class HarnessItem(pytest.Item):
    """Common failure reporting: the message as given (no Python traceback),
    and only its first line in the short summary / junit message."""

    def repr_failure(self, excinfo, style=None):
        rep = super().repr_failure(excinfo, style)
        if isinstance(excinfo.value, pytest.fail.Exception) and hasattr(rep, "reprcrash"):
            # pytrace=False reports carry no crash line; give them the reason.
            first = str(excinfo.value.msg or "").split("\n", 1)[0]
            rep.reprcrash = ReprFileLocation(str(self.path), self.lineno or 0, first)
        return rep

    def _run(self) -> Run:
        res = self.config.stash[_KEY].run_for(self.kind)
        if res.error:
            pytest.fail(res.error, pytrace=False)
        return res


class CTestFile(pytest.File):
    """A tests/ktest/*.c or tests/unit/*.c file: one item per declaration."""

    def collect(self):
        stage, kind = classify(self.path, REPO_ROOT)
        for name, lineno, points in declarations(self.path, kind):
            node = f"stage{stage}/{kind}/{name}"
            item = StageItem.from_parent(self, name=node, nodeid=node)
            item.kind, item.stage, item.test_name = kind, stage, name
            item.key, item.lineno, item.points = f"stage{stage}/{name}", lineno, points
            yield item
        # The first file of each kind collected in the session also carries
        # the run check item `stage<N>/<kind>/_run`.
        h = self.config.stash[_KEY]
        if kind != "user" and kind not in h.run_items_made:  # user: the ktest run's check
            h.run_items_made.add(kind)
            node = f"stage{h.stage}/{kind}/_run"
            yield RunCheckItem.from_parent(self, name=node, nodeid=node, kind=kind)


class StageItem(HarnessItem):
    """One KTEST or UNIT_TEST; passes iff verdict() says so."""
    kind = stage = test_name = key = lineno = points = None

    def runtest(self):
        res = self._run()
        ok, msg = verdict(res.result, self.key, res.token)
        if not ok:
            log = res.result.log_path
            h = self.config.stash[_KEY]
            pytest.fail(msg + (f"\n(full console log: {h.rel(log)})" if log else ""),
                        pytrace=False)

    def reportinfo(self):
        return self.path, (self.lineno or 1) - 1, self.name


class RunCheckItem(HarnessItem):
    """Checks a whole run: trustworthy, no undeclared/malformed/repeated lines."""

    def __init__(self, *, kind, **kw):
        super().__init__(**kw)
        self.kind = kind

    def runtest(self):
        res = self._run()
        r, out = res.result, res.result.output
        problems = run_problems(r, res.token)
        undeclared = [f"{n} ({t.status}{' ' + t.detail if t.detail else ''})"
                      for n, t in out.tests.items() if n not in res.declared]
        if undeclared:
            problems.append(f"[TEST] line(s) for undeclared tests "
                            f"(no {'KTEST' if self.kind == 'ktest' else 'UNIT_TEST'}"
                            f"(name) in the sources): " + ", ".join(undeclared))
        if out.malformed:
            problems.append("malformed marker line(s): " + "; ".join(map(repr, out.malformed)))
        if out.duplicates:
            problems.append("test(s) printed more than once: " + ", ".join(out.duplicates))
        if res.token is None:
            groups = {host_group_problem(out, n) for n in out.tests}
            problems += sorted(g for g in groups if g)
        if problems:
            msg = "\n".join([problems[0]] + ["also: " + p for p in problems[1:]])
            log = self.config.stash[_KEY].rel(r.log_path)
            pytest.fail(f"{msg}\n{context(r)}\n(full console log: {log})",
                        pytrace=False)

    lineno = None

    def reportinfo(self):
        return self.path, None, self.name
