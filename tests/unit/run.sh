#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh ASAN_TESTS PLAIN_TESTS ASAN_READER PLAIN_READER - run the unit
# tests twice, both passes at once but for the tests that measure the
# machine, which run alone after them:
#
#   asan:      the ASan/UBSan build (leaks, overflows, UB abort a test);
#              the CLI tests run the ASan build of tg3cap-reader
#   valgrind:  the plain build under valgrind --error-exitcode=1
#              --leak-check=full (each test runs in a forked child, and
#              valgrind checks every child on exit)
#
# Test cases of both runs are counted; the last line is
# "N passed, M failed" and the exit status is non-zero on any failure,
# including a missing tool or a runner that did not finish.
set -u -o pipefail

asan=$1
plain=$2
reader_asan=$3
reader_plain=$4
export TG3CAP_MANPAGE
TG3CAP_MANPAGE="$(cd "$(dirname "$reader_plain")" && pwd)/tg3cap-reader.8"

pass=0
fail=0
loga=$(mktemp /tmp/tg3cap-check.XXXXXX)
logv=$(mktemp /tmp/tg3cap-check.XXXXXX)
all=$(mktemp /tmp/tg3cap-check.XXXXXX)
trap 'rm -f "$loga" "$logv" "$all"' EXIT

# the tests whose point is the machine's time: a CPU hog pinned to CPU 0
# and the drain thread's share of a core (loss by cause), a throttled
# disk (slowdisk), retention racing a 100 kpps capture on a small ext4;
# harness.c: a name matches by substring, "!NAME" leaves it out
alone=(metrics_loss_pass metrics_reader_cpu slowdisk_ cli_retention)
rest=()
for a in "${alone[@]}"; do
	rest+=("!$a")
done

# pass_asan LOG TESTS...: the ASan/UBSan pass; RC set
pass_asan() {
	local log=$1

	shift
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1 \
	TG3CAP_READER="$reader_asan" TG3CAP_TEST_TAG=asan: "$asan" "$@" \
		>"$log" 2>&1
}

# pass_valgrind LOG TESTS...: the plain build under valgrind
pass_valgrind() {
	local log=$1

	shift
	TG3CAP_READER="$reader_plain" TG3CAP_UNDER_VALGRIND=1 \
	TG3CAP_TEST_TAG=valgrind: \
	valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite --child-silent-after-fork=no \
		"$plain" "$@" >"$log" 2>&1
}

# report NAME LOG RC: a pass's counts, and a runner that died without
# saying which test failed
report() {
	cat "$2" >>"$all"
	pass=$((pass + $(grep -c '^PASS ' "$2")))
	fail=$((fail + $(grep -c '^FAIL ' "$2")))
	if [ "$3" -ne 0 ] && ! grep -q '^FAIL ' "$2"; then
		echo "FAIL $1: the runner itself failed (exit $3)"
		fail=$((fail + 1))
	fi
}

if [ "$(id -u)" != 0 ]; then
	echo "FAIL run.sh: the tests mount tmpfs and must run as root" >&2
	fail=$((fail + 1))
fi
for tool in capinfos tcpdump tshark valgrind man groff; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "FAIL run.sh: $tool is missing; run 'make deps'" >&2
		fail=$((fail + 1))
	fi
done

# the tests' shell helpers (throttled.sh)
export TG3CAP_TESTLIB
TG3CAP_TESTLIB=$(cd "$(dirname "$0")/../lib" && pwd)

# promtool checks the --metrics files (tests/lib/promtool.sh fetches it)
export TG3CAP_PROMTOOL
if ! TG3CAP_PROMTOOL=$("$(dirname "$0")/../lib/promtool.sh"); then
	echo "FAIL run.sh: no promtool (tests/lib/promtool.sh failed)" >&2
	fail=$((fail + 1))
fi

# The two passes at once (most of their time is waiting: rotation
# periods, timeouts, the readers they start; valgrind serialises its
# threads on one core): 3 minutes instead of 6 (2026-12-06).  Tried for
# every test, a valgrind timing case failed once in six runs beside the
# ASan pass's CPU hogs: the tests in @alone run after, one at a time.
echo "== unit tests: the ASan/UBSan build and, at the same time, the plain build under valgrind"
pass_asan "$loga" "${rest[@]}" &
pa=$!
pass_valgrind "$logv" "${rest[@]}" &
pv=$!
rca=0 rcv=0
wait $pa || rca=$?
wait $pv || rcv=$?
echo "== unit tests, ASan/UBSan build"
cat "$loga"
report asan "$loga" $rca
echo "== unit tests, plain build under valgrind"
cat "$logv"
report valgrind "$logv" $rcv

echo "== unit tests that measure the machine, alone: ${alone[*]}"
rc=0
pass_asan "$loga" "${alone[@]}" || rc=$?
cat "$loga"
report asan-alone "$loga" $rc
for a in "${alone[@]}"; do	# a renamed test would leave both passes
	grep -q "^[A-Z]* asan:[^ ]*$a" "$loga" ||
		{ echo "FAIL run.sh: no test named *$a*"; fail=$((fail + 1)); }
done
rc=0
pass_valgrind "$logv" "${alone[@]}" || rc=$?
cat "$logv"
report valgrind-alone "$logv" $rc

# where the suite's time goes (both passes)
echo "== slowest tests"
sed -n 's/^\(PASS\|FAIL\) \(.*\) (\([0-9.]*\) s)$/\3 \2/p' "$all" |
	sort -rn | head -n 8 | sed 's/^/  /'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
