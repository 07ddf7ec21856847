// SPDX-License-Identifier: GPL-2.0

//! `mstack STACK CMD` without privilege, for any program: a supervisor that
//! creates CMD's sockets in the stack.
//!
//! CMD runs under a seccomp filter (see `seccomp.rs`) that sends its
//! `socket()` calls of redirected families to this process through a
//! user-notification listener. For each one the supervisor creates the
//! socket in the stack with its own credentials (the same user's) and
//! installs it in CMD's fd table as the call's result, atomically
//! (`SECCOMP_ADDFD_FLAG_SEND`), `SOCK_CLOEXEC` and `SOCK_NONBLOCK` honoured.
//! Only register arguments are read. The filter and `PR_SET_NO_NEW_PRIVS`
//! are inherited by threads and children and kept across `execve`, so
//! everything CMD starts is supervised too.
//!
//! Three processes:
//!
//! ```text
//!   mstack (the supervisor: holds the listener; a child subreaper)
//!     └── helper (a child subreaper; parent-death signal SIGUSR1)
//!           └── CMD (the filter; parent-death signal SIGKILL) and all it starts
//! ```
//!
//! - Every supervised process stays below the helper: orphans are
//!   reparented to it, not to init. The helper exits, with CMD's status,
//!   when the last of them is gone; the supervisor then exits with it. So
//!   mstack returns when CMD and everything it left running (daemons) have
//!   exited.
//! - If the supervisor dies (even by SIGKILL), the helper gets SIGUSR1 and
//!   kills every supervised process. If the helper dies, its descendants are
//!   reparented to the supervisor, which kills them.
//! - If both die at once (SIGKILL to both), the surviving processes are no
//!   longer killed, but they still cannot reach the wrong stack: once the
//!   listener is closed, the kernel fails every trapped call with `ENOSYS`
//!   (and io_uring stays refused by the filter itself). Fail closed.
//!
//! Signals: SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1 and SIGUSR2 sent to
//! mstack (by `kill`, not by the terminal, which signals CMD's process group
//! itself) are passed on to CMD.

use crate::{
    seccomp::{self, Call, Redirect},
    Error,
};
use nix::{
    errno::Errno,
    poll::{poll, PollFd, PollFlags, PollTimeout},
    sys::{
        prctl,
        signal::{SigSet, SigmaskHow, Signal},
        signalfd::{SfdFlags, SignalFd},
        socket::{
            recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, ControlMessageOwned,
            MsgFlags, SockFlag, SockType,
        },
        wait::{waitpid, WaitPidFlag, WaitStatus},
    },
    unistd::{fork, getpid, getppid, ForkResult, Pid},
};
use std::{
    collections::HashMap,
    ffi::{CString, OsString},
    io::{self, IoSlice, IoSliceMut},
    os::{
        fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd},
        unix::ffi::OsStrExt,
    },
    path::Path,
};

/// Where the supervisor makes sockets: the stack, or (in tests) anything
/// that can be told from a native socket.
pub trait Factory {
    /// A socket as `socket(2)` would create it there (`type_` may carry
    /// `SOCK_NONBLOCK`/`SOCK_CLOEXEC`).
    fn socket(&self, domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd>;
}

impl Factory for msocket::Stack {
    fn socket(&self, domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd> {
        msocket::Stack::socket(self, domain, type_, protocol)
    }
}

/// What to run, and how.
pub struct Spec<'a> {
    /// The resolved program.
    pub prog: &'a Path,
    /// Its arguments, `argv[0]` first.
    pub argv: &'a [OsString],
    pub redirect: Redirect,
    /// Ask for `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` (falls back without
    /// it on kernels before 5.19).
    pub wait_killable: bool,
    pub verbose: bool,
    /// Runs in CMD's process before the filter is installed (per-stack DNS).
    pub prepare: Option<&'a dyn Fn() -> Result<(), String>>,
}

/// The signals the supervisor and the helper take through signalfd or
/// sigwait (blocked in both; restored in CMD).
fn handled_signals() -> SigSet {
    let mut s = SigSet::empty();
    for sig in std::iter::once(Signal::SIGCHLD).chain(FORWARDED) {
        s.add(sig);
    }
    s
}

/// Signals passed on to CMD when sent to mstack by a process.
const FORWARDED: [Signal; 6] = [
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
];

/// si_code of a signal the kernel sent (a terminal's SIGINT, say).
const SI_KERNEL: i32 = 0x80;

fn errno_io(e: Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

// --- messages between CMD's process and the supervisor ---
// CMD -> supervisor: "L" pid:u32 wait_killable:u8 + SCM_RIGHTS listener;
//                    "E" text (set-up failed); "X" errno:i32 (exec failed).
// supervisor -> CMD: "G" (go: exec). EOF after "G": exec succeeded.

fn send(sock: BorrowedFd<'_>, bytes: &[u8], fd: Option<RawFd>) -> nix::Result<()> {
    let fds;
    let cmsg: Vec<ControlMessage> = match fd {
        Some(f) => {
            fds = [f];
            vec![ControlMessage::ScmRights(&fds)]
        }
        None => vec![],
    };
    sendmsg::<()>(
        sock.as_raw_fd(),
        &[IoSlice::new(bytes)],
        &cmsg,
        MsgFlags::MSG_NOSIGNAL,
        None,
    )
    .map(|_| ())
}

/// One message (empty at EOF) and the fd it carried, if any.
fn receive(sock: BorrowedFd<'_>) -> nix::Result<(Vec<u8>, Option<OwnedFd>)> {
    let mut buf = [0u8; 512];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    loop {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = match recvmsg::<()>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(Errno::EINTR) => continue,
            r => r?,
        };
        let mut fd = None;
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(fds) = c {
                for f in fds {
                    // SAFETY: a new fd received with the message; nothing
                    // else owns it.
                    let owned = unsafe { OwnedFd::from_raw_fd(f) };
                    if fd.is_none() {
                        fd = Some(owned);
                    }
                }
            }
        }
        let n = msg.bytes;
        return Ok((buf[..n].to_vec(), fd));
    }
}

