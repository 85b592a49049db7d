// SPDX-License-Identifier: MIT
/*
 * syscall.c - the native system calls (uapi/hm/syscall.h).
 *
 * Each call is written as "decode, then invoke": the first part reads and
 * checks every argument (user pointers against the caller's page tables,
 * lengths, slots, rights) without changing anything; only then does the
 * second part act, and it either cannot fail or undoes itself completely.
 * So a call that returns an error has changed nothing.
 */
#include <kernel.h>
#include <cap.h>
#include <ipc.h>
#include <ktest.h>
#include <mm.h>
#include <panic.h>
#include <printk.h>
#include <proc.h>
#include <sched.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <uapi/hm/syscall.h>
#ifdef CONFIG_STAGE3
#include <pager.h> /* stage 3: the pagers' system calls */
#define NR_SYSCALLS HM_SYS_STAGE3_END
#else
#define NR_SYSCALLS HM_SYS_COUNT
#endif

extern bool ktest_mode, bench_mode;

typedef long (*syscall_fn)(struct trap_frame *tf, struct proc *p);

/* ---- console and processes ----------------------------------------------- */

static long sys_debug_puts(struct trap_frame *tf, struct proc *p)
{
    uint64_t s = tf->x[0], len = tf->x[1];
    static char buf[CONFIG_NR_CPUS][HM_PUTS_MAX];
    if (len > HM_PUTS_MAX)
        return -HM_EINVAL;
    char *k = buf[this_cpu()->id];
    int err = copy_from_user(p, k, s, len);
    if (err < 0)
        return err;
    console_write(k, len);
    return (long)len;
}

static long sys_exit(struct trap_frame *tf, struct proc *p)
{
    proc_kill(p, (int)(tf->x[0] & 0xff));
    if (current()->depth) /* a server ends itself during a call: back to the caller */
        ipc_unwind(-HM_EPIPE);
    thread_exit();
}

static long sys_yield(struct trap_frame *tf, struct proc *p)
{
    (void)tf;
    (void)p;
    sched_yield();
    return 0;
}

int user_string(struct proc *p, uint64_t s, uint64_t len, char *buf, size_t max, bool allow_empty)
{
    if (len > max || (!allow_empty && len == 0))
        return -HM_EINVAL;
    int err = copy_from_user(p, buf, s, len);
    if (err < 0)
        return err;
    buf[len] = '\0';
    return memchr(buf, '\0', len) ? -HM_EINVAL : 0;
}

static long sys_spawn(struct trap_frame *tf, struct proc *p)
{
    char name[HM_NAME_MAX + 1], arg[HM_NAME_MAX + 1];
    unsigned slot = (unsigned)tf->x[4];
    int err = user_string(p, tf->x[0], tf->x[1], name, HM_NAME_MAX, false);
    if (err == 0)
        err = user_string(p, tf->x[2], tf->x[3], arg, HM_NAME_MAX, true);
    if (err < 0 || tf->x[4] >= HM_CSPACE_SLOTS)
        return err < 0 ? err : -HM_EBADCAP;
    spin_lock(&cap_lock);
    err = cspace_slot_free(&p->cs, slot);
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
    /* invoke */
    struct proc *child;
    err = proc_spawn(name, arg, tf->x[3], -1, &child);
    if (err < 0)
        return err;
    return give_child(p, slot, child);
}

int give_child(struct proc *p, unsigned slot, struct proc *child)
{
    spin_lock(&cap_lock);
    int err = cap_insert(&p->cs, slot, &child->obj, HM_RIGHTS_ALL);
    cap_unlock();
    if (err < 0) /* another thread of ours took the slot meanwhile */
        proc_kill(child, HM_EXIT_KILLED | HM_KILL_OTHER);
    proc_put(child);
    return err;
}

