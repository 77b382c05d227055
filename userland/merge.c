// SPDX-License-Identifier: GPL-2.0
/*
 * merge.c - the queues of an interface merged into time order (--merge).
 *
 * All of it runs in the drain thread; only the counters are read by
 * others.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "pcapfile.h"
#include "util.h"

#define STAGE_BYTES	(256U << 10)	/* records handed on at a time */

/* One queue's records not handed on yet: [head, tail) of @buf. */
struct mq {
	uint8_t *buf;
	size_t head;
	size_t tail;
	uint64_t newest;	/* timestamp of the last record taken, ns */
	bool seen;
};

/**
 * struct lwp_mout - the merge stage in front of an output
 * @ops:      the output behind
 * @inner:    its state
 * @nq:       queues
 * @window:   ns a record may wait for an older one of another queue
 * @qbuf:     bytes per queue buffer
 * @pass_t0:  wall clock at the first batch of this drain pass, 0 if none
 * @forced:   records handed on early because a queue buffer was full
 * @emitted:  records handed on
 * @stage:    the records of one hand-on, in order
 * @q:        the queues
 */
struct lwp_mout {
	const struct lwp_out_ops *ops;
	void *inner;
	unsigned int nq;
	uint64_t window;
	size_t qbuf;
	uint64_t pass_t0;
	uint64_t forced;
	uint64_t emitted;
	uint8_t *stage;
	struct mq q[];
};

static uint64_t rec_ts(const uint8_t *p)
{
	struct lwpcap_rec_hdr h;

	memcpy(&h, p, sizeof(h));	/* packed: maybe unaligned */
	return (uint64_t)h.ts_sec * 1000000000ULL + h.ts_nsec;
}

static uint32_t rec_len(const uint8_t *p)
{
	struct lwpcap_rec_hdr h;

	memcpy(&h, p, sizeof(h));
	return PCAP_REC_HDR_LEN + h.caplen;
}

/**
 * lwp_mout_open() - put a merge of @nr_queues queues in front of @inner
 *
 * From then on, the stage owns @inner: closing it closes @inner.
 */
int lwp_mout_open(struct lwp_mout **out, unsigned int nr_queues,
		  uint64_t window_ns, size_t qbuf,
		  const struct lwp_out_ops *ops, void *inner, char *err)
{
	struct lwp_mout *m;
	unsigned int i;

	if (qbuf < 2 * (PCAP_REC_HDR_LEN + LWPCAP_SNAPLEN_MAX))
		return lwp_err(err, -EINVAL, "merge buffer too small");
	m = calloc(1, sizeof(*m) + nr_queues * sizeof(m->q[0]));
	if (!m)
		return lwp_err(err, -ENOMEM, "out of memory");
	m->ops = ops;
	m->inner = inner;
	m->nq = nr_queues;
	m->window = window_ns;
	m->qbuf = qbuf;
	m->stage = malloc(STAGE_BYTES);
	if (!m->stage)
		goto err_free;
	for (i = 0; i < nr_queues; i++) {
		m->q[i].buf = malloc(qbuf);
		if (!m->q[i].buf)
			goto err_free;
	}
	*out = m;
	return 0;

err_free:
	for (i = 0; i < nr_queues; i++)
		free(m->q[i].buf);
	free(m->stage);
	free(m);
	return lwp_err(err, -ENOMEM, "out of memory for the merge buffers");
}

/* The queue whose next record is the oldest, or -1 if all are empty. */
static int oldest(struct lwp_mout *m, uint64_t *ts)
{
	unsigned int i;
	int best = -1;
	uint64_t t;

	for (i = 0; i < m->nq; i++) {
		if (m->q[i].head == m->q[i].tail)
			continue;
		t = rec_ts(m->q[i].buf + m->q[i].head);
		if (best < 0 || t < *ts) {
			best = i;
			*ts = t;
		}
	}
	return best;
}

