// SPDX-License-Identifier: GPL-2.0
/*
 * fakedev.c - the kernel's producer, in user space.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kshim.h"
#include "../driver/lwpcap_ring.h"

#include "fakedev.h"
#include "util.h"

/* What the kernel uses (driver/lwpcap.c); the reader must not care. */
#define FAKE_CTL_STRIDE	256
#define FAKE_CTL_PROD	0
#define FAKE_CTL_CTR	8
#define FAKE_CTL_CONS	128
#define FAKE_PAGE	4096ULL
#define FAKE_CACHELINE	64ULL

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/**
 * fakedev_create() - allocate and lay out a ring like LWPCAP_IOC_SETUP
 *
 * The arguments are checked with the kernel's rules, so a test can also
 * use this to see what the kernel would refuse.
 */
int fakedev_create(struct fakedev *d, unsigned int nr_queues,
		   uint32_t seg_size, uint32_t nr_segs, uint32_t snaplen,
		   char *err)
{
	struct lwpcap_offsets *o = &d->setup.off;
	uint64_t qsize = (uint64_t)seg_size * nr_segs;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	if (!nr_queues || nr_queues > LWPCAP_MAX_QUEUES ||
	    seg_size < LWPCAP_SEG_SIZE_MIN || seg_size > LWPCAP_SEG_SIZE_MAX ||
	    (seg_size & (seg_size - 1)) || nr_segs < 2 ||
	    (nr_segs & (nr_segs - 1)) || qsize > LWPCAP_QUEUE_SIZE_MAX ||
	    !snaplen || snaplen > LWPCAP_SNAPLEN_MAX ||
	    snaplen > seg_size - sizeof(struct lwpcap_rec_hdr))
		return lwp_err(err, -EINVAL, "fake ring: invalid geometry");

	d->setup.seg_size = seg_size;
	d->setup.nr_segs = nr_segs;
	d->setup.snaplen = snaplen;
	d->setup.nr_queues = nr_queues;
	o->ctl = 0;
	o->ctl_stride = FAKE_CTL_STRIDE;
	o->prod = FAKE_CTL_PROD;
	o->packets = FAKE_CTL_CTR + LWPCAP_CTR_PACKETS * 8;
	o->bytes = FAKE_CTL_CTR + LWPCAP_CTR_BYTES * 8;
	o->drops = FAKE_CTL_CTR + LWPCAP_CTR_DROPS * 8;
	o->missed = FAKE_CTL_CTR + LWPCAP_CTR_MISSED * 8;
	o->cons = FAKE_CTL_CONS;
	o->seg_len = align_up(nr_queues * FAKE_CTL_STRIDE, FAKE_PAGE);
	o->seg_len_stride = align_up(nr_segs * 4ULL, FAKE_CACHELINE);
	o->data = align_up(o->seg_len + nr_queues * o->seg_len_stride,
			   FAKE_PAGE);
	o->data_stride = qsize;
	d->setup.mmap_size = o->data + nr_queues * qsize;

	d->map_len = align_up(d->setup.mmap_size, FAKE_PAGE);
	d->map = mmap(NULL, d->map_len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (d->map == MAP_FAILED)
		return lwp_err(err, -errno, "fake ring: cannot map %zu bytes",
			       d->map_len);
	d->qr = calloc(nr_queues, sizeof(*d->qr));
	if (!d->qr) {
		munmap(d->map, d->map_len);
		return lwp_err(err, -ENOMEM, "out of memory");
	}
	d->nr_queues = nr_queues;
	d->snaplen = snaplen;
	for (i = 0; i < nr_queues; i++) {
		struct lwpcap_qring *r = &d->qr[i];
		u8 *mem = d->map;
		u8 *ctl = mem + o->ctl + i * o->ctl_stride;

		r->data = mem + o->data + i * o->data_stride;
		r->seg_len = (u32 *)(mem + o->seg_len +
				     i * o->seg_len_stride);
		r->prod_pub = (u32 *)(ctl + o->prod);
		r->cons_usr = (u32 *)(ctl + o->cons);
		r->ctr = (u64 *)(ctl + FAKE_CTL_CTR);
		r->size = qsize;
		r->seg_size = seg_size;
	}
	return 0;
}

void fakedev_destroy(struct fakedev *d)
{
	free(d->qr);
	if (d->map && d->map != MAP_FAILED)
		munmap(d->map, d->map_len);
	memset(d, 0, sizeof(*d));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/**
 * fakedev_frame() - the first @n bytes of the frame with number @seq
 * @buf:      @n bytes
 * @seq:      sequence number, stored at FAKE_SEQ_OFF in host order
 * @wire_len: length on the wire, at least FAKE_MIN_LEN
 * @n:        bytes wanted, at most @wire_len
 *
 * Byte i of the payload after the sequence number is (seq + i) & 0xff.
 */
void fakedev_frame(uint8_t *buf, uint64_t seq, uint32_t wire_len,
		   uint32_t n)
{
	static const uint8_t tmpl[FAKE_SEQ_OFF] = {
		/* Ethernet: locally administered MACs, IPv4 */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
		/* IPv4: 198.18.S.S -> 198.18.0.2, UDP, TTL 64 */
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x11, 0x00, 0x00, 198, 18, 0, 1, 198, 18, 0, 2,
		/* UDP 9 -> 9 (discard), no checksum */
		0x00, 0x09, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t hdr[FAKE_SEQ_OFF + 8];
	uint32_t sum = 0, i;

	memcpy(hdr, tmpl, sizeof(tmpl));
	/*
	 * 2,560 sources: an index (pktindex.c) of these frames has as many
	 * keys as traffic from many hosts gives it.  The ports stay: tcpdump
	 * decodes some ports over several lines, and tests count its lines.
	 */
	hdr[28] = 1 + (seq >> 8) % 10;
	hdr[29] = seq & 0xff;
	put16(hdr + 16, wire_len - 14);
	put16(hdr + 38, wire_len - 34);
	for (i = 14; i < 34; i += 2)
		sum += (hdr[i] << 8) | hdr[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(hdr + 24, ~sum);
	memcpy(hdr + FAKE_SEQ_OFF, &seq, sizeof(seq));
	memcpy(buf, hdr, n < sizeof(hdr) ? n : sizeof(hdr));
	for (i = sizeof(hdr); i < n; i++)
		buf[i] = (uint8_t)(seq + i);
}

/**
 * fakedev_rx() - a frame arrives on queue @q (the kernel's capture path)
 * Return: false if the ring was full and the frame was dropped.
 */
bool fakedev_rx(struct fakedev *d, unsigned int q, uint64_t seq,
		uint32_t wire_len, const struct timespec *ts)
{
	struct lwpcap_qring *r = &d->qr[q];
	uint32_t caplen = wire_len < d->snaplen ? wire_len : d->snaplen;
	uint32_t rec = sizeof(struct lwpcap_rec_hdr) + caplen;
	struct lwpcap_rec_hdr h = {
		.ts_sec = ts->tv_sec,
		.ts_nsec = ts->tv_nsec,
		.caplen = caplen,
		.len = wire_len,
	};
	u8 *p;

	p = lwpcap_qring_reserve(r, rec);
	if (!p)
		return false;
	memcpy(p, &h, sizeof(h));
	fakedev_frame(p + sizeof(h), seq, wire_len, caplen);
	lwpcap_qring_commit(r, rec, caplen);
	return true;
}

/** fakedev_miss() - a frame the driver could not offer (lwpcap_missed()) */
void fakedev_miss(struct fakedev *d, unsigned int q)
{
	lwpcap_qring_miss(&d->qr[q]);
}

/** fakedev_flush() - end of a NAPI poll: publish; true if anything new */
bool fakedev_flush(struct fakedev *d, unsigned int q)
{
	return lwpcap_qring_publish(&d->qr[q]);
}

/** fakedev_wake_due() - whether the reader is to be woken (kernel's rule) */
bool fakedev_wake_due(struct fakedev *d, unsigned int q, uint32_t wake_bytes)
{
	return lwpcap_qring_wake_due(&d->qr[q], wake_bytes);
}

/** fakedev_counts() - the producer's private counters (the truth) */
void fakedev_counts(struct fakedev *d, unsigned int q, uint64_t *pkts,
		    uint64_t *bytes, uint64_t *drops, uint64_t *bad_cons)
{
	const struct lwpcap_qring *r = &d->qr[q];

	if (pkts)
		*pkts = r->packets;
	if (bytes)
		*bytes = r->bytes;
	if (drops)
		*drops = r->drops;
	if (bad_cons)
		*bad_cons = r->bad_cons;
}

/* For tests that play a hostile kernel. */
uint32_t *fakedev_prod_ptr(struct fakedev *d, unsigned int q)
{
	return d->qr[q].prod_pub;
}

uint32_t *fakedev_seg_len(struct fakedev *d, unsigned int q)
{
	return d->qr[q].seg_len;
}

uint64_t *fakedev_ctr(struct fakedev *d, unsigned int q)
{
	return d->qr[q].ctr;
}

uint8_t *fakedev_data(struct fakedev *d, unsigned int q)
{
	return d->qr[q].data;
}

/* Start queue @q at byte position @pos, e.g. just before the u32 wrap. */
void fakedev_set_pos(struct fakedev *d, unsigned int q, uint32_t pos)
{
	struct lwpcap_qring *r = &d->qr[q];

	r->prod = r->pub = r->cons = pos;
	WRITE_ONCE(*r->prod_pub, pos);
	WRITE_ONCE(*r->cons_usr, pos);
}
