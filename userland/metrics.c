// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - Prometheus text exposition of the reader's counters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "metrics.h"
#include "util.h"

/* An interface name is at most 15 bytes; escaped, at most twice that. */
#define LABEL_LEN	64

/**
 * lwp_metrics_label() - @v as a label value: \, " and newline escaped
 * @buf: @len bytes, NUL-terminated on success
 *
 * Linux takes any byte but '/', ':' and white space in an interface
 * name, quotes and backslashes included: unescaped, one such name would
 * make the whole file unreadable to the collector.
 *
 * Return: 0, or -ENAMETOOLONG (@buf then holds "").
 */
int lwp_metrics_label(char *buf, size_t len, const char *v)
{
	size_t o = 0;

	for (; *v; v++) {
		const char *esc = NULL;

		if (*v == '\\')
			esc = "\\\\";
		else if (*v == '"')
			esc = "\\\"";
		else if (*v == '\n')
			esc = "\\n";
		if (o + (esc ? 2 : 1) + 1 > len) {
			if (len)
				buf[0] = '\0';
			return -ENAMETOOLONG;
		}
		if (esc) {
			buf[o++] = esc[0];
			buf[o++] = esc[1];
		} else {
			buf[o++] = *v;
		}
	}
	if (!len)
		return -ENAMETOOLONG;
	buf[o] = '\0';
	return 0;
}

/**
 * lwp_metrics_init() - start the exposition of @n interfaces
 *
 * The caller fills @m->dir afterwards, for interfaces that write files.
 */
void lwp_metrics_init(struct lwp_metrics *m, const char *version,
		      unsigned int n)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->start = lwp_wall_ns() / 1e9;
	m->version = version;
	m->n = n < LWP_METRICS_MAX_IF ? n : LWP_METRICS_MAX_IF;
	for (i = 0; i < m->n; i++)
		m->file_time[i] = m->start;
}

struct expo {
	struct lwp_metrics *m;
	const struct lwp_ifstat *s;
	struct lwp_totals t[LWP_METRICS_MAX_IF];
	char name[LWP_METRICS_MAX_IF][LABEL_LEN];
	unsigned int n;
};

