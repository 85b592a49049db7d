// SPDX-License-Identifier: MIT
/*
 * dt_test.c - host unit tests for the device-tree query module (kernel/lib/dt.c).
 *
 * Usage: dt_test <virt.dtb> <virt-gicv3.dtb> <rpi4.dtb>
 *
 * The first two blobs are QEMU's "virt" machine dumped with dumpdtb
 * (GICv2: -smp 4 -m 512; GICv3: -smp 2 -m 1024); the third is the Raspberry
 * Pi 4 B blob from Debian's arm64 Linux package. Further tests build small
 * trees with libfdt's sequential-write API to exercise malformed input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "dt.h"
#include "unit.h"

/* ---------------------------------------------------------------------- */
/* Real blobs from the command line                                        */
/* ---------------------------------------------------------------------- */

enum {
    VIRT = 1,
    VIRT3 = 2,
    RPI4 = 3,
    NBLOBS = 4
};

struct blob {
    void *data;
    size_t size;
};

/* Loaded once, kept for the whole run (still reachable: not a leak). */
static struct blob blobs[NBLOBS];

/* The blob named by argv[which], read into a malloc'd buffer. A missing or
 * unreadable file fails the calling test with a clear message. */
static const struct blob *load(int which)
{
    const char *path = unit_arg(which);
    struct blob *b = &blobs[which];
    FILE *f;
    long sz;

    if (b->data)
        return b;
    if (!path)
        UNIT_FAIL("missing argument %d (usage: dt_test <virt.dtb> <virt-gicv3.dtb> <rpi4.dtb>)",
                  which);
    f = fopen(path, "rb");
    if (!f)
        UNIT_FAIL("cannot open DTB '%s': %s", path, strerror(errno));
    /* Each failure path closes f once and leaves through UNIT_FAIL (longjmp). */
    const char *why = NULL;
    // cppcheck-suppress nullPointerRedundantCheck ; UNIT_FAIL above does not return
    if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
        why = "cannot size";
    } else {
        b->data = malloc((size_t)sz);
        if (!b->data || fread(b->data, 1, (size_t)sz, f) != (size_t)sz) {
            free(b->data);
            b->data = NULL;
            why = "cannot read";
        }
    }
    fclose(f);
    if (why)
        UNIT_FAIL("%s DTB '%s'", why, path);
    b->size = (size_t)sz;
    if (dt_check(b->data, b->size) != DT_OK)
        UNIT_FAIL("'%s' is not a valid DTB", path);
    return b;
}

static const void *dtb(int which)
{
    return load(which)->data;
}

/* Offset of the node at @path, which must exist. */
static int node(const void *fdt, const char *path)
{
    int off = fdt_path_offset(fdt, path);

    if (off < 0)
        UNIT_FAIL("node '%s' not found: %s", path, fdt_strerror(off));
    return off;
}

/* ---------------------------------------------------------------------- */
/* Handcrafted trees (libfdt sequential-write API)                        */
/* ---------------------------------------------------------------------- */

#define TREE_BYTES 8192

struct tree {
    uint64_t mem[TREE_BYTES / 8]; /* 8-byte aligned blob buffer */
};

#define OK(call)                                               \
    do {                                                       \
        int ok_err_ = (call);                                  \
        if (ok_err_ < 0)                                       \
            UNIT_FAIL("%s: %s", #call, fdt_strerror(ok_err_)); \
    } while (0)

static void *tree_begin(struct tree *t)
{
    // cppcheck-suppress ctuuninitvar ; t->mem is only an address here, written by fdt_create
    void *fdt = t->mem;

    OK(fdt_create(fdt, TREE_BYTES));
    return fdt;
}

static void tree_end_header(void *fdt)
{
    OK(fdt_finish_reservemap(fdt));
    OK(fdt_begin_node(fdt, ""));
}

static void tree_finish(void *fdt)
{
    OK(fdt_end_node(fdt)); /* root */
    OK(fdt_finish(fdt));
    if (dt_check(fdt, TREE_BYTES) != DT_OK)
        UNIT_FAIL("handcrafted tree fails dt_check");
}

/* Property made of @n big-endian cells. */
static void cells(void *fdt, const char *name, int n, const uint32_t *v)
{
    fdt32_t buf[32];

    if (n > 32)
        UNIT_FAIL("too many cells");
    for (int i = 0; i < n; i++)
        buf[i] = cpu_to_fdt32(v[i]);
    OK(fdt_property(fdt, name, buf, (int)(n * sizeof(fdt32_t))));
}

#define CELLS(fdt, name, ...)                                                           \
    cells((fdt), (name), (int)(sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)), \
          (uint32_t[]){ __VA_ARGS__ })

static void str(void *fdt, const char *name, const char *s)
{
    OK(fdt_property_string(fdt, name, s));
}

/* Raw bytes, e.g. strings without their NUL. */
static void raw(void *fdt, const char *name, const void *v, int len)
{
    OK(fdt_property(fdt, name, v, len));
}

static void begin(void *fdt, const char *name)
{
    OK(fdt_begin_node(fdt, name));
}

static void end(void *fdt)
{
    OK(fdt_end_node(fdt));
}

/* A root with #address-cells 2, #size-cells 1 and a GIC (phandle 1). */
static void root_with_gic(void *fdt)
{
    tree_end_header(fdt);
    CELLS(fdt, "#address-cells", 2);
    CELLS(fdt, "#size-cells", 1);
    CELLS(fdt, "interrupt-parent", 1);
    begin(fdt, "gic@1000");
    str(fdt, "compatible", "arm,gic-400");
    CELLS(fdt, "#interrupt-cells", 3);
    raw(fdt, "interrupt-controller", NULL, 0);
    CELLS(fdt, "reg", 0, 0x1000, 0x1000, 0, 0x2000, 0x2000);
    CELLS(fdt, "phandle", 1);
    end(fdt);
}

/* ---------------------------------------------------------------------- */
/* Header checks and bad blobs                                             */
/* ---------------------------------------------------------------------- */

UNIT_TEST(dt_check_valid_dtbs)
{
    for (int i = VIRT; i <= RPI4; i++) {
        const struct blob *b = load(i);

        UNIT_ASSERT_EQ(dt_check(b->data, b->size), DT_OK);
        UNIT_ASSERT_EQ(dt_check(b->data, b->size - 1), DT_EBADTREE);
    }
    UNIT_ASSERT_EQ(dt_check(NULL, 4096), DT_EBADTREE);
}

