// SPDX-License-Identifier: GPL-2.0

//! mstack's command line (clap derive): parsing, help, errors, completions.
//!
//! Two forms share the top level:
//! - `mstack [-v] [-o FAMILIES] STACK CMD [ARGS...]`, View-OS `mstack`'s;
//! - `mstack SUBCOMMAND ...` (mount, umount, new, rm, ls, relay,
//!   completions, help).
//!
//! The first word that is not an option decides. Only a subcommand's exact
//! name selects the subcommand; any other word is STACK, after it the next
//! word is CMD, and every word from CMD on belongs to CMD untouched (options
//! included). So `mstack /dev/net/x ls -l` runs `ls -l` on /dev/net/x, and a
//! stack mounted at a relative path named like a subcommand is written
//! `./ls`. `-o` and `-v` belong to the run form only.
//!
//! mstack's internal helper `__apply-sysctls` (newstack.rs) is dispatched
//! before clap, so no help or completion script shows it.
//!
//! Adding a flag is one field: in [`RunArgs`] for the run form (run.rs reads
//! it), in `newstack::NewOptions` for `mstack new`. mstack(8) documents every
//! option; `tests::man_page_matches_help` fails until it does.

use crate::{families::Families, mount, newstack, relay};
use clap::{
    builder::{PossibleValue, StringValueParser, TypedValueParser},
    error::ErrorKind,
    ArgGroup, Args, Parser, Subcommand, ValueEnum, ValueHint,
};
use std::{ffi::OsString, net::SocketAddr, time::Duration};

const LONG_ABOUT: &str = "\
Use msocket stacks: network namespaces mounted as msockfs.

mstack STACK CMD runs CMD with STACK as its default stack, as View-OS mstack \
does. With the privilege setns(2) needs (CAP_SYS_ADMIN and CAP_NET_ADMIN over \
the stack's network namespace) and every family selected, mstack enters the \
namespace. Otherwise CMD runs under a seccomp supervisor: mstack creates its \
sockets in the stack. Any program works (static, Go, raw system calls; \
io_uring is refused), and only permission to use the stack is needed. The \
preload (libmsocket-preload.so) covers only dynamically linked programs that \
create sockets through libc's socket(), so it is used only when asked for. \
mstack never runs CMD on the wrong stack: it refuses, saying why. Files in \
/etc/netns/NAME are bound over /etc for CMD, as ip netns exec does.

The first word that is not an option is a subcommand only if it is one's exact \
name; anything else is STACK (write ./ls for a stack at the relative path ls), \
and every word from CMD on is passed to CMD untouched.";

const AFTER_HELP: &str = "\
Examples:
  mstack /dev/net/vpn curl http://10.0.0.1/
  mstack -o ip,-ipv6 /dev/net/lab ssh host
  mstack mount vpn /dev/net/vpn --mode 0770 --gid 100
  mstack mount --pid 4242 /dev/net/container
  mstack new sat --profile satellite --uplink slirp4netns
  mstack new vpn --uplink wireguard:/etc/wireguard/wg0.conf --mode 0777
  mstack ls --json
  mstack relay /dev/net/lan 127.0.0.1:8080 /dev/net/vpn 127.0.0.1:80

Exit status: 0 success, 1 failure, 2 bad usage; when running CMD: its own \
status (128 + N if killed by signal N, under the supervisor), 126 if it \
cannot be run or no mechanism can guarantee the stack, 127 if it is not \
found. See mstack(8).";

const FAMILIES_HELP: &str = "\
Only these protocol families use STACK (View-OS syntax): a comma list of all, \
unix|u, ipv4|4, ipv6|6, netlink|n, packet|p, bluetooth|b, irda|i, \
ip (= ipv4,ipv6,netlink,packet) and #N (a family number), each optionally \
prefixed with + or -; a list starting with - starts from every family \
(-o -unix: all but AF_UNIX), any other from none (-o ip,-ipv6).";

/// mstack: use msocket stacks.
#[derive(Parser, Debug)]
#[command(
    name = "mstack",
    version,
    about = "Use msocket stacks: network namespaces mounted as msockfs",
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    pub run: Option<RunArgs>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `mstack [-v] [-o FAMILIES] STACK CMD [ARGS...]`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Only these protocol families use STACK (View-OS -o list).
    #[arg(
        short = 'o',
        long = "options",
        visible_aliases = ["protocols", "proto"],
        value_name = "FAMILIES",
        long_help = FAMILIES_HELP,
        allow_hyphen_values = true,
        value_parser = crate::families::parse
    )]
    pub families: Option<Families>,
    /// Say how CMD is run.
    #[arg(short, long)]
    pub verbose: bool,
    /// Enter the stack's network namespace (privileged), or fail.
    #[arg(long, group = "mechanism")]
    pub setns: bool,
    /// Run CMD under the seccomp supervisor, or fail.
    #[arg(long, group = "mechanism")]
    pub supervisor: bool,
    /// Preload libmsocket-preload.so (dynamically linked programs using libc's socket() only).
    #[arg(long, group = "mechanism")]
    pub preload: bool,
    /// Keep the caller's resolver configuration (no /etc/netns/NAME).
    #[arg(long)]
    pub no_dns: bool,
    /// The stack: the path of an msockfs mount.
    #[arg(value_name = "STACK", value_hint = ValueHint::DirPath)]
    pub stack: String,
    /// The program to run, and its arguments (passed untouched).
    #[arg(
        value_name = "CMD",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_hint = ValueHint::CommandWithArguments
    )]
    pub cmd: Vec<OsString>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Bind an existing network namespace to PATH (the new mount API).
    Mount(MountArgs),
    /// Unmount a stack.
    #[command(alias = "unmount")]
    Umount(UmountArgs),
    /// A new network namespace NAME with a protocol profile, mounted at /dev/net/NAME.
    New(NewArgs),
    /// Undo `mstack new NAME`: stop the uplink, unmount, delete the namespace.
    Rm(RmArgs),
    /// List the stacks mounted here, with owner, profile and interfaces.
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Relay LISTEN in stack FROM to CONNECT in stack TO (TCP, or UDP flows).
    Relay(RelayArgs),
    /// Print a completion script for SHELL on standard output.
    Completions(CompletionsArgs),
}

