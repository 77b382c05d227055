#!/bin/sh
# Reliability 8 (issue 12, item 7): one reader's life on one NIC must
# not stall another reader capturing on another NIC.  ringtest churn
# binds, sets up, activates, deactivates (or not) and closes eth1 in a
# loop, so that the core waits for a grace period all the time; the
# reader on eth0 times a poll() that may not wait plus a GET_STATS each
# turn (capture --stall) and captures a burst frame for frame, once
# without the churn and once with it.  With it, at most 5 % of those
# probes may take over 10 ms: a lock the churn holds across a grace
# period (40-60 ms on the debug kernel under TCG) stalls 18 % of them,
# while the CPU the churn takes leaves 1-2 % (0.5 % without the churn,
# on a host loaded 6-8; docs/reliability.md).
. /lib/tg3cap/lib.sh
. /tests/rel-lib.sh
[ -e /dev/lwpcap ] || tg3cap_fail "no /dev/lwpcap"
tg3cap_wait_carrier eth0
tg3cap_wait_carrier eth1

REL_RT_ARGS=--stall
rel_burst burst-quiet 3000 1000 1
ringtest churn -i eth1 -n 3600 --ready /tmp/churn.ready > /tmp/churn.log 2>&1 &
ch=$!
rel_wait_file /tmp/churn.ready "$ch" "ringtest churn"
sleep 1
rel_burst burst-churn 3000 1000 1
kill -TERM "$ch"
wait "$ch" || { cat /tmp/churn.log; tg3cap_fail "ringtest churn failed"; }
cat /tmp/churn.log
grep -q '^CHURN cycles=[1-9]' /tmp/churn.log || tg3cap_fail "no churn cycle"
for t in burst-quiet burst-churn; do
	grep -h '^STALL' "/tmp/$t.log" | sed "s/^STALL/STALL $t/"
done
set -- $(sed -n 's/^STALL samples=\([0-9]*\) .* over10ms=\([0-9]*\)$/\1 \2/p' \
	/tmp/burst-churn.log)
[ $# = 2 ] && [ "$1" -ge 500 ] ||
	tg3cap_fail "too few stall samples during the churn: ${1:-none}"
[ $(($2 * 20)) -le "$1" ] ||
	tg3cap_fail "$2 of $1 probes stalled over 10 ms while eth1 churned"
rel_end
exit 0
