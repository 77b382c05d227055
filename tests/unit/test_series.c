// SPDX-License-Identifier: GPL-2.0
/*
 * test_series.c - what a series owns in a directory it shares (issue 25):
 * the name parser and matcher, overlapping series, foreign files, and
 * repair of hostile .part files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "repair.h"
#include "series.h"
#include "util.h"

static int write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, p, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

/* a pcap file of @n records of 60 bytes */
static size_t make_pcap(uint8_t *buf, uint32_t snaplen, unsigned int n)
{
	struct pcap_rec { uint32_t s, ns, cap, len; } h = { 1700000000, 5,
							     60, 60 };
	size_t off = PCAP_HDR_LEN;
	unsigned int i;

	pcap_hdr_fill(buf, snaplen, PCAP_LINKTYPE_ETHERNET);
	for (i = 0; i < n; i++) {
		h.ns = i;
		memcpy(buf + off, &h, sizeof(h));
		fakedev_frame(buf + off + sizeof(h), i, 60, 60);
		off += sizeof(h) + 60;
	}
	return off;
}

static const struct {
	const char *pat;
	bool tm;
	const char *name;
	int seq;	/* -1: not the series' */
	bool part;
} name_cases[] = {
	{ "cap", false, "cap.000000.pcap", 0, false },
	{ "cap", false, "cap.000012.pcap.gz", 12, false },
	{ "cap", false, "cap.123456789.pcapng", 123456789, false },
	{ "cap", false, "cap.000003.pcap.part", 3, true },
	{ "cap", false, "cap.000003.pcapng.part", 3, true },
	{ "cap", false, "cap.00003.pcap", -1, false },
	{ "cap", false, "cap.1234567890.pcap", -1, false },
	{ "cap", false, "cap.000003.pcapx", -1, false },
	{ "cap", false, "cap.000003.pcap.", -1, false },
	{ "cap", false, "xcap.000003.pcap", -1, false },
	{ "cap", false, "cap.000001.000002.pcap", -1, false },
	{ "cap", false, "cap-eth2.000001.pcap", -1, false },
	{ "cap-%H%M", true, "cap-1203.000001.pcap", 1, false },
	{ "cap-%H%M", true, "cap-%H%M.000002.pcap.part", 2, true },
	{ "cap-%H%M", true, "cap-1203.000002.pcap.part", -1, false },
	{ "cap-%H%M", true, "cap-eth2-1203.000001.pcap", -1, false },
	{ "cap-%H%M", true, "cap-eth2-%H%M.000003.pcap.part", -1, false },
	{ "cap-%H%M", true, "cap-120.000001.pcap", -1, false },
	{ "%H%M%S", true, "other.000001.pcap", -1, false },
	{ "%H%M%S", true, "evidence-case42.000007.pcap.gz", -1, false },
	{ "%H%M%S", true, "120304.000007.pcap.gz", 7, false },
	{ "t-%s", true, "t-1700000000.000007.pcap", 7, false },
	{ "t-%s", true, "t-.000007.pcap", -1, false },
	{ "%F_%T", true, "2026-12-05_18:37:50.000000.pcapng", 0, false },
	{ "%b%e%%", true, "Dec 5%.000000.pcap", 0, false },
	{ "%b%e%%", true, "Dec 5%%.000000.pcap", -1, false },
	{ "cap%%", false, "cap%%.000000.pcap", 0, false },
	{ "a.%Y", true, "a.2026.000000.pcap", 0, false },
	{ "%Z", true, "UTC.000000.pcap", 0, false },
};

