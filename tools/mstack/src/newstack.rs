// SPDX-License-Identifier: GPL-2.0

//! `mstack new NAME` / `mstack rm NAME`: a stack backed by a new network
//! namespace (named as `ip netns add` names it, so `ip netns exec NAME` sees
//! it too), with loopback up, an alternative protocol profile (a TCP variant
//! and tuning, set through the namespace's own sysctls), optionally an
//! uplink through a userspace network stack (slirp4netns or pasta) or a
//! WireGuard tunnel (wireguard.rs), and its resolver configuration in
//! /etc/netns/NAME (`--dns`, a WireGuard configuration's `DNS =`).

use crate::{dns, mount, wireguard, Error};
use std::{
    collections::BTreeMap,
    fs,
    io::{self, Read},
    os::{fd::AsRawFd, unix::process::CommandExt},
    path::PathBuf,
    process::{Command, Stdio},
};

/// Where `ip netns` keeps names.
pub const NETNS_RUN_DIR: &str = "/var/run/netns";
/// Where mstack records what it made.
pub const META_DIR: &str = "/run/mstack";

/// A named protocol profile: per-namespace sysctls under /proc/sys/net.
pub struct Profile {
    pub name: &'static str,
    pub about: &'static str,
    pub sysctls: &'static [(&'static str, &'static str)],
}

const BIG_BUFFERS: &str = "4096 262144 67108864";

/// The profiles `--profile` takes.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "default",
        about: "the kernel's defaults (CUBIC)",
        sysctls: &[],
    },
    Profile {
        name: "satellite",
        about: "long-delay links: Hybla, large windows, SACK, timestamps, no idle restart",
        sysctls: &[
            ("ipv4/tcp_congestion_control", "hybla"),
            ("ipv4/tcp_window_scaling", "1"),
            ("ipv4/tcp_sack", "1"),
            ("ipv4/tcp_timestamps", "1"),
            ("ipv4/tcp_rmem", BIG_BUFFERS),
            ("ipv4/tcp_wmem", BIG_BUFFERS),
            ("ipv4/tcp_slow_start_after_idle", "0"),
            ("ipv4/tcp_no_metrics_save", "1"),
        ],
    },
    Profile {
        name: "longfat",
        about: "long fat networks: BBR, 64 MiB windows, ECN",
        sysctls: &[
            ("ipv4/tcp_congestion_control", "bbr"),
            ("ipv4/tcp_window_scaling", "1"),
            ("ipv4/tcp_rmem", BIG_BUFFERS),
            ("ipv4/tcp_wmem", BIG_BUFFERS),
            ("ipv4/tcp_ecn", "1"),
            ("ipv4/tcp_slow_start_after_idle", "0"),
        ],
    },
    Profile {
        name: "lossy",
        about: "lossy wireless links: Westwood+, SACK",
        sysctls: &[
            ("ipv4/tcp_congestion_control", "westwood"),
            ("ipv4/tcp_sack", "1"),
            ("ipv4/tcp_timestamps", "1"),
        ],
    },
    Profile {
        name: "lowlatency",
        about: "delay-based Vegas, ECN, small unsent queues",
        sysctls: &[
            ("ipv4/tcp_congestion_control", "vegas"),
            ("ipv4/tcp_ecn", "1"),
            ("ipv4/tcp_notsent_lowat", "16384"),
            ("ipv4/tcp_autocorking", "0"),
        ],
    },
    Profile {
        name: "legacy",
        about: "1990s TCP for comparison: Reno, no SACK, timestamps, window scaling or ECN",
        sysctls: &[
            ("ipv4/tcp_congestion_control", "reno"),
            ("ipv4/tcp_sack", "0"),
            ("ipv4/tcp_timestamps", "0"),
            ("ipv4/tcp_window_scaling", "0"),
            ("ipv4/tcp_ecn", "0"),
        ],
    },
];

