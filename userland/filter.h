/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter.h - capture filters in tcpdump syntax, run by the reader.
 *
 * The expression is compiled by libpcap (pcap_compile() on a dead
 * handle of linktype Ethernet at the capture's snaplen), never parsed
 * here.  The filter is an output stage: it walks the records of a
 * batch, runs the BPF program on each (bpf_filter() on the captured
 * bytes with the wire length) and hands the contiguous stretches of
 * accepted records to the real output (file series or stream).
 * Rejected records are counted; they are not loss.
 */
#ifndef _TG3CAP_FILTER_H
#define _TG3CAP_FILTER_H

#include <stdint.h>

#include <pcap/pcap.h>

#include "output.h"

/**
 * struct lwp_filter - a compiled filter program
 * @expr: the expression it was compiled from (owned)
 * @prog: libpcap's BPF program
 */
struct lwp_filter {
	char *expr;
	struct bpf_program prog;
};

int lwp_filter_join(char *const *argv, int argc, char **out, char *err);
int lwp_filter_read_file(const char *path, char **out, char *err);
int lwp_filter_compile(struct lwp_filter *f, const char *expr,
		       uint32_t snaplen, char *err);
void lwp_filter_free(struct lwp_filter *f);
int lwp_filter_match(const struct lwp_filter *f, const uint8_t *rec);

struct lwp_fout;

int lwp_fout_open(struct lwp_fout **out, const struct lwp_filter *f,
		  const struct lwp_out_ops *ops, void *inner, char *err);

void lwp_fout_counts(struct lwp_fout *fo, uint64_t *accepted,
		     uint64_t *rejected);

extern const struct lwp_out_ops lwp_fout_ops;

#endif /* _TG3CAP_FILTER_H */
