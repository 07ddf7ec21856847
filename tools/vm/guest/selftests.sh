#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "selftests": the kselftest_harness programs of
# tools/testing/selftests/msocket, with msocket.ko loaded.

results=$1
dir=$MSOCKET_BUILD/selftests

insmod "$MSOCKET_KO" || true
for name in msocket_test msocket_security_test msocket_shim_test; do
	(cd "$dir" && timeout 600 "./$name") > "$results/selftests.$name.tap" 2>&1
done
rmmod msocket 2>/dev/null || true
