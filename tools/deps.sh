#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tools/deps.sh - install what the project needs on Debian 12 (bookworm).
#
# Idempotent and quiet: when every package and the Linux image cache are
# present it prints nothing and exits 0.  Otherwise it
#   1. adds the arm64 foreign architecture (musl, libfdt, busybox for arm64),
#   2. adds bookworm-backports, deriving the archive address from the
#      machine's own apt sources (no host name is written in this project),
#   3. installs the packages of design-brief section 5, QEMU from backports
#      (QEMU 9+ has the raspi4b machine),
#   4. downloads Debian's arm64 Linux image package into cache/ (git-ignored)
#      and unpacks it there: the Pi 4 device tree and the Linux baseline kernel.
#
# Usage: tools/deps.sh [--check]   (--check: exit 1 if something is missing)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$ROOT/cache}
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# Packages for the native (amd64) side and for arm64.
PKGS_HOST="gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu gdb-multiarch \
device-tree-compiler doxygen cpio python3 python3-pytest python3-kconfiglib \
linux-libc-dev-arm64-cross qemu-system-arm qemu-user clang-format cppcheck \
clang-tidy python3-matplotlib libfdt1:$(dpkg --print-architecture)"
PKGS_ARM64="musl-dev:arm64 libfdt-dev:arm64 busybox-static:arm64"
QEMU_MIN_MAJOR=9

log() { echo "deps: $*" >&2; }

missing_pkgs() {
    for p in $PKGS_HOST $PKGS_ARM64; do
        # dpkg-query prints "install ok installed" only for a complete install.
        s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [ "$s" = "install ok installed" ] || echo "$p"
    done
}

qemu_ok() {
    command -v qemu-system-aarch64 >/dev/null 2>&1 || return 1
    v=$(qemu-system-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -1)
    [ -n "$v" ] && [ "$v" -ge "$QEMU_MIN_MAJOR" ]
}

linux_ok() { [ -f "$CACHE/linux/bcm2711-rpi-4-b.dtb" ] && [ -f "$CACHE/linux/vmlinuz" ]; }

all_ok() { [ -z "$(missing_pkgs)" ] && qemu_ok && linux_ok; }

if [ "${1:-}" = "--check" ]; then
    all_ok && exit 0
    missing_pkgs | sed 's/^/missing: /' >&2
    qemu_ok || echo "missing: qemu-system-aarch64 >= $QEMU_MIN_MAJOR" >&2
    linux_ok || echo "missing: $CACHE/linux (Debian arm64 Linux image)" >&2
    exit 1
fi

all_ok && exit 0

if [ ! -r /etc/debian_version ]; then
    log "not a Debian system; install by hand: $PKGS_HOST $PKGS_ARM64"
    exit 1
fi

apt_updated=
apt_update() {
    [ -n "$apt_updated" ] && return 0
    log "apt-get update"
    $SUDO apt-get update -qq >/dev/null
    apt_updated=1
}

# --- 1. arm64 foreign architecture -------------------------------------------
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    log "adding the arm64 architecture"
    $SUDO dpkg --add-architecture arm64
    apt_updated=
fi

# --- 2. bookworm-backports, derived from the existing sources ----------------
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
bp_file=/etc/apt/sources.list.d/hmkernel-backports.sources
have_backports() {
    grep -rqs -- "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/
}
if [ -n "$codename" ] && ! have_backports; then
    # The Debian archive address: the first URI serving "$codename" main.
    uri=$(awk -v c="$codename" '
        /^URIs:/ { u = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c && u != "") { print u; exit } }
        /^deb / && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i == c) { print $(i-1); exit } }
        ' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1)
    if [ -z "$uri" ]; then
        log "cannot find the Debian archive in the apt sources; add ${codename}-backports by hand"
        exit 1
    fi
    log "adding ${codename}-backports from $uri"
    printf 'Types: deb\nURIs: %s\nSuites: %s-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$uri" "$codename" | $SUDO tee "$bp_file" >/dev/null
    apt_updated=
fi

# --- 3. packages ---------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
miss=$(missing_pkgs | tr '\n' ' ')
if [ -n "$miss" ] || ! qemu_ok; then
    apt_update
    log "installing: $miss"
    # QEMU from backports first: bookworm's own QEMU 7.2 has no raspi4b.
    $SUDO apt-get install -y -qq -t "${codename}-backports" qemu-system-arm qemu-user >/dev/null
    # shellcheck disable=SC2086
    [ -z "$miss" ] || $SUDO apt-get install -y -qq --no-install-recommends $miss >/dev/null
fi
if ! qemu_ok; then
    log "qemu-system-aarch64 >= $QEMU_MIN_MAJOR is required (has: $(qemu-system-aarch64 --version 2>/dev/null | head -1))"
    exit 1
fi

# --- 4. Debian's arm64 Linux image -------------------------------------------
if ! linux_ok; then
    apt_update
    # The metapackage names the current versioned image package.
    pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
          sed -n 's/.*Depends: \(linux-image-[0-9][^ :]*\).*/\1/p' | head -1)
    if [ -z "$pkg" ]; then
        log "cannot resolve linux-image-arm64:arm64"
        exit 1
    fi
    log "downloading $pkg (arm64) into $CACHE"
    mkdir -p "$CACHE/debs" "$CACHE/linux"
    rm -rf "$CACHE/linux-x"
    (cd "$CACHE/debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg:arm64" >/dev/null)
    deb=$(ls -t "$CACHE"/debs/"${pkg}"_*_arm64.deb | head -1)
    dpkg-deb -x "$deb" "$CACHE/linux-x"
    dtb=$(find "$CACHE/linux-x" -name bcm2711-rpi-4-b.dtb | head -1)
    vmlinuz=$(find "$CACHE/linux-x/boot" -name 'vmlinuz-*' | head -1)
    [ -n "$dtb" ] && [ -n "$vmlinuz" ] || { log "$deb has no Pi 4 dtb or vmlinuz"; exit 1; }
    cp "$dtb" "$CACHE/linux/bcm2711-rpi-4-b.dtb"
    cp "$vmlinuz" "$CACHE/linux/vmlinuz"
    dpkg-deb -f "$deb" Package Version > "$CACHE/linux/VERSION"
    rm -rf "$CACHE/linux-x"
fi
