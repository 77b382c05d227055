#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh - boot Debian's kernel + a tg3cap initramfs under QEMU (TCG), run
# one guest test, feed it frames from the host, judge the console.
#
# Topology (everything host-side lives in a namespace this script creates and
# deletes on exit, also on failure; no frame touches a host interface):
#
#   +------------------- netns tg3cap-vm-$$ ------------------------+
#   |  lo (up)     IPv6 off, no addresses                           |
#   |                                                               |
#   |  --host-cmd (TAP=tap0 ...) --AF_PACKET/tcpreplay--> tap0 ---+  |
#   |                                                  tap1 ---+ |  |
#   |  qemu-system-x86_64 -accel tcg  (ip netns exec)          | |  |
#   |  +------------------- guest ---------------------------+ | |  |
#   |  |  eth0 (e1000 | virtio-net mq) <---------------------|-|-+  |
#   |  |  eth1 ... (--nics N)  <------------------------------|-+    |
#   |  |  /out = 9p share of OUTDIR (virtio-9p, tag "out")    |      |
#   |  |  console ttyS0 -> OUTDIR/console.log                 |      |
#   |  +------------------------------------------------------+      |
#   +---------------------------------------------------------------+
#   Guest MACs: 52:54:00:12:34:56 + NIC index (eth0 = ...:56, eth1 = ...:57).
#
# Host <-> guest synchronization (one or more rounds, named by a TAG):
#   1. guest: tg3cap_ready TAG  (lib.sh) -> creates /out/ready-TAG (9p) and
#      prints "TG3CAP-READY TAG ." on the console (the dot: a line QEMU has
#      half written is not taken for a shorter tag). The host polls both every
#      100 ms (the console line alone suffices with --no-9p).
#   2. host: runs --host-cmd inside the netns, ROUND=TAG, env below; its output
#      goes to OUTDIR/host-cmd-TAG.log (and to stderr, prefixed).
#   3. host: when it exits, writes its exit status to OUTDIR/done-TAG
#      (atomically: temp file + rename). Without --host-cmd, done-TAG = 0 at once.
#   4. guest: tg3cap_wait_done TAG polls /out/done-TAG every 100 ms and returns
#      the status; then reads its counters (tg3cap_settle) and finishes.
#   Rounds are served in the order the guest announces them. A failing
#   host command makes run-vm.sh fail even if the guest passes.
#
# Host command environment: NS, TAP (space-separated tap names), TAP0..,
# GUEST_MAC (space-separated), GUEST_MAC0.., NICS, OUTDIR, ROUND, VM_DIR,
# BUILD_DIR, SENDFRAMES, GENPCAP (binaries built by tests/vm/Makefile),
# TG3CAP_<KEY> for each --arg KEY=VAL.
#
# Verdict: exit 0 only if the console shows "TG3CAP-RESULT: PASS <test>" and
# no line matching BUG:|WARNING:|Oops|Kernel panic|KASAN|general protection|
# Call Trace, nor a lockdep, kmemleak, RCU-stall or hung-task report (nor any
# --host-cmd failure, nor the timeout); else the failing
# lines are printed and the exit code is 1 (2: usage).
#
# Usage: run-vm.sh --test NAME [options]
#   --initrd FILE     initramfs (default $BUILD_DIR/initramfs.cpio.gz)
#   --kernel FILE     kernel (default: uncompressed copy of
#                     KROOT/boot/vmlinuz-KVER, made once with
#                     scripts/extract-vmlinux of a source tree; KROOT:
#                     empty, or 6.12's unpacked image, driver/kver.sh)
#   --nic MODEL       e1000 (default) | e1000e | virtio[:QUEUES] | tg3 | none
#                     (tg3: the BCM5719 model, only in a QEMU built by
#                     tests/vm/qemu/build.sh: give it with --qemu)
#   --nics N          number of NICs, each on its own tap (default 1)
#   --arg KEY=VAL     add tg3cap.KEY=VAL to the kernel command line (repeat)
#   --append STR      raw extra kernel command line
#   --debug           the kernel is the debug kernel (tests/vm/debug-kernel.sh,
#                     give it with --kernel): boot it with pci=noacpi (its
#                     ACPI interpreter, slowed by KASAN and lockdep under TCG,
#                     runs QEMU's _PRT into the 30 s AML loop timeout) and
#                     tg3cap.leakcheck=1 (unload the modules after the test,
#                     fail on any kmemleak report)
#   --host-cmd CMD    host traffic command, run in the netns on each READY
#   --plan FILE       several cases in one boot (tg3cap.plan=1): FILE has
#                     one "NAME SCRIPT [KEY=VAL...]" line per case; the
#                     guest runs /tests/SCRIPT.sh for each in order with
#                     /out = OUTDIR/NAME and TG3CAP_KEY=VAL set, and its
#                     rounds are "NAME/TAG": the host command gets
#                     OUTDIR=OUTDIR/NAME, ROUND=TAG and the case's KEY=VALs.
#                     Each NAME gets OUTDIR/NAME/verdict: PASS, or FAIL and
#                     why (its own result line, the kernel problems in its
#                     part of the console); the run passes only if all do
#   --outdir DIR      9p share + logs (default $BUILD_DIR/out/NAME; the
#                     default one is wiped first, a given one only of
#                     ready-*/done-*/console.log)
#   --log FILE        console log (default OUTDIR/console.log)
#   --timeout SEC     hard timeout, kills QEMU (default 300)
#   --mem MB --smp N  guest size (default 1024, 2)
#   --mtu N           MTU of the host taps (default: the tap's, 1500); the
#                     guest sets its own (e.g. tg3cap.mtu in capture.sh)
#   --txqueuelen N    host tap queue length (default: kernel's, 500 for a
#                     tap): what the host buffers while QEMU does not read;
#                     a deep queue (10000) absorbs TCG/host-load stalls
#   --allow REGEX     ignore bad-pattern lines matching REGEX (expected WARNs)
#   --no-9p           no virtfs share
#   --qemu PATH       the QEMU binary (default: qemu-system-x86_64 on PATH)
#   --qemu-arg ARG    one more QEMU argument (repeat), e.g. a -drive for a
#                     guest with a root file system (tests/appliance)
#   --quiet           do not echo the console while running
# Env: BUILD_DIR, KVER, KSRC (see common.sh), KROOT.
set -euo pipefail
ARGS=("$@")	# for the one boot again (RETRY, below)

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

