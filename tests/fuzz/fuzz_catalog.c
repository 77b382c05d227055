// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_catalog.c - lwp_catalog_read() of any bytes, and the catalog it
 * writes back.
 *
 * The input is a series' catalog, .cap.catalog, written to a directory
 * on a tmpfs.  What lwp_catalog_read() returns must be what the format
 * allows (catalog.h): names in the directory (no slash, not empty, at
 * most NAME_MAX), a time span in order, sorted by number then name, one
 * entry per name and number; and each entry must be, written the one way
 * the format has, one of the input's whole lines (a line written another
 * way is damage, skipped).  lwp_catalog_write() of the entries,
 * read back, gives the same entries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "fuzz.h"
#include "util.h"

static char dir[PATH_MAX];
static int dfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TG3CAP_FUZZ_TMP");

	(void)argc;
	(void)argv;
	if (!tmp)
		tmp = "/dev/shm";
	snprintf(dir, sizeof(dir), "%s/tg3cap-fuzz-catalog.%ld", tmp,
		 (long)getpid());
	FUZZ_CHECK(!mkdir(dir, 0700) || errno == EEXIST, "cannot make %s",
		   dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	FUZZ_CHECK(dfd >= 0, "cannot open %s", dir);
	return 0;
}

/* Does the whole line @l (no newline) say @e, by the format's rules? */
static int line_says(const char *l, const struct lwp_cat_entry *e)
{
	char want[NAME_MAX + 160];

	snprintf(want, sizeof(want),
		 "tg3cap-catalog 1 %u %" PRIu64 " %" PRIu64 " %" PRIu64
		 " %" PRIu64 " %s", e->seq, e->first_ns, e->last_ns,
		 e->records, e->bytes, e->name);
	return !strcmp(l, want);
}

/* Some whole line of @in (ended by a newline) says @e. */
static int some_line(const uint8_t *in, size_t len,
		     const struct lwp_cat_entry *e)
{
	size_t i = 0, j;
	char l[NAME_MAX + 160];

	while (i < len) {
		for (j = i; j < len && in[j] != '\n'; j++)
			;
		if (j == len)
			return 0;	/* a cut line is never an entry */
		if (j - i < sizeof(l)) {
			memcpy(l, in + i, j - i);
			l[j - i] = '\0';
			if (strlen(l) == j - i && line_says(l, e))
				return 1;
		}
		i = j + 1;
	}
	return 0;
}

static void check(const struct lwp_cat_entry *v, size_t n,
		  const uint8_t *in, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		FUZZ_CHECK(v[i].name[0] && !strchr(v[i].name, '/') &&
			   strlen(v[i].name) <= NAME_MAX,
			   "entry %zu: bad name '%s'", i, v[i].name);
		FUZZ_CHECK(v[i].first_ns <= v[i].last_ns,
			   "entry %zu: time span backwards", i);
		FUZZ_CHECK(!i || v[i - 1].seq < v[i].seq ||
			   (v[i - 1].seq == v[i].seq &&
			    strcmp(v[i - 1].name, v[i].name) < 0),
			   "entries %zu and %zu out of order or twice", i - 1,
			   i);
		if (in)
			FUZZ_CHECK(some_line(in, len, &v[i]),
				   "entry %zu ('%s') is no whole line of the input",
				   i, v[i].name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	struct lwp_cat_entry *v, *w;
	char err[LWP_ERRLEN];
	size_t n, m, i;
	int fd, ret;

	unlinkat(dfd, ".cap.catalog", 0);
	fd = openat(dfd, ".cap.catalog", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FUZZ_CHECK(fd >= 0, "cannot create the catalog");
	FUZZ_CHECK(write(fd, in, len) == (ssize_t)len, "short write");
	close(fd);

	ret = lwp_catalog_read(dfd, "cap", &v, &n, err);
	FUZZ_CHECK(!ret, "lwp_catalog_read: %d: %s", ret, err);
	check(v, n, in, len);

	/* what it writes, it reads back the same */
	ret = lwp_catalog_write(dfd, "cap", v, n, err);
	FUZZ_CHECK(!ret, "lwp_catalog_write: %d: %s", ret, err);
	ret = lwp_catalog_read(dfd, "cap", &w, &m, err);
	FUZZ_CHECK(!ret && m == n, "read back %zu of %zu entries", m, n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(v[i].seq == w[i].seq &&
			   v[i].first_ns == w[i].first_ns &&
			   v[i].last_ns == w[i].last_ns &&
			   v[i].records == w[i].records &&
			   v[i].bytes == w[i].bytes &&
			   !strcmp(v[i].name, w[i].name),
			   "entry %zu changed on the way back", i);
	check(w, m, NULL, 0);
	FUZZ_CHECK(faccessat(dfd, ".cap.catalog.tmp", F_OK, 0),
		   "the temporary was left");
	free(v);
	free(w);
	return 0;
}
