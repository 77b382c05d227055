// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - runner and shared checks.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "pktindex.h"
#include "util.h"
#include "pcapfile.h"
#include "repair.h"

bool under_valgrind(void)
{
	return getenv("TG3CAP_UNDER_VALGRIND") != NULL;
}

uint64_t scaled(uint64_t n)
{
	return under_valgrind() ? (n / 20 ? n / 20 : 1) : n;
}

/* Named after the test's process, so the runner can clean up after it. */
int tmpdir_make(char *buf, size_t len)
{
	if (snprintf(buf, len, "/tmp/tg3cap-test.%d.XXXXXX",
		     (int)getpid()) >= (int)len)
		return -1;
	return mkdtemp(buf) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tmpdir_remove(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int seqset_init(struct seqset *s, uint64_t n)
{
	s->n = n;
	s->bits = calloc(n / 8 + 1, 1);
	return s->bits ? 0 : -1;
}

void seqset_add(struct seqset *s, uint64_t seq)
{
	if (seq < s->n)
		s->bits[seq / 8] |= 1 << (seq % 8);
}

bool seqset_has(const struct seqset *s, uint64_t seq)
{
	return seq < s->n && (s->bits[seq / 8] & (1 << (seq % 8)));
}

void seqset_free(struct seqset *s)
{
	free(s->bits);
	s->bits = NULL;
}

void checker_init(struct checker *c, uint32_t snaplen, unsigned int nq,
		  const struct seqset *stored)
{
	memset(c, 0, sizeof(*c));
	c->snaplen = snaplen;
	c->nq = nq;
	c->stored = stored;
}

int checker_feed(struct checker *c, const uint8_t *p, size_t len)
{
	uint8_t want[LWPCAP_SNAPLEN_MAX];
	size_t off = 0;

	while (off < len) {
		struct lwpcap_rec_hdr h;
		uint64_t seq;
		unsigned int q;

		CHECKF(len - off >= sizeof(h), "half a header at %zu", off);
		memcpy(&h, p + off, sizeof(h));
		off += sizeof(h);
		CHECKF(h.caplen == (h.len < c->snaplen ? h.len : c->snaplen),
		       "caplen %u len %u snaplen %u", h.caplen, h.len,
		       c->snaplen);
		CHECKF(h.caplen >= FAKE_SEQ_OFF + 8, "caplen %u", h.caplen);
		CHECKF(h.ts_nsec < 1000000000U, "ts_nsec %u", h.ts_nsec);
		CHECKF(len - off >= h.caplen, "half a frame at %zu", off);
		memcpy(&seq, p + off + FAKE_SEQ_OFF, sizeof(seq));
		q = seq % c->nq;
		CHECKF(!c->started[q] || seq >= c->next[q],
		       "seq %llu after %llu on queue %u: out of order or duplicate",
		       (unsigned long long)seq,
		       (unsigned long long)c->next[q], q);
		if (c->stored)
			CHECKF(seqset_has(c->stored, seq),
			       "seq %llu was never stored",
			       (unsigned long long)seq);
		fakedev_frame(want, seq, h.len, h.caplen);
		CHECKF(!memcmp(want, p + off, h.caplen),
		       "frame %llu differs from what was produced",
		       (unsigned long long)seq);
		c->next[q] = seq + 1;
		c->started[q] = 1;
		if (seq > c->seen_max)
			c->seen_max = seq;
		off += h.caplen;
		c->pkts++;
		c->caplen += h.caplen;
	}
	return 0;
}

int read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	*len = st.st_size;
	*buf = malloc(*len + 1);
	if (!*buf) {
		close(fd);
		return -1;
	}
	n = read(fd, *buf, *len);
	close(fd);
	if (n != (ssize_t)*len) {
		free(*buf);
		return -1;
	}
	return 0;
}

int check_series(const char *prefix, struct checker *c, unsigned int *files,
		 unsigned int first, unsigned int last)
{
	unsigned int seq;

	*files = 0;
	for (seq = first; seq <= last; seq++) {
		char path[4096];
		struct pcap_file_hdr h;
		uint8_t *buf;
		size_t len;
		int ret;

		lwp_series_name(path, sizeof(path), prefix, seq, LWP_SUFFIX);
		CHECKF(!read_file(path, &buf, &len), "cannot read %s", path);
		if (len < sizeof(h)) {
			free(buf);
			CHECKF(0, "%s is shorter than a header", path);
		}
		memcpy(&h, buf, sizeof(h));
		ret = h.magic == PCAP_MAGIC_NSEC && h.version_major == 2 &&
		      h.version_minor == 4 && h.linktype == 1 &&
		      h.snaplen == c->snaplen && !h.thiszone && !h.sigfigs;
		if (ret)
			ret = !checker_feed(c, buf + sizeof(h),
					    len - sizeof(h));
		free(buf);
		CHECKF(ret, "%s: bad header or records", path);
		(*files)++;
	}
	return 0;
}

int write_script(char *path, size_t len, const char *dir, const char *fmt,
		 ...)
{
	va_list ap;
	FILE *f;
	int ok;

	if ((size_t)snprintf(path, len, "%s/z.sh", dir) >= len)
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	va_start(ap, fmt);
	ok = fputs("#!/bin/sh\n", f) >= 0 && vfprintf(f, fmt, ap) >= 0;
	va_end(ap);
	ok = !fclose(f) && ok;
	return ok && !chmod(path, 0755) ? 0 : -1;
}

int run_sh(const char *cmd, char *out, size_t outlen)
{
	char buf[4096];
	size_t n = 0, r;
	FILE *p;
	int st;

	p = popen(cmd, "r");
	if (!p)
		return -1;
	while ((r = fread(buf, 1, sizeof(buf), p)) > 0) {
		if (out && n + 1 < outlen) {
			size_t k = r < outlen - n - 1 ? r : outlen - n - 1;

			memcpy(out + n, buf, k);
			n += k;
		}
	}
	if (out && outlen)
		out[n] = '\0';
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Both readers must accept the file without a word on stderr beyond
 * tcpdump's "reading from file" line, and count exactly @pkts.
 */
int check_tools(const char *path, uint64_t pkts)
{
	char cmd[8192], out[8192];
	unsigned long long n;
	int st;

	snprintf(cmd, sizeof(cmd), "capinfos -T -r -c -M '%s' 2>&1", path);
	st = run_sh(cmd, out, sizeof(out));
	CHECKF(st != 127, "capinfos is missing: run 'make deps' (wireshark-common)");
	CHECKF(st == 0, "capinfos failed on %s: %s", path, out);
	CHECKF(sscanf(out, "%*s %llu", &n) == 1 && n == pkts,
	       "capinfos counts %s in %s, expected %llu", out, path,
	       (unsigned long long)pkts);

	st = run_sh("command -v tcpdump >/dev/null", NULL, 0);
	CHECKF(st == 0, "tcpdump is missing: run 'make deps'");
	snprintf(cmd, sizeof(cmd), "tcpdump -n -r '%s' >/dev/null 2>&1",
		 path);
	st = run_sh(cmd, NULL, 0);
	CHECKF(st == 0, "tcpdump -r %s exits %d", path, st);
	snprintf(cmd, sizeof(cmd),
		 "tcpdump -n -r '%s' 2>&1 | grep -v '^reading from file' | wc -l",
		 path);
	st = run_sh(cmd, out, sizeof(out));
	CHECKF(st == 0 && strtoull(out, NULL, 10) == pkts,
	       "tcpdump prints %s lines for %s, expected %llu", out, path,
	       (unsigned long long)pkts);
	return 0;
}

uint64_t file_records(const char *path)
{
	struct pcap_walk w;
	uint8_t *buf;
	size_t len;

	if (read_file(path, &buf, &len))
		return UINT64_MAX;
	if (len < PCAP_HDR_LEN) {
		free(buf);
		return UINT64_MAX;
	}
	pcap_walk(buf + PCAP_HDR_LEN, len - PCAP_HDR_LEN, len, UINT64_MAX,
		  LWPCAP_SNAPLEN_MAX, &w);
	free(buf);
	if (w.bad || w.bytes != len - PCAP_HDR_LEN)
		return UINT64_MAX;
	return w.pkts;
}

int count_files(const char *dir, const char *suffix)
{
	size_t sl = strlen(suffix);
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l >= sl && !strcmp(de->d_name + l - sl, suffix))
			n++;
	}
	closedir(d);
	return n;
}

