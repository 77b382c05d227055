// SPDX-License-Identifier: GPL-2.0
/*
 * xgen.c - a file series for bench/extract: the files, their indexes and
 * the catalog, as the reader leaves them, of a day's traffic mix.
 *
 *   xgen DIR TOTAL_BYTES FILE_BYTES START_S SECONDS
 *
 * DIR/cap.NNNNNN.pcap (nanosecond pcap, snaplen 128: headers), each with
 * NAME.idx (pktindex.c, as the reader writes it) and DIR/.cap.catalog.
 * The mix: 200,000 flows between 20,000 clients (10.0.0.0/8, 1 in 10 of
 * them over IPv6) and 500 servers, each packet of a flow drawn from a
 * skewed choice (a few flows carry most packets), TCP 80 %, UDP 18 %,
 * ICMP 2 %, 1 in 10 frames tagged with one of 8 VLANs, frames of 60 to
 * 1514 bytes, 7 in 10 packets continuing one of the last 64 flows;
 * timestamps spread evenly over SECONDS from START_S.  Two needles for
 * the queries, in bursts as a host's sessions come: host 10.255.255.247,
 * 50 packets every 50,000 over the whole series (0.1 %), and the TCP
 * flow 10.200.0.1:40000 <-> 192.168.0.1:443, 20 packets every 40,000
 * (0.05 %).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "pcapfile.h"
#include "pktindex.h"
#include "util.h"

#define SNAP	128

static uint64_t rng = 88172645463325252ULL;
static uint32_t recent[64];

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* One frame's first bytes (at most SNAP) and its wire length. */
static size_t frame(uint8_t *f, uint64_t seq, uint32_t *wire)
{
	uint64_t r = next();
	uint32_t flow, client, server, cli_ip, srv_ip;
	unsigned int proto, vlan = 0, v6;
	uint16_t sport, dport;
	size_t o = 12, l3;

	/*
	 * Skewed: half the packets from 1 % of the flows; and bursty: 7 in
	 * 10 continue one of the 64 flows seen last, as a link's packets do.
	 */
	if ((r >> 56) % 10 < 7) {
		flow = recent[(r >> 20) % 64];
	} else {
		flow = (r & 1) ? (r >> 8) % 2000 : (r >> 8) % 200000;
		recent[(r >> 26) % 64] = flow;
	}
	client = flow % 20000;
	server = (flow / 7) % 500;
	cli_ip = 0x0a000000 | (client + 1);
	srv_ip = 0xc0a80000 | (server + 1);
	proto = flow % 50 == 0 ? 1 : flow % 50 < 10 ? 17 : 6;
	sport = 1024 + flow % 60000;
	dport = proto == 17 ? 53 : (flow % 3 ? 443 : 80);
	v6 = client % 10 == 0;
	if (!((seq / 50) % 1000)) {		/* needle: the rare host */
		cli_ip = 0x0afffff7;
		v6 = 0;
		proto = 6;
	} else if ((seq / 20) % 2000 == 1) {	/* needle: the flow */
		cli_ip = 0x0ac80001;
		srv_ip = 0xc0a80001;
		v6 = 0;
		proto = 6;
		sport = 40000;
		dport = 443;
	}
	if ((r >> 40) % 10 == 0)
		vlan = 100 + (r >> 44) % 8;
	*wire = 60 + (r >> 48) % 1455;
	memset(f, 0, SNAP);
	f[0] = 2;
	put32(f + 2, srv_ip);
	f[6] = 2;
	put32(f + 8, cli_ip);
	if (vlan) {
		put16(f + o, 0x8100);
		put16(f + o + 2, vlan);
		o += 4;
	}
	put16(f + o, v6 ? 0x86dd : 0x0800);
	o += 2;
	if (v6) {
		f[o] = 0x60;
		put16(f + o + 4, *wire - o - 40);
		f[o + 6] = proto == 1 ? 58 : proto;
		f[o + 7] = 64;
		f[o + 8] = 0x20;
		f[o + 9] = 0x01;
		f[o + 10] = 0x0d;
		f[o + 11] = 0xb8;
		put32(f + o + 20, cli_ip);
		f[o + 24] = 0x20;
		f[o + 25] = 0x01;
		f[o + 26] = 0x0d;
		f[o + 27] = 0xb8;
		put32(f + o + 36, srv_ip);
		l3 = 40;
	} else {
		f[o] = 0x45;
		put16(f + o + 2, *wire - o);
		f[o + 8] = 64;
		f[o + 9] = proto;
		put32(f + o + 12, cli_ip);
		put32(f + o + 16, srv_ip);
		l3 = 20;
	}
	o += l3;
	if (proto != 1) {
		if (r & 2) {		/* the reply */
			put16(f + o, dport);
			put16(f + o + 2, sport);
		} else {
			put16(f + o, sport);
			put16(f + o + 2, dport);
		}
		if (proto == 6) {
			f[o + 12] = 0x50;	/* 20 bytes */
			f[o + 13] = 0x10;	/* ACK */
		} else {
			put16(f + o + 4, *wire - o);	/* UDP length */
		}
	}
	return *wire < SNAP ? *wire : SNAP;
}

