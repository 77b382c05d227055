/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcapng.h - the pcapng format, as the reader writes it (--format pcapng).
 *
 * The kernel writes pcap records; the reader converts them: a file (or
 * the stream) starts with a Section Header Block and one Interface
 * Description Block (the interface's name, snaplen, if_tsresol 9:
 * nanoseconds), each record becomes an Enhanced Packet Block, and a file
 * ends with an Interface Statistics Block carrying the capture's
 * counters at that moment.  Little-endian hosts only (as the ring is).
 */
#ifndef _TG3CAP_PCAPNG_H
#define _TG3CAP_PCAPNG_H

#include <stddef.h>
#include <stdint.h>

#include "pcapfile.h"

#define PCAPNG_SHB_TYPE		0x0a0d0d0aU
#define PCAPNG_IDB_TYPE		0x00000001U
#define PCAPNG_ISB_TYPE		0x00000005U
#define PCAPNG_EPB_TYPE		0x00000006U
/* libpcap's MAXIMUM_SNAPLEN: no reader takes a larger record */
#define PCAPNG_CAPLEN_MAX	262144U
#define PCAPNG_BOM		0x1a2b3c4dU
#define PCAPNG_EPB_LEN(caplen)	(32U + (((caplen) + 3U) & ~3U))
/* the longest ISB: 7 options of 8-byte values, end of options */
#define PCAPNG_ISB_LEN		(24U + 7 * 12U + 4U + 4U)
#define PCAPNG_HDR_MAX		256U

/**
 * struct pcapng_isb - the counters of an Interface Statistics Block
 * @ts_ns:      when they were taken (also isb_endtime)
 * @start_ns:   when capture started (isb_starttime)
 * @ifrecv:     frames the driver hook saw (isb_ifrecv)
 * @ifdrop:     frames the NIC dropped before the hook (isb_ifdrop)
 * @filteraccept: frames the capture filter accepted (isb_filteraccept)
 * @osdrop:     frames dropped on a full ring (isb_osdrop)
 * @usrdeliv:   records written to this series (isb_usrdeliv)
 * @has_ifdrop: @ifdrop is known (not with the fake source)
 * @has_filter: a capture filter runs (else no isb_filteraccept)
 */
struct pcapng_isb {
	uint64_t ts_ns;
	uint64_t start_ns;
	uint64_t ifrecv;
	uint64_t ifdrop;
	uint64_t filteraccept;
	uint64_t osdrop;
	uint64_t usrdeliv;
	int has_ifdrop;
	int has_filter;
};

size_t pcapng_hdr_fill(uint8_t *buf, const char *ifname, uint32_t snaplen,
		       uint32_t linktype);
size_t pcapng_isb_fill(uint8_t *buf, const struct pcapng_isb *c);
size_t pcapng_convert(uint8_t *dst, size_t room, const uint8_t *src,
		      size_t len, uint64_t max_pkts, struct pcap_walk *w);
void pcapng_put(uint8_t *dst, const uint8_t *src, size_t len);
size_t pcapng_walk(const uint8_t *p, size_t len, uint32_t snaplen,
		   uint64_t *pkts);
int pcapng_hdr_check(const uint8_t *p, size_t len, size_t *hdr_len,
		     uint32_t *snaplen);

#endif /* _TG3CAP_PCAPNG_H */