fn pidfd_open(pid: Pid) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open(pid, 0) takes no pointers.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new pidfd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: Signal) -> io::Result<()> {
    // SAFETY: pidfd_send_signal(fd, sig, NULL, 0): no siginfo pointer.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig as libc::c_int,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

// --- the process tree ---

/// pid, parent, state and start time of a /proc/PID/stat line.
fn parse_stat(text: &str) -> Option<(i32, i32, char, u64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // rest[0] is field 3 (state); field 4 ppid; field 22 starttime.
    let state = rest.first()?.chars().next()?;
    let ppid = rest.get(1)?.parse().ok()?;
    let start = rest.get(19)?.parse().ok()?;
    Some((pid, ppid, state, start))
}

fn stat_of(pid: i32) -> Option<(i32, i32, char, u64)> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Living (not zombie) descendants of `root`, with their start times.
fn descendants(root: i32) -> Vec<(i32, u64)> {
    let mut children: HashMap<i32, Vec<(i32, char, u64)>> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            if let Some((_, ppid, state, start)) = stat_of(pid) {
                children.entry(ppid).or_default().push((pid, state, start));
            }
        }
    }
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &(c, state, start) in children.get(&p).into_iter().flatten() {
            todo.push(c);
            if state != 'Z' && state != 'X' {
                out.push((c, start));
            }
        }
    }
    out
}

/// Sends SIGKILL to every living descendant of `root` (through pidfds, to
/// the very processes found: a pid reused in between is not touched);
/// returns how many were signalled.
pub fn kill_descendants(root: i32) -> usize {
    let mut n = 0;
    for (pid, start) in descendants(root) {
        let Ok(fd) = pidfd_open(Pid::from_raw(pid)) else {
            continue;
        };
        // The pidfd pins whatever process has `pid` now: check it is the
        // one found (same start time).
        if stat_of(pid).map(|s| s.3) != Some(start) {
            continue;
        }
        if pidfd_send_signal(fd.as_fd(), Signal::SIGKILL).is_ok() {
            n += 1;
        }
    }
    n
}

/// The shell's status for a wait status: the exit code, or 128 + signal.
fn status_code(ws: WaitStatus) -> Option<i32> {
    match ws {
        WaitStatus::Exited(_, c) => Some(c),
        WaitStatus::Signaled(_, s, _) => Some(128 + s as i32),
        _ => None,
    }
}

// --- CMD's process (between fork and exec) ---

struct Exec {
    prog: CString,
    argv: Vec<CString>,
}

/// Ends this forked process at once: no destructors of the parent's
/// objects, no atexit handlers, no buffered output flushed twice.
fn exit_child(code: i32) -> ! {
    // SAFETY: _exit() accepts any status and does not return.
    unsafe { libc::_exit(code) }
}

