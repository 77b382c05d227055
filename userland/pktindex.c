// SPDX-License-Identifier: GPL-2.0
/*
 * pktindex.c - the index of one capture file (pktindex.h): built record
 * by record, written beside its file, read back and checked.  A frame's
 * keys come from framekeys.c.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "capfile.h"
#include "pktindex.h"
#include "util.h"

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t c;
	unsigned int i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78U : c >> 1;
		crc_table[i] = c;
	}
}

#if defined(__x86_64__)
/* The same CRC with the instruction: an index of 16 MB costs 2 ms, not 40. */
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = ~crc, v;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	while (len--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return ~c;
}
#endif

/**
 * lwp_crc32c() - CRC-32C (Castagnoli) of @len bytes at @buf, continuing
 * @crc (0 to start)
 */
uint32_t lwp_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_sse42(crc, p, len);
#endif
	if (!crc_table[1])
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

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
static int key_add(struct lwp_idx_builder *b, uint32_t key, uint32_t bi)
{
	struct lwp_idx_key *n;
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
				return 0;
		b->set[h] = key;
		b->set_n++;
	}
	if (b->nkey == b->key_cap) {
		size_t cap = b->key_cap ? 2 * b->key_cap : 1024;

		if (cap > b->pairs_max)
			return -E2BIG;
		n = realloc(b->key, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->key = n;
		b->key_cap = cap;
	}
	b->key[b->nkey].key = key;
	b->key[b->nkey].block = bi;
	b->nkey++;
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
 * Return: 0, -ENOMEM, -E2BIG (more pairs than @b->pairs_max), or
 * -EFBIG (a file too large for the block size).
 */
int lwp_idx_add(struct lwp_idx_builder *b, uint64_t off, uint64_t ts_ns,
		const uint8_t *frame, uint32_t caplen)
{
	uint64_t bi = off >> b->shift;
	struct lwp_idx_block *blk;
	struct lwp_idx_fkeys ks;
	unsigned int i;
	int ret;

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
	lwp_idx_frame_keys(&ks, frame, caplen);
	for (i = 0; i < ks.n; i++) {
		ret = key_add(b, ks.k[i], bi);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * lwp_idx_seal() - the index of the data file of @data_len bytes: its
 * header, and in @b its blocks and keys (@b->blk, @b->nblk, @b->key,
 * @b->nkey), which follow the header in the .idx file
 * @b: the builder, with every record added
 * @data_len: the data file's bytes
 * @h: the header, CRC included
 *
 * Return: 0, -ENOMEM or -EFBIG.
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
	crc = lwp_crc32c(0, h, sizeof(*h));
	crc = lwp_crc32c(crc, b->blk, (size_t)b->nblk * sizeof(*b->blk));
	if (b->nkey)
		crc = lwp_crc32c(crc, b->key, b->nkey * sizeof(*b->key));
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
	struct lwp_idx_hdr h;
	size_t blen, klen;
	uint8_t *p;
	int ret;

	ret = lwp_idx_seal(b, data_len, &h);
	if (ret)
		goto out;
	blen = (size_t)b->nblk * sizeof(*b->blk);
	klen = b->nkey * sizeof(*b->key);
	ret = -ENOMEM;
	p = malloc(sizeof(h) + blen + klen);
	if (!p)
		goto out;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), b->blk, blen);
	if (klen)
		memcpy(p + sizeof(h) + blen, b->key, klen);
	*buf = p;
	*len = sizeof(h) + blen + klen;
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
	b->blk = NULL;
	b->key = NULL;
	b->tmp = NULL;
	b->nblk = b->blk_cap = 0;
	b->nkey = b->key_cap = b->sorted = b->tmp_cap = 0;
}

/* The CRC of a whole index, as if its @crc field were 0. */
static uint32_t idx_crc(const uint8_t *buf, size_t len)
{
	struct lwp_idx_hdr h;

	memcpy(&h, buf, sizeof(h));
	h.crc = 0;
	return lwp_crc32c(lwp_crc32c(0, &h, sizeof(h)), buf + sizeof(h),
			  len - sizeof(h));
}

