// SPDX-License-Identifier: MIT
/*
 * svc_str.h - the string helpers of services that may run where no C
 * library is linked (an IC1 domain): ns.c (a process's or a domain's) and
 * pm_ic1.c.
 */
#ifndef SVC_STR_H
#define SVC_STR_H

#include <stdbool.h>
#include <stddef.h>

static inline size_t svc_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static inline bool svc_streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

#endif
