// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_pcap.c - pcap_hdr_check() and pcap_walk() on any bytes.
 *
 * The input is a pcap file.  Its header must be judged as pcapfile.c
 * documents it; after a header it accepts, the records are walked three
 * times: whole, with the room and the record limit taken from the two
 * header fields the reader never looks at (thiszone, sigfigs), and up
 * to where the first walk ended.  Each result is checked record by
 * record against the format's rules (fuzz.h), including why the walk
 * stopped.  With a snaplen the ring can have, the records walked are
 * then converted to pcapng EPBs (the writer of --format pcapng), which
 * pcapng_walk() must take back whole, one EPB per record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/lwpcap.h>

#include "fuzz.h"
#include "pcapfile.h"
#include "pcapng.h"

/* One walk's result against the rules. */
static void check_walk(const uint8_t *p, size_t len, size_t room,
		       uint64_t max_pkts, uint32_t snaplen,
		       const struct pcap_walk *w)
{
	uint64_t pkts = 0, caplen = 0;
	size_t off = 0, rl;
	enum ref_rec r;

	FUZZ_CHECK(w->bytes <= len && w->bytes <= room,
		   "walked %zu bytes of %zu, room %zu", w->bytes, len, room);
	FUZZ_CHECK(w->pkts <= max_pkts, "%llu records, limit %llu",
		   (unsigned long long)w->pkts,
		   (unsigned long long)max_pkts);
	while (off < w->bytes) {
		r = ref_pcap_rec(p + off, w->bytes - off, snaplen, &rl);
		FUZZ_CHECK(r == REC_OK,
			   "record %llu at %zu is not whole and valid (%d)",
			   (unsigned long long)pkts, off, r);
		off += rl;
		pkts++;
		caplen += get32(p + off - rl + 8);
	}
	FUZZ_CHECK(pkts == w->pkts && caplen == w->caplen,
		   "walk says %llu records, %llu bytes; they are %llu, %llu",
		   (unsigned long long)w->pkts,
		   (unsigned long long)w->caplen,
		   (unsigned long long)pkts, (unsigned long long)caplen);

	/* why it stopped */
	if (w->pkts == max_pkts || w->bytes == len) {
		FUZZ_CHECK(!w->bad, "bad set at a limit (%zu of %zu)",
			   w->bytes, len);
		return;
	}
	r = ref_pcap_rec(p + w->bytes, len - w->bytes, snaplen, &rl);
	if (w->bad)
		FUZZ_CHECK(r != REC_OK,
			   "bad set before a valid record at %zu", w->bytes);
	else
		FUZZ_CHECK(r == REC_OK && w->bytes + rl > room,
			   "stopped at %zu without a reason (%d)", w->bytes,
			   r);
}

/* Records to EPBs and back: the writer's output must walk whole. */
static void check_convert(const uint8_t *p, const struct pcap_walk *w)
{
	struct pcap_walk cw;
	uint64_t pkts;
	uint8_t *ng;
	size_t room, out, walked;

	if (!w->pkts)
		return;
	/* an EPB is at most 19 bytes longer than its record */
	room = w->bytes + 19 * w->pkts;
	ng = malloc(room);
	FUZZ_CHECK(ng, "out of memory");
	out = pcapng_convert(ng, room, p, w->bytes, UINT64_MAX, &cw);
	FUZZ_CHECK(cw.pkts == w->pkts && cw.bytes == w->bytes && !cw.bad,
		   "convert took %llu records, %zu bytes (bad %d) of %llu, %zu",
		   (unsigned long long)cw.pkts, cw.bytes, cw.bad,
		   (unsigned long long)w->pkts, w->bytes);
	FUZZ_CHECK(out <= room, "convert wrote %zu of %zu", out, room);
	walked = pcapng_walk(ng, out, 0, &pkts);
	FUZZ_CHECK(walked == out && pkts == w->pkts,
		   "pcapng_walk took %zu of %zu bytes, %llu of %llu EPBs",
		   walked, out, (unsigned long long)pkts,
		   (unsigned long long)w->pkts);
	free(ng);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[PCAP_HDR_LEN];
	struct pcap_file_hdr h;
	struct pcap_walk w, w2, w3;
	uint32_t snaplen = 0;
	const uint8_t *p;
	size_t len, room;
	uint64_t max_pkts;
	int ret;

	ret = pcap_hdr_check(data, size, &snaplen);
	if (size < PCAP_HDR_LEN || !memcmp(data, zero, PCAP_HDR_LEN)) {
		FUZZ_CHECK(ret == -ENODATA, "no header: %d", ret);
		return 0;
	}
	memcpy(&h, data, sizeof(h));
	if (h.magic != PCAP_MAGIC_NSEC || h.version_major != 2 ||
	    h.version_minor != 4 || !h.snaplen) {
		FUZZ_CHECK(ret == -EINVAL, "foreign header: %d", ret);
		return 0;
	}
	FUZZ_CHECK(!ret && snaplen == h.snaplen, "our header: %d, snaplen %u",
		   ret, snaplen);

	p = data + PCAP_HDR_LEN;
	len = size - PCAP_HDR_LEN;
	pcap_walk(p, len, len, UINT64_MAX, snaplen, &w);
	check_walk(p, len, len, UINT64_MAX, snaplen, &w);
	FUZZ_CHECK(w.bad || w.bytes == len,
		   "whole walk stopped at %zu of %zu, not bad", w.bytes, len);

	room = h.sigfigs ? h.sigfigs : len;
	max_pkts = h.thiszone ? (uint32_t)h.thiszone : UINT64_MAX;
	pcap_walk(p, len, room, max_pkts, snaplen, &w2);
	check_walk(p, len, room, max_pkts, snaplen, &w2);
	FUZZ_CHECK(w2.bytes <= w.bytes, "a limited walk went further");

	/* a walk is a prefix: the same records up to where it ended */
	pcap_walk(p, len, w.bytes, UINT64_MAX, snaplen, &w3);
	check_walk(p, len, w.bytes, UINT64_MAX, snaplen, &w3);
	FUZZ_CHECK(w3.bytes == w.bytes && w3.pkts == w.pkts,
		   "walk to %zu took %zu", w.bytes, w3.bytes);

	/* the ring's records: snaplen at most LWPCAP_SNAPLEN_MAX */
	if (snaplen <= LWPCAP_SNAPLEN_MAX)
		check_convert(p, &w);
	return 0;
}
