// SPDX-License-Identifier: GPL-2.0
/*
 * pcapfile.c - pcap file header and record walking.
 */
#include <errno.h>
#include <string.h>

#include <linux/lwpcap.h>

#include "pcapfile.h"

_Static_assert(sizeof(struct pcap_file_hdr) == PCAP_HDR_LEN,
	       "pcap file header is 24 bytes");
_Static_assert(sizeof(struct lwpcap_rec_hdr) == PCAP_REC_HDR_LEN,
	       "ring records are pcap records");

/**
 * pcap_hdr_fill() - write a nanosecond pcap file header
 * @buf:      PCAP_HDR_LEN bytes
 * @snaplen:  largest caplen the file may hold
 * @linktype: LINKTYPE_*; PCAP_LINKTYPE_ETHERNET for lwpcap
 */
void pcap_hdr_fill(void *buf, uint32_t snaplen, uint32_t linktype)
{
	struct pcap_file_hdr h = {
		.magic		= PCAP_MAGIC_NSEC,
		.version_major	= PCAP_VERSION_MAJOR,
		.version_minor	= PCAP_VERSION_MINOR,
		.snaplen	= snaplen,
		.linktype	= linktype,
	};

	memcpy(buf, &h, sizeof(h));
}

/**
 * pcap_hdr_check() - is this the start of a file we wrote?
 *
 * Return: 0 and the snaplen; -ENODATA when the header is missing or all
 * zero (a file that was allocated but never written); -EINVAL when it is
 * something else, which we must leave alone.
 */
int pcap_hdr_check(const void *buf, size_t len, uint32_t *snaplen)
{
	static const uint8_t zero[PCAP_HDR_LEN];
	struct pcap_file_hdr h;

	if (len < PCAP_HDR_LEN || !memcmp(buf, zero, PCAP_HDR_LEN))
		return -ENODATA;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != PCAP_MAGIC_NSEC || h.version_major != 2 ||
	    h.version_minor != 4 || !h.snaplen)
		return -EINVAL;
	*snaplen = h.snaplen;
	return 0;
}

/**
 * pcap_walk() - walk whole records
 * @p:        first record header
 * @len:      bytes available at @p
 * @room:     stop before a record that would end beyond @room bytes
 * @max_pkts: stop after this many records
 * @snaplen:  no valid record has a larger caplen
 * @w:        result
 *
 * This is per-record work: the drain only uses it to split a run at a
 * file boundary or at the -c limit, repair uses it on damaged files.
 * Headers are unaligned (records carry no padding), hence memcpy().
 */
void pcap_walk(const uint8_t *p, size_t len, size_t room, uint64_t max_pkts,
	       uint32_t snaplen, struct pcap_walk *w)
{
	size_t off = 0, end = len < room ? len : room;

	memset(w, 0, sizeof(*w));
	while (w->pkts < max_pkts && off < len) {
		struct lwpcap_rec_hdr h;
		size_t rec;

		if (len - off < sizeof(h)) {
			w->bad = 1;
			break;
		}
		memcpy(&h, p + off, sizeof(h));
		/* Zeroes are what an unwritten, preallocated block reads. */
		if (!h.caplen || h.caplen > snaplen || h.caplen > h.len ||
		    h.ts_nsec >= 1000000000U) {
			w->bad = 1;
			break;
		}
		rec = sizeof(h) + (size_t)h.caplen;
		if (rec > len - off) {
			w->bad = 1;
			break;
		}
		if (rec > end - off)
			break;
		off += rec;
		w->pkts++;
		w->caplen += h.caplen;
	}
	w->bytes = off;
}
