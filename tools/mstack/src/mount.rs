// SPDX-License-Identifier: GPL-2.0

//! `mstack mount` / `mstack umount`: bind an existing network namespace to a
//! stack path with the new mount API (fsopen/fsconfig/fsmount/move_mount).

use crate::Error;
use std::{
    ffi::CString,
    io,
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
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

/// Owner and mode options.
#[derive(Debug, Default, Clone)]
pub struct Owner {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub mode: Option<u32>,
}

const FSCONFIG_SET_FLAG: libc::c_uint = 0;
const FSCONFIG_SET_STRING: libc::c_uint = 1;
const FSCONFIG_SET_FD: libc::c_uint = 5;
const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
const FSOPEN_CLOEXEC: libc::c_uint = 1;
const FSMOUNT_CLOEXEC: libc::c_uint = 1;
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 4;
/// `PIDFD_GET_NET_NAMESPACE` (Linux 6.11): `_IO(0xFF, 4)`.
const PIDFD_GET_NET_NAMESPACE: libc::c_ulong = 0xFF04;

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL in mount arguments")
}

fn fd_result(r: libc::c_long) -> io::Result<OwnedFd> {
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the syscall returned a new fd nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(r as i32) })
}

fn ok(r: libc::c_long) -> io::Result<()> {
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The messages the kernel left in an fsopen fd's log.
fn fs_log(fs: &OwnedFd) -> String {
    let mut out = String::new();
    let mut buf = [0u8; 512];
    loop {
        // SAFETY: a valid buffer of its length.
        let n = unsafe { libc::read(fs.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
        let msg = String::from_utf8_lossy(&buf[..n as usize]);
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
    // SAFETY: pidfd_open takes a pid and flags.
    let pidfd = fd_result(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: the ioctl's argument must be 0; it returns a new fd.
    fd_result(unsafe { libc::ioctl(pidfd.as_raw_fd(), PIDFD_GET_NET_NAMESPACE as _, 0) } as _)
}

/// Mounts a stack of `netns` at `target` (created if missing).
pub fn mount(netns: &Netns, target: &str, owner: &Owner) -> Result<(), Error> {
    std::fs::create_dir_all(target).map_err(|e| Error::io(format!("cannot create {target}"), e))?;
    let name = cstr("msockfs");
    // SAFETY: a valid C string and flags.
    let fs = fd_result(unsafe { libc::syscall(libc::SYS_fsopen, name.as_ptr(), FSOPEN_CLOEXEC) })
        .map_err(|e| Error::io("fsopen(msockfs) (is msocket.ko loaded?)".into(), e))?;
    let set = |cmd: libc::c_uint, key: &str, value: Option<&str>, aux: i32| -> io::Result<()> {
        // Commands (FSCONFIG_CMD_*) take no key.
        let k = (!key.is_empty()).then(|| cstr(key));
        let kp = k.as_ref().map_or(std::ptr::null(), |k| k.as_ptr());
        let v = value.map(cstr);
        let vp = v.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
        // SAFETY: valid C strings (or NULL) as fsconfig expects for `cmd`.
        ok(unsafe { libc::syscall(libc::SYS_fsconfig, fs.as_raw_fd(), cmd, kp, vp, aux) })
    };
    let fail = |what: String, e: io::Error| {
        let log = fs_log(&fs);
        Error::io(
            if log.is_empty() {
                what
            } else {
                format!("{what}: {log}")
            },
            e,
        )
    };
    let mut held_fd = None;
    match netns {
        Netns::Name(n) => set(
            FSCONFIG_SET_STRING,
            "source",
            Some(&format!("netns={n}")),
            0,
        ),
        Netns::Path(p) => set(
            FSCONFIG_SET_STRING,
            "source",
            Some(&format!("netns={p}")),
            0,
        ),
        Netns::Current => set(FSCONFIG_SET_FLAG, "current", None, 0),
        Netns::Fd(fd) => set(FSCONFIG_SET_FD, "netns", None, *fd),
        Netns::Pid(pid) => {
            let nsfd = netns_of_pid(*pid)
                .map_err(|e| Error::io(format!("network namespace of pid {pid}"), e))?;
            let r = set(FSCONFIG_SET_FD, "netns", None, nsfd.as_raw_fd());
            held_fd = Some(nsfd);
            r
        }
    }
    .map_err(|e| fail(format!("cannot bind {netns:?}"), e))?;
    drop(held_fd);
    for (key, value) in [
        ("uid", owner.uid.map(|u| u.to_string())),
        ("gid", owner.gid.map(|g| g.to_string())),
        ("mode", owner.mode.map(|m| format!("{m:o}"))),
    ] {
        if let Some(v) = value {
            set(FSCONFIG_SET_STRING, key, Some(&v), 0)
                .map_err(|e| fail(format!("{key}={v}"), e))?;
        }
    }
    set(FSCONFIG_CMD_CREATE, "", None, 0).map_err(|e| fail("cannot create the stack".into(), e))?;
    // SAFETY: fsmount takes the fs context fd and flags.
    let mnt =
        fd_result(unsafe { libc::syscall(libc::SYS_fsmount, fs.as_raw_fd(), FSMOUNT_CLOEXEC, 0) })
            .map_err(|e| fail("fsmount".into(), e))?;
    let empty = cstr("");
    let to = cstr(target);
    // SAFETY: valid fds and C strings.
    ok(unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            mnt.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH,
        )
    })
    .map_err(|e| Error::io(format!("cannot mount on {target}"), e))
}

/// Unmounts the stack at `target` (lazily with `lazy`).
pub fn umount(target: &str, lazy: bool) -> Result<(), Error> {
    match msocket::is_stack(target) {
        Ok(true) => {}
        Ok(false) => return Err(Error::usage(format!("{target} is not a stack"))),
        Err(e) => return Err(Error::io(target.into(), e)),
    }
    let t = cstr(target);
    let flags = if lazy { libc::MNT_DETACH } else { 0 };
    // SAFETY: a valid C string.
    if unsafe { libc::umount2(t.as_ptr(), flags) } != 0 {
        return Err(Error::io(
            format!("cannot unmount {target}"),
            io::Error::last_os_error(),
        ));
    }
    Ok(())
}
