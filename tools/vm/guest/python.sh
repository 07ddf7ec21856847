#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "python": the msocket Python package (tools/python) with pytest
# against real stacks, as root (the tests drop to an unprivileged user where
# they need one), and the Python sample that uses it. pytest's JUnit XML becomes
# $1/python.tap; the sample adds $1/python.samples.tap.

results=$1
PY=/usr/bin/python3
PKG=$MSOCKET_REPO/tools/python
log=$results/python.log
exec 4> "$log"

insmod "$MSOCKET_KO" 2>/dev/null || true
mkdir -p /dev/net
for ns in py-a py-b; do
	ip netns add $ns && ip -n $ns link set lo up
done
mkdir -p /dev/net/py-a /dev/net/py-b /dev/net/py-private /dev/net/py-scratch
mount -t msockfs -o mode=0777 netns=py-a /dev/net/py-a
mount -t msockfs -o mode=0777 netns=py-b /dev/net/py-b
mount -t msockfs -o mode=0700 netns=py-b /dev/net/py-private
mount -t msockfs -o mode=0777 netns=py-a /dev/net/py-scratch
export MSOCKET_TEST_STACK_A=/dev/net/py-a MSOCKET_TEST_STACK_B=/dev/net/py-b
export MSOCKET_TEST_STACK_PRIVATE=/dev/net/py-private MSOCKET_TEST_STACK_SCRATCH=/dev/net/py-scratch

# The repository is read-only here: no caches, no bytecode.
work=$(mktemp -d /tmp/msocket-pytest.XXXX)
chmod 755 "$work"
(cd "$work" && PYTHONDONTWRITEBYTECODE=1 timeout 900 $PY -m pytest -p no:cacheprovider \
	--rootdir "$PKG" -c "$PKG/pyproject.toml" --basetemp "$work/tmp" \
	--junitxml "$work/python.xml" -v "$PKG/tests") >&4 2>&4
echo "pytest exited with $?" >&4

# JUnit XML -> TAP 13 (one line per test; a missing file is one failure).
$PY - "$work/python.xml" > "$results/python.tap" 2>&4 <<'EOF'
import sys
import xml.etree.ElementTree as ET

print("TAP version 13")
try:
    cases = list(ET.parse(sys.argv[1]).getroot().iter("testcase"))
except (OSError, ET.ParseError) as e:
    print("1..1")
    print(f"not ok 1 pytest produced no JUnit report ({e})")
    sys.exit(0)
print(f"1..{len(cases)}")
for n, case in enumerate(cases, 1):
    name = case.get("classname", "").rsplit(".", 1)[-1] + "::" + case.get("name", "?")
    skipped = case.find("skipped")
    bad = case.find("failure") if case.find("failure") is not None else case.find("error")
    if bad is not None:
        print(f"not ok {n} {name}")
        for line in (bad.get("message") or "").splitlines()[:5]:
            print(f"  # {line}")
    elif skipped is not None:
        why = (skipped.get("message") or "").splitlines()
        print(f"ok {n} {name} # SKIP {why[0] if why else ''}")
    else:
        print(f"ok {n} {name}")
EOF
cp "$work/python.xml" "$results/" 2>/dev/null

# The sample that uses the package (userspace.sh runs the stdlib-only one).
tap=$results/python.samples.tap
n=0
sample() {
	local name=$1 want=$2 out
	shift 2
	n=$((n + 1))
	echo "--- $name: $* (want '$want')" >&4
	out=$("$@" 2>&4)
	echo "$out" >&4
	if [[ "$out" == *"$want"* ]]; then echo "ok $n $name"; else echo "not ok $n $name"; fi >> "$tap"
}
echo "TAP version 13" > "$tap"
sample sample_python_two_stacks "through the handle: in /dev/net/py-b: yes" \
	env PYTHONPATH="$PKG" PYTHONDONTWRITEBYTECODE=1 $PY "$MSOCKET_REPO/samples/python/two_stacks.py" \
	/dev/net/py-a /dev/net/py-b 8090
echo "1..$n" >> "$tap"

umount /dev/net/py-a /dev/net/py-b /dev/net/py-private /dev/net/py-scratch
ip netns del py-a
ip netns del py-b
rm -rf "$work"
rmmod msocket 2>/dev/null || true
exit 0
