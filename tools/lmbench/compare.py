#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""compare.py - the Linux-vs-this-kernel table and chart of the LMbench-style suite.

    tools/lmbench/compare.py --linux build/lmbench/linux.json \\
        --hmk build/lmbench/hmk-bench.txt \\
        --md docs/results/lmbench-linux-vs-hmk.md --png docs/results/lmbench-linux-vs-hmk.png

Inputs: the Linux figures (linux_baseline.py's JSON) and the output of
`make bench STAGE=1` for this kernel (its `[BENCH] stage<N>/<name> <n>
<unit>` lines).  This kernel cannot run the Linux programs until the Linux
ABI shim (stage 6), so its column holds the native equivalent where one
exists (NATIVE below) and "not yet" elsewhere.  Nothing is hard-coded: a
native figure appears as soon as `make bench` prints it.

The normalised column follows HongMeng's Table 5: throughput this
kernel / Linux, latency Linux / this kernel, so > 1 always means this kernel
does better; it is empty where this kernel has no figure.

Also importable: the parsers and the table logic are pure functions
(tools/tests/test_lmbench.py tests them).
"""
import argparse
import json
import re
import sys
import textwrap
from pathlib import Path

# ---------------------------------------------------------------- parsing

_RESULT = re.compile(r"\[LMBENCH\]\s+(\w+)(?:\s+(\S+))?\s+(-?\d+(?:\.\d+)?)\s+(insns|MB/s)\s*$")
_INFO = re.compile(r"\[LMBENCH-INFO\]\s+(\S+)\s*(.*)$")
_DONE = re.compile(r"\[LMBENCH-DONE\]\s+benchmarks=(\d+)\s+failed=(\d+)\s*$")
_FAIL = re.compile(r"^FAIL\s+(.*)$")
_BENCH = re.compile(r"\[BENCH\]\s+(stage(\d+)/(\w+))\s+(-?\d+)\s+(\S+)")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

LATENCY_UNIT = "insns"
BANDWIDTH_UNIT = "MB/s"
NOT_YET = "not yet: needs the Linux ABI shim (stage 6)"
# Figures that are one event, not a per-operation average.
ONE_OFF = {"boot_to_init"}

# Native equivalents: (LMbench bench, variant) -> (native figure name without
# the stage prefix, what the native figure measures).  They are not the same
# operation as the Linux row; the table says what each one is.
NATIVE = {
    ("boot_to_init", None): ("boot_to_init",
                             "from kernel entry to init's main() (Linux: from reset, "
                             "read from CNTVCT_EL0 by /init)"),
    ("lat_syscall", "null"): ("null_syscall",
                              "native `svc #1` HM_SYS_NULL and back (Linux: getppid())"),
    ("lat_ctx", "0k/2"): ("thread_switch",
                          "two threads of one process yielding to each other on one CPU, "
                          "per switch (Linux: two processes passing a token through pipes, "
                          "pipe cost subtracted)"),
    ("lat_pipe", None): ("ipc_null_roundtrip",
                         "native synchronous IPC call and reply by thread migration "
                         "(Linux: one-byte round trip through two pipes)"),
}


def _clean(line):
    return _ANSI.sub("", line).replace("\r", "").replace("\x00", "").strip()


def parse_suite_output(text):
    """Parse the suite's console output.

    Returns {"results": [{"bench", "variant", "value", "unit"}] in order,
    "info": {key: text}, "failures": ["<bench> ...: why"], "done":
    (benchmarks, failed) or None, "malformed": [lines starting [LMBENCH]
    that do not parse], "duplicates": ["bench variant"]}."""
    out = {"results": [], "info": {}, "failures": [], "done": None, "malformed": [],
           "duplicates": []}
    seen = set()
    for raw in text.split("\n"):
        line = _clean(raw)
        if line.startswith("[LMBENCH]"):
            m = _RESULT.search(line)
            if not m:
                out["malformed"].append(line)
                continue
            key = (m.group(1), m.group(2))
            if key in seen:
                out["duplicates"].append(" ".join(k for k in key if k))
                continue
            seen.add(key)
            out["results"].append({"bench": m.group(1), "variant": m.group(2),
                                   "value": float(m.group(3)), "unit": m.group(4)})
        elif line.startswith("[LMBENCH-INFO]"):
            m = _INFO.match(line)
            if m:
                out["info"][m.group(1)] = m.group(2)
        elif line.startswith("[LMBENCH-DONE]"):
            m = _DONE.match(line)
            if m:
                out["done"] = (int(m.group(1)), int(m.group(2)))
            else:
                out["malformed"].append(line)
        else:
            m = _FAIL.match(line)
            if m:
                out["failures"].append(m.group(1))
    return out


def parse_bench_output(text):
    """Parse `make bench` output: {"figures": {"stage1/x": (value, unit)},
    "command": the "bench: qemu-system-aarch64 ..." command or None}."""
    figures, command = {}, None
    for raw in text.split("\n"):
        line = _clean(raw)
        if line.startswith("bench: qemu-system-aarch64") and command is None:
            command = line[len("bench: "):]
        m = _BENCH.search(line)
        if m:
            figures[m.group(1)] = (int(m.group(4)), m.group(5))
    return {"figures": figures, "command": command}


def native_figure(figures, name):
    """The native figure `stage<N>/<name>` of the highest stage N that has
    one, as (full name, value, unit), or None."""
    best = None
    for full, (value, unit) in figures.items():
        m = re.fullmatch(r"stage(\d+)/(\w+)", full)
        if m and m.group(2) == name and (best is None or int(m.group(1)) > best[0]):
            best = (int(m.group(1)), full, value, unit)
    return None if best is None else best[1:]


def kind_of(unit):
    """"latency" for instruction counts, "bandwidth" for MB/s."""
    if unit == LATENCY_UNIT or unit == "insns/op":
        return "latency"
    if unit == BANDWIDTH_UNIT:
        return "bandwidth"
    raise ValueError(f"unknown unit {unit!r}")


def normalised(kind, linux, ours):
    """HM Table 5's ratio, > 1 = this kernel better: latency Linux/ours,
    bandwidth ours/Linux.  None if either figure is missing or not positive."""
    if linux is None or ours is None or linux <= 0 or ours <= 0:
        return None
    return linux / ours if kind == "latency" else ours / linux


def label_of(bench, variant):
    return bench + (" " + variant if variant else "")


def build_rows(linux_results, native_figures):
    """One row per Linux result, in the suite's order:
    {"label", "bench", "variant", "unit", "kind", "linux", "ours", "ours_name",
    "note", "ratio"}; ours/ours_name/note/ratio are None without a figure."""
    rows = []
    for r in linux_results:
        kind = kind_of(r["unit"])
        row = {"label": label_of(r["bench"], r["variant"]), "bench": r["bench"],
               "variant": r["variant"], "unit": r["unit"], "kind": kind,
               "linux": r["value"], "ours": None, "ours_name": None, "note": None,
               "ratio": None}
        nat = NATIVE.get((r["bench"], r["variant"]))
        fig = native_figure(native_figures, nat[0]) if nat else None
        if fig is not None and fig[2] == r["unit"]:
            row["ours_name"], row["ours"], row["note"] = fig[0], float(fig[1]), nat[1]
            row["ratio"] = normalised(kind, row["linux"], row["ours"])
        rows.append(row)
    return rows


def unmatched_native(native_figures, rows):
    """Native figures that no row shows, sorted: [(name, value, unit)]."""
    used = {r["ours_name"] for r in rows if r["ours_name"]}
    return sorted((n, v, u) for n, (v, u) in native_figures.items() if n not in used)


# ---------------------------------------------------------------- Markdown

def fmt_value(value, kind):
    """Latency: whole with thousands separators from 1000 on or when
    integral, else 1 decimal; bandwidth: 1 decimal with separators."""
    if value is None:
        return ""
    if kind == "latency" and (value >= 1000 or value == int(value)):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def unit_label(row):
    """The unit column: per operation, except for one-off figures."""
    if row["kind"] == "bandwidth":
        return "MB/s"
    return "insns" if row["bench"] in ONE_OFF else "insns/op"


def render_markdown(meta, rows, extra_native):
    """The results page.  meta: {"qemu_version", "linux_package",
    "linux_version", "linux_uname", "append", "linux_machine", "runs",
    "identical", "hmk_command", "hmk_stage"}."""
    notes = []
    lines = [
        "# LMbench-style suite: Debian Linux vs this kernel",
        "",
        "Generated by `make compare-linux` ([tools/lmbench/](../../tools/lmbench/README.md));"
        " do not edit by hand.",
        "",
        "- **Counting method:** QEMU `-icount shift=0,align=off,sleep=off`: one guest"
        " instruction is one nanosecond of virtual time, so every figure is an"
        " **instruction count** (latency: instructions = virtual ns per operation; bandwidth:"
        " MB = 2^20 bytes per virtual second), exact and repeatable. These are **not hardware"
        " times**.",
        f"- **QEMU:** {meta['qemu_version']}",
        f"- **Linux:** Debian `{meta['linux_package']}` version `{meta['linux_version']}`"
        + (f" (`{meta['linux_uname']}`)" if meta.get("linux_uname") else ""),
        f"- **Linux machine:** `{meta['linux_machine']}`, the suite as `/init` in an initramfs"
        " (static musl arm64, busybox as `/bin/sh`)",
        f"- **Linux boot arguments:** `{meta['append']}` (`norandmaps`: this kernel does not"
        " randomise user address spaces either)",
        f"- **Linux runs:** {meta['runs']} boots, identical figures:"
        f" {'yes' if meta['identical'] else '**NO**'}",
        f"- **This kernel:** native figures of `make bench STAGE={meta['hmk_stage']}`"
        + (f" (`{meta['hmk_command']}`)" if meta.get("hmk_command") else "")
        + "; it cannot run the Linux programs before the Linux ABI shim (stage 6).",
        "- **Normalised** (as in HongMeng's Table 5): latency Linux / this kernel, throughput"
        " this kernel / Linux; > 1 means this kernel does better. Empty where this kernel has"
        " no figure.",
        "",
        "| benchmark | unit | Linux | this kernel | normalised |",
        "|---|---|---:|---|---:|",
    ]
    for row in rows:
        unit = unit_label(row)
        if row["ours"] is None:
            ours = NOT_YET
        else:
            notes.append(f"`{row['ours_name']}` beside `{row['label']}`: {row['note']}.")
            ours = (f"{fmt_value(row['ours'], row['kind'])} (native `{row['ours_name']}`)"
                    f" [{len(notes)}]")
        # A native equivalent is not the same operation: its ratio is shown
        # in parentheses, as an order of magnitude, not a like-for-like result.
        ratio = "" if row["ratio"] is None else f"({row['ratio']:.2f})"
        lines.append(f"| {row['label']} | {unit} | {fmt_value(row['linux'], row['kind'])} |"
                     f" {ours} | {ratio} |")
    if notes:
        lines += ["", "Native equivalents (not the same operation as the Linux row; their"
                  " normalised figures are in parentheses, not like-for-like results):", ""]
        lines += [f"{i}. {n}" for i, n in enumerate(notes, 1)]
    if extra_native:
        lines += ["", "Native figures of this kernel without a Linux row:", "",
                  "| figure | value | unit |", "|---|---:|---|"]
        lines += [f"| `{n}` | {v:,} | {u} |" for n, v, u in extra_native]
    lines += ["", "What each benchmark measures, and the caveats:"
              " [tools/lmbench/README.md](../../tools/lmbench/README.md).", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- chart

def render_chart(meta, rows, path):
    """Horizontal bars, latency (log scale) and bandwidth panels, Linux and
    this kernel's native equivalents side by side."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lat = [r for r in rows if r["kind"] == "latency"]
    bw = [r for r in rows if r["kind"] == "bandwidth"]
    fig, axes = plt.subplots(1, 2, figsize=(15, 0.42 * max(len(lat), len(bw)) + 3.2),
                             gridspec_kw={"width_ratios": [1.35, 1]})
    colours = {"linux": "#4472c4", "ours": "#ed7d31"}
    for ax, part, title, xlabel in (
            (axes[0], lat, "Latency (lower is better)",
             "instructions per operation (virtual ns), log scale"),
            (axes[1], bw, "Bandwidth (higher is better)",
             "MB (2^20 bytes) per virtual second, log scale")):
        ys = list(range(len(part)))[::-1]
        h = 0.38
        ax.barh([y + h / 2 for y in ys], [r["linux"] for r in part], height=h,
                color=colours["linux"], label=f"Linux {meta['linux_version']} (LMbench-style)")
        ours = [(y, r) for y, r in zip(ys, part) if r["ours"] is not None]
        if ours:
            ax.barh([y - h / 2 for y, _ in ours], [r["ours"] for _, r in ours], height=h,
                    color=colours["ours"], label="this kernel (native equivalent)")
        ax.set_xscale("log")
        values = [r["linux"] for r in part] + [r["ours"] for _, r in ours]
        if values:
            ax.set_xlim(min(values) / 2, max(values) * 8)
        for y, r in zip(ys, part):
            ax.text(r["linux"] * 1.08, y + h / 2, fmt_value(r["linux"], r["kind"]),
                    va="center", fontsize=7.5)
            if r["ours"] is not None:
                ax.text(r["ours"] * 1.08, y - h / 2,
                        f"{fmt_value(r['ours'], r['kind'])}  ({r['ours_name']})",
                        va="center", fontsize=7.5, color="#a04000")
            else:
                ax.text(ax.get_xlim()[0] * 1.1, y - h / 2, "this kernel: not yet (stage 6)",
                        va="center", fontsize=6.5, color="grey")
        ax.set_yticks(ys)
        ax.set_yticklabels([r["label"] + (" (once)" if r["bench"] in ONE_OFF else "")
                            for r in part], fontsize=9)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.grid(axis="x", which="major", alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.suptitle("LMbench-style suite on Debian Linux vs this kernel, counted in instructions "
                 "under QEMU -icount (not hardware time)", fontsize=12)
    footer = (f"{meta['qemu_version']}. Linux: {meta['linux_package']} "
              f"{meta['linux_version']}, {meta['linux_machine']}, boot arguments "
              f"\"{meta['append']}\" (norandmaps: this kernel does not randomise user address "
              "spaces either). Rows without an orange bar: this kernel cannot run Linux programs "
              "before the Linux ABI shim (stage 6). Native equivalents are not the same "
              "operation: see docs/results/lmbench-linux-vs-hmk.md. boot_to_init is one boot, "
              "not a per-operation figure.")
    fig.text(0.01, 0.01, "\n".join(textwrap.wrap(footer, 235)), fontsize=7.5, va="bottom")
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)


# ---------------------------------------------------------------- main

def make_meta(linux, bench, hmk_stage=1):
    """The header facts from the Linux JSON and the parsed `make bench`."""
    q = linux.get("qemu", {})
    m = linux.get("machine", {})
    return {
        "qemu_version": q.get("version", "QEMU (version unknown)"),
        "linux_package": linux.get("linux", {}).get("package", "?"),
        "linux_version": linux.get("linux", {}).get("version", "?"),
        "linux_uname": linux.get("linux", {}).get("uname", ""),
        "append": linux.get("append", ""),
        "linux_machine": f"-M virt,gic-version=2,dtb-randomness=off -cpu {m.get('cpu', '?')}"
                         f" -smp {m.get('smp', '?')} -m {m.get('mem', '?')}",
        "runs": linux.get("runs", 1),
        "identical": linux.get("identical", False),
        "hmk_command": bench.get("command") if bench else None,
        "hmk_stage": hmk_stage,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--linux", required=True, help="linux_baseline.py's JSON")
    ap.add_argument("--hmk", help="output of `make bench STAGE=1` (optional)")
    ap.add_argument("--md", required=True)
    ap.add_argument("--png")
    ap.add_argument("--hmk-stage", type=int, default=1, help="STAGE of `make bench`")
    args = ap.parse_args(argv)

    linux = json.loads(Path(args.linux).read_text())
    bench = {"figures": {}, "command": None}
    if args.hmk and Path(args.hmk).is_file():
        bench = parse_bench_output(Path(args.hmk).read_text(errors="replace"))
    if not bench["figures"]:
        print("compare: note: no [BENCH] figures of this kernel; its column will be empty",
              file=sys.stderr)
    meta = make_meta(linux, bench, args.hmk_stage)
    rows = build_rows(linux["results"], bench["figures"])
    Path(args.md).parent.mkdir(parents=True, exist_ok=True)
    extra = unmatched_native(bench["figures"], rows)
    Path(args.md).write_text(render_markdown(meta, rows, extra))
    print(f"compare: wrote {args.md}")
    if args.png:
        render_chart(meta, rows, args.png)
        print(f"compare: wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
