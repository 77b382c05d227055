#!/bin/sh
# Reliability 5: children racing to open and BIND the same device while
# frames flow: exactly one wins each round, every other gets EBUSY.
. /lib/tg3cap/lib.sh
. /tests/rel-lib.sh
[ -e /dev/lwpcap ] || tg3cap_fail "no /dev/lwpcap"
tg3cap_wait_carrier "$IF"
rx0=$(rel_rx)
rel_round race until "${TG3CAP_RATE:-10000}" 1
race race -i "$IF" -n "${TG3CAP_CHILDREN:-32}" -r "${TG3CAP_ROUNDS:-50}" \
	> /tmp/race.log 2>&1
rc=$?
touch /out/stop-race
rel_done race
rx1=$(rel_settle)
cat /tmp/race.log
echo "rx_delta=$((rx1 - rx0))" > /out/race.guest
[ "$rc" = 0 ] || tg3cap_fail "race failed"
race bindnow -i "$IF" || tg3cap_fail "cannot bind after the race"
rel_burst burst 3000 3000 1
rel_end
exit 0
