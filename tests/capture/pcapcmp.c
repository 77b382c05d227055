// SPDX-License-Identifier: GPL-2.0
/*
 * pcapcmp - check captured pcap files against the pcap that was sent.
 *
 *   pcapcmp [--snaplen N[,M]] [--missing K] [--min-files F] [--prefix]
 *           [--per-flow] [--late] [--ip-len] SENT.pcap CAPTURED.pcap...
 *   pcapcmp --raw MAXLEN SENT.pcap CAPTURED.pcap...
 *
 * Frames are told apart by the sequence number tests/vm/frame.h puts at
 * the start of the UDP payload.  Every captured record must be a sent
 * frame, byte for byte up to its caplen, with the sent length, caplen =
 * min(len, snaplen) for one of the given snaplens, seen once (another
 * record of a frame already seen is counted in "dup="), and in
 * increasing order within its file (one file per ring queue).  With
 * --per-flow only frames of one flow (IP version, VLAN tag or not, UDP
 * source port; frame.h's non-IP frames, tagged or not) must be in order: a reader that merges several queues
 * into one file keeps the order of each queue, and RSS keeps a flow on
 * one queue.  Exactly
 * K sent frames may be missing (default 0), and at least F files must
 * hold records (default 1).  With --prefix the frames captured must be
 * the first ones sent: a full ring drops new frames, never old ones.
 * With --late a test frame whose sequence number lies outside the sent
 * range is a late frame of an earlier traffic round (a test numbers its
 * rounds apart): counted and shown as "late", not as a bad frame.
 * With --ip-len an IP frame is expected as the IP layer's hooks get it:
 * cut after its IPv4 total length or IPv6 payload, its length that
 * too (ip_rcv_core() and ipv6_rcv() trim the Ethernet padding first).
 *
 * --raw compares any capture (no sequence numbers: a user's replayed
 * pcap): the captured records, files taken in order, must be the sent
 * frames no longer than MAXLEN (the receiving NIC drops longer ones) in
 * the order sent, each with the sent length and the sent bytes up to
 * its caplen; nothing else, nothing missing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	uint32_t caplen;
	uint32_t len;
	uint8_t *data;
};

struct pcap {
	struct rec *r;
	size_t n;
};

static void unload(struct pcap *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->r[i].data);
	free(p->r);
}

static int load(const char *path, struct pcap *p)
{
	uint32_t gh[6], rh[4];
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	p->r = NULL;
	p->n = 0;
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fread(gh, sizeof(gh), 1, f) != 1 ||
	    (gh[0] != 0xa1b2c3d4 && gh[0] != 0xa1b23c4d) || gh[5] != 1) {
		fprintf(stderr, "%s: not a native-endian Ethernet pcap\n",
			path);
		fclose(f);
		return -1;
	}
	while (fread(rh, sizeof(rh), 1, f) == 1) {
		struct rec r = { .caplen = rh[2], .len = rh[3] };

		if (r.caplen > 262144 || r.caplen > r.len) {
			fprintf(stderr, "%s: record %zu: caplen %u len %u\n",
				path, p->n, r.caplen, r.len);
			fclose(f);
			return -1;
		}
		r.data = malloc(r.caplen ? r.caplen : 1);
		if (!r.data || fread(r.data, 1, r.caplen, f) != r.caplen) {
			fprintf(stderr, "%s: record %zu truncated\n", path,
				p->n);
			fclose(f);
			return -1;
		}
		if (p->n == cap) {
			cap = cap ? 2 * cap : 1024;
			p->r = realloc(p->r, cap * sizeof(*p->r));
			if (!p->r) {
				fclose(f);
				return -1;
			}
		}
		p->r[p->n++] = r;
	}
	fclose(f);
	return 0;
}

/* Flow of a frame.h frame: IPv6?, tagged?, UDP source port. */
static long flow_of(const struct rec *r)
{
	const uint8_t *d = r->data;
	long tagged = d[12] == 0x81 && d[13] == 0x00;
	uint32_t off = tagged ? 16 : 12;
	long v6 = d[off] == 0x86 && d[off + 1] == 0xdd;

	if (d[off] == 0x88 && d[off + 1] == 0xb5)	/* non-IP: one flow */
		return 1L << 18 | tagged;
	off += 2 + (v6 ? 40 : 20);
	return v6 << 17 | tagged << 16 | (d[off] << 8 | d[off + 1]);
}

/*
 * Where a record's network header starts (after the Ethernet header and
 * one 802.1Q tag), its EtherType in @type; 0 if the record is too short
 * to tell.
 */
static uint32_t l3_at(const struct rec *r, uint16_t *type)
{
	const uint8_t *d = r->data;

	if (r->caplen < 14)
		return 0;
	*type = d[12] << 8 | d[13];
	if (*type != 0x8100)
		return 14;
	if (r->caplen < 18)
		return 0;
	*type = d[16] << 8 | d[17];
	return 18;
}

