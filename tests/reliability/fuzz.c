// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - random ioctls and mmaps on /dev/lwpcap (tests/reliability).
 *
 *   fuzz -i IF [-n IOCTLS] [--seed S]
 *
 * Keeps NFD files open (some bound to IF, the rest unbound or bound to
 * nothing), and until IOCTLS ioctls have been made, picks one of:
 *   - a valid command with random fields (BIND with good and bad
 *     ifindex/abi/out fields, SETUP with random and just-invalid sizes,
 *     ACTIVATE/DEACTIVATE, SET_SNAPLEN, GET_STATS with random nr_queues
 *     and queue pointers), argument pointers good (aligned or not), NULL,
 *     1, kernel addresses, PROT_NONE pages, read-only pages, a struct
 *     straddling into an unmapped page, or the lwpcap mapping itself;
 *   - magic 0xb3 with random nr, direction and size;
 *   - a fully random command number;
 *   - mmap of random length, offset, protection and flags, munmap of the
 *     whole or part of a mapping (splitting the VMA), mprotect, madvise
 *     DONTNEED, mremap, touching mapped bytes, fork with mappings;
 *   - closing and reopening a file.
 * The seed is printed first: the same seed replays the same calls.
 * Prints "FUZZ seed=S ioctls=N ok=K mmaps=M mmap_ok=J ...".  Exit 0 if it
 * ran to the end (the verdict is the kernel's console and the capture
 * that follows).
 */
#include "rel.h"
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <linux/fs.h>

#define NFD 5
#define NMAP 24

struct mapping {
	uint8_t *addr;
	size_t len;
	int touchable;
};

static int fds[NFD];
static struct mapping maps[NMAP];
static unsigned int ifindex, nq = 1;
static size_t msize;
static uint8_t *buf, *ro_page, *none_page, *edge_page;
static uint64_t n_ioctl, n_ok, n_mmap, n_mmap_ok, n_segv, errs[256];
static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jmp, 1);
}

static uint32_t pow2(unsigned int lo, unsigned int hi)
{
	return 1u << (lo + rndn(hi - lo + 1));
}

/* An argument pointer for a struct of @len bytes. */
static void *arg_ptr(size_t len)
{
	unsigned int k = rndn(100);

	if (k < 60)
		return buf + 1024;			/* aligned, valid */
	if (k < 70)
		return buf + 1024 + 1 + rndn(7);	/* unaligned */
	switch (rndn(9)) {
	case 0: return NULL;
	case 1: return (void *)1;
	case 2: return (void *)0xffff888000000000ull;
	case 3: return (void *)0xffffffffff600000ull;
	case 4: return none_page;
	case 5: return ro_page;
	case 6: return edge_page + 4096 - (len > 1 ? rndn(len - 1) + 1 : 1);
	case 7:
		for (int i = 0; i < NMAP; i++)
			if (maps[i].addr && maps[i].touchable)
				return maps[i].addr + rndn(64) * 8;
		return buf;
	default: return (void *)(uintptr_t)rnd64();
	}
}

static void fill_random(void *p, size_t len)
{
	uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)rnd32();
}

static uint32_t rnd_field(void)
{
	switch (rndn(6)) {
	case 0: return 0;
	case 1: return 0xffffffffu;
	case 2: return rndn(8);
	case 3: return 1u << rndn(32);
	default: return rnd32();
	}
}

