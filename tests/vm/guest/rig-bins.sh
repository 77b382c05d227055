#!/bin/sh
# Rig test of mkinitramfs.sh --bin: programs whose names are busybox applets
# (ip, nsenter) are the real iproute2 and util-linux programs in the image,
# not the applet links they replaced.  busybox ash runs its own applet for
# a bare "ip" whatever PATH holds (standalone shell): call them by path.
# shellcheck disable=SC1091 # guest path
. /lib/tg3cap/lib.sh
for p in ip nsenter; do
	[ -f "/usr/bin/$p" ] && [ ! -L "/usr/bin/$p" ] ||
		tg3cap_fail "/usr/bin/$p is not a regular file"
done
v=$(/usr/bin/ip -V 2>&1) || tg3cap_fail "ip -V failed: $v"
tg3cap_log "ip -V: $v"
case $v in *iproute2*) ;; *) tg3cap_fail "ip -V is not iproute2's: $v" ;; esac
v=$(/usr/bin/nsenter --version 2>&1) || tg3cap_fail "nsenter --version failed: $v"
tg3cap_log "nsenter --version: $v"
case $v in *util-linux*) ;; *) tg3cap_fail "nsenter is not util-linux's: $v" ;; esac
# and the real programs work here: a namespace entered with util-linux
/usr/bin/ip link show lo >/dev/null || tg3cap_fail "ip link show lo"
/usr/bin/nsenter -t 1 -n /usr/bin/ip -o link show lo >/dev/null ||
	tg3cap_fail "nsenter -t 1 -n ip link show lo"
exit 0
