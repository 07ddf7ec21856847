// SPDX-License-Identifier: GPL-2.0

//! The msocket seed example in Rust: one process serves and reaches the
//! same 127.0.0.1 port in two stacks.
//!
//!     two-stacks-rs /dev/net/lan /dev/net/vpn [port]

use msocket::Stack;
use std::{
    io::{Read, Write},
    net::SocketAddr,
};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: {} STACK1 STACK2 [PORT]", args[0]);
        std::process::exit(2);
    }
    let port: u16 = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(8080);
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    for path in &args[1..3] {
        let stack = Stack::open(path)?;
        let info = stack.info()?;
        let listener = stack.tcp_listen(addr)?;
        let mut client = stack.tcp_connect(addr)?;
        let (mut conn, _) = listener.accept()?;
        write!(conn, "server in {path} (net:[{}])", info.netns_ino)?;
        drop(conn);
        let mut reply = String::new();
        client.read_to_string(&mut reply)?;
        println!("{addr} via {path:<14} -> \"{reply}\"");
    }
    Ok(())
}
