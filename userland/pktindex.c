// SPDX-License-Identifier: GPL-2.0
/*
 * pktindex.c - the index of one capture file (pktindex.h): built record
 * by record, sealed, read back and checked, looked up.  A frame's keys
 * come from framekeys.c, the checksum from crc32c.c; idxwrite.c puts
 * indexes on the disk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pktindex.h"

/**
 * lwp_idx_init() - an empty index
 * @b: the builder
 * @shift: blocks of 1 << @shift bytes (LWP_IDX_SHIFT_MIN..MAX)
 * @pcapng: the data file is pcapng
 *
 * Return: 0, or -EINVAL.
 */
int lwp_idx_init(struct lwp_idx_builder *b, unsigned int shift, bool pcapng)
{
	memset(b, 0, sizeof(*b));
	b->pairs_max = LWP_IDX_PAIRS_MAX;
	b->part_shift = LWP_IDX_PART_SHIFT_DEFAULT;
	return lwp_idx_reset(b, shift, pcapng);
}

/**
 * lwp_idx_reset() - empty the builder @b for another file, keeping its
 * memory: the next file's arrays need not be faulted in and cleared by
 * the kernel again (11 % of a capture's CPU at 1.488 Mpps)
 * @b: a builder lwp_idx_init() made
 * @shift: as for lwp_idx_init()
 * @pcapng: as for lwp_idx_init()
 *
 * Return: 0, or -EINVAL.
 */
int lwp_idx_reset(struct lwp_idx_builder *b, unsigned int shift, bool pcapng)
{
	if (shift < LWP_IDX_SHIFT_MIN || shift > LWP_IDX_SHIFT_MAX)
		return -EINVAL;
	b->shift = shift;
	b->pcapng = pcapng;
	b->records = 0;
	b->first_ns = UINT64_MAX;
	b->last_ns = 0;
	b->nblk = 0;
	b->nkey = 0;
	b->sorted = 0;
	b->set_block = UINT32_MAX;
	return 0;
}

/* Blocks up to @bi exist; new ones start at @off, the next record. */
static int blocks_to(struct lwp_idx_builder *b, uint64_t bi, uint64_t off)
{
	struct lwp_idx_block *n;
	uint32_t cap;

	if (bi >= UINT32_MAX - 1)
		return -EFBIG;
	while (b->nblk <= bi) {
		if (b->nblk == b->blk_cap) {
			cap = b->blk_cap ? 2 * b->blk_cap : 64;
			n = realloc(b->blk, (size_t)cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			b->blk = n;
			b->blk_cap = cap;
		}
		b->blk[b->nblk].off = off;
		b->blk[b->nblk].min_ns = UINT64_MAX;
		b->blk[b->nblk].max_ns = 0;
		b->nblk++;
	}
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct lwp_idx_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->block < y->block ? -1 : x->block > y->block;
}

/*
 * Sort the keys by key, blocks ascending within a key, and drop the
 * repeats.  The pairs come in block order, so a stable sort by key alone
 * gives that order: an LSD radix sort of 11-bit digits, three passes,
 * linear in the pairs (qsort() with a comparison took most of the time
 * of indexing: 43 % at 64-byte records).
 */
static int keys_settle(struct lwp_idx_builder *b)
{
	struct lwp_idx_key *tmp, *src = b->key, *dst;
	size_t i, k, cnt[2048];
	unsigned int pass, shift;

	if (b->nkey == b->sorted)
		return 0;
	if (b->tmp_cap < b->nkey) {
		free(b->tmp);
		b->tmp = malloc(b->key_cap * sizeof(*tmp));
		b->tmp_cap = b->tmp ? b->key_cap : 0;
		if (!b->tmp)
			return -ENOMEM;
	}
	tmp = b->tmp;
	dst = tmp;
	for (pass = 0, shift = 0; pass < 3; pass++, shift += 11) {
		size_t sum = 0, c;

		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < b->nkey; i++)
			cnt[(src[i].key >> shift) & 2047]++;
		for (i = 0; i < 2048; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < b->nkey; i++)
			dst[cnt[(src[i].key >> shift) & 2047]++] = src[i];
		dst = src;
		src = src == b->key ? tmp : b->key;
	}
	/* three passes: the sorted pairs are in tmp */
	for (i = k = 0; i < b->nkey; i++)
		if (!k || src[i].key != b->key[k - 1].key ||
		    src[i].block != b->key[k - 1].block)
			b->key[k++] = src[i];
	b->nkey = k;
	b->sorted = k;
	return 0;
}

