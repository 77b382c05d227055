// SPDX-License-Identifier: GPL-2.0
/*
 * extract_query.c - tg3cap-extract's query: the time bounds, the filter
 * compiled by libpcap, and what of the filter the index can use.
 *
 * The index narrows only where that is safe.  libpcap's grammar is
 * large; the subset read here is a top-level conjunction ("and", "&&")
 * of primitives whose match needs a key the index has for the record's
 * block (pktindex.c frame_keys()):
 *
 *   [ip|ip6|arp] [src|dst] [host] ADDR      an IPv4 or IPv6 literal
 *   [tcp|udp|sctp] [src|dst] port N
 *   tcp, udp, sctp, icmp, icmp6, ip proto N, ip6 proto N
 *   vlan N
 *
 * and a bare value after "and" that repeats the primitive before it
 * ("port 80 and 443"), as tcpdump reads it.  Since everything is ANDed,
 * a record that matches has all the keys, and a conjunct with known
 * words that is none of the above ("ip", "src" of "src and dst host")
 * is just not used.  An "or", "not", "!", a parenthesis or any word not
 * listed here (ether, net, mpls, pppoes, a byte offset, a host name...)
 * anywhere turns the narrowing off: some of them move where libpcap
 * looks in the frame (mpls, pppoes, geneve), and reading the filter
 * wrong must cost time, never a packet.  So do more than two "vlan"s:
 * the index takes keys inside two tags at most.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extract.h"
#include "pktindex.h"

#define NS		1000000000ULL
#define TOKENS_MAX	256

/* @digits decimal digits at *@p, exactly */
static int digits(const char **p, unsigned int n, int *v)
{
	unsigned int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -EINVAL;
		*v = *v * 10 + (*p)[i] - '0';
	}
	*p += n;
	return 0;
}

/* ".fff": 1 to 9 digits of a second; nothing: 0 */
static int fraction(const char **p, uint64_t *ns)
{
	uint64_t scale = NS / 10;
	const char *s = *p;

	*ns = 0;
	if (*s != '.')
		return 0;
	s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		if (!scale)
			return -EINVAL;	/* below a nanosecond */
		*ns += (*s - '0') * scale;
		scale /= 10;
	}
	*p = s;
	return 0;
}

static int epoch(const char *s, uint64_t *ns)
{
	uint64_t sec = 0, frac;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		if (sec > (UINT64_MAX / NS - 1) / 10)
			return -ERANGE;
		sec = sec * 10 + (*s - '0');
	}
	if (fraction(&s, &frac) || *s)
		return -EINVAL;
	*ns = sec * NS + frac;
	return 0;
}

/* The same fields after mktime()/timegm() normalized them. */
static bool same_tm(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon &&
	       a->tm_mday == b->tm_mday && a->tm_hour == b->tm_hour &&
	       a->tm_min == b->tm_min && a->tm_sec == b->tm_sec;
}

