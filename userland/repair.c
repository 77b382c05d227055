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

/*
 * Open a .part of the directory @dfd for repair, only if it is what a
 * reader leaves: a regular file with no other name.  A symlink is never
 * followed (a user who can write the directory could point it at any
 * file root can write), a hard link would cut a file elsewhere.
 */
static int open_part(int dfd, const char *dir, const char *name,
		     struct stat *st, lwp_log_fn log, void *arg)
{
	int fd;

	fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC);
	if (fd < 0) {
		lwp_say(log, arg, "%s/%s: cannot open it to repair it (%s); left alone",
		    dir, name, errno == ELOOP ? "a symlink" : strerror(errno));
		return -1;
	}
	if (fstat(fd, st) || !S_ISREG(st->st_mode) || st->st_nlink != 1) {
		lwp_say(log, arg,
		    "%s/%s: not a regular file with one name; left alone",
		    dir, name);
		close(fd);
		return -1;
	}
	return fd;
}

/**
 * lwp_repair_one() - repair one .part file
 * @dfd:     the series' directory
 * @dir:     its path, for messages
 * @name:    the .part's name in it
 * @final:   NAME_MAX + 1 bytes: the completed file's name (with @pattern,
 *           the strftime base, its first record's time names it instead)
 * @seq:     its number
 * @fs:      LWP_SUFFIX or LWP_NG_SUFFIX
 * @log:     where what was done (or left alone, and why) is said
 *
 * Nothing here is fatal to a capture: a .part it cannot repair is left
 * as it is, with a message.
 *
 * Return: 1 if it was kept, 0 if removed or left alone.
 */
int lwp_repair_one(int dfd, const char *dir, const char *name, char *final,
		   const char *pattern, unsigned int seq, const char *fs,
		   lwp_log_fn log, void *arg)
{
	size_t hdr_len = PCAP_HDR_LEN;
	uint32_t snaplen = 0;
	uint8_t *map = NULL;
	struct pcap_walk w;
	struct stat st;
	int fd, ret;

	fd = open_part(dfd, dir, name, &st, log, arg);
	if (fd < 0)
		return 0;
	if (st.st_size < (off_t)PCAP_HDR_LEN) {
		ret = -ENODATA;
	} else {
		map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			lwp_say(log, arg, "%s/%s: cannot map it: %s; left alone",
			    dir, name, strerror(errno));
			map = NULL;
			ret = 0;
			goto out_close;
		}
		ret = pcap_hdr_check(map, st.st_size, &snaplen);
		if (ret == -EINVAL &&
		    !pcapng_hdr_check(map, st.st_size, &hdr_len, &snaplen))
			ret = 0;
		else
			hdr_len = PCAP_HDR_LEN;
	}
	if (ret == -EINVAL) {
		lwp_say(log, arg, "%s/%s: not a file of ours, left alone", dir,
		    name);
		ret = 0;
		goto out_unmap;
	}
	if (!ret && hdr_len != PCAP_HDR_LEN) {
		w.bytes = pcapng_walk(map + hdr_len, st.st_size - hdr_len,
				      snaplen, &w.pkts);
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
		if (unlinkat(dfd, name, 0))
			lwp_say(log, arg, "%s/%s: no records, but cannot remove it: %s",
			    dir, name, strerror(errno));
		else
			lwp_say(log, arg, "%s/%s: no records, removed", dir, name);
		ret = 0;
		goto out_unmap;
	}
	if (pattern) {
		char exp[NAME_MAX + 1];

		if (lwp_expand_prefix(pattern, first_ts(map, hdr_len, w.bytes),
				      exp, sizeof(exp)) ||
		    lwp_series_name(final, NAME_MAX + 1, exp, seq, fs)) {
			lwp_say(log, arg, "%s/%s: cannot name its repair by time; left alone",
			    dir, name);
			ret = 0;
			goto out_unmap;
		}
	}
	if (ftruncate(fd, hdr_len + w.bytes) || fsync(fd)) {
		lwp_say(log, arg, "%s/%s: cannot truncate it: %s; left alone", dir,
		    name, strerror(errno));
		ret = 0;
		goto out_unmap;
	}
	/* never over another file: a leftover loses nothing of others' */
	if (renameat2(dfd, name, dfd, final, RENAME_NOREPLACE)) {
		if (errno == EEXIST)
			lwp_say(log, arg, "%s/%s: cut to its last whole record, not renamed: %s exists; left alone",
			    dir, name, final);
		else
			lwp_say(log, arg, "%s/%s: cut to its last whole record, cannot rename it: %s; left alone",
			    dir, name, strerror(errno));
		ret = 0;
		goto out_unmap;
	}
	lwp_say(log, arg,
	    "repaired %s/%s: %llu records, cut from %lld to %zu bytes (left by a reader that did not exit cleanly)",
	    dir, final, (unsigned long long)w.pkts, (long long)st.st_size,
	    hdr_len + w.bytes);
	ret = 1;
out_unmap:
	if (map)
		munmap(map, st.st_size);
out_close:
	close(fd);
	return ret;
}

