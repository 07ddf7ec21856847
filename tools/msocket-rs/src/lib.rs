// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause

//! Sockets in network stacks named in the file system.
//!
//! msocket (R. Davoli, View-OS) lets one process use several network stacks
//! at once. On Linux a stack is a network namespace, named by mounting the
//! msockfs file system (`mount -t msockfs netns=vpn /dev/net/vpn`); this
//! crate wraps the kernel interface, `<linux/msocket.h>`, so that a program
//! creates sockets in a stack by its path, with its own credentials, without
//! `setns(2)` or privileges:
//!
//! ```no_run
//! use msocket::Stack;
//! use std::io::Write;
//!
//! let lan = Stack::open("/dev/net/lan")?;
//! let vpn = Stack::open("/dev/net/vpn")?;
//! // the same address, two different networks, one process
//! let mut a = lan.tcp_connect(([10, 0, 0, 1], 80).into())?;
//! let mut b = vpn.tcp_connect(([10, 0, 0, 1], 80).into())?;
//! a.write_all(b"GET / HTTP/1.0\r\n\r\n")?;
//! b.write_all(b"GET / HTTP/1.0\r\n\r\n")?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # What selects a stack
//!
//! - A **path**: [`msocket()`] creates one socket in the stack mounted there,
//!   with View-OS semantics (no path: the default stack); [`Handle::open`]
//!   makes a handle from it.
//! - A [`Stack`]: an open stack directory. It is a *name*, like the path: every
//!   call is checked against the credentials of the caller at that moment.
//!   It also reports the stack's identity ([`Stack::info`]).
//! - A [`Handle`]: a stack handle, the object that *delegates* the right to
//!   create sockets in one stack and nothing else (pass it to another process
//!   over `SCM_RIGHTS` or by inheritance). Changing the stack's mode, owner
//!   or group revokes every handle.
//!
//! [`Stack`] and [`Handle`] implement [`SocketSource`], which creates the
//! sockets: [`socket`](SocketSource::socket) (any family and type, as
//! `socket(2)`), [`tcp_connect`](SocketSource::tcp_connect),
//! [`tcp_listen`](SocketSource::tcp_listen) and
//! [`udp_bind`](SocketSource::udp_bind) (the standard library's types); code
//! that takes `&impl SocketSource` works with either. With the `tokio` feature,
//! the [`tokio`](mod@crate::tokio) module makes `tokio::net` sockets.
//!
//! A stack directory must not be passed to an untrusted process: it is a
//! directory on a mount, from which `openat(fd, "..")` walks into the
//! sender's file system. Pass a [`Handle`].
//!
//! # Errors
//!
//! Every function returns the kernel's `errno` as an [`io::Error`]
//! ([`raw_os_error`](io::Error::raw_os_error)): `ENOENT` for a missing path,
//! `ENOTSUP` for a path that is not a stack, `EACCES` without write
//! permission on the stack (or for a revoked handle), `EROFS` for a read-only
//! stack, `EAFNOSUPPORT` for a
//! family the stack does not support, and the errors of `socket(2)`.
//!
//! # Features
//!
//! - `tokio`: [`tokio::tcp_connect`], [`tokio::tcp_listen`],
//!   [`tokio::udp_bind`] and [`tokio::tcp_socket_v4`]/[`v6`](tokio::tcp_socket_v6)
//!   return `tokio::net` sockets of a stack, so async programs use stacks
//!   without `unsafe` code.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "tokio")]
pub mod tokio;
pub mod uapi;

use socket2::{SockAddr, Socket};
use std::{
    ffi::CString,
    io,
    net::{SocketAddr, TcpListener, TcpStream, UdpSocket},
    os::{
        fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd},
        unix::ffi::OsStrExt,
    },
    path::Path,
    rc::Rc,
    sync::{Arc, OnceLock},
};

pub use uapi::{MSOCKET_DEVICE, MSOCKFS_MAGIC, SOCK_DEFAULT};

/// Where a stack mounted is the default for a process that set none
/// ([`msocket()`] with no path), as libmsocket's `MSOCKET_DEFAULT_STACK`.
pub const MSOCKET_DEFAULT_STACK: &str = "/dev/net/default";

/// The backlog of [`SocketSource::tcp_listen`]'s listeners (as Rust's
/// `TcpListener::bind`).
const BACKLOG: i32 = 128;

fn cstring(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn check_fd(ret: libc::c_int) -> io::Result<OwnedFd> {
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: A successful syscall returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(ret) })
}