/**
 * lwp_idx_parse() - check the index in @buf and point @x into it
 * @x: filled in
 * @buf: the .idx file's bytes, 8-byte aligned
 * @len: how many
 *
 * Everything is checked that a reader of the index relies on: sizes,
 * the CRC, block offsets in order within the data file, keys sorted
 * and naming existing blocks.
 *
 * Return: 0, or -EINVAL.
 */
int lwp_idx_parse(struct lwp_idx *x, const uint8_t *buf, size_t len)
{
	const struct lwp_idx_hdr *h = (const void *)buf;
	const struct lwp_idx_block *blk;
	const struct lwp_idx_key *key;
	uint64_t need;
	uint32_t i;

	if (len < sizeof(*h) || memcmp(h->magic, LWP_IDX_MAGIC, 8) ||
	    h->version != LWP_IDX_VERSION || h->hdr_len != sizeof(*h) ||
	    h->block_shift < LWP_IDX_SHIFT_MIN ||
	    h->block_shift > LWP_IDX_SHIFT_MAX ||
	    h->data_len >> h->block_shift >= UINT32_MAX - 1 ||
	    h->nblocks != (h->data_len >> h->block_shift) + 1 ||
	    h->pcapng > 1 || (h->records && h->first_ns > h->last_ns))
		return -EINVAL;
	need = sizeof(*h) + (uint64_t)h->nblocks * sizeof(*blk) +
	       (uint64_t)h->nkeys * sizeof(*key);
	if (need != len || idx_crc(buf, len) != h->crc)
		return -EINVAL;
	blk = (const void *)(buf + sizeof(*h));
	key = (const void *)(blk + h->nblocks);
	for (i = 0; i < h->nblocks; i++)
		if (blk[i].off > h->data_len ||
		    (i && blk[i].off < blk[i - 1].off))
			return -EINVAL;
	for (i = 0; i < h->nkeys; i++)
		if (key[i].block >= h->nblocks ||
		    (i && cmp_key(&key[i - 1], &key[i]) >= 0))
			return -EINVAL;
	x->h = h;
	x->blk = blk;
	x->key = key;
	return 0;
}

/**
 * lwp_idx_blocks() - mark the blocks that may hold @key
 * @x: the index
 * @key: lwp_idx_key()
 * @map: a bit per block, @x->h->nblocks bits; bits are set, never cleared
 *
 * Return: how many blocks have it.
 */
size_t lwp_idx_blocks(const struct lwp_idx *x, uint32_t key, uint8_t *map)
{
	size_t lo = 0, hi = x->h->nkeys, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->key[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->h->nkeys && x->key[lo].key == key; lo++, n++)
		map[x->key[lo].block / 8] |= 1U << (x->key[lo].block % 8);
	return n;
}

/**
 * lwp_idx_build_mem() - the index of a whole data file in memory
 * @p: the file's bytes
 * @len: how many
 * @shift: the block size's shift
 * @buf: the index (lwp_idx_finish())
 * @blen: its bytes
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * A damaged tail (a record that is not whole) ends the records indexed;
 * the index still covers the file's length.
 *
 * Return: 0, -EINVAL (not a file of ours), -ENOMEM or -EFBIG.
 */
int lwp_idx_build_mem(const uint8_t *p, size_t len, unsigned int shift,
		      uint8_t **buf, size_t *blen, char *err)
{
	struct lwp_idx_builder b;
	struct lwp_capfile c;
	struct lwp_rec r;
	uint64_t off;
	int ret;

	if (lwp_capf_init(&c, p, len))
		return lwp_err(err, -EINVAL, "not a capture file of ours");
	ret = lwp_idx_init(&b, shift, c.pcapng);
	if (ret)
		return lwp_err(err, ret, "bad index block size");
	for (off = c.hdr_len; !lwp_capf_rec(&c, off, &r); off = r.off + r.size) {
		ret = lwp_idx_add(&b, r.off, r.ts_ns, r.data, r.caplen);
		if (ret) {
			lwp_idx_free(&b);
			return lwp_err(err, ret, "cannot index: %s",
				       strerror(-ret));
		}
	}
	ret = lwp_idx_finish(&b, len, buf, blen);
	if (ret)
		return lwp_err(err, ret, "cannot index: %s", strerror(-ret));
	return 0;
}

