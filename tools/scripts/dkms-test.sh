#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS as a user runs it: the module's sources installed for DKMS (make dkms's
# tools/scripts/dkms-source.sh), `dkms install` for a stock kernel in that
# kernel's Debian environment (tools/scripts/stock-kernel.sh), then checks of
# what it installed, and `dkms remove`. TAP on stdout; dkms's output on stderr.
#
#   tools/scripts/dkms-test.sh debian-7.3

set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" != --inside ]; then
	[ $# = 1 ] || { echo "usage: $0 STOCK-KERNEL" >&2; exit 2; }
	release=$("$REPO/tools/scripts/stock-kernel.sh" release "$1") || exit 1
	exec "$REPO/tools/scripts/stock-kernel.sh" run "$1" bash "$REPO/tools/scripts/dkms-test.sh" --inside "$release"
fi

release=$2
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$REPO/dkms.conf")
n=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
fail() { n=$((n + 1)); echo "not ok $n $1"; }
check() { local name=$1; shift; if "$@" >&2; then ok "$name"; else fail "$name"; fi; }

echo "TAP version 13"
echo "# dkms $(dkms --version 2>/dev/null | head -n1), kernel $release, msocket $version"
dkms remove "msocket/$version" --all >&2 2>/dev/null
# The environment has the kernel's headers, not its image: give its module
# directory the index an installed kernel has (dkms's depmod updates an
# existing one only).
[ -e "/lib/modules/$release/modules.dep" ] || depmod -a "$release" >&2
check dkms_source "$REPO/tools/scripts/dkms-source.sh" "/usr/src/msocket-$version"
check dkms_install dkms install "msocket/$version" -k "$release"
ko=$(find "/lib/modules/$release/updates" -name 'msocket.ko*' 2>/dev/null | head -n1)
check dkms_module_installed test -n "$ko"
check vermagic_is_the_kernels sh -c "modinfo -F vermagic '$ko' | grep -q '^$release '"
# The mount autoloads it: request_module("fs-msockfs") finds the module.
check mount_autoload_alias sh -c "modprobe -S '$release' --show-depends fs-msockfs | grep -q msocket"
plain=$(mktemp)
case "$ko" in
*.xz) xz -dc "$ko" > "$plain" ;;
*.zst) zstd -qdc "$ko" > "$plain" ;;
*) cp "$ko" "$plain" ;;
esac
check no_rust_imports sh -c "! nm -u '$plain' | grep -E ' (_R|__rust|rust_)'"
rm -f "$plain"
check dkms_remove dkms remove "msocket/$version" --all
check module_removed sh -c "! find '/lib/modules/$release/updates' -name 'msocket.ko*' | grep -q ."
echo "1..$n"
