// SPDX-License-Identifier: GPL-2.0

//! `mstack ls [--json]`: every stack mounted in this mount namespace.
//!
//! Interfaces and addresses are read through the stack itself: an rtnetlink
//! socket created with msocket in that stack (not by entering its network
//! namespace), so listing needs no privilege beyond permission to use the
//! stack, and mstack's own network namespace is never changed. The messages
//! are built and parsed by netlink-packet-route; the socket is a plain fd.
//!
//! `--json` prints one object, schema version [`SCHEMA_VERSION`], as
//! mstack(8) documents it.

use crate::{newstack, Error};
use netlink_packet_core::{
    DecodeError, Emitable, NetlinkDeserializable, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    NetlinkSerializable, Parseable, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_route::{
    address::{AddressAttribute, AddressMessage},
    link::{LinkAttribute, LinkFlags, LinkMessage},
};
use serde::Serialize;
use std::{
    fs::File,
    io::{self, Read, Write},
    net::IpAddr,
};

/// The version of the `ls --json` document; a change that renames, removes
/// or retypes a field bumps it (adding a field does not).
pub const SCHEMA_VERSION: u32 = 1;

/// One mounted stack, from /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounted {
    pub path: String,
    pub source: String,
    pub options: String,
}

fn unescape(s: &str) -> String {
    // mountinfo escapes space, tab, newline and backslash as \ooo
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses mountinfo text: the msockfs mounts in it.
pub fn parse_mountinfo(text: &str) -> Vec<Mounted> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 5 || r.len() < 3 || r[0] != "msockfs" {
            continue;
        }
        out.push(Mounted {
            path: unescape(l[4]),
            source: unescape(r[1]),
            options: r[2].to_string(),
        });
    }
    out
}

/// An interface with its addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Interface {
    pub name: String,
    pub index: u32,
    pub up: bool,
    /// `ADDRESS/PREFIX`, IPv4 and IPv6, in the kernel's order.
    pub addresses: Vec<String>,
}

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;

/// The two dump requests `ls` sends.
#[derive(Debug, Clone, Copy)]
enum Request {
    Links,
    Addresses,
}

impl NetlinkSerializable for Request {
    fn message_type(&self) -> u16 {
        match self {
            Request::Links => RTM_GETLINK,
            Request::Addresses => RTM_GETADDR,
        }
    }
    fn buffer_len(&self) -> usize {
        match self {
            Request::Links => LinkMessage::default().buffer_len(),
            Request::Addresses => AddressMessage::default().buffer_len(),
        }
    }
    fn serialize(&self, buffer: &mut [u8]) {
        match self {
            Request::Links => LinkMessage::default().emit(buffer),
            Request::Addresses => AddressMessage::default().emit(buffer),
        }
    }
}

/// The replies `ls` reads. Only links and addresses are parsed (with
/// netlink-packet-route's parsers), rather than every rtnetlink message
/// type through `RouteNetlinkMessage`, whose parsers of routes, neighbours,
/// traffic control... would add 360 KB to the stripped binary (2.04 MB
/// with this type, 2.40 MB without, measured with rustc 1.95).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Link(LinkMessage),
    Address(AddressMessage),
    Other(u16),
}

impl NetlinkDeserializable for Reply {
    type Error = DecodeError;
    fn deserialize(header: &NetlinkHeader, payload: &[u8]) -> Result<Self, DecodeError> {
        Ok(match header.message_type {
            RTM_NEWLINK => Reply::Link(LinkMessage::parse(payload)?),
            RTM_NEWADDR => Reply::Address(AddressMessage::parse(payload)?),
            t => Reply::Other(t),
        })
    }
}

