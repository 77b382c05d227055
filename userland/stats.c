// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - NIC counters, the live line, the final report, JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"

static int read_ctr(const char *root, const char *ifname, const char *name,
		    uint64_t *v)
{
	char path[PATH_MAX], buf[32];
	ssize_t n;
	int fd, ret;

	if (snprintf(path, sizeof(path), "%s/%s/statistics/%s", root, ifname,
		     name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return lwp_parse_u64(buf, 0, UINT64_MAX, v);
}

/**
 * lwp_nic_read() - the interface's receive counters from sysfs
 * @root:   "/sys/class/net" (tests may point elsewhere)
 * @ifname: interface
 * @n:      filled; @n->ok says whether the values are real
 */
int lwp_nic_read(const char *root, const char *ifname, struct lwp_nic *n,
		 char *err)
{
	static const struct {
		const char *name;
		size_t off;
	} ctrs[] = {
		{ "rx_packets", offsetof(struct lwp_nic, rx_packets) },
		{ "rx_dropped", offsetof(struct lwp_nic, rx_dropped) },
		{ "rx_missed_errors", offsetof(struct lwp_nic, rx_missed) },
		{ "rx_fifo_errors", offsetof(struct lwp_nic, rx_fifo) },
	};
	unsigned int i;
	int ret;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < ARRAY_SIZE(ctrs); i++) {
		ret = read_ctr(root, ifname, ctrs[i].name,
			       (uint64_t *)((char *)n + ctrs[i].off));
		if (ret)
			return lwp_err(err, ret,
				       "cannot read %s/%s/statistics/%s: %s",
				       root, ifname, ctrs[i].name,
				       strerror(-ret));
	}
	n->ok = 1;
	return 0;
}

/**
 * lwp_nic_uppers() - the devices stacked on an interface, from sysfs
 * @root:    "/sys/class/net" (tests may point elsewhere)
 * @ifname:  interface
 * @master:  the bridge or bond it is a port of, or ""
 * @uppers:  its other upper devices (VLAN, macvlan), comma-separated, or
 *           "" (cut to @ulen - 1 bytes)
 *
 * The IP layer gets their frames with the upper device as the input, so
 * the netfilter point, bound to @ifname, records none of them.
 *
 * Return: the number of upper devices, master included.
 */
int lwp_nic_uppers(const char *root, const char *ifname, char *master,
		   size_t mlen, char *uppers, size_t ulen)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	size_t used = 0;
	ssize_t n;
	DIR *d;
	int nr = 0;

	master[0] = '\0';
	uppers[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s/master", root, ifname) <
	    (int)sizeof(path)) {
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			const char *slash;

			link[n] = '\0';
			slash = strrchr(link, '/');
			snprintf(master, mlen, "%s", slash ? slash + 1 : link);
			nr++;
		}
	}
	if (snprintf(path, sizeof(path), "%s/%s", root, ifname) >=
	    (int)sizeof(path))
		return nr;
	d = opendir(path);
	if (!d)
		return nr;
	while ((e = readdir(d))) {
		const char *up = e->d_name + 6;

		if (strncmp(e->d_name, "upper_", 6) || !strcmp(up, master))
			continue;
		nr++;
		n = snprintf(uppers + used, ulen - used, "%s%s",
			     used ? "," : "", up);
		if (n < 0 || (size_t)n >= ulen - used)
			break;
		used += (size_t)n;
	}
	closedir(d);
	return nr;
}

static uint64_t nic_drops(const struct lwp_nic *n)
{
	return n->rx_dropped + n->rx_missed + n->rx_fifo;
}

/**
 * lwp_netfilter_blind() - warn of the devices that hide frames from the
 * netfilter point
 * @out, @prog: where, and the name to start the lines with
 * @root, @ifname: as for lwp_nic_uppers()
 *
 * The netfilter point gets what IP takes with the bound device as its
 * input: a frame that a bridge, bond, VLAN or macvlan device on top of
 * it took reaches IP there and is never recorded.  It is counted as
 * unseen all the same; said once at start so that nobody wonders why.
 */
void lwp_netfilter_blind(FILE *out, const char *prog, const char *root,
			 const char *ifname)
{
	char master[64], uppers[256];

	if (!lwp_nic_uppers(root, ifname, master, sizeof(master), uppers,
			    sizeof(uppers)))
		return;
	if (master[0])
		fprintf(out, "%s: warning: %s is a port of %s: IP gets its frames on %s, the netfilter point records none of them (counted unseen); --hook ptype or ingress sees them\n",
			prog, ifname, master, master);
	if (uppers[0])
		fprintf(out, "%s: warning: %s has upper devices (%s): the frames they take reach IP there, the netfilter point does not record them (counted unseen)\n",
			prog, ifname, uppers);
}

