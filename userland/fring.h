/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fring.h - the file series' insides, shared by the files that make it
 * up; filering.h is what the rest of the reader sees.
 *
 *   filering.c   the series: open, rotate, tick, close, the swapper and
 *                finisher threads, the output ops table
 *   pfile.c      one file: prepared, discarded, flushed, published
 *   runsplit.c   fring_write(): batches into the current file, cut for
 *                -C, -c and -G
 *   mapwrite.c   the window around the writer: the prefaulter thread;
 *                the --io mmap writer (fring_map_wops)
 *   aiowrite.c   the --io direct writer (fring_direct_wops): staging
 *                memory and the O_DIRECT/AIO engine
 *   fileindex.c  each file's index, built behind the writer, and the
 *                series' catalog
 *   retention.c  the scan of the series at start, -W, --min-free,
 *                --max-disk, the spare
 *
 * Threads: the drain thread owns @cur and the stats; the swapper owns
 * the list of completed files, the -z children, @next_seq and the -W
 * spare, and prepares the next file before anything else; the
 * prefaulter only serves the window of the current file and the
 * finisher only flushes completed files to the disk and unlinks what
 * -W retired, so that neither the drain thread nor the next file waits
 * behind the file system's slow calls (fallocate(), unlink(),
 * fdatasync(), writeback throttling); @lock guards the hand-over fields
 * between them (@next, @next_err, @want_next, @closing, @flushing,
 * @flushed, @fin_busy, @fin_stop, @rm, @nrm, @stop, @sw_err, @svc,
 * @svc_off, @pre_busy, @pre_stop, @fadv_pf, @fadv_from, @fadv_to, and
 * @cur and @next themselves for recycle()).
 */
#ifndef _TG3CAP_FRING_H
#define _TG3CAP_FRING_H

#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <linux/aio_abi.h>

#include "filering.h"
#include "pktindex.h"
#include "postrotate.h"
#include "series.h"
#include "util.h"

#define AIO_DEPTH	64

struct fring;
struct pfile;

/**
 * struct fring_wops - a writer: how the records of a file reach the disk
 * @name:       for messages ("mmap", "direct")
 * @open_flags: added to a new file's open() flags
 * @stage_ns:   0, or how long records may wait in memory before a write
 *              starts (the drain thread then asks for one at low rates)
 * @map:        the memory the records go into at the file's offsets,
 *              prefaulted as far as the writer wants before the first
 *              record; MAP_FAILED and errno on failure
 * @serve:      the prefaulter's turn at the window: @pf written to @off
 * @hold:       NULL, or the drain thread's wait while too much is not on
 *              the disk; @lock held
 * @write_out:  NULL, or everything of @pf, which the writer left, onto
 *              the disk (by the prefaulter, before anything of the next
 *              file); a failure goes to @pf->werr and the series
 *
 * One per file: mapwrite.c's fring_map_wops (--io mmap) and aiowrite.c's
 * fring_direct_wops (--io direct); a file system that refuses O_DIRECT
 * moves the series to the first.
 */
struct fring_wops {
	const char *name;
	int open_flags;
	uint64_t stage_ns;
	uint8_t *(*map)(struct fring *f, struct pfile *pf, uint64_t size);
	void (*serve)(struct fring *f, struct pfile *pf, uint64_t off);
	void (*hold)(struct fring *f, struct pfile *pf);
	void (*write_out)(struct fring *f, struct pfile *pf);
};

extern const struct fring_wops fring_map_wops, fring_direct_wops;

/*
 * @off and @svc_at belong to the drain thread; @pop_end, @dropped and
 * @fadv_from to the prefaulter, which serves the window (see serve()).
 */
struct pfile {
	int fd;
	uint8_t *map;
	uint64_t off;
	unsigned int seq;
	time_t deadline;
	time_t start;
	struct pfile *qnext;
	uint64_t svc_at;
	uint64_t svc_ns;
	uint64_t svc_off;
	uint64_t pop_end;
	uint64_t recv;
	uint64_t dropped;
	uint64_t fadv_from;
	const struct fring_wops *w;
	uint64_t written;
	uint64_t submitted;
	uint64_t backlog;
	uint64_t tail_end;
	int werr;
	struct pfile *pnext;
	bool staged;
	struct lwp_idx_builder *ib;
	uint64_t idx_off;
	uint64_t idx_first;
	uint64_t idx_last;
	uint64_t idx_records;
	uint64_t idx_resv;
	uint64_t idx_t0;
	uint64_t idx_ns;
	bool idx_done;
};

/* An O_DIRECT write in flight; @tail: the copy of a partial page. */
struct aio_slot {
	struct iocb cb;
	struct pfile *pf;
	uint64_t off;
	bool tail;
	bool busy;
};

struct fring {
	struct fring_cfg cfg;
	const struct fring_wops *w;
	struct pfile *cur;
	uint64_t pkts_limit_left;

