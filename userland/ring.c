// SPDX-License-Identifier: GPL-2.0
/*
 * ring.c - drain one lwpcap queue.
 *
 * The ordering contract is the one in <linux/lwpcap.h>: U1 is the acquire
 * load of prod in lwp_queue_drain(), U2 the release stores of cons in
 * publish_cons().  Everything the kernel wrote is checked before it is
 * used as an index or a length: a corrupt or hostile ring gives -EPROTO,
 * never a read outside the mapping.
 *
 * Two choices go beyond the header's letter:
 *
 * 1. While records keep coming, the cons we publish is rounded down to
 *    the start of the segment we are reading.  The kernel checks free
 *    space against cons, so with an exact cons in the middle of segment s
 *    a producer that laps the ring may start segment s again in front of
 *    us and overwrite seg_len[s] before we read it: the length of the
 *    rest of s would be lost.  Holding the whole segment costs at most
 *    one segment of ring space.  Before sleeping in poll() we must
 *    publish the exact position (the kernel reports POLLIN while
 *    prod != cons), see lwp_queue_idle(); a lap during that sleep is
 *    detected and reported, see seg_run().
 *
 * 2. Packet counts come from the kernel's counter mirror, not from
 *    walking records.  The mirror is written before prod and may already
 *    be one NAPI poll ahead of the prod we loaded.  Because every record
 *    is 16 header bytes plus at least one frame byte, the counters belong
 *    to our prod exactly when (bytes delta) + 16 * (packets delta) equals
 *    the bytes of the runs; otherwise we look again.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "pcapfile.h"
#include "ring.h"
#include "util.h"

/* Tries before we stop waiting for the counters and walk the records. */
#define LWP_COUNTER_TRIES	64

static inline uint32_t load_acquire_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint64_t load_acquire_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/**
 * lwp_check_setup() - validate what LWPCAP_IOC_SETUP reported
 * @s:       the setup structure after the ioctl
 * @map_len: bytes actually mapped
 *
 * Every offset and stride must keep every queue's parts inside the
 * mapping and aligned for the type stored there.
 */
int lwp_check_setup(const struct lwpcap_setup *s, size_t map_len, char *err)
{
	const struct lwpcap_offsets *o = &s->off;
	uint64_t qsize = (uint64_t)s->seg_size * s->nr_segs;
	uint64_t n = s->nr_queues;

	if (!is_pow2(s->seg_size) || s->seg_size < LWPCAP_SEG_SIZE_MIN ||
	    s->seg_size > LWPCAP_SEG_SIZE_MAX || !is_pow2(s->nr_segs) ||
	    s->nr_segs < 2 || qsize > LWPCAP_QUEUE_SIZE_MAX)
		return lwp_err(err, -EPROTO,
			       "ring geometry %u x %u bytes is invalid",
			       s->nr_segs, s->seg_size);
	if (!n || n > LWPCAP_MAX_QUEUES)
		return lwp_err(err, -EPROTO, "ring has %llu queues",
			       (unsigned long long)n);
	if (s->mmap_size > map_len)
		return lwp_err(err, -EPROTO, "ring is larger than the mapping");
	if (o->prod % 4 || o->cons % 4 || o->packets % 8 || o->bytes % 8 ||
	    o->drops % 8 || o->missed % 8 || o->ctl % 8 || o->ctl_stride % 8 ||
	    o->seg_len % 4 || o->seg_len_stride % 4)
		return lwp_err(err, -EPROTO, "ring offsets are misaligned");
	if (o->prod + 4 > o->ctl_stride || o->cons + 4 > o->ctl_stride ||
	    o->packets + 8 > o->ctl_stride || o->bytes + 8 > o->ctl_stride ||
	    o->drops + 8 > o->ctl_stride || o->missed + 8 > o->ctl_stride ||
	    o->ctl + n * o->ctl_stride > map_len)
		return lwp_err(err, -EPROTO, "control blocks exceed the mapping");
	if (o->seg_len_stride < 4ULL * s->nr_segs ||
	    o->seg_len > map_len ||
	    (n - 1) * o->seg_len_stride + 4ULL * s->nr_segs >
	    map_len - o->seg_len)
		return lwp_err(err, -EPROTO, "segment tables exceed the mapping");
	if (o->data_stride < qsize || o->data > map_len ||
	    (n - 1) * o->data_stride + qsize > map_len - o->data)
		return lwp_err(err, -EPROTO, "data areas exceed the mapping");
	return 0;
}

