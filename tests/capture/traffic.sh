#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host half of the capture tests, run by run-vm.sh --host-cmd in the netns.
# Round 1: write OUTDIR/sent.pcap (genpcap: TG3CAP_COUNT frames of sizes
#          TG3CAP_SIZES, TG3CAP_VLAN % tagged, TG3CAP_V6 % IPv6,
#          TG3CAP_NONIP % non-IP, TG3CAP_PAD % of the IP ones padded
#          (genpcap -P), TG3CAP_FLOWS flows, then TG3CAP_FOREIGN more of the same kinds
#          to a unicast MAC that is not the guest's, numbered on) and
#          replay it into tap0 at TG3CAP_RATE pps
#          with tcpreplay; or, with TG3CAP_SENDER=sendframes, send
#          TG3CAP_COUNT frames at TG3CAP_RATE pps with sendframes.
# Round 2: tap0 counter deltas.  Output: OUTDIR/host.env.
set -euo pipefail
# shellcheck source=../vm/host-lib.sh
. "$VM_DIR/host-lib.sh"
stat() { cat "/sys/class/net/$TAP0/statistics/$1"; }
N=${TG3CAP_COUNT:?} R=${TG3CAP_RATE:?}
FOREIGN_MAC=02:00:00:00:00:99	# tests/capture/run.sh knows it too
case $ROUND in
1)
	echo "tx0=$(stat tx_packets) drop0=$(stat tx_dropped)" >"$OUTDIR/tap0.env"
	if [ "${TG3CAP_SENDER:-tcpreplay}" = sendframes ]; then
		out=$("$SENDFRAMES" -i "$TAP0" -n "$N" -r "$R" -s 60 \
			-d "$GUEST_MAC0" --strict)
		sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
	else
		"$GENPCAP" -o "$OUTDIR/sent.pcap" -n "$N" \
			-s "${TG3CAP_SIZES:-60,128,256,512,1024,1514}" \
			-V "${TG3CAP_VLAN:-10}" -6 "${TG3CAP_V6:-20}" \
			-N "${TG3CAP_NONIP:-0}" -P "${TG3CAP_PAD:-0}" \
			-f "${TG3CAP_FLOWS:-1}" -d "$GUEST_MAC0"
		if [ "${TG3CAP_FOREIGN:-0}" -gt 0 ]; then
			"$GENPCAP" -o "$OUTDIR/foreign.pcap" -n "$TG3CAP_FOREIGN" \
				--seq "$N" -s "${TG3CAP_SIZES:-60,128,256,512,1024,1514}" \
				-V "${TG3CAP_VLAN:-10}" -6 "${TG3CAP_V6:-20}" \
				-N "${TG3CAP_NONIP:-0}" -P "${TG3CAP_PAD:-0}" \
				-f "${TG3CAP_FLOWS:-1}" -d "$FOREIGN_MAC"
			# records only: the second file's 24-byte header goes
			tail -c +25 "$OUTDIR/foreign.pcap" >>"$OUTDIR/sent.pcap"
		fi
		out=$(tcpreplay -i "$TAP0" --pps="$R" "$OUTDIR/sent.pcap" 2>&1)
		sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' <<<"$out")
	fi
	echo "$out"
	. "$OUTDIR/tap0.env"
	# shellcheck disable=SC2154 # tap0.env
	tap_drain "$TAP0" "$tx0" "$drop0" "${sent:?}" || true
	echo "sent=${sent:?}" >"$OUTDIR/host.env"
	;;
2)
	. "$OUTDIR/tap0.env"
	echo "tap_tx_delta=$(( $(stat tx_packets) - tx0 ))" >>"$OUTDIR/host.env"
	echo "tap_drop_delta=$(( $(stat tx_dropped) - drop0 ))" >>"$OUTDIR/host.env"
	cat "$OUTDIR/host.env"
	;;
esac
