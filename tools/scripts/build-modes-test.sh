#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of the build-mode machinery (tools/scripts/module.sh,
# rust-runtime.sh, rust-helpers.awk, rust-print.sed) on made-up kernel trees:
# what a self-contained build refuses and says, the kernel-Rust compiler
# check, the reduction of the C helpers, the print patch. TAP on stdout.
# (The builds themselves are tested by make check on real kernels.)

set -uo pipefail
S=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
fail() { n=$((n + 1)); echo "not ok $n $1"; }

# fake_kdir DIR OPTION...: a configured tree with these options set.
fake_kdir() {
	local d=$1
	shift
	mkdir -p "$d/include/config"
	printf '%s\n' CONFIG_MODULES=y CONFIG_X86_64=y CONFIG_CC_IS_GCC=y \
		'CONFIG_CC_VERSION_TEXT="gcc (Debian 12.2.0-14+deb12u1) 12.2.0"' "$@" \
		> "$d/include/config/auto.conf"
	cp "$d/include/config/auto.conf" "$d/.config"
	echo 9.9.9-test > "$d/include/config/kernel.release"
	: > "$d/Module.symvers"
}

# cc_text DIR TEXT: the compiler DIR says it was built with.
cc_text() {
	sed -i "s|^CONFIG_CC_VERSION_TEXT=.*|CONFIG_CC_VERSION_TEXT=\"$2\"|" "$1/include/config/auto.conf"
}

# refuses NAME PATTERN CMD...: CMD fails and its message matches PATTERN.
refuses() {
	local name=$1 pattern=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		fail "$name (it succeeded)"
	elif grep -qE "$pattern" <<<"$out"; then
		ok "$name"
	else
		fail "$name (said: $out)"
		return
	fi
}

echo "TAP version 13"
export MSOCKET_CACHE=$T/cache
for opt in CFI_CLANG GCC_PLUGINS RANDSTRUCT KASAN KCSAN KMSAN GCOV_KERNEL LTO_CLANG; do
	fake_kdir "$T/$opt" "CONFIG_$opt=y"
	refuses "self_contained_refuses_$opt" "CONFIG_$opt|LTO" "$S/rust-runtime.sh" "$T/$opt"
done
fake_kdir "$T/arm" && sed -i 's/CONFIG_X86_64=y/CONFIG_ARM64=y/' "$T/arm/include/config/auto.conf"
refuses self_contained_refuses_other_architectures "x86_64 targets only" "$S/rust-runtime.sh" "$T/arm"
fake_kdir "$T/nocc"
cc_text "$T/nocc" "gcc-nosuch (Test) 1.0"
refuses self_contained_names_the_compiler "built with 'gcc-nosuch.*is not installed" \
	"$S/rust-runtime.sh" "$T/nocc"
fake_kdir "$T/nosrc"
cc_text "$T/nosrc" "$(gcc --version | head -n1)"
echo 1.2.3-test > "$T/nosrc/include/config/kernel.release"
refuses self_contained_needs_the_source "install Debian's linux-source-1.2 package" \
	env -u KSRC "$S/rust-runtime.sh" "$T/nosrc"

# Kernel Rust: metadata present, another compiler in PATH.
fake_kdir "$T/krust" CONFIG_RUST=y 'CONFIG_RUSTC_VERSION_TEXT="rustc 1.0.0 (000000000 2015-05-15)"'
mkdir -p "$T/krust/rust" && : > "$T/krust/rust/libkernel.rmeta"
refuses kernel_rust_names_the_compiler "built with 'rustc 1.0.0.*rustup toolchain install 1.0.0" \
	"$S/module.sh" "$T/krust" "$T/out"
fake_kdir "$T/nomod" && sed -i '/CONFIG_MODULES/d' "$T/nomod/include/config/auto.conf"
refuses modules_needed "CONFIG_MODULES" "$S/module.sh" "$T/nomod" "$T/out"
refuses headers_needed "not a configured kernel tree.*linux-headers" "$S/module.sh" "$T" "$T/out"

# The C helpers: only the called ones, with their includes, no exports.
mkdir -p "$T/helpers"
cat > "$T/helpers/helpers.c" <<'EOF'
// SPDX-License-Identifier: GPL-2.0
/* a comment */
#include "a.c"
#ifdef CONFIG_B
#include "b.c"
#endif
EOF
cat > "$T/helpers/a.c" <<'EOF'
#include <linux/a.h>

void rust_helper_used(void)
{
	used();
}
EXPORT_SYMBOL_GPL(rust_helper_used);

int __must_check
rust_helper_unused(int x)
{
	return x;
}
EOF
cat > "$T/helpers/b.c" <<'EOF'
#include <linux/b.h>
static inline int local(void) { return 1; }
int rust_helper_also(void)
{
	return local();
}
EOF
out=$(awk -v need="rust_helper_used rust_helper_also" -f "$S/rust-helpers.awk" "$T/helpers/helpers.c")
if grep -q 'rust_helper_used(void)' <<<"$out" && grep -q 'rust_helper_also' <<<"$out" &&
   ! grep -q rust_helper_unused <<<"$out" && ! grep -q EXPORT_SYMBOL <<<"$out" &&
   grep -q '#include <linux/a.h>' <<<"$out" && grep -q '#ifdef CONFIG_B' <<<"$out" &&
   grep -q 'static inline int local' <<<"$out"; then
	ok helpers_reduced_to_the_called_ones
else
	fail "helpers_reduced_to_the_called_ones: $out"
fi
refuses helpers_missing_one_is_an_error "rust_helper_nosuch is not defined" \
	awk -v need="rust_helper_nosuch" -f "$S/rust-helpers.awk" "$T/helpers/helpers.c"

# The print patch: both forms of the kernel crate's _printk calls.
cat > "$T/print.rs" <<'EOF'
        let suffix: &[u8; LENGTH - LENGTH_PREFIX] = if is_cont {
            b"%pA\0\0\0\0\0"
        } else {
            b"%s: %pA\0"
        };
            &args as *const _ as *const c_void,
            core::ptr::from_ref(&args).cast::<c_void>(),
EOF
sed -f "$S/rust-print.sed" "$T/print.rs" > "$T/print.out"
if ! grep -q 'b"[^"]*%pA' "$T/print.out" && [ "$(grep -c 'msocket_format(&mut \[0u8; 1024\], args)' "$T/print.out")" = 2 ] &&
   grep -q 'b"%s\\0\\0\\0\\0\\0\\0"' "$T/print.out" && grep -q 'pub fn msocket_format' "$T/print.out"; then
	ok print_patch_replaces_pA
else
	fail "print_patch_replaces_pA: $(cat "$T/print.out")"
fi
echo "1..$n"
