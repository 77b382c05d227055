// SPDX-License-Identifier: GPL-2.0
/*
 * test_extract_gen.c - the series test_extract.c queries: frames that
 * reach the corners of the index, files of two queues out of time order
 * with ties, indexes, a catalog, and names the series must not read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "harness.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "pktindex.h"
#include "test_extract.h"
#include "util.h"

uint64_t xt_rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

uint32_t xt_below(struct rng *r, uint32_t n)
{
	return xt_rnd(r) % n;
}


static void pools_init(struct pools *p)
{
	static const uint16_t ports[] = {
		80, 443, 53, 22, 123, 5060, 8080, 1031, 33000, 40000, 50000,
		65535,
	};
	static const uint16_t vlans[] = { 10, 20, 100, 4094 };
	unsigned int i;

	for (i = 0; i < 40; i++) {
		p->v4[i][0] = 10;
		p->v4[i][1] = i >> 3;
		p->v4[i][2] = i & 7;
		p->v4[i][3] = 1 + i;
	}
	memset(p->v6, 0, sizeof(p->v6));
	for (i = 0; i < 10; i++) {
		p->v6[i][0] = 0x20;
		p->v6[i][1] = 0x01;
		p->v6[i][2] = 0x0d;
		p->v6[i][3] = 0xb8;
		p->v6[i][15] = 1 + i;
	}
	memcpy(p->port, ports, sizeof(ports));
	memcpy(p->vlan, vlans, sizeof(vlans));
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void fill(struct rng *r, uint8_t *p, size_t n)
{
	while (n--)
		*p++ = xt_rnd(r);
}

static uint16_t a_port(struct rng *r, const struct pools *pl)
{
	if (xt_below(r, 4))
		return pl->port[xt_below(r, 12)];
	return 1024 + xt_below(r, 60000);
}

/* An L4 header of @proto at @p: ports from the pool; its length. */
static size_t l4(struct rng *r, const struct pools *pl, uint8_t proto,
		 uint8_t *p)
{
	size_t n = proto == 6 ? 20 : proto == 132 ? 12 : 8;

	fill(r, p, n);
	if (proto == 6 || proto == 17 || proto == 132) {
		be16(p, a_port(r, pl));
		be16(p + 2, a_port(r, pl));
	}
	return n;
}

static size_t ip4(struct rng *r, const struct pools *pl, uint8_t *p)
{
	static const uint8_t protos[] = { 6, 6, 6, 17, 17, 1, 132 };
	unsigned int k = xt_below(r, 100), ihl = xt_below(r, 20) ? 5 : 6;
	uint8_t proto = protos[xt_below(r, sizeof(protos))];
	size_t n = ihl * 4;

	fill(r, p, n);
	p[0] = 0x40 | ihl;
	if (k < 2)
		p[0] = 0x50 | ihl;	/* not 4: libpcap looks anyway */
	else if (k < 3)
		p[0] = 0x42;		/* a header length of 8 */
	p[6] = p[7] = 0;
	if (k >= 90 && k < 95) {
		/* a later fragment: no L4 header, bytes that look like one */
		be16(p + 6, (xt_below(r, 2) << 13) | (1 + xt_below(r, 500)));
		proto = xt_below(r, 2) ? 6 : 17;
	} else if (k >= 95) {
		be16(p + 6, 0x2000);	/* the first fragment */
	}
	p[9] = proto;
	memcpy(p + 12, pl->v4[xt_below(r, 40)], 4);
	memcpy(p + 16, pl->v4[xt_below(r, 40)], 4);
	if (!xt_below(r, 20))
		fill(r, p + 12, 4);	/* a host the pool does not have */
	if (!xt_below(r, 400))
		inet_pton(AF_INET, XT_RARE_HOST, p + 16);
	fill(r, p + n, 20);
	if (!(p[6] & 0x1f) && !p[7])
		l4(r, pl, proto, p + (p[0] & 0xf) * 4);
	return n + 20;
}

