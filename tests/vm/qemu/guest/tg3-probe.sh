#!/bin/sh
# Guest side of tests/vm/qemu/selftest.sh (docs/qemu-tg3.md (d), stage 1
# test 1, and the first half of test 2): the stock tg3 has probed the
# model (/init insmodded it and its dependencies), eth0 is tg3's, and
# "ip link set eth0 up" brings the link up.  The host judges the driver's
# own dmesg lines on the console; this script checks what it can see
# from inside and logs the rest for the host.
# shellcheck disable=SC1091 # guest path
. /lib/tg3cap/lib.sh

[ -e /sys/class/net/eth0 ] || tg3cap_fail "no eth0 (tg3 did not probe?)"
drv=$(readlink /sys/class/net/eth0/device/driver)
[ "${drv##*/}" = tg3 ] || tg3cap_fail "eth0 driver is ${drv##*/}, not tg3"
tg3cap_log "eth0: driver tg3, $(cat /sys/class/net/eth0/address)"

# TCG is slow and the host is shared: 20 s, though the driver's timer
# sees the link at its first poll after the PHY autonegotiates.
t0=$(date +%s)
ip link set eth0 up || tg3cap_fail "ip link set eth0 up"
n=200
while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ]; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || tg3cap_fail "no carrier on eth0 within 20 s"
	sleep 0.1
done
tg3cap_log "eth0 carrier up $(( $(date +%s) - t0 )) s after link set up"
tg3cap_log "eth0 speed $(cat /sys/class/net/eth0/speed)" \
	"duplex $(cat /sys/class/net/eth0/duplex)"
[ "$(cat /sys/class/net/eth0/speed)" = 1000 ] ||
	tg3cap_fail "eth0 speed is not 1000"
# the driver's "Link is up" lines go to the console a little later than
# carrier: wait for them so the host sees them before the result line
n=50
while ! dmesg | grep -q 'tg3 .* eth0: Link is up'; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || tg3cap_fail "carrier up but no 'Link is up' in dmesg"
	sleep 0.1
done
exit 0
