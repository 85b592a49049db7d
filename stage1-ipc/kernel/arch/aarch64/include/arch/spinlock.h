// SPDX-License-Identifier: MIT
/*
 * spinlock.h - ticket spinlocks for SMP.
 *
 * Locking rule of the base kernel: kernel code runs with IRQs masked (they
 * are taken only at EL0 and in the idle loop), so a spinlock never needs
 * to save and mask interrupts itself, and a lock holder is never
 * interrupted on its own CPU.  Each subsystem has its own lock (run queues
 * per CPU, frame zones, object caches, capabilities, each process); there
 * is no big kernel lock.
 *
 * A ticket lock is fair: CPUs get the lock in the order they asked.  The
 * exclusives (LDAXR/STXR) and WFE/SEV follow Arm ARM B2.9 and K13
 * ("Barrier Litmus Tests": spin-lock with WFE).
 */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H

#include <stdint.h>

typedef struct {
    volatile uint16_t owner; /* ticket being served (low half of the word) */
    volatile uint16_t next;  /* next ticket to hand out (high half) */
} __attribute__((aligned(4))) spinlock_t;

#define SPINLOCK_INIT \
    {                 \
        0, 0          \
    }

static inline void spin_lock(spinlock_t *l)
{
    uint32_t tmp, ticket, newval;
    /* Take a ticket: atomically next++ (next is the high half of the word). */
    __asm__ volatile("1: ldaxr %w0, [%3]\n"
                     "   add %w1, %w0, #0x10000\n"
                     "   stxr %w2, %w1, [%3]\n"
                     "   cbnz %w2, 1b\n"
                     : "=&r"(ticket), "=&r"(newval), "=&r"(tmp)
                     : "r"(l)
                     : "memory");
    uint16_t mine = (uint16_t)(ticket >> 16);
    /* Wait for owner == my ticket; WFE sleeps until the unlocker's store
     * clears our exclusive monitor (we arm it with LDAXRH). */
    uint32_t owner;
    __asm__ volatile("   ldaxrh %w0, [%1]\n"
                     "   cmp %w0, %w2\n"
                     "   b.eq 3f\n"
                     "2: wfe\n"
                     "   ldaxrh %w0, [%1]\n"
                     "   cmp %w0, %w2\n"
                     "   b.ne 2b\n"
                     "3:\n"
                     : "=&r"(owner)
                     : "r"(&l->owner), "r"((uint32_t)mine)
                     : "memory", "cc");
}

static inline void spin_unlock(spinlock_t *l)
{
    uint16_t o = (uint16_t)(l->owner + 1);
    __asm__ volatile("stlrh %w0, [%1]" ::"r"((uint32_t)o), "r"(&l->owner) : "memory");
}

static inline int spin_is_locked(spinlock_t *l)
{
    return l->owner != l->next;
}

#endif
