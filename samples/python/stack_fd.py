#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""msocket from Python's standard library alone: open a stack directory and
create sockets in it with the MSOCK_IOC_SOCKET ioctl, then use them as
ordinary socket objects.

    python3 stack_fd.py /dev/net/lan /dev/net/vpn [port]

It shows what the kernel interface is (two ioctls, a struct); programs use
the msocket package (tools/python, see two_stacks.py), which adds msocket()
by path, View-OS default stacks, stack handles and errors that name the
stack.
"""

import fcntl
import os
import socket
import struct
import sys

MSOCKIO = 0xB9
_IOC_WRITE, _IOC_READ = 1, 2


def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (MSOCKIO << 8) | nr


MSOCK_IOC_SOCKET = _ioc(_IOC_WRITE, 0x01, 16)      # struct msock_socket_args
MSOCK_IOC_STACK_INFO = _ioc(_IOC_READ, 0x03, 32)   # struct msock_stack_info


class Stack:
    """An open stack: the root directory of an msockfs mount."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)

    def socket(self, family=socket.AF_INET, type=socket.SOCK_STREAM, proto=0):
        args = bytearray(struct.pack("iiiI", family, type | socket.SOCK_CLOEXEC, proto, 0))
        # With a mutable buffer, ioctl() returns the call's result: the new fd.
        fd = fcntl.ioctl(self.fd, MSOCK_IOC_SOCKET, args, True)
        return socket.socket(fileno=fd)

    def info(self):
        raw = fcntl.ioctl(self.fd, MSOCK_IOC_STACK_INFO, bytes(32))
        ino, cookie, uid, gid, mode, _ = struct.unpack("QQIIII", raw)
        return {"netns": f"net:[{ino}]", "cookie": cookie, "uid": uid, "gid": gid,
                "mode": oct(mode)}


def main():
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} STACK1 STACK2 [PORT]")
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 8080
    for path in sys.argv[1:3]:
        stack = Stack(path)
        info = stack.info()
        server = stack.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        client = stack.socket()
        client.connect(("127.0.0.1", port))
        conn, _ = server.accept()
        conn.sendall(f"server in {path} ({info['netns']})".encode())
        conn.close()
        print(f"127.0.0.1:{port} via {path:<14} -> \"{client.recv(256).decode()}\"")
        client.close()
        server.close()


if __name__ == "__main__":
    main()
