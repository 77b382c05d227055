#!/bin/sh
# Guest half of bench/vm-loss: one boot runs a whole sweep of one frame
# size.  For each repetition, offered rate and tool (the tools' order
# turns by one each repetition, so that no tool always follows the same
# one), the tool is started, the host offers the frames (round TAG =
# rRATE-TOOL-REP), the counters settle, the tool is stopped and its
# records are counted here (pcapcount: the files never cross to the
# host); the results go to /out/TAG.env.
# Args (tg3cap.KEY=VAL): tools (comma-separated: divert, tap, ptype,
# netfilter, ingress, tcpdump, netsniff-ng), rates (comma-separated pps),
# reps, snap (snaplen, default 64), table (write: files in /tmp, the
# default; count: nothing written, see bench/vm-loss), bufms (the
# reader's --buffer-timeout; default: its own).
# shellcheck disable=SC1091 # guest path
. /lib/tg3cap/lib.sh

IF=eth0
SNAP=${TG3CAP_SNAP:-64}
TABLE=${TG3CAP_TABLE:-write}
TOOLS=$(echo "${TG3CAP_TOOLS:?}" | tr ',' ' ')
RATES=$(echo "${TG3CAP_RATES:?}" | tr ',' ' ')
REPS=${TG3CAP_REPS:-1}
[ -d "/sys/class/net/$IF" ] || tg3cap_fail "no interface $IF"
tg3cap_wait_carrier "$IF"

# guest CPU: busy = user + nice + system + irq + softirq of all vCPUs
# (jiffies); the tool's own run time, all its threads (ns, schedstat:
# a short measurement is a few jiffies of the tool's time)
cpu_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
cpu_tool() { cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
# times the tool's threads were scheduled in (schedstat's timeslices):
# its wake-ups, whatever the tool
slices() { cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{ s += $3 } END { printf "%.0f\n", s }'; }
jnum() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1" 2>/dev/null | head -n1; }

# start TOOL: the tool capturing eth0 in the background ($pid), ready.
# Nobody asks for promiscuous mode (the frames are to our MAC): QEMU's
# e1000 refuses frames for a second after every RCTL write.
start() {
	rm -rf /tmp/cap /tmp/stats.json /tmp/tool.err
	mkdir -p /tmp/cap
	case $1 in
	divert|tap|ptype|netfilter|ingress)
		case $1 in
		divert|tap) hook=driver mode=$1 ;;
		*) hook=$1 mode=tap ;;
		esac
		if [ "$TABLE" = count ]; then
			w=-
		else
			w=/tmp/cap/cap
		fi
		tg3cap-reader -i "$IF" -w "$w" -s "$SNAP" -q -p \
			--hook "$hook" --mode "$mode" ${TG3CAP_BUFMS:+--buffer-timeout "$TG3CAP_BUFMS"} \
			--stats-json /tmp/stats.json --stats-interval 60 \
			>/dev/null 2>/tmp/tool.err &
		pid=$!
		ready() { [ -s /tmp/stats.json ]; } ;;
	tcpdump)
		# What an operator types: tcpdump -w with a 64-byte snaplen
		# (libpcap's TPACKET_V3 ring with its default 2 MB buffer).
		w=/tmp/cap/td.pcap
		[ "$TABLE" = count ] && w=/dev/null
		tcpdump -i "$IF" -n -p -s "$SNAP" -w "$w" \
			>/dev/null 2>/tmp/tool.err &
		pid=$!
		ready() { grep -q "listening on" /tmp/tool.err; } ;;
	netsniff-ng)
		# Its TPACKET_V3 ring and pcap writer, silent; it has no
		# snaplen: whole frames (the closest is its default pcap
		# format, 16-byte record headers as ours).
		w=/tmp/cap/ns.pcap
		[ "$TABLE" = count ] && w=/dev/null
		netsniff-ng --in "$IF" --out "$w" --silent --no-promisc \
			--notouch-irq >/tmp/tool.err 2>&1 &
		pid=$!
		ready() { grep -q "Running!" /tmp/tool.err; } ;;
	*) tg3cap_fail "unknown tool $1" ;;
	esac
	n=0
	until ready; do
		kill -0 "$pid" 2>/dev/null || { cat /tmp/tool.err; tg3cap_fail "$1 died"; }
		n=$((n + 1)); [ "$n" -lt 200 ] || tg3cap_fail "$1 not ready"
		sleep 0.05
	done
}

