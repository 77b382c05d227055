// SPDX-License-Identifier: GPL-2.0
/*
 * pcapng.c - pcapng blocks from the ring's pcap records.
 */
#include <errno.h>
#include <string.h>

#include <linux/lwpcap.h>

#include "cli.h"
#include "pcapfile.h"
#include "pcapng.h"

#define OPT_ENDOFOPT		0
#define OPT_SHB_USERAPPL	4
#define OPT_IF_NAME		2
#define OPT_IF_TSRESOL		9
#define OPT_ISB_STARTTIME	2
#define OPT_ISB_ENDTIME		3
#define OPT_ISB_IFRECV		4
#define OPT_ISB_IFDROP		5
#define OPT_ISB_FILTERACCEPT	6
#define OPT_ISB_OSDROP		7
#define OPT_ISB_USRDELIV	8

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

static uint8_t *put_opt(uint8_t *p, uint16_t code, const void *v,
			uint16_t len)
{
	uint32_t pad = (4 - (len & 3)) & 3;

	memcpy(p, &code, 2);
	memcpy(p + 2, &len, 2);
	if (len)
		memcpy(p + 4, v, len);
	memset(p + 4 + len, 0, pad);
	return p + 4 + len + pad;
}

/* A pcapng timestamp: high and low 32 bits, in if_tsresol units (ns). */
static uint8_t *put_ts(uint8_t *p, uint64_t ns)
{
	p = put32(p, ns >> 32);
	return put32(p, (uint32_t)ns);
}

/* Close a block begun at @start: both length fields. */
static size_t end_block(uint8_t *start, uint8_t *p)
{
	uint32_t len = p - start + 4;

	put32(start + 4, len);
	put32(p, len);
	return len;
}

/**
 * pcapng_hdr_fill() - SHB and the IDB of interface @ifname
 * @buf: at least PCAPNG_HDR_MAX bytes
 *
 * Return: bytes written.
 */