/** lwp_totals() - the seed's terms for one interface */
void lwp_totals(const struct lwp_ifstat *s, struct lwp_totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < s->nr_queues; i++) {
		t->detected += s->q[i].packets + s->q[i].drops;
		t->ring_drops += s->q[i].drops;
		t->not_offered += s->missed[i];
	}
	if (s->nic.ok && s->nic0.ok &&
	    nic_drops(&s->nic) >= nic_drops(&s->nic0))
		t->not_detected = nic_drops(&s->nic) - nic_drops(&s->nic0);
	if (s->portable && s->nic.ok && s->nic0.ok &&
	    s->nic.rx_packets >= s->nic0.rx_packets &&
	    s->nic.rx_packets - s->nic0.rx_packets > t->detected)
		t->unseen = s->nic.rx_packets - s->nic0.rx_packets -
			    t->detected;
	t->written = s->fs.pkts;
	t->filtered = s->fs.filtered;
	t->dropped = t->detected > t->written + t->filtered ?
		     t->detected - t->written - t->filtered : 0;
	if (s->state && (!strcmp(s->state, LWP_STATE_CAPTURING) ||
			 !strcmp(s->state, LWP_STATE_COUNT)) &&
	    t->dropped > t->ring_drops) {
		t->in_ring = t->dropped - t->ring_drops;
		t->dropped = t->ring_drops;
	}
	t->sent = t->detected + t->not_detected;
	t->lost_pct = t->sent ? 100.0 * (t->not_detected + t->dropped) /
				t->sent : 0.0;
}

static void human(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	unsigned int i = 0;

	while (v >= 1000.0 && i < ARRAY_SIZE(unit) - 1) {
		v /= 1000.0;
		i++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[i]);
}

static void status_body(FILE *out, const struct lwp_ifstat *s,
			unsigned int n, double secs)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct lwp_totals t;
		char b[32];

		lwp_totals(&s[i], &t);
		human(b, sizeof(b), s[i].fs.file_bytes);
		fprintf(out, "%s%s: %llu pkts %s",
			i ? " | " : "", s[i].ifname,
			(unsigned long long)t.written, b);
		if (s[i].fs.stream)
			fputs(" to stdout", out);
		else
			fprintf(out, " %llu files",
				(unsigned long long)s[i].fs.files);
		fprintf(out, ", drops ring %llu nic %llu",
			(unsigned long long)t.ring_drops,
			(unsigned long long)t.not_detected);
		if (s[i].fs.filter_on)
			fprintf(out, ", filtered %llu",
				(unsigned long long)t.filtered);
		if (s[i].portable)
			fprintf(out, ", unseen %llu",
				(unsigned long long)t.unseen);
	}
	fprintf(out, " [%.0fs]", secs);
}

/**
 * lwp_status_line() - one line, rewritten in place on a terminal
 */
void lwp_status_line(FILE *out, const struct lwp_ifstat *s, unsigned int n,
		     double secs)
{
	fputc('\r', out);
	status_body(out, s, n, secs);
	fputs("\033[K", out);
	fflush(out);
}

/**
 * lwp_summary_line() - the same numbers as a plain line, for a log
 * @prog: printed first, as in every other message
 */
void lwp_summary_line(FILE *out, const char *prog,
		      const struct lwp_ifstat *s, unsigned int n, double secs)
{
	fprintf(out, "%s: ", prog);
	status_body(out, s, n, secs);
	fputc('\n', out);
	fflush(out);
}

/**
 * lwp_status_text() - the summary's numbers in @buf (STATUS= for systemd)
 *
 * Return: @buf; cut at @len - 1 bytes if it is longer.
 */
char *lwp_status_text(char *buf, size_t len, const struct lwp_ifstat *s,
		      unsigned int n, double secs)
{
	FILE *m = fmemopen(buf, len, "w");

	buf[0] = '\0';
	if (!m)
		return buf;
	/* Unbuffered: a full buffer then holds its first len - 1 bytes. */
	setvbuf(m, NULL, _IONBF, 0);
	status_body(m, s, n, secs);
	fclose(m);
	buf[len - 1] = '\0';
	return buf;
}

/**
 * lwp_report() - the final report, fixed width, seed terms
 */