UNIT_TEST(dt_check_truncated)
{
    const struct blob *b = load(VIRT);
    size_t half = b->size / 2;
    uint8_t *copy = malloc(half);

    UNIT_ASSERT(copy != NULL);
    memcpy(copy, b->data, half);
    /* The header still claims the full size: refused, nothing read past. */
    UNIT_ASSERT_EQ(dt_check(copy, half), DT_EBADTREE);
    /* Shorter than the header itself. */
    UNIT_ASSERT_EQ(dt_check(copy, 20), DT_EBADTREE);
    free(copy);
}

UNIT_TEST(dt_check_bad_magic)
{
    const struct blob *b = load(VIRT);
    uint8_t *copy = malloc(b->size);
    struct dt_range r[4];
    struct dt_cpu c[4];
    struct dt_gic g;
    struct dt_timer t;

    UNIT_ASSERT(copy != NULL);
    memcpy(copy, b->data, b->size);
    copy[0] ^= 0xff;
    UNIT_ASSERT_EQ(dt_check(copy, b->size), DT_EBADTREE);
    /* Queries on a rejected blob fail cleanly too. */
    UNIT_ASSERT_STREQ(dt_model(copy), "unknown");
    UNIT_ASSERT_STREQ(dt_bootargs(copy), "");
    UNIT_ASSERT_EQ(dt_memory(copy, r, 4), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_reserved(copy, r, 4), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_cpus(copy, c, 4), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_gic(copy, &g), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_timer(copy, &t), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_stdout(copy), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_console(copy, "arm,pl011"), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_psci(copy), DT_PSCI_NONE);
    UNIT_ASSERT(!dt_root_compatible(copy, "linux,dummy-virt"));
    free(copy);
}

UNIT_TEST(dt_check_totalsize_too_big)
{
    const struct blob *b = load(RPI4);
    uint8_t *copy = malloc(b->size);
    struct fdt_header *h;

    UNIT_ASSERT(copy != NULL);
    memcpy(copy, b->data, b->size);
    h = (struct fdt_header *)copy;
    h->totalsize = cpu_to_fdt32((uint32_t)b->size + 4096);
    UNIT_ASSERT_EQ(dt_check(copy, b->size), DT_EBADTREE);
    /* The same header is acceptable if the buffer really were that big. */
    UNIT_ASSERT_EQ(fdt_totalsize(copy), b->size + 4096);
    free(copy);
}

UNIT_TEST(dt_empty_tree)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_range r[2];
    struct dt_cpu c[2];
    struct dt_gic g;
    struct dt_timer tm;
    struct dt_irq irq;

    tree_end_header(fdt);
    tree_finish(fdt);
    UNIT_ASSERT_EQ(dt_memory(fdt, r, 2), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_reserved(fdt, r, 2), 0);
    UNIT_ASSERT_EQ(dt_cpus(fdt, c, 2), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_gic(fdt, &g), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_timer(fdt, &tm), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_stdout(fdt), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_console(fdt, "arm,pl011"), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_irq(fdt, 0, 0, &irq), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_reg(fdt, 0, 0, &r[0]), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_psci(fdt), DT_PSCI_NONE);
    UNIT_ASSERT_STREQ(dt_model(fdt), "unknown");
    UNIT_ASSERT_STREQ(dt_bootargs(fdt), "");
    UNIT_ASSERT(!dt_bootarg(fdt, "ktest", NULL, NULL));
    UNIT_ASSERT(dt_node_enabled(fdt, 0));
}

UNIT_TEST(dt_bad_arguments)
{
    const void *fdt = dtb(VIRT);
    struct dt_range r;
    struct dt_irq irq;
    struct dt_cpu c;
    int uart = node(fdt, "/pl011@9000000");

    UNIT_ASSERT_EQ(dt_reg(fdt, uart, 0, NULL), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_reg(fdt, uart, -1, &r), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_reg(fdt, -5, 0, &r), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_reg(fdt, uart + 4, 0, &r), DT_EINVAL); /* not a node start */
    UNIT_ASSERT_EQ(dt_irq(fdt, uart, 0, NULL), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_irq(fdt, uart, -1, &irq), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_memory(fdt, NULL, 1), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_memory(fdt, &r, -1), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_cpus(fdt, &c, -1), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_console(fdt, NULL), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_gic(fdt, NULL), DT_EINVAL);
    UNIT_ASSERT_EQ(dt_timer(fdt, NULL), DT_EINVAL);
    UNIT_ASSERT(!dt_node_enabled(fdt, -1));
    UNIT_ASSERT(!dt_root_compatible(fdt, NULL));
    UNIT_ASSERT(!dt_bootarg(fdt, NULL, NULL, NULL));
    UNIT_ASSERT(!dt_bootarg(fdt, "", NULL, NULL));
}

UNIT_TEST(dt_strerror_names)
{
    UNIT_ASSERT_STREQ(dt_strerror(DT_OK), "ok");
    UNIT_ASSERT_STREQ(dt_strerror(DT_EBADTREE), "bad device tree");
    UNIT_ASSERT_STREQ(dt_strerror(DT_ENOTFOUND), "not found");
    UNIT_ASSERT_STREQ(dt_strerror(DT_EINVAL), "invalid argument");
    UNIT_ASSERT_STREQ(dt_strerror(DT_ENOSPC), "no space");
    UNIT_ASSERT_STREQ(dt_strerror(DT_EUNSUPPORTED), "unsupported");
    UNIT_ASSERT_STREQ(dt_strerror(-42), "unknown error");
}

/* ---------------------------------------------------------------------- */
/* Identification and command line                                        */
/* ---------------------------------------------------------------------- */

UNIT_TEST(dt_virt_model)
{
    const void *fdt = dtb(VIRT);

    UNIT_ASSERT_STREQ(dt_model(fdt), "linux,dummy-virt");
    UNIT_ASSERT(dt_root_compatible(fdt, "linux,dummy-virt"));
    UNIT_ASSERT(!dt_root_compatible(fdt, "brcm,bcm2711"));
    UNIT_ASSERT(!dt_root_compatible(fdt, "linux"));
    UNIT_ASSERT_STREQ(dt_bootargs(fdt), "");
}

UNIT_TEST(dt_rpi4_model)
{
    const void *fdt = dtb(RPI4);

    UNIT_ASSERT_STREQ(dt_model(fdt), "Raspberry Pi 4 Model B");
    UNIT_ASSERT(dt_root_compatible(fdt, "raspberrypi,4-model-b"));
    UNIT_ASSERT(dt_root_compatible(fdt, "brcm,bcm2711"));
    UNIT_ASSERT(!dt_root_compatible(fdt, "brcm,bcm2711x"));
    UNIT_ASSERT(!dt_root_compatible(fdt, "linux,dummy-virt"));
}

