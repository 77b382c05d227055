// SPDX-License-Identifier: GPL-2.0
/*
 * fileindex.c - the index of each file the series writes (pktindex.h),
 * built behind the writer and written when the file is completed, and
 * the series' catalog line for it (catalog.h).
 *
 * The records are indexed where they still are in memory: by the
 * prefaulter, each time it serves the window (before --io direct writes
 * them out and moves their memory ahead of the writer, before --io mmap
 * unmaps them), and for the end of a file when the writer leaves it.  A
 * thread that read each completed file back would read as much from the
 * disk as the capture writes to it, and --io direct keeps nothing in the
 * page cache: at full rate the disk would give the capture half its
 * bandwidth.  The drain thread does none of it.
 *
 * The finisher writes NAME.idx (temporary, fsync, rename) right after the
 * file's own fdatasync() and before the file gets its final name NAME:
 * a completed file has its index unless the index failed, which is
 * logged and costs nothing but speed (tg3cap-extract rebuilds a missing
 * or stale index from its file).  The swapper appends the catalog line
 * after the rename.  -W and retention remove NAME.idx with NAME (it is
 * one of the series' names, series.h); a crash leaves a .part, which
 * the next start repairs and indexes (series.c), and the start makes the
 * catalog anew from the indexes there (fring_catalog_rebuild()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capfile.h"
#include "catalog.h"
#include "fring.h"
#include "pktindex.h"

/* the largest share of a core indexing may take, in %, judged after... */
#define IDX_SHARE_MAX	30
/* ...this long of a file: the first records come in a burst */
#define IDX_SETTLE_NS	(20ULL * 1000 * 1000)
/* after a file given up on, the next ones go without for this long */
#define IDX_PAUSE_NS	(5ULL * 1000 * 1000 * 1000)

/**
 * fring_index_estimate() - what the index of a file of @size will take
 * on the disk: the largest share of its file an index of this run has
 * taken (a sixteenth until one is written), and a page
 * @f: the series
 * @size: the file's size
 *
 * For retention, which makes room for a file and its index at once.
 */
uint64_t fring_index_estimate(struct fring *f, uint64_t size)
{
	uint32_t share = __atomic_load_n(&f->idx_share, __ATOMIC_RELAXED);

	if (f->cfg.no_index)
		return 0;
	return size / 65536 * (share ? share : 4096) +
	       (size % 65536) * (share ? share : 4096) / 65536 + f->page;
}

/* @pf's index is written or given up: its room is no longer held. */
static void unreserve(struct fring *f, struct pfile *pf)
{
	__atomic_fetch_sub(&f->idx_pending, pf->idx_resv, __ATOMIC_RELAXED);
	pf->idx_resv = 0;
}

/**
 * fring_index_start() - @pf is a new file: an empty index for it
 * @f: the series
 * @pf: the file
 *
 * Without memory the file goes without an index (said once).
 */
void fring_index_start(struct fring *f, struct pfile *pf)
{
	pf->idx_off = f->hdr_len;
	pf->idx_t0 = lwp_now_ns();
	if (f->cfg.no_index)
		return;
	/* a file given up on lately: the rate is still too high, likely */
	if (pf->idx_t0 < __atomic_load_n(&f->idx_pause, __ATOMIC_RELAXED)) {
		stat_add_mt(&f->st.index_skipped, 1);
		return;
	}
	/* the last file's builder, with its memory, if it is free */
	pf->ib = __atomic_exchange_n(&f->idx_spare, NULL, __ATOMIC_ACQ_REL);
	if (pf->ib) {
		lwp_idx_reset(pf->ib, LWP_IDX_SHIFT_DEFAULT,
			      f->cfg.format == LWP_FMT_PCAPNG);
		goto reserve;
	}
	pf->ib = malloc(sizeof(*pf->ib));
	if (pf->ib && !lwp_idx_init(pf->ib, LWP_IDX_SHIFT_DEFAULT,
				    f->cfg.format == LWP_FMT_PCAPNG))
		goto reserve;
	free(pf->ib);
	pf->ib = NULL;
	if (!f->idx_warned)
		say(f, "index: out of memory; files go without one");
	f->idx_warned = true;
	return;

reserve:
	pf->idx_resv = fring_index_estimate(f, f->cfg.file_size);
	__atomic_fetch_add(&f->idx_pending, pf->idx_resv, __ATOMIC_RELAXED);
}

/* @b is done with: the next file's, or freed if one waits already. */
static void builder_put(struct fring *f, struct lwp_idx_builder *b)
{
	b = __atomic_exchange_n(&f->idx_spare, b, __ATOMIC_ACQ_REL);
	if (b) {
		lwp_idx_free(b);
		free(b);
	}
}

