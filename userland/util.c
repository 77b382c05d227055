// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - error buffers, checked number parsing, clocks.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/**
 * lwp_err() - fill an error buffer and pass an error code through
 * @err:  buffer of LWP_ERRLEN bytes, or NULL
 * @code: negative errno to return
 * @fmt:  message, without a trailing newline
 *
 * Return: @code, so that callers can write "return lwp_err(err, ...);".
 */
int lwp_err(char *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, LWP_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return code;
}

/*
 * strtoull() accepts leading blanks and a minus sign and wraps the
 * result; refuse both, a number is digits only.
 */
static int parse_digits(const char *s, char **end, uint64_t *out)
{
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno)
		return -ERANGE;
	*out = v;
	return 0;
}

/**
 * lwp_parse_u64() - parse a decimal number within [@min, @max]
 * Return: 0, -EINVAL for anything but digits, -ERANGE when out of range.
 */
int lwp_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	char *end;
	int ret;

	ret = parse_digits(s, &end, &v);
	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/**
 * lwp_parse_size() - parse a size, "N" in @unit bytes or N with a suffix
 * @s:    digits, optionally followed by k, m or g (KiB, MiB, GiB, like
 *        tcpdump 4.99 -C) or b (bytes)
 * @unit: bytes per unit when there is no suffix
 */
int lwp_parse_size(const char *s, uint64_t unit, uint64_t min, uint64_t max,
		   uint64_t *out)
{
	uint64_t v, mult = unit;
	char *end;
	int ret;

	ret = parse_digits(s, &end, &v);
	if (ret)
		return ret;
	if (*end) {
		switch (tolower((unsigned char)*end)) {
		case 'b':
			mult = 1;
			break;
		case 'k':
			mult = 1ULL << 10;
			break;
		case 'm':
			mult = 1ULL << 20;
			break;
		case 'g':
			mult = 1ULL << 30;
			break;
		default:
			return -EINVAL;
		}
		if (end[1])
			return -EINVAL;
	}
	if (v && mult > UINT64_MAX / v)
		return -ERANGE;
	v *= mult;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

uint64_t lwp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Wall clock (CLOCK_REALTIME) in ns since the epoch, for timestamps. */
uint64_t lwp_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/**
 * lwp_tmp_open() - create a file of our own beside @path, to be renamed
 * over it
 * @tmp: @len bytes: its name, PATH.XXXXXX
 *
 * A fixed name (PATH.tmp) would be opened through a symlink someone put
 * there, or be another program's file that we then remove; mkostemp()
 * makes a new name with O_EXCL, which follows no link.
 *
 * Return: the descriptor (mode 0600), or a negative errno.
 */
int lwp_tmp_open(const char *path, char *tmp, size_t len)
{
	int fd;

	if (snprintf(tmp, len, "%s.XXXXXX", path) >= (int)len)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/**
 * lwp_replace_file() - replace @path atomically with what @fill writes
 * @path: the file monitors read
 * @fill: writes the whole content to its stream
 * @arg:  for @fill
 * @err:  LWP_ERRLEN bytes, or NULL
 *
 * Written to a new file beside it (lwp_tmp_open()) and renamed, so a
 * monitor never reads half a file, and made readable by all: it holds
 * counters, not frames, and monitors run as other users.
 *
 * Return: 0 or a negative errno, with @err.
 */
int lwp_replace_file(const char *path, void (*fill)(FILE *out, void *arg),
		     void *arg, char *err)
{
	char tmp[PATH_MAX];
	FILE *out;
	int fd;

	fd = lwp_tmp_open(path, tmp, sizeof(tmp));
	if (fd < 0)
		return lwp_err(err, fd, "cannot write beside %s: %s", path,
			       strerror(-fd));
	(void)!fchmod(fd, 0644);
	out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		unlink(tmp);
		return lwp_err(err, -ENOMEM, "out of memory");
	}
	fill(out, arg);
	if (fflush(out) || ferror(out)) {
		fclose(out);
		unlink(tmp);
		return lwp_err(err, -EIO, "error writing %s", tmp);
	}
	fclose(out);
	if (rename(tmp, path)) {
		unlink(tmp);
		return lwp_err(err, -errno, "cannot rename %s to %s: %s", tmp,
			       path, strerror(errno));
	}
	return 0;
}

/**
 * lwp_say() - format a message for @log, if there is one
 */
void lwp_say(lwp_log_fn log, void *arg, const char *fmt, ...)
{
	char msg[LWP_ERRLEN + PATH_MAX];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(arg, msg);
}
