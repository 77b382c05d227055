// SPDX-License-Identifier: GPL-2.0
/*
 * capture.c - drain loop: rings to files, sleeping in poll() when idle.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "capture.h"

/*
 * The ring's drops in two parts: a queue's drops hold its missed frames
 * (LWPCAP_FEAT_MISSED).  Drops are read first: the missed read after them
 * is at least theirs, so a lag only delays a ring-full drop to the next
 * reading, it never counts a missed frame as one (lwp_loss_pass()).
 */
static void ring_drops(const struct lwp_cap *c, struct lwp_drops *d)
{
	uint64_t drops, missed;
	unsigned int i;

	d->full = d->missed = 0;
	for (i = 0; i < c->nr_queues; i++) {
		drops = lwp_queue_drops(&c->q[i]);
		missed = lwp_queue_missed(&c->q[i]);
		if (missed > drops)
			missed = drops;
		d->full += drops - missed;
		d->missed += missed;
	}
}

/**
 * lwp_cap_init() - attach to every queue of a mapped ring
 *
 * @c->out, @c->out_ops and @c->notify_fd are the caller's to set afterwards.
 */
int lwp_cap_init(struct lwp_cap *c, const char *ifname, int fd, void *map,
		 size_t map_len, const struct lwpcap_setup *setup,
		 const struct lwp_src_ops *ops, void *src, char *err)
{
	unsigned int i;
	int ret;

	memset(c, 0, sizeof(*c));
	c->ifname = ifname;
	c->fd = fd;
	c->ops = ops;
	c->src = src;
	c->notify_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0)
		return lwp_err(err, -errno, "eventfd: %s", strerror(errno));
	c->q = calloc(setup->nr_queues, sizeof(*c->q));
	if (!c->q) {
		ret = lwp_err(err, -ENOMEM, "out of memory");
		goto err_close;
	}
	for (i = 0; i < setup->nr_queues; i++) {
		ret = lwp_queue_init(&c->q[i], map, map_len, setup, i, err);
		if (ret)
			goto err_fini;
		c->nr_queues++;
	}
	ring_drops(c, &c->drops0);
	return 0;

err_fini:
	while (i--)
		lwp_queue_fini(&c->q[i]);
	free(c->q);
err_close:
	close(c->stop_fd);
	pthread_mutex_destroy(&c->lock);
	return ret;
}

void lwp_cap_fini(struct lwp_cap *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_queues; i++)
		lwp_queue_fini(&c->q[i]);
	free(c->q);
	c->q = NULL;
	close(c->stop_fd);
	pthread_mutex_destroy(&c->lock);
}

/** lwp_cap_stop() - ask the drain thread to finish; async-safe enough */
void lwp_cap_stop(struct lwp_cap *c)
{
	uint64_t one = 1;

	c->stop = 1;
	/* Failure means a saturated counter: a wake-up is pending anyway. */
	(void)!write(c->stop_fd, &one, sizeof(one));
}

/**
 * lwp_cap_kick() - wake the drain thread without stopping it
 * @arg: the capture
 *
 * The file series calls it (fring_cfg.wake) when its swapper fails, so
 * that a thread asleep in poll() finds the error without waiting for the
 * next frame.
 */
void lwp_cap_kick(void *arg)
{
	struct lwp_cap *c = arg;
	uint64_t one = 1;

	/* Failure means a saturated counter: a wake-up is pending anyway. */
	(void)!write(c->stop_fd, &one, sizeof(one));
}

/** lwp_cap_hurry() - end the wait for -z commands when the series closes */
void lwp_cap_hurry(struct lwp_cap *c)
{
	__atomic_store_n(&c->hurry, 1, __ATOMIC_RELAXED);
}

/* One pass over all queues: 1 if data moved, 0 if none, <0, LWP_STOP. */
static int drain_all(struct lwp_cap *c)
{
	unsigned int i;
	int moved = 0, ret;

	for (i = 0; i < c->nr_queues; i++) {
		ret = lwp_queue_drain(&c->q[i], c->out_ops->write, c->out,
				      c->err);
		if (ret < 0 || ret == LWP_STOP)
			return ret;
		moved |= ret;
	}
	if (moved && c->out_ops->pass) {
		ret = c->out_ops->pass(c->out, c->err);
		if (ret)
			return ret;
	}
	return moved;
}

