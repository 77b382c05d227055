// SPDX-License-Identifier: GPL-2.0
/*
 * test_ring.c - the drain against the kernel's producer code.
 *
 * The producer is driver/lwpcap_ring.h compiled in user space (through
 * fakedev.c); the reader only sees the ring through struct lwpcap_setup.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "kshim.h"
#include "../../driver/lwpcap_ring.h"
#include "pcapfile.h"
#include "util.h"

/* A sink that checks every record and the batch's counts against them. */
struct memsink {
	struct checker ck;
	uint64_t pkts;
	uint64_t caplen;
	uint64_t batches;
	int bad;
};

static int memsink_fn(void *ctx, const struct lwp_batch *b, char *err)
{
	struct memsink *m = ctx;
	uint64_t p0 = m->ck.pkts, c0 = m->ck.caplen, bytes = 0;
	unsigned int i;

	for (i = 0; i < b->nruns; i++) {
		if (checker_feed(&m->ck, b->runs[i].p, b->runs[i].len)) {
			m->bad = 1;
			return lwp_err(err, -EPROTO, "bad records");
		}
		bytes += b->runs[i].len;
	}
	if (m->ck.pkts - p0 != b->pkts || m->ck.caplen - c0 != b->caplen ||
	    bytes != b->bytes) {
		fprintf(stderr, "  batch says %llu pkts %llu bytes, runs hold %llu pkts %llu bytes\n",
			(unsigned long long)b->pkts,
			(unsigned long long)b->caplen,
			(unsigned long long)(m->ck.pkts - p0),
			(unsigned long long)(m->ck.caplen - c0));
		m->bad = 2;
		return lwp_err(err, -EPROTO, "batch counts wrong");
	}
	m->pkts += b->pkts;
	m->caplen += b->caplen;
	m->batches++;
	return 0;
}

static const struct timespec ts0 = { .tv_sec = 1700000000, .tv_nsec = 5 };

/* Attach a reader to every queue of @d. */
static int attach(struct fakedev *d, struct lwp_queue *q, char *err)
{
	unsigned int i;

	for (i = 0; i < d->nr_queues; i++)
		if (lwp_queue_init(&q[i], d->map, d->map_len, &d->setup, i,
				   err))
			return -1;
	return 0;
}

/* ---- concurrent producer threads ---- */

struct prod {
	struct fakedev *d;
	unsigned int q, nq;
	uint64_t n;
	uint32_t minlen, maxlen;
	unsigned int seed;
	struct seqset *stored;
	uint64_t accepted, dropped;
	int done;
};