static int t_names(void)
{
	char err[LWP_ERRLEN];
	struct lwp_name nm;
	struct lwp_pat *p = malloc(sizeof(*p));
	unsigned int i;
	int ret;

	CHECK(p);
	for (i = 0; i < ARRAY_SIZE(name_cases); i++) {
		CHECKF(!lwp_pat_parse(p, name_cases[i].pat, name_cases[i].tm,
				      err), "%s", err);
		ret = lwp_pat_match(p, name_cases[i].name, &nm);
		CHECKF(name_cases[i].seq < 0 ? ret == -ENOENT :
		       !ret && nm.seq == (unsigned int)name_cases[i].seq &&
		       nm.part == name_cases[i].part,
		       "%s against %s: %d (seq %u, part %d)",
		       name_cases[i].name, name_cases[i].pat, ret,
		       ret ? 0 : nm.seq, ret ? 0 : nm.part);
	}
	/* what strftime() makes of a pattern is the pattern's, any time */
	CHECK(!setenv("TZ", "Europe/Zurich", 1));
	tzset();
	CHECK(!lwp_pat_parse(p, "x-%Y%m%d-%H%M%S-%j-%a-%B-%e-%p-%z-%Z-%s-%u",
			     true, err));
	for (i = 0; i < 400; i++) {
		time_t t = 1700000000 + (time_t)i * 86400 * 7 + i * 3601;
		char pre[NAME_MAX + 1], name[NAME_MAX + 1];

		CHECK(!lwp_expand_prefix(p->base, t, pre, sizeof(pre)));
		CHECK(!lwp_series_name(name, sizeof(name), pre, i * 7,
				       LWP_SUFFIX));
		CHECKF(!lwp_pat_match(p, name, &nm) && nm.seq == i * 7 &&
		       !nm.part, "%s", name);
	}
	CHECK(!setenv("TZ", "UTC", 1));
	tzset();
	/* conversions that cannot be told apart are refused, saying so */
	CHECK(lwp_pat_parse(p, "t-%D", true, err) == -EINVAL &&
	      strstr(err, "%D cannot be told apart"));
	CHECK(lwp_pat_parse(p, "t-%c", true, err) == -EINVAL);
	CHECK(lwp_pat_parse(p, "t-%-H", true, err) == -EINVAL);
	CHECK(lwp_pat_parse(p, "t-%5H", true, err) == -EINVAL);
	CHECK(lwp_pat_parse(p, "t-%", true, err) == -EINVAL);
	CHECK(lwp_pat_parse(p, "t-%n", true, err) == -EINVAL);
	/*
	 * E and O: POSIX's pairs are the plain conversion in the C locale;
	 * strftime() prints any other pair as it stands (fuzz_series)
	 */
	CHECK(!lwp_pat_parse(p, "t-%EY%Om%Od-%OH%OM%OS", true, err) &&
	      !lwp_pat_match(p, "t-20261205-233301.000004.pcap", &nm) &&
	      nm.seq == 4);
	CHECK(lwp_pat_parse(p, "t-%OY", true, err) == -EINVAL &&
	      strstr(err, "%OY cannot be told apart"));
	CHECK(lwp_pat_parse(p, "t-%EH", true, err) == -EINVAL);
	CHECK(lwp_pat_parse(p, "t-%EEY", true, err) == -EINVAL &&
	      strstr(err, "%EE cannot"));
	CHECK(lwp_pat_parse(p, "t-%E", true, err) == -EINVAL);
	/* a literal prefix keeps its '%' */
	CHECK(!lwp_pat_parse(p, "t-%D", false, err) && !p->time);
	free(p);
	return 0;
}

static const struct {
	const char *a, *b;
	bool meet;
} overlap_cases[] = {
	{ "cap", "cap", true },
	{ "cap", "cap.000001.pcap", true },	/* its files end ours */
	{ "cap", "cap.x", false },
	{ "cap", "cap-eth2", false },
	{ "cap-%H%M", "cap-eth2-%H%M", false },
	{ "cap-%H%M", "cap-%s", true },
	{ "cap-%H%M", "cap-1203", true },
	{ "cap-%H%M", "cap-%H", false },
	{ "%H%M%S", "other", false },
	{ "%H%M%S", "%s", true },
	{ "%Y%m%d", "2026", false },
	{ "%a", "Mon", true },
	{ "%a", "Mo", false },
	{ "%Z", "CET", true },
	{ "x%e", "x 5", true },
	{ "x%e", "x05", true },
	{ "x%e", "xx5", false },
};

static int t_overlap(void)
{
	struct lwp_pat *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char err[LWP_ERRLEN];
	unsigned int i;

	CHECK(a && b);
	for (i = 0; i < ARRAY_SIZE(overlap_cases); i++) {
		CHECK(!lwp_pat_parse(a, overlap_cases[i].a, true, err));
		CHECK(!lwp_pat_parse(b, overlap_cases[i].b, true, err));
		CHECKF(lwp_pat_overlap(a, b) == overlap_cases[i].meet &&
		       lwp_pat_overlap(b, a) == overlap_cases[i].meet,
		       "%s and %s", overlap_cases[i].a, overlap_cases[i].b);
	}
	free(a);
	free(b);
	return 0;
}

