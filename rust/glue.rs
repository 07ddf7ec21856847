// SPDX-License-Identifier: GPL-2.0

//! The thin FFI layer: safe wrappers over msockfs.c (see `msockfs.h`) and the
//! few kernel socket functions msocket calls.
//!
//! This is the only module with `unsafe` besides the `extern "C"` entry points
//! in the crate root; the msocket logic above it is safe Rust, in the manner
//! of the `kernel` crate's abstractions. It uses the kernel's C API through
//! `bindings` rather than the `kernel` crate's file and fd types, which
//! differ between the kernel versions msocket supports.

use crate::{compat::UserPtr, families::FamilySet};
use core::{marker::PhantomData, mem::ManuallyDrop, ptr::NonNull};
use kernel::{
    bindings,
    ffi::{c_char, c_int},
    prelude::*,
    types::Opaque,
};

/// `struct msock_source` of msockfs.h: what a mount source names.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawSource {
    pub(crate) kind: u32,
    pub(crate) value_off: usize,
    pub(crate) value_len: usize,
}

// msockfs.c asserts the same size, on 32- and 64-bit alike.
const _: () = assert!(core::mem::size_of::<RawSource>() == 3 * core::mem::size_of::<usize>());

/// `struct msockfs_stack` of msockfs.h: the head of a mounted stack.
#[repr(C)]
struct RawStack {
    net: *mut bindings::net,
    families: u64,
}

/// `struct msockfs_path` of msockfs.h.
#[repr(C)]
struct RawStackPath {
    path: bindings::path,
    stack: *mut RawStack,
}

/// `enum msock_route` of msockfs.h: how a socket was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Route {
    /// `MSOCK_IOC_PATH_SOCKET` on `/dev/msocket`.
    Path = 0,
    /// `MSOCK_IOC_SOCKET` on a stack directory.
    Dir = 1,
    /// `MSOCK_IOC_SOCKET` on a stack handle.
    Handle = 2,
}

// bindgen's `struct file` and `struct path` end in zero-length arrays, which
// rustc calls FFI-unsafe by value; they only cross as pointers here, as in
// the `kernel` crate's own bindings (which allow the same lint).
#[allow(improper_ctypes)]
extern "C" {
    fn msockfs_register() -> c_int;
    fn msockfs_unregister();
    fn msockfs_net_inum(net: *const bindings::net) -> u64;
    fn msockfs_net_cookie(net: *const bindings::net) -> u64;
    fn msockfs_open_netns(net: *mut bindings::net) -> c_int;
    fn msockfs_net_capable(net: *const bindings::net, cap: c_int) -> bool;
    fn msockfs_file_stack(file: *mut bindings::file) -> *mut RawStack;
    fn msockfs_file_permission(file: *mut bindings::file, mask: c_int) -> c_int;
    fn msockfs_file_owner(file: *mut bindings::file, uid: *mut u32, gid: *mut u32, mode: *mut u32);
    fn msockfs_file_make_handle(file: *mut bindings::file, mask: c_int) -> c_int;
    fn msockfs_handle_stack(file: *mut bindings::file) -> *mut RawStack;
    fn msockfs_handle_permission(file: *mut bindings::file) -> c_int;
    fn msockfs_path_lookup(
        dfd: c_int,
        name: *const c_char,
        nofollow: bool,
        out: *mut RawStackPath,
    ) -> c_int;
    fn msockfs_path_permission(sp: *const RawStackPath, mask: c_int) -> c_int;
    fn msockfs_path_make_handle(sp: *const RawStackPath, mask: c_int) -> c_int;
    fn msockfs_path_release(sp: *mut RawStackPath);
    fn msockfs_audit_socket(
        stack: *const RawStack,
        route: Route,
        family: c_int,
        type_: c_int,
        protocol: c_int,
        result: c_int,
    );
}

// The socket path is hot: `kernel::error::to_result` and `from_err_ptr` are
// not `#[inline]` across crates, and each call is a call and a return more per
// socket (costly under TCG), so the conversions are made here, inline.

