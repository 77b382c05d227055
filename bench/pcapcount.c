// SPDX-License-Identifier: GPL-2.0
/*
 * pcapcount - count the records of pcap files, checking their structure.
 *
 * bench/vm-loss runs it in the guest, so that a capture's files need not
 * cross to the host: it prints the total number of records of the files
 * given, and exits 1 (saying why) if a file is not a whole pcap file: a
 * bad magic, a record longer than the snaplen or than its frame, or a
 * torn record at the end.  Microsecond and nanosecond pcap, either byte
 * order (tcpdump, netsniff-ng and tg3cap-reader write these).
 *
 * Usage: pcapcount FILE...
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PCAP_MAGIC_US	0xa1b2c3d4u
#define PCAP_MAGIC_NS	0xa1b23c4du

static uint32_t swab32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* The records of @path, or -1 after saying what is wrong with it. */
static long long count_file(const char *path)
{
	uint32_t hdr[6], rec[4], magic, snaplen, caplen, len;
	char buf[65536];
	long long n = 0;
	int swap;
	size_t r;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "pcapcount: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fread(hdr, sizeof(hdr), 1, f) != 1) {
		fprintf(stderr, "pcapcount: %s: no pcap file header\n", path);
		goto bad;
	}
	magic = hdr[0];
	swap = magic == swab32(PCAP_MAGIC_US) || magic == swab32(PCAP_MAGIC_NS);
	if (swap)
		magic = swab32(magic);
	if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS) {
		fprintf(stderr, "pcapcount: %s: not a pcap file (magic %#x)\n",
			path, hdr[0]);
		goto bad;
	}
	snaplen = swap ? swab32(hdr[4]) : hdr[4];
	for (;;) {
		r = fread(rec, 1, sizeof(rec), f);
		if (!r)
			break;
		if (r != sizeof(rec)) {
			fprintf(stderr, "pcapcount: %s: torn record header after record %lld\n",
				path, n);
			goto bad;
		}
		caplen = swap ? swab32(rec[2]) : rec[2];
		len = swap ? swab32(rec[3]) : rec[3];
		if (caplen > snaplen || caplen > len || caplen > sizeof(buf)) {
			fprintf(stderr, "pcapcount: %s: record %lld: caplen %u (snaplen %u, len %u)\n",
				path, n, caplen, snaplen, len);
			goto bad;
		}
		if (caplen && fread(buf, caplen, 1, f) != 1) {
			fprintf(stderr, "pcapcount: %s: record %lld torn\n",
				path, n);
			goto bad;
		}
		n++;
	}
	if (ferror(f)) {
		fprintf(stderr, "pcapcount: %s: read error\n", path);
		goto bad;
	}
	fclose(f);
	return n;
bad:
	fclose(f);
	return -1;
}

int main(int argc, char **argv)
{
	long long total = 0, n;
	int i, bad = 0;

	if (argc < 2) {
		fputs("usage: pcapcount FILE...\n", stderr);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		n = count_file(argv[i]);
		if (n < 0)
			bad = 1;
		else
			total += n;
	}
	printf("%lld\n", total);
	return bad;
}