/**
 * fring_index_close() - at close: the spare builder's memory
 * @f: the series
 */
void fring_index_close(struct fring *f)
{
	struct lwp_idx_builder *b = f->idx_spare;

	f->idx_spare = NULL;
	if (b) {
		lwp_idx_free(b);
		free(b);
	}
}

/**
 * fring_index_drop() - @pf goes without (the rest of) its index
 * @f: the series
 * @pf: the file
 */
void fring_index_drop(struct fring *f, struct pfile *pf)
{
	unreserve(f, pf);
	if (!pf->ib)
		return;
	builder_put(f, pf->ib);
	pf->ib = NULL;
}

/**
 * fring_index_upto() - index the records of @pf before @end
 * @f: the series
 * @pf: the file; the records before @end are whole and stay where they
 *      are until this returns
 * @end: a record boundary the writer has passed
 * @last: the writer has left the file: @end is its end
 *
 * Only the prefaulter calls it while the file is written, and the
 * thread that closes the series after the prefaulter is gone.
 */
void fring_index_upto(struct fring *f, struct pfile *pf, uint64_t end,
		      bool last)
{
	struct lwp_capfile c = {
		.p = pf->map, .len = end, .hdr_len = f->hdr_len,
		.snaplen = f->cfg.snaplen,
		.pcapng = f->cfg.format == LWP_FMT_PCAPNG,
	};
	uint64_t off = pf->idx_off, t0, t1;
	struct lwp_rec r;
	int ret = 0;

	if (!pf->ib || end <= off)
		return;
	t0 = lwp_now_ns();
	while (!(ret = lwp_capf_rec(&c, off, &r))) {
		ret = lwp_idx_add(pf->ib, r.off, r.ts_ns, r.data, r.caplen);
		if (ret)
			break;
		off = r.off + r.size;
	}
	pf->idx_off = off;
	t1 = lwp_now_ns();
	pf->idx_ns += t1 - t0;
	stat_add(&f->st.index_ns, t1 - t0);
	/*
	 * Indexing took more than IDX_SHARE_MAX of this thread's time since
	 * the file began: at this rate it would hold the writer up (the
	 * prefaulter writes out behind it; --io direct stops the drain at two
	 * windows not on the disk).  The capture comes first: the file goes
	 * without an index, which tg3cap-extract makes when it needs it.
	 */
	if (!last && t1 - pf->idx_t0 > IDX_SETTLE_NS &&
	    pf->idx_ns * 100 > (t1 - pf->idx_t0) * IDX_SHARE_MAX) {
		if (!f->idx_behind)
			say(f, "index: records come faster than they can be indexed (file %06u: %llu%% of a core); such files go without one (tg3cap-extract makes it)",
			    pf->seq, (unsigned long long)(pf->idx_ns * 100 /
							  (t1 - pf->idx_t0)));
		f->idx_behind = true;
		__atomic_store_n(&f->idx_pause, t1 + IDX_PAUSE_NS,
				 __ATOMIC_RELAXED);
		stat_add_mt(&f->st.index_skipped, 1);
		fring_index_drop(f, pf);
		return;
	}
	if (ret == -ENODATA)
		return;
	/* our own records: only memory runs out, or a bug shows */
	say(f, "index: file %06u goes without one: %s", pf->seq,
	    ret == -EINVAL ? "a record it cannot read" :
	    ret == -E2BIG ? "more hosts and ports than its memory holds" :
	    strerror(-ret));
	stat_add_mt(&f->st.index_skipped, 1);
	fring_index_drop(f, pf);
}

/**
 * fring_index_write() - write the index of @pf, completed and flushed,
 * as @final (its final name, a path) + ".idx"
 * @f: the series
 * @pf: the file; @pf->off its length
 * @final: the name it is about to get
 *
 * Called by the finisher.  A failure is logged; the file goes without.
 */
