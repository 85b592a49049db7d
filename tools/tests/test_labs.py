# SPDX-License-Identifier: MIT
"""The lab skeleton generator (tools/labgen.py) and the lab-1 skeleton.

- The repository's lab markers balance (`labgen.py check` exits 0; a tree
  without blocks is fine).
- The generator on synthetic trees (fake git repositories in tmp_path):
  every marker problem is reported with its file:line; placeholders take the
  BEGIN line's indentation and follow the directive, and the generated C
  compiles with -Wall -Wextra -Werror; blocks of earlier labs stay, blocks of
  this and later labs are replaced; LAB.md names the replaced blocks with the
  skeleton's line numbers; the working tree is copied (not HEAD), ignored
  files are not; what `make` refuses.
- End to end, once the repository has LAB 1 blocks: the lab-1 skeleton
  (build/lab1-check) builds, and at least one IPC test (a KTEST/UTEST named
  ipc_*, user_ipc_* or notify_*) fails in it but passes in the reference.

Marker text is always assembled at run time (f"LAB {lab} TODO ..."), never
written out with a digit, so that this file holds no marker of its own.
"""

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.output import verdict
from harness.plugin import declarations
from harness.qemu import kernel_image, run

TOOLS = Path(__file__).resolve().parents[1]
LABGEN = TOOLS / "labgen.py"
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
SUMMARY = re.compile(r"^labgen: (\d+) blocks(?: of lab \d+)? in (\d+) files OK\b", re.M)
IPC_PREFIXES = ("ipc_", "user_ipc_", "notify_")

sys.path.insert(0, str(TOOLS))
import labgen  # noqa: E402


# ------------------------------------------------------------------ helpers

def wrap(body: str, style: str) -> str:
    return f"/* {body} */" if style == "/*" else f"{style} {body}"


def begin(lab, hint="write it", directive=None, style="/*", indent="    ") -> str:
    d = "" if directive is None else f"({directive})"
    return f"{indent}{wrap(f'LAB {lab} TODO BEGIN{d}: {hint}', style)}\n"


def end(lab, style="/*", indent="    ") -> str:
    return f"{indent}{wrap(f'LAB {lab} TODO END', style)}\n"


def git(cwd, *args):
    r = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True)
    assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r.stdout


