/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fakedev.h - an lwpcap ring in user memory, filled by the kernel's own
 * producer code (../driver/lwpcap_ring.h).
 *
 * Used by the unit tests, by benchmarks and by --fake-source, so that the
 * whole reader can run without the kernel module.  The layout is computed
 * here the way the kernel does it, and the reader only learns it through
 * struct lwpcap_setup, as from LWPCAP_IOC_SETUP.
 *
 * Frames are Ethernet/IPv4/UDP; the 8 bytes at FAKE_SEQ_OFF carry a
 * sequence number and the rest of the payload is a function of it, so a
 * test can check every byte of every record it reads back.
 */
#ifndef _TG3CAP_FAKEDEV_H
#define _TG3CAP_FAKEDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <linux/lwpcap.h>

#define FAKE_SEQ_OFF	42	/* after Ethernet, IPv4 and UDP headers */
#define FAKE_MIN_LEN	60

struct lwpcap_qring;

struct fakedev {
	void *map;
	size_t map_len;
	struct lwpcap_setup setup;
	unsigned int nr_queues;
	uint32_t snaplen;
	struct lwpcap_qring *qr;
};

int fakedev_create(struct fakedev *d, unsigned int nr_queues,
		   uint32_t seg_size, uint32_t nr_segs, uint32_t snaplen,
		   char *err);
void fakedev_destroy(struct fakedev *d);
bool fakedev_rx(struct fakedev *d, unsigned int q, uint64_t seq,
		uint32_t wire_len, const struct timespec *ts);
void fakedev_miss(struct fakedev *d, unsigned int q);
bool fakedev_flush(struct fakedev *d, unsigned int q);
bool fakedev_wake_due(struct fakedev *d, unsigned int q, uint32_t wake_bytes);
void fakedev_counts(struct fakedev *d, unsigned int q, uint64_t *pkts,
		    uint64_t *bytes, uint64_t *drops, uint64_t *bad_cons);
void fakedev_frame(uint8_t *buf, uint64_t seq, uint32_t wire_len,
		   uint32_t n);
uint32_t *fakedev_prod_ptr(struct fakedev *d, unsigned int q);
uint32_t *fakedev_seg_len(struct fakedev *d, unsigned int q);
uint64_t *fakedev_ctr(struct fakedev *d, unsigned int q);
uint8_t *fakedev_data(struct fakedev *d, unsigned int q);
void fakedev_set_pos(struct fakedev *d, unsigned int q, uint32_t pos);

#endif /* _TG3CAP_FAKEDEV_H */