/// Whether `path` is the root of a stack (its file system is msockfs).
///
/// Errors as View-OS/VUOS: `ENOENT` if it does not exist; `Ok(false)` if it
/// exists but is not a stack.
///
/// ```
/// assert!(!msocket::is_stack("/").unwrap());
/// ```
pub fn is_stack(path: impl AsRef<Path>) -> io::Result<bool> {
    let c = cstring(path.as_ref())?;
    // SAFETY: statfs is plain old data; all-zero is a valid value.
    let mut sfs: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid C string, `sfs` a valid out pointer.
    if unsafe { libc::statfs(c.as_ptr(), &mut sfs) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sfs.f_type as u64 == MSOCKFS_MAGIC as u64)
}

/// The identity of a stack (`MSOCK_IOC_STACK_INFO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackInfo {
    /// Inode number of the network namespace, as in `net:[INODE]`.
    pub netns_ino: u64,
    /// Network namespace cookie, as `SO_NETNS_COOKIE` reports it for the
    /// stack's sockets (see [`netns_cookie`]).
    pub netns_cookie: u64,
    /// Owner of the stack root, in the caller's user namespace.
    pub uid: u32,
    /// Group of the stack root, in the caller's user namespace.
    pub gid: u32,
    /// Permission bits of the stack root.
    pub mode: u32,
}

mod sealed {
    pub trait Sealed {}
}

