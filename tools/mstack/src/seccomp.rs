// SPDX-License-Identifier: GPL-2.0

//! The seccomp side of mstack's supervisor: the BPF filter that traps
//! socket creation, its installation with a user-notification listener, and
//! the listener's ioctls.
//!
//! The filter decides everything it can by itself, from register arguments
//! only (it never sees memory, and neither does the supervisor):
//! - `socket(domain, ...)`: a redirected `domain` goes to the supervisor
//!   (`SECCOMP_RET_USER_NOTIF`), any other is allowed at once, so sockets of
//!   families that are not redirected cost nothing;
//! - `socketpair(AF_UNIX, ...)` is allowed (an unnamed pair has no address
//!   in any stack); `socketpair` of another redirected family fails with
//!   `EOPNOTSUPP` (no stack entry makes pairs);
//! - `io_uring_setup`, `io_uring_enter`, `io_uring_register` fail with
//!   `ENOSYS`, as on a kernel without io_uring: `IORING_OP_SOCKET` would
//!   create sockets without the `socket` system call;
//! - on x86-64, x32 calls are treated as native ones; 32-bit (i386) `socket`
//!   and `socketpair` as native ones, and `socketcall(SYS_SOCKET)` and
//!   `socketcall(SYS_SOCKETPAIR)`, whose arguments are in memory, fail with
//!   `ENOSYS`; any other architecture kills the process.
//!
//! No BPF crate does this: seccompiler has no `SECCOMP_RET_USER_NOTIF`
//! action, and libseccomp (a C library; 2.5 in Debian 12) cannot set
//! `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`, so its program would have to be
//! exported and installed by hand anyway. The program is a few dozen
//! instructions, assembled here from labelled jumps and checked by unit
//! tests that run it in the kernel.

use std::{
    collections::BTreeSet,
    io,
    os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd},
};

/// Which families go to the stack: only the listed ones, or every family
/// but the listed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    Only(BTreeSet<i32>),
    AllBut(BTreeSet<i32>),
}

impl Redirect {
    /// Whether sockets of `domain` go to the stack.
    pub fn redirects(&self, domain: i32) -> bool {
        match self {
            Redirect::Only(s) => s.contains(&domain),
            Redirect::AllBut(s) => !s.contains(&domain),
        }
    }
}

/// What a trapped system call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Socket,
    Other,
}

/// System call numbers of one architecture.
struct Abi {
    arch: u32,
    socket: u32,
    socketpair: u32,
    /// `socketcall`, where the architecture has it.
    socketcall: Option<u32>,
    io_uring: [u32; 3],
}

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH_ARM: u32 = 0x4000_0028;
/// x32 system calls are x86-64 ones with this bit set.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

#[cfg(target_arch = "x86_64")]
const NATIVE: Abi = Abi {
    arch: AUDIT_ARCH_X86_64,
    socket: 41,
    socketpair: 53,
    socketcall: None,
    io_uring: [425, 426, 427],
};
#[cfg(target_arch = "x86_64")]
const COMPAT: Abi = Abi {
    arch: AUDIT_ARCH_I386,
    socket: 359,
    socketpair: 360,
    socketcall: Some(102),
    io_uring: [425, 426, 427],
};
#[cfg(target_arch = "aarch64")]
const NATIVE: Abi = Abi {
    arch: AUDIT_ARCH_AARCH64,
    socket: 198,
    socketpair: 199,
    socketcall: None,
    io_uring: [425, 426, 427],
};
#[cfg(target_arch = "aarch64")]
const COMPAT: Abi = Abi {
    arch: AUDIT_ARCH_ARM,
    socket: 281,
    socketpair: 288,
    socketcall: None,
    io_uring: [425, 426, 427],
};

// Elsewhere there is no table of system call numbers here: the supervisor
// is refused (user_notif_available).
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const NATIVE: Abi = Abi {
    arch: 0,
    socket: 0,
    socketpair: 0,
    socketcall: None,
    io_uring: [0; 3],
};
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const COMPAT: Abi = NATIVE;
const SUPPORTED_ARCH: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// `socketcall(2)` call numbers that create sockets.
const SYS_SOCKET: u32 = 1;
const SYS_SOCKETPAIR: u32 = 8;