static int iso8601(const char *s, uint64_t *ns)
{
	struct tm tm = { 0 }, want, got;
	int v[6] = { 0 }, oh = 0, om = 0, sign = 0;
	uint64_t frac = 0;
	time_t t;

	if (digits(&s, 4, &v[0]) || *s++ != '-' || digits(&s, 2, &v[1]) ||
	    *s++ != '-' || digits(&s, 2, &v[2]) || (*s != 'T' && *s != ' '))
		return -EINVAL;
	s++;
	if (digits(&s, 2, &v[3]) || *s++ != ':' || digits(&s, 2, &v[4]))
		return -EINVAL;
	if (*s == ':') {
		s++;
		if (digits(&s, 2, &v[5]) || fraction(&s, &frac))
			return -EINVAL;
	}
	if (*s == 'Z') {
		s++;
		sign = 1;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (digits(&s, 2, &oh))
			return -EINVAL;
		if (*s == ':')
			s++;
		if (digits(&s, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
	}
	if (*s || v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 ||
	    v[3] > 23 || v[4] > 59 || v[5] > 59)
		return -EINVAL;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	want = tm;
	if (sign) {
		t = timegm(&tm);
		if (t == (time_t)-1 || !gmtime_r(&t, &got))
			return -EINVAL;
		t -= sign * (oh * 3600 + om * 60);
	} else {
		/* as tcpdump's -G names its files: local time */
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1 || !localtime_r(&t, &got))
			return -EINVAL;
	}
	/* Feb 30, or a local time that a DST change skips */
	if (!same_tm(&want, &got) || t < 0)
		return -EINVAL;
	*ns = (uint64_t)t * NS + frac;
	return 0;
}

/**
 * lwp_parse_time() - a time of -b or -e
 * @s: ISO 8601, "2026-12-06T10:02:00" (or a space for the T) with
 *     optional seconds, fraction (to the nanosecond) and "Z" or "+hh:mm"
 *     (local time without one, as tcpdump names its files), or seconds
 *     since the epoch with an optional fraction, "@1765000000.5" or
 *     "1765000000"
 * @ns: nanoseconds since the epoch
 *
 * Return: 0, -EINVAL or -ERANGE.
 */
int lwp_parse_time(const char *s, uint64_t *ns)
{
	const char *d = s;

	if (*s == '@')
		return epoch(s + 1, ns);
	while (isdigit((unsigned char)*d))
		d++;
	if (!*d || *d == '.')
		return epoch(s, ns);
	return iso8601(s, ns);
}

/**
 * lwp_xfilter_compile() - @filter in tcpdump's syntax, as tcpdump -r
 * compiles it for our files (Ethernet, optimized, netmask 0 as tcpdump -r
 * has it: filter.c's capture filters take tcpdump's live "unknown")
 * @prog: the program, for pcap_offline_filter(); pcap_freecode() it
 * @err: the reason on failure: libpcap's words, one line
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int lwp_xfilter_compile(const char *filter, struct bpf_program *prog,
			char *err)
{
	pcap_t *p;
	int ret = 0;

	p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, LWP_X_SNAPLEN,
						 PCAP_TSTAMP_PRECISION_NANO);
	if (!p)
		return lwp_err(err, -ENOMEM, "out of memory");
	if (pcap_compile(p, prog, filter, 1, 0))
		ret = lwp_err(err, -EINVAL, "bad filter '%s': %s", filter,
			      pcap_geterr(p));
	pcap_close(p);
	return ret;
}

enum kind { K_NONE, K_HOST, K_PORT, K_PROTO, K_VLAN };

/* What a conjunct asks, for the key and for a bare value after it. */
struct prim {
	enum kind kind;
	uint8_t l4;		/* a port's protocol (tcp port), or 0 */
	char qual[8];		/* ip, ip6, arp, tcp, udp, sctp or "" */
};

static const char *const words[] = {
	"and", "&&", "src", "dst", "host", "port", "proto", "vlan", "ip",
	"ip6", "arp", "tcp", "udp", "sctp", "icmp", "icmp6",
};

static bool is_word(const char *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(t, words[i]))
			return true;
	return false;
}

/* A decimal number without a leading zero (libpcap reads 010 as 8). */
static bool number(const char *t, unsigned long max, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)*t) || (t[0] == '0' && t[1]))
		return false;
	errno = 0;
	*v = strtoul(t, &end, 10);
	return !*end && !errno && *v <= max;
}

/* An IPv4 dotted quad or an IPv6 literal: its key. */
static bool address(const char *t, uint32_t *key)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, t, a) == 1) {
		*key = lwp_idx_key(LWP_IDX_HOST4, a, 4);
		return true;
	}
	if (strchr(t, ':') && inet_pton(AF_INET6, t, a) == 1) {
		*key = lwp_idx_key(LWP_IDX_HOST6, a, 16);
		return true;
	}
	return false;
}

