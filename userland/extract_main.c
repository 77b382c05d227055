// SPDX-License-Identifier: GPL-2.0
/*
 * extract_main.c - tg3cap-extract's command line.
 *
 * Exit status: 0 done (also when the reader of -w - went away), 1 the
 * query failed (a file or the output), 2 a bad argument: one line on
 * stderr that names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "extract.h"

#define PROG		"tg3cap-extract"
#define SERIES_MAX	64

enum {
	OPT_NO_INDEX = 256,
	OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "read",	required_argument,	NULL, 'r' },
	{ "begin",	required_argument,	NULL, 'b' },
	{ "end",	required_argument,	NULL, 'e' },
	{ "write",	required_argument,	NULL, 'w' },
	{ "format",	required_argument,	NULL, 'F' },
	{ "no-index",	no_argument,		NULL, OPT_NO_INDEX },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, OPT_VERSION },
	{ NULL,		0,			NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " -r PREFIX [-r PREFIX...] [-b TIME] [-e TIME] -w FILE|-\n"
		"                      [-F pcap|pcapng] [--no-index] [-v] [FILTER...]\n"
		"\n"
		"The packets of a time window that a tcpdump filter accepts, from the\n"
		"completed files of tg3cap-reader series, in time order.\n"
		"\n"
		"  -r, --read PREFIX   a series, DIR/BASE as the reader's -w (strftime\n"
		"                      patterns too); several are merged\n"
		"  -b, --begin TIME    from TIME on (inclusive)\n"
		"  -e, --end TIME      before TIME (exclusive)\n"
		"                      TIME: 2026-12-06T10:02:00[.123][Z|+01:00] (local\n"
		"                      time without an offset) or @1765000000[.5]\n"
		"  -w, --write FILE    the capture; - for standard output (not a terminal)\n"
		"  -F, --format FMT    pcap (nanosecond, the default) or pcapng\n"
		"      --no-index      read every record of every file (slow)\n"
		"  -v, --verbose       what was read, on standard error\n"
		"  -h, --help          this text\n"
		"      --version       the version\n"
		"\n"
		"Examples:\n"
		"  " PROG " -r /var/capture/eth0 -b 2026-12-05T10:02 -e 2026-12-05T10:05 \\\n"
		"      -w out.pcap host 10.1.2.3\n"
		"  " PROG " -r /var/capture/eth0 -r /var/capture/eth1 -b @1765000000 \\\n"
		"      -w - tcp port 443 | wireshark -k -i -\n");
}

static void say(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, PROG ": %s\n", msg);
}

/* One line naming the argument, exit 2. */
__attribute__((noreturn, format(printf, 1, 2)))
static void bad(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	exit(2);
}

static uint64_t time_arg(char opt, const char *s)
{
	uint64_t ns;

	if (lwp_parse_time(s, &ns))
		bad("-%c '%s': not a time; give ISO 8601 (2026-12-06T10:02:00, optionally .5 and Z or +01:00; local time without) or epoch seconds (@1765000000.5)",
		    opt, s);
	return ns;
}

