// SPDX-License-Identifier: GPL-2.0
/*
 * repair.c - make files left by a crash valid again.
 *
 * A reader killed by SIGKILL or a power cut leaves its current file (and
 * the one the swapper had prepared) under the .part name, at the full
 * preallocated size, with zeroes (or, after a power cut, anything the
 * page cache had not written back) after the last record.  Records are
 * written whole and in order, so the file is good up to the first thing
 * that is not a record; we cut it there and give it its final name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapfile.h"
#include "pcapng.h"
#include "repair.h"
#include "util.h"

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

/* The glob of @pat: conversions become '*', glob characters escaped. */
static int pattern_glob(const char *pat, char *buf, size_t len)
{
	size_t n = 0;

	for (; *pat; pat++) {
		if (n + 3 > len)
			return -ENAMETOOLONG;
		if (*pat == '%' && pat[1] == '%') {
			buf[n++] = '%';
			pat++;
		} else if (*pat == '%') {
			buf[n++] = '*';
			/* E and O modify the conversion that follows */
			while (pat[1] == 'E' || pat[1] == 'O')
				pat++;
			if (pat[1])
				pat++;
		} else {
			if (strchr("*?[\\", *pat))
				buf[n++] = '\\';
			buf[n++] = *pat;
		}
	}
	buf[n] = '\0';
	return 0;
}

