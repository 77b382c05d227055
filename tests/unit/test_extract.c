// SPDX-License-Identifier: GPL-2.0
/*
 * test_extract.c - tg3cap-extract against the tools it replaces.
 *
 * Two series are written here, record by record, with traffic that
 * reaches the corners of the index (pktindex.c frame_keys()): IPv4 and
 * IPv6 hosts and flows from pools, TCP, UDP, SCTP, ICMP, ICMPv6, IPv4
 * and IPv6 fragments (first and later ones), IPv6 extension headers,
 * ARP, one, two and three VLAN tags, frames cut short by a snaplen,
 * malformed IP headers, other EtherTypes.  Each file is two "queues"
 * interleaved in chunks (out of time order, as the reader's multi-queue
 * files), timestamps are often on whole milliseconds (ties within a
 * file, across files and across the series), and the files of a series
 * overlap at their edges:
 *
 *   DIR/a/cap.00000N.pcap            N = 1..6, 60 s each, 2 s overlap;
 *                                    indexes (4 KiB blocks) but for N = 2;
 *                                    a catalog of 1..4 (3's line stale),
 *                                    a .part, a .pcap.gz, a foreign file
 *   DIR/b/t-%Y%m%d-%H%M%S.00000N.*   N = 1..4, 90 s each, named by
 *                                    their start (strftime, UTC); N = 4
 *                                    is pcapng with an ISB; no catalog
 *
 * The reference answer of a query is built as the issue states it:
 * for every completed file, editcap -A/-B (time bounds), tcpdump -r -w
 * with the filter, reordercap (the file's matches in time order,
 * stably), then mergecap of them all in the order of the series and
 * their numbers.  tg3cap-extract's output must equal it byte for byte,
 * with the index and with --no-index.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "extract.h"
#include "harness.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "pktindex.h"
#include "util.h"

#include "test_extract.h"

#define QUERIES		50
/* what the extract commands run with: local time is UTC+1 */
#define TZ_ENV		"TZ=CET-1"

/*
 * @ns as one of the forms -b and -e take (@arg), and as editcap's -A/-B
 * take it (@iso: UTC to the nanosecond).  The extract commands run in
 * TZ_ENV, where local time is UTC+1.
 */