static size_t ip6(struct rng *r, const struct pools *pl, uint8_t *p)
{
	static const uint8_t protos[] = { 6, 6, 17, 17, 58, 132 };
	unsigned int k = xt_below(r, 100);
	uint8_t proto = protos[xt_below(r, sizeof(protos))];
	size_t n = 40;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[7] = 64;
	memcpy(p + 8, pl->v6[xt_below(r, 10)], 16);
	memcpy(p + 24, pl->v6[xt_below(r, 10)], 16);
	if (k < 2)
		p[0] = 0x40;		/* not version 6 */
	if (k >= 85 && k < 95) {
		/* a fragment header: a first or a later fragment */
		p[6] = 44;
		p[40] = proto;
		p[41] = 0;
		be16(p + 42, xt_below(r, 2) ? 1 : (1 + xt_below(r, 300)) << 3);
		fill(r, p + 44, 4);
		n += 8;
		if (!(p[42] | (p[43] & 0xf8)))
			return n + l4(r, pl, proto, p + n);
		fill(r, p + n, 16);
		return n + 16;
	}
	if (k >= 95) {
		/* hop-by-hop options first */
		p[6] = 0;
		p[40] = proto;
		p[41] = 0;
		memset(p + 42, 0, 6);
		n += 8;
	} else {
		p[6] = proto;
	}
	return n + l4(r, pl, proto, p + n);
}

static size_t arp(struct rng *r, const struct pools *pl, uint8_t *p)
{
	fill(r, p, 28);
	be16(p, 1);
	be16(p + 2, 0x0800);
	/* libpcap reads 14 and 24 whatever the lengths say */
	p[4] = xt_below(r, 10) ? 6 : 8;
	p[5] = 4;
	be16(p + 6, 1 + xt_below(r, 2));
	memcpy(p + 14, pl->v4[xt_below(r, 40)], 4);
	memcpy(p + 24, pl->v4[xt_below(r, 40)], 4);
	return 28;
}

/* A frame at @f (room for 2 KiB); its length. */
static size_t frame(struct rng *r, const struct pools *pl, uint8_t *f)
{
	unsigned int k = xt_below(r, 100), tags = 0, t;
	size_t off = 12, n;

	fill(r, f, 12);
	if (k < 10)
		tags = 1;
	else if (k < 13)
		tags = 2;
	else if (k < 14)
		tags = 3;
	for (t = 0; t < tags; t++) {
		be16(f + off, t == 0 && tags > 1 ? 0x88a8 : 0x8100);
		be16(f + off + 2,
		     xt_below(r, 8) << 13 | pl->vlan[xt_below(r, 4)]);
		off += 4;
	}
	k = xt_below(r, 100);
	if (k < 50) {
		be16(f + off, 0x0800);
		n = ip4(r, pl, f + off + 2);
	} else if (k < 80) {
		be16(f + off, 0x86dd);
		n = ip6(r, pl, f + off + 2);
	} else if (k < 92) {
		be16(f + off, xt_below(r, 5) ? 0x0806 : 0x8035);
		n = arp(r, pl, f + off + 2);
	} else {
		be16(f + off, 0x88cc);
		n = 40;
		fill(r, f + off + 2, n);
	}
	n += off + 2;
	k = xt_below(r, 400);
	fill(r, f + n, k);
	if (n + k >= 60)
		return n + k;
	memset(f + n + k, 0, 60 - n - k);
	return 60;
}



static int file_put(struct file *f, const void *p, size_t n)
{
	if (f->len + n > f->cap) {
		uint8_t *b;

		f->cap = (f->len + n) * 2;
		b = realloc(f->p, f->cap);
		CHECK(b);
		f->p = b;
	}
	memcpy(f->p + f->len, p, n);
	f->len += n;
	return 0;
}

/*
 * @n records from @start over @span: two queues, each in time order,
 * written in chunks of 1..16 records from one then the other.
 */
