#!/usr/bin/python3
"""Start QEMU interactively on a kernel (used by `make run` / `make qemu-gdb`).

    tools/qemu.py --board virt|rpi4 --kernel PATH [--smp N] [--mem SIZE]
                  [--machine-opts K=V,...] [--cpu CPU] [--append ARGS]
                  [--icount] [--gdb PORT] [--print]

Builds the command with harness.qemu.qemu_command(interactive=True) (the
console is on this terminal: Ctrl-A X quits, Ctrl-A C toggles the monitor)
and replaces this process with QEMU.  --print only prints the command.
--gdb PORT makes QEMU wait for a debugger on PORT (0 = pick a free port).
"""

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.qemu import BOARDS, QEMU, free_port, qemu_command  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", choices=BOARDS, default="virt")
    ap.add_argument("--kernel", required=True, help="Image (virt) or kernel8.img (rpi4)")
    ap.add_argument("--smp", type=int, help="number of CPUs (virt only)")
    ap.add_argument("--mem", help="RAM size, e.g. 512M or 1G (virt only)")
    ap.add_argument("--machine-opts", action="append",
                    help="extra -M options, e.g. gic-version=3,virtualization=on")
    ap.add_argument("--cpu", help="CPU model (virt only; default cortex-a72)")
    ap.add_argument("--append", help="kernel command line")
    ap.add_argument("--icount", action="store_true", help="deterministic instruction counting")
    ap.add_argument("--gdb", type=int, metavar="PORT", help="wait for gdb on PORT (0 = any)")
    ap.add_argument("--print", action="store_true", help="print the command, do not run it")
    args = ap.parse_args(argv)

    port = args.gdb
    if port == 0:
        port = free_port()
    cmd = qemu_command(args.board, args.kernel, smp=args.smp, mem=args.mem,
                       machine_opts=args.machine_opts, cpu=args.cpu, append=args.append,
                       icount=args.icount, gdb_port=port, interactive=True)
    if args.print:
        print(shlex.join(cmd))
        return 0
    if not Path(args.kernel).is_file():
        print(f"qemu: kernel {args.kernel} not found (build it first: make kernel)",
              file=sys.stderr)
        return 2
    if shutil.which(QEMU) is None:
        print(f"qemu: {QEMU} not found (install it: tools/deps.sh)", file=sys.stderr)
        return 127
    if port is not None:
        print(f"gdb: waiting on port {port}; in another terminal run: make gdb",
              file=sys.stderr)
    sys.stderr.flush()
    os.execvp(cmd[0], cmd)
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main())