static void time_args(struct rng *r, uint64_t ns, char *arg, size_t alen,
		      char *iso, size_t ilen)
{
	unsigned long long sec = ns / S;
	unsigned int frac = ns % S;
	time_t t = sec;
	char d[32], l[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(iso, ilen, "%s.%09uZ", d, frac);
	t += 3600;
	gmtime_r(&t, &tm);
	strftime(l, sizeof(l), "%Y-%m-%dT%H:%M:%S", &tm);
	switch (xt_below(r, 5)) {
	case 0:
		snprintf(arg, alen, "%s", iso);
		break;
	case 1:
		snprintf(arg, alen, "%s.%09u+01:00", l, frac);
		break;
	case 2:
		snprintf(arg, alen, "@%llu.%09u", sec, frac);
		break;
	case 3:
		if (frac)
			snprintf(arg, alen, "%s.%09u", l, frac);
		else
			snprintf(arg, alen, "%s", l);
		break;
	default:
		if (frac)
			snprintf(arg, alen, "%llu.%09u", sec, frac);
		else
			snprintf(arg, alen, "%llu", sec);
	}
}

/*
 * The filters of the queries: ones the index narrows by and ones it
 * must not (or, not, unknown words, three VLAN tags deep), with values
 * drawn each time for the capitals: A and B IPv4 hosts, A6 an IPv6 one,
 * P and Q ports, V a VLAN id, N an IP protocol.
 */
static const char *const filters[] = {
	"",
	"host A",
	"src host A",
	"dst A",
	"src A and dst B",
	"tcp port P",
	"udp dst port P",
	"port P",
	"host A and port P",
	"host A and B",
	"port P and Q",
	"icmp",
	"icmp6",
	"tcp and src port P",
	"sctp",
	"ip6 proto N",
	"vlan V",
	"vlan V and host A",
	"vlan and vlan and udp",
	"host A6",
	"host A or host B",
	"not host A",
	"arp and host A",
	"tcp && host A&&port P",
	"ip6 and dst host A6",
	"greater 300 and host A",
	"ip proto N and port P",
	"vlan and vlan and vlan and host A",
	"host 10.99.99.99 or 10.99.99.98 or 10.99.99.97",
	"icmp6 and src host A6",
};

/* A filter of the table above with its values, into @f. */
static void filter_make(struct rng *r, const struct pools *pl, char *f,
			size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	const char *t = filters[xt_below(r, ARRAY_SIZE(filters))];
	char num[4][8];
	size_t n = 0;

	inet_ntop(AF_INET, pl->v4[xt_below(r, 40)], a, sizeof(a));
	inet_ntop(AF_INET, pl->v4[xt_below(r, 40)], b, sizeof(b));
	inet_ntop(AF_INET6, pl->v6[xt_below(r, 10)], a6, sizeof(a6));
	snprintf(num[0], sizeof(num[0]), "%u", pl->port[xt_below(r, 12)]);
	snprintf(num[1], sizeof(num[1]), "%u", pl->port[xt_below(r, 12)]);
	snprintf(num[2], sizeof(num[2]), "%u", pl->vlan[xt_below(r, 4)]);
	snprintf(num[3], sizeof(num[3]), "%u", xt_below(r, 2) ? 6 : 17);
	for (; *t && n + INET6_ADDRSTRLEN < len; t++) {
		const char *v = NULL;

		if (t[0] == 'A' && t[1] == '6') {
			v = a6;
			t++;
		} else if (*t == 'A') {
			v = a;
		} else if (*t == 'B') {
			v = b;
		} else if (*t == 'P') {
			v = num[0];
		} else if (*t == 'Q') {
			v = num[1];
		} else if (*t == 'V') {
			v = num[2];
		} else if (*t == 'N') {
			v = num[3];
		}
		if (v)
			n += snprintf(f + n, len - n, "%s", v);
		else
			f[n++] = *t;
	}
	f[n] = '\0';
}

/* Files @a and @b are equal, byte for byte. */
static int same_file(const char *a, const char *b, const char *what)
{
	uint8_t *pa, *pb;
	size_t la, lb, i;
	int ret = 0;

	CHECKF(!read_file(a, &pa, &la), "cannot read %s", a);
	if (read_file(b, &pb, &lb)) {
		free(pa);
		CHECKF(0, "cannot read %s", b);
	}
	for (i = 0; i < la && i < lb && pa[i] == pb[i]; i++)
		;
	if (la != lb || i < la) {
		fprintf(stderr, "  %s: %s (%zu bytes) and %s (%zu) differ at byte %zu\n",
			what, a, la, b, lb, i);
		ret = -1;
	}
	free(pa);
	free(pb);
	return ret;
}

/*
 * The files in the order mergecap is given them, each sorted once by
 * reordercap (stably): the time bounds and the filter keep or drop each
 * record by itself, so sorting before them is sorting after them.
 */
static int sorted_copies(const struct series *s)
{
	char cmd[2 * PATH_MAX + 256];
	unsigned int i;

	snprintf(cmd, sizeof(cmd), "mkdir %s/sorted", s->dir);
	CHECK(!run_sh(cmd, NULL, 0));
	for (i = 0; i < NFILES; i++) {
		snprintf(cmd, sizeof(cmd),
			 "reordercap %s/%c/%s %s/sorted/%02u >/dev/null 2>&1",
			 s->dir, i < NA ? 'a' : 'b', s->f[i].name, s->dir, i);
		CHECKF(!run_sh(cmd, NULL, 0), "%s", cmd);
	}
	return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * Does mergecap give equal timestamps to the last file it is given?
 * Wireshark 4.0's does (merge_read_packet() keeps the last of the
 * earliest: is_earlier() is <=).  The answer defined for tg3cap-extract
 * gives them to the first series and file, so the reference then gives
 * mergecap its files last to first.  Two files of one record each, at
 * the same time, of 60 and 61 bytes, tell.
 */
static int mergecap_ties_last(const char *dir, bool *last)
{
	char cmd[4 * PATH_MAX], p[2][PATH_MAX + 16];
	uint8_t rec[PCAP_HDR_LEN + 16 + 61] = { 0 }, *o;
	uint32_t h[4] = { 1796551200, 5, 60, 60 };
	unsigned int i;
	size_t n;

	for (i = 0; i < 2; i++) {
		pcap_hdr_fill(rec, SNAP, PCAP_LINKTYPE_ETHERNET);
		h[2] = h[3] = 60 + i;
		memcpy(rec + PCAP_HDR_LEN, h, sizeof(h));
		snprintf(p[i], sizeof(p[i]), "%s/probe%u.pcap", dir, i);
		CHECK(!xt_write_bytes(p[i], rec, PCAP_HDR_LEN + 16 + h[2]));
	}
	snprintf(cmd, sizeof(cmd),
		 "mergecap -F nsecpcap -w %s/probe.pcap %s %s 2>&1", dir, p[0],
		 p[1]);
	CHECKF(!run_sh(cmd, NULL, 0), "%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s/probe.pcap", dir);
	CHECK(!read_file(cmd, &o, &n));
	*last = n >= PCAP_HDR_LEN + 16 && get_u32(o + PCAP_HDR_LEN + 8) == 61;
	free(o);
	return 0;
}

/*
 * The answer: editcap -A/-B, tcpdump -r -w, mergecap (the files
 * last to first if @rev: see mergecap_ties_last()).
 */
static int reference(const struct series *s, const char *b_iso,
		     const char *e_iso, const char *filter, const char *out,
		     bool rev)
{
	char cmd[8192], t[2][160];
	size_t n;
	unsigned int i;

	snprintf(t[0], sizeof(t[0]), b_iso ? "-A %s" : "", b_iso);
	snprintf(t[1], sizeof(t[1]), e_iso ? "-B %s" : "", e_iso);
	n = snprintf(cmd, sizeof(cmd), "cd %s && rm -rf ref && mkdir ref", s->dir);
	for (i = 0; i < NFILES; i++)
		n += snprintf(cmd + n, sizeof(cmd) - n,
			      " && editcap %s %s sorted/%02u - | tcpdump --time-stamp-precision=nano -r - -w ref/%02u '%s' 2>/dev/null",
			      t[0], t[1], i, i, filter);
	n += snprintf(cmd + n, sizeof(cmd) - n,
		      " && mergecap -F nsecpcap -w %s", out);
	for (i = 0; i < NFILES; i++)
		n += snprintf(cmd + n, sizeof(cmd) - n, " ref/%02u",
			      rev ? NFILES - 1 - i : i);
	CHECK(n < sizeof(cmd));
	CHECKF(!run_sh(cmd, NULL, 0), "reference failed: %s", cmd);
	return 0;
}

struct xstats {
	unsigned long long blocks;
	unsigned long long read;
	unsigned long long skipped;
	unsigned int keys;
};

/*
 * tg3cap-extract over both series in @dir, -v's numbers into @xs and
 * its words into @msg (may be NULL).
 */
static int extract(const char *dir, const char *args, const char *filter,
		   const char *out, struct xstats *xs, char *msg, size_t mlen)
{
	char cmd[8192], buf[16384];
	const char *p;

	if (!msg) {
		msg = buf;
		mlen = sizeof(buf);
	}
	snprintf(cmd, sizeof(cmd),
		 TZ_ENV " %s -v -r %s/a/cap -r '%s/b/%s' %s -w %s -- '%s' 2>&1 >/dev/null",
		 xt_extract_bin(), dir, dir, B_PATTERN, args, out, filter);
	CHECKF(!run_sh(cmd, msg, mlen), "%s: %s", cmd, msg);
	memset(xs, 0, sizeof(*xs));
	p = strstr(msg, "blocks ");
	if (p)
		sscanf(p, "blocks %llu of %llu", &xs->read, &xs->blocks);
	p = strstr(msg, "in the series, ");
	if (p)
		sscanf(p, "in the series, %llu", &xs->skipped);
	p = strstr(msg, "the index narrows by ");
	if (p)
		sscanf(p, "the index narrows by %u", &xs->keys);
	return 0;
}

static int series_setup(struct series *s, unsigned int recs)
{
	memset(s, 0, sizeof(*s));
	CHECK(!tmpdir_make(s->dir, sizeof(s->dir)));
	CHECK(!xt_series_make(s, recs));
	return 0;
}

/*
 * Random windows and filters (a fixed seed; TG3CAP_EXTRACT_SEED picks
 * another): the index's answer, --no-index's and the tools' are one.
 */
static int t_extract_random(void)
{
	const char *seed = getenv("TG3CAP_EXTRACT_SEED");
	struct rng r = { seed ? strtoull(seed, NULL, 0) | 1 : 0x5eed };
	unsigned long long key_blocks = 0, key_read = 0, skipped = 0;
	unsigned long long blocks = 0, read = 0;
	char o1[PATH_MAX + 16], o2[PATH_MAX + 16], ref[PATH_MAX + 16];
	unsigned int i, n = scaled(QUERIES), keyed = 0, recs = 3000;
	char args[512], f[256], ba[96], ea[96], bi[96], ei[96];
	struct xstats xs;
	struct series s;
	int ret = -1;
	bool rev;

	if (under_valgrind())
		recs = 600;
	if (series_setup(&s, recs) || sorted_copies(&s) ||
	    mergecap_ties_last(s.dir, &rev))
		goto out;
	snprintf(o1, sizeof(o1), "%s/o1.pcap", s.dir);
	snprintf(o2, sizeof(o2), "%s/o2.pcap", s.dir);
	snprintf(ref, sizeof(ref), "%s/ref.pcap", s.dir);
	for (i = 0; i < n; i++) {
		uint64_t b, e;
		bool hb = xt_below(&r, 5), he = xt_below(&r, 5);

		/* a record's own time (bounds are exact) or any other */
		b = xt_below(&r, 2) ? s.ts[xt_below(&r, s.nts)] :
		    s.first - 3 * S + xt_rnd(&r) % (s.last - s.first + 6 * S);
		e = xt_below(&r, 2) ? s.ts[xt_below(&r, s.nts)] :
		    b + xt_rnd(&r) % (xt_below(&r, 2) ? 10 * S : 300 * S);
		if (e < b) {
			uint64_t t = b;

			b = e;
			e = t;
		}
		if (e == b)
			e++;
		time_args(&r, b, ba, sizeof(ba), bi, sizeof(bi));
		time_args(&r, e, ea, sizeof(ea), ei, sizeof(ei));
		snprintf(args, sizeof(args), "%s%s %s%s", hb ? "-b " : "",
			 hb ? ba : "", he ? "-e " : "", he ? ea : "");
		filter_make(&r, &s.pl, f, sizeof(f));
		if (reference(&s, hb ? bi : NULL, he ? ei : NULL, f, ref, rev) ||
		    extract(s.dir, args, f, o1, &xs, NULL, 0))
			goto fail;
		blocks += xs.blocks;
		read += xs.read;
		if (xs.keys) {
			keyed++;
			key_blocks += xs.blocks;
			key_read += xs.read;
		}
		skipped += xs.skipped;
		if (same_file(o1, ref, "indexed"))
			goto fail;
		snprintf(args + strlen(args), sizeof(args) - strlen(args),
			 " --no-index");
		if (extract(s.dir, args, f, o2, &xs, NULL, 0) ||
		    same_file(o2, ref, "--no-index"))
			goto fail;
	}
	/* a host in 1 frame of 400, over everything: few blocks to read */
	snprintf(f, sizeof(f), "host %s", XT_RARE_HOST);
	if (reference(&s, NULL, NULL, f, ref, rev) ||
	    extract(s.dir, "", f, o1, &xs, NULL, 0) ||
	    same_file(o1, ref, "rare host"))
		goto fail;
	if (getenv("TG3CAP_TEST_VERBOSE"))
		fprintf(stderr, "  %u queries equal to the tools' (and --no-index): blocks read %llu of %llu; %u narrowed by the filter's keys: %llu of %llu; %llu files skipped by the catalog; '%s': %llu of %llu blocks\n",
			n, read, blocks, keyed, key_read, key_blocks, skipped,
			f, xs.read, xs.blocks);
	/* the filters narrowed, the catalog skipped files */
	if (xs.read * 10 > xs.blocks || (n >= 10 && (keyed < n / 4 ||
	    key_read * 2 > key_blocks || !skipped))) {
		fprintf(stderr, "  '%s' read %llu of %llu blocks; %u of %u queries narrowed by keys read %llu of %llu blocks; %llu files skipped\n",
			f, xs.read, xs.blocks, keyed, n, key_read, key_blocks,
			skipped);
		goto out;
	}
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "  query %u: %s '%s' (keep it: TG3CAP_TEST_KEEP=1, dir %s)\n",
		i, args, f, s.dir);
out:
	if (!getenv("TG3CAP_TEST_KEEP"))
		tmpdir_remove(s.dir);
	xt_series_free(&s);
	return ret;
}

