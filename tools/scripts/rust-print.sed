# SPDX-License-Identifier: GPL-2.0
#
# sed script for rust/kernel/print.rs of a self-contained msocket build
# (tools/scripts/rust-runtime.sh): the kernel crate passes a fmt::Arguments to
# _printk through "%pA", which only a kernel built with Rust understands,
# and only for the compiler that built it. Format into a buffer on the stack
# and print it with "%s" instead. rust-runtime.sh checks that no %pA is left.
s/b"%pA\\0\\0\\0\\0\\0"/b"%s\\0\\0\\0\\0\\0\\0"/
s/b"%s: %pA\\0"/b"%s: %s\\0\\0"/
s/&args as \*const _ as \*const c_void/crate::print::msocket_format(\&mut [0u8; 1024], args)/
s/(&raw const args)\.cast::<c_void>()/crate::print::msocket_format(\&mut [0u8; 1024], args)/
s/\(core::\)\?ptr::from_ref(&args)\.cast::<c_void>()/crate::print::msocket_format(\&mut [0u8; 1024], args)/
$a\
\
/// Formats `args` into `buf`, truncated and NUL-terminated, for `%s` (added\
/// by msocket's self-contained build: tools/scripts/rust-print.sed).\
#[doc(hidden)]\
pub fn msocket_format(buf: &mut [u8; 1024], args: core::fmt::Arguments<'_>) -> *const u8 {\
    use core::fmt::Write;\
    let end = buf.len() - 1;\
    let start = buf.as_mut_ptr();\
    // SAFETY: `buf` is valid for writes of `end` bytes from `start`.\
    let mut w = unsafe { crate::str::RawFormatter::from_ptrs(start, start.wrapping_add(end)) };\
    let _ = w.write_fmt(args);\
    let n = core::cmp::min(w.bytes_written(), end);\
    buf[n] = 0;\
    buf.as_ptr()\
}
