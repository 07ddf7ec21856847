#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The full msocket benchmark (make bench): loads msocket.ko if needed, runs
# msocket_bench (tools/bench) and prints its table; takes a few minutes in
# the TCG VM. Options after the optional results directory go to the
# benchmark (e.g. --rounds 100).
#
#   msocket-vm run -- <this script> [OPTIONS]   (what make bench runs)
#
# As a test set (msocket-vm test bench) it gets the results directory as $1:
# the table is also written to bench.txt there, and bench.tap reports only
# that the benchmark ran; the targets are printed, never asserted.

results=
if [ -n "$1" ] && [ -d "$1" ]; then
	results=$1
	shift
fi
here=$(dirname "$(readlink -f "$0")")
MSOCKET_REPO=${MSOCKET_REPO:-$(cd "$here/../../.." && pwd)}
MSOCKET_KO=${MSOCKET_KO:-$MSOCKET_REPO/msocket.ko}
MSOCKET_BUILD=${MSOCKET_BUILD:-$MSOCKET_REPO/build}
bench=$MSOCKET_BUILD/bench/msocket_bench
out=$(mktemp /tmp/msocket-bench.XXXXXX)

if [ ! -x "$bench" ]; then
	echo "bench.sh: $bench is not built (make -C tools/bench)" >&2
	status=1
else
	loaded=0
	if ! grep -q '^msocket ' /proc/modules; then
		insmod "$MSOCKET_KO" && loaded=1
	fi
	echo "module $MSOCKET_KO: $(grep '^msocket ' /proc/modules | cut -d' ' -f2) bytes loaded (/proc/modules)"
	# the "unmodified programs" rows need mstack (and the child beside the bench)
	mstack=()
	[ -x "$MSOCKET_BUILD/bin/mstack" ] && mstack=(--mstack "$MSOCKET_BUILD/bin/mstack")
	timeout 1200 "$bench" "${mstack[@]}" "$@" 2>&1 | tee "$out"
	status=${PIPESTATUS[0]}
	if [ "$loaded" = 1 ]; then
		rmmod msocket 2>/dev/null || true
	fi
fi
if [ -n "$results" ]; then
	cp "$out" "$results/bench.txt"
	{
		echo "TAP version 13"
		echo "1..1"
		sed -e 's/^/# /' "$out"
		if [ "$status" = 0 ]; then
			echo "ok 1 msocket_bench"
		else
			echo "not ok 1 msocket_bench # exit status $status"
		fi
	} > "$results/bench.tap"
	status=0
fi
rm -f "$out"
exit "$status"