/* the bytes of @path, as a string of hex, into @out (for comparison) */
static int digest(const char *path, char *out, size_t len)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "sha256sum < '%s'", path);
	return run_sh(cmd, out, len);
}

/*
 * A directory that other series and people share (issue 25, 1): series
 * A (cap-eth2-%H%M) left a completed file, a .part and its lock;
 * another series' files and an archived .gz lie beside them.  Readers
 * with -W 1 and the patterns %H%M%S and cap-%H%M run there for two
 * seconds each: every foreign file keeps its name and its bytes.  A
 * reader whose names another series' could be (cap-%s beside series
 * cap-%H%M's lock) is refused with exit 2.
 */
static int t_shared_dir(void)
{
	static const char *const foreign[] = {
		"other.000001.pcap", "other.000002.pcap",
		"evidence-case42.000007.pcap.gz", "cap-eth2-1203.000001.pcap",
		"cap-eth2-%H%M.000002.pcap.part", "notes.txt",
	};
	char dir[256], path[400], args[1024], out[8192];
	char sum[ARRAY_SIZE(foreign)][128], now[128];
	uint8_t buf[4096] = { 0 };
	unsigned int i;
	size_t n;
	int st;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	n = make_pcap(buf, 256, 20);
	for (i = 0; i < ARRAY_SIZE(foreign); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, foreign[i]);
		CHECK(!write_file(path, buf, n - i * 76));
		CHECK(!digest(path, sum[i], sizeof(sum[i])));
	}
	snprintf(path, sizeof(path), "%s/.cap-eth2-%%H%%M.lock", dir);
	CHECK(!write_file(path, "1\n", 2));

	snprintf(args, sizeof(args),
		 "--fake-source 2000:100:1:1000 -w '%s/%%H%%M%%S' -G 1 -W 1 -q",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	snprintf(args, sizeof(args),
		 "--fake-source 2000:100:1:1000 -w '%s/cap-%%H%%M' -G 60 -W 1 -q",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	for (i = 0; i < ARRAY_SIZE(foreign); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, foreign[i]);
		CHECKF(!digest(path, now, sizeof(now)) &&
		       !strcmp(now, sum[i]), "%s was changed or removed",
		       foreign[i]);
	}

	/* cap-%s could name a file cap-1203.000001.pcap */
	snprintf(args, sizeof(args),
		 "--fake-source 10 -w '%s/cap-%%s' -G 60 -q", dir);
	st = rd(args, out, sizeof(out));
	CHECKF(st == 2 && strstr(out, "cap-%H%M"), "exit %d: %s", st, out);
	tmpdir_remove(dir);
	return 0;
}

/* an EPB claiming @claim bytes, in a block of @blen */
static size_t epb(uint8_t *p, uint32_t blen, uint32_t claim)
{
	uint32_t w[7] = { 6, blen, 0, 0, 1000, claim, claim };

	memset(p, 0, blen);
	memcpy(p, w, blen < sizeof(w) ? blen - 4 : sizeof(w));
	if (blen >= 32 + 60)
		fakedev_frame(p + 28, 1, 60, 60);
	memcpy(p + blen - 4, &blen, 4);
	return blen;
}

/*
 * Hostile .part files (issue 25, 4): repair must keep only what pcap
 * readers accept, and never read outside the file.
 *  - pcap whose header claims snaplen 0xffffffff: two records, then one
 *    of 300,000 bytes: cut before it (tcpdump refuses such a record);
 *  - pcapng: two EPBs, then one whose caplen exceeds its block: cut;
 *  - pcapng of a -G series: a page exactly, whose only "EPB" is the
 *    last 12 bytes (no room for its header): no record, removed (and
 *    first_ts() must not read past it).
 */
