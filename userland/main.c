// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - tg3cap-reader: set up one capture per -i, run them, report.
 *
 * Threads: main (signals, status, JSON), one drain thread and one swapper
 * thread per interface.  SIGINT, SIGTERM, SIGHUP (stop) and SIGUSR1
 * (statistics) are blocked everywhere and only let through in main's
 * ppoll(), so the handlers (which just set a flag) run there and nowhere
 * else.  SIGUSR2 (tcpdump: flush the output) is ignored: records are in
 * the page cache, visible to readers of the file, as soon as copied.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "device.h"
#include "fakesrc.h"
#include "filering.h"
#include "filter.h"
#include "merge.h"
#include "metrics.h"
#include "iflist.h"
#include "pcapfile.h"
#include "pcapstream.h"
#include "publish.h"
#include "notify.h"
#include "offload.h"
#include "privs.h"
#include "stats.h"
#include "util.h"

#define PROG		"tg3cap-reader"
#define POSTROTATE_WAIT_MS	5000	/* at exit, for -z commands */
#define SYSFS_NET	"/sys/class/net"

struct iface {
	const char *name;
	unsigned int idx;
	char prefix[PATH_MAX];
	struct lwp_dev dev;
	struct fakesrc fake;
	int src_open;
	struct lwp_cap cap;
	struct fring *fr;
	struct lwp_fout *fo;
	uint64_t start_ns;
	int cap_init;
	pthread_t thread;
	int started;
	struct lwp_nic nic0;
	int reported;
	struct lwp_offload off;
};

/* turns on again the offloads the capture turned off (offload.c) */
static struct lwp_offload_guard guard;

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t nr_stop_signals;
static volatile sig_atomic_t got_usr1;
static int status_on;

static void on_signal(int sig)
{
	if (sig == SIGUSR1) {
		got_usr1 = 1;
	} else {
		got_signal = sig;
		nr_stop_signals++;
	}
}

static void log_msg(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s%s: %s\n", status_on ? "\r\033[K" : "", PROG,
		msg);
}

static int dev_deactivate(void *src, char *err)
{
	return lwp_dev_deactivate(src, err);
}

static int dev_stats(void *src, struct lwpcap_queue_stats *qs,
		     unsigned int n, char *err)
{
	return lwp_dev_stats(src, qs, n, err);
}

static const struct lwp_src_ops dev_ops = {
	.deactivate	= dev_deactivate,
	.stats		= dev_stats,
};

/*
 * pcapng: the counters of an Interface Statistics Block, from the drain
 * thread as a file (or the stream) ends: the ring's from the source, the
 * NIC's from sysfs (none for the fake source), the filter's verdicts.
 * Only calls that do not take the capture's lock (see lwp_cap_run()).
 */
static void isb_counters(void *arg, struct pcapng_isb *c)
{
	struct lwpcap_queue_stats qs[LWPCAP_MAX_QUEUES];
	struct iface *f = arg;
	struct lwp_nic nic;
	uint64_t acc, rej;
	unsigned int i;

	c->start_ns = f->start_ns;
	if (!f->cap.ops->stats(f->cap.src, qs, f->cap.nr_queues, NULL)) {
		for (i = 0; i < f->cap.nr_queues; i++) {
			c->ifrecv += qs[i].packets + qs[i].drops;
			c->osdrop += qs[i].drops;
		}
	}
	if (f->nic0.ok && !lwp_nic_read(SYSFS_NET, f->name, &nic, NULL)) {
		c->ifdrop = nic.rx_dropped + nic.rx_missed + nic.rx_fifo -
			    f->nic0.rx_dropped - f->nic0.rx_missed -
			    f->nic0.rx_fifo;
		c->has_ifdrop = 1;
	}
	if (f->fo) {
		lwp_fout_counts(f->fo, &acc, &rej);
		c->filteraccept = acc;
		c->has_filter = 1;
	}
}

/*
 * --buffer-timeout: the source wakes the drain thread once a ring queue
 * is a quarter full, poll()'s timeout takes what is below that.
 */
static uint32_t wake_bytes(const struct lwp_opts *o)
{
	return o->buffer_ms ? o->ring_size / 4 : 0;
}

