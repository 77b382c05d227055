// SPDX-License-Identifier: GPL-2.0
/*
 * cli.c - the options: parsing them and the rules they must meet.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/lwpcap.h>

#include "cli.h"
#include "metrics.h"
#include "device.h"
#include "filering.h"
#include "pcapfile.h"
#include "repair.h"
#include "series.h"
#include "util.h"

#define DEF_SNAPLEN		LWPCAP_SNAPLEN_MAX
#define DEF_FILE_SIZE		(128ULL * 1000000)	/* -C 128 */
#define DEF_RING_SIZE		(16ULL << 20)
#define DEF_BUFFER_MS		50
#define DEF_SEG_SIZE		(256U << 10)
#define MAX_FILE_SIZE		(1ULL << 40)

enum {
	OPT_RING_SIZE = 256,
	OPT_SEG_SIZE,
	OPT_MODE,
	OPT_HOOK,
	OPT_STATS_JSON,
	OPT_STATS_INTERVAL,
	OPT_SUMMARY_INTERVAL,
	OPT_NO_POPULATE,
	OPT_FAKE,
	OPT_FORMAT,
	OPT_MERGE,
	OPT_NO_MERGE,
	OPT_KEEP_OFFLOADS,
	OPT_MIN_FREE,
	OPT_MAX_DISK,
	OPT_VERSION,
	OPT_BUFFER_TIMEOUT,
	OPT_IO,
	OPT_FILE_MODE,
	OPT_INDEX,
	OPT_METRICS,
};

