// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_repair.c - lwp_repair() of a whole .part file, and what it left.
 *
 * Input: one selector byte, then the file's bytes.  The selector picks
 * the name (bit 0: cap.000001.pcapng.part, else .pcap.part), the prefix
 * (bit 1: the strftime series cap-%Y%m%d-%H%M%S, whose repaired file is
 * named by its first record's time, else cap), a zero tail (bits 2-6:
 * that many 8 KiB added with ftruncate(), as a preallocated file holds
 * after its last record) and whether the name the repair would give is
 * taken by another file already (bit 7).  The file is written to a
 * directory of its own under /dev/shm (or $TG3CAP_FUZZ_TMP),
 * lwp_repair() runs on the prefix, and then:
 *
 * - a file that is neither our pcap nor our pcapng (pcap_hdr_check(),
 *   pcapng_hdr_check()) is left alone, byte for byte, under its name;
 * - a file that was there is left alone;
 * - otherwise the .part is either removed (then it held no record our
 *   writer could have written right after its header: no data is lost)
 *   or kept under its final name (the strftime name of its first
 *   record's time in UTC for the pattern; or under its .part name if
 *   that one is taken), as a prefix of the .part that is whole: pcap,
 *   every record inside the file with a caplen of 1 to the header's
 *   snaplen and LWPCAP_SNAPLEN_MAX, no more than the frame's length,
 *   nanoseconds below 10^9, the file ending at a record's end; pcapng,
 *   the SHB and IDB with both lengths equal, every block after them
 *   whole (fuzz.h) with each EPB's interface defined and caplen within
 *   the IDB's snaplen (0: none); at least one record; and cut no
 *   earlier than a record of the writer's shape would have allowed;
 * - a kept file with a header our writer makes is read to its end by
 *   libpcap (what tcpdump and Wireshark use) without an error.
 *
 * The directory is emptied after each input.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <linux/lwpcap.h>

#include "fuzz.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "pktindex.h"
#include "repair.h"
#include "util.h"

#define PATTERN		"cap-%Y%m%d-%H%M%S"
#define TAIL_UNIT	8192U

static char dir[PATH_MAX];

static void empty_dir(void)
{
	char path[PATH_MAX * 2];
	struct dirent *de;
	DIR *d = opendir(dir);

	FUZZ_CHECK(d, "cannot read %s", dir);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FUZZ_CHECK(!unlink(path), "cannot remove %s", path);
	}
	closedir(d);
}

static void remove_dir(void)
{
	empty_dir();
	rmdir(dir);
}

/*
 * A crash ends the process without atexit(): the directories of fuzzers
 * that are gone (named by their pid) are removed by the next one.
 */
static void remove_stale(const char *tmp)
{
	struct dirent *de;
	DIR *d = opendir(tmp);
	long pid;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "tg3cap-fuzz-repair.%ld", &pid) != 1 ||
		    pid <= 0 || !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", tmp, de->d_name);
		remove_dir();
	}
	closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TG3CAP_FUZZ_TMP");

	(void)argc;
	(void)argv;
	/* the strftime names, predictable */
	setenv("TZ", "UTC0", 1);
	tzset();
	if (!tmp)
		tmp = "/dev/shm";
	remove_stale(tmp);
	snprintf(dir, sizeof(dir), "%s/tg3cap-fuzz-repair.%ld", tmp,
		 (long)getpid());
	FUZZ_CHECK(!mkdir(dir, 0700) || errno == EEXIST, "cannot make %s",
		   dir);
	empty_dir();
	atexit(remove_dir);
	return 0;
}

static void log_msg(void *arg, const char *msg)
{
	FUZZ_CHECK(strlen(msg) < LWP_ERRLEN + PATH_MAX, "log message");
	(*(unsigned int *)arg)++;
}

static size_t read_file(const char *path, uint8_t **buf)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	FUZZ_CHECK(fd >= 0 && !fstat(fd, &st), "cannot open %s", path);
	*buf = malloc(st.st_size + 1);
	FUZZ_CHECK(*buf, "out of memory");
	n = read(fd, *buf, st.st_size);
	FUZZ_CHECK(n == st.st_size, "short read of %s", path);
	close(fd);
	return n;
}

/* libpcap reads @path to its end: the number of packets */
static uint64_t libpcap_read(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	pcap_t *pc;
	int ret;

	pc = pcap_open_offline_with_tstamp_precision(path,
		PCAP_TSTAMP_PRECISION_NANO, errbuf);
	FUZZ_CHECK(pc, "libpcap cannot open the repaired file: %s", errbuf);
	while ((ret = pcap_next_ex(pc, &h, &data)) == 1)
		n++;
	FUZZ_CHECK(ret == PCAP_ERROR_BREAK,
		   "libpcap fails at packet %llu of the repaired file: %s",
		   (unsigned long long)n, pcap_geterr(pc));
	pcap_close(pc);
	return n;
}

