// SPDX-License-Identifier: MIT
/*
 * ic0.c - IC0 services: handlers linked into the kernel (see ic0.h).
 */
#include <kernel.h>
#include <cap.h>
#include <ic0.h>
#include <ipc.h>
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <proc.h>
#include <string.h>
#include <arch/trap.h>

/* The kernel as the "server" of IC0 services: never dying, no address
 * space, no capabilities of its own; never freed (a permanent hold). */
static struct proc ic0_kernel = { .name = "kernel", .holds = 1 };
extern const struct ic0_service __ic0_services_start[], __ic0_services_end[];

static void ic0_publish(const struct ic0_service *d)
{
    struct service *s = kobj_alloc(KC_SERVICE);
    if (!s)
        panic("ic0: no memory for service %s", d->name);
    s->obj.type = HM_CAP_SERVICE;
    s->lock = (spinlock_t)SPINLOCK_INIT;
    s->server = &ic0_kernel;
    s->ic0 = d->handler;
    list_init(&s->work_node);
    int err = ipc_name_insert(d->name, s);
    if (err < 0)
        panic("ic0: cannot publish service %s (%d)", d->name, err);
    printk("ic0: service %s linked into the kernel\n", d->name);
}

void ic0_init(void)
{
    for (const struct ic0_service *d = __ic0_services_start; d < __ic0_services_end; d++)
        ic0_publish(d);
}

long ic0_call(struct trap_frame *tf, struct service *s, uint32_t badge)
{
    struct hm_msg m = { .w = { tf->x[1], tf->x[2], tf->x[3], tf->x[4] },
                        .len = 0,
                        .buf = NULL,
                        .grant = HM_NO_SLOT,
                        .badge = badge };
    long status = s->ic0(&m);
    tf->x[1] = m.w[0];
    tf->x[2] = m.w[1];
    tf->x[3] = m.w[2];
    tf->x[4] = m.w[3];
    tf->x[5] = 0;
    return status;
}
