#!/bin/sh
# Guest side of tests/vm/qemu/selftest.sh: stage 1 tests (1)-(4) of
# docs/qemu-tg3.md (d) on the stock tg3 and the BCM5719 model, and with
# tg3cap.irq=msix the stage 3 tests (MSI-X, RSS over 4 rings).  The host
# half is tests/vm/qemu/stage1-host.sh (run-vm.sh --host-cmd, inside
# run-vm.sh's netns: its address is 10.0.0.1 on tap0, ours 10.0.0.2).
#
# One line "TG3CAP-CHECK ok|FAIL NAME: detail" per check on the console
# (selftest.sh counts them; a check that never printed counts as failed
# there), and the test fails if any failed.  A failed check does not end
# the test where the next one can still say something.
#   driver    eth0 is tg3's
#   link      carrier within 3 s of "ip link set up", 1000 full
#   irq       eth0's one interrupt ("eth0") is PCI-MSI (tg3cap.irq=msi,
#             the model without MSI-X) or IO-APIC (tg3cap.irq=intx, the
#             boot has pci=nomsi); tg3cap.irq=msix: after
#             "ethtool -L eth0 rx 4" five PCI-MSI vectors eth0-tx-0 (link
#             and TX) and eth0-rx-1..4 (return rings 0..3), nothing else
#   channels  (msix) ethtool -l says RX 4 after ethtool -L eth0 rx 4
#             (and ethtool -X eth0 equal 4, see channels4)
#   rss-udp   (msix) the host sends TG3CAP_UDPN (4000) UDP frames in
#             2048 flows (IPv4 and IPv6, 1024 source ports each) at
#             1000/s (round udp4): rx_packets
#             grows by exactly that (a few more allowed for ARP),
#             rx_discards not, and each of eth0-rx-1..4 took interrupts
#   rss-indir (msix) ethtool -X eth0 equal 2, the same with 2000 frames
#             (round udp2): all arrive, rx-1 and rx-2 take interrupts,
#             rx-3 and rx-4 none (the indirection table is obeyed);
#             then ethtool -X eth0 default
#   tcp-flows (msix) 8 TCP connections at once from the host (round
#             tcp8), 512 KiB each: every one's length + md5 right
#   ping-h2g  host pings us (round ping), 0 loss
#   ping-g2h  we ping the host, 0 loss
#   tcp-g2h   4 MiB to the host's nc (round g2h): TSO frames from the
#             driver, cut by the model; length + md5 match, and no
#             segment retransmitted (TCP delivers the right bytes even
#             when the model mangles segments: the peer drops them and
#             we retransmit; on this tap nothing else loses a segment)
#   tcp-h2g   4 MiB from the host to our nc (round h2g); length + md5
#   updown    (tg3cap.full=1) ip link set down/up x 10, carrier back
#             each time, ping afterwards
#   reload    (tg3cap.full=1) rmmod tg3 + insmod x 3, link, ping (msix:
#             and ethtool -L eth0 rx 4 each time, 5 vectors again)
#   dmesg     no "timed out" and no WARN in dmesg
# shellcheck disable=SC1091 # guest path
. /lib/tg3cap/lib.sh

HOST=10.0.0.1 ME=10.0.0.2
PINGS=${TG3CAP_PINGS:-200}
IRQ=${TG3CAP_IRQ:-msi}
UDPN=${TG3CAP_UDPN:-4000}
NFAIL=0
ck() { # name ok(1|0) detail
	if [ "$2" = 1 ]; then
		echo "TG3CAP-CHECK ok $1: $3"
	else
		echo "TG3CAP-CHECK FAIL $1: $3"
		NFAIL=$((NFAIL + 1))
	fi
}
# tcpstat NAME: the Tcp: counter NAME of /proc/net/snmp
tcpstat() {
	awk -v k="$1" '$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++)
		n[i] = $i; h = 1; next }
		$1 == "Tcp:" { for (i = 2; i <= NF; i++) if (n[i] == k) print $i }' \
		/proc/net/snmp
}
now_cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }

