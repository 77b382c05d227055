// SPDX-License-Identifier: GPL-2.0
/*
 * series.c - the names a file series owns (series.h).
 *
 * A base pattern becomes a row of atoms, one per character position,
 * each a character or a class with a repetition; a name is matched by
 * simulating that row as an NFA (no backtracking: a name costs
 * O(length x atoms) whatever the pattern), and two series overlap when
 * the product of their rows reaches its end.  dumpcap and tcpdump glob
 * their own names (or do not look at the directory at all); we must
 * not, because we delete and repair what we match.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pktindex.h"
#include "repair.h"
#include "series.h"
#include "util.h"

/*
 * The atoms of one conversion: a string over "D" (digit), "s" (digit or
 * space), "A" (letter), "+" (sign), "Z" (time zone character) and
 * literal punctuation; a lower-case "d", "a" or "z" is an optional
 * digit, letter or zone character.  Only conversions whose output the
 * C locale fixes are here.
 */
static const char *conv_atoms(char c)
{
	switch (c) {
	case 'Y': case 'G':
		return "DDDD";
	case 'C': case 'y': case 'g': case 'm': case 'd': case 'H':
	case 'I': case 'M': case 'S': case 'U': case 'W': case 'V':
		return "DD";
	case 'j':
		return "DDD";
	case 'e': case 'k': case 'l':
		return "sD";
	case 'u': case 'w':
		return "D";
	case 's':
		return "Dddddddddddddddddddd";
	case 'F':
		return "DDDD-DD-DD";
	case 'T':
		return "DD:DD:DD";
	case 'R':
		return "DD:DD";
	case 'z':
		return "+DDDD";
	case 'Z':
		return "Zzzzzzzzzz";
	case 'a': case 'b': case 'h':
		return "AAA";
	case 'A': case 'B':
		return "AAAaaaaaa";
	case 'p': case 'P':
		return "AA";
	}
	return NULL;
}

static int put(struct lwp_pat *p, uint16_t cls, uint8_t rep)
{
	if (p->n >= LWP_PAT_ATOMS)
		return -ENAMETOOLONG;
	p->atom[p->n].cls = cls;
	p->atom[p->n].rep = rep;
	p->n++;
	return 0;
}

static int put_conv(struct lwp_pat *p, const char *a)
{
	int ret = 0;

	for (; *a && !ret; a++) {
		switch (*a) {
		case 'D':
			ret = put(p, LWP_CC_DIGIT, LWP_REP_ONE);
			break;
		case 'd':
			ret = put(p, LWP_CC_DIGIT, LWP_REP_OPT);
			break;
		case 's':
			ret = put(p, LWP_CC_SPDIGIT, LWP_REP_ONE);
			break;
		case 'A':
			ret = put(p, LWP_CC_ALPHA, LWP_REP_ONE);
			break;
		case 'a':
			ret = put(p, LWP_CC_ALPHA, LWP_REP_OPT);
			break;
		case '+':
			ret = put(p, LWP_CC_SIGN, LWP_REP_ONE);
			break;
		case 'Z':
			ret = put(p, LWP_CC_TZ, LWP_REP_ONE);
			break;
		case 'z':
			ret = put(p, LWP_CC_TZ, LWP_REP_OPT);
			break;
		default:
			ret = put(p, (unsigned char)*a, LWP_REP_ONE);
		}
	}
	return ret;
}

/**
 * lwp_pat_parse() - parse the file name part of a -w prefix
 * @base:           the name part (no '/')
 * @strftime_names: completed files are named by strftime() of @base
 *                  (a -G series with a '%' in it); else @base is literal
 * @err:            LWP_ERRLEN bytes for the reason of a refusal
 *
 * Return: 0, or -EINVAL (a conversion we cannot match exactly, a '/', an
 * empty name) or -ENAMETOOLONG with a message in @err.
 */
