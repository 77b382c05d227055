// SPDX-License-Identifier: GPL-2.0
/*
 * hostile - a reader that attacks its own ring (tests/reliability).
 *
 *   hostile scribble -i IF [-t MS] [--seed S] [--ready FILE]
 *       bind, set up a small ring, map it, activate; for MS ms write
 *       garbage into every word user space can write: cons (random, 0,
 *       ~0, just past prod, a lap ahead/behind, ...), prod, the counters,
 *       every word of the control blocks (padding included), the segment
 *       tables, random data bytes; now and then an honest cons so the
 *       kernel keeps producing.  Then waits for SIGTERM, deactivates and
 *       prints the kernel's counters: "SCRIBBLE writes=W packets=P
 *       drops=D bad_cons=B".
 *   hostile probe -i IF [--ready FILE]
 *       an honest, checking reader (every record bounded, sequence
 *       numbers increasing per queue) that twice holds an impossible
 *       cons (a lap ahead of prod, a lap behind it) until the kernel
 *       drops a frame, and requires GET_STATS bad_cons to have grown
 *       each time: a kernel that trusts cons unchecked fails here.
 *       "PROBE ok|FAIL packets=P drops=D bad_cons=B records=R".
 *
 * Exit 0 only if everything checked held.
 */
#include "rel.h"
#include <getopt.h>
#include <signal.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void touch(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

/* A value likely to hurt when stored where the kernel reads or trusts. */
static uint32_t evil(uint32_t prod, uint32_t size, uint32_t seg)
{
	switch (rndn(16)) {
	case 0: return 0;
	case 1: return 0xffffffffu;
	case 2: return prod + 1;
	case 3: return prod + size;
	case 4: return prod + size + 1;
	case 5: return prod - size - 1;
	case 6: return prod + 0x80000000u;
	case 7: return size;
	case 8: return size - 1;
	case 9: return seg;
	case 10: return seg + 1;
	case 11: return prod - 1;
	case 12: return prod + seg;
	case 13: return 0x7fffffffu;
	case 14: return prod ^ (1u << rndn(32));
	default: return rnd32();
	}
}

