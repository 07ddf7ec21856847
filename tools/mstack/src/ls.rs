// SPDX-License-Identifier: GPL-2.0

//! `mstack ls [--json]`: every stack mounted in this mount namespace.
//!
//! Interfaces and addresses are read through the stack itself: a netlink
//! socket created with msocket in that stack, so listing needs no privilege
//! beyond permission to use it.

use crate::{newstack, Error};
use std::io::{self, Read, Write};

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interface {
    pub index: u32,
    pub name: String,
    pub up: bool,
    pub addresses: Vec<String>,
}

const RTM_GETLINK: u16 = 18;
const RTM_NEWLINK: u16 = 16;
const RTM_GETADDR: u16 = 22;
const RTM_NEWADDR: u16 = 20;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_DONE: u16 = 3;
const NLMSG_ERROR: u16 = 2;
const IFLA_IFNAME: u16 = 3;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn dump(sock: &mut std::fs::File, msg_type: u16, family: u8) -> io::Result<Vec<(u16, Vec<u8>)>> {
    // nlmsghdr (16) + ifinfomsg/ifaddrmsg (16 / 8; padded to 16 is fine for both)
    let mut req = vec![0u8; 32];
    req[0..4].copy_from_slice(&32u32.to_ne_bytes());
    req[4..6].copy_from_slice(&msg_type.to_ne_bytes());
    req[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    req[8..12].copy_from_slice(&1u32.to_ne_bytes());
    req[16] = family;
    sock.write_all(&req)?;
    let mut msgs = Vec::new();
    let mut buf = vec![0u8; 65536];
    loop {
        let n = sock.read(&mut buf)?;
        let mut off = 0;
        while off + 16 <= n {
            let len = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap()) as usize;
            let ty = u16::from_ne_bytes(buf[off + 4..off + 6].try_into().unwrap());
            if len < 16 || off + len > n {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "bad netlink message",
                ));
            }
            match ty {
                NLMSG_DONE => return Ok(msgs),
                NLMSG_ERROR => {
                    let err = i32::from_ne_bytes(buf[off + 16..off + 20].try_into().unwrap());
                    return Err(io::Error::from_raw_os_error(-err));
                }
                _ => msgs.push((ty, buf[off + 16..off + len].to_vec())),
            }
            off += align4(len);
        }
    }
}

fn attrs(body: &[u8], start: usize) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut off = start;
    while off + 4 <= body.len() {
        let len = u16::from_ne_bytes([body[off], body[off + 1]]) as usize;
        let ty = u16::from_ne_bytes([body[off + 2], body[off + 3]]) & 0x3fff;
        if len < 4 || off + len > body.len() {
            break;
        }
        out.push((ty, &body[off + 4..off + len]));
        off += align4(len);
    }
    out
}

/// Parses RTM_NEWLINK and RTM_NEWADDR message bodies into interfaces.
pub fn interfaces_from(links: &[(u16, Vec<u8>)], addrs: &[(u16, Vec<u8>)]) -> Vec<Interface> {
    let mut ifs: Vec<Interface> = Vec::new();
    for (ty, body) in links {
        if *ty != RTM_NEWLINK || body.len() < 16 {
            continue;
        }
        let index = i32::from_ne_bytes(body[4..8].try_into().unwrap()) as u32;
        let flags = u32::from_ne_bytes(body[8..12].try_into().unwrap());
        let name = attrs(body, 16)
            .into_iter()
            .find(|(t, _)| *t == IFLA_IFNAME)
            .map(|(_, v)| {
                String::from_utf8_lossy(v.split(|c| *c == 0).next().unwrap_or(&[])).into_owned()
            })
            .unwrap_or_default();
        ifs.push(Interface {
            index,
            name,
            up: flags & libc::IFF_UP as u32 != 0,
            addresses: Vec::new(),
        });
    }
    for (ty, body) in addrs {
        if *ty != RTM_NEWADDR || body.len() < 8 {
            continue;
        }
        let family = body[0];
        let prefix = body[1];
        let index = u32::from_ne_bytes(body[4..8].try_into().unwrap());
        let a = attrs(body, 8);
        let raw = a
            .iter()
            .find(|(t, _)| *t == IFA_LOCAL)
            .or_else(|| a.iter().find(|(t, _)| *t == IFA_ADDRESS));
        let Some((_, raw)) = raw else { continue };
        let text = match (family as i32, raw.len()) {
            (libc::AF_INET, 4) => {
                std::net::Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3]).to_string()
            }
            (libc::AF_INET6, 16) => {
                let mut o = [0u8; 16];
                o.copy_from_slice(raw);
                std::net::Ipv6Addr::from(o).to_string()
            }
            _ => continue,
        };
        if let Some(i) = ifs.iter_mut().find(|i| i.index == index) {
            i.addresses.push(format!("{text}/{prefix}"));
        }
    }
    ifs
}