/* Open the source, attach the drain state and the file series. */
static int iface_setup(struct iface *f, const struct lwp_opts *o,
		       const struct lwp_user *u, const struct lwp_filter *flt,
		       int notify_fd, char *err)
{
	uint32_t nr_segs = o->ring_size / o->seg_size;
	struct fring_cfg fc = {
		.prefix		= f->prefix,
		.file_size	= o->file_size,
		.max_files	= o->max_files,
		.min_free	= o->min_free,
		.max_disk	= o->max_disk,
		.rotate_sec	= o->rotate_sec,
		.max_pkts	= o->max_pkts,
		.snaplen	= o->snaplen,
		.linktype	= PCAP_LINKTYPE_ETHERNET,
		.postrotate	= o->postrotate,
		.postrotate_wait_ms = POSTROTATE_WAIT_MS,
		.no_populate	= o->no_populate,
		.io		= o->io,
		.no_index	= o->no_index,
		.file_mode	= o->file_mode,
		.owner_set	= u != NULL,
		.uid		= u ? u->uid : 0,
		.gid		= u ? u->gid : 0,
		.log		= log_msg,
		.format		= o->format,
		.ifname		= f->name,
		.isb		= isb_counters,
		.isb_arg	= f,
	};
	struct lwp_mout *mo;
	struct lwp_fout *fo;
	struct pstream *ps;
	struct fring *fr;
	void *map;
	size_t len;
	int ret;

	ret = lwp_iface_prefix(o, f->idx, f->prefix, sizeof(f->prefix),
			       err);
	if (ret)
		return ret;

	if (o->fake) {
		struct fakesrc_cfg fc = o->fake_cfg;

		fc.wake_bytes = wake_bytes(o);
		ret = fakesrc_open(&f->fake, &fc, o->seg_size,
				   nr_segs, o->snaplen, err);
		if (ret)
			return ret;
		f->src_open = 1;
		ret = lwp_cap_init(&f->cap, f->name, f->fake.pipe[0],
				   f->fake.dev.map, f->fake.dev.map_len,
				   &f->fake.dev.setup, &fakesrc_ops, &f->fake,
				   err);
	} else {
		ret = lwp_dev_open(&f->dev, f->name, o->seg_size, nr_segs,
				   o->snaplen, !o->no_promisc, o->hook, err);
		if (ret)
			return ret;
		f->src_open = 1;
		ret = lwp_offload_capture(&guard, &f->off, f->name,
					  f->dev.bind.point !=
					  LWPCAP_POINT_DRIVER, err);
		if (ret)
			return ret;
		if (f->dev.bind.point == LWPCAP_POINT_NETFILTER)
			lwp_netfilter_blind(stderr, PROG, SYSFS_NET, f->name);
		map = f->dev.map;
		len = f->dev.map_len;
		ret = lwp_cap_init(&f->cap, f->name, f->dev.fd, map, len,
				   &f->dev.setup, &dev_ops, &f->dev, err);
		lwp_nic_read(SYSFS_NET, f->name, &f->nic0, NULL);
	}
	if (ret)
		return ret;
	f->cap_init = 1;
	f->cap.notify_fd = notify_fd;
	/* For a device: once the kernel took wake_bytes (iface_start()). */
	f->cap.buffer_ms = o->fake ? o->buffer_ms : 0;
	if (o->stream) {
		struct pstream_cfg sc = {
			.fd		= STDOUT_FILENO,
			.name		= "stdout",
			.snaplen	= o->snaplen,
			.linktype	= PCAP_LINKTYPE_ETHERNET,
			.max_pkts	= o->max_pkts,
			.hurry		= &f->cap.hurry,
			.format		= o->format,
			.ifname		= f->name,
			.isb		= isb_counters,
			.isb_arg	= f,
		};

		f->cap.out_ops = &pstream_out_ops;
		ret = pstream_open(&ps, &sc, err);
		if (ret)
			return ret;
		f->cap.out = ps;
	} else {
		fc.hurry = &f->cap.hurry;
		fc.wake = lwp_cap_kick;
		fc.wake_arg = &f->cap;
		f->cap.out_ops = &fring_out_ops;
		/* -Z: the series' files with the rights of their user */
		ret = u ? lwp_user_fs_as(u, err) : 0;
		if (!ret)
			ret = fring_open(&fr, &fc, err);
		if (u && lwp_user_fs_as(NULL, ret ? NULL : err) && !ret)
			ret = -EPERM;
		if (ret)
			return ret;
		f->cap.out = fr;
		f->fr = fr;
	}
	/* Stages in front: filter, then merge, then the output. */
	if (o->merge && f->cap.nr_queues > 1) {
		ret = lwp_mout_open(&mo, f->cap.nr_queues,
				    LWP_MERGE_WINDOW_MS * 1000000ULL,
				    LWP_MERGE_QBUF, f->cap.out_ops, f->cap.out,
				    err);
		if (ret)
			return ret;
		f->cap.out = mo;
		f->cap.out_ops = &lwp_mout_ops;
	}
	if (!flt)
		return 0;
	/* The filter stage goes in front and owns the output from here. */
	ret = lwp_fout_open(&fo, flt, f->cap.out_ops, f->cap.out, err);
	if (ret)
		return ret;
	f->cap.out = fo;
	f->cap.out_ops = &lwp_fout_ops;
	f->fo = fo;
	return 0;
}

