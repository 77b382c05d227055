// SPDX-License-Identifier: GPL-2.0
/*
 * idxwrite.c - indexes on the disk: a data file's index built from the
 * file (repair, tg3cap-extract's rebuild) and written beside it whole or
 * not at all.  The format itself is pktindex.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "capfile.h"
#include "pktindex.h"
#include "util.h"

/**
 * lwp_idx_build_mem() - the index of a whole data file in memory
 * @p: the file's bytes
 * @len: how many
 * @shift: the block size's shift
 * @part_shift: the part size's (LWP_IDX_PART_SHIFT_DEFAULT)
 * @buf: the index (lwp_idx_finish())
 * @blen: its bytes
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * A damaged tail (a record that is not whole) ends the records indexed;
 * the index still covers the file's length.
 *
 * Return: 0, -EINVAL (not a file of ours), -ENOMEM or -EFBIG.
 */
int lwp_idx_build_mem(const uint8_t *p, size_t len, unsigned int shift,
		      unsigned int part_shift, uint8_t **buf, size_t *blen,
		      char *err)
{
	struct lwp_idx_builder b;
	struct lwp_capfile c;
	struct lwp_rec r;
	uint64_t off;
	int ret;

	if (lwp_capf_init(&c, p, len))
		return lwp_err(err, -EINVAL, "not a capture file of ours");
	ret = lwp_idx_init(&b, shift, c.pcapng);
	if (ret)
		return lwp_err(err, ret, "bad index block size");
	b.part_shift = part_shift;
	for (off = c.hdr_len; !lwp_capf_rec(&c, off, &r); off = r.off + r.size) {
		ret = lwp_idx_add(&b, r.off, r.ts_ns, r.data, r.caplen);
		if (ret) {
			lwp_idx_free(&b);
			return lwp_err(err, ret, "cannot index: %s",
				       strerror(-ret));
		}
	}
	ret = lwp_idx_finish(&b, len, buf, blen);
	if (ret)
		return lwp_err(err, ret, "cannot index: %s", strerror(-ret));
	return 0;
}

/* @iov, @n parts, as @name in @dfd: temporary, fsync, rename. */
static int write_parts(int dfd, const char *name, struct iovec *iov, int n,
		       mode_t mode, char *err)
{
	char tmp[NAME_MAX + 1];
	ssize_t w;
	int fd, ret;

	/*
	 * The writer's own temporary: two tg3cap-extract runs rebuilding
	 * one index at once must not cut each other's.  A crash's is left
	 * (hidden, not one of the series' names).
	 */
	if (snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid()) >=
	    (int)sizeof(tmp))
		return lwp_err(err, -ENAMETOOLONG, "%s: name too long", name);
	unlinkat(dfd, tmp, 0);	/* a crash's, of a process of this pid */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
	if (fd < 0)
		return lwp_err(err, -errno, "cannot create %s: %s", tmp,
			       strerror(errno));
	while (n) {
		w = writev(fd, iov, n);
		if (w < 0) {
			ret = -errno;
			goto err_unlink;
		}
		while (n && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	if (fsync(fd)) {
		ret = -errno;
		goto err_unlink;
	}
	close(fd);
	if (renameat(dfd, tmp, dfd, name)) {
		ret = -errno;
		unlinkat(dfd, tmp, 0);
		return lwp_err(err, ret, "cannot rename %s to %s: %s", tmp,
			       name, strerror(-ret));
	}
	return 0;

err_unlink:
	close(fd);
	unlinkat(dfd, tmp, 0);
	return lwp_err(err, ret, "cannot write %s: %s", tmp, strerror(-ret));
}

/**
 * lwp_idx_write() - write the index @buf as @name in @dfd, whole or not
 * at all
 * @dfd: the directory
 * @name: the index's name (DATA.idx)
 * @buf: its bytes
 * @len: how many
 * @mode: the file's mode
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * Written to a hidden temporary, fsync()ed, then renamed over @name: a
 * crash leaves the old index or none, never half of one.
 *
 * Return: 0 or a negative errno.
 */
int lwp_idx_write(int dfd, const char *name, const uint8_t *buf, size_t len,
		  mode_t mode, char *err)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return write_parts(dfd, name, &iov, 1, mode, err);
}

/**
 * lwp_idx_write_sealed() - lwp_idx_write() of the index @h and @b
 * sealed (lwp_idx_seal()), from where they are: no copy of the whole
 * @dfd: the directory
 * @name: the index's name
 * @h: the header
 * @b: the blocks, parts and keys
 * @mode: the file's mode
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * Return: 0 or a negative errno.
 */
int lwp_idx_write_sealed(int dfd, const char *name,
			 const struct lwp_idx_hdr *h,
			 const struct lwp_idx_builder *b, mode_t mode,
			 char *err)
{
	struct iovec iov[4] = {
		{ (void *)h, sizeof(*h) },
		{ b->blk, (size_t)b->nblk * sizeof(*b->blk) },
		{ b->part, (size_t)b->npart * sizeof(*b->part) },
		{ b->key, b->nkey * sizeof(*b->key) },
	};

	return write_parts(dfd, name, iov, b->nkey ? 4 : 2, mode, err);
}

/**
 * lwp_idx_build_file() - (re)build the index of the data file @name in
 * the directory @dfd, as @name.idx with the file's mode
 * @dfd: the directory
 * @name: the data file
 * @err: the reason on failure, LWP_ERRLEN bytes
 *
 * For a file the reader did not index as it wrote it: one repaired after
 * a crash.
 *
 * Return: 0 or a negative errno.
 */
int lwp_idx_build_file(int dfd, const char *name, char *err)
{
	char idx[NAME_MAX + 1];
	struct stat st;
	uint8_t *map, *buf;
	size_t len;
	int fd, ret;

	if (snprintf(idx, sizeof(idx), "%s%s", name, LWP_IDX_SUFFIX) >=
	    (int)sizeof(idx))
		return lwp_err(err, -ENAMETOOLONG, "%s: name too long", name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lwp_err(err, -errno, "cannot open %s: %s", name,
			       strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		return lwp_err(err, -EINVAL, "%s: not a capture file", name);
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return lwp_err(err, -errno, "cannot map %s: %s", name,
			       strerror(errno));
	ret = lwp_idx_build_mem(map, st.st_size, LWP_IDX_SHIFT_DEFAULT,
				LWP_IDX_PART_SHIFT_DEFAULT, &buf, &len, err);
	munmap(map, st.st_size);
	if (ret)
		return ret;
	ret = lwp_idx_write(dfd, idx, buf, len, st.st_mode & 0666, err);
	free(buf);
	return ret;
}
