#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "kunit": loading msocket.ko runs its Rust KUnit suites, whose KTAP
# goes to the kernel log; then check the module's metadata and clean unload.

results=$1
ktap=$results/kunit.tap
tap=$results/kunit.module.tap

dmesg -C
if ! insmod "$MSOCKET_KO"; then
	printf 'TAP version 13\n1..1\nnot ok 1 insmod %s\n' "$MSOCKET_KO" > "$tap"
	exit 0
fi
dmesg > "$results/kunit.dmesg"
# Keep the KTAP lines of the kernel log (drop timestamps and other messages).
sed -e 's/^\[[^]]*\] //' "$results/kunit.dmesg" |
	grep -E '^[[:space:]]*(KTAP version|TAP version|[0-9]+\.\.[0-9]+|ok |not ok |# )' > "$ktap"

n=0
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" > /dev/null 2>&1; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
	fi
}
{
	echo "TAP version 13"
	echo "1..6"
	check "module_license_gpl" test "$(modinfo -F license "$MSOCKET_KO")" = GPL
	check "module_alias_fs_msockfs" sh -c "modinfo -F alias '$MSOCKET_KO' | grep -qx fs-msockfs"
	check "module_description" test -n "$(modinfo -F description "$MSOCKET_KO")"
	check "msockfs_registered" grep -qw msockfs /proc/filesystems
	check "dev_msocket_mode_0666" test "$(stat -c %a /dev/msocket)" = 666
	check "module_unloads" rmmod msocket
} > "$tap"
