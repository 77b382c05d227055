// SPDX-License-Identifier: GPL-2.0
/*
 * test_output.c - output stages: the capture filter (filter.c) on its
 * own and through the whole reader on the fake source.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "harness.h"
#include "pcapfile.h"
#include "util.h"

/* The fake source's frames carry their number at FAKE_SEQ_OFF. */
static uint64_t rec_seq(const uint8_t *rec)
{
	uint64_t seq;

	memcpy(&seq, rec + PCAP_REC_HDR_LEN + FAKE_SEQ_OFF, sizeof(seq));
	return seq;
}

/* @nrec fake records of @len bytes, numbered from 0, into @buf. */
static size_t make_records(uint8_t *buf, unsigned int nrec, uint32_t len)
{
	struct lwpcap_rec_hdr h = { .caplen = len, .len = len };
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < nrec; i++) {
		h.ts_sec = 1000 + i;
		memcpy(buf + off, &h, sizeof(h));
		fakedev_frame(buf + off + sizeof(h), i, len, len);
		off += sizeof(h) + len;
	}
	return off;
}

/* A stand-in output that keeps what it was handed. */
struct mock_out {
	unsigned int calls;
	uint64_t pkts;
	uint64_t caplen;
	uint64_t seqs[64];
	unsigned int nseq;
	int fail_with;
};

static int mock_write(void *arg, const struct lwp_batch *b, char *err)
{
	struct mock_out *m = arg;
	unsigned int i;
	uint32_t off;

	(void)err;
	m->calls++;
	m->pkts += b->pkts;
	m->caplen += b->caplen;
	for (i = 0; i < b->nruns; i++) {
		for (off = 0; off < b->runs[i].len;) {
			const struct lwpcap_rec_hdr *h =
				(const void *)(b->runs[i].p + off);

			if (m->nseq < ARRAY_SIZE(m->seqs))
				m->seqs[m->nseq++] = rec_seq(b->runs[i].p + off);
			off += sizeof(*h) + h->caplen;
		}
		if (off != b->runs[i].len)
			return -EPROTO;
	}
	return m->fail_with;
}

static int mock_tick(void *arg, char *err)
{
	(void)arg;
	(void)err;
	return 0;
}

static int mock_ms(void *arg)
{
	(void)arg;
	return -1;
}

static int mock_close(void *arg, struct fring_stats *final, char *err)
{
	struct mock_out *m = arg;

	(void)err;
	if (final) {
		memset(final, 0, sizeof(*final));
		final->pkts = m->pkts;
	}
	return 0;
}

static void mock_abort(void *arg)
{
	(void)arg;
}

static void mock_stats(void *arg, struct fring_stats *st)
{
	struct mock_out *m = arg;

	memset(st, 0, sizeof(*st));
	st->pkts = m->pkts;
}

static const struct lwp_out_ops mock_ops = {
	.write		= mock_write,
	.tick		= mock_tick,
	.ms_to_rotation	= mock_ms,
	.close		= mock_close,
	.abort		= mock_abort,
	.get_stats	= mock_stats,
};

/*
 * The stage on its own: accepted records reach the output as runs of
 * whole records in order, rejected ones are counted, a batch with
 * nothing accepted still reaches the output (for -G), a record that
 * overruns its run is an error, libpcap's message for a bad expression.
 */