int hold_proc(struct proc *p, uint64_t slot, unsigned rights, struct proc **out)
{
    struct cap *c;
    spin_lock(&cap_lock);
    int err = cap_lookup(&p->cs, slot > UINT32_MAX ? UINT32_MAX : (unsigned)slot, HM_CAP_PROCESS,
                         rights, &c);
    if (err == 0) {
        *out = (struct proc *)c->obj;
        (*out)->holds++;
    }
    spin_unlock(&cap_lock);
    return err;
}

static long sys_wait(struct trap_frame *tf, struct proc *p)
{
    struct proc *child;
    int err = hold_proc(p, tf->x[0], HM_RIGHT_WAIT, &child);
    if (err < 0)
        return err;
    if (child == p) {
        proc_put(child);
        return -HM_EINVAL; /* waiting for oneself would never end */
    }
    int status = proc_wait(child);
    proc_put(child);
    return status;
}

static long sys_kill(struct trap_frame *tf, struct proc *p)
{
    struct proc *victim;
    int err = hold_proc(p, tf->x[0], HM_RIGHT_CONTROL, &victim);
    if (err < 0)
        return err;
    proc_kill(victim, HM_EXIT_KILLED | HM_KILL_BY_CAP);
    proc_put(victim);
    return 0;
}

/* ---- memory -------------------------------------------------------------- */

static long sys_map(struct trap_frame *tf, struct proc *p)
{
    if (tf->x[2] > UINT32_MAX)
        return -HM_EINVAL;
    /* Memory a server maps while serving a call is charged to the root caller. */
    struct thread *t = current();
    return vm_map_anon_charged(p, tf->x[0], tf->x[1], (unsigned)tf->x[2],
                               t->depth ? t->home : NULL);
}

static long sys_unmap(struct trap_frame *tf, struct proc *p)
{
    return vm_unmap(p, tf->x[0], tf->x[1]);
}

static long sys_mem_create(struct trap_frame *tf, struct proc *p)
{
    uint64_t len = tf->x[0];
    unsigned slot = tf->x[1] >= HM_CSPACE_SLOTS ? HM_CSPACE_SLOTS : (unsigned)tf->x[1];
    if (len == 0 || len > (PAGE_SIZE << 10))
        return -HM_EINVAL;
    spin_lock(&cap_lock);
    int err = cspace_slot_free(&p->cs, slot);
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
    struct memobj *m;
    err = memobj_create(len, &m);
    if (err < 0)
        return err;
    spin_lock(&cap_lock);
    err = cap_insert(&p->cs, slot, &m->obj,
                     HM_RIGHT_READ | HM_RIGHT_WRITE | HM_RIGHT_EXEC | HM_RIGHT_GRANT);
    if (err < 0) { /* the slot was taken meanwhile: the object never had a capability */
        frame_free(m->pa, m->order);
        kobj_free(KC_MEMOBJ, m);
    }
    cap_unlock();
    return err;
}

static long sys_mem_map(struct trap_frame *tf, struct proc *p)
{
    uint64_t va = tf->x[1], prot = tf->x[2];
    if (prot > 7)
        return -HM_EINVAL;
    unsigned need = ((prot & HM_PROT_READ) ? HM_RIGHT_READ : 0) |
                    ((prot & HM_PROT_WRITE) ? HM_RIGHT_WRITE : 0) |
                    ((prot & HM_PROT_EXEC) ? HM_RIGHT_EXEC : 0);
    struct cap *c;
    spin_lock(&cap_lock);
    int err = cap_lookup(&p->cs, tf->x[0] > UINT32_MAX ? UINT32_MAX : (unsigned)tf->x[0],
                         HM_CAP_MEMORY, need, &c);
    struct memobj *m = err == 0 ? (struct memobj *)c->obj : NULL;
    if (m)
        m->maps++; /* keeps it alive while we map (dropped below) */
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
    err = vm_map_mem(p, m, va, (unsigned)prot);
    memobj_unhold(m);
    return err;
}

/* ---- threads and time ------------------------------------------------------ */

