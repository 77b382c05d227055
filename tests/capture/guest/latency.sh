#!/bin/sh
# A reader asleep in poll() on a quiet link gets each single frame within
# 100 ms of its receipt; the host sends a few frames far apart.
. /lib/tg3cap/lib.sh
tg3cap_nic_mode
IF=${TG3CAP_IF:-eth0}
N=${TG3CAP_COUNT:-5}
tg3cap_wait_carrier "$IF"
ringtest latency -i "$IF" -n "$N" --ready /tmp/rt.ready > /tmp/lat.log 2>&1 &
rt=$!
n=0
while [ ! -e /tmp/rt.ready ]; do
	n=$((n + 1)); [ "$n" -lt 100 ] || tg3cap_fail "ringtest not ready"
	sleep 0.1
done
tg3cap_ready 1
tg3cap_wait_done 1 || tg3cap_fail "host traffic command failed"
wait "$rt"
rc=$?
cat /tmp/lat.log
[ "$rc" = 0 ] || tg3cap_fail "latency check failed"
exit 0
