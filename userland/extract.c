// SPDX-License-Identifier: GPL-2.0
/*
 * extract.c - tg3cap-extract's engine (extract.h): the files of the
 * series, their indexes, the blocks to read, and the merge.
 *
 * A query runs in two passes.  The plan looks at every completed file
 * of every series (the series' names, lwp_series_scan(), never a glob):
 * one whose catalog line puts it outside the window is skipped
 * unopened; the others are mapped and their index loaded (or rebuilt)
 * to find the candidate blocks - those whose time span meets the window
 * and that hold every key of the filter - as runs of bytes, and the
 * earliest time any of them can give.  The merge then takes the files in
 * the order of that time: a file is read (its runs only) and its matches
 * sorted just before the merge could need them, and its memory is given
 * back once they are written, so only the files whose times overlap are
 * held at once, not the whole answer.
 *
 * The files are mapped, not read: the pages of the runs are the only
 * ones touched, asked for ahead of the walk (MADV_WILLNEED) with the
 * kernel's readahead off elsewhere (MADV_RANDOM).  A completed file is
 * never truncated by the reader, which keeps the mapping safe; retention
 * may unlink it, which a mapping survives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract_int.h"
#include "series.h"

/* how far ahead of the walk the pages of a run are asked for */
#define AHEAD		(32ULL << 20)

