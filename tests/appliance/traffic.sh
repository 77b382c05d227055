#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host half of the appliance test, run by run-vm.sh --host-cmd inside the
# test's netns: TG3CAP_COUNT frames of mixed sizes (tests/vm/frame.h
# sequence numbers) replayed into tap0 at TG3CAP_RATE pps; the guest's
# capture is compared with OUTDIR/sent.pcap afterwards.  Round z (the
# -Z service, killed and restarted): 500 frames, OUTDIR/sent-z.pcap.
set -euo pipefail
# shellcheck source=../vm/host-lib.sh
. "$VM_DIR/host-lib.sh"
n=${TG3CAP_COUNT:?} r=${TG3CAP_RATE:?}
d=/sys/class/net/$TAP0/statistics
sent=$OUTDIR/sent.pcap
# round z: the -Z service's, a smaller set, compared apart
if [ "${ROUND:-1}" = z ]; then
	n=500 sent=$OUTDIR/sent-z.pcap
fi
tx0=$(<"$d/tx_packets") dr0=$(<"$d/tx_dropped")
"$GENPCAP" -o "$sent" -n "$n" -s 60,128,256,512,1024,1514 \
	-f 64 -d "$GUEST_MAC0"
out=$(tcpreplay -i "$TAP0" --pps="$r" "$sent" 2>&1)
echo "$out"
sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' <<<"$out")
[ "$sent" = "$n" ] || { echo "tcpreplay sent ${sent:-?} of $n"; exit 1; }
tap_drain "$TAP0" "$tx0" "$dr0" "$n"
dropped=$(( $(<"$d/tx_dropped") - dr0 ))
[ "$dropped" = 0 ] || { echo "tap0 dropped $dropped frames"; exit 1; }
