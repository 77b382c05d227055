/* SPDX-License-Identifier: GPL-2.0 */
/*
 * extract.h - tg3cap-extract: the packets of a time window that a filter
 * accepts, from one or more file series, in time order.
 *
 * The answer is what tcpdump -r of every completed file of the series
 * with the same filter and time bounds gives, merged as mergecap merges
 * (by timestamp; ties by the order of the series as given, then by file
 * number, then by position in the file), each file's matches sorted by
 * timestamp first (a multi-queue file is in order per queue only).
 *
 * The index of each file (pktindex.h) and the series' catalog
 * (catalog.h) only narrow what is read: the catalog skips files outside
 * the window without opening them, the index's blocks skip the parts of
 * a file outside the window or without the filter's hosts, ports,
 * protocols or VLANs.  Every record read goes through the time bounds
 * and the filter itself (libpcap's BPF), which decide.
 */
#ifndef _TG3CAP_EXTRACT_H
#define _TG3CAP_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "util.h"

/* libpcap's MAXIMUM_SNAPLEN: the filter is compiled for it */
#define LWP_X_SNAPLEN		262144U
/* keys of one filter that narrow; more are ignored (a superset) */
#define LWP_NARROW_MAX		32

/**
 * struct lwp_narrow - what the index can use of a filter
 * @n:   keys (lwp_idx_key()); a matching record's block holds all of
 *       them; 0: the filter cannot narrow (or there is none)
 * @key: the keys
 * @why: without keys, why not (for -v)
 */
struct lwp_narrow {
	unsigned int n;
	uint32_t key[LWP_NARROW_MAX];
	char why[160];
};

/**
 * struct lwp_extract_opts - a query
 * @series:    the -r prefixes (DIR/BASE, strftime patterns allowed)
 * @nseries:   how many
 * @begin_ns:  the window's start, inclusive
 * @end_ns:    its end, exclusive (UINT64_MAX: none)
 * @filter:    tcpdump syntax; NULL or "" for every packet
 * @out_fd:    where the capture goes (a file or a pipe)
 * @pcapng:    write pcapng rather than nanosecond pcap
 * @no_index:  read every record of every file (the slow path)
 * @log:       -v: what was done about indexes, NULL for silence
 * @warn:      what was skipped (a file that is not ours, one that went
 *             away); NULL for silence
 * @log_arg:   passed to both
 */
struct lwp_extract_opts {
	const char *const *series;
	unsigned int nseries;
	uint64_t begin_ns;
	uint64_t end_ns;
	const char *filter;
	int out_fd;
	bool pcapng;
	bool no_index;
	lwp_log_fn log;
	lwp_log_fn warn;
	void *log_arg;
};

/**
 * struct lwp_extract_stats - what a query cost (-v)
 * @files:          completed files of the series
 * @files_skipped:  of those, skipped by their catalog line (not opened)
 * @files_read:     opened (their index, maybe some of their blocks)
 * @idx_loaded:     indexes loaded and used as they were
 * @idx_rebuilt:    indexes missing, damaged or stale, rebuilt in memory
 * @idx_written:    of those, written back beside their file
 * @idx_bytes:      bytes of the indexes loaded
 * @idx_bytes_read: of those, read (heads, and the parts of the pairs the
 *                  query's keys can be in)
 * @blocks:         blocks with records in the files opened
 * @blocks_read:    of those, read
 * @bytes:          bytes of the files opened
 * @bytes_read:     of those, read for records (headers and rebuilds
 *                  not counted)
 * @records_read:   records walked
 * @records_out:    records written
 * @out_closed:     the reader of the output went away (EPIPE): the
 *                  query ended there
 */
struct lwp_extract_stats {
	uint64_t files;
	uint64_t files_skipped;
	uint64_t files_read;
	uint64_t idx_loaded;
	uint64_t idx_rebuilt;
	uint64_t idx_written;
	uint64_t idx_bytes;
	uint64_t idx_bytes_read;
	uint64_t blocks;
	uint64_t blocks_read;
	uint64_t bytes;
	uint64_t bytes_read;
	uint64_t records_read;
	uint64_t records_out;
	bool out_closed;
};

/* extract_query.c */
int lwp_parse_time(const char *s, uint64_t *ns);
int lwp_narrow_parse(const char *filter, struct lwp_narrow *nw);
int lwp_xfilter_compile(const char *filter, struct bpf_program *prog,
			char *err);

/* extract.c */
int lwp_extract_check_series(const char *prefix, char *err);
int lwp_extract(const struct lwp_extract_opts *o,
		struct lwp_extract_stats *st, char *err);

/* extract_out.c: the output, nanosecond pcap or pcapng */
struct lwp_xout {
	int fd;
	bool pcapng;
	bool started;
	bool closed;		/* EPIPE */
	uint32_t snaplen;
	uint8_t *buf;		/* pcap records waiting */
	size_t len;
	uint8_t *ng;		/* their EPBs (pcapng) */
	uint64_t records;
};

int lwp_xout_init(struct lwp_xout *w, int fd, bool pcapng, char *err);
int lwp_xout_rec(struct lwp_xout *w, uint64_t ts_ns, const uint8_t *data,
		 uint32_t caplen, uint32_t len, char *err);
int lwp_xout_finish(struct lwp_xout *w, char *err);
void lwp_xout_free(struct lwp_xout *w);

#endif /* _TG3CAP_EXTRACT_H */
