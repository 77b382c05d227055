// SPDX-License-Identifier: GPL-2.0
/*
 * ringtest - exercise /dev/lwpcap from inside the test VM.
 *
 * Unlike tg3cap-reader, this tool walks every record, so that it can
 * check the ring's invariants (record bounds, segment table, timestamps,
 * counters) instead of trusting them.
 *
 *   ringtest capture -i IF -o PREFIX [--seg-size B] [--nr-segs N]
 *                    [-s SNAPLEN] [--mode tap|divert|default]
 *                    [--ready FILE] [--snaplen-after N:LEN] [--hold]
 *       capture until SIGTERM/SIGINT, then deactivate, drain and write
 *       PREFIX.qN.pcap per queue; prints per-queue and total counts.
 *       --hold reads nothing before the signal, to fill the ring.
 *       --stall also times, each turn, a poll() that may not wait plus
 *       a GET_STATS: what another reader's locks cost this one (STALL
 *       line: percentiles and counts over 1 ms and 10 ms).
 *   ringtest churn -i IF [-n SECONDS] [--mode M] [--ready FILE]
 *       a reader's whole life (bind, set up, map, activate, deactivate
 *       or not, close) in a loop until SIGTERM or SECONDS, at nice 19;
 *       CHURN line.
 *   ringtest errnos -i IF
 *       every bad argument gets its documented errno.
 *   ringtest memcap -i IF [-o CGROUP_DIR]
 *       the module-wide cap (max_mem_mb) refuses and gives back ring
 *       memory; in CGROUP_DIR (memory.max 16M) a ring is charged to the
 *       cgroup, one past its limit is refused with ENOMEM (not killed).
 *   ringtest memns -i IF -o NETNS_PREFIX
 *       a file is charged to the network namespace it was opened in:
 *       one other than the initial one may take 25 % of the cap, all of
 *       them 50 % (namespaces NETNS_PREFIX1..3, each with a veth pair
 *       v0/v1, and a pair v0/v1 in the initial one).
 *   ringtest latency -i IF -n COUNT [--ready FILE]
 *       poll() wake-up to reader: time from the kernel's receive
 *       timestamp to the reader holding the record, for COUNT frames.
 *   ringtest activate -i IF --mode M --expect STEP:ERRNO|ok
 *       open, bind, set up and activate in mode M; exit 0 only if the
 *       first failing step and its errno (e.g. activate:EPERM) are the
 *       expected ones, or everything worked and "ok" was expected.
 *   ringtest nsfd -i IF
 *       a child drops to nobody, makes a user and network namespace of
 *       its own, opens the device there and passes the file over a unix
 *       socket; this process (root, in the initial namespace) must not
 *       be able to bind IF with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/lwpcap.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/lwpring.h"
#include "ringtest.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct queue_out {
	FILE *f;
	uint32_t cons;
	uint64_t records;
	uint64_t bytes;
	uint64_t last_ts;
	uint32_t max_caplen;
};

int failures;

static void pcap_header(FILE *f, uint32_t snaplen)
{
	uint32_t h[6] = { 0xa1b23c4d, 2 | (4 << 16), 0, 0, snaplen, 1 };

	fwrite(h, sizeof(h), 1, f);
}

/* Per record: timestamps never go back; write it and count it. */
static int out_rec(void *ctx, unsigned int q, const struct lwpcap_rec_hdr *h,
		   const uint8_t *rec)
{
	uint64_t ts = (uint64_t)h->ts_sec * 1000000000ull + h->ts_nsec;
	struct queue_out *o = ctx;

	if (ts < o->last_ts || h->ts_nsec >= 1000000000u) {
		printf("FAIL q%u: timestamp went back\n", q);
		return -1;
	}
	o->last_ts = ts;
	if (o->f)
		fwrite(rec, sizeof(*h) + h->caplen, 1, o->f);
	if (h->caplen > o->max_caplen)
		o->max_caplen = h->caplen;
	o->records++;
	o->bytes += h->caplen;
	return 0;
}

/*
 * Drain queue @q into @o, checking every record.  Returns records read,
 * or -1 after a broken invariant (reported).
 */
static long drain(struct ring *r, unsigned int q, struct queue_out *o,
		  uint32_t snap_max)
{
	return ring_walk(r, q, &o->cons, snap_max, out_rec, o);
}