/// A C return value: a negative errno or a non-negative value.
#[inline(always)]
fn to_result(ret: c_int) -> Result {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

/// A C pointer that may be an `ERR_PTR()`.
#[inline(always)]
fn from_err_ptr<T>(ptr: *mut T) -> Result<*mut T> {
    let value = ptr as isize;
    if value < 0 && value >= -(bindings::MAX_ERRNO as isize) {
        // The value is in the errno range checked just above.
        Err(Error::from_errno(value as c_int))
    } else {
        Ok(ptr)
    }
}

/// The registration of the msockfs file system type and of `/dev/msocket`;
/// both are unregistered when this is dropped.
pub(crate) struct Registration(());

impl Registration {
    /// Registers msockfs and the `/dev/msocket` misc device.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: Called once from module init; undone exactly once by `Drop`.
        to_result(unsafe { msockfs_register() })?;
        Ok(Self(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `new` registered successfully; this is the matching unregister.
        unsafe { msockfs_unregister() };
    }
}

/// A network namespace, borrowed from something that keeps it alive (a mounted
/// stack reached through an open file or a path reference).
#[repr(transparent)]
pub(crate) struct Net(Opaque<bindings::net>);

impl Net {
    /// # Safety
    ///
    /// `ptr` must point to a `struct net` that stays alive for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Net {
        // SAFETY: `Net` is a transparent wrapper of `struct net`; the caller
        // guarantees that the pointee lives for `'a`.
        unsafe { &*ptr.cast::<Net>() }
    }

    #[inline(always)]
    fn as_ptr(&self) -> *mut bindings::net {
        // `Net` and `Opaque` are transparent wrappers of `struct net`.
        core::ptr::from_ref(self).cast_mut().cast()
    }

    /// The namespace's inode number, as in `net:[INODE]`.
    pub(crate) fn inum(&self) -> u64 {
        // SAFETY: `self` is a live `struct net` (type invariant).
        unsafe { msockfs_net_inum(self.as_ptr()) }
    }

    /// The namespace cookie, as `SO_NETNS_COOKIE` reports it.
    pub(crate) fn cookie(&self) -> u64 {
        // SAFETY: `self` is a live `struct net` (type invariant).
        unsafe { msockfs_net_cookie(self.as_ptr()) }
    }

    /// Whether the caller has `cap` over the user namespace owning this netns.
    pub(crate) fn capable(&self, cap: u32) -> bool {
        // SAFETY: `self` is a live `struct net`; `cap` is a capability number.
        unsafe { msockfs_net_capable(self.as_ptr(), cap as c_int) }
    }

    /// Opens an nsfs file of this namespace; returns its new fd (close-on-exec).
    pub(crate) fn open_nsfs(&self) -> Result<u32> {
        // SAFETY: `self` is a live `struct net`; `open_related_ns` takes its
        // own reference for the new file.
        to_fd(unsafe { msockfs_open_netns(self.as_ptr()) })
    }
}

/// A new fd, returned by a C function as a non-negative `int`.
#[inline(always)]
fn to_fd(ret: c_int) -> Result<u32> {
    to_result(ret)?;
    Ok(ret as u32)
}

/// A mounted stack: its network namespace and the families it serves. It
/// lives as long as the mount (or open file) it was reached through.
#[repr(transparent)]
pub(crate) struct Stack(Opaque<RawStack>);

impl Stack {
    /// # Safety
    ///
    /// `ptr` must point to the `struct msockfs_stack` of a mounted stack
    /// that stays alive for `'a`.
    #[inline(always)]
    unsafe fn from_raw<'a>(ptr: *mut RawStack) -> &'a Stack {
        // SAFETY: `Stack` is a transparent wrapper of `struct msockfs_stack`;
        // the caller guarantees that the pointee lives for `'a`.
        unsafe { &*ptr.cast::<Stack>() }
    }

    #[inline(always)]
    fn as_ptr(&self) -> *mut RawStack {
        // `Stack` and `Opaque` are transparent wrappers of the head (inline:
        // `Opaque::get()` would be a call into the `kernel` crate).
        core::ptr::from_ref(self).cast_mut().cast()
    }

    /// The stack's network namespace.
    #[inline(always)]
    pub(crate) fn net(&self) -> &Net {
        // SAFETY: `net` is set before the superblock is visible and never
        // changes; the stack holds a reference on it (type invariant).
        unsafe { Net::from_raw((*self.as_ptr()).net) }
    }

    /// The families the stack serves (`families=`; a remount may change it).
    #[inline(always)]
    pub(crate) fn families(&self) -> FamilySet {
        // SAFETY: The head is valid (type invariant); the field is read once,
        // as READ_ONCE() does, since a remount may write it concurrently.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*self.as_ptr()).families)) }
    }

    /// Writes the audit record of a socket asked of this stack (nothing if
    /// auditing is off).
    pub(crate) fn audit(
        &self,
        route: Route,
        domain: i32,
        type_: i32,
        protocol: i32,
        r: &Result<u32>,
    ) {
        let result = match r {
            Ok(_) => 0,
            Err(e) => e.to_errno(),
        };
        // SAFETY: The head is valid (type invariant); the rest are integers.
        unsafe { msockfs_audit_socket(self.as_ptr(), route, domain, type_, protocol, result) };
    }
}

/// An open stack root directory (a file of msockfs's root fops), borrowed
/// for the duration of a call on it.
pub(crate) struct StackFile<'a> {
    file: *mut bindings::file,
    stack: &'a Stack,
}

