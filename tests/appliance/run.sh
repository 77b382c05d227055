#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The appliance test: the Debian packages (make deb) installed in a
# Debian 12 guest (or, with --suite trixie, a Debian 13 guest: its 6.12
# kernel, gcc-14 and dkms 3.2; issue 27) with systemd, booted with
# Debian's kernel under QEMU (TCG), capturing as a service.
#
#   host                                   guest (Debian 12 or 13, systemd)
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
# usage: tests/appliance/run.sh [--keep] [--suite bookworm|trixie]
#   --keep: keep the image; --suite: the guest's Debian (bookworm)
# Env: BUILD_DIR (default <repo>/build).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}
keep=0 suite=bookworm
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1; shift ;;
	--suite) suite=${2:-}; shift 2 ;;
	*) echo "usage: $0 [--keep] [--suite bookworm|trixie]" >&2; exit 2 ;;
	esac
done
[ "$EUID" = 0 ] || { echo "appliance: must run as root" >&2; exit 1; }

P=0 F=0
pass() { echo "ok - $1"; P=$((P + 1)); }
fail() { echo "FAIL - $1"; F=$((F + 1)); }
finish() { echo "$P passed, $F failed"; [ "$F" = 0 ]; }
t0=$SECONDS
stamp() { echo "appliance: $1 at $((SECONDS - t0)) s"; }

make -s -C "$top/tests/vm" BUILD_DIR="$B/vm" >/dev/null
make -s -C "$top/tests/capture" BUILD_DIR="$B" "$B/capture/pcapcmp" >/dev/null

# ---- root file system and packages ---------------------------------------
# mkrootfs.sh knows the suites (it refuses others) and where each lives
tar=$(BUILD_DIR=$B "$top/tests/appliance/mkrootfs.sh" "$suite")
A=$(dirname "$tar")
stamp "root file system $tar"
debs=$(BUILD_DIR=$B "$top/driver/mkdeb.sh" 2>"$A.mkdeb.log" | grep -v dbgsym) ||
	{ cat "$A.mkdeb.log"; fail "make deb"; finish; exit 1; }
pass "make deb (lintian clean)"
stamp "packages built"
# Debian 12's kernel upgrade: bookworm-security's 6.12, whose image and
# headers make deps already has (driver/kpkg.sh), so that DKMS is seen
# building both series on Debian 12 (issue 27).  Debian 13 has one
# series: its own kernel is the test.
up=
if [ "$suite" = bookworm ]; then
	up=$(BUILD_DIR=$B "$top/driver/kpkg.sh" 6.12)/debs
	kver2=$(sed -n 's/^kver //p' "$up/../versions")
fi

root=$A/root img=$A/root.img out=$A/out
rm -rf "$root" "$img" "$out"
mkdir -p "$root" "$out"
tar -C "$root" --numeric-owner -xpf "$tar"
kver=$(find "$root/usr/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' |
	sort -V | tail -n1)
