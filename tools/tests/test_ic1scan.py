# SPDX-License-Identifier: MIT
"""Tests of tools/ic1scan.py, the stage-2 scanner that rejects privileged
instructions in IC1 service objects.

Every test builds its own tiny objects in tmp_path with the cross assembler
or compiler and scans them, so the suite needs no kernel build and runs in
about a second:
- a clean C function (loads/stores, calls, branches, a switch, ldaxr/stlxr
  atomics, FP, mrs tpidr_el0, dc zva, brk) passes, and so does every
  allowed instruction and EL0-readable register;
- each forbidden instruction is found at its section offset and symbol,
  with its own reason; generic register names count like named ones;
- --allow-sysreg, the output format, --quiet and the exit statuses;
- data words in code sections, non-code sections, other code sections,
  unaligned code sections, stripped and linked files;
- errors: non-ELF and non-AArch64 input, a failing or missing objdump.
"""

import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ic1scan

TOOLS = Path(__file__).resolve().parents[1]
SCRIPT = TOOLS / "ic1scan.py"
PY = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
CROSS = "aarch64-linux-gnu-"
MARCH = "-march=armv9.3-a+mops+memtag+rng"     # so that as accepts every test instruction


@pytest.fixture(scope="module", autouse=True)
def cross_tools():
    for tool in ("as", "gcc", "objdump", "strip"):
        assert shutil.which(CROSS + tool), f"{CROSS}{tool} is missing: run `make deps`"


def _run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)} failed:\n{r.stderr}"


def build_asm(tmp_path, body, name="t", head=""):
    """Assemble `head`, then function f = nop; <body>; ret.  Returns the .o path.

    The nop puts the body's first instruction at .text+0x4 = f+0x4.
    """
    src = tmp_path / f"{name}.S"
    src.write_text(f"{head}\n\t.text\n\t.globl f\n\t.type f, %function\nf:\n\tnop\n"
                   f"{body}\n\tret\n\t.size f, . - f\n")
    obj = tmp_path / f"{name}.o"
    _run([CROSS + "as", MARCH, "-o", str(obj), str(src)])
    return str(obj)


def build_c(tmp_path, code, name="c", flags=()):
    src = tmp_path / f"{name}.c"
    src.write_text(code)
    obj = tmp_path / f"{name}.o"
    _run([CROSS + "gcc", "-c", "-O2", "-ffreestanding", "-march=armv8-a", "-mno-outline-atomics",
          *flags,
          "-o", str(obj), str(src)])
    return str(obj)


def disasm(obj):
    return subprocess.run([CROSS + "objdump", "-d", "--no-show-raw-insn", obj], check=True,
                          capture_output=True, text=True).stdout


def cli(capsys, *args):
    """Run main() in-process: (exit status, stdout lines, stderr)."""
    rc = ic1scan.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out.splitlines(), err


# ------------------------------------------------------------------ clean code

CLEAN_C = r"""
#include <stdint.h>
struct node { struct node *next; long val; };
extern long helper(long);
static inline uint64_t thread_pointer(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(v));
    return v;
}
long work(struct node *n, long *counter, double *d, int k, char *buf)
{
    long sum = 0;
    for (; n; n = n->next) {
        if (n->val > k)
            sum += n->val;
        else
            sum -= helper(n->val);
    }
    switch (k) {
    case 0: sum += 11; break;
    case 1: sum *= 3; break;
    case 2: sum -= 7; break;
    case 3: sum ^= 5; break;
    case 4: sum += helper(4); break;
    case 5: sum <<= 2; break;
    default: break;
    }
    __atomic_fetch_add(counter, sum, __ATOMIC_SEQ_CST);
    d[0] = d[1] * 2.5 + d[2] / (double)k;
    __asm__ volatile("dc zva, %0" : : "r"(buf) : "memory");
    if (!buf)
        __asm__ volatile("brk #1");
    return sum + (long)thread_pointer();
}
"""


