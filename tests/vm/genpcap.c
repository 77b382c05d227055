// SPDX-License-Identifier: GPL-2.0
/*
 * genpcap - write a standard pcap (LINKTYPE_ETHERNET, microsecond
 * timestamps, snaplen 65535) of COUNT known frames: sequence numbers, mixed
 * sizes, a share of 802.1Q tags and of IPv6, as frame.h describes. For
 * tcpreplay in the VM tests (tcpreplay -i TAP --pps=R FILE) and as the
 * reference the captured files are compared with.
 */
#include <getopt.h>

#include "frame.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: genpcap -o FILE [-n COUNT] [-s SIZE[,SIZE...]] [-d MAC|broadcast]\n"
		"         [-S MAC] [-V PCT[:VID]] [-6 PCT] [-N PCT] [-P PCT] [-f FLOWS] [-r PPS] [--seq START]\n"
		"  -o FILE     output pcap ('-' = stdout)\n"
		"  -n COUNT    frames (default 1000)\n"
		"  -s SIZES    frame lengths without FCS, incl. VLAN tag, cycled (default 60)\n"
		"  -d MAC / -S MAC  destination (default broadcast) / source MAC\n"
		"  -V PCT[:VID] 802.1Q-tag PCT %% of the frames (VID default 100)\n"
		"  -6 PCT      make PCT %% of the frames IPv6\n"
		"  -N PCT      make PCT %% of the frames non-IP (EtherType 0x88b5)\n"
		"  -P PCT      pad PCT %% of the IP frames: the smallest datagram, zeros\n"
		"              after it (the padding IP trims; frame.h)\n"
		"  -f FLOWS    UDP source ports 10000 + seq %% FLOWS\n"
		"  -r PPS      timestamp spacing (default 1000 pps)\n"
		"  -T          one TCP stream that GRO merges (frame.h; untagged IPv4)\n"
		"  --seq START first sequence number (default 0)\n");
	exit(1);
}

static void put_le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	fwrite(b, 1, 4, f);
}

static void put_le16(FILE *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	fwrite(b, 1, 2, f);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seq", required_argument, NULL, 1 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct frame_cfg cfg;
	const char *out = NULL;
	unsigned long long count = 1000, i;
	double pps = 1000;
	static uint8_t buf[FRAME_MAX];
	FILE *f;
	int opt;

	frame_cfg_init(&cfg);
	while ((opt = getopt_long(argc, argv, "o:n:s:d:S:V:6:N:P:f:r:Th", lopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			pps = strtod(optarg, NULL);
			if (pps <= 0)
				usage();
			break;
		default:
			if (frame_cfg_opt(opt, optarg, &cfg) != 1)
				usage();
			break;
		}
	}
	if (!out || optind != argc)
		usage();
	f = strcmp(out, "-") ? fopen(out, "wb") : stdout;
	if (!f) {
		perror(out);
		return 1;
	}
	/* pcap global header */
	put_le32(f, 0xa1b2c3d4);
	put_le16(f, 2);
	put_le16(f, 4);
	put_le32(f, 0);
	put_le32(f, 0);
	put_le32(f, 65535);
	put_le32(f, 1); /* LINKTYPE_ETHERNET */
	for (i = 0; i < count; i++) {
		size_t len = frame_build(&cfg, i, buf);
		unsigned long long us = (unsigned long long)((double)i * 1e6 / pps);

		put_le32(f, (uint32_t)(1767225600ULL + us / 1000000)); /* 2026-01-01 */
		put_le32(f, (uint32_t)(us % 1000000));
		put_le32(f, (uint32_t)len);
		put_le32(f, (uint32_t)len);
		fwrite(buf, 1, len, f);
	}
	if (fflush(f) || ferror(f) || (f != stdout && fclose(f))) {
		perror(out);
		return 1;
	}
	fprintf(stderr, "genpcap: %llu frames -> %s\n", count, out);
	return 0;
}