fn child(
    spec: &Spec,
    exec: &Exec,
    sock: OwnedFd,
    helper: Pid,
    old_mask: &SigSet,
    prog: &[libc::sock_filter],
) -> ! {
    let fail = |text: String| -> ! {
        let _ = send(sock.as_fd(), format!("E{text}").as_bytes(), None);
        exit_child(126)
    };
    if prctl::set_pdeathsig(Signal::SIGKILL).is_err() || getppid() != helper {
        exit_child(126)
    }
    if let Some(prepare) = spec.prepare {
        if let Err(e) = prepare() {
            fail(e);
        }
        // A credential change clears the parent-death signal; entering a
        // user namespace is not one, but make sure.
        if prctl::set_pdeathsig(Signal::SIGKILL).is_err() || getppid() != helper {
            exit_child(126)
        }
    }
    let (listener, wait_killable) = match seccomp::install(prog, spec.wait_killable) {
        Ok(l) => l,
        Err(e) => fail(format!("cannot install the seccomp filter: {e}")),
    };
    let mut hello = vec![b'L'];
    hello.extend_from_slice(&(getpid().as_raw() as u32).to_le_bytes());
    hello.push(wait_killable as u8);
    if send(sock.as_fd(), &hello, Some(listener.as_raw_fd())).is_err() {
        exit_child(126)
    }
    // CMD must not hold the listener: it could answer its own calls.
    drop(listener);
    match receive(sock.as_fd()) {
        Ok((m, _)) if m == b"G" => {}
        // the supervisor is gone
        _ => exit_child(126),
    }
    let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(old_mask), None);
    let e = match nix::unistd::execv(&exec.prog, &exec.argv) {
        Err(e) => e,
        Ok(never) => match never {},
    };
    let mut msg = vec![b'X'];
    msg.extend_from_slice(&(e as i32).to_le_bytes());
    let _ = send(sock.as_fd(), &msg, None);
    exit_child(if e == Errno::ENOENT { 127 } else { 126 })
}

// --- the helper ---

fn helper(
    spec: &Spec,
    exec: &Exec,
    sock: OwnedFd,
    supervisor: Pid,
    old_mask: &SigSet,
    prog: &[libc::sock_filter],
) -> ! {
    if prctl::set_pdeathsig(Signal::SIGUSR1).is_err() || getppid() != supervisor {
        exit_child(1)
    }
    if prctl::set_child_subreaper(true).is_err() {
        exit_child(1)
    }
    let me = getpid();
    // SAFETY: this process is single-threaded (a fork of mstack, which is).
    let cmd = match unsafe { fork() } {
        Ok(ForkResult::Child) => child(spec, exec, sock, me, old_mask, prog),
        Ok(ForkResult::Parent { child }) => child,
        Err(_) => exit_child(1),
    };
    drop(sock);
    let mut cmd_status = None;
    let mut orphaned = false;
    let mut set = SigSet::empty();
    set.add(Signal::SIGCHLD);
    set.add(Signal::SIGUSR1);
    loop {
        if orphaned {
            kill_descendants(me.as_raw());
        }
        let timeout = libc::timespec {
            tv_sec: 0,
            tv_nsec: 100_000_000,
        };
        // SAFETY: a valid signal set and timeout; no siginfo wanted.
        let sig = unsafe {
            libc::sigtimedwait(
                set.as_ref(),
                std::ptr::null_mut(),
                if orphaned { &timeout } else { std::ptr::null() },
            )
        };
        if sig == libc::SIGUSR1 && getppid() != supervisor {
            orphaned = true;
        }
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => break,
                Ok(ws) => {
                    if ws.pid() == Some(cmd) {
                        cmd_status = status_code(ws);
                    }
                }
                Err(Errno::EINTR) => {}
                Err(_) => exit_child(cmd_status.unwrap_or(1)),
            }
        }
    }
}

// --- the supervisor ---

/// SCHED_BATCH for the supervisor (after the helper is forked: nothing
/// supervised inherits it): a batch task's wake-up does not preempt the
/// running one. When the program's fd is installed (ADDFD), the program
/// goes on running instead of handing the CPU back to the supervisor, which
/// finishes its bookkeeping when the program next blocks. Best effort.
fn batch_scheduling() {
    // SAFETY: sched_param is plain old data; SCHED_BATCH takes priority 0.
    let param: libc::sched_param = unsafe { std::mem::zeroed() };
    // SAFETY: a valid sched_param for the calling thread.
    unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) };
}