/* @iov, @n parts, as @name in @dfd: temporary, fsync, rename. */
static int write_parts(int dfd, const char *name, struct iovec *iov, int n,
		       mode_t mode, char *err)
{
	char tmp[NAME_MAX + 1];
	ssize_t w;
	int fd, ret;

	/*
	 * The writer's own temporary: two tg3cap-extract runs rebuilding
	 * one index at once must not cut each other's.  A crash's is left
	 * (hidden, not one of the series' names).
	 */
	if (snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid()) >=
	    (int)sizeof(tmp))
		return lwp_err(err, -ENAMETOOLONG, "%s: name too long", name);
	unlinkat(dfd, tmp, 0);	/* a crash's, of a process of this pid */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
	if (fd < 0)
		return lwp_err(err, -errno, "cannot create %s: %s", tmp,
			       strerror(errno));
	while (n) {
		w = writev(fd, iov, n);
		if (w < 0) {
			ret = -errno;
			goto err_unlink;
		}
		while (n && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	if (fsync(fd)) {
		ret = -errno;
		goto err_unlink;
	}
	close(fd);
	if (renameat(dfd, tmp, dfd, name)) {
		ret = -errno;
		unlinkat(dfd, tmp, 0);
		return lwp_err(err, ret, "cannot rename %s to %s: %s", tmp,
			       name, strerror(-ret));
	}
	return 0;

err_unlink:
	close(fd);
	unlinkat(dfd, tmp, 0);
	return lwp_err(err, ret, "cannot write %s: %s", tmp, strerror(-ret));
}

/**
 * lwp_idx_write() - write the index @buf as @name in @dfd, whole or not
 * at all
 * @dfd: the directory
 * @name: the index's name (DATA.idx)
 * @buf: its bytes
 * @len: how many
 * @mode: the file's mode
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * Written to a hidden temporary, fsync()ed, then renamed over @name: a
 * crash leaves the old index or none, never half of one.
 *
 * Return: 0 or a negative errno.
 */
int lwp_idx_write(int dfd, const char *name, const uint8_t *buf, size_t len,
		  mode_t mode, char *err)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return write_parts(dfd, name, &iov, 1, mode, err);
}

/**
 * lwp_idx_write_sealed() - lwp_idx_write() of the index @h and @b
 * sealed (lwp_idx_seal()), from where they are: no copy of the whole
 * @dfd: the directory
 * @name: the index's name
 * @h: the header
 * @b: the blocks and keys
 * @mode: the file's mode
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * Return: 0 or a negative errno.
 */
int lwp_idx_write_sealed(int dfd, const char *name,
			 const struct lwp_idx_hdr *h,
			 const struct lwp_idx_builder *b, mode_t mode,
			 char *err)
{
	struct iovec iov[3] = {
		{ (void *)h, sizeof(*h) },
		{ b->blk, (size_t)b->nblk * sizeof(*b->blk) },
		{ b->key, b->nkey * sizeof(*b->key) },
	};

	return write_parts(dfd, name, iov, b->nkey ? 3 : 2, mode, err);
}

/**
 * lwp_idx_build_file() - (re)build the index of the data file @name in
 * the directory @dfd, as @name.idx with the file's mode
 * @dfd: the directory
 * @name: the data file
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * For a file the reader did not index as it wrote it: one repaired after
 * a crash.
 *
 * Return: 0 or a negative errno.
 */
int lwp_idx_build_file(int dfd, const char *name, char *err)
{
	char idx[NAME_MAX + 1];
	struct stat st;
	uint8_t *map, *buf;
	size_t len;
	int fd, ret;

	if (snprintf(idx, sizeof(idx), "%s%s", name, LWP_IDX_SUFFIX) >=
	    (int)sizeof(idx))
		return lwp_err(err, -ENAMETOOLONG, "%s: name too long", name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lwp_err(err, -errno, "cannot open %s: %s", name,
			       strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		return lwp_err(err, -EINVAL, "%s: not a capture file", name);
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return lwp_err(err, -errno, "cannot map %s: %s", name,
			       strerror(errno));
	ret = lwp_idx_build_mem(map, st.st_size, LWP_IDX_SHIFT_DEFAULT, &buf,
				&len, err);
	munmap(map, st.st_size);
	if (ret)
		return ret;
	ret = lwp_idx_write(dfd, idx, buf, len, st.st_mode & 0666, err);
	free(buf);
	return ret;
}
