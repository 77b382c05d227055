#!/bin/sh
# Every bad ioctl/mmap argument gets its documented errno; then the ring
# memory limits: the module-wide cap and a memory cgroup (see ringtest.c).
. /lib/tg3cap/lib.sh
tg3cap_e1000_mode
IF=${TG3CAP_IF:-eth0}
ip link set "$IF" up
ringtest errnos -i "$IF" || tg3cap_fail "ringtest errnos"
CG=/sys/fs/cgroup
mkdir -p $CG
mount -t cgroup2 none $CG || tg3cap_fail "mount cgroup2"
echo +memory > $CG/cgroup.subtree_control || tg3cap_fail "no memory controller"
mkdir $CG/memcap && echo 16M > $CG/memcap/memory.max ||
	tg3cap_fail "memory cgroup"
ringtest memcap -i "$IF" -o $CG/memcap || tg3cap_fail "ringtest memcap"
exit 0