UNIT_TEST(dt_model_fallbacks)
{
    struct tree t;
    void *fdt = tree_begin(&t);

    /* model without its NUL is ignored; first compatible string is used. */
    tree_end_header(fdt);
    raw(fdt, "model", "Bad Board", 9);
    raw(fdt, "compatible", "acme,board\0acme,soc", 20);
    tree_finish(fdt);
    UNIT_ASSERT_STREQ(dt_model(fdt), "acme,board");
    UNIT_ASSERT(dt_root_compatible(fdt, "acme,soc"));
    UNIT_ASSERT(!dt_root_compatible(fdt, "acme,so"));
}

UNIT_TEST(dt_bootarg_parse)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    const char *v = NULL;
    size_t len = 99;

    tree_end_header(fdt);
    begin(fdt, "chosen");
    str(fdt, "bootargs", "ktest token=abc123 semihosting");
    end(fdt);
    tree_finish(fdt);

    UNIT_ASSERT_STREQ(dt_bootargs(fdt), "ktest token=abc123 semihosting");
    UNIT_ASSERT(dt_bootarg(fdt, "ktest", &v, &len));
    UNIT_ASSERT_EQ(len, 0);
    UNIT_ASSERT(dt_bootarg(fdt, "token", &v, &len));
    UNIT_ASSERT_EQ(len, 6);
    UNIT_ASSERT(memcmp(v, "abc123", 6) == 0);
    UNIT_ASSERT(dt_bootarg(fdt, "semihosting", &v, &len));
    UNIT_ASSERT_EQ(len, 0);
    UNIT_ASSERT(dt_bootarg(fdt, "semihosting", NULL, NULL));
    UNIT_ASSERT(!dt_bootarg(fdt, "tok", &v, &len));
    UNIT_ASSERT(!dt_bootarg(fdt, "abc123", &v, &len));
    UNIT_ASSERT(!dt_bootarg(fdt, "token=abc123", &v, &len));
    UNIT_ASSERT(!dt_bootarg(fdt, "semi", &v, &len));
}

UNIT_TEST(dt_bootarg_edge_cases)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    const char *v = NULL;
    size_t len = 99;

    tree_end_header(fdt);
    begin(fdt, "chosen");
    str(fdt, "bootargs", "  a=  b=2\tc=x=y  a=second ");
    end(fdt);
    tree_finish(fdt);

    UNIT_ASSERT(dt_bootarg(fdt, "a", &v, &len)); /* first occurrence wins */
    UNIT_ASSERT_EQ(len, 0);
    UNIT_ASSERT(dt_bootarg(fdt, "b", &v, &len));
    UNIT_ASSERT_EQ(len, 1);
    UNIT_ASSERT_EQ(v[0], '2');
    UNIT_ASSERT(dt_bootarg(fdt, "c", &v, &len)); /* value may contain '=' */
    UNIT_ASSERT_EQ(len, 3);
    UNIT_ASSERT(memcmp(v, "x=y", 3) == 0);
    UNIT_ASSERT(!dt_bootarg(fdt, "second", &v, &len));
}

UNIT_TEST(dt_bootargs_unterminated)
{
    struct tree t;
    void *fdt = tree_begin(&t);

    tree_end_header(fdt);
    begin(fdt, "chosen");
    raw(fdt, "bootargs", "ktest", 5); /* no NUL */
    raw(fdt, "stdout-path", "/uart", 5);
    end(fdt);
    tree_finish(fdt);
    UNIT_ASSERT_STREQ(dt_bootargs(fdt), "");
    UNIT_ASSERT(!dt_bootarg(fdt, "ktest", NULL, NULL));
    UNIT_ASSERT_EQ(dt_stdout(fdt), DT_EBADTREE);
}

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */
/* ---------------------------------------------------------------------- */

UNIT_TEST(dt_virt_memory)
{
    struct dt_range r[DT_MAX_REGS];

    UNIT_ASSERT_EQ(dt_memory(dtb(VIRT), r, DT_MAX_REGS), 1);
    UNIT_ASSERT_EQ(r[0].base, 0x40000000);
    UNIT_ASSERT_EQ(r[0].size, 512ull << 20);
}

UNIT_TEST(dt_virt_gicv3_memory)
{
    struct dt_range r[DT_MAX_REGS];

    UNIT_ASSERT_EQ(dt_memory(dtb(VIRT3), r, DT_MAX_REGS), 1);
    UNIT_ASSERT_EQ(r[0].base, 0x40000000);
    UNIT_ASSERT_EQ(r[0].size, 1024ull << 20);
}

UNIT_TEST(dt_rpi4_memory_empty)
{
    struct dt_range r[DT_MAX_REGS];

    /* memory@0 has reg <0 0 0>: the firmware fills it in. */
    UNIT_ASSERT_EQ(dt_memory(dtb(RPI4), r, DT_MAX_REGS), 0);
}

UNIT_TEST(dt_memory_enospc)
{
    struct dt_range r[1];

    UNIT_ASSERT_EQ(dt_memory(dtb(VIRT), NULL, 0), DT_ENOSPC);
    UNIT_ASSERT_EQ(dt_memory(dtb(VIRT), r, 1), 1);
}

UNIT_TEST(dt_memory_multi)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_range r[4];

    tree_end_header(fdt);
    CELLS(fdt, "#address-cells", 2);
    CELLS(fdt, "#size-cells", 2);
    begin(fdt, "memory@80000000");
    str(fdt, "device_type", "memory");
    CELLS(fdt, "reg", 0, 0x80000000, 0, 0x40000000, 0, 0, 0, 0, 0x8, 0x80000000, 0x1, 0x0);
    end(fdt);
    begin(fdt, "memory@c0000000");
    str(fdt, "device_type", "memory");
    str(fdt, "status", "disabled");
    CELLS(fdt, "reg", 0, 0xc0000000, 0, 0x1000);
    end(fdt);
    tree_finish(fdt);

    /* Zero-sized entry and disabled node skipped; 64-bit cells decoded. */
    UNIT_ASSERT_EQ(dt_memory(fdt, r, 4), 2);
    UNIT_ASSERT_EQ(r[0].base, 0x80000000);
    UNIT_ASSERT_EQ(r[0].size, 0x40000000);
    UNIT_ASSERT_EQ(r[1].base, 0x880000000);
    UNIT_ASSERT_EQ(r[1].size, 0x100000000);
    UNIT_ASSERT_EQ(dt_memory(fdt, r, 1), DT_ENOSPC);
}

UNIT_TEST(dt_memory_bad_reg)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_range r[4];
    int mem;

    tree_end_header(fdt);
    begin(fdt, "memory@0");
    str(fdt, "device_type", "memory");
    CELLS(fdt, "reg", 0, 0x40000000, 0x1000, 0); /* 4 cells, entry is 3 */
    end(fdt);
    tree_finish(fdt);
    mem = node(fdt, "/memory@0");
    UNIT_ASSERT_EQ(dt_reg_count(fdt, mem), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_reg(fdt, mem, 0, &r[0]), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_memory(fdt, r, 4), DT_EBADTREE);
}