/*
 * A (key, block) pair, once per block: the keys of the current block are
 * in a small open-addressing set, emptied when the next block starts.  A
 * block with more distinct keys than the set holds adds its repeats,
 * which keys_settle() removes at the end.
 */
static void key_add(struct lwp_idx_builder *b, uint32_t key, uint32_t bi)
{
	uint32_t h;

	if (bi != b->set_block) {
		memset(b->set, 0, sizeof(b->set));
		b->set_n = 0;
		b->set_block = bi;
	}
	if (b->set_n < LWP_IDX_SET / 4 * 3) {
		for (h = key * 2654435761U >> (32 - LWP_IDX_SET_BITS);
		     b->set[h]; h = (h + 1) & (LWP_IDX_SET - 1))
			if (b->set[h] == key)
				return;
		b->set[h] = key;
		b->set_n++;
	}
	b->key[b->nkey].key = key;
	b->key[b->nkey].block = bi;
	b->nkey++;
}

/*
 * Blocks twice as large: each pair of blocks becomes one, and each
 * (key, block) pair names the new block; the pairs stay sorted, and the
 * ones that now repeat go.
 */
static void coarsen_once(struct lwp_idx_builder *b)
{
	struct lwp_idx_block *d, *s;
	size_t i, k;
	uint32_t j;

	for (j = 0; j < b->nblk; j += 2) {
		d = &b->blk[j / 2];
		s = &b->blk[j];
		*d = *s;		/* off: the first record from block j on */
		if (j + 1 == b->nblk)
			continue;
		s++;
		if (s->min_ns < d->min_ns)
			d->min_ns = s->min_ns;
		if (s->max_ns > d->max_ns)
			d->max_ns = s->max_ns;
	}
	b->nblk = (b->nblk + 1) / 2;
	b->shift++;
	for (i = k = 0; i < b->nkey; i++) {
		b->key[i].block >>= 1;
		if (!k || b->key[i].key != b->key[k - 1].key ||
		    b->key[i].block != b->key[k - 1].block)
			b->key[k++] = b->key[i];
	}
	b->nkey = b->sorted = k;
}

/*
 * Room for @n more pairs: the array grows up to @b->pairs_max; past it,
 * the pairs are sorted, their repeats dropped, and the blocks made larger
 * until the pairs take at most half of it.  A file of a GB of small
 * records from many hosts gets an index of 128 KiB or 256 KiB blocks
 * rather than none; only when even the largest blocks would not do is
 * it -E2BIG.
 */
