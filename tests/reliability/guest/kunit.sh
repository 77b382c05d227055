#!/bin/sh
# The tg3 KUnit suite ran when /init loaded tg3.ko (its results are on
# the console, counted by the host); here only check that tg3 is in and
# that KUnit recorded the suite, then unload tg3: it holds lwpcap, which
# the cases after this one unload and load again (lifecycle).  What the
# suite leaked shows in the boot's leak check all the same.
. /lib/tg3cap/lib.sh
[ -e /sys/module/tg3 ] || tg3cap_fail "tg3.ko is not loaded"
r=/sys/kernel/debug/kunit/tg3_lwpcap/results
[ -e "$r" ] || tg3cap_fail "no $r: the suite did not run"
tg3cap_log "kunit: $(grep -c '^ *ok ' "$r") ok line(s) in $r"
rmmod tg3 || tg3cap_fail "rmmod tg3 after its KUnit suite"
exit 0
