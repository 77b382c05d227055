/* SPDX-License-Identifier: GPL-2.0 */
/*
 * frame.h - test frames shared by sendframes.c and genpcap.c.
 *
 * Frame i of a run (i = 0, 1, ...; seq = first_seq + i):
 *   Ethernet dst/src, optional 802.1Q tag (TPID 0x8100, VID, PCP 0),
 *   IPv4 (10.99.0.1 -> 10.99.0.2, TTL 64, DF) or IPv6 (fd00:99::1 -> fd00:99::2),
 *   UDP sport 10000 + seq % flows, dport 9000, valid checksums,
 *   UDP payload: [0..3] seq (big endian)   <- SEQ at UDP payload offset 0
 *                [4..7] magic "TG3C"
 *                [8..9] frame length (big endian), then bytes (seq + k) & 0xff.
 *   So the sequence number is at frame offset 42 (IPv4), 46 (IPv4 + VLAN),
 *   62 (IPv6), 66 (IPv6 + VLAN).
 * A non-IP frame (-N PCT) has EtherType FRAME_NONIP (IEEE 802 local
 * experimental) and the same payload right after it: seq at offset 14,
 * or 18 with a tag.  Frame i is non-IP if (i * 53) % 100 < nonip_pct,
 * which takes precedence over IPv6.
 * A padded frame (-P PCT: frame i of the IP ones if (i * 71) % 100 <
 * pad_pct) carries the smallest UDP datagram (the 10 payload bytes
 * above) and zeros after it up to its length: the Ethernet padding a
 * sender adds to a short frame, which the IP layer trims before its
 * hooks (ip_rcv_core()); its IP length is the datagram's, not the
 * frame's.
 * Lengths exclude the FCS and include the VLAN tag. A requested length below
 * the minimum of its frame type (60 or headers + 10) is raised to it.
 * Frame i is VLAN-tagged if (i+1)*vlan_pct/100 != i*vlan_pct/100 (evenly
 * spread) and IPv6 if (i * 37) % 100 < ipv6_pct: exact shares in every 100
 * frames.
 * With tcp (genpcap -T: untagged IPv4, one flow), the frames are one TCP
 * stream instead: sport 10000, dport 9000, ACK only, sequence numbers
 * in order from FRAME_TCP_ISN, the same acknowledgement and window, so
 * that GRO merges them as it merges a download; the payload as above,
 * its sequence number at frame offset 54.
 */
#ifndef TG3CAP_FRAME_H
#define TG3CAP_FRAME_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#define FRAME_MAX 9018
#define FRAME_MAGIC 0x54473343u /* "TG3C" */
#define FRAME_DPORT 9000
#define FRAME_SPORT_BASE 10000
#define FRAME_NONIP 0x88b5
#define FRAME_TCP_ISN 0x10000000u
#define FRAME_TCP_ACK 0x20000000u

struct frame_cfg {
	uint8_t dst[6], src[6];
	struct in_addr src4, dst4;
	struct in6_addr src6, dst6;
	unsigned int vlan_pct, vid, ipv6_pct, nonip_pct, pad_pct, flows;
	unsigned int tcp;
	uint32_t first_seq;
	size_t sizes[64];
	unsigned int nsizes;
};

static inline void frame_cfg_init(struct frame_cfg *c)
{
	memset(c, 0, sizeof(*c));
	memset(c->dst, 0xff, 6);
	memcpy(c->src, "\x02\x00\x00\x00\x00\x01", 6);
	inet_pton(AF_INET, "10.99.0.1", &c->src4);
	inet_pton(AF_INET, "10.99.0.2", &c->dst4);
	inet_pton(AF_INET6, "fd00:99::1", &c->src6);
	inet_pton(AF_INET6, "fd00:99::2", &c->dst6);
	c->vid = 100;
	c->flows = 1;
	c->sizes[0] = 60;
	c->nsizes = 1;
}

static inline int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int i;

	if (!strcmp(s, "broadcast")) {
		memset(mac, 0xff, 6);
		return 0;
	}
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/* "60,128,1514" -> sizes[]; returns -1 on a bad list. */
static inline int parse_sizes(const char *s, struct frame_cfg *c)
{
	char *end;

	c->nsizes = 0;
	while (*s) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v < 14 || v > FRAME_MAX || c->nsizes >= 64)
			return -1;
		c->sizes[c->nsizes++] = v;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return c->nsizes ? 0 : -1;
}

/* "PCT" or "PCT:VID" */
static inline int parse_vlan(const char *s, struct frame_cfg *c)
{
	unsigned int pct, vid = c->vid;
	int n = sscanf(s, "%u:%u", &pct, &vid);

	if (n < 1 || pct > 100 || vid > 4095)
		return -1;
	c->vlan_pct = pct;
	c->vid = vid;
	return 0;
}

/* "PCT" (0-100) into @pct: 1, or -1 on a bad value */
static inline int parse_pct(const char *s, unsigned int *pct)
{
	unsigned long v = strtoul(s, NULL, 0);

	if (v > 100)
		return -1;
	*pct = (unsigned int)v;
	return 1;
}

/*
 * The frame options genpcap and sendframes share: -s SIZES, -d MAC,
 * -S MAC, -V PCT[:VID], -6 PCT, -N PCT, -P PCT, -f FLOWS, and --seq
 * START as option 1.
 * Returns 1 if @opt was one of them, 0 if not, -1 if @arg is bad.
 */
