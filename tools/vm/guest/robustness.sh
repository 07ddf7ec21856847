#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "robustness": the ioctl and mount fuzzers, the concurrency storm,
# fail-nth fault injection and the permission matrix
# (Documentation/dev-tools/msocket-robustness.rst), with msocket.ko loaded.
# Writes robustness.<program>.tap into the results directory given as $1.
#
# Quick bounds by default; MSOCKET_FULL=1 for the full run (meant for the
# debug kernel). MSOCKET_SEED=N replays a run (default: a new seed, printed
# at the top of each TAP file). MSOCKET_KO must be built for the running
# kernel: the storm unloads and reloads it.

results=${1:?usage: robustness.sh RESULTS_DIR}
dir=${MSOCKET_BUILD:?}/selftests
seed=${MSOCKET_SEED:-$(( $(date +%s) ^ $$ ))}

if [ "${MSOCKET_FULL:-0}" = 1 ]; then
	mode=full
	limit=5400
	args_msocket_fuzz_ioctl="-n 2000000 -j 2"
	args_msocket_fuzz_mount="-n 10000"
	args_msocket_storm="-t 60"
	args_msocket_failnth="-n 3000"
	args_msocket_perm="-n 3"
else
	mode=quick
	limit=900
	args_msocket_fuzz_ioctl="-n 40000 -j 2"
	args_msocket_fuzz_mount="-n 500"
	args_msocket_storm="-t 5"
	args_msocket_failnth="-n 3000"
	args_msocket_perm="-n 1"
fi

echo "==> robustness: $mode run, seed $seed, module $MSOCKET_KO"
mkdir -p "$results"
for name in msocket_fuzz_ioctl msocket_fuzz_mount msocket_storm msocket_failnth msocket_perm; do
	tap=$results/robustness.$name.tap
	args=args_$name
	# each program starts with the module loaded (the storm reloads it)
	grep -q '^msocket ' /proc/modules || insmod "$MSOCKET_KO"
	if [ ! -x "$dir/$name" ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 %s not built (make selftests)\n' \
			"$name" > "$tap"
		continue
	fi
	start=$(date +%s)
	# shellcheck disable=SC2086 # the arguments are words
	(cd "$dir" && MSOCKET_KO=$MSOCKET_KO timeout -k 10 "$limit" \
		"./$name" -s "$seed" ${!args}) > "$tap" 2>&1
	status=$?
	echo "# $name exited with $status after $(( $(date +%s) - start )) s" >> "$tap"
	echo "==> robustness: $name: status $status, $(( $(date +%s) - start )) s"
done
# The kernel's view at the end: splats fail the run through the console.
umount -a -t msockfs 2>/dev/null
rmmod msocket 2>/dev/null || true
exit 0
