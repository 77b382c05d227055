#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh - boot the stock tg3 on the BCM5719 model (issue 30, stage 1
# test 1 of docs/qemu-tg3.md (d), and link up).
#
# Builds (or takes from the cache) the QEMU of tests/vm/qemu/build.sh, an
# initramfs with Debian's tg3.ko and what it depends on (mkinitramfs.sh
# --stock tg3; /init insmods them), and runs the guest test
# tests/vm/qemu/guest/tg3-probe.sh with run-vm.sh --qemu ... --nic tg3:
# one tg3 on a tap inside run-vm.sh's own network namespace, nothing
# else on that tap, no host interface touched.  Then it reads the
# console for what the driver itself prints:
#   probe     "eth0: Tigon3 [partno(none) rev 5719001] (PCI Express) MAC
#             address 52:54:00:12:34:56" (partno none: no NVRAM VPD)
#   phy       "eth0: attached PHY is 5719C"
#   firmware  no "No firmware running" (the bootcode handshake worked)
#   link      "eth0: Link is up at 1000 Mbps, full duplex"
#   guest     run-vm.sh's verdict: the guest test passed (eth0 is tg3's,
#             carrier within 20 s, speed 1000) and the console has no
#             oops/WARN
# and prints one line per check and "N passed, M failed" last.
#
# Usage: selftest.sh [--qemu PATH] [--timeout SEC]
#   --qemu PATH   a QEMU with the tg3 model (default: build.sh's, built
#                 or taken from its cache)
#   --timeout SEC run-vm.sh's timeout (default 300: a TCG boot of 6.1 on
#                 a shared 2-CPU host)
# Env: BUILD_DIR, KVER (tests/vm/common.sh; build.sh gets its own
# default, <repo>/build).  Root (netns, tap).  Exit 0 if all checks pass.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../common.sh
. "$here/../common.sh"

QEMU='' TIMEOUT=300
while [[ $# -gt 0 ]]; do
	case $1 in
	--qemu) QEMU=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-h|--help) sed -n '/^# Usage:/,/^# Env:/p' "$0" |
		sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done

if [[ -z $QEMU ]]; then
	# build.sh's BUILD_DIR means <repo>/build, common.sh's the VM
	# directory under it: do not hand ours down
	QEMU=$(BUILD_DIR=$REPO_DIR/build "$here/build.sh" | tail -n1)
fi
[[ -x $QEMU ]] || die "$QEMU: not an executable"

PASS=0 FAILN=0
check() { # name ok detail
	if [[ $2 == 1 ]]; then
		PASS=$((PASS + 1)); echo "ok   $1: $3"
	else
		FAILN=$((FAILN + 1)); echo "FAIL $1: $3"
	fi
}

# The model is there at all (a binary without it fails every check below
# for a reason this names).
if "$QEMU" -device help 2>/dev/null | grep -q '^name "tg3"'; then
	check device 1 "$QEMU -device help lists tg3"
else
	check device 0 "$QEMU -device help does not list tg3"
fi

INITRD=$BUILD_DIR/qemu-tg3-probe.cpio.gz
OUT=$BUILD_DIR/out/qemu-tg3-probe
mkdir -p "$BUILD_DIR"
"$VM_DIR/mkinitramfs.sh" -o "$INITRD" --stock tg3 \
	--tests "$here/guest" >&2
rc=0
"$VM_DIR/run-vm.sh" --qemu "$QEMU" --nic tg3 --test tg3-probe \
	--initrd "$INITRD" --outdir "$OUT" --timeout "$TIMEOUT" --quiet ||
	rc=$?
LOG=$OUT/console.log
con=$(tr -d '\r' < "$LOG")

# line NAME REGEX DESCRIPTION: the console has a line matching REGEX
line() {
	local l
	l=$(grep -E "$2" <<<"$con" | head -n1) || true
	if [[ -n $l ]]; then
		check "$1" 1 "${l#"${l%%[![:space:]]*}"}"
	else
		check "$1" 0 "no '$3' on the console ($LOG)"
	fi
}
probe='eth0: Tigon3 \[partno\(none\) rev 5719001\] \(PCI Express\) '
probe+='MAC address 52:54:00:12:34:56'
line probe "$probe" \
	'Tigon3 [partno(none) rev 5719001] (PCI Express) MAC address ...'
line phy 'eth0: attached PHY is 5719C' 'attached PHY is 5719C'
if grep -q 'No firmware running' <<<"$con"; then
	check firmware 0 "$(grep -m1 'No firmware running' <<<"$con")"
else
	check firmware 1 "no 'No firmware running'"
fi
line link 'eth0: Link is up at 1000 Mbps, full duplex' \
	'Link is up at 1000 Mbps, full duplex'
if [[ $rc == 0 ]]; then
	check guest 1 "run-vm.sh: PASS tg3-probe"
else
	check guest 0 "run-vm.sh exit $rc (see $LOG)"
fi

echo "$PASS passed, $FAILN failed"
[[ $FAILN == 0 ]]
