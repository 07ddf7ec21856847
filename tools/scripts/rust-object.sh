#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Self-contained build, step 1, after rustc (called by Kbuild, rule
# msocket_lto): turns the static library that rustc's fat LTO made of msocket,
# core, kernel and the rest into the one object the module links, and writes
# the C helpers that object calls.
#
#   rust-object.sh AR LD OBJCOPY NM LIB.a OUT.o HELPERS.c OUT_HELPERS.c SYMBOL...
#
# - the members of LIB.a are linked into OUT.o (ld -r) without debug info
#   (its DWARF would be Rust's, which the target's pahole may not read);
# - every defined symbol is made local except SYMBOLs (init_module,
#   cleanup_module, the entry points msockfs.c calls), so nothing of the
#   private runtime can clash with or be seen by the running kernel (which
#   may have its own Rust runtime, built by another compiler);
# - the object's references to the kernel's Rust C helpers, rust_helper_X,
#   become msocket_rust_helper_X, and OUT_HELPERS.c defines those: the
#   kernel's helpers (from HELPERS.c, rust/helpers/helpers.c of the private
#   source) reduced to the ones called, made static, each reached through an
#   alias. The helpers are compiled with the target's C compiler as part of
#   the module (Kbuild, MSOCKET_MODE=self-contained).

set -eu
[ $# -ge 9 ] || { echo "usage: $0 AR LD OBJCOPY NM LIB.a OUT.o HELPERS.c OUT_HELPERS.c SYMBOL..." >&2; exit 2; }
AR=$1 LD=$2 OBJCOPY=$3 NM=$4 LIB=$5 OUT=$6 HELPERS=$7 OUT_HELPERS=$8
shift 8
here=$(cd "$(dirname "$0")" && pwd)

tmp="$OUT.d.tmp"
rm -rf "$tmp"
mkdir -p "$tmp/members"
lib=$(cd "$(dirname "$LIB")" && pwd)/$(basename "$LIB")
(cd "$tmp/members" && $AR x "$lib")
$LD -r -o "$tmp/linked.o" "$tmp"/members/*.o
# Without the bitcode rustc embeds for LTO (binutils would read the object as
# an LTO object through its plugin, and the bitcode is no use in a module).
$OBJCOPY --strip-debug --remove-section=.llvmbc --remove-section=.llvmcmd "$tmp/linked.o"

keep=
for s in "$@"; do
	keep="$keep --keep-global-symbol=$s"
done
helpers=$($NM -u "$tmp/linked.o" | sed -n 's/^ *U \(rust_helper_[A-Za-z0-9_]*\)$/\1/p' | sort -u)
redefine=
for h in $helpers; do
	redefine="$redefine --redefine-sym=$h=msocket_$h"
done
# shellcheck disable=SC2086 # lists of options
$OBJCOPY $keep $redefine "$tmp/linked.o" "$tmp/out.o"

awk -v need="$helpers" -f "$here/rust-helpers.awk" "$HELPERS" > "$tmp/helpers.c"
{
	# Every helper static (unused ones are dropped by the compiler); the
	# ones the Rust object calls are reached through aliases.
	# (Linux 6.12's helpers have no __rust_helper: the awk script keeps
	# only the called ones there.)
	sed -e 's/^\(#define __rust_helper\)\b.*/\1 static __always_inline __maybe_unused/' \
		"$tmp/helpers.c"
	echo
	echo "/* The helpers msocket's Rust object calls (tools/scripts/rust-object.sh). */"
	for h in $helpers; do
		printf 'extern __typeof__(%s) msocket_%s __copy(%s) __alias(%s);\n' "$h" "$h" "$h" "$h"
	done
} > "$tmp/msocket_helpers.c"

mv "$tmp/out.o" "$OUT"
mv "$tmp/msocket_helpers.c" "$OUT_HELPERS"
rm -rf "$tmp"
