#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rig-selftest.sh - proves the VM rig itself, with STOCK Debian NIC drivers.
#
# Counting cases: the host sends N IP frames at a rate the guest can take;
# the guest's rx_packets delta must equal the frames sent exactly, the tap
# must drop nothing (tx_dropped delta 0, tx_packets delta = sent), the sender
# must report no failure.
#
#   +----------------- netns tg3cap-vm-PID (run-vm.sh) -----------------+
#   | selftest-traffic.sh                                               |
#   |   sendframes | tcpreplay --> tap0 (txqueuelen 10000) --> QEMU     |
#   |                                  guest eth0 (stock e1000|virtio)  |
#   |                                  guest/rig-selftest.sh counts     |
#   |                                  rx_packets, writes /out/guest.env|
#   +-------------------------------------------------------------------+
#
#   e1000            stock e1000, sendframes, 60-byte IPv4/UDP frames
#   e1000-tcpreplay  stock e1000, tcpreplay of a genpcap file (sizes 60..1514,
#                    10 % 802.1Q-tagged)
#   virtio4          stock virtio_net, 4 queue pairs (ethtool -L), 64 flows
# Rig cases (the harness must catch what it claims to catch):
#   sync             two sync rounds, host file seen through 9p      -> PASS
#   neg-fail         guest test fails                                -> FAIL
#   neg-panic        guest kernel panics (sysrq c)                   -> FAIL
#   neg-timeout      guest hangs, --timeout 20 kills QEMU            -> FAIL
#   neg-hostcmd      host command exits 3 (guest sees 3, passes)     -> FAIL
#   plan             run-vm.sh --plan, two rig-sync cases in one boot: each
#                    one's rounds reach the host command with its own
#                    OUTDIR/NAME, ROUND and KEY=VAL, each gets a PASS
#                    verdict and its own part of the console    -> PASS
#   neg-plan         a plan whose second case fails: it is blamed, the
#                    third never runs, the first still passes   -> FAIL
#   initramfs-bins   mkinitramfs.sh --bin ip --bin nsenter (names of busybox
#                    applets): the guest runs iproute2's ip and util-linux's
#                    nsenter, and the host's busybox is byte-identical after
#                    the build                                      -> PASS
# Every case also checks that its netns is gone afterwards.
#
# Usage: rig-selftest.sh [--count N] [--rate PPS] [--txqueuelen Q] [--timeout SEC] [CASE...]
#   defaults: N=20000, 20000 pps (design.md: e1000 takes ~190 kpps), Q=10000
#   (the kernel's 500 drops frames whenever TCG or host load stalls QEMU for
#   ~25 ms: see README), 300 s; all cases.
# Env: BUILD_DIR, KVER (common.sh). Exit 0 if all cases pass.
set -euo pipefail

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

COUNT=20000 RATE=20000 TIMEOUT=300 TXQLEN=10000
declare -a CASES=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--count) COUNT=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--txqueuelen) TXQLEN=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-h|--help) sed -n '/^# Usage:/,/^# Env:/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) CASES+=("$1"); shift ;;
	esac
