#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of the appliance test, run by systemd at boot in the Debian
# 12 or 13 guest (tg3cap-appliance-test.service, installed by run.sh) after the
# .debs were installed into its root.  Each check prints
#   APPLIANCE-CHECK ok NAME    or    APPLIANCE-CHECK FAIL NAME: DETAIL
# on the console (run.sh counts them); the capture's files, its journal
# and `systemctl status` go to /out (9p) for the host's checks.  Ends with
# TG3CAP-RESULT and powers off.
exec >/dev/ttyS0 2>&1
. /lib/tg3cap/lib.sh

TEST=appliance IF=eth0 UNIT=tg3cap@eth0
FAILED=0
ok() { echo "APPLIANCE-CHECK ok $1"; }
bad() { echo "APPLIANCE-CHECK FAIL $1: $2"; FAILED=$((FAILED + 1)); }
check() { # NAME DETAIL COMMAND...
	_n=$1 _d=$2; shift 2
	if "$@"; then ok "$_n"; else bad "$_n" "$_d"; fi
}
finish() {
	sync
	if [ "$FAILED" = 0 ]; then
		printf '\nTG3CAP-RESULT: PASS %s\n' "$TEST"
	else
		printf '\nTG3CAP-RESULT: FAIL %s (%s checks failed)\n' "$TEST" "$FAILED"
	fi
	systemctl --no-block poweroff
	exit 0
}
prop() { systemctl show -p "$2" --value "$1"; }

mkdir -p /out
mount -t 9p -o trans=virtio,version=9p2000.L out /out ||
	{ bad 9p "cannot mount the host share"; finish; }
KVER=$(uname -r)
echo "guest: kernel $KVER, $(systemctl is-system-running 2>&1)"

# ---- the DKMS package: built for this kernel, picked by modprobe ---------
dkms status -m tg3cap -k "$KVER" | tee /out/dkms-status.txt
check dkms-installed "dkms status: $(cat /out/dkms-status.txt)" \
	grep -q ": installed" /out/dkms-status.txt
# (Debian 13's kmod names /usr/lib/modules, and its dkms compresses the
# modules as the kernel's own are: $m.ko.xz)
for m in lwpcap tg3 e1000 virtio_net; do
	p=$(modinfo -n "$m" 2>&1)
	case $(readlink -f "$p") in
	/usr/lib/modules/$KVER/updates/dkms/$m.ko|\
	/usr/lib/modules/$KVER/updates/dkms/$m.ko.xz) ok "modprobe-finds-$m" ;;
	*) bad "modprobe-finds-$m" "modinfo -n $m: $p" ;;
	esac
done
# udev loaded e1000 at boot with the options of /etc/modprobe.d
check e1000-hooked "e1000 loaded without lwpcap=1" \
	grep -qx 1 /sys/module/e1000/parameters/lwpcap
check lwpcap-dev "/dev/lwpcap missing" test -c /dev/lwpcap
modprobe tg3 lwpcap=1
check modprobe-tg3-lwpcap "modprobe tg3 lwpcap=1 did not load the patched tg3" \
	grep -qx 1 /sys/module/tg3/parameters/lwpcap
rmmod tg3

# ---- the service -------------------------------------------------------------
mkdir -p /etc/tg3cap /etc/systemd/system/$UNIT.service.d
# Files of 1 MB, so that the capture rotates; the watchdog made short so
# that the run outlives several of its periods.
cat >/etc/tg3cap/eth0.conf <<'CONF'
OPTIONS=-C 1m --summary-interval 2 --stats-interval 1
CONF
printf '[Service]\nWatchdogSec=4\n' >/etc/systemd/system/$UNIT.service.d/test.conf
systemctl daemon-reload
tg3cap_wait_carrier "$IF"

systemctl start "$UNIT"
check start "systemctl start $UNIT failed" test "$(prop $UNIT ActiveState)" = active
tg3cap_rxmode_wait	# the reader made eth0 promiscuous: e1000 pauses
systemctl status --no-pager "$UNIT" >/out/status-start.txt 2>&1
check status-running "systemctl status: $(sed -n 3p /out/status-start.txt)" \
	grep -q 'Active: active (running)' /out/status-start.txt
check watchdog "WatchdogUSec=$(prop $UNIT WatchdogUSec)" \
	test "$(prop $UNIT WatchdogUSec)" = 4s
check memorymax "MemoryMax=$(prop $UNIT MemoryMax)" \
	test "$(prop $UNIT MemoryMax)" = $((256 * 1024 * 1024))

tg3cap_ready 1
tg3cap_wait_done 1 || bad traffic "the host's traffic command failed"
rx=$(tg3cap_settle "$IF" rx_packets 1000)
echo "guest: $IF rx_packets $rx"
# past two watchdog periods without a ping would have killed it
sleep 9
# ---- metrics: the unit's default --metrics auto, through node_exporter
M=/var/lib/prometheus/node-exporter/tg3cap-eth0.prom
check metrics-auto "no $M: $(ls /var/lib/prometheus/node-exporter/ 2>&1)" \
	test -s "$M"
check node-exporter "prometheus-node-exporter: $(systemctl is-active prometheus-node-exporter)" \
	systemctl -q is-active prometheus-node-exporter
