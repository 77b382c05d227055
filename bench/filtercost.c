// SPDX-License-Identifier: GPL-2.0
/*
 * filtercost.c - what a capture filter costs per packet in the reader.
 *
 * The reader runs the filter (libpcap's pcap_compile() output, run with
 * bpf_filter(), exactly as userland/filter.c does) on each record of a
 * batch and copies the accepted ones.  This measures, in one run and on
 * the same records:
 *
 *   copy      copying every record to a separate buffer: what the reader
 *             does per record anyway (the limit the filter is set against)
 *   walk      stepping from record to record, nothing else
 *   FILTER    the filter stage: walk + bpf_filter() on every record,
 *             without the copy, and with the copy of the records kept
 *   pcapng    --format pcapng: every record converted to an Enhanced
 *             Packet Block (userland/pcapng.c), in place of the copy
 *   merge     --merge of 4 queues (userland/merge.c): each queue's batch
 *             copied into its buffer, then handed on in time order
 *             through the stage buffer, to an output that takes it
 *
 * Records are the fake source's frames (Ethernet/IPv4/UDP 9 -> 9, the
 * sequence number after the UDP header) in a buffer larger than the
 * caches, as the ring is.  Each figure is the best of REPS passes, in
 * ns per packet.  The number of accepted frames is checked, so a wrong
 * filter is an error, not a fast figure.
 *
 *   filtercost [--quick]        exit status 0, or 1 on a wrong count
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "fakedev.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "merge.h"
#include "util.h"

struct filt {
	const char *expr;
	unsigned int keep_mod;	/* it keeps seq % keep_mod == 0; 0: none */
};

/* Typical capture filters, and what they keep of the fake frames. */
static const struct filt filters[] = {
	{ "not port 22", 1 },
	{ "udp port 9", 1 },
	{ "host 198.18.0.2 and not (tcp port 22 or 443)", 1 },
	{ "tcp", 0 },
	{ "udp[8] & 3 == 0", 4 },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static size_t fill(uint8_t *buf, size_t nrec, uint32_t len)
{
	struct lwpcap_rec_hdr h = { .caplen = len, .len = len };
	size_t off = 0, i;

	for (i = 0; i < nrec; i++) {
		memcpy(buf + off, &h, sizeof(h));
		fakedev_frame(buf + off + sizeof(h), i, len, len);
		off += sizeof(h) + len;
	}
	return off;
}

/* results land here, so the compiler cannot drop the work */
static volatile uint64_t sink;

static uint64_t walk(const uint8_t *p, size_t bytes)
{
	const uint8_t *end = p + bytes;
	uint64_t n = 0;

	while (p < end) {
		struct lwpcap_rec_hdr h;

		memcpy(&h, p, sizeof(h));	/* packed: maybe unaligned */
		n += h.caplen & 1;
		p += PCAP_REC_HDR_LEN + h.caplen;
	}
	return n;
}

static uint64_t run_filter(const struct bpf_program *prog, const uint8_t *p,
			   size_t bytes)
{
	const uint8_t *end = p + bytes;
	uint64_t kept = 0;

	while (p < end) {
		struct lwpcap_rec_hdr h;

		memcpy(&h, p, sizeof(h));
		kept += bpf_filter(prog->bf_insns, p + PCAP_REC_HDR_LEN,
				   h.len, h.caplen) != 0;
		p += PCAP_REC_HDR_LEN + h.caplen;
	}
	return kept;
}

static void copy_all(uint8_t *dst, const uint8_t *p, size_t bytes)
{
	const uint8_t *end = p + bytes;

	/* Record by record, as the filter stage hands them on. */
	while (p < end) {
		struct lwpcap_rec_hdr h;
		uint32_t rec;

		memcpy(&h, p, sizeof(h));
		rec = PCAP_REC_HDR_LEN + h.caplen;
		memcpy(dst, p, rec);
		dst += rec;
		p += rec;
	}
}

/* The reader's filter stage and the copy of what it keeps. */
static uint64_t filter_copy(const struct bpf_program *prog, uint8_t *dst,
			    const uint8_t *p, size_t bytes)
{
	const uint8_t *end = p + bytes;
	uint64_t kept = 0;

	while (p < end) {
		struct lwpcap_rec_hdr h;
		uint32_t rec;

		memcpy(&h, p, sizeof(h));
		rec = PCAP_REC_HDR_LEN + h.caplen;
		if (bpf_filter(prog->bf_insns, p + PCAP_REC_HDR_LEN, h.len,
			       h.caplen)) {
			memcpy(dst, p, rec);
			dst += rec;
			kept++;
		}
		p += rec;
	}
	return kept;
}

static int null_write(void *o, const struct lwp_batch *b, char *err)
{
	(void)o;
	(void)err;
	sink += b->pkts;
	return 0;
}

static int null_tick(void *o, char *err)
{
	(void)o;
	(void)err;
	return 0;
}

static int null_ms(void *o)
{
	(void)o;
	return -1;
}

static int null_close(void *o, struct fring_stats *st, char *err)
{
	(void)o;
	(void)st;
	(void)err;
	return 0;
}

static void null_abort(void *o)
{
	(void)o;
}

static void null_stats(void *o, struct fring_stats *st)
{
	(void)o;
	(void)st;
}

static const struct lwp_out_ops null_ops = {
	.write = null_write, .tick = null_tick, .ms_to_rotation = null_ms,
	.close = null_close, .abort = null_abort, .get_stats = null_stats,
};

#define BEST(expr) ({							\
	double _best = 1e30, _t;					\
	unsigned int _r;						\
	for (_r = 0; _r < reps; _r++) {					\
		_t = now_ns();						\
		expr;							\
		_t = now_ns() - _t;					\
		_best = _t < _best ? _t : _best;			\
	}								\
	_best / nrec; })

