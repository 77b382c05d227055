// SPDX-License-Identifier: GPL-2.0
/*
 * retention.c - what the series keeps on the disk: its scan at start,
 * -W, --min-free and --max-disk, and the spare.
 *
 * The swapper calls these (and fring_open()/fring_close() before and
 * after it runs): the list of completed files (@done), @next_seq and
 * the spare are its own.  Names are the series' (series.c): a file is
 * the series' only if lwp_pat_match() says so, and it is removed under
 * every name -z gave it, never as a .part.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fring.h"

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

struct seqs {
	struct fring *f;
	const unsigned int *seq;
	size_t n;
};

static int remove_name(int dfd, const char *name, const struct lwp_name *nm,
		       void *arg)
{
	struct seqs *s = arg;

	if (nm->part || !bsearch(&nm->seq, s->seq, s->n, sizeof(*s->seq),
				 cmp_uint))
		return 0;
	if (unlinkat(dfd, name, 0) && errno != ENOENT)
		say(s->f, "-W: cannot remove %s/%s: %s", s->f->dir, name,
		    strerror(errno));
	return 0;
}

/*
 * Remove every name of the files @seqs (sorted): PREFIX.NNNNNN.pcap and
 * whatever -z made of it (PREFIX.NNNNNN.pcap.gz, ...), never a .part.
 */
static void remove_seqs(struct fring *f, const unsigned int *seqs, size_t n)
{
	struct seqs s = { .f = f, .seq = seqs, .n = n };
	int ret;

	ret = lwp_series_scan(f->dfd, &f->pat, remove_name, &s);
	if (ret)
		say(f, "-W: cannot read directory %s to remove old files: %s",
		    f->dir, strerror(-ret));
}

/*
 * Files -W no longer keeps go to the finisher, which unlinks them: on a
 * file system mounted with discard, unlink() waits for the disk to
 * discard the blocks (10-170 ms for a 128 MiB file behind 64 MiB of
 * writes here), and in the swapper it held up the next file (issue 16).
 * Before the finisher runs, or if memory is short, here.  @seqs sorted.
 */
static void retire(struct fring *f, const unsigned int *seqs, size_t n)
{
	unsigned int *rm = NULL;

	if (f->fin_live) {
		pthread_mutex_lock(&f->lock);
		rm = realloc(f->rm, (f->nrm + n) * sizeof(*rm));
		if (rm) {
			memcpy(rm + f->nrm, seqs, n * sizeof(*seqs));
			f->rm = rm;
			f->nrm += n;
			pthread_cond_broadcast(&f->cond);
		}
		pthread_mutex_unlock(&f->lock);
	}
	if (!rm)
		remove_seqs(f, seqs, n);
}

/**
 * fring_retire_now() - unlink what retire() queued; @lock held, dropped
 * meanwhile
 * @f: the series
 */
void fring_retire_now(struct fring *f)
{
	unsigned int *rm = f->rm;
	size_t n = f->nrm;

	f->rm = NULL;
	f->nrm = 0;
	pthread_mutex_unlock(&f->lock);
	remove_seqs(f, rm, n);
	free(rm);
	pthread_mutex_lock(&f->lock);
}

/* The file -W keeps for the next one's blocks: ".BASE.spare" in @dfd. */
static int spare_name(struct fring *f, char *buf)
{
	size_t bl = strlen(f->base);

	if (bl + sizeof("..spare") > NAME_MAX + 1)
		return -ENAMETOOLONG;
	buf[0] = '.';
	memcpy(buf + 1, f->base, bl);
	memcpy(buf + 1 + bl, ".spare", sizeof(".spare"));
	return 0;
}

struct spare_scan {
	struct fring *f;
	unsigned int seq;
	const char *spare;
};

/* keep_spare(): @name if it is the file the spare is to be made of. */
static int spare_from(int dfd, const char *name, const struct lwp_name *nm,
		      void *arg)
{
	struct spare_scan *ss = arg;
	struct fring *f = ss->f;
	size_t sl = strlen(f->suffix), nl = strlen(name);
	struct stat st;
	int fd;

	if (nm->part || nm->seq != ss->seq || nl < sl ||
	    strcmp(name + nl - sl, f->suffix))
		return 0;
	fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
		    f->w->open_flags);
	if (fd < 0)
		return 1;
	/*
	 * Only a file nobody else has open: a write lease is granted only
	 * then.  An archiver still reading it keeps what it opened: the
	 * file is unlinked (retired) instead.
	 */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    fcntl(fd, F_SETLEASE, F_WRLCK) || fcntl(fd, F_SETLEASE, F_UNLCK) ||
	    renameat(dfd, name, dfd, ss->spare)) {
		close(fd);
		return 1;
	}
	f->spare_fd = fd;
	return 1;
}