static const struct option long_opts[] = {
	{ "interface",		required_argument, NULL, 'i' },
	{ "write",		required_argument, NULL, 'w' },
	{ "snaplen",		required_argument, NULL, 's' },
	{ "file-size",		required_argument, NULL, 'C' },
	{ "file-count",		required_argument, NULL, 'W' },
	{ "rotate-seconds",	required_argument, NULL, 'G' },
	{ "postrotate-command",	required_argument, NULL, 'z' },
	{ "count",		required_argument, NULL, 'c' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "no-promiscuous-mode", no_argument,	   NULL, 'p' },
	{ "ring-size",		required_argument, NULL, OPT_RING_SIZE },
	{ "seg-size",		required_argument, NULL, OPT_SEG_SIZE },
	{ "mode",		required_argument, NULL, OPT_MODE },
	{ "hook",		required_argument, NULL, OPT_HOOK },
	{ "stats-json",		required_argument, NULL, OPT_STATS_JSON },
	{ "stats-interval",	required_argument, NULL, OPT_STATS_INTERVAL },
	{ "summary-interval",	required_argument, NULL, OPT_SUMMARY_INTERVAL },
	{ "no-prefault",	no_argument,	   NULL, OPT_NO_POPULATE },
	{ "fake-source",	required_argument, NULL, OPT_FAKE },
	{ "list-interfaces",	no_argument,	   NULL, 'D' },
	{ "relinquish-privileges", required_argument, NULL, 'Z' },
	{ "filter-file",	required_argument, NULL, 'F' },
	{ "format",		required_argument, NULL, OPT_FORMAT },
	{ "merge",		no_argument,	   NULL, OPT_MERGE },
	{ "no-merge",		no_argument,	   NULL, OPT_NO_MERGE },
	{ "keep-offloads",	no_argument,	   NULL, OPT_KEEP_OFFLOADS },
	{ "min-free",		required_argument, NULL, OPT_MIN_FREE },
	{ "max-disk",		required_argument, NULL, OPT_MAX_DISK },
	{ "buffer-timeout",	required_argument, NULL, OPT_BUFFER_TIMEOUT },
	{ "io",			required_argument, NULL, OPT_IO },
	{ "file-mode",		required_argument, NULL, OPT_FILE_MODE },
	{ "index",		required_argument, NULL, OPT_INDEX },
	{ "metrics",		required_argument, NULL, OPT_METRICS },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char short_opts[] = "i:w:s:C:W:G:z:c:qpDZ:F:h";

static int bad(char *err, const char *opt, const char *arg, int ret,
	       const char *what)
{
	return lwp_err(err, -EINVAL, "invalid %s '%s': %s%s", opt, arg,
		       ret == -ERANGE ? "out of range, " : "", what);
}

/* --min-free, --max-disk: N% of the file system (1-99), or a size as -C's */
static int parse_space(const char *opt, const char *arg,
		       struct fring_space *s, char *err)
{
	size_t n = strlen(arg);
	uint64_t v;
	int ret;

	memset(s, 0, sizeof(*s));
	if (n > 1 && arg[n - 1] == '%') {
		char buf[8];

		if (n >= sizeof(buf))
			return bad(err, opt, arg, -ERANGE, "1% to 99%");
		memcpy(buf, arg, n - 1);
		buf[n - 1] = '\0';
		ret = lwp_parse_u64(buf, 1, 99, &v);
		if (ret)
			return bad(err, opt, arg, ret, "1% to 99%");
		s->pct = v;
		return 0;
	}
	ret = lwp_parse_size(arg, 1000000, 1, UINT64_MAX / 2, &s->bytes);
	if (ret)
		return bad(err, opt, arg, ret,
			   "a size (millions of bytes, or k, m, g) or a percentage (N%)");
	return 0;
}

static int parse_fake(const char *arg, struct fakesrc_cfg *f, char *err)
{
	char buf[128], *field[5] = { NULL }, *save = NULL, *tok, *s;
	unsigned int n = 0;
	uint64_t v;
	int ret;

	if (strlen(arg) >= sizeof(buf))
		return bad(err, "--fake-source", arg, -EINVAL, "too long");
	strcpy(buf, arg);
	for (s = buf; n < 5 && (tok = strtok_r(s, ":", &save)); s = NULL)
		field[n++] = tok;
	if (strtok_r(NULL, ":", &save))
		return bad(err, "--fake-source", arg, -EINVAL,
			   "expected N[:LEN[:QUEUES[:PPS[:IDLE]]]]");
	f->len = 64;
	f->queues = 1;
	f->pps = 0;
	f->idle_ms = 0;
	ret = lwp_parse_u64(field[0], 1, UINT64_MAX / 2, &f->pkts);
	if (ret)
		return bad(err, "--fake-source", arg, ret, "N is a count");
	if (field[1]) {
		ret = lwp_parse_u64(field[1], FAKE_MIN_LEN, LWPCAP_SNAPLEN_MAX,
				    &v);
		if (ret)
			return bad(err, "--fake-source", arg, ret,
				   "LEN is 60 to 65535");
		f->len = v;
	}
	if (field[2]) {
		ret = lwp_parse_u64(field[2], 1, LWPCAP_MAX_QUEUES, &v);
		if (ret)
			return bad(err, "--fake-source", arg, ret,
				   "QUEUES is 1 to 64");
		f->queues = v;
	}
	if (field[3]) {
		ret = lwp_parse_u64(field[3], 0, 1000000000, &f->pps);
		if (ret)
			return bad(err, "--fake-source", arg, ret,
				   "PPS is 0 to 1e9");
	}
	if (field[4]) {
		ret = lwp_parse_u64(field[4], 0, 86400000, &v);
		if (ret)
			return bad(err, "--fake-source", arg, ret,
				   "IDLE is 0 to 86400000 ms");
		f->idle_ms = v;
	}
	return 0;
}

/* One option; 0 or a negative errno with the reason in @err. */
static int parse_one(int c, const char *arg, struct lwp_opts *o, char *err)
{
	uint64_t v;
	int ret;

	switch (c) {
	case 'i':
		if (o->nr_ifaces == LWP_MAX_IFACES)
			return lwp_err(err, -EINVAL,
				       "at most %d interfaces (-i)",
				       LWP_MAX_IFACES);
		if (!*arg || strlen(arg) >= IF_NAMESIZE || strchr(arg, '/'))
			return lwp_err(err, -EINVAL,
				       "invalid interface name '%s'", arg);
		/* tcpdump's pseudo-device; a ring belongs to one NIC */
		if (!strcmp(arg, "any"))
			return lwp_err(err, -EINVAL,
				       "-i any: each interface has rings of its own; name them, e.g. -i eth1 -i eth2 (up to %d)",
				       LWP_MAX_IFACES);
		o->ifaces[o->nr_ifaces++] = arg;
		return 0;
	case 'w':
		if (!*arg)
			return lwp_err(err, -EINVAL, "empty -w prefix");
		o->prefix = arg;
		o->stream = !strcmp(arg, "-");
		return 0;
	case 's':
		ret = lwp_parse_u64(arg, 0, LWPCAP_SNAPLEN_MAX, &v);
		if (ret)
			return bad(err, "-s", arg, ret, "0 to 65535 bytes");
		o->snaplen = v ? v : LWPCAP_SNAPLEN_MAX;
		return 0;
	case 'C':
		ret = lwp_parse_size(arg, 1000000, 4096, MAX_FILE_SIZE,
				     &o->file_size);
		if (ret)
			return bad(err, "-C", arg, ret,
				   "millions of bytes, or N with k, m or g; at least 4k");
		o->file_size_set = 1;
		return 0;
	case 'W':
		ret = lwp_parse_u64(arg, 1, 1000000, &v);
		if (ret)
			return bad(err, "-W", arg, ret, "1 to 1000000 files");
		o->max_files = v;
		return 0;
	case 'G':
		ret = lwp_parse_u64(arg, 1, 366 * 86400, &v);
		if (ret)
			return bad(err, "-G", arg, ret,
				   "1 to 31622400 seconds");
		o->rotate_sec = v;
		return 0;
	case 'z':
		if (!*arg)
			return lwp_err(err, -EINVAL, "empty -z command");
		o->postrotate = arg;
		return 0;
	case 'c':
		ret = lwp_parse_u64(arg, 1, UINT64_MAX, &o->max_pkts);
		if (ret)
			return bad(err, "-c", arg, ret, "a positive count");
		return 0;
	case 'Z':
		if (!*arg)
			return lwp_err(err, -EINVAL, "empty -Z user");
		o->user = arg;
		return 0;
	case 'F':
		if (!*arg)
			return lwp_err(err, -EINVAL, "empty -F file");
		o->filter_file = arg;
		return 0;
	case 'q':
		o->quiet = 1;
		return 0;
	case 'p':
		o->no_promisc = 1;
		return 0;
	case OPT_RING_SIZE:
		ret = lwp_parse_size(arg, 1, 2 * LWPCAP_SEG_SIZE_MIN,
				     LWPCAP_QUEUE_SIZE_MAX, &o->ring_size);
		if (ret || (o->ring_size & (o->ring_size - 1)))
			return bad(err, "--ring-size", arg, ret,
				   "a power of two, 8k to 1g");
		return 0;
	case OPT_SEG_SIZE:
		ret = lwp_parse_size(arg, 1, LWPCAP_SEG_SIZE_MIN,
				     LWPCAP_SEG_SIZE_MAX, &v);
		if (ret || (v & (v - 1)))
			return bad(err, "--seg-size", arg, ret,
				   "a power of two, 4k to 16m");
		o->seg_size = v;
		return 0;
	case OPT_MODE:
		if (!strcmp(arg, "tap"))
			o->mode = LWPCAP_MODE_TAP;
		else if (!strcmp(arg, "divert"))
			o->mode = LWPCAP_MODE_DIVERT;
		else if (!strcmp(arg, "default"))
			o->mode = LWPCAP_MODE_DEFAULT;
		else
			return lwp_err(err, -EINVAL,
				       "invalid --mode '%s': tap, divert or default",
				       arg);
		return 0;
	case OPT_HOOK:
		o->hook = lwp_point_parse(arg);
		if (o->hook < 0)
			return lwp_err(err, -EINVAL,
				       "invalid --hook '%s': driver, ptype, netfilter or ingress",
				       arg);
		return 0;
	case OPT_STATS_JSON:
		if (!*arg)
			return lwp_err(err, -EINVAL, "empty --stats-json file");
		o->stats_json = arg;
		return 0;
	case OPT_METRICS:
		if (!*arg)
			return lwp_err(err, -EINVAL, "empty --metrics file");
		o->metrics = arg;
		return 0;
	case OPT_BUFFER_TIMEOUT:
		ret = lwp_parse_u64(arg, 0, 100, &v);
		if (ret)
			return bad(err, "--buffer-timeout", arg, ret,
				   "0 to 100 milliseconds");
		o->buffer_ms = v;
		return 0;
	case OPT_STATS_INTERVAL:
		ret = lwp_parse_u64(arg, 1, 86400, &v);
		if (ret)
			return bad(err, "--stats-interval", arg, ret,
				   "1 to 86400 seconds");
		o->stats_interval = v;
		return 0;
	case OPT_SUMMARY_INTERVAL:
		ret = lwp_parse_u64(arg, 0, 86400, &v);
		if (ret)
			return bad(err, "--summary-interval", arg, ret,
				   "0 to 86400 seconds");
		o->summary_interval = v;
		return 0;
	case OPT_NO_POPULATE:
		o->no_populate = 1;
		return 0;
	case OPT_FAKE:
		o->fake = 1;
		return parse_fake(arg, &o->fake_cfg, err);
	case OPT_MERGE:
		o->merge = 1;
		return 0;
	case OPT_MIN_FREE:
		return parse_space("--min-free", arg, &o->min_free, err);
	case OPT_MAX_DISK:
		return parse_space("--max-disk", arg, &o->max_disk, err);
	case OPT_NO_MERGE:
		o->merge = 0;
		return 0;
	case OPT_KEEP_OFFLOADS:
		o->keep_offloads = 1;
		return 0;
	case OPT_FORMAT:
		if (!strcmp(arg, "pcap"))
			o->format = LWP_FMT_PCAP;
		else if (!strcmp(arg, "pcapng"))
			o->format = LWP_FMT_PCAPNG;
		else
			return lwp_err(err, -EINVAL,
				       "invalid --format '%s': pcap or pcapng",
				       arg);
		return 0;
	case OPT_IO:
		if (!strcmp(arg, "mmap"))
			o->io = LWP_IO_MMAP;
		else if (!strcmp(arg, "direct"))
			o->io = LWP_IO_DIRECT;
		else
			return lwp_err(err, -EINVAL,
				       "invalid --io '%s': mmap or direct",
				       arg);
		o->io_set = 1;
		return 0;
	case OPT_INDEX:
		if (!strcmp(arg, "on"))
			o->no_index = 0;
		else if (!strcmp(arg, "off"))
			o->no_index = 1;
		else
			return lwp_err(err, -EINVAL,
				       "invalid --index '%s': on or off", arg);
		o->index_set = 1;
		return 0;
	case OPT_FILE_MODE:
		/* rw for the owner at least, never executable or set-id */
		v = strtoul(arg, NULL, 8);
		if (!*arg || strspn(arg, "01234567") != strlen(arg) ||
		    strlen(arg) > 4 || (v & 0600) != 0600 || (v & ~0666UL))
			return lwp_err(err, -EINVAL,
				       "invalid --file-mode '%s': an octal mode from 0600 to 0666, e.g. 0640 for a group of readers",
				       arg);
		o->file_mode = v;
		return 0;
	default:
		return lwp_err(err, -EINVAL, "unknown option");
	}
}

/* -w -: a stream has no files to size, rotate, count or hand to -z. */
static int check_stream(const struct lwp_opts *o, char *err)
{
	const char *opt = NULL;

	if (o->file_size_set)
		opt = "-C";
	else if (o->max_files)
		opt = "-W";
	else if (o->rotate_sec)
		opt = "-G";
	else if (o->postrotate)
		opt = "-z";
	else if (o->min_free.bytes || o->min_free.pct)
		opt = "--min-free";
	else if (o->max_disk.bytes || o->max_disk.pct)
		opt = "--max-disk";
	else if (o->io_set)
		opt = "--io";
	else if (o->index_set)
		opt = "--index";
	if (opt)
		return lwp_err(err, -EINVAL,
			       "%s needs files: -w - writes one pcap stream to standard output; give -w PREFIX for rotating files",
			       opt);
	if (o->nr_ifaces > 1)
		return lwp_err(err, -EINVAL,
			       "-w - takes one interface; run one reader per interface, or give -w PREFIX for files");
	return 0;
}

/*
 * -w with strftime conversions (tcpdump's -G names): only in the file
 * name, only with -G, and they must give a file name (no '/').
 */
static int check_pattern(const struct lwp_opts *o, char *err)
{
	const char *slash = strrchr(o->prefix, '/');
	size_t dl = slash ? (size_t)(slash - o->prefix) + 1 : 0;
	char buf[PATH_MAX];

	if (memchr(o->prefix, '%', dl))
		return lwp_err(err, -EINVAL,
			       "-w %s: strftime conversions (%%) go in the file name, not in a directory",
			       o->prefix);
	if (!o->rotate_sec)
		return lwp_err(err, -EINVAL,
			       "-w %s: strftime conversions (%%) name files by the time of their -G period; give -G SECONDS",
			       o->prefix);
	if (lwp_expand_prefix(o->prefix, time(NULL), buf, sizeof(buf)) ||
	    strchr(buf + dl, '/') || !buf[dl])
		return lwp_err(err, -EINVAL,
			       "-w %s: the strftime conversions must give a file name (no '/'; e.g. %%Y%%m%%d-%%H%%M%%S)",
			       o->prefix);
	return 0;
}

/* Constraints between options, once all are known. */
/*
 * --metrics auto, the unit's default: node_exporter's textfile directory
 * on Debian, tg3cap-IFACE.prom (interfaces joined by '+'), if the
 * directory exists; else no metrics (the start line says so).
 */
static int metrics_auto(struct lwp_opts *o, char *err)
{
	struct stat st;
	size_t len;
	unsigned int i;

	o->metrics_auto = 1;
	o->metrics = NULL;
	if (stat(LWP_METRICS_AUTO_DIR, &st) || !S_ISDIR(st.st_mode))
		return 0;
	len = snprintf(o->metrics_path, sizeof(o->metrics_path),
		       "%s/tg3cap", LWP_METRICS_AUTO_DIR);
	for (i = 0; i < o->nr_ifaces && len < sizeof(o->metrics_path); i++)
		len += snprintf(o->metrics_path + len,
				sizeof(o->metrics_path) - len, "%c%s",
				i ? '+' : '-', o->ifaces[i]);
	if (len < sizeof(o->metrics_path))
		len += snprintf(o->metrics_path + len,
				sizeof(o->metrics_path) - len, ".prom");
	if (len >= sizeof(o->metrics_path))
		return lwp_err(err, -ENAMETOOLONG, "--metrics auto: name too long");
	o->metrics = o->metrics_path;
	return 0;
}

static int check_opts(struct lwp_opts *o, char *err)
{
	unsigned int i, k;
	int ret;

	if (!o->prefix)
		return lwp_err(err, -EINVAL, "-w PREFIX is required");
	if (!o->nr_ifaces && !o->fake)
		return lwp_err(err, -EINVAL, "-i IFACE is required");
	if (o->stream) {
		ret = check_stream(o, err);
		if (ret)
			return ret;
	} else if (strchr(o->prefix, '%')) {
		ret = check_pattern(o, err);
		if (ret)
			return ret;
	}
	if (!o->nr_ifaces)
		o->ifaces[o->nr_ifaces++] = "fake0";
	for (i = 0; i < o->nr_ifaces; i++)
		for (k = 0; k < i; k++)
			if (!strcmp(o->ifaces[i], o->ifaces[k]))
				return lwp_err(err, -EINVAL,
					       "interface %s given twice",
					       o->ifaces[i]);
	if (o->ring_size < 2ULL * o->seg_size)
		return lwp_err(err, -EINVAL,
			       "--ring-size %llu must hold at least two segments of %u bytes",
			       (unsigned long long)o->ring_size, o->seg_size);
	if (o->snaplen + PCAP_REC_HDR_LEN > o->seg_size)
		return lwp_err(err, -EINVAL,
			       "-s %u does not fit a %u-byte segment; use a larger --seg-size or a smaller -s",
			       o->snaplen, o->seg_size);
	if ((o->format == LWP_FMT_PCAPNG &&
	     o->file_size < PCAPNG_HDR_MAX + PCAPNG_EPB_LEN(o->snaplen) +
			    PCAPNG_ISB_LEN) ||
	    o->file_size < PCAP_HDR_LEN + PCAP_REC_HDR_LEN + o->snaplen)
		return lwp_err(err, -EINVAL,
			       "-C %llu bytes cannot hold one record of snaplen %u",
			       (unsigned long long)o->file_size, o->snaplen);
	/* the file being written, the next one, and one to delete */
	if (o->max_disk.bytes && o->max_disk.bytes < 3 * o->file_size)
		return lwp_err(err, -EINVAL,
			       "--max-disk %llu bytes holds fewer than three -C %llu files (the one written, the next one prepared, one to delete)",
			       (unsigned long long)o->max_disk.bytes,
			       (unsigned long long)o->file_size);
	if (o->metrics && !strcmp(o->metrics, "auto"))
		return metrics_auto(o, err);
	return 0;
}

/**
 * lwp_parse_args() - parse argv into @o
 *
 * Return: 0 to capture, LWP_CLI_HELP, LWP_CLI_VERSION or LWP_CLI_LIST
 * (the options after -h, --version or -D are not looked at), or -EINVAL with
 * the reason in @err (the caller prints usage and exits with 2).
 */
int lwp_parse_args(int argc, char **argv, struct lwp_opts *o, char *err)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->snaplen = DEF_SNAPLEN;
	o->file_size = DEF_FILE_SIZE;
	o->ring_size = DEF_RING_SIZE;
	o->seg_size = DEF_SEG_SIZE;
	o->mode = LWPCAP_MODE_DEFAULT;
	o->hook = LWP_POINT_AUTO;
	o->stats_interval = 1;
	o->summary_interval = 60;
	o->buffer_ms = DEF_BUFFER_MS;
	o->io = LWP_IO_AUTO;
	o->file_mode = 0600;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, short_opts, long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			return LWP_CLI_HELP;
		case 'D':
			return LWP_CLI_LIST;
		case OPT_VERSION:
			return LWP_CLI_VERSION;
		case '?':
			if (optopt && optopt < 256 &&
			    strchr(short_opts, optopt))
				return lwp_err(err, -EINVAL,
					       "option -%c needs an argument",
					       optopt);
			if (optopt && optopt < 256)
				return lwp_err(err, -EINVAL,
					       "unknown option -%c", optopt);
			return lwp_err(err, -EINVAL, "unknown or incomplete option '%s'",
				       argv[optind - 1]);
		default:
			ret = parse_one(c, optarg, o, err);
			if (ret)
				return ret;
		}
	}
	/* As tcpdump's, the rest of the line is the filter expression. */
	if (optind < argc) {
		if (o->filter_file)
			return lwp_err(err, -EINVAL,
				       "-F %s and a filter expression on the command line ('%s'): give one of them",
				       o->filter_file, argv[optind]);
		o->filter_argv = argv + optind;
		o->filter_argc = argc - optind;
	}
	return check_opts(o, err);
}

