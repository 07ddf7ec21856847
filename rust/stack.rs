// SPDX-License-Identifier: GPL-2.0

//! The msocket entry: the ioctls of a stack root and of `/dev/msocket`.

use crate::{
    access::{self, Operation},
    glue::{StackFile, StackPath},
    socket::{self, Request},
    uapi::*,
};
use kernel::{
    fs::File,
    prelude::*,
    uaccess::{UserPtr, UserSlice},
};

fn read_arg<T: kernel::transmute::FromBytes>(arg: UserPtr) -> Result<T> {
    UserSlice::new(arg, core::mem::size_of::<T>())
        .reader()
        .read::<T>()
}

/// The ioctls of an open stack root directory.
pub(crate) fn stack_ioctl(file: &File, cmd: u32, arg: usize) -> Result<isize> {
    let stack = StackFile::new(file).ok_or(ENOTTY)?;
    let net = stack.net();
    let arg = UserPtr::from_addr(arg);
    match cmd {
        MSOCK_IOC_SOCKET => {
            let args: SocketArgs = read_arg(arg)?;
            if args.flags != 0 {
                return Err(EINVAL);
            }
            access::check(
                Operation::CreateSocket,
                |m| stack.permission(m),
                |c| net.capable(c),
            )?;
            let req = Request {
                domain: args.domain,
                type_: args.type_,
                protocol: args.protocol,
            };
            Ok(socket::create_fd(net, &req)? as isize)
        }
        MSOCK_IOC_GET_NETNS => {
            access::check(
                Operation::GetNetns,
                |m| stack.permission(m),
                |c| net.capable(c),
            )?;
            Ok(net.open_nsfs()? as isize)
        }
        MSOCK_IOC_STACK_INFO => {
            access::check(
                Operation::StackInfo,
                |m| stack.permission(m),
                |c| net.capable(c),
            )?;
            let (uid, gid, mode) = stack.owner();
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

/// The ioctls of `/dev/msocket`: the one-call path entry.
pub(crate) fn dev_ioctl(cmd: u32, arg: usize) -> Result<isize> {
    match cmd {
        MSOCK_IOC_PATH_SOCKET => {
            let args: PathSocketArgs = read_arg(UserPtr::from_addr(arg))?;
            if args.flags & !MSOCK_PATH_FLAGS != 0 || args.reserved != 0 {
                return Err(EINVAL);
            }
            let path = UserPtr::from_addr(usize::try_from(args.path).map_err(|_| EFAULT)?);
            let nofollow = args.flags & MSOCK_PATH_NOFOLLOW != 0;
            let mut stack = StackPath::lookup(args.dirfd, path, nofollow)?;
            access::check(Operation::CreateSocket, |m| stack.permission(m), |_| false)?;
            let req = Request {
                domain: args.domain,
                type_: args.type_,
                protocol: args.protocol,
            };
            Ok(socket::create_fd(stack.net(), &req)? as isize)
        }
        _ => Err(ENOTTY),
    }
}
