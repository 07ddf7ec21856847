#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "userspace": mstack, the preload shim, the samples, end to end,
# as root and as an unprivileged user. Writes TAP to $1/userspace.tap.

results=$1
tap=$results/userspace.tap
log=$results/userspace.log
B=$MSOCKET_BUILD
MSTACK=$B/bin/mstack
PY=/usr/bin/python3
USER_ID=1000
export PATH=$B/bin:$PATH
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

# wait_http URL [STACK]: until an HTTP server answers (at most 15 s)
wait_http() {
	local i
	for i in $(seq 75); do
		if ${2:+"$MSTACK" "$2"} $PY -c "import urllib.request as u; u.urlopen('$1', timeout=2)" 2>/dev/null; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}
# wait_bound STACK PORT tcp|udp: until a socket of STACK listens on (tcp) or is
# bound to (udp) PORT, at most 30 s, without connecting to it
wait_bound() {
	local pattern i
	pattern=$(printf ':%04X ' "$2")
	[ "$3" = tcp ] && pattern="$pattern.* 0A "
	for i in $(seq 150); do
		"$MSTACK" "$1" grep -q "$pattern" "/proc/net/$3" && return 0
		sleep 0.2
	done
	return 1
}
wait_listen() { wait_bound "$1" "$2" tcp; }
wait_udp() { wait_bound "$1" "$2" udp; }
netns_ino() { stat -L -c %i "$1"; }

insmod "$MSOCKET_KO" || true
mkdir -p /dev/net
ip netns add us-a && ip -n us-a link set lo up
ip netns add us-b && ip -n us-b link set lo up
mount -t msockfs -o mode=0777 netns=us-a /dev/net/us-a 2>/dev/null ||
	{ mkdir -p /dev/net/us-a /dev/net/us-b; mount -t msockfs -o mode=0777 netns=us-a /dev/net/us-a; }
mkdir -p /dev/net/us-b
mount -t msockfs -o mode=0777 netns=us-b /dev/net/us-b
ino_a=$(netns_ino /run/netns/us-a)
ino_b=$(netns_ino /run/netns/us-b)
www=$(mktemp -d /tmp/msocket-www.XXXX)
chmod 755 "$www"
echo "hello from us-a" > "$www/index.html"

# --- samples ---
contains "sample_c_two_stacks" "net:[$ino_b]" "$B/samples/two-stacks" /dev/net/us-a /dev/net/us-b 8080
contains "sample_rust_two_stacks" "net:[$ino_b]" "$B/samples/two-stacks-rs" /dev/net/us-a /dev/net/us-b 8081
contains "sample_python_stack_fd" "net:[$ino_a]" $PY "$MSOCKET_REPO/samples/python/stack_fd.py" /dev/net/us-a /dev/net/us-b 8082
contains "sample_shell_walkthrough" "walkthrough: OK" bash "$MSOCKET_REPO/samples/shell/walkthrough.sh"

# --- a server in us-a, run by mstack as root (setns) ---
"$MSTACK" /dev/net/us-a $PY -m http.server 8000 --bind 127.0.0.1 --directory "$www" >&4 2>&4 &
server=$!
wait_http http://127.0.0.1:8000/ /dev/net/us-a
contains "root_static_busybox_client_via_setns" "hello from us-a" \
	"$MSTACK" /dev/net/us-a busybox wget -q -O - http://127.0.0.1:8000/
status "native_stack_does_not_see_it" 1 "Connection refused" \
	$PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/', timeout=5)"
contains "unprivileged_dynamic_client_via_preload_stack" "hello from us-a" \
	as_user "$MSTACK" --preload /dev/net/us-a $PY -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:8000/').read().decode())"
contains "unprivileged_preload_without_mstack" "hello from us-a" \
	as_user env LD_PRELOAD="$B/lib/libmsocket-preload.so" MSOCKET_STACK=/dev/net/us-a \
	$PY -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:8000/').read().decode())"
status "unprivileged_static_preload_says_why" 126 "statically linked" \
	as_user "$MSTACK" --preload /dev/net/us-a busybox wget -q -O - http://127.0.0.1:8000/
