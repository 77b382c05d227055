#!/bin/sh
# lwpcap and network namespaces (docs/reliability.md, threat model).
#   1. nsfd: nobody makes a user+net namespace, opens /dev/lwpcap there
#      and passes the file to root in init_net, whose BIND of the host's
#      eth0 must fail: the ifindex resolves in the file's namespace,
#      which has no such interface (ENODEV).
#   2. a file opened without CAP_NET_RAW (CAP_NET_ADMIN only) cannot
#      bind: the capability is checked at BIND, with the file's
#      credentials (EPERM).
#   3. nobody makes a user+net namespace, root moves eth0 into it, and
#      the reader in there (tap) captures every frame the host sends.
#   4. root moves eth0 back to init_net under the running reader: the
#      reader must get POLLHUP|POLLERR at once and stop by itself, its
#      records intact (ringtest checks every one, and the count is
#      still what the host sent); root then binds eth0 in init_net.
. /lib/tg3cap/lib.sh
tg3cap_nic_mode
IF=eth0
IPR=/usr/bin/ip
D=/tmp/ns
# the node's mode is not the boundary under test: let nobody open it
chmod 0666 /dev/lwpcap
uc=/proc/sys/kernel/unprivileged_userns_clone
[ -w $uc ] && echo 1 > $uc

ringtest nsfd -i $IF || tg3cap_fail "nsfd"
/usr/bin/capsh --drop=cap_net_raw --shell=/bin/sh -- -c \
	"exec ringtest activate -i $IF --mode tap --expect bind:EPERM" ||
	tg3cap_fail "bind without CAP_NET_RAW"

# rx_packets of eth0 as process $1's network namespace sees it
nsrx() { awk '/eth0:/ { sub(/.*eth0:/, ""); print $2 }' "/proc/$1/net/dev"; }
waitfile() {
	_n=0
	while [ ! -e "$1" ]; do
		_n=$((_n + 1))
		[ "$_n" -lt "${2:-150}" ] || { cat $D/log; tg3cap_fail "no $1"; }
		sleep 0.1
	done
}

mkdir -m 0777 $D
/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups \
	/usr/bin/unshare --user --map-root-user --net \
	/bin/sh /tests/nsreader.sh $D > $D/log 2>&1 &
waitfile $D/pid
pid=$(cat $D/pid)
$IPR link set $IF netns "$pid" || tg3cap_fail "ip link set $IF netns"
waitfile $D/ready
rx0=$(nsrx "$pid")
tg3cap_ready 1
tg3cap_wait_done 1 || tg3cap_fail "host traffic command failed"
prev=$(nsrx "$pid") same=0
while [ "$same" -lt 5 ]; do
	sleep 0.1
	now=$(nsrx "$pid")
	if [ "$now" = "$prev" ]; then same=$((same + 1)); else same=0; prev=$now; fi
done
rx1=$prev
# 4. the port goes back to the host: the reader must let go by itself
/usr/bin/nsenter -t "$pid" -n $IPR link set $IF netns 1 ||
	tg3cap_fail "ip link set $IF netns 1"
n=0
while [ ! -e $D/rc ]; do
	n=$((n + 1))
	if [ "$n" -ge 50 ]; then
		kill -TERM "$(cat $D/rt.pid)"
		waitfile $D/rc
		cat $D/log
		tg3cap_fail "the namespaced reader kept $IF after it left its namespace"
	fi
	sleep 0.1
done
cat $D/log
grep -q 'device gone (revents 0x18)' $D/log ||
	tg3cap_fail "no POLLHUP|POLLERR when $IF left the namespace"
[ "$(cat $D/rc)" = 0 ] || tg3cap_fail "namespaced reader failed"
ringtest activate -i $IF --mode tap --expect ok ||
	tg3cap_fail "binding $IF again in init_net"
tot=$(grep '^TOTAL' $D/log)
{
	echo "rx_delta=$((rx1 - rx0))"
	echo "captured=$(echo "$tot" | sed -n 's/.*captured=\([0-9]*\).*/\1/p')"
	echo "drops=$(echo "$tot" | sed -n 's/.*drops=\([0-9]*\).*/\1/p')"
} > /out/guest.env
tg3cap_log "namespaced reader: $(tr '\n' ' ' < /out/guest.env)"
tg3cap_ready 2
tg3cap_wait_done 2 || tg3cap_fail "host counter round failed"
exit 0
