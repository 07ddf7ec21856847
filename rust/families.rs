// SPDX-License-Identifier: GPL-2.0

//! The `families=` mount option: which address families a stack serves.
//!
//! ```text
//! mount -t msockfs -o families=inet:inet6 netns=vpn /dev/net/vpn
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
/// lower case), NUL-terminated for C; `None` for numbers without a family.
const NAMES: [Option<&[u8]>; 46] = [
    None,
    Some(b"unix\0"),
    Some(b"inet\0"),
    Some(b"ax25\0"),
    Some(b"ipx\0"),
    Some(b"appletalk\0"),
    Some(b"netrom\0"),
    Some(b"bridge\0"),
    Some(b"atmpvc\0"),
    Some(b"x25\0"),
    Some(b"inet6\0"),
    Some(b"rose\0"),
    Some(b"decnet\0"),
    Some(b"netbeui\0"),
    Some(b"security\0"),
    Some(b"key\0"),
    Some(b"netlink\0"),
    Some(b"packet\0"),
    Some(b"ash\0"),
    Some(b"econet\0"),
    Some(b"atmsvc\0"),
    Some(b"rds\0"),
    Some(b"sna\0"),
    Some(b"irda\0"),
    Some(b"pppox\0"),
    Some(b"wanpipe\0"),
    Some(b"llc\0"),
    Some(b"ib\0"),
    Some(b"mpls\0"),
    Some(b"can\0"),
    Some(b"tipc\0"),
    Some(b"bluetooth\0"),
    Some(b"iucv\0"),
    Some(b"rxrpc\0"),
    Some(b"isdn\0"),
    Some(b"phonet\0"),
    Some(b"ieee802154\0"),
    Some(b"caif\0"),
    Some(b"alg\0"),
    Some(b"nfc\0"),
    Some(b"vsock\0"),
    Some(b"kcm\0"),
    Some(b"qipcrtr\0"),
    Some(b"smc\0"),
    Some(b"xdp\0"),
    Some(b"mctp\0"),
];

/// One past the highest family of the kernel built against.
const AF_MAX: usize = kernel::bindings::AF_MAX as usize;

// Every family has a bit in the set; a family newer than the names here is
// still reachable by its number.
const _: () = assert!(AF_MAX <= FamilySet::BITS as usize);
const _: () = assert!(NAMES.len() <= AF_MAX);

/// Whether `family` is in `set`.
#[inline(always)]
pub(crate) fn allows(set: FamilySet, family: i32) -> bool {
    (0..FamilySet::BITS as i32).contains(&family) && set & (1 << family) != 0
}

/// The name of `family` with its terminating NUL, as `families=` shows it,
/// if it has one.
pub(crate) fn name_nul(family: usize) -> Option<&'static [u8]> {
    NAMES.get(family).copied().flatten()
}

/// The name of `family` (without the NUL).
fn name(family: usize) -> Option<&'static [u8]> {
    name_nul(family).map(|n| &n[..n.len() - 1])
}

/// One list item: a name or a decimal family number below the table's end.
fn parse_one(item: &[u8]) -> Result<u32> {
    if let Some(n) = (0..NAMES.len()).find(|&f| name(f) == Some(item)) {
        return Ok(n as u32);
    }
    if item.is_empty() || item.len() > 2 || !item.iter().all(u8::is_ascii_digit) {
        return Err(EINVAL);
    }
    let n = item.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'));
    // AF_UNSPEC (0) is not a family one can make sockets of.
    if n == 0 || n as usize >= AF_MAX {
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

// KUnit runs on the reference kernel only (Kbuild: msocket_kunit).
#[cfg(msocket_kunit)]
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
            let n = name_nul(f).unwrap();
            assert_eq!(n.last(), Some(&0));
            assert!(!n[..n.len() - 1].contains(&0));
            assert_eq!(parse(name(f).unwrap()), Ok(1 << f));
        }
        assert!(name(0).is_none());
        assert!(name(NAMES.len()).is_none());
    }
}
