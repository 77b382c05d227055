// SPDX-License-Identifier: GPL-2.0
/*
 * runsplit.c - the drain thread's sink: batches of the ring appended to
 * the current file, cut where a file ends (-C), where the -c limit falls
 * and where a -G period ends.
 *
 * Most of a batch is a memcpy() of its runs; only a run that crosses a
 * boundary is walked record by record, and cut at a record.  Rotation
 * itself (fring_rotate()) and time (fring_tick()) are filering.c's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fring.h"
#include "pcapfile.h"

/*
 * Copy whole records so that a crash (SIGKILL) in the middle leaves no
 * torn record behind: the first record header's caplen and len, the
 * bytes that make a record valid for repair, are stored last.  Before
 * that store the run starts with a caplen of 0 (the file was
 * preallocated with zeroes), which repair takes as the end of the file.
 */
static void put_records(uint8_t *dst, const uint8_t *src, size_t len)
{
	memcpy(dst + PCAP_REC_HDR_LEN, src + PCAP_REC_HDR_LEN,
	       len - PCAP_REC_HDR_LEN);
	memcpy(dst, src, 8);
	/* Compiler barrier: a SIGKILL stops us between instructions. */
	__asm__ __volatile__("" ::: "memory");
	memcpy(dst + 8, src + 8, 8);
}

#define RUN_ON	1	/* run_next(): the run goes on in a new file */

/*
 * After the part @w of a run went into the file: count it, and rotate if
 * the run goes on.  Returns RUN_ON, 0 when the run is written, LWP_STOP
 * at the -c limit, or a negative errno.
 */
static int run_next(struct fring *f, const struct pcap_walk *w,
		    const uint8_t **p, size_t *len, bool counting, char *err)
{
	int ret;

	*p += w->bytes;
	*len -= w->bytes;
	if (counting) {
		f->pkts_limit_left -= w->pkts;
		stat_add(&f->st.pkts, w->pkts);
		stat_add(&f->st.caplen, w->caplen);
		if (!f->pkts_limit_left)
			return LWP_STOP;
	}
	if (!*len)
		return 0;
	if (!w->bytes && f->cur->off == f->hdr_len)
		return lwp_err(err, -EFBIG,
			       "a record does not fit in an empty file");
	ret = fring_rotate(f, err);
	return ret ? ret : RUN_ON;
}

/*
 * pcapng: convert one run into EPBs, as many as fit before the room kept
 * for the ISB, rotating as needed; as write_run() otherwise.  @done
 * counts bytes of the run (ring format) taken.
 */
static int write_run_ng(struct fring *f, const uint8_t *p, size_t len,
			bool counting, size_t *done, char *err)
{
	struct pcap_walk w;
	uint64_t room;
	size_t n;
	int ret;

	*done = 0;
	while (len) {
		room = f->cfg.file_size - f->trailer - f->cur->off;
		n = pcapng_convert(f->cur->map + f->cur->off, room, p, len,
				   counting ? f->pkts_limit_left : UINT64_MAX,
				   &w);
		if (w.bad)
			return lwp_err(err, -EPROTO,
				       "corrupt record in the ring (caplen beyond the run)");
		f->cur->off += n;
		f->recs += w.pkts;
		*done += w.bytes;
		stat_add(&f->st.file_bytes, n);
		ret = run_next(f, &w, &p, &len, counting, err);
		if (ret != RUN_ON)
			return ret;
	}
	return 0;
}

/*
 * Copy one run, splitting it at record boundaries when it does not fit
 * in the current file or when the -c limit falls inside it.  Returns 0,
 * LWP_STOP when the limit was reached, or a negative errno.
 */