/* The trailing arguments, joined with spaces as tcpdump joins them. */
static char *filter_arg(int argc, char **argv)
{
	size_t len = 1;
	char *f;
	int i;

	for (i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	f = calloc(len, 1);
	if (!f) {
		fputs(PROG ": out of memory\n", stderr);
		exit(1);
	}
	for (i = optind; i < argc; i++) {
		if (i > optind)
			strcat(f, " ");
		strcat(f, argv[i]);
	}
	return f;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * a / b : 0.0;
}

static void stats(const struct lwp_extract_stats *st, bool no_index)
{
	fprintf(stderr, PROG ": files   %10" PRIu64 " in the series, %" PRIu64 " skipped by the catalog, %" PRIu64 " opened\n",
		st->files, st->files_skipped, st->files_read);
	if (!no_index) {
		fprintf(stderr, PROG ": indexes %10" PRIu64 " loaded, %" PRIu64 " rebuilt, %" PRIu64 " written back; %" PRIu64 " of %" PRIu64 " bytes read (%.2f %%)\n",
			st->idx_loaded, st->idx_rebuilt, st->idx_written,
			st->idx_bytes_read, st->idx_bytes,
			pct(st->idx_bytes_read, st->idx_bytes));
		fprintf(stderr, PROG ": blocks  %10" PRIu64 " of %" PRIu64 " read (%.2f %%)\n",
			st->blocks_read, st->blocks,
			pct(st->blocks_read, st->blocks));
	}
	fprintf(stderr, PROG ": bytes   %10" PRIu64 " of %" PRIu64 " read (%.2f %%)\n",
		st->bytes_read, st->bytes, pct(st->bytes_read, st->bytes));
	fprintf(stderr, PROG ": records %10" PRIu64 " read, %" PRIu64 " matched\n",
		st->records_read, st->records_out);
	if (st->out_closed)
		fputs(PROG ": the reader of the output went away: stopped\n",
		      stderr);
}

int main(int argc, char **argv)
{
	const char *series[SERIES_MAX], *out = NULL;
	struct lwp_extract_opts o = {
		.series = series,
		.end_ns = UINT64_MAX,
		.warn = say,
	};
	bool verbose = false, have_e = false;
	struct lwp_extract_stats st;
	struct bpf_program prog;
	char err[LWP_ERRLEN], *filter;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:b:e:w:F:vh", long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'r':
			if (o.nseries == SERIES_MAX)
				bad("-r %s: at most %d series", optarg,
				    SERIES_MAX);
			series[o.nseries++] = optarg;
			break;
		case 'b':
			o.begin_ns = time_arg('b', optarg);
			break;
		case 'e':
			o.end_ns = time_arg('e', optarg);
			have_e = true;
			break;
		case 'w':
			out = optarg;
			break;
		case 'F':
			if (!strcmp(optarg, "pcapng"))
				o.pcapng = true;
			else if (strcmp(optarg, "pcap"))
				bad("-F '%s': the formats are pcap and pcapng",
				    optarg);
			break;
		case OPT_NO_INDEX:
			o.no_index = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf(PROG " " LWP_VERSION "\n");
			return 0;
		case ':':
			if (optopt)
				bad("option -%c needs an argument (see -h)",
				    optopt);
			bad("option %s needs an argument (see -h)",
			    argv[optind - 1]);
		default:
			if (optopt)
				bad("unknown option -%c (see -h)", optopt);
			bad("unknown option %s (see -h)", argv[optind - 1]);
		}
	}
	if (!o.nseries)
		bad("no -r PREFIX: name the series to read (see -h)");
	if (!out)
		bad("no -w FILE: name the output, or - for standard output");
	if (have_e && o.end_ns <= o.begin_ns)
		bad("-e must be after -b: the window [-b, -e) is empty");
	for (c = 0; c < (int)o.nseries; c++)
		if (lwp_extract_check_series(series[c], err))
			bad("%s", err);
	filter = filter_arg(argc, argv);
	if (*filter) {
		if (lwp_xfilter_compile(filter, &prog, err)) {
			free(filter);
			bad("%s", err);
		}
		pcap_freecode(&prog);
	}
	o.filter = filter;
	if (verbose)
		o.log = say;

	if (!strcmp(out, "-")) {
		if (isatty(STDOUT_FILENO)) {
			free(filter);
			bad("-w -: standard output is a terminal; pipe it (| wireshark -k -i -) or give -w FILE");
		}
		o.out_fd = STDOUT_FILENO;
	} else {
		o.out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				0666);
		if (o.out_fd < 0) {
			fprintf(stderr, PROG ": cannot create %s: %s\n", out,
				strerror(errno));
			free(filter);
			return 1;
		}
	}
	/* a reader that goes away is EPIPE, the end of the query */
	signal(SIGPIPE, SIG_IGN);

	ret = lwp_extract(&o, &st, err);
	if (ret)
		fprintf(stderr, PROG ": %s\n", err);
	if (o.out_fd != STDOUT_FILENO && close(o.out_fd) && !ret) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", out,
			strerror(errno));
		ret = -EIO;
	}
	if (verbose && !ret)
		stats(&st, o.no_index);
	free(filter);
	return ret ? 1 : 0;
}
