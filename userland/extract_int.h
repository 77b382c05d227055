/* SPDX-License-Identifier: GPL-2.0 */
/*
 * extract_int.h - what extract.c (the series, the plan, the merge) and
 * extract_index.c (a file's index: loaded, rebuilt, written back, and
 * its candidate blocks) share.  Not an interface: tg3cap-extract only.
 */
#ifndef _TG3CAP_EXTRACT_INT_H
#define _TG3CAP_EXTRACT_INT_H

#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "capfile.h"
#include "catalog.h"
#include "extract.h"

/**
 * struct xseries - one -r series
 * @dir:  its directory
 * @base: its base (a strftime pattern maybe), as its catalog is named
 * @dfd:  the directory, open
 * @live: the pid of the reader that holds it (it writes the indexes),
 *        or 0
 * @cat:  its catalog (lwp_catalog_read()), sorted by number and name
 * @ncat: lines in it
 */
struct xseries {
	char dir[PATH_MAX];
	char base[NAME_MAX + 1];
	int dfd;
	pid_t live;
	struct lwp_cat_entry *cat;
	size_t ncat;
};

/* bytes [@start, @end) of a file: whole records, to be read */
struct xrun {
	uint64_t start;
	uint64_t end;
};

/* a record that matches: when, and where in its file */
struct xmatch {
	uint64_t ts_ns;
	uint64_t off;
};

/**
 * struct xfile - one completed file of a series
 * @s:      its series
 * @seq:    its number
 * @rank:   its place as the -r series are given, then by number (and
 *          name): mergecap's order among equal timestamps
 * @name:   its name in @s->dir
 * @cat:    its catalog line, or NULL
 * @map:    its bytes, mapped (NULL: not, or no longer, needed)
 * @len:    how many
 * @cap:    its header and record walker
 * @run:    what to read of it
 * @nrun:   how many runs
 * @low_ns: no match of it is earlier
 * @m:      its matches, in time order (once read)
 * @nm:     how many
 * @pos:    the next one to write
 */
struct xfile {
	struct xseries *s;
	unsigned int seq;
	unsigned int rank;
	char name[NAME_MAX + 1];
	const struct lwp_cat_entry *cat;
	uint8_t *map;
	size_t len;
	struct lwp_capfile cap;
	struct xrun *run;
	size_t nrun;
	uint64_t low_ns;
	struct xmatch *m;
	size_t nm;
	size_t pos;
};

/**
 * struct xctx - a query being answered
 * @o:       the query
 * @st:      its costs
 * @prog:    the filter, compiled (if @filter)
 * @filter:  there is one
 * @nw:      what the index can use of it
 * @ser:     the series, as @o names them
 * @f:       their completed files, by rank
 * @nf:      how many
 * @fcap:    room in @f
 * @plan:    the files with runs to read
 * @nplan:   how many
 * @heap:    the files being merged, by their next match
 * @nheap:   how many
 * @snaplen: the largest of the files read (the output's)
 * @err:     the reason on failure, LWP_ERRLEN bytes
 */
struct xctx {
	const struct lwp_extract_opts *o;
	struct lwp_extract_stats *st;
	struct bpf_program prog;
	bool filter;
	struct lwp_narrow nw;
	struct xseries *ser;
	struct xfile *f;
	size_t nf;
	size_t fcap;
	struct xfile **plan;
	size_t nplan;
	struct xfile **heap;
	size_t nheap;
	uint32_t snaplen;
	char *err;
};

#define xsay(x, ...)	lwp_say((x)->o->log, (x)->o->log_arg, __VA_ARGS__)
#define xwarn(x, ...)	lwp_say((x)->o->warn, (x)->o->log_arg, __VA_ARGS__)

static inline bool in_window(const struct lwp_extract_opts *o, uint64_t ts)
{
	return ts >= o->begin_ns && ts < o->end_ns;
}

/* [@first, @last] meets the window; never for first > last (empty) */
static inline bool meets(const struct lwp_extract_opts *o, uint64_t first,
			 uint64_t last)
{
	return first <= last && first < o->end_ns && last >= o->begin_ns;
}

/* extract_index.c */
int xrun_add(struct xfile *f, size_t *cap, uint64_t start, uint64_t end);
int xidx_plan(struct xctx *x, struct xfile *f, const struct stat *st);
pid_t xseries_live(const struct xseries *s);

#endif /* _TG3CAP_EXTRACT_INT_H */
