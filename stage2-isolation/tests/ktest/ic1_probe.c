// SPDX-License-Identifier: MIT
/*
 * ic1_probe.c - a misbehaving IC1 service for tests/ktest/ic1_test.c.
 * It passes the scanner (plain loads, stores and calls), and misbehaves
 * only as asked: w[0] selects what it does.
 */
#include <stdint.h>
#include <hm/service.h>
#include "../../services/ic1mem.h"
#include "../../services/relay.h"
#include "../../services/svc.h"

#define PROBE_ECHO 0  /* w[1] += 1; the domain's own data counts the calls */
#define PROBE_LOAD 1  /* load from address w[1] */
#define PROBE_STORE 2 /* store to address w[1] */
#define PROBE_DEEP 3  /* recurse until the stack runs out */
#define PROBE_GATE 4  /* svc_call(w[1], message at w[2], or its own if 0) -> status */
#define PROBE_NAME 5  /* svc_lookup(name at w[1]) -> status */
#define PROBE_RELAY 6 /* svc_call(w[1], { RELAY_FWD, w[2], w[3], 1 }) -> status, w[1] = reply w0 */
#define PROBE_SMASH 7 /* overwrite a saved return address with w[1]'s function: PAC stops it */
#define PROBE_JUMP 8  /* branch into the middle of a function: BTI stops it */
#define PROBE_BUF 9   /* reverse the long message's bytes; reply w[1] bytes -> status = len in */
#define PROBE_HEAP 10 /* ic1mem: w[1] = op, w[2] = block; mapped: write its first and last words */
/* svc_call_buf(w[1], { w[3] >> 32 }, w[3] & 0xffffffff bytes at w[2]) -> status, w[1] = reply's len */
#define PROBE_GATEBUF 11
#define PROBE_WAIT_ARM 12 /* the next w[1] PROBE_WAITs ask to wait for (w[2], w[3]) */
/* armed: ask to wait (svc_wait(), counted); else w[1] += 1 -> the waits asked */
#define PROBE_WAIT 13

static long calls;
static uint64_t waits_left, waits_asked, wait_what, wait_arg;

static long deep(volatile long *prev, long n)
{
    volatile long frame[64];
    frame[0] = prev ? prev[0] + n : n;
    if (n > 1000000) /* about 500 MiB of stack: never reached */
        return frame[0];
    return deep(frame, n + 1) + frame[0];
}

/* Where a hijacked return would go: it reads kernel memory at w[2] of
 * the message (a watchpoint stops that), so a missed check is visible. */
static volatile uint64_t hijack_target;
__attribute__((noinline)) static void hijacked(void)
{
    (void)*(volatile uint64_t *)hijack_target;
    for (;;)
        ;
}

/* Overwrite our own saved return address, as a stack overflow would.
 * With pac-ret it was signed on entry; autiasp before the return finds
 * the new one unsigned. */
__attribute__((noinline)) static long smash(long n)
{
    volatile long pad[4];
    pad[0] = n;
    uint64_t *frame = __builtin_frame_address(0); /* x29: saved x29, x30 */
    frame[1] = (uint64_t)hijacked;
    return pad[0];
}

__attribute__((noinline)) static long landing(long n)
{
    return n * 3 + 1;
}

long probe_handle(struct hm_msg *m)
{
    switch (m->w[0]) {
    case PROBE_ECHO:
        m->w[1] += 1;
        m->w[2] = (uint64_t)++calls;
        return 0;
    case PROBE_LOAD:
        m->w[1] = *(volatile uint64_t *)m->w[1];
        return 0;
    case PROBE_STORE:
        *(volatile uint64_t *)m->w[1] = 0xbad;
        return 0;
    case PROBE_DEEP:
        return deep(0, 1);
    case PROBE_GATE: {
        struct hm_msg own;
        own.w[0] = m->w[3];
        own.w[1] = own.w[2] = own.w[3] = own.len = 0;
        long r = svc_call((long)m->w[1], m->w[2] ? (struct hm_msg *)m->w[2] : &own);
        m->w[1] = own.w[0];
        return r;
    }
    case PROBE_RELAY: {
        struct hm_msg fwd;
        fwd.w[0] = RELAY_FWD;
        fwd.w[1] = m->w[2];
        fwd.w[2] = m->w[3];
        fwd.w[3] = 1;
        long r = svc_call((long)m->w[1], &fwd);
        m->w[1] = fwd.w[0];
        return r;
    }
    case PROBE_SMASH:
        hijack_target = m->w[1];
        return smash(1) + 1;
    case PROBE_JUMP: {
        /* 8 bytes in: past the `bti c` (or the first instruction) */
        long (*mid)(long) = (long (*)(long))((uintptr_t)landing + 8);
        __asm__ volatile("" : "+r"(mid)); /* an indirect call, not folded */
        hijack_target = m->w[1];
        return mid(1);
    }
    case PROBE_NAME:
        return svc_lookup((const char *)m->w[1]);
    case PROBE_BUF: {
        char *b = m->buf;
        uint64_t n = m->len;
        for (uint64_t i = 0; i < n / 2; i++) {
            char t = b[i];
            b[i] = b[n - 1 - i];
            b[n - 1 - i] = t;
        }
        m->len = m->w[1];
        return (long)n;
    }
    case PROBE_HEAP: {
        struct hm_msg h;
        h.w[0] = m->w[1];
        h.w[1] = m->w[2];
        h.w[2] = h.w[3] = 0;
        long r = svc_call(svc_lookup(IC1MEM_NAME), &h);
        if (r == 0 && m->w[1] == IC1MEM_MAP) {
            volatile uint64_t *p = (volatile uint64_t *)h.w[0];
            p[0] = 0x1c1;
            p[IC1MEM_BLOCK / 8 - 1] = p[0] + 1;
            m->w[1] = h.w[0];
        }
        return r;
    }
    case PROBE_GATEBUF: {
        struct hm_msg b = { .w = { m->w[3] >> 32 },
                            .len = m->w[3] & 0xffffffffu,
                            .buf = (void *)m->w[2] };
        long r = svc_call_buf((long)m->w[1], &b);
        m->w[1] = b.len;
        return r;
    }
    case PROBE_WAIT_ARM:
        waits_left = m->w[1];
        wait_what = m->w[2];
        wait_arg = m->w[3];
        waits_asked = 0;
        return 0;
    case PROBE_WAIT:
        /* the kernel makes the same request again after each wait: only
         * this domain's own data tells the calls apart */
        if (waits_left) {
            waits_left--;
            waits_asked++;
            return svc_wait(m, wait_what, wait_arg);
        }
        m->w[1] += 1;
        return (long)waits_asked;
    default:
        return -1;
    }
}
