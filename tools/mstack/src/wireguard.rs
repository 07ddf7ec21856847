// SPDX-License-Identifier: GPL-2.0

//! `mstack new NAME --uplink wireguard:CONF`: a VPN stack in one command.
//!
//! WireGuard's "network namespace" pattern: the interface is created in
//! the caller's network namespace, where its UDP socket stays for the
//! interface's whole life, and then moved into the new stack. Everything in
//! the stack goes through the tunnel only (its routes point at the
//! interface, and it has no other), while the encrypted packets leave
//! through the caller's stack.
//!
//! CONF is a wg-quick configuration: `[Interface]` PrivateKey, Address, DNS,
//! MTU, ListenPort, FwMark, Table (`auto` or `off`); `[Peer]` PublicKey,
//! PresharedKey, AllowedIPs, Endpoint, PersistentKeepalive. Shell hooks
//! (PreUp, PostUp, PreDown, PostDown) are refused: mstack runs no scripts.
//! Routes: one per AllowedIPs prefix of every peer, through the interface
//! (`0.0.0.0/0` is the stack's default route: no fwmark tricks are needed,
//! as the endpoint is reached from the caller's stack). DNS servers and
//! search domains go to /etc/netns/NAME/resolv.conf.
//!
//! Everything is done over netlink (rtnetlink for the link, addresses and
//! routes; WireGuard's generic netlink family for keys and peers), through
//! the netlink-packet-* crates; inside the stack, the netlink socket is made
//! by msocket itself.

use crate::Error;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use netlink_packet_core::{
    NetlinkDeserializable, NetlinkMessage, NetlinkPayload, NetlinkSerializable, NLM_F_ACK,
    NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
};
use netlink_packet_generic::{
    ctrl::{nlas::GenlCtrlAttrs, GenlCtrl, GenlCtrlCmd},
    GenlMessage,
};
use netlink_packet_route::{
    address::{AddressAttribute, AddressMessage},
    link::{InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage},
    route::{RouteAddress, RouteAttribute, RouteMessage, RouteProtocol, RouteScope, RouteType},
    AddressFamily, RouteNetlinkMessage,
};
use netlink_packet_wireguard::{
    WireguardAddressFamily, WireguardAllowedIp, WireguardAllowedIpAttr, WireguardAttribute,
    WireguardCmd, WireguardMessage, WireguardPeer, WireguardPeerAttribute,
};
use std::{
    io,
    net::{IpAddr, SocketAddr, ToSocketAddrs},
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
};

/// An IP prefix, `ADDR/LEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    pub addr: IpAddr,
    pub len: u8,
}

impl std::str::FromStr for Prefix {
    type Err = String;
    fn from_str(s: &str) -> Result<Prefix, String> {
        let (a, l) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s, None),
        };
        let addr: IpAddr = a.trim().parse().map_err(|_| format!("bad address '{s}'"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            Some(l) => l
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|l| *l <= max)
                .ok_or_else(|| format!("bad prefix length in '{s}'"))?,
            None => max,
        };
        Ok(Prefix { addr, len })
    }
}

/// A `[Peer]` section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Peer {
    pub public_key: [u8; 32],
    pub preshared_key: Option<[u8; 32]>,
    pub allowed_ips: Vec<Prefix>,
    /// As written (`host:port`), resolved when the interface is set up.
    pub endpoint: Option<String>,
    pub keepalive: Option<u16>,
}

/// A wg-quick configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    pub private_key: [u8; 32],
    pub addresses: Vec<Prefix>,
    pub dns: Vec<IpAddr>,
    pub search: Vec<String>,
    pub mtu: Option<u32>,
    pub listen_port: Option<u16>,
    pub fwmark: Option<u32>,
    /// `Table = off`: no routes.
    pub no_routes: bool,
    pub peers: Vec<Peer>,
}

fn key(v: &str, what: &str) -> Result<[u8; 32], String> {
    STANDARD
        .decode(v.trim())
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or_else(|| format!("{what}: not a base64 WireGuard key"))
}