enum damage {
	FLIP,		/* a byte of the block table: the head's CRC fails */
	CUT,		/* half of it */
	EMPTY,
	STALE,		/* whole, of the first half of the file */
	MISFIT,		/* whole, of another file of the same length */
	NDAMAGE,
	PAIRS,		/* a byte of each part of the pairs: their CRCs */
};

static const char *const damage_word[] = {
	"damaged", "damaged", "damaged", "stale", "does not fit the file",
};

/* Spoil @s's index of a/cap.000003.pcap as @how says. */
static int damage(const struct series *s, enum damage how)
{
	const struct file *f = &s->f[2];
	char path[PATH_MAX + NAME_MAX + 16], err[LWP_ERRLEN];
	uint32_t first;
	uint8_t *p, *q;
	size_t n, i;

	snprintf(path, sizeof(path), "%s/a/%.255s.idx", s->dir, f->name);
	CHECK(!read_file(path, &p, &n));
	switch (how) {
	case FLIP:
		p[sizeof(struct lwp_idx_hdr) + 3] ^= 0x40;
		break;
	case PAIRS: {
		const struct lwp_idx_hdr *h = (const void *)p;
		uint64_t at = lwp_idx_head_len(h);

		if (n != lwp_idx_len(h) || !h->nparts) {
			free(p);
			CHECKF(0, "%zu bytes of index, %u parts", n,
			       n >= sizeof(*h) ? h->nparts : 0);
		}
		for (i = 0; i < h->nparts; i++)
			p[at + (i << h->part_shift) * 8] ^= 0x40;
		break;
	}
	case CUT:
		n /= 2;
		break;
	case EMPTY:
		n = 0;
		break;
	case STALE:
		free(p);
		CHECKF(!lwp_idx_build_mem(f->p, f->len / 2, SHIFT, PSHIFT,
					  &p, &n, err), "%s", err);
		break;
	default:
		/*
		 * the index of another file of the same length: this one
		 * without its first record, zeroes at the end
		 */
		free(p);
		memcpy(&first, f->p + PCAP_HDR_LEN + 8, 4);
		first += 16;
		q = malloc(f->len);
		CHECK(q);
		memcpy(q, f->p, PCAP_HDR_LEN);
		memcpy(q + PCAP_HDR_LEN, f->p + PCAP_HDR_LEN + first,
		       f->len - PCAP_HDR_LEN - first);
		memset(q + f->len - first, 0, first);
		i = lwp_idx_build_mem(q, f->len, SHIFT, PSHIFT, &p, &n,
				      err);
		free(q);
		CHECKF(!i, "%s", err);
	}
	i = xt_write_bytes(path, p, n);
	free(p);
	return i ? -1 : 0;
}

