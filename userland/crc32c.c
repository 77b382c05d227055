// SPDX-License-Identifier: GPL-2.0
/*
 * crc32c.c - CRC-32C (Castagnoli), the checksum of the indexes: with
 * SSE 4.2's instruction where the CPU has it, a table otherwise.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pktindex.h"

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t c;
	unsigned int i, k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78U : c >> 1;
		crc_table[i] = c;
	}
}

#if defined(__x86_64__)
/* The same CRC with the instruction: an index of 16 MB costs 2 ms, not 40. */
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = ~crc, v;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	while (len--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return ~c;
}
#endif

/**
 * lwp_crc32c() - CRC-32C (Castagnoli) of @len bytes at @buf, continuing
 * @crc (0 to start)
 */
uint32_t lwp_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_sse42(crc, p, len);
#endif
	if (!crc_table[1])
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
