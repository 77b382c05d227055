// SPDX-License-Identifier: GPL-2.0
/*
 * ringtest memcap and memns: the limits on ring memory, the module-wide
 * cap (lwpcap.max_mem_mb), a memory cgroup, and the share of the cap of
 * the files opened in other network namespaces (containers).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/lwpcap.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/lwpring.h"
#include "ringtest.h"

/* Write @val to a sysfs/cgroupfs file: 0 or an errno. */
static int put_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

/* The number a sysfs/cgroupfs file holds, -1 if unreadable. */
static long long get_num(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Bind a new file to @ifname at @point and give it a ring of @mib 1-MiB
 * segments per queue: 0 (the file in *@fdp, or closed if @fdp is NULL)
 * or the errno of the step that failed.
 */
static int ring_at(const char *ifname, int point, uint32_t mib, int *fdp)
{
	struct lwpcap_bind b = { .abi_version = LWPCAP_ABI_VERSION,
				 .point = point };
	struct lwpcap_setup s = { .seg_size = 1u << 20, .nr_segs = mib,
				  .snaplen = 96 };
	int fd, err = 0;

	b.ifindex = if_nametoindex(ifname);
	fd = open(DEV, O_RDWR);
	if (fd < 0)
		return errno;
	if (ioctl(fd, LWPCAP_IOC_BIND, &b) || ioctl(fd, LWPCAP_IOC_SETUP, &s))
		err = errno;
	if (err || !fdp)
		close(fd);
	else
		*fdp = fd;
	return err;
}

/* ring_at() at the capture point of the guest script's case */
static int ring_of(const char *ifname, uint32_t mib, int *fdp)
{
	return ring_at(ifname, ring_point(), mib, fdp);
}

#define PARAM "/sys/module/lwpcap/parameters/"
#define MAXMEM PARAM "max_mem_mb"
#define NSMEM PARAM "netns_mem_pct"
#define NSALLMEM PARAM "netns_all_mem_pct"
#define MIB (1LL << 20)

/* In the memory cgroup @cg (memory.max 16M): charged, refused, uncharged. */
static int memcap_cgroup(const char *ifname, const char *cg)
{
	char cur[256], procs[256];
	long long c0, c1, c2;
	int fd = -1, err;

	snprintf(cur, sizeof(cur), "%s/memory.current", cg);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	err = put_file(procs, "0");
	CHECK(!err, "joining %s: %s", cg, strerror(err));
	c0 = get_num(cur);
	err = ring_of(ifname, 32, NULL);
	CHECK(err == ENOMEM, "32 MiB ring in a 16 MiB cgroup: %s, want ENOMEM",
	      strerror(err));
	err = ring_of(ifname, 8, &fd);
	CHECK(!err, "8 MiB ring in a 16 MiB cgroup: %s", strerror(err));
	c1 = get_num(cur);
	/*
	 * Not all 8 MiB: a memory cgroup charges through a per-CPU stock
	 * of up to 64 pages taken ahead, which memory.current already
	 * held (6.12: 7.76 MiB seen); an uncharged ring adds nothing.
	 */
	CHECK(c0 >= 0 && c1 - c0 >= 7 * MIB,
	      "memory.current %lld -> %lld: the ring was not charged", c0, c1);
	if (fd >= 0)
		close(fd);
	c2 = get_num(cur);
	CHECK(c1 - c2 >= 7 * MIB,
	      "memory.current %lld -> %lld: the ring was not uncharged", c1,
	      c2);
	printf("MEMCAP cgroup: memory.current %lld -> %lld -> %lld kB\n",
	       c0 >> 10, c1 >> 10, c2 >> 10);
	return failures;
}

int cmd_memcap(struct opts *o)
{
	struct lwpcap_setup s = { .seg_size = 1u << 20, .nr_segs = 8,
				  .snaplen = 96 };
	pid_t pid;
	int fd = -1, err, st;

	CHECK(get_num(MAXMEM) == 0, "%s is not 0 at start", MAXMEM);
	err = put_file(MAXMEM, "8");
	CHECK(!err, "writing %s: %s", MAXMEM, strerror(err));
	err = ring_of(o->ifname, 16, NULL);
	CHECK(err == ENOMEM, "16 MiB ring under an 8 MiB cap: %s, want ENOMEM",
	      strerror(err));
	err = ring_of(o->ifname, 4, &fd);
	CHECK(!err, "4 MiB ring under an 8 MiB cap: %s", strerror(err));
	/* a second ring while the first is held passes the cap */
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), ENOMEM);
	if (fd >= 0)
		close(fd);
	/* closing gave it back */
	err = ring_of(o->ifname, 4, NULL);
	CHECK(!err, "4 MiB ring after the first was closed: %s",
	      strerror(err));
	err = put_file(MAXMEM, "0");
	CHECK(!err, "writing %s: %s", MAXMEM, strerror(err));
	err = ring_of(o->ifname, 16, NULL);
	CHECK(!err, "16 MiB ring without a cap: %s", strerror(err));

	if (o->prefix) {
		/* in a child: the cgroup keeps it, the OOM killer may not */
		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(memcap_cgroup(o->ifname, o->prefix) ? 1 : 0);
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && !WEXITSTATUS(st),
		      "cgroup child: %s %d",
		      WIFSIGNALED(st) ? "killed by signal" : "exit status",
		      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	printf("MEMCAP %s (%d failed)\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}


/* Enter the network namespace of file @fd (-1: failed to open it). */
static int enter_ns(int fd, const char *what)
{
	if (fd >= 0 && !setns(fd, CLONE_NEWNET))
		return 0;
	printf("FAIL entering %s: %s\n", what, strerror(errno));
	failures++;
	return -1;
}

/*
 * memns: a file is charged to the network namespace it was opened in.
 * PREFIX1..3 are named namespaces (ip netns add), each with a veth pair
 * v0/v1, and the initial one has a pair v0/v1 too (one ring per device
 * and point).  Under a 32 MiB cap one such namespace may take 25 % (8 MiB),
 * all three together 50 % (16), the initial namespace what is left.  A
 * ring is a little over its segments (its control pages), so 4 + 4 passes
 * 8, and 4 + 4 + 4 + 2 + 2 passes 16.
 */
struct memns_step {
	int ns;			/* 0-2: PREFIX1..3; 3: the initial one */
	const char *dev;	/* a veth at ptype; NULL: -i IF, the case's */
	uint32_t mib;
	bool hold;		/* the file stays open for the steps after */
	int want;		/* 0 or ENOMEM */
	const char *why;
};

static const struct memns_step memns_steps[] = {
	{ 0, "v0", 16, false, ENOMEM, "one namespace's 25 % is 8 MiB" },
	{ 0, "v0", 4, true, 0, "within its share" },
	{ 0, "v1", 4, false, ENOMEM, "4 more pass its 8 MiB" },
	{ 1, "v0", 4, true, 0, "within its share" },
	{ 2, "v0", 4, true, 0, "within its share, 12 in all" },
	{ 0, "v1", 2, true, 0, "within its share, 14 in all" },
	{ 1, "v1", 2, false, ENOMEM, "2 more pass the 16 of all of them" },
	/* what the containers could not take is the host's */
	{ 3, NULL, 16, true, 0, "the initial namespace's, beside 14" },
	{ 3, "v0", 2, false, ENOMEM, "past the cap" },
};

int cmd_memns(struct opts *o)
{
	int self, ns[4], fd[5], nfd = 0, i, err;
	const struct memns_step *st;
	char path[256];
	unsigned int k;

	self = open("/proc/self/ns/net", O_RDONLY);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%d", o->prefix, i + 1);
		ns[i] = open(path, O_RDONLY);
		CHECK(ns[i] >= 0, "%s: %s", path, strerror(errno));
	}
	CHECK(self >= 0, "/proc/self/ns/net: %s", strerror(errno));
	ns[3] = self;
	if (failures)
		return 1;
	CHECK(get_num(MAXMEM) == 0, "%s is not 0 at start", MAXMEM);
	CHECK(get_num(NSMEM) == 25 && get_num(NSALLMEM) == 50,
	      "%s %lld, %s %lld: want 25 and 50 (the defaults)", NSMEM,
	      get_num(NSMEM), NSALLMEM, get_num(NSALLMEM));
	err = put_file(MAXMEM, "32");
	CHECK(!err, "writing %s: %s", MAXMEM, strerror(err));

	for (k = 0; k < sizeof(memns_steps) / sizeof(memns_steps[0]); k++) {
		st = &memns_steps[k];
		snprintf(path, sizeof(path), "namespace %d", st->ns + 1);
		if (enter_ns(ns[st->ns], st->ns == 3 ? "the initial one" : path))
			goto out;
		if (st->dev)
			err = ring_at(st->dev, LWPCAP_POINT_PTYPE, st->mib,
				      st->hold ? &fd[nfd] : NULL);
		else
			err = ring_of(o->ifname, st->mib,
				      st->hold ? &fd[nfd] : NULL);
		CHECK(err == st->want, "step %u, %s, %s: %u MiB: %s, want %s",
		      k + 1, st->ns == 3 ? "initial namespace" : path,
		      st->why, st->mib, strerror(err), strerror(st->want));
		nfd += st->hold && !err;
	}
	printf("MEMNS held %d rings\n", nfd);
	while (nfd)
		close(fd[--nfd]);
	/* closing gave the shares back; the shares are settings */
	if (enter_ns(ns[0], "namespace 1"))
		goto out;
	err = ring_at("v0", LWPCAP_POINT_PTYPE, 4, NULL);
	CHECK(!err, "namespace 1: 4 MiB after the others closed: %s",
	      strerror(err));
	err = put_file(NSMEM, "100");
	CHECK(!err, "writing %s: %s", NSMEM, strerror(err));
	err = put_file(NSALLMEM, "100");
	CHECK(!err, "writing %s: %s", NSALLMEM, strerror(err));
	err = ring_at("v0", LWPCAP_POINT_PTYPE, 16, NULL);
	CHECK(!err, "namespace 1: 16 MiB with shares of 100 %%: %s",
	      strerror(err));
out:
	while (nfd)
		close(fd[--nfd]);
	put_file(NSMEM, "25");
	put_file(NSALLMEM, "50");
	put_file(MAXMEM, "0");
	if (setns(self, CLONE_NEWNET))
		CHECK(0, "back to the initial namespace: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		if (ns[i] >= 0)
			close(ns[i]);
	printf("MEMNS %s (%d failed)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