/// What sockets are created from: a [`Stack`] or a [`Handle`] (or a
/// reference, `Box`, `Rc` or `Arc` of one).
///
/// Both create a socket with `MSOCK_IOC_SOCKET`; the methods here build the
/// standard library's sockets on it. A function that should work with either
/// takes `&impl SocketSource` (or `&dyn SocketSource`):
///
/// ```no_run
/// use msocket::{Handle, SocketSource, Stack};
/// use std::net::TcpStream;
///
/// fn fetch(from: &impl SocketSource) -> std::io::Result<TcpStream> {
///     from.tcp_connect(([10, 0, 0, 1], 80).into())
/// }
///
/// fetch(&Stack::open("/dev/net/vpn")?)?;
/// fetch(&Handle::open("/dev/net/vpn")?)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// The sockets are close-on-exec. The trait is sealed: the kernel accepts
/// these two kinds of file descriptor only.
pub trait SocketSource: AsFd + sealed::Sealed {
    /// Creates a socket in the stack, as `socket(2)` would there: `domain`,
    /// `type_` (which may carry `SOCK_NONBLOCK`/`SOCK_CLOEXEC`) and `protocol`
    /// as `socket(2)` takes them. Add `SOCK_CLOEXEC` unless the socket is
    /// meant for a program run by `exec`.
    ///
    /// ```no_run
    /// use msocket::{SocketSource, Stack};
    ///
    /// let vpn = Stack::open("/dev/net/vpn")?;
    /// let fd = vpn.socket(libc::AF_INET6, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)?;
    /// let sock = socket2::Socket::from(fd); // or std's UdpSocket::from(fd)
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn socket(&self, domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd> {
        msocketat(self, domain, type_, protocol)
    }

    /// A TCP connection to `addr` from this stack (a blocking `connect`).
    fn tcp_connect(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let sock = stream_socket(self, &addr, 0)?;
        sock.connect(&SockAddr::from(addr))?;
        Ok(sock.into())
    }

    /// A TCP listener on `addr` in this stack, with `SO_REUSEADDR` as
    /// `TcpListener::bind` sets it.
    fn tcp_listen(&self, addr: SocketAddr) -> io::Result<TcpListener> {
        Ok(listener_socket(self, &addr, 0)?.into())
    }

    /// A UDP socket bound to `addr` in this stack.
    fn udp_bind(&self, addr: SocketAddr) -> io::Result<UdpSocket> {
        Ok(datagram_socket(self, &addr, 0)?.into())
    }
}

fn domain_of(addr: &SocketAddr) -> i32 {
    match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

fn stream_socket<S: SocketSource + ?Sized>(
    stack: &S,
    addr: &SocketAddr,
    flags: i32,
) -> io::Result<Socket> {
    let fd = stack.socket(
        domain_of(addr),
        libc::SOCK_STREAM | libc::SOCK_CLOEXEC | flags,
        0,
    )?;
    Ok(Socket::from(fd))
}

fn listener_socket<S: SocketSource + ?Sized>(
    stack: &S,
    addr: &SocketAddr,
    flags: i32,
) -> io::Result<Socket> {
    let sock = stream_socket(stack, addr, flags)?;
    sock.set_reuse_address(true)?;
    sock.bind(&SockAddr::from(*addr))?;
    sock.listen(BACKLOG)?;
    Ok(sock)
}

fn datagram_socket<S: SocketSource + ?Sized>(
    stack: &S,
    addr: &SocketAddr,
    flags: i32,
) -> io::Result<Socket> {
    let fd = stack.socket(
        domain_of(addr),
        libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | flags,
        0,
    )?;
    let sock = Socket::from(fd);
    sock.bind(&SockAddr::from(*addr))?;
    Ok(sock)
}

/// An open stack: the root directory of an msockfs mount.
///
/// It names the stack as its path does: every call is checked against the
/// caller's credentials at that moment, and a process that receives it gains
/// nothing it could not do with the path. To delegate the right to create
/// sockets, make a [`Handle`] ([`Stack::handle`]); never pass the directory
/// itself to a process you do not trust (see the crate documentation).
///
/// Converts from and into [`OwnedFd`], and lends its fd through [`AsFd`].
#[derive(Debug)]
pub struct Stack {
    fd: OwnedFd,
}

impl Stack {
    /// Opens the stack mounted at `path` (this needs read permission on the
    /// stack root). Fails with `ENOENT` if the path does not exist and
    /// `ENOTSUP` if it is not the root of a stack.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Stack> {
        let c = cstring(path.as_ref())?;
        // SAFETY: `c` is a valid C string.
        let fd = check_fd(unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        })
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENOTDIR) => io::Error::from_raw_os_error(libc::ENOTSUP),
            _ => e,
        })?;
        // SAFETY: statfs is plain old data; all-zero is a valid value.
        let mut sfs: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: the fd is open, `sfs` a valid out pointer.
        if unsafe { libc::fstatfs(fd.as_raw_fd(), &mut sfs) } != 0 {
            return Err(io::Error::last_os_error());
        }
        if sfs.f_type as u64 != MSOCKFS_MAGIC as u64 {
            return Err(io::Error::from_raw_os_error(libc::ENOTSUP));
        }
        Ok(Stack { fd })
    }

    /// Wraps an fd of a stack root. Nothing is checked here: an fd that is not
    /// a stack directory makes the calls fail (`ENOTTY`).
    pub fn from_fd(fd: OwnedFd) -> Stack {
        Stack { fd }
    }

    /// Another `Stack` on the same open directory (`dup(2)`).
    pub fn try_clone(&self) -> io::Result<Stack> {
        Ok(Stack {
            fd: self.fd.try_clone()?,
        })
    }

    /// A new [`Handle`] for this stack (`MSOCK_IOC_GET_HANDLE`): the
    /// delegable right to create sockets here. Making one needs what creating
    /// a socket needs (write permission on the stack).
    pub fn handle(&self) -> io::Result<Handle> {
        // SAFETY: the fd is open; this ioctl takes no argument (0).
        check_fd(unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                uapi::MSOCK_IOC_GET_HANDLE as _,
                0 as libc::c_ulong,
            )
        })
        .map(Handle::from_fd)
    }

    /// The stack's identity (needs read permission only).
    pub fn info(&self) -> io::Result<StackInfo> {
        let mut raw = uapi::msock_stack_info::default();
        // SAFETY: the fd is open; `raw` is the argument this ioctl writes.
        let r = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                uapi::MSOCK_IOC_STACK_INFO as _,
                &mut raw,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(StackInfo {
            netns_ino: raw.netns_ino,
            netns_cookie: raw.netns_cookie,
            uid: raw.uid,
            gid: raw.gid,
            mode: raw.mode,
        })
    }

    /// An nsfs fd of the stack's network namespace (needs `CAP_NET_ADMIN`
    /// over it, and write permission on the stack), for `setns(2)`.
    pub fn netns(&self) -> io::Result<OwnedFd> {
        // SAFETY: the fd is open; this ioctl takes no argument (0).
        check_fd(unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                uapi::MSOCK_IOC_GET_NETNS as _,
                0 as libc::c_ulong,
            )
        })
    }

    /// Same as [`SocketSource::socket`] (no trait import needed).
    pub fn socket(&self, domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd> {
        SocketSource::socket(self, domain, type_, protocol)
    }

    /// Same as [`SocketSource::tcp_connect`].
    pub fn tcp_connect(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        SocketSource::tcp_connect(self, addr)
    }

    /// Same as [`SocketSource::tcp_listen`].
    pub fn tcp_listen(&self, addr: SocketAddr) -> io::Result<TcpListener> {
        SocketSource::tcp_listen(self, addr)
    }

    /// Same as [`SocketSource::udp_bind`].
    pub fn udp_bind(&self, addr: SocketAddr) -> io::Result<UdpSocket> {
        SocketSource::udp_bind(self, addr)
    }
}