/*
 * --merge of 4 queues: the records dealt round robin to 4 queue runs
 * (timestamps rising along the buffer), each pass hands each queue's
 * run to the stage and ends the pass.
 */
static int merge_cost(const uint8_t *buf, uint8_t *qbuf, size_t bytes,
		      size_t nrec, unsigned int reps, uint32_t len,
		      const char *where, double copy_ns)
{
	size_t off = 0, qoff[4] = { 0 }, k = 0, qlen = bytes / 4 + 65536;
	struct lwp_run run;
	struct lwp_batch b = { .runs = &run, .nruns = 1 };
	struct lwpcap_rec_hdr h;
	char err[LWP_ERRLEN];
	struct lwp_mout *mo;
	double ns;
	unsigned int q;

	/* queue q's records at qbuf + q * qlen, timestamps 1 ns apart */
	while (off < bytes) {
		memcpy(&h, buf + off, sizeof(h));
		h.ts_sec = 1;
		h.ts_nsec = k;
		q = k++ % 4;
		memcpy(qbuf + q * qlen + qoff[q], &h, sizeof(h));
		memcpy(qbuf + q * qlen + qoff[q] + sizeof(h),
		       buf + off + sizeof(h), h.caplen);
		qoff[q] += sizeof(h) + h.caplen;
		off += sizeof(h) + h.caplen;
	}
	if (lwp_mout_open(&mo, 4, 10000000ULL, LWP_MERGE_QBUF, &null_ops,
			  NULL, err)) {
		fprintf(stderr, "filtercost: %s\n", err);
		return 1;
	}
	ns = BEST(({
		for (q = 0; q < 4; q++) {
			run.p = qbuf + q * qlen;
			run.len = qoff[q];
			b.queue = q;
			lwp_mout_ops.write(mo, &b, err);
		}
		lwp_mout_ops.pass(mo, err);
		/* what the watermark kept, as a stop would */
		lwp_mout_ops.tick(mo, err);
	}));
	lwp_mout_ops.close(mo, NULL, err);
	printf("%-5u %-4s %-48s %7s %7.1f %+7.1f\n", len, where,
	       "(--merge of 4 queues instead of copying)", "-", ns,
	       ns - copy_ns);
	return 0;
}

