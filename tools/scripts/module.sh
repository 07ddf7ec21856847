#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build msocket.ko for the kernel whose headers or build tree is KDIR, in the
# mode that fits it (Documentation/admin-guide/msocket-kernels.rst):
#
#   kernel Rust     KDIR has CONFIG_RUST=y and its Rust metadata
#                   (rust/libkernel.rmeta: a kernel build tree, Ubuntu's
#                   linux-lib-rust-RELEASE, Arch's headers): an ordinary
#                   Kbuild external module, with exactly the rustc the kernel
#                   was built with (CONFIG_RUSTC_VERSION_TEXT)
#   self-contained  otherwise (no Rust, e.g. Debian 6.12; or Rust without
#                   metadata, e.g. Debian 7.3): the target's own Rust support
#                   is built privately from its source
#                   (tools/scripts/rust-runtime.sh), msocket's Rust is linked
#                   with it into one object, and the module is finished by
#                   the target's Kbuild and modpost
#
#   tools/scripts/module.sh KDIR [OUTDIR]
#
# OUTDIR (default: the repository) receives msocket.ko; another directory
# gets a tree of links to the sources, so modules for several kernels can be
# built side by side. Environment: RUSTC, BINDGEN, MSOCKET_CACHE, JOBS,
# MSOCKET_MODE (force kernel-rust or self-contained).

set -euo pipefail

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 KDIR [OUTDIR]" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPTS=$REPO/tools/scripts
[ -d "$1" ] || { echo "module: error: no kernel tree at $1 (KDIR)" >&2; exit 1; }
KDIR=$(cd "$1" && pwd)
OUT=${2:-$REPO}
say() { printf '==> module: %s\n' "$*" >&2; }
die() { printf 'module: error: %s\n' "$*" >&2; exit 1; }

conf=$KDIR/include/config/auto.conf
[ -f "$conf" ] || die "$KDIR is not a configured kernel tree (no include/config/auto.conf); Debian: apt install linux-headers-\$(uname -r)"
RELEASE=$(cat "$KDIR/include/config/kernel.release")
cfg() { sed -n "s/^$1=//p" "$conf" | tr -d '"'; }
has() { grep -qE "^$1=[ym]" "$conf"; }
has CONFIG_MODULES || die "$RELEASE has no loadable modules (CONFIG_MODULES)"

# The target's C compiler: LLVM for a Clang-built kernel, its own GCC
# otherwise (Debian's headers name it themselves).
KVARS=()
if has CONFIG_CC_IS_CLANG; then
	major=$(( $(cfg CONFIG_CLANG_VERSION) / 10000 ))
	if command -v "clang-$major" >/dev/null; then KVARS+=(LLVM="-$major"); else KVARS+=(LLVM=1); fi
elif [ ! -e "$KDIR/.kernelvariables" ]; then
	cc=$(cfg CONFIG_CC_VERSION_TEXT | cut -d' ' -f1)
	command -v "$cc" >/dev/null && KVARS+=(CC="$cc")
fi

mode=${MSOCKET_MODE:-}
if [ -z "$mode" ]; then
	if has CONFIG_RUST && [ -e "$KDIR/rust/libkernel.rmeta" ]; then
		mode=kernel-rust
	else
		mode=self-contained
		if has CONFIG_RUST; then
			say "$RELEASE has Rust but no Rust metadata in $KDIR/rust (Ubuntu ships it as linux-lib-rust-$RELEASE): building self-contained"
		else
			say "$RELEASE is built without Rust: building self-contained"
		fi
	fi
fi

# A separate output directory: links to the sources.
if [ "$OUT" != "$REPO" ]; then
	mkdir -p "$OUT/rust"
	OUT=$(cd "$OUT" && pwd)
	ln -sfn "$REPO/Kbuild" "$OUT/Kbuild"
	ln -sfn "$REPO/include" "$OUT/include"
	for f in "$REPO"/rust/*.rs "$REPO"/rust/*.[ch]; do
		case "$f" in */msocket_helpers.c) continue ;; esac
		ln -sfn "$f" "$OUT/rust/"
	done
	# Links to sources that are gone (renamed, removed).
	find "$OUT/rust" -xtype l -delete
fi

case "$mode" in
kernel-rust)
	want=$(cfg CONFIG_RUSTC_VERSION_TEXT)
	series=$(echo "$want" | sed -n 's/^rustc \([0-9]*\.[0-9]*\)\..*/\1/p')
	if [ -z "${RUSTC:-}" ] && [ -n "$series" ] && command -v "rustc-$series" >/dev/null; then
		RUSTC=rustc-$series	# Ubuntu's versioned compilers
	fi
	RUSTC=${RUSTC:-rustc}
	have=$("$RUSTC" --version 2>/dev/null || echo "no $RUSTC")
	if [ "$have" != "$want" ]; then
		die "$RELEASE was built with '$want'; its Rust metadata can only be used by that exact compiler, and $RUSTC is '$have'. Install it (rustup: rustup toolchain install $(echo "$want" | cut -d' ' -f2); Ubuntu: apt install rustc-$series) and run make RUSTC=..., or build self-contained: make MSOCKET_MODE=self-contained"
	fi
	say "kernel-Rust build for $RELEASE ($KDIR) with $have in $OUT"
	make -C "$KDIR" M="$OUT" "${KVARS[@]}" RUSTC="$RUSTC" MSOCKET_MODE=kernel-rust modules
	;;
self-contained)
	# The private runtime's own make variables (its compiler and Rust
	# toolchain) keep it unchanged when msocket is built against it.
	RT=$("$SCRIPTS/rust-runtime.sh" "$KDIR")
	mapfile -t RTVARS < "$RT/../make-vars"
	say "self-contained build for $RELEASE, step 1/2: msocket's Rust with the private runtime ($RT)"
	make -C "$RT" M="$OUT" "${RTVARS[@]}" MSOCKET_MODE=rust-object MSOCKET_SCRIPTS="$SCRIPTS" \
		rust/msocket_rust.o
	say "self-contained build for $RELEASE, step 2/2: the module, with the target's Kbuild ($KDIR)"
	make -C "$KDIR" M="$OUT" "${KVARS[@]}" MSOCKET_MODE=self-contained modules
	ko=$OUT/msocket.ko
	# The finished module must need nothing of Rust from the running kernel.
	rust_imports=$(nm -u "$ko" | awk '{print $2}' | grep -E '^(_R|__rust|rust_)' || true)
	[ -z "$rust_imports" ] || die "$ko imports Rust symbols: $rust_imports"
	! grep -q '%pA' "$ko" || die "$ko still prints through %pA"
	;;
*)
	die "MSOCKET_MODE must be kernel-rust or self-contained, not '$mode'"
	;;
esac
say "built $OUT/msocket.ko ($mode) for $(modinfo -F vermagic "$OUT/msocket.ko")"