usage() { sed -n '/^# Usage:/,/^# Env:/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

TEST='' INITRD='' KERNEL='' NIC=e1000 NICS=1 APPEND='' HOST_CMD='' OUTDIR='' LOG=''
PLAN=''
TIMEOUT=300 MEM=1024 SMP=2 ALLOW='' NO9P=0 QUIET=0 TXQLEN='' MTU=''
QEMU=qemu-system-x86_64
declare -a TARGS=() XARGS=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--test) TEST=$2; shift 2 ;;
	--initrd) INITRD=$2; shift 2 ;;
	--kernel) KERNEL=$2; shift 2 ;;
	--nic) NIC=$2; shift 2 ;;
	--nics) NICS=$2; shift 2 ;;
	--arg) TARGS+=("$2"); shift 2 ;;
	--append) APPEND+=" $2"; shift 2 ;;
	--debug) APPEND+=" pci=noacpi tg3cap.leakcheck=1"; shift ;;
	--host-cmd) HOST_CMD=$2; shift 2 ;;
	--plan) PLAN=$2; shift 2 ;;
	--outdir) OUTDIR=$2; shift 2 ;;
	--log) LOG=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--allow) ALLOW=$2; shift 2 ;;
	--txqueuelen) TXQLEN=$2; shift 2 ;;
	--mtu) MTU=$2; shift 2 ;;
	--no-9p) NO9P=1; shift ;;
	--qemu) QEMU=$2; shift 2 ;;
	--qemu-arg) XARGS+=("$2"); shift 2 ;;
	--quiet) QUIET=1; shift ;;
	-h|--help) usage ;;
	*) echo "unknown option: $1" >&2; usage ;;
	esac