static void *prod_main(void *arg)
{
	struct prod *p = arg;
	unsigned int batch = 1 + rand_r(&p->seed) % 64, k = 0;
	uint64_t i;

	for (i = 0; i < p->n; i++) {
		uint64_t seq = i * p->nq + p->q;
		uint32_t len = p->minlen +
			       rand_r(&p->seed) % (p->maxlen - p->minlen + 1);
		struct timespec ts = { ts0.tv_sec + i / 1000000,
				       i % 1000000 * 1000 };

		if (fakedev_rx(p->d, p->q, seq, len, &ts)) {
			__atomic_fetch_or(&p->stored->bits[seq / 8],
					  1 << (seq % 8), __ATOMIC_RELAXED);
			p->accepted++;
		} else {
			p->dropped++;
		}
		if (++k == batch) {
			fakedev_flush(p->d, p->q);
			k = 0;
			batch = 1 + rand_r(&p->seed) % 64;
			if (!(rand_r(&p->seed) % 8))
				sched_yield();
		}
	}
	fakedev_flush(p->d, p->q);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * @nq producer threads, one per queue like NAPI, against one reader
 * that never sleeps: every stored frame must come out once, in order,
 * byte for byte, with batch counts equal to the records in the runs,
 * and the drops the reader sees must be the producer's.
 */
static int concurrent(unsigned int nq, uint32_t seg, uint32_t nsegs,
		      uint32_t snaplen, uint64_t per_q)
{
	struct lwp_queue q[LWPCAP_MAX_QUEUES];
	pthread_t th[LWPCAP_MAX_QUEUES];
	struct prod p[LWPCAP_MAX_QUEUES];
	uint64_t acc = 0, drop = 0, seen_drops = 0;
	char err[LWP_ERRLEN] = "";
	struct seqset stored;
	struct fakedev d;
	struct memsink m;
	unsigned int i;
	int ret, running;

	CHECK(!fakedev_create(&d, nq, seg, nsegs, snaplen, err));
	CHECK(!attach(&d, q, err));
	CHECK(!seqset_init(&stored, per_q * nq));
	memset(&m, 0, sizeof(m));
	checker_init(&m.ck, snaplen, nq, &stored);
	for (i = 0; i < nq; i++) {
		p[i] = (struct prod){ .d = &d, .q = i, .nq = nq, .n = per_q,
				      .minlen = 60, .maxlen = 1514,
				      .seed = 1234 + i, .stored = &stored };
		CHECK(!pthread_create(&th[i], NULL, prod_main, &p[i]));
	}
	do {
		running = 0;
		for (i = 0; i < nq; i++)
			running |= !__atomic_load_n(&p[i].done,
						    __ATOMIC_ACQUIRE);
		/* Drain after reading done, so nothing is left behind. */
		for (i = 0; i < nq; i++) {
			ret = lwp_queue_drain(&q[i], memsink_fn, &m, err);
			CHECKF(ret >= 0, "drain: %s", err);
			if (!ret)
				sched_yield();
		}
	} while (running);
	for (i = 0; i < nq; i++) {
		pthread_join(th[i], NULL);
		acc += p[i].accepted;
		drop += p[i].dropped;
		seen_drops += lwp_queue_drops(&q[i]);
		CHECK(lwp_queue_drain(&q[i], memsink_fn, &m, err) == 0);
	}
	CHECK(!m.bad);
	CHECKF(m.ck.pkts == acc, "read %llu of %llu stored",
	       (unsigned long long)m.ck.pkts, (unsigned long long)acc);
	CHECK(m.pkts == acc);
	CHECK(acc + drop == per_q * nq);
	CHECKF(seen_drops == drop, "reader sees %llu drops, producer %llu",
	       (unsigned long long)seen_drops, (unsigned long long)drop);
	for (i = 0; i < nq; i++) {
		uint64_t pk, by, dr, bc;

		fakedev_counts(&d, i, &pk, &by, &dr, &bc);
		CHECK(bc == 0);
		lwp_queue_fini(&q[i]);
	}
	seqset_free(&stored);
	fakedev_destroy(&d);
	return 0;
}

static int t_concurrent_one_queue(void)
{
	return concurrent(1, 4096, 16, 200, scaled(400000));
}

static int t_concurrent_four_queues(void)
{
	return concurrent(4, 8192, 8, 1514, scaled(100000));
}

/* ---- deterministic ring states ---- */

static int produce(struct fakedev *d, unsigned int q, uint64_t *seq,
		   unsigned int n, uint32_t len, unsigned int *ok)
{
	unsigned int i;

	*ok = 0;
	for (i = 0; i < n; i++) {
		if (fakedev_rx(d, q, *seq, len, &ts0))
			(*ok)++;
		(*seq)++;
	}
	fakedev_flush(d, q);
	return 0;
}

/*
 * A sink that releases the first two runs of its batch, then lets the
 * producer store while it is still busy with the rest: the released
 * segments take new frames instead of dropping them (issue 16: a batch
 * held the whole ring until its last run was written).
 */
struct relsink {
	struct memsink m;
	struct fakedev *d;
	uint64_t *seq;
	unsigned int stored;
	uint32_t cons_seen;
	const uint32_t *cons_usr;
};

static int relsink_fn(void *ctx, const struct lwp_batch *b, char *err)
{
	struct relsink *r = ctx;
	struct lwp_batch head = *b, tail = *b;
	unsigned int i;

	if (r->stored != UINT_MAX || b->nruns < 3)
		return memsink_fn(&r->m, b, err);
	/* the first two runs, whole records: counted by walking them */
	head.nruns = 2;
	head.pkts = 0;
	head.caplen = 0;
	head.bytes = 0;
	for (i = 0; i < 2; i++) {
		struct pcap_walk w;

		pcap_walk(b->runs[i].p, b->runs[i].len, b->runs[i].len,
			  UINT64_MAX, LWPCAP_SNAPLEN_MAX, &w);
		head.pkts += w.pkts;
		head.caplen += w.caplen;
		head.bytes += b->runs[i].len;
	}
	if (memsink_fn(&r->m, &head, err))
		return -EPROTO;
	lwp_batch_release(b, 2);
	r->cons_seen = __atomic_load_n(r->cons_usr, __ATOMIC_ACQUIRE);
	produce(r->d, 0, r->seq, 12, 1000, &r->stored);
	tail.runs = b->runs + 2;
	tail.nruns = b->nruns - 2;
	tail.pkts = b->pkts - head.pkts;
	tail.caplen = b->caplen - head.caplen;
	tail.bytes = b->bytes - head.bytes;
	return memsink_fn(&r->m, &tail, err);
}

static int t_release_mid_batch(void)
{
	char err[LWP_ERRLEN] = "";
	struct fakedev d;
	struct lwp_queue q;
	struct relsink r;
	unsigned int ok;
	uint64_t seq = 0;

	CHECK(!fakedev_create(&d, 1, 4096, 4, 1000, err));
	CHECK(!attach(&d, &q, err));
	memset(&r, 0, sizeof(r));
	checker_init(&r.m.ck, 1000, 1, NULL);
	r.d = &d;
	r.seq = &seq;
	r.cons_usr = q.cons_usr;
	r.stored = UINT_MAX;
	/* four segments of four records: the ring full, 4 dropped */
	produce(&d, 0, &seq, 20, 1000, &ok);
	CHECKF(ok == 16, "stored %u", ok);
	CHECK(lwp_queue_drain(&q, relsink_fn, &r, err) == 1);
	/* released: the start of run 2, segment 2 */
	CHECKF(r.cons_seen == 2 * 4096, "cons %u during the batch",
	       r.cons_seen);
	/* segments 0 and 1 took 8 of the 12 (whole ring before: none) */
	CHECKF(r.stored == 8, "stored %u while the sink was busy", r.stored);
	CHECK(r.m.ck.pkts == 16 && !r.m.bad);
	CHECK(lwp_queue_drain(&q, relsink_fn, &r, err) == 1);
	CHECK(lwp_queue_drain(&q, relsink_fn, &r, err) == 0);
	/* in order, none lost but the drops the producer counted */
	CHECK(r.m.ck.pkts == 24 && !r.m.bad);
	CHECK(lwp_queue_drops(&q) == 4 + 4);
	lwp_queue_fini(&q);
	fakedev_destroy(&d);
	return 0;
}

/*
 * Two segments of 4096 bytes, records of 16 + 1000 bytes: four fit in a
 * segment.  Exact counts of stored and dropped frames follow from the
 * layout, and nothing already stored may be overwritten.
 */
static int t_tiny_ring_drops(void)
{
	char err[LWP_ERRLEN] = "";
	struct fakedev d;
	struct lwp_queue q;
	struct memsink m;
	unsigned int ok;
	uint64_t seq = 0, dr;
	int ret;

	CHECK(!fakedev_create(&d, 1, 4096, 2, 1000, err));
	CHECK(!attach(&d, &q, err));
	memset(&m, 0, sizeof(m));
	checker_init(&m.ck, 1000, 1, NULL);

	produce(&d, 0, &seq, 20, 1000, &ok);
	CHECK(ok == 8);
	CHECK(lwp_queue_drops(&q) == 12);
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 1);
	CHECK(m.ck.pkts == 8 && m.ck.next[0] == 8);

	/*
	 * A busy reader holds the segment it is in (cons rounded down), so
	 * only segment 0 is free: 4 stored, 16 dropped.
	 */
	produce(&d, 0, &seq, 20, 1000, &ok);
	CHECKF(ok == 4, "stored %u", ok);
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 1);
	CHECK(m.ck.pkts == 12);
	/*
	 * Idle: the exact position (the end of segment 0's data) is
	 * published, but the kernel counts space from the start of the
	 * reader's segment and never starts segment 0's next lap: it fills
	 * segment 1 only, 4 stored, 16 dropped.
	 */
	lwp_queue_idle(&q);
	produce(&d, 0, &seq, 20, 1000, &ok);
	CHECKF(ok == 4, "stored %u", ok);
	ret = lwp_queue_drain(&q, memsink_fn, &m, err);
	CHECKF(ret == 1, "drain %d: %s", ret, err);
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 0);
	CHECK(m.ck.pkts == 16 && !m.bad && q.walks == 0);
	fakedev_counts(&d, 0, NULL, NULL, &dr, NULL);
	CHECK(dr == 44 && lwp_queue_drops(&q) == 44);
	lwp_queue_fini(&q);
	fakedev_destroy(&d);
	return 0;
}

