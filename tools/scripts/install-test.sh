#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install / make uninstall, tested on the host (make check runs this):
# install into a temporary DESTDIR, with the default PREFIX and another one;
# compare the file list; build samples/c/two-stacks.c with
# `pkg-config --cflags --libs msocket` against the staged tree (shared and
# static) and run it there; pip-install the Python package into a venv; then
# uninstall and check that no file is left. Needs the userspace build
# (make userspace). Last line: "install: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
build=$repo/build
log=$build/install-test.log
stage=$(mktemp -d /tmp/msocket-install.XXXX)
trap 'rm -rf "$stage"' EXIT
: > "$log"

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAILED: $1${2:+: $2}"; echo "FAILED: $1" >> "$log"; }
# check NAME CMD...: ok if CMD succeeds (output in the log)
check() {
	local name=$1
	shift
	echo "--- $name: $*" >> "$log"
	if "$@" >> "$log" 2>&1; then ok "$name"; else bad "$name" "see $log"; fi
}
# files ROOT: every file and symbolic link under ROOT, relative, sorted
files() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort); }

# What an install must lay out under PREFIX: fixed, plus the completions
# of every shell mstack knows.
expected() {
	local p=${1#/} sh
	printf '%s\n' "$p/bin/mstack" \
		"$p/include/msocket.h" "$p/include/linux/msocket.h" \
		"$p/lib/libmsocket.so.0.1.0" "$p/lib/libmsocket.so.0" "$p/lib/libmsocket.so" \
		"$p/lib/libmsocket.a" "$p/lib/libmsocket-preload.so" "$p/lib/pkgconfig/msocket.pc" \
		"$p/share/man/man3/msocket.3" "$p/share/man/man3/msocketat.3" \
		"$p/share/man/man3/msocket_handle.3" "$p/share/man/man3/msocket_handleat.3" \
		"$p/share/man/man8/mstack.8"
	for sh in bash zsh fish; do
		"$build/bin/mstack" completions $sh > /dev/null 2>&1 || continue
		case $sh in
		bash) echo "$p/share/bash-completion/completions/mstack" ;;
		zsh) echo "$p/share/zsh/site-functions/_mstack" ;;
		fish) echo "$p/share/fish/vendor_completions.d/mstack.fish" ;;
		esac
	done
}

same_list() {
	local want=$1 root=$2
	if diff -u <(sort "$want") <(files "$root") >> "$log"; then return 0; fi
	return 1
}

# --- the default PREFIX (/usr/local) ---
d=$stage/default
check "install_default_prefix" make -s --no-print-directory install DESTDIR="$d"
expected /usr/local > "$stage/want"
check "file_list_default_prefix" same_list "$stage/want" "$d"
lib=$d/usr/local/lib
check "soname_links" test "$(readlink "$lib/libmsocket.so.0")" = libmsocket.so.0.1.0 -a \
	"$(readlink "$lib/libmsocket.so")" = libmsocket.so.0
check "library_soname" sh -c "readelf -d '$lib/libmsocket.so.0.1.0' | grep -q 'SONAME.*\[libmsocket.so.0\]'"
check "library_exports" sh -c "nm -D --defined-only '$lib/libmsocket.so.0.1.0' | awk '{print \$3}' | sort | tr '\n' ' ' | grep -qx 'msocket msocket_handle msocket_handleat msocketat '"
check "man_page_links" grep -qx '.so man3/msocket.3' "$d/usr/local/share/man/man3/msocket_handle.3"
check "bash_completion_parses" bash -n "$d/usr/local/share/bash-completion/completions/mstack"

# pkg-config against the staged tree, as a cross or package build uses it
pc() {
	PKG_CONFIG_SYSROOT_DIR=$d PKG_CONFIG_LIBDIR=$lib/pkgconfig pkg-config "$@" msocket
}
flags=$(pc --cflags --libs 2>> "$log")
echo "pkg-config --cflags --libs msocket: $flags" >> "$log"
check "pkg_config_flags" test "$(echo $flags)" = "-I$d/usr/local/include -L$lib -lmsocket"
check "pkg_config_version" test "$(pc --modversion)" = 0.1.0
# shellcheck disable=SC2086 # the flags are words
check "build_sample_shared" cc -Wall -Werror -o "$stage/two-stacks" "$repo/samples/c/two-stacks.c" $flags
check "sample_links_libmsocket" sh -c "readelf -d '$stage/two-stacks' | grep -q 'NEEDED.*\[libmsocket.so.0\]'"
# No stacks here: the installed library answers that / is not a stack.
out=$(LD_LIBRARY_PATH=$lib "$stage/two-stacks" / / 2>&1)
echo "two-stacks / /: $out" >> "$log"
if [[ "$out" == "msocket(/): Operation not supported" ]]; then ok "sample_runs_on_installed_library"
else bad "sample_runs_on_installed_library" "$out"; fi
# shellcheck disable=SC2046
check "build_sample_static" cc -Wall -Werror -o "$stage/two-stacks-static" "$repo/samples/c/two-stacks.c" \
	$(pc --cflags) "$lib/libmsocket.a"
check "static_sample_needs_no_libmsocket" sh -c "! readelf -d '$stage/two-stacks-static' | grep -q libmsocket"
# both headers, the UAPI one through <msocket.h>'s include path
printf '#include <msocket.h>\n#include <linux/msocket.h>\nint main(void) { return msocket_handleat(0, "", 0) + MSOCK_IOC_GET_HANDLE; }\n' \
	> "$stage/headers.c"
# shellcheck disable=SC2086
check "headers_compile" cc -Wall -Werror -o "$stage/headers" "$stage/headers.c" $flags

check "uninstall_default_prefix" make -s --no-print-directory uninstall DESTDIR="$d"
left=$(files "$d")
if [ -z "$left" ]; then ok "nothing_left_default_prefix"
else bad "nothing_left_default_prefix" "$(echo $left)"; fi

# --- another PREFIX: every path and the pkg-config file follow it ---
d=$stage/opt
check "install_prefix_opt" make -s --no-print-directory install DESTDIR="$d" PREFIX=/opt/msocket
expected /opt/msocket > "$stage/want"
check "file_list_prefix_opt" same_list "$stage/want" "$d"
check "pkg_config_prefix_opt" grep -qx 'prefix=/opt/msocket' "$d/opt/msocket/lib/pkgconfig/msocket.pc"
check "uninstall_prefix_opt" make -s --no-print-directory uninstall DESTDIR="$d" PREFIX=/opt/msocket
left=$(files "$d")
if [ -z "$left" ]; then ok "nothing_left_prefix_opt"
else bad "nothing_left_prefix_opt" "$(echo $left)"; fi

# --- the Python package: pip install tools/python (a copy: a build writes
#     its metadata beside the sources) into a venv, offline, with Debian's
#     setuptools and wheel as the build backend ---
py=/usr/bin/python3
cp -r "$repo/tools/python" "$stage/python-src"
check "python_venv" "$py" -m venv --system-site-packages "$stage/venv"
check "pip_install_python_package" "$stage/venv/bin/python" -m pip install -q --no-index \
	--no-build-isolation --no-deps "$stage/python-src"
check "python_package_installed" "$stage/venv/bin/python" -c "
import importlib.resources, importlib.metadata, msocket
assert msocket.__file__.startswith('$stage/venv/'), msocket.__file__
assert (importlib.resources.files('msocket') / 'py.typed').is_file()
assert importlib.metadata.version('msocket') == msocket.__version__
assert msocket.is_stack('/') is False"

echo "install: $passed passed, $failed failed"
[ "$failed" = 0 ]
