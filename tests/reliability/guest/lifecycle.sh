#!/bin/sh
# Reliability 4: device lifecycle while a reader captures with its ring
# mapped and frames flow.  TG3CAP_CYCLES times: link down/up, MTU change
# (e1000, tg3: 1500 -> 1000 -> 1500; tg3 also ethtool -G rx 100 / 200
# and -L rx 1 / 2, each a chip reset and a refill of its producer ring),
# virtio: ethtool -L combined 1 / 4; the
# reader must live through them; then driver unbind through sysfs: the
# reader gets POLLHUP|POLLERR, ENODEV, a readable mapping until munmap;
# bind again, a new reader binds the new device.  Then rmmod: lwpcap is
# refused while a driver uses it or a file is open; the NIC driver goes
# with a reader bound (POLLHUP); vmalloc is back to where it was after
# the reader exits; reload and capture a burst exactly.
. /lib/tg3cap/lib.sh
. /tests/rel-lib.sh
[ -e /dev/lwpcap ] || tg3cap_fail "no /dev/lwpcap"
C=${TG3CAP_CYCLES:-3}
drv=$(basename "$(readlink "/sys/class/net/$IF/device/driver")")
dev=$(basename "$(readlink "/sys/class/net/$IF/device")")
case $drv in
e1000|tg3) mod=$drv bus=pci ;;
virtio_net) mod=virtio_net bus=virtio ;;
*) tg3cap_fail "unexpected driver $drv" ;;
esac
tg3cap_log "driver $drv, device $dev"
if [ -n "${TG3CAP_QUEUES:-}" ]; then
	ethtool -L "$IF" combined "$TG3CAP_QUEUES" || tg3cap_fail "ethtool -L"
fi
tg3cap_wait_carrier "$IF"
vm0=$(rel_vmalloc)

start_hold() {
	rm -f /tmp/hold.ready
	race hold -i "$IF" --ready /tmp/hold.ready -t 200000 > /tmp/hold.log 2>&1 &
	hp=$!
	rel_wait_file /tmp/hold.ready "$hp" "race hold"
}
alive() { kill -0 "$hp" 2>/dev/null || { cat /tmp/hold.log; tg3cap_fail "reader died: $1"; }; }
# flowing WHAT: the reader's record count grows (within 8 s) after WHAT
flowing() {
	alive "$1"
	_c0=$(cat /tmp/hold.ready 2>/dev/null); _n=0
	while [ "$(cat /tmp/hold.ready 2>/dev/null)" = "$_c0" ]; do
		_n=$((_n + 1)); [ "$_n" -lt 80 ] ||
			{ cat /tmp/hold.log; tg3cap_fail "no frame captured after $1"; }
		sleep 0.1
	done
	resumed=$((resumed + 1))
}
wait_hup() {	# the reader must end by itself, cleanly
	n=0
	while kill -0 "$hp" 2>/dev/null; do
		n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "reader did not see the device go ($1)"
		sleep 0.1
	done
	wait "$hp"; rc=$?
	cat /tmp/hold.log
	[ "$rc" = 0 ] || tg3cap_fail "reader after $1: rc $rc"
	grep -q '^HOLD ok' /tmp/hold.log || tg3cap_fail "reader after $1"
}
wait_if() {
	n=0
	while [ ! -e "/sys/class/net/$IF" ]; do
		n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "$IF did not come back"
		sleep 0.1
	done
	[ -n "${TG3CAP_QUEUES:-}" ] && ethtool -L "$IF" combined 4 2>/dev/null
	tg3cap_wait_carrier "$IF"
}