int lwp_pat_parse(struct lwp_pat *p, const char *base, bool strftime_names,
		  char *err)
{
	const char *s, *a;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	if (!*base || strchr(base, '/'))
		return lwp_err(err, -EINVAL, "bad file name '%s'", base);
	if (strlen(base) > NAME_MAX - 32)
		return lwp_err(err, -ENAMETOOLONG, "file name '%s' too long",
			       base);
	strcpy(p->base, base);
	for (s = base; *s && !ret; s++) {
		if (*s != '%' || !strftime_names) {
			ret = put(p, (unsigned char)*s, LWP_REP_ONE);
			continue;
		}
		s++;
		if (*s == '%') {
			ret = put(p, '%', LWP_REP_ONE);
			continue;
		}
		/*
		 * E and O select a locale's alternative, which the C locale
		 * does not have: strftime() prints POSIX's pairs as without
		 * them, and any other pair (%OY, %EH, %EEY) as it stands.
		 */
		if ((*s == 'E' && s[1] && strchr("CyY", s[1])) ||
		    (*s == 'O' && s[1] && strchr("deHImMSuUVwWy", s[1])))
			s++;
		a = *s ? conv_atoms(*s) : NULL;
		if (!a)
			return lwp_err(err, -EINVAL,
				       "-w %s: %%%.*s cannot be told apart from other files' names; use only %%Y %%m %%d %%H %%M %%S %%j %%s %%F %%T and the like, without flags or widths",
				       base, *s == 'E' || *s == 'O' ? 2 : 1,
				       *s ? s : "");
		p->time = true;
		ret = put_conv(p, a);
	}
	if (ret)
		return lwp_err(err, ret, "-w %s: pattern too long", base);
	return 0;
}

static bool cc_has(unsigned int cls, unsigned int c)
{
	if (cls < 256)
		return cls == c;
	switch (cls) {
	case LWP_CC_DIGIT:
		return c >= '0' && c <= '9';
	case LWP_CC_SPDIGIT:
		return c == ' ' || (c >= '0' && c <= '9');
	case LWP_CC_ALPHA:
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	case LWP_CC_SIGN:
		return c == '+' || c == '-';
	case LWP_CC_TZ:
		return c == '+' || c == '-' || (c >= '0' && c <= '9') ||
		       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
	case LWP_CC_ANY:
		return c && c != '/';
	}
	return false;
}

static bool cc_meet(unsigned int a, unsigned int b)
{
	unsigned int c;

	if (a < 256)
		return cc_has(b, a);
	if (b < 256)
		return cc_has(a, b);
	for (c = 1; c < 256; c++)
		if (cc_has(a, c) && cc_has(b, c))
			return true;
	return false;
}

/* the positions reachable from those in @on without a character */
static void closure(const struct lwp_atom *a, unsigned int n, bool *on)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (on[i] && a[i].rep != LWP_REP_ONE)
			on[i + 1] = true;
}

/* does @a[0..n) match the @len bytes at @s, exactly? */
static bool row_match(const struct lwp_atom *a, unsigned int n,
		      const char *s, size_t len)
{
	bool cur[LWP_PAT_ATOMS + 1], nxt[LWP_PAT_ATOMS + 1], any;
	unsigned int i;
	size_t k;

	memset(cur, 0, (n + 1) * sizeof(bool));
	cur[0] = true;
	closure(a, n, cur);
	for (k = 0; k < len; k++) {
		memset(nxt, 0, (n + 1) * sizeof(bool));
		any = false;
		for (i = 0; i < n; i++) {
			if (!cur[i] || !cc_has(a[i].cls, (unsigned char)s[k]))
				continue;
			nxt[a[i].rep == LWP_REP_STAR ? i : i + 1] = true;
			any = true;
		}
		if (!any)
			return false;
		closure(a, n, nxt);
		memcpy(cur, nxt, (n + 1) * sizeof(bool));
	}
	return cur[n];
}

/*
 * Does ".NNNNNN.pcap" (6 to 9 digits; "ng" after it for pcapng) start at
 * @s?  Then the number and where the tail starts.
 */
static bool seq_at(const char *s, unsigned int *seq, bool *ng,
		   unsigned int *tail)
{
	unsigned int d = 0, v = 0;

	if (*s != '.')
		return false;
	while (s[1 + d] >= '0' && s[1 + d] <= '9' && d < 10)
		v = v * 10 + (s[1 + d++] - '0');
	if (d < 6 || d > 9 || strncmp(s + 1 + d, LWP_SUFFIX,
				      strlen(LWP_SUFFIX)))
		return false;
	d += 1 + strlen(LWP_SUFFIX);
	*ng = !strncmp(s + d, "ng", 2);
	if (*ng)
		d += 2;
	*seq = v;
	*tail = d;
	return true;
}

