#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host half of rig-selftest.sh, run by run-vm.sh --host-cmd inside the netns.
# Round 1: snapshot tap0 counters, send TG3CAP_COUNT frames at TG3CAP_RATE pps
#          to GUEST_MAC0 with TG3CAP_SENDER (sendframes | tcpreplay).
# Round 2: (guest has drained) write tap0 counter deltas.
# Output: OUTDIR/host.env (sent=, failed=, tap_tx_packets_delta=, tap_tx_dropped_delta=).
set -euo pipefail
# shellcheck source=host-lib.sh
. "$VM_DIR/host-lib.sh"
stat() { cat "/sys/class/net/$TAP0/statistics/$1"; }
N=${TG3CAP_COUNT:?} R=${TG3CAP_RATE:?}
case $ROUND in
1)
	echo "tap_tx_packets0=$(stat tx_packets) tap_tx_dropped0=$(stat tx_dropped)" > "$OUTDIR/tap0.env"
	case ${TG3CAP_SENDER:-sendframes} in
	sendframes)
		out=$("$SENDFRAMES" -i "$TAP0" -n "$N" -r "$R" -s 60 -d "$GUEST_MAC0" -f 64)
		echo "$out"
		sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
		failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$out")
		;;
	tcpreplay)
		"$GENPCAP" -o "$OUTDIR/frames.pcap" -n "$N" -s 60,128,256,512,1024,1514 \
			-V 10 -f 64 -d "$GUEST_MAC0" 2>&1
		out=$(tcpreplay -i "$TAP0" --pps="$R" "$OUTDIR/frames.pcap" 2>&1)
		echo "$out"
		sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' <<<"$out")
		failed=$(sed -n 's/.*Failed packets: *\([0-9]*\).*/\1/p' <<<"$out")
		;;
	*) echo "unknown sender $TG3CAP_SENDER" >&2; exit 1 ;;
	esac
	# shellcheck disable=SC1091 # written above
	. "$OUTDIR/tap0.env"
	# shellcheck disable=SC2154
	tap_drain "$TAP0" "$tap_tx_packets0" "$tap_tx_dropped0" "${sent:?}" || true
	echo "sent=${sent:?} failed=${failed:?}" > "$OUTDIR/host.env"
	;;
2)
	# shellcheck disable=SC1091 # written in round 1
	. "$OUTDIR/tap0.env"
	# shellcheck disable=SC2154
	p0=${tap_tx_packets0:?} d0=${tap_tx_dropped0:?}
	echo "tap_tx_packets_delta=$(( $(stat tx_packets) - p0 ))" >> "$OUTDIR/host.env"
	echo "tap_tx_dropped_delta=$(( $(stat tx_dropped) - d0 ))" >> "$OUTDIR/host.env"
	cat "$OUTDIR/host.env"
	;;
esac
