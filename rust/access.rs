// SPDX-License-Identifier: GPL-2.0

//! Who may do what with a stack.
//!
//! A stack is used through its root directory. The kernel's own
//! `inode_permission()` (mode bits, ACLs, `CAP_DAC_OVERRIDE`, LSMs) decides;
//! this module decides which access each operation needs:
//!
//! | operation                 | on the stack root | and                                  |
//! |---------------------------|-------------------|--------------------------------------|
//! | create a socket           | write             |                                      |
//! | make a stack handle       | write             |                                      |
//! | read the stack's identity | read              |                                      |
//! | get an nsfs fd of the netns | write           | `CAP_NET_ADMIN` over the netns' user namespace (as `SIOCGSKNS`) |
//!
//! Through a path and through an open stack directory alike, the caller's
//! own credentials are checked at every call (a directory fd is a name, not
//! a capability), so `chmod`/`chown` take effect at the next call. (For an
//! fd used by its opener, msockfs.c memoizes the decision until the stack
//! root's attributes change; see `msockfs_file_permission()`.) A stack
//! handle carries the one right it was made with, creating sockets, until
//! the root's attributes change. The socket itself is always created with
//! the caller's credentials.

use kernel::{bindings, prelude::*};

/// An operation on a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// `MSOCK_IOC_SOCKET`, `MSOCK_IOC_PATH_SOCKET`.
    CreateSocket,
    /// `MSOCK_IOC_GET_HANDLE`, `MSOCK_IOC_PATH_HANDLE`: delegate the right to
    /// create sockets.
    MakeHandle,
    /// `MSOCK_IOC_STACK_INFO`.
    StackInfo,
    /// `MSOCK_IOC_GET_NETNS`.
    GetNetns,
}

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Requirement {
    /// `MAY_*` access to the stack root.
    pub(crate) access: u32,
    /// A capability needed over the user namespace owning the netns.
    pub(crate) net_capability: Option<u32>,
}

/// The access table above.
pub(crate) const fn requirement(op: Operation) -> Requirement {
    match op {
        Operation::CreateSocket | Operation::MakeHandle => Requirement {
            access: bindings::MAY_WRITE,
            net_capability: None,
        },
        Operation::StackInfo => Requirement {
            access: bindings::MAY_READ,
            net_capability: None,
        },
        Operation::GetNetns => Requirement {
            access: bindings::MAY_WRITE,
            net_capability: Some(bindings::CAP_NET_ADMIN),
        },
    }
}

/// The access to the stack root that making a stack handle needs (the
/// handle is made by the same call that checks it, and needs no capability).
pub(crate) const fn handle_access() -> u32 {
    requirement(Operation::MakeHandle).access
}

const _: () = assert!(requirement(Operation::MakeHandle).net_capability.is_none());

/// Checks `op`: `permission` runs `inode_permission()` for a `MAY_*` mask,
/// `capable` answers a capability question over the netns' user namespace.
/// The access check comes first, so its error (`EACCES`, `EROFS`) wins.
pub(crate) fn check(
    op: Operation,
    permission: impl FnOnce(u32) -> Result,
    capable: impl FnOnce(u32) -> bool,
) -> Result {
    let need = requirement(op);
    permission(need.access)?;
    match need.net_capability {
        Some(cap) if !capable(cap) => Err(EPERM),
        _ => Ok(()),
    }
}

// KUnit runs on the reference kernel only (Kbuild: msocket_kunit).
#[cfg(msocket_kunit)]
#[kunit_tests(msocket_access)]
mod tests {
    use super::*;

    fn allow(_: u32) -> Result {
        Ok(())
    }

    fn deny(_: u32) -> Result {
        Err(EACCES)
    }

    #[test]
    fn sockets_need_write_only() {
        let mut asked = 0;
        let r = check(
            Operation::CreateSocket,
            |m| {
                asked = m;
                Ok(())
            },
            |_| false,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(asked, bindings::MAY_WRITE);
        assert_eq!(check(Operation::CreateSocket, deny, |_| true), Err(EACCES));
    }

    #[test]
    fn handles_need_what_sockets_need() {
        assert_eq!(
            requirement(Operation::MakeHandle),
            requirement(Operation::CreateSocket)
        );
    }

    #[test]
    fn info_needs_read() {
        assert_eq!(requirement(Operation::StackInfo).access, bindings::MAY_READ);
        assert_eq!(check(Operation::StackInfo, allow, |_| false), Ok(()));
        assert_eq!(check(Operation::StackInfo, deny, |_| true), Err(EACCES));
    }

    #[test]
    fn netns_needs_write_and_net_admin() {
        let mut cap_asked = 0;
        assert_eq!(
            check(Operation::GetNetns, allow, |c| {
                cap_asked = c;
                false
            }),
            Err(EPERM)
        );
        assert_eq!(cap_asked, bindings::CAP_NET_ADMIN);
        assert_eq!(check(Operation::GetNetns, allow, |_| true), Ok(()));
        assert_eq!(check(Operation::GetNetns, deny, |_| true), Err(EACCES));
    }
}
