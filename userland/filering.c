// SPDX-License-Identifier: GPL-2.0
/*
 * filering.c - preallocated, mmap'd, rotating pcap files.
 *
 * The series as a whole: open, rotate, tick and close, the swapper and
 * finisher threads behind the drain thread, and the output ops table.
 * Its state and threads are described in fring.h.  The other parts:
 * pfile.c (one file's life), runsplit.c (fring_write(): batches cut
 * into files), mapwrite.c (the window around the writer, the
 * prefaulter), aiowrite.c (--io direct), retention.c (-W, --min-free,
 * --max-disk, the spare), postrotate.c (-z).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fring.h"
#include "output.h"
#include "pcapfile.h"

static void set_deadline(struct fring *f, struct pfile *pf)
{
	time_t g = f->cfg.rotate_sec;

	if (g) {
		pf->deadline = (fring_wall(f) / g + 1) * g;
		pf->start = pf->deadline - g;
	}
}

/**
 * fring_sw_fail() - the first error of the threads behind the writer,
 * kept until the drain thread reports it; @lock held
 * @f: the series
 * @ret: a negative errno
 * @msg: its message, LWP_ERRLEN bytes
 */
void fring_sw_fail(struct fring *f, int ret, const char *msg)
{
	if (f->sw_err)
		return;
	f->sw_err = ret;
	memcpy(f->sw_msg, msg, sizeof(f->sw_msg));
	/* An idle drain thread must see it too. */
	if (f->cfg.wake)
		f->cfg.wake(f->cfg.wake_arg);
}

static void pfile_append(struct pfile **head, struct pfile *pf)
{
	while (*head)
		head = &(*head)->qnext;
	pf->qnext = NULL;
	*head = pf;
}

/*
 * The finisher flushes completed files, one at a time in order, and
 * hands them back to the swapper (@flushed); before each, it unlinks
 * what retire() queued.  A file's fdatasync() takes as long as the disk
 * needs for what is still dirty; done in the swapper, it held up the
 * window of the next file, and the drain thread took the file system's
 * page faults itself, stalling up to 100 ms at 0.5 GB/s on ext4 (issue
 * 16).
 */
