#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A DNS server for the guest tests: answers every A query with one
address and every other query with no answer (NOERROR).

    dns-answer.py LISTEN_ADDR ANSWER_IPV4
"""
import socket
import struct
import sys

listen, answer = sys.argv[1], socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((listen, 53))
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    qid, _, qdcount = struct.unpack("!HHH", q[:6])
    i = 12
    while i < len(q) and q[i]:
        i += q[i] + 1
    if qdcount != 1 or i + 5 > len(q):
        continue
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    an = 1 if qtype == 1 else 0
    r = struct.pack("!HHHHHH", qid, 0x8180, 1, an, 0, 0) + question
    if an:
        r += struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + answer
    s.sendto(r, peer)