/*
 * Positions are free-running u32: start just below the wrap and stream
 * records of odd lengths (so segments end with unused tails) through
 * several laps, interleaving producer and reader at random.
 */
static int t_u32_wrap_and_segment_skips(void)
{
	char err[LWP_ERRLEN] = "";
	uint64_t seq = 0, rec_bytes = 0, stored = 0;
	unsigned int seed = 77, round;
	uint32_t start = 0xffffffffU - 3 * 16384 + 1, end;
	struct fakedev d;
	struct lwp_queue q;
	struct memsink m;

	CHECK(!fakedev_create(&d, 1, 4096, 4, 300, err));
	fakedev_set_pos(&d, 0, start);
	CHECK(!attach(&d, &q, err));
	memset(&m, 0, sizeof(m));
	checker_init(&m.ck, 300, 1, NULL);
	for (round = 0; round < scaled(4000) + 200; round++) {
		unsigned int n = rand_r(&seed) % 12, i;

		for (i = 0; i < n; i++) {
			uint32_t len = 60 + rand_r(&seed) % 400;

			if (fakedev_rx(&d, 0, seq, len, &ts0)) {
				rec_bytes += 16 + (len < 300 ? len : 300);
				stored++;
			}
			seq++;
		}
		fakedev_flush(&d, 0);
		if (rand_r(&seed) % 3) {
			CHECKF(lwp_queue_drain(&q, memsink_fn, &m, err) >= 0,
			       "%s", err);
			if (rand_r(&seed) % 2)
				lwp_queue_idle(&q);
		}
	}
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) >= 0);
	CHECK(!m.bad && m.ck.pkts == stored && m.pkts == stored);
	end = __atomic_load_n(fakedev_prod_ptr(&d, 0), __ATOMIC_RELAXED);
	CHECKF(end < start, "never wrapped: %u", end);
	/* Bytes advanced beyond the records themselves: skipped tails. */
	CHECKF((uint32_t)(end - start) > rec_bytes,
	       "no segment tail was ever skipped");
	lwp_queue_fini(&q);
	fakedev_destroy(&d);
	return 0;
}

