// SPDX-License-Identifier: MIT
/*
 * mmchild3.c - a client of the memory manager that misbehaves on purpose,
 * for tests/user/mm_test.c.  Its argument says how:
 *   past_eof   touches a file mapping past the file's end (killed)
 *   write_ro   writes to a read-only mapping (killed)
 *   leave      touches 16 pages of anonymous memory and exits without
 *              unmapping them (the memory manager collects them later)
 *   crash      touches one page of two, makes the memory manager crash
 *              (a test-only request), checks the page it has is still
 *              there, then touches the other (killed: no pager)
 * It exits 0 if it was not killed, 1 if its setup failed.
 */
#include <string.h>
#include "hm.h"
#include "fs.h"
#include "ipc.h"
#include "mm.h"
#include "mm_proto.h"

int main(const char *arg, unsigned long len)
{
    void *p = NULL;
    if (len == 5 && !memcmp(arg, "leave", 5)) {
        if (mm_map(16 * HM_PAGE_SIZE, HM_PROT_READ | HM_PROT_WRITE, &p) < 0)
            return 1;
        for (int i = 0; i < 16; i++)
            ((volatile char *)p)[i * HM_PAGE_SIZE] = 1;
        return 0;
    }
    if (len == 5 && !memcmp(arg, "crash", 5)) {
        if (mm_map(2 * HM_PAGE_SIZE, HM_PROT_READ | HM_PROT_WRITE, &p) < 0)
            return 1;
        volatile char *c = p;
        c[0] = 'a';
        if (hm_name_lookup("mm", 20) < 0 || hm_connect(20, NULL, 0, 21) < 0)
            return 1;
        struct hm_msg m = { .w = { MM_TEST_CRASH, 0x10 } };
        if (hm_call(21, &m, HM_NO_SLOT) != -HM_EPIPE)
            return 1;
        if (c[0] != 'a')
            return 2;          /* a page lent by a dead pager must stay until unmapped */
        c[HM_PAGE_SIZE] = 'b'; /* no pager to serve it: the end */
        return 0;
    }
    int fd = fs_open("/mmchild", FS_O_CREAT | FS_O_TRUNC);
    if (fd < 0 || fs_write(fd, "x", 1) != 1)
        return 1;
    long r = len == 8 && !memcmp(arg, "past_eof", 8) ?
                     mm_map_file(fd, 0, 2 * HM_PAGE_SIZE, HM_PROT_READ, &p) :
                     mm_map_file(fd, 0, HM_PAGE_SIZE, HM_PROT_READ, &p);
    fs_close(fd); /* the test removes the file */
    if (r < 0)
        return 1;
    if (((volatile char *)p)[0] != 'x')
        return 1;
    if (len == 8 && !memcmp(arg, "past_eof", 8))
        (void)((volatile char *)p)[HM_PAGE_SIZE]; /* the second page: past the end */
    else
        ((volatile char *)p)[0] = 'y'; /* read-only */
    return 0;
}
