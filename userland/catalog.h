/* SPDX-License-Identifier: GPL-2.0 */
/*
 * catalog.h - the catalog of a series: one line per completed file, so
 * that a time window maps to its files without opening the others.
 *
 * DIR/.BASE.catalog, appended (O_APPEND, one write() per line) by the
 * reader as each file of the series DIR/BASE is completed and indexed:
 *
 *   tg3cap-catalog 1 SEQ FIRST_NS LAST_NS RECORDS BYTES NAME\n
 *
 * NAME is the file's name in DIR (no slash).  A line that is cut or
 * does not parse is skipped; a file named twice (a rebuilt index) counts
 * by its last line; a file whose line is lost (or a catalog lost
 * whole) is found by a scan of the series' names, as tg3cap-extract
 * does when the catalog is missing or does not cover the files there.
 */
#ifndef _TG3CAP_CATALOG_H
#define _TG3CAP_CATALOG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define LWP_CATALOG_SUFFIX	".catalog"

/**
 * struct lwp_cat_entry - one completed file of a series
 * @seq:      its number
 * @first_ns: its earliest timestamp
 * @last_ns:  its latest
 * @records:  its records
 * @bytes:    its length
 * @name:     its name in the series' directory
 * @line:     the line it was read from (lwp_catalog_read())
 */
struct lwp_cat_entry {
	unsigned int seq;
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t records;
	uint64_t bytes;
	char name[NAME_MAX + 1];
	size_t line;
};

int lwp_catalog_name(char *buf, size_t len, const char *base);
int lwp_catalog_append(int dfd, const char *base,
		       const struct lwp_cat_entry *e, char *err);
int lwp_catalog_write(int dfd, const char *base,
		      const struct lwp_cat_entry *e, size_t n, char *err);
int lwp_catalog_read(int dfd, const char *base, struct lwp_cat_entry **out,
		     size_t *n, char *err);

#endif /* _TG3CAP_CATALOG_H */