/*
 * The hazard behind rounding cons down: a kernel that wrapped into the
 * segment a sleeping reader is in would overwrite seg_len[].  lwpcap does
 * not (it counts space from the start of the reader's segment), so a
 * sleeping and a busy reader both get drops and every stored record.
 */
static int t_lap_inside_segment(void)
{
	char err[LWP_ERRLEN] = "";
	struct fakedev d;
	struct lwp_queue q;
	struct memsink m;
	unsigned int ok;
	uint64_t seq = 0;
	int ret;

	/*
	 * Sleeping reader: it published its exact position in the middle of
	 * segment 0, yet the kernel does not start segment 0's next lap, so
	 * seg_len[0] survives and nothing is lost (a kernel that did would
	 * be reported as -EOVERFLOW, "lapped").
	 */
	CHECK(!fakedev_create(&d, 1, 4096, 2, 1000, err));
	CHECK(!attach(&d, &q, err));
	memset(&m, 0, sizeof(m));
	checker_init(&m.ck, 1000, 1, NULL);
	produce(&d, 0, &seq, 2, 1000, &ok);
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 1);
	lwp_queue_idle(&q);
	produce(&d, 0, &seq, 20, 1000, &ok);
	CHECKF(ok == 6, "stored %u", ok);
	ret = lwp_queue_drain(&q, memsink_fn, &m, err);
	CHECKF(ret == 1, "drain returned %d (%s)", ret, err);
	CHECK(m.ck.pkts == 8 && !m.bad && lwp_queue_drops(&q) == 14);
	lwp_queue_fini(&q);
	fakedev_destroy(&d);

	/* Busy reader: the same traffic, drops but no loss of ring state. */
	seq = 0;
	CHECK(!fakedev_create(&d, 1, 4096, 2, 1000, err));
	CHECK(!attach(&d, &q, err));
	memset(&m, 0, sizeof(m));
	checker_init(&m.ck, 1000, 1, NULL);
	produce(&d, 0, &seq, 2, 1000, &ok);
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 1);
	produce(&d, 0, &seq, 20, 1000, &ok);
	CHECKF(ok == 6, "stored %u", ok);
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 1);
	CHECK(m.ck.pkts == 8 && !m.bad && lwp_queue_drops(&q) == 14);
	lwp_queue_fini(&q);
	fakedev_destroy(&d);
	return 0;
}