static int keys_room(struct lwp_idx_builder *b, size_t n)
{
	struct lwp_idx_key *k;
	size_t cap;
	int ret;

	if (b->nkey + n <= b->key_cap)
		return 0;
	cap = b->key_cap ? 2 * b->key_cap : 1024;
	while (cap < b->nkey + n)
		cap *= 2;
	if (cap <= b->pairs_max) {
		k = realloc(b->key, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		b->key = k;
		b->key_cap = cap;
		return 0;
	}
	ret = keys_settle(b);
	if (ret)
		return ret;
	while (b->nkey > b->pairs_max / 2 && b->shift < LWP_IDX_SHIFT_MAX)
		coarsen_once(b);
	if (b->nkey + n > b->key_cap || b->nkey > b->pairs_max / 2)
		return -E2BIG;
	b->set_block = UINT32_MAX;	/* its keys are of a block renamed */
	return 0;
}

/**
 * lwp_idx_add() - one more record, after those added before it
 * @b: the builder
 * @off: the record's offset in the data file
 * @ts_ns: its timestamp
 * @frame: its captured bytes (an Ethernet frame)
 * @caplen: how many
 *
 * More pairs than @b->pairs_max make the blocks larger (keys_room()):
 * @b->shift may grow.
 *
 * Return: 0, -ENOMEM, -E2BIG (more pairs than @b->pairs_max even in the
 * largest blocks), or -EFBIG (a file too large for the block size).
 */
int lwp_idx_add(struct lwp_idx_builder *b, uint64_t off, uint64_t ts_ns,
		const uint8_t *frame, uint32_t caplen)
{
	struct lwp_idx_block *blk;
	struct lwp_idx_fkeys ks;
	unsigned int i;
	uint64_t bi;
	int ret;

	lwp_idx_frame_keys(&ks, frame, caplen);
	ret = keys_room(b, ks.n);
	if (ret)
		return ret;
	bi = off >> b->shift;
	ret = blocks_to(b, bi, off);
	if (ret)
		return ret;
	blk = &b->blk[bi];
	if (ts_ns < blk->min_ns)
		blk->min_ns = ts_ns;
	if (ts_ns > blk->max_ns)
		blk->max_ns = ts_ns;
	if (ts_ns < b->first_ns)
		b->first_ns = ts_ns;
	if (ts_ns > b->last_ns)
		b->last_ns = ts_ns;
	b->records++;
	for (i = 0; i < ks.n; i++)
		key_add(b, ks.k[i], bi);
	return 0;
}

/* The part table of the settled pairs: each part's first key and CRC. */
static int parts_make(struct lwp_idx_builder *b)
{
	size_t per = (size_t)1 << b->part_shift, i, n;
	struct lwp_idx_part *p;
	uint32_t np;

	if (b->part_shift < LWP_IDX_PART_SHIFT_MIN ||
	    b->part_shift > LWP_IDX_PART_SHIFT_MAX)
		return -EINVAL;
	np = (b->nkey + per - 1) >> b->part_shift;
	if (np > b->part_cap) {
		p = realloc(b->part, (size_t)np * sizeof(*p));
		if (!p)
			return -ENOMEM;
		b->part = p;
		b->part_cap = np;
	}
	for (i = 0; i < np; i++) {
		n = b->nkey - i * per < per ? b->nkey - i * per : per;
		b->part[i].first_key = b->key[i * per].key;
		b->part[i].crc = lwp_crc32c(0, b->key + i * per,
					    n * sizeof(*b->key));
	}
	b->npart = np;
	return 0;
}

/**
 * lwp_idx_seal() - the index of the data file of @data_len bytes: its
 * header, and in @b its blocks, parts and keys (@b->blk, @b->nblk,
 * @b->part, @b->npart, @b->key, @b->nkey), which follow the header in
 * the .idx file in that order
 * @b: the builder, with every record added
 * @data_len: the data file's bytes
 * @h: the header, CRC included
 *
 * Return: 0, -ENOMEM, -EFBIG, or -EINVAL (a bad @b->part_shift).
 */
int lwp_idx_seal(struct lwp_idx_builder *b, uint64_t data_len,
		 struct lwp_idx_hdr *h)
{
	uint32_t crc;
	int ret;

	ret = blocks_to(b, data_len >> b->shift, data_len);
	if (ret)
		return ret;
	ret = keys_settle(b);
	if (ret)
		return ret;
	if (b->nkey > UINT32_MAX)
		return -EFBIG;
	ret = parts_make(b);
	if (ret)
		return ret;
	b->nblk = (data_len >> b->shift) + 1;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, LWP_IDX_MAGIC, sizeof(h->magic));
	h->version = LWP_IDX_VERSION;
	h->hdr_len = sizeof(*h);
	h->data_len = data_len;
	h->records = b->records;
	h->first_ns = b->records ? b->first_ns : 0;
	h->last_ns = b->last_ns;
	h->block_shift = b->shift;
	h->nblocks = b->nblk;
	h->nkeys = b->nkey;
	h->pcapng = b->pcapng;
	h->part_shift = b->part_shift;
	h->nparts = b->npart;
	crc = lwp_crc32c(0, h, sizeof(*h));
	crc = lwp_crc32c(crc, b->blk, (size_t)b->nblk * sizeof(*b->blk));
	if (b->npart)
		crc = lwp_crc32c(crc, b->part, b->npart * sizeof(*b->part));
	h->crc = crc;
	return 0;
}

/**
 * lwp_idx_finish() - the index of the data file of @data_len bytes, as
 * the bytes of the .idx file
 * @b: the builder, with every record added; emptied (lwp_idx_free())
 * @data_len: the data file's bytes
 * @buf: the index, malloc()ed
 * @len: its bytes
 *
 * Return: 0, -ENOMEM or -EFBIG.
 */
int lwp_idx_finish(struct lwp_idx_builder *b, uint64_t data_len,
		   uint8_t **buf, size_t *len)
{
	size_t blen, plen, klen;
	struct lwp_idx_hdr h;
	uint8_t *p;
	int ret;

	ret = lwp_idx_seal(b, data_len, &h);
	if (ret)
		goto out;
	blen = (size_t)b->nblk * sizeof(*b->blk);
	plen = (size_t)b->npart * sizeof(*b->part);
	klen = b->nkey * sizeof(*b->key);
	ret = -ENOMEM;
	p = malloc(sizeof(h) + blen + plen + klen);
	if (!p)
		goto out;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), b->blk, blen);
	if (plen) {
		memcpy(p + sizeof(h) + blen, b->part, plen);
		memcpy(p + sizeof(h) + blen + plen, b->key, klen);
	}
	*buf = p;
	*len = sizeof(h) + blen + plen + klen;
	ret = 0;
out:
	lwp_idx_free(b);
	return ret;
}

