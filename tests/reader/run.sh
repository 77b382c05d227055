#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - tg3cap-reader end to end in the QEMU test bed.
#
#   netns: genpcap -> sent-tapN.pcap -> tcpreplay --> tapN --> QEMU
#     guest: patched NIC driver -> lwpcap ring -> tg3cap-reader
#            -> rotated pcap files -> /out/cap (9p) -> checked on the host
#
# Every case checks: every sent frame is in the files exactly once, byte
# for byte (pcapcmp: sequence numbers, VLAN tags kept, lengths), every
# file is valid for capinfos and tcpdump, the files rotated as asked and
# were renamed from .part, and the reader's report ("written") equals the
# frames the host sent.
#
#   e1000       one NIC, divert, 1 MB files (rotation)
#   two-nics    two e1000 NICs captured by one reader
#   virtio4     virtio-net with 4 queue pairs (4 sub-rings); the file
#               series merges the queues, so order is checked per flow
#   filter      e1000 with the capture filter 'udp src port 10003' (one
#               flow in 16, as the trailing arguments): the files hold
#               exactly the sent frames that tcpdump's libpcap selects
#               with the same filter, and the rest is counted as
#               filtered, not written, not lost
#   merge       virtio4 with --merge: as virtio4, and capinfos finds
#               every file in strict time order
#   pcapng      e1000 with --format pcapng, 1 MB files: tshark and
#               capinfos read every file as pcapng with all the sent
#               frames, each file ends with a statistics block, and the
#               frames (through editcap -F pcap) are the sent ones
#   stream      e1000 with -w -: the pcap stream piped into tcpdump (-r -
#               through a fifo), whose file holds every sent frame
#   hook-ingress  e1000 (patched) with --hook ingress --mode divert: the
#               netdev ingress point instead of the driver's, same checks,
#               and the start line says where it captures
#   stock-ptype Debian's stock e1000 (no lwpcap hook), no --hook: the
#               reader falls back to the packet_type point by itself
#   gro-ptype   as stock-ptype, the frames one TCP stream of 1514 bytes
#               (genpcap -T), which the guest's GRO merges before ptype
#               unless the reader turns rx-gro off, as it says it did;
#               GRO is on again after it (GRO_OPTS=--keep-offloads: the
#               merged records that issue 26 item 2 is about)
#   netfilter-vlan  stock e1000 with a VLAN device for the host's tagged
#               frames, guest IPv6 on, --hook netfilter, the mix with
#               10 % non-IP and 20 % padded IP frames: the files hold
#               exactly the untagged IP frames, each as IP got it (the
#               padding trimmed, pcapcmp --ip-len); the tagged ones
#               reached IP on the VLAN device (its rx count) and, with
#               the non-IP ones, are counted "unseen" (rx_packets -
#               detected), never silent; the start line warns of the
#               VLAN device
#               (issue 26, item 3)
#   netfilter-bridge  the same NIC a bridge port: IP gets every frame on
#               br0, the netfilter point none: nothing written, every
#               frame unseen, the start line warns of the bridge
#
# Usage: run.sh [CASE...]   (default: all).  Env: BUILD_DIR, LWP_KSERIES
# (6.12: Debian's 6.12 kernel and modules built from patches/6.12; the
# suite is then "reader-6.12", issue 27).
# Prints "N passed, M failed"; exit 0 only if all passed.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}
export BUILD_DIR=$B/vm
VM=$top/tests/vm
RD=$top/tests/reader
# the kernel series (driver/kver.sh, LWP_KSERIES): its modules, and the
# guest's kernel and stock modules (KVER, KROOT: exported by lwpcap_kver)
. "$top/driver/kver.sh"
BUILD_DIR=$B lwpcap_kver
MOD=$B/mod$KSFX
P=reader$KSFX