/// `mstack mount`.
#[derive(Args, Debug)]
#[command(
    allow_missing_positional = true,
    group(ArgGroup::new("namespace").required(true).args(["netns", "pid", "fd", "current"]))
)]
pub struct MountArgs {
    /// An `ip netns` NAME, or the /PATH of an nsfs file (/proc/PID/ns/net).
    #[arg(value_name = "NETNS")]
    pub netns: Option<String>,
    /// Where to mount the stack (created if missing).
    #[arg(value_name = "PATH", value_hint = ValueHint::DirPath)]
    pub path: String,
    /// The network namespace of process PID, through a pidfd (race-free).
    #[arg(long, value_name = "PID", value_parser = clap::value_parser!(i32).range(1..))]
    pub pid: Option<i32>,
    /// An inherited file descriptor of an nsfs file.
    #[arg(long, value_name = "FD", value_parser = clap::value_parser!(i32).range(0..))]
    pub fd: Option<i32>,
    /// mstack's own network namespace.
    #[arg(long)]
    pub current: bool,
    #[command(flatten)]
    pub owner: mount::Owner,
}

impl MountArgs {
    /// What to bind.
    pub fn netns(&self) -> mount::Netns {
        match (&self.netns, self.pid, self.fd) {
            (Some(n), ..) => mount::Netns::from_arg(n),
            (_, Some(pid), _) => mount::Netns::Pid(pid),
            (_, _, Some(fd)) => mount::Netns::Fd(fd),
            _ => mount::Netns::Current,
        }
    }
}

/// `mstack umount`.
#[derive(Args, Debug)]
pub struct UmountArgs {
    /// Detach now, clean up when no longer busy (umount2 MNT_DETACH).
    #[arg(short, long)]
    pub lazy: bool,
    /// The stack's mount point.
    #[arg(value_name = "PATH", value_hint = ValueHint::DirPath)]
    pub path: String,
}

