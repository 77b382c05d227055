// SPDX-License-Identifier: GPL-2.0
/*
 * test_output.c - output stages: the capture filter (filter.c) on its
 * own and through the whole reader on the fake source.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "merge.h"
#include "pcapng.h"
#include "harness.h"
#include "pcapfile.h"
#include "util.h"

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


static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Option @code of the block at @b (options start at @opt), or NULL. */
static const uint8_t *find_opt(const uint8_t *b, uint32_t opt, uint16_t code,
			       uint16_t *len)
{
	uint32_t blen = get32(b + 4), off = opt;

	while (off + 4 <= blen - 4) {
		uint16_t c, l;

		memcpy(&c, b + off, 2);
		memcpy(&l, b + off + 2, 2);
		if (!c)
			return NULL;
		if (c == code) {
			*len = l;
			return b + off + 4;
		}
		off += 4 + ((l + 3) & ~3U);
	}
	return NULL;
}

/*
 * A pcapng file or stream of fake frames, checked block by block: SHB
 * (byte order, version), one IDB (Ethernet, @snaplen, if_name @ifname,
 * if_tsresol 9), EPBs each the frame of its number with caplen
 * min(len, snaplen), per-queue order, padding, both lengths; an ISB
 * last if @want_isb (its isb_usrdeliv in *@usrdeliv, isb_ifrecv in
 * *@ifrecv).  Return: EPBs, or UINT64_MAX.
 */
static uint64_t check_ng(const uint8_t *buf, size_t len, const char *ifname,
			 uint32_t snaplen, unsigned int nq, bool want_isb,
			 uint64_t *usrdeliv, uint64_t *ifrecv)
{
	uint64_t n = 0, last[LWPCAP_MAX_QUEUES];
	int started[LWPCAP_MAX_QUEUES] = { 0 };
	bool isb = false;
	uint8_t frame[512];
	const uint8_t *v;
	size_t off;
	uint16_t l;

	/* as CHECKF() in harness.h: say why, then fail the check */
#define NG_FAIL(...) do {						\
	fprintf(stderr, "  pcapng: " __VA_ARGS__);			\
	fputc('\n', stderr);						\
	return UINT64_MAX;						\
} while (0)
	if (len < 28 || get32(buf) != PCAPNG_SHB_TYPE ||
	    get32(buf + 8) != PCAPNG_BOM || get32(buf + 12) != 1)
		NG_FAIL("no SHB");
	off = get32(buf + 4);
	if (off + 20 > len || get32(buf + off) != PCAPNG_IDB_TYPE ||
	    (get32(buf + off + 8) & 0xffff) != 1 ||
	    get32(buf + off + 12) != snaplen)
		NG_FAIL("no IDB for Ethernet, snaplen %u", snaplen);
	v = find_opt(buf + off, 16, 2, &l);
	if (!v || l != strlen(ifname) || memcmp(v, ifname, l))
		NG_FAIL("IDB without if_name %s", ifname);
	v = find_opt(buf + off, 16, 9, &l);
	if (!v || l != 1 || *v != 9)
		NG_FAIL("IDB without if_tsresol 9");
	off += get32(buf + off + 4);
	while (off < len) {
		const uint8_t *b = buf + off;
		uint32_t type, blen, caplen, wire;
		uint64_t seq;
		unsigned int q;

		if (len - off < 12)
			NG_FAIL("%zu bytes after the last block", len - off);
		type = get32(b);
		blen = get32(b + 4);
		if (blen < 12 || (blen & 3) || blen > len - off ||
		    get32(b + blen - 4) != blen)
			NG_FAIL("block at %zu: bad length %u", off, blen);
		if (isb)
			NG_FAIL("a block after the ISB");
		if (type == PCAPNG_ISB_TYPE) {
			isb = true;
			v = find_opt(b, 20, 8, &l);
			if (!v || l != 8)
				NG_FAIL("ISB without isb_usrdeliv");
			*usrdeliv = get64(v);
			v = find_opt(b, 20, 4, &l);
			if (!v || l != 8)
				NG_FAIL("ISB without isb_ifrecv");
			*ifrecv = get64(v);
			if (!find_opt(b, 20, 7, &l) || !find_opt(b, 20, 2, &l) ||
			    !find_opt(b, 20, 3, &l))
				NG_FAIL("ISB without osdrop, start or end time");
			off += blen;
			continue;
		}
		if (type != PCAPNG_EPB_TYPE || get32(b + 8) != 0)
			NG_FAIL("block at %zu: type %#x", off, type);
		caplen = get32(b + 20);
		wire = get32(b + 24);
		if (blen != PCAPNG_EPB_LEN(caplen) || caplen > sizeof(frame) ||
		    caplen != (wire < snaplen ? wire : snaplen))
			NG_FAIL("EPB at %zu: caplen %u len %u", off, caplen,
				wire);
		memcpy(&seq, b + 28 + FAKE_SEQ_OFF, sizeof(seq));
		fakedev_frame(frame, seq, wire, caplen);
		q = seq % nq;
		if (memcmp(frame, b + 28, caplen) ||
		    (started[q] && seq <= last[q]))
			NG_FAIL("EPB at %zu: frame %llu wrong or out of order",
				off, (unsigned long long)seq);
		for (l = caplen; l & 3; l++)
			if (b[28 + l])
				NG_FAIL("EPB at %zu: padding not zero", off);
		started[q] = 1;
		last[q] = seq;
		n++;
		off += blen;
	}
	if (want_isb != isb)
		NG_FAIL("%s ISB at the end", isb ? "an unexpected" : "no");
	return n;
