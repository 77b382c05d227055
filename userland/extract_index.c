// SPDX-License-Identifier: GPL-2.0
/*
 * extract_index.c - tg3cap-extract: the index of one file (pktindex.h)
 * and what it says to read.
 *
 * NAME.idx is used when it parses (sizes, CRC, order: lwp_idx_parse())
 * and indexes this file: as many bytes (a file of another length has
 * another index), the same format, and candidate blocks that start with
 * a record of their time span.  Otherwise the index is rebuilt from the
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

/* NAME.idx whole into @buf; -ENOENT if there is none */
static int idx_read(int dfd, const char *name, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd, ret = 0;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	ret = -EINVAL;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > IDX_MAX)
		goto out;
	ret = -ENOMEM;
	*len = st.st_size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf)
		goto out;
	ret = 0;
	while (done < *len) {
		n = pread(fd, *buf + done, *len - done, done);
		if (n <= 0) {
			ret = n < 0 ? -errno : -EINVAL;
			free(*buf);
			*buf = NULL;
			break;
		}
		done += n;
	}
out:
	close(fd);
	return ret;
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
 * NAME.idx of @f into @idx (its bytes in *@buf, to be freed either way):
 * 0 if it is whole and indexes this file, else -EINVAL and why not in
 * @reason.
 */
static int idx_load(const struct xfile *f, const struct stat *st,
		    const char *iname, uint8_t **buf, struct lwp_idx *idx,
		    char *reason, size_t rlen)
{
	size_t len = 0;
	int ret;

	ret = idx_read(f->s->dfd, iname, buf, &len);
	if (ret) {
		snprintf(reason, rlen, "%s",
			 ret == -ENOENT ? "missing" : strerror(-ret));
		return -EINVAL;
	}
	if (lwp_idx_parse(idx, *buf, len)) {
		snprintf(reason, rlen, "damaged");
		return -EINVAL;
	}
	if (idx->h->data_len != (uint64_t)st->st_size ||
	    idx->h->pcapng != f->cap.pcapng) {
		snprintf(reason, rlen,
			 "stale (it indexes %" PRIu64 " bytes of %s, the file has %" PRIu64 " of %s)",
			 idx->h->data_len, idx->h->pcapng ? "pcapng" : "pcap",
			 (uint64_t)st->st_size,
			 f->cap.pcapng ? "pcapng" : "pcap");
		return -EINVAL;
	}
	return 0;
}

/*
 * The index of @f into @idx (its bytes in *@buf): NAME.idx if it is
 * whole and indexes this file, else rebuilt from the file (@why says
 * why when the caller found the loaded one wrong).
 */
static int idx_get(struct xctx *x, struct xfile *f, const struct stat *st,
		   const char *why, uint8_t **buf, struct lwp_idx *idx)
{
	char iname[NAME_MAX + 1], reason[160], what[LWP_ERRLEN + 64];
	bool named;
	size_t len;
	int ret;

	*buf = NULL;
	named = snprintf(iname, sizeof(iname), "%s%s", f->name,
			 LWP_IDX_SUFFIX) < (int)sizeof(iname);
	if (why) {
		snprintf(reason, sizeof(reason), "%s", why);
	} else if (!named) {
		snprintf(reason, sizeof(reason), "cannot be named");
	} else if (!idx_load(f, st, iname, buf, idx, reason,
			     sizeof(reason))) {
		x->st->idx_loaded++;
		return 0;
	}
	free(*buf);
	*buf = NULL;
	ret = lwp_idx_build_mem(f->map, f->len, LWP_IDX_SHIFT_DEFAULT, buf,
				&len, x->err);
	if (ret)
		return ret;
	if (lwp_idx_parse(idx, *buf, len))
		return lwp_err(x->err, -EIO, "%s/%s: the index built does not parse",
			       f->s->dir, f->name);
	x->st->idx_rebuilt++;
	if (named)
		idx_write_back(x, f, iname, *buf, len, st->st_mode & 0666,
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
 * candidate block does not start with a record of its time span).
 */
static int idx_runs(struct xctx *x, struct xfile *f,
		    const struct lwp_idx *idx)
{
	const struct lwp_extract_opts *o = x->o;
	uint32_t nb = idx->h->nblocks, i, k;
	const struct lwp_idx_block *b;
	uint64_t end, blocks = 0, sel = 0;
	uint8_t *cand, *tmp;
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
	for (k = 0; k < x->nw.n; k++) {
		memset(tmp, 0, bytes);
		lwp_idx_blocks(idx, x->nw.key[k], tmp);
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
	uint8_t *ibuf = NULL;
	struct lwp_idx idx;
	int ret;

	ret = idx_get(x, f, st, NULL, &ibuf, &idx);
	if (!ret)
		ret = idx_runs(x, f, &idx);
	if (ret == -ESTALE) {
		f->nrun = 0;
		free(ibuf);
		ret = idx_get(x, f, st, "does not fit the file", &ibuf, &idx);
		if (!ret)
			ret = idx_runs(x, f, &idx);
		if (ret == -ESTALE)
			ret = lwp_err(x->err, -EIO,
				      "%s/%s: changed while read", f->s->dir,
				      f->name);
	}
	free(ibuf);
	return ret;
}