/* @s's index of a/cap.000003.pcap is whole and indexes that file. */
static int index_good(const struct series *s)
{
	char path[PATH_MAX + NAME_MAX + 16];
	struct lwp_idx x;
	uint8_t *p;
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "%s/a/%.255s.idx", s->dir,
		 s->f[2].name);
	CHECK(!read_file(path, &p, &n));
	ret = lwp_idx_parse(&x, p, n) || x.h->data_len != s->f[2].len;
	free(p);
	return ret ? -1 : 0;
}

/*
 * A damaged, cut, empty, stale or misfitting index: rebuilt, written
 * back, the answer unchanged; not written back in a read-only
 * directory or while a live reader holds the series.
 */
static int t_extract_damaged(void)
{
	char o0[PATH_MAX + 16], o1[PATH_MAX + 16], ro[PATH_MAX];
	char lock[PATH_MAX + 16];
	char msg[16384], want[NAME_MAX + 64];
	struct xstats xs;
	struct series s;
	unsigned int d;
	int ret = -1, fd;

	ro[0] = '\0';
	if (series_setup(&s, under_valgrind() ? 400 : 1500))
		goto out;
	snprintf(o0, sizeof(o0), "%s/o0.pcap", s.dir);
	snprintf(o1, sizeof(o1), "%s/o1.pcap", s.dir);
	snprintf(want, sizeof(want), "%s.idx: index ", s.f[2].name);
	if (extract(s.dir, "", "", o0, &xs, NULL, 0) || index_good(&s))
		goto out;
	for (d = 0; d < NDAMAGE; d++) {
		if (damage(&s, d) || extract(s.dir, "", "", o1, &xs, msg,
					     sizeof(msg)))
			goto out;
		if (!strstr(msg, want) || !strstr(msg, damage_word[d]) ||
		    !strstr(msg, "rebuilt in memory, written")) {
			fprintf(stderr, "  damage %u: -v says: %s\n", d, msg);
			goto out;
		}
		if (same_file(o0, o1, damage_word[d]) || index_good(&s))
			goto out;
	}

	/*
	 * Damaged pairs: a query without a filter reads none of them and
	 * uses the index as it is; one with a host reads the parts the host
	 * can be in, finds them damaged and rebuilds.
	 */
	if (damage(&s, PAIRS) || extract(s.dir, "", "", o1, &xs, msg,
					 sizeof(msg)))
		goto out;
	if (strstr(msg, "rebuilt in memory") ||
	    same_file(o0, o1, "pairs, no filter") ||
	    !index_good(&s)) {
		fprintf(stderr, "  pairs, no filter: -v says: %s\n", msg);
		goto out;
	}
	snprintf(o0, sizeof(o0), "%s/o0h.pcap", s.dir);
	if (extract(s.dir, "", "host " XT_RARE_HOST, o1, &xs, msg,
		    sizeof(msg)) || !strstr(msg, want) ||
	    !strstr(msg, "damaged") ||
	    !strstr(msg, "rebuilt in memory, written") || index_good(&s) ||
	    extract(s.dir, "", "host " XT_RARE_HOST, o0, &xs, msg,
		    sizeof(msg)) || strstr(msg, "rebuilt in memory") ||
	    same_file(o0, o1, "pairs, a host")) {
		fprintf(stderr, "  pairs, a host: -v says: %s\n", msg);
		goto out;
	}
	snprintf(o0, sizeof(o0), "%s/o0.pcap", s.dir);

	/* a read-only view of the same directory */
	if (tmpdir_make(ro, sizeof(ro)) || damage(&s, FLIP) ||
	    mount(s.dir, ro, "none", MS_BIND, NULL) ||
	    mount(s.dir, ro, "none", MS_REMOUNT | MS_BIND | MS_RDONLY,
		  NULL)) {
		fprintf(stderr, "  read-only bind mount: %s\n", strerror(errno));
		goto out;
	}
	if (extract(ro, "", "", o1, &xs, msg, sizeof(msg)) ||
	    !strstr(msg, "not written: the directory is not writable") ||
	    same_file(o0, o1, "read-only") || !index_good(&s)) {
		fprintf(stderr, "  read-only: -v says: %s\n", msg);
		goto out;
	}
	umount2(ro, 0);

	/* a live reader writes its own indexes */
	snprintf(lock, sizeof(lock), "%s/a/.cap.lock", s.dir);
	fd = open(lock, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dprintf(fd, "%d\n", (int)getpid()) < 0 || close(fd))
		goto out;
	if (extract(s.dir, "", "", o1, &xs, msg, sizeof(msg)) ||
	    !strstr(msg, "holds the series") ||
	    same_file(o0, o1, "live reader") || !index_good(&s)) {
		fprintf(stderr, "  live reader: -v says: %s\n", msg);
		goto out;
	}
	ret = 0;
out:
	if (ro[0]) {
		umount2(ro, MNT_DETACH);
		rmdir(ro);
	}
	if (!getenv("TG3CAP_TEST_KEEP"))
		tmpdir_remove(s.dir);
	xt_series_free(&s);
	return ret;
}

