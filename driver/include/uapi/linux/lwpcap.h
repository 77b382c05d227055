/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * lwpcap: lightweight in-driver packet capture rings.
 *
 * This header is the whole contract between the kernel and a capture
 * reader.  A reader opens /dev/lwpcap, binds the file to one network
 * interface, asks for a ring, maps it at the offsets the kernel reports
 * and activates capture.  See docs/abi.md for the long form.
 *
 * Ring layout
 * -----------
 * One mapping per bound file, LWPCAP_IOC_SETUP reports its size and the
 * offsets of every part (struct lwpcap_offsets); a reader must not assume
 * any offset that is not reported.  For each RX queue q of the device:
 *
 *   control block  at off.ctl + q * off.ctl_stride
 *                  u32 prod at +off.prod       written by the kernel
 *                  u64 counters at +off.packets, +off.bytes, +off.drops
 *                  and +off.missed (LWPCAP_FEAT_MISSED; 0: none)
 *                                              written by the kernel
 *                  u32 cons at +off.cons       written by the reader
 *   segment table  at off.seg_len + q * off.seg_len_stride
 *                  u32 seg_len[nr_segs]        written by the kernel
 *   data           at off.data + q * off.data_stride
 *                  nr_segs segments of seg_size bytes
 *
 * The data area of a queue is a stream of records, each exactly a pcap
 * record (struct lwpcap_rec_hdr, nanosecond timestamps, host byte order)
 * followed by caplen bytes of the frame, with no padding, so a reader
 * moves runs of records to a pcap file with one memcpy.  A record never
 * crosses a segment boundary: when it does not fit in what is left of a
 * segment, the kernel starts it at the next segment and the unused tail
 * of the old one is not part of the stream.  seg_len[s] is the number of
 * valid bytes in segment s once the producer has moved past it.  The
 * kernel never starts the next lap of the segment that holds cons, so
 * seg_len[s] stays valid for as long as the reader is in segment s; a
 * queue thus holds at most nr_segs - 1 segments' worth of unread data
 * beyond the reader's current segment.
 *
 * prod and cons are free-running byte positions (u32, wrapping); the
 * offset into the data area is pos & (nr_segs * seg_size - 1).  The ring
 * holds prod - cons bytes; it is empty when they are equal.
 *
 * Memory ordering
 * ---------------
 * Kernel (one producer per queue, in NAPI context):
 *   writes records and seg_len[], then smp_store_release(prod)      (K1)
 *   reads cons with smp_load_acquire() before reusing space         (K2)
 * Reader (one consumer per queue):
 *   p = load_acquire(prod), pairs with K1: records and seg_len[] up
 *   to p are complete when seen                                    (U1)
 *   copies the bytes out, then store_release(cons), pairs with K2:
 *   the kernel overwrites nothing the reader is still reading       (U2)
 *
 * The kernel keeps its own copy of prod and of every counter and never
 * reads anything from the mapping but cons, which it checks against its
 * own prod: a cons the kernel could not have produced is ignored (the
 * queue then looks full and frames are dropped and counted), so a buggy
 * or hostile reader only loses its own frames.
 *
 * The kernel publishes prod at the end of every NAPI poll that captured
 * something and wakes a reader sleeping in poll() at most once per poll,
 * so a frame reaches the reader within one interrupt even on a quiet link.
 */
#ifndef _UAPI_LINUX_LWPCAP_H
#define _UAPI_LINUX_LWPCAP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define LWPCAP_ABI_VERSION	1

/* Device node: /dev/LWPCAP_DEVICE_NAME */
#define LWPCAP_DEVICE_NAME	"lwpcap"

/* Feature bits reported in lwpcap_bind.features */
#define LWPCAP_FEAT_VLAN	(1U << 0) /* stripped 802.1Q tags re-inserted */
#define LWPCAP_FEAT_DIVERT	(1U << 1) /* LWPCAP_MODE_DIVERT supported */
#define LWPCAP_FEAT_SNAPLEN_LIVE (1U << 2) /* snaplen settable while active */
#define LWPCAP_FEAT_POINTS	(1U << 3) /* lwpcap_bind.point honoured */
#define LWPCAP_FEAT_WAKE	(1U << 4) /* lwpcap_activate.wake_bytes */
#define LWPCAP_FEAT_MISSED	(1U << 5) /* lwpcap_offsets.missed */
#define LWPCAP_FEAT_ALL		(LWPCAP_FEAT_VLAN | LWPCAP_FEAT_DIVERT | \
				 LWPCAP_FEAT_SNAPLEN_LIVE | LWPCAP_FEAT_POINTS | \
				 LWPCAP_FEAT_WAKE | LWPCAP_FEAT_MISSED)

