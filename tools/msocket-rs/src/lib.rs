// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause

//! msocket: sockets in network stacks named in the file system.
//!
//! A stack is a network namespace mounted as msockfs
//! (`mount -t msockfs netns=vpn /dev/net/vpn`). This crate wraps the UAPI of
//! `<linux/msocket.h>`:
//!
//! ```no_run
//! use msocket::Stack;
//! use std::net::SocketAddr;
//!
//! let vpn = Stack::open("/dev/net/vpn")?;
//! let stream = vpn.tcp_connect("10.0.0.1:80".parse::<SocketAddr>().unwrap())?;
//! let fd = msocket::msocket("/dev/net/lan", libc::AF_INET, libc::SOCK_DGRAM, 0)?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod uapi;

use std::{
    ffi::CString,
    io,
    net::{SocketAddr, TcpListener, TcpStream, UdpSocket},
    os::{
        fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd},
        unix::ffi::OsStrExt,
    },
    path::Path,
    sync::OnceLock,
};

pub use uapi::{MSOCKET_DEVICE, MSOCKFS_MAGIC, SOCK_DEFAULT};

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
    /// Network namespace cookie, as `SO_NETNS_COOKIE`.
    pub netns_cookie: u64,
    /// Owner of the stack root.
    pub uid: u32,
    /// Group of the stack root.
    pub gid: u32,
    /// Permission bits of the stack root.
    pub mode: u32,
}

/// An open stack: the root directory of an msockfs mount.
///
/// Holding it keeps the stack usable even if it is unmounted (lazily); it
/// acts with the credentials it was opened with, so it can be passed to
/// another process as a capability.
#[derive(Debug)]
pub struct Stack {
    fd: OwnedFd,
}