/// A stack handle: the right to create sockets in one stack, and nothing
/// else.
///
/// A handle is not a directory (it is an anonymous inode, `[msocket]`): it
/// cannot be walked, opened relative to or entered. It carries the right it
/// was made with, so it is what a process passes to another to let it create
/// sockets in a stack (over `SCM_RIGHTS`, or by inheritance: handles are
/// made close-on-exec). It is revoked for everyone when the stack's mode,
/// owner or group changes (`EACCES`), refuses sockets while the stack is
/// read-only (`EROFS`). It keeps the mount it was made through busy, as an
/// open stack directory does.
///
/// ```no_run
/// use msocket::Handle;
/// use std::os::fd::OwnedFd;
///
/// let vpn = Handle::open("/dev/net/vpn")?;
/// let stream = vpn.tcp_connect(([10, 0, 0, 1], 443).into())?;
/// // send it to another process; there: Handle::from(received_fd)
/// let fd: OwnedFd = vpn.into();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Handle {
    fd: OwnedFd,
}

impl Handle {
    /// A handle for the stack mounted at `path` (`MSOCK_IOC_PATH_HANDLE` on
    /// `/dev/msocket`; without the device, [`Stack::open`] and
    /// [`Stack::handle`]). Needs write permission on the stack.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Handle> {
        let c = cstring(path.as_ref())?;
        let dev = match device() {
            Ok(dev) => dev,
            Err(_) => return Stack::open(path)?.handle(),
        };
        let mut args = uapi::msock_path_handle_args {
            path: c.as_ptr() as u64,
            dirfd: libc::AT_FDCWD,
            flags: 0,
        };
        // SAFETY: the device fd is open; `args` is the argument this ioctl
        // reads and `c` outlives the call.
        check_fd(unsafe {
            libc::ioctl(dev.as_raw_fd(), uapi::MSOCK_IOC_PATH_HANDLE as _, &mut args)
        })
        .map(Handle::from_fd)
    }

    /// Wraps a handle's fd (received over `SCM_RIGHTS`, say). Nothing is
    /// checked here; an open stack directory works too, as it does for
    /// [`msocketat`].
    pub fn from_fd(fd: OwnedFd) -> Handle {
        Handle { fd }
    }

    /// Another `Handle` on the same open handle (`dup(2)`).
    pub fn try_clone(&self) -> io::Result<Handle> {
        Ok(Handle {
            fd: self.fd.try_clone()?,
        })
    }

    /// Same as [`SocketSource::socket`] (no trait import needed).
    pub fn socket(&self, domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd> {
        SocketSource::socket(self, domain, type_, protocol)
    }

    /// Same as [`SocketSource::tcp_connect`].
    pub fn tcp_connect(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        SocketSource::tcp_connect(self, addr)
    }

    /// Same as [`SocketSource::tcp_listen`].
    pub fn tcp_listen(&self, addr: SocketAddr) -> io::Result<TcpListener> {
        SocketSource::tcp_listen(self, addr)
    }

    /// Same as [`SocketSource::udp_bind`].
    pub fn udp_bind(&self, addr: SocketAddr) -> io::Result<UdpSocket> {
        SocketSource::udp_bind(self, addr)
    }
}

macro_rules! fd_wrapper {
    ($t:ident) => {
        impl sealed::Sealed for $t {}
        impl SocketSource for $t {}

        impl AsFd for $t {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.fd.as_fd()
            }
        }

        impl AsRawFd for $t {
            fn as_raw_fd(&self) -> RawFd {
                self.fd.as_raw_fd()
            }
        }

        impl From<OwnedFd> for $t {
            fn from(fd: OwnedFd) -> $t {
                $t { fd }
            }
        }

        impl From<$t> for OwnedFd {
            fn from(s: $t) -> OwnedFd {
                s.fd
            }
        }
    };
}
fd_wrapper!(Stack);
fd_wrapper!(Handle);