/* Capture points (lwpcap_bind.point); see docs/abi.md */
#define LWPCAP_POINT_DRIVER	0 /* the NIC driver's hook, before any skb */
#define LWPCAP_POINT_PTYPE	1 /* a packet_type for ETH_P_ALL, tap only */
#define LWPCAP_POINT_NETFILTER	2 /* IPv4 and IPv6 PRE_ROUTING, tap only */
#define LWPCAP_POINT_INGRESS	3 /* netfilter's netdev ingress hook */
#define LWPCAP_POINT_MAX	LWPCAP_POINT_INGRESS

/* Limits */
#define LWPCAP_SEG_SIZE_MIN	4096U
#define LWPCAP_SEG_SIZE_MAX	(16U << 20)
#define LWPCAP_QUEUE_SIZE_MAX	(1U << 30)	/* data bytes per queue */
#define LWPCAP_SNAPLEN_MAX	65535U
#define LWPCAP_MAX_QUEUES	64U

/**
 * struct lwpcap_rec_hdr - one record in the data area
 * @ts_sec:  seconds of the receive time, CLOCK_REALTIME
 * @ts_nsec: nanoseconds of the receive time
 * @caplen:  bytes of the frame that follow this header
 * @len:     length of the frame on the wire (with any re-inserted tag)
 *
 * Identical to a pcap record header of a nanosecond-resolution file
 * (magic 0xa1b23c4d) written on the same host.
 */
struct lwpcap_rec_hdr {
	__u32 ts_sec;
	__u32 ts_nsec;
	__u32 caplen;
	__u32 len;
};

/**
 * struct lwpcap_bind - argument of LWPCAP_IOC_BIND
 * @ifindex:     in: interface, in the network namespace the file was
 *               opened in
 * @abi_version: in: LWPCAP_ABI_VERSION the caller was built with
 * @nr_queues:   out: number of sub-rings, one per RX queue of the device,
 *               at most LWPCAP_MAX_QUEUES (the first queues of a device
 *               with more)
 * @features:    out: LWPCAP_FEAT_* supported by the kernel and the driver
 *               (at the chosen point: no LWPCAP_FEAT_DIVERT where the
 *               point cannot consume a frame)
 * @mode:        out: default mode of the driver (LWPCAP_MODE_*), tap at
 *               the points that are not the driver's
 * @point:       in: LWPCAP_POINT_* to capture at; a kernel without
 *               LWPCAP_FEAT_POINTS knows only LWPCAP_POINT_DRIVER (0)
 *               and fails any other with -EINVAL
 * @points:      out: bit (1 << LWPCAP_POINT_*) set for each point this
 *               device offers; must be zero on entry
 * @resv:        must be zero
 *
 * One reader per device and point: the driver hook and the portable
 * points of one device may each have their own reader.
 */
struct lwpcap_bind {
	__u32 ifindex;
	__u32 abi_version;
	__u32 nr_queues;
	__u32 features;
	__u32 mode;
	__u32 point;
	__u32 points;
	__u32 resv;
};

/**
 * struct lwpcap_offsets - where the parts of the mapping are
 *
 * Filled by LWPCAP_IOC_SETUP; see the layout at the top of this file.
 * All offsets are in bytes from the start of the mapping, or from the
 * start of a queue's control block for @prod, @cons and the counters.
 *
 * @drops counts every frame seen while active that no record holds: the
 * ring was full, or the driver could not offer the frame at all.
 * @missed (LWPCAP_FEAT_MISSED) counts the second kind apart, as a part
 * of @drops: a reader learns how many drops a faster reader would not
 * have avoided.  0 where the kernel has no such counter (a control
 * block never starts with a counter: @prod is there).
 */
struct lwpcap_offsets {
	__u32 ctl;
	__u32 ctl_stride;
	__u32 prod;
	__u32 cons;
	__u32 packets;
	__u32 bytes;
	__u32 drops;
	__u32 missed;
	__u64 seg_len;
	__u64 seg_len_stride;
	__u64 data;
	__u64 data_stride;
	__u64 resv2[2];
};