/// Runs CMD under the supervisor; returns its exit status (128 + N if it
/// was killed by signal N).
pub fn run<F: Factory>(factory: &F, spec: &Spec) -> Result<i32, Error> {
    let name = spec.argv[0].to_string_lossy().into_owned();
    seccomp::user_notif_available().map_err(|e| {
        Error::exit(
            126,
            format!(
                "cannot supervise {name}: the kernel has no seccomp user notification ({e}; needs CONFIG_SECCOMP_FILTER)"
            ),
        )
    })?;
    let cstr = |s: &[u8]| {
        CString::new(s).map_err(|_| Error::usage(format!("{name}: argument with a NUL byte")))
    };
    let exec = Exec {
        prog: cstr(spec.prog.as_os_str().as_bytes())?,
        argv: spec
            .argv
            .iter()
            .map(|a| cstr(a.as_bytes()))
            .collect::<Result<_, _>>()?,
    };
    let prog = seccomp::filter(&spec.redirect);
    let (msock, csock) = socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(|e| Error::io("socketpair".into(), errno_io(e)))?;
    let signals = handled_signals();
    let mut old_mask = SigSet::empty();
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&signals), Some(&mut old_mask))
        .map_err(|e| Error::io("sigprocmask".into(), errno_io(e)))?;
    let sfd = SignalFd::with_flags(&signals, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        .map_err(|e| Error::io("signalfd".into(), errno_io(e)))?;
    prctl::set_child_subreaper(true)
        .map_err(|e| Error::io("PR_SET_CHILD_SUBREAPER".into(), errno_io(e)))?;
    let me = getpid();
    // SAFETY: mstack is single-threaded here; the child runs the helper,
    // which only forks, makes system calls and exits.
    let helper_pid = match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            drop(msock);
            drop(sfd);
            helper(spec, &exec, csock, me, &old_mask, &prog)
        }
        Ok(ForkResult::Parent { child }) => child,
        Err(e) => return Err(Error::io("fork".into(), errno_io(e))),
    };
    drop(csock);
    batch_scheduling();
    let mut sup = Supervisor {
        helper: helper_pid,
        cmd: None,
        status: None,
        helper_killed: false,
    };

    // Set-up: the listener (or why not), then the exec's outcome.
    let started = (|| -> Result<OwnedFd, Error> {
        let (msg, fd) =
            receive(msock.as_fd()).map_err(|e| Error::io("receive".into(), errno_io(e)))?;
        match (msg.first(), fd) {
            (Some(b'L'), Some(listener)) if msg.len() == 6 => {
                let pid = u32::from_le_bytes(msg[1..5].try_into().unwrap()) as i32;
                let pidfd = pidfd_open(Pid::from_raw(pid))
                    .map_err(|e| Error::io("pidfd_open".into(), e))?;
                sup.cmd = Some(pidfd);
                let sync = seccomp::set_sync_wakeup(listener.as_fd()).is_ok();
                if spec.verbose {
                    eprintln!(
                        "mstack: supervising the sockets of {name} (seccomp user notification{}{})",
                        if msg[5] != 0 {
                            ", killable waits"
                        } else {
                            "; kernel without SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"
                        },
                        if sync { ", synchronous wake-ups" } else { "" }
                    );
                }
                send(msock.as_fd(), b"G", None)
                    .map_err(|e| Error::io("send".into(), errno_io(e)))?;
                let (msg, _) =
                    receive(msock.as_fd()).map_err(|e| Error::io("receive".into(), errno_io(e)))?;
                match msg.first() {
                    None => Ok(listener),
                    Some(b'X') if msg.len() == 5 => {
                        let e = i32::from_le_bytes(msg[1..5].try_into().unwrap());
                        let status = if e == libc::ENOENT { 127 } else { 126 };
                        Err(Error::exit(
                            status,
                            format!("{name}: {}", io::Error::from_raw_os_error(e)),
                        ))
                    }
                    _ => Err(Error::runtime("bad message from the child".into())),
                }
            }
            (Some(b'E'), _) => Err(Error::exit(
                126,
                String::from_utf8_lossy(&msg[1..]).into_owned(),
            )),
            _ => Err(Error::runtime(format!("{name}: could not be started"))),
        }
    })();
    drop(msock);
    let listener = match started {
        Ok(l) => l,
        Err(e) => {
            // Nothing runs CMD: wait for the helper (and whatever it has).
            kill_descendants(me.as_raw());
            while waitpid(None, None).is_ok() {}
            return Err(e);
        }
    };
    sup.serve(factory, spec, listener.as_fd(), &sfd)
}

struct Supervisor {
    helper: Pid,
    /// pidfd of CMD's first process (for forwarded signals).
    cmd: Option<OwnedFd>,
    /// The helper's exit status: CMD's.
    status: Option<i32>,
    helper_killed: bool,
}