impl<'a> StackFile<'a> {
    /// Returns the stack `file` is the root of, if it is one.
    ///
    /// # Safety
    ///
    /// `file` must be a valid file for `'a`.
    #[inline]
    pub(crate) unsafe fn from_raw(file: *mut bindings::file) -> Option<Self> {
        // SAFETY: `file` is valid (the caller guarantees it).
        let stack = unsafe { msockfs_file_stack(file) };
        if stack.is_null() {
            return None;
        }
        // SAFETY: An open file of msockfs pins its mount and so its stack.
        let stack = unsafe { Stack::from_raw(stack) };
        Some(Self { file, stack })
    }

    pub(crate) fn stack(&self) -> &'a Stack {
        self.stack
    }

    /// `inode_permission()` on the stack root for `mask` (`MAY_*`), with the
    /// caller's credentials (memoized; see msockfs_file_permission()).
    #[inline]
    pub(crate) fn permission(&self, mask: u32) -> Result {
        // SAFETY: `self.file` is a valid file of msockfs.
        to_result(unsafe { msockfs_file_permission(self.file, mask as c_int) })
    }

    /// Owner, group and permission bits of the stack root, in the caller's
    /// user namespace.
    pub(crate) fn owner(&self) -> (u32, u32, u32) {
        let (mut uid, mut gid, mut mode) = (0, 0, 0);
        // SAFETY: `self.file` is a valid file; the out pointers are valid.
        unsafe { msockfs_file_owner(self.file, &mut uid, &mut gid, &mut mode) };
        (uid, gid, mode)
    }

    /// Makes a stack handle if the caller has `mask` on the stack root;
    /// returns its new fd.
    pub(crate) fn make_handle(&self, mask: u32) -> Result<u32> {
        // SAFETY: `self.file` is a valid file of msockfs.
        to_fd(unsafe { msockfs_file_make_handle(self.file, mask as c_int) })
    }
}

/// An open stack handle (a file of msocket_handle_fops), borrowed for the
/// duration of a call on it.
pub(crate) struct StackHandle<'a> {
    file: *mut bindings::file,
    stack: &'a Stack,
}

impl<'a> StackHandle<'a> {
    /// # Safety
    ///
    /// `file` must be a stack handle (a file of msocket_handle_fops), valid
    /// for `'a`.
    #[inline]
    pub(crate) unsafe fn from_raw(file: *mut bindings::file) -> Self {
        // SAFETY: `file` is a valid stack handle (the caller guarantees it),
        // which pins its mount and so its stack.
        let stack = unsafe { Stack::from_raw(msockfs_handle_stack(file)) };
        Self { file, stack }
    }

    pub(crate) fn stack(&self) -> &'a Stack {
        self.stack
    }

    /// Whether the handle still grants sockets: not revoked, not read-only.
    #[inline]
    pub(crate) fn permission(&self) -> Result {
        // SAFETY: `self.file` is a valid stack handle.
        to_result(unsafe { msockfs_handle_permission(self.file) })
    }
}

/// A stack found by a path walk; holds the path (and so the mount) until dropped.
pub(crate) struct StackPath {
    raw: RawStackPath,
    _not_send: PhantomData<*mut ()>,
}

impl StackPath {
    /// Resolves the user string `name` relative to `dirfd` with the caller's
    /// credentials. Fails with `ENOENT` (and the like) if the path does not
    /// resolve, `EOPNOTSUPP` if it is not the root of a stack.
    pub(crate) fn lookup(dirfd: i32, name: UserPtr, nofollow: bool) -> Result<Self> {
        let mut raw = core::mem::MaybeUninit::<RawStackPath>::uninit();
        // SAFETY: `name` is a user pointer that `user_path_at` copies with
        // fault handling; `raw` is valid for writes.
        to_result(unsafe {
            msockfs_path_lookup(
                dirfd,
                name.as_const_ptr().cast::<c_char>(),
                nofollow,
                raw.as_mut_ptr(),
            )
        })?;
        Ok(Self {
            // SAFETY: On success `msockfs_path_lookup` initialised `raw`.
            raw: unsafe { raw.assume_init() },
            _not_send: PhantomData,
        })
    }

    pub(crate) fn stack(&self) -> &Stack {
        // SAFETY: The path reference pins the mount and so its stack for as
        // long as `self` lives.
        unsafe { Stack::from_raw(self.raw.stack) }
    }

    /// `inode_permission()` on the stack root, with the caller's credentials.
    pub(crate) fn permission(&self, mask: u32) -> Result {
        // SAFETY: `self.raw` holds a valid path reference.
        to_result(unsafe { msockfs_path_permission(&self.raw, mask as c_int) })
    }