static uint32_t snap_eff(uint32_t snaplen)
{
	return snaplen < LWPCAP_SNAPLEN_MAX ? snaplen : LWPCAP_SNAPLEN_MAX;
}

/* a kept pcap file: whole, and cut no earlier than it had to be */
static time_t check_pcap(const uint8_t *k, size_t klen, const uint8_t *f,
			 size_t flen, const char *path)
{
	uint8_t hdr[PCAP_HDR_LEN];
	uint32_t snaplen;
	uint64_t pkts = 0;
	size_t off = PCAP_HDR_LEN, rl;
	enum ref_rec r;

	FUZZ_CHECK(klen >= PCAP_HDR_LEN, "kept %zu bytes of a header", klen);
	snaplen = get32(k + 16);
	while (off < klen) {
		r = ref_pcap_rec(k + off, klen - off, snap_eff(snaplen), &rl);
		FUZZ_CHECK(r == REC_OK,
			   "kept record %llu at %zu is not whole and valid (%d, caplen %u, snaplen %u)",
			   (unsigned long long)pkts, off, r,
			   klen - off >= 16 ? get32(k + off + 8) : 0,
			   snaplen);
		off += rl;
		pkts++;
	}
	FUZZ_CHECK(pkts, "kept a pcap file without a record");
	r = ref_pcap_rec(f + klen, flen - klen, snap_eff(snaplen), &rl);
	FUZZ_CHECK(r != REC_OK, "cut at %zu before a valid record", klen);
	pcap_hdr_fill(hdr, snaplen, PCAP_LINKTYPE_ETHERNET);
	if (!memcmp(hdr, k, PCAP_HDR_LEN))
		FUZZ_CHECK(libpcap_read(path) == pkts,
			   "libpcap reads another number of records than %llu",
			   (unsigned long long)pkts);
	return get32(k + PCAP_HDR_LEN);
}

/* an EPB as pcapng_convert() writes it, at @p */
static int writer_epb(const uint8_t *p, size_t avail, uint32_t snaplen)
{
	uint32_t cap;

	if (avail < 32 || get32(p) != PCAPNG_EPB_TYPE || get32(p + 8))
		return 0;
	cap = get32(p + 20);
	return cap && cap <= get32(p + 24) && cap <= snap_eff(snaplen) &&
	       get32(p + 4) == PCAPNG_EPB_LEN(cap) &&
	       PCAPNG_EPB_LEN(cap) <= avail &&
	       get32(p + PCAPNG_EPB_LEN(cap) - 4) == PCAPNG_EPB_LEN(cap);
}

/*
 * Is the SHB and IDB at @k what pcapng_hdr_fill() writes (for the name
 * in the IDB's first option)?  Only then is libpcap asked to read the
 * file: a header is written whole before any record, and its damage,
 * which repair does not look for, is not what these checks are about.
 */
static int writer_hdr(const uint8_t *k, size_t hdr_len)
{
	uint8_t buf[PCAPNG_HDR_MAX];
	uint32_t l1 = get32(k + 4);
	char name[16];
	uint16_t nl;

	if (hdr_len > sizeof(buf) || get32(k + l1 + 4) < 24 ||
	    (get32(k + l1 + 16) & 0xffff) != 2)
		return 0;
	nl = get32(k + l1 + 16) >> 16;
	if (nl >= sizeof(name) || get32(k + l1 + 4) < 24 + nl)
		return 0;
	memcpy(name, k + l1 + 20, nl);
	name[nl] = '\0';
	return pcapng_hdr_fill(buf, name, get32(k + l1 + 12),
			       PCAP_LINKTYPE_ETHERNET) == hdr_len &&
	       !memcmp(buf, k, hdr_len);
}

