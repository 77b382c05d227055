# shellcheck shell=bash
# Shared helpers for the tests/vm host scripts (sourced, not executed).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$VM_DIR/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build/vm}
# Debian kernel source tree (for scripts/extract-vmlinux); overridable.
KSRC=${KSRC:-$REPO_DIR/build/linux-source-6.1}

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
