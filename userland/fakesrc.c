// SPDX-License-Identifier: GPL-2.0
/*
 * fakesrc.c - numbered frames from a producer thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakesrc.h"

#define FAKE_NAPI_BUDGET	64

int fakesrc_open(struct fakesrc *s, const struct fakesrc_cfg *cfg,
		 uint32_t seg_size, uint32_t nr_segs, uint32_t snaplen,
		 char *err)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (cfg->len < FAKE_MIN_LEN || cfg->len > LWPCAP_SNAPLEN_MAX ||
	    !cfg->queues || cfg->queues > LWPCAP_MAX_QUEUES)
		return lwp_err(err, -EINVAL,
			       "fake source: frame length must be %u to %u and queues 1 to %u",
			       FAKE_MIN_LEN, LWPCAP_SNAPLEN_MAX,
			       LWPCAP_MAX_QUEUES);
	ret = fakedev_create(&s->dev, cfg->queues, seg_size, nr_segs, snaplen,
			     err);
	if (ret)
		return ret;
	if (pipe2(s->pipe, O_CLOEXEC | O_NONBLOCK)) {
		ret = lwp_err(err, -errno, "pipe: %s", strerror(errno));
		fakedev_destroy(&s->dev);
		return ret;
	}
	return 0;
}

static void wake(struct fakesrc *s)
{
	char c = 0;

	/* A full pipe means a wake-up is pending already. */
	(void)!write(s->pipe[1], &c, 1);
}

static void *producer(void *arg)
{
	struct fakesrc *s = arg;
	unsigned int nq = s->cfg.queues, q;
	uint64_t seq = 0, t0 = lwp_now_ns();
	uint32_t ms;
	struct timespec ts;

	while (seq < s->cfg.pkts &&
	       !__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		uint64_t end = seq + (uint64_t)FAKE_NAPI_BUDGET * nq;
		int any = 0;

		if (end > s->cfg.pkts)
			end = s->cfg.pkts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (; seq < end; seq++)
			fakedev_rx(&s->dev, seq % nq, seq, s->cfg.len, &ts);
		for (q = 0; q < nq; q++)
			if (fakedev_flush(&s->dev, q) &&
			    fakedev_wake_due(&s->dev, q, s->cfg.wake_bytes))
				any = 1;
		if (any)
			wake(s);
		if (s->cfg.pps) {
			uint64_t due = t0 + seq * 1000000000ULL / s->cfg.pps;
			uint64_t now = lwp_now_ns();

			if (due > now) {
				struct timespec d = {
					.tv_sec = (due - now) / 1000000000ULL,
					.tv_nsec = (due - now) % 1000000000ULL,
				};

				nanosleep(&d, NULL);
			}
		}
	}
	/* quiet, in steps short enough for a stop to end it soon */
	for (ms = 0; ms < s->cfg.idle_ms &&
	     !__atomic_load_n(&s->stop, __ATOMIC_RELAXED); ms += 10) {
		ts.tv_sec = 0;
		ts.tv_nsec = 10000000;
		nanosleep(&ts, NULL);
	}
	/* The device goes away: the reader sees POLLHUP. */
	close(s->pipe[1]);
	s->pipe[1] = -1;
	return NULL;
}

int fakesrc_start(struct fakesrc *s, char *err)
{
	int ret = pthread_create(&s->thread, NULL, producer, s);

	if (ret)
		return lwp_err(err, -ret, "cannot start the fake producer: %s",
			       strerror(ret));
	s->started = 1;
	return 0;
}

static int fakesrc_deactivate(void *arg, char *err)
{
	struct fakesrc *s = arg;

	(void)err;
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	if (s->started)
		pthread_join(s->thread, NULL);
	s->started = 0;
	return 0;
}

static int fakesrc_stats(void *arg, struct lwpcap_queue_stats *qs,
			 unsigned int n, char *err)
{
	struct fakesrc *s = arg;
	unsigned int i;

	(void)err;
	/* The producer's private counters are the kernel's; read racily. */
	for (i = 0; i < n && i < s->dev.nr_queues; i++)
		fakedev_counts(&s->dev, i, (uint64_t *)&qs[i].packets,
			       (uint64_t *)&qs[i].bytes,
			       (uint64_t *)&qs[i].drops,
			       (uint64_t *)&qs[i].bad_cons);
	return 0;
}

static void fakesrc_ack(void *arg)
{
	struct fakesrc *s = arg;
	char buf[256];

	while (read(s->pipe[0], buf, sizeof(buf)) > 0)
		;
}

const struct lwp_src_ops fakesrc_ops = {
	.deactivate	= fakesrc_deactivate,
	.stats		= fakesrc_stats,
	.ack		= fakesrc_ack,
};

void fakesrc_close(struct fakesrc *s)
{
	fakesrc_deactivate(s, NULL);
	close(s->pipe[0]);
	if (s->pipe[1] >= 0)
		close(s->pipe[1]);
	fakedev_destroy(&s->dev);
}