declare -a CASES=("$@")
[[ ${#CASES[@]} -gt 0 ]] ||
	CASES=(e1000 two-nics virtio4 filter pcapng merge stream
	       hook-ingress stock-ptype gro-ptype netfilter-vlan
	       netfilter-bridge)

make -s -C "$VM" BUILD_DIR="$BUILD_DIR"
make -s -C "$top/tests/capture" BUILD_DIR="$B"
make -s -C "$top/userland" tg3cap-reader.static
BUILD_DIR=$B "$top/driver/build-modules.sh" >/dev/null

"$VM/mkinitramfs.sh" -o "$B/reader$KSFX.cpio.gz" \
	--module "$MOD/lwpcap/lwpcap.ko" \
	--module "$MOD/e1000/e1000.ko:lwpcap=1" \
	--module "$MOD/virtio_net/virtio_net.ko:lwpcap=1" \
	--file "$top/userland/tg3cap-reader.static:/usr/bin/tg3cap-reader" \
	--bin "$(command -v ethtool)" --bin "$(command -v tcpdump)" \
	--tests "$RD/guest" >/dev/null
"$VM/mkinitramfs.sh" -o "$B/reader$KSFX-stock.cpio.gz" \
	--module "$MOD/lwpcap/lwpcap.ko" --stock e1000 --stock virtio_net \
	--stock 8021q --stock bridge \
	--file "$top/userland/tg3cap-reader.static:/usr/bin/tg3cap-reader" \
	--bin "$(command -v ethtool)" --bin "$(command -v ip)" \
	--tests "$RD/guest" >/dev/null

val() { sed -n "s/^$2=//p" "$1" | tail -n1; }
fail() { echo "  FAIL: $*"; ok=0; }

# written count of interface $2 in the reader's final report $1
written() { awk -v i="$2:" '$1 == i { on = 1 } on && $1 == "written:" { print $2; exit }' "$1"; }

check_if()	# $1 outdir, $2 guest interface, $3 tap, $4 file prefix
{
	local o=$1 sent tx drop rx w files
	sent=$(val "$o/host.env" "sent_$3")
	tx=$(val "$o/host.env" "tap_tx_delta_$3")
	drop=$(val "$o/host.env" "tap_drop_delta_$3")
	rx=$(val "$o/guest.env" "rx_delta_$2")
	w=$(written "$o/reader.err" "$2")
	mapfile -t files < <(ls "$o"/cap/"$4".*.pcap 2>/dev/null)
	echo "  $2: sent=$sent tap_tx=$tx tap_drop=$drop rx=$rx written=$w files=${#files[@]}"
	[[ -n $sent && $tx == "$sent" && $drop == 0 ]] ||
		fail "$3 did not pass every frame"
	[[ $rx == "$sent" ]] || fail "$2 counted $rx of $sent frames"
	[[ $w == "$sent" ]] || fail "reader reports $w written, host sent $sent"
	[[ ${#files[@]} -ge 1 ]] || { fail "no files"; return; }
	if ls "$o"/cap/*.part >/dev/null 2>&1; then
		fail "files left as .part"
	fi
	local n=0 f
	for f in "${files[@]}"; do
		capinfos -M "$f" >/dev/null 2>"$o/capinfos.err" ||
			{ cat "$o/capinfos.err"; fail "capinfos $f"; }
		n=$((n + $(tcpdump -nn -r "$f" 2>/dev/null | wc -l)))
	done
	[[ $n == "$sent" ]] || fail "tcpdump reads $n frames from the files"
	# one file series per interface holds all its queues: order per flow
	"$B/capture/pcapcmp" --per-flow "$o/sent-$3.pcap" "${files[@]}" |
		sed 's/^/  /' ||
		fail "pcapcmp"
	NFILES=${#files[@]}
}

check_filter()	# $1 outdir, $2 filter expression: the files hold exactly its frames
{
	local o=$1 sent exp w filtered files
	sent=$(val "$o/host.env" sent_tap0)
	tcpdump -r "$o/sent-tap0.pcap" -w "$o/expected.pcap" "$2" 2>/dev/null ||
		{ fail "tcpdump cannot apply '$2'"; return; }
	exp=$(tcpdump -nn -r "$o/expected.pcap" 2>/dev/null | wc -l)
	w=$(written "$o/reader.err" eth0)
	filtered=$(sed -n 's/.*"filtered":\([0-9]*\).*/\1/p' "$o/stats.json")
	mapfile -t files < <(ls "$o"/cap/cap.*.pcap 2>/dev/null)
	echo "  eth0: sent=$sent selected by '$2'=$exp written=$w filtered=$filtered"
	[[ -n $sent && $exp -gt 0 && $exp -lt $sent ]] ||
		fail "the filter should select some frames, not all"
	[[ $w == "$exp" ]] || fail "reader wrote $w, the filter selects $exp"
	[[ $filtered == $((sent - exp)) ]] ||
		fail "filtered $filtered, expected $((sent - exp))"
	grep -q "filter '$2'" "$o/reader.err" || fail "start line: no filter"
	[[ ${#files[@]} -ge 1 ]] || { fail "no files"; return; }
	"$B/capture/pcapcmp" --per-flow "$o/expected.pcap" "${files[@]}" |
		sed 's/^/  /' || fail "pcapcmp"
}

check_pcapng()	# $1 outdir: pcapng files hold every sent frame
{
	local o=$1 sent w n=0 t=0 f files
	sent=$(val "$o/host.env" sent_tap0)
	w=$(written "$o/reader.err" eth0)
	mapfile -t files < <(ls "$o"/cap/cap.*.pcapng 2>/dev/null)
	echo "  eth0: sent=$sent written=$w files=${#files[@]}"
	[[ ${#files[@]} -ge 2 ]] || { fail "${#files[@]} pcapng files"; return; }
	[[ -z $(ls "$o"/cap/*.pcap "$o"/cap/*.part 2>/dev/null) ]] ||
		fail "pcap or .part files next to the pcapng ones"
	for f in "${files[@]}"; do
		capinfos -t "$f" | grep -q pcapng || fail "$f is not pcapng"
		capinfos -M "$f" | grep -q 'Number of stat entries = 1' ||
			fail "$f has no statistics block"
		n=$((n + $(capinfos -M -c -T -r "$f" | awk '{print $2}')))
		t=$((t + $(tshark -r "$f" 2>/dev/null | wc -l)))
		editcap -F pcap "$f" "${f%.pcapng}.conv.pcap" ||
			fail "editcap $f"
	done
	[[ $w == "$sent" && $n == "$sent" && $t == "$sent" ]] ||
		fail "sent $sent, written $w, capinfos $n, tshark $t"
	"$B/capture/pcapcmp" --per-flow "$o/sent-tap0.pcap" \
		"$o"/cap/cap.*.conv.pcap | sed 's/^/  /' || fail "pcapcmp"
}

# check_gro OUT: a TCP stream GRO would merge, recorded frame by frame
# (check_if: every sent frame once, byte for byte; no record over 1514
# bytes), the start line saying rx-gro is off, and GRO on again when the
# reader has ended (the guest's ethtool -k after it)
check_gro()
{
	local o=$1 big

	check_if "$o" eth0 tap0 cap
	big=$(tcpdump -nn -r "$o/cap/cap.000000.pcap" 'greater 1515' 2>/dev/null |
		wc -l)
	[[ $big == 0 ]] || fail "$big records longer than any sent frame (merged by GRO)"
	grep -q "capturing on eth0 (tap at ptype, .*rx-gro off" "$o/reader.err" ||
		fail "start line: rx-gro not off: $(grep -m1 'capturing on' "$o/reader.err")"
	grep -q '^generic-receive-offload: on' "$o/offload-after.txt" ||
		fail "GRO not on again after the reader: $(cat "$o/offload-after.txt")"
}

# check_netfilter OUT UPPER: the netfilter point's records are exactly
# the untagged IP frames IP took on the device itself, as IP got them,
# and every other frame the NIC delivered is counted unseen
check_netfilter()
{
	local o=$1 upper=$2 sent rx exp tagged w unseen upd files
	sent=$(val "$o/host.env" sent_tap0)
	rx=$(val "$o/guest.env" rx_delta_eth0)
	upd=$(val "$o/guest.env" rx_delta_upper)
	exp=$(tcpdump -nn -r "$o/sent-tap0.pcap" 'ip or ip6' 2>/dev/null |
		grep -c '^[0-9]')
	# (lines with a time: tcpdump adds a hex dump of a non-IP frame)
	tagged=$(tcpdump -nn -r "$o/sent-tap0.pcap" vlan 2>/dev/null |
		grep -c '^[0-9]')
	[[ $upper == bridge ]] && exp=0 tagged=$sent
	w=$(written "$o/reader.err" eth0)
	unseen=$(sed -n 's/.*"unseen":\([0-9]*\).*/\1/p' "$o/stats.json")
	mapfile -t files < <(ls "$o"/cap/cap.*.pcap 2>/dev/null)
	echo "  eth0: sent=$sent rx=$rx written=$w (want $exp) unseen=$unseen (want $((sent - exp))) $upper rx=$upd (want $tagged)"
	[[ -n $sent && $rx == "$sent" ]] || fail "eth0 counted $rx of $sent frames"
	(( tagged > 0 )) || fail "no tagged frame sent"
	[[ $upd == "$tagged" ]] ||
		fail "the $upper device got $upd frames, want $tagged"
	[[ $w == "$exp" ]] || fail "written $w, want the $exp untagged IP frames"
	[[ $unseen == $((sent - exp)) ]] ||
		fail "unseen '$unseen', want $((sent - exp)) (sent - written)"
	grep -q "^ *unseen: *$((sent - exp)) " "$o/reader.err" ||
		fail "the report has no unseen line of $((sent - exp))"
	case $upper in
	vlan) grep -q "warning: eth0 has upper devices (eth0.100)" \
		"$o/reader.err" || fail "no warning of the VLAN device" ;;
	bridge) grep -q "warning: eth0 is a port of br0" "$o/reader.err" ||
		fail "no warning of the bridge" ;;
	esac
	[[ ${#files[@]} -ge 1 ]] || { fail "no files"; return; }
	[[ $exp == 0 ]] && return
	"$B/capture/pcapcmp" --per-flow --ip-len --missing $((sent - exp)) \
		"$o/sent-tap0.pcap" "${files[@]}" | sed 's/^/  /' ||
		fail "pcapcmp"
}

PASSED=0 FAILED=0
declare -a SUMMARY=()
for c in "${CASES[@]}"; do
	out=$BUILD_DIR/out/$P-$c
	rm -rf "$out"
	mkdir -p "$out"
	ok=1
	declare -a a=(--txqueuelen 10000 --host-cmd "$RD/traffic.sh")
	initrd=$B/reader$KSFX.cpio.gz point=
	case $c in
	e1000) a+=(--nic e1000 --arg count=20000 --arg rate=8000
		   --arg opts=-C,1m) ;;
	two-nics) a+=(--nic e1000 --nics 2 --arg count=8000 --arg rate=4000
		      --arg ifs=eth0,eth1) ;;
	# untagged: the host's multiqueue tap spreads one VLAN-tagged IPv4
	# flow over several queues (seen here), which breaks per-flow order
	virtio4) a+=(--nic virtio:4 --arg count=12000 --arg rate=4000
		     --arg vlan=0) ;;
	filter) a+=(--nic e1000 --arg count=8000 --arg rate=4000
		    --arg opts=udp,src,port,10003) ;;
	merge) a+=(--nic virtio:4 --arg count=12000 --arg rate=4000
		   --arg vlan=0 --arg opts=--merge) ;;
	pcapng) a+=(--nic e1000 --arg count=8000 --arg rate=4000
		    --arg opts=--format,pcapng,-C,1m) ;;
	stream) a+=(--nic e1000 --arg count=8000 --arg rate=4000
		    --arg stream=1) ;;
	hook-ingress) point="divert at ingress"
		a+=(--nic e1000 --arg count=8000 --arg rate=4000
		    --arg opts=--hook,ingress,--mode,divert) ;;
	stock-ptype) point="tap at ptype" initrd=$B/reader$KSFX-stock.cpio.gz
		a+=(--nic e1000 --arg count=8000 --arg rate=4000) ;;
	gro-ptype) point="tap at ptype" initrd=$B/reader$KSFX-stock.cpio.gz
		a+=(--nic e1000 --arg count=4000 --arg rate=8000 --arg tcp=1
		    ${GRO_OPTS:+--arg opts=$GRO_OPTS}) ;;
	netfilter-vlan|netfilter-bridge) initrd=$B/reader$KSFX-stock.cpio.gz
		a+=(--nic e1000 --arg count=4000 --arg rate=4000 --arg ipv6=1
		    --arg nonip=10 --arg pad=20 --arg upper=${c#netfilter-}
		    --arg opts=--hook,netfilter) ;;
	*) echo "unknown case $c" >&2; exit 2 ;;
	esac
	echo "== $P/$c"
	if ! "$VM/run-vm.sh" --test reader --initrd "$initrd" \
		--outdir "$out" "${a[@]}" >"$out/run-vm.log" 2>&1; then
		tail -n 30 "$out/run-vm.log"
		fail "VM run"
	fi
	if [[ $ok == 1 ]]; then
		case $c in
		e1000)
			check_if "$out" eth0 tap0 cap
			[[ $NFILES -ge 5 ]] || fail "only $NFILES files with -C 1m" ;;
		two-nics)
			check_if "$out" eth0 tap0 cap-eth0
			check_if "$out" eth1 tap1 cap-eth1 ;;
		virtio4)
			check_if "$out" eth0 tap0 cap ;;
		stream)
			check_if "$out" eth0 tap0 cap
			grep -q 'a pcap stream on stdout' "$out/reader.err" ||
				fail "start line: no stream" ;;
		hook-ingress|stock-ptype)
			check_if "$out" eth0 tap0 cap
			grep -q "capturing on eth0 ($point," "$out/reader.err" ||
				fail "start line: not '$point'" ;;
		gro-ptype)
			check_gro "$out" ;;
		netfilter-*)
			check_netfilter "$out" "${c#netfilter-}" ;;
		filter)
			check_filter "$out" "udp src port 10003" ;;
		pcapng)
			check_pcapng "$out" ;;
		merge)
			check_if "$out" eth0 tap0 cap
			grep -q 'queues merged in time order' "$out/reader.err" ||
				fail "start line: no merge"
			for f in "$out"/cap/cap.*.pcap; do
				capinfos -o "$f" | grep -q 'Strict time order: *True' ||
					fail "$f is not in strict time order"
			done
			grep -q '"merge_forced":0' "$out/stats.json" ||
				fail "records handed on early" ;;
		esac
	fi
	if [[ $ok == 1 ]]; then
		PASSED=$((PASSED + 1)); SUMMARY+=("PASS $P/$c")
	else
		FAILED=$((FAILED + 1)); SUMMARY+=("FAIL $P/$c ($out)")
	fi
done
printf '%s\n' "${SUMMARY[@]}"
echo "$P: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