static int iface_start(struct iface *f, const struct lwp_opts *o, char *err)
{
	char name[16];	/* a thread's name: 15 bytes, the rest cut */
	int ret;

	f->start_ns = lwp_wall_ns();
	if (o->fake)
		ret = fakesrc_start(&f->fake, err);
	else
		ret = lwp_dev_activate(&f->dev, o->mode, wake_bytes(o), err);
	if (ret)
		return ret;
	if (!o->fake && f->dev.wake_bytes)
		f->cap.buffer_ms = o->buffer_ms;
	ret = pthread_create(&f->thread, NULL, lwp_cap_thread, &f->cap);
	if (ret)
		return lwp_err(err, -ret, "cannot start a drain thread: %s",
			       strerror(ret));
	/* "lwp-eth2" in top -H and /proc/PID/task/TID/comm, for
	 * operators pinning it (taskset -p) and for the CPU-loss test.
	 */
	snprintf(name, sizeof(name), "lwp-%s", f->name);
	pthread_setname_np(f->thread, name);
	f->started = 1;
	return 0;
}

static void iface_teardown(struct iface *f, const struct lwp_opts *o)
{
	if (f->started)
		pthread_join(f->thread, NULL);
	if (f->cap_init && f->cap.out)
		f->cap.out_ops->abort(f->cap.out);
	if (f->cap_init)
		lwp_cap_fini(&f->cap);
	if (f->src_open) {
		if (o->fake)
			fakesrc_close(&f->fake);
		else
			lwp_dev_close(&f->dev);
	}
}

static void gather(struct iface *ifs, unsigned int n, struct lwp_ifstat *st,
		   const struct lwp_opts *o)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		lwp_cap_stats(&ifs[i].cap, &st[i]);
		if (!o->fake) {
			st[i].nic0 = ifs[i].nic0;
			lwp_nic_read(SYSFS_NET, ifs[i].name, &st[i].nic, NULL);
			st[i].portable = ifs[i].dev.bind.point !=
					 LWPCAP_POINT_DRIVER;
		}
	}
}

static void human_size(char *buf, size_t len, uint64_t v)
{
	if (v >= (1ULL << 30) && !(v & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(v >> 30));
	else if (v >= (1ULL << 20) && !(v & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(v >> 20));
	else if (v >= (1ULL << 10) && !(v & ((1ULL << 10) - 1)))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)v);
}

/*
 * One line at start, for a log: what is captured, how, and where to.
 * "capturing on eth1 (tap, 4 queues, first file 000012), eth2 (tap,
 * 1 queue, first file 000000); ring 16 MiB per queue in 256 KiB segments;
 * files /data/cap-IFACE.NNNNNN.pcap, -C 128000000 bytes, -W 20, -G 60 s,
 * -z gzip; snaplen 65535; filter 'not port 22'"
 */