/* ---------------------------------------------------------------------- */
/* Reserved memory                                                         */
/* ---------------------------------------------------------------------- */

UNIT_TEST(dt_virt_reserved)
{
    struct dt_range r[DT_MAX_REGS];

    UNIT_ASSERT_EQ(dt_reserved(dtb(VIRT), r, DT_MAX_REGS), 0);
}

UNIT_TEST(dt_rpi4_reserved)
{
    struct dt_range r[DT_MAX_REGS];

    /* /memreserve/ 0+0x1000; linux,cma has no reg, nvram@0 is disabled. */
    UNIT_ASSERT_EQ(dt_reserved(dtb(RPI4), r, DT_MAX_REGS), 1);
    UNIT_ASSERT_EQ(r[0].base, 0);
    UNIT_ASSERT_EQ(r[0].size, 0x1000);
    UNIT_ASSERT_EQ(dt_reserved(dtb(RPI4), r, 0), DT_ENOSPC);
}

UNIT_TEST(dt_reserved_nodes)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_range r[8];

    OK(fdt_add_reservemap_entry(fdt, 0x1000, 0x2000));
    OK(fdt_add_reservemap_entry(fdt, 0x48000000, 0x100000));
    tree_end_header(fdt);
    begin(fdt, "reserved-memory");
    CELLS(fdt, "#address-cells", 1);
    CELLS(fdt, "#size-cells", 1);
    raw(fdt, "ranges", NULL, 0);
    begin(fdt, "fw@50000000");
    CELLS(fdt, "reg", 0x50000000, 0x10000, 0x50100000, 0x1000);
    end(fdt);
    begin(fdt, "pool");
    CELLS(fdt, "size", 0x400000); /* dynamic: no reg */
    end(fdt);
    begin(fdt, "off@60000000");
    CELLS(fdt, "reg", 0x60000000, 0x1000);
    str(fdt, "status", "disabled");
    end(fdt);
    end(fdt);
    tree_finish(fdt);

    UNIT_ASSERT_EQ(dt_reserved(fdt, r, 8), 4);
    UNIT_ASSERT_EQ(r[0].base, 0x1000);
    UNIT_ASSERT_EQ(r[0].size, 0x2000);
    UNIT_ASSERT_EQ(r[1].base, 0x48000000);
    UNIT_ASSERT_EQ(r[1].size, 0x100000);
    UNIT_ASSERT_EQ(r[2].base, 0x50000000);
    UNIT_ASSERT_EQ(r[2].size, 0x10000);
    UNIT_ASSERT_EQ(r[3].base, 0x50100000);
    UNIT_ASSERT_EQ(r[3].size, 0x1000);
    UNIT_ASSERT_EQ(dt_reserved(fdt, r, 3), DT_ENOSPC);
}

/* ---------------------------------------------------------------------- */
/* reg and address translation                                            */
/* ---------------------------------------------------------------------- */

UNIT_TEST(dt_virt_reg)
{
    const void *fdt = dtb(VIRT);
    struct dt_range r;
    int flash = node(fdt, "/flash@0");

    UNIT_ASSERT_EQ(dt_reg_count(fdt, flash), 2);
    UNIT_ASSERT_EQ(dt_reg(fdt, flash, 1, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0x4000000);
    UNIT_ASSERT_EQ(r.size, 0x4000000);
    UNIT_ASSERT_EQ(dt_reg(fdt, flash, 2, &r), DT_ENOTFOUND);
    /* Child of the GIC, through its empty "ranges" (identity). */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/intc@8000000/v2m@8020000"), 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0x8020000);
    UNIT_ASSERT_EQ(r.size, 0x1000);
    /* /cpus has no "ranges": a cpu's reg is not a CPU address. */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/cpus/cpu@1"), 0, &r), DT_EUNSUPPORTED);
    /* The root has no reg. */
    UNIT_ASSERT_EQ(dt_reg(fdt, 0, 0, &r), DT_ENOTFOUND);
}

UNIT_TEST(dt_rpi4_reg_translation)
{
    const void *fdt = dtb(RPI4);
    struct dt_range r;

    /* /soc: 1-cell child addresses, 2-cell parent addresses. */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/soc/serial@7e201000"), 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0xfe201000);
    UNIT_ASSERT_EQ(r.size, 0x200);
    /* Third ranges entry: 0x40000000 -> 0xff800000. */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/soc/local_intc@40000000"), 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0xff800000);
    UNIT_ASSERT_EQ(r.size, 0x100);
    /* /emmc2bus: 2-cell child addresses. */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/emmc2bus/mmc@7e340000"), 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0xfe340000);
    UNIT_ASSERT_EQ(r.size, 0x100);
}

UNIT_TEST(dt_translate_nested)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_range r;

    tree_end_header(fdt);
    CELLS(fdt, "#address-cells", 2);
    CELLS(fdt, "#size-cells", 2);
    begin(fdt, "bus@1");
    CELLS(fdt, "#address-cells", 1);
    CELLS(fdt, "#size-cells", 1);
    /* child 0x0 -> 0x1_0000_0000 (64 KiB), child 0x100000 -> 0x2000_0000 (1 MiB) */
    CELLS(fdt, "ranges", 0x0, 0x1, 0x0, 0x10000, 0x100000, 0x0, 0x20000000, 0x100000);
    begin(fdt, "sub@100000");
    CELLS(fdt, "#address-cells", 1);
    CELLS(fdt, "#size-cells", 1);
    CELLS(fdt, "ranges", 0x0, 0x100000, 0x1000);
    begin(fdt, "dev@10");
    CELLS(fdt, "reg", 0x10, 0x10, 0x0ff0, 0x20);
    end(fdt);
    end(fdt);
    begin(fdt, "a@8000");
    CELLS(fdt, "reg", 0x8000, 0x100, 0x20000, 0x10, 0xff00, 0x200);
    end(fdt);
    begin(fdt, "nobus");
    CELLS(fdt, "#address-cells", 1);
    CELLS(fdt, "#size-cells", 1);
    begin(fdt, "dev@0");
    CELLS(fdt, "reg", 0x0, 0x10);
    end(fdt);
    end(fdt);
    end(fdt);
    tree_finish(fdt);

    /* Two levels: 0x10 -> 0x100010 -> 0x20000010. */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/bus@1/sub@100000/dev@10"), 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0x20000010);
    UNIT_ASSERT_EQ(r.size, 0x10);
    /* Entry crossing the end of sub's only range: untranslatable. */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/bus@1/sub@100000/dev@10"), 1, &r), DT_EUNSUPPORTED);
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/bus@1/a@8000"), 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0x100008000);
    UNIT_ASSERT_EQ(r.size, 0x100);
    /* Outside every range, and overlapping the end of the first. */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/bus@1/a@8000"), 1, &r), DT_EUNSUPPORTED);
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/bus@1/a@8000"), 2, &r), DT_EUNSUPPORTED);
    /* A bus without "ranges" is not memory mapped. */
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/bus@1/nobus/dev@0"), 0, &r), DT_EUNSUPPORTED);
}