done
[[ ${#CASES[@]} -gt 0 ]] ||
	CASES=(e1000 e1000-tcpreplay virtio4 sync neg-fail neg-panic neg-timeout neg-hostcmd
		plan neg-plan initramfs-bins)

T0=$(date +%s%N)
make -s -C "$VM_DIR" BUILD_DIR="$BUILD_DIR"
INITRD=$BUILD_DIR/rig-selftest.cpio.gz
"$VM_DIR/mkinitramfs.sh" -o "$INITRD" --stock e1000 --stock virtio_net \
	--bin ethtool --tests "$VM_DIR/guest"

declare -a SUMMARY=()
PASSED=0 FAILED=0
secs_since() { local d=$(( ($(date +%s%N) - $1) / 1000000 )); echo "$((d / 1000)).$((d % 1000 / 100))"; }

# shellcheck disable=SC2016 # host commands are expanded by run-vm.sh
for c in "${CASES[@]}"; do
	out=$BUILD_DIR/out/rig-selftest-$c why=
	rm -rf "$out"; mkdir -p "$out"
	test=rig-selftest expect=PASS grepfor='' count=1
	declare -a args=(--arg count="$COUNT" --arg rate="$RATE" --txqueuelen "$TXQLEN"
		--host-cmd '"$VM_DIR/selftest-traffic.sh"')
	case $c in
	e1000) args+=(--nic e1000 --arg sender=sendframes) ;;
	e1000-tcpreplay) args+=(--nic e1000 --arg sender=tcpreplay) ;;
	virtio4) args+=(--nic virtio:4 --arg queues=4 --arg sender=sendframes) ;;
	sync) test=rig-sync count=0
		args=(--host-cmd 'echo round $ROUND; touch "$OUTDIR/from-host"') ;;
	neg-fail) test=rig-fail count=0 expect=FAIL grepfor='FAIL rig-fail (deliberate failure)' args=() ;;
	neg-panic) test=rig-panic count=0 expect=FAIL grepfor='Kernel panic' args=() ;;
	neg-timeout) test=rig-hang count=0 expect=FAIL grepfor='timeout after 20s' args=(--timeout 20) ;;
	neg-hostcmd) test=rig-sync count=0 expect=FAIL grepfor='host command (round 1) exited 3'
		args=(--arg expect=3 --host-cmd '[ $ROUND = 2 ] && touch "$OUTDIR/from-host"; [ $ROUND = 2 ] || exit 3') ;;
	plan|neg-plan)
		test=rig-plan count=0 plan=$BUILD_DIR/rig-selftest-$c.plan
		printf '%s\n' "one rig-sync who=one" "two rig-sync who=two" >"$plan"
		if [[ $c == neg-plan ]]; then
			expect=FAIL grepfor='case FAIL two (deliberate failure)'
			printf '%s\n' "one rig-sync who=one" "two rig-fail" \
				"three rig-sync" >"$plan"
		fi
		args=(--plan "$plan" --host-cmd \
			'echo "$ROUND $TG3CAP_WHO" >>"$OUTDIR/rounds"; touch "$OUTDIR/from-host"') ;;
	initramfs-bins) test=rig-bins count=0 args=() ;;
	*) die "unknown case $c" ;;
	esac
	initrd=$INITRD
	t1=$(date +%s%N)
	rc=0
	: > "$out/run-vm.log"
	if [[ $c == initramfs-bins ]]; then
		initrd=$BUILD_DIR/rig-bins.cpio.gz
		bb=$(command -v busybox)
		sum0=$(sha256sum < "$bb")
		"$VM_DIR/mkinitramfs.sh" -o "$initrd" \
			--bin "$(command -v ip)" --bin "$(command -v nsenter)" \
			--tests "$VM_DIR/guest" > "$out/mkinitramfs.log" 2>&1 || rc=$?
		sum1=$(sha256sum < "$bb")
		[[ $sum0 == "$sum1" ]] ||
			why+=" host $bb changed by mkinitramfs.sh (reinstall busybox-static);"
		[[ $rc == 0 ]] || why+=" mkinitramfs.sh exit $rc;"
	fi
	[[ $rc == 0 ]] && "$VM_DIR/run-vm.sh" --test "$test" --initrd "$initrd" --outdir "$out" \
		--timeout "$TIMEOUT" --quiet "${args[@]}" > "$out/run-vm.log" 2>&1 || rc=$?
	sed 's/^/  | /' "$out/run-vm.log"
	secs=$(secs_since "$t1")
	ok=1
	ns=$(sed -n 's/.* netns \([^ ,]*\),.*/\1/p' "$out/run-vm.log")
	if [[ -z $ns ]] || ip netns list | awk '{print $1}' | grep -qx "$ns"; then
		ok=0 why+=" netns '$ns' left behind or unknown;"
	fi
	if [[ $expect == PASS ]]; then
		[[ $rc == 0 ]] || { ok=0 why+=" run-vm.sh exit $rc;"; }
	else
		[[ $rc == 1 ]] || { ok=0 why+=" run-vm.sh exit $rc, expected 1;"; }
		grep -qF "$grepfor" "$out/run-vm.log" || { ok=0 why+=" no '$grepfor' in the verdict;"; }
	fi
	# each case of a plan: its verdict, its rounds in its own folder
	# with its own variables, its own part of the console
	case $c in
	plan|neg-plan)
		want="PASS one"
		[[ $(cat "$out/one/verdict" 2>/dev/null) == "$want" ]] ||
			why+=" one/verdict not '$want';"
		[[ $(tr '\n' ' ' <"$out/one/rounds" 2>/dev/null) == "1 one 2 one " ]] ||
			why+=" one/rounds wrong;"
		grep -q 'TG3CAP-READY one/2' "$out/one/console.log" ||
			why+=" one/console.log lacks its round 2;"
		! grep -q 'TG3CAP-READY two/' "$out/one/console.log" ||
			why+=" one/console.log holds the next case's lines;"
		if [[ $c == plan ]]; then
			[[ $(cat "$out/two/verdict" 2>/dev/null) == "PASS two" ]] ||
				why+=" two/verdict not PASS;"
			[[ $(tr '\n' ' ' <"$out/two/rounds" 2>/dev/null) == "1 two 2 two " ]] ||
				why+=" two/rounds wrong;"
		else
			grep -q '^FAIL two (deliberate failure)' "$out/two/verdict" ||
				why+=" two/verdict not its failure;"
			grep -q '^FAIL three (did not finish)' "$out/three/verdict" ||
				why+=" three/verdict not 'did not finish';"
		fi ;;
	esac
	[[ -z $why ]] || ok=0
	line="$c ($test, expect $expect)"
	if [[ $count == 1 ]]; then
		sent='?' failed='?' rx_packets_delta='?' tap_tx_dropped_delta='?' tap_tx_packets_delta='?'
		rx_dropped_delta='?' rx_missed_delta='?'
		# shellcheck disable=SC1091
		[[ -f $out/host.env ]] && . "$out/host.env"
		# shellcheck disable=SC1091
		[[ -f $out/guest.env ]] && . "$out/guest.env"
		if [[ $sent != "$COUNT" || $failed != 0 || $rx_packets_delta != "$sent" ||
			$tap_tx_dropped_delta != 0 || $tap_tx_packets_delta != "$sent" ]]; then
			ok=0 why+=" counts differ;"
		fi
		line+=": sent $sent (failed $failed), tap tx_packets $tap_tx_packets_delta"
		line+=" tx_dropped $tap_tx_dropped_delta, guest rx_packets $rx_packets_delta"
		line+=" (rx_dropped $rx_dropped_delta, rx_missed $rx_missed_delta)"
	fi
	line+=", $secs s"
	if [[ $ok == 1 ]]; then
		PASSED=$((PASSED + 1)); SUMMARY+=("PASS $line")
	else
		FAILED=$((FAILED + 1)); SUMMARY+=("FAIL $line:$why see $out/")
	fi
	echo "${SUMMARY[-1]}"
done
echo "rig-selftest: $COUNT frames at $RATE pps per counting case, tap txqueuelen $TXQLEN; total $(secs_since "$T0") s"
printf '  %s\n' "${SUMMARY[@]}"
echo "rig-selftest: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
