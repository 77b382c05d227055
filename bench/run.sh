#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the benchmarks of issue 6 (make bench).
#
#   bench/run.sh            capacity (host, ~5 min), cgcount (callgrind
#                           instructions per packet, ~1 min), then the
#                           loss sweeps of docs/results.md section 2
#                           (--loss below); tables, ratios and plots in
#                           build/bench/out/ (capacity.txt, disk.txt,
#                           loss60/, lossbig/, count/)
#   bench/run.sh --loss     only the loss sweeps (make bench-loss, ~80 min
#                           on 2 idle cores), every tool in every boot:
#                           64-byte frames, 8 rates, 5 repetitions (~25
#                           min); 256 and 1514 bytes, 6 rates, 5
#                           repetitions (~40 min); the counting table, 5
#                           rates, 3 repetitions (~10 min)
#   bench/run.sh --quick    capacity on tiny sizes only (< 1 min; for
#                           make check): exit non-zero if a frame is
#                           unaccounted for; filtercost --quick (a few s);
#                           vm-loss --quick (one boot, 2 rates x divert,
#                           tcpdump, netsniff-ng, ~2 min: the loss
#                           table's accounting, not its rates)
#   In every mode, filtercost prints the ns per packet of a capture
#   filter in the reader against a memcpy of the record, with the load
#   (uptime) of the run; build/bench/out/filtercost.txt
#   bench/run.sh --vm-quick vm-loss smoke test (2 rates x 3 tools, ~4 min)
#   disk (full mode, after capacity; ~10-20 min, 3x the dirty threshold
#   per run): sustained capture to the work disk against fio O_DIRECT and
#   pcap_dump, a time series and build/bench/out/disk.png; --quick runs
#   its 256 MB accounting check
#
# Extra arguments after -- go to every vm-loss run (e.g. -- --reps 3).
# Exit status: non-zero if any benchmark failed or lost a frame it cannot
# account for.  Needs root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=full
declare -a vmargs=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick) mode=quick ;;
	--vm-quick) mode=vm-quick ;;
	--loss) mode=loss ;;
	--) shift; vmargs=("$@"); break ;;
	*) sed -n '3,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
	shift
done
rc=0
t0=$(date +%s)
bench_dir=${BUILD_DIR:-$here/../build}/bench

# The three sweeps of docs/results.md section 2, each in its own folder.
loss() {
	local o=$bench_dir/out
	"$here/vm-loss" --out "$o/loss60" "$@" || return 1
	"$here/vm-loss" --sizes 252,1510 --rates 10000,20000,50000,80000,100000,200000 \
		--out "$o/lossbig" "$@" || return 1
	"$here/vm-loss" --table count --rates 50000,75000,100000,150000,200000 \
		--reps 3 --out "$o/count" "$@"
}

# The filter's cost per packet, with the machine's load next to it.
filtercost() {
	make -s -C "$here" >/dev/null || return 1
	mkdir -p "$bench_dir/out"
	# a subshell (left of the pipe): its exit status is the pipeline's
	{
		echo "load before: $(uptime)"
		"$bench_dir/filtercost" "$@"
		r=$?
		echo "load after:  $(uptime)"
		exit $r
	} | tee "$bench_dir/out/filtercost.txt"
}
case $mode in
quick)
	"$here/capacity" --quick || rc=1
	"$here/disk" --quick || rc=1
	filtercost --quick || rc=1
	"$here/vm-loss" --quick || rc=1 ;;
vm-quick)
	"$here/vm-loss" --quick || rc=1 ;;
full)
	"$here/capacity" || rc=1
	"$here/disk" || rc=1
	filtercost || rc=1
	"$here/cgcount" || rc=1
	loss ${vmargs[@]+"${vmargs[@]}"} || rc=1 ;;
loss)
	loss ${vmargs[@]+"${vmargs[@]}"} || rc=1 ;;
esac
echo "bench ($mode): $(( $(date +%s) - t0 )) s, $([[ $rc == 0 ]] && echo passed || echo FAILED)"
exit $rc
