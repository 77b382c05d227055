/* SPDX-License-Identifier: GPL-2.0 */
/*
 * output.h - where a capture's records go: an ops table.
 *
 * Two backends: a series of files (filering.c, -w PREFIX) and a pcap
 * stream on standard output (pcapstream.c, -w -); stages in front of
 * them take the same table: the capture filter (filter.c) and the merge
 * of the queues (merge.c).  The drain thread
 * calls @write (the ring's sink), @tick when idle and @close at the end;
 * any thread may call @get_stats.
 */
#ifndef _TG3CAP_OUTPUT_H
#define _TG3CAP_OUTPUT_H

#include "filering.h"
#include "ring.h"

/**
 * struct lwp_out_ops - one output backend
 * @write:     sink for lwp_queue_drain(): 0, LWP_STOP (-c reached) or a
 *             negative errno; -EPIPE means the stream's reader went
 *             away, which ends the capture cleanly
 * @pass:      after a drain pass over all queues that moved records;
 *             may be NULL; returns as @write
 * @tick:      called when the rings are idle (time rotation, errors of
 *             a helper thread); 0 or a negative errno
 * @ms_to_rotation: poll() timeout until @tick has work, -1 for none
 * @close:     finish; @final gets the last numbers; 0 or an error
 * @abort:     close an output that never captured
 * @get_stats: a snapshot of the numbers, from any thread
 */
struct lwp_out_ops {
	lwp_sink_fn write;
	int (*pass)(void *out, char *err);
	int (*tick)(void *out, char *err);
	int (*ms_to_rotation)(void *out);
	int (*close)(void *out, struct fring_stats *final, char *err);
	void (*abort)(void *out);
	void (*get_stats)(void *out, struct fring_stats *st);
};

extern const struct lwp_out_ops fring_out_ops;

#endif /* _TG3CAP_OUTPUT_H */
