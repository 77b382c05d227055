/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pktindex.h - the index of one capture file: where its records are in
 * time, and which blocks of it hold a host, a port, a protocol or a VLAN.
 *
 * A file NAME.pcap (or .pcapng) of a series gets NAME.pcap.idx when it
 * is completed.  The data file is cut into blocks of 1 << @block_shift
 * bytes; a record belongs to the block its first byte is in.  The index
 * holds, little-endian:
 *
 *   struct lwp_idx_hdr                     80 bytes
 *   struct lwp_idx_block  x @nblocks       where each block's first
 *                                          record starts, its time span
 *   struct lwp_idx_part   x @nparts        each part's first key, CRC
 *   struct lwp_idx_key    x @nkeys         (key, block) pairs, sorted,
 *                                          in parts of 1 << @part_shift
 *
 * The header's CRC covers the header, the blocks and the part table;
 * each part of the pairs has its own.  A lookup reads and checks the
 * head and only the parts its key can be in: a host's blocks over a
 * series of 79 files cost 79 heads (a few MB) instead of every pair
 * (1.3 GB, docs/results.md section 4).
 *
 * A key is a 32-bit hash of what a filter can name (lwp_idx_key()):
 * IPv4 and IPv6 addresses (source or destination, and ARP's), TCP, UDP
 * and SCTP ports, the IP protocol, VLAN ids.  The index only narrows a
 * search: a block that can hold a match is listed, and a hash collision
 * costs a block read, never a missed record; the filter itself decides
 * (tg3cap-extract).
 */
#ifndef _TG3CAP_PKTINDEX_H
#define _TG3CAP_PKTINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LWP_IDX_MAGIC		"TG3CIDX1"
#define LWP_IDX_VERSION		2
#define LWP_IDX_SUFFIX		".idx"
/* 64 KiB: a block read costs about what a seek does */
#define LWP_IDX_SHIFT_DEFAULT	16
#define LWP_IDX_SHIFT_MIN	12
#define LWP_IDX_SHIFT_MAX	30
/*
 * The most (key, block) pairs of one file: 32 MiB, and as much again to
 * sort them.  A file with more (a new host in nearly every record of a
 * GB of 64-byte records) goes without an index.
 */
#define LWP_IDX_PAIRS_MAX	(4U << 20)
/* pairs per part: 512 (4 KiB), a page read per lookup and file */
#define LWP_IDX_PART_SHIFT_DEFAULT	9
#define LWP_IDX_PART_SHIFT_MIN	2
#define LWP_IDX_PART_SHIFT_MAX	20
/* the distinct keys of one block a builder tells apart without sorting */
#define LWP_IDX_SET_BITS	11
#define LWP_IDX_SET		(1U << LWP_IDX_SET_BITS)

enum lwp_idx_kind {
	LWP_IDX_HOST4 = 1,
	LWP_IDX_HOST6,
	LWP_IDX_PORT,
	LWP_IDX_PROTO,
	LWP_IDX_VLAN,
};

/**
 * struct lwp_idx_hdr - the first 80 bytes of an index
 * @magic:       LWP_IDX_MAGIC
 * @version:     LWP_IDX_VERSION
 * @hdr_len:     sizeof(struct lwp_idx_hdr)
 * @data_len:    bytes of the data file indexed, its header included: an
 *               index of another length is stale
 * @records:     records in it
 * @first_ns:    the earliest timestamp (0 without records)
 * @last_ns:     the latest
 * @block_shift: blocks of 1 << @block_shift bytes of the data file
 * @nblocks:     block entries, (@data_len >> @block_shift) + 1
 * @nkeys:       key entries
 * @crc:         CRC-32C of the header with this field 0, the blocks and
 *               the part table
 * @pcapng:      the data file is pcapng
 * @part_shift:  parts of 1 << @part_shift pairs, the last one shorter
 * @nparts:      part entries: @nkeys in parts, rounded up
 * @pad:         0
 */
struct lwp_idx_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_len;
	uint64_t data_len;
	uint64_t records;
	uint64_t first_ns;
	uint64_t last_ns;
	uint32_t block_shift;
	uint32_t nblocks;
	uint32_t nkeys;
	uint32_t crc;
	uint32_t pcapng;
	uint32_t part_shift;
	uint32_t nparts;
	uint32_t pad;
};

/**
 * struct lwp_idx_block - one block of the data file
 * @off:    offset of the first record that starts in it, or of the
 *          first one after it (@data_len when none follows): the records
 *          of block i are [@off of i, @off of i + 1)
 * @min_ns: the earliest timestamp of its records (UINT64_MAX: none)
 * @max_ns: the latest (0: none)
 */
struct lwp_idx_block {
	uint64_t off;
	uint64_t min_ns;
	uint64_t max_ns;
};

