// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_series.c - the name patterns of a series (series.h): parse, match,
 * overlap.
 *
 * Input: a flag byte (bits 2-4: the time zone), a time (8 bytes) and a
 * file number (4 bytes), then NUL-separated: base A, base B, and names.
 * A base takes strftime names when it holds a '%', as every caller
 * decides (lwp_prefix_is_pattern()).  Checked:
 *
 * - lwp_pat_parse() returns 0, -EINVAL or -ENAMETOOLONG, with a message
 *   on a refusal; it refuses an empty base or one with a '/'; on success
 *   it keeps the base and says it holds conversions only if it may;
 * - the names a series writes are its own, with what they are: for an
 *   accepted pattern, strftime() of it for the time (in the C locale
 *   the reader runs in, in the chosen zone) followed by ".NNNNNN.pcap",
 *   ".pcapng" or ".pcap.gz", and the base as written followed by
 *   ".NNNNNN.pcap.part" or ".pcapng.part", match with that number, part,
 *   pcapng and tail;
 * - lwp_pat_match() of every name agrees with a reference matcher
 *   written from the header's description of atoms (a backtracking
 *   walk, where series.c runs an NFA) and lwp_pat_match()'s contract;
 * - lwp_pat_overlap() never says no where a name (of the input, or one
 *   either series writes) belongs to both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "repair.h"
#include "series.h"
#include "util.h"

#define MAX_NAMES	16
#define REF_MAX_LEN	1024

static const char *const zones[] = {
	"UTC0",
	"CET-1CEST,M3.5.0,M10.5.0/3",
	"<+0530>-5:30",
	"<-03>3",
	"EST5EDT,M3.2.0,M11.1.0",
	"NZST-12NZDT,M9.5.0,M4.1.0/3",
};

/* a year strftime() writes in four digits, ISO years too: 1970-9998 */
#define TIME_SPAN	253370764800ULL

static int cc_has(unsigned int cls, unsigned char c)
{
	switch (cls) {
	case LWP_CC_DIGIT:
		return c >= '0' && c <= '9';
	case LWP_CC_SPDIGIT:
		return c == ' ' || (c >= '0' && c <= '9');
	case LWP_CC_ALPHA:
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
	case LWP_CC_SIGN:
		return c == '+' || c == '-';
	case LWP_CC_TZ:
		return c == '+' || c == '-' || (c >= '0' && c <= '9') ||
		       (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
	case LWP_CC_ANY:
		return c && c != '/';
	}
	return cls < 256 && cls == c;
}

/* do the atoms from @i on match @s[k..len)?  memo: 1 no, 2 yes */
static int ref_atoms(const struct lwp_pat *p, unsigned int i, const char *s,
		     size_t k, size_t len, uint8_t *memo)
{
	uint8_t *m = &memo[(size_t)i * (len + 1) + k];
	const struct lwp_atom *a = &p->atom[i];
	int ok, c;

	if (i == p->n)
		return k == len;
	if (*m)
		return *m == 2;
	c = k < len && cc_has(a->cls, s[k]);
	switch (a->rep) {
	case LWP_REP_ONE:
		ok = c && ref_atoms(p, i + 1, s, k + 1, len, memo);
		break;
	case LWP_REP_OPT:
		ok = ref_atoms(p, i + 1, s, k, len, memo) ||
		     (c && ref_atoms(p, i + 1, s, k + 1, len, memo));
		break;
	case LWP_REP_STAR:
		ok = ref_atoms(p, i + 1, s, k, len, memo) ||
		     (c && ref_atoms(p, i, s, k + 1, len, memo));
		break;
	default:
		FUZZ_CHECK(0, "atom %u has repetition %u", i, a->rep);
	}
	*m = ok ? 2 : 1;
	return ok;
}

/*
 * lwp_pat_match()'s contract, directly: the first '.' (not the name's
 * first character) that starts 6-9 digits and ".pcap", "ng" or not,
 * then nothing, ".part" or '.' and more; a .part's stem is the base as
 * written, a completed file's stem is matched by the atoms.
 */
static int ref_match(const struct lwp_pat *p, const char *name,
		     struct lwp_name *out)
{
	size_t len = strlen(name), d, at, tail;
	unsigned int seq;
	uint8_t *memo;
	int part, ng, ok;

	for (at = 1; at < len; at++) {
		if (name[at] != '.')
			continue;
		for (d = 0, seq = 0; d < 10 && name[at + 1 + d] >= '0' &&
		     name[at + 1 + d] <= '9'; d++)
			seq = seq * 10 + (name[at + 1 + d] - '0');
		if (d < 6 || d > 9 || strncmp(name + at + 1 + d, ".pcap", 5))
			continue;
		tail = at + 1 + d + 5;
		ng = !strncmp(name + tail, "ng", 2);
		tail += ng ? 2 : 0;
		part = !strcmp(name + tail, ".part");
		if (name[tail] && (name[tail] != '.' || !name[tail + 1]))
			continue;
		if (part) {
			ok = at == strlen(p->base) &&
			     !strncmp(name, p->base, at);
		} else {
			memo = calloc((size_t)(p->n + 1) * (at + 1), 1);
			FUZZ_CHECK(memo, "out of memory");
			ok = ref_atoms(p, 0, name, 0, at, memo);
			free(memo);
		}
		if (!ok)
			continue;
		out->seq = seq;
		out->part = part;
		out->ng = ng;
		out->tail = tail;
		return 0;
	}
	return -ENOENT;
}

static int parse(struct lwp_pat *p, const char *base, bool tm)
{
	char err[LWP_ERRLEN];
	const char *s;
	int ret, conv = 0;

	memset(err, 0xa5, sizeof(err));
	ret = lwp_pat_parse(p, base, tm, err);
	FUZZ_CHECK(!ret || ret == -EINVAL || ret == -ENAMETOOLONG,
		   "lwp_pat_parse('%s'): %d", base, ret);
	if (ret) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) && *err &&
			   (unsigned char)*err != 0xa5,
			   "refused '%s' without a message", base);
		return ret;
	}
	FUZZ_CHECK(*base && !strchr(base, '/'), "took '%s'", base);
	FUZZ_CHECK(!strcmp(p->base, base), "kept '%s' as '%s'", base,
		   p->base);
	FUZZ_CHECK(p->n <= LWP_PAT_ATOMS, "%u atoms", p->n);
	for (s = base; tm && *s; s++) {
		if (*s == '%' && s[1] == '%')
			s++;
		else if (*s == '%')
			conv = 1;
	}
	FUZZ_CHECK(p->time == conv, "'%s' (strftime %d): time %d", base, tm,
		   p->time);
	return 0;
}

