// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_index.c - what tg3cap-extract trusts of a file's index and of the
 * file: lwp_idx_parse() and lwp_idx_blocks() (pktindex.c), the record
 * walk of lwp_capf_init()/lwp_capf_rec() (capfile.c), on any bytes.
 *
 * The first input byte picks the mode:
 *
 *   bit 0 clear: the rest is an index.  lwp_idx_parse() must accept it
 *       exactly when a reference written from pktindex.h's contract
 *       does (a bitwise CRC-32C, not pktindex.c's); so must
 *       lwp_idx_parse_head() its head, and lwp_idx_parts_check() each
 *       part of its pairs alone.  Once accepted, every key's blocks
 *       from lwp_idx_blocks() must be the ones a linear scan finds, and
 *       its count theirs; the parts lwp_idx_key_parts() names must hold
 *       every pair of the key, and the blocks found in them alone
 *       (lwp_idx_blocks_in(), what tg3cap-extract reads) be the same.
 *   bit 0 set: bytes 1..12 are four edits (a 16-bit offset and a byte
 *       to XOR there), the rest a capture file.  The walk must return
 *       whole records inside the file, in order, as the formats define
 *       them (fuzz.h's pcapng reference; pcap's rules below), and end
 *       exactly at the end or at what is not a record.  The file's index
 *       (lwp_idx_build_mem(), blocks of 4 to 32 KiB from bits 1-2, parts
 *       of 4 to 32 pairs from bits 5-6) must
 *       parse and agree with the walk: length, records, first and last
 *       time, each record's block (its first record, its time span).
 *       Then the edits go into the index, its CRCs (the head's, each
 *       part's) made right again when bit 4 is set, and it goes through
 *       the first mode's checks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "fuzz.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "pktindex.h"
#include "util.h"

#define EDITS	4
/* the header's bytes: pktindex.h's layout, counted by hand */
#define HDR	80

_Static_assert(sizeof(struct lwp_idx_hdr) == HDR, "index header layout");

/*
 * CRC-32C of @len bytes at @p, bit by bit; bytes 60..63 taken as 0 when
 * @hdr (the header's own CRC field)
 */
static uint32_t ref_crc32c(const uint8_t *p, size_t len, bool hdr)
{
	uint32_t crc = ~0U;
	unsigned int k;
	size_t i;

	for (i = 0; i < len; i++) {
		crc ^= hdr && i >= 60 && i < 64 ? 0 : p[i];
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78U : crc >> 1;
	}
	return ~crc;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

struct ref_head {
	uint64_t nblocks;
	uint64_t nkeys;
	uint64_t nparts;
	unsigned int ps;
	uint64_t parts;		/* where the part table starts */
	uint64_t pairs;		/* where the pairs start */
};

/*
 * pktindex.h, read as a contract: is the head of the index @p of
 * @file_len bytes (@len of them at @p) one a reader may use?
 */
static bool ref_head_ok(const uint8_t *p, size_t len, uint64_t file_len,
			struct ref_head *r)
{
	uint64_t data_len, i, off, prev = 0;
	uint32_t shift;

	if (len < HDR || memcmp(p, LWP_IDX_MAGIC, 8) ||
	    get32(p + 8) != LWP_IDX_VERSION || get32(p + 12) != HDR)
		return false;
	data_len = get64(p + 16);
	shift = get32(p + 48);
	r->nblocks = get32(p + 52);
	r->nkeys = get32(p + 56);
	r->ps = get32(p + 68);
	r->nparts = get32(p + 72);
	if (shift < LWP_IDX_SHIFT_MIN || shift > LWP_IDX_SHIFT_MAX ||
	    (data_len >> shift) >= UINT32_MAX - 1 ||
	    r->nblocks != (data_len >> shift) + 1 || get32(p + 64) > 1 ||
	    r->ps < LWP_IDX_PART_SHIFT_MIN || r->ps > LWP_IDX_PART_SHIFT_MAX ||
	    get32(p + 76) ||
	    r->nparts != (r->nkeys + (1ULL << r->ps) - 1) >> r->ps)
		return false;
	if (get64(p + 24) && get64(p + 32) > get64(p + 40))
		return false;	/* records, first after last */
	r->parts = HDR + 24 * r->nblocks;
	r->pairs = r->parts + 8 * r->nparts;
	if (file_len != r->pairs + 8 * r->nkeys || len < r->pairs ||
	    ref_crc32c(p, r->pairs, true) != get32(p + 60))
		return false;
	for (i = 0; i < r->nblocks; i++) {
		off = get64(p + HDR + 24 * i);
		if (off > data_len || off < prev)
			return false;
		prev = off;
	}
	for (i = 1; i < r->nparts; i++)
		if (get32(p + r->parts + 8 * i) <
		    get32(p + r->parts + 8 * (i - 1)))
			return false;
	return true;
}

/* Part @i of the index @p (head @r good) alone: may a reader use it? */
static bool ref_part_ok(const uint8_t *p, const struct ref_head *r,
			uint64_t i)
{
	uint64_t per = 1ULL << r->ps, at = i * per, n, j;
	const uint8_t *k;
	uint32_t key, b, pk = 0, pb = 0;

	n = r->nkeys - at < per ? r->nkeys - at : per;
	k = p + r->pairs + 8 * at;
	if (ref_crc32c(k, 8 * n, false) != get32(p + r->parts + 8 * i + 4) ||
	    get32(k) != get32(p + r->parts + 8 * i))
		return false;
	for (j = 0; j < n; j++) {
		key = get32(k + 8 * j);
		b = get32(k + 8 * j + 4);
		if (b >= r->nblocks || (j && (key < pk ||
					      (key == pk && b <= pb))))
			return false;
		pk = key;
		pb = b;
	}
	return i + 1 == r->nparts ||
	       pk <= get32(p + r->parts + 8 * (i + 1));
}

/* The whole index: its head, each part, and the pairs in order across. */
static bool ref_idx_ok(const uint8_t *p, size_t len)
{
	struct ref_head r;
	uint64_t i;
	uint32_t k, b, pk = 0, pb = 0;

	if (!ref_head_ok(p, len, len, &r))
		return false;
	for (i = 0; i < r.nparts; i++)
		if (!ref_part_ok(p, &r, i))
			return false;
	for (i = 0; i < r.nkeys; i++) {
		k = get32(p + r.pairs + 8 * i);
		b = get32(p + r.pairs + 8 * i + 4);
		if (i && (k < pk || (k == pk && b <= pb)))
			return false;
		pk = k;
		pb = b;
	}
	return true;
}

/* Each key's blocks as lwp_idx_blocks() marks them and as a scan does. */
static void check_blocks(const struct lwp_idx *x, uint32_t extra)
{
	uint32_t nb = x->h->nblocks, nk = x->h->nkeys, i, j, key, a, e;
	size_t bytes = (nb + 7) / 8, n, want;
	uint64_t off, end;
	uint8_t *map, *ref;

	map = calloc(bytes, 1);
	ref = calloc(bytes, 1);
	FUZZ_CHECK(map && ref, "out of memory");
	for (i = 0; i <= nk && i < 64; i++) {
		key = i < nk && i < 63 ? x->key[i].key : extra;
		memset(map, 0, bytes);
		memset(ref, 0, bytes);
		n = lwp_idx_blocks(x, key, map);
		for (j = want = 0; j < nk; j++)
			if (x->key[j].key == key) {
				ref[x->key[j].block / 8] |=
					1U << (x->key[j].block % 8);
				want++;
			}
		FUZZ_CHECK(n == want && !memcmp(map, ref, bytes),
			   "key %08x: %zu blocks, a scan finds %zu", key, n,
			   want);
		/* what tg3cap-extract does: only the parts named */
		lwp_idx_key_parts(x, key, &a, &e);
		FUZZ_CHECK(a <= e && e <= x->h->nparts, "parts [%u, %u)", a, e);
		for (j = 0; j < nk; j++)
			FUZZ_CHECK(x->key[j].key != key ||
				   ((j >> x->h->part_shift) >= a &&
				    (j >> x->h->part_shift) < e),
				   "key %08x: pair %u outside parts [%u, %u)",
				   key, j, a, e);
		off = lwp_idx_part_off(x, a);
		end = lwp_idx_part_off(x, e);
		FUZZ_CHECK(off <= end && end <= lwp_idx_len(x->h),
			   "parts at %llu..%llu", (unsigned long long)off,
			   (unsigned long long)end);
		memset(map, 0, bytes);
		n = lwp_idx_blocks_in(x, (const void *)((const uint8_t *)x->h +
							off),
				      (end - off) / 8, key, map);
		FUZZ_CHECK(n == want && !memcmp(map, ref, bytes),
			   "key %08x: %zu blocks in its parts, a scan finds %zu",
			   key, n, want);
	}
	free(map);
	free(ref);
}

/* The first mode: @p as an index, in an aligned copy. */
static void check_index(const uint8_t *p, size_t len)
{
	struct ref_head r;
	struct lwp_idx x;
	uint32_t i;
	uint8_t *a;
	bool ok;
	int ret;

	a = malloc(len ? len : 1);
	FUZZ_CHECK(a, "out of memory");
	memcpy(a, p, len);
	ret = lwp_idx_parse(&x, a, len);
	ok = ref_idx_ok(a, len);
	FUZZ_CHECK(ok == !ret, "parse says %d, the contract %s", ret,
		   ok ? "valid" : "not valid");
	if (ok) {
		FUZZ_CHECK(x.h == (const void *)a &&
			   x.blk == (const void *)(a + HDR) &&
			   x.part == (const void *)(a + HDR + 24 *
						    (size_t)x.h->nblocks) &&
			   x.key == (const void *)(x.part + x.h->nparts),
			   "views in the wrong places");
		check_blocks(&x, get32(a + len - 4));
	}
	/* the head alone, as tg3cap-extract reads it, then each part */
	ret = lwp_idx_parse_head(&x, a, len, len);
	ok = ref_head_ok(a, len, len, &r);
	FUZZ_CHECK(ok == !ret, "head: parse says %d, the contract %s", ret,
		   ok ? "valid" : "not valid");
	if (ok) {
		FUZZ_CHECK(!x.key && lwp_idx_head_len(x.h) == r.pairs,
			   "head of %llu bytes",
			   (unsigned long long)lwp_idx_head_len(x.h));
		if (r.pairs < len)	/* the head read alone */
			FUZZ_CHECK(!lwp_idx_parse_head(&x, a, r.pairs, len) &&
				   lwp_idx_parse_head(&x, a, r.pairs - 1, len),
				   "head read alone");
		for (i = 0; i < r.nparts && i < 256; i++) {
			ok = ref_part_ok(a, &r, i);
			ret = lwp_idx_parts_check(&x, i, i + 1,
						  (const void *)(a +
						  lwp_idx_part_off(&x, i)));
			FUZZ_CHECK(ok == !ret,
				   "part %u: check says %d, the contract %s",
				   i, ret, ok ? "valid" : "not valid");
		}
	}
	free(a);
}

/* A pcap record at @off as capfile.h promises it: 0 or its length. */
static size_t ref_pcap_len(const struct lwp_capfile *c, uint64_t off)
{
	uint32_t snap = c->snaplen, cap;
	const uint8_t *p = c->p + off;

	if (!snap || snap > PCAPNG_CAPLEN_MAX)
		snap = PCAPNG_CAPLEN_MAX;
	if (c->len - off < PCAP_REC_HDR_LEN)
		return 0;
	cap = get32(p + 8);
	if (get32(p + 4) >= 1000000000U || cap > get32(p + 12) ||
	    cap > snap || cap > c->len - off - PCAP_REC_HDR_LEN)
		return 0;
	return PCAP_REC_HDR_LEN + cap;
}

struct seen {
	uint64_t off;
	uint64_t ts;
};

/* The walk of the file @p: records into @s (room for len / 16). */
static size_t walk(const struct lwp_capfile *c, struct seen *s)
{
	uint64_t off = c->hdr_len, skip;
	size_t n = 0, bl;
	struct lwp_rec r;
	int ret, epb;

	FUZZ_CHECK(c->hdr_len >= PCAP_HDR_LEN && c->hdr_len <= c->len,
		   "header of %zu bytes in %zu", c->hdr_len, c->len);
	FUZZ_CHECK(lwp_capf_rec(c, c->hdr_len - 1, &r) == -EINVAL &&
		   lwp_capf_rec(c, c->len + 1, &r) == -EINVAL,
		   "a record outside the records");
	while (!(ret = lwp_capf_rec(c, off, &r))) {
		FUZZ_CHECK(r.off >= off && r.size <= c->len - r.off &&
			   r.caplen <= r.len && r.data >= c->p + r.off &&
			   r.data + r.caplen <= c->p + r.off + r.size,
			   "record at %llu: off %llu size %llu caplen %u",
			   (unsigned long long)off,
			   (unsigned long long)r.off,
			   (unsigned long long)r.size, r.caplen);
		if (!c->pcapng) {
			FUZZ_CHECK(r.off == off &&
				   r.size == ref_pcap_len(c, off) &&
				   r.data == c->p + off + 16,
				   "pcap record at %llu",
				   (unsigned long long)off);
		} else {
			/* ISBs before it, then an EPB of its size */
			for (skip = off; skip < r.off; skip += bl)
				FUZZ_CHECK(ref_pcapng_blk(c->p + skip,
							  c->len - skip,
							  c->snaplen, &bl,
							  &epb) == BLK_OK &&
					   !epb, "skipped a non-ISB");
			FUZZ_CHECK(skip == r.off &&
				   ref_pcapng_blk(c->p + r.off,
						  c->len - r.off, c->snaplen,
						  &bl, &epb) == BLK_OK &&
				   epb && bl == r.size && r.data ==
				   c->p + r.off + 28, "EPB at %llu",
				   (unsigned long long)r.off);
		}
		s[n].off = r.off;
		s[n].ts = r.ts_ns;
		n++;
		off = r.off + r.size;
	}
	/* pcapng: the statistics blocks the walk skipped at the end */
	while (c->pcapng && off < c->len &&
	       ref_pcapng_blk(c->p + off, c->len - off, c->snaplen, &bl,
			      &epb) == BLK_OK && !epb)
		off += bl;
	FUZZ_CHECK(ret == -ENODATA ? off == c->len : ret == -EINVAL,
		   "walk ended with %d at %llu of %zu", ret,
		   (unsigned long long)off, c->len);
	if (ret == -EINVAL && !c->pcapng)
		FUZZ_CHECK(!ref_pcap_len(c, off), "stopped before a record");
	return n;
}

/* The index of the walked file against the walk. */
static void check_built(const struct lwp_capfile *c, const struct seen *s,
			size_t n, const struct lwp_idx *x, unsigned int shift)
{
	uint64_t first = UINT64_MAX, last = 0, b, pb = UINT64_MAX, i, k;
	const struct lwp_idx_block *blk;

	FUZZ_CHECK(x->h->data_len == c->len && x->h->records == n &&
		   x->h->block_shift == shift &&
		   x->h->pcapng == c->pcapng, "header disagrees");
	for (i = 0; i < n; i++) {
		if (s[i].ts < first)
			first = s[i].ts;
		if (s[i].ts > last)
			last = s[i].ts;
		b = s[i].off >> shift;
		blk = &x->blk[b];
		FUZZ_CHECK(blk->min_ns <= s[i].ts && s[i].ts <= blk->max_ns,
			   "record %llu outside its block's time",
			   (unsigned long long)i);
		if (b != pb) {
			FUZZ_CHECK(blk->off == s[i].off,
				   "block %llu starts at %llu, not %llu",
				   (unsigned long long)b,
				   (unsigned long long)blk->off,
				   (unsigned long long)s[i].off);
			/* the blocks between start where this one does */
			for (k = pb == UINT64_MAX ? 0 : pb + 1; k < b; k++)
				FUZZ_CHECK(x->blk[k].off == s[i].off &&
					   x->blk[k].min_ns > x->blk[k].max_ns,
					   "empty block %llu",
					   (unsigned long long)k);
		}
		pb = b;
	}
	FUZZ_CHECK(!n || (x->h->first_ns == first && x->h->last_ns == last),
		   "first/last time");
	for (k = pb == UINT64_MAX ? 0 : pb + 1; k < x->h->nblocks; k++)
		FUZZ_CHECK(x->blk[k].off == c->len, "block %llu after the end",
			   (unsigned long long)k);
}

/*
 * The CRCs of the index @ib made right again after edits, as far as its
 * (edited) sizes let them be: each part's, then the head's.
 */
static void fix_crcs(uint8_t *ib, size_t il)
{
	struct lwp_idx_hdr h;
	uint64_t head, at, n, per, i;
	uint32_t crc;

	if (il < sizeof(h))
		return;
	memcpy(&h, ib, sizeof(h));
	head = lwp_idx_head_len(&h);
	if (h.part_shift > 31 || head > il || lwp_idx_len(&h) != il)
		return;
	per = 1ULL << h.part_shift;
	for (i = 0; i < h.nparts; i++) {
		at = i * per;
		if (at >= h.nkeys)
			break;
		n = h.nkeys - at < per ? h.nkeys - at : per;
		crc = lwp_crc32c(0, ib + head + 8 * at, 8 * n);
		memcpy(ib + head - 8 * (h.nparts - i) + 4, &crc, 4);
	}
	h.crc = 0;
	memcpy(ib, &h, sizeof(h));
	h.crc = lwp_crc32c(0, ib, head);
	memcpy(ib, &h, sizeof(h));
}

static void check_capture(const uint8_t *data, size_t size)
{
	unsigned int shift = LWP_IDX_SHIFT_MIN + ((data[0] >> 1) & 3);
	unsigned int pshift = LWP_IDX_PART_SHIFT_MIN + ((data[0] >> 5) & 3);
	const uint8_t *p = data + 1 + 3 * EDITS;
	size_t len = size - 1 - 3 * EDITS, n, il, i;
	char err[LWP_ERRLEN];
	struct lwp_capfile c;
	struct lwp_idx x;
	struct seen *s;
	uint8_t *ib;
	int ret;

	if (lwp_capf_init(&c, p, len))
		return;
	s = malloc((len / 16 + 1) * sizeof(*s));
	FUZZ_CHECK(s, "out of memory");
	n = walk(&c, s);
	ret = lwp_idx_build_mem(p, len, shift, pshift, &ib, &il, err);
	FUZZ_CHECK(!ret, "build: %d %s", ret, err);
	FUZZ_CHECK(!lwp_idx_parse(&x, ib, il) && ref_idx_ok(ib, il),
		   "the index built does not parse");
	check_built(&c, s, n, &x, shift);
	check_blocks(&x, 0);
	free(s);
	if (data[0] & 0x08) {
		for (i = 0; i < EDITS; i++) {
			size_t at = (data[1 + 3 * i] | data[2 + 3 * i] << 8);

			if (at < il)
				ib[at] ^= data[3 + 3 * i];
		}
		if (data[0] & 0x10)
			fix_crcs(ib, il);
	}
	check_index(ib, il);
	free(ib);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (!(data[0] & 1))
		check_index(data + 1, size - 1);
	else if (size > 1 + 3 * EDITS)
		check_capture(data, size);
	return 0;
}
