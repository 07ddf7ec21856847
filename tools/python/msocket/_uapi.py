# SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
"""``<linux/msocket.h>`` in Python: numbers and structure layouts.

tests/test_uapi.py compiles the C header and checks every value here.
"""

import struct

#: statfs(2) f_type of an msockfs mount ("msk\x01").
MSOCKFS_MAGIC = 0x6D736B01
#: The misc device that takes the one-call path entry.
MSOCKET_DEVICE = "/dev/msocket"
#: View-OS: ``msocket(path, domain, SOCK_DEFAULT)`` sets the default stack.
SOCK_DEFAULT = 0
#: The ioctl type.
MSOCKIO = 0xB9
#: Do not follow a symbolic link in the last component of the path.
MSOCK_PATH_NOFOLLOW = 0x1
#: SO_NETNS_COOKIE (Linux 5.14); not in every Python's socket module.
SO_NETNS_COOKIE = 71

# struct msock_socket_args { __s32 domain, type, protocol; __u32 flags; }
SOCKET_ARGS = struct.Struct("=iiiI")
# struct msock_path_socket_args { __aligned_u64 path; __s32 dirfd, domain,
#                                 type, protocol; __u32 flags, reserved; }
PATH_SOCKET_ARGS = struct.Struct("=QiiiiII")
# struct msock_path_handle_args { __aligned_u64 path; __s32 dirfd; __u32 flags; }
PATH_HANDLE_ARGS = struct.Struct("=QiI")
# struct msock_stack_info { __u64 netns_ino, netns_cookie;
#                           __u32 uid, gid, mode, reserved; }
STACK_INFO = struct.Struct("=QQIIII")

_IOC_NONE, _IOC_WRITE, _IOC_READ = 0, 1, 2


def _ioc(direction: int, nr: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (MSOCKIO << 8) | nr


MSOCK_IOC_SOCKET = _ioc(_IOC_WRITE, 0x01, SOCKET_ARGS.size)
MSOCK_IOC_GET_NETNS = _ioc(_IOC_NONE, 0x02, 0)
MSOCK_IOC_STACK_INFO = _ioc(_IOC_READ, 0x03, STACK_INFO.size)
MSOCK_IOC_GET_HANDLE = _ioc(_IOC_NONE, 0x04, 0)
MSOCK_IOC_PATH_SOCKET = _ioc(_IOC_WRITE, 0x10, PATH_SOCKET_ARGS.size)
MSOCK_IOC_PATH_HANDLE = _ioc(_IOC_WRITE, 0x11, PATH_HANDLE_ARGS.size)
