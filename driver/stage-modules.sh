#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lay out the sources of the out-of-tree modules from a patched tree:
# lwpcap (the core), tg3, e1000 and virtio_net with their lwpcap hooks
# switched on, one directory each with its Kbuild, and a top Kbuild that
# builds all four in one pass (modpost then resolves tg3's use of
# lwpcap's symbols itself).  driver/build-modules.sh builds this layout
# against Debian's headers; driver/mkdeb.sh ships it as the DKMS source.
#
# usage: driver/stage-modules.sh TREE OUT
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 TREE OUT" >&2; exit 2; }
tree=$1 out=$2
mkdir -p "$out"

# Copy only what changed, so make sees unchanged files as up to date.
sync_file()
{
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}

# Write a generated file only if its text changed (same reason).
put_file()
{
	local tmp

	tmp=$(mktemp "$1.XXXXXX")
	cat >"$tmp"
	if cmp -s "$tmp" "$1"; then
		rm -f "$tmp"
	else
		chmod 644 "$tmp"
		mv "$tmp" "$1"
	fi
}

sync_file "$tree/include/linux/lwpcap.h" "$out/include/linux/lwpcap.h"
sync_file "$tree/include/uapi/linux/lwpcap.h" \
	"$out/include/uapi/linux/lwpcap.h"

for f in lwpcap.c lwpcap_ring.h; do
	sync_file "$tree/drivers/net/lwpcap/$f" "$out/lwpcap/$f"
done
put_file "$out/lwpcap/Kbuild" <<'KB'
obj-m := lwpcap.o
ccflags-y := -I$(src)/../include
KB

for f in tg3.c tg3.h; do
	sync_file "$tree/drivers/net/ethernet/broadcom/$f" "$out/tg3/$f"
done
put_file "$out/tg3/Kbuild" <<'KB'
obj-m := tg3.o
ccflags-y := -I$(src)/../include -DCONFIG_TIGON3_LWPCAP=1
KB

for f in "$tree"/drivers/net/ethernet/intel/e1000/*.[ch]; do
	sync_file "$f" "$out/e1000/${f##*/}"
done
put_file "$out/e1000/Kbuild" <<'KB'
obj-m := e1000.o
e1000-y := e1000_main.o e1000_hw.o e1000_ethtool.o e1000_param.o
ccflags-y := -I$(src)/../include -DCONFIG_E1000_LWPCAP=1
KB

sync_file "$tree/drivers/net/virtio_net.c" "$out/virtio_net/virtio_net.c"
put_file "$out/virtio_net/Kbuild" <<'KB'
obj-m := virtio_net.o
ccflags-y := -I$(src)/../include -DCONFIG_VIRTIO_NET_LWPCAP=1
KB

put_file "$out/Kbuild" <<'KB'
obj-m := lwpcap/ tg3/ e1000/ virtio_net/
KB