UNIT_TEST(dt_bad_cells)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_range r;

    tree_end_header(fdt);
    begin(fdt, "long-cells");
    CELLS(fdt, "#address-cells", 1, 1); /* 8 bytes instead of 4 */
    CELLS(fdt, "#size-cells", 1);
    raw(fdt, "ranges", NULL, 0);
    begin(fdt, "dev@0");
    CELLS(fdt, "reg", 0, 0x10);
    end(fdt);
    end(fdt);
    begin(fdt, "huge-cells");
    CELLS(fdt, "#address-cells", 0x40000000); /* absurd */
    CELLS(fdt, "#size-cells", 1);
    begin(fdt, "dev@0");
    CELLS(fdt, "reg", 0, 0x10);
    end(fdt);
    end(fdt);
    begin(fdt, "pci-like");
    CELLS(fdt, "#address-cells", 3);
    CELLS(fdt, "#size-cells", 2);
    raw(fdt, "ranges", NULL, 0);
    begin(fdt, "dev@0");
    CELLS(fdt, "reg", 0, 0, 0x10, 0, 0x10);
    end(fdt);
    end(fdt);
    begin(fdt, "wrap@0");
    CELLS(fdt, "reg", 0xffffffff, 0xffff0000, 0x20000); /* base + size wraps */
    end(fdt);
    tree_finish(fdt);

    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/long-cells/dev@0"), 0, &r), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_reg_count(fdt, node(fdt, "/huge-cells/dev@0")), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/huge-cells/dev@0"), 0, &r), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_reg_count(fdt, node(fdt, "/pci-like/dev@0")), 1);
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/pci-like/dev@0"), 0, &r), DT_EUNSUPPORTED);
    UNIT_ASSERT_EQ(dt_reg(fdt, node(fdt, "/wrap@0"), 0, &r), DT_EBADTREE);
}

/* ---------------------------------------------------------------------- */
/* CPUs and PSCI                                                           */
/* ---------------------------------------------------------------------- */

UNIT_TEST(dt_virt_cpus)
{
    struct dt_cpu c[8];

    UNIT_ASSERT_EQ(dt_cpus(dtb(VIRT), c, 8), 4);
    for (int i = 0; i < 4; i++) {
        UNIT_ASSERT_EQ(c[i].mpidr, i);
        UNIT_ASSERT_EQ(c[i].enable, DT_ENABLE_PSCI);
        UNIT_ASSERT_EQ(c[i].release_addr, 0);
    }
    UNIT_ASSERT_EQ(dt_cpus(dtb(VIRT), c, 3), DT_ENOSPC);
}

UNIT_TEST(dt_virt_gicv3_cpus)
{
    struct dt_cpu c[8];

    UNIT_ASSERT_EQ(dt_cpus(dtb(VIRT3), c, 8), 2);
    UNIT_ASSERT_EQ(c[0].mpidr, 0);
    UNIT_ASSERT_EQ(c[1].mpidr, 1);
    UNIT_ASSERT_EQ(c[1].enable, DT_ENABLE_PSCI);
}

UNIT_TEST(dt_rpi4_cpus)
{
    struct dt_cpu c[8];

    /* Each cpu says spin-table, overriding /cpus' "brcm,bcm2836-smp". */
    UNIT_ASSERT_EQ(dt_cpus(dtb(RPI4), c, 8), 4);
    for (int i = 0; i < 4; i++) {
        UNIT_ASSERT_EQ(c[i].mpidr, i);
        UNIT_ASSERT_EQ(c[i].enable, DT_ENABLE_SPIN_TABLE);
        UNIT_ASSERT_EQ(c[i].release_addr, 0xd8 + 8 * i);
    }
}

UNIT_TEST(dt_cpus_inherited_method)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_cpu c[4];

    tree_end_header(fdt);
    begin(fdt, "cpus");
    CELLS(fdt, "#address-cells", 2);
    CELLS(fdt, "#size-cells", 0);
    str(fdt, "enable-method", "psci");
    begin(fdt, "cpu-map");
    end(fdt);
    begin(fdt, "cpu@0");
    str(fdt, "device_type", "cpu");
    CELLS(fdt, "reg", 0, 0x0);
    end(fdt);
    begin(fdt, "cpu@100");
    str(fdt, "device_type", "cpu");
    CELLS(fdt, "reg", 0, 0x100);
    str(fdt, "status", "disabled");
    end(fdt);
    begin(fdt, "cpu@10000000100");
    str(fdt, "device_type", "cpu");
    CELLS(fdt, "reg", 0x1, 0x101);
    str(fdt, "status", "okay");
    end(fdt);
    begin(fdt, "cpu@2");
    str(fdt, "device_type", "cpu");
    CELLS(fdt, "reg", 0, 0x2);
    str(fdt, "enable-method", "acme,magic");
    end(fdt);
    end(fdt);
    tree_finish(fdt);

    UNIT_ASSERT_EQ(dt_cpus(fdt, c, 4), 3);
    UNIT_ASSERT_EQ(c[0].mpidr, 0);
    UNIT_ASSERT_EQ(c[0].enable, DT_ENABLE_PSCI);
    UNIT_ASSERT_EQ(c[1].mpidr, 0x100000101);
    UNIT_ASSERT_EQ(c[1].enable, DT_ENABLE_PSCI);
    UNIT_ASSERT_EQ(c[2].mpidr, 2);
    UNIT_ASSERT_EQ(c[2].enable, DT_ENABLE_OTHER);
}

