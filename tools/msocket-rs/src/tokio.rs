// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause

//! Tokio sockets in a stack (feature `tokio`).
//!
//! The socket is created non-blocking in the stack with `MSOCK_IOC_SOCKET`
//! (one ioctl that does not block), then handed to Tokio, which connects,
//! accepts and transfers without blocking the runtime. Every function takes
//! a [`Stack`](crate::Stack) or a [`Handle`](crate::Handle) (any
//! [`SocketSource`]):
//!
//! ```no_run
//! use msocket::Stack;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//!     let vpn = Stack::open("/dev/net/vpn")?;
//!     let mut stream = msocket::tokio::tcp_connect(&vpn, ([10, 0, 0, 1], 80).into()).await?;
//!     stream.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
//!     let mut reply = Vec::new();
//!     stream.read_to_end(&mut reply).await?;
//!
//!     // a server in another stack, in the same task
//!     let lan = msocket::Handle::open("/dev/net/lan")?;
//!     let listener = msocket::tokio::tcp_listen(&lan, ([127, 0, 0, 1], 8080).into())?;
//!     let (conn, peer) = listener.accept().await?;
//!     Ok(())
//! }
//! ```
//!
//! Addresses are [`SocketAddr`]s: a host name would be resolved by the
//! process' own resolver, in its own network stack, not in the stack the
//! socket is created in.
//!
//! The functions that return a listener or a bound UDP socket register it
//! with the Tokio runtime: like `tokio::net::TcpListener::from_std`, they
//! panic when called outside a runtime with I/O enabled.

use crate::SocketSource;
use std::{io, net::SocketAddr};
use tokio::net::{TcpListener, TcpSocket, TcpStream, UdpSocket};

/// A TCP connection to `addr` from the stack, connected asynchronously.
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// let vpn = msocket::Handle::open("/dev/net/vpn")?;
/// let stream = msocket::tokio::tcp_connect(&vpn, "[fd00::1]:443".parse().unwrap()).await?;
/// # Ok(()) }
/// ```
pub async fn tcp_connect<S: SocketSource + ?Sized>(
    stack: &S,
    addr: SocketAddr,
) -> io::Result<TcpStream> {
    let socket = tcp_socket(stack, &addr)?;
    socket.connect(addr).await
}

/// A TCP listener on `addr` in the stack (with `SO_REUSEADDR`, as
/// `tokio::net::TcpListener::bind` sets it).
///
/// # Panics
///
/// Outside a Tokio runtime with I/O enabled.
pub fn tcp_listen<S: SocketSource + ?Sized>(
    stack: &S,
    addr: SocketAddr,
) -> io::Result<TcpListener> {
    let sock = crate::listener_socket(stack, &addr, libc::SOCK_NONBLOCK)?;
    TcpListener::from_std(sock.into())
}

/// A UDP socket bound to `addr` in the stack.
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// let lan = msocket::Stack::open("/dev/net/lan")?;
/// let udp = msocket::tokio::udp_bind(&lan, ([0, 0, 0, 0], 0).into())?;
/// udp.send_to(b"ping", "192.0.2.1:7".parse::<std::net::SocketAddr>().unwrap()).await?;
/// # Ok(()) }
/// ```
///
/// # Panics
///
/// Outside a Tokio runtime with I/O enabled.
pub fn udp_bind<S: SocketSource + ?Sized>(stack: &S, addr: SocketAddr) -> io::Result<UdpSocket> {
    let sock = crate::datagram_socket(stack, &addr, libc::SOCK_NONBLOCK)?;
    UdpSocket::from_std(sock.into())
}

/// An unconnected IPv4 TCP socket in the stack, to set options on before
/// `connect` or `bind` + `listen` (as `tokio::net::TcpSocket::new_v4`).
///
/// ```no_run
/// # async fn f() -> std::io::Result<()> {
/// let vpn = msocket::Stack::open("/dev/net/vpn")?;
/// let socket = msocket::tokio::tcp_socket_v4(&vpn)?;
/// socket.set_nodelay(true)?;
/// socket.bind(([10, 0, 0, 2], 0).into())?;
/// let stream = socket.connect(([10, 0, 0, 1], 80).into()).await?;
/// # Ok(()) }
/// ```
pub fn tcp_socket_v4<S: SocketSource + ?Sized>(stack: &S) -> io::Result<TcpSocket> {
    tcp_socket(stack, &SocketAddr::from(([0, 0, 0, 0], 0)))
}

/// An unconnected IPv6 TCP socket in the stack (as
/// `tokio::net::TcpSocket::new_v6`).
pub fn tcp_socket_v6<S: SocketSource + ?Sized>(stack: &S) -> io::Result<TcpSocket> {
    tcp_socket(stack, &SocketAddr::from(([0u16; 8], 0)))
}

fn tcp_socket<S: SocketSource + ?Sized>(stack: &S, addr: &SocketAddr) -> io::Result<TcpSocket> {
    let sock = crate::stream_socket(stack, addr, libc::SOCK_NONBLOCK)?;
    Ok(TcpSocket::from_std_stream(sock.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Handle, Stack};
    use std::os::fd::OwnedFd;

    /// Not a stack: errors come back through the futures, the runtime is
    /// never blocked nor panics.
    #[tokio::test(flavor = "current_thread")]
    async fn errors_from_a_fd_that_is_not_a_stack() {
        let dir = OwnedFd::from(std::fs::File::open("/").unwrap());
        let stack = Stack::from(dir.try_clone().unwrap());
        let handle = Handle::from(dir);
        let addr: SocketAddr = ([127, 0, 0, 1], 9).into();
        for s in [&stack as &dyn SocketSource, &handle] {
            let e = tcp_connect(s, addr).await.unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::ENOTTY));
            let e = tcp_listen(s, addr).unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::ENOTTY));
            let e = udp_bind(s, addr).unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::ENOTTY));
            let e = tcp_socket_v6(s).unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::ENOTTY));
        }
    }

    /// The futures can be spawned on a multi-threaded runtime.
    #[test]
    fn futures_are_send() {
        fn send<T: Send>(_: T) {}
        let stack = Stack::from(OwnedFd::from(std::fs::File::open("/").unwrap()));
        send(tcp_connect(&stack, ([127, 0, 0, 1], 9).into()));
        let handle = std::sync::Arc::new(Handle::from(OwnedFd::from(stack.try_clone().unwrap())));
        send(async move { tcp_connect(&handle, ([127, 0, 0, 1], 9).into()).await });
    }
}