impl<T: SocketSource + ?Sized> sealed::Sealed for &T {}
impl<T: SocketSource + ?Sized> SocketSource for &T {}
impl<T: SocketSource + ?Sized> sealed::Sealed for Box<T> {}
impl<T: SocketSource + ?Sized> SocketSource for Box<T> {}
impl<T: SocketSource + ?Sized> sealed::Sealed for Rc<T> {}
impl<T: SocketSource + ?Sized> SocketSource for Rc<T> {}
impl<T: SocketSource + ?Sized> sealed::Sealed for Arc<T> {}
impl<T: SocketSource + ?Sized> SocketSource for Arc<T> {}

/// `msocketat()`: a socket in the stack of an open stack directory or a
/// stack handle (`MSOCK_IOC_SOCKET`), as libmsocket's `msocketat(3)`.
///
/// Takes any fd, as the C function does; the kernel refuses other kinds of
/// file (`ENOTTY`). [`SocketSource::socket`] is the typed form.
pub fn msocketat(stack: impl AsFd, domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd> {
    let mut args = uapi::msock_socket_args {
        domain,
        type_,
        protocol,
        flags: 0,
    };
    // SAFETY: the fd is open; `args` is the argument this ioctl reads.
    check_fd(unsafe {
        libc::ioctl(
            stack.as_fd().as_raw_fd(),
            uapi::MSOCK_IOC_SOCKET as _,
            &mut args,
        )
    })
}

fn device() -> io::Result<BorrowedFd<'static>> {
    static DEV: OnceLock<OwnedFd> = OnceLock::new();
    if let Some(fd) = DEV.get() {
        return Ok(fd.as_fd());
    }
    let c = CString::new(MSOCKET_DEVICE).expect("no NUL in the device path");
    // SAFETY: `c` is a valid C string.
    let fd = check_fd(unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) })?;
    // A concurrent opener may have won: its fd is kept, ours closed.
    Ok(DEV.get_or_init(|| fd).as_fd())
}

/// `msocket(path, ...)`: a socket in the stack at `path`, in one call
/// (`MSOCK_IOC_PATH_SOCKET` on `/dev/msocket`; without the device, open +
/// [`msocketat`] + close). `ENOENT` if `path` does not exist, `ENOTSUP` if
/// it is not a stack, `EACCES` without write permission.
///
/// Unlike the C `msocket(3)` this takes a path always: see
/// [`default_stack`] for the View-OS default stack.
///
/// ```no_run
/// let fd = msocket::msocket("/dev/net/lan", libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)?;
/// let udp = std::net::UdpSocket::from(fd);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn msocket(
    path: impl AsRef<Path>,
    domain: i32,
    type_: i32,
    protocol: i32,
) -> io::Result<OwnedFd> {
    let c = cstring(path.as_ref())?;
    let dev = match device() {
        Ok(dev) => dev,
        // No /dev/msocket (a minimal /dev): open the stack, in three calls.
        Err(_) => return Stack::open(path)?.socket(domain, type_, protocol),
    };
    let mut args = uapi::msock_path_socket_args {
        path: c.as_ptr() as u64,
        dirfd: libc::AT_FDCWD,
        domain,
        type_,
        protocol,
        flags: 0,
        reserved: 0,
    };
    // SAFETY: the device fd is open; `args` is the argument this ioctl reads
    // and `c` outlives the call.
    check_fd(unsafe { libc::ioctl(dev.as_raw_fd(), uapi::MSOCK_IOC_PATH_SOCKET as _, &mut args) })
}

/// The default stack of this process for `domain`, as libmsocket's
/// `msocket(NULL, domain, ...)` chooses it: `MSOCKET_STACK_<domain>`, else
/// `MSOCKET_STACK` from the environment (what `mstack` and
/// `msocket(path, d, SOCK_DEFAULT, 0)` set), else [`MSOCKET_DEFAULT_STACK`]
/// if a stack is mounted there; `None` means the process' own (native) stack.
pub fn default_stack(domain: i32) -> Option<std::path::PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    env(&format!("MSOCKET_STACK_{domain}"))
        .or_else(|| env("MSOCKET_STACK"))
        .map(Into::into)
        .or_else(|| {
            is_stack(MSOCKET_DEFAULT_STACK)
                .unwrap_or(false)
                .then(|| MSOCKET_DEFAULT_STACK.into())
        })
}