impl Supervisor {
    fn serve<F: Factory>(
        &mut self,
        factory: &F,
        spec: &Spec,
        listener: BorrowedFd<'_>,
        sfd: &SignalFd,
    ) -> Result<i32, Error> {
        let mut listening = true;
        loop {
            if self.helper_killed {
                kill_descendants(getpid().as_raw());
            }
            let (lrev, srev) = {
                let mut fds = vec![PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
                if listening {
                    fds.push(PollFd::new(listener, PollFlags::POLLIN));
                }
                let timeout = if self.helper_killed {
                    PollTimeout::from(100u16)
                } else {
                    PollTimeout::NONE
                };
                match poll(&mut fds, timeout) {
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(Error::io("poll".into(), errno_io(e))),
                }
                let s = fds[0].revents().unwrap_or(PollFlags::empty());
                let l = fds
                    .get(1)
                    .and_then(|f| f.revents())
                    .unwrap_or(PollFlags::empty());
                (l, s)
            };
            if lrev.contains(PollFlags::POLLIN) {
                self.handle(factory, &spec.redirect, listener);
            } else if lrev.intersects(PollFlags::POLLHUP | PollFlags::POLLERR) {
                // No process uses the filter any more.
                listening = false;
            }
            if srev.contains(PollFlags::POLLIN) {
                while let Ok(Some(si)) = sfd.read_signal() {
                    let Ok(sig) = Signal::try_from(si.ssi_signo as i32) else {
                        continue;
                    };
                    if sig == Signal::SIGCHLD {
                        continue;
                    }
                    if FORWARDED.contains(&sig) && si.ssi_code != SI_KERNEL {
                        if let Some(fd) = &self.cmd {
                            let _ = pidfd_send_signal(fd.as_fd(), sig);
                        }
                    }
                }
                // SIGCHLD, or a lost one: reap whatever has exited.
                if let Some(done) = self.reap(spec) {
                    return done;
                }
            }
        }
    }

    /// Reaps exited children; `Some` once none is left.
    fn reap(&mut self, spec: &Spec) -> Option<Result<i32, Error>> {
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => return None,
                Ok(ws) if ws.pid() == Some(self.helper) => match ws {
                    WaitStatus::Exited(_, code) => self.status = Some(code),
                    WaitStatus::Signaled(_, sig, _) => {
                        self.helper_killed = true;
                        eprintln!(
                            "mstack: its helper process was killed ({sig}); killing the supervised processes"
                        );
                        kill_descendants(getpid().as_raw());
                    }
                    _ => {}
                },
                Ok(_) => {}
                Err(Errno::EINTR) => {}
                Err(_) => {
                    let name = spec.argv[0].to_string_lossy();
                    return Some(match (self.status, self.helper_killed) {
                        (Some(s), false) => Ok(s),
                        _ => Err(Error::runtime(format!(
                            "{name} was killed: mstack's helper process died"
                        ))),
                    });
                }
            }
        }
    }

    /// Answers one notification.
    fn handle<F: Factory>(&self, factory: &F, redirect: &Redirect, listener: BorrowedFd<'_>) {
        let n = match seccomp::recv(listener) {
            Ok(n) => n,
            // The caller went away (killed) before we could receive it.
            Err(_) => return,
        };
        if seccomp::call_of(n.arch, n.nr) != Call::Socket {
            // The filter sends nothing else.
            let _ = seccomp::respond(listener, n.id, Err(libc::ENOSYS));
            return;
        }
        // The kernel's socket() takes ints: the low halves of the registers.
        let (domain, type_, protocol) = (n.args[0] as i32, n.args[1] as i32, n.args[2] as i32);
        if !redirect.redirects(domain) {
            // The filter lets these through itself; should one come here,
            // the kernel may run it as it is: it reads only registers.
            let _ = seccomp::respond_continue(listener, n.id);
            return;
        }
        match factory.socket(domain, type_ | libc::SOCK_CLOEXEC, protocol) {
            Ok(sock) => {
                let cloexec = type_ & libc::SOCK_CLOEXEC != 0;
                if let Err(e) = seccomp::addfd_send(listener, n.id, sock.as_fd(), cloexec) {
                    // ENOENT: the caller went away; nothing was installed.
                    // Anything else (EMFILE in the caller): the call fails
                    // with it.
                    if e.raw_os_error() != Some(libc::ENOENT) {
                        let _ = seccomp::respond(
                            listener,
                            n.id,
                            Err(e.raw_os_error().unwrap_or(libc::EIO)),
                        );
                    }
                }
            }
            Err(e) => {
                let _ =
                    seccomp::respond(listener, n.id, Err(e.raw_os_error().unwrap_or(libc::EIO)));
            }
        }
    }
}

