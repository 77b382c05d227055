#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh - stage 1 tests (1)-(4) and the stage 3 (MSI-X, RSS) tests
# of docs/qemu-tg3.md (d): the stock tg3 on the BCM5719 model (issue 30).
#
# Builds (or takes from the cache) the QEMU of tests/vm/qemu/build.sh, an
# initramfs with Debian's tg3.ko and what it depends on (mkinitramfs.sh
# --stock tg3; /init insmods them), and boots it twice with run-vm.sh
# --qemu ... --nic tg3 three times: one tg3 on a tap inside run-vm.sh's
# own network namespace, nothing else on that tap, no host interface
# touched.  The
# guest test is tests/vm/qemu/guest/tg3-stage1.sh, its host half
# tests/vm/qemu/stage1-host.sh (--host-cmd, in that namespace).
#   msi   boot 1, MSI (the model with msix=off: no MSI-X capability, as
#         in stage 1): all guest checks (link within 3 s, 200 pings each
#         way, 4 MiB TCP each way with TSO, down/up x 10, reload x 3, no
#         "timed out"/WARN), and on its console what the driver prints:
#     probe     "eth0: Tigon3 [partno(none) rev 5719001] (PCI Express)
#               MAC address 52:54:00:12:34:56" (no NVRAM VPD)
#     phy       "eth0: attached PHY is 5719C"
#     firmware  no "No firmware running" (the bootcode handshake worked)
#     link-msg  "eth0: Link is up at 1000 Mbps, full duplex"
#   intx  boot 2, pci=nomsi: link, irq on the IO-APIC, pings, TCP, dmesg
#         (the model has its MSI-X capability here: pci=nomsi hides both)
#   msix  boot 3, MSI-X (the default): ethtool -L eth0 rx 4 (and -X
#         equal 4), five vectors eth0-tx-0 and eth0-rx-1..4; before any
#         IP traffic 2048 UDP flows from the host all
#         arrive and reach all four rings, ethtool -X eth0 equal 2 keeps
#         them off rings 2-3, 8 TCP flows at once, then the stage 1 checks
#         (pings, TCP each way, down/up x 10, reload x 3 with 4 rings)
# Each boot also gets run-vm.sh's verdict (guest PASS, no oops/WARN on
# the console, host command rounds all 0).  One line per check, "N
# passed, M failed" last.
#
# Usage: selftest.sh [--qemu PATH] [--timeout SEC] [--boots LIST]
#   --qemu PATH   a QEMU with the tg3 model (default: build.sh's, built
#                 or taken from its cache)
#   --timeout SEC run-vm.sh's timeout per boot (default 400: TCG on a
#                 shared 2-CPU host)
#   --boots LIST  the boots to run, comma-separated (default
#                 msi,intx,msix)
# Env: BUILD_DIR, KVER (tests/vm/common.sh; build.sh gets its own
# default, <repo>/build).  Root (netns, tap).  Exit 0 if all checks pass.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../common.sh
. "$here/../common.sh"

QEMU='' TIMEOUT=400 BOOTS=msi,intx,msix
while [[ $# -gt 0 ]]; do
	case $1 in
	--qemu) QEMU=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--boots) BOOTS=$2; shift 2 ;;
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

INITRD=$BUILD_DIR/qemu-tg3-stage1.cpio.gz
mkdir -p "$BUILD_DIR"
# ethtool: -L/-l/-X/-S for the MSI-X boot
"$VM_DIR/mkinitramfs.sh" -o "$INITRD" --stock tg3 \
	--bin "$(command -v ethtool)" --tests "$here/guest" >&2
# sendframes (the UDP flows of the MSI-X boot) in BUILD_DIR/bin
make -s -C "$VM_DIR" BUILD_DIR="$BUILD_DIR" >&2

# boot NAME ARGS...: run-vm.sh with the stage-1 test; OUT, LOG and con
# (the console, CRs removed) describe it afterwards
boot() {
	local name=$1 rc=0 t0=$SECONDS
	shift
	OUT=$BUILD_DIR/out/qemu-tg3-$name
	"$VM_DIR/run-vm.sh" --qemu "$QEMU" --nic tg3 --test tg3-stage1 \
		--initrd "$INITRD" --outdir "$OUT" --timeout "$TIMEOUT" \
		--host-cmd "$(printf '%q' "$here/stage1-host.sh")" --quiet \
		"$@" >&2 || rc=$?
	LOG=$OUT/console.log
	# no console at all (run-vm.sh failed before QEMU): every check of
	# this boot fails below, and the count is still printed
	con=$(tr -d '\r' < "$LOG" 2>/dev/null) || con=''
	if [[ $rc == 0 ]]; then
		check "$name:run-vm" 1 "PASS tg3-stage1 in $((SECONDS - t0)) s"
	else
		check "$name:run-vm" 0 \
			"exit $rc after $((SECONDS - t0)) s (see $LOG)"
	fi
}

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

# guest BOOT NAME...: the guest's "TG3CAP-CHECK ok|FAIL NAME: ..." lines;
# a check it never printed (it died or hung before) fails here
guest() {
	local b=$1 n l
	shift
	for n; do
		l=$(grep -aoE "TG3CAP-CHECK (ok|FAIL) $n: .*" <<<"$con" |
			head -n1) || true
		case $l in
		"TG3CAP-CHECK ok "*) check "$b:$n" 1 "${l#*"$n: "}" ;;
		"TG3CAP-CHECK FAIL "*) check "$b:$n" 0 "${l#*"$n: "}" ;;
		*) check "$b:$n" 0 "the guest did not get to it ($LOG)" ;;
		esac
	done
}

want() { [[ ,$BOOTS, == *,$1,* ]]; }

if want msi; then
	boot msi --arg irq=msi --arg full=1 --qemu-arg -global \
		--qemu-arg tg3.msix=off
	probe='eth0: Tigon3 \[partno\(none\) rev 5719001\] \(PCI Express\) '
	probe+='MAC address 52:54:00:12:34:56'
	line msi:probe "$probe" \
		'Tigon3 [partno(none) rev 5719001] (PCI Express) MAC ...'
	line msi:phy 'eth0: attached PHY is 5719C' 'attached PHY is 5719C'
	if grep -q 'No firmware running' <<<"$con"; then
		check msi:firmware 0 \
			"$(grep -m1 'No firmware running' <<<"$con")"
	else
		check msi:firmware 1 "no 'No firmware running'"
	fi
	line msi:link-msg 'eth0: Link is up at 1000 Mbps, full duplex' \
		'Link is up at 1000 Mbps, full duplex'
	guest msi driver link irq ping-h2g ping-g2h tcp-g2h tcp-h2g updown \
		reload dmesg
fi

# INTx: the same traffic; the reload loops once are enough (MSI boot)
if want intx; then
	boot intx --append pci=nomsi --arg irq=intx --arg full=0
	guest intx driver link irq ping-h2g ping-g2h tcp-g2h tcp-h2g dmesg
fi

# MSI-X and RSS (stage 3), the model's default
if want msix; then
	boot msix --arg irq=msix --arg full=1
	guest msix driver link channels irq ping-h2g ping-g2h rss-udp \
		rss-indir tcp-flows tcp-g2h tcp-h2g updown reload dmesg
fi

echo "$PASS passed, $FAILN failed"
[[ $FAILN == 0 ]]