# carrier SEC: wait up to SEC s for carrier on eth0; prints the wait in
# centiseconds (uptime, the guest's clock); status 1 if it never came
carrier() {
	_t0=$(now_cs) _n=$(($1 * 20))
	while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ]; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || { echo $(($(now_cs) - _t0)); return 1; }
		sleep 0.05
	done
	echo $(($(now_cs) - _t0))
}

# irqs NAME...: the interrupt counts of eth0-NAME (summed over the
# CPUs), space-separated, in the order given; "-" for a vector not there
irqs() {
	for _v; do
		awk -v n="eth0-$_v" '$NF == n { s = 0
			for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
			print s; f = 1 }
			END { if (!f) print "-" }' /proc/interrupts
	done | tr '\n' ' '
}
rxpk() { cat /sys/class/net/eth0/statistics/rx_packets; }
# rx_discards of ethtool -S: the model's RCVLPC_IN_DISCARDS_CNT, added up
# by the driver once a second (tg3_periodic_fetch_stats)
discards() { ethtool -S eth0 | awk '$1 == "rx_discards:" { print $2 }'; }

# vectors: eth0's vectors as /proc/interrupts names them, in order
vectors() {
	awk '$NF ~ /^eth0(-|$)/ { printf "%s%s", s, $NF; s = " " }' \
		/proc/interrupts
}

# channels4: ethtool -L eth0 rx 4 (tg3_set_channels restarts the chip),
# wait for the link, ethtool -X eth0 equal 4; status 1 if one failed.
# The -X is the driver's due, not the model's: open with the default 2
# rings has cut the indirection table to 0,1,0,1,... and after -L a
# table whose entries are all below the new ring count is kept
# (tg3_rss_check_indir_tbl, tg3.c:9822-9842), so rings 2-3 would get
# nothing (seen: UDP on rx-1 and rx-2 only)
channels4() {
	ethtool -L eth0 rx 4 || return 1
	carrier 20 > /dev/null || return 1
	ethtool -X eth0 equal 4
}

# udpround TAG N: the host sends N UDP frames (round TAG); sets HST (its
# status), GOT (rx_packets delta), DISC (rx_discards delta) and DIRQ
# (interrupt deltas of eth0-rx-1..4, space-separated)
udpround() {
	_i0=$(irqs rx-1 rx-2 rx-3 rx-4) _p0=$(rxpk) _d0=$(discards)
	tg3cap_ready "$1"
	HST=0
	tg3cap_wait_done "$1" 300 || HST=$?
	_n=100
	while [ $(($(rxpk) - _p0)) -lt "$2" ] && [ "$_n" -gt 0 ]; do
		_n=$((_n - 1)); sleep 0.1
	done
	sleep 2		# one more statistics tick for rx_discards
	GOT=$(($(rxpk) - _p0)) DISC=$(($(discards) - _d0))
	# shellcheck disable=SC2046,SC2086 # word lists on purpose
	DIRQ=$(set -- $(irqs rx-1 rx-2 rx-3 rx-4)
		for _a in $_i0; do printf '%s ' $(($1 - _a)); shift; done)
	DIRQ=${DIRQ% }
}

# pingok N: ping the host N times (busybox ping); 0 loss
pingok() {
	_o=$(ping -c "$1" -i 0.02 -W 5 "$HOST" 2>&1)
	tg3cap_log "$(echo "$_o" | tail -n 2 | tr '\n' ' ')"
	echo "$_o" | grep -q "$1 packets received, 0% packet loss"
}

[ -e /sys/class/net/eth0 ] || tg3cap_fail "no eth0 (tg3 did not probe?)"
drv=$(readlink /sys/class/net/eth0/device/driver)
if [ "${drv##*/}" = tg3 ]; then
	ck driver 1 "eth0 is tg3's, $(cat /sys/class/net/eth0/address)"
else
	ck driver 0 "eth0 driver is ${drv##*/}"
	tg3cap_fail "eth0 is not tg3's"