void lwp_report(FILE *out, const struct lwp_ifstat *s, unsigned int n,
		double secs)
{
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		struct lwp_totals t;

		lwp_totals(&s[i], &t);
		fprintf(out, "%s: %.1f s, %s\n", s[i].ifname, secs,
			s[i].state ? s[i].state : "stopped");
		fprintf(out, "  %5s %14s %16s %12s %9s\n", "queue", "packets",
			"bytes", "ring drops", "bad cons");
		for (k = 0; k < s[i].nr_queues; k++)
			fprintf(out, "  %5u %14llu %16llu %12llu %9llu\n", k,
				(unsigned long long)s[i].q[k].packets,
				(unsigned long long)s[i].q[k].bytes,
				(unsigned long long)s[i].q[k].drops,
				(unsigned long long)s[i].q[k].bad_cons);
		fprintf(out, "  sent:         %14llu  (detected + not detected)\n",
			(unsigned long long)t.sent);
		fprintf(out, "  detected:     %14llu  (seen at the capture point)\n",
			(unsigned long long)t.detected);
		fprintf(out, "  not detected: %14llu  (NIC drops: rx_dropped + rx_missed_errors + rx_fifo_errors)%s\n",
			(unsigned long long)t.not_detected,
			s[i].nic.ok ? "" : " [unavailable]");
		if (s[i].portable)
			fprintf(out, "  unseen:       %14llu  (delivered by the NIC, never at the capture point: rx_packets - detected; not lost by the capture)%s\n",
				(unsigned long long)t.unseen,
				s[i].nic.ok ? "" : " [unavailable]");
		fprintf(out, "  written:      %14llu  (records %s)\n",
			(unsigned long long)t.written,
			s[i].fs.stream ? "written to standard output" :
					 "in files");
		if (s[i].fs.filter_on)
			fprintf(out, "  filtered:     %14llu  (rejected by the capture filter; not lost)\n",
				(unsigned long long)t.filtered);
		fprintf(out, "  dropped:      %14llu  (detected - written - %sin ring; ring full: %llu",
			(unsigned long long)t.dropped,
			s[i].fs.filter_on ? "filtered - " : "",
			(unsigned long long)(t.ring_drops - t.not_offered));
		if (t.not_offered)
			fprintf(out, "; never offered by the driver: %llu",
				(unsigned long long)t.not_offered);
		fputs(")\n", out);
		if (t.ring_drops > t.not_offered)
			fprintf(out, "  ring full by cause: disk %llu, cpu %llu, drain %llu, unknown %llu  (what the drain thread did meanwhile)\n",
				(unsigned long long)s[i].lost[LWP_CAUSE_DISK],
				(unsigned long long)s[i].lost[LWP_CAUSE_CPU],
				(unsigned long long)s[i].lost[LWP_CAUSE_DRAIN],
				(unsigned long long)s[i].lost[LWP_CAUSE_UNKNOWN]);
		if (t.in_ring && s[i].state &&
		    !strcmp(s[i].state, LWP_STATE_COUNT))
			fprintf(out, "  left in ring: %14llu  (not written: the -c count was reached first; not lost)\n",
				(unsigned long long)t.in_ring);
		else if (t.in_ring)
			fprintf(out, "  in ring:      %14llu  (not written yet)\n",
				(unsigned long long)t.in_ring);
		fprintf(out, "  lost:         %13.3f%%  ((not detected + dropped) / sent)\n",
			t.lost_pct);
		if (s[i].fs.merge_on)
			fprintf(out, "  merged:       %14llu  (records handed on before the time-order window closed: merge buffer full)\n",
				(unsigned long long)s[i].fs.merge_forced);
		if (s[i].fs.stream)
			fprintf(out, "  stream:       %14llu  bytes to standard output\n",
				(unsigned long long)s[i].fs.file_bytes);
		else
			fprintf(out, "  files:        %14llu  (%llu bytes; swapper waits %llu, %.3f ms)\n",
				(unsigned long long)s[i].fs.files,
				(unsigned long long)s[i].fs.file_bytes,
				(unsigned long long)s[i].fs.waits,
				s[i].fs.wait_ns / 1e6);
		if (!s[i].fs.stream && (s[i].fs.indexed || s[i].fs.index_ns))
			fprintf(out, "  indexed:      %14llu  files (%.3f ms indexing records, behind the writer; %llu left without: written too fast)\n",
				(unsigned long long)s[i].fs.indexed,
				s[i].fs.index_ns / 1e6,
				(unsigned long long)s[i].fs.index_skipped);
	}
}