/// Looks a profile up by name.
pub fn profile(name: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// Validates `KEY=VALUE` (a path below /proc/sys/net, dots or slashes).
pub fn parse_sysctl(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}': expected KEY=VALUE"))?;
    let k = k
        .trim()
        .trim_start_matches("net.")
        .trim_start_matches("net/");
    let k = k.replace('.', "/");
    if k.is_empty()
        || k.split('/').any(|c| c.is_empty() || c == "..")
        || !k
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/".contains(c))
    {
        return Err(format!("'{s}': not a net sysctl name"));
    }
    Ok((k, v.trim().to_string()))
}

/// `--dns ADDR`: an IP address.
pub fn parse_dns(s: &str) -> Result<std::net::IpAddr, String> {
    s.parse().map_err(|_| format!("'{s}' is not an IP address"))
}

/// Options of `mstack new` (also its command line: see cli.rs).
#[derive(Debug, Default, clap::Args)]
pub struct NewOptions {
    /// Protocol profile: the TCP variant and tuning of the new namespace.
    #[arg(long, value_name = "PROFILE", value_parser = crate::cli::profile_parser())]
    pub profile: Option<String>,
    /// A net sysctl in the new namespace, KEY=VALUE (net.ipv4.tcp_ecn=1); repeatable.
    #[arg(long = "sysctl", value_name = "KEY=VALUE", value_parser = parse_sysctl)]
    pub sysctls: Vec<(String, String)>,
    /// Outside access: a userspace network stack, or a WireGuard tunnel
    /// (wireguard:CONF, a wg-quick configuration) as the only way out.
    #[arg(long, value_name = "UPLINK", value_parser = crate::cli::uplink_parser())]
    pub uplink: Option<String>,
    /// Mount point of the stack (default /dev/net/NAME).
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::DirPath)]
    pub path: Option<String>,
    #[command(flatten)]
    pub owner: mount::Owner,
    /// A name server of the stack, in /etc/netns/NAME/resolv.conf; repeatable.
    #[arg(long = "dns", value_name = "ADDR", value_parser = parse_dns)]
    pub dns: Vec<std::net::IpAddr>,
}

/// A valid `ip netns` name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.contains('\0')
}

fn meta_path(name: &str) -> PathBuf {
    PathBuf::from(META_DIR).join(name)
}

