#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A walk through msocket from the shell: ip netns, mount, mstack. Run as root
# with msocket.ko loaded and mstack on PATH. Cleans up after itself.
set -euo pipefail

say() { printf '\n# %s\n' "$*"; }

say "a network namespace, as usual"
ip netns add walk-lab
ip -n walk-lab link set lo up

say "name it in the file system: the mount source is the stack"
mkdir -p /dev/net/lab
mount -t msockfs -o mode=0777 netns=walk-lab /dev/net/lab
cat /dev/net/lab/netns /dev/net/lab/source
grep ' /dev/net/lab ' /proc/mounts

say "or with mstack: a new stack with a satellite TCP profile"
mstack new walk-sat --profile satellite
mstack ls

say "run a program on a stack: a web server in lab, a client in lab"
mstack /dev/net/lab busybox httpd -f -p 127.0.0.1:8000 -h /dev/net/lab &
server=$!
until mstack /dev/net/lab busybox wget -q -O /dev/null http://127.0.0.1:8000/source 2>/dev/null; do
	sleep 0.2
done
mstack /dev/net/lab busybox wget -q -O - http://127.0.0.1:8000/source
echo "(the host stack has no such server:)"
busybox wget -q -O - http://127.0.0.1:8000/source 2>&1 || true

say "expose lab's server in the satellite stack, from one process"
mstack relay --max-connections 1 /dev/net/walk-sat 127.0.0.1:8080 /dev/net/lab 127.0.0.1:8000 &
relay=$!
# wait until the relay listens (port 8080 = 1F90), without connecting to it
until mstack /dev/net/walk-sat grep -q ':1F90 .* 0A ' /proc/net/tcp; do
	sleep 0.2
done
mstack /dev/net/walk-sat busybox wget -q -O - http://127.0.0.1:8080/netns
wait $relay

say "clean up: ip netns del leaves the mounted stack working until umount"
kill $server; wait $server 2>/dev/null || true
ip netns del walk-lab
cat /dev/net/lab/netns
umount /dev/net/lab
mstack rm walk-sat
echo "walkthrough: OK"
