/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capfile.h - a capture file of ours read record by record: the pcap
 * (nanosecond) or pcapng (one Ethernet interface, ns) files the reader
 * writes, in memory.  For the index and tg3cap-extract: neither trusts
 * the file; a record that is not whole ends the walk.
 */
#ifndef _TG3CAP_CAPFILE_H
#define _TG3CAP_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct lwp_capfile - a file's bytes and what its header says
 * @p:       the bytes
 * @len:     how many
 * @hdr_len: bytes before the first record
 * @snaplen: the header's snaplen (the longest record kept)
 * @pcapng:  pcapng rather than pcap
 */
struct lwp_capfile {
	const uint8_t *p;
	size_t len;
	size_t hdr_len;
	uint32_t snaplen;
	bool pcapng;
};

/**
 * struct lwp_rec - one record
 * @off:    its offset in the file
 * @size:   its bytes in the file (the next one is at @off + @size)
 * @ts_ns:  its timestamp
 * @data:   the frame's captured bytes
 * @caplen: how many
 * @len:    the frame's length on the wire
 */
struct lwp_rec {
	uint64_t off;
	uint64_t size;
	uint64_t ts_ns;
	const uint8_t *data;
	uint32_t caplen;
	uint32_t len;
};

int lwp_capf_init(struct lwp_capfile *c, const uint8_t *p, size_t len);
int lwp_capf_rec(const struct lwp_capfile *c, uint64_t off,
		struct lwp_rec *r);

#endif /* _TG3CAP_CAPFILE_H */
