#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (tools/vm/msocket-vm test): each test set's script with
# the results directory. Test outcomes travel as TAP files, so this exits 0
# unless it cannot run at all.

results=$1
shift
here=$(dirname "$(readlink -f "$0")")
MSOCKET_REPO=$(cd "$here/../../.." && pwd)
export MSOCKET_REPO
# The module built for the running kernel (msocket-vm sets it for stock kernels).
export MSOCKET_KO=${MSOCKET_KO:-$MSOCKET_REPO/msocket.ko}
export MSOCKET_BUILD=$MSOCKET_REPO/build
export PATH=$MSOCKET_BUILD/bin:$PATH

echo "==> guest: kernel $(uname -r), $(nproc) CPUs"
# A distribution kernel has tun as a module; its systemd makes /dev/net/tun
# a static node whose first open loads it. This guest has no systemd.
modprobe -q tun 2>/dev/null || true
# The module's loaded size, for the record (Documentation/admin-guide/msocket-kernels.rst).
if insmod "$MSOCKET_KO" 2>/dev/null; then
	grep '^msocket ' /proc/modules > "$results/module.txt"
	rmmod msocket
fi
for script in "$@"; do
	echo "==> guest: $script"
	bash "$here/$script" "$results"
	echo "==> guest: $script exited with $?"
done
# Make sure nothing of ours is left loaded before the VM powers off.
grep -q '^msocket ' /proc/modules && { umount -a -t msockfs 2>/dev/null; rmmod msocket; }
exit 0