static int hand_on(struct lwp_mout *m, size_t bytes, uint64_t pkts,
		   uint64_t caplen, char *err)
{
	struct lwp_run run = { .p = m->stage, .len = bytes };
	struct lwp_batch b = {
		.runs = &run, .nruns = 1, .bytes = bytes, .pkts = pkts,
		.caplen = caplen,
	};

	return m->ops->write(m->inner, &b, err);
}

/*
 * Hand on, oldest first, every record with a timestamp up to @upto
 * (all of them for UINT64_MAX), and at most @max_pkts.
 */
static int emit(struct lwp_mout *m, uint64_t upto, uint64_t max_pkts,
		char *err)
{
	uint64_t pkts = 0, caplen = 0, ts = 0, n = 0;
	size_t bytes = 0;
	unsigned int i;
	uint32_t len;
	int qi, ret;

	while (n < max_pkts && (qi = oldest(m, &ts)) >= 0 && ts <= upto) {
		struct mq *q = &m->q[qi];

		len = rec_len(q->buf + q->head);
		if (bytes + len > STAGE_BYTES) {
			ret = hand_on(m, bytes, pkts, caplen, err);
			if (ret)
				return ret;
			bytes = pkts = caplen = 0;
		}
		memcpy(m->stage + bytes, q->buf + q->head, len);
		q->head += len;
		bytes += len;
		pkts++;
		n++;
		m->emitted++;
		caplen += len - PCAP_REC_HDR_LEN;
	}
	for (i = 0; i < m->nq; i++) {
		struct mq *q = &m->q[i];

		/* Move what is left to the front: room at the end. */
		if (q->head && q->head == q->tail) {
			q->head = q->tail = 0;
		} else if (q->head > m->qbuf / 2) {
			memmove(q->buf, q->buf + q->head, q->tail - q->head);
			q->tail -= q->head;
			q->head = 0;
		}
	}
	return bytes ? hand_on(m, bytes, pkts, caplen, err) : 0;
}

/* The newest timestamp no queue can still undercut. */
static uint64_t watermark(struct lwp_mout *m, uint64_t now)
{
	uint64_t w = UINT64_MAX, t = now > m->window ? now - m->window : 0;
	unsigned int i;

	for (i = 0; i < m->nq; i++) {
		if (!m->q[i].seen) {
			w = 0;
			break;
		}
		if (m->q[i].newest < w)
			w = m->q[i].newest;
	}
	return w > t ? w : t;
}

/*
 * Whole records at @p that fit in @room (at most @len bytes); the
 * offset of the last of them in *@last.  0 if not even one fits.
 */
static size_t fit(const uint8_t *p, size_t len, size_t room, size_t *last)
{
	size_t off = 0;
	uint32_t n;

	while (off < len) {
		n = rec_len(p + off);
		if (n > len - off || n > room - off)
			break;
		*last = off;
		off += n;
	}
	return off;
}

