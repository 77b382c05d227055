// SPDX-License-Identifier: GPL-2.0
/*
 * race - binding races and device lifetimes (tests/reliability).
 *
 *   race race -i IF [-n CHILDREN] [-r ROUNDS]
 *       each round forks CHILDREN processes that wait on one barrier,
 *       then all open /dev/lwpcap and BIND IF at once and hold the file
 *       until every child has answered: exactly one must win, every
 *       other must get EBUSY.  "RACE rounds=R children=N ok|FAIL".
 *   race bindnow -i IF
 *       open, BIND, SETUP, mmap, ACTIVATE at once (no retry): the device
 *       is not stuck.  "BINDNOW ok" or the failing call and errno.
 *   race hold -i IF [--ready FILE] [-t MS]
 *       an active, mapped, draining reader that waits (up to MS, default
 *       120000) for the device to go away: it must see POLLHUP|POLLERR,
 *       ENODEV from SETUP/ACTIVATE/DEACTIVATE, and its mapping must stay
 *       readable until munmap.  "HOLD hup=H enodev=E readable=1 records=R"
 */
#include "rel.h"
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

struct shared {
	volatile int answered;
	volatile int err[4096];
};

static int do_race(const char *ifname, int n, int rounds)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned int ifindex = if_nametoindex(ifname);
	int bad = 0;

	if (sh == MAP_FAILED || n > 4096 || !ifindex)
		return 1;
	for (int round = 0; round < rounds; round++) {
		int go[2], rel[2], wins = 0, busy = 0, other = 0;
		pid_t pids[4096];
		char ch;

		memset((void *)sh, 0, sizeof(*sh));
		if (pipe(go) || pipe(rel))
			return 1;
		for (int i = 0; i < n; i++) {
			pids[i] = fork();
			if (pids[i] < 0) {
				perror("fork");
				return 1;
			}
			if (!pids[i]) {
				struct lwpcap_bind b = {
					.ifindex = ifindex,
					.abi_version = LWPCAP_ABI_VERSION,
					.point = ring_point() };
				int fd, e = 0;

				close(go[1]);
				close(rel[1]);
				if (read(go[0], &ch, 1) < 0)
					_exit(3);
				fd = open(DEV, O_RDWR);
				if (fd < 0)
					e = 1000 + errno;
				else if (ioctl(fd, LWPCAP_IOC_BIND, &b))
					e = errno;
				sh->err[i] = e;
				__atomic_add_fetch(&sh->answered, 1, __ATOMIC_SEQ_CST);
				/* hold the file until everyone answered */
				if (read(rel[0], &ch, 1) < 0)
					_exit(3);
				_exit(0);
			}
		}
		close(go[0]);
		close(rel[0]);
		close(go[1]);			/* all children go */
		for (int w = 0; sh->answered < n && w < 60000; w++)
			usleep(1000);
		for (int i = 0; i < n; i++) {
			if (sh->err[i] == 0)
				wins++;
			else if (sh->err[i] == EBUSY)
				busy++;
			else
				other++;
		}
		if (sh->answered != n)
			other += n - sh->answered;
		close(rel[1]);			/* release */
		for (int i = 0; i < n; i++)
			waitpid(pids[i], NULL, 0);
		if (wins != 1 || busy != n - 1 || other) {
			printf("FAIL round %d: %d won, %d EBUSY, %d other "
			       "(answered %d)\n", round, wins, busy, other,
			       sh->answered);
			for (int i = 0; i < n; i++)
				if (sh->err[i] && sh->err[i] != EBUSY)
					printf("  child %d: %d %s\n", i, sh->err[i],
					       strerror(sh->err[i] % 1000));
			bad++;
		}
	}
	printf("RACE rounds=%d children=%d %s (%d bad rounds)\n", rounds, n,
	       bad ? "FAIL" : "ok", bad);
	return bad ? 1 : 0;
}

static int bindnow(const char *ifname)
{
	struct ring r;

	if (ring_open(&r, ifname, 65536, 4, 1514) || ring_activate(&r, 0)) {
		printf("BINDNOW FAIL\n");
		return 1;
	}
	ioctl(r.fd, LWPCAP_IOC_DEACTIVATE);
	munmap(r.map, r.setup.mmap_size);
	close(r.fd);
	printf("BINDNOW ok\n");
	return 0;
}