static int file_fill(struct series *s, struct rng *r, struct file *f,
		     uint64_t start, uint64_t span, unsigned int n)
{
	uint64_t q[2][4096];
	unsigned int nq[2] = { 0, 0 }, at[2] = { 0, 0 }, i, c, w = 0;
	/* most files: timestamps on whole milliseconds */
	bool ms = xt_below(r, 3);
	uint8_t fr[2048 + 400];

	CHECK(n <= 4096);
	for (i = 0; i < n; i++) {
		uint64_t t = start + span * i / n + xt_below(r, span / n);

		if (ms)
			t -= t % MS;
		q[i & 1][nq[i & 1]++] = t;
	}
	while (at[0] < nq[0] || at[1] < nq[1]) {
		for (c = 1 + xt_below(r, 16); c && at[w] < nq[w]; c--) {
			uint64_t t = q[w][at[w]++];
			uint32_t h[4], len = frame(r, &s->pl, fr);

			h[0] = t / S;
			h[1] = t % S;
			h[2] = len;
			if (!xt_below(r, 10))
				h[2] = 14 + xt_below(r, len - 14);
			h[3] = len;
			CHECK(!file_put(f, h, sizeof(h)));
			CHECK(!file_put(f, fr, h[2]));
			s->ts[s->nts++] = t;
			if (t < s->first)
				s->first = t;
			if (t > s->last)
				s->last = t;
		}
		w ^= 1;
	}
	return 0;
}

/* The records of @f (pcap) as a pcapng file with an ISB at the end. */
static int to_pcapng(struct file *f)
{
	struct pcapng_isb isb = { .ts_ns = 1, .ifrecv = 1 };
	size_t room = f->len * 2 + 4096, n;
	struct pcap_walk w;
	uint8_t *ng;

	ng = malloc(room);
	CHECK(ng);
	n = pcapng_hdr_fill(ng, "eth0", SNAP, PCAP_LINKTYPE_ETHERNET);
	n += pcapng_convert(ng + n, room - n, f->p + PCAP_HDR_LEN,
			    f->len - PCAP_HDR_LEN, UINT64_MAX, &w);
	n += pcapng_isb_fill(ng + n, &isb);
	free(f->p);
	f->p = ng;
	f->len = n;
	f->ng = true;
	CHECK(!w.bad);
	return 0;
}

int xt_write_bytes(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECKF(fd >= 0, "%s: %s", path, strerror(errno));
	CHECK(write(fd, p, n) == (ssize_t)n);
	CHECK(!close(fd));
	return 0;
}

/* @f's index, with 4 KiB blocks, as DIR/NAME.idx; its header in @h. */
static int index_file(const char *dir, const struct file *f,
		      struct lwp_idx_hdr *h)
{
	char err[LWP_ERRLEN], name[NAME_MAX + 8];
	uint8_t *ib;
	size_t il;
	int dfd;

	CHECKF(!lwp_idx_build_mem(f->p, f->len, SHIFT, PSHIFT, &ib, &il,
				  err), "%s", err);
	memcpy(h, ib, sizeof(*h));
	snprintf(name, sizeof(name), "%s.idx", f->name);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	il = lwp_idx_write(dfd, name, ib, il, 0644, err);
	close(dfd);
	free(ib);
	CHECKF(!il, "%s", err);
	return 0;
}

void xt_series_free(struct series *s)
{
	unsigned int i;

	for (i = 0; i < NFILES; i++)
		free(s->f[i].p);
	free(s->ts);
}

const char *xt_extract_bin(void)
{
	static char path[PATH_MAX];
	const char *r = reader(), *p = strstr(r, "tg3cap-reader");

	if (!p)
		return "./tg3cap-extract";
	snprintf(path, sizeof(path), "%.*stg3cap-extract%s", (int)(p - r), r,
		 p + strlen("tg3cap-reader"));
	return path;
}