done
[[ $TEST =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "--test NAME required ([A-Za-z0-9_.-])" >&2; usage; }
[[ $NICS =~ ^[0-9]+$ ]] || die "--nics: number expected"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout: seconds expected"
[[ -z $MTU || $MTU =~ ^[0-9]+$ ]] || die "--mtu: number expected"
[[ $EUID == 0 ]] || die "must run as root (netns, tap)"
# the plan's cases: names, scripts and KEY=VALs checked as --test/--arg
declare -a PCASES=()
declare -A PARGS=()
if [[ -n $PLAN ]]; then
	[[ -f $PLAN ]] || die "--plan $PLAN: no such file"
	[[ $NO9P == 0 ]] || die "--plan needs the 9p share (no --no-9p)"
	while read -r n sc args; do
		[[ -n $n ]] || continue
		[[ $n =~ ^[A-Za-z0-9_.-]+$ && $sc =~ ^[A-Za-z0-9_.-]+$ ]] ||
			die "--plan: bad line '$n $sc $args'"
		[[ -z ${PARGS[$n]+x} ]] || die "--plan: case $n twice"
		for a in $args; do
			[[ $a =~ ^[A-Za-z0-9_.-]+=[^[:space:]]*$ ]] ||
				die "--plan: $n: $a is not KEY=VAL"
		done
		PCASES+=("$n"); PARGS[$n]=$args
	done < "$PLAN"
	[[ ${#PCASES[@]} -gt 0 ]] || die "--plan $PLAN: no case"
fi
if [[ $QEMU == qemu-system-x86_64 ]]; then
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86 not installed"
else
	[[ -x $QEMU ]] || die "--qemu $QEMU: not an executable"
fi

KVER=$(detect_kver)
INITRD=${INITRD:-$BUILD_DIR/initramfs.cpio.gz}
[[ -f $INITRD ]] || die "initramfs $INITRD missing (run mkinitramfs.sh)"

# ---- kernel: uncompressed vmlinux, cached (boots ~3 s faster under TCG) -----
if [[ -z $KERNEL ]]; then
	VMLINUZ=${KROOT:-}/boot/vmlinuz-$KVER
	[[ -f $VMLINUZ ]] || die "$VMLINUZ missing"
	KERNEL=$BUILD_DIR/vmlinux-$KVER
	if [[ ! -s $KERNEL || $VMLINUZ -nt $KERNEL ]]; then
		mkdir -p "$BUILD_DIR"
		if XV=$(find_extract_vmlinux) && bash "$XV" "$VMLINUZ" > "$KERNEL.tmp" 2>/dev/null &&
			[[ -s $KERNEL.tmp ]]; then
			msg "uncompressed kernel cached in $KERNEL (by $XV)"
			mv "$KERNEL.tmp" "$KERNEL"
		else
			rm -f "$KERNEL.tmp"
			msg "warning: no scripts/extract-vmlinux found (set KSRC=), booting the slower compressed $VMLINUZ"
			KERNEL=$VMLINUZ
		fi
	fi
fi

# ---- output dir -------------------------------------------------------------
if [[ -z $OUTDIR ]]; then
	OUTDIR=$BUILD_DIR/out/$TEST
	rm -rf "$OUTDIR"
fi
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
[[ $OUTDIR != *,* ]] || die "--outdir $OUTDIR: no commas (QEMU -virtfs option syntax)"
rm -f "$OUTDIR"/ready-* "$OUTDIR"/done-* "$OUTDIR"/.done-* "$OUTDIR/result"
if [[ -n $PLAN ]]; then
	for n in "${PCASES[@]}"; do rm -rf "${OUTDIR:?}/$n"; mkdir "$OUTDIR/$n"; done
	cp "$PLAN" "$OUTDIR/plan.tmp" && mv "$OUTDIR/plan.tmp" "$OUTDIR/plan"
fi
LOG=${LOG:-$OUTDIR/console.log}
: > "$LOG"

# ---- namespace, taps, cleanup -----------------------------------------------
NS=tg3cap-vm-$$
QPID='' TPID='' HPID='' HST=''
declare -a TAPS=() MACS=()

# shellcheck disable=SC2317 # invoked by trap
cleanup() {
	local rc=$?
	set +e
	[[ -n $HPID ]] && kill -TERM -- "-$HPID" 2>/dev/null
	if [[ -n $QPID ]] && kill -0 "$QPID" 2>/dev/null; then
		kill -TERM "$QPID" 2>/dev/null; sleep 0.5
		kill -0 "$QPID" 2>/dev/null && kill -KILL "$QPID" 2>/dev/null
	fi
	[[ -n $TPID ]] && kill "$TPID" 2>/dev/null
	wait 2>/dev/null
	if ip netns list | awk '{print $1}' | grep -qx "$NS"; then
		for t in "${TAPS[@]}"; do ip -n "$NS" link del "$t" 2>/dev/null; done
		ip netns del "$NS"
	fi
	[[ $RETRY == 1 ]] &&
		exec env TG3CAP_VM_RETRY=1 "$0" "${ARGS[@]}"
	exit "$rc"
}
RETRY=0
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
# No IPv6 in the namespace: no DAD/RS frames from the host side onto the taps.
ip netns exec "$NS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
	echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true

QUEUES=1 MODEL=$NIC
case $NIC in
e1000|e1000e|tg3|none) ;;
virtio) MODEL=virtio; QUEUES=1 ;;
virtio:*) MODEL=virtio; QUEUES=${NIC#virtio:} ;;
*) die "--nic $NIC: e1000 | e1000e | virtio[:QUEUES] | tg3 | none" ;;
esac
[[ $QUEUES =~ ^[0-9]+$ && $QUEUES -ge 1 ]] || die "--nic $NIC: bad queue count"
[[ $MODEL == none ]] && NICS=0

declare -a QARGS=(-accel tcg -m "$MEM" -smp "$SMP" -nographic -no-reboot
	-kernel "$KERNEL" -initrd "$INITRD")
[[ $NICS == 0 ]] && QARGS+=(-nic none)
for ((i = 0; i < NICS; i++)); do
	tap=tap$i mac=$(printf '52:54:00:12:34:%02x' $((0x56 + i)))
	TAPS+=("$tap"); MACS+=("$mac")
	if [[ $MODEL == virtio && $QUEUES -gt 1 ]]; then
		ip -n "$NS" tuntap add dev "$tap" mode tap multi_queue
		QARGS+=(-netdev "tap,id=n$i,ifname=$tap,script=no,downscript=no,queues=$QUEUES"
			-device "virtio-net-pci,netdev=n$i,mac=$mac,mq=on,vectors=$((2 * QUEUES + 2))")
	else
		ip -n "$NS" tuntap add dev "$tap" mode tap
		QARGS+=(-netdev "tap,id=n$i,ifname=$tap,script=no,downscript=no")
		case $MODEL in
		virtio) QARGS+=(-device "virtio-net-pci,netdev=n$i,mac=$mac") ;;
		# the model drops a frame for which the driver has posted no
		# buffer (rx_discards), as the chip does; here the tap holds
		# it until there is one, as QEMU's e1000 and virtio-net do,
		# so that a TCG stall of the guest loses nothing
		tg3) QARGS+=(-device "tg3,netdev=n$i,mac=$mac,drop-on-full=off") ;;
		*) QARGS+=(-device "$MODEL,netdev=n$i,mac=$mac") ;;
		esac
	fi
	[[ -z $TXQLEN ]] || ip -n "$NS" link set "$tap" txqueuelen "$TXQLEN"
	[[ -z $MTU ]] || ip -n "$NS" link set "$tap" mtu "$MTU"
	ip -n "$NS" link set "$tap" up
