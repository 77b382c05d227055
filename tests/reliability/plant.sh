#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# plant.sh - build an lwpcap.ko with a deliberately planted bug, to show
# that the hostile-reader test catches it (never touches driver/).
#
#   tests/reliability/plant.sh [BUG]     -> build/planted-mod/lwpcap/lwpcap.ko
#   tests/reliability/run.sh --mod-dir build/planted-mod hostile-e1000
#
# BUG: trust-cons (default): lwpcap_qring_refresh_cons() takes the
#      reader's cons unchecked (no window check, no bad_cons count).
# Only lwpcap.ko is rebuilt (driver/lwpcap.c + a patched copy of
# lwpcap_ring.h, against Debian's headers): its exported symbols are
# unchanged, so the e1000/virtio_net modules of build/mod load with it.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}
. "$top/driver/kver.sh"
lwpcap_kver
bug=${1:-trust-cons}
out=$B/planted-mod
rm -rf "$out"; mkdir -p "$out/lwpcap" "$out/include"
cp -a "$top/driver/include/." "$out/include/"
cp "$top/driver/lwpcap.c" "$top/driver/lwpcap_ring.h" "$out/lwpcap/"
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
*) echo "unknown bug $bug" >&2; exit 2 ;;
esac
printf 'obj-m := lwpcap.o\nccflags-y := -I$(src)/../include\n' >"$out/lwpcap/Kbuild"
make -s -C "$KDIR" M="$out/lwpcap" -j"$(nproc)" modules
diff -u "$top/driver/lwpcap_ring.h" "$out/lwpcap/lwpcap_ring.h" || true
ls -l "$out/lwpcap/lwpcap.ko"
