// SPDX-License-Identifier: GPL-2.0

//! msocket: multi-stack Berkeley sockets.
//!
//! A network stack (a network namespace) is named in the file system by
//! mounting msockfs:
//!
//! ```text
//! mkdir -p /dev/net/vpn
//! mount -t msockfs netns=vpn /dev/net/vpn
//! ```
//!
//! and a socket is created in the stack a path (through `/dev/msocket`), an
//! open stack directory or a stack handle selects, with the caller's
//! credentials.
//!
//! The crate root holds the module and the `extern "C"` entry points that
//! msockfs.c calls; each converts its arguments to safe types and delegates.
//! See Documentation/filesystems/msockfs.rst.

use kernel::{
    ffi::{c_char, c_int, c_long, c_uint, c_ulong},
    prelude::*,
};

#[macro_use]
mod compat;
mod access;
mod families;
mod glue;
mod socket;
mod source;
mod stack;
mod uapi;

msocket_module! {
    type: MsocketModule,
    name: "msocket",
    author: "The msocket developers",
    description: "msockfs: network stacks named in the file system, and msocket()",
    license: "GPL",
    alias: ["fs-msockfs"],
}

struct MsocketModule {
    _registration: glue::Registration,
}

impl kernel::Module for MsocketModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let registration = glue::Registration::new()?;
        pr_info!("msockfs registered, /dev/msocket ready\n");
        Ok(Self {
            _registration: registration,
        })
    }
}

fn to_long(r: Result<isize>) -> c_long {
    match r {
        Ok(v) => v as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// `->unlocked_ioctl` of a stack root directory.
///
/// # Safety
///
/// Only called by the VFS through msockfs_root_fops, with a valid file.
#[no_mangle]
unsafe extern "C" fn msocket_stack_ioctl(
    file: *mut kernel::bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: The VFS holds a reference on `file` for the whole call.
    let Some(dir) = (unsafe { glue::StackFile::from_raw(file) }) else {
        return ENOTTY.to_errno() as c_long;
    };
    to_long(stack::stack_ioctl(&dir, cmd, arg))
}

/// `->unlocked_ioctl` of a stack handle.
///
/// # Safety
///
/// Only called by the VFS through msocket_handle_fops, with a valid file.
#[no_mangle]
unsafe extern "C" fn msocket_handle_ioctl(
    file: *mut kernel::bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: The VFS holds a reference on `file`, a stack handle (only
    // msocket_handle_fops has this ioctl), for the whole call.
    let handle = unsafe { glue::StackHandle::from_raw(file) };
    to_long(stack::handle_ioctl(&handle, cmd, arg))
}

/// `->unlocked_ioctl` of `/dev/msocket`.
///
/// # Safety
///
/// Only called by the VFS through msocket_dev_fops.
#[no_mangle]
unsafe extern "C" fn msocket_dev_ioctl(
    _file: *mut kernel::bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    to_long(stack::dev_ioctl(cmd, arg))
}

/// Parses `len` bytes at `s` with `parse` into the C `struct msock_source`.
///
/// # Safety
///
/// `s` must be valid for reads of `len` bytes and `out` for a write.
unsafe fn parse_into(
    s: *const c_char,
    len: usize,
    out: *mut glue::RawSource,
    parse: fn(&[u8]) -> Result<source::Source<'_>>,
) -> c_int {
    // SAFETY: The caller guarantees `len` readable bytes at `s`.
    let bytes = unsafe { core::slice::from_raw_parts(s.cast::<u8>(), len) };
    let parsed = match parse(bytes) {
        Ok(p) => p,
        Err(e) => return e.to_errno(),
    };
    let mut raw = glue::RawSource {
        kind: parsed.kind(),
        ..Default::default()
    };
    match parsed {
        source::Source::NetnsName(v) | source::Source::NetnsPath(v) => {
            raw.value_off = v.as_ptr() as usize - bytes.as_ptr() as usize;
            raw.value_len = v.len();
        }
        source::Source::None | source::Source::Current => {}
    }
    // SAFETY: The caller guarantees `out` is valid for a write.
    unsafe { out.write(raw) };
    0
}

/// Parses a mount source (`netns=NAME`, `netns=/PATH`, `current`, `none`)
/// for msockfs.c.
///
/// # Safety
///
/// `s` must be valid for reads of `len` bytes and `out` for a write.
#[no_mangle]
unsafe extern "C" fn msocket_parse_source(
    s: *const c_char,
    len: usize,
    out: *mut glue::RawSource,
) -> c_int {
    // SAFETY: Forwarded from our caller.
    unsafe { parse_into(s, len, out, source::parse_source) }
}

/// Parses the value of the `netns=` option for msockfs.c.
///
/// # Safety
///
/// `s` must be valid for reads of `len` bytes and `out` for a write.
#[no_mangle]
unsafe extern "C" fn msocket_parse_netns(
    s: *const c_char,
    len: usize,
    out: *mut glue::RawSource,
) -> c_int {
    // SAFETY: Forwarded from our caller.
    unsafe { parse_into(s, len, out, source::parse_netns) }
}

/// Parses the value of the `families=` option for msockfs.c.
///
/// # Safety
///
/// `s` must be valid for reads of `len` bytes and `out` for a write.
#[no_mangle]
unsafe extern "C" fn msocket_parse_families(s: *const c_char, len: usize, out: *mut u64) -> c_int {
    // SAFETY: The caller guarantees `len` readable bytes at `s`.
    let bytes = unsafe { core::slice::from_raw_parts(s.cast::<u8>(), len) };
    match families::parse(bytes) {
        Ok(set) => {
            // SAFETY: The caller guarantees `out` is valid for a write.
            unsafe { out.write(set) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// The name of an address family as `families=` shows it, or NULL.
#[no_mangle]
extern "C" fn msocket_family_name(family: c_uint) -> *const c_char {
    families::name_nul(family as usize).map_or(core::ptr::null(), |n| n.as_ptr().cast())
}
