#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The appliance test's Debian 12 root file system: systemd, Debian's
# kernel and its headers, dkms, built by mmdebstrap from the package
# archive apt is configured with (/etc/apt/sources.list.d/debian.sources,
# or /etc/apt/sources.list).  Cached as a tarball under
# $BUILD_DIR/appliance/, named by the hash of the recipe (mmdebstrap's
# arguments below): rebuilt only when the recipe changes, not when the
# archive moves on.  Building it took 154-323 s here (load 1-8).
#
# The initramfs carries only what mounts the root (virtio_blk, ext4): a
# NIC driver in it would be loaded before the root's /lib/modules, and
# the test must see modprobe pick the DKMS-built one.
#
# Beside it, DIR.upgrade/ holds the .debs of a second Debian 6.1 kernel's
# headers (the newest ABI below the root's), downloaded with the host's
# apt: run.sh installs them after tg3cap-dkms, as a kernel upgrade would,
# and DKMS must build the modules for that kernel by itself.
#
# usage: tests/appliance/mkrootfs.sh     prints the tarball's path
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}/appliance

pkgs=systemd,systemd-sysv,udev,dbus,kmod,iproute2,procps
pkgs+=,linux-image-amd64,linux-headers-amd64,initramfs-tools,dkms
# tg3cap-reader's shared library (its shlibs Depends): dpkg -i resolves
# nothing, and the guest has no network
pkgs+=,libpcap0.8
# node_exporter, which serves the unit's default --metrics auto file
# (its textfile directory), and curl to scrape it
pkgs+=,prometheus-node-exporter,curl
# The initramfs's settings go in before the kernel is installed (an
# essential hook: files no package owns, so dpkg asks nothing), so that
# its postinst builds the one initramfs with them: the recipe built it
# twice, MODULES=most first, and unsafe-io spares dpkg's fsyncs; the
# root took 291-306 CPU seconds and 600-722 s beside make check's
# other builds (issue 24)
# shellcheck disable=SC2016 # $1: the hooks' argument, the root
recipe=(--variant=minbase --format=tar --include="$pkgs"
	--aptopt='APT::Install-Recommends "false"'
	--dpkgopt=force-unsafe-io
	--essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d"'
	--essential-hook='echo MODULES=list >"$1/etc/initramfs-tools/conf.d/tg3cap"'
	--essential-hook='printf "virtio_pci\nvirtio_blk\next4\n" >"$1/usr/share/initramfs-tools/modules.d/tg3cap"'
	--customize-hook='echo tg3cap-appliance >"$1/etc/hostname"'
	--customize-hook='echo "/dev/vda / ext4 rw,relatime 0 1" >"$1/etc/fstab"'
	--customize-hook='chroot "$1" passwd -d root'
	bookworm)

sum=$(printf '%s\n' "${recipe[@]}" | sha1sum | cut -c1-12)
tar=$B/rootfs-$sum.tar
mkdir -p "$B"
sources=
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
	[ -s "$f" ] && { sources=$f; break; }
done
[ -n "$sources" ] || { echo "mkrootfs: no apt sources found" >&2; exit 1; }
command -v mmdebstrap >/dev/null ||
	{ echo "mkrootfs: mmdebstrap is not installed: make deps" >&2; exit 1; }

if [ ! -s "$tar" ]; then
	echo "mkrootfs: building $tar (mmdebstrap, from $sources)" >&2
	rm -rf "$B"/rootfs-*.tar "$B"/rootfs-*.tmp.tar "$B"/rootfs-*.upgrade
	mmdebstrap "${recipe[@]}" "$B/rootfs-$sum.tmp.tar" "$sources" >&2
	mv "$B/rootfs-$sum.tmp.tar" "$tar"
fi

up=$tar.upgrade
if [ ! -s "$up/kver" ]; then
	kver=$(tar -tf "$tar" |
		sed -n 's|^\./usr/lib/modules/\([^/]*\)/$|\1|p' | sort -V | tail -n1)
	abi=${kver#6.1.0-} abi=${abi%-amd64}
	[[ $abi =~ ^[0-9]+$ ]] ||
		{ echo "mkrootfs: root's kernel $kver is not 6.1.0-N-amd64" >&2; exit 1; }
	prev=$(apt-cache search --names-only '^linux-headers-6\.1\.0-[0-9]+-amd64$' |
		sed -n 's/^linux-headers-6\.1\.0-\([0-9]*\)-amd64 .*/\1/p' |
		awk -v a="$abi" '$1 < a' | sort -n | tail -n1)
	[ -n "$prev" ] ||
		{ echo "mkrootfs: the archive has no 6.1 kernel before $kver" >&2; exit 1; }
	rm -rf "$up.tmp"
	mkdir -p "$up.tmp"
	(cd "$up.tmp" && apt-get download -q -o APT::Sandbox::User=root \
		"linux-headers-6.1.0-$prev-amd64" \
		"linux-headers-6.1.0-$prev-common") >&2
	echo "6.1.0-$prev-amd64" >"$up.tmp/kver"
	rm -rf "$up"
	mv "$up.tmp" "$up"
fi
echo "$tar"