/* Build a valid-looking argument with random fields into buf+1024. */
static unsigned long build_valid(unsigned long *cmd)
{
	uint8_t *a = buf + 1024;
	unsigned int which = rndn(6);

	memset(a, 0, 256);
	switch (which) {
	case 0: {
		struct lwpcap_bind *b = (void *)a;

		*cmd = LWPCAP_IOC_BIND;
		b->ifindex = rndn(4) ? ifindex : rnd_field();
		b->abi_version = rndn(8) ? LWPCAP_ABI_VERSION : rnd_field();
		if (!rndn(8))
			fill_random(&b->nr_queues, 12 + 12 * rndn(2));
		break;
	}
	case 1: {
		struct lwpcap_setup *s = (void *)a;

		*cmd = LWPCAP_IOC_SETUP;
		switch (rndn(5)) {
		case 0:		/* small, valid */
			s->seg_size = pow2(12, 16);
			s->nr_segs = pow2(1, 5);
			s->snaplen = 1 + rndn(s->seg_size - 16);
			break;
		case 1:		/* huge: over the queue limit or half of RAM */
			s->seg_size = pow2(20, 24);
			s->nr_segs = pow2(6, 31);
			s->snaplen = 1514;
			break;
		case 2:		/* just invalid */
			s->seg_size = pow2(12, 24) + (rndn(2) ? 1 : 0);
			s->nr_segs = rndn(3) ? 1 : pow2(1, 31) - 1;
			s->snaplen = rndn(2) ? 0 : s->seg_size - 15;
			break;
		default:
			s->seg_size = rnd_field();
			s->nr_segs = rnd_field();
			s->snaplen = rnd_field();
			break;
		}
		if (!rndn(6))
			fill_random(&s->flags, 4);
		if (!rndn(6))
			fill_random(&s->nr_queues, 8 + 8 * rndn(3));
		if (!rndn(10))
			fill_random(&s->off, sizeof(s->off));
		if (!rndn(10))
			fill_random(s->resv, sizeof(s->resv));
		break;
	}
	case 2: {
		struct lwpcap_activate *ac = (void *)a;

		*cmd = LWPCAP_IOC_ACTIVATE;
		ac->mode = rndn(3) ? rndn(3) : rnd_field();
		if (!rndn(6))
			ac->flags = rnd_field();
		if (!rndn(6))
			fill_random(&ac->resv, sizeof(ac->resv));
		break;
	}
	case 3:
		*cmd = LWPCAP_IOC_DEACTIVATE;
		return rnd64();
	case 4:
		*cmd = LWPCAP_IOC_SET_SNAPLEN;
		*(uint32_t *)a = rndn(2) ? rnd_field() : 1 + rndn(70000);
		break;
	default: {
		struct lwpcap_stats *st = (void *)a;

		*cmd = LWPCAP_IOC_GET_STATS;
		st->nr_queues = rndn(2) ? rndn(70) : rnd_field();
		st->flags = rndn(8) ? 0 : rnd_field();
		st->queues = rndn(2) ? (uintptr_t)(buf + 2048) :
			     (uintptr_t)arg_ptr(64 * 32);
		break;
	}
	}
	if (rndn(100) < 75)
		return (unsigned long)a;
	return (unsigned long)arg_ptr(_IOC_SIZE(*cmd));
}

static int pick_fd(void)
{
	unsigned int k = rndn(100);

	if (k < 2)
		return -1;
	if (k < 3)
		return 1000;
	return fds[rndn(NFD)];
}

static void do_ioctl(void)
{
	unsigned long cmd, arg;
	unsigned int k = rndn(100);
	int fd = pick_fd(), r;

	if (k < 55) {
		arg = build_valid(&cmd);
	} else if (k < 80) {
		unsigned int nr = rndn(4) ? rndn(16) : rndn(256);

		cmd = _IOC(rndn(4), LWPCAP_IOC_MAGIC, nr,
			   rndn(4) ? rndn(256) : rndn(_IOC_SIZEMASK + 1));
		fill_random(buf + 1024, 512);
		arg = rndn(3) ? (unsigned long)(buf + 1024) :
			(unsigned long)arg_ptr(64);
	} else {
		do {
			cmd = rnd32();
		} while (cmd == FIFREEZE || cmd == FITHAW);
		fill_random(buf + 1024, 512);
		arg = rndn(2) ? (unsigned long)(buf + 1024) : rnd64();
	}
	r = ioctl(fd, cmd, arg);
	n_ioctl++;
	if (!r)
		n_ok++;
	else
		errs[errno & 255]++;
	/* learn the queue count from a successful BIND on buf */
	if (!r && cmd == LWPCAP_IOC_BIND && arg == (unsigned long)(buf + 1024))
		nq = ((struct lwpcap_bind *)(buf + 1024))->nr_queues;
	if (!r && cmd == LWPCAP_IOC_SETUP && arg == (unsigned long)(buf + 1024))
		msize = ((struct lwpcap_setup *)(buf + 1024))->mmap_size;
}

