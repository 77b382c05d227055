// SPDX-License-Identifier: GPL-2.0
/*
 * aiowrite.c - the --io direct writer: staging memory, O_DIRECT, AIO.
 *
 * --io direct (the default where the file system takes O_DIRECT): the
 * records go into anonymous memory (huge pages) mapped in place of the
 * file, at the same offsets, so that the writer is the same code; every
 * quarter window, once a second and when the ring is empty, the
 * prefaulter writes what is new to the file with O_DIRECT, in requests
 * of AIO_REQ bytes, up to AIO_DEPTH in flight (Linux AIO: a synchronous
 * write to a preallocated ext4 file holds the inode lock until it
 * completes, so only asynchronous requests keep the disk's queue full),
 * and moves the memory ahead of the writer once they complete
 * (recycle(): a fresh huge page costs a clear).  The page cache holds
 * nothing of the capture.  The drain thread waits while two windows are
 * not on the disk: memory stays bounded and a disk too slow shows as
 * ring drops (issue 16).  See write_behind() for why the disk
 * never holds a torn record.
 *
 * Only the prefaulter submits and reaps, and the drain thread once the
 * prefaulter is gone (fring_close()); the slots and the deferred pages
 * are theirs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fring.h"

#define AIO_REQ		(1ULL << 20)
#define STAGE_HUGE	(2ULL << 20)
/* records staged at most this long before a write starts */
#define STAGE_MAX_NS	(1000ULL * 1000 * 1000)

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4	/* Linux 5.7 */
#endif

/**
 * write_fail() - a write to @pf failed with @ret: the series'
 * error (fring_sw_fail()), which stops the capture
 * @f: the series
 * @pf: the file whose write failed
 * @ret: the negative errno
 */
static void write_fail(struct fring *f, struct pfile *pf, int ret)
{
	char part[PATH_MAX], msg[LWP_ERRLEN];

	fring_name(f, part, pf->seq, f->part_suffix);
	lwp_err(msg, ret, "cannot write %s: %s", part, strerror(-ret));
	pthread_mutex_lock(&f->lock);
	fring_sw_fail(f, ret, msg);
	pthread_mutex_unlock(&f->lock);
}

/* io_getevents(); weak: the unit tests put disk errors into it. */
__attribute__((weak)) long lwp_aio_getevents(aio_context_t ctx, long min,
					     long nr, struct io_event *ev)
{
	return syscall(SYS_io_getevents, ctx, min, nr, ev, NULL);
}

/* Callers reap until a slot is free. */
static struct iocb *aio_prep(struct fring *f, struct pfile *pf,
			     const uint8_t *buf, uint64_t len, uint64_t off,
			     bool tail)
{
	struct aio_slot *sl = f->slot;

	while (sl->busy)
		sl++;
	if (tail) {
		/* the page's copy, zeroed past the end: its own bounce */
		uint8_t *b = f->bounce + (sl - f->slot) * f->page;

		memcpy(b, buf, len);
		memset(b + len, 0, f->page - len);
		buf = b;
		len = f->page;
	}
	memset(&sl->cb, 0, sizeof(sl->cb));
	sl->cb.aio_data = (uintptr_t)sl;
	sl->cb.aio_lio_opcode = IOCB_CMD_PWRITE;
	sl->cb.aio_fildes = pf->fd;
	sl->cb.aio_buf = (uintptr_t)buf;
	sl->cb.aio_nbytes = len;
	sl->cb.aio_offset = off;
	sl->pf = pf;
	sl->off = off;
	sl->tail = tail;
	sl->busy = true;
	return &sl->cb;
}