	pthread_t swapper;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pfile *next;
	int next_err;
	char next_msg[LWP_ERRLEN];
	bool want_next;
	struct pfile *closing;
	struct pfile *flushing;
	struct pfile *flushed;
	pthread_t finisher;
	bool fin_live;
	bool fin_busy;
	bool fin_stop;
	unsigned int *rm;
	size_t nrm;
	int spare_fd;
	bool no_spare;
	bool stop;
	int sw_err;
	char sw_msg[LWP_ERRLEN];
	struct pfile *svc;
	uint64_t svc_off;
	pthread_t prefaulter;
	struct pfile *pre_busy;
	struct pfile *pre_close;
	bool pre_stop;
	struct pfile *fadv_pf;
	uint64_t fadv_from;
	uint64_t fadv_to;
	uint64_t window;
	uint64_t step;
	uint64_t reach;
	uint64_t page;
	uint8_t *bounce;
	aio_context_t aio;
	struct aio_slot slot[AIO_DEPTH];
	unsigned int aio_n;
	struct aio_defer {
		struct pfile *pf;
		uint64_t off;
	} defer[AIO_DEPTH];
	unsigned int ndefer;

	unsigned int next_seq;
	unsigned int *done;
	size_t ndone;
	size_t done_cap;
	struct lwp_post post;
	char dir[PATH_MAX];
	int dfd;
	char base[NAME_MAX + 1];
	struct lwp_pat pat;
	mode_t mode;

	struct fring_stats st;
	bool abort;
	int lock_fd;
	unsigned int first_seq;

	size_t hdr_len;
	uint32_t trailer;
	const char *suffix;
	const char *part_suffix;
	uint64_t recs;
	bool pattern;
	bool idx_warned;
	bool idx_behind;
	uint32_t idx_share;
	uint64_t idx_pending;
	uint64_t idx_pause;
	struct lwp_idx_builder *idx_spare;
};

#define say(f, ...) lwp_say((f)->cfg.log, (f)->cfg.log_arg, __VA_ARGS__)

/* Other threads read the stats while the drain thread adds to them. */
static inline void stat_add(uint64_t *ctr, uint64_t v)
{
	__atomic_store_n(ctr, __atomic_load_n(ctr, __ATOMIC_RELAXED) + v,
			 __ATOMIC_RELAXED);
}

/* The same for a counter two threads add to (fileindex.c's skips). */
static inline void stat_add_mt(uint64_t *ctr, uint64_t v)
{
	__atomic_fetch_add(ctr, v, __ATOMIC_RELAXED);
}

/*
 * Not time(): it reads the coarse clock, up to a tick behind the
 * timestamps of the records, which -G compares with it.
 */
static inline time_t fring_wall(struct fring *f)
{
	struct timespec ts;

	if (f->cfg.clock)
		return f->cfg.clock(f->cfg.clock_arg);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/*
 * Is the current file's -G period over at @now?  Also when the clock
 * stepped back before its start (NTP correcting a fast clock): its end
 * would otherwise come only when the clock catches up.
 */
static inline bool fring_period_over(struct fring *f, time_t now)
{
	return now >= f->cur->deadline || now < f->cur->start;
}

/*
 * @path, a name fring_name() made, relative to the series' directory
 * (@dfd): the series opens, renames and removes its files with the *at()
 * calls, never by a path that could lead elsewhere since it was checked.
 */
static inline const char *fring_at(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* filering.c */
int fring_rotate(struct fring *f, char *err);
void fring_sw_fail(struct fring *f, int ret, const char *msg);
bool fring_catch_up(struct fring *f);

/* pfile.c */
int fring_name(struct fring *f, char *buf, unsigned int seq,
	       const char *suffix);
int fring_file_prepare(struct fring *f, unsigned int seq,
		       struct pfile **out, char *err);
void fring_file_discard(struct fring *f, struct pfile *pf);
int fring_file_flush(struct fring *f, struct pfile *pf, char *err);
int fring_file_publish(struct fring *f, struct pfile *pf, size_t current,
		       char *err);
int fring_file_finish(struct fring *f, struct pfile *pf, size_t current,
		      char *err);

/* mapwrite.c */
void fring_populate(struct fring *f, struct pfile *pf, uint64_t end);
void *fring_prefaulter_main(void *arg);
void fring_window_check(struct fring *f, bool idle);

/* aiowrite.c */
int fring_aio_setup(struct fring *f, char *err);
void fring_aio_teardown(struct fring *f);
int fring_aio_reap(struct fring *f, unsigned int min);

/* fileindex.c */
void fring_index_start(struct fring *f, struct pfile *pf);
uint64_t fring_index_estimate(struct fring *f, uint64_t size);
void fring_index_drop(struct fring *f, struct pfile *pf);
void fring_index_upto(struct fring *f, struct pfile *pf, uint64_t end,
		      bool last);
void fring_index_write(struct fring *f, struct pfile *pf, const char *final);
void fring_index_catalog(struct fring *f, struct pfile *pf,
			 const char *final);
void fring_catalog_rebuild(struct fring *f);
void fring_index_close(struct fring *f);

/* retention.c */
int fring_scan_series(struct fring *f, char *err);
int fring_done_push(struct fring *f, unsigned int seq);
void fring_trim(struct fring *f, size_t current);
void fring_retire_now(struct fring *f);
void fring_make_room(struct fring *f, uint64_t size);
bool fring_room_again(struct fring *f, int fd, unsigned int tries);
int fring_spare_take(struct fring *f, const char *part, uint64_t size);
void fring_spare_drop(struct fring *f);

#endif /* _TG3CAP_FRING_H */
