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
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/lwpcap.h>

#include "pcapfile.h"
#include "pcapng.h"
#include "repair.h"
#include "util.h"

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
 * The first record's time (pcap record, or the first EPB among the
 * @len bytes of whole blocks after @hdr_len), which names a repaired
 * file of a strftime series.
 */
static time_t first_ts(const uint8_t *map, size_t hdr_len, size_t len)
{
	const uint8_t *p = map + hdr_len;
	uint32_t v[2];
	size_t off;

	if (hdr_len == PCAP_HDR_LEN) {
		memcpy(v, p, 4);
		return v[0];
	}
	/* pcapng_walk() made every block whole, each EPB 32 bytes or more */
	for (off = 0; off + 12 <= len; off += v[1]) {
		memcpy(v, p + off, 8);
		if (v[0] == PCAPNG_EPB_TYPE)
			break;
	}
	if (off + 12 > len)
		return 0;
	memcpy(v, p + off + 12, 8);
	return (((uint64_t)v[0] << 32) | v[1]) / 1000000000ULL;
}

/**
 * lwp_repair_one() - repair one .part file
 * @part:    its path
 * @final:   PATH_MAX bytes: the completed file's name (with @pattern, a
 *           strftime prefix, its first record's time names it instead)
 * @seq:     its number
 * @fs:      LWP_SUFFIX or LWP_NG_SUFFIX
 *
 * Return: 1 if it was kept, 0 if removed or skipped, or a negative errno.
 */
int lwp_repair_one(const char *part, char *final, const char *pattern,
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
		/*
		 * No record of ours is longer than LWPCAP_SNAPLEN_MAX,
		 * whatever the header says: a file that claims more is cut
		 * where records stop being ours.
		 */
		if (snaplen > LWPCAP_SNAPLEN_MAX)
			snaplen = LWPCAP_SNAPLEN_MAX;
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

		if (lwp_expand_prefix(pattern, first_ts(map, hdr_len, w.bytes),
				      name, sizeof(name)) ||
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

