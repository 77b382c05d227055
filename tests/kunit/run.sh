#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the KUnit suite of the tg3 lwpcap hook (patches/SERIES/0005): the
# real tg3_rx() fed fake descriptors, in the debug kernel of the VM tests.
#
# usage: tests/kunit/run.sh [--plain]
# LWP_KSERIES=6.12: the same on Debian's 6.12 with patches/6.12, in its
# own debug kernel (debug-kernel.sh, build/dbg-6.12; issue 27).
# --plain: in the plain kernel of tests/kunit/kunit.config instead
# (TG3CAP_DBG_FLAVOUR=kunit, build/dbg-kunit*): the same cases without
# KASAN, lockdep or the leak check, built in minutes; make check runs
# 6.12's suite so, make soak on the 6.12 debug kernel.
#
# 1. tests/vm/debug-kernel.sh builds (or reuses) the debug kernel
#    (KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak; tests/vm/debug.config),
#    in which tg3 is a module carrying its KUnit suite: the same build
#    the reliability suite boots.
# 2. run-vm.sh boots it with no NIC; /init loads lwpcap.ko and tg3.ko,
#    which runs the suite (KTAP on the console); then the modules are
#    unloaded and kmemleak must report nothing (tg3cap.leakcheck=1).
#    run-vm.sh fails on any KASAN/lockdep/kmemleak/BUG/WARNING line.
# 3. The KTAP lines of the console are parsed by the kernel's own
#    tools/testing/kunit/kunit.py parse; its JSON is counted.
#
# Prints "N passed, M failed" last; exits non-zero on any failure.
# Environment: BUILD_DIR (default build/), JOBS (default 2).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}
out=$B/kunit-run${LWP_KSERIES:+-$LWP_KSERIES}
vmarg=(--debug)
case ${1:-} in
'') ;;
--plain)
	export TG3CAP_DBG_FLAVOUR=kunit
	out=$B/kunit-run-plain${LWP_KSERIES:+-$LWP_KSERIES}
	# no ACPI in it either; no kmemleak to ask (tg3cap.leakcheck)
	vmarg=(--append pci=noacpi) ;;
*) echo "usage: $0 [--plain]" >&2; exit 2 ;;
esac

kd=$(BUILD_DIR=$B "$top/tests/vm/debug-kernel.sh")
tree=$kd/source	# the patched copy debug-kernel.sh built from
if ! grep -q TIGON3_LWPCAP_KUNIT_TEST \
		"$tree/drivers/net/ethernet/broadcom/Kconfig"; then
	echo "kunit: patches/${LWP_KSERIES:-6.1}/series lacks the tg3 KUnit patch" >&2
	exit 1
fi

rm -rf "$out"; mkdir -p "$out"
KVER=$(cat "$kd/include/config/kernel.release")
export KVER BUILD_DIR=$B/vm
cp "$kd/arch/x86/boot/bzImage" "$kd/drivers/net/lwpcap/lwpcap.ko" \
	"$kd/drivers/net/ethernet/broadcom/tg3.ko" "$out/"
"$top/tests/vm/mkinitramfs.sh" -o "$out/initrd.cpio.gz" --no-9p \
	--module "$out/lwpcap.ko" --module "$out/tg3.ko" \
	--tests "$top/tests/reliability/guest" >/dev/null
rc=0
"$top/tests/vm/run-vm.sh" --test kunit --kernel "$out/bzImage" \
	--initrd "$out/initrd.cpio.gz" --nic none "${vmarg[@]}" \
	--outdir "$out" --timeout 600 --quiet >"$out/run-vm.log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
	tail -n 30 "$out/run-vm.log" | sed 's/^/  | /' >&2
fi

. "$top/tests/kunit/ktap.sh"
ktap_count "$out/console.log" "$tree" "$out" >&2 || rc=1
passed=$KPASS failed=$KFAIL
grep -h 'kmemleak:' "$out/console.log" | tr -d '\r' >&2 || true
echo "$passed passed, $failed failed"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
	exit 1
fi
