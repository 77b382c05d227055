/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_extract.h - the test series of test_extract.c, written by
 * test_extract_gen.c: two series of varied traffic (see test_extract.c).
 */
#ifndef _TG3CAP_TEST_EXTRACT_H
#define _TG3CAP_TEST_EXTRACT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP		262144U
#define NA		6
#define NB		4
#define NFILES		(NA + NB)
#define S		1000000000ULL
#define MS		1000000ULL
#define SHIFT		12
/* parts of 8 pairs: the lookups read a few parts of many */
#define PSHIFT		3
#define B_PATTERN	"t-%Y%m%d-%H%M%S"
/* the destination of 1 IPv4 frame in 400 */
#define XT_RARE_HOST	"10.200.0.1"

struct rng {
	uint64_t s;
};

struct pools {
	uint8_t v4[40][4];
	uint8_t v6[10][16];
	uint16_t port[12];
	uint16_t vlan[4];
};

struct file {
	char name[NAME_MAX + 1];
	bool ng;
	uint8_t *p;
	size_t len;
	size_t cap;
};

struct series {
	char dir[PATH_MAX];
	struct pools pl;
	struct file f[NFILES];
	uint64_t *ts;		/* every timestamp written */
	size_t nts;
	uint64_t first;
	uint64_t last;
};

uint64_t xt_rnd(struct rng *r);
uint32_t xt_below(struct rng *r, uint32_t n);
int xt_write_bytes(const char *path, const void *p, size_t n);
int xt_series_make(struct series *s, unsigned int recs);
void xt_series_free(struct series *s);
const char *xt_extract_bin(void);

/* test_extract_query.c */
int xt_test_time(void);
int xt_test_narrow(void);

#endif /* _TG3CAP_TEST_EXTRACT_H */
