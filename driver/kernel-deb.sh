#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make kernel-deb: Debian packages of a kernel built from the patched
# tree (Debian's linux-source-SERIES with patches/SERIES/series,
# driver/prep-tree.sh; LWP_KSERIES, 6.1 by default), for operators who
# rebuild the kernel rather than use tg3cap-dkms.
#
# The configuration is the installed Debian kernel's (/boot/config-KVER)
# with the lwpcap core as a module and the tg3, e1000 and virtio_net hooks
# on; Debian's signing keys are left out (they are not in the source
# package).  The kernel's release gets the suffix -tg3cap, so it installs
# beside Debian's.  The build is out of tree (O=build/kdeb/obj), and
# "make bindeb-pkg" leaves linux-image-*, linux-headers-* and
# linux-libc-dev .debs in build/kdeb/ (build/kdeb-6.12/ for 6.12, whose
# configuration is that of the headers driver/kpkg.sh unpacked).  It is
# a full build of Debian's configuration (thousands of modules): not
# timed yet, expect hours on 2 cores; --config-only takes seconds.
#
# usage: driver/kernel-deb.sh [--config-only]
#   --config-only   write and check build/kdeb/obj/.config, build nothing
# Env: BUILD_DIR, JOBS (default nproc).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}
. "$top/driver/kver.sh"
lwpcap_kver

tree=$("$top/driver/prep-tree.sh")
out=$B/kdeb$KSFX
obj=$out/obj
mkdir -p "$obj"
cfg=/boot/config-$KVER
[ -r "$cfg" ] || cfg=$KDIR/.config
[ -r "$cfg" ] || { echo "kernel-deb: no config of $KVER found" >&2; exit 1; }

kmake()
{
	nice make -C "$tree" O="$obj" ARCH=x86_64 "$@"
}

cp "$cfg" "$obj/.config"
"$tree/scripts/config" --file "$obj/.config" \
	--module LWPCAP \
	--enable TIGON3_LWPCAP --enable E1000_LWPCAP \
	--enable VIRTIO_NET_LWPCAP \
	--set-str SYSTEM_TRUSTED_KEYS '' \
	--set-str SYSTEM_REVOCATION_KEYS '' \
	--set-str LOCALVERSION -tg3cap \
	--disable LOCALVERSION_AUTO
kmake olddefconfig >"$out/config.log" 2>&1 ||
	{ tail -n 20 "$out/config.log" >&2; exit 1; }
for want in CONFIG_LWPCAP=m CONFIG_TIGON3_LWPCAP=y CONFIG_E1000_LWPCAP=y \
	    CONFIG_VIRTIO_NET_LWPCAP=y; do
	grep -qx "$want" "$obj/.config" ||
		{ echo "kernel-deb: $want did not survive olddefconfig" >&2
		  exit 1; }
done
echo "kernel-deb: $obj/.config: lwpcap=m, tg3/e1000/virtio_net hooks on" >&2
[ "${1:-}" = --config-only ] && exit 0

kmake -j"${JOBS:-$(nproc)}" bindeb-pkg \
	KDEB_PKGVERSION="$SRCVER+tg3cap1" >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2
	  echo "kernel-deb: build failed, log $out/build.log" >&2; exit 1; }
ls "$out"/*.deb
