#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh ASAN_TESTS PLAIN_TESTS ASAN_READER PLAIN_READER - run the unit
# tests twice:
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

# One pass after the other: run at once (tried 2026-12-06, 3 min instead
# of 5), the ASan pass's CPU hogs (the loss-by-cause tests pin a busy
# loop to CPU 0) and its load made the valgrind pass's timing cases fail
# (out_strftime_names: -G 1 and -W 3 left 2 files once in six runs).
echo "== unit tests, ASan/UBSan build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	TG3CAP_READER="$reader_asan" TG3CAP_TEST_TAG=asan: "$asan" 2>&1 |
	tee "$loga"
report asan "$loga" "${PIPESTATUS[0]}"

echo "== unit tests, plain build under valgrind"
TG3CAP_READER="$reader_plain" TG3CAP_UNDER_VALGRIND=1 \
	TG3CAP_TEST_TAG=valgrind: \
	valgrind -q --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite --child-silent-after-fork=no \
	"$plain" 2>&1 | tee "$logv"
report valgrind "$logv" "${PIPESTATUS[0]}"

# where the suite's time goes (both passes)
echo "== slowest tests"
sed -n 's/^\(PASS\|FAIL\) \(.*\) (\([0-9.]*\) s)$/\3 \2/p' "$all" |
	sort -rn | head -n 8 | sed 's/^/  /'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
