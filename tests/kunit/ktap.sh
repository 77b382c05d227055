# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The tg3 KUnit suite's results, read from a guest's console: sourced by
# tests/kunit/run.sh (a boot of its own) and tests/reliability/run.sh
# (its "kunit" case: tg3.ko loaded in the e1000 boot, issue 24).
#
# ktap_count CONSOLE TREE OUTDIR: the KTAP lines of CONSOLE parsed by the
# kernel's own tools/testing/kunit/kunit.py (of TREE) into OUTDIR; sets
# KPASS and KFAIL, the cases of every suite; returns non-zero when a
# case failed or the log cannot be parsed (then KPASS and KFAIL may
# both be 0).

ktap_count()
{
	local console=$1 tree=$2 out=$3 counts rc=0

	KPASS=0 KFAIL=0
	# The module's suite is a subtest without a top-level plan (the
	# plan the kernel printed at boot, "1..0", counts the built-in
	# suites): give it one, and drop the printk timestamps so that the
	# KTAP indentation stays.
	{
		printf 'KTAP version 1\n1..1\n'
		tr -d '\r' <"$console" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' |
			sed -n '/^    KTAP version/,$p'
	} >"$out/ktap.log"
	python3 "$tree/tools/testing/kunit/kunit.py" parse \
		--json="$out/results.json" "$out/ktap.log" \
		>"$out/parse.log" 2>&1 || rc=1
	sed -n '/Testing complete\|PASSED\|FAILED\|CRASHED/p' "$out/parse.log"
	counts=$(python3 - "$out/results.json" <<'PY' 2>/dev/null || echo "0 0"
import json, sys

def walk(g):
    for c in g.get("test_cases", []):
        yield c
    for s in g.get("sub_groups", []):
        yield from walk(s)

with open(sys.argv[1]) as f:
    cases = list(walk(json.load(f)))
ok = sum(c["status"] == "PASS" for c in cases)
print(ok, len(cases) - ok)
PY
)
	read -r KPASS KFAIL <<<"$counts"
	return $rc
}
