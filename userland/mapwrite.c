// SPDX-License-Identifier: GPL-2.0
/*
 * mapwrite.c - the window around the writer, the prefaulter thread that
 * serves it, and the --io mmap writer (fring_map_wops).
 *
 * --io mmap: the records go into the file's own pages (MAP_SHARED).  A
 * file is not prefaulted whole.  The prefaulter prefaults a window
 * (@cfg.window) ahead of the writer and, behind it, unmaps the pages
 * written, and the swapper starts their writeback; the drain thread
 * asks for this every quarter window.  The mapped part of a file is thus
 * about one window and a quarter, and the page cache behind the writer
 * is left to writeback instead of piling up; a completed file's clean
 * pages are dropped after its fdatasync().
 *
 * --io direct: the same window over the staging memory, and behind the
 * writer the prefaulter hands what is new to aiowrite.c; the prefaulter
 * runs whichever writer's ops a file has.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "fring.h"

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

/* --io mmap: the prefaulter's part of the window, @pf written to @off */
static void map_serve(struct fring *f, struct pfile *pf, uint64_t off)
{
	fring_populate(f, pf, off + f->window);
	drop_behind(f, pf, off);
}

/* The file's own pages, a window of them faulted in ahead. */
static uint8_t *map_map(struct fring *f, struct pfile *pf, uint64_t size)
{
	pf->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       pf->fd, 0);
	if (pf->map != MAP_FAILED)
		fring_populate(f, pf, f->window);
	return pf->map;
}

const struct fring_wops fring_map_wops = {
	.name		= "mmap",
	.map		= map_map,
	.serve		= map_serve,
};

/**
 * fring_prefaulter_main() - the prefaulter thread (@arg: the series):
 * finishes the files the writer left (their index, and --io direct
 * writes them out), serves the current file's window (fileindex.c
 * first), reaps the disk's writes; ends on @pre_stop
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
			fring_index_upto(f, pf, pf->off, true);
			if (pf->w->write_out)
				pf->w->write_out(f, pf);
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
			/* before the writer moves or unmaps them */
			fring_index_upto(f, pf, off, false);
			pf->w->serve(f, pf, off);
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

/**
 * fring_window_check() - the drain thread's part of the window
 * @f: the series; called by the drain thread
 * @idle: the ring is empty
 *
 * Ask for the writer's serve() every quarter window; a writer that
 * stages records (@stage_ns) is also asked once in that time at low
 * rates and whenever the ring is empty (@idle), so that a crash loses
 * at most that much, and may hold the drain thread (@hold).
 */
void fring_window_check(struct fring *f, bool idle)
{
	struct pfile *pf = f->cur;
	uint64_t now = 0;

	if (pf->off < pf->svc_at) {
		if (!pf->w->stage_ns || pf->off == pf->svc_off)
			return;
		now = lwp_now_ns();
		if (!idle && now - pf->svc_ns < pf->w->stage_ns)
			return;
	}
	pf->svc_ns = now ? now : lwp_now_ns();
	pf->svc_off = pf->off;
	pf->svc_at = pf->off + f->step;
	pthread_mutex_lock(&f->lock);
	f->svc = pf;
	f->svc_off = pf->off;
	pthread_cond_broadcast(&f->cond);
	if (pf->w->hold)
		pf->w->hold(f, pf);
	pthread_mutex_unlock(&f->lock);
}
