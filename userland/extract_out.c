// SPDX-License-Identifier: GPL-2.0
/*
 * extract_out.c - tg3cap-extract's output: the reader's nanosecond pcap
 * (what tcpdump -w writes of our files) or pcapng through pcapng.c, to a
 * file or a pipe, in batches of OUT_BATCH bytes.
 *
 * A reader of the pipe that goes away (Wireshark closed, "| head") ends
 * the query, not in an error: @closed is set and later records are
 * dropped, as tcpdump -w - ends on EPIPE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/lwpcap.h>

#include "extract.h"
#include "pcapfile.h"
#include "pcapng.h"

/* a batch, and room for the longest record besides */
#define OUT_BATCH	(1U << 20)
#define OUT_ROOM	(OUT_BATCH + PCAP_REC_HDR_LEN + PCAPNG_CAPLEN_MAX)
/* an EPB is at most 19 bytes longer than its pcap record */
#define NG_ROOM(len, recs)	((len) + 19 * (size_t)(recs))

/**
 * lwp_xout_init() - an output to @fd
 * @w: the output
 * @fd: a file or pipe, open for writing; not closed here
 * @pcapng: pcapng rather than nanosecond pcap
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * The header goes out with the first record or at lwp_xout_finish(),
 * with @w->snaplen as it is then.
 *
 * Return: 0 or -ENOMEM.
 */
int lwp_xout_init(struct lwp_xout *w, int fd, bool pcapng, char *err)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->pcapng = pcapng;
	w->snaplen = LWP_X_SNAPLEN;
	w->buf = malloc(OUT_ROOM);
	if (pcapng)
		w->ng = malloc(NG_ROOM(OUT_ROOM, OUT_ROOM / PCAP_REC_HDR_LEN));
	if (!w->buf || (pcapng && !w->ng)) {
		lwp_xout_free(w);
		return lwp_err(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static int write_all(struct lwp_xout *w, const uint8_t *p, size_t len,
		     char *err)
{
	ssize_t n;

	while (len && !w->closed) {
		n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			w->closed = true;
			break;
		}
		if (n < 0)
			return lwp_err(err, -errno, "cannot write the output: %s",
				       strerror(errno));
		p += n;
		len -= n;
	}
	return 0;
}

static int put_header(struct lwp_xout *w, char *err)
{
	uint8_t h[PCAPNG_HDR_MAX];
	size_t n = PCAP_HDR_LEN;

	w->started = true;
	if (w->pcapng)
		n = pcapng_hdr_fill(h, "tg3cap-extract", w->snaplen,
				    PCAP_LINKTYPE_ETHERNET);
	else
		pcap_hdr_fill(h, w->snaplen, PCAP_LINKTYPE_ETHERNET);
	return write_all(w, h, n, err);
}

static int flush(struct lwp_xout *w, char *err)
{
	struct pcap_walk cw;
	size_t n;
	int ret;

	if (!w->started) {
		ret = put_header(w, err);
		if (ret)
			return ret;
	}
	if (!w->len)
		return 0;
	if (!w->pcapng) {
		ret = write_all(w, w->buf, w->len, err);
	} else {
		n = pcapng_convert(w->ng, NG_ROOM(OUT_ROOM,
						  OUT_ROOM / PCAP_REC_HDR_LEN),
				   w->buf, w->len, UINT64_MAX, &cw);
		if (cw.bad || cw.bytes != w->len)
			return lwp_err(err, -EIO, "pcapng conversion failed");
		ret = write_all(w, w->ng, n, err);
	}
	w->len = 0;
	return ret;
}

/**
 * lwp_xout_rec() - one record
 * @w: the output
 * @ts_ns: its timestamp
 * @data: its captured bytes
 * @caplen: how many (at most PCAPNG_CAPLEN_MAX)
 * @len: the frame's length on the wire
 * @err: the reason on failure
 *
 * Return: 0 (also once the output is closed: see @w->closed), or a
 * negative errno.
 */
int lwp_xout_rec(struct lwp_xout *w, uint64_t ts_ns, const uint8_t *data,
		 uint32_t caplen, uint32_t len, char *err)
{
	struct lwpcap_rec_hdr h;
	int ret;

	if (w->closed)
		return 0;
	if (caplen > PCAPNG_CAPLEN_MAX)
		return lwp_err(err, -EINVAL, "a record of %u bytes", caplen);
	if (w->len + sizeof(h) + caplen > OUT_ROOM || w->len >= OUT_BATCH) {
		ret = flush(w, err);
		if (ret)
			return ret;
	}
	h.ts_sec = ts_ns / 1000000000U;
	h.ts_nsec = ts_ns % 1000000000U;
	h.caplen = caplen;
	h.len = len;
	memcpy(w->buf + w->len, &h, sizeof(h));
	memcpy(w->buf + w->len + sizeof(h), data, caplen);
	w->len += sizeof(h) + caplen;
	w->records++;
	return 0;
}

/**
 * lwp_xout_finish() - write what is left (the header at least)
 *
 * Return: 0 or a negative errno.
 */
int lwp_xout_finish(struct lwp_xout *w, char *err)
{
	return w->closed ? 0 : flush(w, err);
}

/** lwp_xout_free() - the output's buffers; the fd stays open */
void lwp_xout_free(struct lwp_xout *w)
{
	free(w->buf);
	free(w->ng);
	w->buf = NULL;
	w->ng = NULL;
}