fn number<T: std::str::FromStr>(v: &str, what: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("{what}: bad number '{v}'"))
}

/// Parses a wg-quick configuration.
pub fn parse(text: &str) -> Result<Config, String> {
    #[derive(PartialEq)]
    enum Section {
        None,
        Interface,
        Peer,
    }
    let mut c = Config::default();
    let mut have_key = false;
    let mut section = Section::None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = |m: String| format!("line {}: {m}", i + 1);
        if line.starts_with('[') {
            section = match line.to_ascii_lowercase().as_str() {
                "[interface]" => Section::Interface,
                "[peer]" => {
                    c.peers.push(Peer::default());
                    Section::Peer
                }
                _ => return Err(at(format!("unknown section {line}"))),
            };
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| at("expected KEY = VALUE".into()))?;
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        let list = || v.split(',').map(str::trim).filter(|s| !s.is_empty());
        match (&section, k.as_str()) {
            (Section::Interface, "privatekey") => {
                c.private_key = key(v, "PrivateKey").map_err(at)?;
                have_key = true;
            }
            (Section::Interface, "address") => {
                for a in list() {
                    c.addresses.push(a.parse().map_err(at)?);
                }
            }
            (Section::Interface, "dns") => {
                for a in list() {
                    match a.parse() {
                        Ok(ip) => c.dns.push(ip),
                        Err(_) => c.search.push(a.to_string()),
                    }
                }
            }
            (Section::Interface, "mtu") => c.mtu = Some(number(v, "MTU").map_err(at)?),
            (Section::Interface, "listenport") => {
                c.listen_port = Some(number(v, "ListenPort").map_err(at)?)
            }
            (Section::Interface, "fwmark") => {
                c.fwmark = if v == "off" {
                    None
                } else if let Some(h) = v.strip_prefix("0x") {
                    Some(u32::from_str_radix(h, 16).map_err(|_| at(format!("FwMark: bad '{v}'")))?)
                } else {
                    Some(number(v, "FwMark").map_err(at)?)
                }
            }
            (Section::Interface, "table") => match v {
                "off" => c.no_routes = true,
                "auto" => c.no_routes = false,
                _ => return Err(at(format!("Table = {v}: only auto and off are supported"))),
            },
            (Section::Interface, "preup" | "postup" | "predown" | "postdown") => {
                return Err(at(format!(
                    "{k}: mstack runs no scripts from a configuration; remove the hook"
                )))
            }
            (Section::Interface, "saveconfig") => {}
            (Section::Peer, _) => {
                let p = c.peers.last_mut().expect("a [Peer] section");
                match k.as_str() {
                    "publickey" => p.public_key = key(v, "PublicKey").map_err(at)?,
                    "presharedkey" => p.preshared_key = Some(key(v, "PresharedKey").map_err(at)?),
                    "allowedips" => {
                        for a in list() {
                            p.allowed_ips.push(a.parse().map_err(at)?);
                        }
                    }
                    "endpoint" => p.endpoint = Some(v.to_string()),
                    "persistentkeepalive" => {
                        p.keepalive = if v == "off" {
                            None
                        } else {
                            Some(number(v, "PersistentKeepalive").map_err(at)?)
                        }
                    }
                    _ => return Err(at(format!("unknown key {k} in [Peer]"))),
                }
            }
            (Section::Interface, _) => return Err(at(format!("unknown key {k} in [Interface]"))),
            (Section::None, _) => return Err(at("a key outside any section".into())),
        }
    }
    if !have_key {
        return Err("no PrivateKey in [Interface]".into());
    }
    if c.peers.iter().any(|p| p.public_key == [0; 32]) {
        return Err("a [Peer] without PublicKey".into());
    }
    Ok(c)
}

// --- netlink, synchronously ---

struct Netlink {
    fd: OwnedFd,
    seq: u32,
}