static void do_mmap(void)
{
	static const size_t lens[] = { 0, 4096, 8192, 65536, 1 << 20 };
	int fd = fds[rndn(NFD)], slot = -1;
	size_t len;
	off_t off;
	int prot, flags;
	void *p;

	for (int i = 0; i < NMAP; i++)
		if (!maps[i].addr) {
			slot = i;
			break;
		}
	if (slot < 0) {
		slot = rndn(NMAP);
		munmap(maps[slot].addr, maps[slot].len);
		maps[slot].addr = NULL;
	}
	switch (rndn(8)) {
	case 5: case 6: case 7:	/* the size the last SETUP reported */
		len = msize ? msize : 4096;
		break;
	case 0: len = lens[rndn(5)]; break;
	case 1: len = (size_t)(rndn(64) + 1) << 12; break;
	case 2: len = (size_t)1 << (12 + rndn(28)); break;
	case 3: len = rnd32(); break;
	case 4: {	/* a guess at a real size */
		size_t s = 4096 + (size_t)nq * 4096;

		len = s + (size_t)nq * pow2(13, 17) * pow2(1, 4);
		break;
	}
	}
	off = rndn(3) ? 0 : rndn(2) ? 4096 * (off_t)rndn(16) : (off_t)rnd64();
	prot = (int[]){ PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE,
			PROT_NONE, PROT_READ | PROT_EXEC }[rndn(5)];
	flags = rndn(4) ? MAP_SHARED : MAP_PRIVATE;
	if (!rndn(10))
		flags |= MAP_POPULATE;
	if (!rndn(20))
		flags |= MAP_LOCKED;
	p = mmap(NULL, len, prot, flags, fd, off);
	n_mmap++;
	if (p == MAP_FAILED)
		return;
	n_mmap_ok++;
	maps[slot].addr = p;
	maps[slot].len = len;
	maps[slot].touchable = (prot & PROT_READ) != 0;
}

static void do_map_op(void)
{
	int i = rndn(NMAP);
	struct mapping *m = &maps[i];
	size_t pages;

	if (!m->addr)
		return;
	pages = (m->len + 4095) / 4096;
	switch (rndn(7)) {
	case 0:		/* whole */
		munmap(m->addr, m->len);
		m->addr = NULL;
		break;
	case 1:		/* first page: the rest is a split-off VMA */
		if (pages > 1) {
			munmap(m->addr, 4096);
			m->addr += 4096;
			m->len = (pages - 1) * 4096;
		}
		break;
	case 2:		/* punch a hole: three VMAs become two */
		if (pages > 2) {
			munmap(m->addr + 4096 * (1 + rndn(pages - 2)), 4096);
			m->touchable = 0;
		}
		break;
	case 3:
		mprotect(m->addr, 4096 * (1 + rndn(pages)),
			 rndn(2) ? PROT_NONE : PROT_READ | PROT_WRITE);
		m->touchable = 0;
		break;
	case 4:
		madvise(m->addr, m->len, rndn(2) ? MADV_DONTNEED : MADV_DONTFORK);
		break;
	case 5: {	/* shrink or try to grow (VM_DONTEXPAND) */
		size_t nl = rndn(2) ? 4096 : m->len * 2;
		void *np = mremap(m->addr, m->len, nl, rndn(2) ? MREMAP_MAYMOVE : 0);

		if (np != MAP_FAILED) {
			m->addr = np;
			m->len = nl;
		}
		m->touchable = 0;
		break;
	}
	default:	/* read and write the mapped bytes */
		if (m->touchable) {
			signal(SIGSEGV, on_segv);
			signal(SIGBUS, on_segv);
			if (sigsetjmp(segv_jmp, 1)) {
				n_segv++;
				m->touchable = 0;
				break;
			}
			for (int k = 0; k < 16; k++) {
				size_t o = rndn(m->len);
				volatile uint8_t *b = m->addr + o;
				uint8_t v = *b;

				*b = v ^ (uint8_t)rnd32();
			}
		}
		break;
	}
}