static bool is_value(const char *t)
{
	unsigned long v;
	uint32_t k;

	return number(t, ULONG_MAX, &v) || address(t, &k);
}

static void add_key(struct lwp_narrow *nw, uint32_t key)
{
	unsigned int i;

	for (i = 0; i < nw->n; i++)
		if (nw->key[i] == key)
			return;	/* "tcp port 80 and 443": tcp once */
	if (nw->n < LWP_NARROW_MAX)
		nw->key[nw->n++] = key;
}

static uint32_t proto_key(unsigned long proto)
{
	uint8_t b = proto;

	return lwp_idx_key(LWP_IDX_PROTO, &b, 1);
}

static uint32_t be16_key(unsigned int kind, unsigned long v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	return lwp_idx_key(kind, b, 2);
}

/* The keys of a value of the kind @p, into @nw; false: not that kind. */
static bool value_keys(const struct prim *p, const char *t,
		       struct lwp_narrow *nw)
{
	unsigned long v;
	uint32_t key;

	switch (p->kind) {
	case K_HOST:
		if (!address(t, &key))
			return false;
		add_key(nw, key);
		return true;
	case K_PORT:
		if (!number(t, 65535, &v))
			return false;
		add_key(nw, be16_key(LWP_IDX_PORT, v));
		if (p->l4)
			add_key(nw, proto_key(p->l4));
		return true;
	case K_PROTO:
		if (!number(t, 255, &v))
			return false;
		add_key(nw, proto_key(v));
		return true;
	case K_VLAN:
		if (!number(t, 4095, &v))
			return false;
		add_key(nw, be16_key(LWP_IDX_VLAN, v));
		return true;
	default:
		return false;
	}
}

static uint8_t l4_of(const char *q)
{
	if (!strcmp(q, "tcp"))
		return 6;
	if (!strcmp(q, "udp"))
		return 17;
	if (!strcmp(q, "sctp"))
		return 132;
	if (!strcmp(q, "icmp"))
		return 1;
	if (!strcmp(q, "icmp6"))
		return 58;
	return 0;
}

/*
 * One conjunct, @t[0..@n): its keys into @nw, what it is into @p (for a
 * bare value after it: @p as it was before is that value's kind).
 * A conjunct that is none of the forms adds nothing.
 */
static void conjunct(char **t, unsigned int n, struct prim *p,
		     struct lwp_narrow *nw)
{
	static const char *const quals[] = {
		"ip", "ip6", "arp", "tcp", "udp", "sctp", "icmp", "icmp6",
	};
	unsigned int i = 0, q;
	bool dir = false;
	struct prim np = { K_NONE, 0, "" };

	if (n == 1 && is_value(t[0]) && p->kind != K_NONE) {
		/* a bare value: the primitive before, again */
		if (!value_keys(p, t[0], nw))
			p->kind = K_NONE;
		return;
	}
	for (q = 0; q < ARRAY_SIZE(quals) && i < n; q++)
		if (!strcmp(t[i], quals[q])) {
			snprintf(np.qual, sizeof(np.qual), "%s", quals[q]);
			i++;
			break;
		}
	if (i < n && (!strcmp(t[i], "src") || !strcmp(t[i], "dst"))) {
		dir = true;
		i++;
	}
	*p = np;
	if (i == n) {
		/* tcp, udp, sctp, icmp, icmp6: the protocol */
		if (!dir && l4_of(np.qual))
			add_key(nw, proto_key(l4_of(np.qual)));
		return;
	}
	if (!strcmp(t[i], "host") || (is_value(t[i]) && i + 1 == n)) {
		if (!strcmp(t[i], "host"))
			i++;
		if (np.qual[0] && strcmp(np.qual, "ip") &&
		    strcmp(np.qual, "ip6") && strcmp(np.qual, "arp"))
			return;
		p->kind = K_HOST;
	} else if (!strcmp(t[i], "port")) {
		i++;
		p->l4 = l4_of(np.qual);
		if (np.qual[0] && p->l4 != 6 && p->l4 != 17 && p->l4 != 132)
			return;
		p->kind = K_PORT;
	} else if (!strcmp(t[i], "proto")) {
		i++;
		if (dir || (strcmp(np.qual, "ip") && strcmp(np.qual, "ip6")))
			return;
		p->kind = K_PROTO;
	} else if (!strcmp(t[i], "vlan")) {
		i++;
		if (dir || np.qual[0])
			return;
		p->kind = K_VLAN;
	} else {
		return;
	}
	if (i + 1 != n || !value_keys(p, t[i], nw))
		p->kind = K_NONE;
}