/// Classifies a notification's system call.
pub fn call_of(arch: u32, nr: i32) -> Call {
    let nr = nr as u32;
    let socket = if arch == NATIVE.arch {
        let nr = if cfg!(target_arch = "x86_64") {
            nr & !X32_SYSCALL_BIT
        } else {
            nr
        };
        nr == NATIVE.socket
    } else {
        arch == COMPAT.arch && nr == COMPAT.socket
    };
    if socket {
        Call::Socket
    } else {
        Call::Other
    }
}

// --- a tiny classic-BPF assembler with labels ---

const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const BPF_JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_JA: u16 = 0x05; // BPF_JMP | BPF_JA
const BPF_AND_K: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K

const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const SECCOMP_RET_USER_NOTIF: u32 = 0x7fc0_0000;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

/// Offsets in `struct seccomp_data`.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
/// The low 32 bits of args[0] (the kernel's `int` argument), little-endian.
#[cfg(target_endian = "little")]
const OFF_ARG0_LO: u32 = 16;
#[cfg(target_endian = "big")]
const OFF_ARG0_LO: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum L {
    Native,
    Compat,
    Socket,
    Pair,
    SocketCall,
    Notify,
    Allow,
    NoSys,
    NotSupp,
    Kill,
}

enum Insn {
    Label(L),
    Ld(u32),
    And(u32),
    /// if A == k goto the label, else fall through
    Jeq(u32, L),
    Ja(L),
    Ret(u32),
}

fn assemble(prog: &[Insn]) -> Vec<libc::sock_filter> {
    let mut pos = Vec::new();
    let mut n = 0usize;
    for i in prog {
        match i {
            Insn::Label(l) => pos.push((*l, n)),
            _ => n += 1,
        }
    }
    let at = |l: L| pos.iter().find(|(x, _)| *x == l).expect("label defined").1;
    let mut out = Vec::with_capacity(n);
    for i in prog {
        let here = out.len();
        let (code, jt, jf, k) = match *i {
            Insn::Label(_) => continue,
            Insn::Ld(off) => (BPF_LD_W_ABS, 0, 0, off),
            Insn::And(k) => (BPF_AND_K, 0, 0, k),
            Insn::Jeq(k, l) => {
                let d = at(l) - here - 1;
                (BPF_JEQ_K, u8::try_from(d).expect("short jump"), 0, k)
            }
            Insn::Ja(l) => (BPF_JA, 0, 0, (at(l) - here - 1) as u32),
            Insn::Ret(k) => (BPF_RET_K, 0, 0, k),
        };
        out.push(libc::sock_filter { code, jt, jf, k });
    }
    out
}

/// With a family in A: to `redirected` for a family `redirect` sends to the
/// stack, to `L::Allow` for any other.
fn by_family(p: &mut Vec<Insn>, redirect: &Redirect, redirected: L) {
    let (listed, listed_to, others_to) = match redirect {
        Redirect::Only(set) => (set, redirected, L::Allow),
        Redirect::AllBut(set) => (set, L::Allow, redirected),
    };
    for f in listed {
        p.push(Insn::Jeq(*f as u32, listed_to));
    }
    p.push(Insn::Ja(others_to));
}

