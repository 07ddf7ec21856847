#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what msocket needs to build and test, idempotently. Every step says
# what it does and is skipped when already done. Needs root (apt) on Debian 12.
#
#   tools/scripts/setup.sh            # everything
#   MSOCKET_SETUP_QUIET=1 ...         # only print steps that change something

set -euo pipefail

BINDGEN_VERSION=0.73.2
VIRTME_NG_VERSION=1.42
CACHE="${MSOCKET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/msocket}"
# The stamp names this script's contents: any change to it (a new package,
# a new version) runs the setup again on machines that ran an older one.
STAMP="$CACHE/setup-$(sha256sum "$0" | cut -c1-12).done"

say() { printf '==> setup: %s\n' "$*"; }

if [ -e "$STAMP" ] && [ -z "${MSOCKET_SETUP_FORCE:-}" ] &&
   command -v clang-19 >/dev/null && command -v qemu-system-x86_64 >/dev/null &&
   [ -x "$CACHE/venv/bin/vng" ] && command -v bindgen >/dev/null &&
   ls /usr/src/linux-source-7.2.tar.* >/dev/null 2>&1; then
	exit 0
fi

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
	SUDO=sudo
fi

mkdir -p "$CACHE"

# --- apt sources: bookworm-backports (QEMU 10, busybox) and trixie-backports
#     (linux-source-7.2) with a low pin so nothing else is upgraded from it.
SRC=/etc/apt/sources.list.d/msocket-backports.sources
if [ ! -e "$SRC" ]; then
	say "adding bookworm-backports and trixie-backports apt sources ($SRC)"
	$SUDO tee "$SRC" >/dev/null <<'SOURCES'
# Added by msocket tools/scripts/setup.sh
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	$SUDO tee /etc/apt/preferences.d/msocket-trixie-backports >/dev/null <<'PIN'
# Added by msocket tools/scripts/setup.sh: take from trixie-backports only what we ask for
Package: *
Pin: release n=trixie-backports
Pin-Priority: 50
PIN
	APT_UPDATE=1
fi

PKGS="clang-19 lld-19 llvm-19 libclang-19-dev bc bison flex libelf-dev libssl-dev
      cpio dwarves make git python3-venv udev iproute2 kmod util-linux file
      libcap-dev pkg-config slirp4netns passt python3 python3-docutils"
# pytest: the msocket Python package's tests (tools/python, VM test set "python")
PKGS="$PKGS python3-pytest"
# setuptools, wheel: pip-installing the Python package offline (tools/scripts/install-test.sh)
PKGS="$PKGS python3-setuptools python3-wheel"
# stock kernels (tools/scripts/stock-kernel.sh): the Debian 13 chroot for debian-7.3
PKGS="$PKGS debootstrap"
# mstack's supervisor tests: Go clients, static and dynamic (tools/testing/mstack)
PKGS="$PKGS golang-go"
# mstack new --uplink wireguard: wg(8) for the tests' peer (mstack uses netlink)
PKGS="$PKGS wireguard-tools"
BPO_PKGS="qemu-system-x86 busybox-static"
missing=
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
bpo_missing=
for p in $BPO_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || bpo_missing="$bpo_missing $p"; done
have_src=1
ls /usr/src/linux-source-7.2.tar.* >/dev/null 2>&1 || have_src=0

if [ -n "$missing$bpo_missing" ] || [ $have_src = 0 ]; then
	if [ -n "${APT_UPDATE:-}" ] || [ ! -e "$CACHE/apt-updated" ]; then
		say "apt-get update"
		$SUDO apt-get update -q
		touch "$CACHE/apt-updated"
	fi
	export DEBIAN_FRONTEND=noninteractive
	if [ -n "$missing" ]; then
		say "installing Debian packages:$missing"
		$SUDO apt-get install -y -q --no-install-recommends $missing
	fi
	if [ -n "$bpo_missing" ]; then
		say "installing from bookworm-backports:$bpo_missing"
		$SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports $bpo_missing
	fi
	if [ $have_src = 0 ]; then
		say "installing linux-source-7.2 from trixie-backports (~165 MB)"
		$SUDO apt-get install -y -q --no-install-recommends -t trixie-backports linux-source-7.2
	fi
fi

# --- Rust: the kernel needs the standard library sources and bindgen.
if ! command -v rustup >/dev/null; then
	echo "setup: rustup not found; install Rust with rustup (rustc >= 1.78) first" >&2
	exit 1
fi
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	say "rustup component add rust-src"
	rustup component add rust-src
fi
if ! bindgen --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$"; then
	say "cargo install bindgen-cli $BINDGEN_VERSION (about 1.5 min)"
	cargo install --locked --quiet "bindgen-cli@$BINDGEN_VERSION"
fi

# --- virtme-ng in a venv the project owns (outside the repo).
if [ ! -x "$CACHE/venv/bin/vng" ]; then
	say "installing virtme-ng $VIRTME_NG_VERSION into $CACHE/venv"
	python3 -m venv "$CACHE/venv"
	"$CACHE/venv/bin/pip" install -q "virtme-ng==$VIRTME_NG_VERSION"
fi

touch "$STAMP"
say "done"
