// SPDX-License-Identifier: GPL-2.0
/*
 * filter.c - tcpdump-syntax capture filters: compiled by libpcap, run on
 * each record before it is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter.h"
#include "pcapfile.h"
#include "util.h"

#define FOUT_RUNS	256	/* accepted stretches handed on at a time */
#define FILTER_FILE_MAX	(1U << 20)

/**
 * lwp_filter_join() - the expression from the trailing arguments
 *
 * Joined with single spaces, as tcpdump joins them, so
 * "not port 22" and not port 22 give the same filter.
 *
 * Return: 0 with a malloc'ed string in *@out (NULL if @argc is 0), or
 * -ENOMEM.
 */
int lwp_filter_join(char *const *argv, int argc, char **out, char *err)
{
	size_t len = 0;
	char *s;
	int i;

	*out = NULL;
	if (argc <= 0)
		return 0;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return lwp_err(err, -ENOMEM, "out of memory");
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	*out = s;
	return 0;
}

/**
 * lwp_filter_read_file() - the expression in @path (-F)
 *
 * As tcpdump's -F: the whole file is the expression, and '#' starts a
 * comment that runs to the end of its line.
 *
 * Return: 0 with a malloc'ed string in *@out, or a negative errno with
 * the reason in @err.
 */
int lwp_filter_read_file(const char *path, char **out, char *err)
{
	struct stat st;
	ssize_t n;
	size_t i;
	char *s;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lwp_err(err, -errno, "-F %s: %s", path,
			       strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > FILTER_FILE_MAX) {
		ret = lwp_err(err, -EINVAL,
			      "-F %s: not a regular file of at most %u bytes",
			      path, FILTER_FILE_MAX);
		goto err_close;
	}
	s = malloc(st.st_size + 1);
	if (!s) {
		ret = lwp_err(err, -ENOMEM, "out of memory");
		goto err_close;
	}
	n = read(fd, s, st.st_size);
	if (n < 0) {
		ret = lwp_err(err, -errno, "-F %s: %s", path, strerror(errno));
		goto err_free;
	}
	s[n] = '\0';
	if (strlen(s) != (size_t)n) {
		ret = lwp_err(err, -EINVAL, "-F %s: contains a NUL byte",
			      path);
		goto err_free;
	}
	for (i = 0; i < (size_t)n; i++)
		if (s[i] == '#')
			while (i < (size_t)n && s[i] != '\n')
				s[i++] = ' ';
	close(fd);
	*out = s;
	return 0;

err_free:
	free(s);
err_close:
	close(fd);
	return ret;
}

/**
 * lwp_filter_compile() - compile @expr with libpcap for Ethernet frames
 * @snaplen: the capture's snaplen (the program is built for it)
 *
 * Return: 0, or -EINVAL with libpcap's own message in @err.
 */
