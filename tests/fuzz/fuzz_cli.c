// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_cli.c - lwp_parse_args() on any command line.
 *
 * The input, split at its NUL bytes, is the argument list after
 * "tg3cap-reader" (at most 64 arguments, each in a buffer of its own so
 * that ASan sees a read past its end).  lwp_parse_args() never prints
 * and never exits (util.h: library code returns an errno); it must
 * return 0, LWP_CLI_HELP, LWP_CLI_VERSION, LWP_CLI_LIST or a negative
 * errno with a sentence in err, and when it returns 0 the options must
 * be what check_opts() promises the capture: a prefix, 1 to
 * LWP_MAX_IFACES distinct valid interface names, a snaplen of 1 to
 * 65535 that fits a segment, power-of-two segment and ring sizes within
 * the ABI's limits, a file that holds a record, a --max-disk of three
 * files, no file options with -w -, strftime conversions only in the
 * file name and only with -G, the filter from -F or the arguments, not
 * both.  lwp_check_paths() is not called: it creates files.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <linux/lwpcap.h>

#include "cli.h"
#include "device.h"
#include "filering.h"
#include "fuzz.h"
#include "metrics.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "util.h"

#define MAX_ARGS	64

static int pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* does @s lie in one of the arguments (or is it a constant string)? */
static int in_argv(const char *s, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

static void check_opts(const struct lwp_opts *o, int argc, char **argv)
{
	const char *slash;
	unsigned int i, k;

	FUZZ_CHECK(o->prefix && *o->prefix && in_argv(o->prefix, argc, argv),
		   "no -w prefix");
	FUZZ_CHECK(o->stream == !strcmp(o->prefix, "-"), "stream %d for '%s'",
		   o->stream, o->prefix);
	FUZZ_CHECK(o->nr_ifaces >= 1 && o->nr_ifaces <= LWP_MAX_IFACES,
		   "%u interfaces", o->nr_ifaces);
	for (i = 0; i < o->nr_ifaces; i++) {
		FUZZ_CHECK(*o->ifaces[i] &&
			   strlen(o->ifaces[i]) < IF_NAMESIZE &&
			   !strchr(o->ifaces[i], '/'),
			   "interface name '%s'", o->ifaces[i]);
		FUZZ_CHECK(in_argv(o->ifaces[i], argc, argv) ||
			   (o->fake && o->nr_ifaces == 1),
			   "interface name from nowhere");
		for (k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(o->ifaces[i], o->ifaces[k]),
				   "interface %s twice", o->ifaces[i]);
	}
	FUZZ_CHECK(o->snaplen >= 1 && o->snaplen <= LWPCAP_SNAPLEN_MAX,
		   "snaplen %u", o->snaplen);
	FUZZ_CHECK(pow2(o->seg_size) && o->seg_size >= LWPCAP_SEG_SIZE_MIN &&
		   o->seg_size <= LWPCAP_SEG_SIZE_MAX,
		   "segment size %u", o->seg_size);
	FUZZ_CHECK(pow2(o->ring_size) &&
		   o->ring_size <= LWPCAP_QUEUE_SIZE_MAX &&
		   o->ring_size >= 2ULL * o->seg_size,
		   "ring size %llu, segment %u",
		   (unsigned long long)o->ring_size, o->seg_size);
	FUZZ_CHECK(o->snaplen + PCAP_REC_HDR_LEN <= o->seg_size,
		   "snaplen %u in a segment of %u", o->snaplen, o->seg_size);
	FUZZ_CHECK(o->file_size >= 4096 && o->file_size <= (1ULL << 40) &&
		   o->file_size >= PCAP_HDR_LEN + PCAP_REC_HDR_LEN +
				   o->snaplen,
		   "file size %llu, snaplen %u",
		   (unsigned long long)o->file_size, o->snaplen);
	FUZZ_CHECK(o->format == LWP_FMT_PCAP || o->format == LWP_FMT_PCAPNG,
		   "format %d", o->format);
	if (o->format == LWP_FMT_PCAPNG)
		FUZZ_CHECK(o->file_size >= PCAPNG_HDR_MAX + PCAPNG_ISB_LEN +
					   PCAPNG_EPB_LEN(o->snaplen),
			   "pcapng file size %llu, snaplen %u",
			   (unsigned long long)o->file_size, o->snaplen);
	FUZZ_CHECK(!o->max_disk.bytes || o->max_disk.bytes >= 3 * o->file_size,
		   "--max-disk %llu, -C %llu",
		   (unsigned long long)o->max_disk.bytes,
		   (unsigned long long)o->file_size);
	FUZZ_CHECK(o->min_free.pct <= 99 && o->max_disk.pct <= 99 &&
		   !(o->min_free.pct && o->min_free.bytes) &&
		   !(o->max_disk.pct && o->max_disk.bytes),
		   "retention sizes");
	FUZZ_CHECK(o->mode == LWPCAP_MODE_DEFAULT ||
		   o->mode == LWPCAP_MODE_TAP ||
		   o->mode == LWPCAP_MODE_DIVERT, "mode %u", o->mode);
	FUZZ_CHECK(o->hook == LWP_POINT_AUTO ||
		   (o->hook >= 0 && o->hook <= LWPCAP_POINT_MAX),
		   "hook %d", o->hook);
	FUZZ_CHECK(o->io == LWP_IO_AUTO || o->io == LWP_IO_MMAP ||
		   o->io == LWP_IO_DIRECT, "io %d", o->io);
	FUZZ_CHECK(o->buffer_ms <= 100 && o->stats_interval >= 1 &&
		   o->stats_interval <= 86400 && o->summary_interval <= 86400 &&
		   o->rotate_sec <= 366 * 86400 && o->max_files <= 1000000,
		   "intervals and counts");
	/* --metrics: a name given, or auto's name in node_exporter's
	 * directory, or none (auto where that directory is missing)
	 */
	if (o->metrics_auto && o->metrics) {
		size_t len = strlen(o->metrics);

		FUZZ_CHECK(!strncmp(o->metrics, LWP_METRICS_AUTO_DIR "/tg3cap-",
				    strlen(LWP_METRICS_AUTO_DIR) + 8) &&
			   len > 5 && !strcmp(o->metrics + len - 5, ".prom"),
			   "--metrics auto made '%s'", o->metrics);
	} else if (o->metrics) {
		FUZZ_CHECK(*o->metrics && in_argv(o->metrics, argc, argv),
			   "--metrics '%s' from nowhere", o->metrics);
	}
	if (o->fake)
		FUZZ_CHECK(o->fake_cfg.pkts >= 1 && o->fake_cfg.len >= 60 &&
			   o->fake_cfg.len <= LWPCAP_SNAPLEN_MAX &&
			   o->fake_cfg.queues >= 1 &&
			   o->fake_cfg.queues <= LWPCAP_MAX_QUEUES &&
			   o->fake_cfg.pps <= 1000000000,
			   "--fake-source");
	if (o->stream) {
		FUZZ_CHECK(!o->file_size_set && !o->max_files &&
			   !o->rotate_sec && !o->postrotate &&
			   !o->min_free.bytes && !o->min_free.pct &&
			   !o->max_disk.bytes && !o->max_disk.pct &&
			   !o->io_set && o->nr_ifaces == 1,
			   "file options with -w -");
	} else if (strchr(o->prefix, '%')) {
		slash = strrchr(o->prefix, '/');
		FUZZ_CHECK(o->rotate_sec && (!slash ||
			   !memchr(o->prefix, '%', slash - o->prefix)),
			   "-w %s with -G %u", o->prefix, o->rotate_sec);
	}
	FUZZ_CHECK(o->filter_argc >= 0 && o->filter_argc < argc, "filter");
	if (o->filter_argc)
		FUZZ_CHECK(!o->filter_file && o->filter_argv &&
			   o->filter_argv + o->filter_argc == argv + argc,
			   "filter from -F and the command line");
}

/*
 * glibc's getopt keeps where it is inside an argument ("-qh" stopped at
 * h) across calls; lwp_parse_args() sets optind to 1, which does not
 * reset that, and the reader parses once.  Here each input's argv is
 * freed after its parse, so the state is reset (optind 0) first.
 */
static void getopt_reset(void)
{
	static char arg0[] = "x";
	static char *argv[] = { arg0, NULL };

	optind = 0;
	opterr = 0;
	while (getopt(1, argv, "") != -1)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "tg3cap-reader";
	char *argv[MAX_ARGS + 2], err[LWP_ERRLEN];
	struct lwp_opts o;
	const uint8_t *p = data, *end = data + size, *nul;
	int argc = 1, ret, i;
	size_t n;

	argv[0] = prog;
	while (p < end && argc <= MAX_ARGS) {
		nul = memchr(p, '\0', end - p);
		n = (nul ? nul : end) - p;
		argv[argc] = malloc(n + 1);
		FUZZ_CHECK(argv[argc], "out of memory");
		memcpy(argv[argc], p, n);
		argv[argc++][n] = '\0';
		p += n + 1;
	}
	argv[argc] = NULL;

	memset(err, 0xa5, sizeof(err));
	getopt_reset();
	ret = lwp_parse_args(argc, argv, &o, err);
	if (ret < 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) && *err &&
			   (unsigned char)*err != 0xa5,
			   "error %d without a message", ret);
	} else {
		FUZZ_CHECK(ret == 0 || ret == LWP_CLI_HELP ||
			   ret == LWP_CLI_VERSION || ret == LWP_CLI_LIST,
			   "returned %d", ret);
		if (!ret)
			check_opts(&o, argc, argv);
	}
	for (i = 1; i < argc; i++)
		free(argv[i]);
	return 0;
}
