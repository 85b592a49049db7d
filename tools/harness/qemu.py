"""QEMU command lines and a hang-proof process runner.

qemu_command(board, kernel, ...) -> argv list for qemu-system-aarch64, as
    specified for board "virt" and board "rpi4" (machine raspi4b).
free_port() -> a free TCP port on localhost (for -gdb).
run(cmd, timeout, log_path=None, cwd=None) -> RunResult
    runs any command (QEMU, make) with stdin=/dev/null in its own process
    group, merges stderr into stdout, reads output as it arrives, and kills
    the whole group on timeout.  It never leaves a process behind, also on
    KeyboardInterrupt or any other exception.
boot(cmd, timeout, log_path=None) -> RunResult   (run() for QEMU)

A RunResult holds: cmd, text, lines, exit_code (negative = killed by that
signal, None if unknown), timed_out, timeout, elapsed (seconds), log_path,
output (harness.output.ConsoleOutput) and last_lines(n=30).
"""

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Union

from harness.output import ConsoleOutput, parse, split_lines

REPO_ROOT = Path(__file__).resolve().parents[2]
QEMU = "qemu-system-aarch64"
BOARDS = ("virt", "rpi4")
DEFAULT_SMP = 4
DEFAULT_MEM = "1024M"
DEFAULT_CPU = "cortex-a72"
RPI4_DTB = Path("cache/linux/bcm2711-rpi-4-b.dtb")   # relative to the repo

# Output kept in memory: the first HEAD_MAX bytes and the last TAIL_MAX
# bytes; a kernel printing in a loop until the timeout cannot eat the RAM.
HEAD_MAX = 16 << 20
TAIL_MAX = 4 << 20
# After the main process exits, how long to wait for the pipe to close
# (a descendant that kept it open is then killed with the group).
DRAIN_GRACE = 2.0


def kernel_image(build_dir: Union[str, Path], board: str) -> Path:
    """The file QEMU boots for `board` in a build directory."""
    return Path(build_dir) / ("kernel8.img" if board == "rpi4" else "Image")


def _note(msg: str) -> None:
    print(f"qemu: note: {msg}", file=sys.stderr)


def _machine(base: str, defaults: dict, machine_opts) -> str:
    """"virt" + {"gic-version": "2"} + "gic-version=3,virtualization=on"
    -> "virt,gic-version=3,virtualization=on" (user options override)."""
    opts = dict(defaults)
    if isinstance(machine_opts, str):
        machine_opts = [machine_opts]
    for chunk in machine_opts or ():
        for word in chunk.split(","):
            word = word.strip()
            if word:
                key, eq, val = word.partition("=")
                opts[key] = val if eq else None
    parts = [base] + [k if v is None else f"{k}={v}" for k, v in opts.items()]
    return ",".join(parts)


