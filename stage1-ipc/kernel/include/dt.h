// SPDX-License-Identifier: MIT
/*
 * dt.h - device-tree queries for the kernel.
 *
 * The boot loader (or QEMU) hands the kernel a flattened device tree blob
 * (DTB). This module answers the few questions the kernel asks of it - where
 * RAM is, which CPUs exist and how to start them, where the interrupt
 * controller, timer and console UART are - on top of libfdt. It is plain
 * freestanding C (no allocation, no global state, no floating point) and is
 * also compiled natively on the build machine for unit tests.
 *
 * Trust model: the blob is untrusted input. Call dt_check() once first; after
 * that every query validates what it reads (property lengths, cell counts,
 * string termination, node offsets) and returns an error rather than reading
 * out of bounds, so a malformed or hostile tree cannot crash the kernel.
 *
 * Errors are negative enum dt_err values; dt_strerror() names them.
 * Section numbers refer to the Devicetree Specification v0.4 ("DT spec").
 */
#ifndef DT_H
#define DT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Suggested capacity of the range arrays passed to dt_memory()/dt_reserved(). */
#define DT_MAX_REGS 16

/** A physical address range [base, base + size). */
struct dt_range {
    uint64_t base; /**< CPU physical base address */
    uint64_t size; /**< size in bytes */
};

/** Error codes: functions return DT_OK (or a count/offset) or one of these negative values. */
enum dt_err {
    DT_OK = 0,            /**< success */
    DT_EBADTREE = -1,     /**< blob or property malformed */
    DT_ENOTFOUND = -2,    /**< node, property or entry absent */
    DT_EINVAL = -3,       /**< bad argument from the caller */
    DT_ENOSPC = -4,       /**< caller's output array too small */
    DT_EUNSUPPORTED = -5, /**< well formed, but beyond what this module handles */
};

/**
 * @brief Human-readable name of an error code.
 * @param err a dt_err value (DT_OK or negative).
 * @return a static string such as "bad device tree" or "not found";
 *         "unknown error" for values that are not dt_err codes.
 */
const char *dt_strerror(int err);

/**
 * @brief Validate a blob's header before any other query.
 *
 * Checks the header with fdt_check_header() (magic, version, block offsets
 * and sizes inside totalsize; DT spec 5.2) and that the whole blob
 * (totalsize) fits in the @p max_size bytes the caller knows are readable.
 * Never reads beyond @p max_size bytes of @p fdt.
 *
 * @param fdt      pointer to the blob (may be NULL: fails).
 * @param max_size number of bytes readable at @p fdt.
 * @return DT_OK, or DT_EBADTREE.
 */
int dt_check(const void *fdt, size_t max_size);

/**
 * @brief Board name, for the boot banner.
 * @param fdt a blob accepted by dt_check().
 * @return the root "model" string (DT spec 3.2), else the first root
 *         "compatible" string, else "unknown". Never NULL.
 */
const char *dt_model(const void *fdt);

/**
 * @brief Whether the root node's "compatible" list (DT spec 2.3.1, 3.2)
 *        contains @p compat exactly.
 * @param fdt    a blob accepted by dt_check().
 * @param compat string to look for (NULL: false).
 * @return true if present.
 */
bool dt_root_compatible(const void *fdt, const char *compat);

/**
 * @brief The kernel command line, /chosen "bootargs" (DT spec 3.6).
 * @param fdt a blob accepted by dt_check().
 * @return the string, or "" if absent or not a terminated string. Never NULL.
 */
const char *dt_bootargs(const void *fdt);

/**
 * @brief Look up one word of the kernel command line.
 *
 * bootargs is a sequence of words separated by spaces (tabs and newlines are
 * accepted too). A word is "key" or "key=value". The first word whose key
 * matches wins. The value is not NUL-terminated inside bootargs: use @p len.
 *
 * @param fdt a blob accepted by dt_check().
 * @param key key to find (NULL or "" never matches).
 * @param val if not NULL, receives a pointer to the value (to the end of
 *            the word when there is no '=').
 * @param len if not NULL, receives the value's length (0 if none).
 * @return true if a word with this key is present.
 */
bool dt_bootarg(const void *fdt, const char *key, const char **val, size_t *len);

/**
 * @brief Number of entries in a node's "reg" property.
 *
 * Entry size is the parent's #address-cells + #size-cells (DT spec 2.3.5,
 * defaults 2 and 1 when absent).
 *
 * @param fdt  a blob accepted by dt_check().
 * @param node node offset.
 * @return the count (>= 0), DT_ENOTFOUND if there is no reg, DT_EBADTREE if
 *         its length is not a whole number of entries or the cell counts are
 *         invalid, DT_EINVAL for a bad node offset.
 */
int dt_reg_count(const void *fdt, int node);

