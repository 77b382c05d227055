/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwpring.h - the test tools' side of /dev/lwpcap (static, guest side):
 * open, bind, set up, map and activate a ring, and walk a queue checking
 * every record instead of trusting it, as docs/abi.md describes the
 * drain.  Shared by tests/capture/ringtest.c and tests/reliability/.
 * tg3cap-reader has its own, faster drain (userland/ring.c), which does
 * not look at records.
 */
#ifndef TG3CAP_LWPRING_H
#define TG3CAP_LWPRING_H

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
#include <unistd.h>

#define DEV "/dev/" LWPCAP_DEVICE_NAME

struct ring {
	int fd;
	uint8_t *map;
	struct lwpcap_bind bind;
	struct lwpcap_setup setup;
};

/*
 * The capture point every tool binds at: TG3CAP_POINT (a guest script's
 * tg3cap.point argument) driver, ptype, netfilter or ingress; unset is
 * the driver's hook.  -1 for a word that names none.
 */
static inline int ring_point(void)
{
	static const char *const names[] = { "driver", "ptype", "netfilter",
					     "ingress" };
	const char *p = getenv("TG3CAP_POINT");
	unsigned int i;

	if (!p || !*p)
		return LWPCAP_POINT_DRIVER;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(p, names[i]))
			return i;
	return -1;
}

static inline int ring_open(struct ring *r, const char *ifname,
			    uint32_t seg_size, uint32_t nr_segs,
			    uint32_t snaplen)
{
	int point = ring_point();

	memset(r, 0, sizeof(*r));
	if (point < 0) {
		printf("TG3CAP_POINT=%s: not a capture point\n",
		       getenv("TG3CAP_POINT"));
		return -1;
	}
	r->fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (r->fd < 0) {
		printf("open %s: %s\n", DEV, strerror(errno));
		return -1;
	}
	r->bind.ifindex = if_nametoindex(ifname);
	r->bind.abi_version = LWPCAP_ABI_VERSION;
	r->bind.point = point;
	if (ioctl(r->fd, LWPCAP_IOC_BIND, &r->bind)) {
		printf("bind %s at point %d: %s\n", ifname, point,
		       strerror(errno));
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

/* A mirrored counter of queue @q, at control block offset @off. */
static inline uint64_t ctl_u64(struct ring *r, unsigned int q, uint32_t off)
{
	return __atomic_load_n((uint64_t *)(ctl(r, q) + off), __ATOMIC_RELAXED);
}

/* Called for each record: @rec points at its header; 0 or -1 (reported). */
typedef int (*ring_rec_fn)(void *ctx, unsigned int q,
			   const struct lwpcap_rec_hdr *h, const uint8_t *rec);

/*
 * Walk queue @q from *@cons to prod, checking that prod, every segment
 * end and every record lie where the ABI says (caplen <= @snap_max and
 * <= len), hand each record to @fn, then release the new cons.  Returns
 * records read, or -1 after a broken invariant (reported).
 */
static inline long ring_walk(struct ring *r, unsigned int q, uint32_t *cons,
			     uint32_t snap_max, ring_rec_fn fn, void *ctx)
{
	uint32_t seg = r->setup.seg_size;
	uint32_t size = seg * r->setup.nr_segs;
	uint8_t *data = data_p(r, q);
	uint32_t *sl = seglen_p(r, q);
	/* U1: pairs with the kernel's release of prod (K1). */
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
			const uint8_t *rec = data + (c & (size - 1));
			struct lwpcap_rec_hdr h;

			if ((uint32_t)(end - c) < sizeof(h)) {
				printf("FAIL q%u: torn header at %u\n", q, c);
				return -1;
			}
			memcpy(&h, rec, sizeof(h));
			if (h.caplen > snap_max || h.caplen > h.len ||
			    (uint32_t)(end - c) < sizeof(h) + h.caplen) {
				printf("FAIL q%u: bad record at %u: caplen %u len %u\n",
				       q, c, h.caplen, h.len);
				return -1;
			}
			if (fn && fn(ctx, q, &h, rec))
				return -1;
			c += sizeof(h) + h.caplen;
			n++;
		}
		if (c != prod)
			c = start + seg;
	}
	*cons = c;
	/* U2: done with the bytes; pairs with the kernel's K2. */
	__atomic_store_n(cons_p(r, q), c, __ATOMIC_RELEASE);
	return n;
}

#endif
