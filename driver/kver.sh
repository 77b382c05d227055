# SPDX-License-Identifier: GPL-2.0
# Sourced by the build scripts: which Debian kernel we build against.
#
# Debian's archive moves on, so nothing here is hard-coded: the versions
# are read from the installed packages, and the source, headers and image
# must be the same Debian version or the modules would not load.

lwpcap_kver()
{
	local dep

	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) ||
		{ echo "linux-headers-amd64 is not installed: run make deps" >&2
		  return 1; }
	# "linux-headers-6.1.0-56-amd64 (= 6.1.192-2)"
	KVER=${dep#linux-headers-}
	KVER=${KVER%% *}
	SRCVER=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
		{ echo "linux-source-6.1 is not installed: run make deps" >&2
		  return 1; }
	local hv iv
	hv=$(dpkg-query -W -f='${Version}' "linux-headers-$KVER" 2>/dev/null) ||
		hv=missing
	iv=$(dpkg-query -W -f='${Version}' "linux-image-$KVER" 2>/dev/null) ||
		iv=missing
	if [ "$hv" != "$SRCVER" ] || [ "$iv" != "$SRCVER" ]; then
		echo "Debian kernel packages disagree:" >&2
		echo "  linux-source-6.1        $SRCVER" >&2
		echo "  linux-headers-$KVER  $hv" >&2
		echo "  linux-image-$KVER    $iv" >&2
		echo "Run 'apt-get update && make deps' so all three match." >&2
		return 1
	fi
	KDIR=/usr/src/linux-headers-$KVER
	VMLINUZ=/boot/vmlinuz-$KVER
	export KVER SRCVER KDIR VMLINUZ
}
