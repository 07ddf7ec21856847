// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause

//! The crate against real stacks: run in the VM by tools/vm/guest/crate.sh
//! (`--test-threads=1`), once as root and once as an unprivileged user, with
//!
//! - `MSOCKET_TEST_STACK_A`, `MSOCKET_TEST_STACK_B`: two stacks of different
//!   network namespaces (loopback up), mode 0777;
//! - `MSOCKET_TEST_STACK_PRIVATE`: a stack owned by root, mode 0700;
//! - `MSOCKET_TEST_STACK_SCRATCH`: a stack the root run may chmod (it
//!   restores the mode), mode 0777.
//!
//! Not a `cargo test` target (`test = false`): it needs the module.

use msocket::{Handle, SocketSource, Stack};
use std::{
    io::{ErrorKind, Read, Write},
    net::{SocketAddr, TcpStream},
    os::{
        fd::{AsFd, AsRawFd},
        unix::fs::PermissionsExt,
    },
    path::PathBuf,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn path(var: &str) -> PathBuf {
    std::env::var_os(var)
        .unwrap_or_else(|| panic!("{var} is not set: run these tests through crate.sh"))
        .into()
}
fn a() -> PathBuf {
    path("MSOCKET_TEST_STACK_A")
}
fn b() -> PathBuf {
    path("MSOCKET_TEST_STACK_B")
}
fn is_root() -> bool {
    // SAFETY: geteuid() has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
fn errno<T: std::fmt::Debug>(r: std::io::Result<T>) -> Option<i32> {
    r.unwrap_err().raw_os_error()
}
fn localhost() -> SocketAddr {
    ([127, 0, 0, 1], 0).into()
}
fn cookie_of(stack: &impl SocketSource) -> u64 {
    let fd = stack
        .socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0)
        .unwrap();
    msocket::netns_cookie(&fd).unwrap()
}
fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn info_identifies_the_stack() {
    let (sa, sb) = (Stack::open(a()).unwrap(), Stack::open(b()).unwrap());
    let (ia, ib) = (sa.info().unwrap(), sb.info().unwrap());
    assert_ne!(ia.netns_cookie, ib.netns_cookie);
    assert_ne!(ia.netns_ino, ib.netns_ino);
    assert_eq!(ia.mode & 0o777, 0o777);
    assert_eq!(cookie_of(&sa), ia.netns_cookie);
    assert_eq!(cookie_of(&sb), ib.netns_cookie);
    let native = std::net::UdpSocket::bind(localhost()).unwrap();
    assert_ne!(msocket::netns_cookie(&native).unwrap(), ia.netns_cookie);
    let fd = msocket::msocket(a(), libc::AF_INET6, libc::SOCK_DGRAM, 0).unwrap();
    assert_eq!(msocket::netns_cookie(&fd).unwrap(), ia.netns_cookie);
    assert!(msocket::is_stack(a()).unwrap());
}

#[test]
fn msocket_errors() {
    assert_eq!(
        errno(msocket::msocket("/", libc::AF_INET, libc::SOCK_STREAM, 0)),
        Some(libc::ENOTSUP)
    );
    assert_eq!(
        errno(msocket::msocket(
            "/no/such",
            libc::AF_INET,
            libc::SOCK_STREAM,
            0
        )),
        Some(libc::ENOENT)
    );
    let sa = Stack::open(a()).unwrap();
    let e = sa.socket(libc::AF_INET, 12345, 0).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL), "{e}");
}

#[test]
fn permission_is_the_callers() {
    let private = path("MSOCKET_TEST_STACK_PRIVATE");
    if is_root() {
        Stack::open(&private).unwrap();
        msocket::msocket(&private, libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
    } else {
        let e = msocket::msocket(&private, libc::AF_INET, libc::SOCK_STREAM, 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
        assert_eq!(errno(Stack::open(&private)), Some(libc::EACCES));
        assert_eq!(errno(Handle::open(&private)), Some(libc::EACCES));
    }
}

/// A service in stack A is reached from A and not from B.
#[test]
fn std_tcp_in_one_stack_only() {
    let (sa, sb) = (Stack::open(a()).unwrap(), Stack::open(b()).unwrap());
    let listener = sa.tcp_listen(localhost()).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut client = sa.tcp_connect(addr).unwrap();
    let (mut conn, _) = listener.accept().unwrap();
    conn.write_all(b"from a").unwrap();
    drop(conn);
    let mut got = String::new();
    client.read_to_string(&mut got).unwrap();
    assert_eq!(got, "from a");
    let e = sb.tcp_connect(addr).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
    // the process' own stack has no such service either
    let e = TcpStream::connect(addr).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
}

/// The same UDP port in two stacks: no EADDRINUSE.
#[test]
fn std_udp_same_port_two_stacks() {
    let (sa, sb) = (Stack::open(a()).unwrap(), Stack::open(b()).unwrap());
    let ua = sa.udp_bind(localhost()).unwrap();
    let port = ua.local_addr().unwrap();
    let ub = sb.udp_bind(port).unwrap();
    assert_eq!(errno(sa.udp_bind(port)), Some(libc::EADDRINUSE));
    ub.send_to(b"b", port).unwrap();
    let mut buf = [0u8; 8];
    let (n, _) = ub.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"b");
}

#[test]
fn tokio_tcp_roundtrip() {
    rt().block_on(async {
        let sa = Stack::open(a()).unwrap();
        let sb = Stack::open(b()).unwrap();
        let listener = msocket::tokio::tcp_listen(&sa, localhost()).unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) =
            tokio::join!(msocket::tokio::tcp_connect(&sa, addr), listener.accept());
        let (mut client, (mut conn, peer)) = (client.unwrap(), accepted.unwrap());
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(
            msocket::netns_cookie(client.as_fd()).unwrap(),
            sa.info().unwrap().netns_cookie
        );
        conn.write_all(b"hello over tokio").await.unwrap();
        drop(conn);
        let mut got = String::new();
        client.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "hello over tokio");
        let e = msocket::tokio::tcp_connect(&sb, addr).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{e}");
    });
}

