#!/bin/sh
# Every bad ioctl/mmap argument gets its documented errno; see ringtest.c.
. /lib/tg3cap/lib.sh
IF=${TG3CAP_IF:-eth0}
ip link set "$IF" up
ringtest errnos -i "$IF" || tg3cap_fail "ringtest errnos"
exit 0
