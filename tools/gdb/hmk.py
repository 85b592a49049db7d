# SPDX-License-Identifier: MIT
"""hmk.py - gdb helpers for this kernel's own objects (loaded by `make gdb`).

    hmk-threads         every thread: id, name, state, CPU, priority, process,
                        and how deep in IPC calls it is
    hmk-cpus            each CPU: online, current thread, runnable count, ticks
    hmk-calls [TID]     the IPC call chain of a thread (default: the one
                        running on the CPU gdb has selected)
    hmk-caps PID        the capability slots of a process that are in use

They read the kernel's data structures through the symbols of kernel.elf,
so they work while the kernel is stopped anywhere after the scheduler
started (kmain's sched_init_cpu()).  Written for this project, in the
spirit of Linux's scripts/gdb (lx-ps, lx-dmesg).
"""
import gdb

STATES = {0: "runnable", 1: "running", 2: "blocked", 3: "dead"}
CAP_TYPES = {1: "process", 2: "thread", 3: "memory", 4: "service", 5: "conn", 6: "notify"}


def _threads():
    """Every struct thread on the all_threads list."""
    head = gdb.parse_and_eval("&all_threads")
    thread_t = gdb.lookup_type("struct thread")
    offset = int(gdb.parse_and_eval("&((struct thread *)0)->all_node"))
    node = head["next"]
    seen = 0
    while int(node) != int(head) and seen < 100000:
        yield (node.cast(gdb.lookup_type("char").pointer()) - offset).cast(thread_t.pointer())
        node = node["next"]
        seen += 1


def _name(t):
    try:
        return t["name"].string()
    except gdb.error:
        return "?"


def _pid(p):
    return int(p["pid"]) if int(p) else 0


class Threads(gdb.Command):
    """List every thread of the kernel."""

    def __init__(self):
        super().__init__("hmk-threads", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        print(f"{'tid':>5} {'name':<16} {'state':<9} {'cpu':>3} {'prio':>4} {'pid':>5} {'domain':>6} {'depth':>5}")
        for t in _threads():
            print(f"{int(t['tid']):>5} {_name(t):<16} {STATES.get(int(t['state']), '?'):<9} "
                  f"{int(t['cpu']):>3} {int(t['prio']):>4} {_pid(t['home']):>5} "
                  f"{_pid(t['proc']):>6} {int(t['depth']):>5}")


class Cpus(gdb.Command):
    """Show each CPU's state."""

    def __init__(self):
        super().__init__("hmk-cpus", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        n = int(gdb.parse_and_eval("sizeof(cpus) / sizeof(cpus[0])"))
        for i in range(n):
            c = gdb.parse_and_eval(f"cpus[{i}]")
            if not bool(c["online"]):
                continue
            cur = c["curr"]
            print(f"cpu{i}: current {_name(cur)} (tid {int(cur['tid'])}), "
                  f"{int(c['nr_runnable'])} runnable, {int(c['ticks'])} ticks")


class Calls(gdb.Command):
    """Show the IPC call chain of a thread: hmk-calls [TID]."""

    def __init__(self):
        super().__init__("hmk-calls", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        if arg.strip():
            want = int(arg)
            t = next((x for x in _threads() if int(x["tid"]) == want), None)
            if t is None:
                print(f"no thread {want}")
                return
        else:
            t = gdb.parse_and_eval("((struct cpu *)$TPIDR_EL1)->curr")
        depth = int(t["depth"])
        print(f"thread {int(t['tid'])} ({_name(t)}), process {_pid(t['home'])}: {depth} call(s)")
        for d in range(depth):
            f = t["calls"][d]
            kind = "reclaim" if int(f["kind"]) == 1 else "call"
            print(f"  #{d} {kind} from pid {_pid(f['caller'])} into pid {_pid(f['server'])}, "
                  f"service {int(f['svc']['id'])}, stack base {int(f['stack_base']):#x}")


class Caps(gdb.Command):
    """Show the used capability slots of a process: hmk-caps PID."""

    def __init__(self):
        super().__init__("hmk-caps", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        try:
            want = int(arg)
        except ValueError:
            print("usage: hmk-caps PID")
            return
        for t in _threads():
            p = t["home"]
            if int(p) and _pid(p) == want:
                cs = p["cs"]
                for i in range(int(cs["nslots"])):
                    c = cs["slots"][i]
                    if int(c["obj"]):
                        typ = int(c["obj"]["type"])
                        print(f"  slot {i:3}: {CAP_TYPES.get(typ, typ)}, rights {int(c['rights']):#x}"
                              f"{', derived' if int(c['derived']) else ''}"
                              f"{', copy' if int(c['parent']) else ''}")
                return
        print(f"no live process {want}")


Threads()
Cpus()
Calls()
Caps()