static long sys_thread_create(struct trap_frame *tf, struct proc *p)
{
    uint64_t entry = tf->x[0], sp = tf->x[1], arg = tf->x[2];
    int64_t cpu = (int64_t)tf->x[3];
    unsigned slot = tf->x[4] >= HM_CSPACE_SLOTS ? HM_CSPACE_SLOTS : (unsigned)tf->x[4];
    if (entry >= HM_USER_TOP || !IS_ALIGNED(entry, 4) || sp > HM_USER_TOP || !IS_ALIGNED(sp, 16))
        return -HM_EINVAL;
    if (cpu < -1 || cpu >= (int64_t)ncpus_online)
        return -HM_EINVAL;
    spin_lock(&cap_lock);
    int err = cspace_slot_free(&p->cs, slot);
    spin_unlock(&cap_lock);
    if (err < 0)
        return err;
    struct thread *t = thread_create_user(
            p, entry, sp, arg, cpu < 0 ? sched_next_cpu() : (unsigned)cpu, current()->prio);
    if (!t)
        return -HM_ENOMEM;
    spin_lock(&p->lock);
    bool dying = p->dying;
    if (!dying) {
        list_add_tail(&p->threads, &t->proc_node);
        p->nthreads++;
        __atomic_add_fetch(&p->nunreaped, 1, __ATOMIC_SEQ_CST);
    }
    spin_unlock(&p->lock);
    if (!dying) {
        spin_lock(&cap_lock);
        err = cap_insert(&p->cs, slot, &t->obj, HM_RIGHTS_ALL);
        cap_unlock();
    }
    if (dying || err < 0) {
        if (!dying) { /* slot taken meanwhile: undo */
            spin_lock(&p->lock);
            list_del(&t->proc_node);
            p->nthreads--;
            __atomic_sub_fetch(&p->nunreaped, 1, __ATOMIC_SEQ_CST);
            spin_unlock(&p->lock);
        }
        thread_discard(t);
        return dying ? -HM_EINTR : err;
    }
    sched_start(t);
    return 0;
}

static long sys_thread_exit(struct trap_frame *tf, struct proc *p)
{
    (void)tf;
    (void)p;
    if (current()->depth)
        return -HM_EINVAL; /* a borrowed thread: the server must reply instead */
    thread_exit();
}

static int hold_thread(struct proc *p, uint64_t slot, unsigned rights, struct thread **out)
{
    struct cap *c;
    spin_lock(&cap_lock);
    int err = cap_lookup(&p->cs, slot > UINT32_MAX ? UINT32_MAX : (unsigned)slot, HM_CAP_THREAD,
                         rights, &c);
    if (err == 0) {
        *out = (struct thread *)c->obj;
        (*out)->holds++;
    }
    spin_unlock(&cap_lock);
    return err;
}

static void unhold_thread(struct thread *t)
{
    thread_put(t);
}

static long sys_thread_join(struct trap_frame *tf, struct proc *p)
{
    struct thread *t;
    int err = hold_thread(p, tf->x[0], HM_RIGHT_WAIT, &t);
    if (err < 0)
        return err;
    if (t == current()) {
        unhold_thread(t);
        return -HM_EINVAL;
    }
    spin_lock(&t->exitq.lock);
    while (!t->exited && err == 0) {
        err = thread_block(&t->exitq);
        spin_lock(&t->exitq.lock);
    }
    spin_unlock(&t->exitq.lock);
    unhold_thread(t);
    return err;
}

static long sys_set_priority(struct trap_frame *tf, struct proc *p)
{
    if (tf->x[1] > HM_PRIO_MAX)
        return -HM_EINVAL;
    struct thread *t;
    int err = hold_thread(p, tf->x[0], HM_RIGHT_CONTROL, &t);
    if (err < 0)
        return err;
    sched_set_priority(t, (unsigned)tf->x[1]);
    unhold_thread(t);
    return 0;
}

