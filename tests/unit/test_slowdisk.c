// SPDX-License-Identifier: GPL-2.0
/*
 * test_slowdisk.c - the reader on a disk slower than its frames: an ext4
 * loop device whose writes a cgroup throttles (tests/lib/throttled.sh),
 * --io direct (cgroup v1 throttles only writes that bypass the page
 * cache).  A disk too slow must show as ring drops charged to the disk,
 * with the reader's memory bounded, never as memory that grows with the
 * backlog until the service's MemoryMax or the OOM killer ends it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define SLOW_BPS	10000000ULL	/* 10 MB/s */

/*
 * Files smaller than the writer's staging limit (2 x 16 MiB): 160 MB of
 * records in 4 s to a disk of 10 MB/s.  Before the limit counted the
 * files the writer had left, each rotation started a new allowance:
 * 131 MB resident for 120 MB sent, no ring drop, no wait.  Now the
 * drain thread waits at the rotation and the ring overflows instead.
 * A fast disk's run of the same reader (ASan build) peaks at ~35 MB.
 */
static int t_bounded(void)
{
	char dir[256], img[256], args[1024], log[300];
	static char text[65536];
	unsigned long peak;
	int ret;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	CHECK(!tmpdir_make(img, sizeof(img)));
	CHECK(!ext4_mount(img, 512, dir));
	snprintf(log, sizeof(log), "%s/log", img);
	snprintf(args, sizeof(args),
		 "--fake-source 160000:1000:1:40000 --ring-size 4m -w %s/cap -s 1000 -C 8m --io direct",
		 dir);
	ret = rd_throttled(SLOW_BPS, dir, args, log, &peak);
	umount2(dir, 0);
	CHECK(!read_text(log, text, sizeof(text)));
	CHECKF(ret == 0, "exit %d: %s", ret, text);
	CHECKF(!strstr(text, "refuses O_DIRECT"), "%s", text);
	CHECKF(peak > 0 && peak < 100000, "peak %lu kB resident: %s", peak,
	       text);
	/* the backlog went to the ring, which overflowed */
	CHECKF(!strstr(text, "ring full: 0)") && !strstr(text, "swapper waits 0,"),
	       "%s", text);
	tmpdir_remove(img);
	tmpdir_remove(dir);
	return 0;
}

/* The drain thread waits for the writer: the drops are the disk's. */
static int t_charged_to_disk(void)
{
	char dir[256], img[256], path[300], args[1024], log[300];
	static char text[65536];
	unsigned long peak;
	int ret;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	CHECK(!tmpdir_make(img, sizeof(img)));
	CHECK(!ext4_mount(img, 512, dir));
	snprintf(path, sizeof(path), "%s/tg3cap.prom", img);
	snprintf(log, sizeof(log), "%s/log", img);
	snprintf(args, sizeof(args),
		 "--fake-source 120000:1000:1:40000 --ring-size 4m -w %s/cap -s 1000 -C 32m --io direct --metrics %s",
		 dir, path);
	ret = rd_throttled(SLOW_BPS, dir, args, log, &peak);
	umount2(dir, 0);
	CHECK(!read_text(log, text, sizeof(text)));
	CHECKF(ret == 0, "exit %d: %s", ret, text);
	CHECKF(strstr(text, "ring full by cause: disk "), "%s", text);
	CHECK(!read_text(path, text, sizeof(text)));
	CHECK(!prom_mostly(text, "disk"));
	tmpdir_remove(img);
	tmpdir_remove(dir);
	return 0;
}

const struct test slowdisk_tests[] = {
	{ "slowdisk_memory_bounded", t_bounded },
	{ "slowdisk_drops_charged_to_disk", t_charged_to_disk },
};
const unsigned int slowdisk_tests_n = ARRAY_SIZE(slowdisk_tests);
