#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo PCAP=FILE gives the user's frames back unchanged: a capture of
# frames to the guest's MAC, to a foreign unicast address, to multicast
# and to broadcast (IPv4, IPv6, 802.1Q, 60 to 1518 bytes) goes through
# tests/demo.sh --pcap, whose own comparison (pcapcmp --raw: every frame,
# in order, byte for byte) decides.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD_DIR:-$top/build}
make -s -C "$top/tests/vm" BUILD_DIR="$B/vm"
g=$B/vm/bin/genpcap d=$B/demo-pcap
rm -rf "$d"; mkdir -p "$d"
i=0
for mac in 52:54:00:12:34:56 02:00:00:00:00:99 01:00:5e:00:00:fb \
	33:33:00:00:00:01 ff:ff:ff:ff:ff:ff; do
	"$g" -o "$d/part$i.pcap" -n 200 -s 60,64,128,1514,1518 -V 20 -6 30 \
		-d "$mac" --seq $((i * 1000)) >/dev/null
	i=$((i + 1))
done
# interleaved by timestamp: every address kind all along the replay
mergecap -F pcap -w "$d/mixed.pcap" "$d"/part*.pcap
n=$(capinfos -c -M "$d/mixed.pcap" | sed -n 's/.*packets: *//p')
echo "demo-pcap: $n frames to 5 destination kinds in $d/mixed.pcap"
rc=0
"$top/tests/demo.sh" --pcap "$d/mixed.pcap" --rate 5000 --out "$d/out" || rc=$?
if [ "$rc" = 0 ]; then
	echo "demo-pcap: 1 passed, 0 failed"
else
	echo "demo-pcap: 0 passed, 1 failed"
fi
exit "$rc"
