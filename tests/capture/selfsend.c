// SPDX-License-Identifier: GPL-2.0
/*
 * selfsend - the guest's own traffic on the captured interface, sent
 * while the host's frames arrive, so that the capture tests can check
 * that a capture point records only what the device received: none of
 * these may show up in a capture.
 *
 *   unicast    UDP to 10.98.0.1 (a permanent neighbour the test adds):
 *              only ever transmitted (PACKET_OUTGOING at a packet_type)
 *   multicast  UDP to 239.98.0.1 with IP_MULTICAST_LOOP on: transmitted,
 *              and looped back by dev_loopback_xmit() (PACKET_LOOPBACK)
 *   broadcast  UDP to 10.98.0.255: transmitted and looped back
 *   IPv6       UDP to ff02::1 (all nodes, a group every host is in):
 *              transmitted and looped back; counted as failed where the
 *              device has no IPv6
 *
 * A listener joined to 239.98.0.1 on IFACE counts the group's packets
 * that come back: the host's own copies must reach its own listeners
 * whatever a capture point does (divert mode drops what it records).
 *
 * Usage: selfsend IFACE READYFILE
 * Joins the group, creates READYFILE, waits for SIGUSR1, then sends one
 * packet of each kind about every 4 ms until SIGUSR2; then reads what is
 * left for 300 ms, prints
 *   SELFSEND ucast=N mcast=N bcast=N v6=N v6_failed=N mcast_rx=N
 * and stays in the group until SIGTERM: leaving sends IGMP reports,
 * which the test counts only while it expects them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GROUP	"239.98.0.1"
#define PORT	5000

static volatile sig_atomic_t go, stop, quit;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_term(int sig)
{
	(void)sig;
	quit = 1;
}

static int udp(int family, const char *ifname)
{
	int fd = socket(family, SOCK_DGRAM, 0), one = 1;

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       strlen(ifname) + 1) ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one))) {
		perror("selfsend: socket");
		return -1;
	}
	return fd;
}

/* The packets the listener gets within @ms (0: those it has now) */
static long drain(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[2048];
	long n = 0;

	while (poll(&p, 1, ms) > 0) {
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0)
			break;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_in uc = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in mc = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	struct sockaddr_in bc = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(9) };
	struct sockaddr_in any = { .sin_family = AF_INET,
				   .sin_port = htons(PORT) };
	long ucast = 0, mcast = 0, bcast = 0, v6n = 0, v6f = 0, rx = 0;
	struct timespec tick = { 0, 4000000 };
	struct ip_mreqn mr = { 0 };
	unsigned char loop = 1;
	char msg[64] = "tg3cap selfsend";
	int s4, s6, l, one = 1;
	unsigned int ifi;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: selfsend IFACE READYFILE\n");
		return 2;
	}
	ifi = if_nametoindex(argv[1]);
	if (!ifi) {
		perror(argv[1]);
		return 1;
	}
	inet_pton(AF_INET, "10.98.0.1", &uc.sin_addr);
	inet_pton(AF_INET, GROUP, &mc.sin_addr);
	inet_pton(AF_INET, "10.98.0.255", &bc.sin_addr);
	inet_pton(AF_INET6, "ff02::1", &v6.sin6_addr);
	v6.sin6_scope_id = ifi;
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	signal(SIGTERM, on_term);

	s4 = udp(AF_INET, argv[1]);
	s6 = socket(AF_INET6, SOCK_DGRAM, 0);
	l = socket(AF_INET, SOCK_DGRAM, 0);
	mr.imr_ifindex = ifi;
	inet_pton(AF_INET, GROUP, &mr.imr_multiaddr);
	if (s4 < 0 || s6 < 0 || l < 0 ||
	    setsockopt(s4, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
	    setsockopt(s4, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
		       sizeof(loop)) ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&any, sizeof(any)) ||
	    setsockopt(l, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		perror("selfsend: setup");
		return 1;
	}
	f = fopen(argv[2], "w");
	if (!f || fclose(f)) {
		perror(argv[2]);
		return 1;
	}
	/* (a short sleep, not pause(): no signal is lost in between) */
	while (!go && !stop && !quit)
		nanosleep(&tick, NULL);
	while (!stop && !quit) {
		ucast += sendto(s4, msg, sizeof(msg), 0, (struct sockaddr *)&uc,
				sizeof(uc)) > 0;
		mcast += sendto(s4, msg, sizeof(msg), 0, (struct sockaddr *)&mc,
				sizeof(mc)) > 0;
		bcast += sendto(s4, msg, sizeof(msg), 0, (struct sockaddr *)&bc,
				sizeof(bc)) > 0;
		if (sendto(s6, msg, sizeof(msg), 0, (struct sockaddr *)&v6,
			   sizeof(v6)) > 0)
			v6n++;
		else
			v6f++;
		rx += drain(l, 0);
		nanosleep(&tick, NULL);
	}
	rx += drain(l, 300);
	printf("SELFSEND ucast=%ld mcast=%ld bcast=%ld v6=%ld v6_failed=%ld mcast_rx=%ld\n",
	       ucast, mcast, bcast, v6n, v6f, rx);
	fflush(stdout);
	while (!quit)
		nanosleep(&tick, NULL);
	return 0;
}
