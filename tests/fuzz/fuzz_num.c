// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_num.c - lwp_parse_u64() and lwp_parse_size() against a reference.
 *
 * Input: a selector byte (bit 0: lwp_parse_size, else lwp_parse_u64),
 * the 64-bit min, max and unit (little-endian; missing bytes are 0,
 * a max of 0 is UINT64_MAX), then the string, up to the first NUL.
 * The reference is written from util.h's contract with 128-bit
 * arithmetic: digits only, at least one, no sign or blank; for a size
 * one suffix b, k, m or g in either case; -EINVAL for anything else,
 * -ERANGE for a number that does not fit 64 bits (before the suffix is
 * looked at, as strtoull() sees it) or lies outside [min, max]; the
 * value and 0 otherwise, and *out untouched on an error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "util.h"

static uint64_t get64(const uint8_t *p, size_t size, size_t at)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && at + i < size; i++)
		v |= (uint64_t)p[at + i] << (8 * i);
	return v;
}

static int ref_parse(const char *s, int size, uint64_t unit, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	unsigned __int128 v = 0, mult = size ? unit : 1;
	int big = 0;

	if (!isdigit((unsigned char)*s) || (*s & 0x80))
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > UINT64_MAX)
			big = 1, v = (unsigned __int128)UINT64_MAX + 1;
	}
	if (big)
		return -ERANGE;
	if (*s && size) {
		switch (*s) {
		case 'b': case 'B':
			mult = 1;
			break;
		case 'k': case 'K':
			mult = 1ULL << 10;
			break;
		case 'm': case 'M':
			mult = 1ULL << 20;
			break;
		case 'g': case 'G':
			mult = 1ULL << 30;
			break;
		default:
			return -EINVAL;
		}
		s++;
	}
	if (*s)
		return -EINVAL;
	v *= mult;
	if (v > UINT64_MAX || v < min || v > max)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t canary = 0x5a5a5a5a5a5a5a5aULL;
	uint64_t min, max, unit, got = canary, want = canary;
	int sz, ret, ref;
	size_t n;
	char *s;

	if (size < 1)
		return 0;
	sz = data[0] & 1;
	min = get64(data, size, 1);
	max = get64(data, size, 9);
	unit = get64(data, size, 17);
	if (!max)
		max = UINT64_MAX;
	n = size > 25 ? size - 25 : 0;
	/* a string of its own, to its last byte, for ASan */
	s = malloc(n + 1);
	FUZZ_CHECK(s, "out of memory");
	memcpy(s, data + size - n, n);
	s[n] = '\0';

	if (sz)
		ret = lwp_parse_size(s, unit, min, max, &got);
	else
		ret = lwp_parse_u64(s, min, max, &got);
	ref = ref_parse(s, sz, unit, min, max, &want);
	FUZZ_CHECK(ret == ref && got == want,
		   "%s('%s', unit %llu, [%llu, %llu]): %d, %llu; expected %d, %llu",
		   sz ? "lwp_parse_size" : "lwp_parse_u64", s,
		   (unsigned long long)unit, (unsigned long long)min,
		   (unsigned long long)max, ret, (unsigned long long)got, ref,
		   (unsigned long long)want);
	free(s);
	return 0;
}
