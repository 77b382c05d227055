#!/bin/sh
# Every bad ioctl/mmap argument gets its documented errno; then the ring
# memory limits: the module-wide cap, a memory cgroup and the share of
# other network namespaces (see ringmem.c).
. /lib/tg3cap/lib.sh
tg3cap_nic_mode
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
# three containers' network namespaces and the initial one, each with
# a veth pair (iproute2's ip: busybox's has no netns); gone afterwards
# for the boot's next case
mkdir -p /run/netns
/usr/bin/ip link add v0 type veth peer name v1 || tg3cap_fail "a veth pair"
for n in 1 2 3; do
	/usr/bin/ip netns add "lwp$n" &&
	/usr/bin/ip -n "lwp$n" link add v0 type veth peer name v1 ||
		tg3cap_fail "namespace lwp$n with a veth pair"
done
ringtest memns -i "$IF" -o /run/netns/lwp || tg3cap_fail "ringtest memns"
/usr/bin/ip link del v0
for n in 1 2 3; do /usr/bin/ip netns del "lwp$n"; done
exit 0
