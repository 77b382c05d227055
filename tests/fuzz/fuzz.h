/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what the fuzz targets share: a failed check that libFuzzer
 * records as a crash, and reference checks of pcap and pcapng data
 * written from the formats' rules, not from the reader's code, so that
 * a walker and its check cannot be wrong the same way.
 */
#ifndef _TG3CAP_FUZZ_H
#define _TG3CAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * A broken invariant aborts: libFuzzer treats SIGABRT as a crash, saves
 * the input and stops the run, like a sanitizer report.
 */
#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

void fuzz_fail(const char *file, int line, const char *cond,
	       const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

/* What is at some offset of a pcap file's record area. */
enum ref_rec {
	REC_OK,		/* a whole, valid record */
	REC_SHORT,	/* fewer than 16 bytes left: no header */
	REC_BAD,	/* a header no record has */
	REC_PAST_END,	/* a valid header whose data runs past the end */
};

enum ref_rec ref_pcap_rec(const uint8_t *p, size_t avail, uint32_t snaplen,
			  size_t *rec_len);

/* What is at some offset of a pcapng file, after the SHB and IDB. */
enum ref_blk {
	BLK_OK,		/* whole: an EPB or ISB, lengths agree, inside */
	BLK_SHORT,	/* fewer than 12 bytes left */
	BLK_BAD,	/* not a whole block */
};

/*
 * @epb is set when the block is an Enhanced Packet Block; an EPB is
 * whole only when it names interface 0 and its captured bytes fit in it
 * and are no more than the frame's length, @snaplen (0: no limit) and
 * PCAPNG_CAPLEN_MAX (pcapng.h, pcapng_walk()).
 */
enum ref_blk ref_pcapng_blk(const uint8_t *p, size_t avail, uint32_t snaplen,
			    size_t *blk_len, int *epb);

#endif /* _TG3CAP_FUZZ_H */