rel_round life until "${TG3CAP_RATE:-4000}" "${TG3CAP_FLOWS:-1}"
unbinds=0 downs=0 mtus=0 chans=0 rings=0 resumed=0
i=0
while [ "$i" -lt "$C" ]; do
	start_hold
	flowing "start"
	ip link set "$IF" down; sleep 0.3; alive "link down"
	ip link set "$IF" up; flowing "link up"
	downs=$((downs + 1))
	if [ "$bus" = pci ]; then
		ip link set "$IF" mtu 1000 || tg3cap_fail "mtu 1000"
		flowing "mtu 1000"
		ip link set "$IF" mtu 1500 || tg3cap_fail "mtu 1500"
		flowing "mtu 1500"
		mtus=$((mtus + 1))
		if [ "$drv" = tg3 ]; then
			ethtool -G "$IF" rx 100 || tg3cap_fail "ethtool -G rx 100"
			flowing "rx ring 100"
			ethtool -G "$IF" rx 200 || tg3cap_fail "ethtool -G rx 200"
			flowing "rx ring 200"
			rings=$((rings + 1))
			# RSS off and on again: the return rings and their
			# vectors go and come back under the bound reader
			ethtool -L "$IF" rx 1 || tg3cap_fail "ethtool -L rx 1"
			flowing "channels 1"
			ethtool -L "$IF" rx 2 || tg3cap_fail "ethtool -L rx 2"
			flowing "channels 2"
			chans=$((chans + 1))
		fi
	else
		ethtool -L "$IF" combined 1 || tg3cap_fail "ethtool -L 1"
		flowing "channels 1"
		ethtool -L "$IF" combined 4 || tg3cap_fail "ethtool -L 4"
		flowing "channels 4"
		ip link set "$IF" mtu 1000 && sleep 0.3 && ip link set "$IF" mtu 1500
		alive "mtu"
		chans=$((chans + 1))
	fi
	grep -q FAIL /tmp/hold.log && { cat /tmp/hold.log; tg3cap_fail "reader check"; }
	echo "$dev" > "/sys/bus/$bus/drivers/$drv/unbind" ||
		tg3cap_fail "unbind"
	wait_hup "unbind"
	echo "$dev" > "/sys/bus/$bus/drivers/$drv/bind" ||
		tg3cap_fail "bind"
	wait_if
	unbinds=$((unbinds + 1))
	i=$((i + 1))
done

# rmmod: lwpcap is in use by the drivers; the NIC driver goes with a
# reader bound; lwpcap refuses while a file is open
start_hold
rmmod lwpcap 2>/dev/null && tg3cap_fail "rmmod lwpcap succeeded while $mod uses it"
rmmod "$mod" || tg3cap_fail "rmmod $mod with a reader bound"
wait_hup "rmmod $mod"
for m in virtio_net e1000 tg3; do [ -e /sys/module/$m ] && rmmod $m; done
exec 3<>/dev/lwpcap
rmmod lwpcap 2>/dev/null && tg3cap_fail "rmmod lwpcap succeeded with a file open"
exec 3>&-
sleep 0.5
vm1=$(rel_vmalloc)
rmmod lwpcap || tg3cap_fail "rmmod lwpcap when unused"
vm2=$(rel_vmalloc)
insmod /lib/modules/tg3cap/lwpcap.ko || tg3cap_fail "insmod lwpcap"
# the NIC drivers of this boot, with its parameters
for m in e1000 virtio_net tg3; do
	grep -q "^$m.ko" /etc/tg3cap/modules || continue
	p=$(grep "^$m.ko" /etc/tg3cap/modules | cut -f2)
	# shellcheck disable=SC2086 # the boot's parameters, split on purpose
	insmod "/lib/modules/tg3cap/$m.ko" $p || tg3cap_fail "insmod $m"
done
wait_if
touch /out/stop-life
rel_done life
tg3cap_wait_carrier "$IF"
echo "LIFE cycles=$C linkdown=$downs mtu=$mtus channels=$chans rings=$rings unbinds=$unbinds resumed=$resumed rmmod=1 vmalloc_kb=$vm0/$vm1/$vm2"
echo "rx_delta=skip" > /out/life.guest
echo "tap_drops=ok" >> /out/life.guest
echo "vmalloc_kb_before=$vm0 vmalloc_kb_readers_gone=$vm1 vmalloc_kb_after_rmmod=$vm2" > /out/mem.guest
[ $((vm1 - vm0)) -le 512 ] || tg3cap_fail "VmallocUsed grew by $((vm1 - vm0)) kB"
rel_burst burst 3000 3000 "${TG3CAP_FLOWS:-1}"
rel_end
exit 0
