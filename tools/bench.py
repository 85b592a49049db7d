#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench.py - run a stage's benchmarks under QEMU and check them against budgets.

    tools/bench.py --board virt --stage 1 --kernel build/virt/stage1/Image \
                   --budgets stage1-ipc/bench/budgets.txt [more ...] [--runs 2]

The kernel is booted with the bootarg `bench` under
`-icount shift=0,align=off,sleep=off`: one guest instruction is one virtual
nanosecond and one PMU cycle, so every figure is an instruction count and
repeats exactly.  The boot is done --runs times; differing figures are an
error (something in the measurement is not deterministic).

Budget file: one `<stage>/<name> <max> <unit> [if [!]CONFIG_X ...]` per
line, `#` comments.  For a throughput (a unit ending in "/s", such as MB/s)
the number is the least allowed, not the most.  A budget with `if CONFIG_X
[!CONFIG_Y ...]` applies only to a build whose .config (--config) sets each
CONFIG_ name to y and none of the !CONFIG_ ones: a figure that exists only
in one configuration (a service placed in IC0 or in IC2, a composition)
has its budget there.  A figure above its
budget, a budget without a figure or a figure without a budget fails the
check (exit status 1).  These are instruction counts under emulation, not
hardware times.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.qemu import boot, qemu_command  # noqa: E402


def load_config(path):
    """The CONFIG_X=y options of a build's .config (an empty set without one)."""
    if not path or not Path(path).exists():
        return set()
    return {line.split("=", 1)[0] for line in Path(path).read_text().splitlines()
            if line.startswith("CONFIG_") and line.endswith("=y")}


def load_budgets(path, config):
    budgets = {}
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        conds = parts[4:]
        cond = (len(parts) >= 5 and parts[3] == "if"
                and all(c.lstrip("!").startswith("CONFIG_") for c in conds))
        if (len(parts) != 3 and not cond) or not parts[1].isdigit():
            sys.exit(f"bench: {path}:{n}: expected "
                     "'<stage>/<name> <max> <unit> [if [!]CONFIG_X ...]'")
        # CONFIG_X: the build sets it; !CONFIG_X: it does not
        if cond and not all((c[1:] not in config) if c.startswith("!") else (c in config)
                            for c in conds):
            continue
        budgets[parts[0]] = (int(parts[1]), parts[2])
    return budgets


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", default="virt")
    ap.add_argument("--stage", type=int, default=1)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--budgets", required=True, nargs="+",
                    help="budget files; stages 1..N each have one")
    ap.add_argument("--config", help="the build's .config (for 'if CONFIG_X' budgets)")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()

    config = load_config(args.config)
    budgets = {}
    for path in args.budgets:
        budgets.update(load_budgets(path, config))
    cmd = qemu_command(args.board, args.kernel, icount=True, append="bench semihosting",
                       smp=4 if args.board == "virt" else None,
                       mem="1G" if args.board == "virt" else None)
    print("bench: " + " ".join(cmd), flush=True)
    runs = []
    for i in range(args.runs):
        r = boot(cmd, args.timeout)
        if r.timed_out or r.exit_code != 0:
            print("\n".join(r.last_lines(30)))
            sys.exit(f"bench: run {i + 1} failed ({'timeout' if r.timed_out else f'exit {r.exit_code}'})")
        runs.append({name: (b.value, b.unit) for name, b in r.output.benches.items()})
    failed = 0
    if any(run != runs[0] for run in runs[1:]):
        print(f"bench: FAIL: figures differ between runs: {runs}")
        failed += 1
    for name, (value, unit) in sorted(runs[0].items()):
        print(f"[BENCH] {name} {value} {unit}", end="")
        if name not in budgets:
            print("  (no budget)")
            failed += 1
            continue
        limit, bunit = budgets[name]
        floor = bunit.endswith("/s")  # a throughput: its budget is the least allowed
        ok = unit == bunit and (value >= limit if floor else value <= limit)
        failed += not ok
        print(f"  budget {'>= ' if floor else ''}{limit} {bunit}: "
              f"{'ok' if ok else 'UNDER BUDGET' if floor else 'OVER BUDGET'}")
    for name in sorted(set(budgets) - set(runs[0])):
        print(f"bench: FAIL: {name} has a budget but the kernel printed no figure")
        failed += 1
    print(f"bench: {args.runs} runs, identical: {'yes' if all(r == runs[0] for r in runs) else 'NO'}; "
          "figures are instructions under QEMU -icount shift=0 (virtual ns), not hardware time")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