/// Builds the filter for `redirect`.
pub fn filter(redirect: &Redirect) -> Vec<libc::sock_filter> {
    use Insn::*;
    let mut p = vec![
        Ld(OFF_ARCH),
        Jeq(NATIVE.arch, L::Native),
        Jeq(COMPAT.arch, L::Compat),
        Ja(L::Kill),
        Label(L::Native),
        Ld(OFF_NR),
    ];
    if cfg!(target_arch = "x86_64") {
        p.push(And(!X32_SYSCALL_BIT));
    }
    for abi in [&NATIVE, &COMPAT] {
        if abi.arch == COMPAT.arch {
            p.push(Label(L::Compat));
            p.push(Ld(OFF_NR));
        }
        p.push(Jeq(abi.socket, L::Socket));
        p.push(Jeq(abi.socketpair, L::Pair));
        for nr in abi.io_uring {
            p.push(Jeq(nr, L::NoSys));
        }
        if let Some(nr) = abi.socketcall {
            p.push(Jeq(nr, L::SocketCall));
        }
        p.push(Ja(L::Allow));
    }
    // socket(domain, ...): by family.
    p.push(Label(L::Socket));
    p.push(Ld(OFF_ARG0_LO));
    by_family(&mut p, redirect, L::Notify);
    // socketpair(domain, ...): AF_UNIX natively, other redirected families
    // cannot be made in the stack.
    p.push(Label(L::Pair));
    p.push(Ld(OFF_ARG0_LO));
    p.push(Jeq(libc::AF_UNIX as u32, L::Allow));
    by_family(&mut p, redirect, L::NotSupp);
    p.push(Label(L::SocketCall));
    p.push(Ld(OFF_ARG0_LO));
    p.push(Jeq(SYS_SOCKET, L::NoSys));
    p.push(Jeq(SYS_SOCKETPAIR, L::NoSys));
    p.push(Ja(L::Allow));
    p.push(Label(L::Notify));
    p.push(Ret(SECCOMP_RET_USER_NOTIF));
    p.push(Label(L::Allow));
    p.push(Ret(SECCOMP_RET_ALLOW));
    p.push(Label(L::NoSys));
    p.push(Ret(SECCOMP_RET_ERRNO | libc::ENOSYS as u32));
    p.push(Label(L::NotSupp));
    p.push(Ret(SECCOMP_RET_ERRNO | libc::EOPNOTSUPP as u32));
    p.push(Label(L::Kill));
    p.push(Ret(SECCOMP_RET_KILL_PROCESS));
    assemble(&p)
}

// --- installing it ---

const SECCOMP_SET_MODE_FILTER: libc::c_ulong = 1;
const SECCOMP_GET_ACTION_AVAIL: libc::c_ulong = 2;

/// Whether the kernel has seccomp user notification (`CONFIG_SECCOMP_FILTER`,
/// Linux 5.0; mstack needs `SECCOMP_ADDFD_FLAG_SEND` too, Linux 5.14, which
/// every kernel msocket.ko builds against has).
pub fn user_notif_available() -> io::Result<()> {
    if !SUPPORTED_ARCH {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "mstack's filter knows the system calls of x86-64 and arm64 only",
        ));
    }
    let action: u32 = SECCOMP_RET_USER_NOTIF;
    // SAFETY: SECCOMP_GET_ACTION_AVAIL reads one u32 from a valid pointer.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_GET_ACTION_AVAIL,
            0,
            std::ptr::addr_of!(action),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Installs `prog` on the calling thread with a new listener (after
/// `PR_SET_NO_NEW_PRIVS`). With `wait_killable`, asks for
/// `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` first and falls back to a
/// filter without it on kernels that lack it (before 5.19); returns the
/// listener and whether the flag is in force. Call it in a single-threaded
/// process (a child between fork and exec): it applies to this thread only.
pub fn install(prog: &[libc::sock_filter], wait_killable: bool) -> io::Result<(OwnedFd, bool)> {
    // SAFETY: prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) takes no pointers.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let fprog = libc::sock_fprog {
        len: u16::try_from(prog.len()).map_err(|_| io::Error::from_raw_os_error(libc::E2BIG))?,
        filter: prog.as_ptr().cast_mut(),
    };
    let mut flags = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
    if wait_killable {
        flags |= libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    }
    loop {
        // SAFETY: `fprog` points at `prog`, which outlives the call; the
        // kernel copies the program.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                SECCOMP_SET_MODE_FILTER,
                flags,
                std::ptr::addr_of!(fprog),
            )
        };
        if fd >= 0 {
            // SAFETY: a new listener fd that nothing else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
            return Ok((
                fd,
                flags & libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0,
            ));
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EINVAL)
            && flags & libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0
        {
            flags &= !libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
            continue;
        }
        return Err(e);
    }
}