static int nop_sink(void *ctx, const struct lwp_batch *b, char *err)
{
	(void)ctx;
	(void)b;
	(void)err;
	return 0;
}

/* A kernel that publishes impossible values gets -EPROTO, no OOB read. */
static int t_hostile_kernel(void)
{
	char err[LWP_ERRLEN] = "";
	uint32_t *prod, *seg_len, cons;
	struct lwpcap_setup bad;
	struct fakedev d;
	struct lwp_queue q;
	struct memsink m;
	unsigned int ok;
	uint64_t seq = 0, *ctr;
	int ret;

	CHECK(!fakedev_create(&d, 1, 4096, 4, 500, err));
	CHECK(!attach(&d, &q, err));
	prod = fakedev_prod_ptr(&d, 0);
	seg_len = fakedev_seg_len(&d, 0);
	ctr = fakedev_ctr(&d, 0);
	cons = *prod;

	/* prod more than a ring ahead, or behind (a huge distance). */
	*prod = cons + 16384 + 16;
	ret = lwp_queue_drain(&q, nop_sink, NULL, err);
	CHECKF(ret == -EPROTO && strstr(err, "ahead"), "%d %s", ret, err);
	*prod = cons - 16;
	CHECK(lwp_queue_drain(&q, nop_sink, NULL, err) == -EPROTO);

	/* A finished segment longer than a segment. */
	*prod = cons + 4096 + 100;
	seg_len[0] = 4097;
	CHECK(lwp_queue_drain(&q, nop_sink, NULL, err) == -EPROTO);
	CHECK(strstr(err, "exceeds the segment size"));
	*prod = cons;
	seg_len[0] = 0;
	lwp_queue_fini(&q);
	fakedev_destroy(&d);

	/*
	 * Counters that never match the records make the reader walk them;
	 * a caplen pointing past the run is then caught.
	 */
	CHECK(!fakedev_create(&d, 1, 4096, 4, 500, err));
	CHECK(!attach(&d, &q, err));
	ctr = fakedev_ctr(&d, 0);
	produce(&d, 0, &seq, 3, 200, &ok);
	ctr[0] += 5;
	{
		struct lwpcap_rec_hdr h;
		uint8_t *rec = fakedev_data(&d, 0) + 216;

		memcpy(&h, rec, sizeof(h));
		h.caplen = 60000;
		memcpy(rec, &h, sizeof(h));
	}
	ret = lwp_queue_drain(&q, nop_sink, NULL, err);
	CHECKF(ret == -EPROTO && strstr(err, "corrupt"), "%d %s", ret, err);
	lwp_queue_fini(&q);
	fakedev_destroy(&d);

	/* Counters that lag (but records are fine): walked, counted right. */
	CHECK(!fakedev_create(&d, 1, 4096, 4, 500, err));
	CHECK(!attach(&d, &q, err));
	ctr = fakedev_ctr(&d, 0);
	memset(&m, 0, sizeof(m));
	checker_init(&m.ck, 500, 1, NULL);
	produce(&d, 0, &seq, 5, 300, &ok);
	ctr[0] -= 2;
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 1);
	CHECK(!m.bad && m.pkts == 5 && q.walks == 1 && q.retries > 0);
	lwp_queue_fini(&q);

	/* A layout pointing outside the mapping is refused up front. */
	bad = d.setup;
	bad.off.data += d.map_len;
	CHECK(lwp_queue_init(&q, d.map, d.map_len, &bad, 0, err) == -EPROTO);
	bad = d.setup;
	bad.off.cons = bad.off.ctl_stride;
	CHECK(lwp_queue_init(&q, d.map, d.map_len, &bad, 0, err) == -EPROTO);
	bad = d.setup;
	bad.off.seg_len_stride = 4;
	CHECK(lwp_queue_init(&q, d.map, d.map_len, &bad, 0, err) == -EPROTO);
	bad = d.setup;
	bad.nr_segs = 3;
	CHECK(lwp_queue_init(&q, d.map, d.map_len, &bad, 0, err) == -EPROTO);
	bad = d.setup;
	CHECK(lwp_queue_init(&q, d.map, d.map_len, &bad, 1, err) == -EINVAL);
	fakedev_destroy(&d);
	return 0;
}