#undef NG_FAIL
}

/* The 8-byte ISB option @code of the last block of @path, or UINT64_MAX. */
static uint64_t isb_opt(const char *path, uint16_t code)
{
	uint64_t v = UINT64_MAX;
	const uint8_t *o;
	uint8_t *buf;
	size_t len;
	uint16_t l;

	if (read_file(path, &buf, &len))
		return UINT64_MAX;
	if (len >= 12) {
		const uint8_t *b = buf + len - get32(buf + len - 4);

		if (b >= buf && get32(b) == PCAPNG_ISB_TYPE) {
			o = find_opt(b, 20, code, &l);
			if (o && l == 8)
				v = get64(o);
		}
	}
	free(buf);
	return v;
}

/*
 * The blocks on their own: header, EPB conversion (timestamps in ns,
 * lengths, padding, room and count limits), the ISB, and what repair
 * sees of a run whose first EPB header is not stored yet.
 */
static int t_pcapng_blocks(void)
{
	static uint8_t src[8 * (16 + 101)], out[4096];
	struct pcapng_isb c = {
		.ts_ns = 5, .ifrecv = 9, .osdrop = 1, .usrdeliv = 8,
	};
	uint64_t usr = 0, recv = 0, pkts;
	struct lwpcap_rec_hdr rh;
	struct pcap_walk w;
	size_t hl, n, srclen, hdr2;
	uint32_t snap = 0, l1, one = 1;

	hl = pcapng_hdr_fill(out, "eth7", 200, 1);
	CHECK(hl <= PCAPNG_HDR_MAX && !(hl & 3));
	CHECK(!pcapng_hdr_check(out, hl, &hdr2, &snap) && hdr2 == hl &&
	      snap == 200);
	/* a block whose trailing length differs is not whole */
	l1 = get32(out + 4);
	out[l1 - 4] ^= 4;
	CHECK(pcapng_hdr_check(out, hl, &hdr2, &snap) == -EINVAL);
	out[l1 - 4] ^= 4;
	out[hl - 4] ^= 4;
	CHECK(pcapng_hdr_check(out, hl, &hdr2, &snap) == -EINVAL);
	out[hl - 4] ^= 4;
	srclen = make_records(src, 8, 101);
	memcpy(&rh, src, sizeof(rh));
	rh.ts_sec = 1700000000;
	rh.ts_nsec = 123456789;
	memcpy(src, &rh, sizeof(rh));
	n = pcapng_convert(out + hl, sizeof(out) - hl, src, srclen, UINT64_MAX,
			   &w);
	CHECK(!w.bad && w.pkts == 8 && w.bytes == srclen && w.caplen == 808);
	CHECK(n == 8 * PCAPNG_EPB_LEN(101));
	CHECK(get32(out + hl + 12) == (uint32_t)(1700000000123456789ULL >> 32));
	CHECK(get32(out + hl + 16) == (uint32_t)1700000000123456789ULL);
	n += pcapng_isb_fill(out + hl + n, &c);
	CHECK(check_ng(out, hl + n, "eth7", 200, 1, true, &usr, &recv) == 8);
	CHECK(usr == 8 && recv == 9);
	CHECK(pcapng_walk(out + hl, n, 200, &pkts) == n && pkts == 8);
	/* not past the IDB's snaplen, or of another interface (EPB 5) */
	CHECK(pcapng_walk(out + hl, n, 100, &pkts) == 0 && pkts == 0);
	CHECK(pcapng_walk(out + hl, n, 0, &pkts) == n && pkts == 8);
	/* a second interface or section: not of a reader's file */
	memcpy(&l1, out + hl + 3 * PCAPNG_EPB_LEN(101), 4);
	memcpy(out + hl + 3 * PCAPNG_EPB_LEN(101), &one, 4);	/* IDB */
	CHECK(pcapng_walk(out + hl, n, 0, &pkts) ==
	      3 * PCAPNG_EPB_LEN(101) && pkts == 3);
	memcpy(out + hl + 3 * PCAPNG_EPB_LEN(101), &l1, 4);
	memcpy(out + hl + 4 * PCAPNG_EPB_LEN(101) + 8, &one, 4);
	CHECK(pcapng_walk(out + hl, n, 0, &pkts) ==
	      4 * PCAPNG_EPB_LEN(101) && pkts == 4);

	/* room for two and a half EPBs: two; -c 3: three */
	n = pcapng_convert(out, 2 * PCAPNG_EPB_LEN(101) + 60, src, srclen,
			   UINT64_MAX, &w);
	CHECK(w.pkts == 2 && w.bytes == 2 * 117 && !w.bad &&
	      n == 2 * PCAPNG_EPB_LEN(101));
	n = pcapng_convert(out, sizeof(out), src, srclen, 3, &w);
	CHECK(w.pkts == 3 && n == 3 * PCAPNG_EPB_LEN(101));

	/* a killed writer: first EPB's type and length still zero */
	memset(out, 0, 8);
	CHECK(pcapng_walk(out, n, 0, &pkts) == 0 && pkts == 0);
	/* a record overrunning its run */
	memcpy(&rh, src + 117, sizeof(rh));	/* packed: unaligned */
	rh.caplen = 4000;
	memcpy(src + 117, &rh, sizeof(rh));
	pcapng_convert(out, sizeof(out), src, srclen, UINT64_MAX, &w);
	CHECK(w.bad && w.pkts == 1);
	return 0;
}

