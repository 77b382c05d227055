#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: assemble a Debian source package of tg3cap under build/deb/
# (the debian/ directory exists only there, generated here) and build it
# with dpkg-buildpackage (debhelper, dh-dkms), then run lintian on it.
#
#   tg3cap-dkms    the lwpcap core and the patched tg3, e1000, virtio_net
#                  sources of each kernel series (patches/SERIES/series
#                  applied to Debian's linux-source-SERIES, laid out by
#                  driver/stage-modules.sh in dkms/SERIES/), built by
#                  DKMS for each installed 6.1 or 6.12 kernel into
#                  /lib/modules/KVER/updates/dkms/, where modprobe finds
#                  them before the kernel's own drivers
#   tg3cap-reader  /usr/sbin/tg3cap-reader, /usr/bin/tg3cap-extract, their
#                  man pages, the template unit tg3cap@.service,
#                  /etc/tg3cap/example.conf
#
# usage: driver/mkdeb.sh            packages in build/deb/ (BUILD_DIR)
# Prints the paths of the .deb files last.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}

upver=$(sed -n 's/^#define LWP_VERSION[[:space:]]*"\(.*\)"/\1/p' \
	"$top/userland/cli.h")
[ -n "$upver" ] || { echo "mkdeb: no LWP_VERSION in userland/cli.h" >&2; exit 1; }
# Each commit gets a newer version, so that an upgrade replaces the
# modules: the commit's time, UTC (a dirty tree builds as its HEAD).
when=$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)
ver=$upver+git$(TZ=UTC date -d "@$when" +%Y%m%d.%H%M%S)
date_r=$(LC_ALL=C TZ=UTC date -R -d "@$when")
maint='tg3cap developers <tg3cap@users.noreply.invalid>'

. "$top/driver/kver.sh"
deb=$B/deb
src=$deb/tg3cap-$ver
rm -rf "$deb"
mkdir -p "$src/debian/source"

# ---- upstream part: what debian/rules builds and installs ---------------
# One directory per kernel series; dkms.conf picks one by kernel version.
for ks in $LWP_KSERIES_ALL; do
	tree=$(LWP_KSERIES=$ks "$top/driver/prep-tree.sh")
	"$top/driver/stage-modules.sh" "$tree" "$src/dkms/$ks" "$ver"
