// SPDX-License-Identifier: GPL-2.0

//! mstack: use msocket stacks from the command line. See mstack(8).

mod families;
mod ls;
mod mount;
mod newstack;
mod relay;
mod run;

use std::{ffi::OsString, fmt, io, time::Duration};

/// An error with the exit status it should end mstack with.
#[derive(Debug)]
pub struct Error {
    pub status: i32,
    pub message: String,
}

impl Error {
    /// Bad command line: exit status 2.
    pub fn usage(message: String) -> Error {
        Error { status: 2, message }
    }
    /// Failure at run time: exit status 1.
    pub fn runtime(message: String) -> Error {
        Error { status: 1, message }
    }
    /// A failed system call.
    pub fn io(what: String, e: io::Error) -> Error {
        Error {
            status: 1,
            message: format!("{what}: {e}"),
        }
    }
    /// Any exit status.
    pub fn exit(status: i32, message: String) -> Error {
        Error { status, message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

const HELP: &str = "\
mstack: use msocket stacks (network namespaces mounted as msockfs)

usage:
  mstack [-v] [-o FAMILIES] STACK CMD [ARGS...]   run CMD with STACK as its default stack
  mstack mount [OPTIONS] NETNS PATH               bind an existing netns to PATH
  mstack umount [-l] PATH                         unmount a stack
  mstack new [OPTIONS] NAME                       a new netns NAME, mounted at /dev/net/NAME
  mstack rm NAME                                  undo mstack new
  mstack ls [--json]                              list the stacks
  mstack relay [OPTIONS] FROM LISTEN TO CONNECT   relay LISTEN in stack FROM to CONNECT in stack TO
  mstack completions bash                         print a bash completion script
  mstack help | --help | --version

run:
  -o, --options, --protocols, --proto FAMILIES
        only these protocol families use STACK (View-OS syntax): a comma list
        of all, unix|u, ipv4|4, ipv6|6, netlink|n, packet|p, bluetooth|b,
        irda|i, ip (= ipv4,ipv6,netlink,packet), #N; each optionally prefixed
        with + or -; a list starting with - starts from every family.
  -v, --verbose
        say how CMD is run.
  With the privilege setns(2) needs (CAP_SYS_ADMIN and CAP_NET_ADMIN over
  the stack's netns) and every family selected, mstack enters the stack's
  network namespace: any program works, static ones too. Otherwise it preloads
  libmsocket-preload.so, which works for dynamically linked programs and needs
  only permission to use the stack.

mount NETNS: an ip netns NAME, an nsfs /PATH, --pid PID (through a pidfd),
  --fd N (an inherited nsfs fd) or --current. Options: --uid U, --gid G,
  --mode OCTAL.

new: --profile P (default, satellite, longfat, lossy, lowlatency, legacy;
  mstack new --profiles shows what each sets),
  --sysctl KEY=VALUE (a net sysctl in the new namespace, repeatable),
  --uplink slirp4netns|pasta (outside access through a userspace stack),
  --path PATH (default /dev/net/NAME), --uid U, --gid G, --mode OCTAL.

relay: LISTEN and CONNECT are ADDR:PORT, [ADDR6]:PORT or PORT (127.0.0.1).
  --udp, --max-connections N, --idle-timeout SECONDS, -v.

examples:
  mstack /dev/net/vpn curl http://10.0.0.1/
  mstack -o ip,-ipv6 /dev/net/lab ssh host
  mstack mount vpn /dev/net/vpn --mode 0770 --gid 100
  mstack mount --pid 4242 /dev/net/container
  mstack new sat --profile satellite --uplink slirp4netns
  mstack ls --json
  mstack relay /dev/net/lan 127.0.0.1:8080 /dev/net/vpn 127.0.0.1:80

exit status: 0 success, 1 failure, 2 bad usage; in run mode CMD's own status,
  126 if it cannot be run, 127 if it is not found.
";

const COMPLETION: &str = r#"# bash completion for mstack
_mstack() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local subs="mount umount new rm ls relay completions help"
    local stacks
    stacks=$(awk '$3 == "msockfs" {print $2}' /proc/self/mounts 2>/dev/null)
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$subs $stacks -o -v --help --version" -- "$cur"))
        return
    fi
    case "${COMP_WORDS[1]}" in
    umount) COMPREPLY=($(compgen -W "-l $stacks" -- "$cur")) ;;
    rm) COMPREPLY=($(compgen -W "$(ls /var/run/netns 2>/dev/null)" -- "$cur")) ;;
    ls) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
    new)
        case "$prev" in
        --profile) COMPREPLY=($(compgen -W "default satellite longfat lossy lowlatency legacy" -- "$cur")) ;;
        --uplink) COMPREPLY=($(compgen -W "slirp4netns pasta" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "--profile --profiles --sysctl --uplink --path --uid --gid --mode" -- "$cur")) ;;
        esac ;;
    mount)
        COMPREPLY=($(compgen -W "--pid --fd --current --uid --gid --mode $(ls /var/run/netns 2>/dev/null)" -- "$cur"))
        COMPREPLY+=($(compgen -d -- "$cur")) ;;
    relay) COMPREPLY=($(compgen -W "--udp --max-connections --idle-timeout -v $stacks" -- "$cur")) ;;
    -o|--options|--protocols|--proto) ;;
    *) COMPREPLY=($(compgen -c -- "$cur")) ;;
    esac
}
complete -F _mstack mstack
"#;

