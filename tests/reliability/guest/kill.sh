#!/bin/sh
# Reliability 3: readers killed with SIGKILL at random moments while
# frames flow, TG3CAP_KILLS times (ringtest and tg3cap-reader in turn);
# then the device binds at once, vmalloc/slab did not grow, and every
# file tg3cap-reader left is valid after the next start's repair
# (checked on the host with capinfos and tcpdump).
. /lib/tg3cap/lib.sh
. /tests/rel-lib.sh
[ -e /dev/lwpcap ] || tg3cap_fail "no /dev/lwpcap"
tg3cap_wait_carrier "$IF"
K=${TG3CAP_KILLS:-200}
RANDOM=$SEED
mkdir -p /tmp/kc
# always run in the background: exec, so that $! is the reader itself
reader() {
	exec tg3cap-reader.static -i "$IF" -w /tmp/kc/cap -q -p -s 1514 -C 256k -W 8 \
		--ring-size 256k --seg-size 64k \
		${TG3CAP_POINT:+--hook "$TG3CAP_POINT"} "$@"
}
# warm up once each, so first-use allocations do not count as growth
ringtest capture -i "$IF" -o /tmp/warm -s 1514 --seg-size 65536 --nr-segs 16 \
	>/dev/null 2>&1 & p=$!; sleep 0.5; kill -9 "$p"; wait "$p"
reader >/dev/null 2>&1 & p=$!; sleep 0.5; kill -9 "$p"; wait "$p"
rm -f /tmp/kc/*
sleep 0.5
vm0=$(rel_vmalloc) sl0=$(rel_slab)
rx0=$(rel_rx)
rel_round kill until "${TG3CAP_RATE:-4000}" 1
i=0 t0=$(date +%s) nr=0 nt=0 early=0
while [ "$i" -lt "$K" ]; do
	if [ $((i % 2)) = 0 ]; then
		ringtest capture -i "$IF" -o /tmp/kr -s 1514 --seg-size 65536 \
			--nr-segs 16 >/dev/null 2>&1 &
		nt=$((nt + 1))
	else
		reader >>/tmp/reader.log 2>&1 &
		nr=$((nr + 1))
	fi
	p=$!
	ms=$((RANDOM % 301))
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null; st=$?
	# 137: killed; anything else: the tool ended by itself (an error)
	[ "$st" = 137 ] || { early=$((early + 1)); tg3cap_log "kill $i: exit status $st"; }
	i=$((i + 1))
done
t1=$(date +%s)
# no stuck device: bind again at once
race bindnow -i "$IF" > /tmp/bind.log 2>&1; brc=$?
cat /tmp/bind.log
[ "$brc" = 0 ] || tg3cap_fail "the device is stuck after the kills"
# the next start repairs what the last killed reader left, then captures
reader -c 1000 >>/tmp/reader.log 2>&1 & p=$!
n=0
while kill -0 "$p" 2>/dev/null && [ "$n" -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
kill -TERM "$p" 2>/dev/null; wait "$p"
touch /out/stop-kill
rel_done kill
rx1=$(rel_settle)
sleep 1
vm1=$(rel_vmalloc) sl1=$(rel_slab)
echo "KILL kills=$K ringtest=$nt reader=$nr early_exits=$early seconds=$((t1 - t0)) vmalloc_kb=$vm0->$vm1 slab_kb=$sl0->$sl1 files=$(ls /tmp/kc | wc -l)"
cp /tmp/reader.log /out/reader.log
tail -n 15 /tmp/reader.log
tg3cap_log "reader messages about .part files: $(grep -c 'part' /tmp/reader.log)"
mkdir -p /out/kill-files
cp /tmp/kc/* /out/kill-files/ 2>/dev/null
echo "rx_delta=$((rx1 - rx0))" > /out/kill.guest
echo "vmalloc_kb_before=$vm0 vmalloc_kb_after=$vm1 slab_kb_before=$sl0 slab_kb_after=$sl1" > /out/mem.guest
[ "$early" = 0 ] || tg3cap_fail "$early readers ended before SIGKILL"
[ $((vm1 - vm0)) -le 512 ] || tg3cap_fail "VmallocUsed grew by $((vm1 - vm0)) kB"
# On the debug kernel KASAN's quarantine keeps freed objects in Slab;
# kmemleak (after the test, /init) is the leak check there.
[ "${TG3CAP_LEAKCHECK:-0}" = 1 ] || [ $((sl1 - sl0)) -le 2048 ] ||
	tg3cap_fail "Slab grew by $((sl1 - sl0)) kB"
rel_burst burst 3000 3000 1
rel_end
exit 0
