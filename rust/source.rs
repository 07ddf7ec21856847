// SPDX-License-Identifier: GPL-2.0

//! The syntax of what names a stack: the mount source and the `netns=` option.
//!
//! ```text
//! mount -t msockfs netns=vpn /dev/net/vpn            # ip netns name
//! mount -t msockfs netns=/proc/42/ns/net /dev/net/x  # any nsfs file
//! mount -t msockfs current /dev/net/here             # the mounter's netns
//! mount -t msockfs -o netns=vpn none /dev/net/vpn    # the same as options
//! ```
//!
//! Parsing is pure; msockfs.c resolves the result.

use kernel::prelude::*;

/// Longest `ip netns` name (a file name in /var/run/netns).
const NAME_MAX: usize = 255;
/// Longest path accepted for `netns=/PATH`.
const PATH_MAX: usize = 4095;

/// What a source string names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source<'a> {
    /// `none`: nothing; options (or the default, `current`) decide.
    None,
    /// `current`: the mounter's network namespace.
    Current,
    /// `netns=NAME`: the namespace `ip netns add NAME` made.
    NetnsName(&'a [u8]),
    /// `netns=/PATH`: an nsfs file of a network namespace.
    NetnsPath(&'a [u8]),
}

impl Source<'_> {
    /// The `enum msock_source_kind` value of msockfs.h.
    pub(crate) fn kind(&self) -> u32 {
        match self {
            Source::None => 0,
            Source::Current => 1,
            Source::NetnsName(_) => 2,
            Source::NetnsPath(_) => 3,
        }
    }
}

/// Parses a mount source. (The VFS never passes an empty one: the
/// `source` parameter must not be empty.)
pub(crate) fn parse_source(s: &[u8]) -> Result<Source<'_>> {
    match s {
        b"none" => Ok(Source::None),
        b"current" => Ok(Source::Current),
        _ => match s.strip_prefix(b"netns=") {
            Some(v) => parse_netns(v),
            None => Err(EINVAL),
        },
    }
}

/// Parses the value of `netns=`: an absolute path, or an `ip netns` name.
pub(crate) fn parse_netns(v: &[u8]) -> Result<Source<'_>> {
    if v.first() == Some(&b'/') {
        if v.len() > PATH_MAX || v.contains(&0) {
            return Err(EINVAL);
        }
        return Ok(Source::NetnsPath(v));
    }
    // A name is one file name: no '/', not "." or "..", no NUL.
    if v.is_empty()
        || v.len() > NAME_MAX
        || v == b"."
        || v == b".."
        || v.iter().any(|&c| c == b'/' || c == 0)
    {
        return Err(EINVAL);
    }
    Ok(Source::NetnsName(v))
}

// KUnit runs on the reference kernel only (Kbuild: msocket_kunit).
#[cfg(msocket_kunit)]
#[kunit_tests(msocket_source)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(parse_source(b"netns=vpn"), Ok(Source::NetnsName(b"vpn")));
        assert_eq!(
            parse_source(b"netns=/proc/1/ns/net"),
            Ok(Source::NetnsPath(b"/proc/1/ns/net"))
        );
        assert_eq!(parse_netns(b"a.b-c_d"), Ok(Source::NetnsName(b"a.b-c_d")));
        assert_eq!(
            parse_netns(b"/run/netns/x"),
            Ok(Source::NetnsPath(b"/run/netns/x"))
        );
    }

    #[test]
    fn keywords() {
        assert_eq!(parse_source(b"none"), Ok(Source::None));
        assert_eq!(parse_source(b"current"), Ok(Source::Current));
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            &b"netns="[..],
            b"netns=.",
            b"netns=..",
            b"netns=a/b",
            b"netns=a\0b",
            b"",
            b"pid=1",
            b"vpn",
            b"Current",
            b"/run/netns/vpn",
            b"netns",
        ] {
            assert_eq!(parse_source(bad), Err(EINVAL));
        }
        let long = [b'n'; NAME_MAX + 1];
        assert_eq!(parse_netns(&long), Err(EINVAL));
        assert_eq!(
            parse_netns(&long[..NAME_MAX]),
            Ok(Source::NetnsName(&long[..NAME_MAX]))
        );
    }

    #[test]
    fn kinds_match_msockfs_h() {
        assert_eq!(Source::None.kind(), 0);
        assert_eq!(Source::Current.kind(), 1);
        assert_eq!(Source::NetnsName(b"x").kind(), 2);
        assert_eq!(Source::NetnsPath(b"/x").kind(), 3);
    }
}