done
[[ $NO9P == 1 ]] ||
	QARGS+=(-virtfs "local,path=$OUTDIR,mount_tag=out,security_model=none")

# cryptomgr.notests: the kernel's crypto self-tests at boot test nothing
# of ours, and under TCG one hung a boot of Debian's 6.1 in alg_test()
# (soft lockup, CPU 0 stuck at a jump-label NOP for 79 s and more, the
# boot's cases never started; a cold make check, 2026-12-07)
CMDLINE="console=ttyS0 panic=-1 oops=panic cryptomgr.notests tg3cap.test=$TEST"
[[ -z $PLAN ]] || CMDLINE+=" tg3cap.plan=1"
for a in "${TARGS[@]}"; do
	[[ $a =~ ^[A-Za-z0-9_.-]+=[^[:space:]]*$ ]] || die "--arg $a: KEY=VAL without spaces"
	CMDLINE+=" tg3cap.$a"
done
CMDLINE+=$APPEND
QARGS+=(-append "$CMDLINE")
QARGS+=(${XARGS[@]+"${XARGS[@]}"})

# ---- host command environment -------------------------------------------------
declare -a HENV=(NS="$NS" TAP="${TAPS[*]}" GUEST_MAC="${MACS[*]}" NICS="$NICS"
	OUTDIR="$OUTDIR" VM_DIR="$VM_DIR" BUILD_DIR="$BUILD_DIR"
	SENDFRAMES="$BUILD_DIR/bin/sendframes" GENPCAP="$BUILD_DIR/bin/genpcap"
	PATH="$PATH")