static long sys_sleep(struct trap_frame *tf, struct proc *p)
{
    (void)p;
    uint64_t ns = tf->x[0];
    if (ns == 0)
        return 0;
    if (ns > 3600ull * 1000000000ull)
        return -HM_EINVAL;
    return thread_sleep(ns);
}

static long sys_cpu_id(struct trap_frame *tf, struct proc *p)
{
    (void)tf;
    (void)p;
    return this_cpu()->id;
}

static long sys_info(struct trap_frame *tf, struct proc *p)
{
    (void)p;
    switch (tf->x[0]) {
    case HM_INFO_NCPUS:
        return ncpus_online;
    case HM_INFO_FREE_FRAMES:
        return (long)frame_free_count();
    case HM_INFO_KOBJS:
        return (long)kobj_live();
    case HM_INFO_TICKS:
        return (long)sched_total_ticks();
    case HM_INFO_TIME_NS:
        return (long)timer_now_ns();
    case HM_INFO_TEST_MODE:
        return ktest_mode;
    case HM_INFO_BENCH_MODE:
        return bench_mode;
    case HM_INFO_PID:
        return current()->home->pid;
    default:
        return -HM_EINVAL;
    }
}

/* ---- capabilities ------------------------------------------------------------ */

static unsigned slot_arg(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
}

static long sys_cap_copy(struct trap_frame *tf, struct proc *p)
{
    if (tf->x[3] > UINT32_MAX)
        return -HM_EINVAL;
    struct proc *dst;
    int err = hold_proc(p, tf->x[1], 0, &dst);
    if (err < 0)
        return err;
    spin_lock(&cap_lock);
    err = cap_copy(&p->cs, slot_arg(tf->x[0]), &dst->cs, slot_arg(tf->x[2]), (unsigned)tf->x[3]);
    cap_unlock();
    proc_put(dst);
    return err;
}

static long sys_cap_delete(struct trap_frame *tf, struct proc *p)
{
    spin_lock(&cap_lock);
    int err = cap_delete(&p->cs, slot_arg(tf->x[0]), &kobj_cap_ops);
    cap_unlock();
    return err;
}

static long sys_cap_revoke(struct trap_frame *tf, struct proc *p)
{
    spin_lock(&cap_lock);
    int n = cap_revoke(&p->cs, slot_arg(tf->x[0]), &kobj_cap_ops);
    cap_unlock();
    return n;
}

static long sys_cap_info(struct trap_frame *tf, struct proc *p)
{
    struct cap *c;
    spin_lock(&cap_lock);
    long v = cap_info(&p->cs, slot_arg(tf->x[0]));
    if (v >= 0 && cap_lookup(&p->cs, slot_arg(tf->x[0]), HM_CAP_SERVICE, 0, &c) == 0 &&
        ipc_service_gone(c->obj))
        v |= HM_CAP_INFO_GONE;
    spin_unlock(&cap_lock);
    return v;
}

/* ---- tests ---------------------------------------------------------------------- */

static long sys_test_report(struct trap_frame *tf, struct proc *p)
{
    char name[HM_NAME_MAX + 1], detail[257];
    if (!ktest_mode)
        return -HM_ENOSYS;
    int err = user_string(p, tf->x[0], tf->x[1], name, HM_NAME_MAX, false);
    if (err == 0)
        err = user_string(p, tf->x[3], tf->x[4], detail, 256, true);
    if (err < 0)
        return err;
    /* "stage<N>/<name>": the suite is the stage that owns the test. */
    if (strncmp(name, "stage", 5) != 0 || !strchr(name, '/'))
        return -HM_EINVAL;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '/'))
            return -HM_EINVAL;
    ktest_report(name, tf->x[2] != 0, detail);
    return 0;
}

static long sys_null(struct trap_frame *tf, struct proc *p)
{
    (void)tf;
    (void)p;
    return 0;
}

