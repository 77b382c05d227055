// SPDX-License-Identifier: GPL-2.0
/*
 * mapwrite.c - the window around the writer, and the prefaulter thread
 * that serves it.
 *
 * --io mmap: the records go into the file's own pages (MAP_SHARED), and
 * this is the whole writer.  A file is not prefaulted whole.  The
 * prefaulter prefaults a window (@cfg.window) ahead of the writer and,
 * behind it, unmaps the pages written, and the swapper starts their
 * writeback; the drain thread asks for this every quarter window.  The
 * mapped part of a file is thus about one window and a quarter, and the
 * page cache behind the writer is left to writeback instead of piling
 * up; a completed file's clean pages are dropped after its fdatasync().
 *
 * --io direct: the same window over the staging memory, and behind the
 * writer the prefaulter hands what is new to aiowrite.c.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "fring.h"

/* --io direct: records staged at most this long before a write starts */
#define STAGE_MAX_NS	(1000ULL * 1000 * 1000)

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23	/* Linux 5.14 */
#endif

/**
 * fring_populate() - take the page faults of @pf up to @end here, in the
 * swapper or the prefaulter, rather than in the drain thread
 * @f: the series
 * @pf: the file
 * @end: the offset to prefault up to
 *
 * Older kernels lack the advice; the faults then happen on first write.
 */
void fring_populate(struct fring *f, struct pfile *pf, uint64_t end)
{
	end = (end + f->page - 1) & ~(f->page - 1);
	if (end > f->cfg.file_size)
		end = f->cfg.file_size;
	if (f->cfg.no_populate || end <= pf->pop_end)
		return;
	madvise(pf->map + pf->pop_end, end - pf->pop_end,
		MADV_POPULATE_WRITE);
	pf->pop_end = end;
}

/*
 * Behind the writer at @off: unmap the whole pages written (their data
 * stays in the page cache), and have the swapper start their writeback
 * and drop those of the step before that writeback has cleaned by now
 * (posix_fadvise() may wait in the block layer's writeback throttle: not
 * here, ahead of the writer).
 */
static void drop_behind(struct fring *f, struct pfile *pf, uint64_t off)
{
	uint64_t to = off & ~(f->page - 1);

	if (to <= pf->dropped)
		return;
	madvise(pf->map + pf->dropped, to - pf->dropped, MADV_DONTNEED);
	pthread_mutex_lock(&f->lock);
	if (f->fadv_pf != pf) {
		/* The previous file's request goes: its finish drops all. */
		f->fadv_pf = pf;
		f->fadv_from = pf->fadv_from;
	}
	f->fadv_to = to;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pf->fadv_from = pf->dropped;
	pf->dropped = to;
}

/* The prefaulter's part of the window: @pf is written up to @off. */
static void serve(struct fring *f, struct pfile *pf, uint64_t off)
{
	int ret;

	if (!pf->direct) {
		fring_populate(f, pf, off + f->window);
		drop_behind(f, pf, off);
		return;
	}
	/* The disk first: populating clears huge pages, a while. */
	ret = fring_aio_write_behind(f, pf, off);
	if (ret)
		fring_write_fail(f, pf, ret);
	fring_populate(f, pf, off + f->window);
}

/**
 * fring_prefaulter_main() - the prefaulter thread (@arg: the series):
 * writes out the files the writer left (--io direct), serves the
 * current file's window, reaps the disk's writes; ends on @pre_stop
 * @arg: the series
 */
void *fring_prefaulter_main(void *arg)
{
	struct fring *f = arg;
	struct pfile *pf;
	uint64_t off;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		if (f->pre_close) {
			pf = f->pre_close;
			f->pre_close = pf->pnext;
			f->pre_busy = pf;
			pthread_mutex_unlock(&f->lock);
			fring_aio_write_out(f, pf);
			pthread_mutex_lock(&f->lock);
			pf->staged = false;
			f->pre_busy = NULL;
			pthread_cond_broadcast(&f->cond);
			continue;
		}
		if (f->svc) {
			pf = f->svc;
			off = f->svc_off;
			f->svc = NULL;
			f->pre_busy = pf;
			pthread_mutex_unlock(&f->lock);
			serve(f, pf, off);
			pthread_mutex_lock(&f->lock);
			f->pre_busy = NULL;
			pthread_cond_broadcast(&f->cond);
			continue;
		}
		if (f->aio_n) {
			/* --io direct: free memory as the disk takes it */
			pthread_mutex_unlock(&f->lock);
			fring_aio_reap(f, 1);
			pthread_mutex_lock(&f->lock);
			continue;
		}
		if (f->pre_stop)
			break;
		pthread_cond_wait(&f->cond, &f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/*
 * --io direct: what the writer has staged and the disk does not hold
 * yet, or the disk's requests in flight; @lock held.  The memory behind
 * it is freed in order, so a request slower than those after it holds
 * some more for a while.
 */
static uint64_t unwritten(struct pfile *pf)
{
	return pf->off - pf->submitted + pf->backlog;
}

/**
 * fring_window_check() - the drain thread's part of the window
 * @f: the series; called by the drain thread
 * @idle: the ring is empty
 *
 * Ask for serve() every quarter window.  With --io direct, also once a
 * second at low rates and whenever the ring is empty (@idle), so that a
 * crash loses at most a second of records, and wait while two windows
 * are not on the disk: the records then wait in the ring (and its drops
 * show a disk too slow) instead of piling up in memory.
 */
void fring_window_check(struct fring *f, bool idle)
{
	struct pfile *pf = f->cur;
	uint64_t lim = 2 * f->window, t0, now = 0;

	if (pf->off < pf->svc_at) {
		if (!pf->direct || pf->off == pf->svc_off)
			return;
		now = lwp_now_ns();
		if (!idle && now - pf->svc_ns < STAGE_MAX_NS)
			return;
	}
	pf->svc_ns = now ? now : lwp_now_ns();
	pf->svc_off = pf->off;
	pf->svc_at = pf->off + f->step;
	pthread_mutex_lock(&f->lock);
	f->svc = pf;
	f->svc_off = pf->off;
	pthread_cond_broadcast(&f->cond);
	if (pf->direct && unwritten(pf) > lim) {
		stat_add(&f->st.waits, 1);
		t0 = lwp_now_ns();
		while (unwritten(pf) > lim && !f->sw_err)
			pthread_cond_wait(&f->cond, &f->lock);
		stat_add(&f->st.wait_ns, lwp_now_ns() - t0);
	}
	pthread_mutex_unlock(&f->lock);
}