for ((i = 0; i < NICS; i++)); do HENV+=("TAP$i=${TAPS[$i]}" "GUEST_MAC$i=${MACS[$i]}"); done
# henv KEY=VAL...: the host command's words for --arg/plan KEY=VALs
henv() {
	local a k
	for a; do
		k=${a%%=*}; k=${k^^}; k=${k//[.-]/_}
		printf '%s\n' "TG3CAP_$k=${a#*=}"
	done
}
mapfile -t -O "${#HENV[@]}" HENV < <(henv ${TARGS[@]+"${TARGS[@]}"})

# ---- boot ---------------------------------------------------------------------
msg "test $TEST: kernel $KVER, nic ${NIC} x$NICS, netns $NS, outdir $OUTDIR, timeout ${TIMEOUT}s"
now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }
T0=$(now_ms)
# ip netns exec execs QEMU: $! is QEMU's PID.
ip netns exec "$NS" "$QEMU" "${QARGS[@]}" < /dev/null > "$LOG" 2>&1 &
QPID=$!
if [[ $QUIET == 0 ]]; then
	tail -n +1 -F --pid="$QPID" "$LOG" 2>/dev/null &
	TPID=$!
fi

elapsed() { local d=$(( $(now_ms) - T0 )); printf '%d.%d' $((d / 1000)) $((d % 1000 / 100)); }
FAIL=()
declare -A SEEN=()
PENDING=() CUR=''