/* Run @cmd through bash with pipefail; its status, words in @out. */
static int bash(const char *cmd, char *out, size_t len)
{
	char b[24576];

	snprintf(b, sizeof(b), "bash -o pipefail -c \"%s\" 2>&1", cmd);
	return run_sh(b, out, len);
}

/* @src with each "DIR" replaced by @dir, into @dst. */
static void subst(char *dst, size_t len, const char *src, const char *dir)
{
	const char *d;
	size_t n = 0;

	while ((d = strstr(src, "DIR")) && n < len) {
		n += snprintf(dst + n, len - n, "%.*s%s", (int)(d - src), src,
			      dir);
		src = d + 3;
	}
	if (n < len)
		snprintf(dst + n, len - n, "%s", src);
}

/* Every bad argument: exit 2, one line on stderr naming it, no output. */
static int t_extract_bad_args(void)
{
	static const char *const bad[][2] = {
		{ "-b 2026-13-01T00:00:00", "-b '2026-13-01T00:00:00'" },
		{ "-b yesterday", "-b 'yesterday'" },
		{ "-e @12x", "-e '@12x'" },
		{ "-e 2026-02-30T00:00:00Z", "-e '2026-02-30" },
		{ "-b 2026-12-06T10:02:00+25:00", "-b '2026-12-06T10:02:00+25:00'" },
		{ "-b 1.1234567891", "-b '1.1234567891'" },
		{ "-b 2026-12-06T10:02", "" },	/* fine: minutes */
		{ "-b @100 -e @50", "-e must be after -b" },
		{ "-F xml", "-F 'xml'" },
		{ "-x", "-x" },
		{ "--bogus", "--bogus" },
		{ "-- hots 10.0.0.1", "bad filter 'hots 10.0.0.1'" },
		{ "-- port 99999", "bad filter 'port 99999'" },
		{ "-- 'host 10.0.0.1 and'", "bad filter" },
		/* libpcap refuses it, and so does tcpdump */
		{ "-- 'ip proto 1 and 17'", "rejects all packets" },
	};
	static const char *const bare[][2] = {
		{ "-w /dev/null", "no -r" },
		{ "-r DIR/a/cap", "no -w" },
		{ "-w /dev/null -r /nonexistent/dir/cap", "/nonexistent/dir" },
		{ "-w /dev/null -r DIR/a/", "-r DIR/a/" },
		{ "-w /dev/null -r 'DIR/a/x%Q'", "x%Q" },
		{ "-w /dev/null -r", "-r needs an argument" },
	};
	char dir[PATH_MAX], cmd[6 * PATH_MAX], out[8192], a[2048];
	char want[2048];
	unsigned int i, lines;
	int st, ret = -1;
	char *p;

	CHECK(!tmpdir_make(dir, sizeof(dir)));
	snprintf(cmd, sizeof(cmd), "mkdir %s/a", dir);
	if (run_sh(cmd, NULL, 0))
		goto out;
	for (i = 0; i < ARRAY_SIZE(bad) + ARRAY_SIZE(bare); i++) {
		const char *const *c = i < ARRAY_SIZE(bad) ? bad[i] :
				       bare[i - ARRAY_SIZE(bad)];

		/* DIR: the test's directory */
		subst(a, sizeof(a), c[0], dir);
		subst(want, sizeof(want), c[1], dir);
		if (i < ARRAY_SIZE(bad))
			snprintf(cmd, sizeof(cmd),
				 "%s -r %s/a/cap -w %s/x.pcap %s 2>&1 >%s/stdout",
				 xt_extract_bin(), dir, dir, a, dir);
		else
			snprintf(cmd, sizeof(cmd), "%s %s 2>&1 >%s/stdout",
				 xt_extract_bin(), a, dir);
		st = run_sh(cmd, out, sizeof(out));
		for (lines = 0, p = out; (p = strchr(p, '\n')); p++)
			lines++;
		if (!c[1][0]) {
			if (st) {
				fprintf(stderr, "  %s: exit %d: %s", cmd, st, out);
				goto out;
			}
			continue;
		}
		if (st != 2 || lines != 1 ||
		    strncmp(out, "tg3cap-extract: ", 16) || !strstr(out, want)) {
			fprintf(stderr, "  %s: exit %d, %u lines, wanted 2, 1 line with \"%s\": %s",
				cmd, st, lines, want, out);
			goto out;
		}
		snprintf(cmd, sizeof(cmd), "%s/stdout", dir);
		if (read_text(cmd, out, 8) || out[0]) {
			fprintf(stderr, "  %s: wrote to stdout\n", a);
			goto out;
		}
	}
	ret = 0;
out:
	tmpdir_remove(dir);
	return ret;
}