/*
 * The kernel writes the counter mirror before it releases prod, so a
 * reader can see the counters of records it cannot see yet.  Stop the
 * kernel's publish half-way (counters written, prod not) and drain: the
 * batch must hold exactly the published records, counted by walking
 * them; after the publish completes, counting by counters resumes.
 */
static int t_counters_ahead_of_prod(void)
{
	char err[LWP_ERRLEN] = "";
	uint64_t seq = 0, pk, by, *ctr;
	struct fakedev d;
	struct lwp_queue q;
	struct memsink m;
	unsigned int ok, i;

	CHECK(!fakedev_create(&d, 1, 4096, 8, 500, err));
	CHECK(!attach(&d, &q, err));
	memset(&m, 0, sizeof(m));
	checker_init(&m.ck, 500, 1, NULL);
	ctr = fakedev_ctr(&d, 0);
	produce(&d, 0, &seq, 5, 300, &ok);
	for (i = 0; i < 3; i++, seq++)
		CHECK(fakedev_rx(&d, 0, seq, 300, &ts0));
	fakedev_counts(&d, 0, &pk, &by, NULL, NULL);
	__atomic_store_n(&ctr[0], pk, __ATOMIC_RELAXED);
	__atomic_store_n(&ctr[1], by, __ATOMIC_RELAXED);
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 1);
	CHECK(!m.bad && m.pkts == 5 && m.ck.pkts == 5);
	CHECK(q.walks == 1 && q.retries > 0);
	fakedev_flush(&d, 0);
	CHECK(lwp_queue_drain(&q, memsink_fn, &m, err) == 1);
	CHECK(!m.bad && m.pkts == 8 && m.ck.pkts == 8 && q.walks == 1);
	lwp_queue_fini(&q);
	fakedev_destroy(&d);
	return 0;
}

/* The checked number parsers refuse what atoi() would accept. */
static int t_number_parsing(void)
{
	uint64_t v;

	CHECK(!lwp_parse_u64("42", 0, 100, &v) && v == 42);
	CHECK(lwp_parse_u64("101", 0, 100, &v) == -ERANGE);
	CHECK(lwp_parse_u64("-1", 0, 100, &v) == -EINVAL);
	CHECK(lwp_parse_u64(" 1", 0, 100, &v) == -EINVAL);
	CHECK(lwp_parse_u64("1x", 0, 100, &v) == -EINVAL);
	CHECK(lwp_parse_u64("", 0, 100, &v) == -EINVAL);
	CHECK(lwp_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v) ==
	      -ERANGE);
	CHECK(!lwp_parse_size("3", 1000000, 0, UINT64_MAX, &v) &&
	      v == 3000000);
	CHECK(!lwp_parse_size("64k", 1000000, 0, UINT64_MAX, &v) &&
	      v == 65536);
	CHECK(!lwp_parse_size("2G", 1, 0, UINT64_MAX, &v) && v == 2ULL << 30);
	CHECK(lwp_parse_size("2kb", 1, 0, UINT64_MAX, &v) == -EINVAL);
	CHECK(lwp_parse_size("20000000000000g", 1, 0, UINT64_MAX, &v) ==
	      -ERANGE);
	return 0;
}

