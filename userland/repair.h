/* SPDX-License-Identifier: GPL-2.0 */
/*
 * repair.h - file names of a capture series and crash repair.
 *
 * A series with prefix P is P.NNNNNN.pcap (six digits or more, counting
 * up), or P.NNNNNN.pcapng with --format pcapng; the file being written is
 * P.NNNNNN.pcap.part (.pcapng.part) until it is complete.  Both formats
 * share the numbers and the -W ring of a series.  With -G, the file
 * name part of P may hold strftime() conversions: a completed file is
 * then named by the start of its period (the .part by P as it is), and
 * the series is every name P's conversions can give.
 * DIR/.BASE.lock (P = DIR/BASE), flock()ed by the reader that writes the
 * series, keeps a second reader (and its crash repair) away from it.
 */
#ifndef _TG3CAP_REPAIR_H
#define _TG3CAP_REPAIR_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>

#define LWP_SEQ_MAX	999999999U
#define LWP_SUFFIX	".pcap"
#define LWP_PART_SUFFIX	".pcap.part"
#define LWP_NG_SUFFIX	".pcapng"
#define LWP_NG_PART_SUFFIX ".pcapng.part"
#define LWP_LOCK_SUFFIX	".lock"

typedef void (*lwp_log_fn)(void *arg, const char *msg);

int lwp_split_prefix(const char *prefix, char *dir, size_t dlen,
		     char *base, size_t blen);
int lwp_name_seq(const char *base, const char *name, const char *suffix,
		 unsigned int *seq);
int lwp_name_seq_any(const char *base, const char *name, unsigned int *seq,
		     bool *part);
int lwp_series_name(char *buf, size_t len, const char *prefix,
		    unsigned int seq, const char *suffix);
bool lwp_prefix_is_pattern(const char *prefix);
int lwp_expand_prefix(const char *prefix, time_t t, char *buf, size_t len);
int lwp_series_lock(const char *prefix, int *fd, char *err);
int lwp_repair(const char *prefix, lwp_log_fn log, void *log_arg,
	       unsigned int *repaired, char *err);

#endif /* _TG3CAP_REPAIR_H */
