// SPDX-License-Identifier: GPL-2.0

//! `mstack [-o FAMILIES] STACK CMD [ARGS...]`: run CMD with STACK as its
//! default stack.
//!
//! Three ways; without `--setns`, `--supervisor` or `--preload` the first
//! that can guarantee the stack is taken, and mstack refuses (saying why)
//! rather than run CMD on the wrong stack:
//! - enter the stack's network namespace (`MSOCK_IOC_GET_NETNS` + `setns`),
//!   which needs `CAP_NET_ADMIN` and `CAP_SYS_ADMIN` over it and works for
//!   any program, static ones too, at no cost; taken when every family goes
//!   to STACK;
//! - the supervisor (`supervisor.rs`): a seccomp filter sends CMD's
//!   `socket()` calls to mstack, which creates the sockets in the stack;
//!   needs only permission to use the stack, works for any program (static,
//!   Go, raw system calls; io_uring is refused);
//! - only when asked for (`--preload`): preload libmsocket-preload.so with
//!   the default stack in the environment (`MSOCKET_STACK[_<family>]`),
//!   which needs no supervisor process but works only for dynamically
//!   linked programs that create sockets through libc's `socket()`.
//!
//! In every way, the files of `/etc/netns/NAME` are bind-mounted over
//! `/etc` for CMD, as `ip netns exec` does (`dns.rs`).

use crate::{cli::RunArgs, dns, families::Families, seccomp::Redirect, supervisor, Error};
use object::{
    elf::{FileHeader32, FileHeader64, EM_386, PT_INTERP},
    read::elf::{FileHeader, ProgramHeader},
    Endianness, FileKind, ReadCache, ReadRef,
};
use std::{
    fs::File,
    os::{
        fd::AsFd,
        unix::{ffi::OsStrExt, process::CommandExt},
    },
    path::{Path, PathBuf},
    process::Command,
};

/// How CMD is linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linkage {
    /// Has an ELF interpreter (or is a script): a preload works.
    Dynamic,
    /// A static ELF executable: only entering the namespace works.
    Static,
}

/// Whether the ELF file in `data` (a byte slice, or a [`ReadCache`] over
/// the file, which reads only the headers) has a `PT_INTERP` program header.
/// Scripts, other formats and files `object` cannot parse count as dynamic:
/// the preload is tried and exec(2) has the last word.
pub fn linkage_of<'data, R: ReadRef<'data>>(data: R) -> Linkage {
    fn interp<'data, H, R>(data: R) -> object::Result<bool>
    where
        H: FileHeader<Endian = Endianness>,
        R: ReadRef<'data>,
    {
        let header = H::parse(data)?;
        let endian = header.endian()?;
        let phdrs = header.program_headers(endian, data)?;
        Ok(phdrs.iter().any(|p| p.p_type(endian) == PT_INTERP))
    }
    let interp = match FileKind::parse(data) {
        Ok(FileKind::Elf64) => interp::<FileHeader64<Endianness>, R>(data),
        Ok(FileKind::Elf32) => interp::<FileHeader32<Endianness>, R>(data),
        _ => return Linkage::Dynamic,
    };
    match interp {
        Ok(false) => Linkage::Static,
        _ => Linkage::Dynamic,
    }
}

/// Finds CMD as `execvp` would.
pub fn resolve(cmd: &str) -> Option<PathBuf> {
    if cmd.contains('/') {
        return Some(PathBuf::from(cmd));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
}

fn linkage(path: &Path) -> Linkage {
    match File::open(path) {
        Ok(f) => linkage_of(&ReadCache::new(f)),
        Err(_) => Linkage::Dynamic,
    }
}

/// Whether the ELF file in `data` is a 32-bit x86 program (its C library
/// creates sockets with socketcall(2), which the supervisor cannot
/// redirect: the arguments are in memory).
pub fn is_i386<'data, R: ReadRef<'data>>(data: R) -> bool {
    matches!(FileKind::parse(data), Ok(FileKind::Elf32))
        && FileHeader32::<Endianness>::parse(data)
            .ok()
            .and_then(|h| Some(h.e_machine(h.endian().ok()?)))
            == Some(EM_386)
}

fn i386(path: &Path) -> bool {
    File::open(path).is_ok_and(|f| is_i386(&ReadCache::new(f)))
}

/// How CMD gets its sockets in the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// setns if possible, else the supervisor; never the preload.
    Auto,
    Setns,
    Supervisor,
    Preload,
}

