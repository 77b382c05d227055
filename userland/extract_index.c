// SPDX-License-Identifier: GPL-2.0
/*
 * extract_index.c - tg3cap-extract: the index of one file (pktindex.h)
 * and what it says to read.
 *
 * NAME.idx is used when its head parses (sizes, CRC, order:
 * lwp_idx_parse_head()) and indexes this file: as many bytes (a file of
 * another length has another index), the same format, and candidate
 * blocks that start with a record of their time span.  Of its pairs only
 * the parts a key of the query can be in are read, each checked as it
 * is (lwp_idx_parts_check()).  Otherwise the index is rebuilt from the
 * file in memory (a read of the whole file) and written back beside it
 * for the next query, crash-safe (lwp_idx_write()), unless the
 * directory is not writable or a live reader holds the series: its
 * index thread writes the index of a file it has just completed, under
 * the same temporary name, and two writers would cut each other's.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract_int.h"
#include "pktindex.h"
#include "series.h"

/* an index larger than this is not one of ours */
#define IDX_MAX		(1ULL << 34)

/**
 * struct xidx - the index of one file, as far as a query needs it
 * @idx:        the index; @idx.key set when it is whole in memory
 * @buf:        its head as read, or the whole index rebuilt
 * @fd:         the .idx file, open for its parts (or -1)
 * @pbuf:       the parts of the pairs last read
 * @pcap:       room in @pbuf
 * @bytes_read: of its pairs, read since counted
 */
struct xidx {
	struct lwp_idx idx;
	uint8_t *buf;
	int fd;
	uint8_t *pbuf;
	size_t pcap;
	uint64_t bytes_read;
};

static void xidx_free(struct xidx *xi);

/* @len bytes at @off of @fd, all of them: 0, or -1 */
static int pread_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, off);
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
		off += n;
	}
	return 0;
}

/**
 * xseries_live() - the pid a live reader of the series @s wrote in its
 * lock, or 0
 *
 * The lock is not taken, not even for a moment: a reader starting then
 * would find the series busy and exit.  A stale pid that another
 * process has now only costs an index that is not written back.
 */
pid_t xseries_live(const struct xseries *s)
{
	char name[NAME_MAX + 1], buf[32];
	ssize_t n;
	long pid;
	int fd;

	if (snprintf(name, sizeof(name), ".%s%s", s->base,
		     LWP_LOCK_SUFFIX) >= (int)sizeof(name))
		return 0;
	fd = openat(s->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 0 || pid == getpid())
		return 0;
	return !kill(pid, 0) || errno == EPERM ? pid : 0;
}

/*
 * The head of NAME.idx into @xi (lwp_idx_parse_head()); its file stays
 * open for the parts.  -ENOENT if there is none, -EINVAL if its head is
 * damaged.
 */
static int idx_read_head(int dfd, const char *name, struct xidx *xi)
{
	struct lwp_idx_hdr h;
	struct stat st;
	uint64_t head;
	int fd, ret;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto err;
	}
	ret = -EINVAL;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > IDX_MAX ||
	    pread(fd, &h, sizeof(h), 0) != sizeof(h))
		goto err;
	head = lwp_idx_head_len(&h);
	if (head > (uint64_t)st.st_size)
		goto err;
	ret = -ENOMEM;
	xi->buf = malloc(head);
	if (!xi->buf)
		goto err;
	ret = -EINVAL;
	if (pread_full(fd, xi->buf, head, 0) ||
	    lwp_idx_parse_head(&xi->idx, xi->buf, head, st.st_size))
		goto err;
	xi->fd = fd;
	return 0;
err:
	close(fd);
	return ret;
}

/* What @xi holds: the head or the whole index, its open file, the parts. */
static void xidx_free(struct xidx *xi)
{
	free(xi->buf);
	free(xi->pbuf);
	if (xi->fd >= 0)
		close(xi->fd);
	memset(xi, 0, sizeof(*xi));
	xi->fd = -1;
}

/*
 * Mark in @map the blocks of @xi that hold @key: from the pairs in
 * memory, or from the parts @key can be in, read and checked.  -EBADMSG
 * if one of those is damaged.
 */
