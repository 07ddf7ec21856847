// SPDX-License-Identifier: GPL-2.0

//! Mirror of `include/uapi/linux/msocket.h`.
//!
//! Both this file and msockfs.c pin the layouts and ioctl numbers to the same
//! literal values at compile time, so the two cannot drift apart silently.

use crate::compat::{AsBytes, FromBytes};
use kernel::ioctl::{_IO, _IOR, _IOW};

/// ioctl type of msocket (unclaimed in Documentation/userspace-api/ioctl/ioctl-number.rst).
pub(crate) const MSOCKIO: u32 = 0xB9;

/// `struct msock_socket_args`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SocketArgs {
    pub(crate) domain: i32,
    pub(crate) type_: i32,
    pub(crate) protocol: i32,
    pub(crate) flags: u32,
}

/// `struct msock_path_socket_args`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PathSocketArgs {
    pub(crate) path: u64,
    pub(crate) dirfd: i32,
    pub(crate) domain: i32,
    pub(crate) type_: i32,
    pub(crate) protocol: i32,
    pub(crate) flags: u32,
    pub(crate) reserved: u32,
}

/// `struct msock_stack_info`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct StackInfo {
    pub(crate) netns_ino: u64,
    pub(crate) netns_cookie: u64,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) mode: u32,
    pub(crate) reserved: u32,
}

/// `struct msock_path_handle_args`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PathHandleArgs {
    pub(crate) path: u64,
    pub(crate) dirfd: i32,
    pub(crate) flags: u32,
}

// SAFETY: Plain integers without padding: every bit pattern is valid.
unsafe impl FromBytes for SocketArgs {}
// SAFETY: Plain integers without padding: every bit pattern is valid.
unsafe impl FromBytes for PathHandleArgs {}
// SAFETY: Plain integers without padding: every bit pattern is valid.
unsafe impl FromBytes for PathSocketArgs {}
// SAFETY: Plain integers without padding: no uninitialised bytes.
unsafe impl AsBytes for StackInfo {}

/// `MSOCK_PATH_NOFOLLOW`.
pub(crate) const MSOCK_PATH_NOFOLLOW: u32 = 0x1;
/// `MSOCK_PATH_FLAGS`: every valid `msock_path_socket_args.flags` bit.
pub(crate) const MSOCK_PATH_FLAGS: u32 = MSOCK_PATH_NOFOLLOW;

/// `MSOCK_IOC_SOCKET`.
pub(crate) const MSOCK_IOC_SOCKET: u32 = _IOW::<SocketArgs>(MSOCKIO, 0x01);
/// `MSOCK_IOC_GET_NETNS`.
pub(crate) const MSOCK_IOC_GET_NETNS: u32 = _IO(MSOCKIO, 0x02);
/// `MSOCK_IOC_STACK_INFO`.
pub(crate) const MSOCK_IOC_STACK_INFO: u32 = _IOR::<StackInfo>(MSOCKIO, 0x03);
/// `MSOCK_IOC_GET_HANDLE`.
pub(crate) const MSOCK_IOC_GET_HANDLE: u32 = _IO(MSOCKIO, 0x04);
/// `MSOCK_IOC_PATH_SOCKET`.
pub(crate) const MSOCK_IOC_PATH_SOCKET: u32 = _IOW::<PathSocketArgs>(MSOCKIO, 0x10);
/// `MSOCK_IOC_PATH_HANDLE`.
pub(crate) const MSOCK_IOC_PATH_HANDLE: u32 = _IOW::<PathHandleArgs>(MSOCKIO, 0x11);

// The published ABI (also asserted in msockfs.c against the C header).
const _: () = {
    assert!(core::mem::size_of::<SocketArgs>() == 16);
    assert!(core::mem::size_of::<PathSocketArgs>() == 32);
    assert!(core::mem::size_of::<PathHandleArgs>() == 16);
    assert!(core::mem::size_of::<StackInfo>() == 32);
    assert!(MSOCK_IOC_SOCKET == 0x4010_b901);
    assert!(MSOCK_IOC_GET_NETNS == 0x0000_b902);
    assert!(MSOCK_IOC_STACK_INFO == 0x8020_b903);
    assert!(MSOCK_IOC_GET_HANDLE == 0x0000_b904);
    assert!(MSOCK_IOC_PATH_SOCKET == 0x4020_b910);
    assert!(MSOCK_IOC_PATH_HANDLE == 0x4010_b911);
};