static inline int frame_cfg_opt(int opt, const char *arg, struct frame_cfg *c)
{
	unsigned long v;

	switch (opt) {
	case 's':
		return parse_sizes(arg, c) ? -1 : 1;
	case 'd':
		return parse_mac(arg, c->dst) ? -1 : 1;
	case 'S':
		return parse_mac(arg, c->src) ? -1 : 1;
	case 'V':
		return parse_vlan(arg, c) ? -1 : 1;
	case '6':
		return parse_pct(arg, &c->ipv6_pct);
	case 'N':
		return parse_pct(arg, &c->nonip_pct);
	case 'P':
		return parse_pct(arg, &c->pad_pct);
	case 'f':
		v = strtoul(arg, NULL, 0);
		if (!v)
			return -1;
		c->flows = (unsigned int)v;
		return 1;
	case 1:
		c->first_seq = (uint32_t)strtoul(arg, NULL, 0);
		return 1;
	case 'T':
		c->tcp = 1;
		return 1;
	}
	return 0;
}

static inline uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A TCP frame's payload bytes: its length less 54 bytes of headers. */
static inline uint32_t frame_tcp_payload(const struct frame_cfg *c,
					 unsigned int k)
{
	size_t len = c->sizes[k];

	return len > 14 + 20 + 20 + 10 ? (uint32_t)(len - 54) : 10;
}

/* The TCP sequence number of frame @i: the payload of the frames before. */
static inline uint32_t frame_tcp_seq(const struct frame_cfg *c, uint64_t i)
{
	uint32_t cycle = 0, seq = FRAME_TCP_ISN;
	unsigned int k;

	for (k = 0; k < c->nsizes; k++)
		cycle += frame_tcp_payload(c, k);
	seq += (uint32_t)(i / c->nsizes) * cycle;
	for (k = 0; k < i % c->nsizes; k++)
		seq += frame_tcp_payload(c, k);
	return seq;
}

/* Builds frame number i into buf (FRAME_MAX bytes); returns its length. */
static inline size_t frame_build(const struct frame_cfg *c, uint64_t i,
				 uint8_t *buf)
{
	uint32_t seq = c->first_seq + (uint32_t)i;
	int tcp = c->tcp;
	int vlan = !tcp && (i + 1) * c->vlan_pct / 100 != i * c->vlan_pct / 100;
	int nonip = !tcp && (i * 53) % 100 < c->nonip_pct;
	int v6 = !tcp && !nonip && (i * 37) % 100 < c->ipv6_pct;
	int pad = !tcp && !nonip && (i * 71) % 100 < c->pad_pct;
	size_t l2 = vlan ? 18 : 14, l3 = v6 ? 40 : 20, l4 = tcp ? 20 : 8;
	size_t min = l2 + l3 + l4 + 10, len = c->sizes[i % c->nsizes];
	unsigned int proto = tcp ? 6 : 17;
	size_t ulen, k;
	uint8_t *ip, *udp, *pl;
	uint32_t sum;

	if (min < 60)
		min = 60;
	if (len < min)
		len = min;
	memset(buf, 0, len);
	memcpy(buf, c->dst, 6);
	memcpy(buf + 6, c->src, 6);
	if (vlan) {
		put16(buf + 12, 0x8100);
		put16(buf + 14, c->vid);
	}
	if (nonip) {
		put16(buf + l2 - 2, FRAME_NONIP);
		pl = buf + l2;
		put32(pl, seq);
		put32(pl + 4, FRAME_MAGIC);
		put16(pl + 8, (unsigned int)len);
		for (k = 10; k < len - l2; k++)
			pl[k] = (uint8_t)(seq + k);
		return len;
	}
	put16(buf + l2 - 2, v6 ? 0x86dd : 0x0800);
	ip = buf + l2;
	udp = ip + l3;
	pl = udp + l4;
	ulen = pad ? l4 + 10 : len - l2 - l3;

	put32(pl, seq);
	put32(pl + 4, FRAME_MAGIC);
	put16(pl + 8, (unsigned int)len);
	for (k = 10; k < ulen - l4; k++)
		pl[k] = (uint8_t)(seq + k);

	if (tcp) {
		put16(udp, FRAME_SPORT_BASE);
		put16(udp + 2, FRAME_DPORT);
		put32(udp + 4, frame_tcp_seq(c, i));
		put32(udp + 8, FRAME_TCP_ACK);
		udp[12] = 5 << 4;	/* no options */
		udp[13] = 0x10;		/* ACK */
		put16(udp + 14, 65535);
	} else {
		put16(udp, FRAME_SPORT_BASE + seq % (c->flows ? c->flows : 1));
		put16(udp + 2, FRAME_DPORT);
		put16(udp + 4, (unsigned int)ulen);
	}

	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (unsigned int)ulen);
		ip[6] = (uint8_t)proto;
		ip[7] = 64;
		memcpy(ip + 8, &c->src6, 16);
		memcpy(ip + 24, &c->dst6, 16);
		sum = csum_add(0, ip + 8, 32);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (unsigned int)(l3 + ulen));
		put16(ip + 4, (unsigned int)(seq & 0xffff));
		put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = (uint8_t)proto;
		memcpy(ip + 12, &c->src4, 4);
		memcpy(ip + 16, &c->dst4, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		sum = csum_add(0, ip + 12, 8);
	}
	sum += proto + (uint32_t)ulen;
	sum = csum_add(sum, udp, ulen);
	sum = csum_fold(sum);
	if (tcp)
		put16(udp + 16, sum);
	else
		put16(udp + 6, sum ? sum : 0xffff);
	return len;
}

#endif