def qemu_command(board: str, kernel: Union[str, Path], *, smp=None, mem=None,
                 machine_opts=None, cpu=None, append: Optional[str] = None,
                 icount: bool = False, gdb_port: Optional[int] = None,
                 interactive: bool = False,
                 repo_root: Union[str, Path] = REPO_ROOT) -> List[str]:
    """Build the qemu-system-aarch64 argv.

    board: "virt" or "rpi4".  kernel: Image (virt) or kernel8.img (rpi4).
    machine_opts: "k=v,k=v" string or list of them, merged into -M.
    interactive: -nographic (Ctrl-A X quits, Ctrl-A C = monitor) instead of
    -display none -serial stdio -monitor none.  gdb_port: -gdb tcp::P -S.
    For rpi4, smp/mem/cpu are fixed by the machine (4 CPUs, 2 GiB,
    Cortex-A72) and are ignored with a note on stderr."""
    if board == "virt":
        cmd = [QEMU, "-M", _machine("virt", {"gic-version": "2"}, machine_opts),
               "-cpu", cpu or DEFAULT_CPU,
               "-smp", str(smp or DEFAULT_SMP), "-m", str(mem or DEFAULT_MEM),
               "-kernel", str(kernel)]
    elif board == "rpi4":
        ignored = [n for n, v in (("SMP", smp), ("MEM", mem), ("CPU", cpu)) if v]
        if ignored:
            _note(f"raspi4b has fixed 4 CPUs, 2 GiB and a Cortex-A72; "
                  f"ignoring {'/'.join(ignored)}")
        cmd = [QEMU, "-M", _machine("raspi4b", {}, machine_opts),
               "-kernel", str(kernel),
               "-dtb", str(Path(repo_root) / RPI4_DTB)]
    else:
        raise ValueError(f"unknown board {board!r} (expected one of {BOARDS})")
    if interactive:
        cmd += ["-nographic"]
    else:
        cmd += ["-display", "none", "-serial", "stdio", "-monitor", "none"]
    cmd += ["-no-reboot", "-semihosting-config", "enable=on,target=native"]
    if append:
        cmd += ["-append", append]
    if icount:
        cmd += ["-icount", "shift=0,align=off,sleep=off"]
    if gdb_port is not None:
        cmd += ["-gdb", f"tcp::{int(gdb_port)}", "-S"]
    return cmd


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunResult:
    cmd: List[str]
    text: str
    exit_code: Optional[int]
    timed_out: bool
    elapsed: float
    timeout: float
    log_path: Optional[Path] = None
    output: ConsoleOutput = field(default=None)

    def __post_init__(self):
        self.lines = split_lines(self.text)
        if self.output is None:
            self.output = parse(self.text)

    def last_lines(self, n: int = 30) -> List[str]:
        return self.lines[-n:] if n > 0 else []


class _Buffer:
    """Keeps the first HEAD_MAX and the last TAIL_MAX bytes."""

    def __init__(self):
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = HEAD_MAX - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > 2 * TAIL_MAX:
                cut = len(self.tail) - TAIL_MAX
                self.dropped += cut
                del self.tail[:cut]

    def text(self) -> str:
        raw = bytes(self.head)
        if self.dropped:
            raw += f"\n[harness: {self.dropped} bytes of output dropped]\n".encode()
        raw += bytes(self.tail)
        return raw.decode("utf-8", errors="replace")


def _exited(proc: subprocess.Popen) -> bool:
    """Has the child exited?  Does NOT reap it, so its pid (= our process
    group id) cannot be reused before we kill the group."""
    try:
        return os.waitid(os.P_PID, proc.pid,
                         os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(cmd: Sequence[str], timeout: float, log_path=None, cwd=None,
        env=None) -> RunResult:
    """Run cmd with a hard timeout; see the module docstring.
    Raises OSError if the program cannot be started."""
    cmd = [str(c) for c in cmd]
    buf = _Buffer()
    start = time.monotonic()
    deadline = start + timeout
    timed_out = False
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=cwd, env=env,
                            start_new_session=True)   # own session + group
    fd = proc.stdout.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    try:
        eof = False
        exited_at = None
        while not eof:
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            if exited_at is None and _exited(proc):
                exited_at = now
            if exited_at is not None and now - exited_at > DRAIN_GRACE:
                break       # a descendant holds the pipe open; killed below
            for _key, _ev in sel.select(min(deadline - now, 0.2)):
                data = os.read(fd, 65536)
                if data:
                    buf.add(data)
                else:
                    eof = True
    finally:
        # Kill whatever is left of the group (QEMU on timeout, strays after a
        # normal exit) before reaping the leader, then collect what the dead
        # processes had already written.
        _kill_group(proc)
        try:
            end = time.monotonic() + 1.0
            while time.monotonic() < end and sel.select(0.1):
                data = os.read(fd, 65536)
                if not data:
                    break
                buf.add(data)
        except OSError:
            pass
        sel.close()
        proc.stdout.close()
        proc.wait()
    elapsed = time.monotonic() - start
    text = buf.text()
    if log_path is not None:
        log_path = Path(log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(text, encoding="utf-8")
    return RunResult(cmd=cmd, text=text, exit_code=None if timed_out else proc.returncode,
                     timed_out=timed_out, elapsed=elapsed, timeout=timeout,
                     log_path=log_path)


def boot(cmd: Sequence[str], timeout: float, log_path=None) -> RunResult:
    """Boot QEMU (argv from qemu_command) and collect its console."""
    return run(cmd, timeout, log_path=log_path)
