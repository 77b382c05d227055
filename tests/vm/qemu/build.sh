#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build.sh - build a qemu-system-x86_64 with the tg3 device model (issue 30).
#
# Debian 12's QEMU has no Broadcom NIC, so tests/vm/qemu/tg3.c is compiled
# into Debian's own qemu source of the installed version (same patches and
# the same 7.2 API the model is written against), for one target with a
# trimmed device list (tg3cap.mak), and the binary is cached under
#   BUILD_DIR/qemu-tg3/<key>/qemu-system-x86_64
# key = <source version>-<16 hex of sha256 over tg3.c, the patch, the .mak
# and the configure options>, so it is rebuilt only when one of those (or
# the installed qemu) changes; a new tg3.c alone recompiles one file in the
# kept work tree BUILD_DIR/qemu-tg3/src.  The last line printed (stdout)
# is the binary's path; everything else goes to stderr.
#
# Cold build, measured 2026-12-07 on this 2-CPU host shared with other
# work (load 7-8): 414 s wall, of which ninja -j2 345 s (1246 steps).
#
# Steps (docs/qemu-tg3.md (e)):
#   1. apt-get source qemu=<installed source version> with a scratch apt
#      configuration: the host's deb822 sources copied with Types: deb-src,
#      lists/cache/status in BUILD_DIR, so the host's apt setup and package
#      lists are not changed.
#   2. apt-get install -y the few build dependencies missing (root only).
#   3. hw/net/tg3.c + qemu-7.2-tg3.patch (meson.build/Kconfig) +
#      configs/devices/x86_64-softmmu/tg3cap.mak.
#   4. configure + ninja, all at idle priority (the CPU is shared).
#
# Usage: build.sh [-j N]
# Env: BUILD_DIR (default <repo>/build), JOBS (default 2).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$repo/build}
JOBS=${JOBS:-2}

while [ $# -gt 0 ]; do
	case "$1" in
	-j) JOBS=$2; shift 2 ;;
	-h|--help) sed -n '3,31p' "$0"; exit 0 ;;
	*) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

# Lowest priority for everything that burns CPU: SCHED_IDLE, then nice 19.
idle() {
	chrt -i 0 nice -n 19 "$@"
}

log() {
	echo "build.sh: $*" >&2
}