/*
 * A drain pass longer than the ring's depth in time is a drop: keep the
 * longest and count the long ones, so that a stall of the writer (page
 * faults, the file system, the CPU) is seen apart from the source's rate.
 */
static int timed_drain(struct lwp_cap *c)
{
	struct lwp_drops drops;
	uint64_t t0, d;
	int ret;

	ring_drops(c, &drops);
	lwp_loss_pass(&c->loss, &drops);
	t0 = lwp_now_ns();
	ret = drain_all(c);
	d = lwp_now_ns() - t0;
	if (d > c->pass_max_ns)
		__atomic_store_n(&c->pass_max_ns, d, __ATOMIC_RELAXED);
	if (d > LWP_SLOW_PASS_NS)
		__atomic_store_n(&c->slow_passes, c->slow_passes + 1,
				 __ATOMIC_RELAXED);
	return ret;
}

/*
 * The kernel wakes a reader asleep in poll() at the end of every NAPI
 * poll that captured something: at low rates a wake-up, a drain pass and
 * a file pass for one or two frames, which made the reader cost more CPU
 * per frame than tcpdump (issue 15; a wake-up costs ~0.5 ms of a TCG
 * guest).  With a buffer timeout the source wakes us only once a queue
 * is a quarter full (lwpcap_activate.wake_bytes, set by the caller), and
 * poll() returns after @c->buffer_ms at the latest to take what
 * gathered below that, as libpcap's buffer timeout does.
 */
static int wait_for_data(struct lwp_cap *c, int *gone)
{
	struct pollfd pfd[2] = {
		{ .fd = c->fd, .events = POLLIN },
		{ .fd = c->stop_fd, .events = POLLIN },
	};
	int ret, ms = c->out_ops->ms_to_rotation(c->out);
	unsigned int i;
	uint64_t t0;

	for (i = 0; i < c->nr_queues; i++)
		lwp_queue_idle(&c->q[i]);
	if (c->buffer_ms && (ms < 0 || (unsigned int)ms > c->buffer_ms))
		ms = c->buffer_ms;
	t0 = lwp_now_ns();
	ret = poll(pfd, 2, ms);
	lwp_loss_sleep(&c->loss, lwp_now_ns() - t0);
	if (ret < 0 && errno != EINTR)
		return lwp_err(c->err, -errno, "%s: poll: %s", c->ifname,
			       strerror(errno));
	if (ret == 0 && c->buffer_ms)
		__atomic_store_n(&c->wakeups, c->wakeups + 1,
				 __ATOMIC_RELAXED);
	if (ret <= 0)
		return 0;
	if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
		*gone = 1;
	} else if (pfd[0].revents & POLLIN) {
		__atomic_store_n(&c->wakeups, c->wakeups + 1,
				 __ATOMIC_RELAXED);
		if (c->ops->ack)
			c->ops->ack(c->src);
	}
	return 0;
}

/**
 * lwp_cap_run() - capture until stopped, -c, an error or the device goes
 *
 * On the way out capture is deactivated, what the ring still holds is
 * written, and the output is closed; after an error the closed files
 * are valid and the current one ends with a whole record.  A stream
 * whose reader went away (-EPIPE) ends the capture without an error;
 * what the ring still holds is then not written.
 *
 * Return: 0 or a negative errno, also left in @c->result with @c->err.
 */