static void *finisher_main(void *arg)
{
	struct fring *f = arg;
	char msg[LWP_ERRLEN];
	struct pfile *pf;
	int ret;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		if (f->nrm) {
			fring_retire_now(f);
			continue;
		}
		if (f->flushing) {
			pf = f->flushing;
			f->flushing = pf->qnext;
			f->fin_busy = true;
			pthread_mutex_unlock(&f->lock);
			ret = fring_file_flush(f, pf, msg);
			pthread_mutex_lock(&f->lock);
			f->fin_busy = false;
			if (ret)
				fring_sw_fail(f, ret, msg);
			else
				pfile_append(&f->flushed, pf);
			pthread_cond_broadcast(&f->cond);
			continue;
		}
		if (f->fin_stop)
			break;
		pthread_cond_wait(&f->cond, &f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/*
 * The oldest closing file goes to the finisher, once its writes are
 * done and the prefaulter is not in it (not unmapped under its feet).
 * @lock held.
 */
static bool hand_closing(struct fring *f)
{
	struct pfile *pf = f->closing;

	if (!pf || f->pre_busy == pf || pf->staged)
		return false;
	if (f->fadv_pf == pf)
		f->fadv_pf = NULL;
	f->closing = pf->qnext;
	pfile_append(&f->flushing, pf);
	pthread_cond_broadcast(&f->cond);
	return true;
}

/* The oldest flushed file gets its final name; @lock held, dropped. */
static bool publish_flushed(struct fring *f)
{
	struct pfile *pf = f->flushed;
	char msg[LWP_ERRLEN];
	int ret;

	if (!pf)
		return false;
	f->flushed = pf->qnext;
	pthread_mutex_unlock(&f->lock);
	ret = fring_file_publish(f, pf, 1, msg);
	pthread_mutex_lock(&f->lock);
	if (ret)
		fring_sw_fail(f, ret, msg);
	return true;
}

/**
 * fring_catch_up() - the swapper found no room for the next file:
 * complete the files that are closing, waiting for the finisher
 * @f: the series; @lock not held; only from the swapper
 *
 * A completed file is among the ones retention may remove only once
 * this thread has published it; while it prepares the next file it
 * publishes none.  On a small disk under load the finisher fell behind,
 * the files in flight took the room, and the capture stopped on ENOSPC
 * with nothing to remove (issue 25, item 5).  Waits at most a second
 * for the finisher.
 *
 * Return: whether a file was published.
 */
bool fring_catch_up(struct fring *f)
{
	bool any = false;
	struct timespec ts;

	if (!f->fin_live)
		return false;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec++;
	pthread_mutex_lock(&f->lock);
	for (;;) {
		if (hand_closing(f))
			continue;
		if (publish_flushed(f)) {
			any = true;
			continue;
		}
		if (any || f->sw_err ||
		    (!f->closing && !f->flushing && !f->fin_busy))
			break;
		if (pthread_cond_timedwait(&f->cond, &f->lock, &ts))
			break;
	}
	pthread_mutex_unlock(&f->lock);
	return any;
}

static void *swapper_main(void *arg)
{
	struct fring *f = arg;
	char msg[LWP_ERRLEN];
	struct pfile *pf;
	int ret;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		/*
		 * The drain thread waits for the next file: it comes before
		 * everything else, never behind a file still being written
		 * out (at 2.5 GB/s a 128 MiB file lasts 50 ms, issue 16).
		 */
		if (f->want_next && !f->stop) {
			unsigned int seq = f->next_seq++;

			pthread_mutex_unlock(&f->lock);
			ret = fring_file_prepare(f, seq, &pf, msg);
			pthread_mutex_lock(&f->lock);
			f->want_next = false;
			if (ret) {
				f->next_err = ret;
				memcpy(f->next_msg, msg, sizeof(msg));
			} else {
				f->next = pf;
			}
			pthread_cond_broadcast(&f->cond);
			continue;
		}
		if (hand_closing(f) || publish_flushed(f))
			continue;
		if (f->fadv_pf) {
			uint64_t from = f->fadv_from, to = f->fadv_to;

			/* @pf stays open: only this thread hands it on. */
			pf = f->fadv_pf;
			f->fadv_pf = NULL;
			pthread_mutex_unlock(&f->lock);
			posix_fadvise(pf->fd, from, to - from,
				      POSIX_FADV_DONTNEED);
			pthread_mutex_lock(&f->lock);
			continue;
		}
		if (f->stop && !f->closing && !f->flushing && !f->fin_busy)
			break;
		pthread_cond_wait(&f->cond, &f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Stop the prefaulter; the drain thread asks it for nothing more. */
static void pre_join(struct fring *f)
{
	pthread_mutex_lock(&f->lock);
	f->svc = NULL;
	f->pre_stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->prefaulter, NULL);
}

/* Stop the finisher once nothing is left for it; @lock not held. */
static void fin_join(struct fring *f)
{
	pthread_mutex_lock(&f->lock);
	f->fin_stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->finisher, NULL);
	f->fin_live = false;
}

/**
 * fring_open() - start a file series
 * @out: the new series
 * @cfg: configuration; @cfg->prefix must outlive the series
 *
 * Repairs what a crashed run left, then prepares the first file in the
 * caller's thread, so that a full disk or a bad directory is reported
 * before capture starts.
 */
int fring_open(struct fring **out, const struct fring_cfg *cfg, char *err)
{
	struct fring *f;
	int ret;

	uint8_t hdr[PCAPNG_HDR_MAX];
	uint64_t least;

	f = calloc(1, sizeof(*f));
	if (!f)
		return lwp_err(err, -ENOMEM, "out of memory");
	f->cfg = *cfg;
	f->pattern = cfg->rotate_sec && lwp_prefix_is_pattern(cfg->prefix);
	lwp_post_init(&f->post, cfg->postrotate, LWP_POST_MAX, cfg->log,
		      cfg->log_arg);
	f->mode = cfg->file_mode ? cfg->file_mode : 0600;
	if (cfg->format == LWP_FMT_PCAPNG) {
		f->hdr_len = pcapng_hdr_fill(hdr, cfg->ifname, cfg->snaplen,
					     cfg->linktype);
		f->trailer = PCAPNG_ISB_LEN;
		f->suffix = LWP_NG_SUFFIX;
		f->part_suffix = LWP_NG_PART_SUFFIX;
		least = f->hdr_len + PCAPNG_EPB_LEN(cfg->snaplen) + f->trailer;
	} else {
		f->hdr_len = PCAP_HDR_LEN;
		f->suffix = LWP_SUFFIX;
		f->part_suffix = LWP_PART_SUFFIX;
		least = PCAP_HDR_LEN + PCAP_REC_HDR_LEN + cfg->snaplen;
	}
	if (cfg->file_size < least) {
		free(f);
		return lwp_err(err, -EINVAL,
			       "file size %llu cannot hold one record of snaplen %u",
			       (unsigned long long)cfg->file_size,
			       cfg->snaplen);
	}
	f->pkts_limit_left = cfg->max_pkts;
	f->spare_fd = -1;
	f->dfd = -1;
	f->page = sysconf(_SC_PAGESIZE);
	f->window = cfg->window ? cfg->window : FRING_WINDOW_DEFAULT;
	f->window = (f->window + f->page - 1) & ~(f->page - 1);
	f->step = f->window / 4;
	/* how far the drain thread can be past what was submitted */
	f->reach = 2 * f->window + LWPCAP_SEG_SIZE_MAX;
	ret = fring_aio_setup(f, err);
	if (ret) {
		free(f);
		return ret;
	}

	/* Before repair: the .part files of a live reader are not debris. */
	ret = lwp_series_lock(cfg->prefix, &f->lock_fd, err);
	if (ret)
		goto err_free;
	ret = lwp_repair(cfg->prefix, cfg->no_index ? 0 : LWP_REPAIR_INDEX,
			 cfg->log, cfg->log_arg, NULL, err);
	if (ret)
		goto err_unlock;
	ret = fring_scan_series(f, err);
	if (ret)
		goto err_free_done;
	fring_catalog_rebuild(f);
	fring_trim(f, 1);
	f->first_seq = f->next_seq;
	ret = fring_file_prepare(f, f->next_seq++, &f->cur, err);
	if (ret)
		goto err_free_done;
	set_deadline(f, f->cur);
	f->st.file_bytes = f->hdr_len;

	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->want_next = true;
	ret = -pthread_create(&f->prefaulter, NULL, fring_prefaulter_main, f);
	if (ret) {
		lwp_err(err, ret, "cannot start the prefaulter thread: %s",
			strerror(-ret));
		goto err_discard;
	}
	ret = -pthread_create(&f->finisher, NULL, finisher_main, f);
	if (ret) {
		lwp_err(err, ret, "cannot start the finisher thread: %s",
			strerror(-ret));
		goto err_prefaulter;
	}
	f->fin_live = true;
	ret = -pthread_create(&f->swapper, NULL, swapper_main, f);
	if (ret) {
		lwp_err(err, ret, "cannot start the swapper thread: %s",
			strerror(-ret));
		goto err_finisher;
	}
	*out = f;
	return 0;

err_finisher:
	fin_join(f);
err_prefaulter:
	pre_join(f);
err_discard:
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	fring_file_discard(f, f->cur);
err_free_done:
	free(f->done);
	if (f->dfd >= 0)
		close(f->dfd);
err_unlock:
	close(f->lock_fd);
err_free:
	fring_index_close(f);
	fring_aio_teardown(f);
	free(f);
	return ret;
}

/*
 * pcapng: the Interface Statistics Block that ends a file, with the
 * capture's counters now; its room was kept free by write_run_ng().
 */
static void put_trailer(struct fring *f, struct pfile *pf)
{
	struct pcapng_isb c = { 0 };
	size_t n;

	if (!f->trailer)
		return;
	if (f->cfg.isb)
		f->cfg.isb(f->cfg.isb_arg, &c);
	c.ts_ns = lwp_wall_ns();
	c.usrdeliv = f->recs;
	n = pcapng_isb_fill(pf->map + pf->off, &c);
	pf->off += n;
	stat_add(&f->st.file_bytes, n);
}

/**
 * fring_rotate() - make the prepared file current; wait for the swapper
 * if it is late
 * @f: the series; called by the drain thread
 * @err: the message on failure, LWP_ERRLEN bytes
 *
 * Return: 0, or the error that kept the swapper from preparing it.
 */
int fring_rotate(struct fring *f, char *err)
{
	struct pfile **tail;
	uint64_t t0;
	int ret;

	pthread_mutex_lock(&f->lock);
	if (!f->next && !f->next_err) {
		stat_add(&f->st.waits, 1);
		t0 = lwp_now_ns();
		while (!f->next && !f->next_err)
			pthread_cond_wait(&f->cond, &f->lock);
		stat_add(&f->st.wait_ns, lwp_now_ns() - t0);
	}
	if (f->next_err) {
		ret = lwp_err(err, f->next_err, "%s", f->next_msg);
		pthread_mutex_unlock(&f->lock);
		return ret;
	}
	/* The window moves to the new file; the old one is not served. */
	if (f->svc == f->cur)
		f->svc = NULL;
	put_trailer(f, f->cur);
	for (tail = &f->closing; *tail; tail = &(*tail)->qnext)
		;
	*tail = f->cur;
	f->cur->qnext = NULL;
	/* the prefaulter finishes its part of the file first */
	for (tail = &f->pre_close; *tail; tail = &(*tail)->pnext)
		;
	*tail = f->cur;
	f->cur->pnext = NULL;
	f->cur->staged = true;
	f->cur = f->next;
	f->next = NULL;
	f->want_next = true;
	stat_add(&f->st.file_bytes, f->hdr_len);
	pthread_cond_broadcast(&f->cond);
	/* files smaller than the writer's limit reach it only here */
	if (f->cur->w->hold)
		f->cur->w->hold(f, f->cur);
	pthread_mutex_unlock(&f->lock);
	set_deadline(f, f->cur);
	return 0;
}

static int sticky_error(struct fring *f, char *err)
{
	int ret;

	pthread_mutex_lock(&f->lock);
	ret = f->sw_err;
	if (ret)
		lwp_err(err, ret, "%s", f->sw_msg);
	pthread_mutex_unlock(&f->lock);
	return ret;
}

/**
 * fring_tick() - rotate by time if the current file's period is over
 *
 * An empty file is not rotated; its period moves on instead.  Also
 * returns the swapper's error (a file that could not be completed), so
 * that an idle capture stops on it too.
 */
int fring_tick(struct fring *f, char *err)
{
	time_t now;
	int ret;

	ret = sticky_error(f, err);
	if (ret)
		return ret;
	if (!f->cfg.rotate_sec)
		return 0;
	now = fring_wall(f);
	if (!fring_period_over(f, now))
		return 0;
	if (f->cur->off == f->hdr_len) {
		set_deadline(f, f->cur);
		return 0;
	}
	return fring_rotate(f, err);
}

/** fring_ms_to_rotation() - poll() timeout until the next time rotation */
int fring_ms_to_rotation(struct fring *f)
{
	time_t left;

	if (!f->cfg.rotate_sec)
		return -1;
	if (fring_period_over(f, fring_wall(f)))
		return 0;
	left = f->cur->deadline - fring_wall(f);
	return left > INT_MAX / 1000 ? INT_MAX : (int)left * 1000;
}

/**
 * fring_close() - finish the series
 *
 * The current file is completed like any other; if it holds no record
 * and this run completed other files, it is removed instead, so rotation
 * leaves no empty file behind.  Waits for the -z commands.  @final, if
 * not NULL, gets the series' last numbers.
 *
 * Return: 0 or the first error of the series' life not yet reported.
 */
int fring_close(struct fring *f, struct fring_stats *final, char *err)
{
	char msg[LWP_ERRLEN];
	int ret;

	pre_join(f);
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->swapper, NULL);
	fin_join(f);

	ret = f->sw_err;
	if (ret)
		lwp_err(err, ret, "%s", f->sw_msg);
	if (f->cur->off == f->hdr_len && (f->st.files || f->abort)) {
		f->st.file_bytes -= f->hdr_len;
		fring_file_discard(f, f->cur);
	} else {
		int r;

		if (!f->abort)
			put_trailer(f, f->cur);
		/* the prefaulter is gone: its work is this thread's now */
		fring_index_upto(f, f->cur, f->cur->off, true);
		if (f->cur->w->write_out)
			f->cur->w->write_out(f, f->cur);
		r = fring_file_finish(f, f->cur, 0, msg);

		if (r && !ret)
			ret = lwp_err(err, r, "%s", msg);
	}
	if (f->next)
		fring_file_discard(f, f->next);
	lwp_post_finish(&f->post, f->cfg.postrotate_wait_ms, f->cfg.hurry);
	fring_trim(f, 0);
	/*
	 * No file follows: the room made now must not keep the oldest
	 * file as a spare, which nothing would remove (issue 25: a spare
	 * left at the end, the floor short by its size).
	 */
	f->no_spare = true;
	fring_spare_drop(f);
	/* what the last files in flight took of the floor, given back */
	fring_make_room(f, 0);
	if (final)
		fring_get_stats(f, final);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f->done);
	close(f->lock_fd);
	close(f->dfd);
	fring_index_close(f);
	fring_aio_teardown(f);
	free(f);
	return ret;
}

