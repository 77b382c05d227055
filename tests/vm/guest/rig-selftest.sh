#!/bin/sh
# Guest half of rig-selftest.sh: count what eth0 receives while the host sends.
# Args (kernel command line): tg3cap.if=IF (default eth0), tg3cap.queues=Q
# (virtio: ethtool -L combined Q). Writes /out/guest.env, prints the figures.
# shellcheck disable=SC1091 # guest path
. /lib/tg3cap/lib.sh

IF=${TG3CAP_IF:-eth0}
[ -d "/sys/class/net/$IF" ] || tg3cap_fail "no interface $IF"
drv=$(basename "$(readlink "/sys/class/net/$IF/device/driver")")
tg3cap_log "$IF driver $drv, mac $(cat "/sys/class/net/$IF/address")"
if [ -n "${TG3CAP_QUEUES:-}" ]; then
	ethtool -L "$IF" combined "$TG3CAP_QUEUES" || tg3cap_fail "ethtool -L $IF combined $TG3CAP_QUEUES"
	tg3cap_log "$(ethtool -l "$IF" | tail -n 5 | tr '\n\t' '  ')"
fi
tg3cap_wait_carrier "$IF"

rx0=$(tg3cap_stat "$IF" rx_packets)
drop0=$(tg3cap_stat "$IF" rx_dropped)
miss0=$(tg3cap_stat "$IF" rx_missed_errors)
tg3cap_ready 1
tg3cap_wait_done 1 || tg3cap_fail "host traffic command failed"
rx1=$(tg3cap_settle "$IF" rx_packets 500)
drop1=$(tg3cap_stat "$IF" rx_dropped)
miss1=$(tg3cap_stat "$IF" rx_missed_errors)

{
	echo "rx_packets_delta=$((rx1 - rx0))"
	echo "rx_dropped_delta=$((drop1 - drop0))"
	echo "rx_missed_delta=$((miss1 - miss0))"
} > /tmp/guest.env
cp /tmp/guest.env /out/guest.env || tg3cap_fail "cannot write /out/guest.env"
tg3cap_log "figures: $(tr '\n' ' ' < /tmp/guest.env)"
if [ -n "${TG3CAP_QUEUES:-}" ]; then
	tg3cap_log "per queue: $(ethtool -S "$IF" | grep -E 'rx_queue_[0-9]+_packets' | tr -s ' \n' '  ')"
fi

# round 2: the host reads the tap counters after the guest has drained all
tg3cap_ready 2
tg3cap_wait_done 2 || tg3cap_fail "host counter round failed"
exit 0