/*
 * The words of @f into @t, "&&" one of its own (tcpdump takes "a&&b"):
 * @buf holds them, 3 * strlen(@f) + 1 bytes.  -E2BIG: too many.
 */
static int tokenize(const char *f, char *buf, char **t, unsigned int *n)
{
	char *d = buf, *save, *w;

	for (; *f; f++) {
		if (f[0] == '&' && f[1] == '&') {
			memcpy(d, " && ", 4);
			d += 4;
			f++;
		} else {
			*d++ = *f;
		}
	}
	*d = '\0';
	*n = 0;
	for (w = strtok_r(buf, " \t\n\r\f\v", &save); w;
	     w = strtok_r(NULL, " \t\n\r\f\v", &save)) {
		if (*n == TOKENS_MAX)
			return -E2BIG;
		t[(*n)++] = w;
	}
	return 0;
}

/**
 * lwp_narrow_parse() - what the index can use of @filter
 * @filter: tcpdump syntax, NULL or "" for none
 * @nw: the keys; @nw->n == 0 with @nw->why when there are none
 *
 * Return: 0 or -ENOMEM.
 */
int lwp_narrow_parse(const char *filter, struct lwp_narrow *nw)
{
	struct prim p = { K_NONE, 0, "" };
	unsigned int n, i, start, vlans = 0;
	char *buf, *t[TOKENS_MAX];
	int ret = 0;

	memset(nw, 0, sizeof(*nw));
	if (!filter || !*filter) {
		snprintf(nw->why, sizeof(nw->why), "no filter");
		return 0;
	}
	if (strpbrk(filter, "()!|")) {
		snprintf(nw->why, sizeof(nw->why),
			 "the filter has 'or', 'not' or parentheses");
		return 0;
	}
	buf = malloc(3 * strlen(filter) + 1);
	if (!buf)
		return -ENOMEM;
	if (tokenize(filter, buf, t, &n)) {
		snprintf(nw->why, sizeof(nw->why), "the filter is too long");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(t[i], "vlan"))
			vlans++;
		if (!is_word(t[i]) && !is_value(t[i])) {
			snprintf(nw->why, sizeof(nw->why),
				 "'%.40s' is not a word the index can use",
				 t[i]);
			goto out;
		}
	}
	for (start = i = 0; i <= n; i++) {
		if (i < n && strcmp(t[i], "and") && strcmp(t[i], "&&"))
			continue;
		if (i > start) {
			/* "vlan 100 and 200" is two tags deep */
			if (p.kind == K_VLAN && i - start == 1 &&
			    is_value(t[start]))
				vlans++;
			conjunct(t + start, i - start, &p, nw);
		}
		start = i + 1;
	}
	if (vlans > 2) {
		nw->n = 0;
		snprintf(nw->why, sizeof(nw->why),
			 "more than two VLAN tags deep");
	}
	if (!nw->n && !nw->why[0])
		snprintf(nw->why, sizeof(nw->why),
			 "no host, port, protocol or VLAN in the filter");
out:
	if (nw->why[0])
		nw->n = 0;
	free(buf);
	return ret;
}