# The source version of the installed binary (the binary carries a +bN
# binNMU suffix the source package does not have).
srcver=$(dpkg-query -W -f '${source:Version}' qemu-system-x86)
upver=${srcver#*:}	# drop the epoch: 7.2+dfsg-7+deb12u18
dirver=${upver%%-*}	# 7.2+dfsg (dpkg-source's directory name)

fwpath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
confopts=(--target-list=x86_64-softmmu
	  --without-default-features --without-default-devices
	  --with-devices-x86_64=tg3cap --firmwarepath="$fwpath"
	  --enable-tcg --enable-fdt=system --enable-virtfs --enable-attr
	  --enable-cap-ng --enable-werror --disable-docs --disable-debug-info
	  --disable-tools --disable-guest-agent --disable-slirp)

# The configure options are part of the key too: they change the binary.
files=("$here/tg3.c" "$here/qemu-7.2-tg3.patch" "$here/tg3cap.mak")
hash=$( (cat "${files[@]}"; echo "${confopts[*]}") | sha256sum | cut -c1-16)
key=$upver-$hash
out=$BUILD_DIR/qemu-tg3/$key
bin=$out/qemu-system-x86_64

if [ -x "$bin" ]; then
	log "cached ($key)"
	echo "$bin"
	exit 0
fi

src_top=$BUILD_DIR/qemu-src/$upver
aptdir=$BUILD_DIR/qemu-src/apt

# 1. Source.  The stanza is derived from the host's file at run time, so
# this script names no archive and follows whatever mirror the host uses.
fetch_source() {
	local sources=/etc/apt/sources.list.d/debian.sources
	local aptopts

	if [ -d "$src_top/qemu-$dirver" ]; then
		return
	fi
	if [ ! -r "$sources" ]; then
		log "$sources not found: need the host's deb822 Debian sources"
		exit 1
	fi
	rm -rf "$aptdir"
	mkdir -p "$aptdir/parts" "$aptdir/state/lists/partial" \
		"$aptdir/cache/archives/partial" "$src_top"
	: > "$aptdir/status"
	# deb822 stanzas live in a parts directory (a .list file holds only
	# one-line entries), so SourceList is an empty file and the parts
	# directory holds nothing but the host's stanzas as deb-src.
	sed 's/^Types:.*/Types: deb-src/' "$sources" \
		> "$aptdir/parts/debian-src.sources"
	: > "$aptdir/sources.list"
	# APT::Sandbox::User=root: the _apt user apt downloads as cannot
	# write into BUILD_DIR (apt then warns and falls back to root).
	aptopts=(-o "Dir::Etc::SourceList=$aptdir/sources.list"
		 -o "Dir::Etc::SourceParts=$aptdir/parts"
		 -o "Dir::State=$aptdir/state"
		 -o "Dir::Cache=$aptdir/cache"
		 -o "Dir::State::status=$aptdir/status"
		 -o "APT::Sandbox::User=root")
	log "apt-get update (scratch lists in $aptdir)"
	apt-get "${aptopts[@]}" update >&2
	log "apt-get source qemu=$srcver"
	(cd "$src_top" && idle apt-get "${aptopts[@]}" source \
		"qemu=$srcver" >&2)
	if [ ! -d "$src_top/qemu-$dirver" ]; then
		log "expected $src_top/qemu-$dirver after apt-get source"
		exit 1
	fi
}

# 2. Build dependencies of a softmmu-only build with virtfs; `apt-get
# build-dep qemu` would pull in every GUI/audio/storage library.  meson
# and libfdt-dev because Debian's dfsg source drops the bundled meson and
# dtc, and x86_64-softmmu needs fdt (TARGET_NEED_FDT, for microvm).
install_deps() {
	local pkgs=(meson ninja-build pkg-config libglib2.0-dev libpixman-1-dev
		    zlib1g-dev libfdt-dev flex bison libcap-ng-dev libattr1-dev
		    python3 dpkg-dev xz-utils)
	local missing=() p

	for p in "${pkgs[@]}"; do
		if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
				grep -q 'ok installed'; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return
	fi
	if [ "$(id -u)" -ne 0 ]; then
		log "missing build deps (run as root or install): ${missing[*]}"
		exit 1
	fi
	log "apt-get install -y ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
}

install_deps
fetch_source

# 3. One work tree, patched once.  A changed patch or .mak means a fresh
# copy and a fresh configure (patching in place could leave a half-applied
# patch, and meson would keep the old device list); a changed tg3.c alone
# is copied in and ninja recompiles just that file.
work=$BUILD_DIR/qemu-tg3/src
treekey=$upver-$(cat "$here/qemu-7.2-tg3.patch" "$here/tg3cap.mak" |
	sha256sum | cut -c1-16)
if [ "$(cat "$work/.tg3cap-tree" 2>/dev/null)" != "$treekey" ]; then
	rm -rf "$work"
	mkdir -p "${work%/*}"
	log "copying the source tree to $work"
	cp -a "$src_top/qemu-$dirver" "$work"
	patch -d "$work" -p1 --forward < "$here/qemu-7.2-tg3.patch" >&2
	cp "$here/tg3cap.mak" "$work/configs/devices/x86_64-softmmu/"
	echo "$treekey" > "$work/.tg3cap-tree"
fi
# cmp first: an unchanged tg3.c keeps its mtime and is not recompiled.
if ! cmp -s "$here/tg3.c" "$work/hw/net/tg3.c"; then
	cp "$here/tg3.c" "$work/hw/net/tg3.c"
fi

# 4. Option names checked against this tree's `configure --help` (7.2):
# slirp off (no -netdev user, nothing reaches host networking by itself),
# virtfs on for the rig's 9p share, werror on so a warning in tg3.c fails
# the build.  The firmware path is Debian's (debian/rules FIRMWAREPATH):
# the tree has no pc-bios blobs (dfsg), the installed qemu-system-data,
# seabios and ipxe-qemu packages provide them, and without it the binary
# would look in /usr/local/share and fail to find bios-256k.bin.
if [ "$(sed -n 's/^FIRMWAREPATH = //p' "$work/debian/rules")" != "$fwpath" ]
then
	log "warning: debian/rules has another FIRMWAREPATH than $fwpath"
fi
if [ "$(cat "$work/build/.tg3cap-configure" 2>/dev/null)" != \
		"${confopts[*]}" ]; then
	rm -rf "$work/build"
	mkdir -p "$work/build"
	log "configure"
	(cd "$work/build" && idle ../configure "${confopts[@]}" >&2)
	echo "${confopts[*]}" > "$work/build/.tg3cap-configure"
fi

log "ninja -j$JOBS (idle priority)"
start=$(date +%s)
(cd "$work/build" && idle ninja -j"$JOBS" qemu-system-x86_64 >&2)
log "ninja took $(( $(date +%s) - start )) s"

mkdir -p "$out"
cp "$work/build/qemu-system-x86_64" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "$bin"
