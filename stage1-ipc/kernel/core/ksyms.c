// SPDX-License-Identifier: MIT
/*
 * ksyms.c - function names for backtraces.
 *
 * The build links the kernel twice: the first link has an empty table; then
 * tools/kallsyms.py reads the function symbols of that kernel.elf and emits
 * them as a sorted table in section .ksyms, which the linker script places
 * after all code, so the second link leaves every function where it was.
 */
#include <kernel.h>
#include <panic.h>

struct ksym_table {
    uint64_t count;
    uint64_t text_end;
    uint64_t addr[]; /* [count], sorted; then uint32_t name_off[count]; char names[] */
};

extern const struct ksym_table ksyms;

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    uint64_t n = ksyms.count;
    const uint64_t *a = ksyms.addr;
    const uint32_t *off = (const uint32_t *)(a + n);
    const char *names = (const char *)(off + n);

    if (n == 0 || addr < a[0] || addr >= ksyms.text_end)
        return NULL;
    uint64_t lo = 0, hi = n; /* find the last a[i] <= addr */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (offset)
        *offset = addr - a[lo];
    return names + off[lo];
}
