#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test set "vpn": the seed's example end to end. `mstack new vpn --uplink
# wireguard:CONF` makes a stack whose only way out is a WireGuard tunnel to a
# peer in another network namespace (the "internet": a veth pair away from
# the caller's stack); one unprivileged user runs the same client on the VPN
# stack and on the plain stack at once, and each reaches its own server at
# the same address. Writes TAP to $1/vpn.tap.

results=$1
tap=$results/vpn.tap
log=$results/vpn.log
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"
B=$MSOCKET_BUILD
MSTACK=$B/bin/mstack
PY=/usr/bin/python3
tmp=$(mktemp -d /tmp/msocket-vpn.XXXX)
chmod 755 "$tmp"
pids=()

if ! command -v wg > /dev/null; then
	skip "vpn" "wg(8) not installed (wireguard-tools)"
	finish
	exit 0
fi
insmod "$MSOCKET_KO" 2>/dev/null || true
mkdir -p /dev/net

# The peer: namespace wgpeer, 10.99.0.2 on a veth to the caller's 10.99.0.1;
# its tunnel address 10.66.0.1 serves a banner and DNS.
ip netns add wgpeer
ip link add vpeer0 type veth peer name vpeer1
ip link set vpeer1 netns wgpeer
ip addr add 10.99.0.1/24 dev vpeer0
ip link set vpeer0 up
ip -n wgpeer addr add 10.99.0.2/24 dev vpeer1
ip -n wgpeer link set vpeer1 up
ip -n wgpeer link set lo up
umask 077
wg genkey > "$tmp/peer.key"
wg genkey > "$tmp/client.key"
umask 022
peer_pub=$(wg pubkey < "$tmp/peer.key")
client_pub=$(wg pubkey < "$tmp/client.key")
ip -n wgpeer link add wg0 type wireguard
ip netns exec wgpeer wg set wg0 private-key "$tmp/peer.key" listen-port 51820 \
	peer "$client_pub" allowed-ips 10.66.0.2/32
ip -n wgpeer addr add 10.66.0.1/24 dev wg0
ip -n wgpeer link set wg0 up
ip netns exec wgpeer $PY "$here/banner.py" 10.66.0.1 8080 "via the tunnel" >&4 2>&4 &
pids+=($!)
ip netns exec wgpeer $PY "$here/dns-answer.py" 10.66.0.1 10.66.0.1 >&4 2>&4 &
pids+=($!)
# The plain stack's own server at the same address.
ip link add plain0 type dummy
ip addr add 10.66.0.1/32 dev plain0
ip link set plain0 up
$PY "$here/banner.py" 10.66.0.1 8080 "plain stack" >&4 2>&4 &
pids+=($!)

cat > "$tmp/wg-vpn.conf" <<EOF
# the client side, wg-quick style
[Interface]
PrivateKey = $(cat "$tmp/client.key")
Address = 10.66.0.2/32
DNS = 10.66.0.1, vpn.test

[Peer]
PublicKey = $peer_pub
Endpoint = 10.99.0.2:51820
AllowedIPs = 0.0.0.0/0
EOF

links_before=$(ip -o link show | wc -l)
check "new_with_wireguard_uplink" "$MSTACK" new vpn --uplink "wireguard:$tmp/wg-vpn.conf" --mode 0777
contains "interface_in_the_stack" "10.66.0.2/32" ip -n vpn -o addr show dev wg-vpn
contains "interface_mtu" "mtu 1420" ip -n vpn link show dev wg-vpn
contains "default_route_through_the_tunnel" "default dev wg-vpn" ip -n vpn route
status "interface_not_in_the_callers_stack" 1 "" ip link show dev wg-vpn
expect "nothing_left_in_the_callers_stack" "$links_before" sh -c "ip -o link show | wc -l"
contains "dns_from_the_config" "nameserver 10.66.0.1" cat /etc/netns/vpn/resolv.conf
contains "search_from_the_config" "search vpn.test" cat /etc/netns/vpn/resolv.conf
wait_tunnel() {
	local i
	for i in $(seq 100); do
		[ "$(as_user "$MSTACK" /dev/net/vpn busybox nc -w 3 10.66.0.1 8080 2>/dev/null)" = "via the tunnel" ] && return 0
		sleep 0.2
	done
	return 1
}
check "tunnel_comes_up" wait_tunnel
expect "vpn_client_unprivileged" "via the tunnel" as_user "$MSTACK" /dev/net/vpn busybox nc 10.66.0.1 8080
expect "plain_client" "plain stack" as_user busybox nc 10.66.0.1 8080

# The seed's example: the same client on both stacks at once.
as_user "$MSTACK" /dev/net/vpn busybox nc 10.66.0.1 8080 > "$tmp/vpn.out" 2>&4 &
a=$!
as_user busybox nc 10.66.0.1 8080 > "$tmp/plain.out" 2>&4 &
b=$!
wait $a $b
expect "seed_example_vpn_side" "via the tunnel" cat "$tmp/vpn.out"
expect "seed_example_plain_side" "plain stack" cat "$tmp/plain.out"
expect "seed_example_python_vpn_side" "via the tunnel" as_user "$MSTACK" /dev/net/vpn $PY -c "
import socket
print(socket.create_connection(('10.66.0.1', 8080), timeout=10).recv(100).decode().strip())"

contains "handshake_done" "$peer_pub" ip netns exec vpn wg show wg-vpn latest-handshakes
contains "encrypted_udp_leaves_through_the_callers_stack" "10.99.0.1:" \
	ip netns exec wgpeer wg show wg0 endpoints
expect "names_resolve_through_the_tunnel" "10.66.0.1" \
	as_user "$MSTACK" /dev/net/vpn sh -c "getent hosts vpn.test | awk '{ print \$1 }'"
contains "the_stack_routes_the_peer_network_through_the_tunnel" "dev wg-vpn" \
	ip -n vpn route get 10.99.0.2
contains "ls_shows_the_tunnel" "10.66.0.2/32" "$MSTACK" ls

check "rm_tears_it_down" "$MSTACK" rm vpn
check "rm_removed_the_interface" sh -c "! ip netns exec vpn true 2>/dev/null && [ -z \"\$(ip -d -o link show type wireguard)\" ]"
check "rm_removed_the_dns_files" sh -c "! test -e /etc/netns/vpn"

# Bad configurations change nothing.
status "config_missing" 1 "No such file" "$MSTACK" new vpn2 --uplink wireguard:/no/such.conf
printf '[Interface]\nPrivateKey = %s\nPostUp = iptables -F\n' "$(cat "$tmp/client.key")" > "$tmp/hook.conf"
status "config_with_hook_refused" 2 "runs no scripts" "$MSTACK" new vpn2 --uplink "wireguard:$tmp/hook.conf"
sed 's/^Endpoint = .*/Endpoint = no-such-host.invalid:51820/' "$tmp/wg-vpn.conf" > "$tmp/bad-endpoint.conf"
status "unresolvable_endpoint" 1 "no-such-host.invalid" "$MSTACK" new vpn2 --uplink "wireguard:$tmp/bad-endpoint.conf"
check "failed_new_left_nothing" sh -c "! ip netns exec vpn2 true 2>/dev/null && [ -z \"\$(ip -d -o link show type wireguard)\" ] && ! test -e /dev/net/vpn2/netns"

kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
ip link del vpeer0
ip link del plain0
ip netns del wgpeer
rm -rf "$tmp"
finish
rmmod msocket 2>/dev/null || true
exit 0