/**
 * struct lwp_idx_part - one part of the pairs
 * @first_key: the key of its first pair
 * @crc:       CRC-32C of its pairs
 */
struct lwp_idx_part {
	uint32_t first_key;
	uint32_t crc;
};

/* Block @block holds at least one record with key @key. */
struct lwp_idx_key {
	uint32_t key;
	uint32_t block;
};

/**
 * struct lwp_idx_builder - an index being built, record by record
 *
 * Records must come in file order (lwp_idx_add()).
 */
struct lwp_idx_builder {
	unsigned int shift;
	uint64_t records;
	uint64_t first_ns;
	uint64_t last_ns;
	struct lwp_idx_block *blk;
	uint32_t nblk;
	uint32_t blk_cap;
	struct lwp_idx_key *key;
	size_t nkey;
	size_t key_cap;
	size_t sorted;		/* keys before this are sorted and unique */
	bool pcapng;
	unsigned int part_shift;	/* LWP_IDX_PART_SHIFT_DEFAULT */
	struct lwp_idx_part *part;	/* lwp_idx_seal()'s */
	uint32_t npart;
	uint32_t part_cap;
	size_t pairs_max;	/* LWP_IDX_PAIRS_MAX; tests set less */
	struct lwp_idx_key *tmp;	/* keys_settle()'s */
	size_t tmp_cap;
	uint32_t set_block;	/* the block the set's keys are of */
	uint32_t set_n;
	uint32_t set[LWP_IDX_SET];
};

/**
 * struct lwp_idx - a parsed and checked index; views into its buffer
 * @h:    the header
 * @blk:  the blocks
 * @part: the part table
 * @key:  all the pairs (lwp_idx_parse()), or NULL when only the head
 *        was read (lwp_idx_parse_head()): a lookup reads its parts
 */
struct lwp_idx {
	const struct lwp_idx_hdr *h;
	const struct lwp_idx_block *blk;
	const struct lwp_idx_part *part;
	const struct lwp_idx_key *key;
};

/* the keys of one frame (framekeys.c) */
#define LWP_IDX_FKEYS_MAX	16
struct lwp_idx_fkeys {
	uint32_t k[LWP_IDX_FKEYS_MAX];
	unsigned int n;
};

uint32_t lwp_idx_key(unsigned int kind, const void *val, size_t len);
void lwp_idx_frame_keys(struct lwp_idx_fkeys *ks, const uint8_t *f,
			size_t len);
uint32_t lwp_crc32c(uint32_t crc, const void *buf, size_t len);

int lwp_idx_init(struct lwp_idx_builder *b, unsigned int shift, bool pcapng);
int lwp_idx_reset(struct lwp_idx_builder *b, unsigned int shift, bool pcapng);
int lwp_idx_seal(struct lwp_idx_builder *b, uint64_t data_len,
		 struct lwp_idx_hdr *h);
int lwp_idx_add(struct lwp_idx_builder *b, uint64_t off, uint64_t ts_ns,
		const uint8_t *frame, uint32_t caplen);
int lwp_idx_finish(struct lwp_idx_builder *b, uint64_t data_len,
		   uint8_t **buf, size_t *len);
void lwp_idx_free(struct lwp_idx_builder *b);

uint64_t lwp_idx_head_len(const struct lwp_idx_hdr *h);
uint64_t lwp_idx_len(const struct lwp_idx_hdr *h);
int lwp_idx_parse_head(struct lwp_idx *x, const uint8_t *buf, size_t len,
		       uint64_t file_len);
int lwp_idx_parse(struct lwp_idx *x, const uint8_t *buf, size_t len);
void lwp_idx_key_parts(const struct lwp_idx *x, uint32_t key,
		       uint32_t *first, uint32_t *end);
uint64_t lwp_idx_part_off(const struct lwp_idx *x, uint32_t part);
int lwp_idx_parts_check(const struct lwp_idx *x, uint32_t first,
			uint32_t end, const struct lwp_idx_key *k);
size_t lwp_idx_blocks_in(const struct lwp_idx *x, const struct lwp_idx_key *k,
			 size_t n, uint32_t key, uint8_t *map);
size_t lwp_idx_blocks(const struct lwp_idx *x, uint32_t key, uint8_t *map);

int lwp_idx_build_mem(const uint8_t *p, size_t len, unsigned int shift,
		      unsigned int part_shift, uint8_t **buf, size_t *blen,
		      char *err);
int lwp_idx_build_file(int dfd, const char *name, char *err);
int lwp_idx_write(int dfd, const char *name, const uint8_t *buf, size_t len,
		  mode_t mode, char *err);
int lwp_idx_write_sealed(int dfd, const char *name,
			 const struct lwp_idx_hdr *h,
			 const struct lwp_idx_builder *b, mode_t mode,
			 char *err);

#endif /* _TG3CAP_PKTINDEX_H */