static int cmp_cat(const void *a, const void *b)
{
	const struct lwp_cat_entry *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct scan {
	struct xctx *x;
	struct xseries *s;
};

/* lwp_series_fn: a completed file (not a .part, not what -z made) */
static int add_file(int dfd, const char *name, const struct lwp_name *nm,
		    void *arg)
{
	struct scan *sc = arg;
	struct xctx *x = sc->x;
	struct lwp_cat_entry key;
	struct xfile *f;

	(void)dfd;
	if (nm->part || name[nm->tail] || strlen(name) > NAME_MAX)
		return 0;
	if (x->nf == x->fcap) {
		size_t cap = x->fcap ? 2 * x->fcap : 64;

		f = realloc(x->f, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		x->f = f;
		x->fcap = cap;
	}
	f = &x->f[x->nf++];
	memset(f, 0, sizeof(*f));
	f->s = sc->s;
	f->seq = nm->seq;
	strcpy(f->name, name);
	key.seq = nm->seq;
	strcpy(key.name, name);
	if (sc->s->ncat)
		f->cat = bsearch(&key, sc->s->cat, sc->s->ncat,
				 sizeof(key), cmp_cat);
	return 0;
}

/* -r PREFIX: its directory and base; @pat parsed from it */
static int series_names(const char *prefix, struct xseries *s,
			struct lwp_pat *pat, char *err)
{
	char perr[LWP_ERRLEN];
	const char *m = perr;
	size_t n;
	int ret;

	ret = lwp_split_prefix(prefix, s->dir, sizeof(s->dir), s->base,
			       sizeof(s->base));
	if (ret)
		return lwp_err(err, -EINVAL,
			       "-r %s: not a series prefix DIR/BASE (as the reader's -w)",
			       prefix);
	ret = lwp_pat_parse(pat, s->base, lwp_prefix_is_pattern(prefix),
			    perr);
	if (!ret)
		return 0;
	/* its words are the reader's, about "-w BASE: " */
	n = strlen(s->base);
	if (!strncmp(m, "-w ", 3) && !strncmp(m + 3, s->base, n) &&
	    !strncmp(m + 3 + n, ": ", 2))
		m += 5 + n;
	return lwp_err(err, ret, "-r %s: %s", prefix, m);
}

/**
 * lwp_extract_check_series() - is @prefix a series prefix whose
 * directory can be read (for the command line's exit status)
 * @prefix: DIR/BASE, as the reader's -w
 * @err: the reason if not, one line
 *
 * Return: 0, or a negative errno.
 */
int lwp_extract_check_series(const char *prefix, char *err)
{
	struct xseries s;
	struct lwp_pat *pat;
	int ret, fd;

	pat = malloc(sizeof(*pat));
	if (!pat)
		return lwp_err(err, -ENOMEM, "out of memory");
	ret = series_names(prefix, &s, pat, err);
	free(pat);
	if (ret)
		return ret;
	fd = open(s.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lwp_err(err, -errno, "-r %s: cannot open directory %s: %s",
			       prefix, s.dir, strerror(errno));
	close(fd);
	return 0;
}

static int series_open(struct xctx *x, unsigned int i)
{
	const char *prefix = x->o->series[i];
	struct xseries *s = &x->ser[i];
	struct scan sc = { x, s };
	char cerr[LWP_ERRLEN];
	struct lwp_pat *pat;
	int ret;

	pat = malloc(sizeof(*pat));
	if (!pat)
		return lwp_err(x->err, -ENOMEM, "out of memory");
	ret = series_names(prefix, s, pat, x->err);
	if (ret)
		goto out;
	s->dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dfd < 0) {
		ret = lwp_err(x->err, -errno,
			      "-r %s: cannot open directory %s: %s", prefix,
			      s->dir, strerror(errno));
		goto out;
	}
	/* a catalog only spares opening files: without one, open them */
	if (!x->o->no_index) {
		ret = lwp_catalog_read(s->dfd, s->base, &s->cat, &s->ncat,
				       cerr);
		if (ret && ret != -ENOENT)
			xwarn(x, "-r %s: catalog not used: %s", prefix, cerr);
		if (ret)
			xsay(x, "-r %s: no catalog: every file is opened",
			    prefix);
	}
	s->live = xseries_live(s);
	ret = lwp_series_scan(s->dfd, pat, add_file, &sc);
	if (ret)
		lwp_err(x->err, ret, "-r %s: cannot read directory %s: %s",
			prefix, s->dir, strerror(-ret));
out:
	free(pat);
	return ret;
}

static int cmp_file(const void *a, const void *b)
{
	const struct xfile *x = a, *y = b;

	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void file_unmap(struct xfile *f)
{
	if (f->map)
		munmap(f->map, f->len);
	f->map = NULL;
	free(f->run);
	free(f->m);
	f->run = NULL;
	f->m = NULL;
	f->nrun = f->nm = 0;
}

/* --no-index: one run, the whole file, and its earliest time in window */
static int all_runs(struct xctx *x, struct xfile *f)
{
	uint64_t off = f->cap.hdr_len;
	size_t cap = 0;
	struct lwp_rec r;

	f->low_ns = UINT64_MAX;
	madvise(f->map, f->len, MADV_SEQUENTIAL);
	for (; !lwp_capf_rec(&f->cap, off, &r); off = r.off + r.size)
		if (in_window(x->o, r.ts_ns) && r.ts_ns < f->low_ns)
			f->low_ns = r.ts_ns;
	if (f->low_ns == UINT64_MAX)
		return 0;
	return xrun_add(f, &cap, f->cap.hdr_len, f->len);
}

/* Map @f and find its runs; none: it has nothing for the query. */
static int plan_file(struct xctx *x, struct xfile *f)
{
	struct stat st;
	int fd, ret;
	size_t i;

	if (!x->o->no_index && f->cat &&
	    !fstatat(f->s->dfd, f->name, &st, AT_SYMLINK_NOFOLLOW) &&
	    (uint64_t)st.st_size == f->cat->bytes &&
	    !meets(x->o, f->cat->first_ns, f->cat->last_ns)) {
		x->st->files_skipped++;
		return 0;
	}
	fd = openat(f->s->dfd, f->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* retention may delete it meanwhile: tcpdump would miss it */
		xwarn(x, "%s/%s: skipped: %s", f->s->dir, f->name,
		     strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		xwarn(x, "%s/%s: skipped: not a capture file", f->s->dir,
		     f->name);
		return 0;
	}
	f->len = st.st_size;
	f->map = mmap(NULL, f->len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		return lwp_err(x->err, -errno, "cannot map %s/%s: %s",
			       f->s->dir, f->name, strerror(errno));
	}
	madvise(f->map, f->len, MADV_RANDOM);
	if (lwp_capf_init(&f->cap, f->map, f->len)) {
		xwarn(x, "%s/%s: skipped: not a capture file of ours",
		     f->s->dir, f->name);
		file_unmap(f);
		return 0;
	}
	x->st->files_read++;
	x->st->bytes += f->len;
	if (f->cap.snaplen > x->snaplen || !x->snaplen)
		x->snaplen = f->cap.snaplen;
	if (x->o->no_index) {
		/* walked whole for its times, even if none is in the window */
		ret = all_runs(x, f);
		x->st->bytes_read += f->len - f->cap.hdr_len;
	} else {
		ret = xidx_plan(x, f, &st);
		for (i = 0; !ret && i < f->nrun; i++)
			x->st->bytes_read += f->run[i].end - f->run[i].start;
	}
	if (ret)
		return ret;
	if (!f->nrun)
		file_unmap(f);
	else
		x->plan[x->nplan++] = f;
	return 0;
}

/* Ask for the pages of [@from, @to) of @f's mapping. */
static void advise(struct xfile *f, uint64_t from, uint64_t to)
{
	uint64_t page = sysconf(_SC_PAGESIZE), a = from & ~(page - 1);

	if (to > a)
		madvise(f->map + a, to - a, MADV_WILLNEED);
}

static int cmp_match(const void *a, const void *b)
{
	const struct xmatch *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Read @f's runs: the records in the window that the filter accepts,
 * sorted by time, stably (ties keep their order in the file).
 */
static int file_read(struct xctx *x, struct xfile *f)
{
	uint64_t off, ahead, end;
	struct pcap_pkthdr h;
	struct xmatch *n;
	bool sorted = true;
	struct lwp_rec r;
	size_t i, cap = 0;

	for (i = 0; i < f->nrun; i++) {
		end = f->run[i].end;
		off = f->run[i].start;
		ahead = off;
		while (off < end) {
			if (ahead < end && ahead < off + AHEAD / 2) {
				uint64_t to = end - ahead > AHEAD ?
					      ahead + AHEAD : end;

				advise(f, ahead, to);
				ahead = to;
			}
			/* a damaged tail ends the file, as for tcpdump */
			if (lwp_capf_rec(&f->cap, off, &r))
				goto sort;
			if (r.off >= end)
				break;
			off = r.off + r.size;
			x->st->records_read++;
			if (!in_window(x->o, r.ts_ns))
				continue;
			if (x->filter) {
				h.ts.tv_sec = r.ts_ns / 1000000000U;
				h.ts.tv_usec = r.ts_ns % 1000000000U / 1000;
				h.caplen = r.caplen;
				h.len = r.len;
				if (!pcap_offline_filter(&x->prog, &h, r.data))
					continue;
			}
			if (f->nm == cap) {
				cap = cap ? 2 * cap : 256;
				n = realloc(f->m, cap * sizeof(*n));
				if (!n)
					return lwp_err(x->err, -ENOMEM,
						       "out of memory");
				f->m = n;
			}
			if (f->nm && r.ts_ns < f->m[f->nm - 1].ts_ns)
				sorted = false;
			f->m[f->nm].ts_ns = r.ts_ns;
			f->m[f->nm].off = r.off;
			f->nm++;
		}
	}
sort:
	if (!sorted)
		qsort(f->m, f->nm, sizeof(*f->m), cmp_match);
	f->pos = 0;
	return 0;
}

static bool before(const struct xfile *a, const struct xfile *b)
{
	uint64_t ta = a->m[a->pos].ts_ns, tb = b->m[b->pos].ts_ns;

	return ta != tb ? ta < tb : a->rank < b->rank;
}

static void heap_down(struct xctx *x, size_t i)
{
	struct xfile **h = x->heap, *t;
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= x->nheap)
			return;
		if (c + 1 < x->nheap && before(h[c + 1], h[c]))
			c++;
		if (!before(h[c], h[i]))
			return;
		t = h[c];
		h[c] = h[i];
		h[i] = t;
		i = c;
	}
}

static void heap_push(struct xctx *x, struct xfile *f)
{
	struct xfile **h = x->heap, *t;
	size_t i = x->nheap++, p;

	h[i] = f;
	while (i) {
		p = (i - 1) / 2;
		if (!before(h[i], h[p]))
			return;
		t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static int cmp_low(const void *a, const void *b)
{
	const struct xfile *x = *(struct xfile *const *)a;
	const struct xfile *y = *(struct xfile *const *)b;

	if (x->low_ns != y->low_ns)
		return x->low_ns < y->low_ns ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/*
 * mergecap's merge.  A file joins the heap once the merge reaches its
 * earliest possible time (@low_ns): none of its matches could have come
 * before what was written until then; ties go to the lower rank, which
 * is why a file joins at a time equal to its @low_ns too.
 */
static int merge(struct xctx *x, struct lwp_xout *out)
{
	struct xfile *f, *top;
	size_t next = 0;
	struct lwp_rec r;
	int ret;

	qsort(x->plan, x->nplan, sizeof(*x->plan), cmp_low);
	for (;;) {
		top = x->nheap ? x->heap[0] : NULL;
		if (next < x->nplan &&
		    (!top || x->plan[next]->low_ns <= top->m[top->pos].ts_ns)) {
			f = x->plan[next++];
			ret = file_read(x, f);
			if (ret)
				return ret;
			if (f->nm)
				heap_push(x, f);
			else
				file_unmap(f);
			continue;
		}
		if (!x->nheap)
			return 0;
		f = x->heap[0];
		if (lwp_capf_rec(&f->cap, f->m[f->pos].off, &r))
			return lwp_err(x->err, -EIO, "%s/%s: changed while read",
				       f->s->dir, f->name);
		ret = lwp_xout_rec(out, r.ts_ns, r.data, r.caplen, r.len,
				   x->err);
		if (ret)
			return ret;
		if (out->closed)
			return 0;
		if (++f->pos == f->nm) {
			file_unmap(f);
			x->heap[0] = x->heap[--x->nheap];
		}
		heap_down(x, 0);
	}
}

static void narrow_say(struct xctx *x)
{
	if (x->o->no_index)
		xsay(x, "--no-index: every record of every file is read");
	else if (x->nw.n)
		xsay(x, "the index narrows by %u key%s of the filter",
		    x->nw.n, x->nw.n == 1 ? "" : "s");
	else
		xsay(x, "the index narrows by time only: %s", x->nw.why);
}

/**
 * lwp_extract() - answer the query @o: its packets to @o->out_fd
 * @o: the query
 * @st: what it cost
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * Return: 0 (also when the reader of the output went away: @st says
 * so), or a negative errno.
 */
int lwp_extract(const struct lwp_extract_opts *o,
		struct lwp_extract_stats *st, char *err)
{
	struct xctx x = { .o = o, .st = st, .err = err };
	struct lwp_xout out = { .buf = NULL };
	unsigned int i;
	size_t k;
	int ret;

	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	for (i = 0; i < o->nseries; i++) {
		ret = lwp_extract_check_series(o->series[i], err);
		if (ret)
			return ret;
	}
	if (o->filter && *o->filter) {
		ret = lwp_xfilter_compile(o->filter, &x.prog, err);
		if (ret)
			return ret;
		x.filter = true;
	}
	ret = -ENOMEM;
	if (lwp_narrow_parse(o->no_index ? NULL : o->filter, &x.nw))
		goto out;
	x.ser = calloc(o->nseries ? o->nseries : 1, sizeof(*x.ser));
	if (!x.ser)
		goto out;
	for (i = 0; i < o->nseries; i++)
		x.ser[i].dfd = -1;
	narrow_say(&x);
	for (i = 0; i < o->nseries; i++) {
		ret = series_open(&x, i);
		if (ret)
			goto out;
	}
	if (x.nf)
		qsort(x.f, x.nf, sizeof(*x.f), cmp_file);
	st->files = x.nf;
	ret = -ENOMEM;
	x.plan = calloc(x.nf + 1, sizeof(*x.plan));
	x.heap = calloc(x.nf + 1, sizeof(*x.heap));
	if (!x.plan || !x.heap)
		goto out;
	for (k = 0; k < x.nf; k++) {
		x.f[k].rank = k;
		ret = plan_file(&x, &x.f[k]);
		if (ret)
			goto out;
	}
	ret = lwp_xout_init(&out, o->out_fd, o->pcapng, err);
	if (ret)
		goto out;
	if (x.snaplen)
		out.snaplen = x.snaplen;
	ret = merge(&x, &out);
	if (!ret)
		ret = lwp_xout_finish(&out, err);
	st->records_out = out.records;
	st->out_closed = out.closed;
out:
	if (ret == -ENOMEM && !err[0])
		lwp_err(err, ret, "out of memory");
	lwp_xout_free(&out);
	for (k = 0; k < x.nf; k++)
		file_unmap(&x.f[k]);
	free(x.f);
	free(x.plan);
	free(x.heap);
	for (i = 0; x.ser && i < o->nseries; i++) {
		if (x.ser[i].dfd >= 0)
			close(x.ser[i].dfd);
		free(x.ser[i].cat);
	}
	free(x.ser);
	if (x.filter)
		pcap_freecode(&x.prog);
	return ret;
}
