#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""ic1scan.py - reject privileged instructions in IC1 service objects.

Stage 2 runs "IC1" services at EL1, inside the kernel's address space, each in
a domain of its own that hardware debug watchpoints enforce (HongMeng paper,
"Differentiated Isolation Classes").  Running at EL1 means one privileged
instruction would be enough to escape: `msr mdscr_el1, xzr` turns the
watchpoints off, `msr ttbr0_el1, x0` remaps memory, `eret` jumps anywhere at
any exception level.  So the build scans the machine code of every IC1
service and refuses it if it contains such an instruction.  The only
privileged code an IC1 service ever reaches is the kernel's IC1 gate, which
is kernel code and not part of the scanned object.

Usage
-----
    ic1scan.py [--allow-sysreg NAME ...] [--no-undefined [--runtime OBJ ...]] [--quiet]
               [--objdump PROG] OBJECT...

    $(PYTHON) tools/ic1scan.py build/.../svc/foo.c.o build/.../svc/bar.S.o

The Makefile runs it on every IC1 service object (relocatable `.o` files
from gcc or as; linked ELF executables work too) before linking the
service into the kernel; a non-zero exit status stops the build.  From
Python (the tests do this): `scan(path, allow=()) -> [Finding, ...]`, or
`scan_object()` for the findings plus the number of words checked.

Output (stdout; errors go to stderr):

    ic1scan: <object>: <section>+0x<offset> (<symbol>+0x<off>): <instruction>: <why>
    ic1scan: <object>: clean (<N> instructions checked)        (not with --quiet)
    ic1scan: <F> forbidden instruction(s) in <K> of <M> object(s), <N> instructions checked

With --no-undefined an object must also be self-contained: every symbol
it refers to is defined in it (an IC1 domain reaches the kernel only
through its gate, never by calling a kernel function), and each undefined
one counts as a finding:

    ic1scan: <object>: undefined symbol <name>: IC1 code may only call code in its own domain

--runtime OBJ names the domain's service runtime (services/svc_ic1.c, its
only way to the gate): the symbols it defines may be referred to.  It is
scanned like the others when it is also among the objects.

One line per forbidden instruction; the offset is from the start of the
section (so it matches `objdump -d` of a `.o` file), the symbol is the
nearest preceding one; a stripped object has no symbols and its lines omit
the parenthesised part.  The summary line comes last; with --quiet it is
printed only if something was found.  Exit status: 0 = every object is
clean, 1 = something forbidden was found, 2 = an object could not be
scanned (missing, not an AArch64 ELF file, objdump failed, bad usage).

How it scans, and why this way
------------------------------
1. `objdump -h` lists the sections; every section flagged CODE (ELF
   SHF_EXECINSTR: `.text`, `.text.*`, `.init`, any custom "ax" section) is
   scanned, nothing else.  The file format must be elf64-*aarch64.
2. `objdump -D -z -j <each code section>` lists every aligned 32-bit word of
   those sections, with its raw encoding.  `-D` rather than `-d`: `-d` skips
   words that the assembler marked as data (mapping symbol `$d`, e.g.
   `.word 0xd69f03e0`), but the CPU executes whatever it is sent to in an
   executable section, so a hidden `eret` in a literal pool must be found
   too.  `-z` keeps runs of zero words, so every word is counted.  gcc puts
   its constants and jump tables in `.rodata`, so in compiled C this costs
   nothing; a hand-written literal pool that happens to decode as a
   forbidden instruction is reported, marked "a data word in an executable
   section": move the constant to `.rodata`.
3. The decision is made on the 32-bit encoding, not on objdump's text:
   binutils versions spell system registers differently (a register it
   does not know is printed generically as `s<op0>_<op1>_c<n>_c<m>_<op2>`,
   and `msr s3_0_c1_c0_0, x0` is printed as `msr sctlr_el1, x0`), so
   registers are identified by their (op0, op1, CRn, CRm, op2) numbers.  The
   whole system-instruction space (encodings 0xd5xxxxxx) is forbidden except
   for the allow-listed entries below; an encoding this tool does not know
   is rejected, not waved through.  objdump's text is only what is printed.
