/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ringtest's parts share: the options every command takes and the
 * checks that count failures.  The commands are in ringtest.c, the
 * errnos of bad arguments in ringerr.c, the ring memory limits in
 * ringmem.c.
 */
#ifndef RINGTEST_H
#define RINGTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct opts {
	const char *ifname;
	const char *prefix;
	const char *ready;
	uint32_t seg_size;
	uint32_t nr_segs;
	uint32_t snaplen;
	uint32_t mode;
	uint32_t count;
	uint64_t snap_after;
	uint32_t snap_new;
	bool hold;
	bool stall;
	const char *expect;
};

extern int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL %s:%d: ", __func__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#define EXPECT_ERR(call, err) do {					\
	errno = 0;							\
	long __rc = (long)(call);					\
	CHECK(__rc == -1 && errno == (err), "%s: rc %ld errno %s, want %s", \
	      #call, __rc, strerror(errno), strerror(err));		\
} while (0)

#define EXPECT_OK(call) do {						\
	errno = 0;							\
	long __rc = (long)(call);					\
	CHECK(__rc == 0, "%s: rc %ld errno %s", #call, __rc,		\
	      strerror(errno));						\
} while (0)

int cmd_errnos(struct opts *o);
int cmd_memcap(struct opts *o);
int cmd_memns(struct opts *o);

#endif