static int write_run(struct fring *f, const uint8_t *p, size_t len,
		     bool counting, size_t *done, char *err)
{
	struct pcap_walk w;
	uint64_t room;
	int ret;

	if (f->trailer)
		return write_run_ng(f, p, len, counting, done, err);
	*done = 0;
	while (len) {
		room = f->cfg.file_size - f->cur->off;
		if (!counting && len <= room) {
			put_records(f->cur->map + f->cur->off, p, len);
			f->cur->off += len;
			*done += len;
			stat_add(&f->st.file_bytes, len);
			return 0;
		}
		pcap_walk(p, len, room,
			  counting ? f->pkts_limit_left : UINT64_MAX,
			  f->cfg.snaplen, &w);
		if (w.bad)
			return lwp_err(err, -EPROTO,
				       "corrupt record in the ring (caplen beyond snaplen %u or the run)",
				       f->cfg.snaplen);
		if (w.bytes)
			put_records(f->cur->map + f->cur->off, p, w.bytes);
		f->cur->off += w.bytes;
		*done += w.bytes;
		stat_add(&f->st.file_bytes, w.bytes);
		ret = run_next(f, &w, &p, &len, counting, err);
		if (ret != RUN_ON)
			return ret;
	}
	return 0;
}

/* Append a batch to the current file, rotating by size and -c. */
static int write_batch(struct fring *f, const struct lwp_batch *b,
		       char *err)
{
	uint64_t pkts, caplen;
	struct pcap_walk w;
	unsigned int i, k;
	size_t done, skip;
	bool counting;
	int ret = 0;

	counting = f->cfg.max_pkts && b->pkts >= f->pkts_limit_left;
	for (i = 0; i < b->nruns; i++) {
		ret = write_run(f, b->runs[i].p, b->runs[i].len, counting,
				&done, err);
		if (ret)
			break;
		/*
		 * A run ends on a record; a batch can be the whole ring (up
		 * to 128 MiB after a stall): served only once a batch, the
		 * disk went idle for 40 ms at a time (issue 16).
		 */
		fring_window_check(f, false);
		lwp_batch_release(b, i + 1);
	}
	if (counting)
		return ret;
	if (ret < 0) {
		/*
		 * Error path: what made it into the files is the batch less
		 * what did not, walked; the runs before @i are released.
		 */
		pkts = b->pkts;
		caplen = b->caplen;
		for (k = i; k < b->nruns; k++) {
			skip = k == i ? done : 0;
			pcap_walk(b->runs[k].p + skip, b->runs[k].len - skip,
				  SIZE_MAX, UINT64_MAX, LWPCAP_SNAPLEN_MAX, &w);
			pkts -= w.pkts;
			caplen -= w.caplen;
		}
		stat_add(&f->st.pkts, pkts);
		stat_add(&f->st.caplen, caplen);
		return ret;
	}
	if (f->cfg.max_pkts)
		f->pkts_limit_left -= b->pkts;
	stat_add(&f->st.pkts, b->pkts);
	stat_add(&f->st.caplen, b->caplen);
	return 0;
}

/*
 * -G: the period ended and the current file has records.  The batch's
 * records stamped before the end still belong to it: write those (up
 * to the first record of the new period, run @*ri at offset @*roff) and
 * count them in @head; the rest is for the next file.  Only the first
 * batch after a period's end is walked.
 */
static int write_until(struct fring *f, const struct lwp_batch *b,
		       uint64_t end_ns, struct lwp_batch *head,
		       unsigned int *ri, size_t *roff, char *err)
{
	struct lwpcap_rec_hdr h;
	struct lwp_batch part;
	struct pcap_walk w;
	struct lwp_run run;
	unsigned int i, k;
	size_t off = 0;
	int ret;

	memset(head, 0, sizeof(*head));
	head->runs = b->runs;
	for (i = 0; i < b->nruns; i++) {
		for (off = 0; off + PCAP_REC_HDR_LEN <= b->runs[i].len;
		     off += PCAP_REC_HDR_LEN + h.caplen) {
			memcpy(&h, b->runs[i].p + off, sizeof(h));
			if ((uint64_t)h.ts_sec * 1000000000ULL + h.ts_nsec >=
			    end_ns)
				goto found;
			if (h.caplen > b->runs[i].len - off - PCAP_REC_HDR_LEN)
				return lwp_err(err, -EPROTO,
					       "corrupt record in the ring (caplen beyond the run)");
			head->pkts++;
			head->caplen += h.caplen;
		}
	}
	off = 0;
found:
	*ri = i;
	*roff = off;
	memset(&w, 0, sizeof(w));
	if (off)
		pcap_walk(b->runs[i].p, off, SIZE_MAX, UINT64_MAX,
			  LWPCAP_SNAPLEN_MAX, &w);
	if (i) {
		/* the whole runs before run i */
		memset(&part, 0, sizeof(part));
		part.runs = b->runs;
		part.nruns = i;
		part.pkts = head->pkts - w.pkts;
		part.caplen = head->caplen - w.caplen;
		for (k = 0; k < i; k++)
			part.bytes += b->runs[k].len;
		ret = write_batch(f, &part, err);
		if (ret)
			return ret;
	}
	if (!off)
		return 0;
	/* run i's first @off bytes */
	run.p = b->runs[i].p;
	run.len = off;
	memset(&part, 0, sizeof(part));
	part.runs = &run;
	part.nruns = 1;
	part.bytes = off;
	part.pkts = w.pkts;
	part.caplen = w.caplen;
	return write_batch(f, &part, err);
}

