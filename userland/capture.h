/* SPDX-License-Identifier: GPL-2.0 */
/*
 * capture.h - the drain thread of one interface.
 *
 * A source is anything that owns a mapped lwpcap ring and a file
 * descriptor that poll() reports readable when the ring has data and
 * POLLHUP/POLLERR when it is gone: /dev/lwpcap (device.c) or the fake
 * source (fakesrc.c).
 */
#ifndef _TG3CAP_CAPTURE_H
#define _TG3CAP_CAPTURE_H

#include <pthread.h>
#include <signal.h>

#include "filering.h"
#include "losscause.h"
#include "output.h"
#include "ring.h"
#include "stats.h"
#include "util.h"

struct lwp_src_ops {
	int (*deactivate)(void *src, char *err);
	int (*stats)(void *src, struct lwpcap_queue_stats *qs, unsigned int n,
		     char *err);
	void (*ack)(void *src);		/* after POLLIN, may be NULL */
};

/**
 * struct lwp_cap - one interface being captured
 * @ifname:   interface
 * @fd:       the source's pollable descriptor
 * @stop_fd:  eventfd written by lwp_cap_stop() and lwp_cap_kick()
 * @stop:     stop requested
 * @hurry:    do not wait for -z commands at the end (lwp_cap_hurry())
 * @done:     the thread has finished (set last)
 * @nr_queues: queues in @q
 * @q:        the ring's queues
 * @out:      where the records go (a file series or a stream)
 * @out_ops:  its backend
 * @ops:      source operations
 * @src:      passed to @ops
 * @notify_fd: eventfd the thread writes when it ends, or -1
 * @result:   0, or the negative errno the capture ended with
 * @err:      message for @result
 * @end:      why it ended: "stopped", "count reached", "device gone", ...
 * @lock:     guards @out against lwp_cap_stats() while it closes
 * @final_fs: the output's numbers once it is closed
 * @last_fs:  the output's numbers lwp_cap_stats() last read (main thread)
 * @buffer_ms: the longest sleep in poll() while the source wakes us only
 *            at a quarter full ring (see wait_for_data()); 0: the source
 *            wakes us at every record; the caller's to set
 * @wakeups:  times poll() returned with records or at @buffer_ms
 * @pass_max_ns: the longest drain pass while capturing
 * @slow_passes: drain passes longer than LWP_SLOW_PASS_NS
 * @drops0:   the ring's drops when attached, before the capture started
 * @loss:     the ring's drops by cause (losscause.h), kept by the thread
 */
struct lwp_cap {
	const char *ifname;
	int fd;
	int stop_fd;
	volatile sig_atomic_t stop;
	int hurry;
	int done;
	unsigned int nr_queues;
	struct lwp_queue *q;
	void *out;
	const struct lwp_out_ops *out_ops;
	const struct lwp_src_ops *ops;
	void *src;
	int notify_fd;
	int result;
	char err[LWP_ERRLEN];
	const char *end;
	pthread_mutex_t lock;
	struct fring_stats final_fs;
	struct fring_stats last_fs;
	unsigned int buffer_ms;
	uint64_t wakeups;
	uint64_t pass_max_ns;
	uint64_t slow_passes;
	struct lwp_drops drops0;
	struct lwp_loss loss;
};

/* 10 ms: a 16 MiB ring holds about 25 ms at 700 MB/s. */
#define LWP_SLOW_PASS_NS	10000000ULL

int lwp_cap_init(struct lwp_cap *c, const char *ifname, int fd, void *map,
		 size_t map_len, const struct lwpcap_setup *setup,
		 const struct lwp_src_ops *ops, void *src, char *err);
void lwp_cap_fini(struct lwp_cap *c);
void *lwp_cap_thread(void *arg);
int lwp_cap_run(struct lwp_cap *c);
void lwp_cap_stop(struct lwp_cap *c);
void lwp_cap_hurry(struct lwp_cap *c);
void lwp_cap_kick(void *arg);
void lwp_cap_stats(struct lwp_cap *c, struct lwp_ifstat *s);

#endif /* _TG3CAP_CAPTURE_H */
