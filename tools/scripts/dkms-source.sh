#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy what DKMS needs to build msocket.ko into DEST (normally
# /usr/src/msocket-VERSION; `make dkms` does this and runs dkms install):
# dkms.conf, Kbuild, the module's sources and UAPI header, and the build
# scripts (tools/scripts/module.sh and the self-contained build's helpers).
#
#   tools/scripts/dkms-source.sh DEST

set -euo pipefail
[ $# = 1 ] || { echo "usage: $0 DEST" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DEST=$1

rm -rf "$DEST"
mkdir -p "$DEST/rust" "$DEST/include/uapi/linux" "$DEST/tools/scripts" "$DEST/LICENSES"
cd "$REPO"
cp dkms.conf Kbuild "$DEST/"
for f in rust/*.rs rust/*.[ch]; do
	case "$f" in rust/msocket_helpers.c) continue ;; esac
	cp "$f" "$DEST/rust/"
done
cp include/uapi/linux/msocket.h "$DEST/include/uapi/linux/"
cp tools/scripts/module.sh tools/scripts/rust-runtime.sh tools/scripts/rust-object.sh \
	tools/scripts/rust-helpers.awk tools/scripts/rust-print.sed "$DEST/tools/scripts/"
cp -r LICENSES/. "$DEST/LICENSES/"
echo "==> dkms-source: msocket sources for DKMS in $DEST" >&2
