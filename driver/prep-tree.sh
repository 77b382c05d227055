#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unpack Debian's linux-source-$LWP_KSERIES (6.1 by default, or 6.12:
# driver/kver.sh) once (pristine, never modified) and make a patched
# copy with quilt and patches/$LWP_KSERIES/series.  The copy is redone
# only when the series changes.  Prints the patched tree's path on stdout.
#
# usage: driver/prep-tree.sh              print the patched tree
#        driver/prep-tree.sh --pristine   print the unpacked, unpatched one
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}
. "$top/driver/kver.sh"
lwpcap_kver

mkdir -p "$B"
# One preparer at a time: two quilt runs in one tree break its state.
exec 9>"$B/.prep-tree.lock"
flock 9
# Named by the Debian version (6.1.192-3, 6.12.118-1_deb12u1): one tree
# per kernel, so the series never share one.  No '~' in paths kbuild sees.
ver=${SRCVER//\~/_}
src=$B/src-$ver
if [ ! -f "$src/.unpacked" ]; then
	echo "unpacking linux-source $SRCVER into $src" >&2
	rm -rf "$src" "$B/unpack.tmp"
	mkdir -p "$B/unpack.tmp"
	tar -C "$B/unpack.tmp" -xf "/usr/src/linux-source-$KSERIES.tar.xz"
	mv "$B/unpack.tmp/linux-source-$KSERIES" "$src"
	rmdir "$B/unpack.tmp"
	touch "$src/.unpacked"
fi

if [ "${1:-}" = --pristine ]; then
	echo "$src"
	exit 0
fi

sum=$(cd "$PATCHDIR" && cat series $(cat series) | sha1sum | cut -c1-12)
tree=$B/tree-$ver
export QUILT_PATCHES="$PATCHDIR" QUILT_PC=.pc
if [ ! -f "$tree/.series-$sum" ]; then
	echo "applying patches/$KSERIES/series to $tree" >&2
	# quilt pops with its own backups, whatever the patches say now.
	if [ ! -d "$tree/.pc" ] ||
	   ! (cd "$tree" && quilt pop -a -q >/dev/null 2>&1 ||
	      [ ! -s .pc/applied-patches ]); then
		rm -rf "$tree"
		cp -a "$src" "$tree"
		rm -f "$tree/.unpacked"
	fi
	rm -f "$tree"/.series-*
	(cd "$tree" && quilt push -a -q --fuzz=0 >&2)
	touch "$tree/.series-$sum"
fi
echo "$tree"
