#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host check of the kill case: every file tg3cap-reader left (after the
# next start's repair) is a valid pcap for capinfos and tcpdump, no .part
# is left (the series' lock file is not a capture).  $1 = OUTDIR.
set -uo pipefail
d=$1/kill-files
n=0 bad=0 pk=0
shopt -s nullglob
for f in "$d"/*; do
	# the series' lock file (tg3cap-reader keeps PREFIX.lock), and the
	# indexes of the completed files (checked by the unit tests)
	case $f in *.lock | *.idx) continue ;; esac
	n=$((n + 1))
	case $f in *.part) echo "  left as .part: ${f##*/}"; bad=$((bad + 1)); continue ;; esac
	if ! capinfos -M "$f" >/dev/null 2>"$1/capinfos.err"; then
		echo "  capinfos ${f##*/}: $(head -n1 "$1/capinfos.err")"; bad=$((bad + 1)); continue
	fi
	c=$(tcpdump -nn -r "$f" 2>/dev/null | wc -l) ||
		{ echo "  tcpdump ${f##*/} failed"; bad=$((bad + 1)); continue; }
	pk=$((pk + c))
done
echo "  kill files: $n checked, $bad bad, $pk packets"
[[ $n -gt 0 && $bad == 0 ]]
