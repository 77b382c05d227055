#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Series hygiene of one kernel's series (LWP_KSERIES, default 6.1:
# driver/kver.sh), part of make check for each kernel:
#   1. patches/SERIES/0001 is what driver/mkpatch.sh makes of driver/
#      (no drift)
#   2. the tree builds after every patch of the series (all four modules)
#   3. checkpatch.pl --strict (that kernel's) reports nothing on any patch
#   4. sparse (C=2) reports nothing on lwpcap and nothing new on the
#      drivers the series touches (tg3 has sparse warnings of its own)
#   5. no driver stores lwpcap_attach()'s result straight into the field
#      its NAPI hook tests: a poll in between would use an ERR_PTR()
# Prints "N passed, M failed" and exits non-zero on any failure.
#
# --final (make check for the second kernel, issue 24's time budget): 2
# only after the last patch, 4 on lwpcap only; make soak runs it whole.
set -uo pipefail

final=0
[ "${1:-}" = --final ] && final=1

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}
. "$top/driver/kver.sh"
lwpcap_kver || exit 1
export QUILT_PATCHES="$PATCHDIR" QUILT_PC=.pc
P=patches/$KSERIES

passed=0 failed=0
ok() { echo "PASS $*"; passed=$((passed + 1)); }
ko() { echo "FAIL $*"; failed=$((failed + 1)); }

if "$top/driver/mkpatch.sh" --check; then
	ok "$P/0001 matches driver/"
else
	ko "$P/0001 drifted from driver/"
fi

bad=$(grep -nE '(->|\.)lwpcap = lwpcap_attach\(' "$PATCHDIR"/*-capture-received-frames-*.patch)
if [ -z "$bad" ]; then
	ok "drivers publish only a valid lwpcap handle"
else
	echo "$bad"
	ko "a driver stores lwpcap_attach()'s result before checking it"
fi

tree=$("$top/driver/prep-tree.sh") || { ko "prepare the tree"; exit 1; }
src=$("$top/driver/prep-tree.sh" --pristine)
mapfile -t series < <(grep -v '^\s*\(#\|$\)' "$PATCHDIR/series")

(cd "$tree" && quilt pop -a -q >/dev/null)
last=${series[-1]}
# --final builds once, where sparse looks below
modout=$B/hyg-mod$KSFX
[ "$final" = 1 ] && modout=$B/mod$KSFX
for p in "${series[@]}"; do
	if ! (cd "$tree" && quilt push -q --fuzz=0 >/dev/null); then
		ko "$P/$p does not apply"
		break
	fi
	if [ "$final" = 1 ] && [ "$p" != "$last" ]; then
		ok "$P/$p applies"
		continue
	fi
	log=$B/hygiene-build$KSFX.log
	if "$top/driver/build-modules.sh" "$tree" "$modout" >"$log" 2>&1 &&
	   ! grep -v 'Skipping BTF' "$log" | grep -qi 'warning'; then
		ok "builds without warnings after $P/$p"
	else
		grep -v 'Skipping BTF' "$log" | tail -20
		ko "build after $P/$p"
	fi
done
# Leave the tree fully patched, as prep-tree.sh made it.
(cd "$tree" && quilt push -a -q >/dev/null 2>&1)

for p in "${series[@]}"; do
	out=$(cd "$tree" && perl scripts/checkpatch.pl --strict -q \
		"$PATCHDIR/$p" 2>&1)
	if [ -z "$out" ]; then
		ok "checkpatch --strict $P/$p"
	else
		echo "$out"
		ko "checkpatch --strict $P/$p"
	fi
done

# sparse: the same module built from the pristine and the patched source
sparse_run()	# $1 dir
{
	make -s -C "$KDIR" M="$1" C=2 CHECK=sparse \
		KBUILD_EXTRA_SYMBOLS="$B/mod$KSFX/lwpcap/Module.symvers" modules 2>&1 |
		grep -v 'Skipping BTF' | sed -n 's/^[^:]*\/\([^/:]*\):[0-9]*:[0-9]*: /\1: /p' |
		sort
}
[ "$final" = 1 ] ||
	"$top/driver/build-modules.sh" "$tree" "$B/mod$KSFX" >/dev/null 2>&1 ||
	ko "build modules for sparse"
s=$(sparse_run "$B/mod$KSFX/lwpcap")
if [ -z "$s" ]; then
	ok "sparse lwpcap"
else
	echo "$s"
	ko "sparse lwpcap"
fi
# --final: lwpcap only; the drivers' own warnings are compared in soak
if [ "$final" = 0 ]; then
	for m in tg3:drivers/net/ethernet/broadcom/tg3 \
		 e1000:drivers/net/ethernet/intel/e1000/e1000 \
		 virtio_net:drivers/net/virtio_net; do
		name=${m%%:*} path=${m#*:}
		d=$B/hyg-pristine$KSFX/$name
		mkdir -p "$d"
		cp "$(dirname "$src/$path")"/*.[ch] "$d/" 2>/dev/null ||
			cp "$src/$path.c" "$d/"
		[ "$name" = virtio_net ] && { rm -f "$d"/*.[ch]; cp "$src/$path.c" "$d/"; }
		# the object list only: no hook, no version header (not in $d)
		sed -n '/^obj-m/,$p' "$B/mod$KSFX/$name/Kbuild" |
			grep -v -e ccflags -e '^CFLAGS_' >"$d/Kbuild"
		touch "$d"/*.c "$B/mod$KSFX/$name"/*.c
		new=$(comm -13 <(sparse_run "$d") <(sparse_run "$B/mod$KSFX/$name"))
		if [ -z "$new" ]; then
			ok "sparse $name: no new warnings"
		else
			echo "$new"
			ko "sparse $name: new warnings"
		fi
	done
fi

echo "hygiene: $passed passed, $failed failed"
[ "$failed" = 0 ]
