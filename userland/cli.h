/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - command line of tg3cap-reader.
 */
#ifndef _TG3CAP_CLI_H
#define _TG3CAP_CLI_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "fakesrc.h"
#include "filering.h"

#define LWP_MAX_IFACES		16
#define LWP_VERSION		"0.1.0"

/* lwp_parse_args() results besides 0 and negative errors */
#define LWP_CLI_HELP		1
#define LWP_CLI_VERSION		2
#define LWP_CLI_LIST		3	/* -D */

/**
 * struct lwp_opts - parsed command line, see lwp_usage() for meanings
 * @fake:       --fake-source given: no kernel, frames from fakesrc.c
 * @stream:     -w -: one pcap stream on standard output, no files
 * @file_size_set: -C was given (it makes no sense with @stream)
 * @user:       -Z: run as this user once the device and files are set up
 * @format:     --format: LWP_FMT_PCAP or LWP_FMT_PCAPNG
 * @merge:      --merge: the RX queues of an interface merged into time
 *              order in its file series
 * @filter_file: -F: the capture filter's expression is in this file
 * @filter_argv: the trailing arguments: a capture filter expression,
 *              joined with spaces (tcpdump syntax); @filter_argc of them
 * @hook:       --hook: LWPCAP_POINT_*, or LWP_POINT_AUTO
 * @min_free:   --min-free: retention, free space kept on the file system
 * @max_disk:   --max-disk: retention, most space the series takes
 * @buffer_ms:  --buffer-timeout: see struct lwp_cap
 * @io:         --io: LWP_IO_MMAP, LWP_IO_DIRECT, or LWP_IO_AUTO (not
 *              given: direct where the file system takes it); @io_set:
 *              it was given
 * @no_index:   --index off; @index_set: --index was given
 * @keep_offloads: --keep-offloads: GRO, LRO and GRO_HW left as they are
 *              (offload.c)
 * @metrics:    --metrics: Prometheus' text format written here (metrics.c),
 *              NULL for none; @metrics_auto: "--metrics auto" was given
 *              (@metrics is then in @metrics_path, or NULL where
 *              LWP_METRICS_AUTO_DIR does not exist, or when it cannot
 *              be written, with the errno in @metrics_auto_err)
 */
struct lwp_opts {
	const char *ifaces[LWP_MAX_IFACES];
	unsigned int file_mode;
	unsigned int nr_ifaces;
	const char *prefix;
	uint32_t snaplen;
	uint64_t file_size;
	unsigned int max_files;
	struct fring_space min_free;
	struct fring_space max_disk;
	unsigned int rotate_sec;
	uint64_t max_pkts;
	const char *postrotate;
	int quiet;
	int no_promisc;
	int keep_offloads;
	uint64_t ring_size;
	uint32_t seg_size;
	uint32_t mode;
	int hook;
	const char *stats_json;
	const char *metrics;
	int metrics_auto;
	int metrics_auto_err;
	char metrics_path[PATH_MAX];
	unsigned int stats_interval;
	unsigned int summary_interval;
	int no_populate;
	int fake;
	struct fakesrc_cfg fake_cfg;
	int stream;
	int file_size_set;
	const char *user;
	int format;
	int merge;
	const char *filter_file;
	char *const *filter_argv;
	int filter_argc;
	unsigned int buffer_ms;
	int io;
	int io_set;
	int no_index;
	int index_set;
};

int lwp_parse_args(int argc, char **argv, struct lwp_opts *o, char *err);
int lwp_check_paths(const struct lwp_opts *o, char *err);
void lwp_metrics_auto_check(struct lwp_opts *o);
int lwp_iface_prefix(const struct lwp_opts *o, unsigned int i, char *buf,
		     size_t len, char *err);
void lwp_usage(FILE *out);
void lwp_usage_short(FILE *out);

#endif /* _TG3CAP_CLI_H */
