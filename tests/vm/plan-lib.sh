# shellcheck shell=bash
# One VM boot for several cases (run-vm.sh --plan), for the suites that
# group their cases by what a boot must have (tests/capture/run.sh,
# tests/reliability/run.sh): ". "$VM/plan-lib.sh"".
#
# The suite defines case_setup CASE (sets $test, the guest script, and
# the array cargs, its KEY=VALUE arguments) and check_case DIR CASE
# (sets ok=0 on a failure, saying why); these keep the rest: which boot
# a case joins, the plan file, and the count.

declare -a BOOTS=()
declare -A BCASES=()
PASSED=0 FAILED=0
declare -a SUMMARY=()

# plan_join BOOT CASE: CASE runs in the boot named BOOT (boots keep the
# order in which they were first named)
plan_join()
{
	[[ -n ${BCASES[$1]+x} ]] || BOOTS+=("$1")
	BCASES[$1]+=" $2"
}

# plan_cases BOOT: its cases, into the array gc
plan_cases()
{
	# shellcheck disable=SC2034 # the caller's
	read -ra gc <<<"${BCASES[$1]}"
}

# plan_write FILE CASE...: the plan of one boot, "NAME SCRIPT KEY=VAL..."
plan_write()
{
	local f=$1 c
	shift
	: >"$f"
	for c; do
		case_setup "$c"
		# shellcheck disable=SC2154 # set by the suite's case_setup
		echo "$c $test ${cargs[*]}" >>"$f"
	done
}

# plan_tally SUITE BOOTDIR VMRC CASE...: check each case's output
# (BOOTDIR/CASE), count it; a failed VM run that no case is blamed for
# (the leak check after the last case, the timeout, a host command)
# counts one failure more, with the end of its log
plan_tally()
{
	local suite=$1 gout=$2 vmrc=$3 c t
	shift 3
	for c; do
		ok=1
		check_case "$gout/$c" "$c"
		# the guest's time for the case, boot and leak check not in it
		t=$(cat "$gout/$c/seconds" 2>/dev/null || true)
		t=${t:+ (${t} s)}
		if [[ $ok == 1 ]]; then
			PASSED=$((PASSED + 1)); SUMMARY+=("PASS $suite/$c$t")
		else
			FAILED=$((FAILED + 1))
			SUMMARY+=("FAIL $suite/$c ($gout/$c)$t")
		fi
	done
	if [[ $vmrc != 0 ]]; then
		tail -n 40 "$gout/run-vm.log" | sed 's/^/  | /'
		FAILED=$((FAILED + 1))
		SUMMARY+=("FAIL $suite/$(basename "$gout"): the VM run ($gout)")
	fi
}

# plan_summary SUITE: the verdicts, the count last; fails on any failure
plan_summary()
{
	printf '%s\n' "${SUMMARY[@]}"
	echo "$1: $PASSED passed, $FAILED failed"
	[[ $FAILED == 0 ]]
}