class FakeRepo:
    """A throw-away git repository and a runner for labgen.py against it."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir()
        git(root, "init", "-q")

    def put(self, rel: str, text: str, add: bool = True) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8", newline="")
        if add:
            git(self.root, "add", rel)
        return p

    def labgen(self, *args, cwd=None):
        cmd = [PY, str(LABGEN), args[0], "--repo", str(self.root), *args[1:]]
        return subprocess.run(cmd, cwd=cwd or self.root, capture_output=True, text=True,
                              timeout=60)


@pytest.fixture
def repo(tmp_path):
    return FakeRepo(tmp_path / "ref")


def problems(r):
    """The `file:line: message` problems a run printed."""
    return [ln[len("labgen: "):] for ln in r.stderr.splitlines()
            if re.match(r"labgen: \S+:\d+: ", ln)]


# ------------------------------------------------------------------ the repository

def test_repository_markers_balance():
    """`labgen.py check` over the whole tree: no marker problem (0 blocks is fine)."""
    r = subprocess.run([PY, str(LABGEN), "check"], cwd=TOOLS.parent, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert SUMMARY.search(r.stdout), r.stdout


def test_labs_mk_lab_check_target():
    """labs/labs.mk's lab-check target works with the top Makefile's variables
    (given with -f until the top Makefile includes it)."""
    top = (TOOLS.parent / "Makefile").read_text()
    files = [] if "labs/labs.mk" in top else ["-f", "Makefile", "-f", "labs/labs.mk"]
    r = subprocess.run(["make", "-s", *files, "lab-check"],
                       cwd=TOOLS.parent, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert SUMMARY.search(r.stdout), r.stdout


# ------------------------------------------------------------------ check

def test_check_ok_counts_blocks_and_files(repo):
    repo.put("a.c", "int f(void)\n{\n" + begin(1) + "    return 1;\n" + end(1) + "}\n"
             + "int g(void)\n{\n" + begin(2) + "    return 2;\n" + end(2) + "}\n")
    repo.put("sub/b.S", begin(1, style="//", indent="\t") + "\tret\n" + end(1, "//", "\t"))
    repo.put("sub/Makefile", begin(1, style="#", indent="") + "X := 1\n" + end(1, "#", ""))
    repo.put("notes.md", "Write the block `" + begin(1, indent="").strip() + "` and so on.\n")
    r = repo.labgen("check")
    assert r.returncode == 0, r.stderr
    assert "labgen: 4 blocks in 3 files OK" in r.stdout
    r = repo.labgen("check", "--lab", "2")
    assert "labgen: 1 blocks of lab 2 in 1 files OK" in r.stdout
    r = repo.labgen("check", "sub")             # a folder: the tree's files under it
    assert "labgen: 2 blocks in 2 files OK" in r.stdout


def test_check_nesting_unbalanced_and_mismatched_labs(repo):
    repo.put("a.c", "int f(void)\n{\n"               # 1-2
             + begin(1, "outer")                     # 3
             + "    int x = 1;\n"                    # 4
             + begin(1, "inner")                     # 5  nested
             + "    x++;\n"                          # 6
             + end(1)                                # 7  closes line 3
             + end(1)                                # 8  no BEGIN left
             + "    return x;\n}\n")
    repo.put("b.c", "\n" + begin(1) + "x;\n" + end(2))           # 2, 4: lab mismatch
    repo.put("c.c", "\n\n" + begin(3) + "x;\n")                   # 3: no END
    repo.put("d/e.h", "\n" + end(1))                              # 2: END without BEGIN
    r = repo.labgen("check")
    assert r.returncode == 1
    assert "OK" not in r.stdout
    assert sorted(problems(r)) == sorted([
        "a.c:5: LAB 1 TODO BEGIN inside the LAB 1 block opened at line 3 (blocks do not nest)",
        "a.c:8: LAB 1 TODO END without a BEGIN",
        "b.c:4: LAB 2 TODO END closes the LAB 1 block opened at line 2",
        "c.c:3: LAB 3 TODO BEGIN has no END in this file",
        "d/e.h:2: LAB 1 TODO END without a BEGIN",
    ])
    r = repo.labgen("check", "c.c")             # one file only
    assert problems(r) == ["c.c:3: LAB 3 TODO BEGIN has no END in this file"]


def test_check_malformed_markers_and_directives(repo):
    def mk(lab, rest):
        return f"LAB {lab} TODO {rest}"
    lines = [
        "int x; " + wrap(mk(1, "BEGIN: after code"), "/*"),                 # 1
        "/* " + mk(1, "BEGIN: no end of comment"),                          # 2
        wrap(mk(1, "BEGIN"), "/*"),                                         # 3
        wrap(mk(1, "BEGIN:   "), "/*"),                                     # 4
        wrap(mk(1, "BEGIN(frobnicate): h"), "/*"),                          # 5
        wrap(mk(1, "BEGIN(panic now): h"), "/*"),                           # 6
        wrap(mk(1, "BEGIN(return x;): h"), "/*"),                           # 7
        wrap(mk(0, "BEGIN: h"), "/*"),                                      # 8
        wrap(mk(1, "BEGIN(return (x): h"), "/*"),                           # 9
        wrap(mk(1, "END of it"), "//"),                                     # 10
        wrap(mk(1, "BEGIN: empty"), "//"),                                  # 11
        wrap(mk(1, "END"), "//"),                                           # 12
        " * " + mk(1, "BEGIN: in a comment block, no opener: not a marker"),  # 13
        'puts("' + mk(1, 'BEGIN: in a string");'),                          # 14
    ]
    repo.put("m.c", "\n".join(lines) + "\n")
    repo.put("m.S", begin(1, directive="panic", style="//") + "ret\n" + end(1, "//"))
    repo.put("m.mk", begin(1, directive="return", style="#") + "x\n" + end(1, "#"))
    r = repo.labgen("check")
    assert r.returncode == 1
    got = {p.split(": ", 1)[0]: p.split(": ", 1)[1] for p in problems(r)}
    assert set(got) == {f"m.c:{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)} | {
        "m.S:1", "m.S:3", "m.mk:1", "m.mk:3"}, got
    assert "alone on its line" in got["m.c:1"]
    assert "must end with */" in got["m.c:2"]
    assert "needs a hint" in got["m.c:3"] and "empty hint" in got["m.c:4"]
    assert "unknown directive 'frobnicate'" in got["m.c:5"]
    assert "bad directive 'panic now'" in got["m.c:6"]
    assert "bad directive 'return x;'" in got["m.c:7"]
    assert "lab numbers start at 1" in got["m.c:8"]
    assert "unbalanced parentheses" in got["m.c:9"]
    assert "unexpected text after LAB 1 TODO END" in got["m.c:10"]
    assert "block is empty" in got["m.c:11"]
    assert "not supported in assembly files" in got["m.S:1"]
    assert got["m.S:3"] == got["m.mk:3"] == "LAB 1 TODO END without a BEGIN"
    assert "not supported in #-comment files" in got["m.mk:1"]


def test_check_missing_path_is_an_error(repo):
    r = repo.labgen("check", "nope.c")
    assert r.returncode == 1 and "nope.c: no such file or directory" in r.stderr


def test_list(repo):
    repo.put("a.c", "\n" + begin(1, "first hint") + "x;\n" + end(1)
             + begin(2, "second hint", "panic") + "y;\n" + end(2))
    r = repo.labgen("list", "--lab", "1")
    assert r.returncode == 0 and r.stdout == "a.c:2: first hint\n"
    r = repo.labgen("list")
    assert r.stdout == "a.c:2: [lab 1] first hint\na.c:5: [lab 2] second hint\n"


# ------------------------------------------------------------------ make

C_REF = (
    "#define HM_ENOSYS 38\n"
    "void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));\n"
    "\n"
    "int f(int x)\n"
    "{\n"
    + begin(1, "double x", "return -HM_ENOSYS")
    + "    int y = x * 2;\n"
    "    return y;\n"
    + end(1)
    + "}\n"
    "\n"
    "int g(int x)\n"
    "{\n"
    + begin(1, "negate", "return (-(HM_ENOSYS))")
    + "    return -x;\n"
    + end(1)
    + "}\n"
    "\n"
    "void h(int *p)\n"
    "{\n"
    "\tif (p) {\n"
    + begin(1, "store one", "return", indent="\t\t")
    + "\t\t*p = 1;\n"
    + end(1, indent="\t\t")
    + "\t}\n"
    "}\n"
    "\n"
    "int k(int *p)\n"
    "{\n"
    + begin(1, 'store 100% of "it" \\o/', "panic")
    + "    *p = 2;\n"
    "    return 0;\n"
    + end(1)
    + "}\n"
    "\n"
    "void m(int *p)\n"
    "{\n"
    + begin(1, "store three", style="//")
    + "    *p = 3;\n"
    + end(1, "//")
    + "}\n")


def skel_of(ref_text: str, marker_lines: dict) -> str:
    """What the generator must make of ref_text: each (lab, hint) block's
    body replaced by the given placeholder line."""
    out, lines, i = [], ref_text.splitlines(keepends=True), 0
    while i < len(lines):
        out.append(lines[i])
        key = next((k for k in marker_lines if "TODO BEGIN" in lines[i] and k in lines[i]), None)
        if key is not None:
            out.append(marker_lines[key])
            while "TODO END" not in lines[i + 1]:
                i += 1
        i += 1
    return "".join(out)


def test_make_placeholders_indentation_and_directives(repo, tmp_path):
    repo.put("k/a.c", C_REF)
    repo.put("k/s.S", "f:\n" + begin(1, "return 0", style="//", indent="\t")
             + "\tmov x0, #0\n" + end(1, "//", "\t") + "\tret\n")
    repo.put("Makefile", "all:\n" + begin(1, "the rule", style="#", indent="\t")
             + "\techo hi\n" + end(1, "#", "\t"))
    repo.put("t.py", "def f():\n" + begin(1, "it's f", "raise", style="#")
             + "    return 1\n" + end(1, "#"))
    repo.put("crlf.c", ("int f(void)\n{\n" + begin(1) + "    return 1;\n" + end(1)
                        + "}\n").replace("\n", "\r\n"))
    out = tmp_path / "out"
    r = repo.labgen("make", "--lab", "1", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "9 blocks of lab 1 replaced" in r.stdout

    got = (out / "k/a.c").read_text()
    assert got == skel_of(C_REF, {
        "double x": "    return -HM_ENOSYS;\n",
        "negate": "    return (-(HM_ENOSYS));\n",
        "store one": "\t\treturn;\n",
        "store 100%": '    panic("LAB 1: not implemented: store 100%% of \\"it\\" \\\\o/");\n',
        "store three": "    /* TODO: your code here */\n",
    })
    assert got.count("TODO BEGIN") == 5 and got.count("TODO END") == 5
    assert (out / "k/s.S").read_text() == (
        "f:\n" + begin(1, "return 0", style="//", indent="\t")
        + "\t/* TODO: your code here */\n" + end(1, "//", "\t") + "\tret\n")
    assert (out / "Makefile").read_text() == (
        "all:\n" + begin(1, "the rule", style="#", indent="\t")
        + "\t# TODO: your code here\n" + end(1, "#", "\t"))
    assert (out / "t.py").read_text() == (
        "def f():\n" + begin(1, "it's f", "raise", style="#")
        + "    raise NotImplementedError(\"LAB 1: not implemented: it's f\")\n" + end(1, "#"))
    assert (out / "crlf.c").read_bytes() == (
        "int f(void)\n{\n" + begin(1) + "    /* TODO: your code here */\n" + end(1)
        + "}\n").replace("\n", "\r\n").encode()

    # Both the reference and the skeleton compile with the kernel's warning flags.
    for src in (repo.root / "k/a.c", out / "k/a.c"):
        cc = subprocess.run(["gcc", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
                             "-Wno-unused-parameter", "-c", str(src),
                             "-o", str(tmp_path / "a.o")], capture_output=True, text=True)
        assert cc.returncode == 0, f"{src}:\n{cc.stderr}"
    ns = {}
    exec(compile((out / "t.py").read_text(), "t.py", "exec"), ns)
    with pytest.raises(NotImplementedError, match="LAB 1: not implemented: it's f"):
        ns["f"]()


def marker_lines(path: Path, lab: int) -> list:
    """1-based lines of the BEGIN markers of `lab` in a file."""
    return [i for i, ln in enumerate(path.read_text().splitlines(), 1)
            if f"LAB {lab} TODO BEGIN" in ln]


def test_make_keeps_earlier_labs_and_replaces_this_and_later(repo, tmp_path):
    text = ("int f(int *p)\n{\n"
            + begin(1, "lab one part") + "    *p = 1;\n" + end(1)
            + begin(2, "lab two part", "return -1") + "    *p += 2;\n    *p *= 2;\n" + end(2)
            + begin(3, "lab three part", "return -1") + "    *p += 3;\n" + end(3)
            + "    return 0;\n}\n")
    repo.put("x.c", text)
    repo.put("labs/lab2-isolation.md", "# Lab 2\n")
    out = tmp_path / "lab2"
    r = repo.labgen("make", "--lab", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert ("1 block of lab 2 replaced, 1 of later labs, 1 of earlier labs kept"
            in r.stdout)
    got = (out / "x.c").read_text()
    assert "*p = 1;" in got                         # lab 1: reference code kept
    assert "*p += 2" not in got and "*p *= 2" not in got and "*p += 3" not in got
    assert got.count("return -1;") == 2
    for lab in (1, 2, 3):                           # every marker line is kept
        assert len(marker_lines(out / "x.c", lab)) == 1

    md = (out / "LAB.md").read_text()
    l2, l3 = marker_lines(out / "x.c", 2)[0], marker_lines(out / "x.c", 3)[0]
    assert l3 == marker_lines(repo.root / "x.c", 3)[0] - 1   # the skeleton's own line
    assert md.startswith("# Lab 2 skeleton\n")
    assert "[labs/lab2-isolation.md](labs/lab2-isolation.md)" in md
    assert f"- `x.c:{l2}` (lab 2): lab two part — placeholder: `return -1;`" in md
    assert f"- `x.c:{l3}` (lab 3): lab three part" in md
    assert "- `x.c:3` (lab 1): lab one part" in md
    mine = md.split("## Your part")[1].split("## Later labs")[0]
    assert "lab two part" in mine and "lab three part" not in mine
    assert "make grade STAGE=2" in md

    # The skeleton checks and lists like the reference (markers kept).
    r = subprocess.run([PY, str(LABGEN), "list", "--repo", str(out)], capture_output=True,
                       text=True)
    assert r.returncode == 0 and f"x.c:{l3}: [lab 3] lab three part" in r.stdout


def test_make_copies_the_working_tree(repo, tmp_path):
    repo.put(".gitignore", "/build/\n/cache/\n")
    repo.put("a.c", "\n" + begin(1) + "x;\n" + end(1))
    tracked = repo.put("t.txt", "committed\n")
    (repo.root / "t.txt").write_text("edited on disk\n")
    repo.put("run.sh", "#!/bin/sh\n").chmod(0o755)
    repo.put("gone.txt", "x\n")
    (repo.root / "gone.txt").unlink()
    repo.put("new.h", "untracked\n", add=False)
    repo.put("build/junk.c", "x\n", add=False)
    repo.put("cache/pkg.deb", "x\n", add=False)
    blob = repo.put("blob.c", "", add=False)
    blob.write_bytes(b"\0\x01" + f"/* LAB {1} TODO BEGIN */".encode())
    git(repo.root, "add", "blob.c")
    assert tracked.exists()

    out = tmp_path / "out"
    r = repo.labgen("make", "--lab", "1", "--out", str(out), "--link-cache")
    assert r.returncode == 0, r.stderr
    assert (out / "t.txt").read_text() == "edited on disk\n"
    assert (out / "new.h").read_text() == "untracked\n"
    assert not (out / "gone.txt").exists() and not (out / "build").exists()
    assert (out / "blob.c").read_bytes() == blob.read_bytes()
    assert os.stat(out / "run.sh").st_mode & stat.S_IXUSR
    assert (out / "cache").is_symlink()
    assert (out / "cache").resolve() == (repo.root / "cache").resolve()
    # A git repository with everything generated staged, the cache link excluded.
    staged = git(out, "ls-files").split()
    assert {"LAB.md", "a.c", "t.txt", "new.h", "run.sh"} <= set(staged)
    assert not [ln for ln in git(out, "status", "--porcelain").splitlines() if ln[:2] != "A "]

    out2 = tmp_path / "out2"
    r = repo.labgen("make", "--lab", "1", "--out", str(out2), "--tracked-only", "--no-git")
    assert r.returncode == 0, r.stderr
    assert not (out2 / "new.h").exists() and not (out2 / ".git").exists()
    assert not (out2 / "cache").exists()


def test_make_refusals(repo, tmp_path):
    repo.put(".gitignore", "/build/\n")
    repo.put("a.c", "\n" + begin(2) + "x;\n" + end(2))
    out = tmp_path / "out"

    r = repo.labgen("make", "--lab", "1", "--out", str(out))      # no lab-1 block
    assert r.returncode == 1 and "lab 1 has no LAB 1 TODO blocks" in r.stderr
    assert not out.exists()

    for bad in (repo.root, repo.root / "sub", tmp_path):          # the repo / not ignored
        r = repo.labgen("make", "--lab", "2", "--out", str(bad))
        assert r.returncode == 1 and "refusing" in r.stderr, r.stderr

    r = repo.labgen("make", "--lab", "2", "--out", str(repo.root / "build/lab2"))
    assert r.returncode == 0, r.stderr                            # ignored: fine

    assert repo.labgen("make", "--lab", "2", "--out", str(out)).returncode == 0
    (out / "mine.c").write_text("student work\n")
    r = repo.labgen("make", "--lab", "2", "--out", str(out))      # exists
    assert r.returncode == 1 and "exists" in r.stderr and (out / "mine.c").exists()
    r = repo.labgen("make", "--lab", "2", "--out", str(out), "--force")
    assert r.returncode == 0 and not (out / "mine.c").exists()

    other = tmp_path / "other"
    other.mkdir()
    (other / "precious").write_text("x")
    r = repo.labgen("make", "--lab", "2", "--out", str(other), "--force")
    assert r.returncode == 1 and "has no LAB.md" in r.stderr and (other / "precious").exists()

    repo.put("b.c", begin(2))                                     # check fails
    r = repo.labgen("make", "--lab", "2", "--out", str(tmp_path / "o3"))
    assert r.returncode == 1 and "b.c:1: LAB 2 TODO BEGIN has no END" in r.stderr
    assert "no skeleton made" in r.stderr and not (tmp_path / "o3").exists()
    assert not list(tmp_path.glob(".o3*"))


def test_outside_git_the_tree_is_walked(tmp_path):
    root = tmp_path / "plain"
    (root / "build").mkdir(parents=True)
    (root / "k.c").write_text("\n" + begin(1) + "x;\n" + end(1))
    (root / "build" / "k.c").write_text(begin(1))                 # would be a problem
    r = subprocess.run([PY, str(LABGEN), "check", "--repo", str(root)], capture_output=True,
                       text=True)
    assert r.returncode == 0 and "labgen: 1 blocks in 1 files OK" in r.stdout, r.stderr


def test_scan_text_unit():
    """The parser directly: a hint with parentheses and colons, a directive
    with nested parentheses, CR-LF endings."""
    text = ("x\r\n" + begin(4, "call f(a): then g()", "return f((1), 2)").replace("\n", "\r\n")
            + "y\r\n" + end(4).replace("\n", "\r\n"))
    blocks, probs = labgen.scan_text("f.c", text, labgen.C)
    assert probs == []
    (b,) = blocks
    assert (b.lab, b.line, b.end, b.hint, b.directive, b.indent) == (
        4, 2, 4, "call f(a): then g()", "return f((1), 2)", "    ")
    assert labgen.placeholder(b) == "return f((1), 2);"


# ------------------------------------------------------------------ lab 1 end to end

def lab1_blocks(repo: Path) -> list:
    blocks, _, _ = labgen.scan_files(repo, labgen.repo_files(repo))
    return [b for b in blocks if b.lab == 1]


def ipc_tests(repo: Path) -> list:
    """"stage1/<name>" of the declared IPC tests (in-kernel and user level)."""
    names = []
    for kind in ("ktest", "user"):
        for f in sorted((repo / "stage1-ipc" / "tests" / kind).glob("*.c")):
            names += [f"stage1/{n}" for n, _, _ in declarations(f, kind)
                      if n.startswith(IPC_PREFIXES)]
    return names


@pytest.fixture(scope="module")
def lab1_skeleton(harness):
    """Generate build/lab1-check from the working tree and build its test
    kernel (its cache/ links to ours: nothing is downloaded)."""
    repo = harness.repo
    if not lab1_blocks(repo):
        pytest.skip("no LAB 1 blocks in the repository yet (labgen.py list --lab 1 is empty)")
    tree = repo / "build" / "lab1-check"
    gen = run([PY, str(LABGEN), "make", "--lab", "1", "--out", str(tree), "--force",
               "--link-cache"], 120, cwd=repo)
    build = None
    if gen.exit_code == 0:
        build = run(["make", "-C", str(tree), "-s", f"-j{os.cpu_count() or 1}", "kernel",
                     "STAGE=1", "BOARD=virt", "TEST=1"], harness.build_timeout,
                    log_path=harness.logs / "make-lab1-check.log")
    return SimpleNamespace(tree=tree, gen=gen, build=build)


def test_lab1_skeleton_builds(lab1_skeleton):
    s = lab1_skeleton
    if s.gen.exit_code != 0:
        pytest.fail("labgen.py make --lab 1 failed:\n" + "\n".join(s.gen.lines), pytrace=False)
    assert (s.tree / "cache").is_symlink()
    if s.build.exit_code != 0 or s.build.timed_out:
        pytest.fail(f"the lab-1 skeleton does not build (log: {s.build.log_path}); a "
                    "placeholder probably leaves an unused variable or function:\n"
                    + "\n".join(s.build.last_lines(40)), pytrace=False)
    assert kernel_image(s.tree / "build/virt/stage1-test", "virt").is_file()


def test_lab1_skeleton_fails_ipc_tests_that_the_reference_passes(harness, lab1_skeleton):
    """At least one IPC test fails in the skeleton (a FAIL line, or no line
    because a placeholder panicked or hung the boot) and passes in the
    reference."""
    names = ipc_tests(harness.repo)
    if not names:
        pytest.skip("no IPC tests yet (no KTEST/UTEST named ipc_*, user_ipc_* or notify_* "
                    "in stage1-ipc/tests/ktest or stage1-ipc/tests/user)")
    s = lab1_skeleton
    if s.gen.exit_code != 0 or s.build is None or s.build.exit_code != 0 or s.build.timed_out:
        pytest.fail("the lab-1 skeleton was not generated or does not build "
                    "(see test_lab1_skeleton_builds)", pytrace=False)
    token = secrets.token_hex(8)
    skel = harness.boot("virt", kernel_image(s.tree / "build/virt/stage1-test", "virt"),
                        f"ktest token={token} semihosting",
                        timeout=min(harness.boot_timeout, 30.0),
                        log_path=harness.logs / "boot-lab1-check.log")

    # The reference: the session's ktest boot when it is this very kernel, else our own.
    if harness.stage == 1 and harness.board == "virt":
        ref_run = harness.ktest_run()
        if ref_run.error:
            pytest.fail("reference: " + ref_run.error, pytrace=False)
        ref, ref_token = ref_run.result, ref_run.token
    else:
        image = kernel_image(harness.build(1, "virt"), "virt")
        ref_token = secrets.token_hex(8)
        ref = harness.boot("virt", image, f"ktest token={ref_token} semihosting",
                           log_path=harness.logs / "boot-lab1-reference.log")

    def status(result, tok, name):
        ok, msg = verdict(result, name, tok)
        return "PASS" if ok else msg.split("\n", 1)[0]

    table = [(n, status(skel, token, n), status(ref, ref_token, n)) for n in names]
    shown = "\n".join(f"  {n}: skeleton: {sk}; reference: {rf}" for n, sk, rf in table)
    wanted = [n for n, sk, rf in table if sk != "PASS" and rf == "PASS"]
    if not wanted:
        pytest.fail("no IPC test fails in the lab-1 skeleton and passes in the reference:\n"
                    + shown + f"\n(skeleton console: {skel.log_path})", pytrace=False)


# ------------------------------------------------------------- labs 2 and 3 end to end

LAB_STAGES = {2: "stage2-isolation", 3: "stage3-composition"}


def stage_tests(repo: Path, lab: int) -> list:
    """"stage<lab>/<name>" of every test the lab's stage declares."""
    names = []
    for kind in ("ktest", "user"):
        for f in sorted((repo / LAB_STAGES[lab] / "tests" / kind).glob("*.c")):
            names += [f"stage{lab}/{n}" for n, _, _ in declarations(f, kind)]
    return names


