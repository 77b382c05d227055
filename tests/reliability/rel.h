/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rel.h - helpers shared by the reliability tools (static, guest side).
 */
#ifndef TG3CAP_REL_H
#define TG3CAP_REL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/lwpcap.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../lib/lwpring.h"

struct totals {
	uint64_t packets, bytes, drops, bad_cons;
};

/* xorshift64*: deterministic from the printed seed */
static uint64_t rng_state = 88172645463325252ull;

static inline uint64_t rnd64(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 2685821657736338717ull;
}

static inline uint32_t rnd32(void) { return (uint32_t)(rnd64() >> 32); }
static inline uint32_t rndn(uint32_t n) { return n ? rnd32() % n : 0; }

static inline void rng_seed(uint64_t s)
{
	rng_state = s ? s : 1;
	for (int i = 0; i < 8; i++)
		rnd64();
}

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Sum of the kernel's own counters over all queues; -1 on error. */
static inline int ring_stats(struct ring *r, struct totals *t,
			     struct lwpcap_queue_stats *per)
{
	struct lwpcap_queue_stats qs[LWPCAP_MAX_QUEUES];
	struct lwpcap_stats st = { .nr_queues = LWPCAP_MAX_QUEUES,
				   .queues = (uintptr_t)qs };

	memset(t, 0, sizeof(*t));
	if (ioctl(r->fd, LWPCAP_IOC_GET_STATS, &st)) {
		printf("GET_STATS: %s\n", strerror(errno));
		return -1;
	}
	for (unsigned int i = 0; i < st.nr_queues && i < LWPCAP_MAX_QUEUES; i++) {
		t->packets += qs[i].packets;
		t->bytes += qs[i].bytes;
		t->drops += qs[i].drops;
		t->bad_cons += qs[i].bad_cons;
		if (per)
			per[i] = qs[i];
	}
	return 0;
}

struct seq_check {
	uint32_t last_seq;
	int have_seq;
};

/* Untagged IPv4 test frames ("TG3C" at 46, seq at 42) come in order. */
static inline int seq_rec(void *ctx, unsigned int q,
			  const struct lwpcap_rec_hdr *h, const uint8_t *rec)
{
	const uint8_t *f = rec + sizeof(*h);
	struct seq_check *sc = ctx;
	uint32_t s;

	if (h->caplen < 50 || f[12] != 0x08 || f[13] != 0x00 ||
	    memcmp(f + 46, "TG3C", 4))
		return 0;
	s = (uint32_t)f[42] << 24 | f[43] << 16 | f[44] << 8 | f[45];
	if (sc->have_seq && (int32_t)(s - sc->last_seq) <= 0) {
		printf("FAIL q%u: seq %u after %u\n", q, s, sc->last_seq);
		return -1;
	}
	sc->last_seq = s;
	sc->have_seq = 1;
	return 0;
}

/*
 * Honest drain of queue @q from *@cons, checking every record
 * (ring_walk()) and, for sendframes/genpcap frames, the per-queue
 * sequence order.  Returns records read or -1 (reported).
 */
static inline long ring_drain(struct ring *r, unsigned int q, uint32_t *cons,
			      uint32_t *last_seq, int *have_seq)
{
	struct seq_check sc = { *last_seq, *have_seq };
	long n = ring_walk(r, q, cons, r->setup.snaplen, seq_rec, &sc);

	*last_seq = sc.last_seq;
	*have_seq = sc.have_seq;
	return n;
}

#endif
