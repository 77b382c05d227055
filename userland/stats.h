/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats.h - counters of a capture and their presentation.
 *
 * Terms follow the seed thesis (section 4.3): detected = frames the
 * driver hook saw while capture was active (in the ring + dropped on a
 * full ring); not detected = frames the NIC dropped before the hook
 * (rx_dropped + rx_missed_errors + rx_fifo_errors, deltas); written =
 * records in the files; dropped = detected - written; lost % =
 * (not detected + dropped) / sent, where sent = detected + not detected
 * is all the host can know of what was sent.  While capturing, records
 * still in the ring are "in ring", not dropped; after -c, what the ring
 * still held (or got before capture was deactivated) is "left in ring",
 * not dropped either.  Frames a capture filter rejected are "filtered":
 * detected, deliberately not written, not lost.  Only ring drops (and, after an error, what was
 * never written) count as dropped.  At a portable point (ptype,
 * netfilter, ingress), frames the driver delivered (rx_packets, delta)
 * that the point never saw are "unseen": not IP at netfilter, a frame
 * that reached IP on a bridge or VLAN device, one a tc filter took
 * before ingress.  Counted, not lost by the capture, not in lost %.
 */
#ifndef _TG3CAP_STATS_H
#define _TG3CAP_STATS_H

#include <stdint.h>
#include <stdio.h>

#include <linux/lwpcap.h>

#include "filering.h"
#include "losscause.h"

/* lwp_ifstat.state values that lwp_totals() tells apart */
#define LWP_STATE_CAPTURING	"capturing"
#define LWP_STATE_COUNT		"packet count reached"
#define LWP_STATE_CLOSED	"output closed by its reader"

struct lwp_nic {
	uint64_t rx_packets;
	uint64_t rx_dropped;
	uint64_t rx_missed;
	uint64_t rx_fifo;
	int ok;
};

/**
 * struct lwp_ifstat - everything reported about one interface
 * @ifname:    interface
 * @nr_queues: entries used in @q
 * @q:         ring counters per queue (LWPCAP_IOC_GET_STATS)
 * @missed:    of @q's drops, those never offered (the mapping's mirror;
 *             0 on a kernel without LWPCAP_FEAT_MISSED)
 * @nic0:      NIC counters at start
 * @nic:       NIC counters now
 * @portable:  captured at a portable point: frames the NIC delivered that
 *             the point never saw are counted (unseen)
 * @fs:        file side
 * @retries:   drain passes that found the counters mid-update
 * @walks:     drain passes that counted by walking records
 * @wakeups:   times the drain thread woke up to records
 * @pass_max_ns: the drain thread's longest pass
 * @slow_passes: its passes longer than 10 ms
 * @lost:      ring drops by cause (enum lwp_cause), as the drain thread
 *             charged them
 * @state:     "capturing", "stopped", "error", ...
 */
struct lwp_ifstat {
	const char *ifname;
	unsigned int nr_queues;
	struct lwpcap_queue_stats q[LWPCAP_MAX_QUEUES];
	uint64_t missed[LWPCAP_MAX_QUEUES];
	struct lwp_nic nic0;
	struct lwp_nic nic;
	int portable;
	struct fring_stats fs;
	uint64_t retries;
	uint64_t walks;
	uint64_t wakeups;
	uint64_t pass_max_ns;
	uint64_t slow_passes;
	uint64_t lost[LWP_CAUSE_NR];
	const char *state;
};

struct lwp_totals {
	uint64_t detected;
	uint64_t not_detected;
	uint64_t unseen;
	uint64_t written;
	uint64_t filtered;
	uint64_t dropped;
	uint64_t ring_drops;
	uint64_t not_offered;
	uint64_t in_ring;
	uint64_t sent;
	double lost_pct;
};

int lwp_nic_read(const char *root, const char *ifname, struct lwp_nic *n,
		 char *err);
int lwp_nic_uppers(const char *root, const char *ifname, char *master,
		   size_t mlen, char *uppers, size_t ulen);
void lwp_netfilter_blind(FILE *out, const char *prog, const char *root,
			 const char *ifname);
void lwp_totals(const struct lwp_ifstat *s, struct lwp_totals *t);
void lwp_status_line(FILE *out, const struct lwp_ifstat *s, unsigned int n,
		     double secs);
void lwp_summary_line(FILE *out, const char *prog,
		      const struct lwp_ifstat *s, unsigned int n, double secs);
char *lwp_status_text(char *buf, size_t len, const struct lwp_ifstat *s,
		      unsigned int n, double secs);
void lwp_report(FILE *out, const struct lwp_ifstat *s, unsigned int n,
		double secs);
int lwp_stats_json(const char *path, const struct lwp_ifstat *s,
		   unsigned int n, double secs, char *err);

#endif /* _TG3CAP_STATS_H */