static void reopen(int i)
{
	if (fds[i] >= 0)
		close(fds[i]);
	fds[i] = open(DEV, O_RDWR | (rndn(2) ? O_NONBLOCK : 0));
	if (i < 2 && fds[i] >= 0) {
		struct lwpcap_bind b = { .ifindex = ifindex,
					 .abi_version = LWPCAP_ABI_VERSION,
					 .point = ring_point() };

		ioctl(fds[i], LWPCAP_IOC_BIND, &b);
	}
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long seed = 0, count = 100000, next_report;
	const char *ifname = NULL;
	int c, forks = 0;

	while ((c = getopt_long(argc, argv, "i:n:", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (!ifname || !(ifindex = if_nametoindex(ifname))) {
		fprintf(stderr, "usage: fuzz -i IF [-n IOCTLS] [--seed S]\n");
		return 2;
	}
	if (!seed)
		seed = (unsigned long long)time(NULL) * 1000003ull ^ getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("fuzz: seed %llu (replay: fuzz -i %s -n %llu --seed %llu)\n",
	       seed, ifname, count, seed);
	rng_seed(seed);

	/* buf: 64 KiB scratch; then a read-only, a PROT_NONE page and an
	 * "edge" page followed by an unmapped one.
	 */
	buf = mmap(NULL, 65536 + 4 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	ro_page = buf + 65536;
	none_page = ro_page + 4096;
	edge_page = none_page + 4096;
	mprotect(ro_page, 4096, PROT_READ);
	mprotect(none_page, 4096, PROT_NONE);
	munmap(edge_page + 4096, 4096);

	for (int i = 0; i < NFD; i++) {
		fds[i] = -1;
		reopen(i);
	}
	next_report = 10000;
	while (n_ioctl < count) {
		unsigned int k = rndn(100);

		if (k < 70)
			do_ioctl();
		else if (k < 82)
			do_mmap();
		else if (k < 96)
			do_map_op();
		else if (k < 99)
			reopen(rndn(NFD));
		else if (!rndn(40)) {
			/* a child inherits files and mappings, fuzzes a bit */
			pid_t pid = fork();

			if (pid == 0) {
				rng_seed(rnd64() ^ 0x5a5a);
				for (int j = 0; j < 200; j++)
					rndn(2) ? do_ioctl() : do_map_op();
				_exit(0);
			}
			if (pid > 0) {
				waitpid(pid, NULL, 0);
				forks++;
			}
		}
		if (n_ioctl >= next_report) {
			printf("fuzz: %llu ioctls (%llu ok), %llu mmaps (%llu ok)\n",
			       (unsigned long long)n_ioctl,
			       (unsigned long long)n_ok,
			       (unsigned long long)n_mmap,
			       (unsigned long long)n_mmap_ok);
			next_report += 10000;
		}
	}
	for (int i = 0; i < NMAP; i++)
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
	for (int i = 0; i < NFD; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	printf("FUZZ seed=%llu ioctls=%llu ok=%llu mmaps=%llu mmap_ok=%llu "
	       "forks=%d segv=%llu ENOTTY=%llu EINVAL=%llu EFAULT=%llu "
	       "EBADFD=%llu EBUSY=%llu EBADF=%llu\n", seed,
	       (unsigned long long)n_ioctl, (unsigned long long)n_ok,
	       (unsigned long long)n_mmap, (unsigned long long)n_mmap_ok,
	       forks, (unsigned long long)n_segv,
	       (unsigned long long)errs[ENOTTY], (unsigned long long)errs[EINVAL],
	       (unsigned long long)errs[EFAULT], (unsigned long long)errs[EBADFD],
	       (unsigned long long)errs[EBUSY], (unsigned long long)errs[EBADF]);
	return 0;
}