/* All of @cbs in one io_submit(), which a signal does not cut short. */
static int aio_submit(struct fring *f, struct iocb **cbs, unsigned int n)
{
	unsigned int i = 0;
	long r;
	int ret;

	while (i < n) {
		r = syscall(SYS_io_submit, f->aio, (long)(n - i), cbs + i);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r < 0 ? -errno : -EIO;
			for (; i < n; i++)
				((struct aio_slot *)(uintptr_t)
				 cbs[i]->aio_data)->busy = false;
			return ret;
		}
		i += r;
		f->aio_n += r;
	}
	return 0;
}

/* Is the partial page @off of @pf being written? */
static bool tail_in_flight(struct fring *f, struct pfile *pf, uint64_t off)
{
	unsigned int i;

	for (i = 0; i < AIO_DEPTH; i++)
		if (f->slot[i].busy && f->slot[i].tail &&
		    f->slot[i].pf == pf && f->slot[i].off == off)
			return true;
	return false;
}

/* The pages tails went to, whole now, once those tails are on the disk. */
static int defer_submit(struct fring *f)
{
	struct iocb *cbs[AIO_DEPTH];
	struct aio_defer *d;
	unsigned int i = 0, k = 0;

	while (i < f->ndefer && f->aio_n + k < AIO_DEPTH) {
		d = &f->defer[i];
		if (tail_in_flight(f, d->pf, d->off)) {
			i++;
			continue;
		}
		cbs[k++] = aio_prep(f, d->pf, d->pf->map + d->off, f->page,
				    d->off, false);
		f->defer[i] = f->defer[--f->ndefer];
	}
	return k ? aio_submit(f, cbs, k) : 0;
}

static uint64_t huge_up(uint64_t v)
{
	return (v + STAGE_HUGE - 1) & ~(STAGE_HUGE - 1);
}

/*
 * --io direct: the huge page at @c in @pf is on the disk.  It moves
 * ahead of the writer instead of being freed: the kernel clears a fresh
 * huge page at its first touch, and that cost more CPU than the drain
 * thread's own copy (27 % of the machine at 1.7 GB/s, issue 16).  It
 * goes where the drain thread cannot be yet: in the current file, past
 * what was submitted by more than the drain thread may stage (@reach);
 * else in the file prepared next, which @lock keeps from becoming the
 * current one during the move.  Where neither has room, or mremap()
 * fails (the map count limit), the page is freed.
 */
static bool is_direct(const struct pfile *pf)
{
	return pf->w == &fring_direct_wops;
}

static void recycle(struct fring *f, struct pfile *pf, uint64_t c)
{
	uint64_t end = f->cfg.file_size & ~(STAGE_HUGE - 1), d = 0;
	struct pfile *to;
	void *p = MAP_FAILED;

	pthread_mutex_lock(&f->lock);
	to = f->cur;
	if (is_direct(to)) {
		d = huge_up(to->submitted + f->reach);
		d = d > to->recv ? d : to->recv;
		d = d > huge_up(to->pop_end) ? d : huge_up(to->pop_end);
	}
	if (!is_direct(to) || d + STAGE_HUGE > end) {
		to = f->next;
		if (to && is_direct(to)) {
			d = huge_up(to->pop_end);
			d = d > to->recv ? d : to->recv;
		}
	}
	if (to && is_direct(to) && d + STAGE_HUGE <= end) {
		/*
		 * The source stays mapped (empty): a hole would let a new
		 * mapping in, which this file's munmap() would then take.
		 */
		p = mremap(pf->map + c, STAGE_HUGE, STAGE_HUGE,
			   MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
			   to->map + d);
		if (p != MAP_FAILED)
			to->recv = d + STAGE_HUGE;
	}
	pthread_mutex_unlock(&f->lock);
	if (p == MAP_FAILED)
		madvise(pf->map + c, STAGE_HUGE, MADV_DONTNEED);
}

/*
 * What of @pf below @pf->submitted is not on the disk yet: @pf->backlog
 * bytes, the lowest at @pf->written.  Memory below that is freed, and a
 * drain thread waiting for the disk looks again.
 */
