// SPDX-License-Identifier: MIT
/*
 * spy1.h - the protocol between the isolation tests and /bin/spy1.
 *
 * `write ADDR VAL SLOT`: the parent has created a one-page memory object and
 * copies its capability into the child's slot SLOT.  The child maps it at
 * SPY_SHARED_VA, maps a private page at ADDR, stores VAL there, sets `state`
 * to SPY_READY and keeps its page until the parent sets `release` to 1.
 *
 * `read ADDR VAL` and `peek ADDR` report through their exit code only.
 */
#ifndef SPY1_H
#define SPY1_H

#include <stdatomic.h>

/* Where the `write` child maps the shared page. */
#define SPY_SHARED_VA 0x30000000ul

/* state values; anything else is one of the error exit codes below. */
#define SPY_WAITING 0
#define SPY_READY 1

/* Exit codes of `read ADDR VAL`. */
#define SPY_SAW_ZERO 0   /* its own fresh page: isolated */
#define SPY_SAW_VALUE 1  /* the other process's value: NOT isolated */
#define SPY_SAW_OTHER 2  /* something else, neither zero nor the value */
#define SPY_VA_IN_USE 3  /* hm_map said the address was already mapped */
#define SPY_MAP_FAILED 4 /* hm_map failed otherwise */
#define SPY_RW_BROKEN 5  /* its own store did not read back */

/* Exit codes of `write ADDR VAL SLOT` (also stored in state on error). */
#define SPY_NO_CAP 10     /* the capability did not arrive in 5 s */
#define SPY_NOT_MEMORY 11 /* it is not a memory capability */
#define SPY_SHARED_FAILED 12
#define SPY_PRIVATE_FAILED 13
#define SPY_NOT_RELEASED 14 /* the parent did not release it in 5 s */
#define SPY_VALUE_CHANGED 15

/* `peek ADDR` (a load from ADDR) exits with this if it was not killed. */
#define SPY_PEEK_SURVIVED 3

/* Unknown or malformed argument. */
#define SPY_BAD_ARG 98

/** struct spy_shared - the shared page (only its start is used). */
struct spy_shared {
    atomic_ulong state;
    atomic_ulong release;
};

#endif