def test_clean_c_function_passes(tmp_path, capsys):
    obj = build_c(tmp_path, CLEAN_C)
    text = disasm(obj)
    for insn in ("ldaxr", "stlxr", "bl\t", "fmadd", "fdiv", "mrs\tx", "tpidr_el0",
                 "dc\tzva", "brk\t#0x1", "ldr\t", "str\t"):
        assert insn in text, f"test C code no longer produces {insn!r}:\n{text}"
    assert ic1scan.scan(obj) == []
    rc, out, err = cli(capsys, obj)
    assert rc == 0 and err == ""
    m = re.fullmatch(rf"ic1scan: {re.escape(obj)}: clean \((\d+) instructions checked\)", out[0])
    assert m and int(m.group(1)) == ic1scan.scan_object(obj).checked > 20
    assert out[-1].startswith("ic1scan: 0 forbidden instruction(s) in 0 of 1 object(s), ")


ALLOWED = """
    mrs x0, tpidr_el0
    msr tpidr_el0, x0
    mrs x0, nzcv
    msr nzcv, x0
    mrs x0, fpcr
    msr fpcr, x0
    mrs x0, fpsr
    msr fpsr, x0
    mrs x0, tpidrro_el0
    mrs x0, ctr_el0
    mrs x0, dczid_el0
    mrs x0, cntfrq_el0
    mrs x0, cntpct_el0
    mrs x0, cntvct_el0
    mrs x0, rndr
    dc zva, x0
    brk #1
    udf #0
    nop
    yield
    wfe
    .inst 0xd5031000        // wfet x0
    sev
    sevl
    hint #100
    isb
    dsb sy
    dsb ishst
    dmb ish
    clrex
    sb
    ssbb
    cfinv
    xaflag
    axflag
    paciasp
    autiasp
    bti c
    esb
    csdb
    ldaxr x0, [x1]
    stlxr w2, x0, [x1]
    casal x0, x1, [x2]
    ldadd x0, x1, [x2]
    ldur x0, [x1, #-3]
    ldp x0, x1, [sp, #16]
    stp x29, x30, [sp, #-32]!
    cpyfp [x0]!, [x1]!, x2!
    cpyfm [x0]!, [x1]!, x2!
    cpyfe [x0]!, [x1]!, x2!
    setp [x0]!, x1!, x2
    setm [x0]!, x1!, x2
    sete [x0]!, x1!, x2
    fmadd d0, d1, d2, d3
    bl f
    blr x3
    br x4
    retaa
"""


def test_allowed_instructions_pass(tmp_path):
    obj = build_asm(tmp_path, ALLOWED)
    assert ic1scan.scan(obj) == []


def test_allow_tables_match_binutils_names(tmp_path):
    """Each allow-list entry's numbers are the register objdump names it for."""
    regs = sorted(set(ic1scan.MRS_ALLOW) | set(ic1scan.MSR_ALLOW))
    body = "\n".join(f"\tmrs x0, {ic1scan.sysreg_generic(*r)}" for r in regs)
    obj = build_asm(tmp_path, body)
    assert ic1scan.scan(obj) == []
    shown = re.findall(r"mrs\tx0, (\S+)", disasm(obj))
    names = [ic1scan.MRS_ALLOW.get(r) or ic1scan.MSR_ALLOW[r] for r in regs]
    assert shown == names


# ------------------------------------------------------------- forbidden code

