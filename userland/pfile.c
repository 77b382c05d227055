// SPDX-License-Identifier: GPL-2.0
/*
 * pfile.c - one file of the series (struct pfile): made before it is
 * needed, discarded, flushed to the disk and published under its final
 * name.
 *
 * The swapper prepares and publishes, the finisher flushes, and the
 * caller's thread does all three at fring_open() and fring_close().  The
 * writers are mapwrite.c and aiowrite.c; what the series keeps on the
 * disk, retention.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fring.h"
#include "pcapfile.h"

/**
 * fring_name() - the .part or completed name of file @seq, as the -w
 * prefix is written (not expanded)
 * @f: the series
 * @buf: PATH_MAX bytes
 * @seq: the file's number
 * @suffix: @f->suffix or @f->part_suffix
 *
 * Return: 0, or -ENAMETOOLONG.
 */
int fring_name(struct fring *f, char *buf, unsigned int seq,
	       const char *suffix)
{
	return lwp_series_name(buf, PATH_MAX, f->cfg.prefix, seq, suffix);
}

/*
 * The final name of @pf: with a strftime prefix (-G), the prefix as of
 * the start of the file's period; the .part files keep the prefix as
 * it is (fring_name()).
 */
static int final_name(struct fring *f, char *buf, struct pfile *pf)
{
	char pre[PATH_MAX];

	if (!f->pattern)
		return fring_name(f, buf, pf->seq, f->suffix);
	if (lwp_expand_prefix(f->cfg.prefix, pf->start, pre, sizeof(pre)))
		return -ENAMETOOLONG;
	return lwp_series_name(buf, PATH_MAX, pre, pf->seq, f->suffix);
}

/**
 * fring_file_prepare() - create, preallocate and map file @seq, with
 * its header; room made first (retention), the spare reused if there is
 * one
 * @f: the series
 * @seq: the file's number
 * @out: the file
 * @err: the message on failure, LWP_ERRLEN bytes
 *
 * fallocate() reserves the blocks now, so that a full disk shows up
 * here as an error the drain thread can report instead of as SIGBUS on
 * a store into the mapping later.
 *
 * Return: 0, or a negative errno with @err set.
 */
int fring_file_prepare(struct fring *f, unsigned int seq,
		       struct pfile **out, char *err)
{
	int flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC;
	uint64_t size = f->cfg.file_size;
	unsigned int tries = 0;
	char part[PATH_MAX];
	struct pfile *pf;
	int ret;

	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return lwp_err(err, -ENOMEM, "out of memory");
	fring_make_room(f, size);
	pf->seq = seq;
	pf->off = f->hdr_len;
	ret = fring_name(f, part, seq, f->part_suffix);
	if (ret) {
		lwp_err(err, ret, "file name too long for prefix %s",
			f->cfg.prefix);
		goto err_free;
	}
	pf->w = f->w;
	pf->fd = fring_spare_take(f, part, size);
	if (pf->fd >= 0)
		goto map;
	pf->fd = openat(f->dfd, fring_at(part), flags | pf->w->open_flags,
			f->mode);
	if (pf->fd < 0 && pf->w->open_flags && errno == EINVAL) {
		/* Made, then refused (tmpfs): O_EXCL says it is ours. */
		unlinkat(f->dfd, fring_at(part), 0);
		if (f->cfg.io == LWP_IO_DIRECT)
			say(f, "--io direct: the file system of %s refuses O_DIRECT; writing through the page cache (--io mmap)",
			    f->dir);
		f->w = &fring_map_wops;
		pf->w = f->w;
		pf->fd = openat(f->dfd, fring_at(part), flags, f->mode);
	}
	if (pf->fd < 0) {
		ret = lwp_err(err, -errno, "cannot create %s: %s", part,
			      strerror(errno));
		goto err_free;
	}
	/* made by root before -Z's drop: the user's file all the same */
	if (f->cfg.owner_set && fchown(pf->fd, f->cfg.uid, f->cfg.gid)) {
		ret = lwp_err(err, -errno, "cannot give %s to its user: %s",
			      part, strerror(errno));
		goto err_unlink;
	}
	while (fallocate(pf->fd, 0, 0, size)) {
		ret = -errno;
		if (ret == -EOPNOTSUPP && !ftruncate(pf->fd, size))
			goto map;
		if (ret == -ENOSPC && fring_room_again(f, pf->fd, tries++))
			continue;
		lwp_err(err, ret, "cannot preallocate %llu bytes for %s: %s",
			(unsigned long long)size, part, strerror(-ret));
		goto err_unlink;
	}
map:
	if (pf->w->map(f, pf, size) == MAP_FAILED) {
		ret = lwp_err(err, -errno, "cannot map %s: %s", part,
			      strerror(errno));
		goto err_unlink;
	}
	pf->svc_at = f->step;
	if (f->cfg.format == LWP_FMT_PCAPNG)
		pcapng_hdr_fill(pf->map, f->cfg.ifname, f->cfg.snaplen,
				f->cfg.linktype);
	else
		pcap_hdr_fill(pf->map, f->cfg.snaplen, f->cfg.linktype);
	fring_index_start(f, pf);
	*out = pf;
	return 0;

err_unlink:
	unlinkat(f->dfd, fring_at(part), 0);
	close(pf->fd);
err_free:
	free(pf);
	return ret;
}