mkdir -p "$root/tmp/debs" "$root/tmp/upgrade"
# shellcheck disable=SC2086 # one path per line
cp $debs "$root/tmp/debs/"
[ -z "$up" ] || cp "$up"/*.deb "$root/tmp/upgrade/"
pkgver=$(dpkg-deb -f "$(echo "$debs" | grep tg3cap-dkms)" Version)

# Commands in the guest's root; /proc and /dev in a private mount
# namespace (gone with it).
# shellcheck disable=SC2016 # expanded by the inner sh
in_root()
{
	unshare -m --propagation private sh -c '
		mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" &&
		exec chroot "$0" "$@"' "$root" "$@"
}
# the modules DKMS installed for kernel $1, as "lwpcap tg3 ...";
# compressed as the kernel's own are (dkms 3 does so for 6.12: xz)
dkms_kos()
{
	local m l=

	for m in lwpcap tg3 e1000 virtio_net; do
		ls "$root/usr/lib/modules/$1/updates/dkms/$m.ko"* \
			>/dev/null 2>&1 && l+=" $m"
	done
	echo "${l# }"
}
all_kos="lwpcap tg3 e1000 virtio_net"

# The chroot's running kernel is the host's, so the postinst may build
# for no kernel: dkms autoinstall names the guest's.
d0=$SECONDS
# shellcheck disable=SC2016 # expanded by the inner sh
if ! in_root sh -c 'dpkg -i /tmp/debs/*.deb && dkms autoinstall -k "$1"' \
	sh "$kver" >"$A/dpkg.log" 2>&1; then
	cat "$A/dpkg.log"
	fail "dpkg -i and dkms autoinstall in the guest's root"
	finish; exit 1
fi
dkms_s=$((SECONDS - d0))
if [ "$(dkms_kos "$kver")" = "$all_kos" ]; then
	pass "dpkg -i; DKMS built $all_kos for $kver in $dkms_s s (chroot)"
else
	cat "$A/dpkg.log"
	fail "DKMS installed only '$(dkms_kos "$kver")' for $kver"
fi
stamp "DKMS built in $dkms_s s"

# A kernel upgrade: Debian 12's 6.12 kernel (image and headers) arrives,
# and DKMS (its kernel hook, AUTOINSTALL=yes) builds the modules for it
# unasked, from the 6.12 sources.
if [ -n "$up" ]; then
	d0=$SECONDS
	in_root sh -c 'dpkg -i /tmp/upgrade/*.deb' >"$A/upgrade.log" 2>&1 ||
		{ cat "$A/upgrade.log"; fail "dpkg -i the kernel $kver2"; }
	if [ "$(dkms_kos "$kver2")" = "$all_kos" ] &&
		in_root dkms status -m tg3cap -k "$kver2" |
			grep -q ': installed'; then
		pass "kernel upgrade: DKMS built the modules for $kver2 by itself ($((SECONDS - d0)) s)"
	else
		cat "$A/upgrade.log"
		fail "kernel upgrade: no modules for $kver2 (got '$(dkms_kos "$kver2")')"
	fi
fi

# Kernels of a series tg3cap has no sources for are refused, with the
# reason (6.1 and 6.12 have theirs; 6.6 stands for any other).
mkdir -p "$root/usr/lib/modules/6.6.0-99-amd64"
ln -s "/usr/src/linux-headers-$kver" "$root/usr/lib/modules/6.6.0-99-amd64/build"
rc=0
in_root dkms build -m tg3cap -v "$pkgver" -k 6.6.0-99-amd64 \
	>"$A/refuse-6.6.log" 2>&1 || rc=$?
if [ "$rc" = 77 ] && grep -q BUILD_EXCLUSIVE "$A/refuse-6.6.log"; then
	pass "a 6.6 kernel is refused (dkms exit 77, BUILD_EXCLUSIVE)"
else
	cat "$A/refuse-6.6.log"
	fail "a 6.6 kernel: dkms build exit $rc"
fi
# A kernel of the guest's series whose tg3 is built in: a copy of the
# guest's headers with CONFIG_TIGON3=y.  The build must fail and install
# nothing, giving the reason: dkms 3.0 (Debian 12) ignores PRE_BUILD's
# exit status and shows its output; dkms 3.2 (Debian 13) stops at it,
# names the script and the make.log that holds its output.
fake=$(echo "$kver" | cut -d. -f1-2).0-99-tg3y
cp -a "$root/usr/src/linux-headers-$kver" "$root/usr/src/linux-headers-$fake"
sed -i 's/^CONFIG_TIGON3=m$/CONFIG_TIGON3=y/' \
	"$root/usr/src/linux-headers-$fake/.config" \
	"$root/usr/src/linux-headers-$fake/include/config/auto.conf"
mkdir -p "$root/usr/lib/modules/$fake"
ln -s "/usr/src/linux-headers-$fake" "$root/usr/lib/modules/$fake/build"
rc=0
in_root dkms install -m tg3cap -v "$pkgver" -k "$fake" \
	>"$A/refuse-tg3y.log" 2>&1 || rc=$?
why="kernel $fake does not fit the tg3cap modules: CONFIG_TIGON3=y"
mlog=$root/var/lib/dkms/tg3cap/$pkgver/build/make.log
if [ "$rc" != 0 ] && [ -z "$(dkms_kos "$fake")" ] &&
	{ grep -q "$why" "$A/refuse-tg3y.log" ||
	  { grep -q "kernel-fits.sh $fake" "$A/refuse-tg3y.log" &&
	    grep -q "$why" "$mlog"; }; }; then
	pass "a kernel with tg3 built in is refused with the reason (dkms exit $rc)"
else
	cat "$A/refuse-tg3y.log"
	fail "a kernel with tg3 built in: dkms install exit $rc, installed '$(dkms_kos "$fake")'"
fi
rm -rf "$root/usr/lib/modules/6.6.0-99-amd64" "$root/usr/lib/modules/$fake" \
	"$root/usr/src/linux-headers-$fake" "$root/tmp/debs" "$root/tmp/upgrade"
stamp "upgrade and refusals checked"

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
rm -rf "$root.boot"
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
# same SENT DIR MIN WHAT: DIR's files (at least MIN) hold every frame of
# SENT once, byte for byte, and are valid
same() {
	local files=("$out/$2"/*.pcap)
	if [ "${#files[@]}" -ge "$3" ] &&
		"$B/capture/pcapcmp" "$out/$1" "${files[@]}" >"$A/pcapcmp-$2.log" 2>&1; then
		pass "$4: every frame of $1 once, byte for byte, in ${#files[@]} valid files"
	else
		cat "$A/pcapcmp-$2.log" 2>/dev/null
		fail "$4: $2/ (${#files[@]} files) against $1"
	fi
}
same sent.pcap cap 2 "the service, $count frames"
same sent-z.pcap capz 1 "-Z service killed and restarted, 500 frames"
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
