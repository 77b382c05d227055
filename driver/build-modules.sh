#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched modules out of tree against Debian's headers, from the
# sources of a patched tree: lwpcap (the core), tg3, e1000 and virtio_net
# with their lwpcap hooks switched on.
#
# usage: driver/build-modules.sh [TREE [OUT]]
#   TREE defaults to the tree driver/prep-tree.sh makes, OUT to build/mod.
#   Extra make arguments can be passed in KMAKEFLAGS (e.g. "C=2").
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}
. "$top/driver/kver.sh"
lwpcap_kver

tree=${1:-$("$top/driver/prep-tree.sh")}
out=${2:-$B/mod}
mkdir -p "$out"
j=$(nproc)

# Copy only what changed, so make sees unchanged files as up to date.
sync_file()
{
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}

sync_file "$tree/include/linux/lwpcap.h" "$out/include/linux/lwpcap.h"
sync_file "$tree/include/uapi/linux/lwpcap.h" \
	"$out/include/uapi/linux/lwpcap.h"

for f in lwpcap.c lwpcap_ring.h; do
	sync_file "$tree/drivers/net/lwpcap/$f" "$out/lwpcap/$f"
done
printf 'obj-m := lwpcap.o\nccflags-y := -I$(src)/../include\n' >"$out/lwpcap/Kbuild"

for f in tg3.c tg3.h; do
	sync_file "$tree/drivers/net/ethernet/broadcom/$f" "$out/tg3/$f"
done
cat >"$out/tg3/Kbuild" <<'KB'
obj-m := tg3.o
ccflags-y := -I$(src)/../include -DCONFIG_TIGON3_LWPCAP=1
KB

for f in "$tree"/drivers/net/ethernet/intel/e1000/*.[ch]; do
	sync_file "$f" "$out/e1000/${f##*/}"
done
cat >"$out/e1000/Kbuild" <<'KB'
obj-m := e1000.o
e1000-y := e1000_main.o e1000_hw.o e1000_ethtool.o e1000_param.o
ccflags-y := -I$(src)/../include -DCONFIG_E1000_LWPCAP=1
KB

sync_file "$tree/drivers/net/virtio_net.c" "$out/virtio_net/virtio_net.c"
cat >"$out/virtio_net/Kbuild" <<'KB'
obj-m := virtio_net.o
ccflags-y := -I$(src)/../include -DCONFIG_VIRTIO_NET_LWPCAP=1
KB

kmake()
{
	make -s -C "$KDIR" M="$out/$1" -j"$j" ${KMAKEFLAGS:-} "${@:2}" modules
}

kmake lwpcap
for m in tg3 e1000 virtio_net; do
	kmake "$m" KBUILD_EXTRA_SYMBOLS="$out/lwpcap/Module.symvers"
done
ls "$out"/*/*.ko