// --- the listener's ioctls ---

const fn ioc(dir: u32, nr: u32, size: usize) -> libc::c_ulong {
    ((dir << 30) | ((size as u32) << 16) | ((b'!' as u32) << 8) | nr) as libc::c_ulong
}
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;
pub const SECCOMP_IOCTL_NOTIF_RECV: libc::c_ulong = ioc(
    IOC_READ | IOC_WRITE,
    0,
    std::mem::size_of::<libc::seccomp_notif>(),
);
pub const SECCOMP_IOCTL_NOTIF_SEND: libc::c_ulong = ioc(
    IOC_READ | IOC_WRITE,
    1,
    std::mem::size_of::<libc::seccomp_notif_resp>(),
);
pub const SECCOMP_IOCTL_NOTIF_SET_FLAGS: libc::c_ulong =
    ioc(IOC_WRITE, 4, std::mem::size_of::<u64>());
const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: u64 = 1;
pub const SECCOMP_IOCTL_NOTIF_ADDFD: libc::c_ulong = ioc(
    IOC_WRITE,
    3,
    std::mem::size_of::<libc::seccomp_notif_addfd>(),
);

fn retry<F: FnMut() -> libc::c_int>(mut f: F) -> io::Result<libc::c_int> {
    loop {
        let r = f();
        if r >= 0 {
            return Ok(r);
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// Asks the kernel to wake the supervisor on the caller's CPU and to switch
/// to it at once (`SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP`, Linux 6.6): a
/// notification and its answer become a direct hand-off instead of a
/// wake-up on whichever CPU. Fails on older kernels (nothing changes).
pub fn set_sync_wakeup(listener: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: SET_FLAGS takes its flags as the argument itself.
    retry(|| unsafe {
        libc::ioctl(
            listener.as_raw_fd(),
            SECCOMP_IOCTL_NOTIF_SET_FLAGS as _,
            SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP,
        )
    })
    .map(|_| ())
}

/// A received notification: which call, its register arguments.
#[derive(Debug, Clone, Copy)]
pub struct Notif {
    pub id: u64,
    pub arch: u32,
    pub nr: i32,
    pub args: [u64; 6],
}

/// `SECCOMP_IOCTL_NOTIF_RECV`. `ENOENT`: the caller went away before it
/// could be received.
pub fn recv(listener: BorrowedFd<'_>) -> io::Result<Notif> {
    // The kernel's struct may be larger than ours (SECCOMP_GET_NOTIF_SIZES):
    // the ioctl number carries our size, and the kernel copies exactly that.
    // SAFETY: seccomp_notif is plain old data; it must be zeroed for RECV.
    let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: RECV writes one struct seccomp_notif to a valid pointer.
    retry(|| unsafe { libc::ioctl(listener.as_raw_fd(), SECCOMP_IOCTL_NOTIF_RECV as _, &mut n) })?;
    Ok(Notif {
        id: n.id,
        arch: n.data.arch,
        nr: n.data.nr,
        args: n.data.args,
    })
}

/// Answers a notification: `Err(errno)` fails the call with that error.
pub fn respond(listener: BorrowedFd<'_>, id: u64, result: Result<i64, i32>) -> io::Result<()> {
    let mut r = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: 0,
        flags: 0,
    };
    match result {
        Ok(v) => r.val = v,
        Err(e) => r.error = -e,
    }
    // SAFETY: SEND reads one struct seccomp_notif_resp from a valid pointer.
    retry(|| unsafe { libc::ioctl(listener.as_raw_fd(), SECCOMP_IOCTL_NOTIF_SEND as _, &mut r) })
        .map(|_| ())
}

/// Lets the call run as if there were no filter
/// (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`); only ever for calls whose
/// arguments are all in registers, so nothing can change between the
/// supervisor's decision and the kernel's.
pub fn respond_continue(listener: BorrowedFd<'_>, id: u64) -> io::Result<()> {
    let mut r = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: 0,
        flags: libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
    };
    // SAFETY: SEND reads one struct seccomp_notif_resp from a valid pointer.
    retry(|| unsafe { libc::ioctl(listener.as_raw_fd(), SECCOMP_IOCTL_NOTIF_SEND as _, &mut r) })
        .map(|_| ())
}

/// Installs `fd` in the caller's fd table and answers its call with the new
/// fd number, atomically (`SECCOMP_ADDFD_FLAG_SEND`): the call returns the
/// fd or, if the caller went away, nothing is installed (`ENOENT`).
pub fn addfd_send(
    listener: BorrowedFd<'_>,
    id: u64,
    fd: BorrowedFd<'_>,
    cloexec: bool,
) -> io::Result<i32> {
    let mut a = libc::seccomp_notif_addfd {
        id,
        flags: libc::SECCOMP_ADDFD_FLAG_SEND as u32,
        srcfd: fd.as_raw_fd() as u32,
        newfd: 0,
        newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
    };
    // SAFETY: ADDFD reads one struct seccomp_notif_addfd from a valid pointer.
    retry(|| unsafe { libc::ioctl(listener.as_raw_fd(), SECCOMP_IOCTL_NOTIF_ADDFD as _, &mut a) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_uapi() {
        // From <linux/seccomp.h> on x86-64 and arm64.
        assert_eq!(SECCOMP_IOCTL_NOTIF_RECV, 0xc050_2100);
        assert_eq!(SECCOMP_IOCTL_NOTIF_SEND, 0xc018_2101);
        assert_eq!(SECCOMP_IOCTL_NOTIF_ADDFD, 0x4018_2103);
        assert_eq!(SECCOMP_IOCTL_NOTIF_SET_FLAGS, 0x4008_2104);
    }

    #[test]
    fn classify() {
        assert_eq!(call_of(NATIVE.arch, NATIVE.socket as i32), Call::Socket);
        assert_eq!(call_of(COMPAT.arch, COMPAT.socket as i32), Call::Socket);
        assert_eq!(call_of(NATIVE.arch, NATIVE.socketpair as i32), Call::Other);
        assert_eq!(call_of(COMPAT.arch, NATIVE.socket as i32), Call::Other);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            call_of(NATIVE.arch, (41 | X32_SYSCALL_BIT) as i32),
            Call::Socket
        );
    }

    #[test]
    fn redirect_sets() {
        let only = Redirect::Only([2, 10].into_iter().collect());
        assert!(only.redirects(2) && only.redirects(10) && !only.redirects(1));
        let but = Redirect::AllBut([1].into_iter().collect());
        assert!(!but.redirects(1) && but.redirects(2) && but.redirects(16));
    }

    /// Runs `prog` in the kernel on a forked child (no listener: a
    /// USER_NOTIF result without one fails the call with ENOSYS, so the
    /// child tells "allowed" from "trapped" by the error) and returns what
    /// `f` reports from inside it.
    fn in_filtered_child(prog: &[libc::sock_filter], f: fn() -> i32) -> i32 {
        // SAFETY: the child only makes system calls and exits.
        match unsafe { libc::fork() } {
            0 => {
                // SAFETY: as above.
                unsafe {
                    if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                        libc::_exit(200);
                    }
                    let fprog = libc::sock_fprog {
                        len: prog.len() as u16,
                        filter: prog.as_ptr().cast_mut(),
                    };
                    if libc::syscall(
                        libc::SYS_seccomp,
                        SECCOMP_SET_MODE_FILTER,
                        0,
                        std::ptr::addr_of!(fprog),
                    ) != 0
                    {
                        libc::_exit(201);
                    }
                    libc::_exit(f());
                }
            }
            pid if pid > 0 => {
                let mut st = 0;
                // SAFETY: waiting for our own child.
                unsafe { libc::waitpid(pid, &mut st, 0) };
                assert!(libc::WIFEXITED(st), "child died: {st:#x}");
                libc::WEXITSTATUS(st)
            }
            _ => panic!("fork: {}", io::Error::last_os_error()),
        }
    }

    /// The errno of a raw system call (0 for success).
    fn errno_of(r: libc::c_long) -> i32 {
        if r >= 0 {
            // SAFETY: close() of an fd the call just made, if any.
            unsafe { libc::close(r as i32) };
            0
        } else {
            io::Error::last_os_error().raw_os_error().unwrap_or(-1)
        }
    }

    /// `socket(domain, ty, 0)` as a raw system call, so that the filter
    /// sees exactly these registers (`domain` is 64-bit on purpose); the
    /// errno, 0 on success.
    fn raw_socket(domain: i64, ty: i32) -> i32 {
        // SAFETY: a system call with register arguments only.
        errno_of(unsafe { libc::syscall(libc::SYS_socket, domain, ty, 0) })
    }

    /// `socketpair(domain, SOCK_STREAM, 0)` as a raw system call; the errno,
    /// 0 on success (the pair is left open: the child exits).
    fn raw_socketpair(domain: i32) -> i32 {
        let mut sv = [0; 2];
        // SAFETY: `sv` has room for the two fds the call writes.
        let r = unsafe {
            libc::syscall(
                libc::SYS_socketpair,
                domain,
                libc::SOCK_STREAM,
                0,
                sv.as_mut_ptr(),
            )
        };
        if r == 0 {
            0
        } else {
            io::Error::last_os_error().raw_os_error().unwrap_or(-1)
        }
    }

    #[test]
    fn filter_in_the_kernel() {
        let prog = filter(&Redirect::AllBut([libc::AF_UNIX].into_iter().collect()));
        let unix = in_filtered_child(&prog, || {
            raw_socket(libc::AF_UNIX.into(), libc::SOCK_STREAM)
        });
        assert_eq!(unix, 0, "AF_UNIX is created natively");
        let inet = in_filtered_child(&prog, || {
            raw_socket(libc::AF_INET.into(), libc::SOCK_STREAM)
        });
        assert_eq!(
            inet,
            libc::ENOSYS,
            "AF_INET is trapped (no listener: ENOSYS)"
        );
        // The kernel reads an int: garbage in the upper half does not hide
        // AF_INET from the filter.
        let high = in_filtered_child(&prog, || raw_socket(0x1_0000_0002, libc::SOCK_STREAM));
        assert_eq!(high, libc::ENOSYS);
        let pair = in_filtered_child(&prog, || raw_socketpair(libc::AF_UNIX));
        assert_eq!(pair, 0, "socketpair(AF_UNIX) is native");
        let pair_inet = in_filtered_child(&prog, || raw_socketpair(libc::AF_INET));
        assert_eq!(pair_inet, libc::EOPNOTSUPP);
        let uring = in_filtered_child(&prog, || {
            // SAFETY: io_uring_setup() with a null params pointer fails
            // before reading it, if the filter lets it through at all.
            errno_of(unsafe {
                libc::syscall(libc::SYS_io_uring_setup, 4, std::ptr::null_mut::<u8>())
            })
        });
        assert_eq!(uring, libc::ENOSYS, "io_uring_setup is refused");
        // SAFETY: getpid() has no arguments.
        let other = in_filtered_child(&prog, || {
            errno_of(unsafe { libc::syscall(libc::SYS_getpid) })
        });
        assert_eq!(other, 0);

        let only6 = filter(&Redirect::Only([libc::AF_INET6].into_iter().collect()));
        let inet = in_filtered_child(&only6, || {
            raw_socket(libc::AF_INET.into(), libc::SOCK_DGRAM)
        });
        assert_eq!(inet, 0, "-o ipv6: AF_INET is native");
        let inet6 = in_filtered_child(&only6, || {
            raw_socket(libc::AF_INET6.into(), libc::SOCK_DGRAM)
        });
        assert_eq!(inet6, libc::ENOSYS);
    }
}