/* The two series of the header comment, in @s->dir. */
int xt_series_make(struct series *s, unsigned int recs)
{
	static const char *const extra[][2] = {
		{ "a/cap.000007.pcap.part", "10.99.99.99" },
		{ "a/cap.000000.pcap.gz", "10.99.99.98" },
		{ "a/cap.notes", "10.99.99.97" },
	};
	const char *seed = getenv("TG3CAP_EXTRACT_SEED");
	struct rng r = { 0x7467336361702dULL };
	uint64_t t0 = 1796551200ULL * S;	/* 2026-12-06T10:00:00Z */
	struct lwp_cat_entry e;
	char path[PATH_MAX + 64], err[LWP_ERRLEN];
	struct lwp_idx_hdr h;
	unsigned int i;
	struct tm tm;
	time_t t;
	int dfd;

	if (seed)
		r.s ^= strtoull(seed, NULL, 0) << 1;
	memset(s->f, 0, sizeof(s->f));
	pools_init(&s->pl);
	s->ts = malloc(NFILES * recs * sizeof(*s->ts));
	CHECK(s->ts);
	s->nts = 0;
	s->first = UINT64_MAX;
	s->last = 0;
	snprintf(path, sizeof(path), "%s/a", s->dir);
	CHECK(!mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/b", s->dir);
	CHECK(!mkdir(path, 0755));
	for (i = 0; i < NFILES; i++) {
		struct file *f = &s->f[i];
		uint64_t start = i < NA ? t0 + i * 60 * S - 2 * S :
					  t0 + (i - NA) * 90 * S;
		uint8_t hdr[PCAP_HDR_LEN];

		pcap_hdr_fill(hdr, SNAP, PCAP_LINKTYPE_ETHERNET);
		CHECK(!file_put(f, hdr, sizeof(hdr)));
		CHECK(!file_fill(s, &r, f, start,
				 (i < NA ? 62 : 91) * S, recs));
		if (i < NA) {
			snprintf(f->name, sizeof(f->name), "cap.%06u.pcap",
				 i + 1);
			snprintf(path, sizeof(path), "%s/a/%s", s->dir,
				 f->name);
		} else {
			t = start / S;
			gmtime_r(&t, &tm);
			strftime(f->name, sizeof(f->name), B_PATTERN, &tm);
			if (i == NFILES - 1)
				CHECK(!to_pcapng(f));
			snprintf(f->name + strlen(f->name),
				 sizeof(f->name) - strlen(f->name),
				 ".%06u.%s", i - NA + 1,
				 f->ng ? "pcapng" : "pcap");
			snprintf(path, sizeof(path), "%s/b/%s", s->dir,
				 f->name);
		}
		CHECK(!xt_write_bytes(path, f->p, f->len));
		snprintf(path, sizeof(path), "%s/%c", s->dir,
			 i < NA ? 'a' : 'b');
		if (i == 1)
			continue;	/* no index: extract rebuilds it */
		CHECK(!index_file(path, f, &h));
		if (i >= 4)
			continue;
		memset(&e, 0, sizeof(e));
		e.seq = i + 1;
		e.first_ns = h.first_ns;
		e.last_ns = h.last_ns;
		e.records = h.records;
		e.bytes = h.data_len + (i == 2);	/* 3's line is stale */
		strcpy(e.name, f->name);
		dfd = open(path, O_RDONLY | O_DIRECTORY);
		CHECK(dfd >= 0);
		CHECKF(!lwp_catalog_append(dfd, "cap", &e, err), "%s", err);
		close(dfd);
	}
	/* names a series does not read, with a host nothing else has */
	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		struct file x = { .len = 0 };
		uint8_t fr[128] = { 0 };
		uint32_t rh[4] = { t0 / S + 30, 0, 60, 60 };

		fr[12] = 0x08;
		fr[14] = 0x45;
		inet_pton(AF_INET, extra[i][1], fr + 26);
		pcap_hdr_fill(fr + 64, SNAP, PCAP_LINKTYPE_ETHERNET);
		CHECK(!file_put(&x, fr + 64, PCAP_HDR_LEN));
		CHECK(!file_put(&x, rh, sizeof(rh)));
		CHECK(!file_put(&x, fr, 60));
		snprintf(path, sizeof(path), "%s/%s", s->dir, extra[i][0]);
		CHECK(!xt_write_bytes(path, x.p, x.len));
		free(x.p);
	}
	/* a line that does not parse, and a line cut by a crash */
	snprintf(path, sizeof(path), "%s/a/.cap.catalog", s->dir);
	dfd = open(path, O_WRONLY | O_APPEND);
	CHECK(dfd >= 0);
	CHECK(write(dfd, "tg3cap-catalog 1 x\ntg3cap-catalog 1 5 1", 39) == 39);
	close(dfd);
	return 0;
}