/**
 * fring_file_discard() - unmap, close and unlink @pf, a file that gets
 * no records (never published); @pf is freed
 * @f: the series
 * @pf: the file; freed
 */
void fring_file_discard(struct fring *f, struct pfile *pf)
{
	char part[PATH_MAX];

	munmap(pf->map, f->cfg.file_size);
	close(pf->fd);
	if (!fring_name(f, part, pf->seq, f->part_suffix))
		unlinkat(f->dfd, fring_at(part), 0);
	fring_index_drop(f, pf);
	free(pf);
}

/**
 * fring_file_flush() - unmap, cut to the bytes written and fdatasync()
 * @pf, which fring_file_publish() then renames
 * @f: the series
 * @pf: the file the writer left
 * @err: the message on failure, LWP_ERRLEN bytes
 *
 * Truncating before the rename means a crash in between leaves a .part
 * file that repair accepts as it is.  fdatasync() before the rename
 * means a file never has its final name before its records are on the
 * disk (a power cut leaves a .part for repair, not a "complete" file
 * with holes), and it is where a writeback error (EIO) shows: the file
 * then keeps its .part name and the error stops the capture.  On error
 * @pf is freed and its descriptor closed.
 */
int fring_file_flush(struct fring *f, struct pfile *pf, char *err)
{
	char part[PATH_MAX], final[PATH_MAX];
	int ret;

	fring_name(f, part, pf->seq, f->part_suffix);
	munmap(pf->map, f->cfg.file_size);
	/* a writer's failed write (the writer's write_out()) fails the file */
	ret = pf->werr;
	if (ret) {
		lwp_err(err, ret,
			"cannot write %s: %s (it keeps its name and is repaired at the next start)",
			part, strerror(-ret));
		goto out_close;
	}
	if (ftruncate(pf->fd, pf->off)) {
		ret = lwp_err(err, -errno, "cannot truncate %s: %s", part,
			      strerror(errno));
		goto out_close;
	}
	if (fdatasync(pf->fd)) {
		ret = lwp_err(err, -errno,
			      "cannot write %s to disk: %s (it keeps its name and is repaired at the next start)",
			      part, strerror(errno));
		goto out_close;
	}
	/* On the disk now: its pages need not stay in memory. */
	posix_fadvise(pf->fd, 0, 0, POSIX_FADV_DONTNEED);
	ret = close(pf->fd);
	pf->fd = -1;
	if (ret) {
		ret = lwp_err(err, -errno, "error closing %s: %s", part,
			      strerror(errno));
		goto out_free;
	}
	/* its index before its final name: a complete file has one */
	if (!final_name(f, final, pf))
		fring_index_write(f, pf, final);
	return 0;

out_close:
	close(pf->fd);
out_free:
	fring_index_drop(f, pf);
	free(pf);
	return ret;
}

/**
 * fring_file_publish() - the flushed @pf gets its final name and joins
 * the completed files: its -z command, -W (fring_trim(), @current as
 * there); @pf is freed
 * @f: the series
 * @pf: the file fring_file_flush() flushed; freed
 * @current: as for fring_trim()
 * @err: the message on failure, LWP_ERRLEN bytes
 *
 * Return: 0, or a negative errno with @err set.
 */
int fring_file_publish(struct fring *f, struct pfile *pf, size_t current,
		       char *err)
{
	char part[PATH_MAX], final[PATH_MAX];
	int ret = 0;

	fring_name(f, part, pf->seq, f->part_suffix);
	if (final_name(f, final, pf)) {
		ret = lwp_err(err, -ENAMETOOLONG,
			      "cannot name %s by its time: -w pattern too long",
			      part);
		goto out_free;
	}
	if (renameat(f->dfd, fring_at(part), f->dfd, fring_at(final))) {
		ret = lwp_err(err, -errno, "cannot rename %s to %s: %s", part,
			      final, strerror(errno));
		goto out_free;
	}
	stat_add(&f->st.files, 1);
	fring_index_catalog(f, pf, final);
	lwp_post_add(&f->post, final, pf->seq);
	if (fring_done_push(f, pf->seq))
		ret = lwp_err(err, -ENOMEM, "out of memory");
	fring_trim(f, current);
out_free:
	fring_index_drop(f, pf);
	free(pf);
	return ret;
}

/**
 * fring_file_finish() - fring_file_flush(), then fring_file_publish()
 * @f: the series
 * @pf: the file the writer left; freed
 * @current: as for fring_trim()
 * @err: the message on failure, LWP_ERRLEN bytes
 *
 * Return: 0, or a negative errno with @err set.
 */
int fring_file_finish(struct fring *f, struct pfile *pf, size_t current,
		      char *err)
{
	int ret = fring_file_flush(f, pf, err);

	return ret ? ret : fring_file_publish(f, pf, current, err);
}
