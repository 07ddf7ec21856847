// SPDX-License-Identifier: GPL-2.0

//! mstack: use msocket stacks from the command line. See mstack(8).

mod cli;
mod dns;
mod families;
mod ls;
mod mount;
mod newstack;
mod relay;
mod run;
mod seccomp;
mod supervisor;
mod wireguard;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use std::{
    fmt,
    io::{self, Write},
};

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

fn main_result() -> Result<i32, Error> {
    // The sysctl helper newstack.rs runs as /proc/self/exe, inside the new
    // namespace: not a command for users, so not in clap's definitions.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "__apply-sysctls")
    {
        return Ok(newstack::apply_sysctls_here());
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version on stdout with status 0; usage errors
            // (and no arguments at all: the help) on stderr with status 2.
            let _ = e.print();
            return Ok(e.exit_code());
        }
    };
    let Some(command) = cli.command else {
        let run = cli
            .run
            .expect("clap requires STACK and CMD without a subcommand");
        return run::run(&run);
    };
    match command {
        Command::Mount(m) => mount::mount(&m.netns(), &m.path, &m.owner)?,
        Command::Umount(u) => mount::umount(&u.path, u.lazy)?,
        Command::New(n) if n.profiles => {
            for p in newstack::PROFILES {
                println!("{:<11} {}", p.name, p.about);
                for (k, v) in p.sysctls {
                    println!("{:<11}   net.{} = {v}", "", k.replace('/', "."));
                }
            }
        }
        Command::New(n) => {
            let name = n.name.expect("clap requires NAME without --profiles");
            println!("{}", newstack::new(&name, &n.options)?);
        }
        Command::Rm(r) => newstack::rm(&r.name)?,
        Command::Ls(l) => ls::ls(l.json)?,
        Command::Relay(r) => relay::relay(&r.from, r.listen, &r.to, r.connect, &r.options())?,
        Command::Completions(c) => {
            let mut out = io::stdout().lock();
            clap_complete::generate(
                clap_complete::Shell::from(c.shell),
                &mut Cli::command(),
                "mstack",
                &mut out,
            );
            out.flush()
                .map_err(|e| Error::io("standard output".into(), e))?;
        }
    }
    Ok(0)
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