static int get_stats(struct ring *r, struct lwpcap_queue_stats *qs,
		     unsigned int nq)
{
	struct lwpcap_stats st = {
		.nr_queues = nq,
		.queues = (uintptr_t)qs,
	};

	if (ioctl(r->fd, LWPCAP_IOC_GET_STATS, &st)) {
		fprintf(stderr, "get_stats: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static uint32_t parse_u32(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > UINT32_MAX) {
		fprintf(stderr, "bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static uint32_t parse_mode(const char *s)
{
	if (!strcmp(s, "tap"))
		return LWPCAP_MODE_TAP;
	if (!strcmp(s, "divert"))
		return LWPCAP_MODE_DIVERT;
	if (!strcmp(s, "default"))
		return LWPCAP_MODE_DEFAULT;
	fprintf(stderr, "bad mode: %s\n", s);
	exit(2);
}

static void touch(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Durations of the probe (poll + GET_STATS) of capture --stall. */
#define STALL_MAX 200000

struct stall {
	uint32_t *us;
	size_t n;
	uint64_t max_us, sum_us;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void stall_add(struct stall *s, uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (us > s->max_us)
		s->max_us = us;
	s->sum_us += us;
	if (s->n < STALL_MAX)
		s->us[s->n++] = us > UINT32_MAX ? UINT32_MAX : us;
}

/* One line: how long a bound, active reader's poll() + GET_STATS took. */
static void stall_report(struct stall *s)
{
	size_t i, over1 = 0, over10 = 0;

	if (!s->n) {
		printf("STALL samples=0\n");
		return;
	}
	qsort(s->us, s->n, sizeof(*s->us), cmp_u32);
	for (i = 0; i < s->n; i++) {
		over1 += s->us[i] > 1000;
		over10 += s->us[i] > 10000;
	}
	printf("STALL samples=%zu avg_us=%llu p50_us=%u p99_us=%u max_us=%llu over1ms=%zu over10ms=%zu\n",
	       s->n, (unsigned long long)(s->sum_us / s->n), s->us[s->n / 2],
	       s->us[s->n * 99 / 100], (unsigned long long)s->max_us, over1,
	       over10);
}

static int cmd_capture(struct opts *o)
{
	struct lwpcap_queue_stats qs[LWPCAP_MAX_QUEUES];
	struct queue_out out[LWPCAP_MAX_QUEUES];
	struct stall st = { 0 };
	uint64_t total = 0, drops = 0, missed = 0, m;
	uint32_t snap_max = o->snaplen;
	bool snap_done = !o->snap_after;
	struct ring r;
	unsigned int q, nq;
	char path[512];

	if (ring_open(&r, o->ifname, o->seg_size, o->nr_segs, o->snaplen))
		return 1;
	nq = r.setup.nr_queues;
	if (o->snap_new > snap_max)
		snap_max = o->snap_new;
	memset(out, 0, sizeof(out));
	for (q = 0; q < nq; q++) {
		snprintf(path, sizeof(path), "%s.q%u.pcap", o->prefix, q);
		out[q].f = fopen(path, "w");
		if (!out[q].f) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
		pcap_header(out[q].f, snap_max);
	}
	if (o->stall) {
		st.us = calloc(STALL_MAX, sizeof(*st.us));
		if (!st.us)
			return 1;
	}
	if (ring_activate(&r, o->mode))
		return 1;
	touch(o->ready);

	while (!stop && o->hold)
		pause();
	while (!stop) {
		struct pollfd p = { .fd = r.fd, .events = POLLIN };

		if (o->stall) {
			/* Neither call may wait: any time beyond the call
			 * itself is a lock someone else holds (or the CPU
			 * going elsewhere).  Every call into the device is
			 * timed: nothing else here waits for a lock.
			 */
			uint64_t t0 = now_ns();

			if (poll(&p, 1, 0) < 0 && errno != EINTR)
				break;
			if (get_stats(&r, qs, nq))
				return 1;
			stall_add(&st, now_ns() - t0);
			if (!p.revents)
				usleep(1000);
		} else if (poll(&p, 1, 100) < 0 && errno != EINTR) {
			break;
		}
		if (p.revents & (POLLHUP | POLLERR)) {
			printf("device gone (revents %#x)\n", p.revents);
			break;
		}
		for (q = 0; q < nq; q++) {
			long n = drain(&r, q, &out[q], snap_max);

			if (n < 0)
				return 1;
			total += n;
		}
		if (!snap_done && total >= o->snap_after) {
			if (ioctl(r.fd, LWPCAP_IOC_SET_SNAPLEN, &o->snap_new)) {
				perror("set_snaplen");
				return 1;
			}
			printf("snaplen %u -> %u after %llu records\n",
			       o->snaplen, o->snap_new,
			       (unsigned long long)total);
			snap_done = true;
		}
	}
	if (ioctl(r.fd, LWPCAP_IOC_DEACTIVATE) && errno != ENODEV) {
		perror("deactivate");
		return 1;
	}
	total = 0;
	if (get_stats(&r, qs, nq))
		return 1;
	for (q = 0; q < nq; q++) {
		if (drain(&r, q, &out[q], snap_max) < 0)
			return 1;
		fclose(out[q].f);
		printf("queue %u: records=%llu bytes=%llu drops=%llu bad_cons=%llu max_caplen=%u\n",
		       q, (unsigned long long)out[q].records,
		       (unsigned long long)out[q].bytes,
		       (unsigned long long)qs[q].drops,
		       (unsigned long long)qs[q].bad_cons, out[q].max_caplen);
		CHECK(qs[q].packets == out[q].records,
		      "q%u: kernel wrote %llu records, read %llu", q,
		      (unsigned long long)qs[q].packets,
		      (unsigned long long)out[q].records);
		CHECK(qs[q].bytes == out[q].bytes, "q%u: byte counts differ", q);
		/* queue 0's drops in GET_STATS also hold the frames of
		 * queues without a ring; its control block does not
		 */
		CHECK(ctl_u64(&r, q, r.setup.off.packets) == qs[q].packets &&
		      (q ? ctl_u64(&r, q, r.setup.off.drops) == qs[q].drops :
		       ctl_u64(&r, q, r.setup.off.drops) <= qs[q].drops),
		      "q%u: mirrored counters differ from the ioctl's", q);
		CHECK(qs[q].bad_cons == 0, "q%u: kernel saw a bad cons", q);
		/* never offered: a part of the drops (LWPCAP_FEAT_MISSED) */
		CHECK(r.setup.off.missed, "q%u: no missed counter", q);
		m = r.setup.off.missed ? ctl_u64(&r, q, r.setup.off.missed) : 0;
		CHECK(m <= ctl_u64(&r, q, r.setup.off.drops),
		      "q%u: missed %llu > drops %llu", q, (unsigned long long)m,
		      (unsigned long long)ctl_u64(&r, q, r.setup.off.drops));
		printf("queue %u: missed=%llu\n", q, (unsigned long long)m);
		total += out[q].records;
		drops += qs[q].drops;
		missed += m;
	}
	if (o->stall) {
		stall_report(&st);
		free(st.us);
	}
	/* queues= last: the guest script matches it at the line's end */
	printf("TOTAL captured=%llu drops=%llu missed=%llu queues=%u\n",
	       (unsigned long long)total, (unsigned long long)drops,
	       (unsigned long long)missed, nq);
	return failures ? 1 : 0;
}

/*
 * Another reader's life, over and over until SIGTERM (or -n seconds):
 * open, BIND, SETUP, mmap, ACTIVATE, then DEACTIVATE and close, or (every
 * other time) close while active, so that both paths that wait for a
 * grace period run.  Reports how long those two calls took.
 */
static int cmd_churn(struct opts *o)
{
	uint64_t end = now_ns() + (uint64_t)o->count * 1000000000ull;
	uint64_t cycles = 0, deact_ns = 0, close_ns = 0, max_ns = 0, t;
	struct ring r;

	/* The other reader's stalls are to show lock waits, not CPU
	 * taken from it: this loop gets what it leaves.
	 */
	if (setpriority(PRIO_PROCESS, 0, 19))
		perror("setpriority");
	touch(o->ready);
	while (!stop && now_ns() < end) {
		if (ring_open(&r, o->ifname, 4096, 2, 64) ||
		    ring_activate(&r, o->mode))
			return 1;
		munmap(r.map, r.setup.mmap_size);
		if (cycles & 1) {
			t = now_ns();
			if (ioctl(r.fd, LWPCAP_IOC_DEACTIVATE)) {
				perror("deactivate");
				return 1;
			}
			t = now_ns() - t;
			deact_ns += t;
			if (t > max_ns)
				max_ns = t;
		}
		t = now_ns();
		close(r.fd);
		t = now_ns() - t;
		close_ns += t;
		if (t > max_ns)
			max_ns = t;
		cycles++;
	}
	if (!cycles) {
		printf("CHURN cycles=0\n");
		return 1;
	}
	printf("CHURN cycles=%llu deactivate_avg_us=%llu close_avg_us=%llu max_us=%llu\n",
	       (unsigned long long)cycles,
	       (unsigned long long)(deact_ns / 1000 / ((cycles + 1) / 2)),
	       (unsigned long long)(close_ns / 1000 / cycles),
	       (unsigned long long)(max_ns / 1000));
	return 0;
}

static int cmd_latency(struct opts *o)
{
	struct queue_out out[LWPCAP_MAX_QUEUES];
	double worst = 0;
	uint32_t got = 0;
	struct ring r;
	unsigned int q;

	if (ring_open(&r, o->ifname, 65536, 4, 128) ||
	    ring_activate(&r, LWPCAP_MODE_DIVERT))
		return 1;
	memset(out, 0, sizeof(out));
	touch(o->ready);
	while (got < o->count && !stop) {
		struct pollfd p = { .fd = r.fd, .events = POLLIN };
		struct timespec now;
		uint64_t before[LWPCAP_MAX_QUEUES];

		/* Sleep until woken: no timeout, the wake-up is the test. */
		if (poll(&p, 1, 10000) <= 0) {
			printf("FAIL no wake-up within 10 s (%u/%u frames)\n",
			       got, o->count);
			return 1;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		for (q = 0; q < r.setup.nr_queues; q++) {
			double lat;

			before[q] = out[q].records;
			if (drain(&r, q, &out[q], 128) < 0)
				return 1;
			if (out[q].records == before[q])
				continue;
			lat = (now.tv_sec * 1e9 + now.tv_nsec -
			       (double)out[q].last_ts) / 1e6;
			printf("frame %u: woken %.3f ms after receive\n",
			       got + 1, lat);
			if (lat > worst)
				worst = lat;
			got += out[q].records - before[q];
		}
	}
	printf("LATENCY frames=%u worst_ms=%.3f\n", got, worst);
	CHECK(worst <= 100.0, "worst wake-up latency %.3f ms > 100 ms", worst);
	return failures ? 1 : 0;
}

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENODEV: return "ENODEV";
	case EBUSY: return "EBUSY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EINVAL: return "EINVAL";
	case EBADFD: return "EBADFD";
	default: return "other";
	}
}

/* activate: which step of a reader's start fails, and how. */
static int cmd_activate(struct opts *o)
{
	struct lwpcap_setup s = { .seg_size = 4096, .nr_segs = 4,
				  .snaplen = 96 };
	struct lwpcap_bind b = { .abi_version = LWPCAP_ABI_VERSION,
				 .point = ring_point() };
	struct lwpcap_activate a = { .mode = o->mode };
	const char *step = "ok";
	char got[64];
	int fd, err = 0;

	fd = open(DEV, O_RDWR);
	if (fd < 0) {
		step = "open", err = errno;
		goto out;
	}
	b.ifindex = if_nametoindex(o->ifname);
	if (ioctl(fd, LWPCAP_IOC_BIND, &b)) {
		step = "bind", err = errno;
		goto out;
	}
	if (ioctl(fd, LWPCAP_IOC_SETUP, &s)) {
		step = "setup", err = errno;
		goto out;
	}
	if (ioctl(fd, LWPCAP_IOC_ACTIVATE, &a))
		step = "activate", err = errno;
out:
	if (err)
		snprintf(got, sizeof(got), "%s:%s", step, errname(err));
	else
		snprintf(got, sizeof(got), "ok");
	printf("ACTIVATE %s mode %u: %s (%s), want %s\n", o->ifname, o->mode,
	       got, err ? strerror(err) : "all steps worked", o->expect);
	return strcmp(got, o->expect) ? 1 : 0;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "F", .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* nsfd: a file opened in an unprivileged namespace reaches no host port */
static int cmd_nsfd(struct opts *o)
{
	struct lwpcap_bind b = { .abi_version = LWPCAP_ABI_VERSION,
				 .point = ring_point() };
	struct lwpcap_setup s = { .seg_size = 4096, .nr_segs = 4,
				  .snaplen = 96 };
	struct lwpcap_activate a = { .mode = LWPCAP_MODE_TAP };
	int sv[2], fd, st, rc;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		/* no capability left in the initial namespaces ... */
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		/* ... but every one in a user namespace of our own */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET)) {
			printf("nsfd: unshare: %s\n", strerror(errno));
			_exit(101);
		}
		fd = open(DEV, O_RDWR);
		if (fd < 0) {
			printf("nsfd: open in the namespace: %s\n",
			       strerror(errno));
			_exit(102);
		}
		_exit(send_fd(sv[1], fd) ? 103 : 0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && fd >= 0,
	      "nsfd: child status %#x, fd %d", st, fd);
	if (fd < 0)
		return 1;
	b.ifindex = if_nametoindex(o->ifname);
	errno = 0;
	rc = ioctl(fd, LWPCAP_IOC_BIND, &b);
	printf("NSFD bind %s (ifindex %u in init_net) with a file opened in a user+net namespace: %s\n",
	       o->ifname, b.ifindex, rc ? strerror(errno) : "bound");
	/* its namespace has no such interface: the host port is out of reach */
	CHECK(rc == -1 && errno == ENODEV,
	      "nsfd: bind rc %d errno %s, want ENODEV", rc, strerror(errno));
	if (!rc) {
		rc = ioctl(fd, LWPCAP_IOC_SETUP, &s) ||
		     ioctl(fd, LWPCAP_IOC_ACTIVATE, &a);
		printf("NSFD ... and %s capture on the host's %s\n",
		       rc ? "could not start" : "started", o->ifname);
	}
	close(fd);
	printf("NSFD %s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ringtest capture -i IF -o PREFIX [--seg-size B] [--nr-segs N]\n"
		"                        [-s SNAPLEN] [--mode tap|divert|default]\n"
		"                        [--ready FILE] [--snaplen-after N:LEN] [--hold]\n"
		"                        [--stall]\n"
		"       ringtest churn -i IF [-n SECONDS] [--mode M] [--ready FILE]\n"
		"       ringtest errnos -i IF\n"
		"       ringtest memcap -i IF [-o CGROUP_DIR]\n"
		"       ringtest memns -i IF -o NETNS_PREFIX\n"
		"       ringtest latency -i IF -n COUNT [--ready FILE]\n"
		"       ringtest activate -i IF --mode M --expect STEP:ERRNO|ok\n"
		"       ringtest nsfd -i IF\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seg-size", required_argument, NULL, 'S' },
		{ "nr-segs", required_argument, NULL, 'N' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ready", required_argument, NULL, 'r' },
		{ "snaplen-after", required_argument, NULL, 'a' },
		{ "hold", no_argument, NULL, 'h' },
		{ "expect", required_argument, NULL, 'e' },
		{ "stall", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.seg_size = 65536, .nr_segs = 64, .snaplen = 65535,
		.mode = LWPCAP_MODE_DEFAULT, .count = 1,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	const char *cmd;
	char *colon;
	int c;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "i:o:s:n:", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.ifname = optarg;
			break;
		case 'o':
			o.prefix = optarg;
			break;
		case 's':
			o.snaplen = parse_u32(optarg, "snaplen");
			break;
		case 'n':
			o.count = parse_u32(optarg, "count");
			break;
		case 'S':
			o.seg_size = parse_u32(optarg, "segment size");
			break;
		case 'N':
			o.nr_segs = parse_u32(optarg, "segment count");
			break;
		case 'm':
			o.mode = parse_mode(optarg);
			break;
		case 'r':
			o.ready = optarg;
			/* A stale one would say ready before we are. */
			if (unlink(o.ready) && errno != ENOENT) {
				perror(o.ready);
				return 2;
			}
			break;
		case 'h':
			o.hold = true;
			break;
		case 'e':
			o.expect = optarg;
			break;
		case 'T':
			o.stall = true;
			break;
		case 'a':
			colon = strchr(optarg, ':');
			if (!colon)
				usage();
			*colon = 0;
			o.snap_after = parse_u32(optarg, "record count");
			o.snap_new = parse_u32(colon + 1, "snaplen");
			break;
		default:
			usage();
		}
	}
	if (!o.ifname)
		usage();
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(cmd, "capture") && o.prefix)
		return cmd_capture(&o);
	if (!strcmp(cmd, "errnos"))
		return cmd_errnos(&o);
	if (!strcmp(cmd, "memcap"))
		return cmd_memcap(&o);
	if (!strcmp(cmd, "memns") && o.prefix)
		return cmd_memns(&o);
	if (!strcmp(cmd, "latency"))
		return cmd_latency(&o);
	if (!strcmp(cmd, "activate") && o.expect)
		return cmd_activate(&o);
	if (!strcmp(cmd, "nsfd"))
		return cmd_nsfd(&o);
	if (!strcmp(cmd, "churn"))
		return cmd_churn(&o);
	usage();
	return 2;
}
