// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz.c - the checks the fuzz targets share (fuzz.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "pcapfile.h"
#include "pcapng.h"

void fuzz_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "==FUZZ CHECK FAILED== %s:%d: %s: ", file, line,
		cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/*
 * A pcap record as the ring (and so the file) holds it: 16-byte header
 * (seconds, nanoseconds, caplen, len), then caplen bytes.  No frame is
 * captured empty, none with more bytes than it had, no nanosecond field
 * reaches a second, and snaplen bounds caplen.
 */
enum ref_rec ref_pcap_rec(const uint8_t *p, size_t avail, uint32_t snaplen,
			  size_t *rec_len)
{
	uint32_t nsec, caplen, len;

	*rec_len = 0;
	if (avail < PCAP_REC_HDR_LEN)
		return REC_SHORT;
	nsec = get32(p + 4);
	caplen = get32(p + 8);
	len = get32(p + 12);
	if (!caplen || caplen > snaplen || caplen > len ||
	    nsec >= 1000000000U)
		return REC_BAD;
	if (caplen > avail - PCAP_REC_HDR_LEN)
		return REC_PAST_END;
	*rec_len = PCAP_REC_HDR_LEN + (size_t)caplen;
	return REC_OK;
}

/*
 * pcapng block: type, total length, body, total length again; lengths
 * are multiples of 4 and at least 12.  EPB body: interface id, two
 * timestamp words, caplen, original length, data padded to 4 bytes.
 * A reader's file is one section describing one interface, whose
 * header is followed by EPBs and ISBs only; its EPBs name interface 0,
 * and none holds more than that interface's snaplen (0: no limit).
 */
enum ref_blk ref_pcapng_blk(const uint8_t *p, size_t avail, uint32_t snaplen,
			    size_t *blk_len, int *epb)
{
	uint32_t type, l1, cap, orig;

	*blk_len = 0;
	*epb = 0;
	if (avail < 12)
		return BLK_SHORT;
	type = get32(p);
	l1 = get32(p + 4);
	if ((type != PCAPNG_EPB_TYPE && type != PCAPNG_ISB_TYPE) || l1 < 12 ||
	    l1 % 4 || l1 > avail || get32(p + l1 - 4) != l1)
		return BLK_BAD;
	if (type == PCAPNG_EPB_TYPE) {
		if (l1 < 32 || get32(p + 8))
			return BLK_BAD;
		cap = get32(p + 20);
		orig = get32(p + 24);
		if (cap > l1 - 32 || cap > orig || cap > PCAPNG_CAPLEN_MAX ||
		    (snaplen && cap > snaplen))
			return BLK_BAD;
		*epb = 1;
	}
	*blk_len = l1;
	return BLK_OK;
}
