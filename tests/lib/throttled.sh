#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# throttled.sh BPS DIR CMD [ARG...] - run CMD with its writes to the block
# device under DIR limited to BPS bytes per second: a slower disk than
# this one, for the tests of what a reader does when the disk is the
# bottleneck.  A cgroup of its own (v1 blkio throttle, or v2 io.max),
# removed after; CMD's exit status is ours.  cgroup v1 throttles only
# writes that bypass the page cache (O_DIRECT: the reader's --io
# direct); v2 also throttles writeback.
#
# With PEAK=FILE in the environment, CMD's peak resident memory (kB,
# VmHWM just before it exits) is written to FILE.
set -euo pipefail

bps=${1:?usage: throttled.sh BPS DIR CMD...}
dir=${2:?usage: throttled.sh BPS DIR CMD...}
shift 2
[ $# -gt 0 ] || { echo "throttled.sh: no command" >&2; exit 2; }
src=$(findmnt -no SOURCE --target "$dir")
mm=$(lsblk -dno MAJ:MIN "$src" | tr -d ' ')
[ -n "$mm" ] || { echo "throttled.sh: no block device under $dir" >&2; exit 1; }

if [ -f /sys/fs/cgroup/blkio/blkio.throttle.write_bps_device ]; then
	top=/sys/fs/cgroup/blkio
	cg=$top/tg3cap-throttled.$$
	mkdir "$cg"
	echo "$mm $bps" >"$cg/blkio.throttle.write_bps_device"
elif grep -qw io /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	top=/sys/fs/cgroup
	echo +io >"$top/cgroup.subtree_control"
	cg=$top/tg3cap-throttled.$$
	mkdir "$cg"
	echo "$mm wbps=$bps" >"$cg/io.max"
else
	echo "throttled.sh: no blkio (v1) or io (v2) cgroup controller" >&2
	exit 1
fi
trap 'rmdir "$cg" 2>/dev/null || true' EXIT

# The command starts in the cgroup: a child that joins it, then execs.
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@" &
pid=$!
peak=0
# until it is a zombie (kill -0 still finds those): its status then
# has no memory lines
while :; do
	st=$(cat "/proc/$pid/status" 2>/dev/null || true)
	state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' <<<"$st")
	case $state in
	Z|X|"") break ;;
	esac
	v=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' <<<"$st")
	[ -z "$v" ] || peak=$v
	sleep 0.1
done
rc=0
wait "$pid" || rc=$?
[ -z "${PEAK:-}" ] || echo "$peak" >"$PEAK"
exit "$rc"