/// Sends a dump request for `payload` and collects the answers.
fn dump(sock: &mut File, request: Request) -> io::Result<Vec<Reply>> {
    let mut req = NetlinkMessage::new(
        NetlinkHeader::default(),
        NetlinkPayload::InnerMessage(request),
    );
    req.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.header.sequence_number = 1;
    req.finalize();
    let mut buf = vec![0u8; req.buffer_len()];
    req.serialize(&mut buf);
    sock.write_all(&buf)?;
    let mut msgs = Vec::new();
    // The kernel fills dump replies up to 32 KiB (or the reader's buffer).
    buf.resize(65536, 0);
    loop {
        let n = sock.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if parse_replies(&buf[..n], &mut msgs)? {
            return Ok(msgs);
        }
    }
}

/// Parses one datagram of netlink replies into `out`; true at the end of
/// the dump.
pub fn parse_replies(mut buf: &[u8], out: &mut Vec<Reply>) -> io::Result<bool> {
    let bad = |e: netlink_packet_core::DecodeError| io::Error::new(io::ErrorKind::InvalidData, e);
    while !buf.is_empty() {
        let msg = NetlinkMessage::<Reply>::deserialize(buf).map_err(bad)?;
        let len = msg.header.length as usize;
        match msg.payload {
            NetlinkPayload::Done(d) if d.code < 0 => {
                return Err(io::Error::from_raw_os_error(-d.code))
            }
            NetlinkPayload::Done(_) => return Ok(true),
            NetlinkPayload::Error(e) => {
                if let Some(code) = e.code {
                    return Err(io::Error::from_raw_os_error(-code.get()));
                }
            }
            NetlinkPayload::InnerMessage(m) => out.push(m),
            _ => {}
        }
        // Messages are 4-byte aligned within a datagram.
        buf = buf.get((len + 3) & !3..).unwrap_or_default();
    }
    Ok(false)
}

/// Interfaces and their addresses from RTM_NEWLINK and RTM_NEWADDR messages.
pub fn interfaces_from(msgs: &[Reply]) -> Vec<Interface> {
    let mut ifs: Vec<Interface> = msgs
        .iter()
        .filter_map(|m| match m {
            Reply::Link(l) => Some(link(l)),
            _ => None,
        })
        .collect();
    for m in msgs {
        let Reply::Address(a) = m else {
            continue;
        };
        if let (Some(text), Some(i)) = (
            address(a),
            ifs.iter_mut().find(|i| i.index == a.header.index),
        ) {
            i.addresses.push(text);
        }
    }
    ifs
}

fn link(l: &LinkMessage) -> Interface {
    Interface {
        index: l.header.index,
        name: l
            .attributes
            .iter()
            .find_map(|a| match a {
                LinkAttribute::IfName(n) => Some(n.clone()),
                _ => None,
            })
            .unwrap_or_default(),
        up: l.header.flags.contains(LinkFlags::Up),
        addresses: Vec::new(),
    }
}

/// `ADDRESS/PREFIX`: the local address (IFA_LOCAL), or IFA_ADDRESS without
/// one (IPv6, or a peer address on a point-to-point link).
fn address(a: &AddressMessage) -> Option<String> {
    let find = |local: bool| {
        a.attributes.iter().find_map(|at| match at {
            AddressAttribute::Local(ip) if local => Some(*ip),
            AddressAttribute::Address(ip) if !local => Some(*ip),
            _ => None,
        })
    };
    let ip: IpAddr = find(true).or_else(|| find(false))?;
    Some(format!("{ip}/{}", a.header.prefix_len))
}

/// The interfaces of `stack`, through an rtnetlink socket created in it.
fn interfaces(stack: &msocket::Stack) -> io::Result<Vec<Interface>> {
    let fd = stack.socket(
        libc::AF_NETLINK,
        libc::SOCK_RAW | libc::SOCK_CLOEXEC,
        libc::NETLINK_ROUTE,
    )?;
    let mut sock = File::from(fd);
    let mut msgs = dump(&mut sock, Request::Links)?;
    msgs.extend(dump(&mut sock, Request::Addresses)?);
    Ok(interfaces_from(&msgs))
}