static void aio_frontier(struct fring *f, struct pfile *pf)
{
	uint64_t lo = pf->submitted, backlog = 0;
	struct aio_slot *sl;
	unsigned int i;

	for (i = 0; i < f->ndefer; i++) {
		if (f->defer[i].pf != pf)
			continue;
		backlog += f->page;
		if (f->defer[i].off < lo)
			lo = f->defer[i].off;
	}
	for (sl = f->slot; sl < f->slot + AIO_DEPTH; sl++) {
		if (!sl->busy || sl->tail || sl->pf != pf)
			continue;
		backlog += sl->cb.aio_nbytes;
		if (sl->off < lo)
			lo = sl->off;
	}
	/* whole huge pages: freeing part of one splits it */
	for (; pf->dropped + STAGE_HUGE <= lo; pf->dropped += STAGE_HUGE)
		recycle(f, pf, pf->dropped);
	pthread_mutex_lock(&f->lock);
	pf->written = lo;
	pf->backlog = backlog;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/**
 * fring_aio_reap() - collect at least @min completed writes, and act on
 * them: free or recycle the memory on the disk, submit deferred pages
 * @f: the series
 * @min: completions to wait for (0: only those already in)
 *
 * Return: 0, or the first write error (reported as the series' error).
 */
int fring_aio_reap(struct fring *f, unsigned int min)
{
	struct io_event ev[AIO_DEPTH];
	struct pfile *pf = NULL;
	struct aio_slot *sl;
	int n, i, r, ret = 0;

	do {
		n = lwp_aio_getevents(f->aio, min, AIO_DEPTH, ev);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* Cannot happen with a valid context; never spin on it. */
		ret = -errno;
		for (i = 0; i < AIO_DEPTH; i++) {
			sl = &f->slot[i];
			if (sl->busy && !sl->pf->werr)
				sl->pf->werr = ret;
			if (sl->busy)
				write_fail(f, sl->pf, ret);
			sl->busy = false;
		}
		f->aio_n = 0;
		f->ndefer = 0;
		return ret;
	}
	for (i = 0; i < n; i++) {
		sl = (struct aio_slot *)(uintptr_t)ev[i].data;
		sl->busy = false;
		f->aio_n--;
		r = 0;
		if (ev[i].res < 0)
			r = (int)ev[i].res;
		else if ((uint64_t)ev[i].res != sl->cb.aio_nbytes)
			r = -EIO;
		if (r && !sl->pf->werr)
			sl->pf->werr = r;
		if (r && !ret) {
			ret = r;
			write_fail(f, sl->pf, r);
		}
		if (pf && pf != sl->pf)
			aio_frontier(f, pf);
		pf = sl->pf;
	}
	r = defer_submit(f);
	if (r && !ret) {
		ret = r;
		write_fail(f, pf, r);
	}
	if (pf)
		aio_frontier(f, pf);
	return ret;
}

/**
 * write_behind() - --io direct, behind the writer: put the
 * records of @pf up to @end, a record boundary, into the file
 * @f: the series
 * @pf: the file, --io direct
 * @end: the writer's offset in @pf, a record boundary
 *
 * Whole pages go once; the page @end falls in goes as a copy zeroed
 * past @end (a tail), and again, whole or as a longer tail, once that
 * copy is on the disk: two writes of one page in flight could land in
 * either order, writes of different pages cannot harm each other.  The
 * requests of one call go in one io_submit(), which a signal does not
 * cut, and a dying process's requests all complete, so the file on the
 * disk only ever holds whole records up to a page whose tail ends them
 * with zeroes, where repair stops: a SIGKILL loses the records staged
 * since, never tears one.
 *
 * Return: 0, or a negative errno from the disk or io_submit().
 */
static int write_behind(struct fring *f, struct pfile *pf, uint64_t end)
{
	uint64_t to = end & ~(f->page - 1), p = pf->submitted, req = AIO_REQ;
	uint64_t off, whole;
	struct iocb *cbs[AIO_DEPTH];
	unsigned int k = 0, need;
	bool defer = false;
	int ret;

	if (end == pf->tail_end)
		return 0;
	if (to == p) {
		while (tail_in_flight(f, pf, p)) {
			ret = fring_aio_reap(f, 1);
			if (ret)
				return ret;
		}
	} else {
		defer = tail_in_flight(f, pf, p);
	}
	off = defer ? p + f->page : p;
	whole = to > off ? to - off : 0;
	if (whole > (AIO_DEPTH - 2) * req)
		req = (whole / (AIO_DEPTH - 2) + f->page - 1) & ~(f->page - 1);
	need = (whole + req - 1) / req + 1;
	/* a deferred page takes a slot later: keep room for them all */
	while (f->aio_n + f->ndefer + need + defer > AIO_DEPTH) {
		ret = fring_aio_reap(f, 1);
		if (ret)
			return ret;
	}
	if (end > to)
		cbs[k++] = aio_prep(f, pf, pf->map + to, end - to, to, true);
	for (; off < to; off += req)
		cbs[k++] = aio_prep(f, pf, pf->map + off,
				    to - off < req ? to - off : req, off, false);
	if (defer)
		f->defer[f->ndefer++] = (struct aio_defer){ .pf = pf, .off = p };
	pthread_mutex_lock(&f->lock);
	pf->submitted = to;
	pthread_mutex_unlock(&f->lock);
	pf->tail_end = end;
	ret = aio_submit(f, cbs, k);
	aio_frontier(f, pf);
	return ret;
}

/**
 * direct_write_out() - --io direct: all of @pf, which the writer
 * left, onto the disk; an error goes to @pf->werr and the series
 * @f: the series
 * @pf: the file the writer left
 *
 * Done before anything of the next file is written, so that a crash
 * loses only the end of the series, never records in the middle of it.
 */
static void direct_write_out(struct fring *f, struct pfile *pf)
{
	int r, ret = write_behind(f, pf, pf->off);

	for (;;) {
		r = f->aio_n ? fring_aio_reap(f, 1) : defer_submit(f);
		ret = ret ? ret : r;
		if (!f->aio_n && !f->ndefer)
			break;
	}
	if (ret && !pf->werr)
		pf->werr = ret;
	if (ret)
		write_fail(f, pf, ret);
}

/**
 * stage_map() - --io direct: memory for a file's records, @size
 * bytes at the file's offsets
 * @f: the series
 * @size: the file's size
 *
 * In huge pages where the kernel gives them: the staging memory is
 * faulted in and freed at the disk's rate, and 4 KiB pages cost a
 * fault, a clear and a free each, half a core at 1.4 GB/s (issue 16).
 */
static uint8_t *stage_map(struct fring *f, uint64_t size)
{
	uint64_t len = size + STAGE_HUGE;
	uint64_t used = (size + f->page - 1) & ~(f->page - 1);
	uint8_t *p, *a;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return p;
	a = (uint8_t *)(((uintptr_t)p + STAGE_HUGE - 1) & ~(STAGE_HUGE - 1));
	if (a > p)
		munmap(p, a - p);
	if (p + len > a + used)
		munmap(a + used, p + len - (a + used));
	madvise(a, size, MADV_HUGEPAGE);
	return a;
}

/* The file's offsets in staging memory; a step of it faulted in. */
static uint8_t *direct_map(struct fring *f, struct pfile *pf, uint64_t size)
{
	pf->map = stage_map(f, size);
	/*
	 * A step, not a window: clearing 64 MiB of huge pages here held
	 * the next file up behind the drain thread (issue 16); the
	 * prefaulter populates the rest after each write.
	 */
	if (pf->map != MAP_FAILED)
		fring_populate(f, pf, f->step);
	return pf->map;
}

/* The prefaulter's part of the window: @pf is written up to @off. */
static void direct_serve(struct fring *f, struct pfile *pf, uint64_t off)
{
	int ret;

	/* The disk first: populating clears huge pages, a while. */
	ret = write_behind(f, pf, off);
	if (ret)
		write_fail(f, pf, ret);
	fring_populate(f, pf, off + f->window);
}

/*
 * What the writer has staged and the disk does not hold yet, or the
 * disk's requests in flight; @lock held.  The memory behind it is freed
 * in order, so a request slower than those after it holds some more for
 * a while.
 */
static uint64_t unwritten(struct pfile *pf)
{
	return pf->off - pf->submitted + pf->backlog;
}

/*
 * Staged and not on the disk in all files: the current one's and those
 * of the files the writer left that the prefaulter has not written out
 * yet.  Counting the current file alone let memory grow by a file at
 * each rotation when files are smaller than the limit (-C 8m on a disk
 * of 10 MB/s: 131 MB resident for 120 MB of records, no ring drop).
 * @lock held.
 */
static uint64_t staged_total(struct fring *f, struct pfile *cur)
{
	uint64_t n = unwritten(cur);
	struct pfile *pf;

	for (pf = f->pre_close; pf; pf = pf->pnext)
		if (is_direct(pf))
			n += unwritten(pf);
	pf = f->pre_busy;
	if (pf && pf != cur && pf->staged && is_direct(pf))
		n += unwritten(pf);
	return n;
}

/*
 * The drain thread waits while two windows are not on the disk: the
 * records then wait in the ring (and its drops show a disk too slow)
 * instead of piling up in memory.  Called every quarter window and at
 * each rotation (fring_rotate()).  @lock held.
 */
static void direct_hold(struct fring *f, struct pfile *pf)
{
	uint64_t lim = 2 * f->window, t0;

	if (staged_total(f, pf) <= lim)
		return;
	stat_add(&f->st.waits, 1);
	t0 = lwp_now_ns();
	while (staged_total(f, pf) > lim && !f->sw_err)
		pthread_cond_wait(&f->cond, &f->lock);
	stat_add(&f->st.wait_ns, lwp_now_ns() - t0);
}

const struct fring_wops fring_direct_wops = {
	.name		= "direct",
	.open_flags	= O_DIRECT,
	.stage_ns	= STAGE_MAX_NS,
	.map		= direct_map,
	.serve		= direct_serve,
	.hold		= direct_hold,
	.write_out	= direct_write_out,
};

/**
 * fring_aio_setup() - the series' writer (@f->w): the bounce pages and
 * the AIO context of --io direct or auto
 * @f: the series, @f->cfg.io as asked for
 * @err: the message on failure, LWP_ERRLEN bytes
 *
 * Without asynchronous I/O the series writes through the page cache
 * (--io mmap), with a message if --io direct was asked for.
 *
 * Return: 0, or -ENOMEM.
 */
int fring_aio_setup(struct fring *f, char *err)
{
	int ret;

	f->w = &fring_map_wops;
	if (f->cfg.io == LWP_IO_MMAP)
		return 0;
	/* a page per request in flight */
	ret = -posix_memalign((void **)&f->bounce, f->page,
			      AIO_DEPTH * f->page);
	if (ret)
		return lwp_err(err, ret, "out of memory");
	if (syscall(SYS_io_setup, AIO_DEPTH, &f->aio)) {
		if (f->cfg.io == LWP_IO_DIRECT)
			say(f, "--io direct: no asynchronous I/O (%s); writing through the page cache (--io mmap)",
			    strerror(errno));
		f->aio = 0;
		return 0;
	}
	f->w = &fring_direct_wops;
	return 0;
}

/**
 * fring_aio_teardown() - undo fring_aio_setup(); nothing in flight
 * @f: the series
 */
void fring_aio_teardown(struct fring *f)
{
	if (f->aio)
		syscall(SYS_io_destroy, f->aio);
	free(f->bounce);
}
