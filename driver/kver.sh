# SPDX-License-Identifier: GPL-2.0
# Sourced by the build scripts: which Debian kernel we build against.
#
# LWP_KSERIES picks the kernel series: 6.1 (the default: Debian 12's
# own kernel, installed) or 6.12 (Debian 13's, also in Debian 12's
# security archive; its headers and image are unpacked under build/ by
# driver/kpkg.sh, not installed: see there why).  Each series has its
# quilt series in patches/$LWP_KSERIES/.
#
# Debian's archive moves on, so nothing here is hard-coded: the versions
# are read from the installed packages, and the source, headers and image
# must be the same Debian version or the modules would not load.
#
# Sets KSERIES, KVER, SRCVER, KDIR, VMLINUZ, PATCHDIR (the series'
# patches), KSFX: the suffix of the series' build directories, empty
# for 6.1 so that its paths stay what they always were (build/mod, ...),
# and KROOT: where the image's /boot and /lib/modules are, empty for the
# installed 6.1 (the VM test bed boots and takes stock modules from it).
# A new linux-source-6.12 in the archive needs make deps again, which
# fetches the headers and image of that version.

# The series tg3cap has patches for, for messages.
LWP_KSERIES_ALL="6.1 6.12"

lwpcap_kver()
{
	local dep hv iv top kp

	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	KSERIES=${LWP_KSERIES:-6.1}
	case $KSERIES in
	6.1|6.12) ;;
	*)
		echo "LWP_KSERIES=$KSERIES: tg3cap has patches for $LWP_KSERIES_ALL" >&2
		return 1 ;;
	esac
	SRCVER=$(dpkg-query -W -f='${Version}' "linux-source-$KSERIES" \
		2>/dev/null) ||
		{ echo "linux-source-$KSERIES is not installed: run make deps" >&2
		  return 1; }
	PATCHDIR=$top/patches/$KSERIES
	if [ "$KSERIES" = 6.1 ]; then
		# bookworm's own kernel, installed
		KSFX=
		dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 \
			2>/dev/null) ||
			{ echo "linux-headers-amd64 is not installed: run make deps" >&2
			  return 1; }
		# "linux-headers-6.1.0-56-amd64 (= 6.1.192-2)"
		KVER=${dep#linux-headers-}
		KVER=${KVER%% *}
		hv=$(dpkg-query -W -f='${Version}' "linux-headers-$KVER" \
			2>/dev/null) || hv=missing
		iv=$(dpkg-query -W -f='${Version}' "linux-image-$KVER" \
			2>/dev/null) || iv=missing
		KDIR=/usr/src/linux-headers-$KVER
		VMLINUZ=/boot/vmlinuz-$KVER
		KROOT=
	else
		# headers and image unpacked by driver/kpkg.sh (make deps)
		KSFX=-$KSERIES
		kp=${BUILD_DIR:-$top/build}/kpkg-${SRCVER//\~/_}
		if [ ! -f "$kp/versions" ]; then
			echo "$kp is missing: run make deps" >&2
			return 1
		fi
		KVER=$(sed -n 's/^kver //p' "$kp/versions")
		hv=$(sed -n "s/^linux-headers-$KVER //p" "$kp/versions")
		iv=$(sed -n "s/^linux-image-$KVER //p" "$kp/versions")
		KDIR=$kp/root/usr/src/linux-headers-$KVER
		VMLINUZ=$kp/root/boot/vmlinuz-$KVER
		KROOT=$kp/root
	fi
	if [ "$hv" != "$SRCVER" ] || [ "$iv" != "$SRCVER" ]; then
		echo "Debian kernel packages disagree:" >&2
		echo "  linux-source-$KSERIES        $SRCVER" >&2
		echo "  linux-headers-$KVER  ${hv:-missing}" >&2
		echo "  linux-image-$KVER    ${iv:-missing}" >&2
		echo "Run 'apt-get update && make deps' so all three match." >&2
		return 1
	fi
	export KSERIES KVER SRCVER KDIR VMLINUZ PATCHDIR KSFX KROOT
}
