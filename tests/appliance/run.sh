#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The appliance test: the Debian packages (make deb) installed in a
# Debian 12 guest with systemd, booted with Debian's kernel under QEMU
# (TCG), capturing as a service.
#
#   host                                   guest (Debian 12, systemd)
#   driver/mkdeb.sh -> tg3cap-*.deb
#   mkrootfs.sh -> rootfs tarball (cached)
#   copy of the root: dpkg -i the .debs in
#   a chroot (DKMS builds the modules for
#   the guest's kernel there: see below),
#   test unit + /etc/modprobe.d, ext4 image
#   +-------- netns (run-vm.sh) --------+
#   | tcpreplay sent.pcap -> tap0 -------|--> eth0 (DKMS e1000, lwpcap=1)
#   | qemu -drive root.img -virtfs out   |    tg3cap@eth0.service
#   +------------------------------------+    -> /var/lib/tg3cap/eth0/*.pcap
#   pcapcmp sent.pcap out/cap/*.pcap  <--------- copied to /out after stop
#   journal and status checks         <--------- journal.txt, status-*.txt
#
# DKMS runs in a chroot of the guest's root at image time, against the
# guest's own linux-headers package, not in the guest: the same build
# under TCG would take several times as long, on every run.
#
# Checks: the guest's APPLIANCE-CHECK lines (tests/appliance/guest.sh),
# the run's verdict (run-vm.sh: PASS line, no kernel warning), every
# frame sent captured once, byte for byte, in valid files (pcapcmp), and
# the journal's start line and final report.  Last line:
# "N passed, M failed".
#
# usage: tests/appliance/run.sh [--keep]   (--keep: keep the image)
# Env: BUILD_DIR (default <repo>/build).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}
A=$B/appliance
keep=0
[ "${1:-}" = --keep ] && keep=1
[ "$EUID" = 0 ] || { echo "appliance: must run as root" >&2; exit 1; }

P=0 F=0
pass() { echo "ok - $1"; P=$((P + 1)); }
fail() { echo "FAIL - $1"; F=$((F + 1)); }
finish() { echo "$P passed, $F failed"; [ "$F" = 0 ]; }
t0=$SECONDS
stamp() { echo "appliance: $1 at $((SECONDS - t0)) s"; }

make -s -C "$top/tests/vm" BUILD_DIR="$B/vm" >/dev/null
make -s -C "$top/tests/capture" BUILD_DIR="$B" "$B/capture/pcapcmp" >/dev/null

# ---- packages and root file system ---------------------------------------
debs=$(BUILD_DIR=$B "$top/driver/mkdeb.sh" 2>"$A.mkdeb.log" | grep -v dbgsym) ||
	{ cat "$A.mkdeb.log"; fail "make deb"; finish; exit 1; }
pass "make deb (lintian clean)"
stamp "packages built"
tar=$(BUILD_DIR=$B "$top/tests/appliance/mkrootfs.sh")
stamp "root file system $tar"

root=$A/root img=$A/root.img out=$A/out
rm -rf "$root" "$img" "$out"
mkdir -p "$root" "$out"
tar -C "$root" --numeric-owner -xpf "$tar"
kver=$(cd "$root/lib/modules" && ls | sort -V | tail -n1)
mkdir -p "$root/tmp/debs"
# shellcheck disable=SC2086 # one path per line
cp $debs "$root/tmp/debs/"

# dpkg -i in the guest's root; /proc and /dev in a private mount namespace
# (gone with it).  The chroot's running kernel is the host's, so the
# postinst may build for no kernel: dkms autoinstall names the guest's.
in_root()
{
	unshare -m --propagation private sh -c '
		mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" &&
		exec chroot "$0" "$@"' "$root" "$@"
}
d0=$SECONDS
if ! in_root sh -c 'dpkg -i /tmp/debs/*.deb && dkms autoinstall -k "$1"' \
	sh "$kver" >"$A/dpkg.log" 2>&1; then
	cat "$A/dpkg.log"
	fail "dpkg -i and dkms autoinstall in the guest's root"
	finish; exit 1
