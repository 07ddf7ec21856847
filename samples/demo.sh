#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The msocket demo (make demo runs it in the VM): load the module, name two
# network stacks in the file system, use both from one process.
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
BUILD=$REPO/build
export LD_LIBRARY_PATH=$BUILD/lib

step() { printf '\n$ %s\n' "$*"; }
show() { step "$*"; eval "$*"; }

show "insmod $REPO/msocket.ko"
show "dmesg | grep -E '^\\[ *[0-9.]+\\] *(# msocket|ok [0-9]+ msocket|not ok|msocket)' | sed 's/^\\[[^]]*\\] //'"
show "grep msockfs /proc/filesystems; ls -l /dev/msocket"

show "ip netns add lan && ip netns add vpn"
show "ip -n lan link set lo up && ip -n vpn link set lo up"
show "mkdir -p /dev/net/lan /dev/net/vpn"
show "mount -t msockfs netns=lan /dev/net/lan"
show "mount -t msockfs -o mode=0770 netns=vpn /dev/net/vpn"
show "grep msockfs /proc/mounts"
show "ls -la /dev/net/vpn; cat /dev/net/vpn/netns /dev/net/vpn/source; readlink /proc/self/ns/net"
show "stat -f -c 'type %t' /dev/net/lan"

step "two-stacks /dev/net/lan /dev/net/vpn 8080   # one process, two stacks, the same port"
"$BUILD/samples/two-stacks" /dev/net/lan /dev/net/vpn 8080

show "ip netns del vpn; cat /dev/net/vpn/netns   # the mount keeps the stack alive"
"$BUILD/samples/two-stacks" /dev/net/lan /dev/net/vpn 8081

show "umount /dev/net/lan /dev/net/vpn && ip netns del lan && rmmod msocket"
echo
echo "msocket demo: OK"
