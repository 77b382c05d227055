// SPDX-License-Identifier: GPL-2.0
/*
 * capbench.c - capacity of the reader against the pcap_dump path and memcpy.
 *
 * No NIC and no copy of anything: the ring is userland/fakedev.c, which
 * runs the kernel's own producer (driver/lwpcap_ring.h through
 * userland/kshim.h); the reader is userland's ring.c (lwp_queue_drain)
 * and the file series (filering.c and the files userland/sources.mk
 * lists with it: fring_write, the swapper thread, rotation), linked from
 * userland's sources by bench/Makefile.
 *
 * The producer fills every queue up to what the ring holds, then three
 * consumers take the same published bytes, each timed on its own, in an
 * order that rotates from one fill to the next (so none always finds the
 * ring warm in the cache):
 *
 *   ours    lwp_queue_drain() of every queue into fring_write(): the real
 *           drain, mmap'd preallocated files rotated at -C, ring of -W
 *   pcap    the same records walked one by one and written with libpcap's
 *           pcap_dump() (microsecond pcap, as tcpdump -w), rotated at the
 *           same size with tcpdump's per-packet pcap_dump_ftell64() check
 *           and the same -W; this is what tcpdump does once libpcap hands
 *           it a packet, minus libpcap's own per-packet work (TPACKET_V3
 *           block walk, header conversion), so it flatters the peer
 *   pcap_dump_ftell  the same with tcpdump's exact -C check (an lseek()
 *           per packet); slow, run it with few packets
 *   memcpy_file  the same runs memcpy()'d into fresh files on the
 *           filesystem under test, prepared like the reader's swapper
 *           does (fallocate, mmap, MADV_POPULATE_WRITE) but outside the
 *           timed part: the limit of any writer through mmap'd files
 *           there, first-touch costs of new pages included
 *   pwrite_file  the same runs written with pwritev() at their offsets
 *           into fresh preallocated files on the filesystem under test
 *           (prepared outside the timed part, like memcpy_file, but not
 *           mapped): docs/design.md's second writer strategy, the
 *           records going from the ring mapping into the file with one
 *           copy in the kernel, no page faults in the writer, no swapper
 *   memcpy  the same runs memcpy()'d into a prefaulted buffer of one
 *           file's size (wrapping): the bandwidth limit of any copy
 *
 * Only the consumers are timed (wall and the thread's CPU time); the
 * producer's time is not part of any figure.  The swapper thread of ours
 * runs on its own; its CPU time is reported apart (process CPU minus this
 * thread's, sampled over the ours pass only).
 *
 * Output: one line per consumer,
 *   RESULT path=P snaplen=S queues=Q pkts=N produced=N drops=D written=W
 *          bytes=B wall_ns=T cpu_ns=C swapper_cpu_ns=X
 * and exit status 1 if any consumer did not account for every frame
 * (written != produced - drops), 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "fakedev.h"
#include "filering.h"
#include "pcapfile.h"
#include "ring.h"
#include "util.h"

#define NAPI_BUDGET	64

enum { P_OURS, P_PCAP, P_MEMCPY, P_PCAPC, P_MFILE, P_PFILE, P_N };
static const char *const pname[P_N] = {
	"ours", "pcap_dump", "memcpy", "pcap_dump_ftell", "memcpy_file",
	"pwrite_file"
};

struct acc {
	uint64_t wall, cpu, sw_cpu, pkts, bytes;
};

static uint64_t clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what, const char *err)
{
	fprintf(stderr, "capbench: %s: %s\n", what, err);
	exit(1);
}

/* The records [from, to) of one queue, as runs (docs/abi.md, Draining). */
typedef void (*run_fn)(void *ctx, const uint8_t *p, uint32_t len);

static void walk_queue(struct fakedev *d, unsigned int q, uint32_t from,
		       uint32_t to, run_fn fn, void *ctx)
{
	uint32_t seg_size = d->setup.seg_size;
	uint32_t size = seg_size * d->setup.nr_segs;
	const uint32_t *seg_len = fakedev_seg_len(d, q);
	const uint8_t *data = fakedev_data(d, q);
	uint32_t c = from;

	while (c != to) {
		uint32_t start = c & ~(seg_size - 1), end;

		if ((uint32_t)(to - start) < seg_size)
			end = to;
		else
			end = start + seg_len[(start & (size - 1)) / seg_size];
		if (end != c)
			fn(ctx, data + (c & (size - 1)), end - c);
		c = end == to ? end : start + seg_size;
	}
}

/* --- pcap_dump, rotated like tcpdump -C -W ------------------------- */