static void check_match(const struct lwp_pat *p, const char *name,
			const struct lwp_name *want)
{
	struct lwp_name got = { 0 }, ref = { 0 };
	int ret, rret;

	ret = lwp_pat_match(p, name, &got);
	FUZZ_CHECK(!ret || ret == -ENOENT, "lwp_pat_match: %d", ret);
	if (want) {
		FUZZ_CHECK(!ret && got.seq == want->seq &&
			   got.part == want->part && got.ng == want->ng &&
			   got.tail == want->tail,
			   "'%s' of '%s': %d seq %u part %d ng %d tail %u; its own name: seq %u part %d ng %d tail %u",
			   name, p->base, ret, got.seq, got.part, got.ng,
			   got.tail, want->seq, want->part, want->ng,
			   want->tail);
	}
	if (strlen(name) > REF_MAX_LEN)
		return;
	rret = ref_match(p, name, &ref);
	FUZZ_CHECK(ret == rret && (ret || (got.seq == ref.seq &&
		   got.part == ref.part && got.ng == ref.ng &&
		   got.tail == ref.tail)),
		   "'%s' of '%s': %d seq %u part %d ng %d tail %u; reference %d seq %u part %d ng %d tail %u",
		   name, p->base, ret, got.seq, got.part, got.ng, got.tail,
		   rret, ref.seq, ref.part, ref.ng, ref.tail);
}

/* names next to those, which only the reference judges */
static void near_names(const char *stem, unsigned int seq,
		       char names[][NAME_MAX * 4])
{
	static const char *const fmt[] = {
		"%s.%05u.pcap",		/* too few digits */
		"%s.%010u.pcap",	/* too many */
		"%s.%06u.pcap.",	/* nothing after the dot */
		"%s.%06u.pcapx",
		"%s.%06u.pcap.part",	/* the completed stem as a .part */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fmt); i++)
		snprintf(names[i], sizeof(names[i]), fmt[i], stem,
			 seq % 100000);
}

/*
 * The names series @p writes; @want says what each is.  @near gets the
 * names next to them (near_names()).
 */