UNIT_TEST(dt_cpus_malformed)
{
    struct tree t1, t2, t3;
    void *a = tree_begin(&t1), *b = tree_begin(&t2), *c3 = tree_begin(&t3);
    struct dt_cpu c[4];

    /* spin-table without cpu-release-addr */
    tree_end_header(a);
    begin(a, "cpus");
    CELLS(a, "#address-cells", 1);
    CELLS(a, "#size-cells", 0);
    begin(a, "cpu@0");
    str(a, "device_type", "cpu");
    CELLS(a, "reg", 0);
    str(a, "enable-method", "spin-table");
    end(a);
    end(a);
    tree_finish(a);
    UNIT_ASSERT_EQ(dt_cpus(a, c, 4), DT_EBADTREE);

    /* reg shorter than #address-cells */
    tree_end_header(b);
    begin(b, "cpus");
    CELLS(b, "#address-cells", 2);
    CELLS(b, "#size-cells", 0);
    begin(b, "cpu@0");
    str(b, "device_type", "cpu");
    CELLS(b, "reg", 0);
    end(b);
    end(b);
    tree_finish(b);
    UNIT_ASSERT_EQ(dt_cpus(b, c, 4), DT_EBADTREE);

    /* 12-byte cpu-release-addr, and no enable-method at all elsewhere */
    tree_end_header(c3);
    begin(c3, "cpus");
    CELLS(c3, "#address-cells", 1);
    CELLS(c3, "#size-cells", 0);
    begin(c3, "cpu@0");
    str(c3, "device_type", "cpu");
    CELLS(c3, "reg", 0);
    end(c3);
    begin(c3, "cpu@1");
    str(c3, "device_type", "cpu");
    CELLS(c3, "reg", 1);
    str(c3, "enable-method", "spin-table");
    CELLS(c3, "cpu-release-addr", 0, 0, 0xe0);
    end(c3);
    end(c3);
    tree_finish(c3);
    UNIT_ASSERT_EQ(dt_cpus(c3, c, 4), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_cpus(c3, c, 0), DT_ENOSPC); /* cpu@0 found first */
}

UNIT_TEST(dt_psci_conduit)
{
    struct tree t;
    void *fdt = tree_begin(&t);

    UNIT_ASSERT_EQ(dt_psci(dtb(VIRT)), DT_PSCI_HVC);
    UNIT_ASSERT_EQ(dt_psci(dtb(VIRT3)), DT_PSCI_HVC);
    UNIT_ASSERT_EQ(dt_psci(dtb(RPI4)), DT_PSCI_NONE);

    tree_end_header(fdt);
    begin(fdt, "psci-off");
    str(fdt, "compatible", "arm,psci-1.0");
    str(fdt, "method", "hvc");
    str(fdt, "status", "disabled");
    end(fdt);
    begin(fdt, "psci-bad");
    str(fdt, "compatible", "arm,psci-0.2");
    str(fdt, "method", "svc");
    end(fdt);
    begin(fdt, "psci");
    str(fdt, "compatible", "arm,psci");
    str(fdt, "method", "smc");
    end(fdt);
    tree_finish(fdt);
    UNIT_ASSERT_EQ(dt_psci(fdt), DT_PSCI_SMC);
}

/* ---------------------------------------------------------------------- */
/* Console                                                                 */
/* ---------------------------------------------------------------------- */

