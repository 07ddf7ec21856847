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

use crate::{families::Families, Error};
use std::{
    ffi::OsString,
    fs::File,
    io::Read,
    os::unix::{ffi::OsStrExt, process::CommandExt},
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

/// Reads the ELF header and program headers of `bytes` (at least the first
/// few KiB of a file) and says whether it has a `PT_INTERP`.
pub fn linkage_of(bytes: &[u8]) -> Linkage {
    if bytes.starts_with(b"#!") || bytes.len() < 64 || &bytes[..4] != b"\x7fELF" {
        return Linkage::Dynamic;
    }
    let is64 = bytes[4] == 2;
    let le = bytes[5] == 1;
    let rd16 = |o: usize| -> usize {
        let b = [bytes[o], bytes[o + 1]];
        (if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }) as usize
    };
    let rd32 = |o: usize| -> usize {
        let b = [bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]];
        (if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }) as usize
    };
    let rd64 = |o: usize| -> usize {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[o..o + 8]);
        (if le {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        }) as usize
    };
    let (phoff, phentsize, phnum) = if is64 {
        (rd64(0x20), rd16(0x36), rd16(0x38))
    } else {
        (rd32(0x1c), rd16(0x2a), rd16(0x2c))
    };
    for i in 0..phnum {
        let off = phoff + i * phentsize;
        if off + 4 > bytes.len() {
            break;
        }
        const PT_INTERP: usize = 3;
        if rd32(off) == PT_INTERP {
            return Linkage::Dynamic;
        }
    }
    Linkage::Static
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
    let mut buf = vec![0u8; 16384];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    linkage_of(&buf[..n])
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
    use std::os::fd::AsRawFd;
    let ns = stack.netns()?;
    // SAFETY: `ns` is an open nsfs fd of a network namespace.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Runs CMD; returns only on failure.
pub fn run(
    stack_path: &str,
    families: &Families,
    cmd: &[OsString],
    verbose: bool,
) -> Result<i32, Error> {
    let stack = msocket::Stack::open(stack_path)
        .map_err(|e| Error::io(format!("cannot use stack {stack_path}"), e))?;
    // Creating sockets needs write permission on the stack: say so now
    // rather than when CMD opens its first socket.
    let c = std::ffi::CString::new(stack_path.as_bytes()).expect("no NUL in an argument");
    // SAFETY: a valid C string.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK) } != 0 {
        return Err(Error::io(
            format!("cannot use stack {stack_path}"),
            std::io::Error::last_os_error(),
        ));
    }
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
        assert_eq!(linkage_of(&me), Linkage::Dynamic);
        // Synthesize a static ELF64: header with no program headers.
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        assert_eq!(linkage_of(&elf), Linkage::Static);
        // One PT_LOAD program header only: still static.
        elf[0x20] = 64; // e_phoff
        elf[0x36] = 56; // e_phentsize
        elf[0x38] = 1; // e_phnum
        elf.extend_from_slice(&[1, 0, 0, 0]);
        elf.resize(64 + 56, 0);
        assert_eq!(linkage_of(&elf), Linkage::Static);
        elf[64] = 3; // PT_INTERP
        assert_eq!(linkage_of(&elf), Linkage::Dynamic);
        assert_eq!(linkage_of(b"#!/bin/sh\n"), Linkage::Dynamic);
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
