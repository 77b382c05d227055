#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's promtool (package prometheus), unpacked under build/, not
# installed: the package would also install and start a Prometheus
# server on the host, which the tests do not want.  The unit tests check
# the reader's --metrics files with `promtool check metrics`, and the
# example alert rules with `promtool check rules`.
#
# usage: tests/lib/promtool.sh      prints the path of promtool
# Env: BUILD_DIR.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${BUILD_DIR:-$top/build}

ver=$(apt-cache policy prometheus | sed -n 's/^  Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] ||
	{ echo "promtool: no prometheus package in the archive: apt-get update" >&2
	  exit 1; }
d=$B/promtool-${ver//[~:]/_}
if [ -x "$d/usr/bin/promtool" ]; then
	echo "$d/usr/bin/promtool"
	exit 0
fi
rm -rf "$d" "$d.tmp"
mkdir -p "$d.tmp/deb"
echo "promtool: fetching Debian's prometheus $ver for its promtool" >&2
(cd "$d.tmp/deb" && apt-get download -q -o APT::Sandbox::User=root \
	"prometheus=$ver" >&2)
dpkg-deb --fsys-tarfile "$d.tmp"/deb/*.deb |
	tar -x -C "$d.tmp" ./usr/bin/promtool
"$d.tmp/usr/bin/promtool" --version >/dev/null
rm -rf "$d.tmp/deb"
mv "$d.tmp" "$d"
echo "$d/usr/bin/promtool"
