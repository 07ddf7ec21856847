#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's test command (make check): host-side cargo tests (with the
# crate's doctests), the rst check and the install test, then every test set
# in the VM; one final line "N passed, M failed, K skipped" that adds both up. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

host_log=build/cargo-test.log
mkdir -p build
echo "==> check: host-side cargo test (userspace crates)"
# (the msocket crate with its tokio feature: its doctests and tests too)
CARGO_TARGET_DIR=build/cargo cargo test --manifest-path tools/Cargo.toml --release \
	--features msocket/tokio 2>&1 | tee "$host_log"
host_status=${PIPESTATUS[0]}
read -r hp hf hs < <(awk '/^test result:/ {
	for (i = 1; i <= NF; i++) {
		if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i;
		if ($(i+1) ~ /^ignored/) s += $i }
	} END { print p+0, f+0, s+0 }' "$host_log")
if [ "$host_status" != 0 ] && [ "$hf" = 0 ]; then
	hf=1	# cargo failed before any test ran (a build error)
fi
echo "==> check: Documentation/*.rst parse cleanly (docutils)"
doc_log=build/rst-check.log
py=python3	# a pyenv or venv python3 first in PATH may lack the Debian package
python3 -c 'import docutils' 2>/dev/null || py=/usr/bin/python3
"$py" tools/scripts/rst-check.py 2>&1 | tee "$doc_log"
doc_status=${PIPESTATUS[0]}
read -r dp df < <(sed -nE 's/^doc: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$doc_log")
dp=${dp:-0}
df=${df:-1}
if [ "$doc_status" != 0 ] && [ "$df" = 0 ]; then
	df=1
fi
echo "==> check: make install / uninstall into a DESTDIR, pkg-config, pip"
inst_log=build/install-check.log
tools/scripts/install-test.sh 2>&1 | tee "$inst_log"
inst_status=${PIPESTATUS[0]}
read -r ins_p ins_f < <(sed -nE 's/^install: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$inst_log")
ins_p=${ins_p:-0}
ins_f=${ins_f:-1}
if [ "$inst_status" != 0 ] && [ "$ins_f" = 0 ]; then
	ins_f=1
fi
hp=$((hp + dp + ins_p))
hf=$((hf + df + ins_f))
echo "host: $hp passed, $hf failed, $hs skipped"

echo "==> check: VM test sets"
vm_log=build/vm-test.log
tools/vm/msocket-vm test "$@" 2>&1 | tee "$vm_log"
vm_status=${PIPESTATUS[0]}
read -r vp vf vs < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$vm_log" | tail -n1 |
	sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')
vp=${vp:-0}
vf=${vf:-1}
vs=${vs:-0}
if [ "$vm_status" != 0 ] && [ "$vf" = 0 ]; then
	vf=1
fi

echo "$((hp + vp)) passed, $((hf + vf)) failed, $((hs + vs)) skipped"
[ $((hf + vf)) = 0 ]