fn interfaces(path: &str) -> io::Result<Vec<Interface>> {
    let fd = msocket::msocket(
        path,
        libc::AF_NETLINK,
        libc::SOCK_RAW | libc::SOCK_CLOEXEC,
        0,
    )?;
    let mut sock = std::fs::File::from(fd);
    let links = dump(&mut sock, RTM_GETLINK, 0);
    let addrs = links.as_ref().ok().map(|_| dump(&mut sock, RTM_GETADDR, 0));
    let links = links?;
    let addrs = addrs.unwrap_or_else(|| Ok(Vec::new()))?;
    Ok(interfaces_from(&links, &addrs))
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

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
        let info = msocket::Stack::open(&m.path).and_then(|s| s.info()).ok();
        let ifs = interfaces(&m.path).map_err(|e| e.to_string());
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

/// Prints the table or the JSON document.
pub fn ls(json: bool) -> Result<(), Error> {
    let rows = rows()?;
    let mut out = io::stdout().lock();
    if json {
        let mut items = Vec::new();
        for r in &rows {
            let mut f = vec![
                format!("\"path\":{}", json_str(&r.m.path)),
                format!("\"source\":{}", json_str(&r.m.source)),
                format!("\"options\":{}", json_str(&r.m.options)),
            ];
            if let Some(n) = &r.netns_name {
                f.push(format!("\"netns_name\":{}", json_str(n)));
            }
            match &r.info {
                Some(i) => f.push(format!(
                    "\"netns\":\"net:[{}]\",\"netns_ino\":{},\"netns_cookie\":{},\"uid\":{},\"gid\":{},\"mode\":\"{:04o}\"",
                    i.netns_ino, i.netns_ino, i.netns_cookie, i.uid, i.gid, i.mode
                )),
                None => f.push("\"netns\":null".into()),
            }
            f.push(format!(
                "\"profile\":{}",
                r.profile.as_deref().map_or("null".into(), json_str)
            ));
            match &r.ifs {
                Ok(ifs) => {
                    let list: Vec<String> = ifs
                        .iter()
                        .map(|i| {
                            let a: Vec<String> = i.addresses.iter().map(|a| json_str(a)).collect();
                            format!(
                                "{{\"name\":{},\"index\":{},\"up\":{},\"addresses\":[{}]}}",
                                json_str(&i.name),
                                i.index,
                                i.up,
                                a.join(",")
                            )
                        })
                        .collect();
                    f.push(format!("\"interfaces\":[{}]", list.join(",")));
                }
                Err(e) => f.push(format!(
                    "\"interfaces\":null,\"interfaces_error\":{}",
                    json_str(e)
                )),
            }
            items.push(format!("{{{}}}", f.join(",")));
        }
        writeln!(out, "[{}]", items.join(",")).ok();
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

    #[test]
    fn netlink_bodies() {
        // ifinfomsg: family, pad, type, index=1, flags=IFF_UP, change; IFLA_IFNAME "lo"
        let mut link = vec![0u8; 16];
        link[4..8].copy_from_slice(&1i32.to_ne_bytes());
        link[8..12].copy_from_slice(&(libc::IFF_UP as u32).to_ne_bytes());
        link.extend_from_slice(&7u16.to_ne_bytes());
        link.extend_from_slice(&IFLA_IFNAME.to_ne_bytes());
        link.extend_from_slice(b"lo\0\0");
        // ifaddrmsg: AF_INET, /8, flags, scope, index=1; IFA_LOCAL 127.0.0.1
        let mut addr = vec![libc::AF_INET as u8, 8, 0, 0];
        addr.extend_from_slice(&1u32.to_ne_bytes());
        addr.extend_from_slice(&8u16.to_ne_bytes());
        addr.extend_from_slice(&IFA_LOCAL.to_ne_bytes());
        addr.extend_from_slice(&[127, 0, 0, 1]);
        let ifs = interfaces_from(&[(RTM_NEWLINK, link)], &[(RTM_NEWADDR, addr)]);
        assert_eq!(
            ifs,
            vec![Interface {
                index: 1,
                name: "lo".into(),
                up: true,
                addresses: vec!["127.0.0.1/8".into()]
            }]
        );
    }

    #[test]
    fn json_strings() {
        assert_eq!(json_str("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(json_str("\u{1}"), "\"\\u0001\"");
    }
}