/*
 * -G: an empty file's period moves on with the clock (fring_tick()), but
 * records stamped before it may still be in the ring (the tick found the
 * ring empty just before the producer published them).  The file then
 * takes the period of its first record, so that its name never says a
 * later time than its records.
 */
static void period_back(struct fring *f, const struct lwp_batch *b)
{
	struct lwpcap_rec_hdr h;
	time_t g = f->cfg.rotate_sec;

	if (b->runs[0].len < sizeof(h))
		return;
	memcpy(&h, b->runs[0].p, sizeof(h));
	if ((time_t)h.ts_sec >= f->cur->start)
		return;
	f->cur->deadline = ((time_t)h.ts_sec / g + 1) * g;
	f->cur->start = f->cur->deadline - g;
}

/**
 * fring_write() - sink for lwp_queue_drain(): append a batch
 * @arg: the series
 * @b:   whole records
 *
 * Only the run that crosses a file boundary, the batch in which the -c
 * limit falls and the first batch after a -G period's end are walked
 * record by record; the rest is memcpy().
 *
 * Return: 0, LWP_STOP once -c records are written, or a negative errno;
 * after an error the files already completed are valid and the current
 * one ends with a whole record.
 */
int fring_write(void *arg, const struct lwp_batch *b, char *err)
{
	struct lwp_batch head, rest = { .q = NULL };
	struct fring *f = arg;
	unsigned int i = 0;
	struct lwp_run cut;
	size_t off = 0;
	int ret;

	if (f->cfg.rotate_sec && f->cur->off == f->hdr_len && b->nruns) {
		/* an empty file's period moves on, not past its records */
		ret = fring_tick(f, err);
		if (ret)
			return ret;
		period_back(f, b);
	}
	if (!f->cfg.rotate_sec || !fring_period_over(f, fring_wall(f)) ||
	    !b->nruns) {
		ret = fring_tick(f, err);
		return ret ? ret : write_batch(f, b, err);
	}
	ret = write_until(f, b, (uint64_t)f->cur->deadline * 1000000000ULL,
			  &head, &i, &off, err);
	if (ret)
		return ret;
	ret = fring_tick(f, err);
	if (ret || i == b->nruns)
		return ret;
	/* run i from @off, then the runs after it: the new period's */
	rest.pkts = b->pkts - head.pkts;
	rest.caplen = b->caplen - head.caplen;
	if (off) {
		struct pcap_walk w;

		cut.p = b->runs[i].p + off;
		cut.len = b->runs[i].len - off;
		pcap_walk(cut.p, cut.len, SIZE_MAX, UINT64_MAX,
			  LWPCAP_SNAPLEN_MAX, &w);
		rest.runs = &cut;
		rest.nruns = 1;
		rest.bytes = cut.len;
		ret = write_batch(f, &(struct lwp_batch){
			.runs = &cut, .nruns = 1, .bytes = cut.len,
			.pkts = w.pkts, .caplen = w.caplen }, err);
		if (ret)
			return ret;
		rest.pkts -= w.pkts;
		rest.caplen -= w.caplen;
		i++;
	}
	rest.runs = b->runs + i;
	rest.nruns = b->nruns - i;
	rest.bytes = 0;
	for (; i < b->nruns; i++)
		rest.bytes += b->runs[i].len;
	return rest.nruns ? write_batch(f, &rest, err) : 0;
}
