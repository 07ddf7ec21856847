#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the msocket reference kernel: Debian's linux-source-7.2,
# tinyconfig + the config fragments given, LLVM=-19. The build lives outside
# the repository, keyed by kernel version, fragment contents and toolchain, so
# a rerun with the same inputs reuses it. Prints the build directory on stdout.
#
#   tools/scripts/kernel.sh tools/kernel/msocket.config [more.config ...]
#
# Environment: MSOCKET_CACHE (default ~/.cache/msocket), JOBS (default nproc).
#
# The cache is safe to share: a finished build is marked by .msocket-built,
# written last, and never changed afterwards, so readers (test runs) need no
# lock. Extracting and building take $CACHE/kernel.lock (flock) exclusively:
# a second build waits instead of writing into the same tree, and re-checks
# the stamp once it has the lock. A build that was interrupted (killed,
# machine reset) leaves .msocket-building without .msocket-built: the next
# run says so and configures and builds that tree again (kbuild writes an
# object's .cmd file only after the object is complete, so a truncated
# object is rebuilt, not reused).

set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 FRAGMENT.config..." >&2; exit 2; }

CACHE="${MSOCKET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/msocket}"
JOBS="${JOBS:-$(nproc)}"
LLVM_SUFFIX=-19
say() { printf '==> kernel: %s\n' "$*" >&2; }
die() { printf 'kernel: error: %s\n' "$*" >&2; exit 1; }

# The lock: held from here to the end of the script once taken.
locked=
lock() {
	[ -z "$locked" ] || return 0
	locked=1
	mkdir -p "$CACHE"
	exec 9>>"$CACHE/kernel.lock"
	if ! flock -n 9; then
		say "another kernel build holds $CACHE/kernel.lock; waiting for it"
		flock 9
	fi
}

TARBALL=$(ls /usr/src/linux-source-7.2.tar.* 2>/dev/null | head -n1) ||
	true
[ -n "$TARBALL" ] || die "no /usr/src/linux-source-7.2.tar.*; run tools/scripts/setup.sh"

# The kernel version is part of the key: read it from the tarball's Makefile
# once per tarball (keyed by the tarball's size and mtime).
tar_id=$(stat -c '%s-%Y' "$TARBALL")
SRC="$CACHE/src/linux-source-7.2-$tar_id"
if [ ! -e "$SRC/.msocket-extracted" ]; then
	lock
fi
if [ ! -e "$SRC/.msocket-extracted" ]; then
	say "extracting $TARBALL into $SRC"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	tar -xaf "$TARBALL" -C "$SRC" --strip-components=1
	touch "$SRC/.msocket-extracted"
fi
KVER=$(make -s -C "$SRC" kernelversion 2>/dev/null)

key=$( { echo "$KVER"; cat "$@"; clang-19 --version | head -n1;
	 rustc --version; bindgen --version; } | sha256sum | cut -c1-12)
BUILD="$CACHE/build/linux-$KVER-$key"
LOG="$BUILD.log"

if [ -e "$BUILD/.msocket-built" ]; then
	say "reusing cached kernel $KVER ($BUILD)"
	echo "$BUILD"
	exit 0
fi

lock
if [ -e "$BUILD/.msocket-built" ]; then
	say "reusing cached kernel $KVER ($BUILD), built while we waited"
	echo "$BUILD"
	exit 0
fi
if [ -e "$BUILD/.msocket-building" ]; then
	say "an earlier build of $BUILD was interrupted; building it again"
fi
mkdir -p "$BUILD"
touch "$BUILD/.msocket-building"
: > "$LOG"
say "building Linux $KVER with $* (key $key)"
say "full build log: $LOG"

run() {
	if ! "$@" >>"$LOG" 2>&1; then
		tail -n 40 "$LOG" >&2
		die "'$*' failed; the full log is $LOG"
	fi
}

K="make -C $SRC O=$BUILD LLVM=$LLVM_SUFFIX"
say "step 1/4: configure (tinyconfig + fragments)"
run $K tinyconfig
run "$SRC/scripts/kconfig/merge_config.sh" -m -O "$BUILD" "$BUILD/.config" "$@"
run $K olddefconfig

# Every option a fragment asks for must survive olddefconfig: a silently
# dropped option means a broken dependency and a kernel that is not what the
# fragment says.
lost=
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$BUILD/.config" || lost="$lost $line" ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=" "$BUILD/.config" && lost="$lost $opt=n" ;;
	esac
done < <(cat "$@")
[ -z "$lost" ] || die "options dropped by olddefconfig (fix the fragment):$lost"

run $K rustavailable

say "step 2/4: compile bzImage and modules with -j$JOBS (about 11 min cold on 2 cores)"
start=$(date +%s)
$K -j"$JOBS" bzImage modules >>"$LOG" 2>&1 &
pid=$!
# If this script is stopped, stop the build too (it holds the lock).
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
trap 'exit 130' INT TERM
while kill -0 $pid 2>/dev/null; do
	sleep 30
	kill -0 $pid 2>/dev/null || break
	n=$(grep -cE '^ +(CC|RUSTC|AS|LD|AR)' "$LOG" || true)
	# (|| true: before the first compile there is no such line yet)
	last=$(grep -E '^ +(CC|RUSTC|LD)' "$LOG" | tail -n1 | sed 's/^ *//' || true)
	say "  $(( $(date +%s) - start ))s, $n objects, last: $last"
done
if ! wait $pid; then
	grep -E 'error|Error' "$LOG" | tail -n 20 >&2 || true
	die "kernel build failed; the full log is $LOG"
fi
trap - EXIT

say "step 3/4: UAPI headers for userspace and selftests"
run $K headers

say "step 4/4: done in $(( $(date +%s) - start ))s"
touch "$BUILD/.msocket-built"
rm -f "$BUILD/.msocket-building"
echo "$BUILD"