/* Sequence number of a frame.h frame, or -1 if not visible. */
static int64_t seq_of(const struct rec *r)
{
	const uint8_t *d = r->data;
	uint32_t off, seq, magic;
	uint16_t type;

	off = l3_at(r, &type);
	if (!off)
		return -1;
	/* UDP, or frame.h's TCP stream (genpcap -T) */
	if (type == 0x0800 && r->caplen > off + 9)
		off += 20 + (d[off + 9] == 6 ? 20 : 8);
	else if (type == 0x86dd && r->caplen > off + 6)
		off += 40 + (d[off + 6] == 6 ? 20 : 8);
	else if (type != 0x88b5)	/* frame.h's non-IP frames */
		return -1;
	if (r->caplen < off + 8)
		return -1;
	memcpy(&seq, d + off, 4);
	memcpy(&magic, d + off + 4, 4);
	if (ntohl(magic) != 0x54473343)
		return -1;
	return ntohl(seq);
}

/*
 * --ip-len: cut a sent IP frame to the length its IP header gives, as the
 * IP layer does before PRE_ROUTING.  Returns -1 on a header that claims
 * more than the frame holds (frame.h never writes one).
 */
static int ip_cut(struct rec *r)
{
	const uint8_t *d = r->data;
	uint32_t off, n;
	uint16_t type;

	if (r->caplen != r->len)
		return 0;
	off = l3_at(r, &type);
	if (!off)
		return 0;
	if (type == 0x0800 && r->len >= off + 20)
		n = off + (d[off + 2] << 8 | d[off + 3]);
	else if (type == 0x86dd && r->len >= off + 40)
		n = off + 40 + (d[off + 4] << 8 | d[off + 5]);
	else
		return 0;
	if (n > r->len)
		return -1;
	r->caplen = n;
	r->len = n;
	return 0;
}

