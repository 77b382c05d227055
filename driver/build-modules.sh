#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched modules out of tree against Debian's headers, from the
# sources of a patched tree: lwpcap (the core), tg3, e1000 and virtio_net
# with their lwpcap hooks switched on.
#
# usage: driver/build-modules.sh [TREE [OUT]]
#   TREE defaults to the tree driver/prep-tree.sh makes, OUT to build/mod
#   (build/mod-6.12 for LWP_KSERIES=6.12: driver/kver.sh).
#   Extra make arguments can be passed in KMAKEFLAGS (e.g. "C=2").
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}
. "$top/driver/kver.sh"
lwpcap_kver

tree=${1:-$("$top/driver/prep-tree.sh")}
out=${2:-$B/mod$KSFX}
mkdir -p "$out"
j=$(nproc)

"$top/driver/stage-modules.sh" "$tree" "$out"

kmake()
{
	make -s -C "$KDIR" M="$out/$1" -j"$j" ${KMAKEFLAGS:-} "${@:2}" modules
}

kmake lwpcap
for m in tg3 e1000 virtio_net; do
	kmake "$m" KBUILD_EXTRA_SYMBOLS="$out/lwpcap/Module.symvers"
done
ls "$out"/*/*.ko
