/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics.h - the counters in Prometheus' text format, for
 * node_exporter's textfile collector (--metrics FILE.prom).
 *
 * Every counter is monotonic for the life of the reader and starts from
 * zero when it starts: tg3cap_start_time_seconds says when, which is
 * how Prometheus' rate() and increase() see a reset (as for any process
 * restart).  docs/operations.md, "Monitoring", lists the metrics.
 */
#ifndef _TG3CAP_METRICS_H
#define _TG3CAP_METRICS_H

#include <limits.h>
#include <stdint.h>

#include "stats.h"

#define LWP_METRICS_MAX_IF	16

/*
 * --metrics auto: the textfile directory of Debian's node_exporter
 * (prometheus-node-exporter), where it exists; no metrics where not.
 */
#define LWP_METRICS_AUTO_DIR	"/var/lib/prometheus/node-exporter"

/**
 * struct lwp_metrics - what the exposition keeps between writes
 * @start:     the reader's start, Unix time in seconds
 * @version:   tg3cap_build_info's version label
 * @n:         interfaces
 * @dir:       per interface, the directory its files go to ("" for a
 *             stream on standard output: no disk metrics)
 * @files:     per interface, files completed at the last write
 * @file_time: when that count last went up (@start before the first)
 */
struct lwp_metrics {
	double start;
	const char *version;
	unsigned int n;
	char dir[LWP_METRICS_MAX_IF][PATH_MAX];
	uint64_t files[LWP_METRICS_MAX_IF];
	double file_time[LWP_METRICS_MAX_IF];
};

void lwp_metrics_init(struct lwp_metrics *m, const char *version,
		      unsigned int n);
int lwp_metrics_write(struct lwp_metrics *m, const char *path,
		      const struct lwp_ifstat *s, unsigned int n, char *err);
int lwp_metrics_label(char *buf, size_t len, const char *v);

#endif /* _TG3CAP_METRICS_H */