    /// Makes a stack handle if the caller has `mask` on the stack root;
    /// returns its new fd.
    pub(crate) fn make_handle(&self, mask: u32) -> Result<u32> {
        // SAFETY: `self.raw` holds a valid path reference.
        to_fd(unsafe { msockfs_path_make_handle(&self.raw, mask as c_int) })
    }
}

impl Drop for StackPath {
    fn drop(&mut self) {
        // SAFETY: `self.raw` holds the path reference `lookup` took.
        unsafe { msockfs_path_release(&mut self.raw) };
    }
}

/// Whether an address family is available in `net`.
///
/// `sock_is_registered()` is not exported to modules, so this asks the
/// socket layer itself: a socket of the family is created and released at
/// once, as a user socket (`kern` = 0) with the caller's credentials, so that
/// LSMs decide on it as on the caller's own `socket(family, SOCK_DGRAM, 0)`
/// (`security_socket_create()` runs before a family module is requested).
/// Only `EAFNOSUPPORT` means the family is missing; any other error comes
/// from the LSM or a registered family's `create`, except a failure to
/// allocate the probe socket itself (`__sock_create` allocates it before it
/// looks the family up), which answers nothing and is returned as is. It
/// runs only on the error path of a bad socket type.
pub(crate) fn family_registered(net: &Net, family: i32) -> Result<bool> {
    let mut sock: *mut bindings::socket = core::ptr::null_mut();
    // SAFETY: `net` is live; `sock` is a valid out pointer. The socket is
    // released right here (with the netns reference it took).
    let err = unsafe {
        bindings::__sock_create(
            net.as_ptr(),
            family,
            bindings::sock_type_SOCK_DGRAM as c_int,
            0,
            &mut sock,
            0,
        )
    };
    if err == 0 && !sock.is_null() {
        // SAFETY: `__sock_create` succeeded: we own `sock` and it has no file.
        unsafe { bindings::sock_release(sock) };
    }
    probe_result(err)
}

/// Interprets the errno of the probe socket of [`family_registered`].
fn probe_result(err: c_int) -> Result<bool> {
    let errno = |e: u32| -(e as c_int);
    if err == errno(bindings::EAFNOSUPPORT) {
        Ok(false)
    } else if err == errno(bindings::ENFILE)
        || err == errno(bindings::ENOMEM)
        || err == errno(bindings::ENOBUFS)
    {
        Err(Error::from_errno(err))
    } else {
        Ok(true)
    }
}

/// A socket not yet attached to a file; released when dropped.
pub(crate) struct Socket(NonNull<bindings::socket>);

impl Socket {
    /// Creates a user socket in `net`, exactly as `socket(2)` would there:
    /// `__sock_create(..., kern = 0)` with the caller's credentials, so the
    /// LSM hooks and the protocols' capability checks run, and the socket
    /// holds its own reference on `net`.
    pub(crate) fn create(net: &Net, family: i32, ty: i32, protocol: i32) -> Result<Self> {
        let mut sock: *mut bindings::socket = core::ptr::null_mut();
        // SAFETY: `net` is live; `sock` is a valid out pointer.
        to_result(unsafe {
            bindings::__sock_create(net.as_ptr(), family, ty, protocol, &mut sock, 0)
        })?;
        NonNull::new(sock).map(Self).ok_or(EINVAL)
    }

    /// Attaches the socket to a new file and installs it as a new fd, as
    /// socket(2) does: the fd is reserved first, so a full fd table fails
    /// before the file is made, and the socket goes with the file on any
    /// later failure.
    pub(crate) fn into_fd(self, cloexec: bool, nonblock: bool) -> Result<u32> {
        let fd_flags = if cloexec { bindings::O_CLOEXEC } else { 0 };
        // SAFETY: Reserves an fd of the current task; no pointers.
        let fd = to_fd(unsafe { bindings::get_unused_fd_flags(fd_flags) })?;
        let sock = ManuallyDrop::new(self);
        let flags = if nonblock { bindings::O_NONBLOCK } else { 0 };
        // SAFETY: We own `sock`; `sock_alloc_file` takes it over and releases
        // it itself on failure, so it must not be dropped here (ManuallyDrop).
        let file = unsafe {
            bindings::sock_alloc_file(sock.0.as_ptr(), flags as c_int, core::ptr::null())
        };
        match from_err_ptr(file) {
            Ok(file) => {
                // SAFETY: `fd` is reserved and unused; `file` is a new file
                // whose reference the fd table takes over.
                unsafe { bindings::fd_install(fd, file) };
                Ok(fd)
            }
            Err(e) => {
                // SAFETY: `fd` was reserved above and not installed.
                unsafe { bindings::put_unused_fd(fd) };
                Err(e)
            }
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // SAFETY: We own the socket and it has no file yet.
        unsafe { bindings::sock_release(self.0.as_ptr()) };
    }
}