/// What `mstack new` recorded about a stack (empty if nothing).
pub fn read_meta(name: &str) -> BTreeMap<String, String> {
    fs::read_to_string(meta_path(name))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn write_meta(name: &str, meta: &BTreeMap<String, String>) -> io::Result<()> {
    fs::create_dir_all(META_DIR)?;
    let text: String = meta.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    fs::write(meta_path(name), text)
}

fn ip(args: &[&str]) -> Result<(), Error> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io("cannot run ip(8) (install iproute2)".into(), e))?;
    if !out.status.success() {
        return Err(Error::runtime(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

const ALLOWED_CC: &str = "/proc/sys/net/ipv4/tcp_allowed_congestion_control";
const AVAILABLE_CC: &str = "/proc/sys/net/ipv4/tcp_available_congestion_control";

/// Outside the initial network namespace only the congestion controls in
/// the (global) allowed list can be a namespace's default: add `cc` to it.
fn allow_congestion_control(cc: &str) -> Result<(), Error> {
    // Distribution kernels build most congestion controls as modules, which
    // the kernel loads only when one is set in the initial namespace: load
    // it here (tcp_allowed_congestion_control accepts only loaded ones).
    let available = fs::read_to_string(AVAILABLE_CC).unwrap_or_default();
    if !available.split_whitespace().any(|a| a == cc) {
        let _ = Command::new("modprobe")
            .args(["-q", &format!("tcp_{cc}")])
            .status();
    }
    let allowed = fs::read_to_string(ALLOWED_CC).map_err(|e| Error::io(ALLOWED_CC.into(), e))?;
    if allowed.split_whitespace().any(|a| a == cc) {
        return Ok(());
    }
    fs::write(ALLOWED_CC, format!("{} {cc}", allowed.trim()))
        .map_err(|e| Error::io(format!("{ALLOWED_CC}: cannot allow {cc}"), e))
}

/// Writes sysctls inside the namespace at `nspath`, in a child process.
fn apply_sysctls(nspath: &str, sysctls: &[(String, String)]) -> Result<(), Error> {
    if sysctls.is_empty() {
        return Ok(());
    }
    for (k, v) in sysctls {
        if k == "ipv4/tcp_congestion_control" {
            allow_congestion_control(v)?;
        }
    }
    let ns = fs::File::open(nspath).map_err(|e| Error::io(nspath.into(), e))?;
    let mut script = String::new();
    for (k, v) in sysctls {
        script.push_str(&format!("{k}={v}\n"));
    }
    // A child enters the namespace; /proc/sys/net is then that namespace's.
    let mut child = Command::new("/proc/self/exe");
    child
        .arg("__apply-sysctls")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped());
    let fd = ns.as_raw_fd();
    // SAFETY: only async-signal-safe setns() runs between fork and exec.
    unsafe {
        child.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = child
        .spawn()
        .map_err(|e| Error::io("cannot enter the namespace".into(), e))?;
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .ok();
    let out = child
        .wait_with_output()
        .map_err(|e| Error::io("sysctl helper".into(), e))?;
    if !out.status.success() {
        return Err(Error::runtime(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(())
}

/// The hidden helper: KEY=VALUE lines on stdin, written to /proc/sys/net.
pub fn apply_sysctls_here() -> i32 {
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).ok();
    for line in input.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let path = format!("/proc/sys/net/{k}");
        if let Err(e) = fs::write(&path, v) {
            eprintln!("mstack: {path} = {v}: {e}");
            return 1;
        }
    }
    0
}

fn start_uplink(kind: &str, name: &str, nspath: &str) -> Result<u32, Error> {
    let log = fs::File::create(format!("{META_DIR}/{name}.uplink.log"))
        .map_err(|e| Error::io("uplink log".into(), e))?;
    let mut cmd = match kind {
        // 10.0.2.100/24 on tap0, gateway 10.0.2.2, DNS 10.0.2.3
        "slirp4netns" => {
            let mut c = Command::new("slirp4netns");
            c.args([
                "--configure",
                "--mtu=65520",
                "--netns-type=path",
                nspath,
                "tap0",
            ]);
            c
        }
        "pasta" => {
            let mut c = Command::new("pasta");
            c.args([
                "--config-net",
                "--foreground",
                "--runas",
                "0:0",
                "--netns",
                nspath,
            ]);
            c
        }
        other => {
            return Err(Error::usage(format!(
                "unknown uplink '{other}' (slirp4netns, pasta, wireguard:CONF)"
            )))
        }
    };
    cmd.stdin(Stdio::null())
        .stdout(
            log.try_clone()
                .map_err(|e| Error::io("uplink log".into(), e))?,
        )
        .stderr(log)
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::io(format!("cannot start {kind} (is it installed?)"), e))?;
    let pid = child.id();
    let log = format!("{META_DIR}/{name}.uplink.log");
    // Wait until the uplink interface has an address, at most 10 s, and the
    // uplink is still running a moment later.
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::runtime(format!(
                "{kind} exited ({status}); see {log}"
            )));
        }
        let out = Command::new("ip")
            .args(["-n", name, "-4", "-o", "addr", "show", "scope", "global"])
            .output();
        if matches!(&out, Ok(o) if !o.stdout.is_empty()) {
            std::thread::sleep(std::time::Duration::from_millis(500));
            if let Ok(Some(status)) = child.try_wait() {
                return Err(Error::runtime(format!(
                    "{kind} exited ({status}); see {log}"
                )));
            }
            return Ok(pid);
        }
    }
    // The child we started (if it exited meanwhile, it is not reaped yet).
    if let Some(p) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(p, rustix::process::Signal::TERM);
    }
    Err(Error::runtime(format!(
        "{kind} did not configure the uplink in 10 s (see {log})"
    )))
}