/*
 * -W: the oldest file, @seq, becomes the spare that fring_file_prepare()
 * turns into the next file, instead of being unlinked.  On a file system
 * mounted with discard, unlink() discards the blocks and the next file
 * allocates them again: that cost a quarter of this disk's write rate
 * (issue 16).  Only a file under its own name (not what -z made of it),
 * with no other link (an operator's ln to keep it) and open in no other
 * process (a write lease; issue 25) is taken, through the descriptor
 * opened before the rename (not reopened by name); the caller still
 * retires @seq, for any other name it has.
 */
static void keep_spare(struct fring *f, unsigned int seq)
{
	char spare[NAME_MAX + 1];
	struct spare_scan ss = { .f = f, .seq = seq, .spare = spare };

	if (f->spare_fd >= 0 || f->no_spare || spare_name(f, spare))
		return;
	lwp_series_scan(f->dfd, &f->pat, spare_from, &ss);
}

/**
 * fring_trim() - -W: delete the oldest completed files so that at most
 * -W remain, counting @current
 * @f: the series
 * @current: 1 if a file follows the completed ones (it then takes the oldest
 *           one's blocks, keep_spare()), 0 at close
 *
 * A file whose -z command still runs is kept (and so is every newer
 * one) until a later call finds the command finished.
 */
void fring_trim(struct fring *f, size_t current)
{
	size_t k = 0;

	if (!f->cfg.max_files)
		return;
	lwp_post_reap(&f->post);
	while (k < f->ndone && f->ndone - k + current > f->cfg.max_files &&
	       !lwp_post_busy(&f->post, f->done[k]))
		k++;
	if (!k)
		return;
	/* a file follows (@current): the oldest lends it its blocks */
	if (current)
		keep_spare(f, f->done[0]);
	retire(f, f->done, k);
	if (k == 1)
		say(f, "-W %u: removed the oldest file, %06u", f->cfg.max_files,
		    f->done[0]);
	else
		say(f, "-W %u: removed the %zu oldest files, %06u to %06u",
		    f->cfg.max_files, k, f->done[0], f->done[k - 1]);
	f->ndone -= k;
	memmove(f->done, f->done + k, f->ndone * sizeof(*f->done));
}

/* @s in bytes on a file system of @total bytes */
static uint64_t space_bytes(const struct fring_space *s, uint64_t total)
{
	return s->pct ? total / 100 * s->pct : s->bytes;
}

/* Bytes the spare takes on the disk; 0 without one. */
static uint64_t spare_bytes(struct fring *f)
{
	struct stat st;

	if (f->spare_fd < 0 || fstat(f->spare_fd, &st))
		return 0;
	return (uint64_t)st.st_blocks * 512;
}

/*
 * Bytes the series' files take on the disk, the .part ones and the
 * spare included.
 */