static uint64_t ng_file(const char *path, uint32_t snaplen, unsigned int nq,
			bool isb, uint64_t *usr, uint64_t *recv)
{
	uint64_t n;
	uint8_t *buf;
	size_t len;

	if (read_file(path, &buf, &len)) {
		fprintf(stderr, "  cannot read %s\n", path);
		return UINT64_MAX;
	}
	n = check_ng(buf, len, "fake0", snaplen, nq, isb, usr, recv);
	free(buf);
	return n;
}

/* tshark and capinfos must read @path with @n packets. */
static int ng_tools(const char *path, uint64_t n)
{
	char cmd[1024], out[4096];

	snprintf(cmd, sizeof(cmd),
		 "capinfos -T -r -c -M '%s' 2>&1 && tshark -r '%s' 2>/dev/null | wc -l",
		 path, path);
	CHECKF(run_sh(cmd, out, sizeof(out)) == 0, "%s: %s", path, out);
	{
		unsigned long long a = 0, b = 0;

		CHECKF(sscanf(out, "%*s %llu %llu", &a, &b) == 2 && a == n &&
		       b == n, "capinfos/tshark count '%s' in %s, want %llu",
		       out, path, (unsigned long long)n);
	}
	snprintf(cmd, sizeof(cmd), "capinfos -t '%s' 2>&1", path);
	CHECK(run_sh(cmd, out, sizeof(out)) == 0);
	CHECKF(strstr(out, "pcapng"), "%s", out);
	return 0;
}

/*
 * --format pcapng through the reader: rotating files (-C), each a
 * section with its IDB and an ISB at the end whose isb_usrdeliv counts
 * the records written so far; -W; the stream (-w -) with -c; a file of
 * a SIGKILLed reader repaired to its last whole block.
 */