struct peer {
	pcap_t *pd;
	pcap_dumper_t *dump;
	const char *prefix;
	uint64_t file_size;
	unsigned int max_files;
	unsigned int seq;
	int ftell;
	uint64_t off;
	uint64_t pkts, bytes;
};

static void peer_name(const struct peer *p, unsigned int seq, char *buf)
{
	snprintf(buf, PATH_MAX, "%s.%06u.pcap", p->prefix, seq);
}

static void peer_open(struct peer *p)
{
	char name[PATH_MAX];

	peer_name(p, p->seq, name);
	p->dump = pcap_dump_open(p->pd, name);
	if (!p->dump)
		die(name, pcap_geterr(p->pd));
	if (p->max_files && p->seq >= p->max_files) {
		peer_name(p, p->seq - p->max_files, name);
		unlink(name);
	}
}

static void peer_run(void *ctx, const uint8_t *p, uint32_t len)
{
	struct peer *pr = ctx;
	const uint8_t *end = p + len;

	while (p < end) {
		const struct lwpcap_rec_hdr *h = (const void *)p;
		struct pcap_pkthdr ph = {
			.ts.tv_sec = h->ts_sec,
			.ts.tv_usec = h->ts_nsec / 1000,
			.caplen = h->caplen,
			.len = h->len,
		};

		/*
		 * tcpdump's dump_packet_and_trunc() with -C asks
		 * pcap_dump_ftell64() before every packet, and glibc's
		 * ftell() is an lseek() system call: pcap_dump_ftell.  The
		 * plain pcap_dump path counts the bytes itself instead, the
		 * best a tcpdump -w could do (without -C it never rotates).
		 */
		if ((pr->ftell ? (uint64_t)pcap_dump_ftell64(pr->dump) :
		     pr->off) > pr->file_size) {
			pcap_dump_close(pr->dump);
			pr->seq++;
			pr->off = 24;
			peer_open(pr);
		}
		pcap_dump((u_char *)pr->dump, &ph, p + sizeof(*h));
		pr->off += sizeof(*h) + h->caplen;
		pr->pkts++;
		pr->bytes += sizeof(*h) + h->caplen;
		p += sizeof(*h) + h->caplen;
	}
}

/* --- memcpy --------------------------------------------------------- */

struct mc {
	uint8_t *buf;
	uint64_t size, off;
	uint64_t pkts, bytes;
};

static void mc_run(void *ctx, const uint8_t *p, uint32_t len)
{
	struct mc *m = ctx;

	if (m->off + len > m->size)
		m->off = 0;
	memcpy(m->buf + m->off, p, len);
	m->off += len;
	m->bytes += len;
}

/* memcpy_file's mapped files, or pwrite_file's (@pw: not mapped). */
struct mfile {
	char prefix[PATH_MAX];
	bool pw;
	uint8_t *map;
	int fd;
	unsigned int seq;
	uint64_t size, off;
	uint64_t bytes;
	struct iovec iov[IOV_MAX];
	unsigned int niov;
	uint64_t iov_off;
};

static void mfile_drop(struct mfile *m)
{
	char name[PATH_MAX + 32];

	if (m->fd < 0)
		return;
	if (m->map)
		munmap(m->map, m->size);
	close(m->fd);
	snprintf(name, sizeof(name), "%s.%06u", m->prefix, m->seq - 1);
	unlink(name);
	m->map = NULL;
	m->fd = -1;
}

/* A fresh file with room for @need bytes more, prepared untimed. */
static void mfile_room(struct mfile *m, uint64_t need)
{
	char name[PATH_MAX + 32];

	if (m->fd >= 0 && m->off + need <= m->size)
		return;
	mfile_drop(m);
	snprintf(name, sizeof(name), "%s.%06u", m->prefix, m->seq++);
	m->fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (m->fd < 0)
		die(name, strerror(errno));
	if (fallocate(m->fd, 0, 0, m->size) && ftruncate(m->fd, m->size))
		die(name, strerror(errno));
	m->off = 0;
	if (m->pw)
		return;
	m->map = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      m->fd, 0);
	if (m->map == MAP_FAILED)
		die(name, strerror(errno));
	madvise(m->map, m->size, 23 /* MADV_POPULATE_WRITE */);
}

/* pwrite_file: the runs gathered so far, in one pwritev() (timed). */
static void pfile_flush(struct mfile *m)
{
	uint64_t want = m->off - m->iov_off;
	ssize_t n;

	if (!m->niov)
		return;
	n = pwritev(m->fd, m->iov, m->niov, m->iov_off);
	if (n < 0 || (uint64_t)n != want)
		die("pwritev", n < 0 ? strerror(errno) : "short write");
	m->niov = 0;
	m->iov_off = m->off;
}

