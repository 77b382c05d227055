# shellcheck shell=sh
# Guest-side helpers for tests/vm guest scripts: ". /lib/tg3cap/lib.sh".
# Installed by mkinitramfs.sh at /lib/tg3cap/lib.sh. busybox ash.
#
# Sync protocol with run-vm.sh (see run-vm.sh header):
#   tg3cap_ready TAG      guest is ready: creates /out/ready-TAG and prints
#                         "TG3CAP-READY TAG ."; the host runs --host-cmd
#   tg3cap_wait_done TAG  polls /out/done-TAG every 100 ms; returns the
#                         host command's exit status written in it

OUT=/out

# Fail the test with a reason (shown in the TG3CAP-RESULT line).
tg3cap_fail() {
	echo "$*" > /tmp/tg3cap-fail-reason
	echo "FAIL: $*"
	exit 1
}

tg3cap_log() { echo "guest: $*"; }

# tg3cap_stat IF COUNTER -> value of /sys/class/net/IF/statistics/COUNTER
tg3cap_stat() { cat "/sys/class/net/$1/statistics/$2"; }

# tg3cap_wait_carrier IF [TIMEOUT_S]: link up, wait for carrier, then
# tg3cap_rxmode_wait.
tg3cap_wait_carrier() {
	ip link set "$1" up || tg3cap_fail "ip link set $1 up"
	_n=$(( ${2:-10} * 10 ))
	while [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" != 1 ]; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || tg3cap_fail "no carrier on $1"
		sleep 0.1
	done
	tg3cap_rxmode_wait
}

# tg3cap_nic_mode: the patched NIC driver TG3CAP_NIC_DRV (e1000 or tg3)
# runs with lwpcap=TG3CAP_NIC_LWPCAP (either unset: nothing to do).  The
# parameter is read at probe (0444), so another value means reloading the
# driver with the boot's other parameters: cases that differ only in it
# share one boot (a debug-kernel boot costs 60-100 s, the reload a few
# seconds).
tg3cap_nic_mode() {
	_drv=${TG3CAP_NIC_DRV:-} _want=${TG3CAP_NIC_LWPCAP:-}
	[ -n "$_drv" ] && [ -n "$_want" ] || return 0
	_p=/sys/module/$_drv/parameters/lwpcap
	[ -r "$_p" ] || tg3cap_fail "no $_p: not the patched $_drv"
	[ "$(cat "$_p")" = "$_want" ] && return 0
	_nics=$(ls -d "/sys/bus/pci/drivers/$_drv"/0000:* | wc -l)
	_args=$(awk -F'\t' -v m="$_drv.ko" '$1 == m { print $2 }' \
		/etc/tg3cap/modules | sed 's/lwpcap=[^ ]*//')
	rmmod "$_drv" || tg3cap_fail "rmmod $_drv"
	# shellcheck disable=SC2086 # the boot's parameters, split on purpose
	insmod "/lib/modules/tg3cap/$_drv.ko" $_args lwpcap="$_want" ||
		tg3cap_fail "insmod $_drv.ko lwpcap=$_want"
	_n=50
	while [ "$(ls -d "/sys/bus/pci/drivers/$_drv"/0000:* 2>/dev/null |
		   wc -l)" != "$_nics" ]; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] ||
			tg3cap_fail "$_drv took not all $_nics NICs back"
		sleep 0.1
	done
	[ "$(cat "$_p")" = "$_want" ] ||
		tg3cap_fail "$_drv: lwpcap=$(cat "$_p")"
	tg3cap_log "$_drv reloaded with lwpcap=$_want"
}

# tg3cap_rxmode_wait: QEMU's e1000 refuses frames for 1 s (virtual clock)
# after every RCTL write (link up, promiscuous on/off e.g. when tcpdump
# starts, multicast list change); frames sent then are dropped by the host
# tap queue. Call this after such a change and before tg3cap_ready.
tg3cap_rxmode_wait() { sleep 1.2; }

# tg3cap_ready [TAG]: tell the host to run its traffic command (round TAG).
tg3cap_ready() {
	_tag=${1:-1}
	[ -d "$OUT" ] && grep -q " $OUT 9p " /proc/mounts && : > "$OUT/ready-$_tag"
	# the " ." ends the tag: the host never takes a half-written line;
	# a case of a plan (run-vm.sh --plan) prefixes its name
	printf '\nTG3CAP-READY %s%s .\n' "${TG3CAP_CASE:+$TG3CAP_CASE/}" "$_tag"
}

# tg3cap_wait_done [TAG] [TIMEOUT_S]: wait for the host command of round TAG
# to finish; returns its exit status (fails the test on timeout).
tg3cap_wait_done() {
	_tag=${1:-1}
	_n=$(( ${2:-250} * 10 ))
	while [ ! -e "$OUT/done-$_tag" ]; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || tg3cap_fail "timeout waiting for $OUT/done-$_tag"
		sleep 0.1
	done
	_st=$(cat "$OUT/done-$_tag")
	return "${_st:-1}"
}

# tg3cap_settle IF [COUNTER] [QUIET_MS]: wait until the counter has not moved
# for QUIET_MS (default 500 ms; frames may still be queued in QEMU/the ring
# when the host command returns); prints the final value.  On tg3 at least
# 2500 ms: its counters are the chip's MAC statistics, which the driver
# reads once a second (its timer: tg3_periodic_fetch_stats()), so still
# for 500 ms says nothing there; two readings do.
tg3cap_settle() {
	_c=${2:-rx_packets}
	_q=$(( ${3:-500} / 100 ))
	if [ "$_q" -lt 25 ] && [ "$(basename "$(readlink \
		"/sys/class/net/$1/device/driver")")" = tg3 ]; then
		_q=25
	fi
	_prev=$(tg3cap_stat "$1" "$_c"); _same=0
	while [ "$_same" -lt "$_q" ]; do
		sleep 0.1
		_now=$(tg3cap_stat "$1" "$_c")
		if [ "$_now" = "$_prev" ]; then _same=$((_same + 1)); else _same=0; _prev=$_now; fi
	done
	echo "$_prev"
}
