# shellcheck shell=sh
# Guest helpers of the reliability suite: ". /tests/rel-lib.sh" after
# /lib/tg3cap/lib.sh.  busybox ash.
IF=${TG3CAP_IF:-eth0}
SEED=${TG3CAP_SEED:-1}

# rel_round TAG REQUEST...: ask the host for traffic and wait for it.
rel_round() {
	_t=$1; shift
	echo "$*" > "/out/req-$_t"
	tg3cap_ready "$_t"
}
rel_done() {
	tg3cap_wait_done "$1" "$(( ${TG3CAP_MAXSECS:-240} + 40 ))" || tg3cap_fail "host round $1 failed"
}

# rel_rx: frames the NIC counted (rx_packets + rx_dropped + missed).
rel_rx() {
	echo $(( $(tg3cap_stat "$IF" rx_packets) + $(tg3cap_stat "$IF" rx_dropped) + \
		$(tg3cap_stat "$IF" rx_missed_errors) ))
}
rel_settle() { tg3cap_settle "$IF" rx_packets 500 > /dev/null; rel_rx; }

# rel_wait_file F PID WHAT: wait (10 s) for a tool's ready file.
rel_wait_file() {
	_n=0
	while [ ! -e "$1" ]; do
		kill -0 "$2" 2>/dev/null || tg3cap_fail "$3 died before ready"
		_n=$((_n + 1)); [ "$_n" -lt 100 ] || tg3cap_fail "$3 not ready"
		sleep 0.1
	done
}

# rel_vmalloc: VmallocUsed in kB; rel_slab: Slab in kB
rel_vmalloc() { awk '/^VmallocUsed:/ { print $2 }' /proc/meminfo; }
rel_slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# rel_burst TAG [COUNT] [RATE] [FLOWS]: once the NIC is quiet, a
# well-behaved reader (ringtest, with $REL_RT_ARGS if set) captures a
# burst; /out/TAG.guest gets
# rx_delta, captured, drops and the pcaps go to /out/TAG.qN.pcap (run.sh
# compares them with TAG.pcap).
rel_burst() {
	_tag=$1
	# frames of an earlier round still on their way (a NIC that came
	# back up, an e1000 refusing frames for 1 s after an RCTL write)
	# arrive before the reader starts: quiet for longer than that
	_q=$(tg3cap_settle "$IF" rx_packets 1500)
	tg3cap_log "$_tag: NIC quiet at rx_packets $_q"
	rm -f /tmp/rt.ready
	ringtest capture -i "$IF" -o "/tmp/$_tag" --ready /tmp/rt.ready \
		-s 1514 --seg-size 65536 --nr-segs 64 ${REL_RT_ARGS:-} \
		> "/tmp/$_tag.log" 2>&1 &
	_rt=$!
	rel_wait_file /tmp/rt.ready "$_rt" ringtest
	_rx0=$(rel_rx)
	rel_round "$_tag" burst "${2:-3000}" "${3:-3000}" "${4:-1}"
	rel_done "$_tag"
	_rx1=$(rel_settle)
	sleep 0.2
	kill -TERM "$_rt"
	wait "$_rt"; _rc=$?
	cat "/tmp/$_tag.log"
	_tot=$(grep '^TOTAL' "/tmp/$_tag.log")
	cp /tmp/"$_tag".q*.pcap /out/ || tg3cap_fail "cannot copy pcaps"
	{
		echo "rx_delta=$((_rx1 - _rx0))"
		echo "captured=$(echo "$_tot" | sed -n 's/.*captured=\([0-9]*\).*/\1/p')"
		echo "drops=$(echo "$_tot" | sed -n 's/.*drops=\([0-9]*\).*/\1/p')"
	} > "/out/$_tag.guest"
	[ "$_rc" = 0 ] || tg3cap_fail "ringtest after the test failed ($_rc)"
}

# rel_end: the last counter snapshot round.
rel_end() {
	rel_round end none
	rel_done end
}
