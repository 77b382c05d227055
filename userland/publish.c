// SPDX-License-Identifier: GPL-2.0
/*
 * publish.c - --stats-json and --metrics, for monitors; main.c says when.
 */
#include <limits.h>

#include "metrics.h"
#include "publish.h"
#include "series.h"

/* the main thread's: it alone writes the files */
static struct lwp_metrics metrics;
_Static_assert(LWP_MAX_IFACES <= LWP_METRICS_MAX_IF,
	       "an interface without metrics");

/**
 * lwp_publish_setup() - before the first lwp_publish(): the start time,
 * and the directory of each interface's files for the disk metrics
 */
void lwp_publish_setup(const struct lwp_opts *o, unsigned int n)
{
	char prefix[PATH_MAX], base[NAME_MAX + 1];
	unsigned int i;

	lwp_metrics_init(&metrics, LWP_VERSION, n);
	for (i = 0; !o->stream && i < metrics.n; i++)
		if (lwp_iface_prefix(o, i, prefix, sizeof(prefix), NULL) ||
		    lwp_split_prefix(prefix, metrics.dir[i], PATH_MAX, base,
				     sizeof(base)))
			metrics.dir[i][0] = '\0';
}

/**
 * lwp_publish() - rewrite the files @o asks for with @st
 * @t0: the capture's start (CLOCK_MONOTONIC, ns)
 * @log: where a failure is said; it is not fatal
 */
void lwp_publish(const struct lwp_opts *o, const struct lwp_ifstat *st,
		 unsigned int n, uint64_t t0, lwp_log_fn log)
{
	char err[LWP_ERRLEN];

	if (o->stats_json &&
	    lwp_stats_json(o->stats_json, st, n, (lwp_now_ns() - t0) / 1e9,
			   err))
		log(NULL, err);
	if (o->metrics && lwp_metrics_write(&metrics, o->metrics, st, n, err))
		log(NULL, err);
}