static int scribble(const char *ifname, unsigned int ms, const char *ready)
{
	struct ring r;
	struct totals t;
	uint32_t seg = 4096, nsegs = 8, size = seg * nsegs;
	uint64_t writes = 0, honest = 0, t_end;
	unsigned int nq, q;
	size_t ctl_bytes;

	if (ring_open(&r, ifname, seg, nsegs, 1514) || ring_activate(&r, 0))
		return 1;
	nq = r.setup.nr_queues;
	ctl_bytes = (size_t)nq * r.setup.off.ctl_stride;
	printf("scribble: %u queue(s), mmap_size %llu, ring %u x %u\n", nq,
	       (unsigned long long)r.setup.mmap_size, seg, nsegs);
	fflush(stdout);
	touch(ready);
	t_end = now_ms() + ms;
	while (!stop && now_ms() < t_end) {
		/* The true prod, from the kernel's own packet count: every
		 * frame is a 60-byte one (76-byte record), so a segment holds
		 * seg / 76 records.  The mapping's prod may be garbage (ours).
		 */
		struct lwpcap_queue_stats per[LWPCAP_MAX_QUEUES];
		uint32_t truth[LWPCAP_MAX_QUEUES];
		int fixed = ring_stats(&r, &t, per) == 0;

		for (q = 0; q < nq; q++) {
			uint64_t n = per[q].packets, k = seg / 76;

			fixed = fixed && per[q].bytes == n * 60;
			/* a full segment: prod stays at its end until the
			 * next record starts the next one
			 */
			if (n && n % k == 0)
				truth[q] = (uint32_t)((n / k - 1) * seg + k * 76);
			else
				truth[q] = (uint32_t)((n / k) * seg + (n % k) * 76);
		}
		for (int k = 0; k < 256; k++) {
			uint32_t kind = rndn(100), prod, *w;

			q = rndn(nq);
			prod = *(volatile uint32_t *)prod_p(&r, q);
			if (kind < 35) {		/* cons: impossible */
				*(volatile uint32_t *)cons_p(&r, q) =
					evil(prod, size, seg);
			} else if (kind < 45) {		/* cons: honest */
				__atomic_store_n(cons_p(&r, q),
						 fixed ? truth[q] : prod,
						 __ATOMIC_RELEASE);
				honest++;
			} else if (kind < 60) {		/* any word of the control blocks */
				w = (uint32_t *)(r.map + r.setup.off.ctl) +
				    rndn(ctl_bytes / 4);
				*(volatile uint32_t *)w = evil(prod, size, seg);
			} else if (kind < 70) {		/* prod, counters */
				static const unsigned int offs[4] = { 0, 8, 16, 24 };
				uint32_t o = kind & 1 ? r.setup.off.prod :
					offs[rndn(4)] + (rndn(2) ? 4 : 0);

				*(volatile uint32_t *)(ctl(&r, q) + o) =
					evil(prod, size, seg);
			} else if (kind < 85) {		/* segment table */
				w = seglen_p(&r, q) + rndn(nsegs);
				*(volatile uint32_t *)w = evil(prod, size, seg);
			} else if (kind < 97) {		/* data bytes */
				uint32_t off = rndn(size), len = 1 + rndn(256);

				if (off + len > size)
					len = size - off;
				for (uint32_t i = 0; i < len; i++)
					data_p(&r, q)[off + i] = (uint8_t)rnd32();
			} else {			/* the whole control page */
				int v = kind == 97 ? 0 : kind == 98 ? 0xff : rnd32();

				memset(r.map + r.setup.off.ctl, v, ctl_bytes);
			}
			writes++;
		}
		usleep(100);
	}
	printf("scribble: loop done, %llu writes (%llu honest cons)\n",
	       (unsigned long long)writes, (unsigned long long)honest);
	fflush(stdout);
	while (!stop)
		pause();
	if (ioctl(r.fd, LWPCAP_IOC_DEACTIVATE)) {
		printf("FAIL deactivate: %s\n", strerror(errno));
		return 1;
	}
	if (ring_stats(&r, &t, NULL))
		return 1;
	printf("SCRIBBLE writes=%llu packets=%llu drops=%llu bad_cons=%llu\n",
	       (unsigned long long)writes, (unsigned long long)t.packets,
	       (unsigned long long)t.drops, (unsigned long long)t.bad_cons);
	munmap(r.map, r.setup.mmap_size);
	close(r.fd);
	return 0;
}

struct qstate {
	uint32_t cons, last_seq;
	int have_seq;
};

static int drain_all(struct ring *r, struct qstate *qs, uint64_t *records)
{
	for (unsigned int q = 0; q < r->setup.nr_queues; q++) {
		long n = ring_drain(r, q, &qs[q].cons, &qs[q].last_seq,
				    &qs[q].have_seq);

		if (n < 0)
			return -1;
		*records += n;
	}
	return 0;
}

/* Hold @what in every cons until the kernel drops a frame; bad_cons must
 * have grown by then.  Returns 0 if it did.
 */
static int hold_impossible(struct ring *r, const char *what, int ahead)
{
	uint32_t size = r->setup.seg_size * r->setup.nr_segs;
	struct totals t0, t1;
	uint64_t t_end = now_ms() + 3000;

	if (ring_stats(r, &t0, NULL))
		return -1;
	for (unsigned int q = 0; q < r->setup.nr_queues; q++) {
		uint32_t p = __atomic_load_n(prod_p(r, q), __ATOMIC_ACQUIRE);
		uint32_t v = ahead ? p + size + r->setup.seg_size :
				     p - size - r->setup.seg_size;

		__atomic_store_n(cons_p(r, q), v, __ATOMIC_RELEASE);
	}
	do {
		sleep_ms(20);
		if (ring_stats(r, &t1, NULL))
			return -1;
	} while (t1.drops == t0.drops && now_ms() < t_end && !stop);
	printf("probe %s: packets +%llu drops +%llu bad_cons +%llu\n", what,
	       (unsigned long long)(t1.packets - t0.packets),
	       (unsigned long long)(t1.drops - t0.drops),
	       (unsigned long long)(t1.bad_cons - t0.bad_cons));
	if (t1.drops == t0.drops) {
		printf("FAIL probe %s: the ring never filled (no traffic?)\n",
		       what);
		return -1;
	}
	if (t1.bad_cons == t0.bad_cons) {
		printf("FAIL probe %s: the kernel dropped frames without "
		       "counting the impossible cons: it trusted it\n", what);
		return -1;
	}
	return 0;
}

