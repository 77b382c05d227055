/* SPDX-License-Identifier: GPL-2.0 */
/*
 * publish.h - the counters in the files monitors read: --stats-json
 * (stats.c) and --metrics (metrics.c), rewritten every --stats-interval
 * and at exit.
 */
#ifndef _TG3CAP_PUBLISH_H
#define _TG3CAP_PUBLISH_H

#include <stdint.h>

#include "cli.h"
#include "stats.h"
#include "util.h"

void lwp_publish_setup(const struct lwp_opts *o, unsigned int n);
void lwp_publish(const struct lwp_opts *o, const struct lwp_ifstat *st,
		 unsigned int n, uint64_t t0, lwp_log_fn log);

#endif /* _TG3CAP_PUBLISH_H */