@pytest.mark.parametrize("lab", sorted(LAB_STAGES))
def test_lab_skeleton_builds_and_fails_tests_the_reference_passes(harness, lab):
    """The lab-N skeleton (build/labN-check) builds, and at least one of its
    stage's tests fails in it (a FAIL line, or none because a placeholder
    panicked or hung the boot) and passes in the reference; and the
    handout exists."""
    repo = harness.repo
    blocks, _, _ = labgen.scan_files(repo, labgen.repo_files(repo))
    if not [b for b in blocks if b.lab == lab]:
        pytest.skip(f"no LAB {lab} blocks in the repository yet")
    assert list((repo / "labs").glob(f"lab{lab}-*.md")), f"labs/lab{lab}-*.md: no handout"
    tree = repo / "build" / f"lab{lab}-check"
    gen = run([PY, str(LABGEN), "make", "--lab", str(lab), "--out", str(tree), "--force",
               "--link-cache"], 120, cwd=repo)
    assert gen.exit_code == 0, "\n".join(gen.lines)
    build = run(["make", "-C", str(tree), "-s", f"-j{os.cpu_count() or 1}", "kernel",
                 f"STAGE={lab}", "BOARD=virt", "TEST=1"], harness.build_timeout,
                log_path=harness.logs / f"make-lab{lab}-check.log")
    if build.exit_code != 0 or build.timed_out:
        pytest.fail(f"the lab-{lab} skeleton does not build (log: {build.log_path}):\n"
                    + "\n".join(build.last_lines(40)), pytrace=False)
    token = secrets.token_hex(8)
    skel = harness.boot("virt", kernel_image(tree / f"build/virt/stage{lab}-test", "virt"),
                        f"ktest token={token} semihosting",
                        log_path=harness.logs / f"boot-lab{lab}-check.log")
    if harness.stage == lab and harness.board == "virt":
        ref_run = harness.ktest_run()
        if ref_run.error:
            pytest.fail("reference: " + ref_run.error, pytrace=False)
        ref, ref_token = ref_run.result, ref_run.token
    else:
        ref_token = secrets.token_hex(8)
        ref = harness.boot("virt", kernel_image(harness.build(lab, "virt"), "virt"),
                           f"ktest token={ref_token} semihosting",
                           log_path=harness.logs / f"boot-lab{lab}-reference.log")

    def status(result, tok, name):
        ok, msg = verdict(result, name, tok)
        return "PASS" if ok else msg.split("\n", 1)[0]

    table = [(n, status(skel, token, n), status(ref, ref_token, n))
             for n in stage_tests(repo, lab)]
    shown = "\n".join(f"  {n}: skeleton: {sk}; reference: {rf}" for n, sk, rf in table)
    if not [n for n, sk, rf in table if sk != "PASS" and rf == "PASS"]:
        pytest.fail(f"no stage-{lab} test fails in the lab-{lab} skeleton and passes in the "
                    f"reference:\n{shown}\n(skeleton console: {skel.log_path})", pytrace=False)
