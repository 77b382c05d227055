#!/bin/sh
# Guest half of tests/capture/run.sh: capture what the host sends with
# ringtest and hand files and counters back through /out.
# Args (tg3cap.KEY=VAL): if, mtu (set on the NIC first), snaplen, seg, nsegs,
# mode, snapafter (N:LEN), promisc (1: the NIC in promiscuous mode), point
# (TG3CAP_POINT, read by tests/lib/lwpring.h),
# hold (1: fill the ring without reading), queues (virtio: ethtool -L),
# wantq (the number of rings BIND must report), perqueue (1: each ring
# holds exactly its own NIC queue's frames, queues past the rings are
# counted as drops of ring 0, see docs/abi.md), fcs (1: rx-fcs on, the
# NIC hands the FCS up), xdp (1: an XDP program drops every frame),
# self (1: the guest sends its own unicast, multicast, broadcast and
# IPv6 all-nodes packets on the interface while the host's frames
# arrive, selfsend: none may be captured, the multicast listener must
# get every one of its group's looped packets, and the IP layer's count
# leaves the looped copies out), failslab (PCT: atomic allocations
# from skbuff_head_cache fail with PCT % while the host's frames
# arrive; the boot must mark the cache, slub_debug=A,skbuff_head_cache),
# rxring (the NIC's receive descriptors for this case, ethtool -G; the
# boot's size comes back at the end, for the plan's next case).
. /lib/tg3cap/lib.sh
tg3cap_nic_mode

IF=${TG3CAP_IF:-eth0}
[ -e /dev/lwpcap ] || tg3cap_fail "no /dev/lwpcap"
# promisc=1: a SPAN port's view, frames to foreign MACs too (before the
# carrier wait: QEMU's e1000 pauses reception after an RCTL write)
if [ "${TG3CAP_PROMISC:-0}" = 1 ]; then
	ip link set "$IF" promisc on || tg3cap_fail "promisc on $IF"
fi
if [ -n "${TG3CAP_QUEUES:-}" ]; then
	ethtool -L "$IF" combined "$TG3CAP_QUEUES" ||
		tg3cap_fail "ethtool -L $IF combined $TG3CAP_QUEUES"
fi
# rss=N (tg3): N receive rings with MSI-X, set while the link is down
# (a running tg3 resets the chip for it); the indirection table follows
# once it is up: the driver keeps the one of its first open, spread over
# as many rings as the guest has CPUs
if [ -n "${TG3CAP_RSS:-}" ]; then
	ip link set "$IF" down
	ethtool -L "$IF" rx "$TG3CAP_RSS" ||
		tg3cap_fail "ethtool -L $IF rx $TG3CAP_RSS"
fi
rxring0=
if [ -n "${TG3CAP_RXRING:-}" ]; then
	rxring0=$(ethtool -g "$IF" | awk '$1 == "RX:" { n = $2 } END { print n }')
	ethtool -G "$IF" rx "$TG3CAP_RXRING" ||
		tg3cap_fail "ethtool -G $IF rx $TG3CAP_RXRING"
fi
if [ -n "${TG3CAP_MTU:-}" ]; then
	ip link set "$IF" mtu "$TG3CAP_MTU" ||
		tg3cap_fail "ip link set $IF mtu $TG3CAP_MTU"
fi
if [ "${TG3CAP_FCS:-0}" = 1 ]; then
	ethtool -K "$IF" rx-fcs on || tg3cap_fail "ethtool -K $IF rx-fcs on"
fi
xdp=
if [ "${TG3CAP_XDP:-0}" = 1 ]; then
	xdpdrop "$IF" /tmp/xdp.ready > /tmp/xdp.log 2>&1 &
	xdp=$!
	n=0
	while [ ! -e /tmp/xdp.ready ]; do
		kill -0 "$xdp" 2>/dev/null ||
			{ cat /tmp/xdp.log; dmesg | tail -n 5; tg3cap_fail "xdpdrop failed"; }
		n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "xdpdrop not ready"
		sleep 0.1
	done
	cat /tmp/xdp.log