UNIT_TEST(dt_virt_console)
{
    const void *fdt = dtb(VIRT);
    int uart = node(fdt, "/pl011@9000000");
    struct dt_range r;

    UNIT_ASSERT_EQ(dt_stdout(fdt), uart);
    UNIT_ASSERT_EQ(dt_console(fdt, "arm,pl011"), uart);
    UNIT_ASSERT_EQ(dt_reg(fdt, uart, 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0x9000000);
    UNIT_ASSERT_EQ(r.size, 0x1000);
    UNIT_ASSERT_EQ(dt_console(fdt, "ns16550a"), DT_ENOTFOUND);
}

UNIT_TEST(dt_rpi4_stdout_alias)
{
    const void *fdt = dtb(RPI4);
    struct dt_range r;

    /* "serial1:115200n8" -> alias serial1 -> the mini UART. */
    UNIT_ASSERT_EQ(dt_stdout(fdt), node(fdt, "/soc/serial@7e215040"));
    UNIT_ASSERT_EQ(dt_console(fdt, "brcm,bcm2835-aux-uart"), node(fdt, "/soc/serial@7e215040"));
    UNIT_ASSERT_EQ(dt_reg(fdt, dt_stdout(fdt), 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0xfe215040);
    UNIT_ASSERT_EQ(r.size, 0x40);
}

UNIT_TEST(dt_rpi4_console_pl011)
{
    const void *fdt = dtb(RPI4);
    int uart = dt_console(fdt, "arm,pl011");
    struct dt_range r;

    /* stdout is the mini UART: the PL011 comes from alias serial0. */
    UNIT_ASSERT_EQ(uart, node(fdt, "/soc/serial@7e201000"));
    UNIT_ASSERT_EQ(dt_reg(fdt, uart, 0, &r), DT_OK);
    UNIT_ASSERT_EQ(r.base, 0xfe201000);
    UNIT_ASSERT_EQ(r.size, 0x200);
}

UNIT_TEST(dt_console_alias_order)
{
    struct tree t;
    void *fdt = tree_begin(&t);

    tree_end_header(fdt);
    CELLS(fdt, "#address-cells", 1);
    CELLS(fdt, "#size-cells", 1);
    begin(fdt, "aliases");
    str(fdt, "serial10", "/uart@1000");
    str(fdt, "serial2", "/uart@2000");
    str(fdt, "serial0", "/uart@3000");  /* disabled */
    str(fdt, "serial1", "/other@4000"); /* not a PL011 */
    str(fdt, "serialx", "/uart@1000");
    end(fdt);
    begin(fdt, "chosen");
    str(fdt, "stdout-path", "/other@4000:115200n8");
    end(fdt);
    begin(fdt, "uart@1000");
    str(fdt, "compatible", "arm,pl011");
    CELLS(fdt, "reg", 0x1000, 0x100);
    end(fdt);
    begin(fdt, "uart@2000");
    str(fdt, "compatible", "arm,pl011");
    str(fdt, "status", "ok");
    CELLS(fdt, "reg", 0x2000, 0x100);
    end(fdt);
    begin(fdt, "uart@3000");
    str(fdt, "compatible", "arm,pl011");
    str(fdt, "status", "disabled");
    CELLS(fdt, "reg", 0x3000, 0x100);
    end(fdt);
    begin(fdt, "other@4000");
    str(fdt, "compatible", "acme,uart");
    CELLS(fdt, "reg", 0x4000, 0x100);
    end(fdt);
    tree_finish(fdt);

    UNIT_ASSERT_EQ(dt_stdout(fdt), node(fdt, "/other@4000"));
    UNIT_ASSERT_EQ(dt_console(fdt, "acme,uart"), node(fdt, "/other@4000"));
    /* serial0 disabled, serial1 wrong type: serial2 beats serial10. */
    UNIT_ASSERT_EQ(dt_console(fdt, "arm,pl011"), node(fdt, "/uart@2000"));
    UNIT_ASSERT(!dt_node_enabled(fdt, node(fdt, "/uart@3000")));
    UNIT_ASSERT(dt_node_enabled(fdt, node(fdt, "/uart@2000")));
}

UNIT_TEST(dt_console_tree_order)
{
    struct tree t;
    void *fdt = tree_begin(&t);

    tree_end_header(fdt);
    begin(fdt, "uart@1000");
    str(fdt, "compatible", "arm,pl011");
    str(fdt, "status", "fail");
    end(fdt);
    begin(fdt, "uart@2000");
    raw(fdt, "compatible", "arm,pl011", 9); /* unterminated: not matched */
    end(fdt);
    begin(fdt, "uart@3000");
    str(fdt, "compatible", "arm,pl011");
    end(fdt);
    tree_finish(fdt);

    UNIT_ASSERT_EQ(dt_stdout(fdt), DT_ENOTFOUND);
    UNIT_ASSERT(!dt_node_compatible(fdt, node(fdt, "/uart@2000"), "arm,pl011"));
    UNIT_ASSERT_EQ(dt_console(fdt, "arm,pl011"), node(fdt, "/uart@3000"));
}

UNIT_TEST(dt_stdout_bad_alias)
{
    struct tree t1, t2, t3;
    void *a = tree_begin(&t1), *b = tree_begin(&t2), *c = tree_begin(&t3);

    /* Alias whose value is itself an alias (would recurse in libfdt). */
    tree_end_header(a);
    begin(a, "aliases");
    str(a, "loop", "loop");
    end(a);
    begin(a, "chosen");
    str(a, "stdout-path", "loop:9600");
    end(a);
    tree_finish(a);
    UNIT_ASSERT_EQ(dt_stdout(a), DT_EBADTREE);

    /* Alias that does not exist. */
    tree_end_header(b);
    begin(b, "aliases");
    end(b);
    begin(b, "chosen");
    str(b, "stdout-path", "serial0:115200n8");
    end(b);
    tree_finish(b);
    UNIT_ASSERT_EQ(dt_stdout(b), DT_ENOTFOUND);

    /* Full path to a missing node. */
    tree_end_header(c);
    begin(c, "chosen");
    str(c, "stdout-path", "/nowhere@0");
    end(c);
    tree_finish(c);
    UNIT_ASSERT_EQ(dt_stdout(c), DT_ENOTFOUND);
    UNIT_ASSERT_EQ(dt_console(c, "arm,pl011"), DT_ENOTFOUND);
}

/* ---------------------------------------------------------------------- */
/* Interrupts, GIC, timer                                                  */
/* ---------------------------------------------------------------------- */

UNIT_TEST(dt_virt_gic)
{
    const void *fdt = dtb(VIRT);
    struct dt_gic g;

    UNIT_ASSERT_EQ(dt_gic(fdt, &g), DT_OK);
    UNIT_ASSERT_EQ(g.version, DT_GIC_V2);
    UNIT_ASSERT_EQ(g.dist, 0x8000000);
    UNIT_ASSERT_EQ(g.cpu_or_redist, 0x8010000);
    UNIT_ASSERT_EQ(g.node, node(fdt, "/intc@8000000"));
}

UNIT_TEST(dt_virt_gicv3_gic)
{
    const void *fdt = dtb(VIRT3);
    struct dt_gic g;

    UNIT_ASSERT_EQ(dt_gic(fdt, &g), DT_OK);
    UNIT_ASSERT_EQ(g.version, DT_GIC_V3);
    UNIT_ASSERT_EQ(g.dist, 0x8000000);
    UNIT_ASSERT_EQ(g.cpu_or_redist, 0x80a0000);
    UNIT_ASSERT_EQ(g.node, node(fdt, "/intc@8000000"));
}

UNIT_TEST(dt_rpi4_gic)
{
    const void *fdt = dtb(RPI4);
    struct dt_gic g;

    UNIT_ASSERT_EQ(dt_gic(fdt, &g), DT_OK);
    UNIT_ASSERT_EQ(g.version, DT_GIC_V2);
    UNIT_ASSERT_EQ(g.dist, 0xff841000);
    UNIT_ASSERT_EQ(g.cpu_or_redist, 0xff842000);
    UNIT_ASSERT_EQ(g.node, node(fdt, "/soc/interrupt-controller@40041000"));
}

UNIT_TEST(dt_gic_short_reg)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_gic g;

    tree_end_header(fdt);
    begin(fdt, "gic-off");
    str(fdt, "compatible", "arm,gic-v3");
    str(fdt, "status", "disabled");
    end(fdt);
    begin(fdt, "gic@1000");
    str(fdt, "compatible", "arm,cortex-a15-gic");
    CELLS(fdt, "reg", 0, 0x1000, 0x1000); /* distributor only */
    end(fdt);
    tree_finish(fdt);
    UNIT_ASSERT_EQ(dt_gic(fdt, &g), DT_EBADTREE);
}

UNIT_TEST(dt_virt_timer)
{
    struct dt_timer t;

    UNIT_ASSERT_EQ(dt_timer(dtb(VIRT), &t), DT_OK);
    UNIT_ASSERT_EQ(t.sec_phys.intid, 29);
    UNIT_ASSERT_EQ(t.phys.intid, 30);
    UNIT_ASSERT_EQ(t.virt.intid, 27);
    UNIT_ASSERT_EQ(t.hyp.intid, 26);
    UNIT_ASSERT_EQ(t.phys.flags, 0xf04);
    UNIT_ASSERT_EQ(t.freq, 0);
    UNIT_ASSERT_EQ(dt_timer(dtb(VIRT3), &t), DT_OK);
    UNIT_ASSERT_EQ(t.phys.intid, 30);
    UNIT_ASSERT_EQ(t.phys.flags, 0x4);
}

UNIT_TEST(dt_rpi4_timer)
{
    struct dt_timer t;

    UNIT_ASSERT_EQ(dt_timer(dtb(RPI4), &t), DT_OK);
    UNIT_ASSERT_EQ(t.sec_phys.intid, 29);
    UNIT_ASSERT_EQ(t.phys.intid, 30);
    UNIT_ASSERT_EQ(t.virt.intid, 27);
    UNIT_ASSERT_EQ(t.hyp.intid, 26);
    UNIT_ASSERT_EQ(t.hyp.flags, 0xf08);
    UNIT_ASSERT_EQ(t.freq, 0);
}

UNIT_TEST(dt_timer_variants)
{
    struct tree t1, t2;
    void *a = tree_begin(&t1), *b = tree_begin(&t2);
    struct dt_timer tm;

    root_with_gic(a);
    begin(a, "timer");
    str(a, "compatible", "arm,armv8-timer");
    CELLS(a, "interrupts", 1, 13, 8, 1, 14, 8, 1, 11, 8, 1, 10, 8);
    CELLS(a, "clock-frequency", 62500000);
    end(a);
    tree_finish(a);
    UNIT_ASSERT_EQ(dt_timer(a, &tm), DT_OK);
    UNIT_ASSERT_EQ(tm.freq, 62500000);
    UNIT_ASSERT_EQ(tm.virt.intid, 27);
    UNIT_ASSERT_EQ(tm.virt.flags, 8);

    root_with_gic(b);
    begin(b, "timer");
    str(b, "compatible", "arm,armv8-timer");
    CELLS(b, "interrupts", 1, 13, 8, 1, 14, 8, 1, 11, 8); /* only three */
    end(b);
    tree_finish(b);
    UNIT_ASSERT_EQ(dt_timer(b, &tm), DT_EBADTREE);
}

UNIT_TEST(dt_virt_irq)
{
    const void *fdt = dtb(VIRT);
    int uart = node(fdt, "/pl011@9000000");
    struct dt_irq irq;

    /* <0 1 4>: SPI 1, level high; interrupt parent inherited from /. */
    UNIT_ASSERT_EQ(dt_irq(fdt, uart, 0, &irq), DT_OK);
    UNIT_ASSERT_EQ(irq.intid, 33);
    UNIT_ASSERT_EQ(irq.flags, 4);
    UNIT_ASSERT_EQ(dt_irq(fdt, uart, 1, &irq), DT_ENOTFOUND);
    /* pmu: PPI 7 -> 23. */
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/pmu"), 0, &irq), DT_OK);
    UNIT_ASSERT_EQ(irq.intid, 23);
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/flash@0"), 0, &irq), DT_ENOTFOUND);
}

UNIT_TEST(dt_rpi4_irq)
{
    const void *fdt = dtb(RPI4);
    struct dt_irq irq;

    /* Under /soc and /emmc2bus, parent inherited from the root. */
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/soc/serial@7e201000"), 0, &irq), DT_OK);
    UNIT_ASSERT_EQ(irq.intid, 32 + 0x79);
    UNIT_ASSERT_EQ(irq.flags, 4);
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/emmc2bus/mmc@7e340000"), 0, &irq), DT_OK);
    UNIT_ASSERT_EQ(irq.intid, 32 + 0x7e);
    /* The GIC's own maintenance interrupt, PPI 9. */
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/soc/interrupt-controller@40041000"), 0, &irq), DT_OK);
    UNIT_ASSERT_EQ(irq.intid, 25);
    UNIT_ASSERT_EQ(irq.flags, 0xf04);
}

UNIT_TEST(dt_irq_malformed)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_irq irq;

    root_with_gic(fdt);
    begin(fdt, "short");
    CELLS(fdt, "interrupts", 0, 5, 4, 0); /* 4 cells, specifier is 3 */
    end(fdt);
    begin(fdt, "badppi");
    CELLS(fdt, "interrupts", 1, 16, 4, 0, 988, 4, 7, 1, 4, 2, 1, 4);
    end(fdt);
    begin(fdt, "dangling");
    CELLS(fdt, "interrupt-parent", 0x77);
    CELLS(fdt, "interrupts", 0, 1, 4);
    end(fdt);
    begin(fdt, "shortphandle");
    raw(fdt, "interrupt-parent", "\0\1", 2);
    CELLS(fdt, "interrupts", 0, 1, 4);
    end(fdt);
    begin(fdt, "gpio");
    str(fdt, "compatible", "acme,gpio");
    CELLS(fdt, "#interrupt-cells", 2);
    CELLS(fdt, "phandle", 2);
    end(fdt);
    begin(fdt, "on-gpio");
    CELLS(fdt, "interrupt-parent", 2);
    CELLS(fdt, "interrupts", 3, 1);
    end(fdt);
    begin(fdt, "loop-a");
    CELLS(fdt, "phandle", 3);
    CELLS(fdt, "interrupt-parent", 4);
    CELLS(fdt, "interrupts", 0, 1, 4);
    end(fdt);
    begin(fdt, "loop-b");
    CELLS(fdt, "phandle", 4);
    CELLS(fdt, "interrupt-parent", 3);
    end(fdt);
    begin(fdt, "bus");
    begin(fdt, "dev");
    CELLS(fdt, "interrupts", 0, 2, 1);
    end(fdt);
    end(fdt);
    tree_finish(fdt);

    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/short"), 0, &irq), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/badppi"), 0, &irq), DT_EBADTREE);     /* PPI 16 */
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/badppi"), 1, &irq), DT_EBADTREE);     /* SPI 988 */
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/badppi"), 2, &irq), DT_EBADTREE);     /* type 7 */
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/badppi"), 3, &irq), DT_EUNSUPPORTED); /* ESPI */
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/dangling"), 0, &irq), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/shortphandle"), 0, &irq), DT_EBADTREE);
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/on-gpio"), 0, &irq), DT_EUNSUPPORTED);
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/loop-a"), 0, &irq), DT_EBADTREE);
    /* Inherited through a plain bus node and the root's interrupt-parent. */
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/bus/dev"), 0, &irq), DT_OK);
    UNIT_ASSERT_EQ(irq.intid, 34);
    UNIT_ASSERT_EQ(irq.flags, 1);
}

