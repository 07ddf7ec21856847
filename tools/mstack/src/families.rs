// SPDX-License-Identifier: GPL-2.0

//! Protocol family lists, as View-OS `mstack -o` and VUOS `vustack -f` take
//! them: `-o ip,-ipv6`, `-o unix`, `-o +ip,-ipv6`, `-o -unix`, `-o #10`.
//!
//! Items are separated by commas and may be prefixed with `+` (add, the
//! default) or `-` (remove). A list whose first item starts with `-` starts
//! from every family, any other from none.

use std::collections::BTreeSet;

/// Which families a stack becomes the default for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Families {
    /// Every family (`PF_UNSPEC`).
    All,
    /// These family numbers.
    Some(BTreeSet<i32>),
}

/// The highest family number accepted.
pub const FAMILY_MAX: i32 = 63;

const NAMES: &[(&str, &[i32])] = &[
    ("unix", &[libc::AF_UNIX]),
    ("u", &[libc::AF_UNIX]),
    ("local", &[libc::AF_UNIX]),
    ("ipv4", &[libc::AF_INET]),
    ("ip4", &[libc::AF_INET]),
    ("inet", &[libc::AF_INET]),
    ("4", &[libc::AF_INET]),
    ("ipv6", &[libc::AF_INET6]),
    ("ip6", &[libc::AF_INET6]),
    ("inet6", &[libc::AF_INET6]),
    ("6", &[libc::AF_INET6]),
    ("netlink", &[libc::AF_NETLINK]),
    ("n", &[libc::AF_NETLINK]),
    ("packet", &[libc::AF_PACKET]),
    ("p", &[libc::AF_PACKET]),
    ("bluetooth", &[libc::AF_BLUETOOTH]),
    ("bt", &[libc::AF_BLUETOOTH]),
    ("b", &[libc::AF_BLUETOOTH]),
    ("irda", &[libc::AF_IRDA]),
    ("ir", &[libc::AF_IRDA]),
    ("i", &[libc::AF_IRDA]),
    (
        "ip",
        &[
            libc::AF_INET,
            libc::AF_INET6,
            libc::AF_NETLINK,
            libc::AF_PACKET,
        ],
    ),
];

/// The names `parse` accepts (the help text must mention them).
#[cfg(test)]
pub fn names() -> impl Iterator<Item = &'static str> {
    NAMES.iter().map(|(n, _)| *n).chain(["all", "#N"])
}

fn item(name: &str) -> Result<Vec<i32>, String> {
    if name == "all" {
        return Ok((1..=FAMILY_MAX).collect());
    }
    // Names first: View-OS's "4" and "6" mean ipv4 and ipv6; "#4" is family 4.
    if let Some((_, f)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Ok(f.to_vec());
    }
    let num = name.strip_prefix('#').unwrap_or(name);
    if let Ok(n) = num.parse::<i32>() {
        if (1..=FAMILY_MAX).contains(&n) {
            return Ok(vec![n]);
        }
        return Err(format!("family number {n} out of range 1..{FAMILY_MAX}"));
    }
    Err(format!("unknown protocol family '{name}'"))
}

/// Parses a family list.
pub fn parse(list: &str) -> Result<Families, String> {
    let mut set: BTreeSet<i32> = if list.starts_with('-') {
        (1..=FAMILY_MAX).collect()
    } else {
        BTreeSet::new()
    };
    for raw in list.split(',') {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("empty item in protocol family list".into());
        }
        let (remove, name) = match raw.as_bytes()[0] {
            b'-' => (true, &raw[1..]),
            b'+' => (false, &raw[1..]),
            _ => (false, raw),
        };
        for f in item(&name.to_ascii_lowercase())? {
            if remove {
                set.remove(&f);
            } else {
                set.insert(f);
            }
        }
    }
    if set.len() == FAMILY_MAX as usize {
        return Ok(Families::All);
    }
    if set.is_empty() {
        return Err("the protocol family list selects no family".into());
    }
    Ok(Families::Some(set))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(f: &[i32]) -> Families {
        Families::Some(f.iter().copied().collect())
    }

    #[test]
    fn view_os_examples() {
        assert_eq!(
            parse("ip").unwrap(),
            some(&[
                libc::AF_INET,
                libc::AF_INET6,
                libc::AF_NETLINK,
                libc::AF_PACKET
            ])
        );
        assert_eq!(
            parse("+ip,-ipv6").unwrap(),
            some(&[libc::AF_INET, libc::AF_NETLINK, libc::AF_PACKET])
        );
        assert_eq!(
            parse("ip,-ipv6").unwrap(),
            some(&[libc::AF_INET, libc::AF_NETLINK, libc::AF_PACKET])
        );
        let Families::Some(s) = parse("-unix").unwrap() else {
            panic!("not all")
        };
        assert!(!s.contains(&libc::AF_UNIX) && s.contains(&libc::AF_INET));
        assert_eq!(parse("all").unwrap(), Families::All);
        assert_eq!(parse("unix,4,6").unwrap(), some(&[1, 2, 10]));
        assert_eq!(parse("#16").unwrap(), some(&[16]));
        assert_eq!(parse("#4").unwrap(), some(&[4]));
        assert_eq!(parse("16").unwrap(), some(&[16]));
        assert_eq!(parse("INET").unwrap(), some(&[libc::AF_INET]));
    }

    #[test]
    fn bad_lists() {
        assert!(parse("").is_err());
        assert!(parse("ip,").is_err());
        assert!(parse("nosuch").is_err());
        assert!(parse("#0").is_err());
        assert!(parse("#64").is_err());
        assert!(parse("-all").is_err());
    }
}
