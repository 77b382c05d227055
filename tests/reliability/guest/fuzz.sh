#!/bin/sh
# Reliability 2: >= TG3CAP_IOCTLS random ioctls and mmap calls on
# /dev/lwpcap (fuzz, seed printed) while frames flow; then ringtest must
# capture a burst exactly.
. /lib/tg3cap/lib.sh
. /tests/rel-lib.sh
[ -e /dev/lwpcap ] || tg3cap_fail "no /dev/lwpcap"
tg3cap_wait_carrier "$IF"
vm0=$(rel_vmalloc)
rx0=$(rel_rx)
rel_round fuzz until "${TG3CAP_RATE:-10000}" 1
fuzz -i "$IF" -n "${TG3CAP_IOCTLS:-100000}" --seed "$SEED" > /tmp/fuzz.log 2>&1
rc=$?
touch /out/stop-fuzz
rel_done fuzz
rx1=$(rel_settle)
cat /tmp/fuzz.log
echo "rx_delta=$((rx1 - rx0))" > /out/fuzz.guest
[ "$rc" = 0 ] || tg3cap_fail "fuzz exited $rc (seed $SEED)"
grep -q '^FUZZ' /tmp/fuzz.log || tg3cap_fail "fuzz did not finish"
# the device still works
rel_burst burst 3000 3000 1
sleep 0.5
echo "vmalloc_kb_before=$vm0 vmalloc_kb_after=$(rel_vmalloc)" > /out/mem.guest
rel_end
exit 0