static int t_filter_stage(void)
{
	static uint8_t buf[40 * (16 + 100)];
	struct lwp_run runs[2];
	struct lwp_batch b = { .runs = runs };
	char err[LWP_ERRLEN];
	struct fring_stats st;
	struct lwp_filter f;
	struct mock_out m = { 0 };
	struct lwp_fout *fo;
	struct lwpcap_rec_hdr *h;
	size_t len;
	unsigned int i;

	CHECK(lwp_filter_compile(&f, "udp and udp and", 256, err) == -EINVAL);
	CHECKF(strstr(err, "invalid filter 'udp and udp and'") &&
	       strstr(err, "syntax error"), "%s", err);

	/* seq % 3 == 0: 0, 3, 6, ... of 40 records in two runs */
	CHECK(!lwp_filter_compile(&f, "udp[8] % 3 == 0", 256, err));
	len = make_records(buf, 40, 100);
	runs[0].p = buf;
	runs[0].len = 25 * 116;
	runs[1].p = buf + 25 * 116;
	runs[1].len = len - 25 * 116;
	b.nruns = 2;
	b.pkts = 40;
	b.bytes = len;
	b.caplen = 40 * 100;
	CHECK(!lwp_fout_open(&fo, &f, &mock_ops, &m, err));
	CHECK(lwp_fout_ops.write(fo, &b, err) == 0);
	CHECKF(m.pkts == 14 && m.caplen == 1400 && m.nseq == 14,
	       "%llu records", (unsigned long long)m.pkts);
	for (i = 0; i < m.nseq; i++)
		CHECKF(m.seqs[i] == 3 * i, "record %u is %llu", i,
		       (unsigned long long)m.seqs[i]);
	lwp_fout_ops.get_stats(fo, &st);
	CHECK(st.filtered == 26 && st.filter_on && st.pkts == 14);

	/* nothing accepted: the output is still called, with nothing */
	runs[0].p = buf + 116;
	runs[0].len = 2 * 116;
	b.nruns = 1;
	b.pkts = 2;
	m.calls = 0;
	CHECK(lwp_fout_ops.write(fo, &b, err) == 0);
	CHECK(m.calls == 1 && m.pkts == 14);
	lwp_fout_ops.get_stats(fo, &st);
	CHECK(st.filtered == 28);

	/* the output's LWP_STOP (-c) comes back */
	m.fail_with = LWP_STOP;
	runs[0].p = buf;
	runs[0].len = len;
	b.pkts = 40;
	CHECK(lwp_fout_ops.write(fo, &b, err) == LWP_STOP);
	m.fail_with = 0;

	/* a caplen beyond the run */
	h = (void *)(buf + 116);
	h->caplen = 5000;
	CHECK(lwp_fout_ops.write(fo, &b, err) == -EPROTO);
	CHECKF(strstr(err, "corrupt record"), "%s", err);
	CHECK(lwp_fout_ops.close(fo, &st, err) == 0);
	CHECK(st.filter_on && st.filtered == 28 + 26);
	lwp_filter_free(&f);
	return 0;
}

/*
 * Check a capture file of fake frames: every record is the frame of its
 * number, numbers rise per queue, and each satisfies seq % @mod == 0.
 * Return: records, or UINT64_MAX.
 */
static uint64_t check_kept(const char *path, unsigned int nq,
			   unsigned int mod)
{
	uint64_t n = 0, last[LWPCAP_MAX_QUEUES];
	uint8_t *buf, frame[256];
	int started[LWPCAP_MAX_QUEUES] = { 0 };
	size_t len, off = PCAP_HDR_LEN;

	if (read_file(path, &buf, &len))
		return UINT64_MAX;
	while (off + PCAP_REC_HDR_LEN <= len) {
		const struct lwpcap_rec_hdr *h = (const void *)(buf + off);
		uint64_t seq;
		unsigned int q;

		if (h->caplen > sizeof(frame) ||
		    off + PCAP_REC_HDR_LEN + h->caplen > len)
			break;
		seq = rec_seq(buf + off);
		q = seq % nq;
		fakedev_frame(frame, seq, h->len, h->caplen);
		if (seq % mod || (started[q] && seq <= last[q]) ||
		    memcmp(frame, buf + off + PCAP_REC_HDR_LEN, h->caplen)) {
			fprintf(stderr, "  %s: record %llu (seq %llu) wrong\n",
				path, (unsigned long long)n,
				(unsigned long long)seq);
			free(buf);
			return UINT64_MAX;
		}
		started[q] = 1;
		last[q] = seq;
		off += PCAP_REC_HDR_LEN + h->caplen;
		n++;
	}
	free(buf);
	return off == len ? n : UINT64_MAX;
}

/*
 * The reader with a filter: the trailing arguments (joined), -F FILE
 * (comments), -w -, -c; the report and JSON count the rejected frames
 * as filtered, not lost; a bad expression or a bad -F is exit 2 before
 * any file is made.
 */