static time_t check_pcapng(const uint8_t *k, size_t klen, const uint8_t *f,
			   size_t flen, const char *path)
{
	uint32_t l1, l2, snaplen;
	uint64_t pkts = 0, ts = 0;
	size_t off, bl;
	enum ref_blk r;
	int epb;

	FUZZ_CHECK(klen >= 28, "kept %zu bytes of a header", klen);
	l1 = get32(k + 4);
	FUZZ_CHECK(klen >= (size_t)l1 + 8 && klen >= (size_t)l1 +
		   get32(k + l1 + 4), "kept %zu bytes of a header", klen);
	FUZZ_CHECK(get32(k + l1 - 4) == l1,
		   "kept SHB lengths differ: %u, %u", l1, get32(k + l1 - 4));
	l2 = get32(k + l1 + 4);
	FUZZ_CHECK(get32(k + l1 + l2 - 4) == l2,
		   "kept IDB lengths differ: %u, %u", l2,
		   get32(k + l1 + l2 - 4));
	snaplen = get32(k + l1 + 12);
	for (off = l1 + l2; off < klen; off += bl) {
		r = ref_pcapng_blk(k + off, klen - off, snaplen, &bl, &epb);
		FUZZ_CHECK(r == BLK_OK, "kept block at %zu is not whole (%d)",
			   off, r);
		/* BLK_OK: of interface 0, within the IDB's snaplen */
		if (!epb)
			continue;
		if (!pkts++)
			ts = ((uint64_t)get32(k + off + 12) << 32 |
			      get32(k + off + 16)) / 1000000000ULL;
	}
	FUZZ_CHECK(pkts, "kept a pcapng file without an EPB");
	FUZZ_CHECK(!writer_epb(f + klen, flen - klen, snaplen),
		   "cut at %zu before a whole EPB", klen);
	if (writer_hdr(k, l1 + l2))
		libpcap_read(path);
	return ts;
}

/*
 * The time of the first record a repair keeps, by the rules: 0 if there
 * is none (a pcap file's first record is valid, or a pcapng file has an
 * EPB among the whole blocks after its header).
 */
static int first_record(const uint8_t *f, size_t flen, int ng,
			size_t hdr_len, uint32_t snaplen, time_t *ts)
{
	size_t off, bl;
	int epb;

	if (!ng) {
		if (ref_pcap_rec(f + PCAP_HDR_LEN, flen - PCAP_HDR_LEN,
				 snap_eff(snaplen), &bl) != REC_OK)
			return 0;
		*ts = get32(f + PCAP_HDR_LEN);
		return 1;
	}
	for (off = hdr_len; off < flen; off += bl) {
		if (ref_pcapng_blk(f + off, flen - off, snaplen, &bl,
				   &epb) != BLK_OK)
			return 0;
		if (epb) {
			*ts = ((uint64_t)get32(f + off + 12) << 32 |
			       get32(f + off + 16)) / 1000000000ULL;
			return 1;
		}
	}
	return 0;
}

/* the name a repair gives: the strftime name of @ts for the pattern */
static void final_name(char *buf, size_t len, int pattern, time_t ts,
		       const char *suffix)
{
	char stem[NAME_MAX + 1];
	struct tm tm;

	if (pattern)
		FUZZ_CHECK(gmtime_r(&ts, &tm) &&
			   strftime(stem, sizeof(stem), PATTERN, &tm),
			   "strftime of %lld", (long long)ts);
	else
		snprintf(stem, sizeof(stem), "cap");
	snprintf(buf, len, "%s.000001%s", stem, suffix);
}

