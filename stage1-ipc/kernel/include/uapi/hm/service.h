// SPDX-License-Identifier: MIT
/*
 * hm/service.h - what a service handler sees, in every isolation class.
 *
 * A service is written once as a handler over struct hm_msg.  Where it
 * runs is configuration: in a user process (IC2, the user runtime's
 * hm_service_entry calls it), or linked into the kernel (IC0, the kernel
 * calls it directly), and later in a kernel-space domain (IC1).
 */
#ifndef HM_UAPI_SERVICE_H
#define HM_UAPI_SERVICE_H

#include <stdint.h>

struct hm_msg {
    uint64_t w[4];  /* short message: 4 words each way */
    uint64_t len;   /* bytes of the long message in the connection's buffer */
    void *buf;      /* (in a handler) the buffer as mapped in the server (NULL in IC0) */
    uint32_t grant; /* slot of the capability the call (in a handler) or the reply (after
                       hm_call) granted, or HM_NO_SLOT */
    uint32_t badge; /* (in a handler) which connection called */
};

typedef long (*hm_handler_t)(struct hm_msg *m);

#endif