static void family(FILE *out, const char *name, const char *type,
		   const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample per interface: @v(@e, i) */
static void per_if(FILE *out, const struct expo *e, const char *name,
		   const char *type, const char *help,
		   uint64_t (*v)(const struct expo *e, unsigned int i))
{
	unsigned int i;

	family(out, name, type, help);
	for (i = 0; i < e->n; i++)
		fprintf(out, "%s{iface=\"%s\"} %llu\n", name, e->name[i],
			(unsigned long long)v(e, i));
}

static uint64_t v_written(const struct expo *e, unsigned int i)
{
	return e->t[i].written;
}

static uint64_t v_filtered(const struct expo *e, unsigned int i)
{
	return e->t[i].filtered;
}

static uint64_t v_bytes(const struct expo *e, unsigned int i)
{
	return e->s[i].fs.file_bytes;
}

static uint64_t v_files(const struct expo *e, unsigned int i)
{
	return e->s[i].fs.files;
}

static uint64_t v_waits(const struct expo *e, unsigned int i)
{
	return e->s[i].fs.waits;
}

static uint64_t v_indexed(const struct expo *e, unsigned int i)
{
	return e->s[i].fs.indexed;
}

static uint64_t v_unindexed(const struct expo *e, unsigned int i)
{
	return e->s[i].fs.index_skipped;
}

static uint64_t v_in_ring(const struct expo *e, unsigned int i)
{
	return e->t[i].in_ring;
}

static uint64_t v_capturing(const struct expo *e, unsigned int i)
{
	return e->s[i].state && !strcmp(e->s[i].state, LWP_STATE_CAPTURING);
}

static void frames(FILE *out, const struct expo *e)
{
	unsigned int i, k;

	family(out, "tg3cap_frames_total", "counter",
	       "Frames per RX queue: detected by the capture point, queued in the ring, dropped there (ring_full), or never offered to it by the driver (not_offered).");
	for (i = 0; i < e->n; i++) {
		for (k = 0; k < e->s[i].nr_queues; k++) {
			const struct lwpcap_queue_stats *q = &e->s[i].q[k];

			fprintf(out, "tg3cap_frames_total{iface=\"%s\",queue=\"%u\",stage=\"detected\"} %llu\n",
				e->name[i], k,
				(unsigned long long)(q->packets + q->drops));
			fprintf(out, "tg3cap_frames_total{iface=\"%s\",queue=\"%u\",stage=\"queued\"} %llu\n",
				e->name[i], k, (unsigned long long)q->packets);
			fprintf(out, "tg3cap_frames_total{iface=\"%s\",queue=\"%u\",stage=\"ring_full\"} %llu\n",
				e->name[i], k,
				(unsigned long long)(q->drops -
						     e->s[i].missed[k]));
			fprintf(out, "tg3cap_frames_total{iface=\"%s\",queue=\"%u\",stage=\"not_offered\"} %llu\n",
				e->name[i], k,
				(unsigned long long)e->s[i].missed[k]);
		}
	}
}

static void lost(FILE *out, const struct expo *e)
{
	unsigned int i, c;

	family(out, "tg3cap_lost_frames_total", "counter",
	       "Frames lost, by cause: nic (dropped by the NIC before the capture point), or the ring was full while the drain thread was blocked on the disk, waiting for a CPU, running (drain) or unknown, or the driver could not offer the frame to the capture point (not_offered: an XDP verdict, a path without a hook).");
	for (i = 0; i < e->n; i++) {
		fprintf(out, "tg3cap_lost_frames_total{iface=\"%s\",cause=\"nic\"} %llu\n",
			e->name[i], (unsigned long long)e->t[i].not_detected);
		for (c = 0; c < LWP_CAUSE_NR; c++)
			fprintf(out, "tg3cap_lost_frames_total{iface=\"%s\",cause=\"%s\"} %llu\n",
				e->name[i], lwp_cause_name[c],
				(unsigned long long)e->s[i].lost[c]);
	}
}

static void unseen(FILE *out, const struct expo *e)
{
	unsigned int i;

	family(out, "tg3cap_unseen_frames_total", "counter",
	       "Frames the NIC delivered that a portable capture point (ptype, netfilter, ingress) never saw: not IP, or taken by a bridge, VLAN device or tc first (rx_packets minus detected); not lost by the capture. Absent at the driver's point.");
	for (i = 0; i < e->n; i++)
		if (e->s[i].portable)
			fprintf(out, "tg3cap_unseen_frames_total{iface=\"%s\"} %llu\n",
				e->name[i],
				(unsigned long long)e->t[i].unseen);
}

static void seconds(FILE *out, const struct expo *e)
{
	unsigned int i;

	family(out, "tg3cap_writer_wait_seconds_total", "counter",
	       "Time the drain thread waited for the file series (a file not ready, the writer's queue full).");
	for (i = 0; i < e->n; i++)
		fprintf(out, "tg3cap_writer_wait_seconds_total{iface=\"%s\"} %.6f\n",
			e->name[i], e->s[i].fs.wait_ns / 1e9);
	family(out, "tg3cap_drain_pass_max_seconds", "gauge",
	       "The drain thread's longest pass over its rings since the start: a stall of the writer, the disk or the CPU.");
	for (i = 0; i < e->n; i++)
		fprintf(out, "tg3cap_drain_pass_max_seconds{iface=\"%s\"} %.6f\n",
			e->name[i], e->s[i].pass_max_ns / 1e9);
	family(out, "tg3cap_last_file_time_seconds", "gauge",
	       "When the interface's last file was completed (Unix time; the reader's start before the first).");
	for (i = 0; i < e->n; i++)
		fprintf(out, "tg3cap_last_file_time_seconds{iface=\"%s\"} %.3f\n",
			e->name[i], e->m->file_time[i]);
}

static void disk(FILE *out, const struct expo *e)
{
	struct statvfs sv[LWP_METRICS_MAX_IF];
	int ok[LWP_METRICS_MAX_IF];
	unsigned int i;

	for (i = 0; i < e->n; i++)
		ok[i] = e->m->dir[i][0] && !statvfs(e->m->dir[i], &sv[i]);
	family(out, "tg3cap_disk_free_bytes", "gauge",
	       "Space left to unprivileged users on the file system of the interface's files.");
	for (i = 0; i < e->n; i++)
		if (ok[i])
			fprintf(out, "tg3cap_disk_free_bytes{iface=\"%s\"} %llu\n",
				e->name[i],
				(unsigned long long)sv[i].f_bavail *
				sv[i].f_frsize);
	family(out, "tg3cap_disk_size_bytes", "gauge",
	       "Size of the file system of the interface's files.");
	for (i = 0; i < e->n; i++)
		if (ok[i])
			fprintf(out, "tg3cap_disk_size_bytes{iface=\"%s\"} %llu\n",
				e->name[i],
				(unsigned long long)sv[i].f_blocks *
				sv[i].f_frsize);
}

static void expo_fill(FILE *out, void *arg)
{
	struct expo *e = arg;

	family(out, "tg3cap_build_info", "gauge",
	       "The reader's version; always 1.");
	fprintf(out, "tg3cap_build_info{version=\"%s\"} 1\n", e->m->version);
	family(out, "tg3cap_start_time_seconds", "gauge",
	       "When this reader started (Unix time); its counters start from zero then.");
	fprintf(out, "tg3cap_start_time_seconds %.3f\n", e->m->start);
	per_if(out, e, "tg3cap_capturing", "gauge",
	       "1 while the interface is being captured, 0 once it stopped.",
	       v_capturing);
	frames(out, e);
	per_if(out, e, "tg3cap_written_frames_total", "counter",
	       "Records written to the interface's files (or stream).",
	       v_written);
	per_if(out, e, "tg3cap_filtered_frames_total", "counter",
	       "Frames the capture filter rejected: not written, not lost.",
	       v_filtered);
	per_if(out, e, "tg3cap_in_ring_frames", "gauge",
	       "Frames in the ring, not yet written.", v_in_ring);
	lost(out, e);
	unseen(out, e);
	per_if(out, e, "tg3cap_written_bytes_total", "counter",
	       "Bytes written to the interface's files, headers included.",
	       v_bytes);
	per_if(out, e, "tg3cap_files_total", "counter",
	       "Files completed and given their final name.", v_files);
	per_if(out, e, "tg3cap_writer_waits_total", "counter",
	       "Times the drain thread waited for the file series.", v_waits);
	seconds(out, e);
	per_if(out, e, "tg3cap_indexed_files_total", "counter",
	       "Completed files whose index was written.", v_indexed);
	per_if(out, e, "tg3cap_unindexed_files_total", "counter",
	       "Completed files left without an index: written faster than they could be indexed.",
	       v_unindexed);
	disk(out, e);
}

/**
 * lwp_metrics_write() - replace @path with the metrics of @s
 * @m:    state from lwp_metrics_init(), updated here
 * @path: a name ending in .prom, in node_exporter's textfile directory
 * @s:    the interfaces' numbers, as for lwp_stats_json()
 * @n:    entries in @s, at most @m->n are written
 *
 * Replaced atomically (lwp_replace_file()): the collector reads either
 * the last file or this one, never half of one; its temporary name does
 * not end in .prom, so the collector does not read it either.
 *
 * Return: 0 or a negative errno, with @err.
 */
int lwp_metrics_write(struct lwp_metrics *m, const char *path,
		      const struct lwp_ifstat *s, unsigned int n, char *err)
{
	struct expo e;
	double now = lwp_wall_ns() / 1e9;
	unsigned int i;

	memset(&e, 0, sizeof(e));
	e.m = m;
	e.s = s;
	e.n = n < m->n ? n : m->n;
	for (i = 0; i < e.n; i++) {
		lwp_totals(&s[i], &e.t[i]);
		if (lwp_metrics_label(e.name[i], LABEL_LEN, s[i].ifname))
			return lwp_err(err, -ENAMETOOLONG,
				       "interface name too long for a label");
		if (s[i].fs.files > m->files[i]) {
			m->files[i] = s[i].fs.files;
			m->file_time[i] = now;
		}
	}
	return lwp_replace_file(path, expo_fill, &e, err);
}