static void start_line(struct iface *ifs, unsigned int n,
		       const struct lwp_opts *o, const struct lwp_filter *flt)
{
	char ring[32], seg[32];
	unsigned int i, q;

	fprintf(stderr, "%s: capturing on ", PROG);
	for (i = 0; i < n; i++) {
		q = ifs[i].cap.nr_queues;
		fprintf(stderr, "%s%s (%s", i ? ", " : "", ifs[i].name,
			o->fake ? "fake source" :
			lwp_mode_name(o->mode ? o->mode : ifs[i].dev.bind.mode,
				      "the driver's mode"));
		if (!o->fake)
			fprintf(stderr, " at %s",
				lwp_point_name(ifs[i].dev.bind.point));
		fprintf(stderr, ", %u queue%s", q, q == 1 ? "" : "s");
		if (!o->stream)
			fprintf(stderr, ", first file %06u",
				fring_first_seq(ifs[i].fr));
		if (ifs[i].off.names[0])
			fprintf(stderr, ", %s off", ifs[i].off.names);
		if (ifs[i].off.left[0])
			fprintf(stderr, ", %s ON: frames may be merged",
				ifs[i].off.left);
		fputc(')', stderr);
	}
	human_size(ring, sizeof(ring), o->ring_size);
	human_size(seg, sizeof(seg), o->seg_size);
	fprintf(stderr, "; ring %s per queue in %s segments", ring, seg);
	if (o->stream)
		fprintf(stderr, "; a %s stream on stdout",
			o->format == LWP_FMT_PCAPNG ? "pcapng" : "pcap");
	else
		fprintf(stderr, "; files %s%s.NNNNNN.%s, -C %llu bytes",
			o->prefix, n > 1 ? "-IFACE" : "",
			o->format == LWP_FMT_PCAPNG ? "pcapng" : "pcap",
			(unsigned long long)o->file_size);
	if (!o->stream)
		fprintf(stderr, ", --io %s, --index %s",
			fring_io(ifs[0].fr) == LWP_IO_DIRECT ? "direct" : "mmap",
			o->no_index ? "off" : "on");
	if (o->max_files)
		fprintf(stderr, ", -W %u", o->max_files);
	if (o->min_free.pct)
		fprintf(stderr, ", --min-free %u%%", o->min_free.pct);
	else if (o->min_free.bytes)
		fprintf(stderr, ", --min-free %llu bytes",
			(unsigned long long)o->min_free.bytes);
	if (o->max_disk.pct)
		fprintf(stderr, ", --max-disk %u%%", o->max_disk.pct);
	else if (o->max_disk.bytes)
		fprintf(stderr, ", --max-disk %llu bytes",
			(unsigned long long)o->max_disk.bytes);
	if (o->rotate_sec)
		fprintf(stderr, ", -G %u s", o->rotate_sec);
	if (o->postrotate)
		fprintf(stderr, ", -z %s", o->postrotate);
	if (o->max_pkts)
		fprintf(stderr, ", -c %llu", (unsigned long long)o->max_pkts);
	fprintf(stderr, "; snaplen %u", o->snaplen);
	if (o->merge)
		fputs("; queues merged in time order", stderr);
	if (flt)
		fprintf(stderr, "; filter '%s'", flt->expr);
	if (o->user)
		fprintf(stderr, "; running as %s", o->user);
	if (o->metrics)
		fprintf(stderr, "; metrics to %s", o->metrics);
	else if (o->metrics_auto && o->metrics_auto_err)
		fprintf(stderr, "; no metrics (--metrics auto: %s: %s)",
			LWP_METRICS_AUTO_DIR, strerror(o->metrics_auto_err));
	else if (o->metrics_auto)
		fputs("; no metrics (--metrics auto: no " LWP_METRICS_AUTO_DIR ")",
		      stderr);
	fputc('\n', stderr);
}

/*
 * Say at once why a capture ended early with an error, while the others
 * go on; returns whether all have ended.
 */