/* The file header, byte for byte. */
static int t_pcap_header(void)
{
	static const uint8_t want[24] = {
		0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x40, 0, 0, 0, 1, 0, 0, 0,
	};
	uint8_t buf[24];
	uint32_t snap;

	pcap_hdr_fill(buf, 64, PCAP_LINKTYPE_ETHERNET);
	CHECK(!memcmp(buf, want, sizeof(buf)));
	CHECK(!pcap_hdr_check(buf, sizeof(buf), &snap) && snap == 64);
	memset(buf, 0, sizeof(buf));
	CHECK(pcap_hdr_check(buf, sizeof(buf), &snap) == -ENODATA);
	buf[0] = 0xd4;
	CHECK(pcap_hdr_check(buf, sizeof(buf), &snap) == -EINVAL);
	return 0;
}

/*
 * SETUP's size check with a 32-bit kernel's limits (SIZE_MAX 4 GiB - 1):
 * the ring's size_t and pages << PAGE_SHIFT wrap once the page-aligned
 * mapping reaches 4 GiB, so such a layout must be refused; a 64-bit
 * kernel takes every layout the per-queue limits allow.  The mapping is
 * bounded here by its data areas plus one page per queue for the control
 * blocks and segment tables (what lwpcap_layout() adds is less).
 */
static int t_size_check_32bit(void)
{
	const uint64_t ps = 4096, max32 = UINT32_MAX, max64 = UINT64_MAX;
	const uint64_t gib = 1ULL << 30;
	unsigned int nq;

	/* the edges: the largest page-aligned size below 4 GiB */
	CHECK(lwpcap_size_fits(max32 - ps + 1, ps, max32));
	CHECK(lwpcap_size_fits(max32 - ps - 100, ps, max32));
	/* PAGE_ALIGN() of these wraps to 0 in a 32-bit size_t */
	CHECK(!lwpcap_size_fits(max32 - ps + 2, ps, max32));
	CHECK(!lwpcap_size_fits(max32, ps, max32));
	CHECK(!lwpcap_size_fits(max32 + 1, ps, max32));
	/* 64 queues of 1 GiB: over 64 GiB, fine on 64-bit only */
	CHECK(!lwpcap_size_fits(64 * gib + 64 * ps, ps, max32));
	CHECK(lwpcap_size_fits(64 * gib + 64 * ps, ps, max64));
	/* n queues of 1 GiB: at most 3 fit in 32 bits */
	for (nq = 1; nq <= LWPCAP_MAX_QUEUES; nq++) {
		uint64_t lo = nq * gib, hi = nq * (gib + ps);

		CHECKF(lwpcap_size_fits(lo, ps, max32) == (nq < 4) &&
		       lwpcap_size_fits(hi, ps, max32) == (nq < 4),
		       "%u queues of 1 GiB", nq);
		CHECK(lwpcap_size_fits(hi, ps, max64));
	}
	return 0;
}

const struct test ring_tests[] = {
	{ "ring_size_check_32bit", t_size_check_32bit },
	{ "ring_concurrent_one_queue", t_concurrent_one_queue },
	{ "ring_concurrent_four_queues", t_concurrent_four_queues },
	{ "ring_tiny_ring_exact_drops", t_tiny_ring_drops },
	{ "ring_release_mid_batch", t_release_mid_batch },
	{ "ring_u32_wrap_and_segment_skips", t_u32_wrap_and_segment_skips },
	{ "ring_lap_inside_segment", t_lap_inside_segment },
	{ "ring_hostile_kernel", t_hostile_kernel },
	{ "ring_counters_ahead_of_prod", t_counters_ahead_of_prod },
	{ "ring_number_parsing", t_number_parsing },
	{ "ring_pcap_header", t_pcap_header },
};
const unsigned int ring_tests_n = ARRAY_SIZE(ring_tests);
