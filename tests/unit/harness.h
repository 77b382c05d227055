/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - a tiny test runner for tg3cap-reader's unit tests.
 *
 * Every test runs in a child process, so a crash or a sanitizer abort
 * fails that test only.  Tests must check things that can fail; there
 * are no skips: a missing tool (capinfos, tcpdump) is a failure.
 */
#ifndef _TG3CAP_HARNESS_H
#define _TG3CAP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "capture.h"
#include "fakedev.h"
#include "ring.h"

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: CHECK failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		return -1;						\
	}								\
} while (0)

#define CHECKF(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: CHECK failed: %s: " fmt "\n",	\
			__FILE__, __LINE__, #cond, ##__VA_ARGS__);	\
		return -1;						\
	}								\
} while (0)

struct test {
	const char *name;
	int (*fn)(void);
};

#define TESTS(arr) const struct test arr[]; \
	const unsigned int arr##_n

extern const struct test ring_tests[];
extern const unsigned int ring_tests_n;
extern const struct test file_tests[];
extern const unsigned int file_tests_n;
extern const struct test cli_tests[];
extern const unsigned int cli_tests_n;
extern const struct test out_tests[];
extern const unsigned int out_tests_n;
extern const struct test series_tests[];
extern const unsigned int series_tests_n;
extern const struct test index_tests[];
extern const unsigned int index_tests_n;
extern const struct test fileindex_tests[];
extern const unsigned int fileindex_tests_n;
extern const struct test extract_tests[];
extern const unsigned int extract_tests_n;
extern const struct test metrics_tests[];
extern const unsigned int metrics_tests_n;
extern const struct test slowdisk_tests[];
extern const unsigned int slowdisk_tests_n;
extern const struct test offload_tests[];
extern const unsigned int offload_tests_n;

/*
 * The index keys (pktindex.h) of an address ("10.0.0.1", "2001:db8::1"),
 * of a 16-bit value (a port, a VLAN id) and of an IP protocol.
 */
uint32_t key_host(const char *addr);
uint32_t key_be16(unsigned int kind, unsigned int v);
uint32_t key_proto(unsigned int proto);

/* The number the fake source put in the frame of record @rec. */
uint64_t rec_seq(const uint8_t *rec);

/*
 * mock_ops: a stand-in output for lwp_cap_run() and the output stages
 * that keeps what it was handed (its struct mock_out); a write returns
 * fail_with.
 */
struct mock_out {
	unsigned int calls;
	uint64_t pkts;
	uint64_t caplen;
	uint64_t seqs[64];
	unsigned int nseq;
	int fail_with;
};
extern const struct lwp_out_ops mock_ops;

/*
 * idle_ops: a source for lwp_cap_run() (its struct idle_src) that wakes
 * it only when a test writes to pipe[1]; no statistics of its own (the
 * capture reads the ring's mirror), nothing to deactivate.
 */
struct idle_src {
	int pipe[2];
};
extern const struct lwp_src_ops idle_ops;

/* Sizes shrink under valgrind, which is ~50x slower. */
uint64_t scaled(uint64_t n);
bool under_valgrind(void);

/* A fresh directory under /tmp, removed by tmpdir_remove(). */
int tmpdir_make(char *buf, size_t len);
void tmpdir_remove(const char *dir);

/* Seen-set of sequence numbers the producer stored. */
struct seqset {
	uint8_t *bits;
	uint64_t n;
};
int seqset_init(struct seqset *s, uint64_t n);
void seqset_add(struct seqset *s, uint64_t seq);
bool seqset_has(const struct seqset *s, uint64_t seq);
void seqset_free(struct seqset *s);

/*
 * Record checker: every record must be the frame fakedev made for its
 * sequence number (byte for byte, caplen = min(len, snaplen)), in
 * increasing order per queue (seq % nq), and in @stored if given.
 */
struct checker {
	uint32_t snaplen;
	unsigned int nq;
	uint64_t next[LWPCAP_MAX_QUEUES];
	int started[LWPCAP_MAX_QUEUES];
	uint64_t pkts;
	uint64_t caplen;
	const struct seqset *stored;
	uint64_t seen_max;
};
void checker_init(struct checker *c, uint32_t snaplen, unsigned int nq,
		  const struct seqset *stored);
int checker_feed(struct checker *c, const uint8_t *p, size_t len);

/* Read a whole series PREFIX.NNNNNN.pcap through the checker. */
int check_series(const char *prefix, struct checker *c, unsigned int *files,
		 unsigned int first, unsigned int last);
/* capinfos and tcpdump must both accept @path with exactly @pkts records. */
int check_tools(const char *path, uint64_t pkts);
uint64_t file_records(const char *path);
/* The whole file in a malloc'ed buffer (NUL-terminated); 0 or -1. */
int read_file(const char *path, uint8_t **buf, size_t *len);
int count_files(const char *dir, const char *suffix);

/* Run a command line through sh; stdout+stderr to @out (may be NULL). */
int run_sh(const char *cmd, char *out, size_t outlen);
/*
 * An executable "#!/bin/sh" script @dir/z.sh (its path in @path) whose
 * body is printf(@fmt, ...): what the tests give -z.  0 or -1.
 */
int write_script(char *path, size_t len, const char *dir, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/* The reader under test ($TG3CAP_READER), and a run of it with @args:
 * its exit status, stdout and stderr in @out. */
const char *reader(void);
int rd(const char *args, char *out, size_t len);
/* Start the reader with @argv (NULL-terminated, after the program name;
 * stderr to /dev/null) and SIGKILL it after @ms: 0 if it died of that. */
int rd_killed(const char *const *argv, unsigned int ms);
/*
 * Run the reader with @args, its writes to the disk under @dir limited
 * to @bps bytes/s (tests/lib/throttled.sh); its stderr to @log, its
 * peak resident memory in kB to @peak_kb.  Its exit status, or -1.
 */
int rd_throttled(uint64_t bps, const char *dir, const char *args,
		 const char *log, unsigned long *peak_kb);
/* A sample's value in a --metrics file, -1 if absent; whether fake0's
 * ring drops were mostly @cause's (test_metrics.c). */
double prom_value(const char *text, const char *series);
int prom_mostly(const char *text, const char *cause);
/* An ext4 file system of @mb MB on a loop device, mounted at @dir. */
int ext4_mount(const char *img_dir, unsigned int mb, const char *dir);
/* Wait for @pid up to @ms: its status, or -1 (it is then killed). */
int wait_exit(pid_t pid, unsigned int ms);
/* The number after "KEY": in @json, UINT64_MAX if absent. */
uint64_t json_u64(const char *json, const char *key);
/* A text file into @buf (NUL-terminated, cut at @len - 1); 0 or -1. */
int read_text(const char *path, char *buf, size_t len);

#endif /* _TG3CAP_HARNESS_H */