static void put_file(const char *path, const void *p, size_t n, off_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	FUZZ_CHECK(fd >= 0, "cannot create %s", path);
	FUZZ_CHECK(write(fd, p, n) == (ssize_t)n && !ftruncate(fd, size),
		   "cannot write %s", path);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char other[] = "a completed file of the same name\n";
	char prefix[PATH_MAX], part[PATH_MAX], path[PATH_MAX * 2];
	char final[NAME_MAX + 1], occupied[NAME_MAX + 1] = "";
	char names[4][NAME_MAX + 1], err[LWP_ERRLEN] = "";
	char idxname[NAME_MAX + 1] = "";
	size_t nl;
	const char *suffix, *partname, *kname;
	unsigned int kept = ~0U, logs = 0, n = 0;
	int sel, pattern, ret, hc, nc = -EINVAL, ours;
	uint8_t *f, *k = NULL;
	size_t flen, klen, hdr_len = 0;
	uint32_t snaplen = 0;
	struct dirent *de;
	time_t ts = 0;
	DIR *d;

	if (!size)
		return 0;
	sel = data[0];
	suffix = sel & 1 ? LWP_NG_SUFFIX : LWP_SUFFIX;
	pattern = sel & 2;
	flen = size - 1 + (size_t)(sel >> 2 & 31) * TAIL_UNIT;
	f = calloc(1, flen + 1);
	FUZZ_CHECK(f, "out of memory");
	memcpy(f, data + 1, size - 1);

	hc = pcap_hdr_check(f, flen, &snaplen);
	if (hc == -EINVAL)
		nc = pcapng_hdr_check(f, flen, &hdr_len, &snaplen);
	/* ours: pcap, pcapng, or no header (removed) */
	ours = hc != -EINVAL || !nc;

	snprintf(prefix, sizeof(prefix), "%s/%s", dir,
		 pattern ? PATTERN : "cap");
	snprintf(part, sizeof(part), "%s.000001%s.part", prefix, suffix);
	partname = strrchr(part, '/') + 1;
	put_file(part, data + 1, size - 1, flen);
	/* bit 7: the name the repair would take is someone else's file */
	if ((sel & 0x80) && (!hc || !nc) &&
	    first_record(f, flen, !nc, hdr_len, snaplen, &ts)) {
		final_name(occupied, sizeof(occupied), pattern, ts, suffix);
		snprintf(path, sizeof(path), "%s/%s", dir, occupied);
		put_file(path, other, sizeof(other), sizeof(other));
	}

	ret = lwp_repair(prefix, LWP_REPAIR_INDEX, log_msg, &logs, &kept,
			 err);
	FUZZ_CHECK(!ret, "lwp_repair: %d: %s", ret, err);
	FUZZ_CHECK(kept <= 1, "%u files kept of 1", kept);

	d = opendir(dir);
	FUZZ_CHECK(d, "cannot read %s", dir);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		FUZZ_CHECK(n < 3, "more files after repair than before");
		if (*occupied && !strcmp(de->d_name, occupied))
			continue;
		nl = strlen(de->d_name);
		if (nl > 4 && !strcmp(de->d_name + nl - 4, LWP_IDX_SUFFIX)) {
			snprintf(idxname, sizeof(idxname), "%s", de->d_name);
			continue;
		}
		snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	FUZZ_CHECK(n <= 1, "%u files after repair", n);
	if (*occupied) {
		snprintf(path, sizeof(path), "%s/%s", dir, occupied);
		klen = read_file(path, &k);
		FUZZ_CHECK(klen == sizeof(other) && !memcmp(k, other, klen),
			   "repair changed '%s', a file that was there",
			   occupied);
		free(k);
		k = NULL;
	}

	if (!ours) {
		FUZZ_CHECK(n == 1 && !strcmp(names[0], partname),
			   "a foreign file was not left alone: '%s'",
			   n ? names[0] : "");
		klen = read_file(part, &k);
		FUZZ_CHECK(klen == flen && !memcmp(k, f, flen),
			   "a foreign file was changed");
		FUZZ_CHECK(!kept, "a foreign file counted as kept");
		goto out;
	}
	/* a file kept has its index, of what it holds now */
	FUZZ_CHECK(!*idxname || kept, "an index '%s' of nothing kept",
		   idxname);
	if (kept) {
		uint8_t *x = NULL;
		struct lwp_idx ix;
		struct stat st;
		size_t xl;

		FUZZ_CHECK(n == 1 && *idxname &&
			   !strncmp(idxname, names[0], strlen(names[0])),
			   "kept '%s' with the index '%s'", n ? names[0] : "",
			   idxname);
		snprintf(path, sizeof(path), "%s/%s", dir, idxname);
		xl = read_file(path, &x);
		FUZZ_CHECK(xl > 0 && !lwp_idx_parse(&ix, x, xl),
			   "the index of the kept file does not parse");
		snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
		FUZZ_CHECK(!stat(path, &st) &&
			   ix.h->data_len == (uint64_t)st.st_size,
			   "the index is of %llu bytes, the file %lld",
			   (unsigned long long)ix.h->data_len,
			   (long long)st.st_size);
		free(x);
	}
	if (!n) {
		FUZZ_CHECK(!kept, "nothing kept, %u counted", kept);
		FUZZ_CHECK(hc == -ENODATA ||
			   !first_record(f, flen, !nc, hdr_len, snaplen, &ts),
			   "removed a file whose first record is valid");
		goto out;
	}
	/* kept, or cut but left as the .part when its name was taken */
	kname = names[0];
	if (!strcmp(kname, partname))
		FUZZ_CHECK(*occupied && !kept,
			   "our .part was left as it was (%u kept)", kept);
	else
		FUZZ_CHECK(kept == 1 && logs,
			   "a file kept, %u counted, %u logged", kept, logs);
	snprintf(path, sizeof(path), "%s/%s", dir, kname);
	klen = read_file(path, &k);
	FUZZ_CHECK(klen <= flen && !memcmp(k, f, klen),
		   "the kept file is not a prefix of the .part");
	if (!hc)
		ts = check_pcap(k, klen, f, flen, path);
	else
		ts = check_pcapng(k, klen, f, flen, path);
	final_name(final, sizeof(final), pattern, ts, suffix);
	if (!strcmp(kname, partname))
		FUZZ_CHECK(!strcmp(occupied, final),
			   "not renamed, but '%s' is free (first record at %lld s)",
			   final, (long long)ts);
	else
		FUZZ_CHECK(!strcmp(kname, final),
			   "kept as '%s', not '%s' (first record at %lld s)",
			   kname, final, (long long)ts);
out:
	free(k);
	free(f);
	empty_dir();
	return 0;
}