/* Write the honest positions back and drain until the kernel writes new
 * records: it must accept a valid cons after impossible ones.
 */
static int resume(struct ring *r, struct qstate *qs, uint64_t *records,
		  const char *what)
{
	struct totals t0, t1;
	uint64_t t_end = now_ms() + 3000;

	if (ring_stats(r, &t0, NULL))
		return -1;
	for (unsigned int q = 0; q < r->setup.nr_queues; q++)
		__atomic_store_n(cons_p(r, q), qs[q].cons, __ATOMIC_RELEASE);
	do {
		sleep_ms(20);
		if (drain_all(r, qs, records) || ring_stats(r, &t1, NULL))
			return -1;
	} while (t1.packets == t0.packets && now_ms() < t_end && !stop);
	if (t1.packets == t0.packets) {
		printf("FAIL probe: capture did not resume after the %s cons "
		       "was replaced by the honest one\n", what);
		return -1;
	}
	printf("probe %s: resumed, +%llu packets\n", what,
	       (unsigned long long)(t1.packets - t0.packets));
	return 0;
}

static int probe(const char *ifname, const char *ready)
{
	struct ring r;
	struct qstate qs[LWPCAP_MAX_QUEUES];
	struct totals t;
	uint64_t records = 0, t_end;
	int fail = 0;

	memset(qs, 0, sizeof(qs));
	if (ring_open(&r, ifname, 16384, 8, 1514) || ring_activate(&r, 0))
		return 1;
	touch(ready);
	/* honest until frames flow */
	t_end = now_ms() + 30000;
	do {
		sleep_ms(20);
		if (drain_all(&r, qs, &records))
			return 1;
	} while (records < 1000 && now_ms() < t_end && !stop);
	if (records < 1000) {
		printf("FAIL probe: no traffic\n");
		return 1;
	}
	if (hold_impossible(&r, "ahead", 1))
		fail = 1;
	/* back to the honest position: the kernel must take it again */
	if (resume(&r, qs, &records, "ahead"))
		fail = 1;
	if (hold_impossible(&r, "behind", 0))
		fail = 1;
	if (resume(&r, qs, &records, "behind"))
		fail = 1;
	while (!stop) {
		sleep_ms(10);
		if (drain_all(&r, qs, &records))
			return 1;
	}
	if (ioctl(r.fd, LWPCAP_IOC_DEACTIVATE)) {
		printf("FAIL deactivate: %s\n", strerror(errno));
		return 1;
	}
	if (drain_all(&r, qs, &records) || ring_stats(&r, &t, NULL))
		return 1;
	if (records != t.packets) {
		printf("FAIL probe: read %llu records, kernel wrote %llu\n",
		       (unsigned long long)records,
		       (unsigned long long)t.packets);
		fail = 1;
	}
	printf("PROBE %s packets=%llu drops=%llu bad_cons=%llu records=%llu\n",
	       fail ? "FAIL" : "ok", (unsigned long long)t.packets,
	       (unsigned long long)t.drops, (unsigned long long)t.bad_cons,
	       (unsigned long long)records);
	return fail;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 'S' },
		{ "ready", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ifname = NULL, *ready = NULL, *cmd;
	unsigned long long seed = 0;
	unsigned int ms = 4000;
	struct sigaction sa;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: hostile scribble|probe -i IF [-t MS] "
			"[--seed S] [--ready FILE]\n");
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "i:t:", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 't': ms = strtoul(optarg, NULL, 0); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'R': ready = optarg; break;
		default: return 2;
		}
	}
	if (!ifname)
		return 2;
	if (!seed)
		seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	rng_seed(seed);
	printf("hostile %s: seed %llu\n", cmd, seed);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "scribble"))
		return scribble(ifname, ms, ready);
	if (!strcmp(cmd, "probe"))
		return probe(ifname, ready);
	return 2;
}
