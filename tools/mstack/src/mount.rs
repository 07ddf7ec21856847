// SPDX-License-Identifier: GPL-2.0

//! `mstack mount` / `mstack umount`: bind an existing network namespace to a
//! stack path with the new mount API (fsopen/fsconfig/fsmount/move_mount).

use crate::Error;
use rustix::{
    fs::CWD,
    io::Errno,
    ioctl::{Ioctl, IoctlOutput, Opcode},
    mount::{
        fsconfig_create, fsconfig_set_fd, fsconfig_set_flag, fsconfig_set_string, fsmount, fsopen,
        move_mount, unmount, FsMountFlags, FsOpenFlags, MountAttrFlags, MoveMountFlags,
        UnmountFlags,
    },
    process::{pidfd_open, Pid, PidfdFlags},
};
use std::{
    ffi::c_void,
    io,
    os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd},
};

/// What to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Netns {
    /// An `ip netns` name.
    Name(String),
    /// An nsfs file path.
    Path(String),
    /// A process, through a pidfd (race-free).
    Pid(i32),
    /// An inherited file descriptor of an nsfs file.
    Fd(i32),
    /// The caller's own.
    Current,
}

impl Netns {
    /// `NAME` or `/PATH`, as `ip netns` and the mount source take them.
    pub fn from_arg(arg: &str) -> Netns {
        if arg.starts_with('/') {
            Netns::Path(arg.into())
        } else {
            Netns::Name(arg.into())
        }
    }
}

/// Owner and mode options (`mstack mount`, `mstack new`).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Owner {
    /// Owner of the stack root (a user name or number).
    #[arg(long, value_name = "USER", value_parser = parse_uid)]
    pub uid: Option<u32>,
    /// Group of the stack root (a group name or number).
    #[arg(long, value_name = "GROUP", value_parser = parse_gid)]
    pub gid: Option<u32>,
    /// Mode of the stack root, octal (write permission lets a user create sockets).
    #[arg(long, value_name = "OCTAL", value_parser = parse_mode)]
    pub mode: Option<u32>,
}

/// A user or group name, or a number.
fn parse_id(s: &str, group: bool) -> Result<u32, String> {
    if let Ok(n) = s.parse::<u32>() {
        return Ok(n);
    }
    let c = std::ffi::CString::new(s).map_err(|_| format!("bad name '{s}'"))?;
    // SAFETY: getpwnam/getgrnam take a valid C string; the entry they return
    // (or NULL) is read at once, before any other call could overwrite it.
    // No crate in mstack's tree wraps the NSS lookups (rustix does not).
    let id = unsafe {
        if group {
            let g = libc::getgrnam(c.as_ptr());
            (!g.is_null()).then(|| (*g).gr_gid)
        } else {
            let p = libc::getpwnam(c.as_ptr());
            (!p.is_null()).then(|| (*p).pw_uid)
        }
    };
    id.ok_or_else(|| format!("unknown {} '{s}'", if group { "group" } else { "user" }))
}

/// `--uid`: a user name or number.
pub fn parse_uid(s: &str) -> Result<u32, String> {
    parse_id(s, false)
}

/// `--gid`: a group name or number.
pub fn parse_gid(s: &str) -> Result<u32, String> {
    parse_id(s, true)
}

/// `--mode`: octal, at most 07777.
pub fn parse_mode(s: &str) -> Result<u32, String> {
    u32::from_str_radix(s.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| format!("bad mode '{s}' (octal, at most 07777)"))
}

/// `PIDFD_GET_NET_NAMESPACE` (Linux 6.11): `_IO(0xFF, 4)`; returns a new
/// nsfs fd of the process' network namespace.
struct GetNetNamespace;

// SAFETY: the ioctl takes no argument (a NULL pointer is passed), touches no
// user memory, and its non-negative return value is a new fd.
unsafe impl Ioctl for GetNetNamespace {
    type Output = OwnedFd;
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        0xFF04
    }

    fn as_ptr(&mut self) -> *mut c_void {
        std::ptr::null_mut()
    }

    unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> rustix::io::Result<OwnedFd> {
        // SAFETY: rustix calls this only after the ioctl succeeded; its
        // return value is then a new fd that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(out) })
    }
}

