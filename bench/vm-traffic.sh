#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host half of bench/vm-loss, run by run-vm.sh --host-cmd in the netns,
# once per measurement: ROUND is rRATE-TOOL-REP (bench/guest/vmloss.sh).
# Offers TG3CAP_SECS seconds' worth of frames (at least TG3CAP_MIN) of
# TG3CAP_SIZE bytes (without FCS) at RATE pps to the guest: sendframes in
# batches of 32 per sendmmsg() on an absolute schedule, past the qdisc
# (PACKET_QDISC_BYPASS), so that a full tap queue drops (tap tx_dropped:
# "not detected") instead of slowing the sender.  Waits until the tap has
# handed every frame to QEMU or dropped it.
# Output: OUTDIR/ROUND.host.env: sent (frames the tap accepted), failed
# (frames it dropped because its queue was full: with the qdisc bypassed
# the send fails, and the tap counts them in tx_dropped too), pps
# (accepted per second; bench/vm-loss takes sent + failed as offered), the tap's
# tx and tx_dropped deltas, the host's load average before and after, and
# while sending: the host's CPU busy % (of all cores) and the part of it
# that is neither QEMU nor the sender ("foreign": anything else running
# on the machine; softirq time the kernel does not charge to a process
# counts here too), so that a point taken on a loaded machine is seen.
set -euo pipefail
# shellcheck source=../tests/vm/host-lib.sh
. "$VM_DIR/host-lib.sh"
stat() { cat "/sys/class/net/$TAP0/statistics/$1"; }
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8; exit }' /proc/stat; }
# CPU ticks of QEMU (every process in the netns but this script's)
ours() {
	local p s=0
	for p in $(ip netns pids "$NS"); do
		[[ -r /proc/$p/stat ]] || continue
		s=$(( s + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0) ))
	done
	echo "$s"
}
rate=${ROUND#r}
rate=${rate%%-*}
[[ $rate =~ ^[0-9]+$ ]] || { echo "vm-traffic: bad round $ROUND" >&2; exit 2; }
count=$(( rate * ${TG3CAP_SECS:-2} ))
(( count >= ${TG3CAP_MIN:-20000} )) || count=${TG3CAP_MIN:-20000}
env=$OUTDIR/$ROUND.host.env
load0=$(cut -d' ' -f1 /proc/loadavg)
tx0=$(stat tx_packets) drop0=$(stat tx_dropped)
read -r b0 t0 < <(busy)
read -r su0 ss0 < <(awk '{ print $16, $17 }' /proc/$$/stat)
q0=$(ours)
out=$("$SENDFRAMES" -i "$TAP0" -n "$count" -r "$rate" -b 32 --bypass \
	-s "${TG3CAP_SIZE:?}" -d "$GUEST_MAC0" -f 64)
q1=$(ours)
read -r b1 t1 < <(busy)
# the sender's own ticks: it has ended, its time is its parent's now
read -r su ss < <(awk '{ print $16, $17 }' /proc/$$/stat)
su=$((su - su0)) ss=$((ss - ss0))
echo "$out"
sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
tap_drain "$TAP0" "$tx0" "$drop0" "$sent" || true
{
	echo "sent=$sent"
	echo "failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$out")"
	echo "pps=$(sed -n 's/.*pps=\([0-9.]*\).*/\1/p' <<<"$out")"
	echo "tap_tx_delta=$(( $(stat tx_packets) - tx0 ))"
	echo "tap_drop_delta=$(( $(stat tx_dropped) - drop0 ))"
	echo "load_before=$load0"
	echo "load_after=$(cut -d' ' -f1 /proc/loadavg)"
	echo "host_busy_pct=$(( t1 > t0 ? 100 * (b1 - b0) / (t1 - t0) : 0 ))"
	f=$(( (b1 - b0) - (q1 - q0) - su - ss ))
	echo "foreign_pct=$(( t1 > t0 && f > 0 ? 100 * f / (t1 - t0) : 0 ))"
} >"$env"
cat "$env"