curl -s http://127.0.0.1:9100/metrics >/out/node-exporter.txt
scraped() { sed -n "s/^$1 //p" /out/node-exporter.txt; }
w=$(scraped 'tg3cap_written_frames_total{iface="eth0"}')
check metrics-scraped "node_exporter serves tg3cap_written_frames_total $w, capturing $(scraped 'tg3cap_capturing{iface="eth0"}'), scrape error $(scraped node_textfile_scrape_error)" \
	test "${w:-0}" -ge 3000 -a \
	"$(scraped 'tg3cap_capturing{iface="eth0"}')" = 1 -a \
	"$(scraped node_textfile_scrape_error)" = 0
check metrics-no-loss "lost: $(grep '^tg3cap_lost_frames_total' /out/node-exporter.txt | tr '\n' ' ')" \
	test -z "$(grep '^tg3cap_lost_frames_total' /out/node-exporter.txt | grep -v ' 0$')"
systemctl status --no-pager "$UNIT" >/out/status-running.txt 2>&1
check still-running "$(sed -n 3p /out/status-running.txt)" \
	grep -q 'Active: active (running)' /out/status-running.txt
check no-restart "NRestarts=$(prop $UNIT NRestarts)" \
	test "$(prop $UNIT NRestarts)" = 0
check status-text "no STATUS= from the reader" \
	grep -q 'Status: "' /out/status-running.txt

systemctl stop "$UNIT"
check stop-clean "Result=$(prop $UNIT Result) ExecMainStatus=$(prop $UNIT ExecMainStatus)" \
	test "$(prop $UNIT Result)/$(prop $UNIT ExecMainStatus)" = success/0
journalctl -b -u "$UNIT" -o cat --no-pager >/out/journal.txt
parts=$(find /var/lib/tg3cap/eth0/ -name '*.part' | wc -l)
check no-part "$parts .part files left" test "$parts" = 0
check metrics-stopped "after stop: $(grep '^tg3cap_capturing' $M)" \
	grep -qx 'tg3cap_capturing{iface="eth0"} 0' "$M"
mkdir -p /out/cap
cp /var/lib/tg3cap/eth0/*.pcap /out/cap/
ls -l /var/lib/tg3cap/eth0/

# ---- -Z USER under the unit, killed and restarted (issue 25, 9 and 10) -----
# The drop-in docs/operations.md gives for -Z; the unit gives root no
# CAP_DAC_OVERRIDE, so the lock, the repair and the first files must be
# made with USER's rights in USER's 0700 directory.  SIGKILL leaves USER's
# .part; systemd restarts the reader, whose start repairs it.
Z=/srv/tg3cap-z
useradd --system --no-create-home --shell /usr/sbin/nologin tg3capz
mkdir -p $Z && chown tg3capz: $Z && chmod 0700 $Z
printf 'CAPTURE_PREFIX=%s/cap\nOPTIONS=-C 1m -Z tg3capz\n' $Z >/etc/tg3cap/eth0.conf
printf '[Service]\nReadWritePaths=%s\nCapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN CAP_SETUID CAP_SETGID\n' \
	$Z >/etc/systemd/system/$UNIT.service.d/z.conf
systemctl daemon-reload
systemctl start "$UNIT"
check z-start "-Z under the unit: $(prop $UNIT ActiveState), journal: $(journalctl -b -u $UNIT -o cat -n 3 --no-pager | tr '\n' ' ')" \
	test "$(prop $UNIT ActiveState)" = active
pid=$(prop $UNIT MainPID)
# real, effective, saved and file system uid (not /proc/PID's owner:
# root's after a change of user, which makes the process undumpable)
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
u=$(id -u tg3capz)
check z-user "the reader's uids: $uids, want $u" test "$uids" = "$u $u $u $u"

tg3cap_rxmode_wait
tg3cap_ready z
tg3cap_wait_done z || bad z-traffic "the host's traffic command failed"
tg3cap_settle "$IF" rx_packets 1000 >/dev/null
sleep 3	# written out (the direct writer stages for up to a second)
ls -ln $Z/
check z-files "files: $(stat -c '%n %U %a' $Z/cap.* | tr '\n' ' ')" \
	test -z "$(find $Z -name 'cap.*' \( ! -user tg3capz -o -perm /077 \))"
systemctl kill -s KILL --kill-who=main "$UNIT"
n=0
until [ "$(prop $UNIT NRestarts)" = 1 ] &&
	[ "$(prop $UNIT ActiveState)" = active ] || [ $n -ge 300 ]; do
	sleep 0.1; n=$((n + 1))
done
check z-restarted "after SIGKILL: NRestarts=$(prop $UNIT NRestarts) $(prop $UNIT ActiveState)" \
	test "$(prop $UNIT NRestarts)/$(prop $UNIT ActiveState)" = 1/active
systemctl stop "$UNIT"
check z-stop-clean "Result=$(prop $UNIT Result) ExecMainStatus=$(prop $UNIT ExecMainStatus)" \
	test "$(prop $UNIT Result)/$(prop $UNIT ExecMainStatus)" = success/0
journalctl -b -u "$UNIT" -o cat --no-pager >/out/journal-z.txt
# the default --metrics auto gives way: node_exporter's directory is root's
check z-metrics-off "start line: $(grep -m1 'capturing on' /out/journal-z.txt)" \
	grep -q "; no metrics (--metrics auto: /var/lib/prometheus/node-exporter: Permission denied)" /out/journal-z.txt
check z-repaired "no repair in the journal after the restart" \
	grep -q "repaired $Z/cap.000000.pcap: " /out/journal-z.txt
parts=$(find $Z -name '*.part' | wc -l)
check z-no-part "$parts .part files left" test "$parts" = 0
mkdir -p /out/capz
cp $Z/*.pcap /out/capz/
ls -l $Z/
finish
