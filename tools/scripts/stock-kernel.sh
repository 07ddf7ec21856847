#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The distribution kernels msocket is tested on, as their users have them:
# Debian's own packages, in the Debian release each belongs to.
#
#   tools/scripts/stock-kernel.sh list              the names, one a line
#   tools/scripts/stock-kernel.sh release NAME      its `uname -r`
#   tools/scripts/stock-kernel.sh image NAME        download and unpack its image
#                                                   (kernel + modules); print the vmlinuz
#   tools/scripts/stock-kernel.sh env NAME          install its headers and source as a
#                                                   user would (apt); print the chroot, or /
#   tools/scripts/stock-kernel.sh build NAME [OUT]  build msocket.ko for it in its
#                                                   environment (default OUT:
#                                                   build/kernels/RELEASE); print the .ko
#   tools/scripts/stock-kernel.sh run NAME CMD...   run CMD in its build environment
#
#   debian-6.12  6.12.117+deb12-amd64 (bookworm-security; the 6.12 LTS series
#                Debian 12 and 13 run): no Rust, MODVERSIONS, GCC 12. Built on
#                this Debian 12 host, with linux-headers and linux-source-6.12
#                installed by apt.
#   debian-7.3   7.3.4+deb13-amd64 (trixie-backports): Rust without metadata,
#                GCC 14. Built in a Debian 13 chroot (tools/scripts/debian-chroot.sh)
#                with its headers, source, gcc-14 and pahole.
#
# Downloads and unpacked images live in $CACHE/stock (MSOCKET_CACHE, default
# ~/.cache/msocket); each step is idempotent, takes $CACHE/stock/NAME.lock,
# and works in a .tmp directory renamed when complete, so an interrupted step
# is detected and redone.

set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPTS=$REPO/tools/scripts
CACHE="${MSOCKET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/msocket}"
say() { printf '==> stock %s: %s\n' "$NAME" "$*" >&2; }
die() { printf 'stock-kernel: error: %s\n' "$*" >&2; exit 1; }

NAMES="debian-6.12 debian-7.3"
define() {
	NAME=$1
	case "$NAME" in
	debian-6.12)
		RELEASE=6.12.117+deb12-amd64
		VERSION=6.12.117-1~deb12u1
		SUITE=host	# bookworm: this machine
		IMAGE_PKGS="linux-image-$RELEASE=$VERSION"
		BUILD_PKGS="linux-headers-$RELEASE=$VERSION linux-source-6.12=$VERSION"
		;;
	debian-7.3)
		RELEASE=7.3.4+deb13-amd64
		VERSION=7.3.4-1~bpo13+1
		SUITE=trixie
		IMAGE_PKGS="linux-binary-$RELEASE=$VERSION linux-modules-$RELEASE=$VERSION"
		# What a Debian 13 user installs to build out-of-tree modules, and dkms.
		BUILD_PKGS="gcc make libc6-dev bc bison flex libelf-dev libssl-dev dwarves kmod
			    cpio xz-utils python3 libclang1-19 dkms
			    trixie-backports/linux-headers-$RELEASE=$VERSION
			    trixie-backports/linux-source-7.3=$VERSION"
		;;
	*)
		die "unknown stock kernel '$NAME' (try: $NAMES)"
		;;
	esac
}

locked=
lock() {
	[ -z "$locked" ] || return 0
	locked=1
	mkdir -p "$CACHE/stock"
	exec 9>>"$CACHE/stock/$NAME.lock"
	if ! flock -n 9; then
		say "another job holds $CACHE/stock/$NAME.lock; waiting for it"
		flock 9
	fi
}

# The kernel image and its modules, unpacked from Debian's packages.
image() {
	local dir="$CACHE/stock/image/$RELEASE" debs="$CACHE/stock/debs" p f
	if [ ! -e "$dir/.msocket-unpacked" ]; then
		lock
	fi
	if [ ! -e "$dir/.msocket-unpacked" ]; then
		[ -e "$dir.tmp" ] && say "an earlier unpacking into $dir.tmp was interrupted; starting again"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$debs" "$dir.tmp"
		for p in $IMAGE_PKGS; do
			f=$(ls "$debs/${p%%=*}_"*.deb 2>/dev/null | head -n1 || true)
			if [ -z "$f" ]; then
				say "apt-get download $p (into $debs)"
				(cd "$debs" && apt-get download -q "$p" >&2) ||
					die "apt-get download $p failed (apt-get update? tools/scripts/setup.sh adds the suites)"
				f=$(ls "$debs/${p%%=*}_"*.deb | head -n1)
			fi
			say "unpacking $(basename "$f")"
			dpkg-deb -x "$f" "$dir.tmp"
		done
		# Modules of usr-merged packages live in usr/lib; depmod looks in lib.
		[ -e "$dir.tmp/lib" ] || ln -s usr/lib "$dir.tmp/lib"
		depmod -b "$dir.tmp" "$RELEASE"
		mv "$dir.tmp" "$dir"
		touch "$dir/.msocket-unpacked"
	fi
	for f in "$dir/boot/vmlinuz-$RELEASE" "$dir/usr/lib/modules/$RELEASE/vmlinuz"; do
		[ -e "$f" ] && { echo "$f"; return 0; }
	done
	die "no vmlinuz in $dir"
}

# The build environment: this host (Debian 12) or a chroot of SUITE.
env_setup() {
	local missing=() p
	if [ "$SUITE" = host ]; then
		for p in $BUILD_PKGS; do
			[ "$(dpkg-query -W -f='${Version}' "${p%%=*}" 2>/dev/null)" = "${p#*=}" ] || missing+=("$p")
		done
		if [ ${#missing[@]} -gt 0 ]; then
			lock
			say "apt-get install ${missing[*]}"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
				die "apt-get install failed"
		fi
		echo /
	else
		# shellcheck disable=SC2086 # a list of packages
		"$SCRIPTS/debian-chroot.sh" "$SUITE" $BUILD_PKGS
	fi
}

in_env() {
	if [ "$SUITE" = host ]; then
		"$@"
	else
		"$SCRIPTS/debian-chroot.sh" "$SUITE" --run "$@"
	fi
}

[ $# -ge 1 ] || { sed -n '5,17s/^# \?//p' "$0" >&2; exit 2; }
cmd=$1
shift
if [ "$cmd" = list ]; then
	printf '%s\n' $NAMES
	exit 0
fi
[ $# -ge 1 ] || die "$cmd: which kernel? ($NAMES)"
define "$1"
shift
case "$cmd" in
release)
	echo "$RELEASE"
	;;
image)
	image
	;;
env)
	env_setup
	;;
build)
	out=${1:-$REPO/build/kernels/$RELEASE}
	env_setup >/dev/null
	start=$SECONDS
	say "building msocket.ko for $RELEASE in $out (in $([ "$SUITE" = host ] && echo "this host" || echo "the $SUITE chroot"))"
	in_env nice -n 10 "$SCRIPTS/module.sh" "/usr/src/linux-headers-$RELEASE" "$out" >&2
	say "msocket.ko built in $((SECONDS - start)) s"
	echo "$out/msocket.ko"
	;;
run)
	env_setup >/dev/null
	in_env "$@"
	;;
*)
	die "unknown command '$cmd'"
	;;
esac
