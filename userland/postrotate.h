/* SPDX-License-Identifier: GPL-2.0 */
/*
 * postrotate.h - the -z commands: one per completed file, a few at once.
 *
 * A slow -z command (a compressor, an upload) started for every file
 * would pile up children that compete with the drain for the CPU and
 * the disk (45 children in 1.8 s against -W 3 were seen): at most
 * LWP_POST_MAX run at once, the others wait in a queue, and the queue's
 * growth is reported.  A file whose command has not finished, or not
 * started, is busy: retention keeps it.
 */
#ifndef _TG3CAP_POSTROTATE_H
#define _TG3CAP_POSTROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

#define LWP_POST_MAX	2

struct lwp_post_job {
	pid_t pid;		/* 0 while queued */
	unsigned int seq;
	char *path;
};

/**
 * struct lwp_post - the -z commands of a series
 * @cmd:    the command (-z), NULL for none
 * @max:    how many run at once
 * @jobs:   running ones first (@running of them), then the queue, oldest
 *          file first
 * @warned: the queue length last reported
 */
struct lwp_post {
	const char *cmd;
	unsigned int max;
	lwp_log_fn log;
	void *log_arg;
	struct lwp_post_job *jobs;
	size_t n, cap, running, warned;
};

void lwp_post_init(struct lwp_post *p, const char *cmd, unsigned int max,
		   lwp_log_fn log, void *log_arg);
void lwp_post_add(struct lwp_post *p, const char *path, unsigned int seq);
void lwp_post_reap(struct lwp_post *p);
bool lwp_post_busy(const struct lwp_post *p, unsigned int seq);
void lwp_post_finish(struct lwp_post *p, uint64_t wait_ms,
		     const int *hurry);

#endif /* _TG3CAP_POSTROTATE_H */