static int add_usage(int dfd, const char *name, const struct lwp_name *nm,
		     void *arg)
{
	uint64_t *sum = arg;
	struct stat st;

	(void)nm;
	if (!fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		*sum += (uint64_t)st.st_blocks * 512;
	return 0;
}

static uint64_t series_usage(struct fring *f)
{
	uint64_t sum = 0;

	lwp_series_scan(f->dfd, &f->pat, add_usage, &sum);
	return sum + spare_bytes(f);
}

/*
 * What a next file of @size adds to the disk with the indexes to come:
 * less the spare's blocks.
 */
static uint64_t new_bytes(struct fring *f, uint64_t size)
{
	uint64_t have = spare_bytes(f);

	/*
	 * Indexes are written after their files are made: room for this
	 * file's and for those of the files still in flight, or they would
	 * eat into the floor once written (fileindex.c).
	 */
	have = have < size ? size - have : 0;
	return have + fring_index_estimate(f, size) +
	       __atomic_load_n(&f->idx_pending, __ATOMIC_RELAXED);
}

/*
 * Whether a new file of @size needs room the retention options keep;
 * with @hard, room beyond half the --min-free floor or a quarter past
 * --max-disk (what the files still being flushed may take for a while).
 */
static bool short_of_room(struct fring *f, uint64_t size, bool hard)
{
	const struct fring_cfg *c = &f->cfg;
	uint64_t total, floor, cap;
	struct statvfs sv;

	if (fstatvfs(f->dfd, &sv))
		return false;	/* the file's own creation will say why */
	total = (uint64_t)sv.f_blocks * sv.f_frsize;
	floor = space_bytes(&c->min_free, total);
	cap = space_bytes(&c->max_disk, total);
	if (hard) {
		floor /= 2;
		cap += cap / 4;
	}
	if ((c->min_free.bytes || c->min_free.pct) &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < size + floor)
		return true;
	return (c->max_disk.bytes || c->max_disk.pct) &&
	       series_usage(f) + size > cap;
}

/* Remove the oldest published files while the next one lacks room. */
static void remove_oldest(struct fring *f, uint64_t size)
{
	size_t k = 0;

	while (k < f->ndone && !lwp_post_busy(&f->post, f->done[k]) &&
	       short_of_room(f, new_bytes(f, size), false)) {
		keep_spare(f, f->done[k]);
		remove_seqs(f, &f->done[k], 1);
		k++;
	}
	if (!k)
		return;
	if (k == 1)
		say(f, "retention: removed the oldest file, %06u, to make room for the next",
		    f->done[0]);
	else
		say(f, "retention: removed the %zu oldest files, %06u to %06u, to make room for the next",
		    k, f->done[0], f->done[k - 1]);
	f->ndone -= k;
	memmove(f->done, f->done + k, f->ndone * sizeof(*f->done));
}

/**
 * fring_make_room() - retention (--min-free, --max-disk): room for the
 * next file
 * @f: the series
 * @size: the new file's size
 *
 * Before a file of @size is made, delete the oldest completed files of
 * the series (under any name -z gave them) until there is room for it.
 * The first of them becomes the spare, whose blocks the new file takes
 * (keep_spare(): no unlink() waiting for a discard, no new allocation,
 * in the thread that makes the next file).  A file whose -z command
 * still runs is kept, and so is every newer one; if no room can be
 * made, the file's creation fails as on a full disk.  Only this series'
 * files are touched: readers sharing a file system each delete their
 * own oldest.
 */
void fring_make_room(struct fring *f, uint64_t size)
{
	if (!f->cfg.min_free.bytes && !f->cfg.min_free.pct &&
	    !f->cfg.max_disk.bytes && !f->cfg.max_disk.pct)
		return;
	/* What -W retired still takes room: gone first, or more would go. */
	if (f->fin_live) {
		pthread_mutex_lock(&f->lock);
		if (f->nrm)
			fring_retire_now(f);
		pthread_mutex_unlock(&f->lock);
	}
	lwp_post_reap(&f->post);
	remove_oldest(f, size);
	/*
	 * Completed files the finisher has not flushed yet take room too,
	 * and only published ones can go: with the finisher behind (a slow
	 * or busy disk), they took all the room down to nothing (issue 25,
	 * item 5).  The capture comes first: they may take up to half the
	 * floor (a quarter past --max-disk) for as long as the finisher
	 * needs, which the next files' turns give back; beyond that this
	 * thread, which prepares the next file, waits for them, and a disk
	 * too slow for the rate shows as the writer waiting, not as a full
	 * file system.  Waiting at the floor itself, a loop device's
	 * fdatasync() on a busy machine held the writer for more than its
	 * 128 MiB ring (cli_retention_ext4: 21,456 drops, 1 run in 20).
	 */
	while (short_of_room(f, new_bytes(f, size), true) && fring_catch_up(f))
		remove_oldest(f, size);
}

/**
 * fring_spare_take() - the spare, if -W or retention kept one, becomes
 * file @part of @size bytes
 * @f: the series
 * @part: the new file's .part name
 * @size: the new file's size
 *
 * Its blocks read as zeroes again (unwritten extents: no data written,
 * nothing discarded), so repair after a crash stops where the new
 * records end, as in a new file.
 *
 * Return: the file's descriptor, or -1: there was no spare, or it could
 * not be reused and is gone (room made again for a new file).
 */
int fring_spare_take(struct fring *f, const char *part, uint64_t size)
{
	char spare[NAME_MAX + 1];
	int fd = f->spare_fd;

	if (fd < 0)
		return -1;
	f->spare_fd = -1;
	spare_name(f, spare);
	if (!fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, size) &&
	    !renameat(f->dfd, spare, f->dfd, fring_at(part)))
		return fd;
	/* no ZERO_RANGE (tmpfs): delete, then a new file, as before */
	if (errno == EOPNOTSUPP)
		f->no_spare = true;
	close(fd);
	unlinkat(f->dfd, spare, 0);
	fring_make_room(f, size);
	return -1;
}

/**
 * fring_spare_drop() - at close: the spare is not needed any more
 * @f: the series
 */
void fring_spare_drop(struct fring *f)
{
	char spare[NAME_MAX + 1];

	if (f->spare_fd < 0)
		return;
	close(f->spare_fd);
	if (!spare_name(f, spare))
		unlinkat(f->dfd, spare, 0);
}