static unsigned int own_names(const struct lwp_pat *p, bool tm, time_t t,
			      unsigned int seq, char names[][NAME_MAX * 4],
			      struct lwp_name *want, char near[][NAME_MAX * 4])
{
	static const char *const sfx[] = { ".pcap", ".pcapng", ".pcap.gz" };
	char stem[NAME_MAX * 3];
	struct tm tmv;
	unsigned int i, n = 0;
	int len;

	if (tm) {
		/* also for "%%" alone, which holds no conversion */
		FUZZ_CHECK(localtime_r(&t, &tmv), "localtime of %lld",
			   (long long)t);
		if (!strftime(stem, sizeof(stem), p->base, &tmv))
			return 0;	/* nothing: the CLI refuses it */
	} else {
		snprintf(stem, sizeof(stem), "%s", p->base);
	}
	for (i = 0; i < 3; i++, n++) {
		len = snprintf(names[n], sizeof(names[n]), "%s.%06u%s", stem,
			       seq, sfx[i]);
		want[n] = (struct lwp_name){ seq, false, i == 1,
			len - (i == 2 ? 3 : 0) };
	}
	for (i = 0; i < 2; i++, n++) {
		len = snprintf(names[n], sizeof(names[n]), "%s.%06u%s.part",
			       p->base, seq, sfx[i]);
		want[n] = (struct lwp_name){ seq, true, i == 1, len - 5 };
	}
	near_names(stem, seq, near);
	return n;
}

static void check_overlap(const struct lwp_pat *a, const struct lwp_pat *b,
			  const char *name)
{
	struct lwp_name x;

	if (lwp_pat_match(a, name, &x) || lwp_pat_match(b, name, &x))
		return;
	FUZZ_CHECK(lwp_pat_overlap(a, b) && lwp_pat_overlap(b, a),
		   "'%s' belongs to '%s' and '%s', which do not overlap",
		   name, a->base, b->base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char own[2][5][NAME_MAX * 4], near[5][NAME_MAX * 4];
	static struct lwp_pat pat[2];
	struct lwp_name want[2][5];
	char *tok[2 + MAX_NAMES];
	unsigned int nown[2] = { 0, 0 }, ntok = 0, i, k, seq = 0;
	const uint8_t *p, *end = data + size, *nul;
	int ok[2] = { 0, 0 };
	uint64_t t = 0;
	bool tm[2];
	size_t n;

	if (size < 13)
		return 0;
	setenv("TZ", zones[(data[0] >> 2 & 7) % ARRAY_SIZE(zones)], 1);
	tzset();
	memcpy(&t, data + 1, 8);
	memcpy(&seq, data + 9, 4);
	t %= TIME_SPAN;
	seq %= LWP_SEQ_MAX + 1;

	for (p = data + 13; p < end && ntok < ARRAY_SIZE(tok); ntok++) {
		nul = memchr(p, '\0', end - p);
		n = (nul ? nul : end) - p;
		tok[ntok] = malloc(n + 1);
		FUZZ_CHECK(tok[ntok], "out of memory");
		memcpy(tok[ntok], p, n);
		tok[ntok][n] = '\0';
		p += n + 1;
	}
	for (i = 0; i < 2 && i < ntok; i++) {
		/*
		 * A literal base with a '%' (strftime_names false) is no
		 * series of the reader's; lwp_pat_overlap() misses its
		 * .part names (they differ from its atoms for "%%").
		 */
		tm[i] = strchr(tok[i], '%');
		ok[i] = !parse(&pat[i], tok[i], tm[i]);
		if (!ok[i])
			continue;
		nown[i] = own_names(&pat[i], tm[i], (time_t)t, seq, own[i],
				    want[i], near);
		for (k = 0; k < nown[i]; k++)
			check_match(&pat[i], own[i][k], &want[i][k]);
		for (k = 0; nown[i] && k < ARRAY_SIZE(near); k++)
			check_match(&pat[i], near[k], NULL);
		for (k = 2; k < ntok; k++)
			check_match(&pat[i], tok[k], NULL);
	}
	if (ok[0] && ok[1]) {
		for (i = 0; i < 2; i++)
			for (k = 0; k < nown[i]; k++)
				check_overlap(&pat[0], &pat[1], own[i][k]);
		for (k = 2; k < ntok; k++)
			check_overlap(&pat[0], &pat[1], tok[k]);
	}
	for (i = 0; i < ntok; i++)
		free(tok[i]);
	return 0;
}
