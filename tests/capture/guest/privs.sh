#!/bin/sh
# Who may capture how (docs/reliability.md, threat model): tap needs
# CAP_NET_RAW, divert (which hides the port's traffic from the stack)
# needs CAP_NET_ADMIN, both in the user namespace owning the device's
# network namespace.  capsh --drop takes a capability out of the
# bounding set, so the shell it starts (and ringtest) runs without it.
# At the driver's hook e1000 is loaded with lwpcap=1: the default mode is
# divert.  At a portable point (TG3CAP_POINT, stock e1000) the default is
# tap; ingress diverts with CAP_NET_ADMIN, ptype cannot divert at all
# (EOPNOTSUPP), and the capability is still checked first.
. /lib/tg3cap/lib.sh
tg3cap_nic_mode
IF=${TG3CAP_IF:-eth0}
ip link set "$IF" up
CAPSH=/usr/bin/capsh

# $1 capability to drop or "none", $2 mode, $3 expected outcome
try() {
	if [ "$1" = none ]; then
		ringtest activate -i "$IF" --mode "$2" --expect "$3"
	else
		"$CAPSH" --drop="$1" --shell=/bin/sh -- -c \
			"grep CapEff /proc/self/status;
			 exec ringtest activate -i $IF --mode $2 --expect $3"
	fi || tg3cap_fail "without $1, mode $2: want $3"
}

div=ok def=ok def_noadmin=activate:EPERM
case ${TG3CAP_POINT:-driver} in
driver) ;;
ingress) def_noadmin=ok ;;
ptype|netfilter) div=activate:EOPNOTSUPP def_noadmin=ok ;;
*) tg3cap_fail "unknown point $TG3CAP_POINT" ;;
esac
try none tap ok
try none divert "$div"
try none default "$def"
try cap_net_admin tap ok
try cap_net_admin divert activate:EPERM
try cap_net_admin default "$def_noadmin"
exit 0
