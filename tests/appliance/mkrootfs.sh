#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The appliance test's root file system: Debian 12 (bookworm, the
# default) or Debian 13 (trixie: issue 27, its 6.12 kernel), with
# systemd, Debian's kernel and its headers, dkms, built by mmdebstrap
# from the package archive apt is configured with
# (/etc/apt/sources.list.d/debian.sources, or /etc/apt/sources.list;
# for trixie the same file with the suite names changed, written
# beside the tarball).  Cached as a tarball under
# $BUILD_DIR/appliance/ (appliance-trixie/), named by the hash of the
# recipe (mmdebstrap's arguments below): rebuilt only when the recipe
# changes, not when the archive moves on.  Building it took 154-323 s
# here (load 1-8).
#
# The initramfs carries only what mounts the root (virtio_blk, ext4): a
# NIC driver in it would be loaded before the root's /lib/modules, and
# the test must see modprobe pick the DKMS-built one.
#
# usage: tests/appliance/mkrootfs.sh [bookworm|trixie]
#        prints the tarball's path
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
suite=${1:-bookworm}
case $suite in
bookworm)
	B=${BUILD_DIR:-$top/build}/appliance
	# pahole: bookworm-security's 6.12 kbuild needs it (BTF of the
	# modules DKMS builds), and run.sh installs that kernel later with
	# dpkg -i, which fetches nothing
	extra=libpcap0.8,pahole ;;
trixie)
	B=${BUILD_DIR:-$top/build}/appliance-trixie
	# the 64-bit time_t rename; it Provides libpcap0.8, which the
	# reader's package (built on Debian 12) depends on
	extra=libpcap0.8t64 ;;
*)	echo "usage: $0 [bookworm|trixie]" >&2; exit 2 ;;
esac

pkgs=systemd,systemd-sysv,udev,dbus,kmod,iproute2,procps
pkgs+=,linux-image-amd64,linux-headers-amd64,initramfs-tools,dkms
# tg3cap-reader's shared library (its shlibs Depends; above, as each
# suite names it): dpkg -i resolves nothing, and the guest has no network
pkgs+=,$extra
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
	"$suite")

sum=$(printf '%s\n' "${recipe[@]}" | sha1sum | cut -c1-12)
tar=$B/rootfs-$sum.tar
mkdir -p "$B"
sources=
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
	[ -s "$f" ] && { sources=$f; break; }
done
[ -n "$sources" ] || { echo "mkrootfs: no apt sources found" >&2; exit 1; }
if [ "$suite" != bookworm ]; then
	# the host's archive, another suite (bookworm-security ->
	# trixie-security, ...); the host's own apt is left as it is
	grep -qw bookworm "$sources" ||
		{ echo "mkrootfs: $sources names no bookworm suite" >&2; exit 1; }
	case $sources in
	*.sources) ext=sources ;;
	*) ext=list ;;
	esac
	sed "s/\<bookworm\>/$suite/g" "$sources" >"$B/$suite.$ext"
	sources=$B/$suite.$ext
fi
command -v mmdebstrap >/dev/null ||
	{ echo "mkrootfs: mmdebstrap is not installed: make deps" >&2; exit 1; }

if [ ! -s "$tar" ]; then
	echo "mkrootfs: building $tar (mmdebstrap, from $sources)" >&2
	rm -rf "$B"/rootfs-*.tar "$B"/rootfs-*.tmp.tar "$B"/rootfs-*.upgrade
	mmdebstrap "${recipe[@]}" "$B/rootfs-$sum.tmp.tar" "$sources" >&2
	mv "$B/rootfs-$sum.tmp.tar" "$tar"
fi

echo "$tar"