UNIT_TEST(dt_irq_no_parent)
{
    struct tree t;
    void *fdt = tree_begin(&t);
    struct dt_irq irq;

    tree_end_header(fdt);
    begin(fdt, "dev");
    CELLS(fdt, "interrupts", 0, 1, 4);
    end(fdt);
    tree_finish(fdt);
    UNIT_ASSERT_EQ(dt_irq(fdt, node(fdt, "/dev"), 0, &irq), DT_ENOTFOUND);
}

UNIT_TEST(dt_node_status)
{
    const void *rpi = dtb(RPI4);
    const void *virt = dtb(VIRT);

    UNIT_ASSERT(dt_node_enabled(rpi, node(rpi, "/soc/serial@7e201000")));      /* "okay" */
    UNIT_ASSERT(!dt_node_enabled(rpi, node(rpi, "/reserved-memory/nvram@0"))); /* "disabled" */
    UNIT_ASSERT(!dt_node_enabled(rpi, node(rpi, "/soc/serial@7e201400")));
    UNIT_ASSERT(dt_node_enabled(virt, node(virt, "/pl011@9000000"))); /* absent */
    UNIT_ASSERT(dt_node_compatible(virt, node(virt, "/pl011@9000000"), "arm,primecell"));
    UNIT_ASSERT(!dt_node_compatible(virt, node(virt, "/pl011@9000000"), "arm,pl01"));
}

UNIT_MAIN("stage1")