impl Mechanism {
    fn of(args: &RunArgs) -> Mechanism {
        match (args.setns, args.supervisor, args.preload) {
            (true, _, _) => Mechanism::Setns,
            (_, true, _) => Mechanism::Supervisor,
            (_, _, true) => Mechanism::Preload,
            _ => Mechanism::Auto,
        }
    }
}

/// Which families the supervisor redirects: without `-o`, every family
/// but AF_UNIX (local IPC, such as X11's and D-Bus's abstract sockets,
/// keeps working); with `-o`, exactly those listed.
pub fn redirect_of(families: Option<&Families>) -> Redirect {
    match families {
        None => Redirect::AllBut([libc::AF_UNIX].into_iter().collect()),
        Some(Families::All) => Redirect::AllBut(Default::default()),
        Some(Families::Some(set)) => Redirect::Only(set.clone()),
    }
}

/// The preload library: $MSOCKET_PRELOAD, or lib/ beside mstack's bin/.
pub fn preload_library() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MSOCKET_PRELOAD") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [
        dir.join("../lib/libmsocket-preload.so"),
        dir.join("../lib/msocket/libmsocket-preload.so"),
        PathBuf::from("/usr/local/lib/libmsocket-preload.so"),
        PathBuf::from("/usr/lib/libmsocket-preload.so"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// Environment variables that make `path` the default stack for `families`.
pub fn default_env(path: &str, families: &Families) -> Vec<(String, String)> {
    match families {
        Families::All => vec![("MSOCKET_STACK".into(), path.into())],
        Families::Some(set) => set
            .iter()
            .map(|f| (format!("MSOCKET_STACK_{f}"), path.into()))
            .collect(),
    }
}

fn enter_netns(stack: &msocket::Stack) -> std::io::Result<()> {
    use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};
    let ns = stack.netns()?;
    Ok(move_into_link_name_space(
        ns.as_fd(),
        Some(LinkNameSpaceType::Network),
    )?)
}