static int raw_cmp(uint32_t maxlen, int nfiles, char **files)
{
	size_t i, k = 0, want = 0, got = 0, bad = 0, toolong = 0;
	struct pcap sent, cap;
	int f;

	if (load(files[0], &sent))
		return 1;
	for (f = 1; f < nfiles; f++) {
		if (load(files[f], &cap))
			return 1;
		for (i = 0; i < cap.n; i++) {
			const struct rec *c = &cap.r[i], *o = NULL;

			while (k < sent.n && sent.r[k].len > maxlen) {
				k++;
				toolong++;
			}
			if (k < sent.n)
				o = &sent.r[k++];
			got++;
			if (!o || c->len != o->len || c->caplen > o->caplen ||
			    memcmp(c->data, o->data, c->caplen)) {
				if (bad++ < 10)
					printf("%s #%zu: not sent frame %zu (len %u)\n",
					       files[f], i, k - 1, c->len);
			}
		}
		unload(&cap);
	}
	/* the loop above skipped every long frame before k */
	for (; k < sent.n; k++)
		toolong += sent.r[k].len > maxlen;
	want = sent.n - toolong;
	printf("PCAPCMP raw sent=%zu longer_than_%u=%zu captured=%zu missing=%zd bad=%zu\n",
	       sent.n, maxlen, toolong, got, (ssize_t)(want - got), bad);
	unload(&sent);
	if (bad || got != want) {
		printf("PCAPCMP FAIL\n");
		return 1;
	}
	printf("PCAPCMP PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t snap[2] = { 0, 0 };
	long missing_want = 0, min_files = 1, flows = 1;
	bool per_flow = false;
	bool prefix = false, late_ok = false, ip_len = false;
	size_t i, got = 0, bad = 0, late = 0, dup = 0, files_used = 0;
	size_t minseq = SIZE_MAX, maxseq = 0, span;
	struct pcap sent;
	ssize_t *by_seq;
	bool *seen;
	int a = 1, f;

	if (argc >= 5 && !strcmp(argv[1], "--raw"))
		return raw_cmp(strtoul(argv[2], NULL, 10), argc - 3, argv + 3);
	while (a < argc && !strncmp(argv[a], "--", 2)) {
		if (!strcmp(argv[a], "--prefix")) {
			prefix = true;
			a++;
			continue;
		}
		if (!strcmp(argv[a], "--late")) {
			late_ok = true;
			a++;
			continue;
		}
		if (!strcmp(argv[a], "--ip-len")) {
			ip_len = true;
			a++;
			continue;
		}
		if (!strcmp(argv[a], "--per-flow")) {
			per_flow = true;
			flows = (1 << 18) + 2;	/* + non-IP, tagged or not */
			a++;
			continue;
		}
		if (a + 1 >= argc)
			goto usage;
		if (!strcmp(argv[a], "--snaplen")) {
			if (sscanf(argv[a + 1], "%u,%u", &snap[0], &snap[1]) < 1)
				goto usage;
		} else if (!strcmp(argv[a], "--missing")) {
			missing_want = strtol(argv[a + 1], NULL, 10);
		} else if (!strcmp(argv[a], "--min-files")) {
			min_files = strtol(argv[a + 1], NULL, 10);

		} else {
			goto usage;
		}
		a += 2;
	}
	if (argc - a < 2)
		goto usage;
	if (load(argv[a], &sent))
		return 1;
	for (i = 0; i < sent.n; i++) {
		int64_t s = seq_of(&sent.r[i]);

		if (ip_len && ip_cut(&sent.r[i])) {
			fprintf(stderr, "sent frame %zu: IP length past its end\n",
				i);
			return 1;
		}
		if (s < 0) {
			fprintf(stderr, "sent frame %zu has no sequence number\n",
				i);
			return 1;
		}
		if ((size_t)s > maxseq)
			maxseq = s;
		if ((size_t)s < minseq)
			minseq = s;
	}
	if (!sent.n)
		minseq = 0;
	span = maxseq - minseq + 1;
	by_seq = malloc(span * sizeof(*by_seq));
	seen = calloc(span, sizeof(*seen));
	if (!by_seq || !seen)
		return 1;
	for (i = 0; i < span; i++)
		by_seq[i] = -1;
	for (i = 0; i < sent.n; i++)
		by_seq[seq_of(&sent.r[i]) - minseq] = i;

	for (f = a + 1; f < argc; f++) {
		int64_t *last = malloc(flows * sizeof(*last));
		struct pcap cap;
		long k;

		if (!last || load(argv[f], &cap))
			return 1;
		for (k = 0; k < flows; k++)
			last[k] = -1;
		if (cap.n)
			files_used++;
		for (i = 0; i < cap.n; i++) {
			const struct rec *c = &cap.r[i];
			int64_t s = seq_of(c);
			const struct rec *o;
			uint32_t want;

			if (late_ok && s >= 0 && ((size_t)s < minseq ||
						  (size_t)s > maxseq)) {
				if (late++ < 5)
					printf("%s #%zu: late frame of an earlier round, seq %lld\n",
					       argv[f], i, (long long)s);
				continue;
			}
			if (s < 0 || (size_t)s < minseq || (size_t)s > maxseq ||
			    by_seq[s - minseq] < 0) {
				if (bad++ < 10)
					printf("%s #%zu: not a sent frame\n",
					       argv[f], i);
				continue;
			}
			o = &sent.r[by_seq[s - minseq]];
			if (seen[s - minseq]) {
				dup++;
				if (bad++ < 10)
					printf("%s #%zu: seq %lld seen twice\n",
					       argv[f], i, (long long)s);
				continue;
			}
			seen[s - minseq] = true;
			got++;
			k = per_flow ? flow_of(c) : 0;
			if (s <= last[k] && bad++ < 10)
				printf("%s #%zu: seq %lld after %lld\n",
				       argv[f], i, (long long)s,
				       (long long)last[k]);
			last[k] = s;
			if (c->len != o->len || c->caplen > o->caplen ||
			    memcmp(c->data, o->data,
							  c->caplen)) {
				if (bad++ < 10)
					printf("%s #%zu: seq %lld: bytes or length (%u, sent %u) differ\n",
					       argv[f], i, (long long)s, c->len,
					       o->caplen);
				continue;
			}
			want = snap[0] && snap[0] < c->len ? snap[0] : c->len;
			if (snap[0] && c->caplen != want &&
			    !(snap[1] && c->caplen == (snap[1] < c->len ?
							snap[1] : c->len))) {
				if (bad++ < 10)
					printf("%s #%zu: caplen %u, want %u\n",
					       argv[f], i, c->caplen, want);
			}
		}
		unload(&cap);
		free(last);
	}
	if (prefix) {
		for (i = 0; i < sent.n; i++) {
			int64_t s = seq_of(&sent.r[i]) - minseq;

			if (i < got && !seen[s]) {
				printf("frame %zu missing though later ones were captured\n",
				       i);
				bad++;
				break;
			}
		}
	}
	printf("PCAPCMP sent=%zu captured=%zu missing=%zu bad=%zu files=%zu late=%zu dup=%zu\n",
	       sent.n, got, sent.n - got, bad, files_used, late, dup);
	unload(&sent);
	free(by_seq);
	free(seen);
	if (bad || (long)(sent.n - got) != missing_want ||
	    (long)files_used < min_files) {
		printf("PCAPCMP FAIL (want missing=%ld, files>=%ld, bad=0)\n",
		       missing_want, min_files);
		return 1;
	}
	printf("PCAPCMP PASS\n");
	return 0;
usage:
	fprintf(stderr, "usage: pcapcmp [--snaplen N[,M]] [--missing K] [--min-files F] [--prefix] [--per-flow] [--late] [--ip-len] SENT.pcap CAPTURED.pcap...\n"
		"       pcapcmp --raw MAXLEN SENT.pcap CAPTURED.pcap...\n");
	return 2;
}
