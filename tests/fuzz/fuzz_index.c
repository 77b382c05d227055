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
 *       does (a bitwise CRC-32C, not pktindex.c's); once accepted, every
 *       key's blocks from lwp_idx_blocks() must be the ones a linear
 *       scan finds, and its count theirs.
 *   bit 0 set: bytes 1..12 are four edits (a 16-bit offset and a byte
 *       to XOR there), the rest a capture file.  The walk must return
 *       whole records inside the file, in order, as the formats define
 *       them (fuzz.h's pcapng reference; pcap's rules below), and end
 *       exactly at the end or at what is not a record.  The file's index
 *       (lwp_idx_build_mem(), blocks of 4 to 32 KiB from bits 1-2) must
 *       parse and agree with the walk: length, records, first and last
 *       time, each record's block (its first record, its time span).
 *       Then the edits go into the index, its CRC made right again
 *       when bit 4 is set, and it goes through the first mode's checks.
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
#define HDR	72

_Static_assert(sizeof(struct lwp_idx_hdr) == HDR, "index header layout");

/* CRC-32C of an index, bit by bit, its own field (bytes 60..63) as 0 */
static uint32_t ref_crc32c(const uint8_t *p, size_t len)
{
	uint32_t crc = ~0U;
	unsigned int k;
	size_t i;

	for (i = 0; i < len; i++) {
		crc ^= i >= 60 && i < 64 ? 0 : p[i];
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

/* pktindex.h, read as a contract: is @p an index a reader may use? */
static bool ref_idx_ok(const uint8_t *p, size_t len)
{
	uint64_t data_len, nblocks, nkeys, i, off, prev = 0;
	uint32_t shift, k, pk = 0, b, pb = 0;

	if (len < HDR || memcmp(p, LWP_IDX_MAGIC, 8) ||
	    get32(p + 8) != LWP_IDX_VERSION || get32(p + 12) != HDR)
		return false;
	data_len = get64(p + 16);
	shift = get32(p + 48);
	nblocks = get32(p + 52);
	nkeys = get32(p + 56);
	if (shift < LWP_IDX_SHIFT_MIN || shift > LWP_IDX_SHIFT_MAX ||
	    (data_len >> shift) >= UINT32_MAX - 1 ||
	    nblocks != (data_len >> shift) + 1 || get32(p + 64) > 1)
		return false;
	if (get64(p + 24) && get64(p + 32) > get64(p + 40))
		return false;	/* records, first after last */
	if (len != HDR + 24 * nblocks + 8 * nkeys ||
	    ref_crc32c(p, len) != get32(p + 60))
		return false;
	for (i = 0; i < nblocks; i++) {
		off = get64(p + HDR + 24 * i);
		if (off > data_len || off < prev)
			return false;
		prev = off;
	}
	for (i = 0; i < nkeys; i++) {
		k = get32(p + HDR + 24 * nblocks + 8 * i);
		b = get32(p + HDR + 24 * nblocks + 8 * i + 4);
		if (b >= nblocks || (i && (k < pk || (k == pk && b <= pb))))
			return false;
		pk = k;
		pb = b;
	}
	return true;
}

/* Each key's blocks as lwp_idx_blocks() marks them and as a scan does. */
static void check_blocks(const struct lwp_idx *x, uint32_t extra)
{
	uint32_t nb = x->h->nblocks, nk = x->h->nkeys, i, j, key;
	size_t bytes = (nb + 7) / 8, n, want;
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
	}
	free(map);
	free(ref);
}

/* The first mode: @p as an index, in an aligned copy. */
static void check_index(const uint8_t *p, size_t len)
{
	struct lwp_idx x;
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
			   x.key == (const void *)(a + HDR + 24 *
						   (size_t)x.h->nblocks),
			   "views in the wrong places");
		check_blocks(&x, get32(a + len - 4));
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

static void check_capture(const uint8_t *data, size_t size)
{
	unsigned int shift = LWP_IDX_SHIFT_MIN + ((data[0] >> 1) & 3);
	const uint8_t *p = data + 1 + 3 * EDITS;
	size_t len = size - 1 - 3 * EDITS, n, il, i;
	char err[LWP_ERRLEN];
	struct lwp_capfile c;
	struct lwp_idx x;
	struct seen *s;
	struct lwp_idx_hdr h;
	uint8_t *ib;
	int ret;

	if (lwp_capf_init(&c, p, len))
		return;
	s = malloc((len / 16 + 1) * sizeof(*s));
	FUZZ_CHECK(s, "out of memory");
	n = walk(&c, s);
	ret = lwp_idx_build_mem(p, len, shift, &ib, &il, err);
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
		if ((data[0] & 0x10) && il >= sizeof(h)) {
			memcpy(&h, ib, sizeof(h));
			h.crc = 0;
			memcpy(ib, &h, sizeof(h));
			h.crc = lwp_crc32c(0, ib, il);
			memcpy(ib, &h, sizeof(h));
		}
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
