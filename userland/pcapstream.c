// SPDX-License-Identifier: GPL-2.0
/*
 * pcapstream.c - a pcap stream on standard output.
 *
 * The drain thread writes each run of records as it is, with write(2).
 * A pipe is written through its own non-blocking open file description
 * (/proc/self/fd/N), so that a full pipe is waited for in poll() and a
 * second stop signal can end that wait; standard output itself keeps
 * its flags (the shell and the other end share them).  Anything else (a
 * file, a terminal) is written with blocking writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapfile.h"
#include "pcapng.h"
#include "pcapstream.h"
#include "util.h"

#define PSTREAM_POLL_MS	100	/* how often a full pipe checks @hurry */
#define PSTREAM_NG_BUF	(256U << 10)	/* > the largest EPB */

struct pstream {
	struct pstream_cfg cfg;
	int fd;
	int own_fd;
	uint64_t pkts_left;
	struct fring_stats st;
	uint8_t *ng_buf;
	uint64_t recs;
};

/* Other threads read the stats while the drain thread adds to them. */
static inline void stat_add(uint64_t *ctr, uint64_t v)
{
	__atomic_store_n(ctr, __atomic_load_n(ctr, __ATOMIC_RELAXED) + v,
			 __ATOMIC_RELAXED);
}

/*
 * All of @len bytes, or -EPIPE (the reader went away), -ECANCELED (a
 * second stop signal while the pipe was full) or another error.
 */
static int write_all(struct pstream *s, const uint8_t *p, size_t len,
		     char *err)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
	ssize_t n;

	while (len) {
		n = write(s->fd, p, len);
		if (n > 0) {
			p += n;
			len -= n;
			stat_add(&s->st.file_bytes, n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE)
			return lwp_err(err, -EPIPE,
				       "%s: the reader of the pipe went away",
				       s->cfg.name);
		if (n < 0 && errno != EAGAIN)
			return lwp_err(err, -errno, "cannot write to %s: %s",
				       s->cfg.name, strerror(errno));
		if (s->cfg.hurry &&
		    __atomic_load_n(s->cfg.hurry, __ATOMIC_RELAXED))
			return lwp_err(err, -ECANCELED,
				       "%s: the reader of the pipe does not read; %zu bytes not written",
				       s->cfg.name, len);
		if (poll(&pfd, 1, PSTREAM_POLL_MS) < 0 && errno != EINTR)
			return lwp_err(err, -errno, "%s: poll: %s",
				       s->cfg.name, strerror(errno));
	}
	return 0;
}

/* A pipe gets its own non-blocking description; see the top. */
static int stream_fd(const struct pstream_cfg *cfg, int *own)
{
	char path[64];
	struct stat st;
	int fd;

	*own = 0;
	if (fstat(cfg->fd, &st) || !S_ISFIFO(st.st_mode))
		return cfg->fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", cfg->fd);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENXIO ? -EPIPE : cfg->fd;
	*own = 1;
	return fd;
}

/**
 * pstream_open() - start the stream: its file header
 *
 * Return: 0, or a negative errno (-EPIPE: the pipe has no reader).
 */
int pstream_open(struct pstream **out, const struct pstream_cfg *cfg,
		 char *err)
{
	uint8_t hdr[PCAP_HDR_LEN];
	struct pstream *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return lwp_err(err, -ENOMEM, "out of memory");
	s->cfg = *cfg;
	s->pkts_left = cfg->max_pkts;
	s->fd = stream_fd(cfg, &s->own_fd);
	if (s->fd < 0) {
		ret = lwp_err(err, s->fd, "%s: the pipe has no reader",
			      cfg->name);
		goto err_free;
	}
	if (cfg->format == LWP_FMT_PCAPNG) {
		s->ng_buf = malloc(PSTREAM_NG_BUF);
		if (!s->ng_buf) {
			ret = lwp_err(err, -ENOMEM, "out of memory");
			goto err_close;
		}
		ret = write_all(s, s->ng_buf,
				pcapng_hdr_fill(s->ng_buf, cfg->ifname,
						cfg->snaplen, cfg->linktype),
				err);
	} else {
		pcap_hdr_fill(hdr, cfg->snaplen, cfg->linktype);
		ret = write_all(s, hdr, sizeof(hdr), err);
	}
	if (ret)
		goto err_close;
	*out = s;
	return 0;

err_close:
	free(s->ng_buf);
	if (s->own_fd)
		close(s->fd);
err_free:
	free(s);
	return ret;
}

/*
 * pcapng: each run converted to EPBs through a buffer, up to the -c
 * limit; records are counted once their EPBs are written.
 */
