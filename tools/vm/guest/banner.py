#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A TCP server for the guest tests: to every connection it writes one line
(the banner, naming the stack it runs in) and closes it.

    banner.py ADDR PORT BANNER
"""
import socket
import sys

addr, port, banner = sys.argv[1], int(sys.argv[2]), sys.argv[3]
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(128)
line = (banner + "\n").encode()
while True:
    c, _ = s.accept()
    try:
        c.sendall(line)
    except OSError:
        pass
    c.close()