REJECT = [
    # (source, kind, objdump text, part of the reason)
    ("msr ttbr0_el1, x0", "msr", "msr ttbr0_el1, x0", "translation tables"),
    ("msr s3_0_c1_c0_0, x0", "msr", "msr sctlr_el1, x0", "system control"),
    ("msr sctlr_el1, x0", "msr", "msr sctlr_el1, x0", "system control"),
    ("msr s3_7_c15_c1_0, x0", "msr", "msr s3_7_c15_c1_0, x0", "implementation-defined"),
    ("msr mdscr_el1, xzr", "msr", "msr mdscr_el1, xzr", "watchpoints"),
    ("msr dbgwcr0_el1, x0", "msr", "msr dbgwcr0_el1, x0", "watchpoints"),
    ("msr vbar_el1, x0", "msr", "msr vbar_el1, x0", "exception vectors"),
    ("msr tpidrro_el0, x0", "msr", "msr tpidrro_el0, x0", "privileged system register"),
    ("msr daifset, #2", "pstate", "msr daifset, #0x2", "PSTATE.DAIFSET"),
    ("msr daifclr, #2", "pstate", "msr daifclr, #0x2", "PSTATE.DAIFCLR"),
    ("msr spsel, #1", "pstate", "msr spsel, #0x1", "PSTATE.SPSEL"),
    ("msr pan, #0", "pstate", "msr pan, #0x0", "PSTATE.PAN"),
    ("mrs x0, sctlr_el1", "mrs", "mrs x0, sctlr_el1", "EL0 cannot read (system control"),
    ("mrs x0, s3_0_c0_c0_0", "mrs", "mrs x0, midr_el1", "identification"),
    ("mrs x0, daif", "mrs", "mrs x0, daif", "EL0 cannot read"),
    ("mrs x0, mdscr_el1", "mrs", "mrs x0, mdscr_el1", "watchpoints"),
    ("tlbi vmalle1", "tlbi", "tlbi vmalle1", "TLB maintenance"),
    ("tlbi vae1is, x0", "tlbi", "tlbi vae1is, x0", "TLB maintenance"),
    ("at s1e1r, x0", "at", "at s1e1r, x0", "address translation"),
    ("dc civac, x0", "dc", "dc civac, x0", "data cache maintenance"),
    ("dc ivac, x0", "dc", "dc ivac, x0", "data cache maintenance"),
    ("dc cvau, x0", "dc", "dc cvau, x0", "data cache maintenance"),
    ("ic iallu", "ic", "ic iallu", "instruction cache"),
    ("ic ivau, x0", "ic", "ic ivau, x0", "instruction cache"),
    ("sys #0, c7, c5, #0, x0", "ic", "ic iallu", "instruction cache"),
    ("sys #1, c11, c0, #0, x0", "sys", "sys #1, C11, C0, #0, x0", "system instruction"),
    ("sysl x0, #0, c7, c5, #0", "sys", "sysl x0, #0, C7, C5, #0", "system instruction"),
    (".inst 0xd5580000", "sys128", None, "128-bit"),
    ("eret", "eret", "eret", "exception return"),
    ("eretaa", "eret", "eretaa", "exception return"),
    (".inst 0xd69f03e0", "eret", "eret", "exception return"),
    ("drps", "drps", "drps", "debug"),
    ("hvc #0", "hvc", "hvc #0x0", "hypervisor call"),
    ("smc #0", "smc", "smc #0x0", "secure monitor call"),
    ("svc #0", "svc", "svc #0x0", "gate"),
    ("hlt #0", "hlt", "hlt #0x0", "debug state"),
    ("dcps1", "dcps", "dcps1", "debug"),
    ("dcps3", "dcps", "dcps3", "debug"),
    ("wfi", "wfi", "wfi", "waits for an interrupt"),
    (".inst 0xd5031020", "wfi", "wfit x0", "waits for an interrupt"),
    ("ldtr x0, [x1]", "unprivileged", "ldtr x0, [x1]", "EL0 permissions"),
    ("sttrb w0, [x1, #3]", "unprivileged", "sttrb w0, [x1, #3]", "EL0 permissions"),
    ("ldtrsw x0, [x1]", "unprivileged", "ldtrsw x0, [x1]", "EL0 permissions"),
    ("cpyfpwt [x0]!, [x1]!, x2!", "unprivileged", "cpyfpwt [x0]!, [x1]!, x2!",
     "EL0 permissions"),
    ("setpt [x0]!, x1!, x2", "unprivileged", "setpt [x0]!, x1!, x2", "EL0 permissions"),
]


