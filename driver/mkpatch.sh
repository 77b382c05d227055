#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn driver/ and Kconfig.lwpcap into the first patch of a kernel's
# series, so the core has one source of truth for every kernel (as
# WireGuard's compat tree does).  The kernel is LWP_KSERIES's (6.1 by
# default; driver/kver.sh).  driver/lwpcap_compat.h's version tests are
# resolved for that kernel's version here (see that header): the in-tree
# copy has the blocks that apply without their #if, or is left out with
# its #include when none does.
#
# usage: driver/mkpatch.sh           rewrite patches/SERIES/0001-*.patch
#        driver/mkpatch.sh --check   fail if the patch differs from driver/
#        driver/mkpatch.sh --all [--check]   the same for every series
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --all ]; then
	shift
	. "$top/driver/kver.sh"
	rc=0
	for s in $LWP_KSERIES_ALL; do
		LWP_KSERIES=$s "$0" "$@" || rc=1
	done
	exit $rc
fi
. "$top/driver/kver.sh"
lwpcap_kver
out=$PATCHDIR/0001-lwpcap-add-the-capture-core.patch
rel=patches/$KSERIES/${out##*/}
src=$("$top/driver/prep-tree.sh" --pristine)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The kernel's LINUX_VERSION_CODE, from its Makefile.
kv()
{
	sed -n "s/^$1 = \([0-9]*\)$/\1/p" "$src/Makefile"
}
code=$(( $(kv VERSION) * 65536 + $(kv PATCHLEVEL) * 256 + $(kv SUBLEVEL) ))

# driver/lwpcap_compat.h for that kernel: prints how many blocks apply.
awk -v code="$code" -v out="$tmp/lwpcap_compat.h" '
function die(m) { print "mkpatch: lwpcap_compat.h:" NR ": " m >"/dev/stderr"
		  bad = 1; exit 1 }
/^#if LINUX_VERSION_CODE < KERNEL_VERSION\([0-9]+, [0-9]+, [0-9]+\)$/ {
	if (inblk)
		die("nested version test")
	split(substr($0, index($0, "(") + 1), v, /[,)] */)
	keep = code < v[1] * 65536 + v[2] * 256 + v[3]
	kept += keep
	inblk = 1
	next
}
/LINUX_VERSION_CODE|KERNEL_VERSION/ { die("not a test mkpatch.sh resolves") }
inblk && /^#(if|ifdef|ifndef|else|elif)/ { die("#if or #else in a block") }
inblk && /^#endif/ { inblk = 0; next }
/^#include <linux\/version.h>$/ { next }
!inblk || keep { print >out }
END { if (!bad) print kept + 0 }
' "$top/driver/lwpcap_compat.h" >"$tmp/kept"
if [ "$(cat "$tmp/kept")" = 0 ]; then
	compat=
	grep -vx '#include "lwpcap_compat.h"' "$top/driver/lwpcap.c" \
		>"$tmp/lwpcap.c"
else
	compat=drivers/net/lwpcap/lwpcap_compat.h:$tmp/lwpcap_compat.h
	cp "$top/driver/lwpcap.c" "$tmp/lwpcap.c"
fi

# in-tree path <- file
files="
drivers/net/lwpcap/Kconfig:$top/Kconfig.lwpcap
drivers/net/lwpcap/Makefile:$top/driver/Makefile
drivers/net/lwpcap/lwpcap.c:$tmp/lwpcap.c
$compat
drivers/net/lwpcap/lwpcap_ring.h:$top/driver/lwpcap_ring.h
include/linux/lwpcap.h:$top/driver/include/linux/lwpcap.h
include/uapi/linux/lwpcap.h:$top/driver/include/uapi/linux/lwpcap.h
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
		newdiff "${f%%:*}" "${f#*:}"
	done
} >"$tmp/patch"

if [ "${1:-}" = --check ]; then
	if ! cmp -s "$tmp/patch" "$out"; then
		echo "$rel is out of date with driver/:" >&2
		diff -u "$out" "$tmp/patch" | head -40 >&2 || true
		echo "run 'make patches' and commit the result" >&2
		exit 1
	fi
	echo "$rel matches driver/"
	exit 0
fi
cp "$tmp/patch" "$out"
echo "wrote $rel"
