#!/bin/sh
# A reader that activates and deactivates in a loop must not patch the
# kernel's text at every turn: lwpcap_enabled()'s static key, which the
# driver hooks test, is switched off only after a second without a ring
# (a deferred key; issue 26).  Every switch of any static key goes
# through jump_label_update(): a kprobe counts them while ringtest
# churns (bind, set up, activate, deactivate, close) for CHURN seconds.
# Needs Debian's kernel (kprobe events; the debug kernel has no ftrace).
. /lib/tg3cap/lib.sh
tg3cap_nic_mode
IF=${TG3CAP_IF:-eth0}
T=/sys/kernel/tracing
ip link set "$IF" up
[ -e $T/kprobe_events ] || mount -t tracefs nodev $T ||
	tg3cap_fail "no tracefs"
# jump_label_update() once per switch; where the compiler inlined it,
# arch_jump_label_transform_queue() once per patched site and switch
fn=
for f in jump_label_update arch_jump_label_transform_queue; do
	if echo "p:lwpkey $f" >> $T/kprobe_events 2>/dev/null; then
		fn=$f
		break
	fi
done
[ -n "$fn" ] || tg3cap_fail "no kprobe on the static key's switch"
echo 1 > $T/events/kprobes/lwpkey/enable || tg3cap_fail "kprobe enable"
ringtest churn -i "$IF" -n "${TG3CAP_CHURN:-3}" > /tmp/churn.log 2>&1
rc=$?
echo 0 > $T/events/kprobes/lwpkey/enable
hits=$(awk '$1 == "lwpkey" { print $2 }' $T/kprobe_profile)
echo '-:lwpkey' >> $T/kprobe_events
cat /tmp/churn.log
[ "$rc" = 0 ] || tg3cap_fail "ringtest churn failed"
cycles=$(sed -n 's/^CHURN cycles=\([0-9]*\).*/\1/p' /tmp/churn.log)
echo "KEYCHURN cycles=$cycles $fn=$hits"
[ "${cycles:-0}" -ge 100 ] || tg3cap_fail "only ${cycles:-0} cycles"
# the first activation may switch it on (none if an earlier case's ring
# is less than a second old); nothing else may, however many the
# cycles (without the deferral: two switches per cycle)
[ -n "$hits" ] && [ $((hits * 10)) -le "$cycles" ] ||
	tg3cap_fail "$fn ran $hits times in $cycles cycles"
exit 0