fi

# (2) link: the 3 s of the plan.  Wait up to 20 s regardless, so a slow
# link still lets the rest run (TCG on a shared host).
ip link set eth0 up || tg3cap_fail "ip link set eth0 up"
if cs=$(carrier 20); then
	sp="$(cat /sys/class/net/eth0/speed) $(cat /sys/class/net/eth0/duplex)"
	ok=0
	[ "$cs" -le 300 ] && [ "$sp" = "1000 full" ] && ok=1
	ck link $ok "carrier $cs cs after link set up, $sp"
else
	ck link 0 "no carrier within 20 s"
	tg3cap_fail "no link"
fi
# the driver's "Link is up" line comes a little after carrier: wait for
# it so the host sees it on the console
n=50
while ! dmesg | grep -q 'tg3 .* eth0: Link is up' && [ "$n" -gt 0 ]; do
	n=$((n - 1)); sleep 0.1
done

# (stage 3) tg3 takes DIV_ROUND_UP(CPUs, 2) rings by default: 2 here
# (docs/tg3-model.md 6.3); four only through ethtool -L
if [ "$IRQ" = msix ]; then
	if channels4; then
		c=$(ethtool -l eth0 | awk '/^Current/ { c = 1 }
			c && $1 == "RX:" { print $2 }')
		if [ "$c" = 4 ]; then
			ck channels 1 "ethtool -L eth0 rx 4: RX 4, link back,\
 -X equal 4"
		else
			ck channels 0 "ethtool -l eth0 says RX '$c'"
		fi
	else
		ck channels 0 "ethtool -L eth0 rx 4, the link after it or\
 -X equal 4 failed"
	fi
fi

case $IRQ in
msi) want=PCI-MSI ;;
msix) want=PCI-MSI ;;	# 6.1 names MSI-X vectors PCI-MSI too
*) want=IO-APIC ;;
esac
if [ "$IRQ" = msix ]; then
	vec=$(vectors)
	irq=$(grep -E ' eth0-(tx|rx)-[0-9]+$' /proc/interrupts | tr -s ' ')
	if [ "$vec" = "eth0-tx-0 eth0-rx-1 eth0-rx-2 eth0-rx-3 eth0-rx-4" ] &&
	   [ "$(echo "$irq" | grep -c "$want")" = 5 ]; then
		ck irq 1 "$want: $vec"
	else
		ck irq 0 "want eth0-tx-0 eth0-rx-1..4 on $want: '$irq'"
	fi
else
	# one vector named eth0: not MSI-X's eth0-tx-0/eth0-rx-N
	irq=$(awk '$NF == "eth0"' /proc/interrupts | tr -s ' ')
	case $irq in
	*"$want"*) ck irq 1 "$irq" ;;
	*) ck irq 0 "eth0 not one vector on $want: '$(vectors)' '$irq'" ;;
	esac
fi

ip addr add "$ME/24" dev eth0 || tg3cap_fail "ip addr add"

# (stage 3) RSS: many UDP flows reach all four rings, the indirection
# table decides.  Before any IP traffic: the ARP probes that follow the
# pings (the host's neighbour entry going DELAY -> PROBE) would add a
# few frames to the count
if [ "$IRQ" = msix ]; then
	udpround udp4 "$UDPN"
	ok=1
	[ "$HST" = 0 ] && [ "$GOT" -ge "$UDPN" ] &&
		[ "$GOT" -le $((UDPN + 5)) ] && [ "$DISC" = 0 ] || ok=0
	for d in $DIRQ; do [ "$d" -gt 0 ] 2>/dev/null || ok=0; done
	ck rss-udp $ok "host status $HST, sent $UDPN in 2048 flows,\
 rx_packets +$GOT, rx_discards +$DISC, interrupts rx-1..4 +($DIRQ)"

	if ethtool -X eth0 equal 2; then
		udpround udp2 2000
		ok=1
		[ "$HST" = 0 ] && [ "$GOT" -ge 2000 ] &&
			[ "$GOT" -le 2005 ] && [ "$DISC" = 0 ] || ok=0
		# shellcheck disable=SC2086 # word list on purpose
		set -- $DIRQ
		[ "$1" -gt 0 ] 2>/dev/null && [ "$2" -gt 0 ] 2>/dev/null &&
			[ "$3" = 0 ] && [ "$4" = 0 ] || ok=0
		ck rss-indir $ok "equal 2: host status $HST, sent 2000,\
 rx_packets +$GOT, rx_discards +$DISC, interrupts rx-1..4 +($DIRQ)"
	else
		ck rss-indir 0 "ethtool -X eth0 equal 2 failed"
	fi
	ethtool -X eth0 default || ethtool -X eth0 equal 4 ||
		tg3cap_log "could not restore the indirection table"
