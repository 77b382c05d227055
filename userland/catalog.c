// SPDX-License-Identifier: GPL-2.0
/*
 * catalog.c - the catalog of a series (catalog.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "util.h"

#define LINE_MAX_LEN	(NAME_MAX + 128)

/** lwp_catalog_name() - ".BASE.catalog" for the series DIR/BASE */
int lwp_catalog_name(char *buf, size_t len, const char *base)
{
	if (snprintf(buf, len, ".%s%s", base, LWP_CATALOG_SUFFIX) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int entry_line(char *line, size_t len, const struct lwp_cat_entry *e)
{
	int n;

	if (strchr(e->name, '/') || !e->name[0])
		return -EINVAL;
	n = snprintf(line, len,
		     "tg3cap-catalog 1 %u %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n",
		     e->seq, e->first_ns, e->last_ns, e->records, e->bytes,
		     e->name);
	return n < (int)len ? n : -ENAMETOOLONG;
}

/**
 * lwp_catalog_append() - add the completed file @e to the catalog of the
 * series @base in the directory @dfd
 *
 * One write() of one line with O_APPEND: lines of a crash are whole or
 * cut at the end, never mixed.
 *
 * Return: 0 or a negative errno.
 */
int lwp_catalog_append(int dfd, const char *base,
		       const struct lwp_cat_entry *e, char *err)
{
	char name[NAME_MAX + 1], line[LINE_MAX_LEN];
	int fd, n, ret = 0;

	if (lwp_catalog_name(name, sizeof(name), base))
		return lwp_err(err, -ENAMETOOLONG, "series name too long");
	n = entry_line(line, sizeof(line), e);
	if (n < 0)
		return lwp_err(err, n, "bad catalog entry %s", e->name);
	fd = openat(dfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return lwp_err(err, -errno, "cannot open %s: %s", name,
			       strerror(errno));
	if (write(fd, line, n) != n)
		ret = lwp_err(err, -EIO, "cannot append to %s", name);
	close(fd);
	return ret;
}

/* A number of @max at most, written as entry_line() writes it, then @end. */
static const char *parse_u64(const char *s, uint64_t max, char end,
			     uint64_t *v)
{
	uint64_t x = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != end))
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (max - (*p - '0')) / 10)
			return NULL;
		x = x * 10 + (*p - '0');
	}
	if (*p != end)
		return NULL;
	*v = x;
	return p + 1;
}

/*
 * One line, as entry_line() writes it and nothing else: a catalog is
 * ours, and a line another way is damage, skipped.
 */
static int parse_line(const char *s, struct lwp_cat_entry *e)
{
	static const char magic[] = "tg3cap-catalog 1 ";
	uint64_t seq;

	if (strncmp(s, magic, sizeof(magic) - 1))
		return -EINVAL;
	s += sizeof(magic) - 1;
	if (!(s = parse_u64(s, UINT32_MAX, ' ', &seq)) ||
	    !(s = parse_u64(s, UINT64_MAX, ' ', &e->first_ns)) ||
	    !(s = parse_u64(s, UINT64_MAX, ' ', &e->last_ns)) ||
	    !(s = parse_u64(s, UINT64_MAX, ' ', &e->records)) ||
	    !(s = parse_u64(s, UINT64_MAX, ' ', &e->bytes)))
		return -EINVAL;
	e->seq = seq;
	if (!*s || strlen(s) > NAME_MAX || strchr(s, '/') ||
	    e->first_ns > e->last_ns)
		return -EINVAL;
	strcpy(e->name, s);
	return 0;
}

/*
 * The next line of @f in @buf, without its newline: its length; -EINVAL
 * for a line none of ours is (a NUL in it, or longer than @size - 1),
 * read to its end, so that its tail is not taken for a line of its own;
 * -ENOENT at the end (a last line without its newline was cut by a
 * crash: never an entry).
 */
static int next_line(FILE *f, char *buf, size_t size)
{
	size_t l = 0;
	int c, bad = 0;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (!c || l == size - 1)
			bad = 1;
		else
			buf[l++] = c;
	}
	if (c == EOF)
		return -ENOENT;
	buf[l] = '\0';
	return bad ? -EINVAL : (int)l;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct lwp_cat_entry *x = a, *y = b;
	int c;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/**
 * lwp_catalog_read() - the files the catalog of the series @base names,
 * the last line of each name winning, in the order of their numbers
 * @out: malloc()ed array
 * @n: its entries
 *
 * Return: 0, -ENOENT (no catalog), or another negative errno.
 */
int lwp_catalog_read(int dfd, const char *base, struct lwp_cat_entry **out,
		     size_t *n, char *err)
{
	char name[NAME_MAX + 1], line[LINE_MAX_LEN];
	struct lwp_cat_entry e, *v = NULL, *nv;
	size_t cnt = 0, cap = 0, i, k;
	FILE *f;
	int fd, ret;

	*out = NULL;
	*n = 0;
	if (lwp_catalog_name(name, sizeof(name), base))
		return lwp_err(err, -ENAMETOOLONG, "series name too long");
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lwp_err(err, -errno, "cannot open %s: %s", name,
			       strerror(errno));
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return lwp_err(err, -ENOMEM, "out of memory");
	}
	while ((ret = next_line(f, line, sizeof(line))) != -ENOENT) {
		if (ret < 0 || parse_line(line, &e))
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				fclose(f);
				free(v);
				return lwp_err(err, -ENOMEM, "out of memory");
			}
			v = nv;
		}
		e.line = cnt;
		v[cnt++] = e;
	}
	/* by number and name, the last line of a name last: keep that one */
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_entry);
	for (i = k = 0; i < cnt; i++) {
		if (k && v[k - 1].seq == v[i].seq &&
		    !strcmp(v[k - 1].name, v[i].name))
			k--;
		v[k++] = v[i];
	}
	cnt = k;
	fclose(f);
	*out = v;
	*n = cnt;
	return 0;
}

/**
 * lwp_catalog_write() - the catalog of the series @base made anew from
 * @n entries @e, whole or not at all (temporary, fsync, rename)
 * @dfd: the series' directory
 * @base: the series
 * @e: the entries
 * @n: how many
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * Return: 0 or a negative errno.
 */
int lwp_catalog_write(int dfd, const char *base,
		      const struct lwp_cat_entry *e, size_t n, char *err)
{
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1], line[LINE_MAX_LEN];
	size_t i;
	FILE *f;
	int fd, l;

	if (lwp_catalog_name(name, sizeof(name), base) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp))
		return lwp_err(err, -ENAMETOOLONG, "series name too long");
	unlinkat(dfd, tmp, 0);	/* a crash's */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return lwp_err(err, -errno, "cannot create %s: %s", tmp,
			       strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlinkat(dfd, tmp, 0);
		return lwp_err(err, -ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		l = entry_line(line, sizeof(line), &e[i]);
		if (l > 0)
			fwrite(line, 1, l, f);
	}
	if (fflush(f) || fsync(fileno(f)) || ferror(f)) {
		fclose(f);
		unlinkat(dfd, tmp, 0);
		return lwp_err(err, -EIO, "cannot write %s", tmp);
	}
	fclose(f);
	if (renameat(dfd, tmp, dfd, name)) {
		l = -errno;
		unlinkat(dfd, tmp, 0);
		return lwp_err(err, l, "cannot rename %s: %s", tmp,
			       strerror(-l));
	}
	return 0;
}