done
install -m 755 "$top/driver/kernel-fits.sh" "$src/dkms/kernel-fits.sh"
mkdir -p "$src/userland" "$src/driver/include/uapi/linux"
cp "$top"/userland/*.[ch] "$top/userland/Makefile" "$top/userland/sources.mk" \
	"$top/userland/tg3cap-reader.8" "$top/userland/tg3cap-extract.1" \
	"$top/userland/tg3cap@.service" \
	"$top/userland/tg3cap.conf.example" "$top/userland/tg3cap-alerts.yml" \
	"$src/userland/"
cp "$top/driver/include/uapi/linux/lwpcap.h" "$src/driver/include/uapi/linux/"
cp "$top/driver/lwpcap_ring.h" "$src/driver/"
cp "$top/README" "$src/"
mkdir -p "$src/docs"
cp "$top/docs/operations.md" "$src/docs/"

# ---- debian/ ---------------------------------------------------------------
sed "s/@VERSION@/$ver/" "$top/driver/dkms.conf.in" \
	>"$src/debian/tg3cap-dkms.dkms"

cat >"$src/debian/changelog" <<EOF
tg3cap ($ver) unstable; urgency=medium

  * Built from the tg3cap tree (commit $(git -C "$top" log -1 --format=%h 2>/dev/null || echo unknown)).

 -- $maint  $date_r
EOF

echo '3.0 (native)' >"$src/debian/source/format"

cat >"$src/debian/control" <<EOF
Source: tg3cap
Section: net
Priority: optional
Maintainer: $maint
Build-Depends: debhelper-compat (= 13), dh-sequence-dkms
Standards-Version: 4.6.2
Rules-Requires-Root: no
Homepage: https://www.kernel.org/

Package: tg3cap-dkms
Section: kernel
Architecture: all
Depends: \${misc:Depends}
Recommends: linux-headers-amd64
Suggests: tg3cap-reader
Description: lwpcap capture core and capture-enabled tg3 drivers (DKMS)
 tg3cap copies each frame a Broadcom tg3 NIC receives, inside the
 driver's NAPI poll and before any socket buffer is built, into
 per-queue rings that tg3cap-reader maps through /dev/lwpcap.
 .
 This package builds, with DKMS, for each installed Linux 6.1 or 6.12
 kernel (Debian 12's and Debian 13's): the lwpcap core and the tg3
 driver with its capture hook (and e1000 and virtio_net, the NICs of
 virtual machines).  They are installed under updates/, so
 "modprobe tg3 lwpcap=1" loads them instead of the kernel's own
 drivers.  Kernels of other series are refused.

Package: tg3cap-reader
Architecture: amd64
Depends: \${shlibs:Depends}, \${misc:Depends}
Recommends: tg3cap-dkms
Description: capture from lwpcap rings into rotating pcap files
 tg3cap-reader drains the capture rings of an lwpcap-enabled driver
 (tg3cap-dkms) into preallocated, rotating pcap files that tcpdump and
 Wireshark read, with tcpdump's options (-i -w -s -C -W -G -z -Z).
 .
 The template unit tg3cap@.service runs one capture per interface, with
 options from /etc/tg3cap/IFACE.conf.
 .
 tg3cap-extract answers queries on the files: the packets of a time
 window that a tcpdump filter accepts, across the series, in time order,
 reading only what the files' indexes say can match.
EOF

cat >"$src/debian/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: tg3cap
Source: the tg3cap tree (driver/mkdeb.sh)

Files: *
Copyright: 2026 tg3cap developers
License: GPL-2

Files: dkms/*/tg3/* dkms/*/e1000/* dkms/*/virtio_net/*
Copyright: Linux kernel authors, see the files' headers
License: GPL-2

License: GPL-2
 This program is free software; you can redistribute it and/or modify
 it under the terms of the GNU General Public License version 2 as
 published by the Free Software Foundation.
 .
 This program is distributed in the hope that it will be useful, but
 WITHOUT ANY WARRANTY; without even the implied warranty of
 MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 General Public License for more details.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in "/usr/share/common-licenses/GPL-2".
EOF

cat >"$src/debian/rules" <<'EOF'
#!/usr/bin/make -f
# Generated by driver/mkdeb.sh.
export DEB_BUILD_MAINT_OPTIONS = hardening=+all
DPKG_EXPORT_BUILDFLAGS = 1
include /usr/share/dpkg/buildflags.mk
include /usr/share/dpkg/pkg-info.mk

%:
	dh $@

# userland/Makefile sets its own CFLAGS; Debian's go on top.
override_dh_auto_build:
	$(MAKE) -C userland tg3cap-reader tg3cap-extract \
		EXTRA_CFLAGS="$(CPPFLAGS) $(CFLAGS)" EXTRA_LDFLAGS="$(LDFLAGS)"

# The unit tests need ASan and valgrind: they run in the tree (make check).
override_dh_auto_test:

override_dh_auto_clean:
	$(MAKE) -C userland clean

override_dh_install:
	dh_install
	mkdir -p debian/tg3cap-dkms/usr/src/tg3cap-$(DEB_VERSION_UPSTREAM)
	cp -a dkms/. debian/tg3cap-dkms/usr/src/tg3cap-$(DEB_VERSION_UPSTREAM)/

override_dh_dkms:
	dh_dkms -V $(DEB_VERSION_UPSTREAM)

# A template unit is started per interface by the operator.
override_dh_installsystemd:
	dh_installsystemd --no-enable --no-start
EOF
chmod 755 "$src/debian/rules"

cat >"$src/debian/tg3cap-reader.install" <<'EOF'
userland/tg3cap-reader usr/sbin
userland/tg3cap-extract usr/bin
userland/tg3cap@.service lib/systemd/system
EOF
cat >"$src/debian/tg3cap-reader.manpages" <<'EOF'
userland/tg3cap-reader.8
userland/tg3cap-extract.1
EOF
cat >"$src/debian/tg3cap-reader.docs" <<'EOF'
docs/operations.md
EOF
# Prometheus alerting rules for the --metrics file, to adapt
cat >"$src/debian/tg3cap-reader.examples" <<'EOF'
userland/tg3cap-alerts.yml
EOF
# The example is a conffile, so that an operator's edits survive upgrades.
mkdir -p "$src/conf"
cp "$top/userland/tg3cap.conf.example" "$src/conf/example.conf"
echo 'conf/example.conf etc/tg3cap' >>"$src/debian/tg3cap-reader.install"

cd "$src"
echo "mkdeb: building tg3cap $ver in $src" >&2
dpkg-buildpackage -us -uc >"$deb/build.log" 2>&1 ||
	{ tail -n 40 "$deb/build.log" >&2; echo "mkdeb: dpkg-buildpackage failed, log $deb/build.log" >&2; exit 1; }
cd "$deb"
lintian --info --display-info --pedantic "tg3cap_${ver}_amd64.changes" \
	>"$deb/lintian.log" 2>&1 || true
echo "mkdeb: lintian (pedantic, info) says:" >&2
sed 's/^/  /' "$deb/lintian.log" >&2
if grep -q '^[EW]:' "$deb/lintian.log"; then
	echo "mkdeb: lintian errors or warnings" >&2
	exit 1
fi
ls "$deb"/*.deb
