// SPDX-License-Identifier: GPL-2.0

//! Per-stack name resolution, as `ip netns exec` does it: the files in
//! `/etc/netns/NAME/` (`resolv.conf`, `nsswitch.conf`, `hosts`, ...) are
//! bind-mounted over their namesakes in `/etc` in a private mount namespace
//! of the program run on stack NAME, so its resolver uses the stack's DNS
//! servers (and its queries travel through the stack, like its other
//! sockets).
//!
//! NAME is the `ip netns` name of the stack's network namespace (the entry of
//! `/var/run/netns` with the same inode). A private mount namespace needs
//! `CAP_SYS_ADMIN`: root gets one directly; anyone else gets one inside a
//! new user namespace that maps only the caller's own uid and gid (so other
//! users' files show as the overflow ids, 65534, to the program; access
//! checks are unchanged). Where user namespaces are not available, mstack
//! refuses to run the program rather than let it resolve names with the
//! caller's configuration (`--no-dns` accepts that).
//!
//! The nscd socket, if any, is hidden in that mount namespace: nscd would
//! answer from the caller's resolver.

use crate::newstack::NETNS_RUN_DIR;
use nix::{
    mount::{mount, umount2, MntFlags, MsFlags},
    sched::{unshare, CloneFlags},
    unistd::{getgid, getuid},
};
use std::{
    fs,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
};

/// Where `ip netns` keeps per-namespace /etc files.
pub const NETNS_ETC_DIR: &str = "/etc/netns";
const NSCD_SOCKETS: [&str; 2] = ["/run/nscd/socket", "/var/run/nscd/socket"];

/// The bind mounts that give a program its stack's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binds {
    /// The stack's `ip netns` name.
    pub name: String,
    /// (source in /etc/netns/NAME, target in /etc)
    pub files: Vec<(PathBuf, PathBuf)>,
}

/// The `ip netns` name of the namespace with inode `ino`, if any.
pub fn netns_name(ino: u64) -> Option<String> {
    let mut names: Vec<String> = fs::read_dir(NETNS_RUN_DIR)
        .ok()?
        .flatten()
        .filter(|e| fs::metadata(e.path()).map(|m| m.ino()).ok() == Some(ino))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names.into_iter().next()
}

/// The files of `/etc/netns/NAME` (below `etc`, for tests), sorted.
pub fn binds_in(etc: &Path, name: &str) -> Option<Binds> {
    let dir = etc.join("netns").join(name);
    let mut files: Vec<(PathBuf, PathBuf)> = fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| (e.path(), etc.join(e.file_name())))
        .collect();
    if files.is_empty() {
        return None;
    }
    files.sort();
    Some(Binds {
        name: name.to_string(),
        files,
    })
}

/// The binds for a stack: `None` if its namespace has no `ip netns` name or
/// no `/etc/netns/NAME` files.
pub fn for_stack(stack: &msocket::Stack) -> Option<Binds> {
    let ino = stack.info().ok()?.netns_ino;
    binds_in(Path::new("/etc"), &netns_name(ino)?)
}

fn write_map(path: &str, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{path}: {e}"))
}