static int t_pcapng_reader(void)
{
	char dir[256], args[2048], out[16384], path[400];
	uint64_t n = scaled(30000), sum = 0, usr, recv, k;
	unsigned int i, files;
	int st;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100:2 -s 256 -w %s/a -C 64k -q --format pcapng",
		 (unsigned long long)n, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(strstr(out, "files ") && strstr(out, ".NNNNNN.pcapng"), "%s",
	       out);
	files = count_files(dir, ".pcapng");
	CHECKF(files >= 3 && count_files(dir, ".pcap") == 0 &&
	       count_files(dir, ".part") == 0, "%u files", files);
	for (i = 0; i < files; i++) {
		snprintf(path, sizeof(path), "%s/a.%06u.pcapng", dir, i);
		k = ng_file(path, 256, 2, true, &usr, &recv);
		CHECK(k != UINT64_MAX && k > 0);
		sum += k;
		CHECKF(usr == sum, "%s: isb_usrdeliv %llu, %llu written so far",
		       path, (unsigned long long)usr,
		       (unsigned long long)sum);
		CHECK(recv >= sum && recv <= n);
		if (!i || i == files - 1)
			CHECK(!ng_tools(path, k));
	}
	CHECKF(sum == n && recv == n, "%llu records, ifrecv %llu of %llu",
	       (unsigned long long)sum, (unsigned long long)recv,
	       (unsigned long long)n);

	/* --io direct: the same series, staged and written with O_DIRECT */
	snprintf(path, sizeof(path), "%s/direct", dir);
	CHECK(!mkdir(path, 0755));
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100:2 -s 256 -w %s/direct/a -C 64k --format pcapng --io direct",
		 (unsigned long long)n, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(strstr(out, "--io direct") && !strstr(out, "refuses"), "%s",
	       out);
	for (i = 0, sum = 0; ; i++) {
		snprintf(path, sizeof(path), "%s/direct/a.%06u.pcapng", dir, i);
		if (access(path, F_OK))
			break;
		k = ng_file(path, 256, 2, true, &usr, &recv);
		CHECK(k != UINT64_MAX && k > 0);
		sum += k;
		CHECK(usr == sum);
	}
	CHECKF(i == files && sum == n, "--io direct: %u files, %llu records",
	       i, (unsigned long long)sum);

	/* -W 2: a ring of two .pcapng files */
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100 -w %s/b -s 256 -C 64k -W 2 -q --format pcapng",
		 (unsigned long long)n, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECK(count_files(dir, ".pcapng") == (int)files + 2);

	/* -z gzip -W 2: the ring counts the .pcapng.gz files */
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100 -w %s/z -s 256 -C 64k -W 2 -z gzip -q --format pcapng",
		 (unsigned long long)n, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(count_files(dir, ".pcapng.gz") == 2, "%d .pcapng.gz files",
	       count_files(dir, ".pcapng.gz"));

	/* -G 1: a file per second, each a whole section with its ISB */
	snprintf(args, sizeof(args),
		 "--fake-source 2500:100:1:1000 -w %s/g -s 256 -G 1 -q --format pcapng",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	for (i = 0, sum = 0; ; i++) {
		snprintf(path, sizeof(path), "%s/g.%06u.pcapng", dir, i);
		if (access(path, F_OK))
			break;
		k = ng_file(path, 256, 1, true, &usr, &recv);
		CHECK(k != UINT64_MAX);
		sum += k;
		CHECK(usr == sum);
	}
	CHECKF(i >= 2 && sum == 2500, "%u files, %llu records", i,
	       (unsigned long long)sum);

	/* -w -: the stream, also cut by -c */
	snprintf(args, sizeof(args),
		 "%s --fake-source %llu:100:2 -s 256 -w - -q --format pcapng 2>%s/log >%s/s.pcapng",
		 reader(), (unsigned long long)n, dir, dir);
	CHECK(run_sh(args, NULL, 0) == 0);
	snprintf(path, sizeof(path), "%s/s.pcapng", dir);
	CHECK(ng_file(path, 256, 2, true, &usr, &recv) == n && usr == n);
	CHECK(!ng_tools(path, n));
	snprintf(args, sizeof(args),
		 "%s --fake-source 100000:100 -w - -q -c 555 --format pcapng 2>/dev/null | tshark -r - 2>/dev/null | wc -l",
		 reader());
	CHECK(run_sh(args, out, sizeof(out)) == 0);
	CHECKF(strtoull(out, NULL, 10) == 555, "tshark -r - prints %s", out);

	/* SIGKILL while writing: the next start repairs the .pcapng.part */
	snprintf(path, sizeof(path), "%s/k", dir);
	{
		const char *const kv[] = { "--fake-source",
			"1000000000:100:1:200000", "-w", path, "-q", "--format",
			"pcapng", NULL };

		CHECK(!rd_killed(kv, 1500));
	}
	CHECK(count_files(dir, ".pcapng.part") >= 1);
	snprintf(args, sizeof(args),
		 "--fake-source 10 -w %s/k -q --format pcapng", dir);
	CHECKF(rd(args, out, sizeof(out)) == 0 &&
	       strstr(out, "repaired "), "%s", out);
	snprintf(path, sizeof(path), "%s/k.000000.pcapng", dir);
	k = ng_file(path, 65535, 1, false, &usr, &recv);
	CHECKF(k != UINT64_MAX && k > 1000, "%llu records",
	       (unsigned long long)k);
	CHECK(!ng_tools(path, k));
	CHECK(count_files(dir, ".part") == 0);

	/* with a filter, the ISB says how many frames it accepted */
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100 -s 256 -w %s/f -q --format pcapng 'udp[8] & 3 == 0'",
		 (unsigned long long)n, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	snprintf(path, sizeof(path), "%s/f.000000.pcapng", dir);
	k = ng_file(path, 256, 1, true, &usr, &recv);
	CHECK(k == (n + 3) / 4 && usr == k && recv == n);
	CHECKF(isb_opt(path, 6) == k, "isb_filteraccept %llu, want %llu",
	       (unsigned long long)isb_opt(path, 6), (unsigned long long)k);

	/* bad value */
	st = rd("--fake-source 10 -w /tmp/x --format pcapx", out, sizeof(out));
	CHECKF(st == 2 && strstr(out, "pcap or pcapng"), "%d %s", st, out);
	tmpdir_remove(dir);
	return 0;
}

/* @n records of queue @q with timestamps @t0, @t0 + @dt, ... (ns). */
static size_t queue_records(uint8_t *buf, unsigned int n, unsigned int q,
			    uint64_t t0, uint64_t dt)
{
	struct lwpcap_rec_hdr h = { .caplen = 60, .len = 60 };
	size_t off = 0;
	unsigned int i;
	uint64_t t;

	for (i = 0; i < n; i++) {
		t = t0 + i * dt;
		h.ts_sec = t / 1000000000ULL;
		h.ts_nsec = t % 1000000000ULL;
		memcpy(buf + off, &h, sizeof(h));
		/* the frame's number says queue and place: q * 1000 + i */
		fakedev_frame(buf + off + sizeof(h), q * 1000 + i, 60, 60);
		off += sizeof(h) + 60;
	}
	return off;
}

/*
 * The stage on its own, three queues: a pass hands on only what no
 * queue can undercut, in time order; an idle queue holds the others
 * back for the window only; close hands on the rest in order; a full
 * queue buffer hands on early (counted); -c's LWP_STOP comes back.
 */
static int t_merge_stage(void)
{
	static uint8_t qb[3][40 * 76];
	uint64_t base = lwp_wall_ns();
	struct mock_out m = { 0 };
	struct lwp_run run;
	struct lwp_batch b = { .runs = &run, .nruns = 1 };
	char err[LWP_ERRLEN];
	struct fring_stats st;
	struct lwp_mout *mo;
	unsigned int i;
	size_t len[3];
	uint8_t *big;

	/* q0: t, t+3, t+6, ...; q1: t+1, ...; q2: t+2, ... (us apart) */
	for (i = 0; i < 3; i++)
		len[i] = queue_records(qb[i], 40, i, base + i * 1000, 3000);
	/* a window of 10 s: only the queues' own timestamps count here */
	CHECK(!lwp_mout_open(&mo, 3, 10000000000ULL, LWP_MERGE_QBUF,
			     &mock_ops, &m, err));
	/* q0 whole, q1 half, q2 a quarter: up to q2's newest are safe */
	run.p = qb[0];
	run.len = len[0];
	b.queue = 0;
	b.pkts = 40;
	CHECK(lwp_mout_ops.write(mo, &b, err) == 0);
	run.p = qb[1];
	run.len = 20 * 76;
	b.queue = 1;
	CHECK(lwp_mout_ops.write(mo, &b, err) == 0);
	run.p = qb[2];
	run.len = 10 * 76;
	b.queue = 2;
	CHECK(lwp_mout_ops.write(mo, &b, err) == 0);
	CHECK(m.pkts == 0);
	/* q2's newest is its #9 at +29 us: #0-#9 of each queue */
	CHECK(lwp_mout_ops.pass(mo, err) == 0);
	CHECKF(m.pkts == 30, "%llu", (unsigned long long)m.pkts);
	for (i = 0; i < m.nseq; i++)
		CHECKF(m.seqs[i] == (i % 3) * 1000 + i / 3, "record %u: %llu",
		       i, (unsigned long long)m.seqs[i]);

	/* close: the rest, in order */
	m.nseq = 0;
	run.p = qb[1] + 20 * 76;
	run.len = 20 * 76;
	b.queue = 1;
	CHECK(lwp_mout_ops.write(mo, &b, err) == 0);
	CHECK(lwp_mout_ops.close(mo, &st, err) == 0);
	CHECK(m.pkts == 30 + 30 + 30);
	/* q2 #10-#39 never came: q0 and q1 alternate from #10 on */
	for (i = 0; i < m.nseq && i < 60; i++)
		CHECKF(m.seqs[i] == (i % 2) * 1000 + 10 + i / 2,
		       "record %u: %llu", 30 + i,
		       (unsigned long long)m.seqs[i]);
	CHECK(st.merge_on && st.merge_forced == 0);

	/* fresh timestamps: an idle queue holds the others for the window */
	memset(&m, 0, sizeof(m));
	base = lwp_wall_ns();
	len[0] = queue_records(qb[0], 40, 0, base, 1000);
	CHECK(!lwp_mout_open(&mo, 2, 200000000ULL, LWP_MERGE_QBUF, &mock_ops,
			     &m, err));
	run.p = qb[0];
	run.len = len[0];
	b.queue = 0;
	CHECK(lwp_mout_ops.write(mo, &b, err) == 0);
	CHECK(lwp_mout_ops.pass(mo, err) == 0);
	CHECKF(m.pkts == 0, "%llu handed on before q1 said anything",
	       (unsigned long long)m.pkts);
	CHECK(lwp_mout_ops.ms_to_rotation(mo) > 0 &&
	      lwp_mout_ops.ms_to_rotation(mo) <= 201);
	usleep(250 * 1000);
	CHECK(lwp_mout_ops.tick(mo, err) == 0);
	CHECK(m.pkts == 40);
	CHECK(lwp_mout_ops.ms_to_rotation(mo) == -1);

	/* -c: the output's LWP_STOP comes back from the pass */
	len[1] = queue_records(qb[1], 40, 1, base - 1000000000ULL, 1000);
	run.p = qb[1];
	run.len = len[1];
	b.queue = 1;
	m.fail_with = LWP_STOP;
	CHECK(lwp_mout_ops.write(mo, &b, err) == 0);
	CHECK(lwp_mout_ops.pass(mo, err) == LWP_STOP);
	m.fail_with = 0;
	b.queue = 5;
	CHECK(lwp_mout_ops.write(mo, &b, err) == -EINVAL);
	CHECK(lwp_mout_ops.close(mo, &st, err) == 0);

	/*
	 * The smallest buffer (131102 bytes) and a silent queue: the 1726th
	 * record of 76 bytes finds it full and forces the oldest out.
	 */
	big = malloc(2000 * 76);
	CHECK(big);
	memset(&m, 0, sizeof(m));
	CHECK(!lwp_mout_open(&mo, 2, 10000000000ULL,
			     2 * (PCAP_REC_HDR_LEN + LWPCAP_SNAPLEN_MAX),
			     &mock_ops, &m, err));
	for (i = 0; i < 2000; i++)
		queue_records(big + i * 76, 1, 0, base + i, 0);
	run.p = big;
	run.len = 2000 * 76;
	b.queue = 0;
	CHECK(lwp_mout_ops.write(mo, &b, err) == 0);
	lwp_mout_ops.get_stats(mo, &st);
	CHECKF(m.pkts >= 64 && m.pkts < 2000 && st.merge_forced == m.pkts,
	       "%llu handed on, %llu forced", (unsigned long long)m.pkts,
	       (unsigned long long)st.merge_forced);
	CHECK(lwp_mout_ops.close(mo, &st, err) == 0);
	CHECK(m.pkts == 2000 && st.merge_forced >= 64);
	free(big);
	return 0;
}

/*
 * --merge through the reader: four queues of the fake source give one
 * series that capinfos finds in strict time order (without --merge it
 * does not: the check can fail), every frame once, byte for byte; also
 * with pcapng, -w -, a filter and -c.
 */
static int t_merge_reader(void)
{
	char dir[256], args[2048], out[16384], path[400];
	uint64_t n = scaled(200000), usr, recv;
	int st;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100:4 -s 256 -w %s/a -q --merge --stats-json %s/a.json",
		 (unsigned long long)n, dir, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(strstr(out, "queues merged in time order") &&
	       strstr(out, "merged:"), "%s", out);
	snprintf(path, sizeof(path), "%s/a.000000.pcap", dir);
	CHECK(check_kept(path, 4, 1) == n);
	snprintf(args, sizeof(args), "capinfos -o -c '%s'", path);
	CHECK(run_sh(args, out, sizeof(out)) == 0);
	CHECKF(strstr(out, "Strict time order:   True"), "%s", out);
	snprintf(path, sizeof(path), "%s/a.json", dir);
	CHECK(!read_text(path, out, sizeof(out)));
	CHECKF(json_u64(out, "written") == n &&
	       json_u64(out, "merge_forced") == 0, "%s", out);

	/* the same source without --merge is not in time order */
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100:4 -s 256 -w %s/b -q --no-merge",
		 (unsigned long long)n, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	snprintf(args, sizeof(args), "capinfos -o '%s/b.000000.pcap'", dir);
	CHECK(run_sh(args, out, sizeof(out)) == 0);
	CHECKF(strstr(out, "Strict time order:   False"), "%s", out);

	/* pcapng, a filter, rotation */
	snprintf(args, sizeof(args),
		 "--fake-source %llu:100:4 -s 256 -w %s/c -C 1m -q --merge --format pcapng 'udp[8] & 1 == 0'",
		 (unsigned long long)n, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	snprintf(args, sizeof(args),
		 "mergecap -a -w %s/c.all.pcapng %s/c.0*.pcapng && capinfos -o -c %s/c.all.pcapng",
		 dir, dir, dir);
	CHECK(run_sh(args, out, sizeof(out)) == 0);
	CHECKF(strstr(out, "Strict time order:   True"), "%s", out);
	snprintf(path, sizeof(path), "%s/c.000000.pcapng", dir);
	CHECK(ng_file(path, 256, 4, true, &usr, &recv) != UINT64_MAX);

	/* -w - and -c */
	snprintf(args, sizeof(args),
		 "%s --fake-source %llu:100:4 -s 256 -w - -q --merge -c 5000 2>%s/log >%s/d.pcap",
		 reader(), (unsigned long long)n, dir, dir);
	st = run_sh(args, NULL, 0);
	CHECK(st == 0);
	snprintf(path, sizeof(path), "%s/d.pcap", dir);
	CHECK(file_records(path) == 5000);
	snprintf(args, sizeof(args), "capinfos -o '%s'", path);
	CHECK(run_sh(args, out, sizeof(out)) == 0);
	CHECKF(strstr(out, "Strict time order:   True"), "%s", out);
	tmpdir_remove(dir);
	return 0;
}

/*
 * Check the files DIR/t-*.NNNNNN.pcap of a -G 1 strftime series (TZ=UTC):
 * each is named by the second of its first record (@one_second: and
 * holds only records of that second), numbers rise.
 * Return: records in all, or UINT64_MAX.
 */
static uint64_t check_timed(const char *dir, bool one_second,
			    unsigned int *nfiles, unsigned int *first_seq,
			    unsigned int *last_seq)
{
	char want[64], path[512];
	struct lwpcap_rec_hdr h;
	struct dirent **de;
	uint64_t total = 0;
	int n, i, bad = 0;
	unsigned int seq;
	uint8_t *buf;
	size_t len, off;
	struct tm tm;
	time_t t;

	n = scandir(dir, &de, NULL, alphasort);
	if (n < 0)
		return UINT64_MAX;
	*nfiles = 0;
	for (i = 0; i < n; i++) {
		const char *name = de[i]->d_name;
		const char *dot = strchr(name, '.');

		if (strncmp(name, "t-", 2) || !dot || strcmp(dot + 7, ".pcap"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (bad || read_file(path, &buf, &len) || len < 40) {
			bad = 1;
			continue;
		}
		memcpy(&h, buf + PCAP_HDR_LEN, sizeof(h));
		t = h.ts_sec;
		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "t-%Y%m%d-%H%M%S", &tm);
		seq = strtoul(dot + 1, NULL, 10);
		if (strncmp(name, want, dot - name) || strlen(want) !=
		    (size_t)(dot - name)) {
			fprintf(stderr, "  %s: first record at %s\n", name,
				want);
			bad = 1;
		}
		for (off = PCAP_HDR_LEN; off + 16 <= len;
		     off += 16 + h.caplen) {
			memcpy(&h, buf + off, sizeof(h));
			if (one_second && h.ts_sec != (uint32_t)t) {
				fprintf(stderr, "  %s: a record of %u\n", name,
					h.ts_sec);
				bad = 1;
				break;
			}
			total++;
		}
		free(buf);
		if (!*nfiles)
			*first_seq = seq;
		*last_seq = seq;
		(*nfiles)++;
	}
	for (i = 0; i < n; i++)
		free(de[i]);
	free(de);
	return bad ? UINT64_MAX : total;
}

/*
 * -w with strftime conversions and -G, as tcpdump names its files: each
 * file by the start of its period (local time; TZ=UTC here), the number
 * still appended and continued by a restart, -W counting the files of
 * every period, a SIGKILLed file repaired under the time of its first
 * record; and the usage errors.
 */
static int t_strftime_names(void)
{
	char dir[256], args[2048], out[16384], pat[400];
	unsigned int files, first, last, files2;
	uint64_t k;
	int st;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	CHECK(!setenv("TZ", "UTC", 1));
	snprintf(pat, sizeof(pat), "%s/t-%%Y%%m%%d-%%H%%M%%S", dir);
	snprintf(args, sizeof(args),
		 "--fake-source 2500:100:1:1000 -w '%s' -G 1 -q", pat);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	k = check_timed(dir, true, &files, &first, &last);
	CHECKF(k == 2500 && files >= 2 && first == 0 &&
	       last == files - 1, "%llu records in %u files (%u-%u)",
	       (unsigned long long)k, files, first, last);

	/*
	 * A restart continues the numbers; -W 3 trims across periods.  The
	 * link then goes quiet for 2 s: the period after the last record
	 * opens a file, which took the oldest one's place (and blocks) and
	 * is removed empty at the end, so 2 files remain, whatever the
	 * machine's load (with no quiet end, 2 or 3: a flake, 2026-12-06).
	 */
	snprintf(args, sizeof(args),
		 "--fake-source 1500:100:1:1000:2000 -w '%s' -G 1 -W 3 -q",
		 pat);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	k = check_timed(dir, true, &files2, &first, &last);
	CHECKF(k != UINT64_MAX && files2 == 2 && last >= files + 1,
	       "%u files (%u-%u) after the restart", files2, first, last);

	/* SIGKILL: the .part keeps the pattern; repair names it by time */
	{
		const char *const kv[] = { "--fake-source",
			"1000000000:100:1:20000", "-w", pat, "-G", "3600",
			"-q", NULL };

		CHECK(!rd_killed(kv, 1500));
	}
	CHECKF(count_files(dir, ".part") >= 1, "no .part left");
	snprintf(args, sizeof(args), "ls %s/*.part | grep -c 't-%%Y%%m%%d-%%H%%M%%S'",
		 dir);
	CHECK(run_sh(args, out, sizeof(out)) == 0 && atoi(out) >= 1);
	/* the restart repairs, then runs a -G 1 period of its own */
	snprintf(args, sizeof(args), "--fake-source 5 -w '%s' -G 1 -q", pat);
	CHECKF(rd(args, out, sizeof(out)) == 0 && strstr(out, "repaired "),
	       "%s", out);
	/* the repaired file spans seconds: named by its first record's */
	k = check_timed(dir, false, &files2, &first, &last);
	CHECKF(k != UINT64_MAX && count_files(dir, ".part") == 0,
	       "after repair: %u files", files2);

	/* usage errors */
	snprintf(args, sizeof(args), "--fake-source 5 -w '%s' -q", pat);
	st = rd(args, out, sizeof(out));
	CHECKF(st == 2 && strstr(out, "give -G SECONDS"), "%d %s", st, out);
	snprintf(args, sizeof(args), "--fake-source 5 -w '%s/t-%%D' -G 1",
		 dir);
	st = rd(args, out, sizeof(out));
	CHECKF(st == 2 && strstr(out, "must give a file name"), "%d %s", st,
	       out);
	snprintf(args, sizeof(args), "--fake-source 5 -w '%s/%%Y/t' -G 1",
		 dir);
	st = rd(args, out, sizeof(out));
	CHECKF(st == 2 && strstr(out, "not in a directory"), "%d %s", st,
	       out);
	tmpdir_remove(dir);
	return 0;
}

const struct test out_tests[] = {
	{ "out_strftime_names", t_strftime_names },
	{ "out_merge_stage", t_merge_stage },
	{ "out_merge_reader", t_merge_reader },
	{ "out_pcapng_blocks", t_pcapng_blocks },
	{ "out_pcapng_reader", t_pcapng_reader },
	{ "out_filter_stage", t_filter_stage },
	{ "out_filter_reader", t_filter_reader },
};
const unsigned int out_tests_n = ARRAY_SIZE(out_tests);