/**
 * @brief Entry @p idx of a node's "reg" (DT spec 2.3.6), translated to a CPU
 *        physical address.
 *
 * The address is decoded with the parent's #address-cells/#size-cells
 * (DT spec 2.3.5; 2/1 when absent), then mapped through the "ranges"
 * (DT spec 2.3.8) of every ancestor bus up to the root: an empty "ranges" is
 * the identity, a bus other than the root without "ranges" cannot be
 * translated. Addresses or sizes wider than 64 bits (e.g. PCI's 3 cells)
 * are not supported.
 *
 * @param fdt  a blob accepted by dt_check().
 * @param node node offset.
 * @param idx  entry index, 0-based.
 * @param out  receives base and size.
 * @return DT_OK; DT_ENOTFOUND (no reg or idx beyond it); DT_EBADTREE
 *         (malformed reg/ranges/cells, or base + size overflows);
 *         DT_EUNSUPPORTED (untranslatable); DT_EINVAL (bad argument).
 */
int dt_reg(const void *fdt, int node, int idx, struct dt_range *out);

/**
 * @brief All RAM ranges: every reg entry of every enabled node whose
 *        device_type is "memory" (DT spec 3.4), translated, in tree order,
 *        skipping zero-sized entries.
 * @param fdt a blob accepted by dt_check().
 * @param out array of @p max ranges (may be NULL if max is 0).
 * @param max capacity of @p out.
 * @return number of ranges stored (0 if memory nodes exist but are all
 *         empty); DT_ENOTFOUND if there is no memory node; DT_ENOSPC if
 *         there are more than @p max ranges; other errors as dt_reg().
 */
int dt_memory(const void *fdt, struct dt_range *out, int max);

/**
 * @brief Memory the kernel must not use: every /memreserve/ entry (DT spec
 *        5.3) followed by each reg entry of every enabled child of
 *        /reserved-memory that has a reg (translated), skipping zero sizes.
 *        Children without reg (dynamically placed pools) are ignored.
 * @param fdt a blob accepted by dt_check().
 * @param out array of @p max ranges (may be NULL if max is 0).
 * @param max capacity of @p out.
 * @return number of ranges stored (0 if none); DT_ENOSPC if more than
 *         @p max; DT_EBADTREE for a malformed map or range overflow.
 */
int dt_reserved(const void *fdt, struct dt_range *out, int max);

/** How a secondary CPU is started (DT spec 3.8.1 "enable-method"). */
enum dt_enable {
    DT_ENABLE_NONE,       /**< no enable-method */
    DT_ENABLE_PSCI,       /**< "psci": PSCI CPU_ON */
    DT_ENABLE_SPIN_TABLE, /**< "spin-table": write entry to release_addr */
    DT_ENABLE_OTHER,      /**< some other (unsupported) method */
};

/** One CPU. */
struct dt_cpu {
    uint64_t mpidr;        /**< reg: MPIDR affinity fields */
    enum dt_enable enable; /**< enable method */
    uint64_t release_addr; /**< cpu-release-addr (spin-table only, else 0) */
};

/**
 * @brief The CPUs: children of /cpus (DT spec 3.7, 3.8) with device_type
 *        "cpu" and status "okay"/absent, in tree order.
 *
 * mpidr is the first reg entry read with /cpus' #address-cells (1 or 2).
 * enable-method is read from the cpu node, else inherited from /cpus;
 * "spin-table" requires a 64-bit (or 32-bit) "cpu-release-addr".
 *
 * @param fdt a blob accepted by dt_check().
 * @param out array of @p max entries (may be NULL if max is 0).
 * @param max capacity of @p out.
 * @return number of CPUs; DT_ENOTFOUND without /cpus; DT_ENOSPC if more
 *         than @p max; DT_EBADTREE for malformed reg, enable-method or
 *         cpu-release-addr; DT_EUNSUPPORTED for #address-cells > 2.
 */
int dt_cpus(const void *fdt, struct dt_cpu *out, int max);

/** How PSCI calls are made. */
enum dt_psci_conduit {
    DT_PSCI_NONE, /**< no usable PSCI node */
    DT_PSCI_HVC,  /**< HVC #0 */
    DT_PSCI_SMC,  /**< SMC #0 */
};

/**
 * @brief The PSCI conduit: first enabled node compatible with
 *        "arm,psci-1.0", "arm,psci-0.2" or "arm,psci" (ARM PSCI binding)
 *        whose "method" is "hvc" or "smc".
 * @param fdt a blob accepted by dt_check().
 * @return DT_PSCI_HVC, DT_PSCI_SMC, or DT_PSCI_NONE.
 */
enum dt_psci_conduit dt_psci(const void *fdt);

/**
 * @brief The node named by /chosen "stdout-path" (DT spec 3.6).
 *
 * Anything from the first ':' on (UART options) is ignored. A value starting
 * with '/' is a full path; otherwise it is an alias (DT spec 3.3) whose
 * value must itself be a full path.
 *
 * @param fdt a blob accepted by dt_check().
 * @return node offset (>= 0); DT_ENOTFOUND if absent or naming no node;
 *         DT_EBADTREE if the property or alias is malformed.
 */