/// Enters a private mount namespace (inside a new user namespace unless the
/// process may make one directly) and makes the bind mounts. Only for a
/// single-threaded process about to exec the program.
pub fn apply(binds: &Binds) -> Result<(), String> {
    let why = |e: nix::Error| {
        format!(
            "cannot give the program stack {}'s resolver configuration ({NETNS_ETC_DIR}/{}): {e}",
            binds.name, binds.name
        )
    };
    if unshare(CloneFlags::CLONE_NEWNS).is_err() {
        let (uid, gid) = (getuid(), getgid());
        unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS).map_err(|e| {
            format!(
                "{}; a private mount namespace needs root or user namespaces (pass --no-dns to use the caller's resolver configuration)",
                why(e)
            )
        })?;
        write_map("/proc/self/uid_map", &format!("{uid} {uid} 1\n"))?;
        write_map("/proc/self/setgroups", "deny\n")?;
        write_map("/proc/self/gid_map", &format!("{gid} {gid} 1\n"))?;
    }
    // Mount events of the caller's namespace still propagate in, ours not out.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_SLAVE | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(why)?;
    for (src, dst) in &binds.files {
        mount(
            Some(src.as_path()),
            dst.as_path(),
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(|e| {
            format!(
                "cannot bind {} on {}: {e} (the stack's resolver configuration)",
                src.display(),
                dst.display()
            )
        })?;
    }
    for s in NSCD_SOCKETS {
        if fs::symlink_metadata(s).is_ok() {
            mount(
                Some("/dev/null"),
                s,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(|e| format!("cannot hide nscd's socket {s}: {e}"))?;
        }
    }
    Ok(())
}

/// After `setns` into the stack (root): its sysfs on /sys, as `ip netns
/// exec` does, so /sys/class/net lists the stack's interfaces. Best effort.
pub fn remount_sys() {
    if umount2("/sys", MntFlags::MNT_DETACH).is_ok() {
        let _ = mount(
            Some("sysfs"),
            "/sys",
            Some("sysfs"),
            MsFlags::empty(),
            None::<&str>,
        );
    }
}

/// The `resolv.conf` of `mstack new --dns` (and of a WireGuard config's
/// `DNS =`): name servers, then search domains.
pub fn resolv_conf(servers: &[String], search: &[String]) -> String {
    let mut s = String::from("# written by mstack new: this stack's resolvers\n");
    for a in servers {
        s.push_str(&format!("nameserver {a}\n"));
    }
    if !search.is_empty() {
        s.push_str(&format!("search {}\n", search.join(" ")));
    }
    s
}

/// The system's `nsswitch.conf` with host lookups through `files dns` only:
/// modules such as `resolve` (systemd-resolved) or `mdns` ask a daemon of
/// the caller's stack over AF_UNIX, which would resolve names there.
pub fn nsswitch_conf(system: &str) -> String {
    let mut out = String::from("# written by mstack new: host lookups through this stack's DNS\n");
    let mut seen = false;
    for line in system.lines() {
        if line.trim_start().starts_with("hosts:") {
            out.push_str("hosts:          files dns\n");
            seen = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !seen {
        out.push_str("hosts:          files dns\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_of_a_netns_dir() {
        let etc = std::env::temp_dir().join(format!("mstack-dns-test-{}", std::process::id()));
        fs::create_dir_all(etc.join("netns/vpn")).unwrap();
        fs::create_dir_all(etc.join("netns/empty")).unwrap();
        fs::write(etc.join("netns/vpn/resolv.conf"), "nameserver 10.0.0.1\n").unwrap();
        fs::write(etc.join("netns/vpn/hosts"), "10.0.0.2 x\n").unwrap();
        let b = binds_in(&etc, "vpn").unwrap();
        assert_eq!(b.name, "vpn");
        assert_eq!(
            b.files,
            vec![
                (etc.join("netns/vpn/hosts"), etc.join("hosts")),
                (etc.join("netns/vpn/resolv.conf"), etc.join("resolv.conf")),
            ]
        );
        assert_eq!(binds_in(&etc, "empty"), None);
        assert_eq!(binds_in(&etc, "none"), None);
        fs::remove_dir_all(&etc).unwrap();
    }

    #[test]
    fn generated_files() {
        assert_eq!(
            resolv_conf(&["10.64.0.1".into(), "fd00::1".into()], &["vpn.example".into()]),
            "# written by mstack new: this stack's resolvers\nnameserver 10.64.0.1\nnameserver fd00::1\nsearch vpn.example\n"
        );
        let ns = nsswitch_conf("passwd: files systemd\nhosts: files mdns4_minimal [NOTFOUND=return] resolve dns myhostname\n");
        assert!(ns.contains("passwd: files systemd\n"));
        assert!(ns.contains("hosts:          files dns\n"));
        assert!(!ns.contains("resolve"));
        assert!(nsswitch_conf("").ends_with("hosts:          files dns\n"));
    }

    #[test]
    fn no_name_for_an_unknown_inode() {
        assert_eq!(netns_name(1), None);
    }
}