fn nl_socket(protocol: i32) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) with register arguments.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            protocol,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

impl Netlink {
    fn new(fd: OwnedFd) -> Netlink {
        Netlink { fd, seq: 0 }
    }

    /// Sends `msg` and collects the answers until its ACK (or error).
    fn request<T>(&mut self, mut msg: NetlinkMessage<T>, flags: u16) -> io::Result<Vec<T>>
    where
        T: NetlinkSerializable + NetlinkDeserializable,
    {
        self.seq += 1;
        msg.header.flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        msg.header.sequence_number = self.seq;
        msg.finalize();
        let mut buf = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut buf);
        // SAFETY: a valid buffer of buf.len() bytes.
        if unsafe { libc::send(self.fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), 0) } < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut out = Vec::new();
        let mut rbuf = vec![0u8; 65536];
        loop {
            // SAFETY: a valid buffer of rbuf.len() bytes.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), rbuf.as_mut_ptr().cast(), rbuf.len(), 0) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            let mut off = 0usize;
            let n = n as usize;
            while off + 16 <= n {
                let len = u32::from_ne_bytes(rbuf[off..off + 4].try_into().unwrap()) as usize;
                if len < 16 || off + len > n {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "bad netlink message",
                    ));
                }
                let m = NetlinkMessage::<T>::deserialize(&rbuf[off..off + len])
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                off += (len + 3) & !3;
                if m.header.sequence_number != self.seq {
                    continue;
                }
                match m.payload {
                    NetlinkPayload::Error(e) if e.code.is_none() => return Ok(out),
                    NetlinkPayload::Error(e) => return Err(e.to_io()),
                    NetlinkPayload::Done(_) => return Ok(out),
                    NetlinkPayload::InnerMessage(i) => out.push(i),
                    _ => {}
                }
            }
        }
    }

    fn route(
        &mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
    ) -> io::Result<Vec<RouteNetlinkMessage>> {
        self.request(NetlinkMessage::from(msg), flags)
    }
}

/// The index of interface `name` through `nl`.
fn link_index(nl: &mut Netlink, name: &str) -> io::Result<u32> {
    let mut m = LinkMessage::default();
    m.attributes.push(LinkAttribute::IfName(name.to_string()));
    for r in nl.route(RouteNetlinkMessage::GetLink(m), 0)? {
        if let RouteNetlinkMessage::NewLink(l) = r {
            return Ok(l.header.index);
        }
    }
    Err(io::Error::from_raw_os_error(libc::ENODEV))
}

fn wg_family(genl: &mut Netlink) -> io::Result<u16> {
    let ctrl = GenlMessage::from_payload(GenlCtrl {
        cmd: GenlCtrlCmd::GetFamily,
        nlas: vec![GenlCtrlAttrs::FamilyName("wireguard".into())],
    });
    for r in genl.request(NetlinkMessage::from(ctrl), 0)? {
        for a in r.payload.nlas {
            if let GenlCtrlAttrs::FamilyId(id) = a {
                return Ok(id);
            }
        }
    }
    Err(io::Error::from_raw_os_error(libc::ENOENT))
}

fn resolve_endpoint(e: &str) -> Result<SocketAddr, String> {
    e.to_socket_addrs()
        .map_err(|err| format!("Endpoint {e}: {err}"))?
        .next()
        .ok_or_else(|| format!("Endpoint {e}: no address"))
}

