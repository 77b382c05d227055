// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_xquery.c - what tg3cap-extract takes from its command line: the
 * time bounds (lwp_parse_time()) and what of a filter narrows a search
 * (lwp_narrow_parse()).
 *
 * Byte 0 picks the mode.  Time: the rest, up to a NUL, is a -b/-e
 * argument; a time it accepts, written back as "@SECONDS.NANOSECONDS",
 * must read as the same time.  Filter: the rest is a filter (up to a
 * NUL) and an Ethernet frame.  The narrowing must never lose a packet:
 * when libpcap compiles the filter and it accepts the frame, every key
 * lwp_narrow_parse() asks of a block is in the index of a file holding
 * only that frame (lwp_idx_build_mem()).  A missed key would make
 * tg3cap-extract skip the block, and the packet with it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "extract.h"
#include "fuzz.h"
#include "pcapfile.h"
#include "pktindex.h"
#include "util.h"

#define FRAME_MAX	2048

static void time_mode(const uint8_t *in, size_t len)
{
	char s[256], back[64];
	uint64_t ns, again;

	if (len >= sizeof(s))
		len = sizeof(s) - 1;
	memcpy(s, in, len);
	s[len] = '\0';
	if (lwp_parse_time(s, &ns))
		return;
	snprintf(back, sizeof(back), "@%" PRIu64 ".%09" PRIu64,
		 ns / 1000000000, ns % 1000000000);
	FUZZ_CHECK(!lwp_parse_time(back, &again) && again == ns,
		   "'%s' is %" PRIu64 " ns, but '%s' reads as %" PRIu64, s,
		   ns, back, again);
}

/*
 * The frame is what follows the filter's NUL; a file of one record of it
 * is indexed, and each key the filter asks must mark block 0.
 */
static void soundness(const char *filter, const struct lwp_narrow *nw,
		      struct bpf_program *prog, const uint8_t *frame,
		      size_t flen)
{
	uint8_t file[PCAP_HDR_LEN + PCAP_REC_HDR_LEN + FRAME_MAX], *buf;
	struct pcap_pkthdr ph = { 0 };
	uint32_t rec[4] = { 1, 0, 0, 0 };
	char err[LWP_ERRLEN];
	struct lwp_idx x;
	uint8_t map[1];
	unsigned int i;
	size_t blen;

	ph.caplen = flen;
	ph.len = flen;
	if (!pcap_offline_filter(prog, &ph, frame))
		return;
	pcap_hdr_fill(file, FRAME_MAX, PCAP_LINKTYPE_ETHERNET);
	rec[2] = flen;
	rec[3] = flen;
	memcpy(file + PCAP_HDR_LEN, rec, sizeof(rec));
	memcpy(file + PCAP_HDR_LEN + PCAP_REC_HDR_LEN, frame, flen);
	FUZZ_CHECK(!lwp_idx_build_mem(file, PCAP_HDR_LEN + PCAP_REC_HDR_LEN +
				      flen, LWP_IDX_SHIFT_DEFAULT,
				      LWP_IDX_PART_SHIFT_MIN, &buf, &blen,
				      err), "index: %s", err);
	FUZZ_CHECK(!lwp_idx_parse(&x, buf, blen) && x.h->records == 1,
		   "the index of one record");
	for (i = 0; i < nw->n; i++) {
		map[0] = 0;
		lwp_idx_blocks(&x, nw->key[i], map);
		FUZZ_CHECK(map[0] & 1,
			   "'%s' accepts the frame, but its key %u (0x%08x) is not in the frame's block: the packet would be lost",
			   filter, i, nw->key[i]);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
	struct bpf_program prog;
	struct lwp_narrow nw;
	char filter[512], err[LWP_ERRLEN];
	const uint8_t *nul;
	size_t fl;

	if (!len)
		return 0;
	if (in[0] & 1) {
		time_mode(in + 1, len - 1);
		return 0;
	}
	in++;
	len--;
	nul = memchr(in, 0, len);
	if (!nul || (size_t)(nul - in) >= sizeof(filter))
		return 0;
	memcpy(filter, in, nul - in + 1);
	fl = len - (nul + 1 - in);
	if (fl > FRAME_MAX)
		fl = FRAME_MAX;
	FUZZ_CHECK(!lwp_narrow_parse(filter, &nw), "narrow: out of memory");
	FUZZ_CHECK(nw.n <= LWP_NARROW_MAX, "%u keys", nw.n);
	FUZZ_CHECK(nw.n || nw.why[0], "'%s': no keys and no reason", filter);
	if (!nw.n || lwp_xfilter_compile(filter, &prog, err))
		return 0;
	soundness(filter, &nw, &prog, nul + 1, fl);
	pcap_freecode(&prog);
	return 0;
}
