#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stage1-host.sh - host half of tests/vm/qemu/guest/tg3-stage1.sh, run by
# run-vm.sh --host-cmd inside run-vm.sh's own network namespace (the
# address below goes on that namespace's tap0 only; no host interface is
# touched).  busybox's ping and nc: the host has no other, and busybox is
# a dependency of the rig anyway (mkinitramfs.sh).
#
# Rounds (ROUND, from the guest):
#   ping  10.0.0.1/24 on TAP0, then TG3CAP_PINGS (200) pings to the guest,
#         0 loss or exit 1
#   g2h   receive the guest's TCP stream on port 5001; write "LENGTH MD5"
#         to OUTDIR/g2h.sum (the guest compares); exit 1 if the stack
#         here counted a TCP checksum error meanwhile
#   h2g   write "LENGTH MD5" of 4 MiB of random bytes to OUTDIR/h2g.sum,
#         send them to the guest's port 5002
#   udp4, udp2  (stage 3, RSS) SENDFRAMES (tests/vm/sendframes.c) sends
#         TG3CAP_UDPN (4000) resp. 2000 UDP frames of 60, 590 and 1514
#         bytes to GUEST_MAC0 on TAP0 at 1000/s, half IPv4 (10.99.0.1 ->
#         10.99.0.2), half IPv6 (fd00:99::1 -> ::2), UDP source ports
#         10000-11023: 2048 flows (not the guest's addresses: its stack
#         drops them silently, tg3 counts them).  Why so many: with
#         only the low bits of one port varying, a Toeplitz hash keeps
#         the low 2 bits of the hash (the ring, with the default table)
#         off one ring for ~4 % of random keys at 64 ports, ~0.1 % at
#         1024; IPv4 and IPv6 put the ports under different key bits
#         (0 of 3000 random keys missed a ring, a Python simulation).
#         Exit 1 if a send failed or the tap dropped a frame
#   tcp8  (stage 3) 8 TCP connections at once, 512 KiB of random bytes
#         each, to the guest's ports 5101-5108; "PORT LENGTH MD5" lines
#         in OUTDIR/tcp8.sum
set -euo pipefail

G=10.0.0.2
# sum FILE: "LENGTH MD5", the guest's (busybox) format
sum() { echo "$(stat -c %s "$1") $(md5sum < "$1" | cut -d' ' -f1)"; }

# tcpstat NAME: the Tcp: counter NAME of this namespace's /proc/net/snmp
tcpstat() {
	awk -v k="$1" '$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++)
		n[i] = $i; h = 1; next }
		$1 == "Tcp:" { for (i = 2; i <= NF; i++) if (n[i] == k) print $i }' \
		/proc/net/snmp
}

case $ROUND in
ping)
	ip addr add 10.0.0.1/24 dev "$TAP0"
	n=${TG3CAP_PINGS:-200}
	out=$(busybox ping -c "$n" -i 0.02 -W 5 "$G" 2>&1) || true
	tail -n 2 <<<"$out"
	grep -q "$n packets received, 0% packet loss" <<<"$out"
	;;
g2h)
	# the listener's stdin stays open (a FIFO held on fd 3): at EOF
	# busybox nc shuts its sending half and the guest's nc would quit
	# before it has sent everything
	f=$OUTDIR/g2h.bin fifo=$OUTDIR/.g2h.fifo
	rm -f "$fifo"; mkfifo "$fifo"
	timeout 200 busybox nc -l -p 5001 < "$fifo" > "$f" &
	pid=$!
	ce0=$(tcpstat InCsumErrors)
	exec 3> "$fifo"
	st=0; wait "$pid" || st=$?
	exec 3>&-
	sum "$f" | tee "$OUTDIR/g2h.sum"
	rm -f "$f" "$fifo"
	# the model's TCP checksums: this namespace's stack checks them
	ce=$(($(tcpstat InCsumErrors) - ce0))
	echo "TCP checksum errors: $ce"
	[[ $ce == 0 ]] || st=1
	exit "$st"
	;;
h2g)
	f=$OUTDIR/h2g.bin
	head -c $((4 << 20)) /dev/urandom > "$f"
	sum "$f" | tee "$OUTDIR/h2g.sum"
	# the guest's nc may not listen yet: retry the connect
	for ((i = 0; i < 60; i++)); do
		if timeout 200 busybox nc -w 2 "$G" 5002 < "$f"; then
			rm -f "$f"
			exit 0
		fi
		sleep 0.5
	done
	rm -f "$f"
	exit 1
	;;
udp4|udp2)
	n=2000
	[[ $ROUND == udp4 ]] && n=${TG3CAP_UDPN:-4000}
	drops=/sys/class/net/$TAP0/statistics/tx_dropped
	d0=$(cat "$drops")
	st=0
	"$SENDFRAMES" -i "$TAP0" -d "$GUEST_MAC0" -n "$n" -r 1000 -f 1024 \
		-6 50 -s 60,590,1514 --strict || st=$?
	d=$(($(cat "$drops") - d0))
	echo "$TAP0 tx_dropped +$d"
	[[ $st == 0 && $d == 0 ]]
	;;
tcp8)
	: > "$OUTDIR/tcp8.sum"
	pids=()
	for p in {5101..5108}; do
		f=$OUTDIR/tcp8-$p.bin
		head -c $((512 << 10)) /dev/urandom > "$f"
		echo "$p $(sum "$f")" >> "$OUTDIR/tcp8.sum"
	done
	for p in {5101..5108}; do
		# as h2g: the guest's nc may not listen yet
		(for ((i = 0; i < 60; i++)); do
			timeout 200 busybox nc -w 2 "$G" "$p" \
				< "$OUTDIR/tcp8-$p.bin" && exit 0
			sleep 0.5
		done; exit 1) &
		pids+=($!)
	done
	st=0
	for pid in "${pids[@]}"; do wait "$pid" || st=1; done
	rm -f "$OUTDIR"/tcp8-*.bin
	cat "$OUTDIR/tcp8.sum"
	exit "$st"
	;;
*) echo "unknown round $ROUND" >&2; exit 1 ;;
esac
