#!/bin/sh
# Guest half of tests/reader/run.sh and of the demo: run tg3cap-reader on
# the interfaces while the host sends, stop it with SIGINT, hand the files
# and its report back through /out.
# Args (tg3cap.KEY=VAL): ifs (comma list, default eth0), opts (reader
# options, commas for spaces), keep (1: leave files in /out/cap), stream
# (1: -w -, the pcap stream piped into tcpdump, which writes the file),
# upper (vlan: a VLAN device eth0.100 on the first interface, for the
# host's tagged frames (genpcap's VID); bridge: the first interface a
# port of a bridge br0), made before the reader starts.
# The PID in $rd is the reader's, whichever way its output goes.
. /lib/tg3cap/lib.sh

IFS_LIST=$(echo "${TG3CAP_IFS:-eth0}" | tr ',' ' ')
OPTS=$(echo "${TG3CAP_OPTS:-}" | tr ',' ' ')
set --
for i in $IFS_LIST; do
	[ -d "/sys/class/net/$i" ] || tg3cap_fail "no interface $i"
	ip link set "$i" up || tg3cap_fail "ip link set $i up"
	set -- "$@" -i "$i"
done
for i in $IFS_LIST; do
	tg3cap_wait_carrier "$i"
done
IF0=${IFS_LIST%% *}
UPPER=
case ${TG3CAP_UPPER:-} in
'') ;;
vlan)
	UPPER=$IF0.100
	/usr/bin/ip link add link "$IF0" name "$UPPER" type vlan id 100 &&
		/usr/bin/ip link set "$UPPER" up ||
		tg3cap_fail "cannot make VLAN device $UPPER" ;;
bridge)
	UPPER=br0
	/usr/bin/ip link add br0 type bridge &&
		/usr/bin/ip link set "$IF0" master br0 &&
		/usr/bin/ip link set br0 up ||
		tg3cap_fail "cannot make $IF0 a port of br0" ;;
*) tg3cap_fail "unknown upper=$TG3CAP_UPPER" ;;
esac
mkdir -p /tmp/cap
td=
if [ "${TG3CAP_STREAM:-0}" = 1 ]; then
	mkfifo /tmp/stream || tg3cap_fail "mkfifo"
	/usr/bin/tcpdump -Z root -r /tmp/stream -w /tmp/cap/cap.000000.pcap \
		2> /tmp/tcpdump.err &
	td=$!
	# shellcheck disable=SC2086 # OPTS is a list on purpose
	tg3cap-reader "$@" -w - -q --stats-json /tmp/stats.json \
		--stats-interval 1 $OPTS > /tmp/stream 2> /tmp/reader.err &
else
	# shellcheck disable=SC2086 # OPTS is a list on purpose
	tg3cap-reader "$@" -w /tmp/cap/cap -q --stats-json /tmp/stats.json \
		--stats-interval 1 $OPTS > /tmp/reader.out 2> /tmp/reader.err &
fi
rd=$!

# Ready when every interface is promiscuous (or -p) and the reader wrote
# its first statistics; then wait out e1000's receive pause.
n=0
while [ ! -s /tmp/stats.json ]; do
	kill -0 "$rd" 2>/dev/null || { cat /tmp/reader.err; tg3cap_fail "reader died"; }
	n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "reader not ready"
	sleep 0.1
done
tg3cap_rxmode_wait

for i in $IFS_LIST; do
	eval "rx0_$i=\$(tg3cap_stat $i rx_packets)"
done
[ -z "$UPPER" ] || up0=$(tg3cap_stat "$UPPER" rx_packets)
tg3cap_ready 1
tg3cap_wait_done 1 || tg3cap_fail "host traffic command failed"
for i in $IFS_LIST; do
	eval "rx1_$i=\$(tg3cap_settle $i rx_packets 500)"
done
[ -z "$UPPER" ] || up1=$(tg3cap_stat "$UPPER" rx_packets)
sleep 0.5
kill -INT "$rd"
wait "$rd"
rc=$?
if [ -n "$td" ]; then
	# the stream's end is tcpdump's end of file
	wait "$td" || { cat /tmp/tcpdump.err; tg3cap_fail "tcpdump -r - failed"; }
	cat /tmp/tcpdump.err
fi
cat /tmp/reader.err
{
	for i in $IFS_LIST; do
		eval "echo rx_delta_$i=\$((rx1_$i - rx0_$i))"
	done
	[ -z "$UPPER" ] || echo "rx_delta_upper=$((up1 - up0))"
	echo "reader_rc=$rc"
} > /out/guest.env
cp /tmp/reader.err /out/reader.err
# the offloads the reader turned off while it captured are on again now
ethtool -k "${IFS_LIST%% *}" > /out/offload-after.txt 2>&1
cp /tmp/stats.json /out/stats.json 2>/dev/null
mkdir -p /out/cap
cp /tmp/cap/* /out/cap/ || tg3cap_fail "cannot copy the files to /out"
ls -l /tmp/cap
[ "$rc" = 0 ] || tg3cap_fail "tg3cap-reader exited $rc"
tg3cap_ready 2
tg3cap_wait_done 2 || tg3cap_fail "host counter round failed"
exit 0
