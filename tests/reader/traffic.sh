#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host half of the reader tests and of the demo, run by run-vm.sh
# --host-cmd inside the netns.
# Round 1: replay TG3CAP_PCAP unchanged (default: genpcap makes
#          OUTDIR/sent-TAP.pcap of TG3CAP_COUNT frames: mixed sizes, 10 %
#          VLAN-tagged, 30 % IPv6, addressed to the tap's guest MAC,
#          sequence numbers apart per tap; TG3CAP_NONIP % non-IP and
#          TG3CAP_PAD % of the IP ones padded (genpcap -N, -P);
#          TG3CAP_TCP=1: one TCP stream
#          of 1514-byte frames, genpcap -T) into every tap at TG3CAP_RATE
#          pps.
# Round 2: tap counter deltas.  Output: OUTDIR/host.env.
set -euo pipefail
# shellcheck source=../vm/host-lib.sh
. "$VM_DIR/host-lib.sh"
stat() { cat "/sys/class/net/$1/statistics/$2"; }
R=${TG3CAP_RATE:?}
i=0
case $ROUND in
1)
	for t in $TAP; do
		mac=$(cut -d' ' -f$((i + 1)) <<<"$GUEST_MAC")
		f=$OUTDIR/sent-$t.pcap
		if [ "${TG3CAP_TCP:-0}" = 1 ]; then
			# one TCP stream of full frames, which GRO merges
			"$GENPCAP" -o "$f" -n "${TG3CAP_COUNT:?}" -T -s 1514 \
				-d "$mac" --seq $((i * 1000000))
		elif [ -n "${TG3CAP_PCAP:-}" ]; then
			# the user's frames as they are: the reader makes the
			# guest NIC promiscuous, so frames to foreign, multicast
			# and broadcast addresses come back too
			cp "$TG3CAP_PCAP" "$f"
		else
			"$GENPCAP" -o "$f" -n "${TG3CAP_COUNT:?}" \
				-s 60,64,128,256,512,1024,1514 -V "${TG3CAP_VLAN:-10}" \
				-6 30 -f 16 -N "${TG3CAP_NONIP:-0}" \
				-P "${TG3CAP_PAD:-0}" \
				-d "$mac" --seq $((i * 1000000))
		fi
		echo "tx0_$t=$(stat "$t" tx_packets) drop0_$t=$(stat "$t" tx_dropped)" \
			>>"$OUTDIR/tap0.env"
		i=$((i + 1))
	done
	for t in $TAP; do
		tcpreplay -i "$t" --pps="$R" "$OUTDIR/sent-$t.pcap" \
			>"$OUTDIR/tcpreplay-$t.log" 2>&1 &
	done
	wait
	. "$OUTDIR/tap0.env"
	for t in $TAP; do
		cat "$OUTDIR/tcpreplay-$t.log"
		sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' \
			"$OUTDIR/tcpreplay-$t.log")
		echo "sent_$t=${sent:?}" >>"$OUTDIR/host.env"
		tx=tx0_$t drop=drop0_$t
		tap_drain "$t" "${!tx}" "${!drop}" "$sent" || true
	done
	;;
2)
	. "$OUTDIR/tap0.env"
	for t in $TAP; do
		tx=tx0_$t drop=drop0_$t
		echo "tap_tx_delta_$t=$(( $(stat "$t" tx_packets) - ${!tx} ))" >>"$OUTDIR/host.env"
		echo "tap_drop_delta_$t=$(( $(stat "$t" tx_dropped) - ${!drop} ))" >>"$OUTDIR/host.env"
	done
	cat "$OUTDIR/host.env"
	;;
esac
