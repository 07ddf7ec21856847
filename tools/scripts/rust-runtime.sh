#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The private Rust runtime of a self-contained msocket build: the target
# kernel's own Rust support (core, compiler_builtins, ffi, bindings, uapi,
# kernel, the macros), built from the target's matching source with the
# target's .config, for a kernel that was built without Rust (Debian 6.12) or
# whose headers lack the Rust metadata (Debian 7.3). Nothing of it is
# installed or loaded: msocket's crate is linked against it into one object
# (see Kbuild), and the finished module imports only exported C symbols.
# Prints the private build directory.
#
#   tools/scripts/rust-runtime.sh KDIR
#
# KDIR is the target's configured headers or build tree (Debian:
# /usr/src/linux-headers-RELEASE). The source is, in order: $KSRC (a tree or
# a tarball), KDIR/source (a kernel build tree), or Debian's linux-source
# tarball in /usr/src (the linux-source-X.Y package); its version, and for
# Debian packages its package version, must match the headers.
#
# Refused, with the reason: targets other than x86_64, Clang CFI, GCC plugins
# (incl. RANDSTRUCT), KASAN/KCSAN/KMSAN, GCOV, LTO; a source whose version or
# configuration does not match the headers.
#
# Environment: MSOCKET_CACHE (default ~/.cache/msocket), KSRC, RUSTC, BINDGEN,
# JOBS. The tree is $CACHE/runtime/RELEASE-KEY, keyed by the source, the
# target .config, rustc, bindgen, the print patch and FORMAT below; a finished tree is marked by
# .msocket-built and never changed afterwards. Building takes a lock
# ($CACHE/runtime/RELEASE-KEY.lock); an interrupted build is detected
# (.msocket-building without .msocket-built) and redone from scratch.

set -euo pipefail