impl Stack {
    /// Opens the stack mounted at `path`. Fails with `ENOENT` if the path
    /// does not exist and `ENOTSUP` if it is not the root of a stack.
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
        let stack = Stack { fd };
        // SAFETY: statfs is plain old data; all-zero is a valid value.
        let mut sfs: libc::statfs = unsafe { std::mem::zeroed() };
        // SAFETY: the fd is open, `sfs` a valid out pointer.
        if unsafe { libc::fstatfs(stack.fd.as_raw_fd(), &mut sfs) } != 0 {
            return Err(io::Error::last_os_error());
        }
        if sfs.f_type as u64 != MSOCKFS_MAGIC as u64 {
            return Err(io::Error::from_raw_os_error(libc::ENOTSUP));
        }
        Ok(stack)
    }

    /// Wraps an fd of a stack root (received over `SCM_RIGHTS`, say).
    pub fn from_fd(fd: OwnedFd) -> Stack {
        Stack { fd }
    }

    /// Creates a socket in this stack, as `socket(2)` would there
    /// (`type_` may carry `SOCK_NONBLOCK`/`SOCK_CLOEXEC`).
    pub fn socket(&self, domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd> {
        msocketat(self.fd.as_fd(), domain, type_, protocol)
    }

    /// The stack's identity.
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
    /// over it, and write permission on the stack).
    pub fn netns(&self) -> io::Result<OwnedFd> {
        // SAFETY: the fd is open; this ioctl takes no argument (0).
        check_fd(unsafe { libc::ioctl(self.fd.as_raw_fd(), uapi::MSOCK_IOC_GET_NETNS as _, 0) })
    }

    /// A TCP connection to `addr` from this stack.
    pub fn tcp_connect(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let fd = self.socket(family(&addr), libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0)?;
        connect(&fd, &addr)?;
        Ok(TcpStream::from(fd))
    }

    /// A TCP listener on `addr` in this stack (with `SO_REUSEADDR`).
    pub fn tcp_listen(&self, addr: SocketAddr) -> io::Result<TcpListener> {
        let fd = self.socket(family(&addr), libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0)?;
        set_reuseaddr(&fd)?;
        bind(&fd, &addr)?;
        // SAFETY: the fd is an open socket.
        if unsafe { libc::listen(fd.as_raw_fd(), 128) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(TcpListener::from(fd))
    }

    /// A UDP socket bound to `addr` in this stack.
    pub fn udp_bind(&self, addr: SocketAddr) -> io::Result<UdpSocket> {
        let fd = self.socket(family(&addr), libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)?;
        bind(&fd, &addr)?;
        Ok(UdpSocket::from(fd))
    }
}

impl AsFd for Stack {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Stack {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl From<Stack> for OwnedFd {
    fn from(s: Stack) -> OwnedFd {
        s.fd
    }
}

/// `msocketat()`: a socket in the stack of an open stack directory.
pub fn msocketat(
    stack: BorrowedFd<'_>,
    domain: i32,
    type_: i32,
    protocol: i32,
) -> io::Result<OwnedFd> {
    let mut args = uapi::msock_socket_args {
        domain,
        type_,
        protocol,
        flags: 0,
    };
    // SAFETY: the fd is open; `args` is the argument this ioctl reads.
    check_fd(unsafe { libc::ioctl(stack.as_raw_fd(), uapi::MSOCK_IOC_SOCKET as _, &mut args) })
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
/// (`MSOCK_IOC_PATH_SOCKET` on `/dev/msocket`). `ENOENT` if `path` does not
/// exist, `ENOTSUP` if it is not a stack, `EACCES` without write permission.
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

fn family(addr: &SocketAddr) -> i32 {
    match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    }
}

/// A `sockaddr_storage` for `addr` and its length.
pub fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain old data; all-zero is valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr.
            unsafe { std::ptr::write(std::ptr::addr_of_mut!(ss).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is large and aligned enough for any sockaddr.
            unsafe { std::ptr::write(std::ptr::addr_of_mut!(ss).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

fn connect(fd: &OwnedFd, addr: &SocketAddr) -> io::Result<()> {
    let (ss, len) = sockaddr(addr);
    // SAFETY: `ss` holds a valid sockaddr of `len` bytes.
    if unsafe { libc::connect(fd.as_raw_fd(), std::ptr::addr_of!(ss).cast(), len) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn bind(fd: &OwnedFd, addr: &SocketAddr) -> io::Result<()> {
    let (ss, len) = sockaddr(addr);
    // SAFETY: `ss` holds a valid sockaddr of `len` bytes.
    if unsafe { libc::bind(fd.as_raw_fd(), std::ptr::addr_of!(ss).cast(), len) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn set_reuseaddr(fd: &OwnedFd) -> io::Result<()> {
    let one: libc::c_int = 1;
    // SAFETY: a valid option value of the right size.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_REUSEADDR,
            std::ptr::addr_of!(one).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The network namespace cookie of a socket (`SO_NETNS_COOKIE`).
pub fn netns_cookie(sock: BorrowedFd<'_>) -> io::Result<u64> {
    let mut cookie: u64 = 0;
    let mut len = std::mem::size_of::<u64>() as libc::socklen_t;
    // SAFETY: a valid out buffer of `len` bytes.
    let r = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
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

    #[test]
    fn sockaddr_v4_and_v6() {
        let (ss, len) = sockaddr(&"127.0.0.1:8080".parse().unwrap());
        assert_eq!(len as usize, std::mem::size_of::<libc::sockaddr_in>());
        assert_eq!(ss.ss_family as i32, libc::AF_INET);
        // SAFETY: it was written as a sockaddr_in.
        let sin: libc::sockaddr_in = unsafe { std::ptr::read(std::ptr::addr_of!(ss).cast()) };
        assert_eq!(u16::from_be(sin.sin_port), 8080);
        assert_eq!(sin.sin_addr.s_addr.to_ne_bytes(), [127, 0, 0, 1]);
        let (ss, len) = sockaddr(&"[::1]:53".parse().unwrap());
        assert_eq!(len as usize, std::mem::size_of::<libc::sockaddr_in6>());
        assert_eq!(ss.ss_family as i32, libc::AF_INET6);
    }

    #[test]
    fn not_a_stack() {
        assert!(!is_stack("/").unwrap());
        assert_eq!(
            is_stack("/no/such/path").unwrap_err().raw_os_error(),
            Some(libc::ENOENT)
        );
        assert_eq!(
            Stack::open("/").unwrap_err().raw_os_error(),
            Some(libc::ENOTSUP)
        );
        assert_eq!(
            Stack::open("/etc/hostname").unwrap_err().raw_os_error(),
            Some(libc::ENOTSUP)
        );
    }
}
