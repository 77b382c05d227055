#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh - build the gzip'd cpio initramfs of the tg3cap VM test rig.
#
# Contents:
#   /bin/busybox (busybox-static) + a symlink per applet
#   /init                     tests/vm/init (mounts, cmdline, insmod, test, result)
#   /lib/tg3cap/lib.sh        tests/vm/guest-lib.sh (sync helpers for guest tests)
#   /lib/modules/tg3cap/*.ko  modules, loaded by /init in the order of
#   /etc/tg3cap/modules         "NAME.ko<TAB>PARAMS" lines
#   /tests/*                  guest test scripts (--tests DIR)
#   --bin programs and the shared libraries ldd finds for them, same paths
#                             (as /usr/bin/NAME, replacing an applet link of
#                             that name; busybox ash still runs its applet for
#                             a bare NAME: guest scripts call /usr/bin/NAME)
#
# Module order: the 9p share modules first (virtio_pci, 9pnet_virtio, 9p and
# their Debian deps, unless --no-9p), then --stock/--module in command line
# order. A --module PATH gets the stock Debian modules it depends on
# (modinfo depends) inserted before it, unless another --module provides
# them. Stock modules and deps are resolved with
#   modprobe -S KVER --show-depends NAME
# Duplicates are loaded once (first occurrence).
#
# Usage: mkinitramfs.sh [-o OUT] [--module PATH[:PARAMS]]... [--stock NAME[:PARAMS]]...
#                       [--bin PATH]... [--file SRC[:DST]]... [--tests DIR] [--no-9p]
#   PARAMS: insmod parameters, space-separated (quote: --module "x.ko:a=1 b=2").
# Env: BUILD_DIR (default <repo>/build/vm), KVER (default: newest installed
# linux-image-<kver> package), KROOT (the root the stock modules are under,
# default /: driver/kver.sh sets it to 6.12's unpacked image).
# Default OUT: $BUILD_DIR/initramfs.cpio.gz.
set -euo pipefail

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

usage() { sed -n '/^# Usage:/,/^# Env:/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

OUT=
NO9P=0
TESTS_DIR=
declare -a ARGS_KIND=() ARGS_VAL=() BINS=() FILES=()

while [[ $# -gt 0 ]]; do
	case $1 in
	-o|--output) OUT=$2; shift 2 ;;
	--module) ARGS_KIND+=(module); ARGS_VAL+=("$2"); shift 2 ;;
	--stock) ARGS_KIND+=(stock); ARGS_VAL+=("$2"); shift 2 ;;
	--bin) BINS+=("$2"); shift 2 ;;
	--file) FILES+=("$2"); shift 2 ;;
	--tests) TESTS_DIR=$2; shift 2 ;;
	--no-9p) NO9P=1; shift ;;
	-h|--help) usage ;;
	*) echo "unknown option: $1" >&2; usage ;;
	esac
done

KVER=$(detect_kver)
OUT=${OUT:-$BUILD_DIR/initramfs.cpio.gz}
mkdir -p "$BUILD_DIR" "$(dirname "$OUT")"
command -v cpio >/dev/null || die "cpio not installed"
BUSYBOX=$(command -v busybox || true)
if [[ -z $BUSYBOX ]] || ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "busybox-static is needed (static /bin/busybox): 'make deps' installs" \
		"it, and repairs a /bin/busybox that is not the static one"
fi

STAGE=$(mktemp -d "$BUILD_DIR/initramfs.stage.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

modname() { local b=${1##*/}; b=${b%%.ko*}; echo "${b//-/_}"; }

# ---- module list ------------------------------------------------------------
declare -A HAVE=() EXPLICIT=()
declare -a LIST_NAME=() LIST_PATH=() LIST_PARAMS=()

add_mod() { # path params
	local n; n=$(modname "$1")
	if [[ -n ${HAVE[$n]:-} ]]; then
		[[ -z $2 ]] || msg "warning: $n listed twice, params '$2' ignored"
		return
	fi
	[[ -f $1 ]] || die "module file $1 not found"
	HAVE[$n]=1
	LIST_NAME+=("$n"); LIST_PATH+=("$1"); LIST_PARAMS+=("$2")
}

add_stock() { # name params: the stock module and its Debian deps, in order
	local name=$1 params=$2 kw path last=''
	local out
	out=$(modprobe ${KROOT:+-d "$KROOT"} -S "$KVER" --show-depends \
		"$name" 2>&1) ||
		die "modprobe ${KROOT:+-d $KROOT }-S $KVER --show-depends $name: $out"
	while read -r kw path _; do
		case $kw in
		insmod) last=$path; [[ $(modname "$path") == "${name//-/_}" ]] || add_mod "$path" "" ;;
		builtin) ;;
		*) die "unexpected modprobe output: $kw $path" ;;
		esac
	done <<<"$out"
	# none: built in (6.12's virtio_pci)
	if [[ -n $last ]]; then
		add_mod "$last" "$params"
	fi
}

for i in "${!ARGS_KIND[@]}"; do
	[[ ${ARGS_KIND[$i]} == module ]] && EXPLICIT[$(modname "${ARGS_VAL[$i]%%:*}")]=$i
done

if [[ $NO9P == 0 ]]; then
	for m in virtio_pci 9pnet_virtio 9p; do add_stock "$m" ""; done
fi

