#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's test command (make check): host-side cargo tests (with the
# crate's doctests), the rst check and the install test, then every test set
# in the VM on the reference kernel, then msocket.ko built for each stock
# distribution kernel and its test sets there, then DKMS; a result line per
# kernel and one final line "N passed, M failed, K skipped" that adds all up.
# Exits non-zero if anything failed. MSOCKET_KERNELS="reference debian-6.12
# debian-7.3 dkms" (the default: all) picks what runs.
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
echo "==> check: build modes (tools/scripts/build-modes-test.sh)"
tools/scripts/build-modes-test.sh | tee build/build-modes-test.tap
read -r bp bf < <(awk '/^ok / {p++} /^not ok / {f++} END {print p+0, f+0}' build/build-modes-test.tap)
[ "$bp" = 0 ] && bf=$((bf + 1))
hp=$((hp + bp))
hf=$((hf + bf))
echo "host: $hp passed, $hf failed, $hs skipped"

# One kernel's VM test sets: "LABEL: N passed, M failed, K skipped" into
# $results; a run that ends without its count line counts as one failure.
results=build/check-results.txt
: > "$results"
vm_kernel() {
	local label=$1 log=$2 p f k status
	shift 2
	tools/vm/msocket-vm "$@" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	read -r p f k < <(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1 |
		sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')
	p=${p:-0}
	f=${f:-1}
	k=${k:-0}
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	echo "$label: $p passed, $f failed, $k skipped" >> "$results"
}

# The kernels: the reference kernel (every set), and the distributions' own
# (tools/scripts/stock-kernel.sh; their default sets). MSOCKET_KERNELS picks.
kernels=${MSOCKET_KERNELS:-reference $(tools/scripts/stock-kernel.sh list)}
for kernel in $kernels; do
	[ "$kernel" = dkms ] && continue	# below
	if [ "$kernel" = reference ]; then
		echo "==> check: VM test sets on the reference kernel"
		kdir=$(tools/scripts/kernel.sh "$PWD/tools/kernel/msocket.config" 2>/dev/null)
		vm_kernel "reference kernel ($(cat "$kdir/include/config/kernel.release"))" \
			build/vm-test.log test "$@"
		continue
	fi
	release=$(tools/scripts/stock-kernel.sh release "$kernel")
	echo "==> check: $kernel ($release): build msocket.ko as its users would, then its VM test sets"
	start=$SECONDS
	if ! tools/scripts/stock-kernel.sh build "$kernel" > "build/build-$kernel.log" 2>&1; then
		tail -n 30 "build/build-$kernel.log"
		echo "$kernel ($release): 0 passed, 1 failed, 0 skipped (msocket.ko did not build; build/build-$kernel.log)" >> "$results"
		continue
	fi
	grep -E '^==> (module|stock)' "build/build-$kernel.log"
	echo "==> check: $kernel: msocket.ko built in $((SECONDS - start)) s"
	vm_kernel "$kernel ($release)" "build/vm-test-$kernel.log" --kernel "$kernel" test
done

# DKMS, as users install out-of-tree modules: dkms install against a stock
# kernel, in its Debian release (a host-side test).
if [ -z "${MSOCKET_KERNELS:-}" ] || [[ " $MSOCKET_KERNELS " == *" dkms "* ]]; then
	echo "==> check: DKMS (dkms install for debian-7.3 in its Debian 13 chroot)"
	tools/scripts/dkms-test.sh debian-7.3 > build/dkms-test.tap 2>build/dkms-test.log
	cat build/dkms-test.tap
	read -r dp df < <(awk '/^ok / {p++} /^not ok / {f++} END {print p+0, f+0}' build/dkms-test.tap)
	if [ "$dp" = 0 ] && [ "$df" = 0 ]; then
		df=1	# it did not get to run its checks
		tail -n 20 build/dkms-test.log
	fi
	hp=$((hp + dp))
	hf=$((hf + df))
	echo "dkms: $dp passed, $df failed, 0 skipped"
fi

echo "==> check: results"
echo "host: $hp passed, $hf failed, $hs skipped"
cat "$results"
read -r vp vf vs < <(awk -F': ' '{ split($NF, a, /[ ,]+/); p += a[1]; f += a[3]; k += a[5] }
	END { print p+0, f+0, k+0 }' "$results")
echo "$((hp + vp)) passed, $((hf + vf)) failed, $((hs + vs)) skipped"
[ $((hf + vf)) = 0 ]