fi

# (3) ping both ways
tg3cap_ready ping
if tg3cap_wait_done ping 300; then
	ck ping-h2g 1 "host: $PINGS of $PINGS (out/host-cmd-ping.log)"
else
	ck ping-h2g 0 "host ping failed (out/host-cmd-ping.log)"
fi
if pingok "$PINGS"; then
	ck ping-g2h 1 "$PINGS of $PINGS"
else
	ck ping-g2h 0 "loss or error"
fi

# (stage 3) RSS: several TCP flows at once arrive intact
if [ "$IRQ" = msix ]; then
	# 8 listeners sharing one FIFO as stdin, held open on fd 3 (see
	# the TCP test below for why); the host writes "PORT LENGTH MD5"
	# lines to /out/tcp8.sum
	mkfifo /tmp/tcp8.fifo
	pids=''
	for p in 5101 5102 5103 5104 5105 5106 5107 5108; do
		timeout 150 nc -l -p "$p" < /tmp/tcp8.fifo > "/tmp/tcp8-$p" &
		pids="$pids $!"
	done
	exec 3> /tmp/tcp8.fifo
	i0=$(irqs rx-1 rx-2 rx-3 rx-4)
	tg3cap_ready tcp8
	st=0
	tg3cap_wait_done tcp8 300 || st=$?
	for pid in $pids; do
		n=600
		while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
			n=$((n - 1)); sleep 0.1
		done
	done
	exec 3>&-
	for pid in $pids; do wait "$pid" 2>/dev/null || true; done
	bad=''
	for p in 5101 5102 5103 5104 5105 5106 5107 5108; do
		got="$p $(wc -c < "/tmp/tcp8-$p") $(md5sum < "/tmp/tcp8-$p" |
			cut -d' ' -f1)"
		grep -qx "$got" /out/tcp8.sum 2>/dev/null || bad="$bad $p"
		rm -f "/tmp/tcp8-$p"
	done
	rm -f /tmp/tcp8.fifo
	# shellcheck disable=SC2046,SC2086 # word lists on purpose
	d=$(set -- $(irqs rx-1 rx-2 rx-3 rx-4)
		for a in $i0; do printf '%s ' $(($1 - a)); shift; done)
	if [ "$st" = 0 ] && [ -z "$bad" ]; then
		ck tcp-flows 1 "8 x 512 KiB from the host, all intact;\
 interrupts rx-1..4 +(${d% })"
	else
		ck tcp-flows 0 "host status $st, wrong or short:${bad:- none}"
	fi
fi

# TCP both ways.  The driver turns TSO on (TSOcap[1]): what we send goes
# to the model in frames of up to 64 KiB with an mss.  A listening
# busybox nc must keep its stdin open (at EOF it shuts its sending half,
# and the peer's nc then quits before it has sent everything): a FIFO
# held open on fd 3.
dd if=/dev/urandom of=/tmp/g2h bs=64k count=64 2>/dev/null
want="$(wc -c < /tmp/g2h) $(md5sum < /tmp/g2h | cut -d' ' -f1)"
re0=$(tcpstat RetransSegs) os0=$(tcpstat OutSegs)
tg3cap_ready g2h
n=60
until timeout 150 nc -w 2 "$HOST" 5001 < /tmp/g2h; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || break
	sleep 0.5
