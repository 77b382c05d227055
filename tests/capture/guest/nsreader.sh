#!/bin/sh
# Run by netns.sh as root of a user+net namespace that nobody made:
# wait until root has moved eth0 in here, then capture it (tap) with
# ringtest until SIGTERM.  $1: a directory shared with netns.sh.
D=$1
echo $$ > "$D/pid"
n=0
while ! grep -q 'eth0:' /proc/net/dev; do
	n=$((n + 1))
	[ "$n" -lt 200 ] || { echo "nsreader: eth0 never came"; exit 1; }
	sleep 0.1
done
/usr/bin/ip link set lo up
/usr/bin/ip link set eth0 up || { echo "nsreader: link up"; exit 1; }
n=0
while ! /usr/bin/ip link show eth0 | grep -q LOWER_UP; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || { echo "nsreader: no carrier"; exit 1; }
	sleep 0.1
done
sleep 1.2	# QEMU's e1000 after an RCTL write (tg3cap_rxmode_wait)
ringtest capture -i eth0 -o "$D/cap" --ready "$D/ready" --mode tap -s 1514 \
	--seg-size 65536 --nr-segs 16 &
echo $! > "$D/rt.pid"
wait $!
echo $? > "$D/rc"