/* What a failed test left: its tmpfs mounts and directories. */
static void cleanup_after(pid_t pid)
{
	char pat[64];
	glob_t g;
	size_t i;

	snprintf(pat, sizeof(pat), "/tmp/tg3cap-test.%d.*", (int)pid);
	if (getenv("TG3CAP_TEST_KEEP") || glob(pat, 0, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		umount2(g.gl_pathv[i], MNT_DETACH);
		tmpdir_remove(g.gl_pathv[i]);
	}
	globfree(&g);
}

static int run_one(const struct test *t)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		exit(t->fn() ? 1 : 0);	/* exit(): LeakSanitizer runs at exit */
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	cleanup_after(pid);
	if (WIFSIGNALED(status))
		fprintf(stderr, "  killed by signal %d\n", WTERMSIG(status));
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/*
 * Is the test @name one the arguments ask for?  With none, every test;
 * an argument NAME takes the tests whose names hold it, "!NAME" leaves
 * them out (run.sh: the tests that measure the machine run alone).
 */
static bool wanted(const char *name, int argc, char **argv)
{
	bool want = true, any = false;
	int k;

	for (k = 1; k < argc; k++) {
		if (argv[k][0] == '!') {
			if (strstr(name, argv[k] + 1))
				return false;
			continue;
		}
		if (!any)
			want = false;
		any = true;
		if (strstr(name, argv[k]))
			want = true;
	}
	return want;
}

int main(int argc, char **argv)
{
	static const struct {
		const struct test *t;
		const unsigned int *n;
	} groups[] = {
		{ ring_tests, &ring_tests_n },
		{ file_tests, &file_tests_n },
		{ cli_tests, &cli_tests_n },
		{ out_tests, &out_tests_n },
		{ series_tests, &series_tests_n },
		{ index_tests, &index_tests_n },
		{ fileindex_tests, &fileindex_tests_n },
		{ extract_tests, &extract_tests_n },
		{ metrics_tests, &metrics_tests_n },
		{ slowdisk_tests, &slowdisk_tests_n },
		{ offload_tests, &offload_tests_n },
	};
	const char *tag = getenv("TG3CAP_TEST_TAG");
	unsigned int g, i, pass = 0, fail = 0;
	uint64_t t0;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (g = 0; g < ARRAY_SIZE(groups); g++) {
		for (i = 0; i < *groups[g].n; i++) {
			const struct test *t = &groups[g].t[i];

			if (!wanted(t->name, argc, argv))
				continue;
			t0 = lwp_now_ns();
			ok = !run_one(t);
			/* the time: what the gate's budget is made of */
			printf("%s %s%s (%.1f s)\n", ok ? "PASS" : "FAIL",
			       tag ? tag : "", t->name,
			       (lwp_now_ns() - t0) / 1e9);
			if (ok)
				pass++;
			else
				fail++;
		}
	}
	printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}

const char *reader(void)
{
	const char *r = getenv("TG3CAP_READER");

	return r ? r : "./tg3cap-reader";
}

int rd_killed(const char *const *argv, unsigned int ms)
{
	const char *v[32] = { reader() };
	unsigned int i;
	int st;
	pid_t pid;

	for (i = 0; argv[i] && i + 2 < 32; i++)
		v[i + 1] = argv[i];
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		execv(v[0], (char *const *)v);
		_exit(127);
	}
	usleep(ms * 1000);
	kill(pid, SIGKILL);
	return waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) ? 0 : -1;
}