/// One stack: what `ls` prints.
struct Row {
    m: Mounted,
    info: Option<msocket::StackInfo>,
    ifs: Result<Vec<Interface>, String>,
    profile: Option<String>,
    netns_name: Option<String>,
}

fn rows() -> Result<Vec<Row>, Error> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| Error::io("/proc/self/mountinfo".into(), e))?;
    let mut rows = Vec::new();
    for m in parse_mountinfo(&text) {
        let stack = msocket::Stack::open(&m.path);
        let info = stack.as_ref().ok().and_then(|s| s.info().ok());
        let ifs = match &stack {
            Ok(s) => interfaces(s).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let netns_name = m
            .source
            .strip_prefix("netns=")
            .filter(|n| !n.contains('/'))
            .map(String::from);
        let profile = netns_name
            .as_deref()
            .and_then(|n| newstack::read_meta(n).get("profile").cloned());
        rows.push(Row {
            m,
            info,
            ifs,
            profile,
            netns_name,
        });
    }
    Ok(rows)
}

/// The `ls --json` document (mstack(8), JSON OUTPUT).
#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    stacks: Vec<StackJson<'a>>,
}

/// One stack in the document: every field is always present, `null` when
/// unknown.
#[derive(Serialize)]
struct StackJson<'a> {
    path: &'a str,
    source: &'a str,
    options: &'a str,
    netns_name: Option<&'a str>,
    netns: Option<String>,
    netns_ino: Option<u64>,
    netns_cookie: Option<u64>,
    uid: Option<u32>,
    gid: Option<u32>,
    mode: Option<String>,
    profile: Option<&'a str>,
    interfaces: Option<&'a [Interface]>,
    interfaces_error: Option<&'a str>,
}

impl<'a> From<&'a Row> for StackJson<'a> {
    fn from(r: &'a Row) -> Self {
        let i = r.info.as_ref();
        StackJson {
            path: &r.m.path,
            source: &r.m.source,
            options: &r.m.options,
            netns_name: r.netns_name.as_deref(),
            netns: i.map(|i| format!("net:[{}]", i.netns_ino)),
            netns_ino: i.map(|i| i.netns_ino),
            netns_cookie: i.map(|i| i.netns_cookie),
            uid: i.map(|i| i.uid),
            gid: i.map(|i| i.gid),
            mode: i.map(|i| format!("{:04o}", i.mode)),
            profile: r.profile.as_deref(),
            interfaces: r.ifs.as_deref().ok(),
            interfaces_error: r.ifs.as_ref().err().map(String::as_str),
        }
    }
}

fn json(rows: &[Row]) -> String {
    let doc = Document {
        version: SCHEMA_VERSION,
        stacks: rows.iter().map(StackJson::from).collect(),
    };
    serde_json::to_string(&doc).expect("the document has only strings, numbers and lists")
}

