// SPDX-License-Identifier: GPL-2.0
/*
 * test_extract_query.c - tg3cap-extract's query in process: the times of
 * -b and -e, and what the index may use of a filter (extract_query.c).
 *
 * The randomized test compares whole answers with tcpdump's; here each
 * rule is checked by itself, above all the refusals: a filter read too
 * generously would cost packets, one read too strictly only time.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extract.h"
#include "harness.h"
#include "pktindex.h"
#include "test_extract.h"

#define NS	1000000000ULL

/* 2026-12-06T10:02:00Z */
#define T1	1796551320ULL

int xt_test_time(void)
{
	static const struct {
		const char *s;
		uint64_t ns;
	} good[] = {
		{ "@1796551320", T1 * NS },
		{ "1796551320", T1 * NS },
		{ "@1796551320.5", T1 * NS + 500000000 },
		{ "1796551320.000000001", T1 * NS + 1 },
		{ "2026-12-06T10:02:00Z", T1 * NS },
		{ "2026-12-06 10:02:00Z", T1 * NS },
		{ "2026-12-06T10:02Z", T1 * NS },
		{ "2026-12-06T10:02:00.25Z", T1 * NS + 250000000 },
		{ "2026-12-06T11:02:00+01:00", T1 * NS },
		{ "2026-12-06T11:02:00+0100", T1 * NS },
		{ "2026-12-06T05:32:00-04:30", T1 * NS },
		/* local time: TZ is UTC+1 below */
		{ "2026-12-06T11:02:00", T1 * NS },
		{ "2026-12-06T11:02:00.123456789", T1 * NS + 123456789 },
	};
	static const char *const bad[] = {
		"", "@", "@x", "12x", "1.", "1.1234567891", "-5",
		"2026-12-06", "2026-12-06T10", "2026-13-06T10:02:00Z",
		"2026-02-29T10:02:00Z", "2026-12-32T10:02:00Z",
		"2026-12-06T24:00:00Z", "2026-12-06T10:60:00Z",
		"2026-12-06T10:02:60Z", "2026-12-06T10:02:00+24:00",
		"2026-12-06T10:02:00+01:60", "2026-12-06T10:02:00Zx",
		"2026-12-06T10:02:00.Z", "1969-12-31T23:59:59Z",
		"26-12-06T10:02:00Z", "2026-12-06t10:02:00Z",
		"yesterday",
	};
	const char *tz = getenv("TZ");
	unsigned int i;
	uint64_t ns;
	int ret = 0;

	setenv("TZ", "CET-1", 1);
	tzset();
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ns = 0;
		if (lwp_parse_time(good[i].s, &ns) || ns != good[i].ns) {
			fprintf(stderr, "  '%s': %llu, not %llu\n", good[i].s,
				(unsigned long long)ns,
				(unsigned long long)good[i].ns);
			ret = -1;
		}
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!lwp_parse_time(bad[i], &ns)) {
			fprintf(stderr, "  '%s' taken as %llu\n", bad[i],
				(unsigned long long)ns);
			ret = -1;
		}
	}
	if (tz)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	return ret;
}

/* @nw has exactly the @n keys of @want (in any order). */
static bool keys_are(const struct lwp_narrow *nw, const uint32_t *want,
		     unsigned int n)
{
	unsigned int i, j;

	if (nw->n != n)
		return false;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n && nw->key[j] != want[i]; j++)
			;
		if (j == n)
			return false;
	}
	return true;
}

int xt_test_narrow(void)
{
	const struct {
		const char *f;
		uint32_t k[3];
		unsigned int n;
	} yes[] = {
		{ "host 10.0.0.1", { key_host("10.0.0.1") }, 1 },
		{ "src 10.0.0.1", { key_host("10.0.0.1") }, 1 },
		{ "ip dst host 10.0.0.1", { key_host("10.0.0.1") }, 1 },
		{ "arp host 10.0.0.1", { key_host("10.0.0.1") }, 1 },
		{ "host 2001:db8::1", { key_host("2001:db8::1") }, 1 },
		{ "port 80", { key_be16(LWP_IDX_PORT, 80) }, 1 },
		{ "tcp dst port 443", { key_be16(LWP_IDX_PORT, 443), key_proto(6) },
		  2 },
		{ "udp", { key_proto(17) }, 1 },
		{ "icmp6", { key_proto(58) }, 1 },
		{ "ip6 proto 132", { key_proto(132) }, 1 },
		{ "vlan 100", { key_be16(LWP_IDX_VLAN, 100) }, 1 },
		/* a bare value repeats the primitive before it */
		{ "host 10.0.0.1 and 10.0.0.2",
		  { key_host("10.0.0.1"), key_host("10.0.0.2") }, 2 },
		{ "tcp port 80 and 443",
		  { key_be16(LWP_IDX_PORT, 80), key_proto(6),
		    key_be16(LWP_IDX_PORT, 443) }, 3 },
		{ "host 10.0.0.1&&port 53",
		  { key_host("10.0.0.1"), key_be16(LWP_IDX_PORT, 53) }, 2 },
		/* known words that narrow nothing: not used, no harm */
		{ "ip and host 10.0.0.1", { key_host("10.0.0.1") }, 1 },
		{ "src and dst host 10.0.0.1", { key_host("10.0.0.1") }, 1 },
		{ "vlan and vlan 20", { key_be16(LWP_IDX_VLAN, 20) }, 1 },
	};
	static const char *const no[] = {
		"", "ip", "arp",
		"host 10.0.0.1 or host 10.0.0.2",
		"host 10.0.0.1 || port 80",
		"not host 10.0.0.1",
		"! host 10.0.0.1",
		"(host 10.0.0.1)",
		"host 10.0.0.1 and (port 80)",
		"ether host 02:00:00:00:00:01",
		"net 10.0.0.0/8",
		"host example.org",
		"host 10.0.0.1 and portrange 1-2",
		"mpls and host 10.0.0.1",
		"pppoes and host 10.0.0.1",
		"geneve and host 10.0.0.1",
		"tcp[13] & 2 != 0 and host 10.0.0.1",
		"greater 100 and host 10.0.0.1",
		"port 0x50",
		"port 080",
		"HOST 10.0.0.1",
		"vlan and vlan and vlan and host 10.0.0.1",
		"vlan 1 and 2 and 3",
		"host 10.0.0.1 AND port 80",
	};
	struct lwp_narrow nw;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		CHECK(!lwp_narrow_parse(yes[i].f, &nw));
		if (!keys_are(&nw, yes[i].k, yes[i].n)) {
			fprintf(stderr, "  '%s': %u keys (%s), not %u\n",
				yes[i].f, nw.n, nw.why, yes[i].n);
			ret = -1;
		}
	}
	for (i = 0; i < ARRAY_SIZE(no); i++) {
		CHECK(!lwp_narrow_parse(no[i], &nw));
		if (nw.n || !nw.why[0]) {
			fprintf(stderr, "  '%s': %u keys, should be none\n",
				no[i], nw.n);
			ret = -1;
		}
	}
	return ret;
}
