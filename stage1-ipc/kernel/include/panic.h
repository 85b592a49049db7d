// SPDX-License-Identifier: MIT
/*
 * panic.h - the kernel's last words.
 *
 * A panic prints `KERNEL PANIC: <reason>`, the exception syndrome if there is
 * one, every register, a backtrace with symbol names (core/ksyms.c), and
 * `---[ end panic ]---`; then it ends the run: through semihosting with exit
 * status 3 when the run asked for it (bootarg `semihosting`), otherwise the
 * CPU halts so the report stays on the screen.
 */
#ifndef PANIC_H
#define PANIC_H

#include <kernel.h>

struct trap_frame;

/** Stop the kernel with a formatted reason. Never returns. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
/** Panic on an unexpected exception, with its saved registers. */
void panic_trap(const char *reason, const struct trap_frame *tf) __noreturn;

/** BUG_ON(cond): a kernel invariant; a panic naming the file and line. */
#define BUG_ON(cond)                                              \
    do {                                                          \
        if (unlikely(cond))                                       \
            panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
    } while (0)

/** Look up the function containing `addr`; returns its name or NULL and sets
 *  *offset to the distance from its start. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