/* Room for @need bytes at the end of @q: compact, then force others. */
static int make_room(struct lwp_mout *m, struct mq *q, size_t need,
		     char *err)
{
	uint64_t before;
	int ret;

	while (m->qbuf - q->tail < need) {
		if (q->head) {
			memmove(q->buf, q->buf + q->head, q->tail - q->head);
			q->tail -= q->head;
			q->head = 0;
			continue;
		}
		/* Full: hand on the oldest records of all, out of turn. */
		before = m->emitted;
		ret = emit(m, UINT64_MAX, 64, err);
		__atomic_store_n(&m->forced, m->forced + m->emitted - before,
				 __ATOMIC_RELAXED);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Sink: take a queue's batch into its buffer.  Handing on in order
 * waits for the end of the drain pass (mout_pass()).
 */
static int mout_write(void *arg, const struct lwp_batch *b, char *err)
{
	struct lwp_mout *m = arg;
	size_t take, last = 0;
	unsigned int i;
	struct mq *q;
	int ret;

	if (b->queue >= m->nq)
		return lwp_err(err, -EINVAL, "merge: queue %u of %u",
			       b->queue, m->nq);
	q = &m->q[b->queue];
	if (!m->pass_t0)
		m->pass_t0 = lwp_wall_ns();
	for (i = 0; i < b->nruns; i++) {
		const uint8_t *p = b->runs[i].p;
		size_t len = b->runs[i].len;

		while (len) {
			take = fit(p, len, m->qbuf - q->tail, &last);
			if (!take) {
				if (len < PCAP_REC_HDR_LEN ||
				    rec_len(p) > len)
					return lwp_err(err, -EPROTO,
						       "corrupt record in the ring (caplen beyond the run)");
				ret = make_room(m, q, rec_len(p), err);
				if (ret)
					return ret;
				continue;
			}
			memcpy(q->buf + q->tail, p, take);
			q->newest = rec_ts(p + last);
			q->seen = true;
			q->tail += take;
			p += take;
			len -= take;
		}
	}
	return 0;
}

/* End of a drain pass: hand on what no queue can undercut any more. */
static int mout_pass(void *arg, char *err)
{
	struct lwp_mout *m = arg;
	uint64_t t0 = m->pass_t0 ? m->pass_t0 : lwp_wall_ns();
	int ret;

	m->pass_t0 = 0;
	ret = emit(m, watermark(m, t0), UINT64_MAX, err);
	if (ret)
		return ret;
	return m->ops->pass ? m->ops->pass(m->inner, err) : 0;
}

/* Idle rings: nothing is on its way, so the window's rule alone. */
static int mout_tick(void *arg, char *err)
{
	struct lwp_mout *m = arg;
	uint64_t now = lwp_wall_ns();
	int ret;

	ret = emit(m, now > m->window ? now - m->window : 0, UINT64_MAX, err);
	if (ret)
		return ret;
	return m->ops->tick(m->inner, err);
}

static bool holding(struct lwp_mout *m)
{
	unsigned int i;

	for (i = 0; i < m->nq; i++)
		if (m->q[i].head != m->q[i].tail)
			return true;
	return false;
}

/* Wake up in time to hand on what waits for the window. */
static int mout_ms_to_rotation(void *arg)
{
	struct lwp_mout *m = arg;
	int ms = m->ops->ms_to_rotation(m->inner);
	int w = m->window / 1000000 + 1;

	if (!holding(m))
		return ms;
	return ms < 0 || ms > w ? w : ms;
}

static void mout_get_stats(void *arg, struct fring_stats *st)
{
	struct lwp_mout *m = arg;

	m->ops->get_stats(m->inner, st);
	st->merge_on = 1;
	st->merge_forced = __atomic_load_n(&m->forced, __ATOMIC_RELAXED);
}

static void mout_free(struct lwp_mout *m)
{
	unsigned int i;

	for (i = 0; i < m->nq; i++)
		free(m->q[i].buf);
	free(m->stage);
	free(m);
}

/* At the end every record is handed on, in order. */
static int mout_close(void *arg, struct fring_stats *final, char *err)
{
	struct lwp_mout *m = arg;
	char msg[LWP_ERRLEN];
	int ret, r;

	ret = emit(m, UINT64_MAX, UINT64_MAX, err);
	/* LWP_STOP (-c reached): the rest stays unwritten, as in a ring */
	if (ret == LWP_STOP)
		ret = 0;
	r = m->ops->close(m->inner, final, ret ? msg : err);
	if (final) {
		final->merge_on = 1;
		final->merge_forced = m->forced;
	}
	mout_free(m);
	return ret ? ret : r;
}

static void mout_abort(void *arg)
{
	struct lwp_mout *m = arg;

	m->ops->abort(m->inner);
	mout_free(m);
}

const struct lwp_out_ops lwp_mout_ops = {
	.write		= mout_write,
	.pass		= mout_pass,
	.tick		= mout_tick,
	.ms_to_rotation	= mout_ms_to_rotation,
	.close		= mout_close,
	.abort		= mout_abort,
	.get_stats	= mout_get_stats,
};
