#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# DKMS PRE_BUILD check of tg3cap-dkms: refuse, with the reason, a kernel
# the shipped drivers cannot replace.  dkms.conf's BUILD_EXCLUSIVE_KERNEL
# already limits the build to 6.1.y and 6.12.y; here: the kernel's own tg3, e1000
# and virtio_net must be modules (a built-in driver cannot be replaced by
# a module, and the patched one would never load), and the lwpcap core
# must not be in that kernel already (a kernel built from patches/).
#
# usage: kernel-fits.sh KERNELVER KERNEL_SOURCE_DIR
set -eu

kver=$1 ksrc=$2
cfg=$ksrc/.config
if [ ! -r "$cfg" ]; then
	echo "tg3cap: $cfg is missing: install linux-headers-$kver" >&2
	exit 1
fi
bad=
for opt in CONFIG_TIGON3 CONFIG_E1000 CONFIG_VIRTIO_NET; do
	if ! grep -qx "$opt=m" "$cfg"; then
		val=$(grep "^$opt=" "$cfg" || echo "$opt is not set")
		bad="$bad $val"
	fi
done
if grep -q '^CONFIG_LWPCAP=' "$cfg"; then
	bad="$bad CONFIG_LWPCAP is in the kernel already (built from patches/)"
fi
if [ -n "$bad" ]; then
	echo "tg3cap: kernel $kver does not fit the tg3cap modules:$bad" >&2
	echo "tg3cap: the drivers must be modules (=m) of a kernel without the series" >&2
	exit 1
fi