static int write_ng(struct pstream *s, const struct lwp_batch *b, char *err)
{
	bool counting = s->cfg.max_pkts;
	struct pcap_walk w;
	unsigned int i;
	size_t n, len;
	const uint8_t *p;
	int ret;

	for (i = 0; i < b->nruns; i++) {
		p = b->runs[i].p;
		len = b->runs[i].len;
		while (len && (!counting || s->pkts_left)) {
			n = pcapng_convert(s->ng_buf, PSTREAM_NG_BUF, p, len,
					   counting ? s->pkts_left : UINT64_MAX,
					   &w);
			if (w.bad || !w.pkts)
				return lwp_err(err, -EPROTO,
					       "corrupt record in the ring (caplen beyond the run)");
			ret = write_all(s, s->ng_buf, n, err);
			if (ret)
				return ret;
			p += w.bytes;
			len -= w.bytes;
			s->recs += w.pkts;
			if (counting)
				s->pkts_left -= w.pkts;
			stat_add(&s->st.pkts, w.pkts);
			stat_add(&s->st.caplen, w.caplen);
		}
	}
	return counting && !s->pkts_left ? LWP_STOP : 0;
}

/*
 * The batch in which the -c limit falls: whole records up to it, then
 * LWP_STOP.
 */
static int write_counted(struct pstream *s, const struct lwp_batch *b,
			 char *err)
{
	struct pcap_walk w;
	unsigned int i;
	int ret;

	for (i = 0; i < b->nruns && s->pkts_left; i++) {
		pcap_walk(b->runs[i].p, b->runs[i].len, SIZE_MAX,
			  s->pkts_left, s->cfg.snaplen, &w);
		if (w.bad)
			return lwp_err(err, -EPROTO,
				       "corrupt record in the ring (caplen beyond snaplen %u or the run)",
				       s->cfg.snaplen);
		ret = write_all(s, b->runs[i].p, w.bytes, err);
		if (ret)
			return ret;
		s->pkts_left -= w.pkts;
		stat_add(&s->st.pkts, w.pkts);
		stat_add(&s->st.caplen, w.caplen);
	}
	return s->pkts_left ? 0 : LWP_STOP;
}

/*
 * Sink: the runs as they are.  After an error, the records of a run
 * written in part are not counted (the stream is cut there anyway).
 */
static int pstream_write(void *arg, const struct lwp_batch *b, char *err)
{
	struct pstream *s = arg;
	struct pcap_walk w;
	unsigned int i, k;
	int ret = 0;

	if (s->ng_buf)
		return write_ng(s, b, err);
	if (s->cfg.max_pkts && b->pkts >= s->pkts_left)
		return write_counted(s, b, err);
	for (i = 0; i < b->nruns; i++) {
		ret = write_all(s, b->runs[i].p, b->runs[i].len, err);
		if (ret)
			break;
	}
	if (ret) {
		for (k = 0; k < i; k++) {
			pcap_walk(b->runs[k].p, b->runs[k].len, SIZE_MAX,
				  UINT64_MAX, LWPCAP_SNAPLEN_MAX, &w);
			stat_add(&s->st.pkts, w.pkts);
			stat_add(&s->st.caplen, w.caplen);
		}
		return ret;
	}
	if (s->cfg.max_pkts)
		s->pkts_left -= b->pkts;
	stat_add(&s->st.pkts, b->pkts);
	stat_add(&s->st.caplen, b->caplen);
	return 0;
}

static int pstream_tick(void *arg, char *err)
{
	(void)arg;
	(void)err;
	return 0;
}

static int pstream_ms_to_rotation(void *arg)
{
	(void)arg;
	return -1;
}

static void pstream_get_stats(void *arg, struct fring_stats *st)
{
	struct pstream *s = arg;

	st->pkts = __atomic_load_n(&s->st.pkts, __ATOMIC_RELAXED);
	st->caplen = __atomic_load_n(&s->st.caplen, __ATOMIC_RELAXED);
	st->file_bytes = __atomic_load_n(&s->st.file_bytes, __ATOMIC_RELAXED);
	st->files = 0;
	st->waits = 0;
	st->wait_ns = 0;
	st->stream = 1;
}

/*
 * pcapng: the ISB that ends the stream.  A reader of the pipe that went
 * away is no error here (the capture ended because of it).
 */
static int put_isb(struct pstream *s, char *err)
{
	struct pcapng_isb c = { 0 };
	int ret;

	if (s->cfg.isb)
		s->cfg.isb(s->cfg.isb_arg, &c);
	c.ts_ns = lwp_wall_ns();
	c.usrdeliv = s->recs;
	ret = write_all(s, s->ng_buf, pcapng_isb_fill(s->ng_buf, &c), err);
	return ret == -EPIPE ? 0 : ret;
}

static int stream_close(struct pstream *s, struct fring_stats *final,
			bool capturing, char *err)
{
	int ret = 0;

	if (s->ng_buf && capturing)
		ret = put_isb(s, err);
	if (final)
		pstream_get_stats(s, final);
	free(s->ng_buf);
	if (s->own_fd)
		close(s->fd);
	free(s);
	return ret;
}

static int pstream_close(void *arg, struct fring_stats *final, char *err)
{
	return stream_close(arg, final, true, err);
}

static void pstream_abort(void *arg)
{
	stream_close(arg, NULL, false, NULL);
}

const struct lwp_out_ops pstream_out_ops = {
	.write		= pstream_write,
	.tick		= pstream_tick,
	.ms_to_rotation	= pstream_ms_to_rotation,
	.close		= pstream_close,
	.abort		= pstream_abort,
	.get_stats	= pstream_get_stats,
};
