// SPDX-License-Identifier: MIT
/*
 * ipcsrv1.h - the operations of the IPC test server (ipcsrv1.c), in w[0].
 */
#ifndef IPCSRV1_H
#define IPCSRV1_H

#define IPCSRV_OK 7 /* the status of a successful operation (not 0, to be seen) */
#define IPCSRV_TIMEOUT 8

#define IPCSRV_OP_NULL 0    /* nothing: status 0 (the round-trip benchmark) */
#define IPCSRV_OP_ECHO 1    /* w1..w3 -> (w1+1, w2*2, w3^w2, badge) */
#define IPCSRV_OP_SUMBUF 2  /* sum of the message bytes; replies 100 bytes of 0xab */
#define IPCSRV_OP_MAP 3     /* map w1 pages in the server (charged to the root caller) */
#define IPCSRV_OP_UNMAP 4   /* unmap them */
#define IPCSRV_OP_FAULT 5   /* write to address w1: the server dies */
#define IPCSRV_OP_HOLD 6    /* keep the stack until byte 0 of the buffer is non-zero (5 s max) */
#define IPCSRV_OP_RECURSE 7 /* call itself until refused; w0 = the deepest depth reached */
#define IPCSRV_OP_GRANT 8   /* map the granted memory capability, store w1 at its start */
#define IPCSRV_OP_INFO 9    /* w0 = hm_ipc_info(w1) inside the call */
#define IPCSRV_OP_FP 10     /* w0 = d0 as the server first sees it (must be 0) */
#define IPCSRV_OP_GIVE \
    11                       /* a new page holding w1, granted in the reply with rights w2;
                               w3 != 0: grant slot w3 instead (an empty one: refused) */
#define IPCSRV_OP_CAPINFO 12 /* w0 = hm_cap_info(w1) in the server */

#endif
