#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "bench-quick": msocket_bench --quick runs every variant of the
# benchmark (tools/bench) a few times, with msocket.ko loaded. Its TAP 13
# asserts only that each variant works and returns sockets of the right
# family, type, protocol and network namespace; never timings.

results=$1
tap=$results/bench-quick.tap
bench=$MSOCKET_BUILD/bench/msocket_bench

if [ ! -x "$bench" ]; then
	printf 'TAP version 13\n1..1\nnot ok 1 %s is not built\n' "$bench" > "$tap"
	exit 0
fi
loaded=0
if ! grep -q '^msocket ' /proc/modules; then
	insmod "$MSOCKET_KO" && loaded=1
fi
# with mstack: the child program under each mechanism, its sockets checked
mstack=()
[ -x "$MSOCKET_BUILD/bin/mstack" ] && mstack=(--mstack "$MSOCKET_BUILD/bin/mstack")
timeout 180 "$bench" --quick "${mstack[@]}" > "$tap" 2> "$results/bench-quick.stderr"
if [ "$loaded" = 1 ]; then
	rmmod msocket 2>/dev/null || true
fi
exit 0