/** lwp_idx_free() - what a builder holds; it can be freed twice */
void lwp_idx_free(struct lwp_idx_builder *b)
{
	free(b->blk);
	free(b->key);
	free(b->tmp);
	free(b->part);
	b->blk = NULL;
	b->key = NULL;
	b->tmp = NULL;
	b->part = NULL;
	b->npart = b->part_cap = 0;
	b->nblk = b->blk_cap = 0;
	b->nkey = b->key_cap = b->sorted = b->tmp_cap = 0;
}

/**
 * lwp_idx_head_len() - the bytes of the index's head: its header, blocks
 * and part table, which its CRC covers
 * @h: the header, its sizes not yet trusted
 */
uint64_t lwp_idx_head_len(const struct lwp_idx_hdr *h)
{
	return sizeof(*h) + (uint64_t)h->nblocks * sizeof(struct lwp_idx_block) +
	       (uint64_t)h->nparts * sizeof(struct lwp_idx_part);
}

/** lwp_idx_len() - the bytes of the whole index of header @h */
uint64_t lwp_idx_len(const struct lwp_idx_hdr *h)
{
	return lwp_idx_head_len(h) +
	       (uint64_t)h->nkeys * sizeof(struct lwp_idx_key);
}

/**
 * lwp_idx_parse_head() - check the head of an index (header, blocks,
 * part table) and point @x into it; the pairs are not looked at
 * @x: filled in; @x->key is NULL
 * @buf: the index's first bytes, 8-byte aligned
 * @len: how many: at least the head (lwp_idx_head_len())
 * @file_len: the whole index's bytes, which the header must account for
 *
 * Everything is checked that a reader of the head relies on: sizes,
 * the head's CRC, block offsets in order within the data file, the
 * parts' first keys in order.  A part is checked when it is read
 * (lwp_idx_parts_check()).
 *
 * Return: 0, or -EINVAL.
 */
int lwp_idx_parse_head(struct lwp_idx *x, const uint8_t *buf, size_t len,
		       uint64_t file_len)
{
	const struct lwp_idx_hdr *h = (const void *)buf;
	const struct lwp_idx_block *blk;
	const struct lwp_idx_part *part;
	struct lwp_idx_hdr hc;
	uint64_t head;
	uint32_t i, crc;

	if (len < sizeof(*h) || memcmp(h->magic, LWP_IDX_MAGIC, 8) ||
	    h->version != LWP_IDX_VERSION || h->hdr_len != sizeof(*h) ||
	    h->block_shift < LWP_IDX_SHIFT_MIN ||
	    h->block_shift > LWP_IDX_SHIFT_MAX ||
	    h->data_len >> h->block_shift >= UINT32_MAX - 1 ||
	    h->nblocks != (h->data_len >> h->block_shift) + 1 ||
	    h->pcapng > 1 || (h->records && h->first_ns > h->last_ns) ||
	    h->part_shift < LWP_IDX_PART_SHIFT_MIN ||
	    h->part_shift > LWP_IDX_PART_SHIFT_MAX || h->pad ||
	    h->nparts != ((uint64_t)h->nkeys + (1U << h->part_shift) - 1) >>
			 h->part_shift)
		return -EINVAL;
	head = lwp_idx_head_len(h);
	if (lwp_idx_len(h) != file_len || head > len)
		return -EINVAL;
	hc = *h;
	hc.crc = 0;
	crc = lwp_crc32c(0, &hc, sizeof(hc));
	if (lwp_crc32c(crc, buf + sizeof(*h), head - sizeof(*h)) != h->crc)
		return -EINVAL;
	blk = (const void *)(buf + sizeof(*h));
	part = (const void *)(blk + h->nblocks);
	for (i = 0; i < h->nblocks; i++)
		if (blk[i].off > h->data_len ||
		    (i && blk[i].off < blk[i - 1].off))
			return -EINVAL;
	for (i = 1; i < h->nparts; i++)
		if (part[i].first_key < part[i - 1].first_key)
			return -EINVAL;
	x->h = h;
	x->blk = blk;
	x->part = part;
	x->key = NULL;
	return 0;
}

/* The pairs of part @i of @x. */
static size_t part_keys(const struct lwp_idx *x, uint32_t i)
{
	uint64_t per = 1ULL << x->h->part_shift, at = i * per;

	return x->h->nkeys - at < per ? x->h->nkeys - at : per;
}

/**
 * lwp_idx_part_off() - where part @part's pairs start in the index
 * @x: the index (its head)
 * @part: a part, or @x->h->nparts for the end
 */