static int t_repair_hostile(void)
{
	char dir[256], prefix[300], path[400], err[LWP_ERRLEN];
	static uint8_t buf[400000];
	unsigned int kept = 0;
	struct stat st;
	size_t n, h;
	uint32_t big[4] = { 1700000000, 0, 300000, 300000 };

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(prefix, sizeof(prefix), "%s/cap", dir);

	n = make_pcap(buf, 0xffffffffU, 2);
	memcpy(buf + n, big, sizeof(big));
	memset(buf + n + 16, 0x55, 300000);
	snprintf(path, sizeof(path), "%s.000000.pcap.part", prefix);
	CHECK(!write_file(path, buf, n + 16 + 300000));

	memset(buf, 0, 400000);
	h = pcapng_hdr_fill(buf, "eth0", 256, PCAP_LINKTYPE_ETHERNET);
	n = h;
	n += epb(buf + n, 32 + 60, 60);
	n += epb(buf + n, 32 + 60, 60);
	n += epb(buf + n, 32 + 60, 2000);
	snprintf(path, sizeof(path), "%s.000001.pcapng.part", prefix);
	CHECK(!write_file(path, buf, n + 4096));

	CHECKF(!lwp_repair(prefix, 0, NULL, NULL, &kept, err), "%s", err);
	CHECK(kept == 2);
	snprintf(path, sizeof(path), "%s.000000.pcap", prefix);
	CHECKF(!stat(path, &st) && st.st_size == 24 + 2 * 76,
	       "%s: %lld bytes", path, (long long)st.st_size);
	CHECK(!check_tools(path, 2));
	snprintf(path, sizeof(path), "%s.000001.pcapng", prefix);
	CHECKF(!stat(path, &st) && st.st_size == (off_t)(h + 2 * 92),
	       "%s: %lld bytes", path, (long long)st.st_size);
	CHECK(!check_tools(path, 2));

	/* -G series: a page, a filler block, a 12-byte "EPB" at its end */
	snprintf(prefix, sizeof(prefix), "%s/t-%%s", dir);
	memset(buf, 0, 400000);
	n = pcapng_hdr_fill(buf, "eth0", 256, PCAP_LINKTYPE_ETHERNET);
	{
		uint32_t fl = 4096 - n - 12, ty = 0xbad;

		memcpy(buf + n, &ty, 4);
		memcpy(buf + n + 4, &fl, 4);
		memcpy(buf + n + fl - 4, &fl, 4);
		n += fl;
	}
	n += epb(buf + n, 12, 0);
	CHECK(n == 4096);
	snprintf(path, sizeof(path), "%s.000002.pcapng.part", prefix);
	CHECK(!write_file(path, buf, n));
	kept = 9;
	CHECKF(!lwp_repair(prefix, 0, NULL, NULL, &kept, err), "%s", err);
	CHECKF(kept == 0 && stat(path, &st) && errno == ENOENT,
	       "kept %u", kept);
	tmpdir_remove(dir);
	return 0;
}

/*
 * Leftovers a reader cannot repair (issue 25, 3 and 9) are logged and
 * left alone, never fatal: a dangling symlink and a directory under
 * .part names, a .part symlinked to a capture elsewhere (root must not
 * follow it: the target keeps its bytes), a .part hard-linked to a file
 * elsewhere, a .part whose completed name exists, and a stray file
 * numbered 999999998 ("file numbers are used up" stopped every start).
 * The reader starts, captures, exits 0, and every one of them is as it
 * was.
 */
