// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_pcapng.c - pcapng_hdr_check() and pcapng_walk() on any bytes.
 *
 * The input is a pcapng file.  The header check must accept exactly a
 * Section Header Block (byte-order magic, length at least 28, a multiple
 * of 4) followed by an Interface Description Block (length at least 20,
 * a multiple of 4), both inside the input with their trailing lengths
 * equal to the leading ones, and say how long they are and the IDB's
 * snaplen; after such a header pcapng_walk() must return whole blocks
 * only (fuzz.h: EPBs of interface 0 within that snaplen), count their
 * EPBs, and stop only where the next block is not whole.  Walking from
 * inside the walked blocks (each block start) must end at the same
 * place.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "pcapng.h"

static void check_walk(const uint8_t *p, size_t len, uint32_t snap,
		       size_t off, uint64_t pkts)
{
	uint64_t n = 0;
	size_t at = 0, bl;
	enum ref_blk r;
	int epb;

	FUZZ_CHECK(off <= len, "walked %zu of %zu", off, len);
	while (at < off) {
		r = ref_pcapng_blk(p + at, off - at, snap, &bl, &epb);
		FUZZ_CHECK(r == BLK_OK, "block at %zu is not whole (%d)", at,
			   r);
		n += epb;
		at += bl;
	}
	FUZZ_CHECK(n == pkts, "walk counted %llu EPBs, there are %llu",
		   (unsigned long long)pkts, (unsigned long long)n);
	r = ref_pcapng_blk(p + off, len - off, snap, &bl, &epb);
	FUZZ_CHECK(r != BLK_OK, "stopped at %zu before a whole block", off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hdr_len = 0, off, at, bl, off2;
	uint32_t l1, l2, snap = 0;
	uint64_t pkts, pkts2, before;
	int ret, ok, epb;

	ret = pcapng_hdr_check(data, size, &hdr_len, &snap);
	ok = size >= 28 && get32(data) == PCAPNG_SHB_TYPE &&
	     get32(data + 8) == PCAPNG_BOM;
	if (ok) {
		l1 = get32(data + 4);
		ok = l1 >= 28 && !(l1 % 4) && l1 <= size - 12 &&
		     get32(data + l1 - 4) == l1;
	}
	if (ok) {
		l2 = get32(data + l1 + 4);
		ok = get32(data + l1) == PCAPNG_IDB_TYPE && l2 >= 20 &&
		     !(l2 % 4) && l2 <= size - l1 &&
		     get32(data + l1 + l2 - 4) == l2;
	}
	if (!ok) {
		FUZZ_CHECK(ret == -EINVAL, "not a header of ours: %d", ret);
		return 0;
	}
	FUZZ_CHECK(!ret && hdr_len == (size_t)l1 + l2 &&
		   snap == get32(data + l1 + 12),
		   "header of %u + %u bytes: %d, %zu, snaplen %u", l1, l2, ret,
		   hdr_len, snap);

	off = pcapng_walk(data + hdr_len, size - hdr_len, snap, &pkts);
	check_walk(data + hdr_len, size - hdr_len, snap, off, pkts);

	/* from each block start on, the walk ends where the first did */
	before = 0;
	for (at = 0; at < off; at += bl) {
		off2 = pcapng_walk(data + hdr_len + at, size - hdr_len - at,
				   snap, &pkts2);
		FUZZ_CHECK(at + off2 == off && before + pkts2 == pkts,
			   "walk from %zu ends at %zu, not %zu", at,
			   at + off2, off);
		ref_pcapng_blk(data + hdr_len + at, off - at, snap, &bl, &epb);
		before += epb;
	}
	return 0;
}