[ $# = 1 ] || { echo "usage: $0 KDIR" >&2; exit 2; }
KDIR=$(cd "$1" && pwd)
CACHE="${MSOCKET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/msocket}"
JOBS="${JOBS:-$(nproc)}"
RUSTC="${RUSTC:-rustc}"
BINDGEN="${BINDGEN:-bindgen}"
HERE=$(cd "$(dirname "$0")" && pwd)
say() { printf '==> rust-runtime: %s\n' "$*" >&2; }
die() { printf 'rust-runtime: error: %s\n' "$*" >&2; exit 1; }

conf="$KDIR/include/config/auto.conf"
[ -f "$conf" ] || die "$KDIR is not a configured kernel tree (no include/config/auto.conf)"
[ -f "$KDIR/.config" ] || die "no $KDIR/.config"
[ -f "$KDIR/Module.symvers" ] || die "no $KDIR/Module.symvers: the target's exported symbols are needed"
RELEASE=$(cat "$KDIR/include/config/kernel.release")
cfg() { sed -n "s/^$1=//p" "$conf" | tr -d '"'; }
has() { grep -qE "^$1=[ym]" "$conf"; }

# --- what cannot work -------------------------------------------------------
has CONFIG_X86_64 || die "$RELEASE: the self-contained build supports x86_64 targets only"
has CONFIG_CFI_CLANG && die "$RELEASE has Clang CFI (CONFIG_CFI_CLANG): the private Rust code would need the kernel's CFI type hashes; build it with the kernel's own Rust support instead"
has CONFIG_CFI && die "$RELEASE has CFI (CONFIG_CFI): see CONFIG_CFI_CLANG"
has CONFIG_GCC_PLUGINS && die "$RELEASE uses GCC plugins (CONFIG_GCC_PLUGINS): Rust code cannot follow their instrumentation (e.g. RANDSTRUCT's structure layouts)"
has CONFIG_RANDSTRUCT && die "$RELEASE randomizes structure layouts (CONFIG_RANDSTRUCT): Rust bindings cannot follow them"
for opt in KASAN KCSAN KMSAN GCOV_KERNEL; do
	has CONFIG_$opt && die "$RELEASE has CONFIG_$opt: the private Rust code would not be instrumented alike"
done
if has CONFIG_LTO_CLANG || has CONFIG_LTO_GCC; then
	die "$RELEASE is built with LTO: not supported by the self-contained build"
fi

# --- the target's compiler --------------------------------------------------
MAKEVARS=()
cc_text=$(cfg CONFIG_CC_VERSION_TEXT)
if has CONFIG_CC_IS_GCC; then
	cc=${cc_text%% *}
	command -v "$cc" >/dev/null || die "$RELEASE was built with '$cc_text'; '$cc' is not installed (Debian: the linux-compiler-gcc-* package the headers depend on)"
	[ "$("$cc" --version | head -n1)" = "$cc_text" ] ||
		die "$RELEASE was built with '$cc_text', but '$cc' is '$("$cc" --version | head -n1)'"
	MAKEVARS+=(CC="$cc")
	if [[ "$cc" =~ ^(.*-)gcc(-[0-9]+)?$ ]]; then
		MAKEVARS+=(CROSS_COMPILE="${BASH_REMATCH[1]}")
	fi
elif has CONFIG_CC_IS_CLANG; then
	major=$(( $(cfg CONFIG_CLANG_VERSION) / 10000 ))
	if command -v "clang-$major" >/dev/null; then
		MAKEVARS+=(LLVM="-$major")
	else
		MAKEVARS+=(LLVM=1)
	fi
else
	die "$RELEASE: unknown C compiler ($cc_text)"
fi
command -v "$RUSTC" >/dev/null || die "rustc not found (RUSTC=$RUSTC): install Rust (rustup, or Debian's rustc and rust-src)"
command -v "$BINDGEN" >/dev/null || die "bindgen not found (BINDGEN=$BINDGEN): cargo install bindgen-cli, or Debian's bindgen"
MAKEVARS+=(RUSTC="$RUSTC" BINDGEN="$BINDGEN")

# --- the matching source ----------------------------------------------------
version=${RELEASE%%[-+]*}			# 6.12.117
series=$(echo "$version" | cut -d. -f1,2)	# 6.12
src_from=${KSRC:-}
if [ -z "$src_from" ] && [ -L "$KDIR/source" ]; then
	src_from=$(readlink -f "$KDIR/source")
fi
if [ -z "$src_from" ]; then
	src_from=$(ls /usr/src/linux-source-"$series".tar.* 2>/dev/null | head -n1 || true)
	[ -n "$src_from" ] || die "no source for $RELEASE: install Debian's linux-source-$series package (/usr/src/linux-source-$series.tar.xz), or set KSRC to the matching source tree or tarball"
fi
[ -e "$src_from" ] || die "KSRC=$src_from does not exist"
# Debian: the source and the headers packages must be of the same version.
if command -v dpkg-query >/dev/null; then
	pkg_version() {
		local owner
		owner=$(dpkg-query -S "$1" 2>/dev/null | head -n1 | cut -d: -f1) || return 0
		[ -n "$owner" ] && dpkg-query -W -f='${Version}' "$owner" 2>/dev/null || true
	}
	sv=$(pkg_version "$src_from")
	hv=$(pkg_version "$(readlink -f "$KDIR/.config")")
	if [ -n "$sv" ] && [ -n "$hv" ] && [ "$sv" != "$hv" ]; then
		die "$src_from is from a package of version $sv, the headers $KDIR of version $hv: install the matching linux-source package"
	fi
fi

if [ -f "$src_from" ]; then
	src_id="tarball $(readlink -f "$src_from") $(stat -c '%s-%Y' "$src_from")"
else
	src_id="tree $(readlink -f "$src_from")"
fi
# FORMAT: bump it when the way the tree is built changes.
FORMAT=1
key=$( { echo "$FORMAT $src_id"; cat "$KDIR/.config"; "$RUSTC" -vV; "$BINDGEN" --version;
	 printf '%s\n' "${MAKEVARS[@]}"; cat "$HERE/rust-print.sed"; } | sha256sum | cut -c1-12)
R="$CACHE/runtime/$RELEASE-$key"
SRC="$R/src"
OBJ="$R/build"
LOG="$R.log"

if [ -e "$R/.msocket-built" ]; then
	say "reusing the private Rust runtime for $RELEASE ($R)"
	echo "$OBJ"
	exit 0
fi
mkdir -p "$CACHE/runtime"
exec 9>>"$R.lock"
if ! flock -n 9; then
	say "another build holds $R.lock; waiting for it"
	flock 9
fi
if [ -e "$R/.msocket-built" ]; then
	say "reusing the private Rust runtime for $RELEASE ($R), built while we waited"
	echo "$OBJ"
	exit 0
fi
[ -e "$R/.msocket-building" ] && say "an earlier build of $R was interrupted; starting again"
rm -rf "$R"
mkdir -p "$SRC" "$OBJ"
touch "$R/.msocket-building"
: > "$LOG"
start=$SECONDS
say "building the private Rust runtime for $RELEASE in $R (about 2-3 min; log: $LOG)"

run() {
	if ! "$@" >>"$LOG" 2>&1; then
		tail -n 30 "$LOG" >&2
		die "'$*' failed; the full log is $LOG"
	fi
}

say "step 1/4: source from $src_from"
if [ -f "$src_from" ]; then
	run tar -xaf "$src_from" -C "$SRC" --strip-components=1
else
	run cp -a "$src_from/." "$SRC/"
	run make -C "$SRC" mrproper
fi
srcver=$(make -s -C "$SRC" kernelversion)
[ "$srcver" = "$version" ] || die "$src_from is Linux $srcver, the headers are $RELEASE ($version)"
# The kernel crate prints through %pA, which only a Rust-enabled kernel's
# vsprintf understands (and only for the fmt::Arguments of the compiler that
# built it): format into a buffer and print it with %s instead.
sed -i -f "$HERE/rust-print.sed" "$SRC/rust/kernel/print.rs"
if grep -q 'b"[^"]*%pA' "$SRC/rust/kernel/print.rs" || ! grep -q msocket_format "$SRC/rust/kernel/print.rs"; then
	die "rust/kernel/print.rs of Linux $srcver does not have the expected %pA calls (tools/scripts/rust-print.sed)"
fi

say "step 2/4: configure with the target's .config and Rust"
K=(make -C "$SRC" O="$OBJ" "${MAKEVARS[@]}")
cp "$KDIR/.config" "$OBJ/.config"
# Rust needs MODVERSIONS off on kernels before gendwarfksyms (6.12); the
# module itself is linked against the target, with the target's CRCs.
run "$SRC/scripts/config" --file "$OBJ/.config" -e RUST -d MODVERSIONS
run "${K[@]}" olddefconfig
grep -qx CONFIG_RUST=y "$OBJ/.config" || {
	"${K[@]}" rustavailable >>"$LOG" 2>&1 || true
	tail -n 15 "$LOG" >&2
	die "Linux $srcver does not accept this Rust toolchain ($("$RUSTC" --version), $("$BINDGEN" --version)); see $LOG"
}
# Nothing but Rust's own entries (and the symbol versions, see above) may change.
# (Options that are set are compared; a new "is not set" line is no change.)
ignore='^CONFIG_(RUST|RUSTC|BINDGEN|HAVE_RUST|HAVE_CFI_ICALL_NORMALIZE_INTEGERS_RUSTC|MODVERSIONS|ASM_MODVERSIONS|GENKSYMS|GENDWARFKSYMS|BASIC_MODVERSIONS|EXTENDED_MODVERSIONS)[A-Z0-9_]*='
if ! diff <(grep '^CONFIG_' "$KDIR/.config" | grep -vE "$ignore" | sort) \
	  <(grep '^CONFIG_' "$OBJ/.config" | grep -vE "$ignore" | sort) > "$R/config.diff"; then
	cat "$R/config.diff" >&2
	die "the private configuration differs from $KDIR/.config beyond Rust (above): the source or the tools do not match the headers"
fi

# The Rust crates are built as rlibs with LLVM bitcode, for msocket's
# link-time optimization: --emit=link writes lib<crate>.rlib beside the
# kernel's own .o/.rmeta. prepare builds them (with CONFIG_RUST it runs the
# rust/ directory), so the flags are given to it.
RUST_RLIBS="-Cembed-bitcode=y --emit=link --out-dir=rust"
say "step 3/4: prepare: host tools, generated headers, the Rust crates"
run "${K[@]}" -j"$JOBS" RUSTFLAGS_KERNEL="$RUST_RLIBS" prepare

say "step 4/4: check the Rust crates"
run "${K[@]}" -j"$JOBS" RUSTFLAGS_KERNEL="$RUST_RLIBS" rust/kernel.o rust/helpers/helpers.o
for c in core compiler_builtins ffi bindings uapi build_error kernel; do
	[ -e "$OBJ/rust/lib$c.rlib" ] || [ "$c" = ffi ] || die "rust/lib$c.rlib was not built; see $LOG"
done

# The make variables msocket's build must use against this tree.
printf '%s\n' "${MAKEVARS[@]}" > "$R/make-vars"
touch "$R/.msocket-built"
rm -f "$R/.msocket-building"
say "done in $((SECONDS - start)) s"
echo "$OBJ"
