// SPDX-License-Identifier: GPL-2.0
/*
 * framekeys.c - the keys of a frame for its file's index (pktindex.h).
 *
 * The keys of a frame are what a tcpdump filter names and libpcap
 * matches at fixed places: the addresses of IPv4, IPv6 and ARP, the
 * ports of TCP, UDP and SCTP (IPv4 first fragments; IPv6 after the
 * extension headers), the IP protocol (IPv6: the first next header and
 * the last), the VLAN ids of up to two tags.  Keys are taken wherever a
 * filter could find them (inside VLAN tags too): an index that lists a
 * block too many costs a read, one that lists a block too few loses a
 * packet.
 */
#include <endian.h>
#include <stddef.h>
#include <stdint.h>

#include "pktindex.h"

/**
 * lwp_idx_key() - the key of a value a filter can name
 * @kind: enum lwp_idx_kind
 * @val: the value as the frame carries it (network byte order)
 * @len: its bytes: 4 (IPv4), 16 (IPv6), 2 (port, VLAN id), 1 (protocol)
 *
 * FNV-1a over the kind and the bytes; never 0 (the builder's empty slot).
 */
uint32_t lwp_idx_key(unsigned int kind, const void *val, size_t len)
{
	const uint8_t *p = val;
	uint32_t h = 2166136261U;

	h = (h ^ kind) * 16777619U;
	while (len--)
		h = (h ^ *p++) * 16777619U;
	return h ? h : 1;
}

static void put(struct lwp_idx_fkeys *ks, unsigned int kind, const void *v,
		size_t len)
{
	if (ks->n < LWP_IDX_FKEYS_MAX)
		ks->k[ks->n++] = lwp_idx_key(kind, v, len);
}

static void l4_keys(struct lwp_idx_fkeys *ks, uint8_t proto,
		    const uint8_t *p,
		    size_t len)
{
	if (proto != 6 && proto != 17 && proto != 132)
		return;
	if (len >= 2)
		put(ks, LWP_IDX_PORT, p, 2);
	if (len >= 4)
		put(ks, LWP_IDX_PORT, p + 2, 2);
}

/*
 * The IP fields are keys as soon as the captured bytes hold them,
 * whatever the version nibble or the header length say: libpcap's code
 * loads each field at its offset after the EtherType and checks nothing
 * else (tcpdump -d), so a frame cut by the snaplen or a malformed header
 * can still match, and a key left out would hide it from the index.
 */
static void ip4_keys(struct lwp_idx_fkeys *ks, const uint8_t *p,
		     size_t len)
{
	size_t ihl;

	if (len < 10)
		return;
	put(ks, LWP_IDX_PROTO, p + 9, 1);
	if (len >= 16)
		put(ks, LWP_IDX_HOST4, p + 12, 4);
	if (len >= 20)
		put(ks, LWP_IDX_HOST4, p + 16, 4);
	ihl = (p[0] & 0xf) * 4U;
	/* ports only in a first fragment, as libpcap looks for them */
	if (ihl < len && !((p[6] << 8 | p[7]) & 0x1fff))
		l4_keys(ks, p[9], p + ihl, len - ihl);
}

static void ip6_keys(struct lwp_idx_fkeys *ks, const uint8_t *p,
		     size_t len)
{
	uint8_t nh;
	size_t off = 40, hl;
	unsigned int n;

	if (len < 7)
		return;
	nh = p[6];
	put(ks, LWP_IDX_PROTO, &nh, 1);
	if (len >= 24)
		put(ks, LWP_IDX_HOST6, p + 8, 16);
	if (len >= 40)
		put(ks, LWP_IDX_HOST6, p + 24, 16);
	if (len <= 40)
		return;
	/*
	 * "ip6 proto N" (and tcp, udp, icmp6) also matches N after a first
	 * header that is a fragment header, of any fragment
	 */
	if (nh == 44)
		put(ks, LWP_IDX_PROTO, p + 40, 1);
	/* hop-by-hop, routing, destination options, fragment */
	for (n = 0; n < 8; n++) {
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
			break;
		if (len - off < 8)
			return;
		if (nh == 44 && ((p[off + 2] << 8 | p[off + 3]) & 0xfff8))
			return;	/* not a first fragment: no ports */
		hl = nh == 44 ? 8 : (p[off + 1] + 1U) * 8;
		nh = p[off];
		if (hl > len - off)
			return;
		off += hl;
	}
	if (n)
		put(ks, LWP_IDX_PROTO, &nh, 1);
	l4_keys(ks, nh, p + off, len - off);
}

/**
 * lwp_idx_frame_keys() - the keys of the Ethernet frame @f
 * @ks: filled in
 * @f: the frame's captured bytes
 * @len: how many
 */
void lwp_idx_frame_keys(struct lwp_idx_fkeys *ks, const uint8_t *f,
			size_t len)
{
	size_t off = 12;
	uint16_t type, vid;
	unsigned int tags = 0;

	ks->n = 0;
	if (len < 14)
		return;
	type = f[12] << 8 | f[13];
	while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) &&
	       tags < 2 && len - off >= 4) {
		vid = htobe16((f[off + 2] << 8 | f[off + 3]) & 0xfff);
		put(ks, LWP_IDX_VLAN, &vid, 2);
		if (len - off < 6)
			return;	/* "vlan N" can match the TCI alone */
		off += 4;
		type = f[off] << 8 | f[off + 1];
		tags++;
	}
	off += 2;
	if (type == 0x0800) {
		ip4_keys(ks, f + off, len - off);
	} else if (type == 0x86dd) {
		ip6_keys(ks, f + off, len - off);
	} else if (type == 0x0806 || type == 0x8035) {
		/*
		 * ARP/RARP: "host" matches the addresses at 14 and 24,
		 * without looking at the lengths the header gives
		 */
		if (len - off >= 18)
			put(ks, LWP_IDX_HOST4, f + off + 14, 4);
		if (len - off >= 28)
			put(ks, LWP_IDX_HOST4, f + off + 24, 4);
	}
}
