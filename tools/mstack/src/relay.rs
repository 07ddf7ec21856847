// SPDX-License-Identifier: GPL-2.0

//! `mstack relay FROM LISTEN TO CONNECT`: listen on LISTEN in stack FROM and
//! relay every TCP connection (or UDP flow with `--udp`) to CONNECT in stack
//! TO, in one process. It needs only permission to use both stacks, so an
//! unprivileged user can expose a service of one stack in another.

use crate::Error;
use msocket::Stack;
use std::{
    collections::HashMap,
    io,
    net::{Shutdown, SocketAddr, TcpStream, UdpSocket},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    thread,
    time::{Duration, Instant},
};

/// Options of `mstack relay`.
#[derive(Debug, Clone)]
pub struct RelayOptions {
    pub udp: bool,
    /// Stop after this many TCP connections were relayed (and closed).
    pub max_connections: Option<usize>,
    /// Stop after this long without traffic.
    pub idle_timeout: Option<Duration>,
    pub verbose: bool,
}

/// Parses `ADDR:PORT` (IPv6 in brackets); a bare port means 127.0.0.1.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    s.parse::<SocketAddr>()
        .map_err(|_| format!("'{s}': expected ADDR:PORT, [ADDR6]:PORT or PORT"))
}

fn pipe(mut from: TcpStream, mut to: TcpStream) -> io::Result<u64> {
    let n = io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
    n
}

fn tcp(
    from: &Stack,
    listen: SocketAddr,
    to: Arc<Stack>,
    target: SocketAddr,
    o: &RelayOptions,
) -> Result<(), Error> {
    let listener = from
        .tcp_listen(listen)
        .map_err(|e| Error::io(format!("cannot listen on {listen}"), e))?;
    if o.verbose {
        eprintln!("mstack: relaying tcp {listen} -> {target}");
    }
    let done = Arc::new(AtomicUsize::new(0));
    let mut started = 0usize;
    let mut handles = Vec::new();
    // Non-blocking, so that the bounds are checked between connections.
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::io("listener".into(), e))?;
    let mut last = Instant::now();
    loop {
        if o.max_connections.is_some_and(|m| started >= m) {
            break;
        }
        let (client, peer) = match listener.accept() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if o.idle_timeout.is_some_and(|t| last.elapsed() > t)
                    && done.load(Ordering::SeqCst) == started
                {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
                continue;
            }
            Err(e) => return Err(Error::io("accept".into(), e)),
        };
        client.set_nonblocking(false).ok();
        last = Instant::now();
        started += 1;
        let to = to.clone();
        let done = done.clone();
        let verbose = o.verbose;
        handles.push(thread::spawn(move || {
            match to.tcp_connect(target) {
                Ok(upstream) => {
                    let (c2, u2) = (client.try_clone(), upstream.try_clone());
                    if let (Ok(c2), Ok(u2)) = (c2, u2) {
                        let up = thread::spawn(move || pipe(c2, u2));
                        let down = pipe(upstream, client);
                        let up = up.join().ok().and_then(|r| r.ok());
                        if verbose {
                            eprintln!(
                                "mstack: {peer}: {} bytes up, {} down",
                                up.unwrap_or(0),
                                down.unwrap_or(0)
                            );
                        }
                    }
                }
                Err(e) => eprintln!("mstack: {peer}: cannot connect to {target}: {e}"),
            }
            done.fetch_add(1, Ordering::SeqCst);
        }));
    }
    for h in handles {
        let _ = h.join();
    }
    Ok(())
}

fn udp(
    from: &Stack,
    listen: SocketAddr,
    to: Arc<Stack>,
    target: SocketAddr,
    o: &RelayOptions,
) -> Result<(), Error> {
    let front = Arc::new(
        from.udp_bind(listen)
            .map_err(|e| Error::io(format!("cannot bind {listen}"), e))?,
    );
    front
        .set_read_timeout(Some(Duration::from_millis(100)))
        .ok();
    if o.verbose {
        eprintln!("mstack: relaying udp {listen} -> {target}");
    }
    let any: SocketAddr = if target.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let flows: Arc<Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>> = Arc::default();
    let last = Arc::new(Mutex::new(Instant::now()));
    let mut buf = vec![0u8; 65536];
    loop {
        if o.idle_timeout
            .is_some_and(|t| last.lock().unwrap().elapsed() > t)
        {
            break;
        }
        let (n, client) = match front.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) => return Err(Error::io("recv".into(), e)),
        };
        *last.lock().unwrap() = Instant::now();
        let upstream = {
            let mut map = flows.lock().unwrap();
            if let Some(u) = map.get(&client) {
                u.clone()
            } else {
                let u = Arc::new(
                    to.udp_bind(any)
                        .and_then(|u| u.connect(target).map(|_| u))
                        .map_err(|e| Error::io(format!("cannot reach {target}"), e))?,
                );
                u.set_read_timeout(Some(Duration::from_millis(200))).ok();
                map.insert(client, u.clone());
                let (u2, f2, l2, idle) = (u.clone(), front.clone(), last.clone(), o.idle_timeout);
                thread::spawn(move || {
                    let mut b = vec![0u8; 65536];
                    loop {
                        match u2.recv(&mut b) {
                            Ok(n) => {
                                *l2.lock().unwrap() = Instant::now();
                                let _ = f2.send_to(&b[..n], client);
                            }
                            Err(_) if idle.is_some_and(|t| l2.lock().unwrap().elapsed() > t) => {
                                break
                            }
                            Err(_) => {}
                        }
                    }
                });
                u
            }
        };
        let _ = upstream.send(&buf[..n]);
    }
    Ok(())
}

/// Runs the relay until its bounds (if any) are reached.
pub fn relay(
    from: &str,
    listen: SocketAddr,
    to: &str,
    target: SocketAddr,
    o: &RelayOptions,
) -> Result<(), Error> {
    let from_stack =
        Stack::open(from).map_err(|e| Error::io(format!("cannot use stack {from}"), e))?;
    let to_stack =
        Arc::new(Stack::open(to).map_err(|e| Error::io(format!("cannot use stack {to}"), e))?);
    // Fail early, before accepting anything, if TO may not be used.
    drop(
        to_stack
            .socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0)
            .map_err(|e| Error::io(format!("cannot use stack {to}"), e))?,
    );
    if o.udp {
        udp(&from_stack, listen, to_stack, target, o)
    } else {
        tcp(&from_stack, listen, to_stack, target, o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_addr("8080").unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            parse_addr("10.0.0.1:80").unwrap(),
            "10.0.0.1:80".parse().unwrap()
        );
        assert_eq!(parse_addr("[::1]:53").unwrap(), "[::1]:53".parse().unwrap());
        assert!(parse_addr("::1:53").is_err());
        assert!(parse_addr("host:80").is_err());
        assert!(parse_addr("70000").is_err());
    }
}
