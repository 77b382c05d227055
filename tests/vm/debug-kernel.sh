#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh - build (or reuse) the debug kernel of the VM tests and
# print its build directory.  The reliability suite boots it with its own
# lwpcap, e1000 and virtio_net modules; the tg3 KUnit suite loads its
# tg3.ko in it.  One build serves both.
#
# LWP_KSERIES=6.12: the same for Debian's 6.12 with patches/6.12, in
# BUILD/dbg-src-6.12 and BUILD/dbg-6.12 (issue 27: its tg3 KUnit suite).
#
#   BUILD/dbg-src   copy of the quilt-patched tree (driver/prep-tree.sh),
#                   redone when the series changes, so that a later
#                   re-patch of the shared tree never happens under this
#                   build; files a patch touches (before or after) are
#                   touched in the copy so kbuild rebuilds them even when
#                   the copy restored an older mtime.  A copy holding a
#                   file .keep-dev is a developer's working tree (quilt
#                   new/refresh in it), used as it is.
#   BUILD/dbg       the out-of-tree build (O=): tests/vm/debug.config
#                   merged into an empty .config with olddefconfig;
#                   every line of debug.config must survive it.
#
# Output (stdout): the build directory.  Kernel: DIR/arch/x86/boot/bzImage,
# release: DIR/include/config/kernel.release, modules: DIR/drivers/...
# Cold: ~15-20 min on 2 cores (KASAN); after a change to a hooked driver
# or the core: a few minutes.  One build at a time (flock).
#
# TG3CAP_DBG_FLAVOUR=kcsan: the same kernel with KCSAN instead of KASAN
# (the two cannot share a kernel): tests/vm/debug.config without its KASAN
# lines, plus tests/vm/kcsan.config, built in BUILD/dbg-kcsan from the
# same copy of the tree (issue 26 item 8: make soak's data-race run).
#
# TG3CAP_DBG_FLAVOUR=kunit: not a debug kernel but the plain one of the
# tg3 KUnit suite alone (tests/kunit/kunit.config: no KASAN, lockdep,
# kmemleak, NIC or 9p), in BUILD/dbg-kunit from the same copy: make
# check's 6.12 KUnit run (issue 27), a few minutes instead of ~13.
#
# Usage: debug-kernel.sh [--prepare]
#   --prepare  the copy and the .config only, no build and no output:
#              make check runs it before hygiene, which re-patches the
#              shared tree, so that the build (in the background) can
#              start at once instead of after hygiene (issue 24)
# Env: BUILD_DIR (default <repo>/build), JOBS (default 2),
#   TG3CAP_DBG_READY=1: make check has just built it (its dbg-kernel
#   stage) and nothing has changed since: print the directory without
#   asking make again (12-21 s under load, twice; issue 24).
set -euo pipefail

prepare=0
case ${1:-} in
--prepare) prepare=1 ;;
'') ;;
*) echo "usage: $0 [--prepare]" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}
export BUILD_DIR=$B
# the kernel series (LWP_KSERIES): 6.1's directories are the ones they
# always were, 6.12's have the suffix -6.12 (issue 27)
. "$top/driver/kver.sh"
lwpcap_kver
tree=$B/dbg-src$KSFX
kdir=$B/dbg$KSFX
flavour=${TG3CAP_DBG_FLAVOUR:-}
case $flavour in
'') ;;
kcsan|kunit) kdir=$B/dbg-$flavour$KSFX ;;
*) echo "debug-kernel: no flavour '$flavour' (kcsan, kunit)" >&2; exit 2 ;;
esac
if [ "${TG3CAP_DBG_READY:-0}" = 1 ] && [ "$prepare" = 0 ] &&
   [ -z "$flavour" ] && [ -f "$kdir/arch/x86/boot/bzImage" ]; then
	echo "$kdir"
	exit 0
fi
frag=$top/tests/vm/debug.config
log=$B/dbg$KSFX-build.log
[ -n "$flavour" ] && log=$B/dbg-$flavour$KSFX-build.log
# a fragment of its own, written under the lock (below), for the
# flavours and for 6.12 (no MICROCODE prompt there: it comes with the
# CPU vendors)
[ -n "$flavour" ] || [ "$KSERIES" != 6.1 ] && frag=$kdir/.frag.new

src=$("$top/driver/prep-tree.sh")
stamp=$(cd "$src" && ls -d .series-* 2>/dev/null | head -n1)
[ -n "$stamp" ] || { echo "debug-kernel: no series stamp in $src" >&2; exit 1; }

mkdir -p "$kdir"
exec 8>"$B/.dbg$KSFX.lock"
flock 8
if [ "$frag" = "$kdir/.frag.new" ]; then
	{ case $flavour in
	  kcsan)
		grep -v -e KASAN -e '^CONFIG_LOCALVERSION=' \
			"$top/tests/vm/debug.config"
		cat "$top/tests/vm/kcsan.config" ;;
	  kunit) cat "$top/tests/kunit/kunit.config" ;;
	  *) cat "$top/tests/vm/debug.config" ;;
	  esac; } |
	if [ "$KSERIES" = 6.1 ]; then cat
	else grep -vx '# CONFIG_MICROCODE is not set'
	fi >"$frag"
fi

patched_files()
{
	# every file a quilt patch of tree $1 touches
	(cd "$1" && find .pc -mindepth 2 -type f ! -name '.*' |
		cut -d/ -f3- | sort -u)
}

if [ -f "$tree/.keep-dev" ]; then
	echo "debug-kernel: using $tree as it is (.keep-dev)" >&2
elif [ ! -f "$tree/$stamp" ]; then
	echo "debug-kernel: copying $src to $tree" >&2
	rm -rf "$tree.tmp"
	cp -a "$src" "$tree.tmp"
	{ cat "$kdir/.patched-files" 2>/dev/null || true
	  patched_files "$tree.tmp"; } | sort -u |
	while read -r f; do
		[ -e "$tree.tmp/$f" ] && touch "$tree.tmp/$f"
	done
	patched_files "$tree.tmp" >"$kdir/.patched-files"
	rm -rf "$tree"
	mv "$tree.tmp" "$tree"
fi

kmake()
{
	nice make -C "$tree" O="$kdir" ARCH=x86_64 "$@"
}

# .config: redone when debug.config changed (its copy is kept beside it)
if ! cmp -s "$frag" "$kdir/.debug.config" || [ ! -f "$kdir/.config" ]; then
	echo "debug-kernel: configuring $kdir from $frag" >&2
	cp "$frag" "$kdir/.config"
	kmake olddefconfig >"$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; exit 1; }
	missing=0
	while read -r l; do
		case $l in
		CONFIG_*=*|'# CONFIG_'*' is not set') ;;
		*) continue ;;
		esac
		if ! grep -qxF "$l" "$kdir/.config"; then
			echo "debug-kernel: '$l' did not survive olddefconfig" >&2
			missing=1
		fi
	done <"$frag"
	[ "$missing" = 0 ] || exit 1
	cp "$frag" "$kdir/.debug.config"
fi

[ "$prepare" = 0 ] || exit 0
echo "debug-kernel: building in $kdir (log $log)" >&2
t0=$(date +%s)
if ! kmake -j"${JOBS:-2}" bzImage modules >>"$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -n 20 >&2
	echo "debug-kernel: build failed, see $log" >&2
	exit 1
fi
echo "debug-kernel: $(cat "$kdir/include/config/kernel.release") ready" \
	"($(( $(date +%s) - t0 )) s)" >&2
echo "$kdir"