struct Args {
    items: Vec<OsString>,
    pos: usize,
}

impl Args {
    fn next(&mut self) -> Option<String> {
        let a = self.items.get(self.pos)?.to_string_lossy().into_owned();
        self.pos += 1;
        Some(a)
    }
    fn value(&mut self, opt: &str) -> Result<String, Error> {
        self.next()
            .ok_or_else(|| Error::usage(format!("{opt} needs a value")))
    }
}

fn parse_id(s: &str, group: bool) -> Result<u32, Error> {
    if let Ok(n) = s.parse::<u32>() {
        return Ok(n);
    }
    let c = std::ffi::CString::new(s).map_err(|_| Error::usage(format!("bad name '{s}'")))?;
    // SAFETY: getpwnam/getgrnam take a valid C string; the result is read at once.
    unsafe {
        if group {
            let g = libc::getgrnam(c.as_ptr());
            if !g.is_null() {
                return Ok((*g).gr_gid);
            }
        } else {
            let p = libc::getpwnam(c.as_ptr());
            if !p.is_null() {
                return Ok((*p).pw_uid);
            }
        }
    }
    Err(Error::usage(format!(
        "unknown {} '{s}'",
        if group { "group" } else { "user" }
    )))
}

fn parse_mode(s: &str) -> Result<u32, Error> {
    u32::from_str_radix(s.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o7777)
        .ok_or_else(|| Error::usage(format!("bad mode '{s}' (octal, at most 07777)")))
}

fn owner_option(a: &mut Args, opt: &str, owner: &mut mount::Owner) -> Result<bool, Error> {
    match opt {
        "--uid" => owner.uid = Some(parse_id(&a.value(opt)?, false)?),
        "--gid" => owner.gid = Some(parse_id(&a.value(opt)?, true)?),
        "--mode" => owner.mode = Some(parse_mode(&a.value(opt)?)?),
        _ => return Ok(false),
    }
    Ok(true)
}