/// Prints the table or the JSON document.
pub fn ls(json_output: bool) -> Result<(), Error> {
    let rows = rows()?;
    let mut out = io::stdout().lock();
    if json_output {
        writeln!(out, "{}", json(&rows)).ok();
        return Ok(());
    }
    writeln!(
        out,
        "{:<20} {:<18} {:<24} {:<12} {:<10} INTERFACES",
        "PATH", "NETNS", "SOURCE", "OWNER", "PROFILE"
    )
    .ok();
    for r in &rows {
        let (ns, owner) = match &r.info {
            Some(i) => (
                format!("net:[{}]", i.netns_ino),
                format!("{}:{} {:04o}", i.uid, i.gid, i.mode),
            ),
            None => ("?".into(), "?".into()),
        };
        let ifs = match &r.ifs {
            Ok(ifs) => ifs
                .iter()
                .map(|i| {
                    let state = if i.up { "" } else { "(down)" };
                    if i.addresses.is_empty() {
                        format!("{}{state}", i.name)
                    } else {
                        format!("{}{state}={}", i.name, i.addresses.join(","))
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
            Err(e) => format!("({e})"),
        };
        writeln!(
            out,
            "{:<20} {:<18} {:<24} {:<12} {:<10} {}",
            r.m.path,
            ns,
            r.m.source,
            owner,
            r.profile.as_deref().unwrap_or("-"),
            ifs
        )
        .ok();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo() {
        let text = "22 1 0:21 / /proc rw,nosuid - proc proc rw\n\
                    40 22 0:40 / /dev/net/my\\040vpn rw,relatime - msockfs netns=vpn rw,uid=0,gid=0,mode=755\n\
                    41 22 0:41 / /x rw - msockfs net:[4026532] rw,uid=1,gid=2,mode=700\n";
        let m = parse_mountinfo(text);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].path, "/dev/net/my vpn");
        assert_eq!(m[0].source, "netns=vpn");
        assert_eq!(m[0].options, "rw,uid=0,gid=0,mode=755");
        assert_eq!(m[1].source, "net:[4026532]");
    }

    /// Appends one netlink message (header + body) as the kernel sends it.
    fn nlmsg(out: &mut Vec<u8>, ty: u16, flags: u16, body: &[u8]) {
        let len = 16 + body.len();
        out.extend_from_slice(&(len as u32).to_ne_bytes());
        out.extend_from_slice(&ty.to_ne_bytes());
        out.extend_from_slice(&flags.to_ne_bytes());
        out.extend_from_slice(&1u32.to_ne_bytes());
        out.extend_from_slice(&0u32.to_ne_bytes());
        out.extend_from_slice(body);
        out.resize((out.len() + 3) & !3, 0);
    }

    /// A link dump and an address dump of a namespace with loopback up, in
    /// the kernel's byte layout.
    fn kernel_replies() -> (Vec<u8>, Vec<u8>) {
        const NLMSG_DONE: u16 = 3;
        const MULTI: u16 = 2;
        // ifinfomsg: family, pad, type, index=1, flags=IFF_UP, change; IFLA_IFNAME "lo"
        let mut link = vec![0u8; 16];
        link[4..8].copy_from_slice(&1i32.to_ne_bytes());
        link[8..12].copy_from_slice(&(libc::IFF_UP as u32).to_ne_bytes());
        link.extend_from_slice(&7u16.to_ne_bytes());
        link.extend_from_slice(&3u16.to_ne_bytes()); // IFLA_IFNAME
        link.extend_from_slice(b"lo\0\0");
        // a second link, down, without addresses
        let mut down = vec![0u8; 16];
        down[4..8].copy_from_slice(&2i32.to_ne_bytes());
        down.extend_from_slice(&9u16.to_ne_bytes());
        down.extend_from_slice(&3u16.to_ne_bytes());
        down.extend_from_slice(b"tap0\0\0\0\0");
        let mut links = Vec::new();
        nlmsg(&mut links, RTM_NEWLINK, MULTI, &link);
        nlmsg(&mut links, RTM_NEWLINK, MULTI, &down);
        nlmsg(&mut links, NLMSG_DONE, MULTI, &0i32.to_ne_bytes());
        // ifaddrmsg: AF_INET, /8, flags, scope, index=1; IFA_LOCAL 127.0.0.1
        let mut v4 = vec![libc::AF_INET as u8, 8, 0, 0];
        v4.extend_from_slice(&1u32.to_ne_bytes());
        v4.extend_from_slice(&8u16.to_ne_bytes());
        v4.extend_from_slice(&2u16.to_ne_bytes()); // IFA_LOCAL
        v4.extend_from_slice(&[127, 0, 0, 1]);
        // AF_INET6 ::1/128 as IFA_ADDRESS only
        let mut v6 = vec![libc::AF_INET6 as u8, 128, 0, 0];
        v6.extend_from_slice(&1u32.to_ne_bytes());
        v6.extend_from_slice(&20u16.to_ne_bytes());
        v6.extend_from_slice(&1u16.to_ne_bytes()); // IFA_ADDRESS
        v6.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
        let mut addrs = Vec::new();
        nlmsg(&mut addrs, RTM_NEWADDR, MULTI, &v4);
        nlmsg(&mut addrs, RTM_NEWADDR, MULTI, &v6);
        nlmsg(&mut addrs, NLMSG_DONE, MULTI, &0i32.to_ne_bytes());
        (links, addrs)
    }

    #[test]
    fn netlink_replies() {
        let (links, addrs) = kernel_replies();
        let mut msgs = Vec::new();
        assert!(parse_replies(&links, &mut msgs).unwrap());
        assert!(parse_replies(&addrs, &mut msgs).unwrap());
        assert_eq!(
            interfaces_from(&msgs),
            vec![
                Interface {
                    index: 1,
                    name: "lo".into(),
                    up: true,
                    addresses: vec!["127.0.0.1/8".into(), "::1/128".into()]
                },
                Interface {
                    index: 2,
                    name: "tap0".into(),
                    up: false,
                    addresses: vec![]
                }
            ]
        );
        // Without NLMSG_DONE the dump goes on.
        let mut part = Vec::new();
        assert!(!parse_replies(&links[..links.len() - 20], &mut part).unwrap());
        assert_eq!(part.len(), 2);
    }

    #[test]
    fn netlink_errors() {
        // NLMSG_ERROR with -EPERM
        let mut err = Vec::new();
        let mut body = (-libc::EPERM).to_ne_bytes().to_vec();
        body.extend_from_slice(&[0u8; 16]); // the request's header
        nlmsg(&mut err, 2, 0, &body);
        let e = parse_replies(&err, &mut Vec::new()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EPERM));
        // NLMSG_DONE carrying an error (an interrupted dump)
        let mut done = Vec::new();
        nlmsg(&mut done, 3, 2, &(-libc::EINTR).to_ne_bytes());
        let e = parse_replies(&done, &mut Vec::new()).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EINTR));
        // A truncated message
        let (links, _) = kernel_replies();
        assert!(parse_replies(&links[..20], &mut Vec::new()).is_err());
    }

    #[test]
    fn json_schema_v1() {
        let rows = [
            Row {
                m: Mounted {
                    path: "/dev/net/sat \"1\"".into(),
                    source: "netns=sat".into(),
                    options: "rw,uid=0,gid=0,mode=755".into(),
                },
                info: Some(msocket::StackInfo {
                    netns_ino: 4026532165,
                    netns_cookie: 7,
                    uid: 0,
                    gid: 100,
                    mode: 0o770,
                }),
                ifs: Ok(vec![Interface {
                    index: 1,
                    name: "lo".into(),
                    up: true,
                    addresses: vec!["127.0.0.1/8".into()],
                }]),
                profile: Some("satellite".into()),
                netns_name: Some("sat".into()),
            },
            Row {
                m: Mounted {
                    path: "/x".into(),
                    source: "net:[1]".into(),
                    options: "rw".into(),
                },
                info: None,
                ifs: Err("Permission denied (os error 13)".into()),
                profile: None,
                netns_name: None,
            },
        ];
        assert_eq!(
            json(&rows),
            concat!(
                r#"{"version":1,"stacks":["#,
                r#"{"path":"/dev/net/sat \"1\"","source":"netns=sat","options":"rw,uid=0,gid=0,mode=755","#,
                r#""netns_name":"sat","netns":"net:[4026532165]","netns_ino":4026532165,"netns_cookie":7,"#,
                r#""uid":0,"gid":100,"mode":"0770","profile":"satellite","#,
                r#""interfaces":[{"name":"lo","index":1,"up":true,"addresses":["127.0.0.1/8"]}],"#,
                r#""interfaces_error":null},"#,
                r#"{"path":"/x","source":"net:[1]","options":"rw","netns_name":null,"netns":null,"#,
                r#""netns_ino":null,"netns_cookie":null,"uid":null,"gid":null,"mode":null,"profile":null,"#,
                r#""interfaces":null,"interfaces_error":"Permission denied (os error 13)"}]}"#
            )
        );
    }
}
