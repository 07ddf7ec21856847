// SPDX-License-Identifier: GPL-2.0

//! Socket creation in a stack, as `socket(2)` does it in the current one.

use crate::{
    families::{self, FamilySet},
    glue::{family_registered, Socket, Stack},
};
use kernel::{bindings, prelude::*};

/// One past the highest socket type (`SOCK_PACKET` + 1; `SOCK_MAX` is an enum
/// bindgen does not export).
const SOCK_MAX: u32 = 11;

/// `EAFNOSUPPORT`, which the `kernel` crate does not name.
pub(crate) fn eafnosupport() -> Error {
    Error::from_errno(-(bindings::EAFNOSUPPORT as i32))
}

/// A request for a socket: the three arguments of `socket(2)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Request {
    pub(crate) domain: i32,
    pub(crate) type_: i32,
    pub(crate) protocol: i32,
}

/// The socket type with its creation flags split off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SocketType {
    pub(crate) base: i32,
    pub(crate) cloexec: bool,
    pub(crate) nonblock: bool,
}

/// Splits `SOCK_CLOEXEC` and `SOCK_NONBLOCK` off a type, as
/// `__sys_socket_create` does; any other flag bit, or a type beyond the
/// known ones, is `EINVAL`.
pub(crate) fn split_type(type_: i32) -> Result<SocketType> {
    let t = type_ as u32;
    let flags = t & !bindings::SOCK_TYPE_MASK;
    if flags & !(bindings::SOCK_CLOEXEC | bindings::SOCK_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    let base = t & bindings::SOCK_TYPE_MASK;
    if base >= SOCK_MAX {
        return Err(EINVAL);
    }
    Ok(SocketType {
        base: base as i32,
        cloexec: flags & bindings::SOCK_CLOEXEC != 0,
        nonblock: flags & bindings::SOCK_NONBLOCK != 0,
    })
}

/// The family a socket of `domain` and base type `base` is made in: as
/// `__sock_create()` does, an `AF_INET` socket of type `SOCK_PACKET` (the
/// obsolete interface) is an `AF_PACKET` socket.
pub(crate) fn effective_family(domain: i32, base: i32) -> i32 {
    if domain == bindings::AF_INET as i32 && base == bindings::sock_type_SOCK_PACKET as i32 {
        bindings::AF_PACKET as i32
    } else {
        domain
    }
}

/// Validates a request before any object is made.
///
/// The family is judged first: an unsupported family, or one the stack does
/// not serve (`families=`), is `EAFNOSUPPORT` even when the type is bad too,
/// so that VUOS `vustack -s`, which probes with `msocket(stack, family, -1,
/// 0)` and takes `EINVAL` to mean "supported", works; the family the socket
/// would really have must be served too. With a valid type the errors are
/// exactly those of `socket(2)`.
pub(crate) fn check(
    req: &Request,
    served: FamilySet,
    registered: impl Fn(i32) -> Result<bool>,
) -> Result<SocketType> {
    if req.domain < 0
        || req.domain >= bindings::AF_MAX as i32
        || !families::allows(served, req.domain)
    {
        return Err(eafnosupport());
    }
    match split_type(req.type_) {
        Ok(t) if !families::allows(served, effective_family(req.domain, t.base)) => {
            Err(eafnosupport())
        }
        Ok(t) => Ok(t),
        // Whether the family exists decides between the two errors; if
        // that cannot be found out (no memory for the probe), say so.
        Err(e) if registered(req.domain)? => Err(e),
        Err(_) => Err(eafnosupport()),
    }
}

/// Creates a socket in `stack` for the caller and installs it as a new fd.
pub(crate) fn create_fd(stack: &Stack, req: &Request) -> Result<u32> {
    let net = stack.net();
    let t = check(req, stack.families(), |family| {
        family_registered(net, family)
    })?;
    // As socket(2): the socket first, then the fd, so a bad family is
    // reported before a full fd table.
    Socket::create(net, req.domain, t.base, req.protocol)?.into_fd(t.cloexec, t.nonblock)
}

// KUnit runs on the reference kernel only (Kbuild: msocket_kunit).
#[cfg(msocket_kunit)]
#[kunit_tests(msocket_socket_type)]
mod tests {
    use super::*;

    const STREAM: i32 = 1;
    const DGRAM: i32 = 2;
    const AF_INET: i32 = 2;
    const AF_MAX: i32 = bindings::AF_MAX as i32;
    const CLOEXEC: i32 = bindings::SOCK_CLOEXEC as i32;
    const NONBLOCK: i32 = bindings::SOCK_NONBLOCK as i32;
    const ALL: FamilySet = families::ALL;

    fn req(domain: i32, type_: i32) -> Request {
        Request {
            domain,
            type_,
            protocol: 0,
        }
    }

    #[test]
    fn splits_flags() {
        assert_eq!(
            split_type(STREAM | CLOEXEC | NONBLOCK),
            Ok(SocketType {
                base: STREAM,
                cloexec: true,
                nonblock: true
            })
        );
        assert_eq!(
            split_type(DGRAM),
            Ok(SocketType {
                base: DGRAM,
                cloexec: false,
                nonblock: false
            })
        );
        assert_eq!(split_type(10).map(|t| t.base), Ok(10));
    }

    #[test]
    fn rejects_bad_types() {
        assert_eq!(split_type(-1), Err(EINVAL));
        assert_eq!(split_type(STREAM | 0x100), Err(EINVAL));
        assert_eq!(split_type(11), Err(EINVAL));
        assert_eq!(split_type(15 | CLOEXEC), Err(EINVAL));
    }

    #[test]
    fn family_before_type() {
        let only_inet = |f: i32| Ok(f == AF_INET);
        // vustack -s probe: supported family, bad type -> EINVAL ...
        assert_eq!(check(&req(AF_INET, -1), ALL, only_inet), Err(EINVAL));
        // ... unsupported family, bad type -> EAFNOSUPPORT.
        assert_eq!(check(&req(40, -1), ALL, only_inet), Err(eafnosupport()));
        assert_eq!(check(&req(-1, STREAM), ALL, only_inet), Err(eafnosupport()));
        assert_eq!(
            check(&req(AF_MAX, STREAM), ALL, only_inet),
            Err(eafnosupport())
        );
        // A valid type defers the family to __sock_create, as socket(2).
        assert!(check(&req(40, STREAM), ALL, only_inet).is_ok());
        assert!(check(&req(AF_INET, STREAM | CLOEXEC), ALL, only_inet).is_ok());
    }

    #[test]
    fn families_not_served() {
        let inet6_only = 1 << 10;
        let never = |_: i32| -> Result<bool> { panic!("no probe for a family not served") };
        // Not served: EAFNOSUPPORT, whatever the type, without a probe.
        assert_eq!(
            check(&req(AF_INET, STREAM), inet6_only, never),
            Err(eafnosupport())
        );
        assert_eq!(
            check(&req(AF_INET, -1), inet6_only, never),
            Err(eafnosupport())
        );
        assert_eq!(check(&req(AF_INET, STREAM), 0, never), Err(eafnosupport()));
        assert!(check(&req(10, STREAM), inet6_only, never).is_ok());
        // AF_INET + SOCK_PACKET is an AF_PACKET socket: both must be served.
        let inet_only = 1 << AF_INET;
        assert_eq!(
            check(&req(AF_INET, 10), inet_only, never),
            Err(eafnosupport())
        );
        assert!(check(&req(AF_INET, 10), inet_only | 1 << 17, never).is_ok());
        assert!(check(&req(AF_INET, DGRAM), inet_only, never).is_ok());
        assert_eq!(effective_family(AF_INET, 10), 17);
        assert_eq!(effective_family(10, 10), 10);
    }

    #[test]
    fn unknown_family_is_not_guessed() {
        // No memory to probe the family: neither EINVAL nor EAFNOSUPPORT.
        let no_memory = |_: i32| Err(ENOMEM);
        assert_eq!(check(&req(40, -1), ALL, no_memory), Err(ENOMEM));
        // A valid type never needs the probe.
        assert!(check(&req(40, STREAM), ALL, no_memory).is_ok());
        assert_eq!(check(&req(-1, -1), ALL, no_memory), Err(eafnosupport()));
    }
}