fn cmd_mount(a: &mut Args) -> Result<i32, Error> {
    let mut owner = mount::Owner::default();
    let mut netns = None;
    let mut positional = Vec::new();
    while let Some(opt) = a.next() {
        if owner_option(a, &opt, &mut owner)? {
            continue;
        }
        match opt.as_str() {
            "--pid" => {
                let v = a.value("--pid")?;
                netns = Some(mount::Netns::Pid(
                    v.parse()
                        .map_err(|_| Error::usage(format!("bad pid '{v}'")))?,
                ))
            }
            "--fd" => {
                let v = a.value("--fd")?;
                netns = Some(mount::Netns::Fd(
                    v.parse()
                        .map_err(|_| Error::usage(format!("bad fd '{v}'")))?,
                ))
            }
            "--current" => netns = Some(mount::Netns::Current),
            o if o.starts_with("--") => {
                return Err(Error::usage(format!("mount: unknown option {o}")))
            }
            _ => positional.push(opt),
        }
    }
    let (netns, target) = match (netns, positional.as_slice()) {
        (Some(n), [t]) => (n, t.clone()),
        (None, [n, t]) => (mount::Netns::from_arg(n), t.clone()),
        _ => {
            return Err(Error::usage(
                "usage: mstack mount [OPTIONS] NETNS PATH".into(),
            ))
        }
    };
    mount::mount(&netns, &target, &owner)?;
    Ok(0)
}

fn cmd_new(a: &mut Args) -> Result<i32, Error> {
    let mut o = newstack::NewOptions::default();
    let mut name = None;
    while let Some(opt) = a.next() {
        if owner_option(a, &opt, &mut o.owner)? {
            continue;
        }
        match opt.as_str() {
            "--profile" => o.profile = Some(a.value("--profile")?),
            "--sysctl" => o
                .sysctls
                .push(newstack::parse_sysctl(&a.value("--sysctl")?).map_err(Error::usage)?),
            "--uplink" => o.uplink = Some(a.value("--uplink")?),
            "--path" => o.path = Some(a.value("--path")?),
            "--profiles" => {
                for p in newstack::PROFILES {
                    println!("{:<11} {}", p.name, p.about);
                    for (k, v) in p.sysctls {
                        println!("{:<11}   net.{} = {v}", "", k.replace('/', "."));
                    }
                }
                return Ok(0);
            }
            x if x.starts_with('-') => {
                return Err(Error::usage(format!("new: unknown option {x}")))
            }
            _ if name.is_none() => name = Some(opt),
            _ => return Err(Error::usage("usage: mstack new [OPTIONS] NAME".into())),
        }
    }
    let name = name.ok_or_else(|| Error::usage("usage: mstack new [OPTIONS] NAME".into()))?;
    let path = newstack::new(&name, &o)?;
    println!("{path}");
    Ok(0)
}

fn cmd_relay(a: &mut Args) -> Result<i32, Error> {
    let mut o = relay::RelayOptions {
        udp: false,
        max_connections: None,
        idle_timeout: None,
        verbose: false,
    };
    let mut pos = Vec::new();
    while let Some(opt) = a.next() {
        match opt.as_str() {
            "--udp" => o.udp = true,
            "-v" | "--verbose" => o.verbose = true,
            "--max-connections" => {
                let v = a.value(&opt)?;
                o.max_connections = Some(
                    v.parse()
                        .map_err(|_| Error::usage(format!("bad count '{v}'")))?,
                )
            }
            "--idle-timeout" => {
                let v = a.value(&opt)?;
                let s: f64 = v
                    .parse()
                    .map_err(|_| Error::usage(format!("bad timeout '{v}'")))?;
                o.idle_timeout = Some(Duration::from_secs_f64(s));
            }
            x if x.starts_with("--") => {
                return Err(Error::usage(format!("relay: unknown option {x}")))
            }
            _ => pos.push(opt),
        }
    }
    let [from, listen, to, target] = pos.as_slice() else {
        return Err(Error::usage(
            "usage: mstack relay [OPTIONS] FROM LISTEN TO CONNECT".into(),
        ));
    };
    let listen = relay::parse_addr(listen).map_err(Error::usage)?;
    let target = relay::parse_addr(target).map_err(Error::usage)?;
    relay::relay(from, listen, to, target, &o)?;
    Ok(0)
}

