#!/bin/sh
# Guest half of tests/capture/run.sh: capture what the host sends with
# ringtest and hand files and counters back through /out.
# Args (tg3cap.KEY=VAL): if, snaplen, seg, nsegs, mode, snapafter (N:LEN),
# hold (1: fill the ring without reading), queues (virtio: ethtool -L),
# wantq (the number of rings BIND must report).
. /lib/tg3cap/lib.sh

IF=${TG3CAP_IF:-eth0}
[ -e /dev/lwpcap ] || tg3cap_fail "no /dev/lwpcap"
if [ -n "${TG3CAP_QUEUES:-}" ]; then
	ethtool -L "$IF" combined "$TG3CAP_QUEUES" ||
		tg3cap_fail "ethtool -L $IF combined $TG3CAP_QUEUES"
fi
tg3cap_wait_carrier "$IF"

ipin() { awk '/^Ip: [0-9]/ { print $4 }' /proc/net/snmp; }

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

rx0=$(tg3cap_stat "$IF" rx_packets)
ip0=$(ipin)
tg3cap_ready 1
tg3cap_wait_done 1 || tg3cap_fail "host traffic command failed"
rx1=$(tg3cap_settle "$IF" rx_packets 500)
ip1=$(ipin)
sleep 0.2
kill -TERM "$rt"
wait "$rt"
rc=$?
cat /tmp/ringtest.log
cp /tmp/ringtest.log /tmp/cap.q*.pcap /out/ || tg3cap_fail "cannot copy to /out"
tot=$(grep '^TOTAL' /tmp/ringtest.log)
{
	echo "rx_delta=$((rx1 - rx0))"
	echo "ip_in_delta=$((ip1 - ip0))"
	echo "captured=$(echo "$tot" | sed -n 's/.*captured=\([0-9]*\).*/\1/p')"
	echo "drops=$(echo "$tot" | sed -n 's/.*drops=\([0-9]*\).*/\1/p')"
	echo "ringtest_rc=$rc"
} > /out/guest.env
tg3cap_log "figures: $(tr '\n' ' ' < /out/guest.env)"
[ "$rc" = 0 ] || tg3cap_fail "ringtest capture failed ($rc)"
if [ -n "${TG3CAP_WANTQ:-}" ]; then
	echo "$tot" | grep -q "queues=$TG3CAP_WANTQ\$" ||
		tg3cap_fail "want $TG3CAP_WANTQ rings: $tot"
fi

tg3cap_ready 2
tg3cap_wait_done 2 || tg3cap_fail "host counter round failed"
exit 0
