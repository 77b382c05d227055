/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fakesrc.h - a capture source without the kernel module.
 *
 * A thread plays the kernel: the real producer code (fakedev.c) fills a
 * ring with numbered frames, publishes after every "NAPI poll" of up to
 * 64 frames per queue and wakes the reader through a pipe; when all
 * frames are sent it closes the pipe, which the reader sees as POLLHUP,
 * like a device that went away.  For tests and benchmarks
 * (--fake-source).
 */
#ifndef _TG3CAP_FAKESRC_H
#define _TG3CAP_FAKESRC_H

#include <pthread.h>
#include <stdint.h>

#include "capture.h"
#include "fakedev.h"

/**
 * struct fakesrc_cfg - what to send
 * @pkts:     frames in total, numbered from 0
 * @len:      wire length of every frame
 * @queues:   queues, frame n goes to queue n % @queues
 * @pps:      frames per second, 0 for as fast as possible
 * @wake_bytes: wake the reader only once a queue holds this many bytes,
 *            as the kernel does with lwpcap_activate.wake_bytes
 * @idle_ms:  after the last frame, the device stays this long before it
 *            goes away: a link gone quiet (-G's empty periods)
 */
struct fakesrc_cfg {
	uint64_t pkts;
	uint32_t len;
	unsigned int queues;
	uint64_t pps;
	uint32_t wake_bytes;
	uint32_t idle_ms;
};

struct fakesrc {
	struct fakedev dev;
	struct fakesrc_cfg cfg;
	pthread_t thread;
	int started;
	int pipe[2];
	int stop;
};

extern const struct lwp_src_ops fakesrc_ops;

int fakesrc_open(struct fakesrc *s, const struct fakesrc_cfg *cfg,
		 uint32_t seg_size, uint32_t nr_segs, uint32_t snaplen,
		 char *err);
int fakesrc_start(struct fakesrc *s, char *err);
void fakesrc_close(struct fakesrc *s);

#endif /* _TG3CAP_FAKESRC_H */
