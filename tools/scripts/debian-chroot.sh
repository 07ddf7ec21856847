#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian build environment (a debootstrap chroot) in the msocket cache: what
# a user of that Debian release has, with the packages a user installs with
# apt. The Debian 7.3 stock kernel is built with Debian 13's gcc-14, glibc
# and pahole: its module is built in a trixie chroot, not on this Debian 12
# host.
#
#   tools/scripts/debian-chroot.sh SUITE [PACKAGE...]        create or update; prints its path
#   tools/scripts/debian-chroot.sh SUITE --run [--] CMD...   run CMD inside it
#
# PACKAGEs are installed with apt-get inside (a "SUITE-backports/NAME" is taken
# from backports). --run bind-mounts the repository, the msocket cache and the
# rustup toolchain (~/.rustup, ~/.cargo) at their own paths, so the same paths
# work inside, and runs CMD in a private mount namespace (nothing stays
# mounted afterwards).
#
# Environment: MSOCKET_CACHE (default ~/.cache/msocket), DEBIAN_MIRROR.
#
# Safe to share: creation takes $CACHE/stock/SUITE.lock; the tree is made in
# SUITE.tmp and renamed when debootstrap has finished, so an interrupted
# creation is detected (the .tmp is left) and redone. Each package set is
# installed under the same lock and stamped afterwards.

set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 SUITE [PACKAGE...] | SUITE --run CMD..." >&2; exit 2; }
SUITE=$1
shift
CACHE="${MSOCKET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/msocket}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOT="$CACHE/stock/debian-$SUITE"
LOG="$CACHE/stock/debian-$SUITE.log"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
say() { printf '==> debian-%s: %s\n' "$SUITE" "$*" >&2; }
die() { printf 'debian-chroot: error: %s\n' "$*" >&2; exit 1; }

case "$SUITE" in
bookworm|trixie|forky) ;;
*) die "unknown Debian suite '$SUITE'" ;;
esac
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"

locked=
lock() {
	[ -z "$locked" ] || return 0
	locked=1
	mkdir -p "$CACHE/stock"
	exec 8>>"$CACHE/stock/debian-$SUITE.lock"
	if ! flock -n 8; then
		say "another job holds $CACHE/stock/debian-$SUITE.lock; waiting for it"
		flock 8
	fi
}

# in_root CMD...: CMD inside the chroot, in a private mount namespace.
in_root() {
	local binds=("$REPO" "$CACHE")
	local d
	for d in "$HOME/.rustup" "$HOME/.cargo"; do
		[ -d "$d" ] && binds+=("$d")
	done
	unshare --mount --propagation private /bin/bash -euc '
		root=$1; shift
		nb=$1; shift
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount --rbind /sys "$root/sys"
		mount -t tmpfs tmpfs "$root/tmp"
		cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		for ((i = 0; i < nb; i++)); do
			mkdir -p "$root$1"
			mount --rbind "$1" "$root$1"
			shift
		done
		exec chroot "$root" /usr/bin/env -i HOME="$HOME" TERM="${TERM:-dumb}" \
			PATH="$HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
			RUSTUP_HOME="$HOME/.rustup" CARGO_HOME="$HOME/.cargo" \
			MSOCKET_CACHE="${MSOCKET_CACHE:-}" LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
			JOBS="${JOBS:-}" "$@"
	' in_root "$ROOT" "${#binds[@]}" "${binds[@]}" "$@"
}

create() {
	[ -e "$ROOT/.msocket-ready" ] && return 0
	lock
	[ -e "$ROOT/.msocket-ready" ] && return 0
	command -v debootstrap >/dev/null || die "debootstrap is not installed (tools/scripts/setup.sh)"
	if [ -e "$ROOT.tmp" ]; then
		say "an earlier debootstrap into $ROOT.tmp was interrupted; starting again"
		rm -rf "$ROOT.tmp"
	fi
	rm -rf "$ROOT"
	say "debootstrap $SUITE from $MIRROR into $ROOT (a few minutes; log: $LOG)"
	local start=$SECONDS
	if ! nice -n 10 debootstrap --variant=minbase --include=ca-certificates \
		"$SUITE" "$ROOT.tmp" "$MIRROR" >"$LOG" 2>&1; then
		tail -n 20 "$LOG" >&2
		die "debootstrap failed; the full log is $LOG"
	fi
	cat > "$ROOT.tmp/etc/apt/sources.list.d/msocket.sources" <<EOF
# Added by msocket tools/scripts/debian-chroot.sh
Types: deb
URIs: $MIRROR
Suites: $SUITE-updates $SUITE-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	# apt's download sandbox user cannot write into a cache bind-mounted from the host.
	echo 'APT::Sandbox::User "root";' > "$ROOT.tmp/etc/apt/apt.conf.d/90msocket"
	mv "$ROOT.tmp" "$ROOT"
	touch "$ROOT/.msocket-ready"
	say "created in $((SECONDS - start)) s"
}

install_packages() {
	[ $# -gt 0 ] || return 0
	local stamp="$ROOT/.msocket-packages-$(printf '%s\n' "$@" | sha256sum | cut -c1-12)"
	[ -e "$stamp" ] && return 0
	lock
	[ -e "$stamp" ] && return 0
	local plain=() bpo=() p
	for p in "$@"; do
		case "$p" in
		*-backports/*) bpo+=("${p#*/}") ;;
		*) plain+=("$p") ;;
		esac
	done
	say "apt-get install in the chroot: ${plain[*]} ${bpo[*]:+(backports: ${bpo[*]})} (log: $LOG)"
	local start=$SECONDS
	{
		in_root apt-get update -q &&
		{ [ ${#plain[@]} = 0 ] || in_root apt-get install -y -q --no-install-recommends "${plain[@]}"; } &&
		{ [ ${#bpo[@]} = 0 ] ||
		  in_root apt-get install -y -q --no-install-recommends -t "$SUITE-backports" "${bpo[@]}"; } &&
		in_root apt-get clean
	} >>"$LOG" 2>&1 || { tail -n 20 "$LOG" >&2; die "apt-get in the chroot failed; the full log is $LOG"; }
	touch "$stamp"
	say "packages installed in $((SECONDS - start)) s"
}

if [ "${1:-}" = --run ]; then
	shift
	[ "${1:-}" = -- ] && shift
	[ -e "$ROOT/.msocket-ready" ] || die "no $SUITE chroot yet: run $0 $SUITE first"
	in_root "$@"
	exit
fi
create
install_packages "$@"
echo "$ROOT"