# idle: wait until the tool has used under 15 ms of CPU in 0.3 s (5 %;
# at most 20 s; the reader idles at about 1 %: its poll() timeouts), so
# that its start-up (the reader preallocates its first and next file
# and prefaults their first 16 MiB: zeroing pages, slow under TCG) is
# not charged to the frames of a short measurement
idle() {
	n=0
	a=$(cpu_tool)
	while [ "$n" -lt 66 ]; do
		sleep 0.3
		b=$(cpu_tool)
		[ $((b - a)) -lt 15000000 ] && return
		a=$b
		n=$((n + 1))
	done
	tg3cap_log "$1 still busy after 20 s: measured anyway"
}

# point TAG TOOL: one measurement
point() {
	det=
	start "$2"
	idle "$2"
	up0=$(cut -d' ' -f1 /proc/uptime)
	busy0=$(cpu_busy)
	tool0=$(cpu_tool)
	sl0=$(slices)
	rx0=$(tg3cap_stat "$IF" rx_packets)
	drop0=$(tg3cap_stat "$IF" rx_dropped)
	miss0=$(tg3cap_stat "$IF" rx_missed_errors)
	tg3cap_ready "$1"
	tg3cap_wait_done "$1" 600 || tg3cap_fail "host traffic command failed ($1)"
	rx1=$(tg3cap_settle "$IF" rx_packets 500)
	drop1=$(tg3cap_stat "$IF" rx_dropped)
	miss1=$(tg3cap_stat "$IF" rx_missed_errors)
	busy1=$(cpu_busy)
	tool1=$(cpu_tool)
	sl1=$(slices)
	up1=$(cut -d' ' -f1 /proc/uptime)
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || { cat /tmp/tool.err; tg3cap_fail "$2 exited $rc ($1)"; }
	case $2 in
	tcpdump)
		captured=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' /tmp/tool.err)
		drops=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' /tmp/tool.err) ;;
	netsniff-ng)
		# passed filter = its ring took them; "unread on exit" were
		# still in the ring at the end: never written, so dropped
		tr -d '\r' </tmp/tool.err >/tmp/tool.txt
		captured=$(sed -n 's/^ *\([0-9]*\)  packets passed filter.*/\1/p' /tmp/tool.txt)
		drops=$(sed -n 's/^ *\([0-9]*\)  packets failed filter.*/\1/p' /tmp/tool.txt)
		unread=$(sed -n 's/.*packets incoming (\([0-9]*\) unread on exit).*/\1/p' /tmp/tool.txt)
		captured=$(( ${captured:-0} - ${unread:-0} ))
		drops=$(( ${drops:-0} + ${unread:-0} )) ;;
	*)
		captured=$(jnum /tmp/stats.json written)
		drops=$(jnum /tmp/stats.json dropped)
		det=$(jnum /tmp/stats.json detected) ;;
	esac
	if [ "$TABLE" = count ]; then
		written=$captured
	else
		# the capture files, not the reader's indexes (NAME.idx)
		written=$(pcapcount /tmp/cap/*.pcap) || tg3cap_fail "$2: bad capture file ($1)"
	fi
	{
		echo "rx_delta=$((rx1 - rx0))"
		echo "rx_dropped_delta=$((drop1 - drop0))"
		echo "rx_missed_delta=$((miss1 - miss0))"
		echo "cpu_busy_delta=$((busy1 - busy0))"
		echo "cpu_tool_ns=$((tool1 - tool0))"
		echo "captured=${captured:-0}"
		echo "drops=${drops:-0}"
		echo "detected_hook=${det:-}"
		echo "written=$written"
		echo "wakeups=$((sl1 - sl0))"
		echo "window_cs=$(( $(echo "$up1" | tr -d .) - $(echo "$up0" | tr -d .) ))"
	} >"/out/$1.env"
	rm -rf /tmp/cap
}

rep=1
while [ "$rep" -le "$REPS" ]; do
	# the tools' order turns by one each repetition
	# shellcheck disable=SC2086 # a list of words
	set -- $TOOLS
	k=1
	while [ "$k" -lt "$rep" ]; do
		first=$1; shift; set -- "$@" "$first"
		k=$((k + 1))
	done
	order=$*
	for rate in $RATES; do
		for tool in $order; do
			point "r$rate-$tool-$rep" "$tool"
		done
	done
	rep=$((rep + 1))
done
exit 0
