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
log=$(mktemp /tmp/tg3cap-check.XXXXXX)
trap 'rm -f "$log"' EXIT

count() {
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	pass=$((pass + p))
	fail=$((fail + f))
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

echo "== unit tests, ASan/UBSan build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	TG3CAP_READER="$reader_asan" TG3CAP_TEST_TAG=asan: "$asan" | tee "$log"
rc=$?
count
if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
	echo "FAIL asan: the runner itself failed (exit $rc)"
	fail=$((fail + 1))
fi

if command -v valgrind >/dev/null 2>&1; then
	echo "== unit tests, plain build under valgrind"
	TG3CAP_READER="$reader_plain" TG3CAP_UNDER_VALGRIND=1 \
		TG3CAP_TEST_TAG=valgrind: \
		valgrind -q --error-exitcode=1 --leak-check=full \
		--errors-for-leak-kinds=definite --child-silent-after-fork=no \
		"$plain" | tee "$log"
	rc=$?
	count
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
		echo "FAIL valgrind: the runner itself failed (exit $rc)"
		fail=$((fail + 1))
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
