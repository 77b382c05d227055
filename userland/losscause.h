/* SPDX-License-Identifier: GPL-2.0 */
/*
 * losscause.h - why the ring was full: each ring drop charged to where
 * the drain thread's time went while it happened.
 *
 * The kernel counts a drop when a frame finds its queue full; it cannot
 * know why the reader was behind.  The drain thread can: at every pass
 * it reads the drops so far, its CPU time (CLOCK_THREAD_CPUTIME_ID) and
 * its time runnable but waiting for a CPU (/proc/thread-self/schedstat).  The drops that appeared since the last pass are shared out
 * over that interval's time, in proportion:
 *
 *   disk   blocked: neither running, runnable nor asleep in poll() -
 *          waiting for the writer's queue or a file not yet prepared,
 *          page faults and writeback on the files; the time no clock
 *          explains is the disk's only if the thread also switched out
 *          of its own accord more often than it slept in poll()
 *          (getrusage()'s voluntary switches), else the CPU's: a kernel
 *          can leave a wait out of schedstat's delay (seen: 6.18, an
 *          interval of 69 ms with no delay, no sleep, nothing blocking)
 *   cpu    runnable, not running: the CPU was given to something else
 *   drain  running: the reader's own work per frame (filter, merge,
 *          copying) did not keep up with the rate
 *   unknown  no scheduler statistics (a kernel without
 *          CONFIG_SCHED_INFO), or an interval with no time in any of
 *          the three
 *
 * One more cause is not the drain thread's and not shared out by time:
 *
 *   not_offered  frames the driver received but could not offer to the
 *          capture point (an XDP verdict, a path without a hook), which
 *          the kernel counts apart (lwpcap_offsets.missed); no reader
 *          would have had them.  A kernel without that counter
 *          (LWPCAP_FEAT_MISSED) leaves them among the ring's drops.
 *
 * docs/operations.md, "Loss by cause", says how to read them.
 */
#ifndef _TG3CAP_LOSSCAUSE_H
#define _TG3CAP_LOSSCAUSE_H

#include <stdint.h>

enum lwp_cause {
	LWP_CAUSE_DISK,
	LWP_CAUSE_CPU,
	LWP_CAUSE_DRAIN,
	LWP_CAUSE_UNKNOWN,
	LWP_CAUSE_NOT_OFFERED,
	LWP_CAUSE_NR,
};

/**
 * struct lwp_drops - a ring's loss counters, summed over its queues
 * @full:   frames that found the ring full (lwpcap_offsets.drops less
 *          lwpcap_offsets.missed)
 * @missed: frames never offered (lwpcap_offsets.missed)
 */
struct lwp_drops {
	uint64_t full;
	uint64_t missed;
};

extern const char *const lwp_cause_name[LWP_CAUSE_NR];

/**
 * struct lwp_loss - the drain thread's attribution state
 * @fd:       /proc/thread-self/schedstat of the drain thread, or -1
 * @have:     @run and @delay hold a reading
 * @drops:    ring-full drops seen at the last pass, the most seen
 * @missed:   frames never offered, the most seen
 * @t:        CLOCK_MONOTONIC at the last pass, ns
 * @run:      the thread's CPU time then, ns
 * @delay:    schedstat's time runnable, waiting, then, ns
 * @sleep_ns: time asleep in poll() since the last pass
 * @vcsw:     the thread's voluntary context switches at the last pass
 * @polls:    poll() calls since the last pass
 * @lost:     drops charged per enum lwp_cause; other threads read them
 *            (lwp_loss_read())
 */
struct lwp_loss {
	int fd;
	int have;
	uint64_t drops;
	uint64_t missed;
	uint64_t t;
	uint64_t run;
	uint64_t delay;
	uint64_t sleep_ns;
	uint64_t vcsw;
	uint64_t polls;
	uint64_t lost[LWP_CAUSE_NR];
};

void lwp_loss_start(struct lwp_loss *l, const struct lwp_drops *before,
		    const struct lwp_drops *now);
void lwp_loss_stop(struct lwp_loss *l);
void lwp_loss_sleep(struct lwp_loss *l, uint64_t ns);
void lwp_loss_pass(struct lwp_loss *l, const struct lwp_drops *d);
void lwp_loss_charge(uint64_t *lost, uint64_t n, const uint64_t *ns);
void lwp_loss_read(const struct lwp_loss *l, uint64_t *lost);

#endif /* _TG3CAP_LOSSCAUSE_H */