/*
 * -w - into a pipe (whole, and one that closes early), not into a
 * terminal; -F pcapng is the same capture; a filter in words.
 */
static int t_extract_stream(void)
{
	char cmd[20000], out[8192], p1[PATH_MAX + 16], p2[PATH_MAX + 16];
	char base[2048], flt[128], a[INET6_ADDRSTRLEN];
	struct series s;
	int ret = -1, n;

	if (series_setup(&s, under_valgrind() ? 300 : 1500))
		goto out;
	inet_ntop(AF_INET, s.pl.v4[3], a, sizeof(a));
	snprintf(flt, sizeof(flt), "host %s and not port 53", a);
	n = snprintf(base, sizeof(base), "%.512s -r %.512s/a/cap -r '%.512s/b/%s'",
		     xt_extract_bin(), s.dir, s.dir, B_PATTERN);
	CHECK(n < (int)sizeof(base));
	snprintf(p1, sizeof(p1), "%s/file.pcap", s.dir);
	snprintf(p2, sizeof(p2), "%s/pipe.pcap", s.dir);
	snprintf(cmd, sizeof(cmd), "%s -w %s %s 2>&1", base, p1, flt);
	if (run_sh(cmd, out, sizeof(out)) || out[0]) {
		fprintf(stderr, "  %s: %s\n", cmd, out);
		goto out;
	}
	CHECKF(file_records(p1) > 0 && file_records(p1) != UINT64_MAX,
	       "%s: no records", p1);

	/* the same through a pipe, the filter as one word */
	snprintf(cmd, sizeof(cmd), "%s -w - '%s' | cat > %s", base, flt, p2);
	if (bash(cmd, out, sizeof(out)) || out[0] || same_file(p1, p2, "pipe")) {
		fprintf(stderr, "  %s: %s\n", cmd, out);
		goto out;
	}
	/* a reader that goes away early: a clean end */
	snprintf(cmd, sizeof(cmd), "%s -w - | head -c 100 >/dev/null", base);
	if (bash(cmd, out, sizeof(out)) || out[0]) {
		fprintf(stderr, "  %s: %s\n", cmd, out);
		goto out;
	}
	/* not a terminal */
	snprintf(cmd, sizeof(cmd), "script -qec \"%s -w -\" /dev/null 2>&1",
		 base);
	if (run_sh(cmd, out, sizeof(out)) != 2 || !strstr(out, "terminal")) {
		fprintf(stderr, "  %s: %s\n", cmd, out);
		goto out;
	}
	/* pcapng: the same records, as editcap converts them back */
	snprintf(cmd, sizeof(cmd),
		 "%s -F pcapng -w %s.ng '%s' && editcap -F nsecpcap %s.ng %s",
		 base, p2, flt, p2, p2);
	if (run_sh(cmd, out, sizeof(out)) || same_file(p1, p2, "pcapng")) {
		fprintf(stderr, "  %s: %s\n", cmd, out);
		goto out;
	}
	ret = 0;
out:
	if (!getenv("TG3CAP_TEST_KEEP"))
		tmpdir_remove(s.dir);
	xt_series_free(&s);
	return ret;
}