static int one_size(uint8_t *buf, uint8_t *dst, size_t bytes_max,
		    uint32_t len, unsigned int reps, const char *where)
{
	size_t nrec = bytes_max / (PCAP_REC_HDR_LEN + len);
	size_t bytes = fill(buf, nrec, len);
	double copy_ns, walk_ns, f_ns, fc_ns;
	unsigned int k;
	int rc = 0;

	copy_ns = BEST(copy_all(dst, buf, bytes));
	walk_ns = BEST(sink += walk(buf, bytes));
	printf("%-5u %-4s %-48s %7.1f %7.1f %7.1f\n", len, where,
	       "(no filter: copy every record)", 0.0, copy_ns, 0.0);
	printf("%-5u %-4s %-48s %7.1f %7s %7s\n", len, where,
	       "(walk the records only)", walk_ns, "-", "-");
	for (k = 0; k < ARRAY_SIZE(filters); k++) {
		const struct filt *f = &filters[k];
		struct bpf_program prog;
		uint64_t kept = 0, kept2 = 0, want;
		pcap_t *p;

		p = pcap_open_dead(DLT_EN10MB, 65535);
		if (!p || pcap_compile(p, &prog, f->expr, 1,
				       PCAP_NETMASK_UNKNOWN)) {
			fprintf(stderr, "filtercost: '%s': %s\n", f->expr,
				p ? pcap_geterr(p) : "no handle");
			return 1;
		}
		pcap_close(p);
		f_ns = BEST(kept = run_filter(&prog, buf, bytes));
		fc_ns = BEST(kept2 = filter_copy(&prog, dst, buf, bytes));
		pcap_freecode(&prog);
		want = f->keep_mod ? (nrec + f->keep_mod - 1) / f->keep_mod :
				     0;
		printf("%-5u %-4s %-48.48s %7.1f %7.1f %+7.1f\n", len, where,
		       f->expr, f_ns, fc_ns, fc_ns - copy_ns);
		if (kept != want || kept2 != want) {
			fprintf(stderr, "filtercost: '%s' kept %llu/%llu of %zu, expected %llu\n",
				f->expr, (unsigned long long)kept,
				(unsigned long long)kept2, nrec,
				(unsigned long long)want);
			rc = 1;
		}
	}
	rc |= merge_cost(buf, dst, bytes, nrec, reps, len, where, copy_ns);
	{
		struct pcap_walk w;
		size_t room = bytes_max * 2;
		double ng_ns;

		ng_ns = BEST(pcapng_convert(dst, room, buf, bytes, UINT64_MAX,
					    &w));
		printf("%-5u %-4s %-48s %7s %7.1f %+7.1f\n", len, where,
		       "(pcapng: convert to EPBs instead of copying)", "-",
		       ng_ns, ng_ns - copy_ns);
		if (w.pkts != nrec || w.bad) {
			fprintf(stderr, "filtercost: pcapng converted %llu of %zu\n",
				(unsigned long long)w.pkts, nrec);
			rc = 1;
		}
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const uint32_t lens[] = { 64, 590, 1514 };
	int quick = argc > 1 && !strcmp(argv[1], "--quick");
	size_t cold = quick ? 16u << 20 : 128u << 20, warm = 1u << 20;
	unsigned int reps = quick ? 3 : 9, i;
	uint8_t *buf, *dst;
	int rc = 0;

	buf = malloc(cold);
	dst = malloc(2 * cold);	/* EPBs are longer than the records */
	if (!buf || !dst) {
		fprintf(stderr, "filtercost: out of memory\n");
		return 1;
	}
	memset(dst, 0, 2 * cold);
	printf("filtercost: ns per packet, best of %u passes; warm: 1 MiB of records (in cache, as a segment the kernel just wrote), cold: %zu MiB\n",
	       reps, cold >> 20);
	printf("%-5s %-4s %-48s %7s %7s %7s\n", "frame", "mem", "filter",
	       "filter", "+copy", "extra");
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		rc |= one_size(buf, dst, warm, lens[i], reps * 20, "warm");
		rc |= one_size(buf, dst, cold, lens[i], reps, "cold");
	}
	printf("filter: walk + bpf_filter() per record; +copy: that and the memcpy of the accepted records (the reader's stage); extra: +copy minus copying every record without a filter\n");
	free(buf);
	free(dst);
	return rc;
}
