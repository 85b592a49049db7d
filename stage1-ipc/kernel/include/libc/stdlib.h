// SPDX-License-Identifier: MIT
/*
 * stdlib.h - the one stdlib function libfdt needs (lib/string.c).
 */
#ifndef KERNEL_LIBC_STDLIB_H
#define KERNEL_LIBC_STDLIB_H

#include <stddef.h>

unsigned long strtoul(const char *s, char **end, int base);

#endif
