// SPDX-License-Identifier: MIT
/*
 * printk.h - kernel console output.
 *
 * printk() formats into the console (the PL011 that the device tree names,
 * see core/console.c).  Before the console exists, output is dropped, so the
 * earliest boot code must not depend on it.
 */
#ifndef PRINTK_H
#define PRINTK_H

#include <kernel.h>
#include <stdarg.h>

/** Print a formatted message on the console.  Supports %c %s %d %i %u %x %p
 *  with the l/ll/z length modifiers, a field width and the 0 and - flags. */
int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
/** Format into buf (always NUL-terminated when size > 0); returns the length
 *  the full output would have had. */
int snprintk(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap);

/** Register the console's character output (one at a time; NULL removes it). */
void console_set(void (*putc)(char c));
void console_putc(char c);
void console_puts(const char *s);
/** Write len bytes as one message (not interleaved with other CPUs'). */
void console_write(const char *s, size_t len);

#endif
