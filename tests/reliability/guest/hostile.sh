#!/bin/sh
# Reliability 1: a hostile reader scribbles over its whole mapping while
# frames flow; then a probe reader holds impossible cons values (the
# kernel must count them in bad_cons and keep going); then ringtest
# captures a burst exactly.  Args: seed, count, rate, flows, ms, queues.
. /lib/tg3cap/lib.sh
. /tests/rel-lib.sh
[ -e /dev/lwpcap ] || tg3cap_fail "no /dev/lwpcap"
if [ -n "${TG3CAP_QUEUES:-}" ]; then
	ethtool -L "$IF" combined "$TG3CAP_QUEUES" || tg3cap_fail "ethtool -L"
fi
tg3cap_wait_carrier "$IF"
N=${TG3CAP_COUNT:-50000} R=${TG3CAP_RATE:-10000} F=${TG3CAP_FLOWS:-1}
vm0=$(rel_vmalloc)

# 1. scribble
hostile scribble -i "$IF" -t "${TG3CAP_MS:-4000}" --seed "$SEED" \
	--ready /tmp/h.ready > /tmp/h.log 2>&1 &
h=$!
rel_wait_file /tmp/h.ready "$h" hostile
rx0=$(rel_rx)
rel_round scribble flood "$N" "$R" "$F"
rel_done scribble
rx1=$(rel_settle)
kill -TERM "$h"; wait "$h"; rc=$?
cat /tmp/h.log
[ "$rc" = 0 ] || tg3cap_fail "hostile scribble failed ($rc)"
l=$(grep '^SCRIBBLE' /tmp/h.log)
v() { echo "$l" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
{
	echo "rx_delta=$((rx1 - rx0))"
	echo "captured=$(v packets)"
	echo "drops=$(v drops)"
	echo "bad_cons=$(v bad_cons)"
	echo "writes=$(v writes)"
} > /out/scribble.guest
tg3cap_log "scribble: $(tr '\n' ' ' < /out/scribble.guest)"

# 2. probe
hostile probe -i "$IF" --ready /tmp/p.ready > /tmp/p.log 2>&1 &
p=$!
rel_wait_file /tmp/p.ready "$p" "hostile probe"
rx0=$(rel_rx)
rel_round probe flood "$((R * 3))" "$R" "$F"
rel_done probe
rx1=$(rel_settle)
kill -TERM "$p"; wait "$p"; rc=$?
cat /tmp/p.log
l=$(grep '^PROBE' /tmp/p.log)
{
	echo "rx_delta=$((rx1 - rx0))"
	echo "captured=$(v packets)"
	echo "drops=$(v drops)"
	echo "bad_cons=$(v bad_cons)"
	echo "probe_rc=$rc"
} > /out/probe.guest
tg3cap_log "probe: $(tr '\n' ' ' < /out/probe.guest)"

# 3. a well-behaved reader afterwards
rel_burst burst 3000 3000 "$F"
sleep 0.5
echo "vmalloc_kb_before=$vm0 vmalloc_kb_after=$(rel_vmalloc)" > /out/mem.guest
rel_end
[ "$rc" = 0 ] || tg3cap_fail "hostile probe failed ($rc)"
exit 0