/**
 * lwp_queue_init() - attach to queue @index of a mapped ring
 * @q:       state to fill
 * @map:     start of the mapping
 * @map_len: bytes mapped
 * @s:       setup as reported by the kernel
 * @index:   queue number
 *
 * Must be called before capture is activated (or on a ring nobody
 * writes), since the counters read here are taken as the base.
 */
int lwp_queue_init(struct lwp_queue *q, void *map, size_t map_len,
		   const struct lwpcap_setup *s, unsigned int index, char *err)
{
	const struct lwpcap_offsets *o = &s->off;
	uint8_t *base = map;
	uint8_t *ctl;
	int ret;

	memset(q, 0, sizeof(*q));
	ret = lwp_check_setup(s, map_len, err);
	if (ret)
		return ret;
	if (index >= s->nr_queues)
		return lwp_err(err, -EINVAL, "no queue %u in the ring", index);

	ctl = base + o->ctl + (size_t)index * o->ctl_stride;
	q->prod = (const uint32_t *)(ctl + o->prod);
	q->cons_usr = (uint32_t *)(ctl + o->cons);
	q->packets = (const uint64_t *)(ctl + o->packets);
	q->bytes = (const uint64_t *)(ctl + o->bytes);
	q->drops = (const uint64_t *)(ctl + o->drops);
	/* 0 where the kernel has no such counter: prod is there */
	q->missed = o->missed ? (const uint64_t *)(ctl + o->missed) : NULL;
	q->seg_len = (const uint32_t *)(base + o->seg_len +
					index * o->seg_len_stride);
	q->data = base + o->data + index * o->data_stride;
	q->seg_size = s->seg_size;
	q->size = s->seg_size * s->nr_segs;
	q->seg_shift = __builtin_ctz(s->seg_size);
	q->index = index;

	q->runs = calloc(s->nr_segs + 1, sizeof(*q->runs));
	if (!q->runs)
		return lwp_err(err, -ENOMEM, "out of memory");

	/* Nothing moves before activation: take the counters as the base. */
	q->cons = load_acquire_u32(q->prod);
	q->cons_pub = q->cons;
	__atomic_store_n(q->cons_usr, q->cons, __ATOMIC_RELEASE);
	q->base_pkts = load_acquire_u64(q->packets);
	q->base_bytes = load_acquire_u64(q->bytes);
	return 0;
}

void lwp_queue_fini(struct lwp_queue *q)
{
	free(q->runs);
	q->runs = NULL;
}

/*
 * Length of the part of a finished segment that starts at @pos (offset
 * @off into the segment), from seg_len[].  See choice 1 at the top: the
 * only segment the kernel may have started again is the one holding the
 * cons we published, and then only below that cons's offset.  A length
 * below @off is therefore a lap for certain.  One equal to @off, with
 * the kernel already past the start of the segment's next turn, is
 * either an old segment that ended right there or a lap: *@ambiguous is
 * set and the counter check in lwp_queue_drain() decides, since lost
 * records would leave the counters above what the runs hold.
 */
static int lap_error(struct lwp_queue *q, uint32_t seg, char *err)
{
	return lwp_err(err, -EOVERFLOW,
		       "queue %u: the kernel lapped the reader inside segment %u while it slept; records were lost (a kernel that reserves space against the start of cons's segment cannot do this)",
		       q->index, seg);
}

