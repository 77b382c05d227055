/* SPDX-License-Identifier: GPL-2.0 */
/*
 * series.h - the names a file series owns, and nothing else's.
 *
 * A series is DIR/BASE.NNNNNN.pcap (or .pcapng), with what -z makes of a
 * completed file (.pcap.gz, ...) and the .part being written.  BASE may
 * hold strftime() conversions (-G): a completed file is named by the
 * start of its period, a .part keeps BASE as written.  A capture
 * directory is shared with other series, archivers and people, so the
 * names are parsed, never globbed: each conversion matches only what
 * strftime() can make of it (%H two digits, %Y four, %b three letters
 * in the C locale the reader runs in), and a conversion whose output
 * cannot be told apart from other files' names (%c, %D, %n, a flag or
 * a field width) is refused when the pattern is parsed.
 *
 * Both formats share the numbers and the -W ring of a series.
 * DIR/.BASE.lock, flock()ed by the reader that writes the series, keeps
 * a second reader (and its crash repair) away from it; as it is never
 * removed, it also tells later series which names are taken
 * (lwp_series_check()).
 */
#ifndef _TG3CAP_SERIES_H
#define _TG3CAP_SERIES_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

#define LWP_SEQ_MAX	999999999U
/* from here on, a number is a stray: the series does not continue it */
#define LWP_SEQ_STRAY	999000000U
#define LWP_SUFFIX	".pcap"
#define LWP_PART_SUFFIX	".pcap.part"
#define LWP_NG_SUFFIX	".pcapng"
#define LWP_NG_PART_SUFFIX ".pcapng.part"
#define LWP_LOCK_SUFFIX	".lock"

/* a base pattern's atoms, after each conversion is expanded */
#define LWP_PAT_ATOMS	1024

/**
 * struct lwp_atom - one character position of a name
 * @cls: a character (0..255) or one of the LWP_CC_* classes
 * @rep: LWP_REP_ONE (exactly one), LWP_REP_OPT (zero or one) or
 *       LWP_REP_STAR (any number)
 */
struct lwp_atom {
	uint16_t cls;
	uint8_t rep;
};

enum {
	LWP_CC_DIGIT = 256,	/* 0-9 */
	LWP_CC_SPDIGIT,		/* 0-9 or a space (%e, %k, %l) */
	LWP_CC_ALPHA,		/* A-Z, a-z (%a, %b, %p, ...) */
	LWP_CC_SIGN,		/* + or - (%z) */
	LWP_CC_TZ,		/* A-Z, a-z, 0-9, + or - (%Z) */
	LWP_CC_ANY,		/* any character but '/' and NUL */
};

enum {
	LWP_REP_ONE,
	LWP_REP_OPT,
	LWP_REP_STAR,
};

/**
 * struct lwp_pat - a parsed base pattern
 * @base:  as given (the .part names and the lock name use it)
 * @time:  it holds conversions: completed files are named by time
 * @n:     atoms in @atom
 * @atom:  the names the pattern can expand to
 */
struct lwp_pat {
	char base[NAME_MAX + 1];
	bool time;
	unsigned int n;
	struct lwp_atom atom[LWP_PAT_ATOMS];
};

/**
 * struct lwp_name - what a directory entry is to a series
 * @seq:  its file number
 * @part: a .part (being written, or left by a crash)
 * @ng:   pcapng (.pcapng...) rather than pcap
 * @tail: offset in the name of what follows ".pcap" or ".pcapng" ("" for
 *        a plain completed file, ".part", or what -z made: ".gz")
 */
struct lwp_name {
	unsigned int seq;
	bool part;
	bool ng;
	unsigned int tail;
};

int lwp_pat_parse(struct lwp_pat *p, const char *base, bool strftime_names,
		  char *err);
int lwp_pat_match(const struct lwp_pat *p, const char *name,
		  struct lwp_name *out);
bool lwp_pat_overlap(const struct lwp_pat *a, const struct lwp_pat *b);

int lwp_split_prefix(const char *prefix, char *dir, size_t dlen,
		     char *base, size_t blen);
int lwp_series_name(char *buf, size_t len, const char *prefix,
		    unsigned int seq, const char *suffix);
bool lwp_prefix_is_pattern(const char *prefix);
int lwp_expand_prefix(const char *prefix, time_t t, char *buf, size_t len);
/*
 * lwp_series_fn - called by lwp_series_scan() for a name the series
 * owns; @dfd: the directory, for the *at() calls.  Nonzero stops the
 * scan and is what lwp_series_scan() returns.
 */
typedef int (*lwp_series_fn)(int dfd, const char *name,
			     const struct lwp_name *nm, void *arg);

int lwp_series_scan(int dfd, const struct lwp_pat *pat, lwp_series_fn fn,
		    void *arg);
int lwp_series_check(const char *prefix, char *err);
int lwp_series_lock(const char *prefix, int *fd, char *err);
#define LWP_REPAIR_INDEX	1U
int lwp_repair(const char *prefix, unsigned int flags, lwp_log_fn log,
	       void *log_arg, unsigned int *repaired, char *err);

#endif /* _TG3CAP_SERIES_H */