uint64_t lwp_idx_part_off(const struct lwp_idx *x, uint32_t part)
{
	uint64_t at = (uint64_t)part << x->h->part_shift;

	if (at > x->h->nkeys)
		at = x->h->nkeys;
	return lwp_idx_head_len(x->h) + at * sizeof(struct lwp_idx_key);
}

/**
 * lwp_idx_parts_check() - check the pairs of parts [@first, @end) of
 * @x, read into @k
 * @x: the index (its head)
 * @first: the first part
 * @end: the part after the last
 * @k: their pairs, (lwp_idx_part_off(@end) - lwp_idx_part_off(@first)) / 8
 *
 * Each part's CRC and first key, the pairs in order and naming blocks
 * that exist, and none after the next part's first key.
 *
 * Return: 0, or -EINVAL.
 */
int lwp_idx_parts_check(const struct lwp_idx *x, uint32_t first,
			uint32_t end, const struct lwp_idx_key *k)
{
	const struct lwp_idx_key *pk = k;
	size_t n, j, all = 0;
	uint32_t i;

	if (first > end || end > x->h->nparts)
		return -EINVAL;
	for (i = first; i < end; i++) {
		n = part_keys(x, i);
		if (lwp_crc32c(0, pk, n * sizeof(*pk)) != x->part[i].crc ||
		    pk[0].key != x->part[i].first_key)
			return -EINVAL;
		pk += n;
		all += n;
	}
	for (j = 0; j < all; j++)
		if (k[j].block >= x->h->nblocks ||
		    (j && cmp_key(&k[j - 1], &k[j]) >= 0))
			return -EINVAL;
	if (all && end < x->h->nparts &&
	    k[all - 1].key > x->part[end].first_key)
		return -EINVAL;
	return 0;
}

/**
 * lwp_idx_parse() - check the whole index in @buf and point @x into it
 * @x: filled in
 * @buf: the .idx file's bytes, 8-byte aligned
 * @len: how many
 *
 * The head (lwp_idx_parse_head()) and every part of the pairs, which
 * must be in order across parts too.
 *
 * Return: 0, or -EINVAL.
 */
int lwp_idx_parse(struct lwp_idx *x, const uint8_t *buf, size_t len)
{
	if (lwp_idx_parse_head(x, buf, len, len) ||
	    lwp_idx_parts_check(x, 0, x->h->nparts,
				(const void *)(buf + lwp_idx_head_len(x->h))))
		return -EINVAL;
	x->key = (const void *)(buf + lwp_idx_head_len(x->h));
	return 0;
}

/**
 * lwp_idx_key_parts() - the parts that can hold @key: [@first, @end)
 * @x: the index (its head)
 * @key: lwp_idx_key()
 * @first: the first
 * @end: the one after the last; @first == @end when none can
 *
 * Pairs of @key start in the last part whose first key is below it (or
 * in the first part whose first key it is) and end before the first
 * part whose first key is above it.
 */
void lwp_idx_key_parts(const struct lwp_idx *x, uint32_t key,
		       uint32_t *first, uint32_t *end)
{
	uint32_t lo = 0, hi = x->h->nparts, mid, np = x->h->nparts;

	while (lo < hi) {		/* the first part starting >= key */
		mid = lo + (hi - lo) / 2;
		if (x->part[mid].first_key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo ? lo - 1 : 0;
	while (lo < np && x->part[lo].first_key == key)
		lo++;
	*end = lo;
}

/**
 * lwp_idx_blocks_in() - mark the blocks that @n pairs at @k say hold @key
 * @x: the index
 * @k: sorted pairs (checked parts)
 * @n: how many
 * @key: lwp_idx_key()
 * @map: a bit per block, @x->h->nblocks bits; bits are set, never cleared
 *
 * Return: how many blocks have it.
 */
size_t lwp_idx_blocks_in(const struct lwp_idx *x, const struct lwp_idx_key *k,
			 size_t n, uint32_t key, uint8_t *map)
{
	size_t lo = 0, hi = n, cnt = 0;

	(void)x;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && k[lo].key == key; lo++, cnt++)
		map[k[lo].block / 8] |= 1U << (k[lo].block % 8);
	return cnt;
}

/**
 * lwp_idx_blocks() - mark the blocks that may hold @key
 * @x: the whole index (lwp_idx_parse())
 * @key: lwp_idx_key()
 * @map: a bit per block, @x->h->nblocks bits; bits are set, never cleared
 *
 * Return: how many blocks have it.
 */
size_t lwp_idx_blocks(const struct lwp_idx *x, uint32_t key, uint8_t *map)
{
	return lwp_idx_blocks_in(x, x->key, x->h->nkeys, key, map);
}
