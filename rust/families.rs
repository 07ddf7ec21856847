// SPDX-License-Identifier: GPL-2.0

//! The `families=` mount option: which address families a stack serves.
//!
//! ```text
//! mount -t msockfs -o families=inet,inet6 netns=vpn /dev/net/vpn
//! ```
//!
//! A list of family names (`AF_INET` is `inet`, as below) or decimal numbers
//! separated by `:` (or `,`, which only `fsconfig(2)` can pass: `mount(2)`
//! splits its options at commas), or `all` (the default). Sockets of any other family fail
//! with `EAFNOSUPPORT`, on every route to the stack (path, stack directory,
//! handle). Parsing is pure; msockfs.c stores the set.

use kernel::prelude::*;

/// A set of address families: bit `n` is family `n`.
pub(crate) type FamilySet = u64;

/// Every family.
pub(crate) const ALL: FamilySet = u64::MAX;

/// The kernel's address family names (include/linux/socket.h, `AF_*` in
/// lower case); `None` for numbers without a family.
const NAMES: [Option<&CStr>; 46] = [
    None,
    Some(c"unix"),
    Some(c"inet"),
    Some(c"ax25"),
    Some(c"ipx"),
    Some(c"appletalk"),
    Some(c"netrom"),
    Some(c"bridge"),
    Some(c"atmpvc"),
    Some(c"x25"),
    Some(c"inet6"),
    Some(c"rose"),
    Some(c"decnet"),
    Some(c"netbeui"),
    Some(c"security"),
    Some(c"key"),
    Some(c"netlink"),
    Some(c"packet"),
    Some(c"ash"),
    Some(c"econet"),
    Some(c"atmsvc"),
    Some(c"rds"),
    Some(c"sna"),
    Some(c"irda"),
    Some(c"pppox"),
    Some(c"wanpipe"),
    Some(c"llc"),
    Some(c"ib"),
    Some(c"mpls"),
    Some(c"can"),
    Some(c"tipc"),
    Some(c"bluetooth"),
    Some(c"iucv"),
    Some(c"rxrpc"),
    Some(c"isdn"),
    Some(c"phonet"),
    Some(c"ieee802154"),
    Some(c"caif"),
    Some(c"alg"),
    Some(c"nfc"),
    Some(c"vsock"),
    Some(c"kcm"),
    Some(c"qipcrtr"),
    Some(c"smc"),
    Some(c"xdp"),
    Some(c"mctp"),
];

// Every family the kernel knows has a bit (AF_MAX is 46 in Linux 7.2).
const _: () = assert!(NAMES.len() <= FamilySet::BITS as usize);

/// Whether `family` is in `set`.
#[inline(always)]
pub(crate) fn allows(set: FamilySet, family: i32) -> bool {
    (0..FamilySet::BITS as i32).contains(&family) && set & (1 << family) != 0
}

/// The name of `family`, as `families=` shows it, if it has one.
pub(crate) fn name(family: usize) -> Option<&'static CStr> {
    NAMES.get(family).copied().flatten()
}

/// One list item: a name or a decimal family number below the table's end.
fn parse_one(item: &[u8]) -> Result<u32> {
    if let Some(n) = NAMES
        .iter()
        .position(|n| n.is_some_and(|n| n.to_bytes() == item))
    {
        return Ok(n as u32);
    }
    if item.is_empty() || item.len() > 2 || !item.iter().all(u8::is_ascii_digit) {
        return Err(EINVAL);
    }
    let n = item
        .iter()
        .fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
    // AF_UNSPEC (0) is not a family one can make sockets of.
    if n == 0 || n as usize >= NAMES.len() {
        return Err(EINVAL);
    }
    Ok(n)
}

/// Parses the value of `families=`.
pub(crate) fn parse(s: &[u8]) -> Result<FamilySet> {
    if s == b"all" {
        return Ok(ALL);
    }
    let mut set: FamilySet = 0;
    for item in s.split(|&c| c == b':' || c == b',') {
        set |= 1 << parse_one(item)?;
    }
    Ok(set)
}

#[kunit_tests(msocket_families)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(parse(b"inet"), Ok(1 << 2));
        assert_eq!(parse(b"inet,inet6"), Ok(1 << 2 | 1 << 10));
        assert_eq!(parse(b"inet:inet6"), Ok(1 << 2 | 1 << 10));
        assert_eq!(parse(b"unix,16:packet"), Ok(1 << 1 | 1 << 16 | 1 << 17));
        assert_eq!(parse(b"mctp"), Ok(1 << 45));
        assert_eq!(parse(b"45"), Ok(1 << 45));
        assert_eq!(parse(b"inet,inet"), Ok(1 << 2));
        assert_eq!(parse(b"all"), Ok(ALL));
    }

    #[test]
    fn rejects_bad_lists() {
        for bad in [
            &b""[..],
            b",",
            b"inet,",
            b",inet",
            b"inet,,inet6",
            b"inet::inet6",
            b":inet",
            b"INET",
            b"af_inet",
            b"0",
            b"46",
            b"99",
            b"007",
            b"-2",
            b"all,inet",
            b"inet all",
        ] {
            assert_eq!(parse(bad), Err(EINVAL));
        }
    }

    #[test]
    fn membership() {
        let set = parse(b"inet,inet6").unwrap();
        assert!(allows(set, 2));
        assert!(allows(set, 10));
        assert!(!allows(set, 1));
        assert!(!allows(set, -1));
        assert!(!allows(set, 64));
        assert!(!allows(ALL, 64));
        assert!(allows(ALL, 45));
    }

    #[test]
    fn names_round_trip() {
        for f in 1..NAMES.len() {
            let n = name(f).unwrap();
            assert_eq!(parse(n.to_bytes()), Ok(1 << f));
        }
        assert!(name(0).is_none());
        assert!(name(NAMES.len()).is_none());
    }
}
