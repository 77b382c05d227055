/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcapstream.h - records as one pcap stream on a descriptor (-w -).
 *
 * The same nanosecond pcap header as the files, then the records as the
 * ring holds them, so "tg3cap-reader ... -w - | tcpdump -r -" works.  A
 * reader of the pipe that goes away (EPIPE) ends the capture cleanly, as
 * it ends tcpdump's.
 */
#ifndef _TG3CAP_PCAPSTREAM_H
#define _TG3CAP_PCAPSTREAM_H

#include <stdint.h>

#include "output.h"

/**
 * struct pstream_cfg - what to write where
 * @fd:       descriptor to write to (standard output); kept open
 * @name:     for messages ("stdout")
 * @snaplen:  snaplen of the header
 * @linktype: linktype of the header
 * @max_pkts: stop after this many records (-c); 0 for no limit
 * @hurry:    while the pipe is full, give up as soon as *@hurry is
 *            nonzero (a second stop signal); may be NULL
 * @format:   LWP_FMT_PCAP, or LWP_FMT_PCAPNG (SHB, IDB, EPBs, an ISB at
 *            the end)
 * @ifname:   the interface, for the pcapng IDB
 * @isb:      pcapng: fills the counters of the closing ISB; may be NULL
 */
struct pstream_cfg {
	int fd;
	const char *name;
	uint32_t snaplen;
	uint32_t linktype;
	uint64_t max_pkts;
	const int *hurry;
	int format;
	const char *ifname;
	void (*isb)(void *arg, struct pcapng_isb *c);
	void *isb_arg;
};

struct pstream;

int pstream_open(struct pstream **out, const struct pstream_cfg *cfg,
		 char *err);

extern const struct lwp_out_ops pstream_out_ops;

#endif /* _TG3CAP_PCAPSTREAM_H */