/// Tests of the whole supervisor on any kernel with seccomp user
/// notification, without msocket.ko: a factory that creates native sockets
/// with a mark (`SO_PRIORITY` 5) stands for the stack, so a supervised
/// program can tell the supervisor's sockets from its own.
///
/// The supervisor needs a single-threaded process (it blocks signals for
/// signalfd and forks), which a libtest process is not: the tests re-run
/// this test binary with `MSTACK_SELFTEST_CMD` set, and this constructor,
/// which runs before libtest's main, runs the supervisor instead.
#[cfg(test)]
mod selftest {
    use super::*;

    pub const MARK: i32 = 5;

    pub struct Mark;

    impl Factory for Mark {
        fn socket(&self, domain: i32, type_: i32, protocol: i32) -> io::Result<OwnedFd> {
            // SAFETY: socket(2) with register arguments.
            let fd = unsafe { libc::socket(domain, type_, protocol) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: a new fd that nothing else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let mark: libc::c_int = MARK;
            // SAFETY: a valid int option.
            let r = unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_PRIORITY,
                    std::ptr::addr_of!(mark).cast(),
                    4,
                )
            };
            if r != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(fd)
        }
    }

    extern "C" fn run_if_asked() {
        let Some(cmd) = std::env::var_os("MSTACK_SELFTEST_CMD") else {
            return;
        };
        let redirect = match std::env::var("MSTACK_SELFTEST_FAMILIES").as_deref() {
            Ok("all") => Redirect::AllBut(Default::default()),
            Ok("inet6") => Redirect::Only([libc::AF_INET6].into_iter().collect()),
            _ => Redirect::AllBut([libc::AF_UNIX].into_iter().collect()),
        };
        let argv: Vec<OsString> = vec!["sh".into(), "-c".into(), cmd];
        let spec = Spec {
            prog: Path::new("/bin/sh"),
            argv: &argv,
            redirect,
            wait_killable: std::env::var_os("MSTACK_NO_WAIT_KILLABLE").is_none(),
            verbose: true,
            prepare: None,
        };
        let status = match run(&Mark, &spec) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("mstack: {e}");
                e.status
            }
        };
        std::process::exit(status);
    }

    #[used]
    #[link_section = ".init_array"]
    static RUN_IF_ASKED: extern "C" fn() = run_if_asked;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{
        process::{Command, Stdio},
        time::{Duration, Instant},
    };

    /// Runs `cmd` (sh -c) under the supervisor with the marking factory.
    fn supervised(cmd: &str, env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.env("MSTACK_SELFTEST_CMD", cmd)
            .env_remove("MSTACK_SELFTEST_FAMILIES")
            .env_remove("MSTACK_NO_WAIT_KILLABLE");
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    fn output(cmd: &str, env: &[(&str, &str)]) -> (i32, String, String) {
        let o = supervised(cmd, env).output().unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    const PY: &str = "/usr/bin/python3";
    /// Python that prints the SO_PRIORITY of sockets of these families.
    fn prio(families: &str) -> String {
        format!(
            "{PY} -c 'import socket as s; print(*[s.socket(f).getsockopt(s.SOL_SOCKET, s.SO_PRIORITY) for f in ({families},)])'"
        )
    }

    #[test]
    fn sockets_come_from_the_supervisor() {
        let (st, out, err) = output(&prio("s.AF_INET, s.AF_INET6, s.AF_UNIX"), &[]);
        assert_eq!((st, out.trim()), (0, "5 5 0"), "{err}");
        assert!(err.contains("killable waits"), "{err}");
        // Without WAIT_KILLABLE_RECV (the fallback for kernels before 5.19).
        let (st, out, err) = output(&prio("s.AF_INET"), &[("MSTACK_NO_WAIT_KILLABLE", "1")]);
        assert_eq!((st, out.trim()), (0, "5"), "{err}");
        assert!(err.contains("kernel without"), "{err}");
        // -o ipv6: AF_INET stays native.
        let (st, out, err) = output(
            &prio("s.AF_INET, s.AF_INET6"),
            &[("MSTACK_SELFTEST_FAMILIES", "inet6")],
        );
        assert_eq!((st, out.trim()), (0, "0 5"), "{err}");
        // -o all: AF_UNIX too.
        let (st, out, err) = output(&prio("s.AF_UNIX"), &[("MSTACK_SELFTEST_FAMILIES", "all")]);
        assert_eq!((st, out.trim()), (0, "5"), "{err}");
    }

    #[test]
    fn flags_raw_calls_threads_children() {
        // SOCK_NONBLOCK and SOCK_CLOEXEC land on the new fd; raw system
        // calls with junk in the upper half of the int are trapped.
        let py = r#"
import ctypes, fcntl, socket as s, os
libc = ctypes.CDLL(None, use_errno=True)
def show(fd):
    so = s.socket(fileno=fd)
    print(so.getsockopt(s.SOL_SOCKET, s.SO_PRIORITY),
          bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK),
          bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC))
show(libc.socket(2, 1 | s.SOCK_NONBLOCK, 0))
show(libc.socket(2, 1 | s.SOCK_CLOEXEC, 0))
libc.syscall.restype = ctypes.c_long
show(libc.syscall(ctypes.c_long(41), ctypes.c_long(0x100000002), ctypes.c_long(2), ctypes.c_long(0)))
r = libc.syscall(ctypes.c_long(425), ctypes.c_long(4), ctypes.create_string_buffer(120))
print("io_uring_setup", r, os.strerror(ctypes.get_errno()))
import threading
got = []
def work():
    for _ in range(20):
        got.append(s.socket().getsockopt(s.SOL_SOCKET, s.SO_PRIORITY))
ts = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print("threads", len(got), set(got))
"#;
        let (st, out, err) = output(&format!("{PY} -c '{py}'"), &[]);
        assert_eq!(st, 0, "{err}");
        assert_eq!(
            out,
            "5 True False\n5 False True\n5 False False\nio_uring_setup -1 Function not implemented\nthreads 160 {5}\n",
            "{err}"
        );
        // fork + exec, twice removed; SOCK_CLOEXEC across exec.
        let (st, out, err) = output(
            &format!("sh -c \"sh -c \\\"{}\\\"\"", prio("s.AF_INET")),
            &[],
        );
        assert_eq!((st, out.trim()), (0, "5"), "{err}");
    }

    #[test]
    fn exit_status_and_daemons() {
        assert_eq!(output("exit 7", &[]).0, 7);
        assert_eq!(output("kill -9 $$", &[]).0, 128 + 9);
        // A daemon outlives CMD: mstack waits for it, and it stays supervised.
        let file = std::env::temp_dir().join(format!("mstack-daemon-{}", std::process::id()));
        let cmd = format!(
            "(sleep 1; {} > {}) > /dev/null 2>&1 & exit 3",
            prio("s.AF_INET"),
            file.display()
        );
        let t = Instant::now();
        let (st, _, err) = output(&cmd, &[]);
        assert_eq!(st, 3, "{err}");
        assert!(
            t.elapsed() >= Duration::from_millis(900),
            "returned before the daemon ended"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), "5");
        std::fs::remove_file(&file).unwrap();
    }

    /// Starts `cmd` supervised; returns the mstack process and the pids
    /// it printed (one per line) once `n` of them are there.
    fn start(cmd: &str, n: usize) -> (std::process::Child, Vec<i32>) {
        use std::io::BufRead;
        let mut child = supervised(cmd, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let pids = (0..n)
            .map(|_| lines.next().unwrap().unwrap().trim().parse().unwrap())
            .collect();
        (child, pids)
    }

    fn alive(pid: i32) -> bool {
        stat_of(pid).is_some_and(|s| s.2 != 'Z')
    }

    fn gone_within(pids: &[i32], secs: u64) -> bool {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(secs) {
            if !pids.iter().any(|p| alive(*p)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// CMD, a child, and a detached (setsid) grandchild: all supervised.
    const TREE: &str = "sleep 60 & echo $!; setsid sh -c 'sleep 60 & echo $!; wait' & wait";

    #[test]
    fn supervisor_killed_kills_everything() {
        let (mut m, pids) = start(TREE, 2);
        nix::sys::signal::kill(Pid::from_raw(m.id() as i32), Signal::SIGKILL).unwrap();
        m.wait().unwrap();
        assert!(gone_within(&pids, 10), "survivors: {pids:?}");
    }

    #[test]
    fn helper_killed_kills_everything() {
        let (mut m, pids) = start(TREE, 2);
        let helper = descendants(m.id() as i32)
            .into_iter()
            .find(|(p, _)| stat_of(*p).map(|s| s.1) == Some(m.id() as i32))
            .unwrap()
            .0;
        nix::sys::signal::kill(Pid::from_raw(helper), Signal::SIGKILL).unwrap();
        assert!(gone_within(&pids, 10), "survivors: {pids:?}");
        let st = m.wait().unwrap();
        assert_eq!(st.code(), Some(1));
    }

    #[test]
    fn both_killed_fail_closed() {
        // With the supervisor and the helper killed at once nothing is left
        // to kill the orphans, but their sockets fail: ENOSYS.
        let file = std::env::temp_dir().join(format!("mstack-closed-{}", std::process::id()));
        let cmd = format!(
            "setsid sh -c \"echo \\$\\$; sleep 2; {} > {} 2>&1\" & wait",
            prio("s.AF_INET"),
            file.display()
        );
        let (mut m, pids) = start(&cmd, 1);
        let helper = descendants(m.id() as i32)
            .into_iter()
            .find(|(p, _)| stat_of(*p).map(|s| s.1) == Some(m.id() as i32))
            .unwrap()
            .0;
        // Stopped first, so that neither sees the other die.
        for sig in [Signal::SIGSTOP, Signal::SIGKILL] {
            nix::sys::signal::kill(Pid::from_raw(m.id() as i32), sig).unwrap();
            nix::sys::signal::kill(Pid::from_raw(helper), sig).unwrap();
        }
        m.wait().unwrap();
        assert!(
            gone_within(&pids, 10),
            "the orphan did not finish: {pids:?}"
        );
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::remove_file(&file).unwrap();
        assert!(text.contains("Function not implemented"), "{text}");
    }

    /// Not a test: what a supervised socket() costs on the kernel these
    /// tests run on (the benchmark measures msocket.ko's in the TCG VM,
    /// where context switches are far dearer). Needs make msocket-bench;
    /// cargo test --release -p mstack -- --ignored round_trip --nocapture
    #[test]
    #[ignore]
    fn round_trip_cost_on_this_kernel() {
        let child = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../build/bench/mstack_bench_child"
        );
        let median = |out: &[u8]| {
            let mut v: Vec<f64> = String::from_utf8_lossy(out)
                .lines()
                .filter_map(|l| l.split_whitespace().next()?.parse().ok())
                .collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v[v.len() / 2]
        };
        for (pin, cpus) in [("pinned to one CPU", "0"), ("unpinned", "0-1023")] {
            let (mut native, mut supervised) = (Vec::new(), Vec::new());
            for _ in 0..5 {
                let o = Command::new("taskset")
                    .args(["-c", cpus, child, "create", "5", "2000"])
                    .output()
                    .unwrap();
                native.push(median(&o.stdout));
                let o = Command::new("taskset")
                    .args(["-c", cpus])
                    .arg(std::env::current_exe().unwrap())
                    .env("MSTACK_SELFTEST_CMD", format!("{child} create 5 2000"))
                    .output()
                    .unwrap();
                supervised.push(median(&o.stdout));
            }
            native.sort_by(|a, b| a.partial_cmp(b).unwrap());
            supervised.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let (n, s) = (native[2] / 1000.0, supervised[2] / 1000.0);
            println!(
                "{pin}: socket()+close {n:.2} us natively, {s:.2} us supervised: {:.1}x",
                s / n
            );
        }
    }

    #[test]
    fn signals_are_forwarded() {
        let (mut m, _) = start("echo $$; exec sleep 60", 1);
        nix::sys::signal::kill(Pid::from_raw(m.id() as i32), Signal::SIGTERM).unwrap();
        let st = m.wait().unwrap();
        assert_eq!(st.code(), Some(128 + libc::SIGTERM));
    }

    #[test]
    fn stat_lines() {
        let line = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 123456 1000 10";
        assert_eq!(parse_stat(line), Some((4242, 1, 'S', 123456)));
        assert_eq!(parse_stat("garbage"), None);
        let me = stat_of(std::process::id() as i32).unwrap();
        assert_eq!(me.0, std::process::id() as i32);
        assert_eq!(me.1, std::os::unix::process::parent_id() as i32);
    }

    #[test]
    fn finds_descendants() {
        let mut c = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30 & wait"])
            .spawn()
            .unwrap();
        let mut found = Vec::new();
        for _ in 0..100 {
            found = descendants(c.id() as i32);
            if found.len() == 2 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(kill_descendants(c.id() as i32), 2);
        let st = c.wait().unwrap();
        assert!(
            st.success(),
            "sh's wait returns when both sleeps die: {st:?}"
        );
    }
}