/// The network namespace cookie of a socket (`SO_NETNS_COOKIE`): equal to
/// [`StackInfo::netns_cookie`] for the sockets of that stack.
pub fn netns_cookie(sock: impl AsFd) -> io::Result<u64> {
    let mut cookie: u64 = 0;
    let mut len = std::mem::size_of::<u64>() as libc::socklen_t;
    // SAFETY: a valid out buffer of `len` bytes.
    let r = unsafe {
        libc::getsockopt(
            sock.as_fd().as_raw_fd(),
            libc::SOL_SOCKET,
            uapi::SO_NETNS_COOKIE,
            std::ptr::addr_of_mut!(cookie).cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::IntoRawFd;

    fn errno<T: std::fmt::Debug>(r: io::Result<T>) -> Option<i32> {
        r.unwrap_err().raw_os_error()
    }

    #[test]
    fn not_a_stack() {
        assert!(!is_stack("/").unwrap());
        assert_eq!(errno(is_stack("/no/such/path")), Some(libc::ENOENT));
        assert_eq!(errno(Stack::open("/")), Some(libc::ENOTSUP));
        assert_eq!(errno(Stack::open("/etc/hostname")), Some(libc::ENOTSUP));
        assert_eq!(errno(Stack::open("/no/such/path")), Some(libc::ENOENT));
        assert_eq!(errno(Stack::open("a\0b")), Some(libc::EINVAL));
    }

    /// An fd that is not a stack: the socket calls fail with the kernel's
    /// ENOTTY, through every wrapper (no panic, nothing leaked).
    #[test]
    fn fd_that_is_not_a_stack() {
        let dir = OwnedFd::from(std::fs::File::open("/").unwrap());
        let stack = Stack::from(dir.try_clone().unwrap());
        let handle = Handle::from(dir);
        let any: [&dyn SocketSource; 2] = [&stack, &handle];
        for s in any {
            assert_eq!(
                errno(s.socket(libc::AF_INET, libc::SOCK_STREAM, 0)),
                Some(libc::ENOTTY)
            );
            assert_eq!(
                errno(s.tcp_listen(([127, 0, 0, 1], 0).into())),
                Some(libc::ENOTTY)
            );
            assert_eq!(
                errno(s.udp_bind(([127, 0, 0, 1], 0).into())),
                Some(libc::ENOTTY)
            );
        }
        assert_eq!(errno(stack.handle()), Some(libc::ENOTTY));
        assert_eq!(errno(stack.info()), Some(libc::ENOTTY));
        assert_eq!(errno(stack.netns()), Some(libc::ENOTTY));
        assert_eq!(
            errno(msocketat(&handle, libc::AF_INET, libc::SOCK_DGRAM, 0)),
            Some(libc::ENOTTY)
        );
    }

    /// The fd conversions keep the same open file.
    #[test]
    fn fd_conversions() {
        let fd = OwnedFd::from(std::fs::File::open("/").unwrap());
        let raw = fd.as_raw_fd();
        let stack = Stack::from(fd);
        assert_eq!(stack.as_raw_fd(), raw);
        assert_eq!(stack.as_fd().as_raw_fd(), raw);
        let clone = stack.try_clone().unwrap();
        assert_ne!(clone.as_raw_fd(), raw);
        let handle = Handle::from(OwnedFd::from(stack));
        assert_eq!(handle.as_raw_fd(), raw);
        assert_eq!(OwnedFd::from(handle).into_raw_fd(), raw);
        // SAFETY: `raw` was released by into_raw_fd above and is closed once.
        drop(unsafe { OwnedFd::from_raw_fd(raw) });
    }

    /// The per-family variable wins (63: a family number nothing else sets).
    #[test]
    fn default_stack_from_the_environment() {
        std::env::set_var("MSOCKET_STACK_63", "/dev/net/sixty-three");
        assert_eq!(
            default_stack(63),
            Some(std::path::PathBuf::from("/dev/net/sixty-three"))
        );
        std::env::set_var("MSOCKET_STACK_63", "");
        assert_ne!(
            default_stack(63),
            Some(std::path::PathBuf::from("/dev/net/sixty-three"))
        );
        std::env::remove_var("MSOCKET_STACK_63");
    }

    #[test]
    fn netns_cookie_of_a_socket() {
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let c = netns_cookie(&a).unwrap();
        assert_ne!(c, 0);
        assert_eq!(netns_cookie(&b).unwrap(), c);
        let file = std::fs::File::open("/").unwrap();
        assert_eq!(errno(netns_cookie(&file)), Some(libc::ENOTSOCK));
    }
}