for i in "${!ARGS_KIND[@]}"; do
	v=${ARGS_VAL[$i]} p=
	[[ $v == *:* ]] && p=${v#*:}
	v=${v%%:*}
	if [[ ${ARGS_KIND[$i]} == stock ]]; then
		add_stock "$v" "$p"
		continue
	fi
	[[ -f $v ]] || die "--module $v: no such file"
	vm=$(modinfo -F vermagic "$v" | awk '{print $1}')
	[[ $vm == "$KVER" ]] || die "$v: vermagic '$vm' does not match guest kernel $KVER"
	IFS=, read -r -a deps <<<"$(modinfo -F depends "$v")"
	for d in "${deps[@]}"; do
		[[ -n $d ]] || continue
		d=${d//-/_}
		if [[ -n ${EXPLICIT[$d]:-} ]]; then
			[[ ${EXPLICIT[$d]} -lt $i ]] ||
				die "--module $v depends on $d, which is given later: reorder"
		else
			add_stock "$d" ""
		fi
	done
	add_mod "$v" "$p"
done

# ---- tree -------------------------------------------------------------------
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,out,etc/tg3cap,lib/tg3cap,lib/modules/tg3cap,tests,root}
mknod -m 600 "$STAGE/dev/console" c 5 1
mknod -m 666 "$STAGE/dev/null" c 1 3
cp "$BUSYBOX" "$STAGE/bin/busybox"
mapfile -t APPLETS < <("$BUSYBOX" --list-full | grep -v '^bin/busybox$')
(cd "$STAGE" && printf '%s\0' "${APPLETS[@]%/*}" | sort -zu | xargs -0 mkdir -p &&
	for a in "${APPLETS[@]}"; do [[ -e $a ]] || ln -s /bin/busybox "$a"; done)
install -m 755 "$VM_DIR/init" "$STAGE/init"
install -m 644 "$VM_DIR/guest-lib.sh" "$STAGE/lib/tg3cap/lib.sh"
echo "tg3cap" > "$STAGE/etc/hostname"
# Debian's tcpdump drops privileges to user "tcpdump": make that root here.
printf '%s\n' "root:x:0:0:root:/root:/bin/sh" "tcpdump:x:0:0:tcpdump:/:/bin/false" > "$STAGE/etc/passwd"
printf '%s\n' "root:x:0:" "tcpdump:x:0:" > "$STAGE/etc/group"
printf '%s\n' "$KVER" > "$STAGE/etc/tg3cap/kver"

: > "$STAGE/etc/tg3cap/modules"
for i in "${!LIST_NAME[@]}"; do
	src=${LIST_PATH[$i]} dst="$STAGE/lib/modules/tg3cap/${LIST_NAME[$i]}.ko"
	case $src in
	*.ko) cp "$src" "$dst" ;;
	*.ko.xz) xz -dc "$src" > "$dst" ;;
	*.ko.zst) zstd -qdc "$src" > "$dst" ;;
	*.ko.gz) gzip -dc "$src" > "$dst" ;;
	*) die "unknown module file type: $src" ;;
	esac
	printf '%s.ko\t%s\n' "${LIST_NAME[$i]}" "${LIST_PARAMS[$i]}" >> "$STAGE/etc/tg3cap/modules"
done

# in_stage PATH: PATH (a path inside $STAGE), its symlinks resolved, stays
# inside $STAGE.  The applet links point at /bin/busybox, an absolute path
# that is the HOST's busybox when followed here: a copy or mkdir through such
# a link would write into the host.
in_stage() {
	local r
	r=$(realpath -m "$1") || return 1
	[[ $r == "$STAGE" || $r == "$STAGE"/* ]]
}

copy_file() { # src dst(absolute in guest), dereferencing symlinks in src only
	local dst=$STAGE/$2
	in_stage "$(dirname "$dst")" ||
		die "refusing to copy $1 to $2: its directory resolves outside the image"
	mkdir -p "$(dirname "$dst")"
	# a busybox applet link (or an earlier copy) of the same name gives way
	# to the real program; never write through it
	rm -f "$dst"
	cp -L --remove-destination "$1" "$dst"
	in_stage "$dst" || die "copy of $1 to $2 left the image"
}

for b in "${BINS[@]}"; do
	p=$b
	[[ $p == */* ]] || p=$(command -v "$p" || true)
	[[ -n $p && -f $p ]] || die "--bin $b: not found"
	copy_file "$p" "/usr/bin/${p##*/}"
	# the applet of that name elsewhere in PATH (ip is sbin/ip) would
	# shadow the real program
	for d in bin sbin usr/sbin; do
		a=$STAGE/$d/${p##*/}
		[[ -L $a && $(readlink "$a") == /bin/busybox ]] && rm -f "$a"
	done
	# shared libraries (and the ELF interpreter) at the same paths
	while read -r lib; do
		[[ -e $STAGE/$lib ]] || copy_file "$lib" "$lib"
	done < <(ldd "$p" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
done

for f in "${FILES[@]}"; do
	src=${f%%:*} dst=${f#*:}
	[[ $f == *:* ]] || dst=$src
	[[ $dst == /* ]] || die "--file $f: destination must be absolute"
	if [[ -d $src ]]; then
		in_stage "$STAGE/$dst" ||
			die "--file $f: $dst resolves outside the image"
		mkdir -p "$STAGE/$dst"
		cp -a --remove-destination "$src/." "$STAGE/$dst/"
	else copy_file "$src" "$dst"; fi
done

if [[ -n $TESTS_DIR ]]; then
	[[ -d $TESTS_DIR ]] || die "--tests $TESTS_DIR: not a directory"
	cp -a "$TESTS_DIR/." "$STAGE/tests/"
fi

# ---- archive (written to a temp file, then renamed: idempotent) -------------
(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
msg "$OUT: $(du -h "$OUT" | cut -f1), kernel $KVER, modules: ${LIST_NAME[*]:-none}"
