#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host half of the reliability tests, run by run-vm.sh --host-cmd in the
# netns, once per round.  The guest writes what it wants into
# OUTDIR/req-ROUND before announcing the round:
#   flood COUNT RATE FLOWS   sendframes COUNT 60-byte frames at RATE pps
#   until RATE FLOWS         sendframes RATE frames a second, in 1 s
#                            chunks, until the guest creates
#                            OUTDIR/stop-ROUND (at most TG3CAP_MAXSECS,
#                            default 240 s)
#   burst COUNT RATE FLOWS   genpcap -> OUTDIR/ROUND.pcap (sequence numbers
#                            from 2^30 on), tcpreplay at RATE
#   none                     nothing (a counter snapshot only)
# Every round first appends "ROUND tx_packets tx_dropped" of tap0 to
# OUTDIR/tapsnap (the run.sh takes deltas between consecutive lines: the
# guest settles before it announces the next round) and writes
# OUTDIR/ROUND.host with sent=N.
# A round ends when the tap has passed every frame sent (tap_drain): none is
# left to arrive in a later round.  Burst frames are numbered from BURST_SEQ
# on, the other rounds' from 0: a late frame of an earlier round is told
# from the burst's (pcapcmp --late).
set -euo pipefail
# shellcheck source=../vm/host-lib.sh
. "$VM_DIR/host-lib.sh"
BURST_SEQ=$((1 << 30))
stat() { cat "/sys/class/net/$TAP0/statistics/$1"; }
tx0=$(stat tx_packets) dr0=$(stat tx_dropped)
echo "$ROUND $tx0 $dr0" >>"$OUTDIR/tapsnap"
read -r kind a b c <"$OUTDIR/req-$ROUND" || true
sent=0
sf() {	# count rate flows
	local out
	out=$("$SENDFRAMES" -i "$TAP0" -n "$1" -r "$2" -s 60 -f "$3" \
		-d "$GUEST_MAC0" --seq "$sent" --strict)
	sent=$((sent + $(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")))
}
case $kind in
flood)	sf "$a" "$b" "$c" ;;
until)
	end=$((SECONDS + ${TG3CAP_MAXSECS:-240}))
	while [[ ! -e $OUTDIR/stop-$ROUND && $SECONDS -lt $end ]]; do
		sf "$a" "$a" "$b"
	done ;;
burst)
	"$GENPCAP" -o "$OUTDIR/$ROUND.pcap" -n "$a" -s 60,128,256,512,1024,1514 \
		-V 0 -6 20 -f "$c" -d "$GUEST_MAC0" --seq "$BURST_SEQ"
	out=$(tcpreplay -i "$TAP0" --pps="$b" "$OUTDIR/$ROUND.pcap" 2>&1)
	sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' <<<"$out") ;;
none)	;;
*)	echo "traffic.sh: bad request '$kind' for round $ROUND" >&2; exit 1 ;;
esac
tap_drain "$TAP0" "$tx0" "$dr0" "$sent" || true
echo "sent=$sent" >"$OUTDIR/$ROUND.host"
echo "round $ROUND: $kind $a $b $c sent=$sent"