static int hold(const char *ifname, const char *ready, unsigned int ms)
{
	struct ring r;
	uint32_t cons[LWPCAP_MAX_QUEUES] = { 0 }, ls[LWPCAP_MAX_QUEUES];
	int hs[LWPCAP_MAX_QUEUES] = { 0 };
	uint64_t records = 0, t_end = now_ms() + ms, sum = 0;
	struct lwpcap_setup s;
	struct lwpcap_activate a = { 0 };
	int hup = 0, enodev = 0, fail = 0;
	short rev = 0;
	int cfd = -1;

	if (ring_open(&r, ifname, 65536, 8, 1514) || ring_activate(&r, 0))
		return 1;
	/* the ready file then holds the records read so far */
	if (ready)
		cfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	while (now_ms() < t_end) {
		struct pollfd p = { .fd = r.fd, .events = POLLIN };

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		for (unsigned int q = 0; q < r.setup.nr_queues; q++) {
			long n = ring_drain(&r, q, &cons[q], &ls[q], &hs[q]);

			if (n < 0)
				fail = 1;
			else
				records += n;
		}
		if (cfd >= 0) {
			char cb[32];
			int l = snprintf(cb, sizeof(cb), "%llu\n",
					 (unsigned long long)records);

			if (pwrite(cfd, cb, l, 0) != l)
				break;
		}
		if (p.revents & (POLLHUP | POLLERR)) {
			rev = p.revents;
			hup = 1;
			break;
		}
	}
	if (!hup) {
		printf("FAIL hold: no POLLHUP/POLLERR within %u ms\n", ms);
		fail = 1;
	}
	memset(&s, 0, sizeof(s));
	s.seg_size = 65536;
	s.nr_segs = 8;
	s.snaplen = 1514;
	errno = 0;
	if (ioctl(r.fd, LWPCAP_IOC_DEACTIVATE) == 0 || errno != ENODEV)
		printf("FAIL hold: DEACTIVATE after removal: %s\n", strerror(errno));
	else if (ioctl(r.fd, LWPCAP_IOC_ACTIVATE, &a) == 0 || errno != ENODEV)
		printf("FAIL hold: ACTIVATE after removal: %s\n", strerror(errno));
	else if (ioctl(r.fd, LWPCAP_IOC_SETUP, &s) == 0 ||
		 (errno != ENODEV && errno != EBUSY))
		printf("FAIL hold: SETUP after removal: %s\n", strerror(errno));
	else
		enodev = 1;
	if (!enodev)
		fail = 1;
	/* the mapping stays readable: touch every page, drain what is left */
	for (size_t off = 0; off < r.setup.mmap_size; off += 4096)
		sum += ((volatile uint8_t *)r.map)[off];
	for (unsigned int q = 0; q < r.setup.nr_queues; q++) {
		long n = ring_drain(&r, q, &cons[q], &ls[q], &hs[q]);

		if (n < 0)
			fail = 1;
		else
			records += n;
	}
	munmap(r.map, r.setup.mmap_size);
	close(r.fd);
	if (cfd >= 0)
		close(cfd);
	printf("HOLD %s hup=%d revents=0x%x enodev=%d readable=1 records=%llu "
	       "(sum %llu)\n", fail ? "FAIL" : "ok", hup, rev, enodev,
	       (unsigned long long)records, (unsigned long long)(sum & 0xff));
	return fail;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "ready", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ifname = NULL, *ready = NULL, *cmd;
	int n = 32, rounds = 20, c;
	unsigned int ms = 120000;

	if (argc < 2)
		return 2;
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "i:n:r:t:", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 't': ms = strtoul(optarg, NULL, 0); break;
		case 'R': ready = optarg; break;
		default: return 2;
		}
	}
	if (!ifname)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "race"))
		return do_race(ifname, n, rounds);
	if (!strcmp(cmd, "bindnow"))
		return bindnow(ifname);
	if (!strcmp(cmd, "hold"))
		return hold(ifname, ready, ms);
	return 2;
}