fn device_attributes(name: &str, c: &Config) -> Result<Vec<WireguardAttribute>, String> {
    let mut attrs = vec![
        WireguardAttribute::IfName(name.to_string()),
        WireguardAttribute::PrivateKey(c.private_key),
    ];
    if let Some(p) = c.listen_port {
        attrs.push(WireguardAttribute::ListenPort(p));
    }
    if let Some(m) = c.fwmark {
        attrs.push(WireguardAttribute::Fwmark(m));
    }
    let mut peers = Vec::new();
    for p in &c.peers {
        let mut a = vec![WireguardPeerAttribute::PublicKey(p.public_key)];
        if let Some(k) = p.preshared_key {
            a.push(WireguardPeerAttribute::PresharedKey(k));
        }
        if let Some(e) = &p.endpoint {
            a.push(WireguardPeerAttribute::Endpoint(resolve_endpoint(e)?));
        }
        if let Some(k) = p.keepalive {
            a.push(WireguardPeerAttribute::PersistentKeepalive(k));
        }
        let ips = p
            .allowed_ips
            .iter()
            .map(|ip| {
                WireguardAllowedIp(vec![
                    WireguardAllowedIpAttr::Family(if ip.addr.is_ipv4() {
                        WireguardAddressFamily::Ipv4
                    } else {
                        WireguardAddressFamily::Ipv6
                    }),
                    WireguardAllowedIpAttr::IpAddr(ip.addr),
                    WireguardAllowedIpAttr::Cidr(ip.len),
                ])
            })
            .collect();
        a.push(WireguardPeerAttribute::AllowedIps(ips));
        peers.push(WireguardPeer(a));
    }
    attrs.push(WireguardAttribute::Peers(peers));
    Ok(attrs)
}

fn family_of(a: &IpAddr) -> AddressFamily {
    if a.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    }
}

fn route_address(a: IpAddr) -> RouteAddress {
    match a {
        IpAddr::V4(v) => RouteAddress::Inet(v),
        IpAddr::V6(v) => RouteAddress::Inet6(v),
    }
}

/// Deletes interface `name` through `nl` (best effort).
fn delete_link(nl: &mut Netlink, name: &str) -> io::Result<()> {
    let index = link_index(nl, name)?;
    let mut m = LinkMessage::default();
    m.header.index = index;
    nl.route(RouteNetlinkMessage::DelLink(m), 0).map(|_| ())
}

/// The interface name inside the stack: the configuration file's name, as
/// wg-quick takes it (wg0.conf: wg0), or wg0.
pub fn ifname_for(conf_path: &str) -> String {
    let stem = std::path::Path::new(conf_path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    if !stem.is_empty()
        && stem.len() < libc::IFNAMSIZ
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_=+.-".contains(c))
    {
        stem.to_string()
    } else {
        "wg0".to_string()
    }
}

/// Creates the interface in the caller's namespace, configures it, moves it
/// into the stack (`netns` is its nsfs file, `stack` its msocket mount) as
/// `ifname`, and sets addresses, MTU and routes there. Nothing is left
/// behind on failure.
pub fn up(c: &Config, ifname: &str, netns: &str, stack: &str) -> Result<(), Error> {
    let fail = |what: &str, e: io::Error| Error::io(format!("wireguard: {what}"), e);
    let mut rt = Netlink::new(nl_socket(libc::NETLINK_ROUTE).map_err(|e| fail("netlink", e))?);
    // A temporary name in the caller's namespace, unique there.
    let tmp = format!("mswg{:x}", std::process::id());
    let mut m = LinkMessage::default();
    m.attributes.push(LinkAttribute::IfName(tmp.clone()));
    m.attributes
        .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(
            InfoKind::Wireguard,
        )]));
    rt.route(RouteNetlinkMessage::NewLink(m), NLM_F_CREATE | NLM_F_EXCL)
        .map_err(|e| {
            let hint = if e.raw_os_error() == Some(libc::EOPNOTSUPP) {
                " (no WireGuard in this kernel: CONFIG_WIREGUARD)"
            } else {
                ""
            };
            Error::runtime(format!("wireguard: cannot create an interface: {e}{hint}"))
        })?;
    let result = configure(c, &tmp, ifname, netns, stack, &mut rt);
    if result.is_err() {
        // Wherever it is now.
        let _ = delete_link(&mut rt, &tmp);
        if let Ok(fd) = msocket::msocket(
            stack,
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::NETLINK_ROUTE,
        ) {
            let _ = delete_link(&mut Netlink::new(fd), ifname);
        }
    }
    result
}

