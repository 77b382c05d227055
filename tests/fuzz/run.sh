#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/fuzz/run.sh - build and run the libFuzzer targets of tests/fuzz.
#
#   tests/fuzz/run.sh [--seconds N] [--jobs J] [--soak] [TARGET...]
#
# Builds each target (clang-14, ASan, UBSan, libFuzzer) into build/fuzz/,
# copies its seeds (tests/fuzz/corpus/NAME) into a scratch corpus under
# build/fuzz/, and runs it for N seconds (default 30; 3600 with --soak),
# at most J targets at once (default 2), leak detection on.  --soak keeps
# the scratch corpus of earlier soak runs (build/fuzz/soak/NAME) and
# adds what it finds there; without it each run starts from the seeds.
# A crash, a sanitizer report, a leak, a failed check of a target, a
# slow input (-timeout), running out of memory, a build failure or a
# missing compiler fails the target; the input that did it is kept
# under build/fuzz/crashes/.  One line per target:
#   PASS fuzz-NAME: X execs, cov Y, ft Z
#   FAIL fuzz-NAME: why
# then "N passed, M failed" as the last line; the exit status is non-zero
# on any failure.

set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ=$ROOT/tests/fuzz
UL=$ROOT/userland
OUT=${BUILD_DIR:-$ROOT/build}/fuzz
CC=${FUZZ_CC:-clang-14}
# llvm-14's, so that reports name functions and lines
SYMBOLIZER=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$SYMBOLIZER" ] || SYMBOLIZER=$(command -v llvm-symbolizer)

ALL_TARGETS="pcap pcapng repair num cli series index catalog xquery"

# The userland sources each target links ("?": only if it exists; the
# file naming code moves from repair.c to series.c).
srcs_of() {
	local idx="pktindex.c idxwrite.c crc32c.c framekeys.c capfile.c"

	case $1 in
	pcap)	echo "pcapfile.c pcapng.c" ;;
	pcapng)	echo "pcapng.c" ;;
	repair)	echo "repair.c series.c? pcapfile.c pcapng.c util.c $idx" ;;
	num)	echo "util.c" ;;
	cli)	echo "cli.c device.c repair.c series.c? pcapfile.c pcapng.c" \
		     "util.c $idx" ;;
	series)	echo "series.c repair.c pcapfile.c pcapng.c util.c $idx" ;;
	index)	echo "$idx pcapfile.c pcapng.c util.c" ;;
	catalog) echo "catalog.c util.c" ;;
	xquery)	echo "extract_query.c $idx pcapfile.c pcapng.c util.c" ;;
	esac
}

libs_of() {
	case $1 in
	repair | xquery) echo "-lpcap" ;;
	esac
}

usage() {
	echo "usage: $0 [--seconds N] [--jobs J] [--soak] [TARGET...]" >&2
	echo "targets: $ALL_TARGETS" >&2
	exit 2
}

seconds=
jobs=2
soak=0
targets=
while [ $# -gt 0 ]; do
	case $1 in
	--seconds)
		[ $# -ge 2 ] || usage
		seconds=$2
		shift 2 ;;
	--seconds=*)
		seconds=${1#--seconds=}
		shift ;;
	--jobs)
		[ $# -ge 2 ] || usage
		jobs=$2
		shift 2 ;;
	--jobs=*)
		jobs=${1#--jobs=}
		shift ;;
	--soak)
		soak=1
		shift ;;
	-h|--help)
		usage ;;
	-*)
		usage ;;
	*)
		case " $ALL_TARGETS " in
		*" $1 "*) targets="$targets $1" ;;
		*) echo "$0: no target '$1'" >&2; usage ;;
		esac
		shift ;;
	esac
done
if [ -z "$seconds" ]; then
	seconds=30
	[ $soak = 1 ] && seconds=3600
fi
case $seconds$jobs in
*[!0-9]*) usage ;;
esac
if [ "$seconds" -lt 1 ] || [ "$jobs" -lt 1 ]; then
	usage
fi
[ -n "$targets" ] || targets=$ALL_TARGETS