static int check_done(struct iface *ifs, unsigned int n)
{
	unsigned int i, done = 0;

	for (i = 0; i < n; i++) {
		if (!__atomic_load_n(&ifs[i].cap.done, __ATOMIC_ACQUIRE))
			continue;
		done++;
		if (ifs[i].reported || !ifs[i].cap.result)
			continue;
		ifs[i].reported = 1;
		fprintf(stderr, "%s%s: %s: %s\n", status_on ? "\r\033[K" : "",
			PROG, ifs[i].name, ifs[i].cap.err);
	}
	return done == n;
}

/* STATUS= for systemd: the summary line's numbers. */
static void notify_status(struct lwp_notify *nt, const char *what,
			  const struct lwp_ifstat *st, unsigned int n,
			  uint64_t t0)
{
	char buf[900];

	if (nt->fd < 0)
		return;
	lwp_status_text(buf, sizeof(buf), st, n, (lwp_now_ns() - t0) / 1e9);
	lwp_notify(nt, "STATUS=%s%s", what, buf);
}

/*
 * Wait for the drain threads; status line, JSON and systemd's STATUS=
 * every --stats-interval, a summary line every --summary-interval when
 * stderr is not a terminal, WATCHDOG=1 every half $WATCHDOG_USEC.
 * Return: whether a stop signal came (STOPPING=1 was sent).
 */
static int supervise(struct iface *ifs, unsigned int n,
		     struct lwp_ifstat *st, const struct lwp_opts *o,
		     const sigset_t *waitmask, uint64_t t0,
		     struct lwp_notify *nt)
{
	uint64_t iv = o->stats_interval * 1000000000ULL;
	uint64_t siv = o->summary_interval * 1000000000ULL;
	uint64_t wiv = nt->watchdog_usec * 1000ULL / 2;
	uint64_t next = t0 + iv, next_sum = siv ? t0 + siv : UINT64_MAX;
	uint64_t next_wd = wiv ? lwp_now_ns() + wiv : UINT64_MAX;
	int summary = siv && !isatty(STDERR_FILENO);
	struct pollfd pfd = { .fd = ifs[0].cap.notify_fd, .events = POLLIN };
	int stopping = 0;
	unsigned int i;
	uint64_t v;

	/* At once, so a monitor sees the capture running (and ready). */
	gather(ifs, n, st, o);
	lwp_publish(o, st, n, t0, log_msg);
	lwp_notify(nt, "READY=1");
	notify_status(nt, "capturing: ", st, n, t0);
	if (wiv)
		lwp_notify(nt, "WATCHDOG=1");