static int t_leftovers(void)
{
	char dir[256], path[400], target[400], args[1024], out[8192];
	char sum_t[128], sum_h[128], sum_f[128], now[128];
	uint8_t buf[4096] = { 0 };
	struct stat st;
	size_t n;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	n = make_pcap(buf, 256, 20);
	snprintf(path, sizeof(path), "%s/cap.000005.pcap.part", dir);
	CHECK(!symlink("/nonexistent/x", path));
	snprintf(path, sizeof(path), "%s/cap.000006.pcap.part", dir);
	CHECK(!mkdir(path, 0700));
	/* a capture elsewhere, reached by a symlink: its tail is zeroes */
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	CHECK(!mkdir(target, 0700));
	snprintf(target, sizeof(target), "%s/elsewhere/keep.pcap", dir);
	CHECK(!write_file(target, buf, sizeof(buf)));
	CHECK(!digest(target, sum_t, sizeof(sum_t)));
	snprintf(path, sizeof(path), "%s/cap.000007.pcap.part", dir);
	CHECK(!symlink(target, path));
	/* a hard link to another capture */
	snprintf(target, sizeof(target), "%s/elsewhere/linked.pcap", dir);
	CHECK(!write_file(target, buf, sizeof(buf)));
	CHECK(!digest(target, sum_h, sizeof(sum_h)));
	snprintf(path, sizeof(path), "%s/cap.000008.pcap.part", dir);
	CHECK(!link(target, path));
	/* a stray number near the end of the numbers */
	snprintf(path, sizeof(path), "%s/cap.999999998.pcap", dir);
	CHECK(!write_file(path, buf, n));
	/* a .part whose completed name is taken */
	snprintf(path, sizeof(path), "%s/cap.000009.pcap.part", dir);
	CHECK(!write_file(path, buf, n + 100));
	snprintf(path, sizeof(path), "%s/cap.000009.pcap", dir);
	CHECK(!write_file(path, buf, n - 76));
	CHECK(!digest(path, sum_f, sizeof(sum_f)));

	snprintf(args, sizeof(args), "--fake-source 500:100 -w '%s/cap'",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECKF(strstr(out, "cap.000005.pcap.part") &&
	       strstr(out, "cap.000006.pcap.part") &&
	       strstr(out, "cap.000007.pcap.part") &&
	       strstr(out, "cap.000008.pcap.part") &&
	       strstr(out, "cap.000009.pcap.part") &&
	       strstr(out, "cap.999999998.pcap: a number too high"),
	       "each leftover is named:\n%s", out);
	snprintf(path, sizeof(path), "%s/cap.000010.pcap", dir);
	CHECKF(file_records(path) == 500, "%s", path);
	snprintf(target, sizeof(target), "%s/elsewhere/keep.pcap", dir);
	CHECK(!digest(target, now, sizeof(now)) && !strcmp(now, sum_t));
	snprintf(target, sizeof(target), "%s/elsewhere/linked.pcap", dir);
	CHECK(!digest(target, now, sizeof(now)) && !strcmp(now, sum_h));
	snprintf(path, sizeof(path), "%s/cap.000009.pcap", dir);
	CHECK(!digest(path, now, sizeof(now)) && !strcmp(now, sum_f));
	snprintf(path, sizeof(path), "%s/cap.000007.pcap.part", dir);
	CHECK(!lstat(path, &st) && S_ISLNK(st.st_mode));
	snprintf(path, sizeof(path), "%s/cap.000006.pcap.part", dir);
	CHECK(!lstat(path, &st) && S_ISDIR(st.st_mode));
	tmpdir_remove(dir);
	return 0;
}

/*
 * Capture files are 0600 unless --file-mode says more (issue 25, 12),
 * the lock too; --stats-json never writes through a link someone left
 * at a fixed temporary name, nor removes another program's file
 * (issue 25, 11).
 */
static int t_modes_and_json(void)
{
	char dir[256], path[400], args[1024], out[8192], victim[400];
	char sum[128], now[128];
	struct stat st;
	mode_t old = umask(022);
	int ret;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(args, sizeof(args), "--fake-source 50:100 -w '%s/a' -q",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	snprintf(path, sizeof(path), "%s/a.000000.pcap", dir);
	CHECKF(!stat(path, &st) && (st.st_mode & 07777) == 0600, "%o",
	       st.st_mode & 07777);
	snprintf(path, sizeof(path), "%s/.a.lock", dir);
	CHECK(!stat(path, &st) && (st.st_mode & 07777) == 0600);
	snprintf(args, sizeof(args),
		 "--fake-source 50:100 -w '%s/b' -q --file-mode 0664", dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	snprintf(path, sizeof(path), "%s/b.000000.pcap", dir);
	CHECKF(!stat(path, &st) && (st.st_mode & 07777) == 0644, "%o",
	       st.st_mode & 07777);
	snprintf(args, sizeof(args),
		 "--fake-source 5 -w '%s/c' -q --file-mode 0755", dir);
	ret = rd(args, out, sizeof(out));
	CHECKF(ret == 2 && strstr(out, "--file-mode"), "%d %s", ret, out);
	snprintf(args, sizeof(args),
		 "--fake-source 5 -w '%s/c' -q --file-mode 0400", dir);
	CHECK(rd(args, out, sizeof(out)) == 2);

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	CHECK(!write_file(victim, "keep me\n", 8));
	CHECK(!digest(victim, sum, sizeof(sum)));
	snprintf(path, sizeof(path), "%s/s.json.tmp", dir);
	CHECK(!symlink(victim, path));
	snprintf(args, sizeof(args),
		 "--fake-source 50:100 -w '%s/d' -q --stats-json '%s/s.json'",
		 dir, dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	CHECK(!digest(victim, now, sizeof(now)) && !strcmp(now, sum));
	CHECK(!lstat(path, &st) && S_ISLNK(st.st_mode));
	snprintf(path, sizeof(path), "%s/s.json", dir);
	CHECK(!read_text(path, out, sizeof(out)) &&
	      json_u64(out, "written") == 50);
	CHECK(count_files(dir, ".json.tmp") == 1);
	umask(old);
	tmpdir_remove(dir);
	return 0;
}

/*
 * -z with a hook slower than the rotations (issue 25, 6): at most
 * LWP_POST_MAX (2) run at once (45 children in 1.8 s were seen), the
 * queue's growth is reported, every file still gets its command (the
 * queue runs out at exit), and -W's deletions at start are logged.
 */
static int t_postrotate_bounded(void)
{
	char dir[256], z[400], path[400], args[1024], out[16384];
	unsigned int files, done = 0, most = 0, k;
	FILE *fp;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/run", dir);
	CHECK(!mkdir(path, 0700));
	CHECK(!write_script(z, sizeof(z), dir,
			    "touch %s/run/$$\n"
			    "ls %s/run | wc -l >> %s/most\n"
			    "sleep 0.1\n"
			    "rm -f %s/run/$$\n"
			    "echo \"$1\" >> %s/done\n",
			    dir, dir, dir, dir, dir));
	snprintf(args, sizeof(args),
		 "--fake-source 30000:100:1:20000 -C 64k -s 128 -w '%s/cap' -z %s",
		 dir, z);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	files = count_files(dir, ".pcap");
	CHECKF(files >= 40, "%u files", files);
	CHECKF(strstr(out, "files wait for it"), "%s", out);
	snprintf(path, sizeof(path), "%s/most", dir);
	fp = fopen(path, "r");
	CHECK(fp);
	while (fscanf(fp, "%u", &k) == 1)
		most = k > most ? k : most;
	fclose(fp);
	snprintf(path, sizeof(path), "%s/done", dir);
	fp = fopen(path, "r");
	CHECK(fp);
	while (fgets(out, sizeof(out), fp))
		done++;
	fclose(fp);
	CHECKF(most >= 1 && most <= 2, "%u -z commands ran at once", most);
	CHECKF(done == files, "-z ran on %u of %u files", done, files);

	/* a restart with -W 3 says what it deletes */
	snprintf(args, sizeof(args),
		 "--fake-source 10 -s 128 -w '%s/cap' -W 3", dir);
	CHECKF(rd(args, out, sizeof(out)) == 0 &&
	       strstr(out, "-W 3: removed the"), "%s", out);
	CHECK(count_files(dir, ".pcap") == 3);
	tmpdir_remove(dir);
	return 0;
}

/*
 * Reuse only what nobody holds open (issue 25, 2): -W gives the oldest
 * file's blocks to the next one, renamed and rewritten in place; an
 * archiver (rsync, an upload, Wireshark) that has it open then reads
 * new records or zeroes under the old name.  Here the oldest file is
 * held open while a restart with -W 2 rotates: what the holder reads
 * must still be the file it opened (unlinked, not reused).
 */
static int t_reuse_held(void)
{
	char dir[256], path[400], args[1024], out[16384];
	static uint8_t before[65536], after[65536];
	ssize_t n1, n2;
	unsigned int lo;
	int fd;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(args, sizeof(args),
		 "--fake-source 3000:100 -s 128 -C 64k -w '%s/cap' -W 2 -q",
		 dir);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	for (lo = 0; lo < 100; lo++) {
		snprintf(path, sizeof(path), "%s/cap.%06u.pcap", dir, lo);
		if (!access(path, F_OK))
			break;
	}
	CHECK(lo < 100);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	n1 = pread(fd, before, sizeof(before), 0);
	CHECK(n1 > 24);
	CHECKF(rd(args, out, sizeof(out)) == 0, "%s", out);
	n2 = pread(fd, after, sizeof(after), 0);
	close(fd);
	CHECKF(n2 == n1 && !memcmp(before, after, n1),
	       "the held file changed under its reader: %zd bytes, then %zd",
	       n1, n2);
	CHECK(access(path, F_OK));	/* retired all the same */
	tmpdir_remove(dir);
	return 0;
}

const struct test series_tests[] = {
	{ "series_names", t_names },
	{ "series_overlap", t_overlap },
	{ "series_shared_dir", t_shared_dir },
	{ "series_repair_hostile", t_repair_hostile },
	{ "series_leftovers", t_leftovers },
	{ "series_modes_and_json", t_modes_and_json },
	{ "series_postrotate_bounded", t_postrotate_bounded },
	{ "series_reuse_held", t_reuse_held },
};
const unsigned int series_tests_n = ARRAY_SIZE(series_tests);