/// `mstack new NAME`.
pub fn new(name: &str, opts: &NewOptions) -> Result<String, Error> {
    if !valid_name(name) {
        return Err(Error::usage(format!("'{name}' is not a valid netns name")));
    }
    let nspath = format!("{NETNS_RUN_DIR}/{name}");
    if fs::metadata(&nspath).is_ok() {
        return Err(Error::exit(
            1,
            format!("{nspath} exists already (ip netns del {name}?)"),
        ));
    }
    let prof = match &opts.profile {
        Some(p) => Some(profile(p).ok_or_else(|| {
            let names: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
            Error::usage(format!(
                "unknown profile '{p}' (one of: {})",
                names.join(", ")
            ))
        })?),
        None => None,
    };
    let mut sysctls: Vec<(String, String)> = prof
        .map(|p| {
            p.sysctls
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    sysctls.extend(opts.sysctls.iter().cloned());
    let path = opts
        .path
        .clone()
        .unwrap_or_else(|| format!("/dev/net/{name}"));
    // A WireGuard uplink: its configuration is checked before anything is made.
    let wg = match opts
        .uplink
        .as_deref()
        .and_then(|u| u.strip_prefix("wireguard:"))
    {
        Some(conf) => {
            let text = fs::read_to_string(conf).map_err(|e| Error::io(conf.to_string(), e))?;
            let cfg = wireguard::parse(&text).map_err(|m| Error::usage(format!("{conf}: {m}")))?;
            Some((cfg, wireguard::ifname_for(conf)))
        }
        None => None,
    };

    ip(&["netns", "add", name])?;
    let undo = |e: Error| {
        remove_etc_netns(name);
        let _ = mount::umount(&path, true);
        let _ = ip(&["netns", "del", name]);
        let _ = fs::remove_file(meta_path(name));
        e
    };
    ip(&["-n", name, "link", "set", "lo", "up"]).map_err(undo)?;
    apply_sysctls(&nspath, &sysctls).map_err(undo)?;
    mount::mount(&mount::Netns::Name(name.into()), &path, &opts.owner).map_err(undo)?;
    let mut meta = BTreeMap::new();
    meta.insert("path".to_string(), path.clone());
    meta.insert(
        "profile".to_string(),
        prof.map_or("custom", |p| p.name).to_string(),
    );
    if prof.is_none() && sysctls.is_empty() {
        meta.insert("profile".to_string(), "default".to_string());
    }
    write_meta(name, &meta).map_err(|e| undo(Error::io(META_DIR.into(), e)))?;
    let mut servers: Vec<String> = opts.dns.iter().map(|a| a.to_string()).collect();
    let mut search = Vec::new();
    if let Some((cfg, ifname)) = &wg {
        wireguard::up(cfg, ifname, &nspath, &path).map_err(undo)?;
        meta.insert("uplink".to_string(), "wireguard".to_string());
        meta.insert("wireguard_interface".to_string(), ifname.clone());
        write_meta(name, &meta).map_err(|e| undo(Error::io(META_DIR.into(), e)))?;
        servers.extend(cfg.dns.iter().map(|a| a.to_string()));
        search.extend(cfg.search.iter().cloned());
    }
    if !servers.is_empty() || !search.is_empty() {
        write_etc_netns(name, &servers, &search).map_err(undo)?;
        meta.insert("dns".to_string(), servers.join(","));
        write_meta(name, &meta).map_err(|e| undo(Error::io(META_DIR.into(), e)))?;
    }
    if let Some(kind) = opts.uplink.as_ref().filter(|_| wg.is_none()) {
        let pid = start_uplink(kind, name, &nspath).map_err(undo)?;
        meta.insert("uplink".to_string(), kind.clone());
        meta.insert("uplink_pid".to_string(), pid.to_string());
        write_meta(name, &meta).map_err(|e| undo(Error::io(META_DIR.into(), e)))?;
    }
    Ok(path)
}

/// `mstack rm NAME`.
pub fn rm(name: &str) -> Result<(), Error> {
    if !valid_name(name) {
        return Err(Error::usage(format!("'{name}' is not a valid netns name")));
    }
    let meta = read_meta(name);
    if let Some(pid) = meta
        .get("uplink_pid")
        .and_then(|p| p.parse::<i32>().ok())
        .filter(|p| *p > 0)
        .and_then(rustix::process::Pid::from_raw)
    {
        // The uplink's process group, which `new` started.
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::TERM);
    }
    let path = meta
        .get("path")
        .cloned()
        .unwrap_or_else(|| format!("/dev/net/{name}"));
    if let Some(ifname) = meta.get("wireguard_interface") {
        // Deleted now: the namespace may outlive `ip netns del` while a
        // process still uses it, and the interface with it.
        if msocket::is_stack(&path).unwrap_or(false) {
            wireguard::down(ifname, &path)?;
        }
    }
    if msocket::is_stack(&path).unwrap_or(false) {
        mount::umount(&path, true)?;
        let _ = fs::remove_dir(&path);
    }
    let nspath = format!("{NETNS_RUN_DIR}/{name}");
    if fs::metadata(&nspath).is_ok() {
        ip(&["netns", "del", name])?;
    } else if meta.is_empty() {
        return Err(Error::exit(1, format!("no stack named {name}")));
    }
    if meta.contains_key("dns") {
        remove_etc_netns(name);
    }
    let _ = fs::remove_file(meta_path(name));
    let _ = fs::remove_file(format!("{META_DIR}/{name}.uplink.log"));
    Ok(())
}

/// The files mstack writes in /etc/netns/NAME.
const ETC_FILES: [&str; 2] = ["resolv.conf", "nsswitch.conf"];

/// Writes /etc/netns/NAME/resolv.conf (these servers and search domains)
/// and nsswitch.conf (host lookups through DNS only), which `mstack STACK
/// CMD` and `ip netns exec NAME` bind over /etc for programs on the stack.
pub fn write_etc_netns(name: &str, servers: &[String], search: &[String]) -> Result<(), Error> {
    let dir = PathBuf::from(dns::NETNS_ETC_DIR).join(name);
    fs::create_dir_all(&dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let system = fs::read_to_string("/etc/nsswitch.conf").unwrap_or_default();
    for (file, text) in [
        ("resolv.conf", dns::resolv_conf(servers, search)),
        ("nsswitch.conf", dns::nsswitch_conf(&system)),
    ] {
        let p = dir.join(file);
        fs::write(&p, text).map_err(|e| Error::io(p.display().to_string(), e))?;
    }
    Ok(())
}

/// Removes what `write_etc_netns` wrote (and the directory, if empty).
fn remove_etc_netns(name: &str) {
    let dir = PathBuf::from(dns::NETNS_ETC_DIR).join(name);
    for f in ETC_FILES {
        let _ = fs::remove_file(dir.join(f));
    }
    let _ = fs::remove_dir(&dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_valid() {
        for p in PROFILES {
            for (k, _) in p.sysctls {
                assert_eq!(parse_sysctl(&format!("{k}=1")).unwrap().0, *k);
            }
        }
        assert_eq!(
            profile("satellite").unwrap().sysctls[0],
            ("ipv4/tcp_congestion_control", "hybla")
        );
        assert!(profile("nosuch").is_none());
    }

    #[test]
    fn sysctl_syntax() {
        assert_eq!(
            parse_sysctl("net.ipv4.tcp_ecn=1").unwrap(),
            ("ipv4/tcp_ecn".into(), "1".into())
        );
        assert_eq!(
            parse_sysctl("ipv4/tcp_rmem = 4096 1 2").unwrap(),
            ("ipv4/tcp_rmem".into(), "4096 1 2".into())
        );
        assert!(parse_sysctl("ipv4.tcp_ecn").is_err());
        assert!(parse_sysctl("../../etc=1").is_err());
        assert!(parse_sysctl("=1").is_err());
    }

    #[test]
    fn names() {
        assert!(valid_name("vpn"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name(".."));
        assert!(!valid_name(""));
    }
}
