// SPDX-License-Identifier: GPL-2.0
/*
 * sendframes - send N numbered IPv4/UDP (optionally IPv6, 802.1Q) Ethernet
 * frames on an interface through AF_PACKET, paced at a given rate.
 * Frame layout: frame.h (sequence number at UDP payload offset 0).
 * Used by the tg3cap VM rig, only on taps inside the test's netns.
 *
 * With -b BATCH, frames leave BATCH at a time through one sendmmsg(), the
 * schedule kept per batch (batch k at t0 + k * BATCH / PPS), so the rate
 * does not hang on one system call per frame; --bypass skips the qdisc
 * (PACKET_QDISC_BYPASS): a full tap queue then drops in the tap, counted
 * in its tx_dropped, instead of refusing the send.
 *
 * Prints one summary line:
 *   sendframes: sent=N failed=F bytes=B seconds=S pps=R [errno=E (text)]
 * sent counts frames the kernel accepted; failed counts sendto() errors
 * (ENOBUFS when the tap queue is full). Exit 0, or 1 on a setup error,
 * or 3 with --strict if any sendto() failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

#define MAX_BATCH	64

static void usage(void)
{
	fprintf(stderr,
		"usage: sendframes -i IFACE [-n COUNT] [-r PPS] [-s SIZE[,SIZE...]]\n"
		"         [-d MAC|broadcast] [-S MAC] [-V PCT[:VID]] [-6 PCT] [-f FLOWS]\n"
		"         [--seq START] [--strict] [-q]\n"
		"  -i IFACE    interface (a tap inside the test netns)\n"
		"  -n COUNT    frames to send (default 1000)\n"
		"  -r PPS      frames per second, 0 = as fast as possible (default 0)\n"
		"  -s SIZES    frame lengths without FCS, incl. VLAN tag, cycled (default 60)\n"
		"  -d MAC      destination MAC (default broadcast)\n"
		"  -S MAC      source MAC (default 02:00:00:00:00:01)\n"
		"  -V PCT[:VID] 802.1Q-tag PCT %% of the frames (VID default 100)\n"
		"  -6 PCT      make PCT %% of the frames IPv6 (default 0)\n"
		"  -N PCT      make PCT %% of the frames non-IP (default 0)\n"
		"  -P PCT      pad PCT %% of the IP frames (frame.h, default 0)\n"
		"  -f FLOWS    UDP source ports 10000 + seq %% FLOWS (RSS spread, default 1)\n"
		"  --seq START first sequence number (default 0)\n"
		"  -b BATCH    frames per sendmmsg(), paced per batch (default 1)\n"
		"  --bypass    PACKET_QDISC_BYPASS: no qdisc between us and the tap\n"
		"  --strict    exit 3 if any sendto() failed\n"
		"  -q          no summary line\n");
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seq", required_argument, NULL, 1 },
		{ "strict", no_argument, NULL, 2 },
		{ "bypass", no_argument, NULL, 3 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct frame_cfg cfg;
	const char *ifname = NULL;
	unsigned long long count = 1000, i, sent = 0, failed = 0, bytes = 0;
	double pps = 0, t0, dt;
	int strict = 0, quiet = 0, bypass = 0, last_errno = 0, fd, opt;
	unsigned int batch = 1, k, n, ok;
	struct sockaddr_ll sll;
	struct timespec next;
	static uint8_t buf[MAX_BATCH][FRAME_MAX];
	static struct mmsghdr msg[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];

	frame_cfg_init(&cfg);
	while ((opt = getopt_long(argc, argv, "i:n:r:s:d:S:V:6:N:P:f:b:qh", lopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			pps = strtod(optarg, NULL);
			break;
		case 2:
			strict = 1;
			break;
		case 3:
			bypass = 1;
			break;
		case 'b':
			batch = strtoul(optarg, NULL, 0);
			if (!batch || batch > MAX_BATCH)
				usage();
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			if (frame_cfg_opt(opt, optarg, &cfg) != 1)
				usage();
			break;
		}
	}
	if (!ifname || optind != argc || pps < 0)
		usage();

	fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: never receives */
	if (fd < 0) {
		perror("sendframes: socket(AF_PACKET)");
		return 1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "sendframes: no interface %s\n", ifname);
		return 1;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("sendframes: bind");
		return 1;
	}
	if (bypass && setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &bypass,
				 sizeof(bypass)) < 0) {
		perror("sendframes: PACKET_QDISC_BYPASS");
		return 1;
	}
	for (k = 0; k < MAX_BATCH; k++) {
		iov[k].iov_base = buf[k];
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
	}

	t0 = now();
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < count; i += n) {
		n = count - i < batch ? (unsigned int)(count - i) : batch;
		for (k = 0; k < n; k++)
			iov[k].iov_len = frame_build(&cfg, i + k, buf[k]);

		if (pps > 0) {
			/* absolute schedule: frame i leaves at t0 + i / pps */
			double at = (double)i / pps;
			struct timespec ts = next;
			long long ns = (long long)(at * 1e9) + ts.tv_nsec;

			ts.tv_sec += ns / 1000000000LL;
			ts.tv_nsec = ns % 1000000000LL;
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					       NULL) == EINTR)
				;
		}
		/* a frame sendmmsg() did not take is a failed one: the
		 * schedule moves on, as it does for a failed send()
		 */
		for (k = 0; k < n; k += ok + 1) {
			int r = sendmmsg(fd, msg + k, n - k, 0);

			ok = r > 0 ? (unsigned int)r : 0;
			for (unsigned int j = k; j < k + ok; j++) {
				sent++;
				bytes += iov[j].iov_len;
			}
			if (k + ok < n) {
				failed++;
				last_errno = errno;
			}
		}
	}
	dt = now() - t0;
	if (!quiet) {
		printf("sendframes: sent=%llu failed=%llu bytes=%llu seconds=%.3f pps=%.0f",
		       sent, failed, bytes, dt, dt > 0 ? (double)sent / dt : 0.0);
		if (failed)
			printf(" errno=%d (%s)", last_errno, strerror(last_errno));
		printf("\n");
	}
	close(fd);
	return strict && failed ? 3 : 0;
}