static int t_filter_reader(void)
{
	char dir[256], args[2048], out[16384], json[8192], path[400];
	uint64_t n = scaled(20000), keep = (n + 3) / 4;
	FILE *ff;
	int st;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	/* 2 queues of 16 MiB hold all n frames: no ring drop possible */
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100:2 -s 256 -w %s/a -q --stats-json %s/a.json udp '[8]' '&' 3 == 0",
		 (unsigned long long)n, dir, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(strstr(out, "filter 'udp [8] & 3 == 0'") &&
	       strstr(out, "filtered:") && strstr(out, "not lost"), "%s",
	       out);
	snprintf(path, sizeof(path), "%s/a.000000.pcap", dir);
	CHECK(check_kept(path, 2, 4) == keep);
	CHECK(!check_tools(path, keep));
	snprintf(path, sizeof(path), "%s/a.json", dir);
	CHECK(!read_text(path, json, sizeof(json)));
	CHECKF(json_u64(json, "written") == keep &&
	       json_u64(json, "filtered") == n - keep &&
	       json_u64(json, "dropped") == 0 &&
	       json_u64(json, "detected") == n, "%s", json);
	CHECKF(strstr(json, "\"lost_pct\":0.000000"), "%s", json);

	/* -F: the same filter from a file, with comments */
	snprintf(path, sizeof(path), "%s/filter", dir);
	ff = fopen(path, "w");
	CHECK(ff);
	fputs("# one frame in four\nudp[8] & 3 # the low bits\n  == 0\n", ff);
	fclose(ff);
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100:2 -s 256 -w %s/b -q -F %s",
		 (unsigned long long)n, dir, path);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	snprintf(path, sizeof(path), "%s/b.000000.pcap", dir);
	CHECK(check_kept(path, 2, 4) == keep);

	/* -w -: the stream carries only what the filter keeps */
	snprintf(args, sizeof(args),
		 "%s --fake-source %llu:100 -w - -q 'udp[8] & 3 == 0' 2>/dev/null | tcpdump -n -r - 2>/dev/null | wc -l",
		 reader(), (unsigned long long)n);
	CHECK(run_sh(args, out, sizeof(out)) == 0);
	CHECKF(strtoull(out, NULL, 10) == keep, "tcpdump -r - prints %s",
	       out);

	/* -c counts frames the filter kept */
	snprintf(args, sizeof(args),
		 "--fake-source 100000:100 -w %s/c -c 100 -q 'udp[8] & 3 == 0'",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	snprintf(path, sizeof(path), "%s/c.000000.pcap", dir);
	CHECK(check_kept(path, 1, 4) == 100);

	/* usage errors: exit 2, libpcap's message, no file made */
	snprintf(args, sizeof(args), "--fake-source 10 -w %s/d 'udp and and'",
		 dir);
	st = rd(args, out, sizeof(out));
	CHECKF(st == 2 && strstr(out, "invalid filter 'udp and and'") &&
	       strstr(out, "syntax error"), "exit %d: %s", st, out);
	snprintf(args, sizeof(args), "--fake-source 10 -w %s/d -F %s/none",
		 dir, dir);
	st = rd(args, out, sizeof(out));
	CHECKF(st == 2 && strstr(out, "No such file"), "exit %d: %s", st,
	       out);
	snprintf(args, sizeof(args),
		 "--fake-source 10 -w %s/d -F %s/filter udp", dir, dir);
	st = rd(args, out, sizeof(out));
	CHECKF(st == 2 && strstr(out, "give one of them"), "exit %d: %s", st,
	       out);
	snprintf(path, sizeof(path), "%s/d.000000.pcap", dir);
	CHECK(access(path, F_OK) && count_files(dir, ".part") == 0);
	tmpdir_remove(dir);
	return 0;
}

const struct test out_tests[] = {
	{ "out_filter_stage", t_filter_stage },
	{ "out_filter_reader", t_filter_reader },
};
const unsigned int out_tests_n = ARRAY_SIZE(out_tests);