/// An asynchronous connect that cannot complete (the listener's accept
/// queue is full, so its SYN is dropped and retransmitted) leaves the
/// single-threaded runtime free: a UDP exchange in the same stack finishes
/// while the connect is pending.
#[test]
fn tokio_connect_does_not_block_the_runtime() {
    rt().block_on(async {
        let sa = Stack::open(a()).unwrap();
        let socket = msocket::tokio::tcp_socket_v4(&sa).unwrap();
        socket.bind(localhost()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        // backlog 0 queues one connection; the next SYN is dropped
        let _first = msocket::tokio::tcp_connect(&sa, addr).await.unwrap();
        let pending = msocket::tokio::tcp_connect(&sa, addr);
        let other_work = async {
            let u1 = msocket::tokio::udp_bind(&sa, localhost()).unwrap();
            let u2 = msocket::tokio::udp_bind(&sa, localhost()).unwrap();
            u1.send_to(b"ping", u2.local_addr().unwrap()).await.unwrap();
            let mut buf = [0u8; 4];
            u2.recv_from(&mut buf).await.unwrap();
            buf
        };
        tokio::select! {
            biased;
            r = pending => panic!("the connect completed while the queue was full: {r:?}"),
            buf = other_work => assert_eq!(&buf, b"ping"),
        }
        drop(listener);
    });
}

#[test]
fn tokio_udp_and_ipv6() {
    rt().block_on(async {
        let h = Handle::open(a()).unwrap();
        let sb = Stack::open(b()).unwrap();
        let u = msocket::tokio::udp_bind(&h, "[::1]:0".parse().unwrap()).unwrap();
        let port = u.local_addr().unwrap();
        let same_port_in_b = msocket::tokio::udp_bind(&sb, port).unwrap();
        u.send_to(b"six", port).await.unwrap();
        let mut buf = [0u8; 3];
        let (n, from) = u.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"six"[..], port));
        drop(same_port_in_b);

        let socket = msocket::tokio::tcp_socket_v6(&h).unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind("[::1]:0".parse().unwrap()).unwrap();
        let listener = socket.listen(4).unwrap();
        let addr = listener.local_addr().unwrap();
        let (c, l) = tokio::join!(msocket::tokio::tcp_connect(&h, addr), listener.accept());
        assert_eq!(c.unwrap().local_addr().unwrap(), l.unwrap().1);
    });
}

#[test]
fn handle_from_stack_and_from_path() {
    let sa = Stack::open(a()).unwrap();
    let cookie = sa.info().unwrap().netns_cookie;
    let h1 = sa.handle().unwrap();
    let h2 = Handle::open(a()).unwrap();
    assert_eq!(cookie_of(&h1), cookie);
    assert_eq!(cookie_of(&h2), cookie);
    let fd = msocket::msocketat(&h2, libc::AF_INET, libc::SOCK_STREAM, 0).unwrap();
    assert_eq!(msocket::netns_cookie(&fd).unwrap(), cookie);
    // a handle is no directory: nothing to walk from it
    let dotdot = c"..";
    // SAFETY: a valid fd and C string.
    let r = unsafe { libc::openat(h1.as_raw_fd(), dotdot.as_ptr(), libc::O_RDONLY) };
    let e = std::io::Error::last_os_error();
    assert_eq!((r, e.raw_os_error()), (-1, Some(libc::ENOTDIR)));
    // SAFETY: a valid fd; F_GETFD takes no argument.
    let flags = unsafe { libc::fcntl(h1.as_raw_fd(), libc::F_GETFD) };
    assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    assert_eq!(errno(Handle::open("/")), Some(libc::ENOTSUP));
    assert_eq!(errno(Handle::open("/no/such")), Some(libc::ENOENT));
}

/// chmod of the stack revokes its handles (root only: it owns the stack;
/// crate.sh skips it in the unprivileged run).
#[test]
fn handle_revoked_by_chmod() {
    assert!(is_root(), "chmod of the stack needs its owner, root");
    let scratch = path("MSOCKET_TEST_STACK_SCRATCH");
    let h = Handle::open(&scratch).unwrap();
    h.socket(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    let mode = std::fs::metadata(&scratch).unwrap().permissions();
    std::fs::set_permissions(&scratch, std::fs::Permissions::from_mode(0o775)).unwrap();
    let revoked = h.tcp_listen(localhost());
    std::fs::set_permissions(&scratch, mode).unwrap();
    let e = revoked.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    // a new handle works again
    Handle::open(&scratch)
        .unwrap()
        .socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
        .unwrap();
}