contains "unprivileged_static_busybox_client_via_supervisor" "hello from us-a" \
	as_user "$MSTACK" /dev/net/us-a busybox wget -q -O - http://127.0.0.1:8000/
contains "verbose_says_how" "supervising" as_user bash -c "'$MSTACK' -v /dev/net/us-a true 2>&1"
contains "verbose_says_how_preload" "preloading" as_user bash -c "'$MSTACK' -v --preload /dev/net/us-a true 2>&1"
contains "verbose_says_how_root" "entered the network namespace" bash -c "'$MSTACK' -v /dev/net/us-a true 2>&1"

# --- per-family defaults (View-OS -o): only IPv6 goes to us-b ---
cookie_py="import socket; print(socket.socket(socket.AF_INET).getsockopt(1, 71, 8).hex(), socket.socket(socket.AF_INET6).getsockopt(1, 71, 8).hex())"
native=$($PY -c "$cookie_py")
fam=$("$MSTACK" -o ipv6 /dev/net/us-b $PY -c "$cookie_py")
all=$("$MSTACK" /dev/net/us-b $PY -c "$cookie_py")
echo "cookies native=$native -o ipv6=$fam all=$all" >&4
if [ "${fam%% *}" = "${native%% *}" ] && [ "${fam##* }" = "${all##* }" ] && [ "${fam##* }" != "${native##* }" ]; then
	ok "per_family_default_ipv6_only"
else
	fail "per_family_default_ipv6_only"
fi
fam=$("$MSTACK" -o ip,-ipv6 /dev/net/us-b $PY -c "$cookie_py")
if [ "${fam%% *}" = "${all%% *}" ] && [ "${fam##* }" = "${native##* }" ]; then
	ok "per_family_default_ip_minus_ipv6"
else
	fail "per_family_default_ip_minus_ipv6"
fi
status "bad_family_list" 2 "unknown protocol family" "$MSTACK" -o nosuch /dev/net/us-b true

# --- the shim's defaults survive fork and exec (through mstack) ---
contains "default_inherited_by_grandchild" "$(echo "$all" | cut -d' ' -f1)" \
	as_user "$MSTACK" /dev/net/us-b sh -c "sh -c '$PY -c \"$cookie_py\"'"

# --- mstack mount / umount ---
check "mount_by_name" "$MSTACK" mount us-a /dev/net/m1 --mode 0750 --uid $USER_ID
contains "mount_by_name_proc_mounts" "netns=us-a /dev/net/m1 msockfs rw,relatime,uid=$USER_ID,gid=0,mode=750" cat /proc/mounts
check "mount_by_path" "$MSTACK" mount /run/netns/us-b /dev/net/m2
contains "mount_by_path_netns" "net:[$ino_b]" cat /dev/net/m2/netns
sleep 60 &
parked=$!
check "mount_by_pid_pidfd" "$MSTACK" mount --pid $parked /dev/net/m3
contains "mount_by_pid_netns" "net:[$(netns_ino /proc/$parked/ns/net)]" cat /dev/net/m3/netns
kill $parked
exec 7< /run/netns/us-a
check "mount_by_fd" "$MSTACK" mount --fd 7 /dev/net/m4
exec 7<&-
contains "mount_by_fd_netns" "net:[$ino_a]" cat /dev/net/m4/netns
check "mount_current" "$MSTACK" mount --current /dev/net/m5
status "mount_missing_netns" 1 "cannot open netns" "$MSTACK" mount no-such-ns /dev/net/m6
status "mount_not_nsfs" 1 "not an nsfs file" "$MSTACK" mount /etc/passwd /dev/net/m6
status "mount_unprivileged_denied" 1 "Operation not permitted" as_user "$MSTACK" mount --current /tmp/m7-$$
for m in m1 m2 m3 m4 m5; do
	check "umount_$m" "$MSTACK" umount /dev/net/$m
