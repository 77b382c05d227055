#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the main job on the built-in default.  Builds the patched
# modules and tg3cap-reader, boots a QEMU guest whose e1000 carries the
# lwpcap hook (divert mode), replays a capture into it from a network
# namespace, lets tg3cap-reader write rotating pcap files in the guest,
# brings them back to ./demo-out/ and shows what happened.
#
# usage: tests/demo.sh [--pcap FILE] [--rate PPS] [--out DIR]
#   default traffic: 20000 generated frames (60-1514 bytes, 10 % 802.1Q
#   tagged, 30 % IPv6, 16 UDP flows) at 10000 frames/s.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}
pcap= rate=10000 out=$top/demo-out
while [ $# -gt 0 ]; do
	case $1 in
	--pcap) pcap=$(realpath "$2"); shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--pcap FILE] [--rate PPS] [--out DIR]" >&2; exit 2 ;;
	esac
done
if [ -n "$pcap" ]; then
	# pcapng too: replayed and compared as pcap (same bytes, same order)
	mkdir -p "$B"
	if ! editcap -F pcap "$pcap" "$B/demo-user.pcap" >/dev/null 2>&1 ||
	   [ "$(od -An -tu4 -j20 -N4 "$B/demo-user.pcap" | tr -d ' ')" != 1 ]
	then
		echo "demo: $pcap is not an Ethernet capture editcap can read" >&2
		exit 2
	fi
	pcap=$B/demo-user.pcap
fi

step() { printf '\n== %s\n' "$*"; }

step "building the patched modules (lwpcap, e1000 with the hook) and tg3cap-reader"
BUILD_DIR=$B "$top/driver/build-modules.sh" >/dev/null
make -s -C "$top/userland" tg3cap-reader.static
make -s -C "$top/tests/capture" BUILD_DIR="$B"
export BUILD_DIR=$B/vm
make -s -C "$top/tests/vm"
"$top/tests/vm/mkinitramfs.sh" -o "$B/demo.cpio.gz" \
	--module "$B/mod/lwpcap/lwpcap.ko" \
	--module "$B/mod/e1000/e1000.ko:lwpcap=1" \
	--file "$top/userland/tg3cap-reader.static:/usr/bin/tg3cap-reader" \
	--bin "$(command -v ethtool)" --tests "$top/tests/reader/guest"

declare -a args=(--arg rate="$rate" --arg opts=-C,2m)
if [ -n "$pcap" ]; then
	n=$(tcpdump -r "$pcap" 2>/dev/null | wc -l)
	big=$(tcpdump -r "$pcap" greater 1519 2>/dev/null | wc -l)
	echo "replaying $pcap: $n frames"
	if [ "$big" -gt 0 ]; then
		echo "note: $big frames are longer than 1518 bytes (1500-byte" \
		     "MTU + header + VLAN tag): the guest's e1000 drops them" \
		     "before the hook sees them"
	fi
	args+=(--arg pcap="$pcap")
else
	args+=(--arg count=20000)
fi

step "booting the VM (QEMU, no KVM: about 10 s), replaying traffic at $rate frames/s"
vmout=$BUILD_DIR/out/demo
rm -rf "$vmout"
"$top/tests/vm/run-vm.sh" --test reader --initrd "$B/demo.cpio.gz" \
	--nic e1000 --txqueuelen 10000 --outdir "$vmout" \
	--host-cmd "$top/tests/reader/traffic.sh" "${args[@]}" \
	>"$B/demo-run-vm.log" 2>&1 ||
	{ tail -n 40 "$B/demo-run-vm.log"; echo "demo: the VM run failed" >&2
	  exit 1; }

rm -rf "$out"
mkdir -p "$out"
cp "$vmout"/cap/*.pcap "$out/"
# what the user gave (or the generated traffic): the reference
cp "${pcap:-$vmout/sent-tap0.pcap}" "$out/sent.pcap"

val() { sed -n "s/^$2=//p" "$1" | tail -n1; }
sent=$(val "$vmout/host.env" sent_tap0)
tapdrop=$(val "$vmout/host.env" tap_drop_delta_tap0)

step "tg3cap-reader's report (in the guest)"
cat "$vmout/reader.err"
step "the host's view"
echo "frames sent by tcpreplay:       $sent"
echo "dropped by the host tap queue:  $tapdrop (QEMU too slow to take them)"
written=0
for f in "$out"/cap.*.pcap; do
	written=$((written + $(tcpdump -r "$f" 2>/dev/null | wc -l)))
done
echo "frames in the files:            $written"
step "files in $out"
ls -l "$out"
capinfos -c -d -u "$out"/cap.*.pcap 2>/dev/null | grep -v '^$' | head -20
step "the first packets (tcpdump -r $(basename "$(ls "$out"/cap.*.pcap | head -n1)"))"
tcpdump -nn -e -r "$(ls "$out"/cap.*.pcap | head -n1)" -c 10 2>/dev/null
echo
echo "demo: $written of $sent frames written to $out"
# every frame the guest NIC can take comes back unchanged, in order
step "compared with what was sent"
"$B/capture/pcapcmp" --raw 1518 "$out/sent.pcap" "$out"/cap.*.pcap | tail -n 12 ||
	{ echo "demo: the files differ from what was sent" >&2; exit 1; }
