/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filering.h - a series of preallocated, mmap'd pcap files (seed 2.5.1).
 *
 * The drain thread copies batches into the current file's mapping; a
 * swapper thread prepares the next file (create, fallocate, mmap,
 * prefault, header) before it is needed and finishes the old one (unmap,
 * truncate to the bytes written, rename from .part, run -z, delete the
 * oldest beyond -W) after.  The drain thread waits only if the swapper
 * is late; those waits are counted.
 */
#ifndef _TG3CAP_FILERING_H
#define _TG3CAP_FILERING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "pcapng.h"
#include "repair.h"
#include "ring.h"

/**
 * struct fring_cfg - what to write and when to rotate
 * @prefix:     files are @prefix.NNNNNN.pcap; kept by the caller
 * @file_size:  bytes per file, header included (rotation size, -C)
 * @max_files:  keep at most this many files, deleting the oldest (-W);
 *              0 for no limit
 * @min_free:   retention: before a file is made, delete the oldest
 *              completed files until the file system keeps this much
 *              free with the new file (--min-free); 0 for none
 * @max_disk:   retention: ... until the series' files with the new one
 *              take at most this much (--max-disk); 0 for no limit
 * @rotate_sec: start a new file at every multiple of this many seconds
 *              of the wall clock, if the current one has records (-G)
 * @max_pkts:   stop after this many records (-c); 0 for no limit
 * @snaplen:    snaplen of the file header
 * @linktype:   linktype of the file header
 * @postrotate: run "@postrotate FILE" on every completed file (-z)
 * @postrotate_wait_ms: at close, wait at most this long for the -z
 *              commands still running (then leave them running)
 * @hurry:      if not NULL, the wait ends as soon as *@hurry is nonzero
 * @wake:       called by the swapper after an error, so that a drain
 *              thread asleep in poll() looks at it; may be NULL
 * @no_populate: do not prefault the files' pages
 * @file_mode:  mode the files are created with (umask applies); 0 for
 *              0600
 * @owner_set:  the files belong to @uid and @gid (-Z: also those made
 *              before root drops to them)
 * @io:         LWP_IO_MMAP: records go into the file's pages (the page
 *              cache); LWP_IO_DIRECT: into anonymous staging memory at
 *              the same offsets, written to the file with O_DIRECT a
 *              step at a time (a file system that refuses O_DIRECT
 *              gets LWP_IO_MMAP, with a message); LWP_IO_AUTO: direct
 *              where it can be, else mmap without a message
 * @window:     bytes prefaulted ahead of the writer (and the unit in
 *              which pages behind it are unmapped); 0 for
 *              FRING_WINDOW_DEFAULT
 * @clock:      wall clock in seconds; NULL for time(); tests use a fake
 * @log:        informational messages (rotation, repair); may be NULL
 * @format:     LWP_FMT_PCAP (records copied as the ring holds them) or
 *              LWP_FMT_PCAPNG (files PREFIX.NNNNNN.pcapng: SHB, IDB,
 *              records converted to EPBs, an ISB at each file's end)
 * @ifname:     the interface, for the pcapng IDB
 * @isb:        pcapng: fills the capture's counters for the ISB that
 *              ends a file; called by the thread that writes records
 *              (and at close), must not block on the capture's locks
 * @no_index:   no NAME.idx for the completed files, no catalog
 *              (--index off; fileindex.c)
 */
#define FRING_WINDOW_DEFAULT	(16ULL << 20)

/**
 * struct fring_space - a size: @bytes, or @pct percent of the file
 * system's size when @pct is not 0
 */
struct fring_space {
	uint64_t bytes;
	unsigned int pct;
};

enum lwp_io {
	LWP_IO_MMAP,
	LWP_IO_DIRECT,
	LWP_IO_AUTO,
};

enum lwp_format {
	LWP_FMT_PCAP,
	LWP_FMT_PCAPNG,
};

struct fring_cfg {
	const char *prefix;
	uint64_t file_size;
	unsigned int max_files;
	struct fring_space min_free;
	struct fring_space max_disk;
	unsigned int rotate_sec;
	uint64_t max_pkts;
	uint32_t snaplen;
	uint32_t linktype;
	const char *postrotate;
	unsigned int postrotate_wait_ms;
	const int *hurry;
	void (*wake)(void *arg);
	void *wake_arg;
	int no_populate;
	int io;
	unsigned int file_mode;
	bool owner_set;
	uid_t uid;
	gid_t gid;
	uint64_t window;
	time_t (*clock)(void *arg);
	void *clock_arg;
	lwp_log_fn log;
	void *log_arg;
	int format;
	const char *ifname;
	void (*isb)(void *arg, struct pcapng_isb *c);
	void *isb_arg;
	bool no_index;
};

/**
 * struct fring_stats - totals, readable from other threads at any time
 * @pkts:       records written
 * @caplen:     frame bytes in them
 * @file_bytes: bytes written to files, headers included
 * @files:      files completed and renamed
 * @waits:      times the drain thread had to wait for the swapper
 * @wait_ns:    time spent in those waits
 * @filtered:   records the capture filter rejected (filter.c); not loss
 * @filter_on:  a capture filter is in front of the output
 * @stream:     the output is a stream on standard output, not files
 * @merge_on:   the queues are merged into time order (merge.c)
 * @merge_forced: records the merge handed on early (a full buffer)
 * @indexed:    files whose index was written
 * @index_ns:   time the prefaulter spent indexing records
 * @index_skipped: files left without an index: written faster than
 *              they could be indexed
 */
struct fring_stats {
	uint64_t pkts;
	uint64_t caplen;
	uint64_t file_bytes;
	uint64_t files;
	uint64_t waits;
	uint64_t wait_ns;
	uint64_t filtered;
	int filter_on;
	int stream;
	int merge_on;
	uint64_t merge_forced;
	uint64_t indexed;
	uint64_t index_ns;
	uint64_t index_skipped;
};

struct fring;

int fring_open(struct fring **out, const struct fring_cfg *cfg, char *err);
int fring_write(void *f, const struct lwp_batch *b, char *err);
int fring_tick(struct fring *f, char *err);
int fring_ms_to_rotation(struct fring *f);
int fring_close(struct fring *f, struct fring_stats *final, char *err);
void fring_abort(struct fring *f);
void fring_get_stats(struct fring *f, struct fring_stats *st);
unsigned int fring_first_seq(struct fring *f);
int fring_io(struct fring *f);

struct io_event;
long lwp_aio_getevents(unsigned long ctx, long min, long nr,
		       struct io_event *ev);

#endif /* _TG3CAP_FILERING_H */
