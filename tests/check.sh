#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite (make check), or its fast part (--fast: no kernel
# module builds, no VM).  Each suite prints "N passed, M failed" last;
# this adds them up and prints the same line for everything.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
fast=0
[ "${1:-}" = --fast ] && fast=1

declare -a suites
if [ "$fast" = 1 ]; then
	suites=("unit:make -C userland check"
		"drift:driver/mkpatch.sh --check")
else
	suites=("hygiene:driver/hygiene.sh"
		"unit:make -C userland check"
		"rig:env BUILD_DIR=$top/build/vm tests/vm/rig-selftest.sh"
		"capture:tests/capture/run.sh"
		"reader:tests/reader/run.sh"
		"reliability:env REL_BUILD=1 tests/reliability/run.sh"
		"capture-dbg:tests/capture/run.sh --debug-kernel"
		"bench:bench/run.sh --quick"
		"kunit:tests/kunit/run.sh"
		"demo:tests/demo.sh --out build/demo-out"
		"demo-pcap:tests/demo-pcap.sh"
		"appliance:tests/appliance/run.sh")
fi

P=0 F=0
declare -a lines
for s in "${suites[@]}"; do
	name=${s%%:*} cmd=${s#*:}
	log=$top/build/check-$name.log
	mkdir -p "$top/build"
	echo "=== $name: $cmd"
	t0=$(date +%s)
	$cmd 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	t=$(( $(date +%s) - t0 ))
	sum=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	p=$(sed -n 's/.*\b\([0-9]\+\) passed.*/\1/p' <<<"$sum")
	f=$(sed -n 's/.*passed, \([0-9]\+\) failed.*/\1/p' <<<"$sum")
	if [ -z "$sum" ]; then
		# a suite without a count still passes or fails as a whole
		p=$((rc == 0)) f=$((rc != 0))
	elif [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then
		f=1
	fi
	P=$((P + p)) F=$((F + f))
	lines+=("$(printf '%-8s %4d passed %3d failed  %4ds  (exit %d)' \
		"$name" "$p" "$f" "$t" "$rc")")
done
echo "=== summary"
printf '%s\n' "${lines[@]}"
echo "$P passed, $F failed"
[ "$F" = 0 ]