int lwp_filter_compile(struct lwp_filter *f, const char *expr,
		       uint32_t snaplen, char *err)
{
	pcap_t *p;
	int ret = 0;

	memset(f, 0, sizeof(*f));
	f->expr = strdup(expr);
	if (!f->expr)
		return lwp_err(err, -ENOMEM, "out of memory");
	p = pcap_open_dead(DLT_EN10MB, snaplen);
	if (!p) {
		ret = lwp_err(err, -ENOMEM, "pcap_open_dead failed");
		goto err_free;
	}
	/* optimize 1 and an unknown netmask, as tcpdump's defaults */
	if (pcap_compile(p, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		ret = lwp_err(err, -EINVAL, "invalid filter '%s': %s", expr,
			      pcap_geterr(p));
		pcap_close(p);
		goto err_free;
	}
	pcap_close(p);
	return 0;

err_free:
	free(f->expr);
	f->expr = NULL;
	return ret;
}

void lwp_filter_free(struct lwp_filter *f)
{
	if (!f->expr)
		return;
	pcap_freecode(&f->prog);
	free(f->expr);
	f->expr = NULL;
}

/**
 * lwp_filter_match() - run the program on one ring record
 * @rec: a record header followed by its caplen bytes
 *
 * Return: nonzero if the filter accepts the frame.
 */
int lwp_filter_match(const struct lwp_filter *f, const uint8_t *rec)
{
	struct lwpcap_rec_hdr h;

	/* Records are packed: a header may be unaligned. */
	memcpy(&h, rec, sizeof(h));
	return bpf_filter(f->prog.bf_insns, rec + PCAP_REC_HDR_LEN, h.len,
			  h.caplen) != 0;
}

/**
 * struct lwp_fout - the filter stage in front of an output
 * @f:        the program (the caller's, outlives this)
 * @ops:      the output behind
 * @inner:    its state
 * @rejected: records the filter rejected (read by other threads)
 * @accepted: records it accepted (handed on or not)
 * @runs:     scratch for the accepted stretches of one sub-batch
 */
struct lwp_fout {
	const struct lwp_filter *f;
	const struct lwp_out_ops *ops;
	void *inner;
	uint64_t rejected;
	uint64_t accepted;
	struct lwp_run runs[FOUT_RUNS];
};

/**
 * lwp_fout_open() - put filter @f in front of output @inner
 *
 * From then on, the stage owns @inner: closing it closes @inner.
 */
int lwp_fout_open(struct lwp_fout **out, const struct lwp_filter *f,
		  const struct lwp_out_ops *ops, void *inner, char *err)
{
	struct lwp_fout *fo = calloc(1, sizeof(*fo));

	if (!fo)
		return lwp_err(err, -ENOMEM, "out of memory");
	fo->f = f;
	fo->ops = ops;
	fo->inner = inner;
	*out = fo;
	return 0;
}

static int hand_on(struct lwp_fout *fo, struct lwp_batch *nb, char *err)
{
	int ret = fo->ops->write(fo->inner, nb, err);

	nb->nruns = 0;
	nb->bytes = 0;
	nb->pkts = 0;
	nb->caplen = 0;
	return ret;
}

/*
 * Sink: walk every record, keep the accepted ones as runs of the ring's
 * own bytes (no copy here), hand them on FOUT_RUNS stretches at a time.
 * A batch with nothing accepted still reaches the output, so that a busy
 * but fully filtered link keeps -G rotating.
 */
static int fout_write(void *arg, const struct lwp_batch *b, char *err)
{
	struct lwp_batch nb = { .runs = NULL };
	struct lwp_fout *fo = arg;
	uint64_t rejected = 0, accepted = 0;
	unsigned int i;
	int ret = 0;

	nb.runs = fo->runs;
	nb.queue = b->queue;
	for (i = 0; i < b->nruns && !ret; i++) {
		const uint8_t *p = b->runs[i].p, *end = p + b->runs[i].len;
		struct lwp_run *cur = NULL;

		while (p < end) {
			struct lwpcap_rec_hdr h;
			uint32_t rec;

			if ((size_t)(end - p) < PCAP_REC_HDR_LEN) {
				ret = lwp_err(err, -EPROTO,
					      "corrupt record in the ring (%zu bytes left in the run)",
					      (size_t)(end - p));
				break;
			}
			/* Records are packed: a header may be unaligned. */
			memcpy(&h, p, sizeof(h));
			if (h.caplen > (size_t)(end - p) - PCAP_REC_HDR_LEN) {
				ret = lwp_err(err, -EPROTO,
					      "corrupt record in the ring (caplen %u, len %u, %zu bytes left in the run)",
					      h.caplen, h.len,
					      (size_t)(end - p));
				break;
			}
			rec = PCAP_REC_HDR_LEN + h.caplen;
			if (!lwp_filter_match(fo->f, p)) {
				rejected++;
				cur = NULL;
				p += rec;
				continue;
			}
			if (!cur) {
				if (nb.nruns == FOUT_RUNS) {
					nb.runs = fo->runs;
					ret = hand_on(fo, &nb, err);
					if (ret)
						break;
				}
				cur = &fo->runs[nb.nruns++];
				cur->p = p;
				cur->len = 0;
			}
			accepted++;
			cur->len += rec;
			nb.bytes += rec;
			nb.pkts++;
			nb.caplen += h.caplen;
			p += rec;
		}
	}
	/* Counted only up to where the output stopped taking records. */
	__atomic_store_n(&fo->rejected,
			 __atomic_load_n(&fo->rejected, __ATOMIC_RELAXED) +
			 rejected, __ATOMIC_RELAXED);
	__atomic_store_n(&fo->accepted,
			 __atomic_load_n(&fo->accepted, __ATOMIC_RELAXED) +
			 accepted, __ATOMIC_RELAXED);
	if (ret)
		return ret;
	return hand_on(fo, &nb, err);
}

/** lwp_fout_counts() - the filter's verdicts so far, from any thread */
void lwp_fout_counts(struct lwp_fout *fo, uint64_t *accepted,
		     uint64_t *rejected)
{
	*accepted = __atomic_load_n(&fo->accepted, __ATOMIC_RELAXED);
	*rejected = __atomic_load_n(&fo->rejected, __ATOMIC_RELAXED);
}

static int fout_pass(void *arg, char *err)
{
	struct lwp_fout *fo = arg;

	return fo->ops->pass ? fo->ops->pass(fo->inner, err) : 0;
}

static int fout_tick(void *arg, char *err)
{
	struct lwp_fout *fo = arg;

	return fo->ops->tick(fo->inner, err);
}

static int fout_ms_to_rotation(void *arg)
{
	struct lwp_fout *fo = arg;

	return fo->ops->ms_to_rotation(fo->inner);
}

static void fout_get_stats(void *arg, struct fring_stats *st)
{
	struct lwp_fout *fo = arg;

	fo->ops->get_stats(fo->inner, st);
	st->filtered = __atomic_load_n(&fo->rejected, __ATOMIC_RELAXED);
	st->filter_on = 1;
}

static int fout_close(void *arg, struct fring_stats *final, char *err)
{
	struct lwp_fout *fo = arg;
	int ret;

	ret = fo->ops->close(fo->inner, final, err);
	if (final) {
		final->filtered = fo->rejected;
		final->filter_on = 1;
	}
	free(fo);
	return ret;
}

static void fout_abort(void *arg)
{
	struct lwp_fout *fo = arg;

	fo->ops->abort(fo->inner);
	free(fo);
}

const struct lwp_out_ops lwp_fout_ops = {
	.write		= fout_write,
	.pass		= fout_pass,
	.tick		= fout_tick,
	.ms_to_rotation	= fout_ms_to_rotation,
	.close		= fout_close,
	.abort		= fout_abort,
	.get_stats	= fout_get_stats,
};