static void pfile_run(void *ctx, const uint8_t *p, uint32_t len)
{
	struct mfile *m = ctx;

	if (m->niov == IOV_MAX)
		pfile_flush(m);
	m->iov[m->niov].iov_base = (void *)p;
	m->iov[m->niov++].iov_len = len;
	m->off += len;
	m->bytes += len;
}

static void mfile_run(void *ctx, const uint8_t *p, uint32_t len)
{
	struct mfile *m = ctx;

	memcpy(m->map + m->off, p, len);
	m->off += len;
	m->bytes += len;
}

/* Records in a run, for memcpy's account (not timed). */
static void count_run(void *ctx, const uint8_t *p, uint32_t len)
{
	uint64_t *n = ctx;
	const uint8_t *end = p + len;

	while (p < end) {
		const struct lwpcap_rec_hdr *h = (const void *)p;

		(*n)++;
		p += sizeof(*h) + h->caplen;
	}
}

static void usage(void)
{
	fputs("usage: capbench -d DIR -n PACKETS [-s SNAPLEN] [-l LEN] [-q QUEUES]\n"
	      "                [-C FILE_BYTES] [-W FILES] [-r RING_BYTES] [-g SEG_BYTES]\n"
	      "                [-p ours,pcap_dump,memcpy,memcpy_file,pwrite_file,\n"
	      "                    pcap_dump_ftell]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	const char *paths = "ours,pcap_dump,memcpy,memcpy_file,pwrite_file";
	uint64_t n = 0, file_size = 128ULL << 20, ring = 16ULL << 20;
	uint32_t snaplen = 64, len = 0, seg = 256U << 10;
	unsigned int nq = 1, max_files = 4, i, q, k, chunk;
	char err[LWP_ERRLEN], ours_prefix[PATH_MAX], peer_prefix[PATH_MAX];
	char peerc_prefix[PATH_MAX];
	int on[P_N] = { 0 }, c, bad = 0;
	struct acc acc[P_N] = { 0 };
	struct fakedev dev;
	struct lwp_queue *lq;
	struct fring *fr = NULL;
	struct fring_stats fs = { 0 };
	struct peer peer = { 0 }, peerc = { 0 };
	struct mc mc = { 0 };
	static struct mfile mf = { .fd = -1 }, pf = { .fd = -1, .pw = true };
	uint64_t seq = 0, perq, produced = 0, drops = 0, mc_pkts = 0;
	uint32_t *pos;

	while ((c = getopt(argc, argv, "d:n:s:l:q:C:W:r:g:p:")) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 's': snaplen = strtoul(optarg, NULL, 0); break;
		case 'l': len = strtoul(optarg, NULL, 0); break;
		case 'q': nq = strtoul(optarg, NULL, 0); break;
		case 'C': file_size = strtoull(optarg, NULL, 0); break;
		case 'W': max_files = strtoul(optarg, NULL, 0); break;
		case 'r': ring = strtoull(optarg, NULL, 0); break;
		case 'g': seg = strtoul(optarg, NULL, 0); break;
		case 'p': paths = optarg; break;
		default: usage();
		}
	}
	if (!dir || !n || optind != argc)
		usage();
	if (!len)
		len = snaplen < FAKE_MIN_LEN ? FAKE_MIN_LEN : snaplen;
	{
		char buf[128], *save = NULL, *t, *s;

		snprintf(buf, sizeof(buf), "%s", paths);
		for (s = buf; (t = strtok_r(s, ",", &save)); s = NULL) {
			for (i = 0; i < P_N && strcmp(t, pname[i]); i++)
				;
			if (i == P_N)
				usage();
			on[i] = 1;
		}
	}

	if (fakedev_create(&dev, nq, seg, ring / seg, snaplen, err))
		die("ring", err);
	lq = calloc(nq, sizeof(*lq));
	pos = calloc(nq, sizeof(*pos));
	if (!lq || !pos)
		die("memory", strerror(ENOMEM));
	for (q = 0; q < nq; q++)
		if (lwp_queue_init(&lq[q], dev.map, dev.map_len, &dev.setup, q,
				   err))
			die("lwp_queue_init", err);

	snprintf(ours_prefix, sizeof(ours_prefix), "%s/ours", dir);
	snprintf(peer_prefix, sizeof(peer_prefix), "%s/peer", dir);
	snprintf(peerc_prefix, sizeof(peerc_prefix), "%s/peerc", dir);
	snprintf(mf.prefix, sizeof(mf.prefix), "%s/mfile", dir);
	snprintf(pf.prefix, sizeof(pf.prefix), "%s/pfile", dir);
	mf.size = file_size;
	pf.size = file_size;
	if (on[P_OURS]) {
		struct fring_cfg fc = {
			.prefix = ours_prefix,
			.file_size = file_size,
			.max_files = max_files,
			.snaplen = snaplen,
			.linktype = PCAP_LINKTYPE_ETHERNET,
		};

		if (fring_open(&fr, &fc, err))
			die("fring_open", err);
	}
	for (k = 0; k < 2; k++) {
		struct peer *pr = k ? &peerc : &peer;

		i = k ? P_PCAPC : P_PCAP;
		if (!on[i])
			continue;
		pr->pd = pcap_open_dead_with_tstamp_precision(DLT_EN10MB,
				snaplen, PCAP_TSTAMP_PRECISION_MICRO);
		if (!pr->pd)
			die("pcap_open_dead", "failed");
		pr->prefix = i == P_PCAP ? peer_prefix : peerc_prefix;
		pr->file_size = file_size;
		pr->max_files = max_files;
		pr->ftell = i == P_PCAPC;
		pr->off = 24;
		peer_open(pr);
	}
	if (on[P_MEMCPY]) {
		mc.size = file_size;
		/*
		 * Huge pages where the kernel gives them: the limit should
		 * not pay TLB misses (or a hypervisor's shadow page faults)
		 * that a better mapping avoids.  Touched before timing.
		 */
		mc.buf = mmap(NULL, mc.size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mc.buf == MAP_FAILED)
			die("mmap", strerror(errno));
		madvise(mc.buf, mc.size, MADV_HUGEPAGE);
		memset(mc.buf, 1, mc.size);
		memset(mc.buf, 2, mc.size);
	}

	/*
	 * Records per queue per fill: a safe lower bound on what the ring
	 * takes (the segment the producer is in, plus nr_segs - 1 whole
	 * segments, minus one for the cons segment rounding).
	 */
	perq = (uint64_t)(dev.setup.nr_segs - 2) *
	       (seg / (sizeof(struct lwpcap_rec_hdr) +
		       (len < snaplen ? len : snaplen)));
	for (chunk = 0; seq < n; chunk++) {
		uint64_t end = seq + perq * nq;
		uint32_t from[LWPCAP_MAX_QUEUES];
		struct timespec ts;

		if (end > n)
			end = n;
		for (q = 0; q < nq; q++)
			from[q] = pos[q];
		/* The kernel: NAPI polls of up to 64 frames per queue. */
		while (seq < end) {
			uint64_t e = seq + (uint64_t)NAPI_BUDGET * nq;

			if (e > end)
				e = end;
			clock_gettime(CLOCK_REALTIME, &ts);
			for (; seq < e; seq++)
				fakedev_rx(&dev, seq % nq, seq, len, &ts);
			for (q = 0; q < nq; q++)
				fakedev_flush(&dev, q);
		}
		for (q = 0; q < nq; q++)
			pos[q] = __atomic_load_n(fakedev_prod_ptr(&dev, q),
						 __ATOMIC_ACQUIRE);

		if (on[P_MFILE] || on[P_PFILE]) {
			uint64_t need = 0;

			for (q = 0; q < nq; q++)
				need += (uint32_t)(pos[q] - from[q]);
			if (need > file_size)
				die("memcpy_file", "-C is smaller than a ring");
			if (on[P_MFILE])
				mfile_room(&mf, need);
			if (on[P_PFILE]) {
				mfile_room(&pf, need);
				pf.iov_off = pf.off;
			}
		}
		for (k = 0; k < P_N; k++) {
			unsigned int p = (chunk + k) % P_N;
			uint64_t w0, c0, pc0;

			if (!on[p])
				continue;
			w0 = clk(CLOCK_MONOTONIC);
			c0 = clk(CLOCK_THREAD_CPUTIME_ID);
			pc0 = clk(CLOCK_PROCESS_CPUTIME_ID);
			for (q = 0; q < nq; q++) {
				int r;

				switch (p) {
				case P_OURS:
					r = lwp_queue_drain(&lq[q], fring_write,
							    fr, err);
					if (r < 0)
						die("drain", err);
					break;
				case P_PCAP:
					walk_queue(&dev, q, from[q], pos[q],
						   peer_run, &peer);
					break;
				case P_MEMCPY:
					walk_queue(&dev, q, from[q], pos[q],
						   mc_run, &mc);
					break;
				case P_PCAPC:
					walk_queue(&dev, q, from[q], pos[q],
						   peer_run, &peerc);
					break;
				case P_MFILE:
					walk_queue(&dev, q, from[q], pos[q],
						   mfile_run, &mf);
					break;
				case P_PFILE:
					walk_queue(&dev, q, from[q], pos[q],
						   pfile_run, &pf);
					break;
				}
			}
			if (p == P_PFILE)
				pfile_flush(&pf);
			acc[p].wall += clk(CLOCK_MONOTONIC) - w0;
			acc[p].cpu += clk(CLOCK_THREAD_CPUTIME_ID) - c0;
			if (p == P_OURS) {
				int64_t sw = (int64_t)(clk(CLOCK_PROCESS_CPUTIME_ID) -
						       pc0) -
					     (int64_t)(clk(CLOCK_THREAD_CPUTIME_ID) -
						       c0);

				if (sw > 0)
					acc[p].sw_cpu += sw;
			}
		}
		/* Without ours nobody frees the ring: play the reader. */
		if (!on[P_OURS])
			for (q = 0; q < nq; q++)
				__atomic_store_n(lq[q].cons_usr, pos[q],
						 __ATOMIC_RELEASE);
		if (on[P_MEMCPY] || on[P_MFILE] || on[P_PFILE])
			for (q = 0; q < nq; q++)
				walk_queue(&dev, q, from[q], pos[q],
					   count_run, &mc_pkts);
	}

	for (q = 0; q < nq; q++) {
		uint64_t pk, by, dr, bc;

		fakedev_counts(&dev, q, &pk, &by, &dr, &bc);
		produced += pk + dr;
		drops += dr;
	}
	if (fr) {
		if (fring_close(fr, &fs, err))
			die("fring_close", err);
		acc[P_OURS].pkts = fs.pkts;
		/* file bytes minus the file headers: record bytes */
		acc[P_OURS].bytes = fs.caplen + fs.pkts * PCAP_REC_HDR_LEN;
	}
	if (peer.dump) {
		pcap_dump_close(peer.dump);
		pcap_close(peer.pd);
		acc[P_PCAP].pkts = peer.pkts;
		acc[P_PCAP].bytes = peer.bytes;
	}
	if (peerc.dump) {
		pcap_dump_close(peerc.dump);
		pcap_close(peerc.pd);
		acc[P_PCAPC].pkts = peerc.pkts;
		acc[P_PCAPC].bytes = peerc.bytes;
	}
	acc[P_MEMCPY].pkts = mc_pkts;
	acc[P_MEMCPY].bytes = mc.bytes;
	acc[P_MFILE].pkts = on[P_MFILE] ? mc_pkts : 0;
	acc[P_MFILE].bytes = mf.bytes;
	acc[P_PFILE].pkts = on[P_PFILE] ? mc_pkts : 0;
	acc[P_PFILE].bytes = pf.bytes;
	mfile_drop(&mf);
	mfile_drop(&pf);

	for (i = 0; i < P_N; i++) {
		if (!on[i])
			continue;
		printf("RESULT path=%s snaplen=%u len=%u queues=%u pkts=%llu produced=%llu drops=%llu written=%llu bytes=%llu wall_ns=%llu cpu_ns=%llu swapper_cpu_ns=%llu files=%llu swapper_waits=%llu\n",
		       pname[i], snaplen, len, nq, (unsigned long long)n,
		       (unsigned long long)produced,
		       (unsigned long long)drops,
		       (unsigned long long)acc[i].pkts,
		       (unsigned long long)acc[i].bytes,
		       (unsigned long long)acc[i].wall,
		       (unsigned long long)acc[i].cpu,
		       (unsigned long long)acc[i].sw_cpu,
		       (unsigned long long)(i == P_OURS ? fs.files : 0),
		       (unsigned long long)(i == P_OURS ? fs.waits : 0));
		if (produced != n || acc[i].pkts != produced - drops) {
			fprintf(stderr,
				"capbench: %s: %llu written of %llu produced - %llu drops: frames unaccounted for\n",
				pname[i], (unsigned long long)acc[i].pkts,
				(unsigned long long)produced,
				(unsigned long long)drops);
			bad = 1;
		}
	}
	for (q = 0; q < nq; q++)
		lwp_queue_fini(&lq[q]);
	free(lq);
	free(pos);
	if (mc.buf)
		munmap(mc.buf, mc.size);
	fakedev_destroy(&dev);
	return bad;
}