/* The man page: man and groff take it without a warning; -h, --version. */
static int t_extract_manpage(void)
{
	const char *page = getenv("TG3CAP_MANPAGE");
	char cmd[PATH_MAX + 256], out[32768], path[PATH_MAX];
	const char *slash;

	CHECK(page);
	slash = strrchr(page, '/');
	snprintf(path, sizeof(path), "%.*s/tg3cap-extract.1",
		 slash ? (int)(slash - page) : 1, slash ? page : ".");
	snprintf(cmd, sizeof(cmd), "MANWIDTH=80 man -l %s 2>&1 >/dev/null",
		 path);
	CHECKF(run_sh(cmd, out, sizeof(out)) == 0 && !out[0], "man: %s", out);
	snprintf(cmd, sizeof(cmd), "groff -ww -man -z %s 2>&1", path);
	CHECKF(run_sh(cmd, out, sizeof(out)) == 0 && !out[0], "groff: %s",
	       out);
	snprintf(cmd, sizeof(cmd), "MANWIDTH=80 man -l %s 2>/dev/null | col -b",
		 path);
	CHECK(run_sh(cmd, out, sizeof(out)) == 0);
	CHECKF(strstr(out, "--no-index") && strstr(out, "EXIT STATUS") &&
	       strstr(out, "wireshark -k -i -"), "the page lacks a section");
	snprintf(cmd, sizeof(cmd), "%s -h", xt_extract_bin());
	CHECK(run_sh(cmd, out, sizeof(out)) == 0 && strstr(out, "Examples"));
	snprintf(cmd, sizeof(cmd), "%s --version", xt_extract_bin());
	CHECK(run_sh(cmd, out, sizeof(out)) == 0 &&
	      !strncmp(out, "tg3cap-extract ", 15));
	return 0;
}

const struct test extract_tests[] = {
	{ "extract_random", t_extract_random },
	{ "extract_damaged", t_extract_damaged },
	{ "extract_bad_args", t_extract_bad_args },
	{ "extract_stream", t_extract_stream },
	{ "extract_manpage", t_extract_manpage },
	{ "extract_time", xt_test_time },
	{ "extract_narrow", xt_test_narrow },
};
const unsigned int extract_tests_n = ARRAY_SIZE(extract_tests);
