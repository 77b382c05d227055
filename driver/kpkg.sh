#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian's headers and image of a kernel series and unpack them
# under build/, without installing them (make deps, for 6.12).
#
# Why not apt-get install: the headers depend on the image, and an
# installed 6.12 image changes the build host itself: its boot loader
# boots it next, and the VM test bed (tests/vm/common.sh) takes the
# newest installed image as the guest kernel when KVER is not set, so
# every 6.1 VM test of this and of any other checkout on the host
# would boot 6.12.  Unpacked, the headers build modules as installed
# ones do (their Makefile points at the common headers by an absolute
# path, rewritten here), and the image's vmlinuz and modules are there
# for a VM.
#
# The packages are the version of the installed linux-source-SERIES, so
# that source, headers and image agree (driver/kver.sh checks it).
#
# usage: driver/kpkg.sh SERIES       prints the directory (build/kpkg-VER)
# Env: BUILD_DIR.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}
series=${1:?usage: kpkg.sh SERIES}

case $series in
6.12)	meta=linux-headers-6.12-amd64 ;;
*)	echo "kpkg: series $series is installed, not unpacked" >&2; exit 2 ;;
esac
srcver=$(dpkg-query -W -f='${Version}' "linux-source-$series") ||
	{ echo "kpkg: linux-source-$series is not installed" >&2; exit 1; }
kp=$B/kpkg-${srcver//\~/_}

# The image's modules without the postinst's depmod: modules.dep, so that
# the VM test bed can ask modprobe -d for a stock module's dependencies.
depmod_root()
{
	local v

	v=$(sed -n 's/^kver //p' "$1/versions")
	[ -f "$1/root/lib/modules/$v/modules.dep" ] && return 0
	depmod -b "$1/root" "$v"
}

if [ -f "$kp/versions" ]; then
	depmod_root "$kp"
	echo "$kp"
	exit 0
fi

# "linux-headers-6.12.118+deb12-amd64 (= 6.12.118-1~deb12u1)"
dep=$(apt-cache show "$meta=$srcver" | sed -n 's/^Depends: //p' | head -n1)
kver=${dep#linux-headers-}
kver=${kver%% *}
[ -n "$kver" ] && [ "$kver" != "$dep" ] ||
	{ echo "kpkg: no $meta $srcver in the archive: apt-get update" >&2
	  exit 1; }
abi=${kver%-amd64}
pkgs="linux-headers-$kver linux-headers-$abi-common linux-kbuild-$abi
linux-image-$kver"

rm -rf "$kp" "$kp.tmp"
mkdir -p "$kp.tmp/debs" "$kp.tmp/root"
echo "kpkg: fetching Debian's $kver headers and image ($srcver)" >&2
for p in $pkgs; do
	(cd "$kp.tmp/debs" && apt-get download -q -o APT::Sandbox::User=root "$p=$srcver" >&2)
done
: >"$kp.tmp/versions.tmp"
for d in "$kp.tmp"/debs/*.deb; do
	dpkg-deb -x "$d" "$kp.tmp/root"
	echo "$(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version)" \
		>>"$kp.tmp/versions.tmp"
done
# include /usr/src/linux-headers-ABI-common/Makefile: into the unpacked copy
mk=$kp.tmp/root/usr/src/linux-headers-$kver/Makefile
grep -q "^include /usr/src/linux-headers-$abi-common/Makefile$" "$mk" ||
	{ echo "kpkg: $mk is not the one-line include it was" >&2; exit 1; }
echo "include $kp/root/usr/src/linux-headers-$abi-common/Makefile" >"$mk"
echo "kver $kver" >>"$kp.tmp/versions.tmp"
mv "$kp.tmp/versions.tmp" "$kp.tmp/versions"
depmod_root "$kp.tmp"
mv "$kp.tmp" "$kp"
echo "$kp"
