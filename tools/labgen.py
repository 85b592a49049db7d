#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""labgen.py - make lab skeletons from the reference kernel, and check its markers.

The reference code marks the parts a student writes with a pair of comment
lines (shown here with <n> for the lab number):

    /* LAB <n> TODO BEGIN: one-line hint shown to the student */
    ...reference code...
    /* LAB <n> TODO END */

A line holding the marker words after a comment opener is taken as a marker,
and must then be one: a comment alone on its line, well formed.  Where
markers are recognised, and in which comment style:

    .c .h                 /* ... */ or //   directives: return [value], panic
    .S .s .dts .dtsi      /* ... */ or //   no directive
    .ld .lds              /* ... */         no directive
    .py                   #                 directive: raise
    Makefile *.mk Kconfig* *_defconfig .sh .ini .cfg .toml .yml .yaml
                          #                 no directive

Other files (Markdown, text, binaries) are never scanned, so a handout can
talk about markers freely.  A directive after BEGIN picks the placeholder:

    BEGIN(return -HM_ENOSYS): hint   ->  return -HM_ENOSYS;
    BEGIN(return): hint              ->  return;
    BEGIN(panic): hint               ->  panic("LAB <n>: not implemented: hint");
    BEGIN(raise): hint   (Python)    ->  raise NotImplementedError("LAB <n>: ...")
    BEGIN: hint                      ->  /* TODO: your code here */  (# in # files)

The placeholder takes the BEGIN line's indentation.  The marker lines are
always kept, so a skeleton can be checked, listed and regenerated too.

Commands (the repository is the tree this script belongs to, or --repo):

    labgen.py check [--lab N] [paths...]
        Every BEGIN has an END of the same lab further down the same file,
        blocks do not nest, no END without BEGIN, every BEGIN has a hint and
        a valid directive, every line that looks like a marker is one.
        Prints `labgen: <file>:<line>: <problem>` per problem and exits 1,
        else `labgen: N blocks in M files OK` (with --lab: lab N's blocks).
    labgen.py list [--lab N]
        One line per block: `file:line: hint` (without --lab: `[lab n] hint`).
    labgen.py make --lab N --out DIR [--force] [--link-cache] [--tracked-only] [--no-git]
        Copies the tree to DIR and replaces the blocks a lab-N student has
        not written yet: those of lab N and of every later lab.  Blocks of
        earlier labs stay as reference code (those labs are done).  Writes
        DIR/LAB.md (the replaced blocks, with the skeleton's line numbers)
        and makes DIR a git repository with everything staged, so that
        `git diff` shows the student's own work.  Refuses if `check` fails,
        if lab N has no block, or if DIR exists (--force replaces a tree
        generated earlier; anything else is never deleted), or if DIR is
        inside the repository but not git-ignored.  --link-cache makes
        DIR/cache a symlink to the repository's cache/ (`make lab` uses it:
        building the skeleton then downloads nothing).

Which files: those `git ls-files` lists, tracked and untracked-but-not-ignored
(`--others --exclude-standard`), as they are on disk - the reference is
edited long before it is committed, and the skeleton must match what `make`
builds in the working tree.  --tracked-only drops the untracked ones.
Ignored files (build/, cache/) are never copied.  Outside a git work tree
the files under the repository are walked instead, skipping .git, build/
and cache/.

Writing blocks that leave a skeleton which still builds with -Werror: keep
locals used only by the reference code inside the block, do not put the only
call of a static function in a block, and prefer a directive that makes the
caller fail visibly (return an error, panic) over an empty body.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

DEFAULT_REPO = Path(__file__).resolve().parents[1]
PROG = "labgen"

# The marker words; after a comment opener, the line must parse as a marker.
LOOSE = re.compile(r"\bLAB\s*\d+\s+TODO\s+(?:BEGIN|END)\b")
# The marker itself, once the comment delimiters are stripped.
MARKER = re.compile(r"LAB\s+(\d+)\s+TODO\s+(BEGIN|END)\b")
RETURN = re.compile(r"return(?:\s+(\S.*))?$")
BINARY_PROBE = 8192


@dataclass(frozen=True)
class Lang:
    """How markers look in one kind of file and what a placeholder is."""
    name: str
    openers: Tuple[str, ...]        # comment openers a marker may use
    directives: Tuple[str, ...]     # directive keywords allowed after BEGIN
    todo: str                       # the placeholder without a directive


C = Lang("C", ("/*", "//"), ("return", "panic"), "/* TODO: your code here */")
ASM = Lang("assembly", ("/*", "//"), (), "/* TODO: your code here */")
LDS = Lang("linker script", ("/*",), (), "/* TODO: your code here */")
PY = Lang("Python", ("#",), ("raise",), "# TODO: your code here")
HASH = Lang("#-comment", ("#",), (), "# TODO: your code here")

BY_SUFFIX = {".c": C, ".h": C, ".S": ASM, ".s": ASM, ".dts": ASM, ".dtsi": ASM,
             ".ld": LDS, ".lds": LDS, ".py": PY, ".mk": HASH, ".sh": HASH,
             ".ini": HASH, ".cfg": HASH, ".toml": HASH, ".yml": HASH, ".yaml": HASH}
BY_NAME = {"Makefile": HASH, "GNUmakefile": HASH, "makefile": HASH}


def lang_of(path: str) -> Optional[Lang]:
    """The marker language of a file, from its name; None: never scanned."""
    p = Path(path)
    if p.name in BY_NAME:
        return BY_NAME[p.name]
    if p.name.startswith("Kconfig") or p.name.endswith("_defconfig"):
        return HASH
    return BY_SUFFIX.get(p.suffix)


@dataclass
class Marker:
    kind: str                       # "BEGIN" or "END"
    lab: int
    line: int                       # 1-based
    indent: str = ""
    directive: Optional[str] = None
    hint: str = ""


@dataclass
class Block:
    """One marked block: BEGIN at `line`, END at `end` (1-based, inclusive)."""
    path: str                       # relative to the repository, '/'-separated
    lab: int
    line: int
    end: int
    hint: str
    directive: Optional[str]
    indent: str
    lang: Lang


Problem = Tuple[str, int, str]      # (path, line, message)


class LabgenError(Exception):
    """A refusal: printed as `labgen: <message>`, exit status 1."""


# ------------------------------------------------------------------ parsing

def split_lines(text: str) -> List[str]:
    """Lines with their endings, split at \\n only (as editors and compilers
    count lines: a form feed or \\r alone does not start a line)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _split_directive(rest: str) -> Tuple[Optional[str], str, Optional[str]]:
    """rest = text after BEGIN.  Returns (directive or None, text after it,
    error or None); the directive is the balanced (...) right after BEGIN."""
    rest = rest.lstrip()
    if not rest.startswith("("):
        return None, rest, None
    depth = 0
    for i, ch in enumerate(rest):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return rest[1:i].strip(), rest[i + 1:], None
    return None, "", "unbalanced parentheses in the directive"


def _check_directive(directive: str, lang: Lang) -> Optional[str]:
    """None if the directive is valid in this language, else the problem."""
    if not lang.directives:
        return f"directives are not supported in {lang.name} files (got '{directive}')"
    word = directive.split(None, 1)[0] if directive else ""
    if word not in lang.directives:
        allowed = " or ".join("return [value]" if d == "return" else d
                              for d in lang.directives)
        return f"unknown directive '{directive}' (in {lang.name} files: {allowed})"
    if word == "return":
        m = RETURN.match(directive)
        if not m or ";" in directive:
            return f"bad directive '{directive}' (expected return or return <value>, no ';')"
    elif directive != word:
        return f"bad directive '{directive}' ('{word}' takes no argument)"
    return None


def parse_marker(text: str, lang: Lang, lineno: int) -> Tuple[Optional[Marker], Optional[str]]:
    """Parse a line that LOOSE matched.  Returns (marker, None) or (None, problem).

    Assumes: lang is the file's marker language.  Guarantees: a marker is
    returned only for a comment alone on its line in one of lang's comment
    styles, with a lab number >= 1, a non-empty hint and a valid directive
    (BEGIN), or nothing after the keyword (END)."""
    stripped = text.strip()
    opener = next((op for op in lang.openers if stripped.startswith(op)), None)
    styles = " or ".join(f"{op} ... */" if op == "/*" else f"{op} ..." for op in lang.openers)
    if opener is None:
        return None, f"a marker must be a comment alone on its line ({styles})"
    body = stripped[len(opener):]
    if opener == "/*":
        if not body.endswith("*/") or "*/" in body[:-2]:
            return None, "a marker comment must end with */ on its line, with nothing after it"
        body = body[:-2]
    body = body.strip()
    m = MARKER.match(body)
    if not m:
        return None, ("malformed marker (expected 'LAB <n> TODO BEGIN[(directive)]: <hint>' "
                      "or 'LAB <n> TODO END')")
    lab, kind = int(m.group(1)), m.group(2)
    if lab < 1:
        return None, f"lab numbers start at 1 (got LAB {lab})"
    indent = text[:len(text) - len(text.lstrip())]
    rest = body[m.end():]
    if kind == "END":
        if rest.strip():
            return None, f"unexpected text after LAB {lab} TODO END: '{rest.strip()}'"
        return Marker("END", lab, lineno, indent), None
    directive, rest, err = _split_directive(rest)
    if err:
        return None, err
    rest = rest.strip()
    if not rest.startswith(":"):
        return None, f"LAB {lab} TODO BEGIN needs a hint: 'LAB {lab} TODO BEGIN: <hint>'"
    hint = rest[1:].strip()
    if not hint:
        return None, f"LAB {lab} TODO BEGIN has an empty hint"
    if directive is not None:
        err = _check_directive(directive, lang)
        if err:
            return None, err
    return Marker("BEGIN", lab, lineno, indent, directive, hint), None


def scan_text(path: str, text: str, lang: Lang) -> Tuple[List[Block], List[Problem]]:
    """All blocks and marker problems of one file's text.

    Guarantees: every returned block has a BEGIN and an END of the same lab
    with at least one line between them; every other marker line yields a
    problem (nesting, END without BEGIN, lab mismatch, BEGIN without END,
    malformed).  After a problem the scan goes on, so one run reports all."""
    blocks: List[Block] = []
    problems: List[Problem] = []
    open_: Optional[Marker] = None
    for lineno, line in enumerate(split_lines(text), 1):
        # A marker candidate: the marker words after a comment opener.  Text
        # elsewhere (a string, a sentence in a comment block) is not a marker.
        m = LOOSE.search(line)
        if not m or not any(op in line[:m.start()] for op in lang.openers):
            continue
        mk, err = parse_marker(line.rstrip("\r\n"), lang, lineno)
        if err:
            problems.append((path, lineno, err))
            continue
        if mk.kind == "BEGIN":
            if open_ is not None:
                problems.append((path, lineno, f"LAB {mk.lab} TODO BEGIN inside the LAB "
                                 f"{open_.lab} block opened at line {open_.line} "
                                 "(blocks do not nest)"))
            else:
                open_ = mk
        elif open_ is None:
            problems.append((path, lineno, f"LAB {mk.lab} TODO END without a BEGIN"))
        elif mk.lab != open_.lab:
            problems.append((path, lineno, f"LAB {mk.lab} TODO END closes the LAB {open_.lab} "
                             f"block opened at line {open_.line}"))
            open_ = None
        elif lineno == open_.line + 1:
            problems.append((path, open_.line, f"LAB {mk.lab} block is empty "
                             "(no reference code between BEGIN and END)"))
            open_ = None
        else:
            blocks.append(Block(path, open_.lab, open_.line, lineno, open_.hint,
                                open_.directive, open_.indent, lang))
            open_ = None
    if open_ is not None:
        problems.append((path, open_.line, f"LAB {open_.lab} TODO BEGIN has no END in this file"))
    return blocks, problems


# ------------------------------------------------------------------ files

def read_text(path: Path) -> Optional[str]:
    """The file as text, or None for binaries (a NUL byte near the start,
    or not UTF-8), symlinks and unreadable files."""
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:BINARY_PROBE]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)


def is_git_root(repo: Path) -> bool:
    """Is repo the top of a git work tree (not merely inside one)?"""
    try:
        r = _git(repo, "rev-parse", "--show-toplevel")
    except OSError:
        return False
    top = r.stdout.decode(errors="replace").strip()
    return r.returncode == 0 and bool(top) and Path(top).resolve() == repo.resolve()


def repo_files(repo: Path, tracked_only: bool = False) -> List[str]:
    """The tree's files ('/'-separated, relative, sorted) that exist on disk."""
    if is_git_root(repo):
        args = ["ls-files", "-z", "--cached"]
        if not tracked_only:
            args += ["--others", "--exclude-standard"]
        r = _git(repo, *args)
        if r.returncode != 0:
            raise LabgenError(f"git ls-files failed in {repo}: "
                              f"{r.stderr.decode(errors='replace').strip()}")
        names = {n for n in r.stdout.decode("utf-8", errors="surrogateescape").split("\0") if n}
    else:
        names = set()
        for root, dirs, files in os.walk(repo):
            rel_root = Path(root).relative_to(repo)
            dirs[:] = [d for d in dirs if d != ".git"
                       and not (rel_root == Path(".") and d in ("build", "cache"))]
            names.update((rel_root / f).as_posix() for f in files)
    # Only files (and symlinks): an embedded repository shows up as "dir/".
    return sorted(n for n in names if os.path.lexists(repo / n)
                  and ((repo / n).is_symlink() or not (repo / n).is_dir()))


def scan_files(repo: Path, files: List[str]) -> Tuple[List[Block], List[Problem], int]:
    """(blocks, problems, number of files scanned) over the given files."""
    blocks: List[Block] = []
    problems: List[Problem] = []
    scanned = 0
    for rel in files:
        lang = lang_of(rel)
        if lang is None:
            continue
        text = read_text(repo / rel)
        if text is None:
            continue
        scanned += 1
        b, p = scan_text(rel, text, lang)
        blocks += b
        problems += p
    return blocks, problems, scanned


def select_paths(repo: Path, paths: List[str],
                 tracked_only: bool) -> Tuple[List[str], List[Problem]]:
    """check's explicit paths -> files relative to repo (a directory means
    the tree's files under it).  Paths outside the repo are walked as is."""
    listed = None
    files: List[str] = []
    problems: List[Problem] = []
    for p in paths:
        path = Path(p).resolve()
        if not os.path.lexists(path):
            problems.append((p, 0, "no such file or directory"))
            continue
        try:
            rel = path.relative_to(repo.resolve()).as_posix()
        except ValueError:
            rel = None
        if path.is_file():
            files.append(rel if rel is not None else str(path))
            if lang_of(p) is None:
                _say(f"note: {p} is not a file type with markers; skipped", err=True)
        elif rel is not None:
            if listed is None:
                listed = repo_files(repo, tracked_only)
            prefix = "" if rel == "." else rel + "/"
            files += [f for f in listed if f.startswith(prefix)]
        else:
            files += sorted(str(Path(r) / f) for r, _, fs in os.walk(path) for f in fs)
    return sorted(set(files)), problems


# ------------------------------------------------------------------ placeholders

def _c_string(s: str) -> str:
    """s as the inside of a C string literal given to a printf-style function."""
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return "".join(ch if ch.isprintable() else " " for ch in s)


def placeholder(block: Block) -> str:
    """The line that replaces a block's reference code (no indentation, no newline)."""
    d = block.directive
    if d is None:
        return block.lang.todo
    if d.startswith("return"):
        value = RETURN.match(d).group(1)
        return f"return {value};" if value else "return;"
    message = f"LAB {block.lab}: not implemented: {block.hint}"
    if d == "panic":
        return f'panic("{_c_string(message)}");'
    return f"raise NotImplementedError({message!r})"      # "raise" (Python)


def skeleton_text(text: str, blocks: List[Block]) -> Tuple[str, Dict[int, int]]:
    """The file with the given blocks replaced, and for each replaced block
    (by its reference BEGIN line) its BEGIN line in the new text.

    Assumes: blocks belong to this text, do not overlap, sorted by line.
    Guarantees: marker lines and every line outside the blocks are kept
    byte for byte (line endings included)."""
    lines = split_lines(text)
    out: List[str] = []
    new_line: Dict[int, int] = {}
    pos = 0                                     # index of the next line to copy
    for b in blocks:
        out += lines[pos:b.line]                # up to and including BEGIN
        new_line[b.line] = len(out)
        begin = lines[b.line - 1]
        eol = begin[len(begin.rstrip("\r\n")):] or "\n"
        out.append(b.indent + placeholder(b) + eol)
        pos = b.end - 1                         # the END line is copied next
    out += lines[pos:]
    return "".join(out), new_line


# ------------------------------------------------------------------ commands

def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _say(msg: str, err: bool = False) -> None:
    print(f"{PROG}: {msg}", file=sys.stderr if err else sys.stdout, flush=True)


def _report(problems: List[Problem]) -> None:
    for path, line, msg in problems:
        _say(f"{path}:{line}: {msg}" if line else f"{path}: {msg}", err=True)


def cmd_check(args) -> int:
    repo = Path(args.repo).resolve()
    if args.paths:
        files, problems = select_paths(repo, args.paths, args.tracked_only)
    else:
        files, problems = repo_files(repo, args.tracked_only), []
    blocks, found, scanned = scan_files(repo, files)
    problems += found
    if problems:
        _report(problems)
        return 1
    if args.lab is not None:
        blocks = [b for b in blocks if b.lab == args.lab]
    nfiles = len({b.path for b in blocks})
    what = f" of lab {args.lab}" if args.lab is not None else ""
    _say(f"{len(blocks)} blocks{what} in {nfiles} files OK ({scanned} files scanned)")
    return 0


def cmd_list(args) -> int:
    repo = Path(args.repo).resolve()
    blocks, problems, _ = scan_files(repo, repo_files(repo, args.tracked_only))
    for b in blocks:
        if args.lab is None:
            print(f"{b.path}:{b.line}: [lab {b.lab}] {b.hint}")
        elif b.lab == args.lab:
            print(f"{b.path}:{b.line}: {b.hint}")
    _report(problems)
    return 1 if problems else 0


def _check_out_dir(repo: Path, out: Path, force: bool) -> None:
    """Refuse output directories that would lose or pollute anything."""
    r, o = repo.resolve(), out.resolve()
    if o == r or r.is_relative_to(o):
        raise LabgenError(f"refusing to write into {out}: it contains the repository")
    if o.is_relative_to(r):
        rel = o.relative_to(r).as_posix()
        if is_git_root(repo):
            ignored = _git(repo, "check-ignore", "-q", rel + "/").returncode == 0
        else:
            ignored = rel.split("/")[0] in ("build", "cache")
        if not ignored:
            raise LabgenError(f"refusing to write into {out}: inside the repository but not "
                              "git-ignored (use a folder under build/)")
    if os.path.lexists(o) and (not o.is_dir() or any(o.iterdir())):
        if not force:
            raise LabgenError(f"{out} exists; remove it, or use --force to replace a tree "
                              "generated earlier (your work in it would be lost)")
        if not (o / "LAB.md").is_file():
            raise LabgenError(f"refusing to replace {out}: it has no LAB.md, so it was not "
                              "generated by labgen")


def _describe_source(repo: Path) -> str:
    if not is_git_root(repo):
        return "the reference tree"
    head = _git(repo, "rev-parse", "--short", "HEAD")
    if head.returncode != 0:
        return "the reference tree (no commit yet)"
    dirty = _git(repo, "status", "--porcelain").stdout.strip()
    rev = head.stdout.decode().strip()
    return f"the reference tree at commit {rev}" + (" with uncommitted changes" if dirty else "")


def lab_md(lab: int, replaced: List[Tuple[Block, int]], kept: List[Block],
           source: str, handouts: List[str]) -> str:
    """DIR/LAB.md: what this skeleton asks for, with its own line numbers."""
    mine = [(b, n) for b, n in replaced if b.lab == lab]
    later = [(b, n) for b, n in replaced if b.lab > lab]
    kind = {None: "a TODO comment", "panic": "panic", "raise": "raise"}

    def item(b: Block, n: int) -> str:
        how = kind.get(b.directive, f"`{placeholder(b)}`")
        return f"- `{b.path}:{n}` (lab {b.lab}): {b.hint} — placeholder: {how}"

    out = [f"# Lab {lab} skeleton", "",
           f"Generated by `tools/labgen.py make --lab {lab}` from {source}.", ""]
    if handouts:
        out += ["Handout: " + ", ".join(f"[{h}]({h})" for h in handouts) + ".", ""]
    out += [f"## Your part: lab {lab} ({plural(len(mine), 'block')})", "",
            f"Each block lies between a `LAB {lab} TODO BEGIN` comment (with its hint) and a",
            f"`LAB {lab} TODO END` comment.  The reference code there was replaced by a",
            "placeholder that compiles and makes the code fail visibly (an error return or",
            "a panic naming the block).  Write your code between the markers, in place of",
            "the placeholder; keep the marker lines.", ""]
    out += [item(b, n) for b, n in mine] + [""]
    out += ["## Later labs", "",
            "Blocks of later labs are placeholders too; they are not part of this lab and",
            "the tests of this lab do not need them.", ""]
    out += ([item(b, n) for b, n in later] or ["(none)"]) + [""]
    out += ["## Earlier labs", "",
            "Blocks of earlier labs are kept as reference code (those labs are done).", ""]
    out += ([f"- `{b.path}:{b.line}` (lab {b.lab}): {b.hint}" for b in kept] or ["(none)"])
    out += ["", "## Build and grade", "",
            f"    make STAGE={lab}              # build the kernel",
            f"    make run STAGE={lab}          # boot it in QEMU (Ctrl-A X quits)",
            f"    make grade STAGE={lab}        # this lab's tests, ends with Score: a/b",
            f"    make qemu-gdb STAGE={lab}     # then `make gdb STAGE={lab}` in a second terminal",
            "    git diff                  # your changes (everything generated is staged)",
            ""]
    return "\n".join(out)


def _copy(src: Path, dst: Path, text: Optional[str]) -> None:
    """Copy one file (a symlink as a symlink); text replaces the content."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif text is None:
        shutil.copy2(src, dst)
    else:
        dst.write_bytes(text.encode("utf-8"))
        shutil.copymode(src, dst)


def _git_init(tree: Path) -> None:
    """Make tree a git repository with every file staged (no commit: that
    needs an identity and is the student's business)."""
    if shutil.which("git") is None:
        _say("note: git not found; the skeleton is not a git repository", err=True)
        return
    for args in (["init", "-q"], ["add", "-A"]):
        r = _git(tree, *args)
        if r.returncode != 0:
            raise LabgenError(f"git {' '.join(args)} failed in {tree}: "
                              f"{r.stderr.decode(errors='replace').strip()}")


def _link_cache(repo: Path, out: Path) -> None:
    """out/cache -> repo/cache (the downloaded packages), kept out of git."""
    cache = repo.resolve() / "cache"
    if not cache.is_dir() or os.path.lexists(out / "cache"):
        return
    os.symlink(cache, out / "cache")
    exclude = out / ".git" / "info" / "exclude"
    if exclude.parent.is_dir():
        with exclude.open("a", encoding="utf-8") as f:
            f.write("/cache\n")


def cmd_make(args) -> int:
    repo = Path(args.repo).resolve()
    out = Path(args.out)
    lab = args.lab
    if lab < 1:
        raise LabgenError(f"--lab must be >= 1, not {lab}")
    files = repo_files(repo, args.tracked_only)
    blocks, problems, _ = scan_files(repo, files)
    if problems:
        _report(problems)
        raise LabgenError(f"{len(problems)} marker problem(s); no skeleton made "
                          "(`labgen.py check` lists them)")
    if not any(b.lab == lab for b in blocks):
        raise LabgenError(f"lab {lab} has no LAB {lab} TODO blocks; nothing for a student to "
                          "write, no skeleton made")
    _check_out_dir(repo, out, args.force)

    by_file: Dict[str, List[Block]] = {}
    for b in blocks:
        if b.lab >= lab:
            by_file.setdefault(b.path, []).append(b)
    kept = [b for b in blocks if b.lab < lab]

    # Build beside the target, then swap: a failure leaves the old tree alone.
    o = out.resolve()
    o.parent.mkdir(parents=True, exist_ok=True)
    tmp = o.parent / f".{o.name}.labgen-{os.getpid()}"
    if os.path.lexists(tmp):
        shutil.rmtree(tmp)
    replaced: List[Tuple[Block, int]] = []
    try:
        tmp.mkdir()
        for rel in files:
            new_text = None
            if rel in by_file:
                new_text, new_lines = skeleton_text(read_text(repo / rel), by_file[rel])
                replaced += [(b, new_lines[b.line]) for b in by_file[rel]]
            _copy(repo / rel, tmp / rel, new_text)
        handouts = [f for f in files if re.fullmatch(rf"labs/lab{lab}-[\w.-]+\.md", f)]
        (tmp / "LAB.md").write_text(lab_md(lab, replaced, kept, _describe_source(repo),
                                           handouts), encoding="utf-8")
        if not args.no_git:
            _git_init(tmp)
        if o.is_dir() and not o.is_symlink():
            shutil.rmtree(o)
        elif os.path.lexists(o):
            o.unlink()
        tmp.rename(o)
    finally:
        if os.path.lexists(tmp):
            shutil.rmtree(tmp)
    if args.link_cache:
        _link_cache(repo, o)
    mine = sum(1 for b, _ in replaced if b.lab == lab)
    later = len(replaced) - mine
    _say(f"lab {lab} skeleton in {out}: {plural(mine, 'block')} of lab {lab} replaced"
         + (f", {later} of later labs" if later else "")
         + (f", {len(kept)} of earlier labs kept" if kept else "")
         + f"; see {out}/LAB.md")
    return 0


def main(argv: List[str]) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--repo", default=str(DEFAULT_REPO),
                        help="the reference tree (default: the tree of this script)")
    common.add_argument("--tracked-only", action="store_true",
                        help="only git-tracked files (default: also untracked, not ignored)")
    ap = argparse.ArgumentParser(prog="labgen.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check", parents=[common], help="check that the markers balance")
    p.add_argument("--lab", type=int, help="count only this lab's blocks in the summary")
    p.add_argument("paths", nargs="*", help="files or folders (default: the whole tree)")
    p.set_defaults(fn=cmd_check)
    p = sub.add_parser("list", parents=[common], help="list the blocks")
    p.add_argument("--lab", type=int, help="only this lab's blocks")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("make", parents=[common], help="generate a lab skeleton")
    p.add_argument("--lab", type=int, required=True, help="the lab the student does")
    p.add_argument("--out", required=True, help="output folder (e.g. build/lab1)")
    p.add_argument("--force", action="store_true", help="replace a tree generated earlier")
    p.add_argument("--link-cache", action="store_true",
                   help="make OUT/cache a symlink to the repository's cache/ (no downloads)")
    p.add_argument("--no-git", action="store_true", help="do not make OUT a git repository")
    p.set_defaults(fn=cmd_make)
    args = ap.parse_args(argv)
    try:
        return args.fn(args)
    except LabgenError as e:
        _say(str(e), err=True)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