/**
 * struct lwpcap_setup - argument of LWPCAP_IOC_SETUP
 * @seg_size:  in: bytes per segment, a power of two in
 *             [LWPCAP_SEG_SIZE_MIN, LWPCAP_SEG_SIZE_MAX]
 * @nr_segs:   in: segments per queue, a power of two, at least 2;
 *             seg_size * nr_segs <= LWPCAP_QUEUE_SIZE_MAX
 * @snaplen:   in: bytes kept of each frame, 1 to LWPCAP_SNAPLEN_MAX and
 *             at most seg_size - sizeof(struct lwpcap_rec_hdr)
 * @flags:     in: none defined, must be zero
 * @nr_queues: out: number of queues in the mapping
 * @resv1:     must be zero
 * @mmap_size: out: length to pass to mmap() at offset 0
 * @off:       out: layout of the mapping
 * @resv:      must be zero
 *
 * Fields marked out must be zero on entry.  Replaces any earlier ring of
 * the file.  Fails with -EBUSY while the ring
 * is mapped or capture is active.
 */
struct lwpcap_setup {
	__u32 seg_size;
	__u32 nr_segs;
	__u32 snaplen;
	__u32 flags;
	__u32 nr_queues;
	__u32 resv1;
	__u64 mmap_size;
	struct lwpcap_offsets off;
	__u64 resv[4];
};

/* Capture modes */
#define LWPCAP_MODE_DEFAULT	0 /* what the driver was loaded with */
#define LWPCAP_MODE_TAP		1 /* capture and pass frames to the stack */
#define LWPCAP_MODE_DIVERT	2 /* capture and consume (CAP_NET_ADMIN) */

/**
 * struct lwpcap_activate - argument of LWPCAP_IOC_ACTIVATE
 * @mode:  LWPCAP_MODE_*
 * @flags: none defined, must be zero
 * @wake_bytes: poll() reports the file readable, and a reader sleeping
 *         in it is woken, only once a queue holds at least this many
 *         bytes not yet consumed (LWPCAP_FEAT_WAKE; 0: from the first
 *         record, as without the feature); at most half a queue's ring
 *         (seg_size * nr_segs / 2).  A reader that sets it polls with a
 *         timeout: that bounds the delay of a lone frame.
 * @resv:  must be zero
 */
struct lwpcap_activate {
	__u32 mode;
	__u32 flags;
	__u32 wake_bytes;
	__u32 resv;
};

/**
 * struct lwpcap_queue_stats - counters of one queue
 * @packets:  records written to the ring
 * @bytes:    bytes of frame data written to the ring (caplen)
 * @drops:    frames seen while active that did not fit in the ring, or
 *            that the driver received but could not offer to it
 *            (docs/abi.md: paths without a hook, XDP verdicts; the
 *            control block's missed counter holds how many);
 *            those of RX queues past the last ring (a device with more
 *            than LWPCAP_MAX_QUEUES) count as drops of queue 0, in
 *            LWPCAP_IOC_GET_STATS only, not in the control block's copy
 * @bad_cons: times the kernel ignored a cons it could not have produced
 */
struct lwpcap_queue_stats {
	__u64 packets;
	__u64 bytes;
	__u64 drops;
	__u64 bad_cons;
};

/**
 * struct lwpcap_stats - argument of LWPCAP_IOC_GET_STATS
 * @nr_queues: in: entries @queues has room for; out: queues of the ring
 * @flags:     in: none defined, must be zero
 * @queues:    in: user pointer to an array of struct lwpcap_queue_stats;
 *             min(in, out) entries are filled
 */
struct lwpcap_stats {
	__u32 nr_queues;
	__u32 flags;
	__u64 queues;
};

#define LWPCAP_IOC_MAGIC	0xb3

#define LWPCAP_IOC_BIND		_IOWR(LWPCAP_IOC_MAGIC, 1, struct lwpcap_bind)
#define LWPCAP_IOC_SETUP	_IOWR(LWPCAP_IOC_MAGIC, 2, struct lwpcap_setup)
#define LWPCAP_IOC_ACTIVATE	_IOW(LWPCAP_IOC_MAGIC, 3, struct lwpcap_activate)
#define LWPCAP_IOC_DEACTIVATE	_IO(LWPCAP_IOC_MAGIC, 4)
#define LWPCAP_IOC_SET_SNAPLEN	_IOW(LWPCAP_IOC_MAGIC, 5, __u32)
#define LWPCAP_IOC_GET_STATS	_IOWR(LWPCAP_IOC_MAGIC, 6, struct lwpcap_stats)

#endif /* _UAPI_LINUX_LWPCAP_H */
