#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "crate": the msocket Rust crate's tests against real stacks
# (tools/msocket-rs/tests/stacks.rs, built with the tokio feature by
# "make rust-userspace"), once as root and once as an unprivileged user.
# libtest's output becomes $1/crate.root.tap and $1/crate.user.tap.

results=$1
bin=$MSOCKET_BUILD/tests/msocket-rs-stacks
log=$results/crate.log
: > "$log"
exec 4>> "$log"

insmod "$MSOCKET_KO" 2>/dev/null || true
mkdir -p /dev/net
for ns in cr-a cr-b; do
	ip netns add $ns && ip -n $ns link set lo up
done
mkdir -p /dev/net/cr-a /dev/net/cr-b /dev/net/cr-private /dev/net/cr-scratch
mount -t msockfs -o mode=0777 netns=cr-a /dev/net/cr-a
mount -t msockfs -o mode=0777 netns=cr-b /dev/net/cr-b
mount -t msockfs -o mode=0700 netns=cr-b /dev/net/cr-private
mount -t msockfs -o mode=0777 netns=cr-a /dev/net/cr-scratch
export MSOCKET_TEST_STACK_A=/dev/net/cr-a MSOCKET_TEST_STACK_B=/dev/net/cr-b
export MSOCKET_TEST_STACK_PRIVATE=/dev/net/cr-private MSOCKET_TEST_STACK_SCRATCH=/dev/net/cr-scratch

# libtest -> TAP 13: one line per test; the plan from "running N tests", so
# tests that never report (a crash) count as failures.
to_tap() {
	awk -v label="$1" '
	/^running [0-9]+ tests?$/ { plan = $2 }
	/^test .* \.\.\. / {
		n++
		if ($0 ~ / \.\.\. ok$/) print "ok " n " " label $2
		else if ($0 ~ / \.\.\. ignored/) print "ok " n " " label $2 " # SKIP ignored"
		else print "not ok " n " " label $2
	}
	END {
		if (plan == "") { print "not ok 1 " label "tests did not run"; plan = 1 }
		print "1.." plan
	}'
}
run() {
	local label=$1
	shift
	echo "--- $label: $*" >&4
	{ echo "TAP version 13"; timeout 600 "$@" --test-threads=1 2>&1 | tee -a "$log" | to_tap "$label"; } \
		> "$results/crate.${label%_}.tap"
}
if [ -x "$bin" ]; then
	run root_ "$bin"
	run user_ setpriv --reuid 1000 --regid 1000 --clear-groups "$bin" --skip handle_revoked_by_chmod
else
	printf 'TAP version 13\n1..1\nnot ok 1 %s missing (make rust-userspace)\n' "$bin" > "$results/crate.root.tap"
fi

umount /dev/net/cr-a /dev/net/cr-b /dev/net/cr-private /dev/net/cr-scratch
ip netns del cr-a
ip netns del cr-b
rmmod msocket 2>/dev/null || true
exit 0
