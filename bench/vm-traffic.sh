#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host half of bench/vm-loss, run by run-vm.sh --host-cmd in the netns.
# Round 1: snapshot the tap counters, offer TG3CAP_COUNT frames of
#          TG3CAP_SIZE bytes (without FCS) at TG3CAP_RATE pps with
#          sendframes (absolute schedule) to the guest.
# Round 2: (the guest has drained) tap counter deltas.
# Output: OUTDIR/host.env (sent, failed, pps, tap_tx_delta, tap_drop_delta).
set -euo pipefail
# shellcheck source=../tests/vm/host-lib.sh
. "$VM_DIR/host-lib.sh"
stat() { cat "/sys/class/net/$TAP0/statistics/$1"; }
case $ROUND in
1)
	echo "tx0=$(stat tx_packets) drop0=$(stat tx_dropped)" >"$OUTDIR/tap0.env"
	out=$("$SENDFRAMES" -i "$TAP0" -n "${TG3CAP_COUNT:?}" -r "${TG3CAP_RATE:?}" \
		-s "${TG3CAP_SIZE:?}" -d "$GUEST_MAC0" -f 64)
	echo "$out"
	{
		echo "sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")"
		echo "failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$out")"
		echo "pps=$(sed -n 's/.*pps=\([0-9.]*\).*/\1/p' <<<"$out")"
	} >"$OUTDIR/host.env"
	# shellcheck disable=SC1091 # written above
	. "$OUTDIR/tap0.env"
	# shellcheck disable=SC2154
	tap_drain "$TAP0" "$tx0" "$drop0" \
		"$(sed -n 's/^sent=//p' "$OUTDIR/host.env")" || true
	;;
2)
	# shellcheck disable=SC1091 # written in round 1
	. "$OUTDIR/tap0.env"
	# shellcheck disable=SC2154
	{
		echo "tap_tx_delta=$(( $(stat tx_packets) - tx0 ))"
		echo "tap_drop_delta=$(( $(stat tx_dropped) - drop0 ))"
	} >>"$OUTDIR/host.env"
	cat "$OUTDIR/host.env"
	;;
esac
