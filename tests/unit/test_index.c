// SPDX-License-Identifier: GPL-2.0
/*
 * test_index.c - the index of a capture file (pktindex.c), the record
 * walker it uses (capfile.c) and the series catalog (catalog.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capfile.h"
#include "catalog.h"
#include "harness.h"
#include "pcapfile.h"
#include "pktindex.h"
#include "util.h"

#define SHIFT	12	/* 4 KiB blocks: a test file spans many */
#define PSHIFT	3	/* parts of 8 pairs: an index has many */

struct file {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static int file_init(struct file *f)
{
	f->cap = 1 << 20;
	f->p = calloc(1, f->cap);
	CHECK(f->p);
	pcap_hdr_fill(f->p, 2000, PCAP_LINKTYPE_ETHERNET);
	f->len = PCAP_HDR_LEN;
	return 0;
}

/* A record of @len frame bytes at @ts_ns; the frame is @hdr, padded. */
static uint64_t rec_put(struct file *f, uint64_t ts_ns, const uint8_t *hdr,
			size_t hlen, uint32_t len)
{
	uint32_t h[4] = { ts_ns / 1000000000, ts_ns % 1000000000, len, len };
	uint64_t off = f->len;

	memcpy(f->p + off, h, sizeof(h));
	memset(f->p + off + 16, 0xee, len);
	memcpy(f->p + off + 16, hdr, hlen < len ? hlen : len);
	f->len += 16 + len;
	return off;
}

static size_t eth(uint8_t *b, uint16_t type, int vlan)
{
	size_t o = 12;

	memset(b, 0, 12);
	b[0] = 2;
	b[6] = 4;
	if (vlan >= 0) {
		b[o++] = 0x81;
		b[o++] = 0x00;
		b[o++] = (vlan >> 8) & 0xf;
		b[o++] = vlan & 0xff;
	}
	b[o++] = type >> 8;
	b[o++] = type & 0xff;
	return o;
}

static size_t ip4(uint8_t *b, const char *src, const char *dst,
		  uint8_t proto, uint16_t frag, uint16_t sport,
		  uint16_t dport)
{
	memset(b, 0, 28);
	b[0] = 0x45;
	b[6] = frag >> 8;
	b[7] = frag & 0xff;
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	b[20] = sport >> 8;
	b[21] = sport & 0xff;
	b[22] = dport >> 8;
	b[23] = dport & 0xff;
	return 28;
}

/* Which records a key must find (by number), and the offsets. */
struct want {
	uint32_t key;
	const char *what;
	uint64_t recs;		/* bit i: record i has it */
};

/*
 * The blocks of @key found as tg3cap-extract finds them, from the head
 * @hx of the index @buf and only the parts lwp_idx_key_parts() names,
 * checked: the same @n blocks as in @want.
 */
static int same_from_parts(const struct lwp_idx *hx, const uint8_t *buf,
			   uint32_t key, const uint8_t *want, size_t n)
{
	size_t bytes = hx->h->nblocks / 8 + 1;
	uint64_t off, end;
	uint32_t a, e;
	uint8_t *map;
	size_t got;

	lwp_idx_key_parts(hx, key, &a, &e);
	off = lwp_idx_part_off(hx, a);
	end = lwp_idx_part_off(hx, e);
	/* its pairs' parts, and the one before where they may start */
	CHECKF(e - a <= (n >> hx->h->part_shift) + 2,
	       "key %08x: %u parts read for %zu pairs", key, e - a, n);
	CHECK(!lwp_idx_parts_check(hx, a, e, (const void *)(buf + off)));
	map = calloc(1, bytes);
	CHECK(map);
	got = lwp_idx_blocks_in(hx, (const void *)(buf + off),
				(end - off) / 8, key, map);
	if (got != n || memcmp(map, want, bytes)) {
		free(map);
		CHECKF(0, "key %08x: %zu blocks from its parts, %zu in all",
		       key, got, n);
	}
	free(map);
	return 0;
}

/*
 * Build the index of a file of 40 records of 1000 bytes (4 KiB blocks:
 * 4 records a block) of seven kinds and check it whole: the header, the
 * blocks (each record found from its block's offset; time spans), and
 * for every key the blocks that hold it: all of them (none missed) and,
 * hashes aside, no others.
 */
static int t_index_build(void)
{
	uint8_t frame[128], *buf, *map;
	struct want w[] = {
		{ key_host("10.0.0.1"), "host 10.0.0.1", 0 },
		{ key_host("10.0.0.2"), "host 10.0.0.2", 0 },
		{ key_be16(LWP_IDX_PORT, 80), "port 80", 0 },
		{ key_be16(LWP_IDX_PORT, 53), "port 53", 0 },
		{ key_proto(6), "proto 6", 0 },
		{ key_proto(17), "proto 17", 0 },
		{ key_host("2001:db8::1"), "host 2001:db8::1", 0 },
		{ key_host("192.168.9.9"), "arp host 192.168.9.9", 0 },
		{ key_be16(LWP_IDX_VLAN, 100), "vlan 100", 0 },
		{ key_be16(LWP_IDX_PORT, 443), "port 443", 0 },
		{ key_proto(0), "ip6 hop-by-hop", 0 },
	};
	uint64_t off[40], ts, bi;
	struct lwp_capfile c;
	struct lwp_idx x, hx;
	struct lwp_rec r;
	struct file f;
	size_t len, n, i, k;
	char err[LWP_ERRLEN];

	CHECK(!file_init(&f));
	for (i = 0; i < 40; i++) {
		size_t o;

		ts = 1700000000000000000ULL + (i % 7) * 1000 + i * 1000000;
		switch (i % 7) {
		case 0:		/* TCP 10.0.0.1:1234 -> 10.0.0.2:80 */
			o = eth(frame, 0x0800, -1);
			o += ip4(frame + o, "10.0.0.1", "10.0.0.2", 6, 0, 1234,
				 80);
			w[0].recs |= 1ULL << i;
			w[1].recs |= 1ULL << i;
			w[2].recs |= 1ULL << i;
			w[4].recs |= 1ULL << i;
			break;
		case 1:		/* UDP 10.0.0.3:53 in VLAN 100 */
			o = eth(frame, 0x0800, 100);
			o += ip4(frame + o, "10.0.0.3", "10.0.0.4", 17, 0, 53,
				 5353);
			w[3].recs |= 1ULL << i;
			w[5].recs |= 1ULL << i;
			w[8].recs |= 1ULL << i;
			break;
		case 2:		/* a later fragment: addresses, no ports */
			o = eth(frame, 0x0800, -1);
			o += ip4(frame + o, "10.0.0.1", "10.0.0.9", 6, 185,
				 443, 443);
			w[0].recs |= 1ULL << i;
			w[4].recs |= 1ULL << i;
			break;
		case 3:		/* ARP who-has 192.168.9.9 */
			o = eth(frame, 0x0806, -1);
			memset(frame + o, 0, 28);
			frame[o + 1] = 1;
			frame[o + 2] = 8;
			frame[o + 4] = 6;
			frame[o + 5] = 4;
			inet_pton(AF_INET, "192.168.9.1", frame + o + 14);
			inet_pton(AF_INET, "192.168.9.9", frame + o + 24);
			o += 28;
			w[7].recs |= 1ULL << i;
			break;
		case 4:		/* IPv6, hop-by-hop, then TCP to 443 */
			o = eth(frame, 0x86dd, -1);
			memset(frame + o, 0, 56);
			frame[o] = 0x60;
			frame[o + 6] = 0;		/* hop-by-hop */
			inet_pton(AF_INET6, "2001:db8::1", frame + o + 8);
			inet_pton(AF_INET6, "2001:db8::2", frame + o + 24);
			frame[o + 40] = 6;		/* then TCP */
			frame[o + 41] = 0;		/* 8 bytes */
			frame[o + 48] = 0x30;		/* sport 12345 */
			frame[o + 49] = 0x39;
			frame[o + 50] = 443 >> 8;
			frame[o + 51] = 443 & 0xff;
			o += 56;
			w[4].recs |= 1ULL << i;
			w[6].recs |= 1ULL << i;
			w[9].recs |= 1ULL << i;
			w[10].recs |= 1ULL << i;
			break;
		case 5:		/* too short for anything but Ethernet */
			o = eth(frame, 0x0800, -1);
			break;
		default:	/* something else: no keys */
			o = eth(frame, 0x88b5, -1);
			break;
		}
		off[i] = rec_put(&f, ts, frame, o, i % 7 == 5 ? 14 : 1000);
	}
	CHECKF(!lwp_idx_build_mem(f.p, f.len, SHIFT, PSHIFT, &buf, &len,
				  err), "%s", err);
	CHECK(!lwp_idx_parse(&x, buf, len));
	CHECK(x.h->records == 40 && x.h->data_len == f.len && !x.h->pcapng);
	CHECK(x.h->first_ns == 1700000000000000000ULL);
	CHECK(x.h->last_ns == 1700000000000000000ULL + 4 * 1000 +
	      39 * 1000000ULL);
	CHECK(x.h->nblocks == (f.len >> SHIFT) + 1);
	CHECK(!lwp_capf_init(&c, f.p, f.len));
	for (i = 0; i < 40; i++) {
		uint64_t o;

		bi = off[i] >> SHIFT;
		/* walked from its block's first record, it is met */
		for (o = x.blk[bi].off; o < off[i]; o = r.off + r.size)
			CHECK(!lwp_capf_rec(&c, o, &r));
		CHECKF(o == off[i], "record %zu at %llu, block %llu from %llu",
		       i, (unsigned long long)off[i],
		       (unsigned long long)bi,
		       (unsigned long long)x.blk[bi].off);
		CHECK(!lwp_capf_rec(&c, o, &r));
		CHECK(x.blk[bi].min_ns <= r.ts_ns && r.ts_ns <= x.blk[bi].max_ns);
	}
	CHECK(x.blk[x.h->nblocks - 1].off <= f.len);
	map = calloc(1, x.h->nblocks / 8 + 1);
	CHECK(map);
	for (k = 0; k < ARRAY_SIZE(w); k++) {
		memset(map, 0, x.h->nblocks / 8 + 1);
		n = lwp_idx_blocks(&x, w[k].key, map);
		for (i = 0; i < 40; i++) {
			bool has = map[(off[i] >> SHIFT) / 8] &
				   1U << ((off[i] >> SHIFT) % 8);

			CHECKF(!(w[k].recs & 1ULL << i) || has,
			       "%s: record %zu's block not listed", w[k].what,
			       i);
		}
		for (bi = 0, i = 0; bi < x.h->nblocks; bi++) {
			bool want = false;

			for (size_t j = 0; j < 40; j++)
				if (off[j] >> SHIFT == bi &&
				    w[k].recs & 1ULL << j)
					want = true;
			i += want;
			CHECKF(want == !!(map[bi / 8] & 1U << (bi % 8)),
			       "%s: block %llu listed %d, want %d", w[k].what,
			       (unsigned long long)bi,
			       !!(map[bi / 8] & 1U << (bi % 8)), want);
		}
		CHECKF(n == i, "%s: %zu blocks, want %zu", w[k].what, n, i);
		CHECK(!lwp_idx_parse_head(&hx, buf, lwp_idx_head_len(x.h), len));
		CHECK(!same_from_parts(&hx, buf, w[k].key, map, n));
	}
	CHECKF(x.h->nparts > 4, "%u parts", x.h->nparts);
	/* port 443 only from the IPv6 record: not the later fragment's */
	free(map);
	free(buf);
	free(f.p);
	return 0;
}

/*
 * A damaged index is refused whole: every single byte changed, every
 * shorter length, and a data file of another length (stale).
 */
static int t_index_damaged(void)
{
	uint8_t frame[64], *buf;
	struct lwp_idx x;
	char err[LWP_ERRLEN];
	struct file f;
	size_t len, i;
	unsigned int bad = 0;

	CHECK(!file_init(&f));
	for (i = 0; i < 30; i++) {
		size_t o = eth(frame, 0x0800, -1);

		o += ip4(frame + o, "10.1.0.1", "10.1.0.2", 17, 0, 1000 + i,
			 53);
		rec_put(&f, 1700000000000000000ULL + i, frame, o, 600);
	}
	CHECKF(!lwp_idx_build_mem(f.p, f.len, SHIFT, PSHIFT, &buf, &len,
				  err), "%s", err);
	CHECK(!lwp_idx_parse(&x, buf, len));
	for (i = 0; i < len; i++) {
		buf[i] ^= 0x41;
		bad += lwp_idx_parse(&x, buf, len) != 0;
		buf[i] ^= 0x41;
	}
	CHECKF(bad == len, "%u of %zu changed bytes refused", bad, len);
	for (i = 0; i < len; i++)
		CHECKF(lwp_idx_parse(&x, buf, i), "%zu bytes accepted", i);
	CHECK(!lwp_idx_parse(&x, buf, len));
	CHECK(x.h->data_len == f.len);
	free(buf);
	/* not a capture file: refused with a reason */
	memset(f.p, 0, 24);
	CHECK(lwp_idx_build_mem(f.p, f.len, SHIFT, PSHIFT, &buf, &len,
				err) == -EINVAL);
	CHECK(strstr(err, "not a capture file"));
	free(f.p);
	return 0;
}

/*
 * A file with more (key, block) pairs than the builder may hold even in
 * the largest blocks (a new host in every record): -E2BIG once the keys
 * would grow past the cap, never more memory; a reset builder then
 * indexes the next file whole, at the block size asked.
 */
static int t_index_cap(void)
{
	struct lwp_idx_builder b;
	uint8_t frame[64], *buf;
	char src[32];
	size_t len, o;
	struct lwp_idx x;
	int ret = 0;
	unsigned int i;

	CHECK(!lwp_idx_init(&b, SHIFT, false));
	b.pairs_max = 4096;
	for (i = 0; i < 100000 && !ret; i++) {
		o = eth(frame, 0x0800, -1);
		snprintf(src, sizeof(src), "10.%u.%u.%u", i >> 16,
			 (i >> 8) & 0xff, i & 0xff);
		o += ip4(frame + o, src, "10.255.0.1", 17, 0, 1000, 53);
		ret = lwp_idx_add(&b, 24 + 100ULL * i, i, frame, o);
	}
	CHECKF(ret == -E2BIG && b.key_cap <= 4096,
	       "ret %d after %u records, %zu pairs held", ret, i, b.key_cap);
	CHECK(!lwp_idx_reset(&b, SHIFT, false));
	for (i = 0; i < 100; i++) {
		o = eth(frame, 0x0800, -1);
		o += ip4(frame + o, "10.0.0.1", "10.255.0.1", 17, 0, 1000, 53);
		CHECK(!lwp_idx_add(&b, 24 + 100ULL * i, i, frame, o));
	}
	CHECK(!lwp_idx_finish(&b, 24 + 100 * 100, &buf, &len));
	CHECK(!lwp_idx_parse(&x, buf, len) && x.h->records == 100 &&
	      x.h->block_shift == SHIFT);
	free(buf);
	return 0;
}

/*
 * More pairs than the builder may hold, from hosts that come back: the
 * blocks grow (here from 4 KiB) until the pairs fit, never more memory,
 * and the index is the one a builder that started at that block size
 * makes, byte for byte.
 */
static int t_index_coarsen(void)
{
	struct lwp_idx_builder b, r;
	uint8_t frame[64], *buf, *ref;
	size_t len, rlen, o;
	struct lwp_idx x;
	char src[32];
	unsigned int i;

	CHECK(!lwp_idx_init(&b, SHIFT, false));
	b.pairs_max = 4096;
	for (i = 0; i < 100000; i++) {
		o = eth(frame, 0x0800, -1);
		snprintf(src, sizeof(src), "10.1.%u.%u", (i % 1000) >> 8,
			 (i % 1000) & 0xff);
		o += ip4(frame + o, src, "10.255.0.1", 17, 0, 1000 + i % 7,
			 53);
		CHECKF(!lwp_idx_add(&b, 24 + 100ULL * i, i, frame, o),
		       "record %u", i);
	}
	CHECKF(b.key_cap <= 4096 && b.shift > SHIFT, "%zu pairs held, shift %u",
	       b.key_cap, b.shift);
	CHECK(!lwp_idx_init(&r, b.shift, false));
	for (i = 0; i < 100000; i++) {
		o = eth(frame, 0x0800, -1);
		snprintf(src, sizeof(src), "10.1.%u.%u", (i % 1000) >> 8,
			 (i % 1000) & 0xff);
		o += ip4(frame + o, src, "10.255.0.1", 17, 0, 1000 + i % 7,
			 53);
		CHECK(!lwp_idx_add(&r, 24 + 100ULL * i, i, frame, o));
	}
	CHECK(r.shift == b.shift);
	CHECK(!lwp_idx_finish(&b, 24 + 100ULL * 100000, &buf, &len));
	CHECK(!lwp_idx_finish(&r, 24 + 100ULL * 100000, &ref, &rlen));
	CHECK(!lwp_idx_parse(&x, buf, len) && x.h->records == 100000);
	CHECKF(len == rlen && !memcmp(buf, ref, len),
	       "%zu bytes, from the start at shift %u %zu", len,
	       x.h->block_shift, rlen);
	CHECK(x.h->nkeys <= 4096);
	free(buf);
	free(ref);
	return 0;
}

/* Written whole under its name, with the mode asked, no temporary left. */
static int t_index_write(void)
{
	char dir[256], path[400], err[LWP_ERRLEN];
	uint8_t data[100], back[200];
	struct stat st;
	int dfd, fd;
	mode_t um;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = i * 7;
	CHECK(!tmpdir_make(dir, sizeof(dir)));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECKF(!lwp_idx_write(dfd, "a.pcap.idx", data, sizeof(data), 0640,
			      err), "%s", err);
	/* again: replaces it */
	data[0] = 99;
	CHECKF(!lwp_idx_write(dfd, "a.pcap.idx", data, sizeof(data), 0640,
			      err), "%s", err);
	snprintf(path, sizeof(path), "%s/a.pcap.idx", dir);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(read(fd, back, sizeof(back)) == sizeof(data));
	um = umask(0);
	umask(um);
	CHECK(!fstat(fd, &st) && (st.st_mode & 0777) == (0640 & ~um));
	close(fd);
	CHECK(!memcmp(back, data, sizeof(data)));
	CHECK(!count_files(dir, ".tmp"));
	close(dfd);
	tmpdir_remove(dir);
	return 0;
}

/*
 * The catalog: lines appended, read back in number order; a cut line,
 * junk, a NUL and the tail of an overlong line are skipped; a name
 * listed twice counts by its last line.
 */
static int t_catalog(void)
{
	struct lwp_cat_entry e = { 0 }, *v;
	char dir[256], path[2 * NAME_MAX], err[LWP_ERRLEN];
	size_t n, i;
	int dfd, fd;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	CHECK(lwp_catalog_read(dfd, "cap", &v, &n, err) == -ENOENT);
	e.seq = 2;
	e.first_ns = 200;
	e.last_ns = 290;
	e.records = 5;
	e.bytes = 1000;
	strcpy(e.name, "cap.000002.pcap");
	CHECK(!lwp_catalog_append(dfd, "cap", &e, err));
	e.seq = 1;
	e.first_ns = 100;
	e.last_ns = 190;
	strcpy(e.name, "cap.000001.pcap");
	CHECK(!lwp_catalog_append(dfd, "cap", &e, err));
	e.last_ns = 195;	/* rebuilt: the later line wins */
	CHECK(!lwp_catalog_append(dfd, "cap", &e, err));
	snprintf(path, sizeof(path), "%s/.cap.catalog", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(write(fd, "junk\ntg3cap-catalog 1 3 1 2 3 4 a/b\n", 36) == 36);
	/* a line too long to be ours, whose tail reads as an entry */
	memset(path, 'x', sizeof(path));
	for (i = NAME_MAX; i < sizeof(path); i++) {
		CHECK(write(fd, path, i) == (ssize_t)i);
		CHECK(write(fd, "tg3cap-catalog 1 5 1 2 3 4 cap.5\n", 34) ==
		      34);
	}
	/* a NUL inside: the text after it is not a line of its own */
	CHECK(write(fd, "x\0tg3cap-catalog 1 6 1 2 3 4 cap.6\n", 36) == 36);
	CHECK(write(fd, "tg3cap-catalog 1 4 300 390 1 1 cap.0", 36) == 36);
	close(fd);
	CHECKF(!lwp_catalog_read(dfd, "cap", &v, &n, err), "%s", err);
	CHECKF(n == 2, "%zu entries", n);
	CHECK(v[0].seq == 1 && v[0].last_ns == 195 &&
	      !strcmp(v[0].name, "cap.000001.pcap"));
	CHECK(v[1].seq == 2 && v[1].first_ns == 200 && v[1].records == 5 &&
	      v[1].bytes == 1000 && !strcmp(v[1].name, "cap.000002.pcap"));
	/* made anew: exactly these lines, the junk gone */
	CHECKF(!lwp_catalog_write(dfd, "cap", v + 1, 1, err), "%s", err);
	free(v);
	CHECKF(!lwp_catalog_read(dfd, "cap", &v, &n, err), "%s", err);
	CHECK(n == 1 && v[0].seq == 2 && !strcmp(v[0].name, "cap.000002.pcap"));
	snprintf(path, sizeof(path), "%s/.cap.catalog.tmp", dir);
	CHECK(access(path, F_OK));
	free(v);
	close(dfd);
	tmpdir_remove(dir);
	return 0;
}

const struct test index_tests[] = {
	{ "index_build", t_index_build },
	{ "index_damaged", t_index_damaged },
	{ "index_cap", t_index_cap },
	{ "index_coarsen", t_index_coarsen },
	{ "index_write", t_index_write },
	{ "index_catalog", t_catalog },
};
const unsigned int index_tests_n = ARRAY_SIZE(index_tests);
