// SPDX-License-Identifier: GPL-2.0

//! `mstack [-o FAMILIES] STACK CMD [ARGS...]`: run CMD with STACK as its
//! default stack.
//!
//! Two ways, chosen per run:
//! - enter the stack's network namespace (`MSOCK_IOC_GET_NETNS` + `setns`),
//!   which needs `CAP_NET_ADMIN` and `CAP_SYS_ADMIN` over it and works for
//!   any program, static ones too; used when every family goes to STACK;
//! - otherwise preload libmsocket-preload.so with the default stack in the
//!   environment (`MSOCKET_STACK[_<family>]`), which needs nothing but
//!   permission to use the stack and works for dynamically linked programs.

use crate::{cli::RunArgs, families::Families, Error};
use object::{
    elf::{FileHeader32, FileHeader64, PT_INTERP},
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

/// Runs CMD; returns only on failure.
pub fn run(args: &RunArgs) -> Result<i32, Error> {
    let (stack_path, families, cmd, verbose) =
        (&args.stack, &args.families, &args.cmd, args.verbose);
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
    let linkage = linkage(&prog);

    // Every family and the privilege to enter the netns: the View-OS
    // semantics exactly, for any program.
    if *families == Families::All {
        match enter_netns(&stack) {
            Ok(()) => {
                if verbose {
                    eprintln!("mstack: entered the network namespace of {stack_path}");
                }
                let err = Command::new(&prog).args(&cmd[1..]).arg0(&cmd[0]).exec();
                return Err(Error::exit(126, format!("{name}: {err}")));
            }
            Err(e) if verbose => {
                eprintln!("mstack: cannot enter {stack_path}'s network namespace ({e}); using the preload library")
            }
            Err(_) => {}
        }
    }
    if linkage == Linkage::Static {
        let why = if *families == Families::All {
            "entering the stack's network namespace needs CAP_NET_ADMIN and CAP_SYS_ADMIN over it"
        } else {
            "a subset of families can only be redirected by preloading libmsocket"
        };
        return Err(Error::exit(
            126,
            format!(
                "{}: statically linked, so the preload library cannot work, and {why}",
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
    let mut command = Command::new(&prog);
    command.args(&cmd[1..]).arg0(&cmd[0]);
    if *families == Families::All {
        for (k, _) in std::env::vars_os() {
            if k.as_bytes().starts_with(b"MSOCKET_STACK_") {
                command.env_remove(k);
            }
        }
    }
    for (k, v) in default_env(stack_path, families) {
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