4. Every code section must be 4-byte aligned and a multiple of 4 bytes long:
   otherwise which words the CPU fetches is decided only by the linker, and
   the section is reported as a finding.

Forbidden (each finding says why)
---------------------------------
- `msr <sysreg>, xN`: writes a system register.  Only the kernel may change
  system state: translation (TTBRn/TCR/SCTLR), vectors (VBAR), debug and
  watchpoints (op0=2: MDSCR/DBGW*), timers, interrupts.  Allowed by default:
  `nzcv`, `fpcr`, `fpsr` (EL0 state of the calling code) and `tpidr_el0`
  (the thread pointer, EL0-writable; the IC1 gate must keep the caller's).
- `msr <pstate field>, #imm`: writes PSTATE: `daifset`/`daifclr` (mask or
  unmask interrupts), `spsel`, `pan`, `uao`, `allint`, SME `svcr*`
  (smstart/smstop), and also the harmless-looking `dit`, `ssbs`, `tco`:
  PSTATE at EL1 is the kernel's (allow one with --allow-sysreg NAME).
  `cfinv`, `xaflag`, `axflag` share this encoding space but only change the
  condition flags: allowed.
- `mrs xN, <sysreg>` from a register EL0 cannot read.  Allowed by default,
  because EL0 may read them too: nzcv, fpcr, fpsr, dit, ssbs, tpidr_el0,
  tpidrro_el0, ctr_el0, dczid_el0, cntfrq_el0, cntpct_el0, cntvct_el0,
  cntpctss_el0, cntvctss_el0, rndr, rndrrs.  Not allowed: ID registers
  such as midr_el1 or mpidr_el1 (EL0 reads of them trap unless an OS
  emulates them; an IC1 service has no business with them),
  daif, currentel, and everything EL1-only.
- `sys`/`sysl` and their aliases: `tlbi` (TLB maintenance), `at` (address
  translation probes of the kernel's tables), `dc` (data cache maintenance:
  invalidation can discard other domains' data, and cache maintenance is
  the kernel's job), `ic`, `cfp`/`dvp`/`cpp`, `brb`, GCS and
  implementation-defined `sys`.  The one exception is `dc zva` (zero a
  cache block, used by fast memset): it is a store, watchpoints check it
  like any other store.
- 128-bit system instructions `msrr`/`mrrs`/`sysp`/`tlbip` (0xd54-0xd57).
- `eret`, `eretaa`, `eretab` (exception return: leaves the domain to any
  EL/PC), `drps` (return from debug state).
- `svc` (an IC1 service is already at EL1: it calls the kernel through its
  gate, never by a system call), `hvc` (EL2), `smc` (EL3 firmware),
  `hlt`, `dcps1`/`dcps2`/`dcps3` (debug state), and any other encoding in
  the exception-generating class except `brk`.
- `wfi`, `wfit`: idling the CPU is the scheduler's decision; with
  interrupts masked it would stop the core.
- Unprivileged loads/stores `ldtr*`/`sttr*` and the unprivileged memory-copy
  forms (`cpy*` with `wt`/`rt`/`t`, `set*` with `t`): at EL1 they access
  memory with EL0 permissions, i.e. the current user's mappings, and a
  watchpoint programmed to match EL1 accesses (DBGWCR.PAC) does not match
  them: a way around the domain's watchpoints.

Allowed (not exhaustive: everything that is not a system instruction)
---------------------------------------------------------------------
Loads, stores, atomics (`ldaxr`/`stlxr`, LSE `cas`/`ldadd`), branches and
calls, arithmetic, FP and SIMD, `brk` (it is how assert/trap stops a
service; the kernel handles the exception), `udf`, all hints (`nop`,
`yield`, `wfe`, `wfet`, `sev`, `sevl`, `bti`, PAC `paciasp`/`autiasp`,
`esb`, `csdb`; unallocated hints execute as nops), the barriers `isb`,
`dsb`, `dmb`, `sb`, `ssbb`, `clrex`, and `dc zva`.  `wfe` is allowed because
spin-wait loops use it and any event or interrupt ends it.

--allow-sysreg NAME (repeatable) adds NAME to both the mrs and the msr
allow-lists and to the PSTATE fields; NAME is objdump's spelling
(`midr_el1`, `daifset`) or the generic `s3_0_c0_c0_0`, which matches the
register whatever objdump calls it.  It never allows sys/eret/svc/...; if a
service seems to need it, the operation belongs in the kernel, behind a
system call or the gate.

Limits: it checks the code that is in the object, not code written at run
time (IC1 domains must not have writable+executable memory, which the
kernel's mappings guarantee), and it knows the instructions of binutils 2.40
(Armv8.0 to v9.3); encodings it cannot name in the system space are
rejected anyway.
"""

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from typing import Iterable, List, Optional, Tuple

PROG = "ic1scan"
OBJDUMP = "aarch64-linux-gnu-objdump"

# (op0, op1, CRn, CRm, op2) of the system registers EL0 may read (mrs) and
# write (msr).  Keyed by number, not name, so that any objdump spelling of
# the same register gets the same answer.
MRS_ALLOW = {
    (3, 3, 4, 2, 0): "nzcv",
    (3, 3, 4, 4, 0): "fpcr",
    (3, 3, 4, 4, 1): "fpsr",
    (3, 3, 4, 2, 5): "dit",
    (3, 3, 4, 2, 6): "ssbs",
    (3, 3, 13, 0, 2): "tpidr_el0",
    (3, 3, 13, 0, 3): "tpidrro_el0",
    (3, 3, 0, 0, 1): "ctr_el0",
    (3, 3, 0, 0, 7): "dczid_el0",
    (3, 3, 14, 0, 0): "cntfrq_el0",
    (3, 3, 14, 0, 1): "cntpct_el0",
    (3, 3, 14, 0, 2): "cntvct_el0",
    (3, 3, 14, 0, 5): "cntpctss_el0",
    (3, 3, 14, 0, 6): "cntvctss_el0",
    (3, 3, 2, 4, 0): "rndr",
    (3, 3, 2, 4, 1): "rndrrs",
}
MSR_ALLOW = {
    (3, 3, 4, 2, 0): "nzcv",
    (3, 3, 4, 4, 0): "fpcr",
    (3, 3, 4, 4, 1): "fpsr",
    (3, 3, 13, 0, 2): "tpidr_el0",
}

# PSTATE fields written by `msr <field>, #imm`: (op1, op2) -> (name, why).
PSTATE_FIELDS = {
    (0, 3): ("uao", "changes how unprivileged loads/stores behave"),
    (0, 4): ("pan", "PAN=0 lets EL1 code touch user memory"),
    (0, 5): ("spsel", "switches the stack pointer between SP_EL0 and SP_EL1"),
    (1, 0): ("allint", "masks all interrupts"),
    (3, 1): ("ssbs", "speculation control of kernel code is the kernel's"),
    (3, 2): ("dit", "timing mode of kernel code is the kernel's"),
    (3, 3): ("svcr", "SME streaming mode (smstart/smstop)"),
    (3, 4): ("tco", "tag-check mode of kernel code is the kernel's"),
    (3, 6): ("daifset", "masks interrupts: the kernel could not preempt the service"),
    (3, 7): ("daifclr", "unmasks interrupts the kernel masked"),
}

# What each part of the op0=3 register space holds, by CRn (for the "why").
SYSREG_AREAS = {
    0: "identification or cache-selection register",
    1: "system control: MMU, caches, FP access, alignment checks",
    2: "translation tables, ASIDs or pointer-authentication keys",
    4: "exception or PSTATE state: SPSR/ELR/SP_EL0/DAIF/PAN/SPSel",
    5: "fault syndrome or RAS error register",
    6: "fault address register",
    7: "address-translation result (PAR)",
    9: "performance monitor or profiling register",
    10: "memory attributes (MAIR)",
    11: "implementation-defined register",
    12: "exception vectors or interrupt controller (VBAR/ISR/ICC_*)",
    13: "thread or context ID register (TPIDR_EL1 is the kernel's per-CPU pointer)",
    14: "generic timer, the kernel's preemption tick",
    15: "implementation-defined register",
}


class ScanError(Exception):
    """An object could not be scanned (exit status 2)."""


@dataclass(frozen=True)
class Finding:
    """One forbidden instruction (or unverifiable section) in one object.

    kind is a short key for tests and scripts: msr, mrs, pstate, tlbi, at,
    dc, ic, sys, sys128, eret, drps, svc, hvc, smc, hlt, dcps, exception,
    wfi, unprivileged, section.  word is the 32-bit encoding (None for a
    section finding); in_data says the assembler marked the word as data.
    """
    obj: str
    section: str
    offset: int
    symbol: Optional[str]
    symoff: int
    text: str
    word: Optional[int]
    kind: str
    why: str
    in_data: bool = False

    def line(self) -> str:
        """The report line: `ic1scan: obj: sec+0xoff (sym+0xoff): insn: why`."""
        where = f"{self.section}+0x{self.offset:x}"
        if self.symbol is not None:
            where += f" ({self.symbol}+0x{self.symoff:x})"
        why = self.why
        if self.in_data:
            why += " (a data word in an executable section: the CPU can still run it)"
        return f"{PROG}: {self.obj}: {where}: {self.text}: {why}"


@dataclass
class Result:
    """What scan_object() found in one object, and how many words it checked."""
    path: str
    findings: List[Finding]
    checked: int


# ------------------------------------------------------------ classification

def sysreg_generic(op0: int, op1: int, crn: int, crm: int, op2: int) -> str:
    """The generic spelling `s<op0>_<op1>_c<n>_c<m>_<op2>` of a system register."""
    return f"s{op0}_{op1}_c{crn}_c{crm}_{op2}"


def _sysreg_area(op0: int, crn: int, crm: int) -> str:
    if op0 == 2:
        return "debug register: the watchpoints that fence IC1 domains live here"
    if crn == 14 and crm >= 8:
        return SYSREG_AREAS[9]                       # PMEVCNTRn/PMEVTYPERn/PMCCFILTR
    return SYSREG_AREAS.get(crn, "privileged system register")


def _operand_name(text: str, index: int) -> str:
    """Operand `index` of an objdump line such as `msr ttbr0_el1, x0`, lowercased."""
    parts = text.split(None, 1)
    if len(parts) < 2:
        return ""
    ops = [o.strip() for o in parts[1].split(",")]
    return ops[index].lower() if index < len(ops) else ""


def _classify_sys(word: int, text: str, allow: frozenset) -> Optional[Tuple[str, str]]:
    """Decide a word of the system-instruction space 0xd5xxxxxx.

    Assumes (word & 0xff000000) == 0xd5000000.  Returns None if allowed, else
    (kind, why).  Field layout: L=bit 21, op0=20:19, op1=18:16, CRn=15:12,
    CRm=11:8, op2=7:5, Rt=4:0 (Arm ARM, "System instructions").
    """
    if word & (1 << 22):
        return ("sys128", "128-bit system register or system instruction (msrr/mrrs/sysp)")
    is_read = bool(word & (1 << 21))
    op0 = (word >> 19) & 3
    op1 = (word >> 16) & 7
    crn = (word >> 12) & 0xF
    crm = (word >> 8) & 0xF
    op2 = (word >> 5) & 7
    rt = word & 0x1F
    if op0 == 0:
        if is_read:
            return ("sys", "unknown encoding in the system-instruction space")
        if op1 == 3 and crn == 2 and rt == 31:       # hints (unallocated ones are nops)
            if crm == 0 and op2 == 3:
                return ("wfi", "waits for an interrupt: idling the CPU is the "
                               "scheduler's decision (with interrupts masked it stops the core)")
            return None
        if op1 == 3 and crn == 3 and rt == 31:       # barriers, clrex, sb
            return None
        if op1 == 3 and crn == 1 and crm == 0 and op2 == 0:
            return None                              # wfet: a bounded wfe
        if op1 == 3 and crn == 1 and crm == 0 and op2 == 1:
            return ("wfi", "waits for an interrupt (with a timeout): idling the CPU "
                           "is the scheduler's decision")
        if crn == 4:
            if op1 == 0 and op2 <= 2 and crm == 0 and rt == 31:
                return None                          # cfinv, xaflag, axflag
            name, why = PSTATE_FIELDS.get((op1, op2), ("", "changes a PSTATE field"))
            shown = _operand_name(text, 0)
            if shown in allow or name in allow:
                return None
            label = name or shown or "?"
            return ("pstate", f"writes PSTATE.{label.upper()}: {why}")
        return ("sys", "unknown encoding in the system-instruction space")
    if op0 == 1:
        if is_read:
            return ("sys", "system instruction with a result (sysl): implementation-"
                           "defined or maintenance operation")
        if (op1, crn, crm, op2) == (3, 7, 4, 1):
            return None                              # dc zva: a store of zeros
        if crn in (8, 9):
            return ("tlbi", "TLB maintenance drops translations of every address "
                            "space: the kernel's job")
        if crn == 7 and crm in (8, 9):
            return ("at", "address translation probes the kernel's page tables "
                          "(and sets PAR_EL1)")
        if crn == 7 and crm in (1, 5):
            return ("ic", "instruction cache maintenance is the kernel's job")
        if crn == 7 and crm in (4, 6, 10, 11, 12, 13, 14, 15):
            return ("dc", "data cache maintenance can discard other domains' data "
                          "and is the kernel's job (only dc zva is allowed)")
        return ("sys", "system instruction (cache, TLB, prediction, trace or "
                       "implementation-defined operation)")
    regs = (op0, op1, crn, crm, op2)
    generic = sysreg_generic(*regs)
    area = _sysreg_area(op0, crn, crm)
    if is_read:
        if regs in MRS_ALLOW or generic in allow or _operand_name(text, 1) in allow:
            return None
        return ("mrs", f"reads a system register EL0 cannot read ({area})")
    if regs in MSR_ALLOW or generic in allow or _operand_name(text, 0) in allow:
        return None
    return ("msr", f"writes a privileged system register ({area})")


EXCEPTION_WHY = {
    (0, 1): ("svc", "system call: an IC1 service is already at EL1 and enters "
                    "the kernel through its gate, never by svc"),
    (0, 2): ("hvc", "hypervisor call into EL2"),
    (0, 3): ("smc", "secure monitor call into EL3 firmware (PSCI: CPU off, reset)"),
    (2, 0): ("hlt", "halting-debug breakpoint: enters debug state"),
    (5, 1): ("dcps", "debug change PE state: moves to EL1/EL2/EL3 in debug state"),
    (5, 2): ("dcps", "debug change PE state: moves to EL1/EL2/EL3 in debug state"),
    (5, 3): ("dcps", "debug change PE state: moves to EL1/EL2/EL3 in debug state"),
}


def classify(word: int, text: str = "", allow: Iterable[str] = ()) -> Optional[Tuple[str, str]]:
    """Decide one 32-bit AArch64 instruction word.

    Assumes: word is the encoding as the CPU fetches it; text is objdump's
    rendering (used only to match --allow-sysreg names); allow holds
    names in any case.  Guarantees: None if the word may appear in an IC1
    service, else (kind, why) with a short reason.
    """
    allow = frozenset(a.lower() for a in allow if a)   # "" never matches
    if (word & 0xFF000000) == 0xD5000000:
        return _classify_sys(word, text, allow)
    if (word & 0xFF000000) == 0xD4000000:           # exception generation
        opc = (word >> 21) & 7
        op2 = (word >> 2) & 7
        ll = word & 3
        if opc == 1 and op2 == 0 and ll == 0:
            return None                              # brk
        if op2 == 0 and (opc, ll) in EXCEPTION_WHY:
            return EXCEPTION_WHY[(opc, ll)]
        return ("exception", "exception-generating instruction other than brk")
    if (word & 0xFE000000) == 0xD6000000:           # branch to register
        opc = (word >> 21) & 0xF
        if opc == 4:
            return ("eret", "exception return: jumps to ELR_EL1 at the level and "
                            "PSTATE of SPSR_EL1, out of the IC1 domain")
        if opc == 5:
            return ("drps", "debug restore PE state: an exception return from debug state")
        return None
    unpriv = "at EL1 it accesses memory with EL0 permissions (the user's " \
             "mappings), which watchpoints set for EL1 accesses do not match"
    if (word & 0x3F200C00) == 0x38000800:           # ldtr*/sttr*
        return ("unprivileged", "unprivileged load/store: " + unpriv)
    if (word & 0xFB200C00) == 0x19000400:           # memory copy/set (FEAT_MOPS)
        op2 = (word >> 12) & 0xF
        is_set = ((word >> 22) & 3) == 3
        if (is_set and op2 & 1) or (not is_set and op2 & 3):
            return ("unprivileged", "unprivileged memory copy/set: " + unpriv)
    return None


# ------------------------------------------------------------------- objdump

SECTION_RE = re.compile(r"^\s*\d+\s+(\S+)\s+([0-9a-fA-F]+)\s+([0-9a-fA-F]+)\s+[0-9a-fA-F]+"
                        r"\s+[0-9a-fA-F]+\s+2\*\*(\d+)\s*(.*)$")
FORMAT_RE = re.compile(r"file format (\S+)")
LABEL_RE = re.compile(r"^([0-9a-fA-F]+) <(.*)>:$")
INSN_RE = re.compile(r"^\s*([0-9a-fA-F]+):\s+([0-9a-fA-F]{8})\s+(\S.*)$")
HEADER = "Disassembly of section "
DATA_RE = re.compile(r"^\s*([0-9a-fA-F]+):\s+\.(?:word|short|byte)\b")


def _objdump(objdump: str, args: List[str]) -> str:
    """Run objdump; its stdout, or ScanError with its message."""
    try:
        proc = subprocess.run([objdump] + args, capture_output=True, text=True, check=False)
    except OSError as e:
        raise ScanError(f"cannot run {objdump}: {e.strerror}") from None
    if proc.returncode != 0:
        msg = " ".join(proc.stderr.split()) or f"exit status {proc.returncode}"
        raise ScanError(f"{objdump} failed: {msg}")
    return proc.stdout


@dataclass
class _Section:
    name: str
    size: int
    vma: int
    align: int


def _code_sections(objdump: str, path: str) -> List[_Section]:
    """The executable sections of an AArch64 ELF file (ScanError otherwise)."""
    out = _objdump(objdump, ["-h", "-w", path])
    if "In archive" in out:
        raise ScanError("is an archive: scan its member objects instead")
    fmt = FORMAT_RE.search(out)
    if fmt is None or not fmt.group(1).startswith("elf64-") or \
            not fmt.group(1).endswith("aarch64"):
        got = fmt.group(1) if fmt else "unknown"
        raise ScanError(f"not an AArch64 ELF object (file format {got})")
    secs = []
    for line in out.splitlines():
        m = SECTION_RE.match(line)
        if m and "CODE" in [f.strip() for f in m.group(5).split(",")]:
            secs.append(_Section(m.group(1), int(m.group(2), 16), int(m.group(3), 16),
                                 1 << int(m.group(4))))
    return secs


def _listings(out: str, sections: List[_Section]) -> List[List[str]]:
    """Split objdump -d/-D output into one list of lines per section.

    Assumes: sections are the non-empty sections selected with -j, in file
    order (objdump dumps them in that order, duplicated names included: a
    `.o` may hold two `.text.x` in different COMDAT groups).  Errors:
    ScanError if the headers do not match, rather than guessing.
    """
    parts: List[List[str]] = []
    names: List[str] = []
    for line in out.splitlines():
        if line.startswith(HEADER):
            names.append(line[len(HEADER):].rstrip(":"))
            parts.append([])
        elif parts:
            parts[-1].append(line)
    if names != [s.name for s in sections]:
        raise ScanError(f"unexpected objdump output: sections {names}, "
                        f"expected {[s.name for s in sections]}")
    return parts


def _scan_section(path: str, sec: _Section, lines: List[str],
                  allow: frozenset) -> Tuple[List[Finding], int]:
    """Classify every word of one section's `objdump -D` listing.

    Guarantees: (findings in address order, number of words seen); symbol
    offsets are from the nearest preceding label (none before the first
    label or when the label is the section itself, as in stripped files).
    """
    findings: List[Finding] = []
    seen = 0
    sym: Optional[str] = None
    sym_addr = 0
    for line in lines:
        m = LABEL_RE.match(line)
        if m:
            sym_addr = int(m.group(1), 16)
            sym = None if m.group(2) == sec.name else m.group(2)
            continue
        m = INSN_RE.match(line)
        if not m:
            continue
        addr, word = int(m.group(1), 16), int(m.group(2), 16)
        text = " ".join(m.group(3).split())
        seen += 1
        verdict = classify(word, text, allow)
        if verdict is not None:
            findings.append(Finding(path, sec.name, addr - sec.vma, sym, addr - sym_addr,
                                    text, word, verdict[0], verdict[1]))
    return findings, seen


def _data_offsets(objdump: str, path: str, sections: List[_Section]) -> List[set]:
    """Per section, the offsets that `objdump -d` shows as data ($d mapping symbols)."""
    args = ["-d", "-z", "--no-show-raw-insn"]
    for name in dict.fromkeys(s.name for s in sections):
        args += ["-j", name]
    parts = _listings(_objdump(objdump, args + [path]), sections)
    return [{int(m.group(1), 16) - s.vma for m in map(DATA_RE.match, lines) if m}
            for s, lines in zip(sections, parts)]


def scan_object(path: str, allow: Iterable[str] = (), objdump: str = OBJDUMP) -> Result:
    """Scan one ELF object or executable.

    Assumes: path names an AArch64 ELF file; allow holds --allow-sysreg
    names.  Guarantees: every aligned word of every code section is
    classified; the findings are in section (file) order, then address order.
    Errors: ScanError if objdump fails, the file is not an AArch64 ELF, or
    objdump did not list every word (nothing may go unchecked).
    """
    allow = frozenset(a.lower() for a in allow if a)   # "" never matches
    # objdump prints nothing for an empty section, so leave those out.
    secs = [s for s in _code_sections(objdump, path) if s.size > 0]
    per_section: List[List[Finding]] = [[] for _ in secs]
    bad = [s.align < 4 or s.size % 4 != 0 or s.vma % 4 != 0 for s in secs]
    for i, s in enumerate(secs):
        if bad[i]:
            per_section[i].append(Finding(
                path, s.name, 0, None, 0, f"section {s.name} ({s.size} bytes, aligned to "
                f"{s.align})", None, "section", "executable section not 4-byte aligned and "
                "sized: which words run is decided at link time"))
    # -j selects by name, so a badly aligned namesake is dumped too: keep
    # every section with a selected name, and skip the bad ones' lines.
    names = {s.name for s, b in zip(secs, bad) if not b}
    dumped = [i for i, s in enumerate(secs) if s.name in names]
    checked = 0
    if dumped:
        args = ["-D", "-z"]
        for name in dict.fromkeys(secs[i].name for i in dumped):
            args += ["-j", name]
        parts = _listings(_objdump(objdump, args + [path]), [secs[i] for i in dumped])
        for i, lines in zip(dumped, parts):
            if bad[i]:
                continue
            found, seen = _scan_section(path, secs[i], lines, allow)
            if seen != secs[i].size // 4:
                raise ScanError(f"objdump listed {seen} of the {secs[i].size // 4} words of "
                                f"section {secs[i].name}; refusing to vouch for the rest")
            checked += seen
            per_section[i] += found
        # Say which findings the assembler marked as data (only if any).
        if any(per_section[i] for i in dumped):
            data = _data_offsets(objdump, path, [secs[i] for i in dumped])
            for i, offsets in zip(dumped, data):
                per_section[i] = [replace(f, in_data=f.offset in offsets) if f.word is not None
                                  else f for f in per_section[i]]
    return Result(path, [f for fs in per_section for f in fs], checked)


def undefined_symbols(path: str, objdump: str = OBJDUMP) -> List[str]:
    """The names of the symbols path refers to but does not define, sorted."""
    names = set()
    for line in _objdump(objdump, ["-t", "-w", path]).splitlines():
        parts = line.split()
        if "*UND*" in parts and parts[-1] != "*UND*":
            names.add(parts[-1])
    return sorted(names)


def defined_symbols(path: str, objdump: str = OBJDUMP) -> List[str]:
    """The global symbols path defines, sorted."""
    names = set()
    for line in _objdump(objdump, ["-t", "-w", path]).splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[1] in ("g", "w") and "*UND*" not in parts:
            names.add(parts[-1])
    return sorted(names)


def scan(path: str, allow: Iterable[str] = (), objdump: str = OBJDUMP) -> List[Finding]:
    """The forbidden instructions of one object (see scan_object)."""
    return scan_object(path, allow, objdump).findings


# ---------------------------------------------------------------------- main

def main(argv: Optional[List[str]] = None) -> int:
    """The command line; returns the exit status (0 clean, 1 found, 2 error)."""
    ap = argparse.ArgumentParser(
        prog="ic1scan.py",
        description="Reject privileged AArch64 instructions in IC1 service objects.")
    ap.add_argument("--allow-sysreg", action="append", default=[], metavar="NAME",
                    help="also allow mrs/msr of this system register or PSTATE field")
    ap.add_argument("--no-undefined", action="store_true",
                    help="also reject objects that refer to symbols they do not define")
    ap.add_argument("--runtime", action="append", default=[], metavar="OBJECT",
                    help="with --no-undefined: symbols this object defines may be referred to")
    ap.add_argument("--quiet", action="store_true",
                    help="print only findings, errors and (if any finding) the summary")
    ap.add_argument("--objdump", default=OBJDUMP, metavar="PROG",
                    help=f"the AArch64 objdump (default {OBJDUMP})")
    ap.add_argument("objects", nargs="+", metavar="OBJECT")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    for name in args.allow_sysreg:
        if not re.fullmatch(r"[A-Za-z0-9_]+", name):
            print(f"{PROG}: --allow-sysreg {name!r}: not a register name", file=sys.stderr)
            return 2
    errors = found_in = nfound = checked = 0
    provided = set()
    for path in args.runtime:
        try:
            provided.update(defined_symbols(path, args.objdump))
        except ScanError as e:
            print(f"{PROG}: {path}: error: {e}", file=sys.stderr)
            return 2
    for path in args.objects:
        try:
            res = scan_object(path, args.allow_sysreg, args.objdump)
            undef = [n for n in (undefined_symbols(path, args.objdump) if args.no_undefined
                                 else []) if n not in provided]
        except ScanError as e:
            print(f"{PROG}: {path}: error: {e}", file=sys.stderr)
            errors += 1
            continue
        checked += res.checked
        for f in res.findings:
            print(f.line())
        for name in undef:
            print(f"{PROG}: {path}: undefined symbol {name}: IC1 code may only call code "
                  "in its own domain")
        if res.findings or undef:
            found_in += 1
            nfound += len(res.findings) + len(undef)
        elif not args.quiet:
            print(f"{PROG}: {path}: clean ({res.checked} instructions checked)")
    if nfound or not args.quiet:
        print(f"{PROG}: {nfound} forbidden instruction(s) in {found_in} of "
              f"{len(args.objects)} object(s), {checked} instructions checked"
              + (f", {errors} object(s) not scanned" if errors else ""))
    sys.stdout.flush()
    if errors:
        return 2
    return 1 if nfound else 0


if __name__ == "__main__":
    sys.exit(main())
