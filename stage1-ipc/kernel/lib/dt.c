// SPDX-License-Identifier: MIT
/*
 * dt.c - device-tree queries for the kernel, on top of libfdt.
 *
 * Implements the API of dt.h: RAM and reserved ranges, CPUs and their enable
 * methods, PSCI conduit, console UART, GIC, generic timer, interrupt
 * specifiers and the kernel command line. Addresses are translated through
 * the "ranges" of every ancestor bus, so callers always get CPU physical
 * addresses.
 *
 * The blob is untrusted. Every public entry point re-checks the header
 * (cheap), every property length is checked before a cell is read, strings
 * must be NUL-terminated inside their property, loops over the tree are
 * bounded by libfdt's strictly increasing offsets or by an explicit hop
 * limit, and cells are read byte by byte (no alignment assumption). String
 * lists are scanned by our own bounded helper rather than libfdt's compatible
 * helpers, which may read one byte past an unterminated list.
 *
 * Freestanding: only <stdint.h>, <stddef.h>, <stdbool.h>, <string.h> and
 * libfdt; no allocation, no global state, no floating point.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libfdt.h>

#include "dt.h"

/* Offset of the root node in every blob (libfdt convention). */
#define ROOT 0

/* Hops allowed when following interrupt-parent links (catches cycles). */
#define MAX_IRQ_HOPS 32

/* Cells per GIC interrupt specifier: type, number, flags. */
#define GIC_IRQ_CELLS 3

/* Largest SPI number: INTIDs 32..1019 are SPIs (GIC architecture). */
#define GIC_MAX_SPI 987u

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */
/* ---------------------------------------------------------------------- */

/* Big-endian 32-bit load from any alignment (DT spec 2.2.4: cells are
 * big-endian; property values are only guaranteed 4-byte aligned relative to
 * the blob, and the blob itself may be anywhere). */
