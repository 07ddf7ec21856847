#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One process, two network stacks, with the msocket package
(pip install tools/python): the same 127.0.0.1 port served and reached in
each stack; then a stack handle passed to a child process, which creates its
sockets with it (the delegation a handle is for).

    python3 two_stacks.py /dev/net/lan /dev/net/vpn [port]

stack_fd.py beside it does the first part with the standard library alone.
"""

import os
import socket
import sys

import msocket


def main():
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} STACK1 STACK2 [PORT]")
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 8080
    for path in sys.argv[1:3]:
        with msocket.Stack(path) as stack:
            netns = f"net:[{stack.info().netns_ino}]"
            with stack.create_server(("127.0.0.1", port)) as server, \
                    stack.create_connection(("127.0.0.1", port)) as client:
                conn, _ = server.accept()
                with conn:
                    conn.sendall(f"server in {path} ({netns})".encode())
                print(f"127.0.0.1:{port} via {path:<14} -> \"{client.recv(256).decode()}\"")

    # Delegation: a handle lets a child create sockets in the second stack,
    # and do nothing else with it (a stack directory fd would be a path).
    handle = msocket.Handle(sys.argv[2])
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        parent.close()
        _, fds, _, _ = socket.recv_fds(child, 16, 1)
        with msocket.Handle.from_fd(fds[0]) as received, \
                received.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            child.sendall(str(msocket.netns_cookie(s)).encode())
        os._exit(0)
    child.close()
    socket.send_fds(parent, [b"handle"], [handle.fileno()])
    cookie = int(parent.recv(32))
    os.waitpid(pid, 0)
    with msocket.Stack(sys.argv[2]) as stack:
        same = cookie == stack.info().netns_cookie
    print(f"child's socket through the handle: in {sys.argv[2]}: {'yes' if same else 'NO'}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