/**
 * fring_room_again() - preallocation of a file found the disk full
 * although fring_make_room() saw room
 * @f: the series
 * @fd: the file being preallocated
 * @tries: the earlier calls for it
 *
 * The blocks of what was just unlinked or reused are freed only when the
 * file system commits them (ext4's journal; statvfs() counted them
 * already), and other writers share the disk.  With retention asked
 * for, a capture must not stop for it: commit (syncfs()), then, from
 * the second try on, complete the files in flight (fring_catch_up())
 * and remove the oldest file too.  False when there is nothing left to
 * try.
 */
bool fring_room_again(struct fring *f, int fd, unsigned int tries)
{
	const struct fring_cfg *c = &f->cfg;

	if (!c->min_free.bytes && !c->min_free.pct && !c->max_disk.bytes &&
	    !c->max_disk.pct)
		return false;
	if (tries >= 8)
		return false;
	if (tries) {
		/* the files in flight, completed: then the oldest can go */
		fring_catch_up(f);
		if (!f->ndone || lwp_post_busy(&f->post, f->done[0]))
			return false;
		remove_seqs(f, f->done, 1);
		say(f, "retention: removed the oldest file, %06u: the file system had no room for the next one",
		    f->done[0]);
		f->ndone--;
		memmove(f->done, f->done + 1, f->ndone * sizeof(*f->done));
	}
	syncfs(fd);
	return true;
}

/**
 * fring_done_push() - file @seq is completed: the newest of the ones
 * -W and retention count
 * @f: the series
 * @seq: the file's number
 *
 * Return: 0, or -ENOMEM.
 */
int fring_done_push(struct fring *f, unsigned int seq)
{
	if (f->ndone == f->done_cap) {
		size_t cap = f->done_cap ? 2 * f->done_cap : 64;
		unsigned int *d = realloc(f->done, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		f->done = d;
		f->done_cap = cap;
	}
	f->done[f->ndone++] = seq;
	return 0;
}

struct number_scan {
	struct fring *f;
	unsigned int max;
	bool any;
};

static int number_from(int dfd, const char *name, const struct lwp_name *nm,
		       void *arg)
{
	struct number_scan *ns = arg;
	struct fring *f = ns->f;

	(void)dfd;
	/*
	 * A billion files at one a second take 31 years: a number this
	 * high is a stray (a copy, a test), not where the series is;
	 * numbering on from it would soon end it.
	 */
	if (nm->seq >= LWP_SEQ_STRAY) {
		say(f, "%s/%s: a number too high to number on from; left alone, not counted as the series'",
		    f->dir, name);
		return 0;
	}
	if (!nm->part && fring_done_push(f, nm->seq))
		return -ENOMEM;
	if (!ns->any || nm->seq > ns->max)
		ns->max = nm->seq;
	ns->any = true;
	return 0;
}

/**
 * fring_scan_series() - the series' directory and pattern, and its
 * existing files
 * @f: the series, @f->cfg as fring_open() got it
 * @err: the message on failure, LWP_ERRLEN bytes
 *
 * Existing files: continue their numbering and their -W ring.  A file
 * counts under any name -z may have given it (.pcap.gz, ...); a .part
 * that repair left alone still takes its number.  @f->dfd is the
 * directory from here on, closed by fring_close().
 */
int fring_scan_series(struct fring *f, char *err)
{
	struct number_scan ns = { .f = f };
	char spare[NAME_MAX + 1];
	size_t i, k;
	int ret;

	ret = lwp_split_prefix(f->cfg.prefix, f->dir, sizeof(f->dir),
			       f->base, sizeof(f->base));
	if (ret)
		return lwp_err(err, ret, "bad file prefix '%s'",
			       f->cfg.prefix);
	ret = lwp_pat_parse(&f->pat, f->base,
			    lwp_prefix_is_pattern(f->base), err);
	if (ret)
		return ret;
	f->dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dfd < 0)
		return lwp_err(err, -errno, "cannot read directory %s: %s",
			       f->dir, strerror(errno));
	/* a crash's spare: a file -W had retired */
	if (!spare_name(f, spare))
		unlinkat(f->dfd, spare, 0);
	ret = lwp_series_scan(f->dfd, &f->pat, number_from, &ns);
	if (ret) {
		close(f->dfd);
		f->dfd = -1;
		if (ret == -ENOMEM)
			return lwp_err(err, ret, "out of memory");
		return lwp_err(err, ret, "cannot read directory %s: %s",
			       f->dir, strerror(-ret));
	}
	f->next_seq = ns.any ? ns.max + 1 : 0;
	/* Sorted, one entry per file however many names it has. */
	if (f->ndone)
		qsort(f->done, f->ndone, sizeof(*f->done), cmp_uint);
	for (i = k = 0; i < f->ndone; i++)
		if (!k || f->done[i] != f->done[k - 1])
			f->done[k++] = f->done[i];
	f->ndone = k;
	return 0;
}