/// `mstack new`.
#[derive(Args, Debug)]
pub struct NewArgs {
    /// The namespace's name, as `ip netns` names it.
    #[arg(value_name = "NAME", required_unless_present = "profiles")]
    pub name: Option<String>,
    /// List the profiles and what each sets, then exit.
    #[arg(long, exclusive = true)]
    pub profiles: bool,
    #[command(flatten)]
    pub options: newstack::NewOptions,
}

/// `mstack rm`.
#[derive(Args, Debug)]
pub struct RmArgs {
    /// The name `mstack new` was given.
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// `mstack ls`.
#[derive(Args, Debug)]
pub struct LsArgs {
    /// One JSON document (schema version 1, see mstack(8)) instead of a table.
    #[arg(short, long)]
    pub json: bool,
}

/// `mstack relay`.
#[derive(Args, Debug)]
pub struct RelayArgs {
    /// The stack to listen in.
    #[arg(value_name = "FROM", value_hint = ValueHint::DirPath)]
    pub from: String,
    /// ADDR:PORT, [ADDR6]:PORT or PORT (on 127.0.0.1) to listen on in FROM.
    #[arg(value_name = "LISTEN", value_parser = relay::parse_addr)]
    pub listen: SocketAddr,
    /// The stack to connect in.
    #[arg(value_name = "TO", value_hint = ValueHint::DirPath)]
    pub to: String,
    /// Where to connect in TO, as LISTEN.
    #[arg(value_name = "CONNECT", value_parser = relay::parse_addr)]
    pub connect: SocketAddr,
    /// Relay UDP flows instead of TCP connections.
    #[arg(long)]
    pub udp: bool,
    /// Stop after N TCP connections were relayed and closed.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Stop after SECONDS without traffic.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub idle_timeout: Option<Duration>,
    /// Report connections and flows on standard error.
    #[arg(short, long)]
    pub verbose: bool,
}

impl RelayArgs {
    pub fn options(&self) -> relay::RelayOptions {
        relay::RelayOptions {
            udp: self.udp,
            max_connections: self.max_connections,
            idle_timeout: self.idle_timeout,
            verbose: self.verbose,
        }
    }
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .and_then(|f| Duration::try_from_secs_f64(f).ok())
        .ok_or_else(|| format!("bad timeout '{s}' (seconds, >= 0)"))
}

/// `mstack completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// The shells `mstack completions` writes scripts for.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl From<Shell> for clap_complete::Shell {
    fn from(s: Shell) -> Self {
        match s {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// A string value with known candidates (shown in help, offered by the
/// completions); `strict` also rejects anything else, with "unknown WHAT".
#[derive(Clone)]
pub struct Choice {
    what: &'static str,
    values: fn() -> Vec<PossibleValue>,
    strict: bool,
}

impl TypedValueParser for Choice {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let s = StringValueParser::new().parse_ref(cmd, arg, value)?;
        let values = (self.values)();
        if !self.strict || values.iter().any(|v| v.matches(&s, false)) {
            return Ok(s);
        }
        let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
        let msg = format!(
            "unknown {} '{s}' (one of: {})\n",
            self.what,
            names.join(", ")
        );
        Err(clap::Error::raw(ErrorKind::InvalidValue, msg).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new((self.values)().into_iter()))
    }
}

/// `--profile`: one of newstack::PROFILES.
pub fn profile_parser() -> Choice {
    Choice {
        what: "profile",
        values: || {
            newstack::PROFILES
                .iter()
                .map(|p| PossibleValue::new(p.name).help(p.about))
                .collect()
        },
        strict: true,
    }
}

/// `--uplink`: newstack::new checks the value (a kind may take a
/// parameter); these are the candidates.
pub fn uplink_parser() -> Choice {
    Choice {
        what: "uplink",
        values: || {
            vec![
                PossibleValue::new("slirp4netns")
                    .help("10.0.2.100/24 on tap0, the host at 10.0.2.2"),
                PossibleValue::new("pasta").help("pasta (passt): the host's addresses and routes"),
                PossibleValue::new("wireguard:").help(
                    "wireguard:CONF, a wg-quick configuration: the tunnel is the only way out",
                ),
            ]
        },
        strict: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::collections::{BTreeMap, BTreeSet};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("mstack").chain(args.iter().copied()))
    }

    fn run(args: &[&str]) -> RunArgs {
        let cli = parse(args).unwrap();
        assert!(cli.command.is_none(), "{args:?}");
        cli.run.unwrap()
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_form_view_os() {
        let r = run(&["/dev/net/x", "ls", "-l", "--help", "-o", "x"]);
        assert_eq!(r.stack, "/dev/net/x");
        assert_eq!(r.cmd, ["ls", "-l", "--help", "-o", "x"]);
        assert_eq!(r.families, None);
        assert!(!r.verbose && !r.setns && !r.supervisor && !r.preload && !r.no_dns);
        // A stack path is never a subcommand, and CMD may be one's name.
        for sub in ["ls", "mount", "new", "rm", "relay", "help", "completions"] {
            let r = run(&["/dev/net/x", sub, "--json"]);
            assert_eq!(r.cmd, [sub, "--json"]);
        }
        assert_eq!(run(&["./ls", "true"]).stack, "./ls");
        let r = run(&["-v", "-o", "ip,-ipv6", "/s", "ssh", "host"]);
        assert!(r.verbose);
        assert_eq!(
            r.families,
            Some(crate::families::parse("ip,-ipv6").unwrap())
        );
        assert_eq!(r.cmd, ["ssh", "host"]);
        let r = run(&["--supervisor", "--no-dns", "-o", "all", "/s", "true"]);
        assert!(r.supervisor && r.no_dns && !r.preload && !r.setns);
        assert_eq!(r.families, Some(Families::All));
        assert!(run(&["--preload", "/s", "true"]).preload);
        assert!(run(&["--setns", "/s", "true"]).setns);
        // Values starting with '-', glued values and the long spellings.
        // After -o or -v the first word is STACK, whatever its name (as in
        // View-OS mstack, and mstack before clap).
        assert_eq!(run(&["-v", "mount", "x", "/y"]).stack, "mount");
        for a in [
            &["-o", "-unix", "/s", "true"][..],
            &["-o-unix", "/s", "true"],
            &["--options", "-unix", "/s", "true"],
            &["--protocols=-unix", "/s", "true"],
            &["--proto", "-unix", "/s", "true"],
        ] {
            assert_eq!(
                run(a).families,
                Some(crate::families::parse("-unix").unwrap()),
                "{a:?}"
            );
        }
    }

    #[test]
    fn usage_errors_exit_2() {
        for a in [
            &[][..],
            &["/dev/net/x"],
            &["-o", "nosuch", "/s", "true"],
            &["-o", "ip", "ls"],
            &["mount", "/y"],
            &["mount", "ns", "--pid", "1", "/y"],
            &["mount", "--pid", "0", "/y"],
            &["mount", "--current", "/y", "--mode", "8"],
            &["mount", "--current", "/y", "--uid", "no-such-user-msocket"],
            &["umount"],
            &["new"],
            &["new", "x", "--profile", "nosuch"],
            &["new", "--profiles", "x"],
            &["new", "x", "--sysctl", "nokey"],
            &["rm"],
            &["ls", "--nosuch"],
            &["relay", "/a", "nope", "/b", "1"],
            &["relay", "/a", "1", "/b", "2", "--idle-timeout", "-1"],
            &["completions", "powershell"],
            &["--preload", "--supervisor", "/s", "true"],
            &["--setns", "--preload", "/s", "true"],
            &["new", "x", "--dns", "nope"],
        ] {
            let e = parse(a).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{a:?}: {e}");
        }
        let e = parse(&["new", "x", "--profile", "nosuch"]).unwrap_err();
        assert!(e.to_string().contains("unknown profile 'nosuch'"), "{e}");
        let e = parse(&["-o", "nosuch", "/s", "true"]).unwrap_err();
        assert!(e.to_string().contains("unknown protocol family"), "{e}");
        let e = parse(&["relay", "/a", "nope", "/b", "1"]).unwrap_err();
        assert!(e.to_string().contains("expected ADDR:PORT"), "{e}");
        for a in [
            &["--help"][..],
            &["-h"],
            &["--version"],
            &["help"],
            &["help", "mount"],
        ] {
            assert_eq!(parse(a).unwrap_err().exit_code(), 0, "{a:?}");
        }
    }

    #[test]
    fn subcommands() {
        let Some(Command::Mount(m)) = parse(&["mount", "--pid", "4242", "/dev/net/c"])
            .unwrap()
            .command
        else {
            panic!()
        };
        assert_eq!(
            (m.netns(), m.path.as_str()),
            (mount::Netns::Pid(4242), "/dev/net/c")
        );
        let Some(Command::Mount(m)) = parse(&[
            "mount",
            "vpn",
            "/dev/net/vpn",
            "--mode",
            "0770",
            "--gid",
            "0",
            "--uid",
            "root",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(m.netns(), mount::Netns::Name("vpn".into()));
        assert_eq!(
            (m.owner.uid, m.owner.gid, m.owner.mode),
            (Some(0), Some(0), Some(0o770))
        );
        let Some(Command::New(n)) = parse(&[
            "new",
            "sat",
            "--profile",
            "satellite",
            "--sysctl",
            "net.ipv4.tcp_ecn=1",
            "--sysctl",
            "ipv4/tcp_sack=0",
            "--uplink",
            "slirp4netns",
            "--path",
            "/p",
            "--dns",
            "10.0.0.1",
            "--dns",
            "fd00::1",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        assert_eq!(n.name.as_deref(), Some("sat"));
        assert_eq!(n.options.profile.as_deref(), Some("satellite"));
        assert_eq!(n.options.sysctls.len(), 2);
        assert_eq!(n.options.uplink.as_deref(), Some("slirp4netns"));
        assert_eq!(n.options.dns.len(), 2);
        let Some(Command::New(n)) = parse(&["new", "--profiles"]).unwrap().command else {
            panic!()
        };
        assert!(n.profiles && n.name.is_none());
        let Some(Command::Relay(r)) = parse(&[
            "relay",
            "/a",
            "8080",
            "/b",
            "[::1]:80",
            "--udp",
            "--idle-timeout",
            "1.5",
        ])
        .unwrap()
        .command
        else {
            panic!()
        };
        let o = r.options();
        assert!(o.udp && o.idle_timeout == Some(Duration::from_millis(1500)));
        assert_eq!(r.listen, "127.0.0.1:8080".parse().unwrap());
        assert!(matches!(
            parse(&["unmount", "-l", "/x"]).unwrap().command,
            Some(Command::Umount(UmountArgs { lazy: true, .. }))
        ));
        assert!(matches!(
            parse(&["list", "-j"]).unwrap().command,
            Some(Command::Ls(LsArgs { json: true }))
        ));
    }

    #[test]
    fn help_mentions_every_family_name() {
        for f in crate::families::names() {
            // Spelling variants (inet, ip4, bt, ...) are accepted, not advertised.
            if ["local", "inet", "inet6", "ip4", "ip6", "bt", "ir", "#N"].contains(&f) {
                continue;
            }
            assert!(FAMILIES_HELP.contains(f), "{f}");
        }
    }

    #[test]
    fn completions_for_each_shell() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            clap_complete::generate(
                clap_complete::Shell::from(shell),
                &mut Cli::command(),
                "mstack",
                &mut out,
            );
            let text = String::from_utf8(out).unwrap();
            for word in [
                "mount",
                "umount",
                "relay",
                "completions",
                "satellite",
                "max-connections",
            ] {
                assert!(text.contains(word), "{shell:?}: {word}");
            }
            assert!(!text.contains("__apply-sysctls"), "{shell:?}");
        }
    }

    /// Options of one command: every spelling (short, long, visible aliases).
    fn spellings(cmd: &clap::Command) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for a in cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_positional())
        {
            let mut names = Vec::new();
            names.extend(a.get_short().map(|s| format!("-{s}")));
            names.extend(a.get_long().map(|l| format!("--{l}")));
            for l in a.get_visible_aliases().unwrap_or_default() {
                names.push(format!("--{l}"));
            }
            out.insert(a.get_id().to_string(), names);
        }
        out
    }

    /// Option words (`-x`, `--long-name`) in groff text, escapes removed.
    fn option_words(line: &str) -> BTreeSet<String> {
        let text = line
            .replace("\\-", "-")
            .replace("\\fB", " ")
            .replace("\\fI", " ")
            .replace("\\fR", " ")
            .replace("\\fP", " ")
            .replace("\\ ", " ");
        text.split(|c: char| c.is_whitespace() || "[]|(),\"=".contains(c))
            .map(|w| w.trim_end_matches(['.', ';', ':']))
            .filter(|w| {
                let b = w.as_bytes();
                (b.len() == 2 && b[0] == b'-' && b[1].is_ascii_alphabetic())
                    || (b.len() > 3
                        && w.starts_with("--")
                        && w[2..].bytes().all(|c| c.is_ascii_lowercase() || c == b'-'))
            })
            .map(String::from)
            .collect()
    }

    /// mstack(8) and --help agree: each subcommand has a SYNOPSIS line that
    /// names all its options and no other; every spelling of every option
    /// is described (in a .TP tag); every option the page describes exists.
    #[test]
    fn man_page_matches_help() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../Documentation/man/mstack.8"
        );
        let man = std::fs::read_to_string(path).expect(path);
        let mut cmd = Cli::command();
        cmd.build();

        // SYNOPSIS lines, by subcommand ("" for the run form and -h/-V).
        let synopsis: Vec<&str> = man
            .split(".SH SYNOPSIS")
            .nth(1)
            .and_then(|s| s.split(".SH ").next())
            .expect("a SYNOPSIS section")
            .lines()
            .filter(|l| l.starts_with("\\fBmstack"))
            .collect();
        let mut by_sub: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for l in &synopsis {
            // "\fBmstack mount\fP ...": the subcommand is in the bold run.
            let sub = l
                .strip_prefix("\\fBmstack ")
                .and_then(|r| r.split("\\f").next())
                .unwrap_or("");
            by_sub
                .entry(sub.to_string())
                .or_default()
                .extend(option_words(l));
        }
        let mut described = BTreeSet::new();
        let mut lines = man.lines();
        while let Some(l) = lines.next() {
            if l.starts_with(".TP") {
                described.extend(lines.next().map(option_words).unwrap_or_default());
            }
        }

        let mut all = BTreeSet::new();
        let mut check = |name: &str, c: &clap::Command, expect_help: bool| {
            let words = by_sub
                .remove(name)
                .unwrap_or_else(|| panic!("no SYNOPSIS line for 'mstack {name}'"));
            let opts = spellings(c);
            for (id, names) in &opts {
                let global = id == "help" || id == "version";
                if !global {
                    assert!(
                        names.iter().any(|n| words.contains(n)),
                        "SYNOPSIS of 'mstack {name}' lacks {names:?}"
                    );
                }
                for n in names {
                    assert!(
                        described.contains(n),
                        "mstack.8 does not describe {n} ({name})"
                    );
                    all.insert(n.clone());
                }
            }
            for w in &words {
                assert!(
                    opts.values().flatten().any(|n| n == w),
                    "SYNOPSIS of 'mstack {name}' names {w}, which it does not take"
                );
            }
            assert_eq!(opts.contains_key("help"), expect_help, "{name}");
        };
        check("", &cmd, true);
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            check(sub.get_name(), sub, sub.get_name() != "help");
        }
        assert!(
            by_sub.is_empty(),
            "SYNOPSIS names unknown subcommands: {by_sub:?}"
        );
        for d in &described {
            assert!(
                all.contains(d),
                "mstack.8 describes {d}, which mstack does not take"
            );
        }
    }
}