@pytest.mark.parametrize("src,kind,text,why", REJECT, ids=[r[0] for r in REJECT])
def test_forbidden_instruction_is_rejected(tmp_path, src, kind, text, why):
    obj = build_asm(tmp_path, "\t" + src)
    found = ic1scan.scan(obj)
    assert len(found) == 1, [f.line() for f in found]
    f = found[0]
    assert (f.kind, f.section, f.offset, f.symbol, f.symoff) == (kind, ".text", 4, "f", 4)
    if text is not None:
        assert f.text == text
    assert why in f.why
    assert not f.in_data
    assert f.line() == f"ic1scan: {obj}: .text+0x4 (f+0x4): {f.text}: {f.why}"


def test_generic_and_named_register_get_the_same_verdict(tmp_path):
    named = ic1scan.scan(build_asm(tmp_path, "\tmsr sctlr_el1, x0", "named"))
    generic = ic1scan.scan(build_asm(tmp_path, "\tmsr s3_0_c1_c0_0, x0", "generic"))
    assert [(f.kind, f.why, f.word) for f in named] == [(f.kind, f.why, f.word) for f in generic]


def test_every_forbidden_instruction_is_reported(tmp_path):
    body = "\n".join("\t" + r[0] for r in REJECT)
    found = ic1scan.scan(build_asm(tmp_path, body))
    assert [f.offset for f in found] == [4 + 4 * i for i in range(len(REJECT))]
    assert [f.kind for f in found] == [r[1] for r in REJECT]


# ---------------------------------------------------------------- allow-list

def test_allow_sysreg(tmp_path, capsys):
    obj = build_asm(tmp_path, "\tmsr sctlr_el1, x0\n\tmrs x0, midr_el1\n\tmsr daifset, #2")
    assert [f.kind for f in ic1scan.scan(obj)] == ["msr", "mrs", "pstate"]
    assert [f.text for f in ic1scan.scan(obj, allow=("MIDR_EL1",))] == \
        ["msr sctlr_el1, x0", "msr daifset, #0x2"]
    # the generic spelling matches whatever objdump calls the register
    assert [f.kind for f in ic1scan.scan(obj, allow=("s3_0_c1_c0_0", "daifset"))] == ["mrs"]
    rc, out, _ = cli(capsys, "--allow-sysreg", "sctlr_el1", "--allow-sysreg", "midr_el1",
                     "--allow-sysreg", "daifset", obj)
    assert rc == 0 and out[0].endswith(": clean (5 instructions checked)")
    # it never allows anything but registers and PSTATE fields
    obj2 = build_asm(tmp_path, "\ttlbi vmalle1\n\teret", "t2")
    assert len(ic1scan.scan(obj2, allow=("tlbi", "vmalle1", "eret"))) == 2
    rc, _, err = cli(capsys, "--allow-sysreg", "sctlr_el1, x0", obj)
    assert rc == 2 and "not a register name" in err


# ----------------------------------------------------- output and exit status

def test_output_format_and_exit_status(tmp_path, capsys):
    dirty = build_asm(tmp_path, "\tmsr ttbr0_el1, x0\n\tadd x0, x0, #1\n\teret", "dirty")
    clean = build_asm(tmp_path, "\tadd x0, x0, #1", "clean")
    rc, out, err = cli(capsys, dirty, clean)
    assert rc == 1 and err == ""
    assert out == [
        f"ic1scan: {dirty}: .text+0x4 (f+0x4): msr ttbr0_el1, x0: writes a privileged "
        "system register (translation tables, ASIDs or pointer-authentication keys)",
        f"ic1scan: {dirty}: .text+0xc (f+0xc): eret: exception return: jumps to ELR_EL1 "
        "at the level and PSTATE of SPSR_EL1, out of the IC1 domain",
        f"ic1scan: {clean}: clean (3 instructions checked)",
        "ic1scan: 2 forbidden instruction(s) in 1 of 2 object(s), 8 instructions checked",
    ]
    rc, out, _ = cli(capsys, "--quiet", dirty, clean)
    assert rc == 1 and len(out) == 3 and "clean" not in " ".join(out)
    rc, out, err = cli(capsys, "--quiet", clean, clean)
    assert (rc, out, err) == (0, [], "")