static int idx_key_blocks(struct xidx *xi, uint32_t key, uint8_t *map)
{
	const struct lwp_idx *x = &xi->idx;
	uint64_t off, len;
	uint32_t a, e;
	uint8_t *n;

	lwp_idx_key_parts(x, key, &a, &e);
	if (a == e)
		return 0;
	off = lwp_idx_part_off(x, a);
	len = lwp_idx_part_off(x, e) - off;
	if (x->key) {
		lwp_idx_blocks_in(x, (const void *)((const uint8_t *)x->h + off),
				  len / sizeof(struct lwp_idx_key), key, map);
		return 0;
	}
	if (len > xi->pcap) {
		n = realloc(xi->pbuf, len);
		if (!n)
			return -ENOMEM;
		xi->pbuf = n;
		xi->pcap = len;
	}
	if (pread_full(xi->fd, xi->pbuf, len, off) ||
	    lwp_idx_parts_check(x, a, e, (const void *)xi->pbuf))
		return -EBADMSG;
	xi->bytes_read += len;
	lwp_idx_blocks_in(x, (const void *)xi->pbuf,
			  len / sizeof(struct lwp_idx_key), key, map);
	return 0;
}

/* The rebuilt index @buf of @f beside it, if that is ours to do. */
static void idx_write_back(struct xctx *x, struct xfile *f,
			   const char *iname, const uint8_t *buf, size_t len,
			   mode_t mode, char *what, size_t wlen)
{
	char werr[LWP_ERRLEN];

	if (f->s->live) {
		snprintf(what, wlen,
			 "not written: a reader (pid %d) holds the series and writes its indexes",
			 (int)f->s->live);
	} else if (faccessat(f->s->dfd, ".", W_OK, AT_EACCESS)) {
		snprintf(what, wlen, "not written: the directory is not writable (%s)",
			 strerror(errno));
	} else if (lwp_idx_write(f->s->dfd, iname, buf, len, mode, werr)) {
		snprintf(what, wlen, "not written: %s", werr);
	} else {
		snprintf(what, wlen, "written");
		x->st->idx_written++;
	}
}

/*
 * The head of NAME.idx of @f into @xi: 0 if it is whole and indexes this
 * file, else -EINVAL and why not in @reason.
 */
static int idx_load(struct xctx *x, const struct xfile *f,
		    const struct stat *st, const char *iname, struct xidx *xi,
		    char *reason, size_t rlen)
{
	const struct lwp_idx_hdr *h;
	int ret;

	ret = idx_read_head(f->s->dfd, iname, xi);
	if (ret) {
		snprintf(reason, rlen, "%s",
			 ret == -ENOENT ? "missing" :
			 ret == -EINVAL ? "damaged" : strerror(-ret));
		return -EINVAL;
	}
	h = xi->idx.h;
	if (h->data_len != (uint64_t)st->st_size ||
	    h->pcapng != f->cap.pcapng) {
		snprintf(reason, rlen,
			 "stale (it indexes %" PRIu64 " bytes of %s, the file has %" PRIu64 " of %s)",
			 h->data_len, h->pcapng ? "pcapng" : "pcap",
			 (uint64_t)st->st_size,
			 f->cap.pcapng ? "pcapng" : "pcap");
		return -EINVAL;
	}
	x->st->idx_bytes += lwp_idx_len(h);
	x->st->idx_bytes_read += lwp_idx_head_len(h);
	return 0;
}

/*
 * The index of @f into @xi: NAME.idx if its head is whole and indexes
 * this file, else rebuilt from the file (@why says why when the caller
 * found the loaded one wrong).
 */
static int idx_get(struct xctx *x, struct xfile *f, const struct stat *st,
		   const char *why, struct xidx *xi)
{
	char iname[NAME_MAX + 1], reason[160], what[LWP_ERRLEN + 64];
	bool named;
	size_t len;
	int ret;

	named = snprintf(iname, sizeof(iname), "%s%s", f->name,
			 LWP_IDX_SUFFIX) < (int)sizeof(iname);
	if (why) {
		snprintf(reason, sizeof(reason), "%s", why);
	} else if (!named) {
		snprintf(reason, sizeof(reason), "cannot be named");
	} else if (!idx_load(x, f, st, iname, xi, reason, sizeof(reason))) {
		x->st->idx_loaded++;
		return 0;
	}
	xidx_free(xi);
	ret = lwp_idx_build_mem(f->map, f->len, LWP_IDX_SHIFT_DEFAULT,
				LWP_IDX_PART_SHIFT_DEFAULT, &xi->buf, &len,
				x->err);
	if (ret)
		return ret;
	if (lwp_idx_parse(&xi->idx, xi->buf, len))
		return lwp_err(x->err, -EIO, "%s/%s: the index built does not parse",
			       f->s->dir, f->name);
	x->st->idx_rebuilt++;
	if (named)
		idx_write_back(x, f, iname, xi->buf, len, st->st_mode & 0666,
			       what, sizeof(what));
	else
		snprintf(what, sizeof(what), "not written");
	xsay(x, "%s/%s: index %s: rebuilt in memory, %s", f->s->dir, iname,
	    reason, what);
	return 0;
}

