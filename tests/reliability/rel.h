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

#define DEV "/dev/" LWPCAP_DEVICE_NAME

struct ring {
	int fd;
	uint8_t *map;
	struct lwpcap_bind bind;
	struct lwpcap_setup setup;
};

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

static inline int ring_open(struct ring *r, const char *ifname,
			    uint32_t seg_size, uint32_t nr_segs,
			    uint32_t snaplen)
{
	memset(r, 0, sizeof(*r));
	r->fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (r->fd < 0) {
		printf("open %s: %s\n", DEV, strerror(errno));
		return -1;
	}
	r->bind.ifindex = if_nametoindex(ifname);
	r->bind.abi_version = LWPCAP_ABI_VERSION;
	if (ioctl(r->fd, LWPCAP_IOC_BIND, &r->bind)) {
		printf("bind %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	r->setup.seg_size = seg_size;
	r->setup.nr_segs = nr_segs;
	r->setup.snaplen = snaplen;
	if (ioctl(r->fd, LWPCAP_IOC_SETUP, &r->setup)) {
		printf("setup: %s\n", strerror(errno));
		return -1;
	}
	r->map = mmap(NULL, r->setup.mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		printf("mmap: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static inline int ring_activate(struct ring *r, uint32_t mode)
{
	struct lwpcap_activate a = { .mode = mode };

	if (ioctl(r->fd, LWPCAP_IOC_ACTIVATE, &a)) {
		printf("activate: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static inline uint8_t *ctl(struct ring *r, unsigned int q)
{
	return r->map + r->setup.off.ctl + (size_t)q * r->setup.off.ctl_stride;
}

static inline uint32_t *cons_p(struct ring *r, unsigned int q)
{
	return (uint32_t *)(ctl(r, q) + r->setup.off.cons);
}

static inline uint32_t *prod_p(struct ring *r, unsigned int q)
{
	return (uint32_t *)(ctl(r, q) + r->setup.off.prod);
}

static inline uint32_t *seglen_p(struct ring *r, unsigned int q)
{
	return (uint32_t *)(r->map + r->setup.off.seg_len +
			    (size_t)q * r->setup.off.seg_len_stride);
}

static inline uint8_t *data_p(struct ring *r, unsigned int q)
{
	return r->map + r->setup.off.data + (size_t)q * r->setup.off.data_stride;
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

/*
 * Honest drain of queue @q from *@cons, checking every record (bounds,
 * caplen, and for sendframes/genpcap frames the "TG3C" magic and the
 * per-queue sequence order).  Returns records read or -1 (reported).
 */
static inline long ring_drain(struct ring *r, unsigned int q, uint32_t *cons,
			      uint32_t *last_seq, int *have_seq)
{
	uint32_t seg = r->setup.seg_size;
	uint32_t size = seg * r->setup.nr_segs;
	uint8_t *data = data_p(r, q);
	uint32_t *sl = seglen_p(r, q);
	uint32_t prod = __atomic_load_n(prod_p(r, q), __ATOMIC_ACQUIRE);
	uint32_t c = *cons;
	long n = 0;

	if ((uint32_t)(prod - c) > size) {
		printf("FAIL q%u: prod %u cons %u more than %u apart\n",
		       q, prod, c, size);
		return -1;
	}
	while (c != prod) {
		uint32_t start = c & ~(seg - 1), end;

		if ((uint32_t)(prod - start) < seg)
			end = prod;
		else
			end = start + sl[(start & (size - 1)) / seg];
		if ((uint32_t)(end - start) > seg ||
		    (uint32_t)(end - c) > (uint32_t)(prod - c)) {
			printf("FAIL q%u: segment end %u outside [%u, %u]\n",
			       q, end, c, prod);
			return -1;
		}
		while (c != end) {
			struct lwpcap_rec_hdr h;
			const uint8_t *f;

			if ((uint32_t)(end - c) < sizeof(h)) {
				printf("FAIL q%u: torn header at %u\n", q, c);
				return -1;
			}
			memcpy(&h, data + (c & (size - 1)), sizeof(h));
			if (h.caplen > r->setup.snaplen || h.caplen > h.len ||
			    (uint32_t)(end - c) < sizeof(h) + h.caplen) {
				printf("FAIL q%u: bad record at %u: caplen %u len %u\n",
				       q, c, h.caplen, h.len);
				return -1;
			}
			f = data + (c & (size - 1)) + sizeof(h);
			/* untagged IPv4 test frame: magic at 46, seq at 42 */
			if (h.caplen >= 50 && f[12] == 0x08 && f[13] == 0x00 &&
			    !memcmp(f + 46, "TG3C", 4)) {
				uint32_t s = (uint32_t)f[42] << 24 | f[43] << 16 |
					     f[44] << 8 | f[45];

				if (*have_seq && (int32_t)(s - *last_seq) <= 0) {
					printf("FAIL q%u: seq %u after %u (record at %u)\n",
					       q, s, *last_seq, c);
					return -1;
				}
				*last_seq = s;
				*have_seq = 1;
			}
			c += sizeof(h) + h.caplen;
			n++;
		}
		if (c != prod)
			c = start + seg;
	}
	*cons = c;
	__atomic_store_n(cons_p(r, q), c, __ATOMIC_RELEASE);
	return n;
}

#endif