static uint32_t ld32(const void *p)
{
    const uint8_t *b = p;

    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

/* Read an @ncells-cell number (0, 1 or 2 cells) at @p. */
static uint64_t ld_cells(const uint8_t *p, uint32_t ncells)
{
    uint64_t v = 0;

    for (uint32_t i = 0; i < ncells; i++)
        v = (v << 32) | ld32(p + 4 * i);
    return v;
}

/* Map a negative libfdt error to a dt_err code. */
static int fdt_err(int err)
{
    switch (err) {
    case -FDT_ERR_NOTFOUND:
        return DT_ENOTFOUND;
    case -FDT_ERR_BADOFFSET:
        return DT_EINVAL;
    default:
        return DT_EBADTREE;
    }
}

/* Header sanity, repeated by every entry point so that no query walks a blob
 * whose block offsets were never checked (dt_check() is still required to
 * compare totalsize with the caller's buffer). */
static bool tree_ok(const void *fdt)
{
    return fdt && fdt_check_header(fdt) == 0;
}

/* A property value that is a NUL-terminated string list (DT spec 2.2.4
 * <string>/<stringlist>): non-empty and ending in NUL. Returns the value
 * and its length, or NULL if absent or malformed (*errp tells which:
 * DT_ENOTFOUND or DT_EBADTREE; errp may be NULL). */
static const char *prop_strs(const void *fdt, int node, const char *name, int *lenp, int *errp)
{
    int len;
    const char *p = fdt_getprop(fdt, node, name, &len);
    int err = DT_OK;

    if (!p)
        err = fdt_err(len);
    else if (len <= 0 || p[len - 1] != '\0')
        err = DT_EBADTREE;
    if (errp)
        *errp = err;
    if (err != DT_OK)
        return NULL;
    if (lenp)
        *lenp = len;
    return p;
}

/* Whether string list [list, list + len) contains @str as a whole entry.
 * Bounded by @len even if the list is not terminated. */
static bool strlist_has(const char *list, int len, const char *str)
{
    size_t want = strlen(str) + 1;

    while (len > 0) {
        const char *end = memchr(list, '\0', (size_t)len);
        size_t n;

        if (!end)
            return false;
        n = (size_t)(end - list) + 1;
        if (n == want && memcmp(list, str, want) == 0)
            return true;
        list += n;
        len -= (int)n;
    }
    return false;
}

/* Whether property @name of @node is exactly the string @str. */
static bool prop_is(const void *fdt, int node, const char *name, const char *str)
{
    int len;
    const char *p = fdt_getprop(fdt, node, name, &len);

    return p && len > 0 && (size_t)len == strlen(str) + 1 && memcmp(p, str, (size_t)len) == 0;
}

/* Whether @node's compatible list has any of the NULL-terminated @compats. */
static bool compatible_any(const void *fdt, int node, const char *const *compats)
{
    int len;
    const char *p = fdt_getprop(fdt, node, "compatible", &len);

    if (!p || len <= 0)
        return false;
    for (; *compats; compats++)
        if (strlist_has(p, len, *compats))
            return true;
    return false;
}

/* Read #address-cells or #size-cells (@name) of @node into *out, @def when
 * absent (DT spec 2.3.5). Values above FDT_MAX_NCELLS are malformed. */
static int get_ncells(const void *fdt, int node, const char *name, uint32_t def, uint32_t *out)
{
    int len;
    const void *p = fdt_getprop(fdt, node, name, &len);
    uint32_t v;

    if (!p) {
        if (len != -FDT_ERR_NOTFOUND)
            return fdt_err(len);
        *out = def;
        return DT_OK;
    }
    if (len != 4)
        return DT_EBADTREE;
    v = ld32(p);
    if (v > FDT_MAX_NCELLS)
        return DT_EBADTREE;
    *out = v;
    return DT_OK;
}

/* Next node in tree order after @node (-1 for the root), or a negative
 * libfdt error. Offsets strictly increase, so walks always terminate. */
static int next_node(const void *fdt, int node)
{
    return fdt_next_node(fdt, node, NULL);
}

/* Result of a finished walk: the end of the tree is fine, anything else
 * means the structure block is broken. */
static int walk_end(int err)
{
    return err == -FDT_ERR_NOTFOUND ? DT_OK : DT_EBADTREE;
}

/* Whether @name points at a NUL-terminated string inside the strings block
 * (property names from fdt_getprop_by_offset; older libfdt does not check). */
static bool name_in_strings(const void *fdt, const char *name)
{
    const char *base = (const char *)fdt + fdt_off_dt_strings(fdt);
    size_t size = fdt_size_dt_strings(fdt);

    if (!name || name < base || name >= base + size)
        return false;
    return memchr(name, '\0', size - (size_t)(name - base)) != NULL;
}

/* Node at absolute path [path, path + n) (must start with '/'). */
static int node_at(const void *fdt, const char *path, size_t n)
{
    int off;

    if (n == 0 || n > INT32_MAX || path[0] != '/')
        return DT_EBADTREE;
    off = fdt_path_offset_namelen(fdt, path, (int)n);
    if (off < 0)
        return off == -FDT_ERR_NOTFOUND ? DT_ENOTFOUND : DT_EBADTREE;
    return off;
}

/* ---------------------------------------------------------------------- */
/* Basic queries                                                           */
/* ---------------------------------------------------------------------- */

const char *dt_strerror(int err)
{
    switch (err) {
    case DT_OK:
        return "ok";
    case DT_EBADTREE:
        return "bad device tree";
    case DT_ENOTFOUND:
        return "not found";
    case DT_EINVAL:
        return "invalid argument";
    case DT_ENOSPC:
        return "no space";
    case DT_EUNSUPPORTED:
        return "unsupported";
    default:
        return "unknown error";
    }
}

int dt_check(const void *fdt, size_t max_size)
{
    /* fdt_check_header() reads the whole v17 header (DT spec 5.2). */
    if (!fdt || max_size < sizeof(struct fdt_header))
        return DT_EBADTREE;
    if (fdt_check_header(fdt) != 0)
        return DT_EBADTREE;
    if (fdt_totalsize(fdt) > max_size)
        return DT_EBADTREE;
    return DT_OK;
}

const char *dt_model(const void *fdt)
{
    const char *s;
    int len;

    if (!tree_ok(fdt))
        return "unknown";
    /* DT spec 3.2: root "model" <string>, "compatible" <stringlist>. */
    s = prop_strs(fdt, ROOT, "model", NULL, NULL);
    if (s && s[0])
        return s;
    s = fdt_getprop(fdt, ROOT, "compatible", &len);
    if (s && len > 0 && memchr(s, '\0', (size_t)len) && s[0])
        return s;
    return "unknown";
}

bool dt_node_compatible(const void *fdt, int node, const char *compat)
{
    int len;
    const char *p;

    if (!tree_ok(fdt) || !compat || node < 0)
        return false;
    p = fdt_getprop(fdt, node, "compatible", &len);
    return p && len > 0 && strlist_has(p, len, compat);
}

bool dt_root_compatible(const void *fdt, const char *compat)
{
    return dt_node_compatible(fdt, ROOT, compat);
}

bool dt_node_enabled(const void *fdt, int node)
{
    int len;
    const char *p;

    if (!tree_ok(fdt) || node < 0)
        return false;
    /* DT spec 2.3.4: absent status means "okay"; "ok" is a legacy spelling. */
    p = fdt_getprop(fdt, node, "status", &len);
    if (!p)
        return len == -FDT_ERR_NOTFOUND;
    return (len == 5 && memcmp(p, "okay", 5) == 0) || (len == 3 && memcmp(p, "ok", 3) == 0);
}

const char *dt_bootargs(const void *fdt)
{
    int chosen;
    const char *s;

    if (!tree_ok(fdt))
        return "";
    /* DT spec 3.6: /chosen "bootargs" <string>. */
    chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0)
        return "";
    s = prop_strs(fdt, chosen, "bootargs", NULL, NULL);
    return s ? s : "";
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool dt_bootarg(const void *fdt, const char *key, const char **val, size_t *len)
{
    const char *p = dt_bootargs(fdt); /* terminated, never NULL */
    size_t klen;

    if (!key || !key[0])
        return false;
    klen = strlen(key);
    while (*p) {
        const char *word, *eq;
        size_t wlen = 0;

        while (is_space(*p))
            p++;
        word = p;
        while (*p && !is_space(*p))
            p++;
        wlen = (size_t)(p - word);
        if (wlen == 0)
            break;
        eq = memchr(word, '=', wlen);
        if ((size_t)((eq ? eq : p) - word) != klen || memcmp(word, key, klen) != 0)
            continue;
        if (val)
            *val = eq ? eq + 1 : p;
        if (len)
            *len = eq ? (size_t)(p - (eq + 1)) : 0;
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* reg and address translation                                            */
/* ---------------------------------------------------------------------- */

/* Everything needed to decode a node's reg: its parent, the parent's cell
 * counts (DT spec 2.3.5) and the raw property. */
struct reg_info {
    int parent;
    uint32_t ac, sc;
    const uint8_t *reg;
    int count;
};

static int reg_info(const void *fdt, int node, struct reg_info *ri)
{
    int len, err;
    uint32_t entry;

    if (node < 0)
        return DT_EINVAL;
    if (!tree_ok(fdt))
        return DT_EBADTREE;
    ri->parent = fdt_parent_offset(fdt, node);
    if (ri->parent < 0)
        return fdt_err(ri->parent); /* the root has no reg */
    err = get_ncells(fdt, ri->parent, "#address-cells", 2, &ri->ac);
    if (err == DT_OK)
        err = get_ncells(fdt, ri->parent, "#size-cells", 1, &ri->sc);
    if (err != DT_OK)
        return err;
    ri->reg = fdt_getprop(fdt, node, "reg", &len);
    if (!ri->reg)
        return fdt_err(len);
    entry = 4 * (ri->ac + ri->sc);
    if (entry == 0 || len % (int)entry != 0)
        return DT_EBADTREE;
    ri->count = len / (int)entry;
    return DT_OK;
}

int dt_reg_count(const void *fdt, int node)
{
    struct reg_info ri;
    int err = reg_info(fdt, node, &ri);

    return err != DT_OK ? err : ri.count;
}

/*
 * Map @*addr (with extent @size), an address in the space of @bus's children,
 * to a CPU physical address by applying the "ranges" of @bus and of each of
 * its ancestors below the root (DT spec 2.3.8). Each ranges entry is
 * (child-bus-address: #address-cells of the bus, parent-bus-address:
 * #address-cells of the bus's parent, length: #size-cells of the bus).
 * The region must lie wholly inside one entry.
 */
static int translate(const void *fdt, int bus, uint64_t *addr, uint64_t size)
{
    while (bus != ROOT) {
        uint32_t cac, csc, pac, entry;
        const uint8_t *r;
        int len, gp, err;
        bool found = false;

        gp = fdt_parent_offset(fdt, bus);
        if (gp < 0)
            return fdt_err(gp);
        r = fdt_getprop(fdt, bus, "ranges", &len);
        if (!r) {
            /* No ranges: the bus's addresses are not CPU addresses. */
            return len == -FDT_ERR_NOTFOUND ? DT_EUNSUPPORTED : fdt_err(len);
        }
        if (len == 0) { /* empty ranges: identity mapping */
            bus = gp;
            continue;
        }
        err = get_ncells(fdt, bus, "#address-cells", 2, &cac);
        if (err == DT_OK)
            err = get_ncells(fdt, bus, "#size-cells", 1, &csc);
        if (err == DT_OK)
            err = get_ncells(fdt, gp, "#address-cells", 2, &pac);
        if (err != DT_OK)
            return err;
        if (cac == 0 || pac == 0 || cac > 2 || pac > 2 || csc > 2)
            return DT_EUNSUPPORTED;
        entry = 4 * (cac + pac + csc);
        if (len % (int)entry != 0)
            return DT_EBADTREE;
        for (int off = 0; off < len; off += (int)entry) {
            uint64_t cb = ld_cells(r + off, cac);
            uint64_t pb = ld_cells(r + off + 4 * cac, pac);
            uint64_t rl = ld_cells(r + off + 4 * (cac + pac), csc);
            uint64_t delta = *addr - cb;

            if (*addr < cb || delta >= rl || size > rl - delta)
                continue;
            if (pb + delta < pb)
                return DT_EBADTREE; /* wraps around */
            *addr = pb + delta;
            found = true;
            break;
        }
        if (!found)
            return DT_EUNSUPPORTED;
        bus = gp;
    }
    return DT_OK;
}

int dt_reg(const void *fdt, int node, int idx, struct dt_range *out)
{
    struct reg_info ri;
    const uint8_t *e;
    uint64_t base, size;
    int err;

    if (!out || idx < 0)
        return DT_EINVAL;
    err = reg_info(fdt, node, &ri);
    if (err != DT_OK)
        return err;
    if (idx >= ri.count)
        return DT_ENOTFOUND;
    if (ri.ac == 0 || ri.ac > 2 || ri.sc > 2)
        return DT_EUNSUPPORTED;
    e = ri.reg + (size_t)idx * 4 * (ri.ac + ri.sc);
    base = ld_cells(e, ri.ac);
    size = ld_cells(e + 4 * ri.ac, ri.sc);
    err = translate(fdt, ri.parent, &base, size);
    if (err != DT_OK)
        return err;
    if (size != 0 && base + (size - 1) < base)
        return DT_EBADTREE; /* range wraps past 2^64 */
    out->base = base;
    out->size = size;
    return DT_OK;
}

/* Append the non-empty reg entries of @node to out[*n]. */
static int add_regs(const void *fdt, int node, struct dt_range *out, int max, int *n)
{
    int count = dt_reg_count(fdt, node);

    if (count == DT_ENOTFOUND)
        return DT_OK;
    if (count < 0)
        return count;
    for (int i = 0; i < count; i++) {
        struct dt_range r;
        int err = dt_reg(fdt, node, i, &r);

        if (err != DT_OK)
            return err;
        if (r.size == 0)
            continue;
        if (*n >= max)
            return DT_ENOSPC;
        out[(*n)++] = r;
    }
    return DT_OK;
}

int dt_memory(const void *fdt, struct dt_range *out, int max)
{
    int n = 0, node, err;
    bool any = false;

    if (max < 0 || (max > 0 && !out))
        return DT_EINVAL;
    if (!tree_ok(fdt))
        return DT_EBADTREE;
    /* DT spec 3.4: memory nodes have device_type = "memory". */
    for (node = next_node(fdt, -1); node >= 0; node = next_node(fdt, node)) {
        if (!prop_is(fdt, node, "device_type", "memory"))
            continue;
        any = true;
        if (!dt_node_enabled(fdt, node))
            continue;
        err = add_regs(fdt, node, out, max, &n);
        if (err != DT_OK)
            return err;
    }
    err = walk_end(node);
    if (err != DT_OK)
        return err;
    return any ? n : DT_ENOTFOUND;
}

int dt_reserved(const void *fdt, struct dt_range *out, int max)
{
    int n = 0, num, rm, child, err;

    if (max < 0 || (max > 0 && !out))
        return DT_EINVAL;
    if (!tree_ok(fdt))
        return DT_EBADTREE;
    /* DT spec 5.3: the memory reservation block. */
    num = fdt_num_mem_rsv(fdt);
    if (num < 0)
        return DT_EBADTREE;
    for (int i = 0; i < num; i++) {
        uint64_t a, s;

        if (fdt_get_mem_rsv(fdt, i, &a, &s) != 0)
            return DT_EBADTREE;
        if (s == 0)
            continue;
        if (a + (s - 1) < a)
            return DT_EBADTREE;
        if (n >= max)
            return DT_ENOSPC;
        out[n].base = a;
        out[n].size = s;
        n++;
    }
    /* DT spec 3.5: /reserved-memory children with a static reg. */
    rm = fdt_path_offset(fdt, "/reserved-memory");
    if (rm == -FDT_ERR_NOTFOUND)
        return n;
    if (rm < 0)
        return DT_EBADTREE;
    fdt_for_each_subnode(child, fdt, rm)
    {
        if (!dt_node_enabled(fdt, child))
            continue;
        err = add_regs(fdt, child, out, max, &n);
        if (err != DT_OK)
            return err;
    }
    err = walk_end(child);
    return err != DT_OK ? err : n;
}

/* ---------------------------------------------------------------------- */
/* CPUs and PSCI                                                           */
/* ---------------------------------------------------------------------- */

/* Decode enable-method (DT spec 3.8.1) of @cpu, else of @cpus, into *c. */
static int cpu_enable(const void *fdt, int cpus, int cpu, struct dt_cpu *c)
{
    int len, err;
    const char *m = prop_strs(fdt, cpu, "enable-method", &len, &err);
    const uint8_t *ra;

    if (!m && err == DT_ENOTFOUND)
        m = prop_strs(fdt, cpus, "enable-method", &len, &err);
    c->release_addr = 0;
    if (!m) {
        c->enable = DT_ENABLE_NONE;
        return err == DT_ENOTFOUND ? DT_OK : err;
    }
    if (strlist_has(m, len, "psci")) {
        c->enable = DT_ENABLE_PSCI;
    } else if (strlist_has(m, len, "spin-table")) {
        /* cpu-release-addr <u64> (DT spec 3.8.1); accept one cell too. */
        c->enable = DT_ENABLE_SPIN_TABLE;
        ra = fdt_getprop(fdt, cpu, "cpu-release-addr", &len);
        if (!ra)
            return len == -FDT_ERR_NOTFOUND ? DT_EBADTREE : fdt_err(len);
        if (len != 4 && len != 8)
            return DT_EBADTREE;
        c->release_addr = ld_cells(ra, (uint32_t)len / 4);
    } else {
        c->enable = DT_ENABLE_OTHER;
    }
    return DT_OK;
}

int dt_cpus(const void *fdt, struct dt_cpu *out, int max)
{
    int cpus, cpu, n = 0, err;
    uint32_t ac, sc;

    if (max < 0 || (max > 0 && !out))
        return DT_EINVAL;
    if (!tree_ok(fdt))
        return DT_EBADTREE;
    /* DT spec 3.7: /cpus, #address-cells 1 or 2, #size-cells 0. */
    cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0)
        return fdt_err(cpus);
    err = get_ncells(fdt, cpus, "#address-cells", 2, &ac);
    if (err == DT_OK)
        err = get_ncells(fdt, cpus, "#size-cells", 1, &sc);
    if (err != DT_OK)
        return err;
    if (ac == 0)
        return DT_EBADTREE;
    if (ac > 2)
        return DT_EUNSUPPORTED;
    fdt_for_each_subnode(cpu, fdt, cpus)
    {
        struct dt_cpu c;
        const uint8_t *reg;
        int len;

        /* DT spec 3.8: cpu nodes; cpu-map and friends are skipped. */
        if (!prop_is(fdt, cpu, "device_type", "cpu") || !dt_node_enabled(fdt, cpu))
            continue;
        reg = fdt_getprop(fdt, cpu, "reg", &len);
        if (!reg)
            return len == -FDT_ERR_NOTFOUND ? DT_EBADTREE : fdt_err(len);
        if (len < (int)(4 * (ac + sc)) || len % (int)(4 * (ac + sc)) != 0)
            return DT_EBADTREE;
        c.mpidr = ld_cells(reg, ac);
        err = cpu_enable(fdt, cpus, cpu, &c);
        if (err != DT_OK)
            return err;
        if (n >= max)
            return DT_ENOSPC;
        out[n++] = c;
    }
    err = walk_end(cpu);
    return err != DT_OK ? err : n;
}

enum dt_psci_conduit dt_psci(const void *fdt)
{
    static const char *const psci[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci", NULL };
    int node;

    if (!tree_ok(fdt))
        return DT_PSCI_NONE;
    for (node = next_node(fdt, -1); node >= 0; node = next_node(fdt, node)) {
        if (!compatible_any(fdt, node, psci) || !dt_node_enabled(fdt, node))
            continue;
        if (prop_is(fdt, node, "method", "hvc"))
            return DT_PSCI_HVC;
        if (prop_is(fdt, node, "method", "smc"))
            return DT_PSCI_SMC;
    }
    return DT_PSCI_NONE;
}

/* ---------------------------------------------------------------------- */
/* Console                                                                 */
/* ---------------------------------------------------------------------- */

int dt_stdout(const void *fdt)
{
    int chosen, aliases, len, err;
    const char *p, *colon, *path;
    size_t n;

    if (!tree_ok(fdt))
        return DT_EBADTREE;
    chosen = fdt_path_offset(fdt, "/chosen");
    if (chosen < 0)
        return fdt_err(chosen);
    /* DT spec 3.6: stdout-path <string>, options follow a ':'. */
    p = prop_strs(fdt, chosen, "stdout-path", NULL, &err);
    if (!p)
        return err;
    n = strlen(p);
    colon = memchr(p, ':', n);
    if (colon)
        n = (size_t)(colon - p);
    if (n == 0)
        return DT_EBADTREE;
    if (p[0] == '/')
        return node_at(fdt, p, n);
    /* DT spec 3.3: an alias name; its value must be a full path. Resolved
	 * here (not by libfdt) so a self-referencing alias cannot recurse. */
    aliases = fdt_path_offset(fdt, "/aliases");
    if (aliases < 0)
        return fdt_err(aliases);
    if (n > INT32_MAX)
        return DT_EBADTREE;
    path = fdt_getprop_namelen(fdt, aliases, p, (int)n, &len);
    if (!path)
        return fdt_err(len);
    if (len <= 0 || path[len - 1] != '\0')
        return DT_EBADTREE;
    return node_at(fdt, path, strlen(path));
}

/* Number N of an alias named "serialN" (decimal, at most 9 digits), or -1. */
static int serial_alias_num(const char *name)
{
    int v = 0, digits = 0;

    if (strncmp(name, "serial", 6) != 0)
        return -1;
    for (name += 6; *name; name++, digits++) {
        if (*name < '0' || *name > '9' || digits >= 9)
            return -1;
        v = v * 10 + (*name - '0');
    }
    return digits ? v : -1;
}

int dt_console(const void *fdt, const char *compat)
{
    int node, aliases, prop, best = -1, best_num = -1;

    if (!compat)
        return DT_EINVAL;
    if (!tree_ok(fdt))
        return DT_EBADTREE;
    /* 1. The firmware's choice, if this driver can run it. */
    node = dt_stdout(fdt);
    if (node >= 0 && dt_node_compatible(fdt, node, compat) && dt_node_enabled(fdt, node))
        return node;
    /* 2. The lowest-numbered serialN alias that fits. */
    aliases = fdt_path_offset(fdt, "/aliases");
    if (aliases >= 0) {
        fdt_for_each_property_offset(prop, fdt, aliases)
        {
            const char *name = NULL;
            int len, num;
            const char *val = fdt_getprop_by_offset(fdt, prop, &name, &len);

            if (!val || !name_in_strings(fdt, name))
                continue;
            num = serial_alias_num(name);
            if (num < 0 || (best >= 0 && num >= best_num))
                continue;
            if (len <= 0 || val[len - 1] != '\0')
                continue;
            node = node_at(fdt, val, strlen(val));
            if (node >= 0 && dt_node_compatible(fdt, node, compat) && dt_node_enabled(fdt, node)) {
                best = node;
                best_num = num;
            }
        }
        if (best >= 0)
            return best;
    }
    /* 3. Any enabled compatible node, in tree order. */
    for (node = next_node(fdt, -1); node >= 0; node = next_node(fdt, node))
        if (dt_node_compatible(fdt, node, compat) && dt_node_enabled(fdt, node))
            return node;
    return walk_end(node) != DT_OK ? DT_EBADTREE : DT_ENOTFOUND;
}

/* ---------------------------------------------------------------------- */
/* Interrupts, GIC, timer                                                  */
/* ---------------------------------------------------------------------- */

static const char *const gic_v2_compat[] = { "arm,gic-400", "arm,cortex-a15-gic", NULL };
static const char *const gic_v3_compat[] = { "arm,gic-v3", NULL };

/* GIC version of @node, or 0 if it is not a GIC we drive. */
static int gic_version(const void *fdt, int node)
{
    if (compatible_any(fdt, node, gic_v3_compat))
        return DT_GIC_V3;
    if (compatible_any(fdt, node, gic_v2_compat))
        return DT_GIC_V2;
    return 0;
}

/* The interrupt controller of @node (DT spec 2.4.1): follow interrupt-parent
 * if present, else the tree parent, until a node with #interrupt-cells. */
static int irq_parent(const void *fdt, int node)
{
    int cur = node;

    for (int hop = 0; hop < MAX_IRQ_HOPS; hop++) {
        int len, p;
        const void *ph = fdt_getprop(fdt, cur, "interrupt-parent", &len);

        if (ph) {
            if (len != 4)
                return DT_EBADTREE;
            p = fdt_node_offset_by_phandle(fdt, ld32(ph));
            if (p < 0)
                return DT_EBADTREE; /* dangling or invalid phandle */
        } else {
            if (len != -FDT_ERR_NOTFOUND)
                return fdt_err(len);
            p = fdt_parent_offset(fdt, cur);
            if (p < 0)
                return fdt_err(p); /* past the root: no parent */
        }
        if (fdt_getprop(fdt, p, "#interrupt-cells", NULL))
            return p;
        cur = p;
    }
    return DT_EBADTREE; /* interrupt-parent cycle */
}

int dt_irq(const void *fdt, int node, int idx, struct dt_irq *out)
{
    const uint8_t *irqs, *e;
    const void *cells;
    int len, clen, ctrl;
    uint32_t type, num;

    if (!out || idx < 0 || node < 0)
        return DT_EINVAL;
    if (!tree_ok(fdt))
        return DT_EBADTREE;
    irqs = fdt_getprop(fdt, node, "interrupts", &len);
    if (!irqs)
        return fdt_err(len);
    ctrl = irq_parent(fdt, node);
    if (ctrl < 0)
        return ctrl;
    if (!gic_version(fdt, ctrl))
        return DT_EUNSUPPORTED;
    /* GIC binding: #interrupt-cells = 3 (type, number, flags). */
    cells = fdt_getprop(fdt, ctrl, "#interrupt-cells", &clen);
    if (!cells || clen != 4)
        return DT_EBADTREE;
    if (ld32(cells) != GIC_IRQ_CELLS)
        return DT_EUNSUPPORTED;
    if (len % (4 * GIC_IRQ_CELLS) != 0)
        return DT_EBADTREE;
    if (idx >= len / (4 * GIC_IRQ_CELLS))
        return DT_ENOTFOUND;
    e = irqs + (size_t)idx * 4 * GIC_IRQ_CELLS;
    type = ld32(e);
    num = ld32(e + 4);
    switch (type) {
    case 0: /* SPI */
        if (num > GIC_MAX_SPI)
            return DT_EBADTREE;
        out->intid = 32 + num;
        break;
    case 1: /* PPI */
        if (num > 15)
            return DT_EBADTREE;
        out->intid = 16 + num;
        break;
    case 2: /* GICv3 extended SPI */
    case 3: /* GICv3 extended PPI */
        return DT_EUNSUPPORTED;
    default:
        return DT_EBADTREE;
    }
    out->flags = ld32(e + 8);
    return DT_OK;
}

int dt_gic(const void *fdt, struct dt_gic *out)
{
    int node;

    if (!out)
        return DT_EINVAL;
    if (!tree_ok(fdt))
        return DT_EBADTREE;
    for (node = next_node(fdt, -1); node >= 0; node = next_node(fdt, node)) {
        struct dt_range dist, second;
        int ver = gic_version(fdt, node), err;

        if (!ver || !dt_node_enabled(fdt, node))
            continue;
        err = dt_reg(fdt, node, 0, &dist);
        if (err == DT_OK)
            err = dt_reg(fdt, node, 1, &second);
        if (err != DT_OK)
            return err == DT_ENOTFOUND ? DT_EBADTREE : err;
        out->version = (enum dt_gic_version)ver;
        out->dist = dist.base;
        out->cpu_or_redist = second.base;
        out->node = node;
        return DT_OK;
    }
    return walk_end(node) != DT_OK ? DT_EBADTREE : DT_ENOTFOUND;
}

int dt_timer(const void *fdt, struct dt_timer *out)
{
    static const char *const timer[] = { "arm,armv8-timer", NULL };
    int node;

    if (!out)
        return DT_EINVAL;
    if (!tree_ok(fdt))
        return DT_EBADTREE;
    for (node = next_node(fdt, -1); node >= 0; node = next_node(fdt, node)) {
        struct dt_timer t;
        struct dt_irq *slot[4] = { &t.sec_phys, &t.phys, &t.virt, &t.hyp };
        const void *freq;
        int len;

        if (!compatible_any(fdt, node, timer) || !dt_node_enabled(fdt, node))
            continue;
        /* Arch timer binding: secure phys, phys, virt, hyp PPIs. */
        for (int i = 0; i < 4; i++) {
            int err = dt_irq(fdt, node, i, slot[i]);

            if (err != DT_OK)
                return err == DT_ENOTFOUND ? DT_EBADTREE : err;
        }
        freq = fdt_getprop(fdt, node, "clock-frequency", &len);
        if (!freq) {
            if (len != -FDT_ERR_NOTFOUND)
                return fdt_err(len);
            t.freq = 0;
        } else if (len != 4) {
            return DT_EBADTREE;
        } else {
            t.freq = ld32(freq);
        }
        *out = t;
        return DT_OK;
    }
    return walk_end(node) != DT_OK ? DT_EBADTREE : DT_ENOTFOUND;
}