static bool stem_match(const char *base, const char *stem, size_t sl)
{
	char g[NAME_MAX * 2 + 2], s[NAME_MAX + 1];

	if (sl > NAME_MAX)
		return false;
	memcpy(s, stem, sl);
	s[sl] = '\0';
	if (!strchr(base, '%'))
		return !strcmp(base, s);
	return !pattern_glob(base, g, sizeof(g)) && !fnmatch(g, s, FNM_PERIOD);
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

/**
 * lwp_name_seq() - is @name "@base.NNNNNN@suffix"? If so, which NNNNNN?
 * Return: 0 on a match, -ENOENT otherwise.
 */
int lwp_name_seq(const char *base, const char *name, const char *suffix,
		 unsigned int *seq)
{
	size_t nl = strlen(name), sl = strlen(suffix), d;
	char digits[16];
	uint64_t v;

	if (nl < 1 + 6 + sl || strcmp(name + nl - sl, suffix))
		return -ENOENT;
	for (d = nl - sl; d && name[d - 1] >= '0' && name[d - 1] <= '9'; d--)
		;
	if (nl - sl - d < 6 || nl - sl - d >= sizeof(digits) || !d ||
	    name[d - 1] != '.' || !stem_match(base, name, d - 1))
		return -ENOENT;
	memcpy(digits, name + d, nl - sl - d);
	digits[nl - sl - d] = '\0';
	if (lwp_parse_u64(digits, 0, LWP_SEQ_MAX, &v))
		return -ENOENT;
	*seq = (unsigned int)v;
	return 0;
}

/**
 * lwp_name_seq_any() - is @name "@base.NNNNNN.pcap", or that with more
 * after it (what -z made of the file: .pcap.gz, .pcap.xz, ... and the
 * .pcap.part being written)?
 * @part: set to whether it is the .pcap.part
 * Return: 0 on a match, -ENOENT otherwise.
 */
int lwp_name_seq_any(const char *base, const char *name, unsigned int *seq,
		     bool *part)
{
	size_t sl = strlen(LWP_SUFFIX);
	const char *p, *d;
	char digits[16];
	uint64_t v;

	/* the first ".NNNNNN.pcap" (6 digits or more) ends the stem */
	for (p = strchr(name, '.'); p; p = strchr(p + 1, '.')) {
		for (d = p + 1; *d >= '0' && *d <= '9'; d++)
			;
		if (d - p - 1 >= 6 && !strncmp(d, LWP_SUFFIX, sl))
			break;
	}
	if (!p || p == name || d - p - 1 >= (long)sizeof(digits) ||
	    !stem_match(base, name, p - name))
		return -ENOENT;
	/* .pcap or .pcapng, then nothing or what -z added (.gz, ...) */
	if (!strncmp(d + sl, "ng", 2))
		sl += 2;
	if (d[sl] && d[sl] != '.')
		return -ENOENT;
	memcpy(digits, p + 1, d - p - 1);
	digits[d - p - 1] = '\0';
	if (lwp_parse_u64(digits, 0, LWP_SEQ_MAX, &v))
		return -ENOENT;
	*seq = (unsigned int)v;
	*part = !strcmp(d, LWP_PART_SUFFIX) || !strcmp(d, LWP_NG_PART_SUFFIX);
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
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
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

static void say(lwp_log_fn log, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(lwp_log_fn log, void *arg, const char *fmt, ...)
{
	char msg[LWP_ERRLEN + PATH_MAX];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(arg, msg);
}

/*
 * The first record's time (pcap record or pcapng EPB after @hdr_len),
 * which names a repaired file of a strftime series.
 */
static time_t first_ts(const uint8_t *map, size_t hdr_len)
{
	uint32_t v[2];

	if (hdr_len == PCAP_HDR_LEN) {
		memcpy(v, map + hdr_len, 4);
		return v[0];
	}
	memcpy(v, map + hdr_len + 12, 8);
	return (((uint64_t)v[0] << 32) | v[1]) / 1000000000ULL;
}

/*
 * Repair one .part file into @final (with @pattern, a strftime prefix,
 * named by its first record's time instead); 1 if it was kept, 0 if
 * removed or skipped.
 */
static int repair_one(const char *part, char *final, const char *pattern,
		      unsigned int seq, const char *fs, lwp_log_fn log,
		      void *arg, char *err)
{
	size_t hdr_len = PCAP_HDR_LEN;
	uint32_t snaplen = 0;
	struct pcap_walk w;
	struct stat st;
	uint8_t *map;
	int fd, ret;

	fd = open(part, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return lwp_err(err, -errno, "cannot open %s to repair it: %s",
			       part, strerror(errno));
	if (fstat(fd, &st)) {
		ret = lwp_err(err, -errno, "cannot stat %s: %s", part,
			      strerror(errno));
		goto out_close;
	}
	if (st.st_size < (off_t)PCAP_HDR_LEN) {
		ret = -ENODATA;
		map = NULL;
	} else {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			ret = lwp_err(err, -errno, "cannot map %s: %s", part,
				      strerror(errno));
			goto out_close;
		}
		ret = pcap_hdr_check(map, st.st_size, &snaplen);
		if (ret == -EINVAL &&
		    !pcapng_hdr_check(map, st.st_size, &hdr_len))
			ret = 0;
		else
			hdr_len = PCAP_HDR_LEN;
	}
	if (ret == -EINVAL) {
		say(log, arg, "%s: not a file of ours, left alone", part);
		ret = 0;
		goto out_unmap;
	}
	if (!ret && hdr_len != PCAP_HDR_LEN) {
		w.bytes = pcapng_walk(map + hdr_len, st.st_size - hdr_len,
				      &w.pkts);
		if (!w.pkts)
			ret = -ENODATA;
	} else if (!ret) {
		pcap_walk(map + PCAP_HDR_LEN, st.st_size - PCAP_HDR_LEN,
			  st.st_size - PCAP_HDR_LEN, UINT64_MAX, snaplen, &w);
		if (!w.pkts)
			ret = -ENODATA;
	}
	if (ret == -ENODATA) {
		/* Prepared but never written: nothing to keep. */
		if (unlink(part)) {
			ret = lwp_err(err, -errno, "cannot remove %s: %s",
				      part, strerror(errno));
			goto out_unmap;
		}
		say(log, arg, "%s: no records, removed", part);
		ret = 0;
		goto out_unmap;
	}
	if (pattern) {
		char name[PATH_MAX];

		if (lwp_expand_prefix(pattern, first_ts(map, hdr_len), name,
				      sizeof(name)) ||
		    lwp_series_name(final, PATH_MAX, name, seq, fs)) {
			ret = lwp_err(err, -ENAMETOOLONG,
				      "cannot name the repair of %s", part);
			goto out_unmap;
		}
	}
	if (ftruncate(fd, hdr_len + w.bytes) || fsync(fd)) {
		ret = lwp_err(err, -errno, "cannot truncate %s: %s", part,
			      strerror(errno));
		goto out_unmap;
	}
	if (!access(final, F_OK)) {
		ret = lwp_err(err, -EEXIST,
			      "cannot repair %s: %s exists; move one of them away",
			      part, final);
		goto out_unmap;
	}
	if (rename(part, final)) {
		ret = lwp_err(err, -errno, "cannot rename %s: %s", part,
			      strerror(errno));
		goto out_unmap;
	}
	say(log, arg,
	    "repaired %s: %llu records, cut from %lld to %zu bytes (left by a reader that did not exit cleanly)",
	    final, (unsigned long long)w.pkts, (long long)st.st_size,
	    hdr_len + w.bytes);
	ret = 1;
out_unmap:
	if (map)
		munmap(map, st.st_size);
out_close:
	close(fd);
	return ret;
}

/**
 * lwp_repair() - repair every PREFIX.NNNNNN.pcap.part
 * @prefix:   series prefix
 * @log:      receives one message per file touched, may be NULL
 * @repaired: files kept, may be NULL
 *
 * Return: 0 or a negative errno (the first failure; repair goes on with
 * the other files).
 */
int lwp_repair(const char *prefix, lwp_log_fn log, void *log_arg,
	       unsigned int *repaired, char *err)
{
	char dir[PATH_MAX], base[NAME_MAX + 1];
	char part[PATH_MAX], final[PATH_MAX];
	bool pattern = lwp_prefix_is_pattern(prefix);
	unsigned int seq, kept = 0;
	struct dirent *de;
	int ret, first = 0;
	DIR *d;

	ret = lwp_split_prefix(prefix, dir, sizeof(dir), base, sizeof(base));
	if (ret)
		return lwp_err(err, ret, "bad file prefix '%s'", prefix);
	d = opendir(dir);
	if (!d)
		return lwp_err(err, -errno, "cannot read directory %s: %s",
			       dir, strerror(errno));
	while ((de = readdir(d))) {
		const char *fs = LWP_SUFFIX;

		if (!lwp_name_seq(base, de->d_name, LWP_NG_PART_SUFFIX,
				  &seq)) {
			fs = LWP_NG_SUFFIX;
		} else if (lwp_name_seq(base, de->d_name, LWP_PART_SUFFIX,
					&seq)) {
			continue;
		}
		if (snprintf(part, sizeof(part), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(part) ||
		    lwp_series_name(final, sizeof(final), prefix, seq, fs))
			continue;
		ret = repair_one(part, final, pattern ? prefix : NULL, seq, fs,
				 log, log_arg, first ? NULL : err);
		if (ret > 0)
			kept++;
		else if (ret < 0 && !first)
			first = ret;
	}
	closedir(d);
	if (repaired)
		*repaired = kept;
	return first;
}