int dt_stdout(const void *fdt);

/**
 * @brief The console node for a UART driver that handles @p compat.
 *
 * In order of preference: the stdout-path node if it is compatible and
 * enabled; else the enabled compatible node named by the lowest-numbered
 * alias "serialN" (DT spec 3.3); else the first enabled compatible node in
 * tree order. (On the Raspberry Pi 4, stdout-path names the mini-UART, so
 * for "arm,pl011" this yields serial0 = /soc/serial@7e201000.)
 *
 * @param fdt    a blob accepted by dt_check().
 * @param compat compatible string of the driver, e.g. "arm,pl011".
 * @return node offset; DT_ENOTFOUND if none; DT_EINVAL if compat is NULL.
 */
int dt_console(const void *fdt, const char *compat);

/**
 * @brief Whether a node is usable: "status" (DT spec 2.3.4) absent,
 *        "okay" or "ok".
 * @param fdt  a blob accepted by dt_check().
 * @param node node offset (invalid offsets give false).
 * @return true if enabled.
 */
bool dt_node_enabled(const void *fdt, int node);

/**
 * @brief Whether a node's "compatible" list (DT spec 2.3.1) contains
 *        @p compat exactly.
 * @param fdt    a blob accepted by dt_check().
 * @param node   node offset.
 * @param compat string to look for.
 * @return true if present (false for malformed lists or bad arguments).
 */
bool dt_node_compatible(const void *fdt, int node, const char *compat);

/** One GIC interrupt specifier, decoded. */
struct dt_irq {
    uint32_t intid; /**< GIC INTID: SPI n -> 32 + n, PPI n -> 16 + n */
    uint32_t flags; /**< third cell: trigger type (and PPI CPU mask) */
};

/**
 * @brief Decode entry @p idx of a node's "interrupts" (DT spec 2.4.1).
 *
 * The interrupt parent is found as in DT spec 2.4.1: the node's
 * "interrupt-parent" phandle, else its tree parent, repeated until a node
 * with "#interrupt-cells" is reached. It must be an "arm,gic-400",
 * "arm,cortex-a15-gic" or "arm,gic-v3" with #interrupt-cells = 3
 * (cells: type 0 = SPI / 1 = PPI, number, flags).
 *
 * @param fdt  a blob accepted by dt_check().
 * @param node node offset.
 * @param idx  specifier index, 0-based.
 * @param out  receives the decoded interrupt.
 * @return DT_OK; DT_ENOTFOUND (no interrupts, idx beyond them, or no
 *         interrupt parent); DT_EBADTREE (wrong length, bad phandle,
 *         out-of-range number); DT_EUNSUPPORTED (other controller, other
 *         #interrupt-cells, extended SPI/PPI types); DT_EINVAL.
 */
int dt_irq(const void *fdt, int node, int idx, struct dt_irq *out);

/** GIC architecture version. */
enum dt_gic_version {
    DT_GIC_V2 = 2, /**< GICv2: distributor + CPU interface */
    DT_GIC_V3 = 3, /**< GICv3: distributor + redistributors */
};

/** The interrupt controller. */
struct dt_gic {
    enum dt_gic_version version; /**< 2 or 3 */
    uint64_t dist;               /**< distributor base (reg[0]) */
    uint64_t cpu_or_redist;      /**< v2: CPU interface, v3: first redistributor region (reg[1]) */
    int node;                    /**< node offset of the GIC */
};

/**
 * @brief The first enabled GIC node in tree order: "arm,gic-400" or
 *        "arm,cortex-a15-gic" (v2) or "arm,gic-v3" (v3), with reg[0] and
 *        reg[1] translated to CPU physical addresses.
 * @param fdt a blob accepted by dt_check().
 * @param out receives the description.
 * @return DT_OK; DT_ENOTFOUND if there is no GIC; errors of dt_reg()
 *         (a GIC with fewer than two reg entries is DT_EBADTREE).
 */
int dt_gic(const void *fdt, struct dt_gic *out);

/** The ARM generic timer. */
struct dt_timer {
    struct dt_irq sec_phys; /**< secure physical timer (interrupts[0]) */
    struct dt_irq phys;     /**< non-secure physical timer (interrupts[1]) */
    struct dt_irq virt;     /**< virtual timer (interrupts[2]) */
    struct dt_irq hyp;      /**< hypervisor timer (interrupts[3]) */
    uint32_t freq;          /**< clock-frequency, or 0 if absent (use CNTFRQ_EL0) */
};

/**
 * @brief The first enabled "arm,armv8-timer" node: its four interrupts
 *        (ARM arch timer binding order) and optional clock-frequency.
 * @param fdt a blob accepted by dt_check().
 * @param out receives the description.
 * @return DT_OK; DT_ENOTFOUND if there is no timer; DT_EBADTREE if it has
 *         fewer than four interrupts or a malformed clock-frequency; errors
 *         of dt_irq().
 */
int dt_timer(const void *fdt, struct dt_timer *out);

#endif /* DT_H */