fi
# self=1: IPv6 on this interface (the stack's own ff02::1 packets), set
# before the link comes up: its multicast filter changes then
if [ "${TG3CAP_SELF:-0}" = 1 ]; then
	echo 0 > "/proc/sys/net/ipv6/conf/$IF/disable_ipv6" ||
		tg3cap_fail "IPv6 on $IF"
fi
tg3cap_wait_carrier "$IF"
if [ -n "${TG3CAP_RSS:-}" ]; then
	ethtool -X "$IF" equal "$TG3CAP_RSS" ||
		tg3cap_fail "ethtool -X $IF equal $TG3CAP_RSS"
	# (eth0-rx-N, or eth0-txrx-N where a send ring shares the vector)
	grep -cE "$IF-(tx)?rx-[0-9]" /proc/interrupts | grep -qx "$TG3CAP_RSS" ||
		tg3cap_fail "$IF has not $TG3CAP_RSS rx vectors: $(grep "$IF" /proc/interrupts)"
fi

# "IN SELF": the IPv4 packets IP received, and those the guest itself
# multicast or broadcast, each of which also comes back through
# dev_loopback_xmit() and counts in IN (IGMP's too); read together
ipin() {
	awk '/^Ip: [0-9]/ { n = $4 }
	     /^IpExt: [A-Z]/ { for (i = 2; i <= NF; i++) c[$i] = i; next }
	     /^IpExt: [0-9]/ { s = $c["OutMcastPkts"] + $c["OutBcastPkts"] }
	     END { print n, s }' /proc/net/snmp /proc/net/netstat
}
self=
if [ "${TG3CAP_SELF:-0}" = 1 ]; then
	# an address and a neighbour that needs no ARP, on a subnet that is
	# not the host frames' (10.99.0.0/24: IP keeps dropping those)
	# (replace: a plan's earlier case may have added them)
	/usr/bin/ip addr replace 10.98.0.2/24 brd + dev "$IF" ||
		tg3cap_fail "address on $IF"
	/usr/bin/ip neigh replace 10.98.0.1 lladdr 02:00:00:00:00:01 \
		dev "$IF" nud permanent || tg3cap_fail "neighbour on $IF"
	selfsend "$IF" /tmp/self.ready > /tmp/self.log 2>&1 &
	self=$!
	n=0
	while [ ! -e /tmp/self.ready ]; do
		kill -0 "$self" 2>/dev/null ||
			{ cat /tmp/self.log; tg3cap_fail "selfsend failed"; }
		n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "selfsend not ready"
		sleep 0.1
	done
	# the group join wrote the NIC's multicast filter (rxmode), IGMP
	# repeats its report for up to 2 s and IPv6's DAD takes as long:
	# all done before the counts start
	sleep 2.5
fi

set -- -i "$IF" -o /tmp/cap --ready /tmp/rt.ready \
	-s "${TG3CAP_SNAPLEN:-1514}" --seg-size "${TG3CAP_SEG:-65536}" \
	--nr-segs "${TG3CAP_NSEGS:-64}" --mode "${TG3CAP_MODE:-default}"
[ -n "${TG3CAP_SNAPAFTER:-}" ] && set -- "$@" --snaplen-after "$TG3CAP_SNAPAFTER"
[ "${TG3CAP_HOLD:-0}" = 1 ] && set -- "$@" --hold
ringtest capture "$@" > /tmp/ringtest.log 2>&1 &
rt=$!
n=0
while [ ! -e /tmp/rt.ready ]; do
	kill -0 "$rt" 2>/dev/null || { cat /tmp/ringtest.log; tg3cap_fail "ringtest died"; }
	n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "ringtest not ready"
	sleep 0.1
done

