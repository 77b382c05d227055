#!/bin/sh
# Guest half of bench/vm-loss: one tool captures eth0 while the host
# offers frames at one rate; the counters go back through /out.
# Args (tg3cap.KEY=VAL): tool (reader|tcpdump), mode (divert|tap, reader
# only), snap (snaplen, default 64).
# Writes /out/guest.env: rx_delta, rx_dropped_delta, rx_missed_delta,
# tool_rc, cpu_busy_delta and cpu_tool_delta (guest jiffies from before the
# traffic to after the counters settled: all vCPUs busy, the tool itself); /out/tool.err (reader report / tcpdump stats); /out/cap/*.
# shellcheck disable=SC1091 # guest path
. /lib/tg3cap/lib.sh

IF=eth0
TOOL=${TG3CAP_TOOL:?}
SNAP=${TG3CAP_SNAP:-64}
[ -d "/sys/class/net/$IF" ] || tg3cap_fail "no interface $IF"
tg3cap_wait_carrier "$IF"
mkdir -p /tmp/cap
case $TOOL in
reader)
	tg3cap-reader -i "$IF" -w /tmp/cap/cap -s "$SNAP" -q \
		--mode "${TG3CAP_MODE:?}" --stats-json /tmp/stats.json \
		--stats-interval 1 >/tmp/tool.out 2>/tmp/tool.err &
	pid=$!
	n=0
	while [ ! -s /tmp/stats.json ]; do
		kill -0 "$pid" 2>/dev/null || { cat /tmp/tool.err; tg3cap_fail "reader died"; }
		n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "reader not ready"
		sleep 0.1
	done ;;
tcpdump)
	# What an operator types: tcpdump -w with a 64-byte snaplen
	# (libpcap's TPACKET_V3 ring with its default 2 MB buffer).
	tcpdump -i "$IF" -n -s "$SNAP" -w /tmp/cap/td.pcap \
		>/tmp/tool.out 2>/tmp/tool.err &
	pid=$!
	n=0
	while ! grep -q "listening on" /tmp/tool.err; do
		kill -0 "$pid" 2>/dev/null || { cat /tmp/tool.err; tg3cap_fail "tcpdump died"; }
		n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "tcpdump not ready"
		sleep 0.1
	done ;;
*) tg3cap_fail "unknown tool $TOOL" ;;
esac
# promiscuous mode changed RCTL: wait out e1000's receive pause
tg3cap_rxmode_wait

# guest CPU (jiffies): busy = user + nice + system + irq + softirq of all
# vCPUs; the tool's own utime + stime (all its threads)
cpu_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
cpu_tool() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
busy0=$(cpu_busy)
tool0=$(cpu_tool)
rx0=$(tg3cap_stat "$IF" rx_packets)
drop0=$(tg3cap_stat "$IF" rx_dropped)
miss0=$(tg3cap_stat "$IF" rx_missed_errors)
tg3cap_ready 1
tg3cap_wait_done 1 600 || tg3cap_fail "host traffic command failed"
rx1=$(tg3cap_settle "$IF" rx_packets 1000)
drop1=$(tg3cap_stat "$IF" rx_dropped)
miss1=$(tg3cap_stat "$IF" rx_missed_errors)
busy1=$(cpu_busy)
tool1=$(cpu_tool)
# let the tool drain what it has before it is stopped
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
cat /tmp/tool.err
{
	echo "rx_delta=$((rx1 - rx0))"
	echo "rx_dropped_delta=$((drop1 - drop0))"
	echo "rx_missed_delta=$((miss1 - miss0))"
	echo "tool_rc=$rc"
	echo "cpu_busy_delta=$((busy1 - busy0))"
	echo "cpu_tool_delta=$((tool1 - tool0))"
} >/out/guest.env
cp /tmp/tool.err /out/tool.err
[ -f /tmp/stats.json ] && cp /tmp/stats.json /out/stats.json
mkdir -p /out/cap
cp /tmp/cap/* /out/cap/ || tg3cap_fail "cannot copy the files to /out"
[ "$rc" = 0 ] || tg3cap_fail "$TOOL exited $rc"
tg3cap_ready 2
tg3cap_wait_done 2 || tg3cap_fail "host counter round failed"
exit 0