done
status "umount_not_a_stack" 2 "is not a stack" "$MSTACK" umount /tmp
status "run_not_a_stack" 1 "Operation not supported" "$MSTACK" /tmp true
status "run_missing_stack" 1 "No such file" "$MSTACK" /no/such true
status "run_missing_command" 127 "command not found" "$MSTACK" /dev/net/us-a no-such-cmd
# a CMD named like a subcommand runs on the stack, its options untouched
contains "run_cmd_named_like_subcommand" "net:[$ino_a]" "$MSTACK" /dev/net/us-a ls -l /proc/self/ns/net
mkdir -p /dev/net/us-c
mount -t msockfs -o mode=0700 netns=us-b /dev/net/us-c
status "run_no_permission_static" 1 "Permission denied" as_user "$MSTACK" /dev/net/us-c busybox true
status "run_no_permission_dynamic" 1 "Permission denied" \
	as_user "$MSTACK" /dev/net/us-c $PY -c "import socket; socket.socket()"
umount /dev/net/us-c
mount -t msockfs -o mode=0755 netns=us-b /dev/net/us-c
status "run_read_only_permission" 1 "Permission denied" as_user "$MSTACK" /dev/net/us-c true
umount /dev/net/us-c

# --- mstack new / ls / rm ---
check "new_satellite" "$MSTACK" new us-sat --profile satellite
contains "new_netns_visible_to_ip_netns" "us-sat" ip netns list
contains "new_profile_tcp_congestion" "hybla" \
	"$MSTACK" /dev/net/us-sat $PY -c "import socket; print(socket.socket().getsockopt(6, 13, 16).rstrip(b'\0').decode())"
contains "new_profile_sysctl_in_netns" "67108864" ip netns exec us-sat cat /proc/sys/net/ipv4/tcp_rmem
check "new_custom_sysctl" "$MSTACK" new us-leg --profile legacy --sysctl net.ipv4.tcp_ecn=2
contains "new_custom_sysctl_value" "2" ip netns exec us-leg cat /proc/sys/net/ipv4/tcp_ecn
contains "new_legacy_reno" "reno" ip netns exec us-leg cat /proc/sys/net/ipv4/tcp_congestion_control
status "new_unknown_profile" 2 "unknown profile" "$MSTACK" new us-x --profile nosuch
status "new_exists" 1 "exists already" "$MSTACK" new us-sat
"$MSTACK" ls --json > "$results/ls.json" 2>&4
check "ls_json_parses" $PY -c "
import json, sys
doc = json.load(open('$results/ls.json'))
assert doc['version'] == 1, doc
stacks = {s['path']: s for s in doc['stacks']}
s = stacks['/dev/net/us-sat']
assert s['profile'] == 'satellite', s
assert s['netns_name'] == 'us-sat', s
assert any(i['name'] == 'lo' and i['up'] and '127.0.0.1/8' in i['addresses'] for i in s['interfaces']), s
a = stacks['/dev/net/us-a']
assert a['netns'] == 'net:[$ino_a]' and a['mode'] == '0777', a
"
contains "ls_table" "/dev/net/us-sat" "$MSTACK" ls
contains "ls_unprivileged" "/dev/net/us-a" as_user "$MSTACK" ls

# --- mstack relay: us-a's server exposed in us-b, by an unprivileged user ---
as_user "$MSTACK" relay --max-connections 2 /dev/net/us-b 127.0.0.1:9000 /dev/net/us-a 127.0.0.1:8000 >&4 2>&4 &
relay=$!
wait_listen /dev/net/us-b 9000
contains "relay_tcp_unprivileged" "hello from us-a" "$MSTACK" /dev/net/us-b busybox wget -q -O - http://127.0.0.1:9000/
contains "relay_tcp_second_connection" "hello from us-a" "$MSTACK" /dev/net/us-b busybox wget -q -O - http://127.0.0.1:9000/index.html
if timeout 10 tail --pid=$relay -f /dev/null; then ok "relay_stops_after_max_connections"; else fail "relay_stops_after_max_connections"; kill $relay; fi
# UDP: an echo server in us-a, a client in us-b, the relay between
"$MSTACK" /dev/net/us-a $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 5300)); s.settimeout(30)
while True:
    d, a = s.recvfrom(100); s.sendto(b'echo ' + d, a)
