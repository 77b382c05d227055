#!/bin/sh
# Rig test of the sync protocol alone: two rounds; the host command's exit
# status arrives in /out/done-TAG (tg3cap.expect=STATUS of round 1).
# shellcheck disable=SC1091 # guest path
. /lib/tg3cap/lib.sh
st=0
tg3cap_ready 1
tg3cap_wait_done 1 || st=$?
tg3cap_log "round 1 host status $st"
[ "$st" = "${TG3CAP_EXPECT:-0}" ] || tg3cap_fail "round 1: host status $st, expected ${TG3CAP_EXPECT:-0}"
tg3cap_ready 2
tg3cap_wait_done 2 || tg3cap_fail "round 2 host status $?"
[ -f /out/from-host ] || tg3cap_fail "file written by the host command not seen in /out"
exit 0