# round TAG: CDIR, the folder of its files, and RTAG, the round the
# host command is told (a plan's "NAME/TAG": OUTDIR/NAME and TAG)
declare -a CENV=()
round() {
	CDIR=$OUTDIR RTAG=$1 CENV=()
	if [[ $1 == */* ]]; then
		CDIR=$OUTDIR/${1%%/*} RTAG=${1#*/}
		# shellcheck disable=SC2086 # KEY=VAL words
		mapfile -t CENV < <(henv ${PARGS[${1%%/*}]})
	fi
}

start_round() { # tag
	CUR=$1
	msg "READY $1 at $(elapsed) s"
	if [[ -z $HOST_CMD ]]; then
		finish_round 0
		return
	fi
	round "$1"
	# Its end is told by a status file, not by kill -0 and a wait on
	# its pid.  Seen 2026-12-07 in a KCSAN soak: the host command had
	# ended, and this loop sat in wait4(-1) for 12 minutes (the guest
	# waiting for done-life), its only children QEMU and tail.  The
	# loop starts ~60 processes a second, so pids wrap (pid_max 32768)
	# within a long round; which wait of bash 5.2 blocked is not known
	# (a pid reused by a process substitution did not reproduce it
	# alone), so the loop now waits on no pid of its own choosing and
	# starts no process substitution.
	HST=$CDIR/.status-$RTAG
	rm -f "$HST"
	# shellcheck disable=SC2016 # the inner bash expands them
	setsid ip netns exec "$NS" env -i "${HENV[@]}" \
		${CENV[@]+"${CENV[@]}"} OUTDIR="$CDIR" ROUND="$RTAG" \
		TG3CAP_HCMD="$HOST_CMD" TG3CAP_HST="$HST" \
		bash -c 'bash -c "$TG3CAP_HCMD"; echo $? >"$TG3CAP_HST.tmp" &&
			mv "$TG3CAP_HST.tmp" "$TG3CAP_HST"' \
		> "$CDIR/host-cmd-$RTAG.log" 2>&1 &
	HPID=$!
}

# round_ended: the current round's host command has ended (its status
# in ST; 255 if it was killed before it could write one, which a reused
# pid can only delay)
round_ended() {
	if [[ ! -s $HST ]]; then
		! kill -0 "$HPID" 2>/dev/null || return 1
		sleep 0.2
		[[ -s $HST ]] || { ST=255; return 0; }
	fi
	ST=$(<"$HST")
	rm -f "$HST"
}

finish_round() { # status
	round "$CUR"
	echo "$1" > "$CDIR/.done-$RTAG"
	mv "$CDIR/.done-$RTAG" "$CDIR/done-$RTAG"
	if [[ -n $HOST_CMD ]]; then
		sed "s|^|host-cmd[$CUR]: |" "$CDIR/host-cmd-$RTAG.log" >&2
		msg "host-cmd round $CUR exit $1 at $(elapsed) s"
		[[ $1 == 0 ]] || FAIL+=("host command (round $CUR) exited $1")
	fi
	CUR='' HPID=''
}

TIMED_OUT=0
while kill -0 "$QPID" 2>/dev/null; do
	# READY announcements, file (9p) or console line, in order of appearance.
	# (a command substitution: no process substitution in this loop,
	# see start_round)
	ready=$(
		# shellcheck disable=SC2012 # our own file names
		ls -tr "$OUTDIR" 2>/dev/null | sed -n 's/^ready-//p'
		grep -ao 'TG3CAP-READY [A-Za-z0-9_.-]*/\?[A-Za-z0-9_.-]* \.' \
			"$LOG" | cut -d' ' -f2
	) || true	# (none yet: grep's status)
	mapfile -t tags <<<"$ready"
	for t in "${tags[@]}"; do
		[[ -n $t && -z ${SEEN[$t]:-} ]] || continue
		SEEN[$t]=1; PENDING+=("$t")
	done
	if [[ -n $CUR && -n $HPID ]] && round_ended; then
		finish_round "$ST"
	fi
	if [[ -z $CUR && ${#PENDING[@]} -gt 0 ]]; then
		start_round "${PENDING[0]}"; PENDING=("${PENDING[@]:1}")
	fi
	if (( $(now_ms) - T0 >= TIMEOUT * 1000 )); then
		TIMED_OUT=1
		FAIL+=("timeout after ${TIMEOUT}s: QEMU (pid $QPID) killed")
		kill -TERM "$QPID" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$QPID" 2>/dev/null || break
			sleep 0.3
		done
		kill -KILL "$QPID" 2>/dev/null || true
		break
	fi
	sleep 0.1
done
QRC=0; wait "$QPID" || QRC=$?
if [[ -n $HPID ]]; then
	# (no wait on its pid: see start_round)
	kill -TERM -- "-$HPID" 2>/dev/null || true
	FAIL+=("QEMU exited while host command round $CUR was running")
	HPID=
fi
[[ -n $TPID ]] && { sleep 0.2; kill "$TPID" 2>/dev/null || true; wait "$TPID" 2>/dev/null || true; TPID=; }
TOTAL=$(elapsed)

# ---- verdict --------------------------------------------------------------------
CLEAN=$(tr -d '\r' < "$LOG" | sed 's/[[:space:]]*$//')
# (the debug kernel adds lockdep, kmemleak and stall reports to the usual)
BAD='BUG:|WARNING:|Oops|Kernel panic|KASAN|general protection|Call Trace'
BAD+='|UBSAN|DEBUG_LOCKS_WARN_ON|lockdep is turned off|INFO: task .* blocked'
BAD+='|detected stalls|unreferenced object|suspected memory leak'
badlines=$(grep -nE "$BAD" <<<"$CLEAN" || true)
[[ -z $ALLOW || -z $badlines ]] || badlines=$(grep -vE "$ALLOW" <<<"$badlines" || true)
[[ -z $badlines ]] || FAIL+=("kernel problem on the console:" "$badlines")
grep -qxF "TG3CAP-RESULT: PASS $TEST" <<<"$CLEAN" ||
	FAIL+=("no PASS line: $(grep -E 'TG3CAP-RESULT' <<<"$CLEAN" || echo 'no TG3CAP-RESULT line at all')")
[[ $QRC == 0 || $TIMED_OUT == 1 ]] || FAIL+=("QEMU exit code $QRC")

# A plan: each case's part of the console (from its TG3CAP-CASE-START
# line to its result line; what follows the last, the leak check, is
# the run's) goes to OUTDIR/NAME/console.log, and its verdict to
# OUTDIR/NAME/verdict.
for n in "${PCASES[@]}"; do
	awk -v s="TG3CAP-CASE-START $n" -v l=$((${#n} + 18)) -v n="$n" '
		/TG3CAP-CASE-START [^ ]*$/ { p = substr($0, length($0) - l + 1) == s; next }
		p && /^TG3CAP-CASE: (PASS|FAIL) / && $3 == n { print; p = 0 }
		p' <<<"$CLEAN" > "$OUTDIR/$n/console.log"
	v=$(grep -E "^TG3CAP-CASE: (PASS|FAIL) $n( |$)" <<<"$CLEAN" |
		head -n1 | cut -d' ' -f2-) || true
	v=${v:-FAIL $n (did not finish)}
	bad=$(grep -nE "$BAD" "$OUTDIR/$n/console.log" || true)
	[[ -z $ALLOW || -z $bad ]] || bad=$(grep -vE "$ALLOW" <<<"$bad" || true)
	[[ -z $bad ]] || v="FAIL $n (kernel problem on the console: ${bad%%$'\n'*})"
	echo "$v" > "$OUTDIR/$n/verdict"
	sed -n "s/^TG3CAP-CASE-TIME $n \([0-9]*\)\$/\1/p" <<<"$CLEAN" |
		head -n1 > "$OUTDIR/$n/seconds"
	msg "case $v"
done

if [[ ${#FAIL[@]} -eq 0 ]]; then
	msg "PASS $TEST (${TOTAL} s, console log $LOG)"
	exit 0
fi
# A guest kernel that died before it ran /init ran nothing of ours (the
# capture modules are loaded by /init) and took no frame (no host round
# had started): QEMU's TCG, not the test.  Seen 2026-12-07, once in a
# cold make check: Debian's 6.12 took an int3 Oops in sched_clock_cpu()
# during an initcall, on the boot of reader-6.12/stream.  Booted once
# more, saying so; the dead boot's console is kept beside OUTDIR.
if [[ -z ${TG3CAP_VM_RETRY:-} && -z $CUR && ${#SEEN[@]} -eq 0 ]] &&
   grep -qE 'Kernel panic|Oops' <<<"$CLEAN" &&
   ! grep -qE 'Run .* as init process' <<<"$CLEAN"; then
	cp "$LOG" "${OUTDIR%/}.died-before-init.log"
	msg "the guest kernel died before /init (console kept in" \
		"${OUTDIR%/}.died-before-init.log): booting it once more"
	RETRY=1
	exit 1
fi
msg "FAIL $TEST (${TOTAL} s, console log $LOG):"
printf '%s\n' "${FAIL[@]}" | sed 's/^/  /' >&2
exit 1
