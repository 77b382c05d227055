/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - error buffers and checked number parsing shared by the modules.
 *
 * Library code never prints and never exits: it returns a negative errno
 * and, when the caller passed one, fills an error buffer of LWP_ERRLEN
 * bytes with a sentence that says what failed and what to do about it.
 */
#ifndef _TG3CAP_UTIL_H
#define _TG3CAP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LWP_ERRLEN	512

/* Returned by drain and sink functions: stop capturing, not an error. */
#define LWP_STOP	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

__attribute__((format(printf, 3, 4)))
int lwp_err(char *err, int code, const char *fmt, ...);

/* Where a module says what it did (rotation, repair, -z); may be NULL. */
typedef void (*lwp_log_fn)(void *arg, const char *msg);

__attribute__((format(printf, 3, 4)))
void lwp_say(lwp_log_fn log, void *arg, const char *fmt, ...);

int lwp_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int lwp_parse_size(const char *s, uint64_t unit, uint64_t min, uint64_t max,
		   uint64_t *out);

int lwp_tmp_open(const char *path, char *tmp, size_t len);
int lwp_replace_file(const char *path, void (*fill)(FILE *out, void *arg),
		     void *arg, char *err);

uint64_t lwp_now_ns(void);
uint64_t lwp_wall_ns(void);

#endif /* _TG3CAP_UTIL_H */
