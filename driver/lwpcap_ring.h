/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwpcap producer side of one queue's ring.
 *
 * Kept free of anything but the primitives below so that the same code
 * also runs in user space (tests and benchmarks define u8, u32, u64,
 * likely(), unlikely(), WRITE_ONCE(), smp_load_acquire(),
 * smp_store_release() and smp_wmb() themselves and include this file):
 * the fake producers there exercise the very code the kernel runs.
 *
 * Single producer: every function here is called for one queue by one
 * context at a time (the NAPI poll of that queue).
 */
#ifndef _LWPCAP_RING_H
#define _LWPCAP_RING_H

/**
 * struct lwpcap_qring - producer state of one queue
 * @data:     data area (shared, written only here)
 * @seg_len:  segment table (shared, written only here)
 * @prod_pub: published producer position (shared, written only here)
 * @cons_usr: consumer position (shared, written by the reader)
 * @ctr:      counters mirrored to the reader: packets, bytes, drops,
 *            missed
 * @size:     bytes in @data, a power of two
 * @seg_size: bytes per segment, a power of two dividing @size
 * @prod:     next write position (private)
 * @pub:      last value stored to *@prod_pub (private)
 * @cons:     last consumer position that passed the checks (private)
 * @packets:  records written (private, authoritative)
 * @bytes:    frame bytes written (private, authoritative)
 * @drops:    frames that did not fit, or were never offered (private,
 *            authoritative)
 * @missed:   of @drops, those never offered (private, authoritative)
 * @bad_cons: consumer positions ignored as impossible (private)
 *
 * The private fields are the truth; the shared ones are only ever
 * written from them, never read back, except @cons_usr which is checked
 * before use.  The counters are written with WRITE_ONCE() because the
 * statistics ioctl reads them while the producer runs.
 */
struct lwpcap_qring {
	u8 *data;
	u32 *seg_len;
	u32 *prod_pub;
	u32 *cons_usr;
	u64 *ctr;
	u32 size;
	u32 seg_size;
	u32 prod;
	u32 pub;
	u32 cons;
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 missed;
	u64 bad_cons;
};

/* Indices into lwpcap_qring.ctr, matching lwpcap_offsets order. */
enum {
	LWPCAP_CTR_PACKETS,
	LWPCAP_CTR_BYTES,
	LWPCAP_CTR_DROPS,
	LWPCAP_CTR_MISSED,
	LWPCAP_NR_CTR,
};

/* Refresh the private consumer position from the shared one.  An honest
 * reader only moves forward and never past what was published, so any
 * value outside [cons, pub] is ignored: the space it would free is
 * never handed out twice.
 */
static inline void lwpcap_qring_refresh_cons(struct lwpcap_qring *r)
{
	/* K2: pairs with U2, the reader is done with the bytes before it. */
	u32 cons = smp_load_acquire(r->cons_usr);

	if (likely((u32)(cons - r->cons) <= (u32)(r->pub - r->cons)))
		r->cons = cons;
	else
		WRITE_ONCE(r->bad_cons, r->bad_cons + 1);
}

static inline u32 lwpcap_qring_cons_seg(const struct lwpcap_qring *r)
{
	return r->cons & ~(r->seg_size - 1);
}

/**
 * lwpcap_qring_reserve() - find room for a record
 * @r:   queue ring
 * @rec: record length, header included, at most @r->seg_size
 *
 * Return: where to write the record, or NULL when the ring is full (the
 * drop is counted).  Nothing is visible to the reader before
 * lwpcap_qring_commit() and lwpcap_qring_publish().
 */
static inline u8 *lwpcap_qring_reserve(struct lwpcap_qring *r, u32 rec)
{
	u32 seg_off = r->prod & (r->seg_size - 1);
	u32 pos = r->prod;

	/* A record never straddles a segment: start the next one. */
	if (unlikely(seg_off + rec > r->seg_size))
		pos += r->seg_size - seg_off;

	/* The segment holding cons counts as in use from its start: its
	 * next lap would overwrite seg_len[] of the one the reader is in.
	 */
	if (unlikely((u32)(pos + rec - lwpcap_qring_cons_seg(r)) > r->size)) {
		lwpcap_qring_refresh_cons(r);
		if ((u32)(pos + rec - lwpcap_qring_cons_seg(r)) > r->size) {
			WRITE_ONCE(r->drops, r->drops + 1);
			return NULL;
		}
	}
	r->prod = pos;
	return r->data + (pos & (r->size - 1));
}

