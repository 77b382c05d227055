// SPDX-License-Identifier: GPL-2.0
/*
 * losscause.c - ring drops charged to disk, CPU or the drain's own work,
 * or to the driver that could not offer the frame.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "losscause.h"
#include "util.h"

const char *const lwp_cause_name[LWP_CAUSE_NR] = {
	[LWP_CAUSE_DISK] = "disk",
	[LWP_CAUSE_CPU] = "cpu",
	[LWP_CAUSE_DRAIN] = "drain",
	[LWP_CAUSE_UNKNOWN] = "unknown",
	[LWP_CAUSE_NOT_OFFERED] = "not_offered",
};

/*
 * Time on a CPU from the thread's CPU clock, exact to now; time waiting
 * for one from schedstat's second field ("RUN_NS DELAY_NS SLICES").
 * Not schedstat's first field: the kernel adds the current slice to it
 * only at the next tick or switch, up to 4 ms late, and a spinning
 * thread's last milliseconds then looked blocked (a test saw 51 % of a
 * spin's drops charged to the disk).  A delay is added when the wait
 * ends, before the thread runs: complete whenever the thread reads it.
 * 0 or -1.
 */
static int sched_read(int fd, uint64_t *run, uint64_t *delay,
		      uint64_t *vcsw)
{
	char buf[96], *end;
	struct timespec ts;
	struct rusage ru;
	ssize_t n;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) ||
	    getrusage(RUSAGE_THREAD, &ru))
		return -1;
	*run = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	*vcsw = ru.ru_nvcsw;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	strtoull(buf, &end, 10);
	if (errno || end == buf || *end != ' ')
		return -1;
	*delay = strtoull(end + 1, &end, 10);
	if (errno || *end != ' ')
		return -1;
	return 0;
}

/* Frames never offered since the last reading: not the thread's doing. */
static void charge_missed(struct lwp_loss *l, uint64_t missed)
{
	if (missed <= l->missed)
		return;
	__atomic_store_n(&l->lost[LWP_CAUSE_NOT_OFFERED],
			 l->lost[LWP_CAUSE_NOT_OFFERED] + (missed - l->missed),
			 __ATOMIC_RELAXED);
	l->missed = missed;
}

/**
 * lwp_loss_start() - begin attributing, on the drain thread itself
 * @l:      state, zeroed here
 * @before: the ring's drops before the capture started (an earlier
 *          reader's: not charged)
 * @now:    the ring's drops now
 *
 * Ring-full drops between the two were the reader's: the source ran
 * before the thread did, which a starved CPU can make late.  No clock
 * of the thread covers that time, so they are charged to "unknown", and
 * the causes still add up to the drops.  /proc/thread-self names the
 * calling thread when it is opened, so the descriptor keeps reading
 * the drain thread's statistics.
 */
void lwp_loss_start(struct lwp_loss *l, const struct lwp_drops *before,
		    const struct lwp_drops *now)
{
	memset(l, 0, sizeof(*l));
	if (now->full > before->full)
		l->lost[LWP_CAUSE_UNKNOWN] = now->full - before->full;
	l->missed = before->missed;
	charge_missed(l, now->missed);
	l->fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	l->drops = now->full;
	l->t = lwp_now_ns();
	l->have = l->fd >= 0 &&
		  !sched_read(l->fd, &l->run, &l->delay, &l->vcsw);
}

void lwp_loss_stop(struct lwp_loss *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->have = 0;
}

/** lwp_loss_sleep() - @ns spent asleep in poll(): not a cause of drops */
void lwp_loss_sleep(struct lwp_loss *l, uint64_t ns)
{
	l->sleep_ns += ns;
	l->polls++;
}

/**
 * lwp_loss_charge() - share @n drops out in proportion to time
 * @lost: per enum lwp_cause, added to
 * @n:    drops
 * @ns:   time per cause, for LWP_CAUSE_DISK .. LWP_CAUSE_DRAIN
 *
 * Whole drops: the remainder of the division goes to the cause with
 * the most time, so that the causes always add up to the drops.
 */
void lwp_loss_charge(uint64_t *lost, uint64_t n, const uint64_t *ns)
{
	unsigned __int128 total = 0;
	uint64_t part, given = 0;
	unsigned int c, top = 0;

	for (c = 0; c < LWP_CAUSE_UNKNOWN; c++) {
		total += ns[c];
		if (ns[c] > ns[top])
			top = c;
	}
	if (!total) {
		__atomic_store_n(&lost[LWP_CAUSE_UNKNOWN],
				 lost[LWP_CAUSE_UNKNOWN] + n,
				 __ATOMIC_RELAXED);
		return;
	}
	for (c = 0; c < LWP_CAUSE_UNKNOWN; c++) {
		part = (uint64_t)((unsigned __int128)n * ns[c] / total);
		given += part;
		__atomic_store_n(&lost[c], lost[c] + part, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&lost[top], lost[top] + (n - given),
			 __ATOMIC_RELAXED);
}

/**
 * lwp_loss_pass() - at the start of a drain pass: charge new drops
 * @l:     state
 * @d:     the ring's drops now, all queues
 *
 * The interval is the time since the last pass: the last pass itself
 * and any sleep after it.  Blocked time is what the wall clock has
 * beyond running, waiting to run and sleeping in poll(); a wake-up that
 * waited for a CPU is counted twice (in the sleep and as a delay), so
 * blocked time errs low, never towards the disk.  That rest is the
 * disk's only if the thread blocked somewhere besides poll(): a wait
 * for a CPU the kernel left out of schedstat (6.18 did, now and then:
 * the CPU-starved test then charged half its drops to the disk) is
 * still the CPU's.
 */
void lwp_loss_pass(struct lwp_loss *l, const struct lwp_drops *d)
{
	uint64_t now = lwp_now_ns(), run = 0, delay = 0, vcsw = 0;
	uint64_t ns[LWP_CAUSE_UNKNOWN] = { 0 };
	int ok = l->fd >= 0 && !sched_read(l->fd, &run, &delay, &vcsw);
	uint64_t drops = d->full;

	charge_missed(l, d->missed);
	if (drops > l->drops) {
		if (ok && l->have && run >= l->run && delay >= l->delay &&
		    vcsw >= l->vcsw) {
			uint64_t wall = now - l->t;
			uint64_t busy = (run - l->run) + (delay - l->delay) +
					l->sleep_ns;
			uint64_t rest = wall > busy ? wall - busy : 0;
			/* each poll() switches out once at most */
			int blocked = vcsw - l->vcsw > l->polls;

			ns[LWP_CAUSE_DISK] = blocked ? rest : 0;
			ns[LWP_CAUSE_CPU] = delay - l->delay +
					    (blocked ? 0 : rest);
			ns[LWP_CAUSE_DRAIN] = run - l->run;
		}
		lwp_loss_charge(l->lost, drops - l->drops, ns);
		l->drops = drops;
	}
	/* Never back: ring-full drops are the difference of two counters,
	 * read one after the other, and may lag (ring_drops() in
	 * capture.c); charging the lag again later would count it twice.
	 */
	l->t = now;
	l->run = run;
	l->delay = delay;
	l->vcsw = vcsw;
	l->have = ok;
	l->sleep_ns = 0;
	l->polls = 0;
}

/** lwp_loss_read() - the charged drops, from any thread */
void lwp_loss_read(const struct lwp_loss *l, uint64_t *lost)
{
	unsigned int c;

	for (c = 0; c < LWP_CAUSE_NR; c++)
		lost[c] = __atomic_load_n(&l->lost[c], __ATOMIC_RELAXED);
}
