// SPDX-License-Identifier: GPL-2.0
/*
 * capfile.c - a capture file of ours read record by record (capfile.h).
 */
#include <errno.h>
#include <string.h>

#include "capfile.h"
#include "pcapfile.h"
#include "pcapng.h"

/**
 * lwp_capf_init() - check the header of the file @p of @len bytes
 * @c: filled in
 * @p: the file's bytes
 * @len: how many
 *
 * Return: 0, or -EINVAL: not a file of ours.
 */
int lwp_capf_init(struct lwp_capfile *c, const uint8_t *p, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->len = len;
	c->hdr_len = PCAP_HDR_LEN;
	if (!pcap_hdr_check(p, len, &c->snaplen))
		return 0;
	if (pcapng_hdr_check(p, len, &c->hdr_len, &c->snaplen))
		return -EINVAL;
	c->pcapng = true;
	return 0;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int pcap_rec(const struct lwp_capfile *c, uint64_t off,
		    struct lwp_rec *r)
{
	const uint8_t *p = c->p + off;
	uint32_t cap, snap = c->snaplen;

	if (c->len - off < PCAP_REC_HDR_LEN)
		return off == c->len ? -ENODATA : -EINVAL;
	cap = get32(p + 8);
	if (!snap || snap > PCAPNG_CAPLEN_MAX)
		snap = PCAPNG_CAPLEN_MAX;
	if (cap > snap || cap > get32(p + 12) || get32(p + 4) >= 1000000000U ||
	    cap > c->len - off - PCAP_REC_HDR_LEN)
		return -EINVAL;
	r->off = off;
	r->size = PCAP_REC_HDR_LEN + cap;
	r->ts_ns = get32(p) * 1000000000ULL + get32(p + 4);
	r->data = p + PCAP_REC_HDR_LEN;
	r->caplen = cap;
	r->len = get32(p + 12);
	return 0;
}

/* The EPB at or after @off; ISBs are skipped. */
static int pcapng_rec(const struct lwp_capfile *c, uint64_t off,
		      struct lwp_rec *r)
{
	uint32_t snap = c->snaplen;

	if (!snap || snap > PCAPNG_CAPLEN_MAX)
		snap = PCAPNG_CAPLEN_MAX;
	for (;;) {
		const uint8_t *p = c->p + off;
		uint32_t type, l1, cap;

		if (c->len - off < 12)
			return off == c->len ? -ENODATA : -EINVAL;
		type = get32(p);
		l1 = get32(p + 4);
		if ((type != PCAPNG_EPB_TYPE && type != PCAPNG_ISB_TYPE) ||
		    l1 < 12 || (l1 & 3) || l1 > c->len - off ||
		    get32(p + l1 - 4) != l1)
			return -EINVAL;
		if (type == PCAPNG_ISB_TYPE) {
			off += l1;
			continue;
		}
		if (l1 < 32)
			return -EINVAL;
		cap = get32(p + 20);
		if (get32(p + 8) || cap > l1 - 32 || cap > get32(p + 24) ||
		    cap > snap)
			return -EINVAL;
		r->off = off;
		r->size = l1;
		r->ts_ns = (uint64_t)get32(p + 12) << 32 | get32(p + 16);
		r->data = p + 28;
		r->caplen = cap;
		r->len = get32(p + 24);
		return 0;
	}
}

/**
 * lwp_capf_rec() - the record at @off (a record's start, or @hdr_len)
 * @c: the file
 * @off: where it starts; with pcapng, statistics blocks there are
 *       skipped and @r->off says where the record is
 * @r: filled in
 *
 * Return: 0, -ENODATA at the end of the file, or -EINVAL: what is at
 * @off is not a whole record (a damaged or cut file ends there).
 */
int lwp_capf_rec(const struct lwp_capfile *c, uint64_t off, struct lwp_rec *r)
{
	if (off < c->hdr_len || off > c->len)
		return -EINVAL;
	return c->pcapng ? pcapng_rec(c, off, r) : pcap_rec(c, off, r);
}