/// Runs CMD; returns its exit status (supervisor) or only on failure.
pub fn run(args: &RunArgs) -> Result<i32, Error> {
    let (stack_path, cmd, verbose) = (&args.stack, &args.cmd, args.verbose);
    let mechanism = Mechanism::of(args);
    let stack = msocket::Stack::open(stack_path)
        .map_err(|e| Error::io(format!("cannot use stack {stack_path}"), e))?;
    // Creating sockets needs write permission on the stack: say so now
    // rather than when CMD opens its first socket.
    rustix::fs::access(stack_path, rustix::fs::Access::WRITE_OK)
        .map_err(|e| Error::io(format!("cannot use stack {stack_path}"), e.into()))?;
    let name = cmd[0].to_string_lossy().into_owned();
    let Some(prog) = resolve(&name) else {
        return Err(Error::exit(127, format!("{name}: command not found")));
    };
    let every_family = matches!(args.families, None | Some(Families::All));
    let binds = if args.no_dns {
        None
    } else {
        dns::for_stack(&stack)
    };
    if verbose {
        match &binds {
            Some(b) => eprintln!(
                "mstack: resolver configuration from {}/{}",
                dns::NETNS_ETC_DIR,
                b.name
            ),
            None if !args.no_dns => {
                eprintln!(
                    "mstack: no {}/NAME files for this stack",
                    dns::NETNS_ETC_DIR
                )
            }
            None => {}
        }
    }
    let apply_dns = |setns: bool| -> Result<(), Error> {
        if let Some(b) = &binds {
            dns::apply(b).map_err(|m| Error::exit(126, m))?;
            if setns {
                dns::remount_sys();
            }
        }
        Ok(())
    };

    // Every family and the privilege to enter the netns: the View-OS
    // semantics exactly, for any program, at no cost.
    let mut setns_error: Option<std::io::Error> = None;
    match mechanism {
        Mechanism::Setns if !every_family => {
            return Err(Error::usage(
                "--setns moves every family to the stack: it cannot be combined with -o".into(),
            ))
        }
        Mechanism::Setns | Mechanism::Auto if every_family => match enter_netns(&stack) {
            Ok(()) => {
                if verbose {
                    eprintln!("mstack: entered the network namespace of {stack_path}");
                }
                apply_dns(true)?;
                let err = Command::new(&prog).args(&cmd[1..]).arg0(&cmd[0]).exec();
                return Err(Error::exit(126, format!("{name}: {err}")));
            }
            Err(e) if mechanism == Mechanism::Setns => {
                return Err(Error::exit(
                    126,
                    format!("cannot enter {stack_path}'s network namespace ({e}): setns needs CAP_NET_ADMIN and CAP_SYS_ADMIN over it"),
                ))
            }
            Err(e) => {
                if verbose {
                    eprintln!("mstack: cannot enter {stack_path}'s network namespace ({e})");
                }
                setns_error = Some(e);
            }
        },
        _ => {}
    }
    if mechanism != Mechanism::Preload {
        if i386(&prog) {
            return Err(Error::exit(
                126,
                format!(
                    "{}: a 32-bit x86 program creates sockets through socketcall(2), whose arguments the supervisor cannot read safely; run it as root (setns)",
                    prog.display()
                ),
            ));
        }
        if let Err(e) = crate::seccomp::user_notif_available() {
            // Neither way can guarantee the stack: say why for each.
            let setns = match &setns_error {
                Some(se) => format!("; setns into the stack is not allowed ({se})"),
                None => String::new(),
            };
            return Err(Error::exit(
                126,
                format!(
                    "cannot supervise {name}: the kernel has no seccomp user notification ({e}; needs CONFIG_SECCOMP_FILTER){setns}; --preload works for dynamically linked programs that create sockets through libc's socket()"
                ),
            ));
        }
        let spec = supervisor::Spec {
            prog: &prog,
            argv: cmd,
            redirect: redirect_of(args.families.as_ref()),
            wait_killable: std::env::var_os("MSTACK_NO_WAIT_KILLABLE").is_none(),
            verbose,
            prepare: Some(&|| apply_dns(false).map_err(|e| e.message)),
        };
        return supervisor::run(&stack, &spec);
    }

    // --preload: the caller asked for it.
    if linkage(&prog) == Linkage::Static {
        return Err(Error::exit(
            126,
            format!(
                "{}: statically linked, so the preload library cannot work",
                prog.display()
            ),
        ));
    }
    let Some(lib) = preload_library() else {
        return Err(Error::exit(
            126,
            "libmsocket-preload.so not found (set MSOCKET_PRELOAD)".into(),
        ));
    };
    let families = args.families.clone().unwrap_or(Families::All);
    let mut command = Command::new(&prog);
    command.args(&cmd[1..]).arg0(&cmd[0]);
    if families == Families::All {
        for (k, _) in std::env::vars_os() {
            if k.as_bytes().starts_with(b"MSOCKET_STACK_") {
                command.env_remove(k);
            }
        }
    }
    for (k, v) in default_env(stack_path, &families) {
        command.env(k, v);
    }
    let mut preload = lib.into_os_string();
    if let Some(old) = std::env::var_os("LD_PRELOAD").filter(|o| !o.is_empty()) {
        preload.push(" ");
        preload.push(old);
    }
    command.env("LD_PRELOAD", preload);
    if verbose {
        eprintln!("mstack: preloading libmsocket for {families:?}");
    }
    apply_dns(false)?;
    let err = command.exec();
    Err(Error::exit(126, format!("{name}: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elf_linkage() {
        // This test binary is dynamically linked (Rust's default on glibc).
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert_eq!(linkage_of(&me[..]), Linkage::Dynamic);
        // Synthesize a static ELF64: header with no program headers.
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2; // ELFCLASS64
        elf[5] = 1; // ELFDATA2LSB
        elf[6] = 1; // EV_CURRENT
        assert_eq!(linkage_of(&elf[..]), Linkage::Static);
        // One PT_LOAD program header only: still static.
        elf[0x20] = 64; // e_phoff
        elf[0x36] = 56; // e_phentsize
        elf[0x38] = 1; // e_phnum
        elf.extend_from_slice(&[1, 0, 0, 0]);
        elf.resize(64 + 56, 0);
        assert_eq!(linkage_of(&elf[..]), Linkage::Static);
        elf[64] = 3; // PT_INTERP
        assert_eq!(linkage_of(&elf[..]), Linkage::Dynamic);
        assert_eq!(linkage_of(&b"#!/bin/sh\n"[..]), Linkage::Dynamic);
        // Truncated program headers: unknown, so dynamic (exec decides).
        assert_eq!(linkage_of(&elf[..100]), Linkage::Dynamic);
        // Through a ReadCache over files, as run() reads them.
        let file = |p: &Path| linkage_of(&ReadCache::new(File::open(p).unwrap()));
        assert_eq!(file(&std::env::current_exe().unwrap()), Linkage::Dynamic);
        let dir = std::env::temp_dir().join(format!("mstack-elf-{}", std::process::id()));
        elf[64] = 1; // PT_LOAD
        std::fs::write(&dir, &elf).unwrap();
        let static_file = file(&dir);
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(static_file, Linkage::Static);
    }

    #[test]
    fn i386_programs() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(!is_i386(&me[..]));
        // An ELF32 little-endian header for EM_386.
        let mut elf = [0u8; 52];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 1; // ELFCLASS32
        elf[5] = 1; // ELFDATA2LSB
        elf[6] = 1; // EV_CURRENT
        elf[18] = 3; // EM_386
        assert!(is_i386(&elf[..]));
        elf[18] = 40; // EM_ARM
        assert!(!is_i386(&elf[..]));
        assert!(!is_i386(&b"#!/bin/sh\n"[..]));
    }

    #[test]
    fn redirected_families() {
        let r = redirect_of(None);
        assert!(!r.redirects(libc::AF_UNIX) && r.redirects(libc::AF_INET));
        assert!(redirect_of(Some(&Families::All)).redirects(libc::AF_UNIX));
        let r = redirect_of(Some(&crate::families::parse("ipv6").unwrap()));
        assert!(r.redirects(libc::AF_INET6) && !r.redirects(libc::AF_INET));
    }

    #[test]
    fn env_for_families() {
        assert_eq!(
            default_env("/dev/net/x", &Families::All),
            vec![("MSOCKET_STACK".to_string(), "/dev/net/x".to_string())]
        );
        let f = crate::families::parse("ipv4,ipv6").unwrap();
        assert_eq!(
            default_env("/s", &f),
            vec![
                ("MSOCKET_STACK_2".to_string(), "/s".to_string()),
                ("MSOCKET_STACK_10".to_string(), "/s".to_string())
            ]
        );
    }

    #[test]
    fn resolves_like_execvp() {
        assert_eq!(resolve("/bin/sh"), Some(PathBuf::from("/bin/sh")));
        assert!(resolve("sh").is_some());
        assert_eq!(resolve("no-such-command-msocket"), None);
    }
}
