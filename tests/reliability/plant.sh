#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# plant.sh - build an lwpcap.ko with a deliberately planted bug, to show
# that the hostile-reader test catches it (never touches driver/).
#
#   tests/reliability/plant.sh [--stock-kernel] [BUG]
#                                  -> build/planted-mod/lwpcap/lwpcap.ko
#   tests/reliability/run.sh [--stock-kernel] --mod-dir build/planted-mod \
#       hostile-e1000
#
# BUG: trust-cons (default): lwpcap_qring_refresh_cons() takes the
#      reader's cons unchecked (no window check, no bad_cons count).
#      leak-ring: lwpcap_ring_release() frees the ring's memory but not
#      the ring itself (for kmemleak, debug kernel).
# Only lwpcap.ko is rebuilt (driver/lwpcap.c + a patched copy of
# lwpcap_ring.h) against the debug kernel's build (tests/vm/debug-kernel.sh),
# or with --stock-kernel against Debian's headers: its exported symbols are
# unchanged, so the e1000/virtio_net modules of that kernel load with it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}
if [ "${1:-}" = --stock-kernel ]; then
	shift
	. "$top/driver/kver.sh"
	lwpcap_kver
else
	KDIR=$(BUILD_DIR=$B "$top/tests/vm/debug-kernel.sh")
fi
bug=${1:-trust-cons}
out=$B/planted-mod
rm -rf "$out"; mkdir -p "$out/lwpcap" "$out/include"
cp -a "$top/driver/include/." "$out/include/"
cp "$top/driver/lwpcap.c" "$top/driver/lwpcap_compat.h" \
	"$top/driver/lwpcap_ring.h" "$out/lwpcap/"
case $bug in
trust-cons)
	python3 - "$out/lwpcap/lwpcap_ring.h" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
old = """	if (likely((u32)(cons - r->cons) <= (u32)(r->pub - r->cons)))
		r->cons = cons;
	else
		WRITE_ONCE(r->bad_cons, r->bad_cons + 1);"""
new = """	r->cons = cons;	/* PLANTED BUG: the reader's cons, unchecked */"""
assert old in s, "refresh_cons changed: update plant.sh"
open(p, "w").write(s.replace(old, new))
PY
	;;
leak-ring)
	python3 - "$out/lwpcap/lwpcap.c" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
old = """	atomic_long_sub(PAGE_ALIGN(ring->size) >> PAGE_SHIFT, &lwpcap_mem_pages);
	kvfree(ring);
}"""
new = """	atomic_long_sub(PAGE_ALIGN(ring->size) >> PAGE_SHIFT, &lwpcap_mem_pages);
}	/* PLANTED BUG: the ring struct is never freed */"""
assert old in s, "lwpcap_ring_release changed: update plant.sh"
open(p, "w").write(s.replace(old, new))
PY
	;;
*) echo "unknown bug $bug" >&2; exit 2 ;;
esac
printf 'obj-m := lwpcap.o\nccflags-y := -I$(src)/../include\n' >"$out/lwpcap/Kbuild"
make -s -C "$KDIR" M="$out/lwpcap" -j"$(nproc)" modules
diff -u "$top/driver/lwpcap_ring.h" "$out/lwpcap/lwpcap_ring.h" || true
diff -u "$top/driver/lwpcap.c" "$out/lwpcap/lwpcap.c" || true
ls -l "$out/lwpcap/lwpcap.ko"
