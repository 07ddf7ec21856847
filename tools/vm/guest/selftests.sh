#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "selftests": the kselftest_harness programs of
# tools/testing/selftests/msocket, with msocket.ko loaded.

results=$1
dir=$MSOCKET_BUILD/selftests

insmod "$MSOCKET_KO" || true
for t in "$dir"/msocket_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	(cd "$dir" && timeout 600 "$t") > "$results/selftests.$name.tap" 2>&1
done
rmmod msocket 2>/dev/null || true