def test_command_line_entry_point(tmp_path):
    dirty = build_asm(tmp_path, "\tsvc #0", "dirty")
    r = subprocess.run([PY, str(SCRIPT), dirty], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stdout.startswith(f"ic1scan: {dirty}: .text+0x4 (f+0x4): svc #0x0: ")
    r = subprocess.run([PY, str(SCRIPT), "--quiet", build_asm(tmp_path, "\tnop", "ok")],
                       capture_output=True, text=True)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = subprocess.run([PY, str(SCRIPT)], capture_output=True, text=True)
    assert r.returncode == 2 and "usage" in r.stderr


# ------------------------------------------------------ sections and symbols

def test_other_code_sections_are_scanned_and_data_sections_are_not(tmp_path):
    head = """
    .section .text.unlikely, "ax"
    g:  nop
        svc #0
    .section .init, "ax"
        hvc #0
    .section .my.gate, "ax"
    h:  msr daifclr, #2
    .section .rodata, "a"
        .word 0xd69f03e0        // eret, but not executable
    .data
        .word 0xd4000001        // svc, but not executable
    """
    found = ic1scan.scan(build_asm(tmp_path, "\twfi", head=head))
    where = [(f.section, f.offset, f.symbol, f.kind) for f in found]
    assert sorted(where) == sorted([(".text.unlikely", 4, "g", "svc"), (".init", 0, None, "hvc"),
                                    (".my.gate", 0, "h", "pstate"), (".text", 4, "f", "wfi")])


def test_sections_with_the_same_name(tmp_path):
    """Two COMDAT sections both called .text.dup: each word is checked once."""
    head = """
    .section .text.dup, "axG", %progbits, grp1, comdat
    a:  nop
        eret
    .section .text.dup, "axG", %progbits, grp2, comdat
    b:  nop
        nop
        svc #0
    """
    res = ic1scan.scan_object(build_asm(tmp_path, "\tnop", head=head))
    assert [(f.section, f.offset, f.symbol, f.kind) for f in res.findings] == \
        [(".text.dup", 4, "a", "eret"), (".text.dup", 8, "b", "svc")]
    assert res.checked == 2 + 3 + 3


def test_data_word_in_code_section_is_reported_as_data(tmp_path):
    body = "\tldr x0, =0xd4000001\n\tret\n\t.ltorg\n\t.word 0xd69f03e0"
    found = ic1scan.scan(build_asm(tmp_path, body))
    assert [(f.kind, f.in_data) for f in found] == [("svc", True), ("eret", True)]
    assert found[0].line().endswith("(a data word in an executable section: "
                                    "the CPU can still run it)")


def test_unaligned_code_section_is_a_finding(tmp_path):
    found = ic1scan.scan(build_asm(tmp_path, "\tnop", head='.section .odd, "ax"\n\t.byte 1'))
    assert [(f.kind, f.section, f.word) for f in found] == [("section", ".odd", None)]
    assert "not 4-byte aligned" in found[0].why


def test_linked_and_stripped_files(tmp_path):
    obj = build_asm(tmp_path, "\tnop\n\tsmc #0")
    exe = tmp_path / "t.elf"
    subprocess.run([CROSS + "gcc", "-nostdlib", "-static", "-Wl,-e,f", "-o", str(exe), obj],
                   check=True, capture_output=True)
    found = ic1scan.scan(str(exe))
    assert [(f.section, f.offset, f.symbol, f.symoff, f.kind) for f in found] == \
        [(".text", 8, "f", 8, "smc")]
    stripped = tmp_path / "t.stripped"
    subprocess.run([CROSS + "strip", "-o", str(stripped), str(exe)], check=True)
    found = ic1scan.scan(str(stripped))
    assert [(f.section, f.offset, f.symbol) for f in found] == [(".text", 8, None)]
    assert found[0].line() == f"ic1scan: {stripped}: .text+0x8: smc #0x0: {found[0].why}"
    stripped_obj = tmp_path / "s.o"
    subprocess.run([CROSS + "strip", "-o", str(stripped_obj), obj], check=True)
    assert [(f.offset, f.symbol) for f in ic1scan.scan(str(stripped_obj))] == [(8, None)]


def test_object_without_code_is_clean(tmp_path, capsys):
    obj = build_c(tmp_path, "const int table[4] = {1, 2, 3, 4};\n", "data")
    rc, out, _ = cli(capsys, obj)
    assert rc == 0 and out[0] == f"ic1scan: {obj}: clean (0 instructions checked)"


# -------------------------------------------------------------------- errors

def test_non_elf_and_missing_files(tmp_path, capsys):
    junk = tmp_path / "junk.o"
    junk.write_text("not an object\n")
    with pytest.raises(ic1scan.ScanError):
        ic1scan.scan(str(junk))
    good = build_asm(tmp_path, "\tnop")
    rc, out, err = cli(capsys, junk, tmp_path / "missing.o", good)
    assert rc == 2
    assert f"ic1scan: {junk}: error: " in err and "format not recognized" in err
    assert f"ic1scan: {tmp_path / 'missing.o'}: error: " in err
    assert f"ic1scan: {good}: clean (3 instructions checked)" in out
    assert out[-1].endswith(", 2 object(s) not scanned")


@pytest.mark.skipif(platform.machine() == "aarch64" or not shutil.which("gcc"),
                    reason="needs a host compiler for a non-AArch64 architecture")
def test_non_aarch64_elf_is_refused(tmp_path, capsys):
    src = tmp_path / "host.c"
    src.write_text("int f(void) { return 1; }\n")
    obj = tmp_path / "host.o"
    subprocess.run(["gcc", "-c", "-o", str(obj), str(src)], check=True)
    rc, _, err = cli(capsys, obj)
    assert rc == 2 and "not an AArch64 ELF object" in err


def test_objdump_failing_or_missing(tmp_path, capsys):
    obj = build_asm(tmp_path, "\tnop")
    rc, _, err = cli(capsys, "--objdump", "/bin/false", obj)
    assert rc == 2 and "/bin/false failed" in err
    rc, _, err = cli(capsys, "--objdump", str(tmp_path / "no-objdump"), obj)
    assert rc == 2 and "cannot run" in err


def test_objdump_that_skips_words_is_not_trusted(tmp_path):
    """If the disassembly lists fewer words than the section holds, refuse."""
    fake = tmp_path / "fake-objdump"
    real = shutil.which(CROSS + "objdump")
    fake.write_text(f'#!/bin/sh\ncase "$1" in -D) {real} "$@" | grep -v eret; exit 0;; esac\n'
                    f'exec {real} "$@"\n')
    fake.chmod(0o755)
    obj = build_asm(tmp_path, "\teret")
    with pytest.raises(ic1scan.ScanError, match="listed 2 of the 3 words"):
        ic1scan.scan(obj, objdump=str(fake))


# ------------------------------------------------------------------ --no-undefined

def test_no_undefined_rejects_calls_out_of_the_domain(tmp_path, capsys):
    """CLEAN_C calls an external helper(): clean by instructions, but not
    self-contained, so --no-undefined rejects it and names the symbol."""
    obj = build_c(tmp_path, CLEAN_C)
    assert ic1scan.undefined_symbols(obj) == ["helper"]
    rc, out, err = cli(capsys, obj)
    assert rc == 0
    rc, out, err = cli(capsys, "--no-undefined", "--quiet", obj)
    assert rc == 1 and err == ""
    assert out[0] == (f"ic1scan: {obj}: undefined symbol helper: IC1 code may only call code "
                      "in its own domain")
    assert out[-1].startswith("ic1scan: 1 forbidden instruction(s) in 1 of 1 object(s), ")


def test_no_undefined_accepts_self_contained_object(tmp_path, capsys):
    obj = build_c(tmp_path, "static long t[4];\nlong get(int i) { return t[i & 3]; }\n")
    assert ic1scan.undefined_symbols(obj) == []
    rc, out, err = cli(capsys, "--no-undefined", obj)
    assert rc == 0 and out[0].startswith(f"ic1scan: {obj}: clean (")
