// SPDX-License-Identifier: MIT
/*
 * svc_ic1.c - the service runtime (svc.h) inside an IC1 domain: the gate
 * table and svc_lookup(); svc_call() is inline in svc.h.
 *
 * A domain reaches the kernel only through the gate.  Its two entries are
 * in ic1_gates, in the domain's read-only data, written by the loader
 * (kernel/ic1.c) before the domain first runs: the domain can read them,
 * not change them.  Defined in assembly, so that the compiler does not
 * take the zeros there for their values.
 */
#include <stdint.h>
#include "svc.h"

typedef long (*gate_lookup_t)(const char *name);

/* [0]: the call gate, [1]: the look-up gate (kernel/arch/aarch64/ic1_gate.S),
 * [2]: nonzero once the kernel has stopped the domain (a fault on some CPU):
 * read-only to the domain, written by the kernel (ic1_fault()), [3]: the
 * call gate with a long message. */
__asm__(".section .rodata.ic1_gates, \"a\"\n"
        ".balign 8\n"
        ".globl ic1_gates\n"
        "ic1_gates: .quad 0, 0, 0, 0\n"
        ".previous");

long svc_lookup(const char *name)
{
    return ((gate_lookup_t)ic1_gates[1])(name);
}

bool svc_stopped(void)
{
    return *(volatile const uintptr_t *)&ic1_gates[2] != 0;
}
