#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The appliance test's Debian 12 root file system: systemd, Debian's
# kernel and its headers, dkms, built by mmdebstrap from the package
# archive apt is configured with (/etc/apt/sources.list.d/debian.sources,
# or /etc/apt/sources.list).  Cached as a tarball under
# $BUILD_DIR/appliance/, named by the hash of the recipe (mmdebstrap's
# arguments below): rebuilt only when the recipe changes, not when the
# archive moves on.  Cold: about 10 minutes (downloads included).
#
# The initramfs carries only what mounts the root (virtio_blk, ext4): a
# NIC driver in it would be loaded before the root's /lib/modules, and
# the test must see modprobe pick the DKMS-built one.
#
# usage: tests/appliance/mkrootfs.sh     prints the tarball's path
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}/appliance

pkgs=systemd,systemd-sysv,udev,dbus,kmod,iproute2,procps
pkgs+=,linux-image-amd64,linux-headers-amd64,initramfs-tools,dkms
recipe=(--variant=minbase --format=tar --include="$pkgs"
	--aptopt='APT::Install-Recommends "false"'
	--customize-hook='echo tg3cap-appliance >"$1/etc/hostname"'
	--customize-hook='sed -i "s/^MODULES=.*/MODULES=list/" "$1/etc/initramfs-tools/initramfs.conf"'
	--customize-hook='printf "virtio_pci\nvirtio_blk\next4\n" >>"$1/etc/initramfs-tools/modules"'
	--customize-hook='chroot "$1" update-initramfs -u -k all'
	--customize-hook='echo "/dev/vda / ext4 rw,relatime 0 1" >"$1/etc/fstab"'
	--customize-hook='chroot "$1" passwd -d root'
	bookworm)

sum=$(printf '%s\n' "${recipe[@]}" | sha1sum | cut -c1-12)
tar=$B/rootfs-$sum.tar
if [ -s "$tar" ]; then
	echo "$tar"
	exit 0
fi
mkdir -p "$B"
sources=
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
	[ -s "$f" ] && { sources=$f; break; }
done
[ -n "$sources" ] || { echo "mkrootfs: no apt sources found" >&2; exit 1; }
command -v mmdebstrap >/dev/null ||
	{ echo "mkrootfs: mmdebstrap is not installed: make deps" >&2; exit 1; }

echo "mkrootfs: building $tar (mmdebstrap, from $sources)" >&2
rm -rf "$B"/rootfs-*.tar "$B"/rootfs-*.tmp.tar
mmdebstrap "${recipe[@]}" "$B/rootfs-$sum.tmp.tar" "$sources" >&2
mv "$B/rootfs-$sum.tmp.tar" "$tar"
echo "$tar"
