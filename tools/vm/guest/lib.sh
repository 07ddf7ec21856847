#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP helpers for the guest test scripts: source it after setting $tap and
# $log (the TAP file and the log of the set).
#   ok NAME / fail NAME / skip NAME WHY
#   check NAME CMD...                 ok if CMD succeeds
#   expect NAME WANT CMD...           ok if CMD's stdout is exactly WANT
#   contains NAME WANT CMD...         ok if CMD's stdout contains WANT
#   status NAME STATUS MSG CMD...     ok if CMD exits STATUS with MSG on stderr
#   as_user CMD...                    CMD as the unprivileged test user
#   finish                            prints the plan

n=0
failed=0
exec 3> "$tap" 4> "$log"
echo "TAP version 13" >&3
USER_ID=${USER_ID:-1000}
ok() { n=$((n + 1)); echo "ok $n $1" >&3; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1" >&3; echo "FAILED: $1" >&4; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2" >&3; }
check() {
	local name=$1
	shift
	echo "--- $name: $*" >&4
	if "$@" >&4 2>&4; then ok "$name"; else fail "$name"; fi
}
expect() {
	local name=$1 want=$2 out
	shift 2
	echo "--- $name: $* (want exactly '$want')" >&4
	out=$("$@" 2>&4)
	echo "$out" >&4
	if [ "$out" = "$want" ]; then ok "$name"; else fail "$name"; fi
}
contains() {
	local name=$1 want=$2 out
	shift 2
	echo "--- $name: $* (want '$want')" >&4
	out=$("$@" 2>&4)
	echo "$out" >&4
	if [[ "$out" == *"$want"* ]]; then ok "$name"; else fail "$name"; fi
}
status() {
	local name=$1 want=$2 msg=$3 err rc
	shift 3
	echo "--- $name: $* (want status $want, '$msg')" >&4
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	echo "status $rc: $err" >&4
	if [ "$rc" = "$want" ] && [[ "$err" == *"$msg"* ]]; then ok "$name"; else fail "$name"; fi
}
as_user() { setpriv --reuid "$USER_ID" --regid "$USER_ID" --clear-groups "$@"; }
finish() { echo "1..$n" >&3; }