	while (!check_done(ifs, n)) {
		uint64_t now = lwp_now_ns();
		uint64_t due = summary && next_sum < next ? next_sum : next;
		uint64_t left;

		if (next_wd < due)
			due = next_wd;
		left = due > now ? due - now : 0;
		struct timespec ts = {
			.tv_sec = left / 1000000000ULL,
			.tv_nsec = left % 1000000000ULL,
		};

		if (ppoll(&pfd, 1, &ts, waitmask) > 0 &&
		    read(pfd.fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		if (got_signal && !stopping) {
			stopping = 1;
			lwp_notify(nt, "STOPPING=1\nSTATUS=stopping: writing what the rings hold, completing the files");
			for (i = 0; i < n; i++)
				lwp_cap_stop(&ifs[i].cap);
		}
		if (lwp_now_ns() >= next_wd) {
			next_wd = lwp_now_ns() + wiv;
			lwp_notify(nt, "WATCHDOG=1");
		}
		/* The second one: do not wait for -z commands either. */
		if (nr_stop_signals > 1 && stopping == 1) {
			stopping = 2;
			for (i = 0; i < n; i++)
				lwp_cap_hurry(&ifs[i].cap);
		}
		if (got_usr1) {
			got_usr1 = 0;
			gather(ifs, n, st, o);
			if (status_on)
				fputs("\r\033[K", stderr);
			lwp_report(stderr, st, n, (lwp_now_ns() - t0) / 1e9);
		}
		if (summary && lwp_now_ns() >= next_sum) {
			next_sum += siv;
			gather(ifs, n, st, o);
			lwp_summary_line(stderr, PROG, st, n,
					 (lwp_now_ns() - t0) / 1e9);
		}
		if (lwp_now_ns() < next)
			continue;
		next += iv;
		gather(ifs, n, st, o);
		if (status_on)
			lwp_status_line(stderr, st, n,
					(lwp_now_ns() - t0) / 1e9);
		if (!stopping)
			notify_status(nt, "capturing: ", st, n, t0);
		lwp_publish(o, st, n, t0, log_msg);
	}
	return stopping;
}

/*
 * -Z: whether the account @u can make files where the reader makes them
 * after the drop; 0 or a negative errno with @err (exit 2).
 */
static int user_check(const struct lwp_opts *o, const struct lwp_user *u,
		      char *err)
{
	char dirs[3][PATH_MAX], base[NAME_MAX + 1];
	const char *list[3];
	unsigned int n = 0;

	if (!o->stream && !lwp_split_prefix(o->prefix, dirs[n], PATH_MAX,
					    base, sizeof(base))) {
		list[n] = dirs[n];
		n++;
	}
	if (o->stats_json && !lwp_split_prefix(o->stats_json, dirs[n],
					       PATH_MAX, base, sizeof(base))) {
		list[n] = dirs[n];
		n++;
	}
	if (o->metrics && !lwp_split_prefix(o->metrics, dirs[n], PATH_MAX,
					    base, sizeof(base))) {
		list[n] = dirs[n];
		n++;
	}
	return lwp_user_check_dirs(u, list, n, err);
}

/* -F FILE or the trailing arguments, compiled; errors are usage errors. */
static int filter_setup(const struct lwp_opts *o, struct lwp_filter *f,
			char *err)
{
	char *expr;
	int ret;

	if (o->filter_file)
		ret = lwp_filter_read_file(o->filter_file, &expr, err);
	else
		ret = lwp_filter_join(o->filter_argv, o->filter_argc, &expr,
				      err);
	if (ret)
		return ret;
	ret = lwp_filter_compile(f, expr, o->snaplen, err);
	free(expr);
	return ret;
}

/* -D: the list on stdout; 1 if the hooks could not be probed. */
static int list_ifaces(void)
{
	struct lwp_iflist l;
	char err[LWP_ERRLEN];
	int ret;

	ret = lwp_iflist_get(SYSFS_NET, LWP_DEV_PATH, &l, err);
	if (ret) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return 1;
	}
	lwp_iflist_print(stdout, &l);
	fflush(stdout);
	ret = l.dev_err;
	lwp_iflist_free(&l);
	if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO)
		fprintf(stderr, "%s: %s does not exist: the lwpcap module is not loaded; load the NIC driver with capture support, e.g. 'modprobe tg3 lwpcap=1'\n",
			PROG, LWP_DEV_PATH);
	else if (ret == -EPERM || ret == -EACCES)
		fprintf(stderr, "%s: cannot open %s: %s; probing the hooks needs CAP_NET_RAW (run as root)\n",
			PROG, LWP_DEV_PATH, strerror(-ret));
	else if (ret)
		fprintf(stderr, "%s: cannot open %s: %s\n", PROG,
			LWP_DEV_PATH, strerror(-ret));
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct iface ifs[LWP_MAX_IFACES] = { 0 };
	struct lwp_ifstat st[LWP_MAX_IFACES];
	sigset_t block, waitmask;
	char err[LWP_ERRLEN];
	struct lwp_filter filter, *flt = NULL;
	struct lwp_notify nt;
	struct lwp_user user;
	struct lwp_opts o;
	int ret, exit_code = 0, notify_fd;
	unsigned int i, n;
	uint64_t t0;