static int seg_run(struct lwp_queue *q, uint32_t pos, uint32_t p,
		   uint32_t *len, int *ambiguous, char *err)
{
	uint32_t off = pos & (q->seg_size - 1);
	uint32_t seg = (pos & (q->size - 1)) >> q->seg_shift;
	uint32_t v = __atomic_load_n(&q->seg_len[seg], __ATOMIC_RELAXED);

	if (v > q->seg_size)
		return lwp_err(err, -EPROTO,
			       "queue %u: segment %u length %u exceeds the segment size %u",
			       q->index, seg, v, q->seg_size);
	if (v < off)
		return lap_error(q, seg, err);
	if (v == off && off && (uint32_t)(p - (pos - off)) > q->size)
		*ambiguous = 1;
	*len = v - off;
	return 0;
}

/* Cut [cons, p) into runs; returns the number of bytes in them. */
static int make_runs(struct lwp_queue *q, uint32_t p, unsigned int *nruns,
		     uint64_t *total, int *ambiguous, char *err)
{
	uint32_t pos = q->cons;
	unsigned int n = 0;
	uint64_t sum = 0;
	int ret;

	while (pos != p) {
		uint32_t off = pos & (q->seg_size - 1);
		uint32_t to_end = q->seg_size - off;
		uint32_t len = 0;

		if ((uint32_t)(p - pos) < to_end) {
			/* The producer is still in this segment. */
			len = p - pos;
			to_end = len;
		} else {
			ret = seg_run(q, pos, p, &len, ambiguous, err);
			if (ret)
				return ret;
		}
		if (len) {
			q->runs[n].p = q->data + (pos & (q->size - 1));
			q->runs[n].len = len;
			n++;
			sum += len;
		}
		pos += to_end;
	}
	*nruns = n;
	*total = sum;
	return 0;
}

/*
 * The slow path: count records by walking them, for when the counters
 * never settled (a producer preempted in the middle of a publish, which
 * user-space test producers can be) or lie.  Also proves the runs are
 * made of whole records.
 */
static int walk_runs(struct lwp_queue *q, unsigned int nruns,
		     struct lwp_batch *b, char *err)
{
	unsigned int i;

	b->pkts = 0;
	b->caplen = 0;
	for (i = 0; i < nruns; i++) {
		struct pcap_walk w;

		pcap_walk(q->runs[i].p, q->runs[i].len, q->runs[i].len,
			  UINT64_MAX, LWPCAP_SNAPLEN_MAX, &w);
		if (w.bad || w.bytes != q->runs[i].len)
			return lwp_err(err, -EPROTO,
				       "queue %u: corrupt record at ring offset %zu",
				       q->index,
				       (size_t)(q->runs[i].p - q->data) +
				       w.bytes);
		b->pkts += w.pkts;
		b->caplen += w.caplen;
	}
	__atomic_store_n(&q->walks, q->walks + 1, __ATOMIC_RELAXED);
	return 0;
}

/* @lim: the furthest @v may go, @q->cons or the end of a batch */
static void publish_upto(struct lwp_queue *q, uint32_t v, uint32_t lim)
{
	/* Only ever forward: the kernel ignores a cons that moves back. */
	if (v == q->cons_pub ||
	    (uint32_t)(v - q->cons_pub) > (uint32_t)(lim - q->cons_pub))
		return;
	q->cons_pub = v;
	/* U2: our copies are done; pairs with K2. */
	__atomic_store_n(q->cons_usr, v, __ATOMIC_RELEASE);
}

static void publish_cons(struct lwp_queue *q, uint32_t v)
{
	publish_upto(q, v, q->cons);
}

/**
 * lwp_batch_release() - a sink is done with the first @nruns runs
 * @b:     the batch lwp_queue_drain() gave the sink
 * @nruns: runs the sink will not read again
 *
 * Their space goes back to the producer now instead of after the whole
 * batch: after a stall a batch can be most of the ring, and the kernel
 * dropped frames for all the time it took to write it (issue 16).  A
 * no-op for a batch a sink made of its own (@b->q NULL).
 */