[ "${TG3CAP_PERQUEUE:-0}" = 1 ] && ethtool -S "$IF" > /tmp/nic0.txt
# failslab=PCT: the driver's skb allocation fails now and then, and e1000
# leaves such a frame in its ring for the next poll.  Unless that
# happened (alloc_rx_buff_failed), the case proves nothing.
FS=/sys/kernel/debug/failslab
FS_TIMES=1000000	# the failures left to inject: counts them
allocfail() {
	ethtool -S "$IF" | awk '$1 == "alloc_rx_buff_failed:" { print $2 }'
}
quiet=500
if [ -n "${TG3CAP_FAILSLAB:-}" ]; then
	[ "$(cat /sys/kernel/slab/skbuff_head_cache/failslab)" = 1 ] ||
		tg3cap_fail "skbuff_head_cache not marked for failslab"
	# verbose 0: a stack dump per failure would fail the run
	for kv in verbose=0 cache-filter=Y ignore-gfp-wait=Y interval=1 \
		  "times=$FS_TIMES"; do
		echo "${kv#*=}" > "$FS/${kv%%=*}" ||
			tg3cap_fail "failslab: cannot set $kv"
	done
	af0=$(allocfail)
	# a frame left in the ring waits for the next interrupt: once the
	# traffic ends, e1000's watchdog raises one every 2 s
	quiet=2500
	echo "$TG3CAP_FAILSLAB" > "$FS/probability"