" >&4 2>&4 &
echo_srv=$!
wait_udp /dev/net/us-a 5300
as_user "$MSTACK" relay --udp --idle-timeout 10 /dev/net/us-b 127.0.0.1:5400 /dev/net/us-a 127.0.0.1:5300 >&4 2>&4 &
relay=$!
wait_udp /dev/net/us-b 5400
contains "relay_udp" "echo ping" "$MSTACK" /dev/net/us-b $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
for _ in range(30):  # the relay and the echo server may still be starting
    s.sendto(b'ping', ('127.0.0.1', 5400))
    try:
        print(s.recv(100).decode()); break
    except TimeoutError:
        pass"
if timeout 40 tail --pid=$relay -f /dev/null; then ok "relay_udp_idle_timeout"; else fail "relay_udp_idle_timeout"; kill $relay; fi
kill $echo_srv 2>/dev/null
status "relay_bad_address" 2 "expected ADDR:PORT" "$MSTACK" relay /dev/net/us-a nope /dev/net/us-b 1
status "relay_no_permission" 1 "Permission denied" as_user "$MSTACK" relay /dev/net/us-a 1 /dev/net/us-sat 2

# --- an uplink through a userspace stack (slirp4netns): reach the host ---
$PY -m http.server 9100 --bind 127.0.0.1 --directory "$www" >&4 2>&4 &
host_srv=$!
wait_http http://127.0.0.1:9100/
if command -v slirp4netns > /dev/null; then
	check "new_with_slirp4netns_uplink" "$MSTACK" new us-up --uplink slirp4netns
	contains "uplink_interface" "10.0.2.100" ip -n us-up -4 addr show tap0
	contains "uplink_reaches_host_through_slirp" "hello from us-a" \
		"$MSTACK" /dev/net/us-up busybox wget -q -O - http://10.0.2.2:9100/
	contains "ls_shows_uplink_address" "10.0.2.100/24" "$MSTACK" ls
	check "rm_with_uplink" "$MSTACK" rm us-up
	check "uplink_gone" sh -c "! ip netns exec us-up true 2>/dev/null && ! pgrep -x slirp4netns"
else
	echo "ok $((n + 1)) new_with_slirp4netns_uplink # SKIP slirp4netns not installed" >&3
	n=$((n + 1))
fi
kill $host_srv 2>/dev/null

check "rm_satellite" "$MSTACK" rm us-sat
check "rm_legacy" "$MSTACK" rm us-leg
status "rm_unknown" 1 "no stack named" "$MSTACK" rm us-none
status "rm_gone_from_ip_netns" 1 "" sh -c "ip netns list | grep -q us-sat"

# --- the tool's own surface ---
contains "help_has_examples" "mstack new sat --profile satellite" "$MSTACK" --help
status "no_arguments_is_usage" 2 "Usage: mstack" "$MSTACK"
check "bash_completion_parses" bash -n <("$MSTACK" completions bash)
contains "zsh_completion" "#compdef mstack" "$MSTACK" completions zsh
contains "fish_completion" "complete -c mstack" "$MSTACK" completions fish
contains "profiles_listed" "net.ipv4.tcp_congestion_control = hybla" "$MSTACK" new --profiles
check "man_mstack_renders" sh -c "man -l '$MSOCKET_REPO/Documentation/man/mstack.8' 2>/dev/null | grep -q relay || groff -man -Tutf8 '$MSOCKET_REPO/Documentation/man/mstack.8' | grep -q relay"
check "man_msocket_renders" sh -c "man -l '$MSOCKET_REPO/Documentation/man/msocket.3' 2>/dev/null | grep -q SOCK_DEFAULT || groff -man -Tutf8 '$MSOCKET_REPO/Documentation/man/msocket.3' | grep -q SOCK_DEFAULT"
check "pkg_config_file" grep -q "Libs: -L\${libdir} -lmsocket" "$B/lib/pkgconfig/msocket.pc"

kill $server 2>/dev/null
wait 2>/dev/null
umount /dev/net/us-a /dev/net/us-b
ip netns del us-a
ip netns del us-b
rm -rf "$www"
finish
rmmod msocket 2>/dev/null || true
exit 0