size_t pcapng_hdr_fill(uint8_t *buf, const char *ifname, uint32_t snaplen,
		       uint32_t linktype)
{
	static const char appl[] = "tg3cap-reader " LWP_VERSION;
	const uint16_t lt = linktype, reserved = 0;
	const int64_t section_len = -1;	/* not known: files grow */
	const uint8_t tsresol = 9;	/* 10^-9 s */
	const uint16_t major = 1, minor = 0;
	uint8_t *p = buf, *start = buf;
	size_t n;

	p = put32(p, PCAPNG_SHB_TYPE);
	p += 4;
	p = put32(p, PCAPNG_BOM);
	memcpy(p, &major, 2);
	memcpy(p + 2, &minor, 2);
	memcpy(p + 4, &section_len, 8);
	p += 12;
	p = put_opt(p, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	p = put_opt(p, OPT_ENDOFOPT, NULL, 0);
	n = end_block(start, p);

	start = p = buf + n;
	p = put32(p, PCAPNG_IDB_TYPE);
	p += 4;
	memcpy(p, &lt, 2);
	memcpy(p + 2, &reserved, 2);
	p = put32(p + 4, snaplen);
	/* IFNAMSIZ bounds the name: the whole fits PCAPNG_HDR_MAX. */
	p = put_opt(p, OPT_IF_NAME, ifname, strnlen(ifname, 15));
	p = put_opt(p, OPT_IF_TSRESOL, &tsresol, 1);
	p = put_opt(p, OPT_ENDOFOPT, NULL, 0);
	return n + end_block(start, p);
}

/**
 * pcapng_isb_fill() - an Interface Statistics Block for interface 0
 * @buf: at least PCAPNG_ISB_LEN bytes
 *
 * Return: bytes written, at most PCAPNG_ISB_LEN.
 */
size_t pcapng_isb_fill(uint8_t *buf, const struct pcapng_isb *c)
{
	uint8_t *p = buf, v[8];

	p = put32(p, PCAPNG_ISB_TYPE);
	p += 4;
	p = put32(p, 0);
	p = put_ts(p, c->ts_ns);
	put_ts(v, c->start_ns);
	p = put_opt(p, OPT_ISB_STARTTIME, v, 8);
	put_ts(v, c->ts_ns);
	p = put_opt(p, OPT_ISB_ENDTIME, v, 8);
	p = put_opt(p, OPT_ISB_IFRECV, &c->ifrecv, 8);
	if (c->has_ifdrop)
		p = put_opt(p, OPT_ISB_IFDROP, &c->ifdrop, 8);
	if (c->has_filter)
		p = put_opt(p, OPT_ISB_FILTERACCEPT, &c->filteraccept, 8);
	p = put_opt(p, OPT_ISB_OSDROP, &c->osdrop, 8);
	p = put_opt(p, OPT_ISB_USRDELIV, &c->usrdeliv, 8);
	p = put_opt(p, OPT_ENDOFOPT, NULL, 0);
	return end_block(buf, p);
}

/* One record as an EPB at @dst; returns its length. */
static uint32_t put_epb(uint8_t *dst, const struct lwpcap_rec_hdr *h,
			const uint8_t *data)
{
	uint32_t len = PCAPNG_EPB_LEN(h->caplen), pad;
	uint8_t *p = dst + 8;

	p = put32(p, 0);
	p = put_ts(p, (uint64_t)h->ts_sec * 1000000000ULL + h->ts_nsec);
	p = put32(p, h->caplen);
	p = put32(p, h->len);
	memcpy(p, data, h->caplen);
	p += h->caplen;
	pad = (4 - (h->caplen & 3)) & 3;
	memset(p, 0, pad);
	put32(p + pad, len);
	return len;
}

/**
 * pcapng_convert() - records to EPBs, as many whole ones as fit
 * @dst:  where the EPBs go
 * @room: bytes at @dst
 * @src:  pcap records (ring format)
 * @len:  bytes at @src
 * @max_pkts: convert at most this many
 * @w:    what was taken from @src: bytes, records, caplen; @w->bad if a
 *        record overruns @src
 *
 * The first EPB's type and length, the bytes that make it a block for
 * the repair of a killed reader, are stored last: before that store the
 * EPBs start with zeroes (a preallocated file), which repair takes as
 * the end.
 *
 * Return: bytes written at @dst.
 */
size_t pcapng_convert(uint8_t *dst, size_t room, const uint8_t *src,
		      size_t len, uint64_t max_pkts, struct pcap_walk *w)
{
	uint32_t first_len = 0;
	size_t off = 0, out = 0;

	memset(w, 0, sizeof(*w));
	while (off + PCAP_REC_HDR_LEN <= len && w->pkts < max_pkts) {
		struct lwpcap_rec_hdr h;
		uint32_t n;

		/* Records are packed: a header may be unaligned. */
		memcpy(&h, src + off, sizeof(h));
		if (h.caplen > len - off - PCAP_REC_HDR_LEN) {
			w->bad = 1;
			break;
		}
		if (PCAPNG_EPB_LEN(h.caplen) > room - out)
			break;
		n = put_epb(dst + out, &h, src + off + PCAP_REC_HDR_LEN);
		if (!out)
			first_len = n;
		else
			pcapng_put(dst + out, NULL, n);
		out += n;
		off += PCAP_REC_HDR_LEN + h.caplen;
		w->pkts++;
		w->caplen += h.caplen;
	}
	if (off < len && !w->bad && off + PCAP_REC_HDR_LEN > len &&
	    w->pkts < max_pkts)
		w->bad = 1;
	w->bytes = off;
	if (out) {
		/* Compiler barrier: a SIGKILL stops us between instructions. */
		__asm__ __volatile__("" ::: "memory");
		pcapng_put(dst, NULL, first_len);
	}
	return out;
}

/**
 * pcapng_put() - store an EPB's type and total length at @dst
 * @src: unused (NULL)
 * @len: the block's total length
 */
void pcapng_put(uint8_t *dst, const uint8_t *src, size_t len)
{
	(void)src;
	put32(dst, PCAPNG_EPB_TYPE);
	put32(dst + 4, len);
}

/**
 * pcapng_hdr_check() - a section we wrote? (SHB, then an IDB)
 * @hdr_len: bytes of the SHB and the IDB
 * @snaplen: the IDB's snaplen (0: no limit but PCAPNG_CAPLEN_MAX)
 *
 * Both blocks must be whole: their trailing lengths repeat the leading
 * ones, as every reader checks before it reads a record.
 *
 * Return: 0, or -EINVAL if @p does not start like our files.
 */
int pcapng_hdr_check(const uint8_t *p, size_t len, size_t *hdr_len,
		     uint32_t *snaplen)
{
	uint32_t type, bom, l1, l2, t1, t2;

	if (len < 28)
		return -EINVAL;
	memcpy(&type, p, 4);
	memcpy(&l1, p + 4, 4);
	memcpy(&bom, p + 8, 4);
	if (type != PCAPNG_SHB_TYPE || bom != PCAPNG_BOM || l1 < 28 ||
	    (l1 & 3) || l1 > len - 12)
		return -EINVAL;
	memcpy(&t1, p + l1 - 4, 4);
	memcpy(&type, p + l1, 4);
	memcpy(&l2, p + l1 + 4, 4);
	if (t1 != l1 || type != PCAPNG_IDB_TYPE || l2 < 20 || (l2 & 3) ||
	    l2 > len - l1)
		return -EINVAL;
	memcpy(&t2, p + l1 + l2 - 4, 4);
	if (t2 != l2)
		return -EINVAL;
	memcpy(snaplen, p + l1 + 12, 4);
	*hdr_len = l1 + l2;
	return 0;
}

/**
 * pcapng_walk() - whole blocks from @p on
 * @snaplen: interface 0's snaplen (0: no limit)
 * @pkts: EPBs among them
 *
 * A block is whole when it is one the writer writes after the header
 * (an EPB or an ISB: a further SHB or IDB starts what readers take for
 * another section or interface, and a file of ours has one of each), its
 * two lengths agree and it lies inside @len; an EPB also when it names
 * interface 0, and its captured bytes lie inside it and are no more than
 * the frame's length, @snaplen and libpcap's largest (PCAPNG_CAPLEN_MAX:
 * readers refuse the file past it).  The walk stops at the first block
 * that is not whole.
 *
 * Return: bytes of whole blocks.
 */
size_t pcapng_walk(const uint8_t *p, size_t len, uint32_t snaplen,
		   uint64_t *pkts)
{
	size_t off = 0;

	if (!snaplen || snaplen > PCAPNG_CAPLEN_MAX)
		snaplen = PCAPNG_CAPLEN_MAX;
	*pkts = 0;
	while (len - off >= 12) {
		uint32_t type, l1, l2;

		memcpy(&type, p + off, 4);
		memcpy(&l1, p + off + 4, 4);
		if ((type != PCAPNG_EPB_TYPE && type != PCAPNG_ISB_TYPE) ||
		    l1 < 12 || (l1 & 3) || l1 > len - off)
			break;
		memcpy(&l2, p + off + l1 - 4, 4);
		if (l2 != l1)
			break;
		if (type == PCAPNG_EPB_TYPE) {
			uint32_t ifid, cap, orig;

			if (l1 < 32)
				break;
			memcpy(&ifid, p + off + 8, 4);
			memcpy(&cap, p + off + 20, 4);
			memcpy(&orig, p + off + 24, 4);
			if (ifid || cap > l1 - 32 || cap > orig ||
			    cap > snaplen)
				break;
			(*pkts)++;
		}
		off += l1;
	}
	return off;
}