fi
dkms_s=$((SECONDS - d0))
pass "dpkg -i; DKMS build for $kver: $dkms_s s (chroot)"
stamp "DKMS built in $dkms_s s"
rm -rf "$root/tmp/debs"

# The test: a unit that runs guest.sh once the system is up; e1000 with
# the capture hook on (lwpcap=1); no login prompt on the console.
install -D -m 644 "$top/tests/vm/guest-lib.sh" "$root/lib/tg3cap/lib.sh"
install -D -m 755 "$top/tests/appliance/guest.sh" \
	"$root/usr/local/sbin/tg3cap-appliance-test"
cat >"$root/etc/systemd/system/tg3cap-appliance-test.service" <<'UNIT'
[Unit]
Description=tg3cap appliance test
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/tg3cap-appliance-test
[Install]
WantedBy=default.target
UNIT
ln -sf /etc/systemd/system/tg3cap-appliance-test.service \
	"$root/etc/systemd/system/default.target.wants/tg3cap-appliance-test.service" 2>/dev/null ||
	{ mkdir -p "$root/etc/systemd/system/default.target.wants"
	  ln -sf /etc/systemd/system/tg3cap-appliance-test.service \
		"$root/etc/systemd/system/default.target.wants/"; }
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
echo 'options e1000 lwpcap=1' >"$root/etc/modprobe.d/tg3cap-test.conf"

mke2fs -q -t ext4 -L root -d "$root" "$img" 3G
[ "$keep" = 1 ] || rm -rf "$root.boot"
mkdir -p "$root.boot"
cp "$root/boot/vmlinuz-$kver" "$root/boot/initrd.img-$kver" "$root.boot/"
[ "$keep" = 1 ] || rm -rf "$root"
stamp "image ready"

# ---- boot, capture, stop ---------------------------------------------------
count=3000
if env BUILD_DIR="$B/vm" "$top/tests/vm/run-vm.sh" --test appliance \
	--kernel "$root.boot/vmlinuz-$kver" \
	--initrd "$root.boot/initrd.img-$kver" \
	--qemu-arg -drive --qemu-arg "file=$img,if=virtio,format=raw" \
	--append "root=/dev/vda rw net.ifnames=0 systemd.show_status=0" \
	--nic e1000 --smp 1 --mem 1024 --timeout 600 --quiet \
	--arg count=$count --arg rate=1000 --outdir "$out" \
	--host-cmd "$top/tests/appliance/traffic.sh"; then
	pass "guest run (PASS line, no kernel warning, host traffic sent)"
else
	fail "guest run (run-vm.sh verdict above)"
fi
stamp "guest done"

# ---- judge -------------------------------------------------------------------
log=$out/console.log
while read -r _ st name; do
	case $st in
	ok) pass "guest: $name" ;;
	*) fail "guest: $name" ;;
	esac
done < <(tr -d '\r' <"$log" | grep -a '^APPLIANCE-CHECK ' | sed 's/^APPLIANCE-CHECK //; s/^/x /')
grep -aq '^APPLIANCE-CHECK ok stop-clean' "$log" ||
	fail "the guest did not get to the stop"

shopt -s nullglob
caps=("$out"/cap/*.pcap)
if [ "${#caps[@]}" -ge 2 ] &&
	"$B/capture/pcapcmp" "$out/sent.pcap" "${caps[@]}" >"$A/pcapcmp.log" 2>&1; then
	pass "all $count frames captured once, byte for byte, in ${#caps[@]} valid files"
else
	cat "$A/pcapcmp.log" 2>/dev/null
	fail "capture files (${#caps[@]} files) against sent.pcap"
fi
j=$out/journal.txt
if grep -q '^tg3cap-reader: capturing on eth0 ' "$j" 2>/dev/null; then
	pass "journal: start line"
else
	fail "journal: no start line"
fi
if grep -Eq "^  written: +$count " "$j" 2>/dev/null &&
	grep -Eq '^  lost: +0\.000%' "$j"; then
	pass "journal: final report, $count written, 0 lost"
else
	fail "journal: no final report with $count written and 0 lost"
	tail -n 20 "$j" 2>/dev/null
fi
[ "$keep" = 1 ] || rm -f "$img"
stamp "finished"
finish
