/* SPDX-License-Identifier: GPL-2.0 */
/*
 * merge.h - one time-ordered series from the RX queues of an interface
 * (--merge).
 *
 * Each queue's records are in time order; the queues are drained one
 * after the other.  The merge stage copies each queue's records into a
 * buffer of its own and, after every drain pass over all queues, hands
 * on in timestamp order the records no queue can still undercut: those
 * not newer than the oldest "newest record seen" of all queues, or
 * older than the pass's start minus the window (a queue that is idle,
 * or slower to publish, has nothing older than that left in its ring).
 * A queue buffer that fills hands on its oldest records early; those are
 * counted (merge_forced), as they may break the order.
 */
#ifndef _TG3CAP_MERGE_H
#define _TG3CAP_MERGE_H

#include <stdint.h>

#include "output.h"

#define LWP_MERGE_WINDOW_MS	10
#define LWP_MERGE_QBUF		(8U << 20)	/* bytes held per queue, at most */

struct lwp_mout;

int lwp_mout_open(struct lwp_mout **out, unsigned int nr_queues,
		  uint64_t window_ns, size_t qbuf,
		  const struct lwp_out_ops *ops, void *inner, char *err);

extern const struct lwp_out_ops lwp_mout_ops;

#endif /* _TG3CAP_MERGE_H */