fn configure(
    c: &Config,
    tmp: &str,
    ifname: &str,
    netns: &str,
    stack: &str,
    rt: &mut Netlink,
) -> Result<(), Error> {
    let fail = |what: &str, e: io::Error| Error::io(format!("wireguard: {what}"), e);
    // Keys and peers, through WireGuard's generic netlink family.
    let mut genl = Netlink::new(nl_socket(libc::NETLINK_GENERIC).map_err(|e| fail("netlink", e))?);
    let family = wg_family(&mut genl).map_err(|e| fail("generic netlink family", e))?;
    let attrs = device_attributes(tmp, c).map_err(Error::runtime)?;
    let mut g = GenlMessage::from_payload(WireguardMessage {
        cmd: WireguardCmd::SetDevice,
        attributes: attrs,
    });
    g.set_resolved_family_id(family);
    genl.request(NetlinkMessage::from(g), 0)
        .map_err(|e| fail("setting keys and peers", e))?;

    // Into the stack, renamed.
    let ns = std::fs::File::open(netns).map_err(|e| fail(netns, e))?;
    let index = link_index(rt, tmp).map_err(|e| fail("interface", e))?;
    let mut m = LinkMessage::default();
    m.header.index = index;
    m.attributes.push(LinkAttribute::NetNsFd(ns.as_raw_fd()));
    m.attributes.push(LinkAttribute::IfName(ifname.to_string()));
    rt.route(RouteNetlinkMessage::SetLink(m), 0)
        .map_err(|e| fail("moving the interface into the stack", e))?;

    // Inside the stack: a netlink socket made by msocket.
    let fd = msocket::msocket(
        stack,
        libc::AF_NETLINK,
        libc::SOCK_RAW | libc::SOCK_CLOEXEC,
        libc::NETLINK_ROUTE,
    )
    .map_err(|e| fail("netlink socket in the stack", e))?;
    let mut inner = Netlink::new(fd);
    let index = link_index(&mut inner, ifname).map_err(|e| fail("interface in the stack", e))?;
    let mut m = LinkMessage::default();
    m.header.index = index;
    m.attributes.push(LinkAttribute::Mtu(c.mtu.unwrap_or(1420)));
    inner
        .route(RouteNetlinkMessage::SetLink(m), 0)
        .map_err(|e| fail("MTU", e))?;
    for a in &c.addresses {
        let mut m = AddressMessage::default();
        m.header.family = family_of(&a.addr);
        m.header.prefix_len = a.len;
        m.header.index = index;
        m.attributes.push(AddressAttribute::Local(a.addr));
        m.attributes.push(AddressAttribute::Address(a.addr));
        inner
            .route(
                RouteNetlinkMessage::NewAddress(m),
                NLM_F_CREATE | NLM_F_EXCL,
            )
            .map_err(|e| fail(&format!("address {}/{}", a.addr, a.len), e))?;
    }
    let mut m = LinkMessage::default();
    m.header.index = index;
    m.header.flags = LinkFlags::Up;
    m.header.change_mask = LinkFlags::Up;
    inner
        .route(RouteNetlinkMessage::SetLink(m), 0)
        .map_err(|e| fail("bringing the interface up", e))?;
    if !c.no_routes {
        let mut done = Vec::new();
        for p in c.peers.iter().flat_map(|p| p.allowed_ips.iter()) {
            if done.contains(p) {
                continue;
            }
            done.push(*p);
            let mut m = RouteMessage::default();
            m.header.address_family = family_of(&p.addr);
            m.header.destination_prefix_length = p.len;
            m.header.table = libc::RT_TABLE_MAIN;
            m.header.protocol = RouteProtocol::Boot;
            m.header.scope = RouteScope::Link;
            m.header.kind = RouteType::Unicast;
            if p.len > 0 {
                m.attributes
                    .push(RouteAttribute::Destination(route_address(p.addr)));
            }
            m.attributes.push(RouteAttribute::Oif(index));
            inner
                .route(RouteNetlinkMessage::NewRoute(m), NLM_F_CREATE | NLM_F_EXCL)
                .map_err(|e| fail(&format!("route {}/{}", p.addr, p.len), e))?;
        }
    }
    Ok(())
}

