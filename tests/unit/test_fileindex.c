// SPDX-License-Identifier: GPL-2.0
/*
 * test_fileindex.c - the reader's indexes of the files it completes
 * (fileindex.c) and its catalog, run as an operator runs the reader
 * (--fake-source): each completed file has NAME.idx, and that index is
 * byte for byte the one built afresh from the file; -W and retention
 * leave no index without its file nor a file without its index; a
 * SIGKILL and a restart leave the repaired file indexed too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capfile.h"
#include "catalog.h"
#include "harness.h"
#include "pktindex.h"
#include "util.h"

/*
 * @dir/@name's index is there and is the index of what the file holds:
 * the one lwp_idx_build_mem() makes of it, byte for byte.  Its records
 * and time span in @e if not NULL.
 */
static int index_ok(const char *dir, const char *name,
		    struct lwp_cat_entry *e)
{
	char path[600], err[LWP_ERRLEN];
	uint8_t *data, *idx, *fresh;
	size_t dlen, ilen, flen;
	struct lwp_idx x;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECKF(!read_file(path, &data, &dlen), "%s", path);
	snprintf(path, sizeof(path), "%s/%s.idx", dir, name);
	CHECKF(!read_file(path, &idx, &ilen), "%s: no index", name);
	CHECKF(!lwp_idx_parse(&x, idx, ilen), "%s: index refused", name);
	CHECKF(!lwp_idx_build_mem(data, dlen, x.h->block_shift,
				  x.h->part_shift, &fresh, &flen, err),
	       "%s: %s", name, err);
	CHECKF(flen == ilen && !memcmp(fresh, idx, ilen),
	       "%s: its index (%zu bytes, %llu records) is not that of its %zu bytes (%zu bytes)",
	       name, ilen, (unsigned long long)x.h->records, dlen, flen);
	CHECKF(x.h->records > 0, "%s: no records", name);
	if (e) {
		e->records = x.h->records;
		e->first_ns = x.h->first_ns;
		e->last_ns = x.h->last_ns;
		e->bytes = dlen;
	}
	free(fresh);
	free(idx);
	free(data);
	return 0;
}

/*
 * Every data file of @dir (a name ending .pcap or .pcapng) is indexed
 * (index_ok()) and listed in the catalog of "cap" with its index's
 * figures; every index has its data file.  The data files in @files.
 */
static int dir_ok(const char *dir, unsigned int *files, bool catalog)
{
	struct lwp_cat_entry e, *v = NULL;
	char err[LWP_ERRLEN], path[600];
	struct dirent *de;
	size_t nv = 0, i, l;
	int dfd;
	DIR *d;

	*files = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	if (catalog)
		CHECKF(!lwp_catalog_read(dfd, "cap", &v, &nv, err), "%s",
		       err);
	d = fdopendir(dfd);
	CHECK(d);
	while ((de = readdir(d))) {
		l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".idx")) {
			snprintf(path, sizeof(path), "%s/%.*s", dir,
				 (int)(l - 4), de->d_name);
			CHECKF(!access(path, F_OK), "%s without its file",
			       de->d_name);
			continue;
		}
		if (strncmp(de->d_name, "cap.", 4) ||
		    (!strstr(de->d_name, ".pcap") ||
		     strstr(de->d_name, ".part")))
			continue;
		if (l < 5 || (strcmp(de->d_name + l - 5, ".pcap") &&
			      strcmp(de->d_name + l - 7, ".pcapng")))
			continue;
		CHECK(!index_ok(dir, de->d_name, &e));
		(*files)++;
		if (!catalog)
			continue;
		for (i = 0; i < nv && strcmp(v[i].name, de->d_name); i++)
			;
		CHECKF(i < nv, "%s not in the catalog", de->d_name);
		CHECKF(v[i].records == e.records &&
		       v[i].first_ns == e.first_ns &&
		       v[i].last_ns == e.last_ns && v[i].bytes == e.bytes,
		       "%s: catalog %llu records %llu..%llu, index %llu",
		       de->d_name, (unsigned long long)v[i].records,
		       (unsigned long long)v[i].first_ns,
		       (unsigned long long)v[i].last_ns,
		       (unsigned long long)e.records);
	}
	closedir(d);
	free(v);
	return 0;
}

/*
 * Both formats, both writers, two queues: every completed file has its
 * index (the one its bytes make) and its catalog line; --index off
 * writes neither.
 */