static void json_if(FILE *out, const struct lwp_ifstat *s)
{
	struct lwp_totals t;
	unsigned int k;

	lwp_totals(s, &t);
	/* Interface names are [^/ \0] and at most 15 bytes: no escaping. */
	fprintf(out, "{\"ifname\":\"%s\",\"state\":\"%s\",", s->ifname,
		s->state ? s->state : "stopped");
	fprintf(out, "\"sent\":%llu,\"detected\":%llu,\"not_detected\":%llu,\"unseen\":%llu,\"written\":%llu,\"filtered\":%llu,\"dropped\":%llu,\"in_ring\":%llu,\"lost_pct\":%.6f,",
		(unsigned long long)t.sent, (unsigned long long)t.detected,
		(unsigned long long)t.not_detected,
		(unsigned long long)t.unseen,
		(unsigned long long)t.written, (unsigned long long)t.filtered,
		(unsigned long long)t.dropped,
		(unsigned long long)t.in_ring, t.lost_pct);
	fprintf(out, "\"nic\":{\"rx_packets\":%llu,\"rx_dropped\":%llu,\"rx_missed_errors\":%llu,\"rx_fifo_errors\":%llu,\"valid\":%s},",
		(unsigned long long)(s->nic.rx_packets - s->nic0.rx_packets),
		(unsigned long long)(s->nic.rx_dropped - s->nic0.rx_dropped),
		(unsigned long long)(s->nic.rx_missed - s->nic0.rx_missed),
		(unsigned long long)(s->nic.rx_fifo - s->nic0.rx_fifo),
		s->nic.ok && s->nic0.ok ? "true" : "false");
	fprintf(out, "\"files\":%llu,\"file_bytes\":%llu,\"caplen_bytes\":%llu,\"swapper_waits\":%llu,\"swapper_wait_ns\":%llu,\"counter_retries\":%llu,\"record_walks\":%llu,\"wakeups\":%llu,\"pass_max_ns\":%llu,\"slow_passes\":%llu,\"merge_forced\":%llu,\"indexed\":%llu,\"index_ns\":%llu,\"index_skipped\":%llu,\"lost_disk\":%llu,\"lost_cpu\":%llu,\"lost_drain\":%llu,\"lost_unknown\":%llu,\"lost_not_offered\":%llu,\"queues\":[",
		(unsigned long long)s->fs.files,
		(unsigned long long)s->fs.file_bytes,
		(unsigned long long)s->fs.caplen,
		(unsigned long long)s->fs.waits,
		(unsigned long long)s->fs.wait_ns,
		(unsigned long long)s->retries,
		(unsigned long long)s->walks,
		(unsigned long long)s->wakeups,
		(unsigned long long)s->pass_max_ns,
		(unsigned long long)s->slow_passes,
		(unsigned long long)s->fs.merge_forced,
		(unsigned long long)s->fs.indexed,
		(unsigned long long)s->fs.index_ns,
		(unsigned long long)s->fs.index_skipped,
		(unsigned long long)s->lost[LWP_CAUSE_DISK],
		(unsigned long long)s->lost[LWP_CAUSE_CPU],
		(unsigned long long)s->lost[LWP_CAUSE_DRAIN],
		(unsigned long long)s->lost[LWP_CAUSE_UNKNOWN],
		(unsigned long long)s->lost[LWP_CAUSE_NOT_OFFERED]);
	for (k = 0; k < s->nr_queues; k++)
		fprintf(out, "%s{\"packets\":%llu,\"bytes\":%llu,\"drops\":%llu,\"missed\":%llu,\"bad_cons\":%llu}",
			k ? "," : "", (unsigned long long)s->q[k].packets,
			(unsigned long long)s->q[k].bytes,
			(unsigned long long)s->q[k].drops,
			(unsigned long long)s->missed[k],
			(unsigned long long)s->q[k].bad_cons);
	fputs("]}", out);
}

struct json_arg {
	const struct lwp_ifstat *s;
	unsigned int n;
	double secs;
};

static void json_fill(FILE *out, void *arg)
{
	const struct json_arg *a = arg;
	unsigned int i;

	fprintf(out, "{\"version\":1,\"elapsed_s\":%.3f,\"interfaces\":[",
		a->secs);
	for (i = 0; i < a->n; i++) {
		if (i)
			fputc(',', out);
		json_if(out, &a->s[i]);
	}
	fputs("]}\n", out);
}

/**
 * lwp_stats_json() - replace @path atomically with the current numbers
 */
int lwp_stats_json(const char *path, const struct lwp_ifstat *s,
		   unsigned int n, double secs, char *err)
{
	struct json_arg a = { .s = s, .n = n, .secs = secs };

	return lwp_replace_file(path, json_fill, &a, err);
}