/// The messages the kernel left in an fsopen fd's log.
fn fs_log(fs: &OwnedFd) -> String {
    let mut out = String::new();
    let mut buf = [0u8; 512];
    while let Ok(n @ 1..) = rustix::io::read(fs, &mut buf) {
        let msg = String::from_utf8_lossy(&buf[..n]);
        // "e msockfs: ..." (error), "w ..." (warning), "i ..." (info)
        let msg = msg.get(2..).unwrap_or(&msg).trim_end();
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(msg);
    }
    out
}

/// A network namespace fd of a process, through a pidfd.
fn netns_of_pid(pid: i32) -> io::Result<OwnedFd> {
    let pid = Some(pid)
        .filter(|p| *p > 0)
        .and_then(Pid::from_raw)
        .ok_or(Errno::SRCH)?;
    let pidfd = pidfd_open(pid, PidfdFlags::empty())?;
    // SAFETY: GetNetNamespace describes PIDFD_GET_NET_NAMESPACE exactly, and
    // `pidfd` is a pidfd.
    Ok(unsafe { rustix::ioctl::ioctl(&pidfd, GetNetNamespace) }?)
}

/// Mounts a stack of `netns` at `target` (created if missing).
pub fn mount(netns: &Netns, target: &str, owner: &Owner) -> Result<(), Error> {
    std::fs::create_dir_all(target).map_err(|e| Error::io(format!("cannot create {target}"), e))?;
    let fs = fsopen("msockfs", FsOpenFlags::FSOPEN_CLOEXEC)
        .map_err(|e| Error::io("fsopen(msockfs) (is msocket.ko loaded?)".into(), e.into()))?;
    let fail = |what: String, e: Errno| {
        let log = fs_log(&fs);
        Error::io(
            if log.is_empty() {
                what
            } else {
                format!("{what}: {log}")
            },
            e.into(),
        )
    };
    let set_fd = |fd: BorrowedFd<'_>| fsconfig_set_fd(&fs, "netns", fd);
    match netns {
        Netns::Name(n) => fsconfig_set_string(&fs, "source", format!("netns={n}")),
        Netns::Path(p) => fsconfig_set_string(&fs, "source", format!("netns={p}")),
        Netns::Current => fsconfig_set_flag(&fs, "current"),
        Netns::Fd(fd) => {
            if *fd < 0 {
                return Err(Error::usage(format!("bad fd {fd}")));
            }
            // SAFETY: the caller named an fd it passed to mstack; it is
            // only borrowed for this call (a closed fd fails with EBADF).
            set_fd(unsafe { BorrowedFd::borrow_raw(*fd) })
        }
        Netns::Pid(pid) => {
            let nsfd = netns_of_pid(*pid)
                .map_err(|e| Error::io(format!("network namespace of pid {pid}"), e))?;
            set_fd(nsfd.as_fd())
        }
    }
    .map_err(|e| fail(format!("cannot bind {netns:?}"), e))?;
    for (key, value) in [
        ("uid", owner.uid.map(|u| u.to_string())),
        ("gid", owner.gid.map(|g| g.to_string())),
        ("mode", owner.mode.map(|m| format!("{m:o}"))),
    ] {
        if let Some(v) = value {
            fsconfig_set_string(&fs, key, &v).map_err(|e| fail(format!("{key}={v}"), e))?;
        }
    }
    fsconfig_create(&fs).map_err(|e| fail("cannot create the stack".into(), e))?;
    let mnt = fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, MountAttrFlags::empty())
        .map_err(|e| fail("fsmount".into(), e))?;
    move_mount(
        &mnt,
        "",
        CWD,
        target,
        MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
    )
    .map_err(|e| Error::io(format!("cannot mount on {target}"), e.into()))
}

/// Unmounts the stack at `target` (lazily with `lazy`).
pub fn umount(target: &str, lazy: bool) -> Result<(), Error> {
    match msocket::is_stack(target) {
        Ok(true) => {}
        Ok(false) => return Err(Error::usage(format!("{target} is not a stack"))),
        Err(e) => return Err(Error::io(target.into(), e)),
    }
    let flags = if lazy {
        UnmountFlags::DETACH
    } else {
        UnmountFlags::empty()
    };
    unmount(target, flags).map_err(|e| Error::io(format!("cannot unmount {target}"), e.into()))
}