void lwp_batch_release(const struct lwp_batch *b, unsigned int nruns)
{
	struct lwp_queue *q = b->q;
	uint32_t off;

	if (!q || !nruns || nruns >= b->nruns)
		return;
	/* run @nruns starts a segment: every byte before it is consumed */
	off = (uint32_t)(b->runs[nruns].p - q->data);
	publish_upto(q, q->cons + ((off - q->cons) & (q->size - 1)),
		     q->cons + q->size);
}

/**
 * lwp_queue_drain() - move everything published so far to a sink
 * @q:    queue
 * @sink: consumer of the batch
 * @ctx:  passed to @sink
 * @err:  error buffer
 *
 * Return: 0 if the queue was empty, 1 if a batch was written, LWP_STOP
 * if the sink asked to stop, or a negative errno (-EPROTO: the ring's
 * shared state is impossible; -EOVERFLOW: see seg_run(); or the sink's).
 */
int lwp_queue_drain(struct lwp_queue *q, lwp_sink_fn sink, void *ctx,
		    char *err)
{
	struct lwp_batch b = { .runs = q->runs, .queue = q->index, .q = q };
	uint64_t pkts = 0, bytes = 0;
	unsigned int tries;
	int ret, ambiguous;
	uint32_t p = 0;

	for (tries = 0; ; tries++) {
		/* U1: records and seg_len[] up to p are complete. */
		p = load_acquire_u32(q->prod);
		if ((uint32_t)(p - q->cons) > q->size)
			return lwp_err(err, -EPROTO,
				       "queue %u: producer position %u is %u bytes ahead of the reader in a %u-byte ring",
				       q->index, p, p - q->cons, q->size);
		if (p == q->cons)
			return 0;
		ambiguous = 0;
		ret = make_runs(q, p, &b.nruns, &b.bytes, &ambiguous, err);
		if (ret)
			return ret;
		/* Written before prod (K1), so at least p's values. */
		pkts = load_acquire_u64(q->packets) - q->base_pkts;
		bytes = load_acquire_u64(q->bytes) - q->base_bytes;
		if (bytes + PCAP_REC_HDR_LEN * pkts == b.bytes &&
		    pkts <= b.bytes / (PCAP_REC_HDR_LEN + 1)) {
			b.pkts = pkts;
			b.caplen = bytes;
			break;
		}
		if (tries >= LWP_COUNTER_TRIES && ambiguous)
			return lap_error(q, (q->cons & (q->size - 1)) >>
					 q->seg_shift, err);
		if (tries >= LWP_COUNTER_TRIES) {
			ret = walk_runs(q, b.nruns, &b, err);
			if (ret)
				return ret;
			break;
		}
		__atomic_store_n(&q->retries, q->retries + 1, __ATOMIC_RELAXED);
		sched_yield();
	}

	ret = sink(ctx, &b, err);
	q->cons = p;
	q->base_pkts += b.pkts;
	q->base_bytes += b.caplen;
	publish_cons(q, p & ~(q->seg_size - 1));
	if (ret < 0)
		return ret;
	return ret == LWP_STOP ? LWP_STOP : 1;
}

/**
 * lwp_queue_idle() - publish the exact position before sleeping
 *
 * The kernel's poll() reports data while its prod differs from our cons,
 * so the rounded-down cons of a busy reader would make poll() spin.
 */
void lwp_queue_idle(struct lwp_queue *q)
{
	publish_cons(q, q->cons);
}

/*
 * Acquire: the kernel writes missed before drops (lwpcap_qring_publish()),
 * so missed read after this is at least the drops' own: their difference
 * never holds a frame that was only missed.
 */
uint64_t lwp_queue_drops(const struct lwp_queue *q)
{
	return __atomic_load_n(q->drops, __ATOMIC_ACQUIRE);
}

uint64_t lwp_queue_missed(const struct lwp_queue *q)
{
	return q->missed ? __atomic_load_n(q->missed, __ATOMIC_RELAXED) : 0;
}

uint64_t lwp_queue_packets(const struct lwp_queue *q)
{
	return __atomic_load_n(q->packets, __ATOMIC_RELAXED);
}
