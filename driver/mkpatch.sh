#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn driver/ and Kconfig.lwpcap into the first patch of the series, so
# the core has one source of truth (as WireGuard's compat tree does).
#
# usage: driver/mkpatch.sh           rewrite patches/0001-*.patch
#        driver/mkpatch.sh --check   fail if the patch differs from driver/
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/patches/0001-lwpcap-add-the-capture-core.patch
src=$("$top/driver/prep-tree.sh" --pristine)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# in-tree path <- repository path
files="
drivers/net/lwpcap/Kconfig:Kconfig.lwpcap
drivers/net/lwpcap/Makefile:driver/Makefile
drivers/net/lwpcap/lwpcap.c:driver/lwpcap.c
drivers/net/lwpcap/lwpcap_ring.h:driver/lwpcap_ring.h
include/linux/lwpcap.h:driver/include/linux/lwpcap.h
include/uapi/linux/lwpcap.h:driver/include/uapi/linux/lwpcap.h
"

newdiff()
{
	# $1 in-tree path, $2 file
	diff -u --label /dev/null --label "b/$1" /dev/null "$2" || [ $? -eq 1 ]
}

editdiff()
{
	# $1 in-tree path, $2 edited copy
	diff -u --label "a/$1" --label "b/$1" "$src/$1" "$2" || [ $? -eq 1 ]
}

sed '/^source "drivers\/net\/ethernet\/Kconfig"$/a\
\
source "drivers/net/lwpcap/Kconfig"' "$src/drivers/net/Kconfig" >"$tmp/Kconfig"
sed '/^obj-\$(CONFIG_MII) += mii.o$/i\
obj-$(CONFIG_LWPCAP) += lwpcap/' "$src/drivers/net/Makefile" >"$tmp/Makefile"
cmp -s "$tmp/Kconfig" "$src/drivers/net/Kconfig" &&
	{ echo "mkpatch: drivers/net/Kconfig anchor not found" >&2; exit 1; }
cmp -s "$tmp/Makefile" "$src/drivers/net/Makefile" &&
	{ echo "mkpatch: drivers/net/Makefile anchor not found" >&2; exit 1; }

{
	cat "$top/driver/patch-header.txt"
	echo "---"
	editdiff drivers/net/Kconfig "$tmp/Kconfig"
	editdiff drivers/net/Makefile "$tmp/Makefile"
	for f in $files; do
		newdiff "${f%%:*}" "$top/${f#*:}"
	done
} >"$tmp/patch"

if [ "${1:-}" = --check ]; then
	if ! cmp -s "$tmp/patch" "$out"; then
		echo "patches/${out##*/} is out of date with driver/:" >&2
		diff -u "$out" "$tmp/patch" | head -40 >&2 || true
		echo "run 'make patches' and commit the result" >&2
		exit 1
	fi
	echo "patches/${out##*/} matches driver/"
	exit 0
fi
cp "$tmp/patch" "$out"
echo "wrote patches/${out##*/}"