/**
 * lwp_pat_match() - is @name one of the series' files?
 * @out: what it is, when it is one
 *
 * A completed file is the pattern's expansion, ".NNNNNN.pcap" (or
 * ".pcapng") and either nothing or "." and what -z made of it; a .part
 * is the pattern as written (a file being written has no time name yet)
 * with ".NNNNNN.pcap.part".
 *
 * Return: 0, or -ENOENT when @name is not the series'.
 */
int lwp_pat_match(const struct lwp_pat *p, const char *name,
		  struct lwp_name *out)
{
	size_t blen = strlen(p->base);
	const char *dot;
	unsigned int seq, tail;
	bool ng, part;

	for (dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.')) {
		if (dot == name || !seq_at(dot, &seq, &ng, &tail))
			continue;
		tail += dot - name;
		part = !strcmp(name + tail, ".part");
		if (name[tail] && (name[tail] != '.' || !name[tail + 1]))
			continue;
		if (part ? (size_t)(dot - name) != blen ||
			   strncmp(name, p->base, blen) :
			   !row_match(p->atom, p->n, name, dot - name))
			continue;
		out->seq = seq;
		out->part = part;
		out->ng = ng;
		out->tail = tail;
		return 0;
	}
	return -ENOENT;
}

/*
 * What follows the stem in every name of a series, as a row: 'D' a
 * digit, 'd' an optional one, "ng" and the '.' before the tail optional,
 * '*' the tail (anything); a superset of what lwp_pat_match() takes.
 */
static const char suffix_row[] = ".DDDDDDddd.pcapng.*";

static int row_build(struct lwp_atom *row, const struct lwp_pat *p,
		     bool literal)
{
	unsigned int n = 0;
	const char *s;

	if (literal) {
		for (s = p->base; *s; s++)
			row[n++] = (struct lwp_atom){ (unsigned char)*s,
						      LWP_REP_ONE };
	} else {
		memcpy(row, p->atom, p->n * sizeof(*row));
		n = p->n;
	}
	for (s = suffix_row; *s; s++, n++) {
		row[n].cls = (unsigned char)*s;
		row[n].rep = LWP_REP_ONE;
		if (*s == 'D' || *s == 'd')
			row[n].cls = LWP_CC_DIGIT;
		if (*s == '*')
			row[n].cls = LWP_CC_ANY;
		if (*s == 'd' || *s == 'n' || *s == 'g' || s[1] == '*')
			row[n].rep = LWP_REP_OPT;
		if (*s == '*')
			row[n].rep = LWP_REP_STAR;
	}
	return n;
}

#define LWP_CC_N	(LWP_CC_ANY - LWP_CC_DIGIT + 1)

/* the product of two rows, walked depth first */
struct meet {
	size_t w, top;
	uint8_t *seen;
	uint32_t *stack;
	bool cc[LWP_CC_N][LWP_CC_N];
};

static void visit(struct meet *m, unsigned int i, unsigned int j)
{
	size_t s = (size_t)i * m->w + j;

	if (!m->seen[s]) {
		m->seen[s] = 1;
		m->stack[m->top++] = s;
	}
}

static bool meet_cls(const struct meet *m, unsigned int a, unsigned int b)
{
	if (a < 256 || b < 256)
		return cc_meet(a, b);
	return m->cc[a - LWP_CC_DIGIT][b - LWP_CC_DIGIT];
}

/* can a name be matched by both rows? */
static bool rows_meet(struct meet *m, const struct lwp_atom *a,
		      unsigned int na, const struct lwp_atom *b,
		      unsigned int nb)
{
	unsigned int i, j;

	m->w = nb + 1;
	memset(m->seen, 0, (size_t)(na + 1) * m->w);
	m->top = 0;
	visit(m, 0, 0);
	while (m->top) {
		m->top--;
		i = m->stack[m->top] / m->w;
		j = m->stack[m->top] % m->w;
		if (i == na && j == nb)
			return true;
		if (i < na && a[i].rep != LWP_REP_ONE)
			visit(m, i + 1, j);
		if (j < nb && b[j].rep != LWP_REP_ONE)
			visit(m, i, j + 1);
		if (i < na && j < nb && meet_cls(m, a[i].cls, b[j].cls))
			visit(m, a[i].rep == LWP_REP_STAR ? i : i + 1,
			      b[j].rep == LWP_REP_STAR ? j : j + 1);
	}
	return false;
}