/** fring_get_stats() - a snapshot, from any thread */
void fring_get_stats(struct fring *f, struct fring_stats *st)
{
	st->pkts = __atomic_load_n(&f->st.pkts, __ATOMIC_RELAXED);
	st->caplen = __atomic_load_n(&f->st.caplen, __ATOMIC_RELAXED);
	st->file_bytes = __atomic_load_n(&f->st.file_bytes, __ATOMIC_RELAXED);
	st->files = __atomic_load_n(&f->st.files, __ATOMIC_RELAXED);
	st->waits = __atomic_load_n(&f->st.waits, __ATOMIC_RELAXED);
	st->wait_ns = __atomic_load_n(&f->st.wait_ns, __ATOMIC_RELAXED);
	st->indexed = __atomic_load_n(&f->st.indexed, __ATOMIC_RELAXED);
	st->index_ns = __atomic_load_n(&f->st.index_ns, __ATOMIC_RELAXED);
	st->index_skipped = __atomic_load_n(&f->st.index_skipped,
					    __ATOMIC_RELAXED);
}

/** fring_first_seq() - the number of the series' first file of this run */
unsigned int fring_first_seq(struct fring *f)
{
	return f->first_seq;
}

/**
 * fring_io() - the writer the series uses: LWP_IO_MMAP or LWP_IO_DIRECT
 *
 * Known once fring_open() has made the first file.
 */
int fring_io(struct fring *f)
{
	return f->w == &fring_direct_wops ? LWP_IO_DIRECT : LWP_IO_MMAP;
}

/**
 * fring_abort() - close a series that never captured
 *
 * Like fring_close(), but an empty current file is removed even if it is
 * the only one: a capture that failed to start leaves no file behind.
 */
void fring_abort(struct fring *f)
{
	f->abort = true;
	fring_close(f, NULL, NULL);
}

/* The ring is empty: a good moment to write what is staged. */
static int out_tick(void *f, char *err)
{
	fring_window_check(f, true);
	return fring_tick(f, err);
}

static int out_ms_to_rotation(void *f)
{
	return fring_ms_to_rotation(f);
}

static int out_close(void *f, struct fring_stats *final, char *err)
{
	return fring_close(f, final, err);
}

static void out_abort(void *f)
{
	fring_abort(f);
}

static void out_get_stats(void *f, struct fring_stats *st)
{
	fring_get_stats(f, st);
}

const struct lwp_out_ops fring_out_ops = {
	.write		= fring_write,
	.tick		= out_tick,
	.ms_to_rotation	= out_ms_to_rotation,
	.close		= out_close,
	.abort		= out_abort,
	.get_stats	= out_get_stats,
};