int main(int argc, char **argv)
{
	uint64_t total, fsize, start, secs, n, seq = 0, ts = 0, bytes = 0;
	struct lwp_cat_entry *cat = NULL;
	char name[64], err[LWP_ERRLEN];
	unsigned int nfiles, i;
	uint8_t *buf;
	int dfd;

	if (argc != 6) {
		fprintf(stderr, "usage: xgen DIR TOTAL_BYTES FILE_BYTES START_S SECONDS\n");
		return 2;
	}
	total = strtoull(argv[2], NULL, 10);
	fsize = strtoull(argv[3], NULL, 10);
	start = strtoull(argv[4], NULL, 10);
	secs = strtoull(argv[5], NULL, 10);
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || !total || fsize < 1 << 20 || !secs) {
		fprintf(stderr, "xgen: bad arguments\n");
		return 2;
	}
	nfiles = (total + fsize - 1) / fsize;
	/* about 16 + 126 bytes a record: how many in all, for the clock */
	n = total / (16 + 126);
	cat = calloc(nfiles, sizeof(*cat));
	buf = malloc(fsize + 16 + SNAP);
	if (!cat || !buf)
		return 1;
	for (i = 0; i < nfiles; i++) {
		size_t len = PCAP_HDR_LEN;
		int fd;

		pcap_hdr_fill(buf, SNAP, PCAP_LINKTYPE_ETHERNET);
		while (len + 16 + SNAP <= fsize) {
			uint32_t h[4], wire;
			size_t cap;

			ts = start * 1000000000ULL + seq * (secs * 1000000000ULL / n);
			cap = frame(buf + len + 16, seq, &wire);
			h[0] = ts / 1000000000;
			h[1] = ts % 1000000000;
			h[2] = cap;
			h[3] = wire;
			memcpy(buf + len, h, 16);
			len += 16 + cap;
			seq++;
		}
		snprintf(name, sizeof(name), "cap.%06u.pcap", i);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, buf, len) != (ssize_t)len || close(fd)) {
			fprintf(stderr, "xgen: %s: %s\n", name, strerror(errno));
			return 1;
		}
		if (lwp_idx_build_file(dfd, name, err)) {
			fprintf(stderr, "xgen: %s: %s\n", name, err);
			return 1;
		}
		cat[i].seq = i;
		cat[i].records = 0;
		cat[i].bytes = len;
		snprintf(cat[i].name, sizeof(cat[i].name), "%s", name);
		{
			char idx[80];
			struct lwp_idx_hdr h;

			snprintf(idx, sizeof(idx), "%s.idx", name);
			fd = openat(dfd, idx, O_RDONLY);
			if (fd < 0 || pread(fd, &h, sizeof(h), 0) != sizeof(h))
				return 1;
			close(fd);
			cat[i].first_ns = h.first_ns;
			cat[i].last_ns = h.last_ns;
			cat[i].records = h.records;
		}
		bytes += len;
	}
	if (lwp_catalog_write(dfd, "cap", cat, nfiles, err)) {
		fprintf(stderr, "xgen: %s\n", err);
		return 1;
	}
	printf("xgen: %u files, %llu bytes, %llu records, %llu..%llu s\n",
	       nfiles, (unsigned long long)bytes, (unsigned long long)seq,
	       (unsigned long long)start,
	       (unsigned long long)(ts / 1000000000));
	return 0;
}
