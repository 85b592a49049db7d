// SPDX-License-Identifier: MIT
/*
 * string.h - the kernel's memory and string functions (lib/string.c).
 *
 * The kernel is freestanding; these are the few C library functions it and
 * the prebuilt libfdt (Debian's libfdt-dev:arm64) need.  Same contracts as
 * ISO C.
 */
#ifndef KERNEL_LIBC_STRING_H
#define KERNEL_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/** Copy at most size-1 characters and NUL-terminate (size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
