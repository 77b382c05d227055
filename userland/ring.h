/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring.h - consumer side of one lwpcap queue (see <linux/lwpcap.h>).
 *
 * One struct lwp_queue per RX queue, used by one thread at a time.  A
 * drain pass takes everything the kernel published, as a batch of runs
 * (contiguous byte ranges of whole pcap records, at most one per
 * segment plus one), hands it to a sink and then frees the space.
 */
#ifndef _TG3CAP_RING_H
#define _TG3CAP_RING_H

#include <stddef.h>
#include <stdint.h>

#include <linux/lwpcap.h>

/**
 * struct lwp_run - whole records in the ring, ready to be copied
 * @p:   first byte (a record header)
 * @len: bytes, a sum of whole records
 */
struct lwp_run {
	const uint8_t *p;
	uint32_t len;
};

/**
 * struct lwp_batch - what one drain pass hands to the sink
 * @runs:   the runs, in stream order
 * @nruns:  entries in @runs
 * @bytes:  sum of the run lengths (record headers included)
 * @pkts:   records in the runs, exact
 * @caplen: frame bytes in the runs (record headers excluded), exact
 * @queue:  the ring queue the runs come from
 * @q:      that queue, for lwp_batch_release(); NULL in a batch a sink
 *          made of its own
 */
struct lwp_batch {
	const struct lwp_run *runs;
	unsigned int nruns;
	uint64_t bytes;
	uint64_t pkts;
	uint64_t caplen;
	unsigned int queue;
	struct lwp_queue *q;
};

/*
 * A sink consumes a batch: 0 when all of it was written, LWP_STOP when it
 * wants capture to end (e.g. -c reached), a negative errno on failure.
 */
typedef int (*lwp_sink_fn)(void *ctx, const struct lwp_batch *b, char *err);

/**
 * struct lwp_queue - reader state of one queue
 * @prod:      kernel's published producer position (shared)
 * @cons_usr:  our consumer position (shared, written only here)
 * @packets:   kernel's mirror of records written (shared)
 * @bytes:     kernel's mirror of frame bytes written (shared)
 * @drops:     kernel's mirror of frames dropped: a full ring, or never
 *             offered (shared)
 * @missed:    kernel's mirror of those never offered (shared), or NULL:
 *             a kernel without LWPCAP_FEAT_MISSED
 * @seg_len:   segment table (shared)
 * @data:      data area (shared)
 * @size:      bytes in @data, a power of two
 * @seg_size:  bytes per segment
 * @seg_shift: log2(@seg_size)
 * @cons:      next byte to read (private, authoritative)
 * @cons_pub:  last value stored to *@cons_usr
 * @base_pkts: the kernel's packet counter at @cons
 * @base_bytes: the kernel's byte counter at @cons
 * @runs:      scratch for one batch, nr_segs + 1 entries
 * @retries:   passes that saw the counters mid-update and looked again
 * @walks:     passes that had to count records by walking them
 * @index:     queue number, for messages
 */
struct lwp_queue {
	const uint32_t *prod;
	uint32_t *cons_usr;
	const uint64_t *packets;
	const uint64_t *bytes;
	const uint64_t *drops;
	const uint64_t *missed;
	const uint32_t *seg_len;
	const uint8_t *data;
	uint32_t size;
	uint32_t seg_size;
	unsigned int seg_shift;
	uint32_t cons;
	uint32_t cons_pub;
	uint64_t base_pkts;
	uint64_t base_bytes;
	struct lwp_run *runs;
	uint64_t retries;
	uint64_t walks;
	unsigned int index;
};

int lwp_check_setup(const struct lwpcap_setup *s, size_t map_len, char *err);
int lwp_queue_init(struct lwp_queue *q, void *map, size_t map_len,
		   const struct lwpcap_setup *s, unsigned int index, char *err);
void lwp_queue_fini(struct lwp_queue *q);
int lwp_queue_drain(struct lwp_queue *q, lwp_sink_fn sink, void *ctx,
		    char *err);
void lwp_queue_idle(struct lwp_queue *q);
void lwp_batch_release(const struct lwp_batch *b, unsigned int nruns);
uint64_t lwp_queue_drops(const struct lwp_queue *q);
uint64_t lwp_queue_missed(const struct lwp_queue *q);
uint64_t lwp_queue_packets(const struct lwp_queue *q);

#endif /* _TG3CAP_RING_H */