/**
 * lwp_pat_overlap() - can one name belong to both series?
 *
 * Compares the completed names and the .part names of each with both
 * of the other's.  It may say yes where no name exists (the tail after
 * ".pcap" is taken as anything), never no where one does.
 */
bool lwp_pat_overlap(const struct lwp_pat *a, const struct lwp_pat *b)
{
	const size_t rlen = LWP_PAT_ATOMS + sizeof(suffix_row);
	struct lwp_atom *ra, *rb;
	unsigned int x, y;
	struct meet m;
	bool meet = false;
	int la, lb, na, nb;

	ra = malloc(rlen * sizeof(*ra));
	rb = malloc(rlen * sizeof(*rb));
	m.seen = malloc(rlen * rlen);
	m.stack = malloc(rlen * rlen * sizeof(*m.stack));
	if (!ra || !rb || !m.seen || !m.stack) {
		/* cannot tell: say they meet, which refuses the pattern */
		meet = true;
		goto out;
	}
	for (x = 0; x < LWP_CC_N; x++)
		for (y = 0; y < LWP_CC_N; y++)
			m.cc[x][y] = cc_meet(x + LWP_CC_DIGIT,
					     y + LWP_CC_DIGIT);
	for (la = 0; la <= a->time && !meet; la++) {
		na = row_build(ra, a, la);
		for (lb = 0; lb <= b->time && !meet; lb++) {
			nb = row_build(rb, b, lb);
			meet = rows_meet(&m, ra, na, rb, nb);
		}
	}
out:
	free(ra);
	free(rb);
	free(m.seen);
	free(m.stack);
	return meet;
}

/**
 * lwp_split_prefix() - split "dir/base" into its directory and file part
 *
 * A prefix without a slash lives in the current directory.
 */