/* Whether lwp_replace_file() can make its temporary beside @path. */
static int tmp_beside(const char *path)
{
	char tmp[PATH_MAX];
	int fd;

	fd = lwp_tmp_open(path, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	close(fd);
	unlink(tmp);
	return 0;
}

/*
 * --stats-json and --metrics FILEs are replaced through FILE.XXXXXX and
 * rename(): both must work in its directory, and FILE must not be a
 * directory.
 */
static int check_replaced(const char *opt, const char *path, char *err)
{
	struct stat st;
	int ret;

	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return lwp_err(err, -EISDIR,
			       "%s %s is a directory; give a file name", opt,
			       path);
	ret = tmp_beside(path);
	if (ret)
		return lwp_err(err, ret, "%s %s cannot be written: %s", opt,
			       path, strerror(-ret));
	return 0;
}

/**
 * lwp_metrics_auto_check() - --metrics auto: no metrics where the file
 * cannot be made
 *
 * A default must not stop a capture: node_exporter's directory is
 * root's, so a reader that becomes a -Z USER cannot write there, and
 * the start line says so instead (exit 2 for a --metrics file given by
 * name).  Called with the file system rights the reader will write
 * with (lwp_user_fs_as()).
 */
void lwp_metrics_auto_check(struct lwp_opts *o)
{
	int ret;

	if (!o->metrics_auto || !o->metrics)
		return;
	ret = tmp_beside(o->metrics);
	if (ret) {
		o->metrics_auto_err = -ret;
		o->metrics = NULL;
	}
}

/*
 * node_exporter's textfile collector reads *.prom and nothing else: a
 * --metrics file named otherwise would never be scraped, silently.
 */
static int check_metrics(const char *path, char *err)
{
	size_t len = strlen(path);

	if (len < 6 || strcmp(path + len - 5, ".prom") || path[len - 6] == '/')
		return lwp_err(err, -EINVAL,
			       "--metrics %s: the name must end in .prom, the files node_exporter's textfile collector reads",
			       path);
	return check_replaced("--metrics", path, err);
}

/*
 * -w names files, as tcpdump's -w does: PREFIX.NNNNNN.pcap.  A PREFIX
 * that is a directory, or ends in '/', would put the files next to the
 * directory or be no name at all: refuse it and propose a name inside.
 */
static int check_prefix(const char *prefix, char *err)
{
	size_t len = strlen(prefix);
	char dir[PATH_MAX];
	struct stat st;
	const char *slash;

	if (prefix[len - 1] == '/')
		return lwp_err(err, -EISDIR,
			       "-w %s ends in '/': -w takes a file name prefix, e.g. %scap for %scap.000000.pcap, ...",
			       prefix, prefix, prefix);
	if (!stat(prefix, &st) && S_ISDIR(st.st_mode))
		return lwp_err(err, -EISDIR,
			       "-w %s is a directory: -w takes a file name prefix, e.g. %s/cap for %s/cap.000000.pcap, ...",
			       prefix, prefix, prefix);
	slash = strrchr(prefix, '/');
	if (!slash)
		return 0;
	if ((size_t)(slash - prefix) >= sizeof(dir))
		return lwp_err(err, -ENAMETOOLONG, "-w %s: name too long",
			       prefix);
	memcpy(dir, prefix, slash - prefix);
	dir[slash - prefix] = '\0';
	if (slash == prefix)
		strcpy(dir, "/");
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return lwp_err(err, -ENOENT,
			       "-w %s: directory %s does not exist", prefix,
			       dir);
	return 0;
}

/**
 * lwp_check_paths() - the paths of @o, checked before capture starts
 *
 * Return: 0, or a negative errno with the reason in @err (the caller
 * exits with 2, as for any other usage error).
 */
int lwp_check_paths(const struct lwp_opts *o, char *err)
{
	char prefix[PATH_MAX];
	unsigned int i;
	int ret = 0;

	if (!o->stream)
		ret = check_prefix(o->prefix, err);
	for (i = 0; !o->stream && !ret && i < o->nr_ifaces + !o->nr_ifaces;
	     i++) {
		ret = lwp_iface_prefix(o, i, prefix, sizeof(prefix), err);
		if (!ret)
			ret = lwp_series_check(prefix, err);
	}
	if (!ret && o->stats_json)
		ret = check_replaced("--stats-json", o->stats_json, err);
	if (!ret && o->metrics)
		ret = check_metrics(o->metrics, err);
	return ret;
}

/**
 * lwp_iface_prefix() - the series prefix of interface @i: -w's, with
 * "-IFACE" after it when several interfaces are captured
 */
int lwp_iface_prefix(const struct lwp_opts *o, unsigned int i, char *buf,
		     size_t len, char *err)
{
	int ret;

	if (o->nr_ifaces > 1)
		ret = snprintf(buf, len, "%s-%s", o->prefix, o->ifaces[i]);
	else
		ret = snprintf(buf, len, "%s", o->prefix);
	if (ret < 0 || (size_t)ret >= len)
		return lwp_err(err, -ENAMETOOLONG, "-w prefix too long");
	return 0;
}