mkdir -p "$OUT/crashes" "$OUT/logs" "$OUT/results" || exit 1
rm -f "$OUT"/results/*

# The repair target writes its files here: a tmpfs, as the brief of
# issue 25 asks, removed at exit whatever happened.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMP=$(mktemp -d /dev/shm/tg3cap-fuzz.XXXXXX) || exit 1
else
	TMP=$(mktemp -d "$OUT/tmp.XXXXXX") || exit 1
fi
trap 'rm -rf "$TMP"' EXIT

result() {	# NAME LINE: record and print a target's verdict
	echo "$2" > "$OUT/results/$1"
	echo "$2"
}

build() {	# NAME: build fuzz-NAME; 0 or the reason on stdout
	local name=$1 s srcs='' log=$OUT/logs/build-$1.log

	for s in $(srcs_of "$name"); do
		case $s in
		*\?)
			s=${s%\?}
			[ -f "$UL/$s" ] || continue ;;
		esac
		srcs="$srcs $UL/$s"
	done
	# shellcheck disable=SC2046,SC2086 # word lists
	if ! "$CC" -std=gnu11 -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Wall -Wextra -D_GNU_SOURCE \
		-I"$FUZZ" -I"$UL" -I"$ROOT/driver/include/uapi" -pthread \
		-o "$OUT/fuzz-$name" "$FUZZ/fuzz_$name.c" "$FUZZ/fuzz.c" \
		$srcs $(libs_of "$name") >"$log" 2>&1; then
		echo "build failed (log: $log)"
		return 1
	fi
	return 0
}

# What went wrong, from a libFuzzer log: the first report line.
why() {
	local san='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer'

	grep -a -m1 -E "==FUZZ CHECK FAILED==|ERROR: ($san|libFuzzer)|runtime error:" "$1" |
		sed -e 's/^==[0-9]*==//' -e 's/^[[:space:]]*//' | cut -c1-300
}

run() {		# NAME: fuzz it for $seconds, record the verdict
	local name=$1 bin=$OUT/fuzz-$1 log=$OUT/logs/$1.log corpus rc
	local art execs cov ft reason input
	local -a dict=()

	if [ $soak = 1 ]; then
		corpus=$OUT/soak/$name
	else
		corpus=$OUT/work/$name
		rm -rf "$corpus"
	fi
	mkdir -p "$corpus" || return
	cp "$FUZZ/corpus/$name"/* "$corpus/" 2>/dev/null
	[ -f "$FUZZ/$name.dict" ] && dict=(-dict="$FUZZ/$name.dict")
	art=$OUT/crashes/$name-
	# -timeout: one input may take 10 s; the outer timeout catches a
	# run that does not end by itself.
	ASAN_SYMBOLIZER_PATH=$SYMBOLIZER \
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	TG3CAP_FUZZ_TMP=$TMP \
	timeout -k 10 $((seconds + 300)) "$bin" \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-detect_leaks=1 -print_final_stats=1 \
		"-artifact_prefix=$art" "${dict[@]}" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	reason=$(why "$log")
	if [ $rc = 0 ] && [ -z "$reason" ] && [ -n "$execs" ]; then
		result "$name" "PASS fuzz-$name: $execs execs, cov ${cov:-0}, ft ${ft:-0}"
		return
	fi
	input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
		tail -n1)
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		reason="did not end within $((seconds + 300)) s"
	fi
	[ -n "$reason" ] || reason="exit status $rc"
	if [ -n "$input" ]; then
		result "$name" "FAIL fuzz-$name: $reason; input: $input (log: $log)"
	else
		result "$name" "FAIL fuzz-$name: $reason (log: $log)"
	fi
}

if ! command -v "$CC" >/dev/null 2>&1; then
	for t in $targets; do
		result "$t" "FAIL fuzz-$t: $CC not found (make deps installs clang-14 and libclang-rt-14-dev)"
	done
else
	for t in $targets; do
		reason=$(build "$t") || result "$t" "FAIL fuzz-$t: $reason"
	done
	for t in $targets; do
		[ -f "$OUT/results/$t" ] && continue
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n
		done
		run "$t" &
	done
	wait
fi

pass=0
fail=0
for t in $targets; do
	if grep -q '^PASS' "$OUT/results/$t" 2>/dev/null; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