int lwp_split_prefix(const char *prefix, char *dir, size_t dlen,
		     char *base, size_t blen)
{
	const char *slash = strrchr(prefix, '/');
	size_t n;

	if (!slash) {
		if (snprintf(dir, dlen, ".") >= (int)dlen)
			return -ENAMETOOLONG;
		slash = prefix - 1;
	} else {
		n = slash == prefix ? 1 : (size_t)(slash - prefix);
		if (n >= dlen)
			return -ENAMETOOLONG;
		memcpy(dir, prefix, n);
		dir[n] = '\0';
	}
	if (!slash[1])
		return -EINVAL;
	if (snprintf(base, blen, "%s", slash + 1) >= (int)blen)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * A prefix whose file name part holds a strftime() conversion (%) names
 * each file by the start of its -G period.  Such a series is matched
 * by a glob of the pattern: every conversion matches anything.
 */
bool lwp_prefix_is_pattern(const char *prefix)
{
	const char *slash = strrchr(prefix, '/');

	return strchr(slash ? slash + 1 : prefix, '%');
}

/**
 * lwp_expand_prefix() - @prefix with its conversions done for time @t
 * (local time, as tcpdump's -G names)
 */
int lwp_expand_prefix(const char *prefix, time_t t, char *buf, size_t len)
{
	struct tm tm;
	size_t n;

	if (!localtime_r(&t, &tm))
		return -EINVAL;
	n = strftime(buf, len, prefix, &tm);
	if (!n || n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int lwp_series_name(char *buf, size_t len, const char *prefix,
		    unsigned int seq, const char *suffix)
{
	if (snprintf(buf, len, "%s.%06u%s", prefix, seq, suffix) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/**
 * lwp_series_lock() - become the only writer of the series @prefix
 * @fd: the lock, held until it is closed (close-on-exec, so -z commands
 *      do not inherit it)
 *
 * DIR/.BASE.lock (for the prefix DIR/BASE) is created if needed and never
 * removed (removing a flock'ed file lets two readers lock two different
 * files); it holds the pid of the reader that has it, for the message a
 * second reader prints.  It is hidden so that a glob of DIR (mergecap, a
 * script that checks every file) sees only the capture files.
 *
 * Return: 0, -EBUSY if another process holds the series, or another
 * negative errno.
 */
int lwp_series_lock(const char *prefix, int *fd, char *err)
{
	char dir[PATH_MAX], base[NAME_MAX + 1], path[PATH_MAX], pid[32] = "";
	ssize_t n;
	int ret;

	ret = lwp_split_prefix(prefix, dir, sizeof(dir), base, sizeof(base));
	if (ret)
		return lwp_err(err, ret, "bad file prefix '%s'", prefix);
	if (snprintf(path, sizeof(path), "%s/.%s%s", dir, base,
		     LWP_LOCK_SUFFIX) >= (int)sizeof(path))
		return lwp_err(err, -ENAMETOOLONG, "-w %s: name too long",
			       prefix);
	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		return lwp_err(err, -errno, "cannot create %s: %s", path,
			       strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB)) {
		ret = -errno;
		if (ret == -EWOULDBLOCK) {
			n = pread(*fd, pid, sizeof(pid) - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			lwp_err(err, -EBUSY,
				"-w %s is in use by another tg3cap-reader%s%s%s (%s is locked); give each reader its own prefix",
				prefix, *pid ? " (pid " : "", pid,
				*pid ? ")" : "", path);
			ret = -EBUSY;
		} else {
			lwp_err(err, ret, "cannot lock %s: %s", path,
				strerror(-ret));
		}
		close(*fd);
		*fd = -1;
		return ret;
	}
	/* A failure only costs the pid in a second reader's message. */
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (!ftruncate(*fd, 0))
		(void)!pwrite(*fd, pid, n, 0);
	return 0;
}

/**
 * lwp_series_scan() - call @fn for every name in the directory @dfd that
 * the series' pattern @pat owns (lwp_pat_match()), and for no other
 * @dfd:  the series' directory
 * @pat:  the series' names
 * @fn:   called with each name the series owns
 * @arg:  passed to @fn
 *
 * The one walk of a series' directory: numbering, retention, the spare
 * and repair all see the same names.  Each scan reads the directory
 * through its own open file (the threads of a series scan at once, and
 * a dup() would share one position); @dfd keeps the directory the
 * series was started in even if its path is renamed or replaced.
 *
 * Return: 0, a negative errno if the directory cannot be read, or what
 * @fn returned to stop the scan.
 */
int lwp_series_scan(int dfd, const struct lwp_pat *pat, lwp_series_fn fn,
		    void *arg)
{
	struct lwp_name nm;
	struct dirent *de;
	int fd, ret = 0;
	DIR *d;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while (!ret && (de = readdir(d)))
		if (!lwp_pat_match(pat, de->d_name, &nm))
			ret = fn(dfd, de->d_name, &nm, arg);
	closedir(d);
	return ret;
}

struct repair_scan {
	unsigned int flags;
	const char *dir;
	const char *base;
	bool pattern;
	unsigned int kept;
	lwp_log_fn log;
	void *log_arg;
};

static int repair_name(int dfd, const char *name, const struct lwp_name *nm,
		       void *arg)
{
	struct repair_scan *rs = arg;
	char final[NAME_MAX + 1], msg[LWP_ERRLEN];
	const char *fs;

	if (!nm->part)
		return 0;
	fs = nm->ng ? LWP_NG_SUFFIX : LWP_SUFFIX;
	if (lwp_series_name(final, sizeof(final), rs->base, nm->seq, fs))
		return 0;
	if (!lwp_repair_one(dfd, rs->dir, name, final,
			    rs->pattern ? rs->base : NULL, nm->seq, fs,
			    rs->log, rs->log_arg))
		return 0;
	rs->kept++;
	/* whole again, with an index of what it holds now */
	if ((rs->flags & LWP_REPAIR_INDEX) &&
	    lwp_idx_build_file(dfd, final, msg))
		lwp_say(rs->log, rs->log_arg, "%s/%s: no index: %s", rs->dir,
			final, msg);
	return 0;
}

/**
 * lwp_repair() - repair every .part of the series @prefix
 * @prefix:   series prefix
 * @flags:    LWP_REPAIR_INDEX: (re)build the index of each file kept
 * @log:      receives one message per file touched, may be NULL
 * @repaired: files kept, may be NULL
 *
 * Only the series' own .part names are looked at (lwp_pat_match()):
 * another series' .part in the same directory, live or not, is not
 * ours to cut.  A .part that cannot be repaired is left alone with a
 * message (lwp_repair_one()): leftovers never stop a capture.
 *
 * Return: 0, or a negative errno when the directory cannot be read.
 */
int lwp_repair(const char *prefix, unsigned int flags, lwp_log_fn log,
	       void *log_arg, unsigned int *repaired, char *err)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];
	struct repair_scan rs = {
		.flags = flags, .dir = dir, .base = base, .log = log,
		.log_arg = log_arg,
		.pattern = lwp_prefix_is_pattern(prefix),
	};
	struct lwp_pat *pat;
	int ret, dfd;

	ret = lwp_split_prefix(prefix, dir, sizeof(dir), base, sizeof(base));
	if (ret)
		return lwp_err(err, ret, "bad file prefix '%s'", prefix);
	pat = malloc(sizeof(*pat));
	if (!pat)
		return lwp_err(err, -ENOMEM, "out of memory");
	ret = lwp_pat_parse(pat, base, rs.pattern, err);
	if (ret)
		goto out_free;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ret = dfd < 0 ? -errno : lwp_series_scan(dfd, pat, repair_name, &rs);
	if (dfd >= 0)
		close(dfd);
	if (ret) {
		lwp_err(err, ret, "cannot read directory %s: %s", dir,
			strerror(-ret));
		goto out_free;
	}
	if (repaired)
		*repaired = rs.kept;
out_free:
	free(pat);
	return ret;
}

/**
 * lwp_series_check() - refuse a series whose names another one's could be
 * @prefix: the series (DIR/BASE)
 *
 * Every series that ran in DIR left its lock, .OTHER.lock (the lock is
 * never removed, see lwp_series_lock()); a series whose names could be
 * OTHER's would repair, reuse and delete OTHER's files as its own.
 * Such a prefix is a configuration fault, refused before capture.
 *
 * Return: 0, -EEXIST (an overlap), or another negative errno, with the
 * reason in @err.
 */
int lwp_series_check(const char *prefix, char *err)
{
	size_t ll = strlen(LWP_LOCK_SUFFIX), nl;
	char dir[PATH_MAX], base[NAME_MAX + 1], other[NAME_MAX + 1];
	struct lwp_pat *me, *them;
	struct dirent *de;
	int ret;
	DIR *d;

	ret = lwp_split_prefix(prefix, dir, sizeof(dir), base, sizeof(base));
	if (ret)
		return lwp_err(err, ret, "bad file prefix '%s'", prefix);
	me = malloc(sizeof(*me));
	them = malloc(sizeof(*them));
	if (!me || !them) {
		ret = lwp_err(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	ret = lwp_pat_parse(me, base, lwp_prefix_is_pattern(base), err);
	if (ret)
		goto out_free;
	d = opendir(dir);
	if (!d) {
		ret = lwp_err(err, -errno, "cannot read directory %s: %s",
			      dir, strerror(errno));
		goto out_free;
	}
	while ((de = readdir(d))) {
		nl = strlen(de->d_name);
		if (de->d_name[0] != '.' || nl <= 1 + ll ||
		    strcmp(de->d_name + nl - ll, LWP_LOCK_SUFFIX))
			continue;
		memcpy(other, de->d_name + 1, nl - 1 - ll);
		other[nl - 1 - ll] = '\0';
		/* a name we cannot parse names no files we could take */
		if (!strcmp(other, base) ||
		    lwp_pat_parse(them, other, lwp_prefix_is_pattern(other),
				  NULL) ||
		    !lwp_pat_overlap(me, them))
			continue;
		ret = lwp_err(err, -EEXIST,
			      "-w %s: its file names could be those of the series %s in %s (its lock %s); give each series a stem no other series there can match",
			      prefix, other, dir, de->d_name);
		break;
	}
	closedir(d);
out_free:
	free(me);
	free(them);
	return ret;
}
