// SPDX-License-Identifier: GPL-2.0

//! The msocket entry: the ioctls of a stack root, of a stack handle and of
//! `/dev/msocket`.

use crate::{
    access::{self, Operation},
    compat::{FromBytes, UserPtr, UserSlice},
    glue::{Route, Stack, StackFile, StackHandle, StackPath},
    socket::{self, Request},
    uapi::*,
};
use kernel::prelude::*;

fn read_arg<T: FromBytes>(arg: UserPtr) -> Result<T> {
    UserSlice::new(arg, core::mem::size_of::<T>())
        .reader()
        .read::<T>()
}

/// A socket asked of `stack` by `route`: `allowed` decides whether the
/// caller may have it; the attempt is audited either way, with the family
/// the socket would have.
fn socket_op(
    stack: &Stack,
    route: Route,
    req: &Request,
    allowed: impl FnOnce() -> Result,
) -> Result<isize> {
    let r = allowed().and_then(|()| socket::create_fd(stack, req));
    let family = socket::split_type(req.type_)
        .map_or(req.domain, |t| socket::effective_family(req.domain, t.base));
    stack.audit(route, family, req.type_, req.protocol, &r);
    Ok(r? as isize)
}

fn socket_request(arg: UserPtr) -> Result<Request> {
    let args: SocketArgs = read_arg(arg)?;
    if args.flags != 0 {
        return Err(EINVAL);
    }
    Ok(Request {
        domain: args.domain,
        type_: args.type_,
        protocol: args.protocol,
    })
}

/// The ioctls of an open stack root directory: checked against the caller's
/// credentials at every call.
pub(crate) fn stack_ioctl(dir: &StackFile<'_>, cmd: u32, arg: usize) -> Result<isize> {
    let stack = dir.stack();
    let net = stack.net();
    let raw_arg = arg;
    let arg = UserPtr::from_addr(arg);
    match cmd {
        MSOCK_IOC_SOCKET => {
            let req = socket_request(arg)?;
            socket_op(stack, Route::Dir, &req, || {
                access::check(
                    Operation::CreateSocket,
                    |m| dir.permission(m),
                    |c| net.capable(c),
                )
            })
        }
        MSOCK_IOC_GET_HANDLE => {
            if raw_arg != 0 {
                return Err(EINVAL);
            }
            Ok(dir.make_handle(access::handle_access())? as isize)
        }
        MSOCK_IOC_GET_NETNS => {
            access::check(
                Operation::GetNetns,
                |m| dir.permission(m),
                |c| net.capable(c),
            )?;
            Ok(net.open_nsfs()? as isize)
        }
        MSOCK_IOC_STACK_INFO => {
            access::check(
                Operation::StackInfo,
                |m| dir.permission(m),
                |c| net.capable(c),
            )?;
            let (uid, gid, mode) = dir.owner();
            let info = StackInfo {
                netns_ino: net.inum(),
                netns_cookie: net.cookie(),
                uid,
                gid,
                mode,
                reserved: 0,
            };
            UserSlice::new(arg, core::mem::size_of::<StackInfo>())
                .writer()
                .write(&info)?;
            Ok(0)
        }
        _ => Err(ENOTTY),
    }
}

/// The ioctls of a stack handle: creating sockets, and nothing else.
pub(crate) fn handle_ioctl(handle: &StackHandle<'_>, cmd: u32, arg: usize) -> Result<isize> {
    match cmd {
        MSOCK_IOC_SOCKET => {
            let req = socket_request(UserPtr::from_addr(arg))?;
            socket_op(handle.stack(), Route::Handle, &req, || handle.permission())
        }
        _ => Err(ENOTTY),
    }
}

/// Resolves the path of a path entry with the caller's credentials.
fn lookup(path: u64, dirfd: i32, flags: u32) -> Result<StackPath> {
    if flags & !MSOCK_PATH_FLAGS != 0 {
        return Err(EINVAL);
    }
    let path = UserPtr::from_addr(usize::try_from(path).map_err(|_| EFAULT)?);
    StackPath::lookup(dirfd, path, flags & MSOCK_PATH_NOFOLLOW != 0)
}

/// The ioctls of `/dev/msocket`: the one-call path entries.
pub(crate) fn dev_ioctl(cmd: u32, arg: usize) -> Result<isize> {
    let arg = UserPtr::from_addr(arg);
    match cmd {
        MSOCK_IOC_PATH_SOCKET => {
            let args: PathSocketArgs = read_arg(arg)?;
            if args.reserved != 0 {
                return Err(EINVAL);
            }
            let found = lookup(args.path, args.dirfd, args.flags)?;
            let req = Request {
                domain: args.domain,
                type_: args.type_,
                protocol: args.protocol,
            };
            socket_op(found.stack(), Route::Path, &req, || {
                access::check(Operation::CreateSocket, |m| found.permission(m), |_| false)
            })
        }
        MSOCK_IOC_PATH_HANDLE => {
            let args: PathHandleArgs = read_arg(arg)?;
            let stack = lookup(args.path, args.dirfd, args.flags)?;
            Ok(stack.make_handle(access::handle_access())? as isize)
        }
        _ => Err(ENOTTY),
    }
}