int lwp_cap_run(struct lwp_cap *c)
{
	char msg[LWP_ERRLEN];
	int ret = 0, gone = 0, closed = 0, r;
	struct lwp_drops drops;

	c->end = "stopped";
	ring_drops(c, &drops);
	lwp_loss_start(&c->loss, &c->drops0, &drops);
	while (!c->stop && !gone) {
		ret = timed_drain(c);
		if (ret < 0 || ret == LWP_STOP)
			break;
		/* A busy loop rotates by time in fring_write(). */
		if (!ret) {
			ret = c->out_ops->tick(c->out, c->err);
			if (ret)
				break;
			ret = wait_for_data(c, &gone);
			if (ret)
				break;
		}
		ret = 0;
	}
	/* The stream's reader went away: an end, not an error (tcpdump). */
	if (ret == -EPIPE) {
		closed = 1;
		ret = 0;
	}
	if (ret == LWP_STOP)
		c->end = LWP_STATE_COUNT;
	else if (closed)
		c->end = LWP_STATE_CLOSED;
	else if (gone)
		c->end = "device gone";
	else if (ret < 0)
		c->end = "error";

	r = c->ops->deactivate(c->src, ret < 0 ? msg : c->err);
	if (r && ret >= 0) {
		ret = r;
		c->end = "error";
	}
	/* Nothing is produced after deactivation: take the rest. */
	ring_drops(c, &drops);
	lwp_loss_pass(&c->loss, &drops);
	lwp_loss_stop(&c->loss);
	while (ret == 0 && !closed) {
		ret = drain_all(c);
		if (ret == 1) {
			ret = 0;
		} else if (ret == -EPIPE) {
			c->end = LWP_STATE_CLOSED;
			closed = 1;
			ret = 0;
		} else if (ret == 0) {
			break;
		}
	}
	if (ret == LWP_STOP) {
		c->end = LWP_STATE_COUNT;
		ret = 0;
	}
	if (ret < 0)
		c->end = "error";
	pthread_mutex_lock(&c->lock);
	r = c->out_ops->close(c->out, &c->final_fs, ret < 0 ? msg : c->err);
	c->out = NULL;
	pthread_mutex_unlock(&c->lock);
	if (r && !ret) {
		ret = r;
		c->end = "error";
	}
	c->result = ret;
	return ret;
}

void *lwp_cap_thread(void *arg)
{
	struct lwp_cap *c = arg;
	uint64_t one = 1;

	lwp_cap_run(c);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	/* Failure means a saturated counter: the waiter is awake already. */
	if (c->notify_fd >= 0)
		(void)!write(c->notify_fd, &one, sizeof(one));
	return NULL;
}

/**
 * lwp_cap_stats() - numbers for the status line, JSON and the report
 *
 * Callable from another thread at any time.  The ring counters come from
 * the source (the kernel's own, via LWPCAP_IOC_GET_STATS); when that
 * fails, from the mirror in the mapping.
 */
void lwp_cap_stats(struct lwp_cap *c, struct lwp_ifstat *s)
{
	unsigned int i;

	s->ifname = c->ifname;
	s->nr_queues = c->nr_queues;
	/* Before the kernel's own drops, which are then at least these. */
	for (i = 0; i < c->nr_queues; i++)
		s->missed[i] = lwp_queue_missed(&c->q[i]);
	if (c->ops->stats(c->src, s->q, c->nr_queues, NULL)) {
		for (i = 0; i < c->nr_queues; i++) {
			memset(&s->q[i], 0, sizeof(s->q[i]));
			s->q[i].packets = lwp_queue_packets(&c->q[i]);
			s->q[i].drops = lwp_queue_drops(&c->q[i]);
		}
	}
	for (i = 0; i < c->nr_queues; i++)
		if (s->missed[i] > s->q[i].drops)
			s->missed[i] = s->q[i].drops;
	s->retries = 0;
	s->walks = 0;
	for (i = 0; i < c->nr_queues; i++) {
		s->retries += __atomic_load_n(&c->q[i].retries,
					      __ATOMIC_RELAXED);
		s->walks += __atomic_load_n(&c->q[i].walks, __ATOMIC_RELAXED);
	}
	s->wakeups = __atomic_load_n(&c->wakeups, __ATOMIC_RELAXED);
	s->pass_max_ns = __atomic_load_n(&c->pass_max_ns, __ATOMIC_RELAXED);
	s->slow_passes = __atomic_load_n(&c->slow_passes, __ATOMIC_RELAXED);
	lwp_loss_read(&c->loss, s->lost);
	/* The drain thread holds the lock while it closes the output, which
	 * may wait seconds for -z commands: show the last figures then, as
	 * the main thread must not stall there (it takes the signals; a
	 * second stop signal ends that wait).
	 */
	if (!pthread_mutex_trylock(&c->lock)) {
		if (c->out)
			c->out_ops->get_stats(c->out, &c->last_fs);
		else
			c->last_fs = c->final_fs;
		pthread_mutex_unlock(&c->lock);
	}
	s->fs = c->last_fs;
	s->state = __atomic_load_n(&c->done, __ATOMIC_ACQUIRE) ?
		   c->end : LWP_STATE_CAPTURING;
}