fi
rx0=$(tg3cap_stat "$IF" rx_packets)
# Frames the NIC itself did not take (QEMU's e1000: a frame needing more
# free descriptors than the ring has), counted in rx_missed_errors, more
# than once each (measured: twice); e1000 reads that register in its
# 2 s watchdog, and at once for ethtool -S.
nicdrops() {
	ethtool -S "$IF" >/dev/null 2>&1
	tg3cap_stat "$IF" rx_missed_errors
}
miss0=$(nicdrops)
c=$(ipin)
ip0=${c% *} self0=${c#* }
tg3cap_ready 1
[ -z "$self" ] || kill -USR1 "$self"
tg3cap_wait_done 1 || tg3cap_fail "host traffic command failed"
[ -z "${TG3CAP_FAILSLAB:-}" ] || echo 0 > "$FS/probability"
if [ -n "$self" ]; then
	kill -USR2 "$self"
	n=0
	until grep -q '^SELFSEND ' /tmp/self.log; do
		n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "selfsend did not stop"
		sleep 0.1
	done
fi
rx1=$(tg3cap_settle "$IF" rx_packets "$quiet")
[ "${TG3CAP_PERQUEUE:-0}" = 1 ] && ethtool -S "$IF" > /tmp/nic1.txt
c=$(ipin)
ip1=${c% *} self1=${c#* }
# (the group left only now: its IGMP reports are not counted)
if [ -n "$self" ]; then
	kill -TERM "$self"
	wait "$self" || { cat /tmp/self.log; tg3cap_fail "selfsend failed"; }
fi
sleep 0.2
kill -TERM "$rt"
wait "$rt"
rc=$?
# what arrived after the count settled (a late frame is a test-bed
# stall, not a loss: it shows up here)
rx2=$(tg3cap_stat "$IF" rx_packets)
miss1=$(nicdrops)
cat /tmp/ringtest.log
if [ -n "$xdp" ]; then
	kill -TERM "$xdp"
	wait "$xdp"
fi
cp /tmp/ringtest.log /tmp/cap.q*.pcap /out/ || tg3cap_fail "cannot copy to /out"
tot=$(grep '^TOTAL' /tmp/ringtest.log)
{
	echo "rx_delta=$((rx1 - rx0))"
	echo "rx_late=$((rx2 - rx1))"
	echo "nic_drop_delta=$((miss1 - miss0))"
	# what IP took from the wire: the looped copies left out
	echo "ip_in_delta=$((ip1 - ip0 - (self1 - self0)))"
	echo "ip_self_delta=$((self1 - self0))"
	echo "captured=$(echo "$tot" | sed -n 's/.*captured=\([0-9]*\).*/\1/p')"
	echo "drops=$(echo "$tot" | sed -n 's/.*drops=\([0-9]*\).*/\1/p')"
	echo "missed=$(echo "$tot" | sed -n 's/.*missed=\([0-9]*\).*/\1/p')"
	echo "ringtest_rc=$rc"
	if [ -n "${TG3CAP_FAILSLAB:-}" ]; then
		echo "failslab_injected=$((FS_TIMES - $(cat "$FS/times")))"
		echo "alloc_rx_buff_failed=$(($(allocfail) - af0))"
	fi
} > /out/guest.env
if [ -n "$rxring0" ]; then
	ethtool -G "$IF" rx "$rxring0" ||
		tg3cap_fail "ethtool -G $IF rx $rxring0 (the boot's size)"
fi
tg3cap_log "figures: $(tr '\n' ' ' < /out/guest.env)"
[ "$rc" = 0 ] || tg3cap_fail "ringtest capture failed ($rc)"
if [ -n "${TG3CAP_FAILSLAB:-}" ] &&
   ! grep -q '^alloc_rx_buff_failed=[1-9]' /out/guest.env; then
	tg3cap_fail "failslab never failed the driver's skb allocation"
fi
if [ -n "$self" ]; then
	cat /tmp/self.log
	cp /tmp/self.log /out/ || tg3cap_fail "cannot copy to /out"
	# enough of each kind to matter, and every packet to the group the
	# guest listens to came back to it: a capture point in divert mode
	# must not take the host's own packets from its own listeners
	awk '/^SELFSEND / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		ok = 1
		split("ucast mcast bcast v6", k, " ")
		for (i in k) if (v[k[i]] < 20) {
			printf "selfsend: only %d %s packets sent\n", v[k[i]], k[i]; ok = 0 }
		if (v["mcast_rx"] != v["mcast"]) {
			printf "selfsend: the local listener got %d of its group'"'"'s %d looped packets\n", v["mcast_rx"], v["mcast"]; ok = 0 }
		seen = 1 }
	END { exit !(seen && ok) }' /tmp/self.log ||
		tg3cap_fail "the guest's own traffic: $(tail -n 1 /tmp/self.log)"
fi
if [ "${TG3CAP_PERQUEUE:-0}" = 1 ]; then
	# ring q = NIC queue q, exactly; NIC queues >= rings -> ring 0 drops
	awk '
	FILENAME == "/tmp/nic0.txt" && /rx_queue_[0-9]+_packets:/ {
		split($1, f, "_"); n0[f[3]] = $2; next }
	FILENAME == "/tmp/nic1.txt" && /rx_queue_[0-9]+_packets:/ {
		split($1, f, "_"); d[f[3]] = $2 - n0[f[3]]
		if (f[3] + 1 > nq) nq = f[3] + 1; next }
	/^queue [0-9]+: records=/ {
		q = $2 + 0; split($3, r, "="); split($5, x, "=")
		ring[q] = r[2] + x[2]; if (q + 1 > nr) nr = q + 1 }
	END {
		bad = 0; extra = 0
		for (q = nr; q < nq; q++) extra += d[q]
		for (q = 0; q < nr; q++) {
			want = d[q] + (q == 0 ? extra : 0)
			if (ring[q] != want) {
				printf "queue %d: ring has %d, NIC queue %d\n", q, ring[q], want
				bad = 1
			}
		}
		printf "perqueue: %d rings, %d NIC queues, %d frames on queues without a ring\n", nr, nq, extra
		if (nq > nr && extra == 0) { print "no frame reached a queue without a ring"; bad = 1 }
		exit bad
	}' /tmp/nic0.txt /tmp/nic1.txt /tmp/ringtest.log ||
		tg3cap_fail "per-queue accounting"
fi
if [ -n "${TG3CAP_WANTQ:-}" ]; then
	echo "$tot" | grep -q "queues=$TG3CAP_WANTQ\$" ||
		tg3cap_fail "want $TG3CAP_WANTQ rings: $tot"
fi

tg3cap_ready 2
tg3cap_wait_done 2 || tg3cap_fail "host counter round failed"
exit 0