/// Deletes the stack's WireGuard interface (`mstack rm`).
pub fn down(ifname: &str, stack: &str) -> Result<(), Error> {
    let fd = msocket::msocket(
        stack,
        libc::AF_NETLINK,
        libc::SOCK_RAW | libc::SOCK_CLOEXEC,
        libc::NETLINK_ROUTE,
    )
    .map_err(|e| Error::io(format!("wireguard: netlink socket in {stack}"), e))?;
    match delete_link(&mut Netlink::new(fd), ifname) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ENODEV) => Ok(()),
        Err(e) => Err(Error::io(format!("wireguard: deleting {ifname}"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
    const K2: &str = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

    #[test]
    fn wg_quick_config() {
        let text = format!(
            "# a comment
[Interface]
PrivateKey = {K1}
Address = 10.66.0.2/32, fd00::2/128
DNS = 10.66.0.1, vpn.example
MTU = 1380
ListenPort = 51000
FwMark = 0x10

[Peer]
PublicKey = {K2}
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = 192.0.2.1:51820
PersistentKeepalive = 25
"
        );
        let c = parse(&text).unwrap();
        assert_eq!(c.addresses[0], "10.66.0.2/32".parse().unwrap());
        assert_eq!(c.addresses[1].len, 128);
        assert_eq!(c.dns, vec!["10.66.0.1".parse::<IpAddr>().unwrap()]);
        assert_eq!(c.search, vec!["vpn.example".to_string()]);
        assert_eq!(
            (c.mtu, c.listen_port, c.fwmark),
            (Some(1380), Some(51000), Some(16))
        );
        assert_eq!(c.peers.len(), 1);
        assert_eq!(c.peers[0].allowed_ips[0], "0.0.0.0/0".parse().unwrap());
        assert_eq!(c.peers[0].endpoint.as_deref(), Some("192.0.2.1:51820"));
        assert_eq!(c.peers[0].keepalive, Some(25));
        assert_eq!(STANDARD.encode(c.peers[0].public_key), K2);
        let attrs = device_attributes("wgx", &c).unwrap();
        assert_eq!(attrs.len(), 5);
    }

    #[test]
    fn bad_configs() {
        assert!(parse("[Interface]\nAddress = 10.0.0.1/24\n")
            .unwrap_err()
            .contains("PrivateKey"));
        assert!(parse(&format!(
            "[Interface]\nPrivateKey = {K1}\nPostUp = iptables -F\n"
        ))
        .unwrap_err()
        .contains("runs no scripts"));
        assert!(parse("[Interface]\nPrivateKey = short\n")
            .unwrap_err()
            .contains("line 2"));
        assert!(parse(&format!(
            "[Interface]\nPrivateKey = {K1}\n[Peer]\nAllowedIPs = 10.0.0.0/33\n"
        ))
        .unwrap_err()
        .contains("prefix length"));
        assert!(parse(&format!(
            "[Interface]\nPrivateKey = {K1}\n[Peer]\nEndpoint = x:1\n"
        ))
        .unwrap_err()
        .contains("without PublicKey"));
        assert!(parse("Address = 1.2.3.4\n")
            .unwrap_err()
            .contains("outside"));
        assert!(parse(&format!("[Interface]\nPrivateKey = {K1}\nTable = 1234\n")).is_err());
    }

    #[test]
    fn interface_names() {
        assert_eq!(ifname_for("/etc/wireguard/wg-vpn.conf"), "wg-vpn");
        assert_eq!(ifname_for("x/a-name-that-is-too-long.conf"), "wg0");
        assert_eq!(ifname_for("bad name.conf"), "wg0");
    }
}