done
st=0
tg3cap_wait_done g2h 300 || st=$?
re=$(($(tcpstat RetransSegs) - re0)) os=$(($(tcpstat OutSegs) - os0))
if [ "$st" = 0 ] && [ "$(cat /out/g2h.sum)" = "$want" ] && [ "$re" = 0 ]
then
	ck tcp-g2h 1 "host got $want; $os segments, 0 retransmitted"
else
	got=$(cat /out/g2h.sum 2>/dev/null)
	ck tcp-g2h 0 "host status $st, sent $want, host got '$got';\
 $os segments, $re retransmitted"
fi
rm -f /tmp/g2h

mkfifo /tmp/h2g.fifo
timeout 150 nc -l -p 5002 < /tmp/h2g.fifo > /tmp/h2g &
ncpid=$!
exec 3> /tmp/h2g.fifo
tg3cap_ready h2g
st=0
tg3cap_wait_done h2g 300 || st=$?
n=600
while kill -0 "$ncpid" 2>/dev/null && [ "$n" -gt 0 ]; do
	n=$((n - 1)); sleep 0.1
done
exec 3>&-
wait "$ncpid" 2>/dev/null || true
got="$(wc -c < /tmp/h2g) $(md5sum < /tmp/h2g | cut -d' ' -f1)"
if [ "$st" = 0 ] && [ "$(cat /out/h2g.sum)" = "$got" ]; then
	ck tcp-h2g 1 "got $got"
else
	ck tcp-h2g 0 "host status $st, sent '$(cat /out/h2g.sum 2>/dev/null)'," \
		"got $got"
fi
rm -f /tmp/h2g /tmp/h2g.fifo

# (4) link down/up and driver reload: tg3_abort_hw, chip reset, the
# firmware handshake again; the "timed out" messages are the driver's own
if [ "${TG3CAP_FULL:-1}" = 1 ]; then
	bad=''
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ip link set eth0 down && ip link set eth0 up ||
			bad="$bad link-set-$i"
		carrier 10 > /dev/null || bad="$bad no-carrier-$i"
	done
	pingok 5 || bad="$bad ping"
	if [ -z "$bad" ]; then
		ck updown 1 "10 x down/up, carrier each time, 5 pings after"
	else
		ck updown 0 "failed:$bad"
	fi

	bad=''
	for i in 1 2 3; do
		rmmod tg3 || bad="$bad rmmod-$i"
		insmod /lib/modules/tg3cap/tg3.ko || bad="$bad insmod-$i"
		n=100
		while [ ! -e /sys/class/net/eth0 ] && [ "$n" -gt 0 ]; do
			n=$((n - 1)); sleep 0.1
		done
		ip link set eth0 up || bad="$bad up-$i"
		carrier 10 > /dev/null || bad="$bad no-carrier-$i"
		if [ "$IRQ" = msix ]; then
			channels4 || bad="$bad channels-$i"
			[ "$(vectors)" = "eth0-tx-0 eth0-rx-1 eth0-rx-2\
 eth0-rx-3 eth0-rx-4" ] || bad="$bad vectors-$i"
		fi
		ip addr add "$ME/24" dev eth0 || bad="$bad addr-$i"
		pingok 5 || bad="$bad ping-$i"
	done
	if [ -z "$bad" ]; then
		w=''
		[ "$IRQ" = msix ] && w=', 4 RX rings again'
		ck reload 1 "3 x rmmod/insmod tg3, link and 5 pings each time$w"
	else
		ck reload 0 "failed:$bad"
	fi
fi

l=$(dmesg | grep -E 'timed out|WARN' | head -n 1)
if [ -z "$l" ]; then
	ck dmesg 1 "no 'timed out' or WARN"
else
	ck dmesg 0 "$l"
fi

[ "$NFAIL" = 0 ] || tg3cap_fail "$NFAIL checks failed"
exit 0