void fring_index_write(struct fring *f, struct pfile *pf, const char *final)
{
	char name[NAME_MAX + 1], msg[LWP_ERRLEN];
	struct lwp_idx_builder *b = pf->ib;
	struct lwp_idx_hdr h;
	uint32_t share;
	uint64_t len;
	int ret;

	if (!b)
		return;
	pf->idx_first = b->records ? b->first_ns : 0;
	pf->idx_last = b->last_ns;
	pf->idx_records = b->records;
	ret = lwp_idx_seal(b, pf->off, &h);
	if (ret) {
		lwp_err(msg, ret, "file %06u goes without one: %s", pf->seq,
			strerror(-ret));
	} else if (snprintf(name, sizeof(name), "%s%s", fring_at(final),
			    LWP_IDX_SUFFIX) >= (int)sizeof(name)) {
		ret = lwp_err(msg, -ENAMETOOLONG, "%s: name too long",
			      final);
	} else {
		ret = lwp_idx_write_sealed(f->dfd, name, &h, b,
					   f->mode & 0666, msg);
	}
	fring_index_drop(f, pf);
	if (ret) {
		say(f, "index: %s", msg);
		return;
	}
	/* for retention: the largest share of its file an index took */
	len = lwp_idx_len(&h);
	share = pf->off ? len * 65536 / pf->off + 1 : 0;
	if (share > __atomic_load_n(&f->idx_share, __ATOMIC_RELAXED))
		__atomic_store_n(&f->idx_share, share, __ATOMIC_RELAXED);
	if (f->cfg.owner_set && fchownat(f->dfd, name, f->cfg.uid, f->cfg.gid,
					 AT_SYMLINK_NOFOLLOW))
		say(f, "index: cannot give %s to its user: %s", name,
		    strerror(errno));
	pf->idx_done = true;
	stat_add(&f->st.indexed, 1);
}

/**
 * fring_index_catalog() - @pf has its final name @final (a path): its
 * line in the series' catalog
 * @f: the series
 * @pf: the file
 * @final: its name
 */
void fring_index_catalog(struct fring *f, struct pfile *pf,
			 const char *final)
{
	struct lwp_cat_entry e = {
		.seq = pf->seq, .first_ns = pf->idx_first,
		.last_ns = pf->idx_last, .records = pf->idx_records,
		.bytes = pf->off,
	};
	char msg[LWP_ERRLEN] = "name too long";

	if (!pf->idx_done)
		return;
	if (snprintf(e.name, sizeof(e.name), "%s", fring_at(final)) >=
	    (int)sizeof(e.name) ||
	    lwp_catalog_append(f->dfd, f->base, &e, msg))
		say(f, "catalog: %s: not listed (%s)", fring_at(final), msg);
}

struct cat_scan {
	struct lwp_cat_entry *e;
	size_t n;
	size_t cap;
};

/* The catalog entry of the data file @name from its index's header. */
static int cat_from_index(int dfd, const char *name,
			  const struct lwp_name *nm, void *arg)
{
	struct cat_scan *cs = arg;
	char idx[NAME_MAX + 1];
	struct lwp_idx_hdr h;
	struct lwp_cat_entry *e;
	struct stat st;
	int fd;

	if (nm->part || name[nm->tail] ||
	    snprintf(idx, sizeof(idx), "%s%s", name, LWP_IDX_SUFFIX) >=
	    (int)sizeof(idx) ||
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) ||
	    !S_ISREG(st.st_mode))
		return 0;
	fd = openat(dfd, idx, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    memcmp(h.magic, LWP_IDX_MAGIC, 8) ||
	    h.version != LWP_IDX_VERSION ||
	    h.data_len != (uint64_t)st.st_size || h.first_ns > h.last_ns) {
		close(fd);
		return 0;	/* stale or damaged: tg3cap-extract rebuilds it */
	}
	close(fd);
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 64;

		e = realloc(cs->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		cs->e = e;
		cs->cap = cap;
	}
	e = &cs->e[cs->n++];
	memset(e, 0, sizeof(*e));
	e->seq = nm->seq;
	e->first_ns = h.first_ns;
	e->last_ns = h.last_ns;
	e->records = h.records;
	e->bytes = h.data_len;
	snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct lwp_cat_entry *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/**
 * fring_catalog_rebuild() - at start: the series' catalog made anew from
 * the indexes of the files there
 * @f: the series, scanned (fring_scan_series())
 *
 * Lines appended before a crash, files removed while the reader was
 * stopped, a catalog lost: the catalog lists exactly the files with a
 * valid index, and stays as small as the series.  A failure is logged;
 * tg3cap-extract then finds the files by their names.
 */
void fring_catalog_rebuild(struct fring *f)
{
	struct cat_scan cs = { 0 };
	char msg[LWP_ERRLEN];
	int ret;

	if (f->cfg.no_index)
		return;
	ret = lwp_series_scan(f->dfd, &f->pat, cat_from_index, &cs);
	if (!ret) {
		if (cs.n)
			qsort(cs.e, cs.n, sizeof(*cs.e), cmp_seq);
		ret = lwp_catalog_write(f->dfd, f->base, cs.e, cs.n, msg);
	} else {
		lwp_err(msg, ret, "%s", strerror(-ret));
	}
	if (ret)
		say(f, "catalog: not rebuilt: %s", msg);
	free(cs.e);
}
