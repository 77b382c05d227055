# shellcheck shell=bash
# Helpers for the host halves of VM tests (run by run-vm.sh --host-cmd in
# the netns): ". "$VM_DIR/host-lib.sh"".

# tap_drain TAP TX0 DROP0 SENT [SECS]: wait until TAP has handed to QEMU
# (tx_packets) or dropped (tx_dropped) all SENT frames written to it since
# the counter snapshot TX0 DROP0, so that none is left in its queue when
# the round ends; at most SECS seconds (default 60: after the lifecycle
# case reloads e1000, the debug kernel took 11 s to take in what the tap
# had queued meanwhile).
#
# A sender returns as soon as its frames are in the tap's queue, and QEMU
# stops reading that queue while the guest NIC refuses frames: QEMU's
# e1000 does for 1 s after every RCTL write (link up, promiscuous mode,
# multicast list), during a reset, and while unbound or removed.  The
# backlog then reaches the guest whenever QEMU reads again, which may be
# in the next round (issue 11: late frames of the lifecycle test's
# traffic round captured in its final burst).  Returns 1 on timeout
# (frames a detached virtio queue held are gone without a count: the
# callers account for them).
tap_drain()
{
	local tap=$1 tx0=$2 dr0=$3 sent=$4 secs=${5:-60} t0=$SECONDS left
	local d=/sys/class/net/$1/statistics

	while :; do
		left=$((sent - ($(<"$d/tx_packets") - tx0) - ($(<"$d/tx_dropped") - dr0)))
		[[ $left -gt 0 ]] || break
		if ((SECONDS - t0 >= secs)); then
			echo "tap_drain: $tap still holds $left of $sent frames after ${secs} s"
			return 1
		fi
		sleep 0.05
	done
	((SECONDS - t0 < 1)) || echo "tap_drain: $tap passed its backlog in $((SECONDS - t0)) s"
	return 0
}