int rd(const char *args, char *out, size_t len)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", reader(), args);
	return run_sh(cmd, out, len);
}

int wait_exit(pid_t pid, unsigned int ms)
{
	unsigned int t;
	int status;

	for (t = 0; t < ms; t += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

int rd_throttled(uint64_t bps, const char *dir, const char *args,
		 const char *log, unsigned long *peak_kb)
{
	const char *lib = getenv("TG3CAP_TESTLIB");
	char cmd[8192], peak[300], out[4096];
	int ret;

	if (!lib) {
		fprintf(stderr, "  TG3CAP_TESTLIB is not set (tests/unit/run.sh sets it)\n");
		return -1;
	}
	snprintf(peak, sizeof(peak), "%s.peak", log);
	snprintf(cmd, sizeof(cmd),
		 "PEAK=%s %s/throttled.sh %llu %s %s %s 2>%s", peak, lib,
		 (unsigned long long)bps, dir, reader(), args, log);
	ret = run_sh(cmd, NULL, 0);
	*peak_kb = 0;
	if (!read_text(peak, out, sizeof(out)))
		*peak_kb = strtoul(out, NULL, 10);
	unlink(peak);
	return ret;
}

int ext4_mount(const char *img_dir, unsigned int mb, const char *dir)
{
	char cmd[1024], out[4096];
	int ret;

	snprintf(cmd, sizeof(cmd),
		 "truncate -s %uM %s/img && mkfs.ext4 -q -F %s/img && mount -o loop %s/img %s 2>&1",
		 mb, img_dir, img_dir, img_dir, dir);
	ret = run_sh(cmd, out, sizeof(out));
	if (ret)
		fprintf(stderr, "  %s: %s\n", cmd, out);
	return ret;
}

uint64_t json_u64(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : UINT64_MAX;
}

int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

uint32_t key_host(const char *addr)
{
	uint8_t b[16];

	if (strchr(addr, ':')) {
		inet_pton(AF_INET6, addr, b);
		return lwp_idx_key(LWP_IDX_HOST6, b, 16);
	}
	inet_pton(AF_INET, addr, b);
	return lwp_idx_key(LWP_IDX_HOST4, b, 4);
}

uint32_t key_be16(unsigned int kind, unsigned int v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	return lwp_idx_key(kind, b, 2);
}

uint32_t key_proto(unsigned int proto)
{
	uint8_t b = proto;

	return lwp_idx_key(LWP_IDX_PROTO, &b, 1);
}

/* The fake source's frames carry their number at FAKE_SEQ_OFF. */
uint64_t rec_seq(const uint8_t *rec)
{
	uint64_t seq;

	memcpy(&seq, rec + PCAP_REC_HDR_LEN + FAKE_SEQ_OFF, sizeof(seq));
	return seq;
}

/* mock_ops: a stand-in output that keeps what it was handed */
static int mock_write(void *arg, const struct lwp_batch *b, char *err)
{
	struct mock_out *m = arg;
	unsigned int i;
	uint32_t off;

	(void)err;
	m->calls++;
	m->pkts += b->pkts;
	m->caplen += b->caplen;
	for (i = 0; i < b->nruns; i++) {
		for (off = 0; off < b->runs[i].len;) {
			const struct lwpcap_rec_hdr *h =
				(const void *)(b->runs[i].p + off);

			if (m->nseq < ARRAY_SIZE(m->seqs))
				m->seqs[m->nseq++] = rec_seq(b->runs[i].p + off);
			off += sizeof(*h) + h->caplen;
		}
		if (off != b->runs[i].len)
			return -EPROTO;
	}
	return m->fail_with;
}

static int mock_tick(void *arg, char *err)
{
	(void)arg;
	(void)err;
	return 0;
}

static int mock_ms(void *arg)
{
	(void)arg;
	return -1;
}

static int mock_close(void *arg, struct fring_stats *final, char *err)
{
	struct mock_out *m = arg;

	(void)err;
	if (final) {
		memset(final, 0, sizeof(*final));
		final->pkts = m->pkts;
	}
	return 0;
}

static void mock_abort(void *arg)
{
	(void)arg;
}

static void mock_stats(void *arg, struct fring_stats *st)
{
	struct mock_out *m = arg;

	memset(st, 0, sizeof(*st));
	st->pkts = m->pkts;
}

const struct lwp_out_ops mock_ops = {
	.write		= mock_write,
	.tick		= mock_tick,
	.ms_to_rotation	= mock_ms,
	.close		= mock_close,
	.abort		= mock_abort,
	.get_stats	= mock_stats,
};

/* idle_ops: a source that wakes lwp_cap_run() only when a test says so */
static int idle_deactivate(void *src, char *err)
{
	(void)src;
	(void)err;
	return 0;
}

static int idle_stats(void *src, struct lwpcap_queue_stats *qs,
		      unsigned int n, char *err)
{
	(void)src;
	(void)qs;
	(void)n;
	(void)err;
	return -ENOSYS;
}

static void idle_ack(void *src)
{
	struct idle_src *s = src;
	char buf[64];

	while (read(s->pipe[0], buf, sizeof(buf)) > 0)
		;
}

const struct lwp_src_ops idle_ops = {
	.deactivate	= idle_deactivate,
	.stats		= idle_stats,
	.ack		= idle_ack,
};
