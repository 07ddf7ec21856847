// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause

//! `<linux/msocket.h>` in Rust. A test compiles the C header and checks that
//! every size and number here matches it.

#![allow(non_camel_case_types)]

/// `statfs(2)` `f_type` of an msockfs mount.
pub const MSOCKFS_MAGIC: u32 = 0x6d73_6b01;
/// The one-call path entry.
pub const MSOCKET_DEVICE: &str = "/dev/msocket";
/// `msocket(path, domain, SOCK_DEFAULT, 0)` sets the default stack.
pub const SOCK_DEFAULT: i32 = 0;
/// ioctl type.
pub const MSOCKIO: u32 = 0xB9;
/// `MSOCK_PATH_NOFOLLOW`.
pub const MSOCK_PATH_NOFOLLOW: u32 = 0x1;
/// `SO_NETNS_COOKIE` (Linux 5.14), not in every libc.
pub const SO_NETNS_COOKIE: i32 = 71;

/// `struct msock_socket_args`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct msock_socket_args {
    pub domain: i32,
    pub type_: i32,
    pub protocol: i32,
    pub flags: u32,
}

/// `struct msock_path_socket_args`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct msock_path_socket_args {
    pub path: u64,
    pub dirfd: i32,
    pub domain: i32,
    pub type_: i32,
    pub protocol: i32,
    pub flags: u32,
    pub reserved: u32,
}

/// `struct msock_path_handle_args`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct msock_path_handle_args {
    pub path: u64,
    pub dirfd: i32,
    pub flags: u32,
}

/// `struct msock_stack_info`.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct msock_stack_info {
    pub netns_ino: u64,
    pub netns_cookie: u64,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
    pub reserved: u32,
}

const fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    (dir << 30) | ((size as u32) << 16) | (MSOCKIO << 8) | nr
}
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

/// `MSOCK_IOC_SOCKET`.
pub const MSOCK_IOC_SOCKET: u32 = ioc(IOC_WRITE, 0x01, std::mem::size_of::<msock_socket_args>());
/// `MSOCK_IOC_GET_NETNS`.
pub const MSOCK_IOC_GET_NETNS: u32 = ioc(0, 0x02, 0);
/// `MSOCK_IOC_STACK_INFO`.
pub const MSOCK_IOC_STACK_INFO: u32 = ioc(IOC_READ, 0x03, std::mem::size_of::<msock_stack_info>());
/// `MSOCK_IOC_GET_HANDLE`.
pub const MSOCK_IOC_GET_HANDLE: u32 = ioc(0, 0x04, 0);
/// `MSOCK_IOC_PATH_SOCKET`.
pub const MSOCK_IOC_PATH_SOCKET: u32 = ioc(
    IOC_WRITE,
    0x10,
    std::mem::size_of::<msock_path_socket_args>(),
);
/// `MSOCK_IOC_PATH_HANDLE`.
pub const MSOCK_IOC_PATH_HANDLE: u32 = ioc(
    IOC_WRITE,
    0x11,
    std::mem::size_of::<msock_path_handle_args>(),
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Compile include/uapi/linux/msocket.h and compare with this file.
    #[test]
    fn matches_the_c_header() {
        let include = concat!(env!("CARGO_MANIFEST_DIR"), "/../../include/uapi");
        // The header is in the msocket source tree, not in the published
        // crate: there is nothing to compare a packaged copy with.
        if !std::path::Path::new(include)
            .join("linux/msocket.h")
            .exists()
            && !std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../Cargo.toml")
                .exists()
        {
            eprintln!("no <linux/msocket.h> beside the crate: not in the source tree");
            return;
        }
        let dir = std::env::temp_dir().join(format!("msocket-uapi-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("uapi.c");
        std::fs::write(
            &src,
            r#"#include <stdio.h>
#include <linux/msocket.h>
int main(void)
{
	printf("%u %u %u %u %u %u %u %u %u %zu %zu %zu %zu %d %s\n",
	       MSOCKFS_MAGIC, MSOCKIO, MSOCK_IOC_SOCKET, MSOCK_IOC_GET_NETNS,
	       MSOCK_IOC_STACK_INFO, MSOCK_IOC_GET_HANDLE, MSOCK_IOC_PATH_SOCKET,
	       MSOCK_IOC_PATH_HANDLE, MSOCK_PATH_NOFOLLOW,
	       sizeof(struct msock_socket_args), sizeof(struct msock_path_socket_args),
	       sizeof(struct msock_path_handle_args), sizeof(struct msock_stack_info),
	       SOCK_DEFAULT, MSOCKET_DEVICE);
	return 0;
}
"#,
        )
        .unwrap();
        let bin = dir.join("uapi");
        let ok = Command::new("cc")
            .args(["-I", include, "-o"])
            .arg(&bin)
            .arg(&src)
            .status()
            .expect("a C compiler (cc)")
            .success();
        assert!(ok, "compiling the UAPI header failed");
        let out = Command::new(&bin).output().unwrap();
        let got = String::from_utf8(out.stdout).unwrap();
        let want = format!(
            "{} {} {} {} {} {} {} {} {} {} {} {} {} {} {}\n",
            MSOCKFS_MAGIC,
            MSOCKIO,
            MSOCK_IOC_SOCKET,
            MSOCK_IOC_GET_NETNS,
            MSOCK_IOC_STACK_INFO,
            MSOCK_IOC_GET_HANDLE,
            MSOCK_IOC_PATH_SOCKET,
            MSOCK_IOC_PATH_HANDLE,
            MSOCK_PATH_NOFOLLOW,
            std::mem::size_of::<msock_socket_args>(),
            std::mem::size_of::<msock_path_socket_args>(),
            std::mem::size_of::<msock_path_handle_args>(),
            std::mem::size_of::<msock_stack_info>(),
            SOCK_DEFAULT,
            MSOCKET_DEVICE
        );
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(got, want);
    }
}