	ret = lwp_parse_args(argc, argv, &o, err);
	if (ret == LWP_CLI_HELP) {
		lwp_usage(stdout);
		return 0;
	}
	if (ret == LWP_CLI_LIST)
		return list_ifaces();
	if (ret == LWP_CLI_VERSION) {
		printf("%s %s (lwpcap ABI %d)\n", PROG, LWP_VERSION,
		       LWPCAP_ABI_VERSION);
		return 0;
	}
	if (ret) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		lwp_usage_short(stderr);
		return 2;
	}
	ret = o.user ? lwp_user_lookup(o.user, &user, err) : 0;
	/* -Z: what the user's files will be, seen with the user's rights */
	if (!ret && o.user)
		ret = lwp_user_fs_as(&user, err);
	if (!ret) {
		lwp_metrics_auto_check(&o);
		ret = lwp_check_paths(&o, err);
	}
	if (o.user && lwp_user_fs_as(NULL, ret ? NULL : err) && !ret)
		ret = -EPERM;
	if (!ret && o.user)
		ret = user_check(&o, &user, err);
	if (!ret && (o.filter_file || o.filter_argc)) {
		ret = filter_setup(&o, &filter, err);
		if (!ret)
			flt = &filter;
	}
	if (ret) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return 2;
	}
	n = o.nr_ifaces;

	/* Blocked before any thread exists, so every thread inherits it. */
	sigemptyset(&block);
	for (i = 0; i < ARRAY_SIZE(handled); i++)
		sigaddset(&block, handled[i]);
	pthread_sigmask(SIG_BLOCK, &block, &waitmask);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(handled); i++) {
		sigdelset(&waitmask, handled[i]);
		sigaction(handled[i], &sa, NULL);
	}
	signal(SIGUSR2, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	/* Before any thread: it edits the environment. */
	if (lwp_notify_open(&nt, err))
		fprintf(stderr, "%s: %s\n", PROG, err);
	notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (notify_fd < 0) {
		fprintf(stderr, "%s: eventfd: %s\n", PROG, strerror(errno));
		lwp_notify_close(&nt);
		if (flt)
			lwp_filter_free(flt);
		return 1;
	}
	/* Before any device, file or thread: the guard holds none. */
	if (!o.fake && !o.keep_offloads &&
	    lwp_offload_guard_start(&guard, err))
		fprintf(stderr, "%s: %s: offloads left as they are\n", PROG,
			err);
	for (i = 0; i < n; i++) {
		ifs[i].name = o.ifaces[i];
		ifs[i].idx = i;
		ret = iface_setup(&ifs[i], &o, o.user ? &user : NULL, flt,
				  notify_fd, err);
		if (ret)
			goto out_teardown;
	}
	/* Device, socket, lock and first file are open: root is done. */
	if (o.user) {
		ret = lwp_user_drop(&user, err);
		if (ret)
			goto out_teardown;
	}
	status_on = !o.quiet && isatty(STDERR_FILENO);
	lwp_publish_setup(&o, n);
	t0 = lwp_now_ns();
	for (i = 0; i < n; i++) {
		ret = iface_start(&ifs[i], &o, err);
		if (ret) {
			/* Stop what runs already; their files stay valid. */
			while (i--)
				lwp_cap_stop(&ifs[i].cap);
			goto out_teardown;
		}
	}
	start_line(ifs, n, &o, flt);
	/* Ended by itself (-c, device gone, error): stopping now. */
	if (!supervise(ifs, n, st, &o, &waitmask, t0, &nt))
		lwp_notify(&nt, "STOPPING=1");
	for (i = 0; i < n; i++) {
		pthread_join(ifs[i].thread, NULL);
		ifs[i].started = 0;
	}
	if (status_on)
		fputc('\n', stderr);
	gather(ifs, n, st, &o);
	lwp_report(stderr, st, n, (lwp_now_ns() - t0) / 1e9);
	notify_status(&nt, "stopped: ", st, n, t0);
	lwp_publish(&o, st, n, t0, log_msg);
	/* Errors again after the report, where they are seen. */
	for (i = 0; i < n; i++) {
		if (ifs[i].cap.result) {
			fprintf(stderr, "%s: %s: %s\n", PROG, ifs[i].name,
				ifs[i].cap.err);
			exit_code = 1;
		}
	}
	ret = 0;

out_teardown:
	if (ret) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		lwp_notify(&nt, "STATUS=%s\nERRNO=%d", err, -ret);
		exit_code = 1;
	}
	for (i = 0; i < n; i++)
		iface_teardown(&ifs[i], &o);
	lwp_offload_guard_end(&guard);
	close(notify_fd);
	lwp_notify_close(&nt);
	if (flt)
		lwp_filter_free(flt);
	return exit_code;
}
