# shellcheck shell=bash
# Shared helpers for the tests/vm host scripts (sourced, not executed).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$VM_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build/vm}
# Debian kernel source tree, only for scripts/extract-vmlinux: env KSRC, else
# the first unpacked tree found under build/ or /usr/src (see find_extract_vmlinux).
KSRC=${KSRC:-}

die() { echo "${0##*/}: error: $*" >&2; exit 1; }
msg() { echo "${0##*/}: $*" >&2; }

# Kernel release of the guest: env KVER, else the newest installed
# linux-image-<release> Debian package (never hard-coded: the archive moves on).
detect_kver() {
	if [[ -n ${KVER:-} ]]; then echo "$KVER"; return; fi
	local k
	k=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'linux-image-[0-9]*' 2>/dev/null |
		awk '$1 == "ii" { sub(/^linux-image-/, "", $2); sub(/-unsigned$/, "", $2); print $2 }' |
		sort -uV | tail -n1)
	[[ -n $k ]] || die "no installed linux-image-<version> package found (set KVER=)"
	[[ -d /lib/modules/$k ]] || die "/lib/modules/$k missing for linux-image-$k"
	echo "$k"
}

# Path of scripts/extract-vmlinux from $KSRC or any unpacked 6.1 source tree.
find_extract_vmlinux() {
	local c
	for c in ${KSRC:+"$KSRC"} "$REPO_DIR"/build/linux-source-* "$REPO_DIR"/build/src-* \
		"$REPO_DIR"/build/tree-* "$REPO_DIR"/build/*/linux-source-* /usr/src/linux-source-*; do
		[[ -f $c/scripts/extract-vmlinux ]] && { echo "$c/scripts/extract-vmlinux"; return 0; }
	done
	return 1
}