static int t_files_indexed(void)
{
	static const char *const runs[] = {
		":100000 --io direct", ":100000 --io mmap",
		":100000 --io direct --format pcapng",
		":100000 --io mmap --format pcapng",
		/* as fast as it goes: the ring seldom empty, no idle serve */
		" --io direct", " --io mmap --format pcapng",
	};
	char dir[256], args[1024], out[16384];
	unsigned int i, files;

	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		CHECK(!tmpdir_make(dir, sizeof(dir)));
		snprintf(args, sizeof(args),
			 "--fake-source %llu:300:2%s -w %s/cap -C 256k",
			 (unsigned long long)scaled(40000), runs[i], dir);
		CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
		CHECKF(strstr(out, "--index on"), "%s", out);
		CHECK(!dir_ok(dir, &files, true));
		CHECKF(files >= 3 && strstr(out, "indexed: "), "%s: %u files: %s",
		       runs[i], files, out);
		tmpdir_remove(dir);
	}
	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(args, sizeof(args),
		 "--fake-source 20000:300:1:100000 -w %s/cap -C 1m --index off",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(strstr(out, "--index off"), "%s", out);
	CHECK(!count_files(dir, ".idx") && !count_files(dir, ".catalog"));
	tmpdir_remove(dir);
	return 0;
}

/*
 * -W 3 and retention on a small tmpfs remove an index with its file:
 * no index is left without its file, no file without its index.
 */
static int t_index_retention(void)
{
	char dir[256], args[1024], out[16384];
	unsigned int files;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(args, sizeof(args),
		 "--fake-source 30000:300:1:100000 -w %s/cap -C 1m -W 3", dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECK(!dir_ok(dir, &files, true));
	CHECKF(files == 3, "-W 3: %u files", files);
	tmpdir_remove(dir);

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	CHECKF(!mount("tmpfs", dir, "tmpfs", 0, "size=8m"), "mount: %s",
	       strerror(errno));
	snprintf(args, sizeof(args),
		 "--fake-source 80000:300:1:100000 -w %s/cap -C 1m --min-free 2m",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(strstr(out, "retention: removed"), "%s", out);
	CHECK(!dir_ok(dir, &files, true));
	CHECKF(files >= 3, "%u files", files);
	CHECK(!umount2(dir, MNT_DETACH));
	tmpdir_remove(dir);
	return 0;
}

/*
 * -z runs on NAME once NAME.idx is there: a command that archives both
 * finds both.  The script keeps a line per file in a log beside the
 * capture directory, "idx" or "none".
 */
static int t_index_postrotate(void)
{
	char dir[256], cap[300], script[400], args[1024], out[16384];
	char log[400], text[8192], *p;
	unsigned int files, n;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(cap, sizeof(cap), "%s/cap", dir);
	CHECK(!mkdir(cap, 0700));
	snprintf(log, sizeof(log), "%s/z.log", dir);
	CHECK(!write_script(script, sizeof(script), dir,
			    "if [ -f \"$1.idx\" ]; then echo idx; else echo none; fi >>%s\n",
			    log));
	snprintf(args, sizeof(args),
		 "--fake-source 20000:300:1:100000 -w %s/cap -C 256k -z %s",
		 cap, script);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECK(!dir_ok(cap, &files, true));
	CHECK(!read_text(log, text, sizeof(text)));
	for (n = 0, p = text; (p = strstr(p, "idx\n")); p += 4)
		n++;
	CHECKF(!strstr(text, "none") && n == files, "%u files, -z saw: %s",
	       files, text);
	tmpdir_remove(dir);
	return 0;
}

/*
 * A reader killed mid-file leaves a .part; the next start repairs it,
 * indexes it and rebuilds the catalog from the indexes: every file there
 * afterwards has its index and its line.
 */
static int t_index_after_kill(void)
{
	char dir[256], prefix[300], args[1024], out[16384];
	const char *argv[] = { "--fake-source", "1000000:300:1:20000", "-w",
			       prefix, "-C", "1m", NULL };
	unsigned int files;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(prefix, sizeof(prefix), "%s/cap", dir);
	CHECK(!rd_killed(argv, 1500));
	CHECK(count_files(dir, ".part") >= 1);
	snprintf(args, sizeof(args),
		 "--fake-source 1000:300:1:100000 -w %s -C 1m", prefix);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(strstr(out, "repaired "), "%s", out);
	CHECK(!count_files(dir, ".part"));
	/* the start rebuilt the catalog: the repaired file is in it */
	CHECK(!dir_ok(dir, &files, true));
	CHECKF(files >= 2, "%u files", files);
	tmpdir_remove(dir);
	return 0;
}

const struct test fileindex_tests[] = {
	{ "fileindex_files_indexed", t_files_indexed },
	{ "fileindex_retention", t_index_retention },
	{ "fileindex_after_kill", t_index_after_kill },
	{ "fileindex_postrotate", t_index_postrotate },
};
const unsigned int fileindex_tests_n = ARRAY_SIZE(fileindex_tests);