/**
 * lwpcap_qring_miss() - count a frame the driver could not offer
 * @r: queue ring
 *
 * A drop as far as the reader's loss figures go, and apart from the
 * ring-full ones: no reader, however fast, would have had it.
 */
static inline void lwpcap_qring_miss(struct lwpcap_qring *r)
{
	WRITE_ONCE(r->missed, r->missed + 1);
	WRITE_ONCE(r->drops, r->drops + 1);
}

/**
 * lwpcap_qring_commit() - account a record written at the reserved place
 * @r:      queue ring
 * @rec:    record length as passed to lwpcap_qring_reserve()
 * @caplen: frame bytes in the record
 */
static inline void lwpcap_qring_commit(struct lwpcap_qring *r, u32 rec,
				       u32 caplen)
{
	u32 seg = (r->prod & (r->size - 1)) / r->seg_size;

	r->prod += rec;
	/* Valid bytes of this segment so far; read once prod is past it. */
	WRITE_ONCE(r->seg_len[seg], ((r->prod - 1) & (r->seg_size - 1)) + 1);
	WRITE_ONCE(r->packets, r->packets + 1);
	WRITE_ONCE(r->bytes, r->bytes + caplen);
}

/**
 * lwpcap_qring_wake_due() - whether the reader has enough to be woken
 * @r:          queue ring
 * @wake_bytes: lwpcap_activate.wake_bytes (0: any record)
 *
 * The reader's cons is read as it is: a hostile one only changes when
 * that reader is woken.
 */
static inline bool lwpcap_qring_wake_due(const struct lwpcap_qring *r,
					 u32 wake_bytes)
{
	u32 held = READ_ONCE(r->pub) - READ_ONCE(*r->cons_usr);

	return held && held >= wake_bytes;
}

/**
 * lwpcap_qring_publish() - make committed records visible to the reader
 * @r: queue ring
 *
 * Return: true if the reader has something new to read.
 */
static inline bool lwpcap_qring_publish(struct lwpcap_qring *r)
{
	WRITE_ONCE(r->ctr[LWPCAP_CTR_PACKETS], r->packets);
	WRITE_ONCE(r->ctr[LWPCAP_CTR_BYTES], r->bytes);
	WRITE_ONCE(r->ctr[LWPCAP_CTR_MISSED], r->missed);
	/* Missed before drops: a reader that reads drops, then missed,
	 * never takes a missed frame for one a full ring dropped.
	 */
	smp_wmb();
	WRITE_ONCE(r->ctr[LWPCAP_CTR_DROPS], r->drops);
	if (r->prod == r->pub) {
		/* Repair a scribbled prod; nothing new to wake for. */
		WRITE_ONCE(*r->prod_pub, r->pub);
		return false;
	}
	/* Read locklessly by poll(), hence WRITE_ONCE(). */
	WRITE_ONCE(r->pub, r->prod);
	/* K1: records and seg_len[] before prod; pairs with U1. */
	smp_store_release(r->prod_pub, r->pub);
	return true;
}

/**
 * lwpcap_size_fits() - whether the kernel's size arithmetic holds a mapping
 * @bytes:     the mapping's length as LWPCAP_IOC_SETUP lays it out (u64)
 * @page_size: PAGE_SIZE, a power of two
 * @size_max:  SIZE_MAX of the kernel
 *
 * The layout is computed in u64, but the ring keeps its size in a size_t
 * and allocates pages << PAGE_SHIFT bytes in an unsigned long: on a
 * 32-bit kernel both wrap once the page-aligned size reaches 4 GiB, and a
 * small allocation would then be mapped and written as a large one.  A
 * parameter rather than SIZE_MAX itself, so that user space tests the
 * 32-bit limits on a 64-bit machine.
 *
 * Return: true if PAGE_ALIGN(@bytes) is at most @size_max.
 */
static inline bool lwpcap_size_fits(u64 bytes, u64 page_size, u64 size_max)
{
	return bytes <= (size_max & ~(page_size - 1));
}

#endif /* _LWPCAP_RING_H */
