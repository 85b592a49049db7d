// SPDX-License-Identifier: MIT
/* mm_user.c - the memory manager's kernel calls from a process (IC2):
 * the pagers' system calls (uapi/hm/pager.h, mm.h struct mm_kernel). */
#include "hm.h"
#include "ipc.h"
#include <hm/pager.h>
#include "mm.h"

static long region(uint64_t va, uint64_t len, unsigned prot, uint64_t cookie)
{
    return hm_syscall4(HM_SYS_PAGER_REGION, va, len, prot, cookie);
}

static long map(void *page, uint64_t dst, unsigned prot)
{
    return hm_syscall3(HM_SYS_PAGE_MAP, (uintptr_t)page, dst, prot);
}

static long unmap(uint64_t va, uint64_t len)
{
    return hm_syscall2(HM_SYS_PAGER_UNMAP, va, len);
}

static uint32_t caller(void)
{
    return (uint32_t)hm_ipc_info(HM_IPCI_CALLER_PID);
}

static bool alive(uint32_t pid)
{
    return hm_syscall1(HM_SYS_PROC_ALIVE, pid) == 1;
}

const struct mm_kernel mm_user_kernel = { region, map, unmap, caller, alive };
