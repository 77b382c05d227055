#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the KUnit suite of the tg3 lwpcap hook (patches/0005): the real
# tg3_rx() fed fake descriptors, in a small x86_64 kernel under QEMU.
#
# usage: tests/kunit/run.sh
#
# 1. driver/prep-tree.sh gives the patched tree (build/tree-<ver>, shared
#    with the out-of-tree module builds).  It is copied to build/kunit-src
#    whenever the series changed (the .series-<sum> stamp differs), so
#    that a later re-patch of the shared tree never happens under this
#    build.  Files any patch touches, before or after, are touched in the
#    copy so that kbuild rebuilds them even when the copy restored an
#    older mtime.  A copy holding a file .keep-kunit-dev is a
#    developer's working tree (quilt new/refresh in it) and is used as it
#    is, never overwritten.
# 2. kunit.py builds the kernel out of tree in build/kunit (the config is
#    tests/kunit/tg3.kunitconfig: KASAN, lockdep) and runs the suite.
#    Cold: ~15 min on 2 cores; after a change to tg3.c ~1 min.
# 3. The case results (kunit.py --json) are counted; a KASAN, lockdep or
#    other splat anywhere in the kernel log fails the run as well.
#
# Prints "N passed, M failed" last; exits non-zero on any failure.
# Environment: BUILD_DIR (default build/), JOBS (default 2).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}
export BUILD_DIR=$B
tree=$B/kunit-src
kdir=$B/kunit
kconfig=$top/tests/kunit/tg3.kunitconfig
suite=tg3_lwpcap

src=$("$top/driver/prep-tree.sh")
stamp=$(cd "$src" && ls -d .series-* 2>/dev/null | head -n1)
[ -n "$stamp" ] || { echo "kunit: no series stamp in $src" >&2; exit 1; }

patched_files()
{
	# every file a quilt patch of tree $1 touches
	(cd "$1" && find .pc -mindepth 2 -type f ! -name '.*' |
		cut -d/ -f3- | sort -u)
}

if [ -f "$tree/.keep-kunit-dev" ]; then
	# a developer's tree (quilt on top, edits): never overwrite it
	echo "kunit: using $tree as it is (.keep-kunit-dev)" >&2
elif [ ! -f "$tree/$stamp" ]; then
	echo "kunit: copying $src to $tree" >&2
	rm -rf "$tree.tmp"
	cp -a "$src" "$tree.tmp"
	mkdir -p "$kdir"
	{ cat "$kdir/.patched-files" 2>/dev/null || true
	  patched_files "$tree.tmp"; } | sort -u |
	while read -r f; do
		[ -e "$tree.tmp/$f" ] && touch "$tree.tmp/$f"
	done
	patched_files "$tree.tmp" >"$kdir/.patched-files"
	rm -rf "$tree"
	mv "$tree.tmp" "$tree"
fi

if ! grep -q LWPCAP_KUNIT_API "$tree/drivers/net/lwpcap/Kconfig"; then
	echo "kunit: the core lacks lwpcap_test_activate() (LWPCAP_KUNIT_API)" >&2
	exit 1
fi
if ! grep -q TIGON3_LWPCAP_KUNIT_TEST \
		"$tree/drivers/net/ethernet/broadcom/Kconfig"; then
	echo "kunit: patches/series lacks the tg3 KUnit patch" >&2
	exit 1
fi

mkdir -p "$kdir"
json=$kdir/results.json
log=$kdir/test.log
rm -f "$json" "$log"
start=$(date +%s)
rc=0
(cd "$tree" && nice python3 tools/testing/kunit/kunit.py run \
	--arch=x86_64 --build_dir="$kdir" --kunitconfig="$kconfig" \
	--jobs="${JOBS:-2}" --timeout=300 --json="$json" "$suite") || rc=$?
echo "kunit: kunit.py exited $rc after $(( $(date +%s) - start )) s" >&2

counts=$(python3 - "$json" <<'EOF' 2>/dev/null || echo "0 0"
import json, sys

def walk(g):
    for c in g.get("test_cases", []):
        yield c
    for s in g.get("sub_groups", []):
        yield from walk(s)

with open(sys.argv[1]) as f:
    cases = list(walk(json.load(f)))
ok = sum(c["status"] == "PASS" for c in cases)
print(ok, len(cases) - ok)
EOF
)
read -r passed failed <<<"$counts"

# Splats do not always fail a case (lockdep, WARN): look for them too.
splats=0
if [ -f "$log" ]; then
	splats=$(grep -cE 'BUG:|WARNING:|KASAN:|Kernel panic|general protection|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|UBSAN:' \
		"$log" || true)
	if [ "$splats" -gt 0 ]; then
		echo "kunit: $splats kernel splat(s) in $log:" >&2
		grep -E 'BUG:|WARNING:|KASAN:|Kernel panic|general protection|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|UBSAN:' \
			"$log" | head -n 20 >&2
	fi
fi

echo "$passed passed, $failed failed"
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] ||
   [ "$splats" -ne 0 ]; then
	exit 1
fi
