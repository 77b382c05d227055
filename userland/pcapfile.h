/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcapfile.h - the classic pcap format, nanosecond flavour.
 *
 * Records in the lwpcap ring already are pcap records (host byte order,
 * nanosecond timestamps), so a file is this 24-byte header followed by
 * bytes copied straight from the ring.
 */
#ifndef _TG3CAP_PCAPFILE_H
#define _TG3CAP_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>

#define PCAP_MAGIC_NSEC		0xa1b23c4dU
#define PCAP_VERSION_MAJOR	2
#define PCAP_VERSION_MINOR	4
#define PCAP_LINKTYPE_ETHERNET	1
#define PCAP_HDR_LEN		24U
#define PCAP_REC_HDR_LEN	16U

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

/**
 * struct pcap_walk - result of walking records
 * @bytes:  bytes of whole valid records walked
 * @pkts:   records walked
 * @caplen: frame bytes in them
 * @bad:    the walk stopped at something that is not a record
 */
struct pcap_walk {
	size_t bytes;
	uint64_t pkts;
	uint64_t caplen;
	int bad;
};

void pcap_hdr_fill(void *buf, uint32_t snaplen, uint32_t linktype);
int pcap_hdr_check(const void *buf, size_t len, uint32_t *snaplen);
void pcap_walk(const uint8_t *p, size_t len, size_t room, uint64_t max_pkts,
	       uint32_t snaplen, struct pcap_walk *w);

#endif /* _TG3CAP_PCAPFILE_H */
