#!/bin/sh
# Negative rig test: a guest test that fails must give a FAIL verdict.
# shellcheck disable=SC1091 # guest path
. /lib/tg3cap/lib.sh
tg3cap_fail "deliberate failure"