static const syscall_fn syscalls[NR_SYSCALLS] = {
    [HM_SYS_DEBUG_PUTS] = sys_debug_puts,
    [HM_SYS_EXIT] = sys_exit,
    [HM_SYS_YIELD] = sys_yield,
    [HM_SYS_SPAWN] = sys_spawn,
    [HM_SYS_WAIT] = sys_wait,
    [HM_SYS_KILL] = sys_kill,
    [HM_SYS_MAP] = sys_map,
    [HM_SYS_UNMAP] = sys_unmap,
    [HM_SYS_MEM_CREATE] = sys_mem_create,
    [HM_SYS_MEM_MAP] = sys_mem_map,
    [HM_SYS_THREAD_CREATE] = sys_thread_create,
    [HM_SYS_THREAD_EXIT] = sys_thread_exit,
    [HM_SYS_THREAD_JOIN] = sys_thread_join,
    [HM_SYS_SET_PRIORITY] = sys_set_priority,
    [HM_SYS_SLEEP] = sys_sleep,
    [HM_SYS_CPU_ID] = sys_cpu_id,
    [HM_SYS_INFO] = sys_info,
    [HM_SYS_CAP_COPY] = sys_cap_copy,
    [HM_SYS_CAP_DELETE] = sys_cap_delete,
    [HM_SYS_CAP_REVOKE] = sys_cap_revoke,
    [HM_SYS_CAP_INFO] = sys_cap_info,
    [HM_SYS_TEST_REPORT] = sys_test_report,
    [HM_SYS_NULL] = sys_null,
    [HM_SYS_SERVICE_REGISTER] = sys_service_register,
    [HM_SYS_CONNECT] = sys_connect,
    [HM_SYS_CALL] = sys_call,
    [HM_SYS_REPLY] = sys_reply,
    [HM_SYS_NAME_PUBLISH] = sys_name_publish,
    [HM_SYS_NAME_LOOKUP] = sys_name_lookup,
    [HM_SYS_ACCOUNT] = sys_account,
    [HM_SYS_SET_RECLAIMER] = sys_set_reclaimer,
    [HM_SYS_IPC_INFO] = sys_ipc_info,
    [HM_SYS_NOTIFY_CREATE] = sys_notify_create,
    [HM_SYS_NOTIFY_SIGNAL] = sys_notify_signal,
    [HM_SYS_NOTIFY_WAIT] = sys_notify_wait,
    [HM_SYS_NOTIFY_TIMER] = sys_notify_timer,
#ifdef CONFIG_STAGE3
    [HM_SYS_PAGER_REGION] = sys_pager_region,
    [HM_SYS_PAGE_MAP] = sys_page_map,
    [HM_SYS_PAGE_LENT] = sys_page_lent,
    [HM_SYS_PAGER_UNMAP] = sys_pager_unmap,
    [HM_SYS_PROC_ALIVE] = sys_proc_alive,
    [HM_SYS_INITRD_STAT] = sys_initrd_stat,
    [HM_SYS_INITRD_READ] = sys_initrd_read,
    [HM_SYS_SPAWN_MEM] = sys_spawn_mem,
    [HM_SYS_DOMAIN_WAIT] = sys_domain_wait,
    [HM_SYS_DOMAIN_RESTART] = sys_domain_restart,
#endif
};

void syscall_dispatch(struct trap_frame *tf, unsigned imm)
{
    uint64_t nr = tf->x[8];
    struct proc *p = current()->proc;
    if (imm != HM_SVC_NATIVE || nr >= NR_SYSCALLS || !syscalls[nr]) {
        tf->x[0] = (uint64_t)-HM_ENOSYS;
        return;
    }
#ifdef CONFIG_STAGE3
    long r = syscalls[nr](tf, p);
    if (unlikely(r == -HM_EFAULT) && pager_syscall_fault(tf))
        return; /* an untouched paged page: its pager, then the call again */
    tf->x[0] = (uint64_t)r;
#else
    tf->x[0] = (uint64_t)syscalls[nr](tf, p);
#endif
}