/**
 * xrun_add() - bytes [@start, @end) of @f to be read, after those added
 * before (adjacent ones join)
 * @f: the file
 * @cap: room in @f->run, kept by the caller (0 for a new list)
 * @start: where the run starts
 * @end: where it ends
 *
 * Return: 0 or -ENOMEM.
 */
int xrun_add(struct xfile *f, size_t *cap, uint64_t start, uint64_t end)
{
	struct xrun *n;

	if (f->nrun && f->run[f->nrun - 1].end == start) {
		f->run[f->nrun - 1].end = end;
		return 0;
	}
	if (f->nrun == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		n = realloc(f->run, *cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		f->run = n;
	}
	f->run[f->nrun].start = start;
	f->run[f->nrun].end = end;
	f->nrun++;
	return 0;
}

/*
 * The runs of @f's candidate blocks: in the window, and holding every
 * key of the filter.  -ESTALE: the index does not fit the file (a
 * candidate block does not start with a record of its time span);
 * -EBADMSG: a part of it that a key needed is damaged.
 */
static int idx_runs(struct xctx *x, struct xfile *f, struct xidx *xi)
{
	const struct lwp_idx *idx = &xi->idx;
	const struct lwp_extract_opts *o = x->o;
	uint32_t nb = idx->h->nblocks, i, k;
	const struct lwp_idx_block *b;
	uint64_t end, blocks = 0, sel = 0;
	uint8_t *cand, *tmp, any = 0;
	size_t bytes = (nb + 7) / 8, cap = 0;
	struct lwp_rec r;
	int ret = -ENOMEM;

	cand = calloc(bytes, 1);
	tmp = calloc(bytes, 1);
	if (!cand || !tmp)
		goto out;
	for (i = 0; i < nb; i++) {
		b = &idx->blk[i];
		end = i + 1 < nb ? idx->blk[i + 1].off : idx->h->data_len;
		if (b->off >= end)
			continue;	/* no record starts in it */
		blocks++;
		if (meets(o, b->min_ns, b->max_ns))
			cand[i / 8] |= 1U << (i % 8);
	}
	for (i = 0; i < bytes; i++)
		any |= cand[i];
	/* no block in the window: no part of the pairs is read */
	for (k = 0; any && k < x->nw.n; k++) {
		memset(tmp, 0, bytes);
		ret = idx_key_blocks(xi, x->nw.key[k], tmp);
		if (ret)
			goto out;
		for (i = 0; i < bytes; i++)
			cand[i] &= tmp[i];
	}
	f->low_ns = UINT64_MAX;
	for (i = 0; i < nb; i++) {
		if (!(cand[i / 8] & (1U << (i % 8))))
			continue;
		b = &idx->blk[i];
		end = i + 1 < nb ? idx->blk[i + 1].off : idx->h->data_len;
		if (lwp_capf_rec(&f->cap, b->off, &r) || r.off != b->off ||
		    r.ts_ns < b->min_ns || r.ts_ns > b->max_ns) {
			ret = -ESTALE;
			goto out;
		}
		ret = xrun_add(f, &cap, b->off, end);
		if (ret)
			goto out;
		if (b->min_ns < f->low_ns)
			f->low_ns = b->min_ns;
		sel++;
	}
	x->st->blocks += blocks;
	x->st->blocks_read += sel;
	ret = 0;
out:
	x->st->idx_bytes_read += xi->bytes_read;
	xi->bytes_read = 0;
	free(cand);
	free(tmp);
	return ret;
}

/**
 * xidx_plan() - the runs of @f (mapped, its header checked) that can
 * hold a match, from its index
 * @x: the query
 * @f: the file; @f->run, @f->nrun and @f->low_ns are set
 * @st: its fstat()
 *
 * Return: 0 or a negative errno (with @x->err).
 */
int xidx_plan(struct xctx *x, struct xfile *f, const struct stat *st)
{
	struct xidx xi = { .fd = -1 };
	int ret;

	ret = idx_get(x, f, st, NULL, &xi);
	if (!ret)
		ret = idx_runs(x, f, &xi);
	if (ret == -ESTALE || ret == -EBADMSG) {
		f->nrun = 0;
		ret = idx_get(x, f, st, ret == -ESTALE ?
			      "does not fit the file" : "damaged", &xi);
		if (!ret)
			ret = idx_runs(x, f, &xi);
		if (ret == -ESTALE)
			ret = lwp_err(x->err, -EIO,
				      "%s/%s: changed while read", f->s->dir,
				      f->name);
	}
	xidx_free(&xi);
	return ret;
}