fn cmd_run(first: String, a: &mut Args) -> Result<i32, Error> {
    let mut families = families::Families::All;
    let mut verbose = false;
    let mut opt = Some(first);
    let stack = loop {
        let Some(o) = opt.take().or_else(|| a.next()) else {
            return Err(Error::usage(
                "usage: mstack [-o FAMILIES] STACK CMD [ARGS...]".into(),
            ));
        };
        match o.as_str() {
            "-o" | "--options" | "--protocols" | "--proto" => {
                families = families::parse(&a.value(&o)?).map_err(Error::usage)?
            }
            "-v" | "--verbose" => verbose = true,
            x if x.starts_with("-o") && x.len() > 2 => {
                families = families::parse(&x[2..]).map_err(Error::usage)?
            }
            x if x.starts_with('-') => return Err(Error::usage(format!("unknown option {x}"))),
            _ => break o,
        }
    };
    let cmd: Vec<OsString> = a.items[a.pos..].to_vec();
    if cmd.is_empty() {
        return Err(Error::usage(
            "usage: mstack [-o FAMILIES] STACK CMD [ARGS...]".into(),
        ));
    }
    run::run(&stack, &families, &cmd, verbose)
}

fn main_result() -> Result<i32, Error> {
    let mut a = Args {
        items: std::env::args_os().skip(1).collect(),
        pos: 0,
    };
    let Some(first) = a.next() else {
        eprint!("{HELP}");
        return Ok(2);
    };
    match first.as_str() {
        "help" | "-h" | "--help" => {
            print!("{HELP}");
            Ok(0)
        }
        "--version" | "-V" => {
            println!("mstack {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
        "mount" => cmd_mount(&mut a),
        "umount" | "unmount" => {
            let mut lazy = false;
            let mut path = None;
            while let Some(o) = a.next() {
                match o.as_str() {
                    "-l" | "--lazy" => lazy = true,
                    _ if path.is_none() => path = Some(o),
                    _ => return Err(Error::usage("usage: mstack umount [-l] PATH".into())),
                }
            }
            let path = path.ok_or_else(|| Error::usage("usage: mstack umount [-l] PATH".into()))?;
            mount::umount(&path, lazy)?;
            Ok(0)
        }
        "new" => cmd_new(&mut a),
        "rm" => {
            let name = a
                .next()
                .ok_or_else(|| Error::usage("usage: mstack rm NAME".into()))?;
            newstack::rm(&name)?;
            Ok(0)
        }
        "ls" | "list" => {
            let json = match a.next().as_deref() {
                None => false,
                Some("--json") | Some("-j") => true,
                Some(o) => return Err(Error::usage(format!("ls: unknown option {o}"))),
            };
            ls::ls(json)?;
            Ok(0)
        }
        "relay" => cmd_relay(&mut a),
        "completions" => match a.next().as_deref() {
            Some("bash") => {
                print!("{COMPLETION}");
                Ok(0)
            }
            _ => Err(Error::usage("usage: mstack completions bash".into())),
        },
        "__apply-sysctls" => Ok(newstack::apply_sysctls_here()),
        _ => cmd_run(first, &mut a),
    }
}

fn main() {
    let status = match main_result() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mstack: {e}");
            e.status
        }
    };
    std::process::exit(status);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_ids() {
        assert_eq!(parse_mode("0770").unwrap(), 0o770);
        assert_eq!(parse_mode("755").unwrap(), 0o755);
        assert!(parse_mode("8").is_err());
        assert!(parse_mode("17777").is_err());
        assert_eq!(parse_id("1000", false).unwrap(), 1000);
        assert_eq!(parse_id("root", false).unwrap(), 0);
        assert_eq!(parse_id("root", true).unwrap(), 0);
        assert!(parse_id("no-such-user-msocket", false).is_err());
    }

    #[test]
    fn help_mentions_every_subcommand() {
        for s in ["mount", "umount", "new", "rm", "ls", "relay", "completions"] {
            assert!(HELP.contains(&format!("mstack {s}")), "{s}");
            assert!(COMPLETION.contains(s), "{s}");
        }
        for f in families::names() {
            if f.len() > 2
                && f != "#N"
                && f != "local"
                && f != "inet"
                && f != "inet6"
                && f != "ip4"
                && f != "ip6"
                && f != "bt"
                && f != "ir"
            {
                assert!(HELP.contains(f), "{f}");
            }
        }
    }
}
